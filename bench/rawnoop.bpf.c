// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The bench's `noop`: the cost of being attached at all to the tracepoints
 * portsnoop attaches by default, one program at every syscall's entry and
 * one at its exit (raw_tp/sys_enter, sys_exit; portsnoop's are BTF-typed,
 * tp_btf, and run the same way), each returning at once.  They run for every
 * syscall of every process, yet skip the per-syscall tracepoints' perf-event
 * path (the argument copy into a per-CPU buffer before the program runs).
 */
#include "core.h"
#include <bpf/bpf_helpers.h>

SEC("raw_tp/sys_enter")
int raw_enter(void *ctx)
{
	return 0;
}

SEC("raw_tp/sys_exit")
int raw_exit(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
