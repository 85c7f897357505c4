// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer: /proc fdinfo lines are kernel-made, but parse any line safely. */
#include <stdlib.h>
#include <string.h>
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1);
	struct psn_fdinfo_reg reg;

	memcpy(line, data, size);
	line[size] = '\0';
	if (psn__fdinfo_parse_line(line, &reg) && reg.tfd < 0)
		abort();
	free(line);
	return 0;
}
