// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * LD_PRELOAD fault injection: bpf(BPF_PROG_LOAD) of a BPF tracing program
 * (fentry, tp_btf, ...) fails with EINVAL, as on the kernels that refuse
 * them; every other call reaches the kernel.  This kernel loads them, so a
 * tool's fallback for such kernels can only be run this way.  libbpf makes
 * its bpf(2) calls through libc's syscall(3), which this replaces.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include <linux/bpf.h>

typedef long (*syscall_fn)(long, ...);

long syscall(long nr, ...)
{
	static syscall_fn next;
	long a[6];
	va_list ap;

	va_start(ap, nr);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (nr == SYS_bpf && a[0] == BPF_PROG_LOAD &&
	    ((const union bpf_attr *)a[1])->prog_type == BPF_PROG_TYPE_TRACING) {
		errno = EINVAL;
		return -1;
	}
	if (!next)
		next = (syscall_fn)dlsym(RTLD_NEXT, "syscall");
	return next(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}
