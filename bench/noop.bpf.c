// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The bench's `per-syscall noop`: the cost of being attached at all to the
 * tracepoints of `portsnoop --attach=per-syscall`, each program returning at
 * once.  What a bystander pays for this is the least any tracer on these
 * tracepoints can cost it.
 */
#include "core.h"
#include <bpf/bpf_helpers.h>
#include "tracepoints.h"

#define PROBES(name)                                                          \
	SEC("tracepoint/syscalls/sys_enter_" #name)                           \
	int enter_##name(void *ctx)                                           \
	{                                                                     \
		return 0;                                                     \
	}                                                                     \
	SEC("tracepoint/syscalls/sys_exit_" #name)                            \
	int exit_##name(void *ctx)                                            \
	{                                                                     \
		return 0;                                                     \
	}

#define EXIT_PROBE(name)                                                      \
	SEC("tracepoint/syscalls/sys_exit_" #name)                            \
	int exit_##name(void *ctx)                                            \
	{                                                                     \
		return 0;                                                     \
	}

#define OTHER(cat, name)                                                      \
	SEC("tracepoint/" #cat "/" #name)                                     \
	int other_##name(void *ctx)                                           \
	{                                                                     \
		return 0;                                                     \
	}

BENCH_SYSCALLS(PROBES)
BENCH_EXIT_ONLY(EXIT_PROBE)
BENCH_OTHER(OTHER)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
