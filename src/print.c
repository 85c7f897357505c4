// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Diagnostics go through the user's callback; silent by default. */
#include <stdarg.h>
#include "internal.h"

static psn_print_fn_t print_fn;

psn_print_fn_t psn_set_print(psn_print_fn_t fn)
{
	psn_print_fn_t old = print_fn;

	print_fn = fn;
	return old;
}

void psn__vpr(enum psn_print_level level, const char *fmt, va_list ap)
{
	if (print_fn)
		print_fn(level, fmt, ap);
}

void psn__pr(enum psn_print_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	psn__vpr(level, fmt, ap);
	va_end(ap);
}
