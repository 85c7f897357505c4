// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The floor: the least a tracer of these syscalls can do, as the benchmark's
 * issue defines it.  The same tracepoints as portsnoop (the per-syscall
 * ones, or with floor --raw the raw ones, below); a test of the tgid
 * (against at most 4 constants, where portsnoop looks a hash map up); at
 * every hit of a traced call's entry or exit one fixed 64-byte ring-buffer
 * record (time, pid/tid, syscall, first argument or return), with wake-ups
 * batched as portsnoop batches them (BPF_RB_NO_WAKEUP until wakeup_bytes
 * are pending).  No maps but the ring buffer and a drop counter, no comm,
 * no user memory read.  floor --exit-only writes the exits' records only:
 * one per call, as portsnoop does, a stricter reference than the issue's.
 */
#include "core.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "tracepoints.h"
#include "sysnr.h"

#define MAX_TARGETS 4
const volatile __u32 targ_tgid[MAX_TARGETS] = {};	/* 0: unused */
const volatile __u64 wakeup_bytes = 0;
const volatile bool exit_only = false;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

struct floor_rec {
	__u64 ts;
	__u32 pid;
	__u32 tid;
	__s64 val;		/* entry: the first argument; exit: the return */
	__u32 nr;
	__u32 at_exit;
	__u64 pad[4];
};

_Static_assert(sizeof(struct floor_rec) == 64, "a 64-byte record");

static __always_inline bool mine(__u64 pid_tgid)
{
	__u32 tgid = pid_tgid >> 32;

	return tgid == targ_tgid[0] || tgid == targ_tgid[1] ||
	       tgid == targ_tgid[2] || tgid == targ_tgid[3];
}

/* The filter alone, where no record is written. */
static __always_inline int filter_only(__u64 pid_tgid)
{
	volatile bool m = mine(pid_tgid);

	(void)m;
	return 0;
}

static __always_inline int record(__u64 pid_tgid, long nr, long val,
				  bool at_exit)
{
	struct floor_rec *r;
	__u32 zero = 0;
	__u64 *n;

	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		n = bpf_map_lookup_elem(&drops, &zero);
		if (n)
			__sync_fetch_and_add(n, 1);
		return 0;
	}
	r->ts = bpf_ktime_get_ns();
	r->pid = pid_tgid >> 32;
	r->tid = (__u32)pid_tgid;
	r->val = val;
	r->nr = nr;
	r->at_exit = at_exit;
	r->pad[0] = r->pad[1] = r->pad[2] = r->pad[3] = 0;
	bpf_ringbuf_submit(r, bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >=
			   wakeup_bytes ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
	return 0;
}

static __always_inline int on_enter(struct trace_event_raw_sys_enter *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	if (exit_only)
		return filter_only(pid_tgid);
	return mine(pid_tgid) ? record(pid_tgid, ctx->id, ctx->args[0], false) : 0;
}

static __always_inline int on_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	return mine(pid_tgid) ? record(pid_tgid, ctx->id, ctx->ret, true) : 0;
}

#define PROBES(name)                                                          \
	SEC("tracepoint/syscalls/sys_enter_" #name)                           \
	int enter_##name(struct trace_event_raw_sys_enter *ctx)               \
	{                                                                     \
		return on_enter(ctx);                                         \
	}                                                                     \
	SEC("tracepoint/syscalls/sys_exit_" #name)                            \
	int exit_##name(struct trace_event_raw_sys_exit *ctx)                 \
	{                                                                     \
		return on_exit(ctx);                                          \
	}

#define EXIT_PROBE(name)                                                      \
	SEC("tracepoint/syscalls/sys_exit_" #name)                            \
	int exit_##name(struct trace_event_raw_sys_exit *ctx)                 \
	{                                                                     \
		return on_exit(ctx);                                          \
	}

/* Not calls, and rare here: filtered, not recorded. */
#define OTHER(cat, name)                                                      \
	SEC("tracepoint/" #cat "/" #name)                                     \
	int other_##name(void *ctx)                                           \
	{                                                                     \
		return filter_only(bpf_get_current_pid_tgid());               \
	}

BENCH_SYSCALLS(PROBES)
BENCH_EXIT_ONLY(EXIT_PROBE)
BENCH_OTHER(OTHER)

/*
 * The floor of portsnoop on the raw syscall tracepoints (floor --raw; user
 * space loads these or the syscall ones above, and the others): one
 * program at every syscall's entry and exit, the tgid test first, then the
 * call's number against the same lists (an entry is a hit of a call the
 * per-syscall programs trace at entry); as portsnoop, not a 32-bit call
 * (whose numbers differ).
 */
#define NR_CASE(name) case PSN_NR_##name:

static __always_inline bool entry_call(long nr)
{
	switch (nr) {
	BENCH_SYSCALLS(NR_CASE)
		return true;
	}
	return false;
}

static __always_inline bool bench_call(long nr)
{
	switch (nr) {
	BENCH_SYSCALLS(NR_CASE)
	BENCH_EXIT_ONLY(NR_CASE)
		return true;
	}
	return false;
}

#undef NR_CASE

static __always_inline bool compat_call(void)
{
	return bpf_get_current_task_btf()->thread_info.status & TS_COMPAT;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(raw_enter, struct pt_regs *regs, long nr)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	if (exit_only) {
		volatile bool m = mine(pid_tgid) && bench_call(nr);

		(void)m;
		return 0;
	}
	if (!mine(pid_tgid) || !entry_call(nr) || compat_call())
		return 0;
	return record(pid_tgid, nr, regs->di, false);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(raw_exit, struct pt_regs *regs, long ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	if (!mine(pid_tgid) || !bench_call(regs->orig_ax) || compat_call())
		return 0;
	return record(pid_tgid, regs->orig_ax, ret, true);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
