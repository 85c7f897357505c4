/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What every BPF object shares: the target filter, the ring buffer, the drop
 * counter and the record header.  The maps are declared alike in each object
 * and user space makes them one (bpf_map__reuse_fd), so all records meet in
 * one ring buffer, in the order they were written.
 */
#ifndef PSN_COMMON_BPF_H
#define PSN_COMMON_BPF_H

#include "core.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "records.h"

const volatile __u32 filter_mask = 0;	/* PSN_FILTER_* */
const volatile __u32 self_tgid = 0;	/* never trace the tracer */
const volatile __u32 targ_tid = 0;
const volatile char targ_comm[PSN_TASK_COMM_LEN] = {};
const volatile __u64 wakeup_bytes = 0;	/* wake the reader past this backlog */
const volatile __u32 targ_pids[PSN_MAX_FAST_PIDS] = {};
const volatile __u32 nr_targ_pids = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PSN_MAX_TARGETS);
	__type(key, __u32);
	__type(value, __u8);
} targets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

/*
 * The current task, and its ids as bpf_get_current_pid_tgid gives them.  A
 * program runs in one task from start to end, so the helper is declared
 * const: the compiler then calls it once per program, however many of the
 * handlers inlined there ask.  On CPUs that return through a thunk (SRSO's
 * safe RET) each helper call is dearer than the work it does.
 */
static struct task_struct *(*const current_task)(void) __attribute__((const)) =
	(void *)158;	/* bpf_get_current_task_btf */

static __always_inline __u64 current_ids(void)
{
	struct task_struct *task = current_task();

	return (__u64)task->tgid << 32 | (__u32)task->pid;
}

/*
 * -C names a process: its main thread's comm, which its other threads share
 * unless they rename themselves (libuv's, Python's), and it stays the filter.
 */
static __always_inline bool comm_matches(void)
{
	const char *comm = current_task()->group_leader->comm;

	for (int i = 0; i < PSN_TASK_COMM_LEN; i++) {
		if (comm[i] != targ_comm[i])
			return false;
		if (!comm[i])
			break;
	}
	return true;
}

/*
 * A few -p pids, no children to follow: compared at once, no map lookup.
 * tgid's place among them, or -1.
 */
static __always_inline int fast_slot(__u32 tgid)
{
	for (__u32 i = 0; i < PSN_MAX_FAST_PIDS; i++) {
		if (i >= nr_targ_pids)
			break;
		if (tgid == targ_pids[i])
			return i;
	}
	return -1;
}

/* The first test of every program: is the current task traced? */
static __always_inline bool traced(__u64 pid_tgid)
{
	__u32 tgid = pid_tgid >> 32;

	if (tgid == self_tgid)
		return false;
	if (!filter_mask)
		return true;
	if ((filter_mask & PSN_FILTER_TID) && (__u32)pid_tgid != targ_tid)
		return false;
	if (filter_mask & PSN_FILTER_PIDS)
		return fast_slot(tgid) >= 0 &&
		       (!(filter_mask & PSN_FILTER_COMM) || comm_matches());
	if ((filter_mask & PSN_FILTER_TARGETS) &&
	    !bpf_map_lookup_elem(&targets, &tgid))
		return false;
	if ((filter_mask & PSN_FILTER_COMM) && !comm_matches())
		return false;
	return true;
}

/* One more in a counter map (a one-entry array of __u64). */
static __always_inline void count_in(void *map)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(map, &zero);

	if (n)
		__sync_fetch_and_add(n, 1);
}

static __always_inline void count_drop(void)
{
	count_in(&drops);
}

/* Batch wake-ups: waking the reader per record costs more than the record. */
static __always_inline __u64 submit_flags(void)
{
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

/*
 * The current task's comm by two loads from its task_struct: the helper
 * copies it byte by byte (strscpy), and a record is written per call.  The
 * kernel keeps comm NUL-padded; a rename racing with this is torn at worst,
 * as with the helper.
 */
static __always_inline void copy_comm(char *dst)
{
	struct task_struct *t = current_task();
	const __u64 *src = (const __u64 *)t->comm;

	((__u64 *)dst)[0] = src[0];
	((__u64 *)dst)[1] = src[1];
}

/* The header but its time: taken when the record is placed in the ring. */
static __always_inline void fill_hdr(struct psn_rec_hdr *h, __u16 kind,
				     __u16 sys, __u64 pid_tgid)
{
	h->kind = kind;
	h->syscall = sys;
	h->flags = 0;
	h->pid = pid_tgid >> 32;
	h->tid = (__u32)pid_tgid;
	copy_comm(h->comm);
}

/* Reserve a record and fill its header; NULL (and a counted drop) if full. */
static __always_inline void *reserve(__u64 size, __u16 kind, __u16 sys,
				     __u64 pid_tgid)
{
	struct psn_rec_hdr *h = bpf_ringbuf_reserve(&events, size, 0);

	if (!h) {
		count_drop();
		return NULL;
	}
	fill_hdr(h, kind, sys, pid_tgid);
	h->ts = bpf_ktime_get_ns();
	return h;
}

static __always_inline void submit(void *rec)
{
	bpf_ringbuf_submit(rec, submit_flags());
}

/* Copy a record built elsewhere (variable size) into the ring buffer. */
static __always_inline void output(void *rec, __u64 size)
{
	if (bpf_ringbuf_output(&events, rec, size, submit_flags()))
		count_drop();
}

/*
 * The current thread's syscall arguments as it passed them (di, si, dx, r10):
 * x86-64 saves them in pt_regs at entry and they are still there at exit, so
 * an exit program needs no entry program to know them.
 */
static __always_inline struct pt_regs *user_regs(void)
{
	return (struct pt_regs *)bpf_task_pt_regs(current_task());
}

/*
 * A raw sys_enter's arguments laid out as its per-syscall tracepoint's
 * record, so one handler serves both (no traced call reads past the fourth).
 */
static __always_inline void raw_args(const struct pt_regs *regs,
				     struct trace_event_raw_sys_enter *rec)
{
	rec->args[0] = regs->di;
	rec->args[1] = regs->si;
	rec->args[2] = regs->dx;
	rec->args[3] = regs->r10;
}

/* Not a 32-bit call, whose numbers differ (the per-syscall tracepoints skip
 * those too). */
static __always_inline bool native_call(void)
{
	return !(current_task()->thread_info.status & TS_COMPAT);
}

/* The file at task's fd (NULL: none, or unreadable). */
static __always_inline struct file *task_fd_file(struct task_struct *task, int fd)
{
	struct file **fds;
	struct file *f = NULL;
	unsigned int max;

	if (fd < 0)
		return NULL;
	max = BPF_CORE_READ(task, files, fdt, max_fds);
	if ((unsigned int)fd >= max)
		return NULL;
	fds = BPF_CORE_READ(task, files, fdt, fd);
	if (!fds || bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]))
		return NULL;
	return f;
}

static __always_inline struct file *fd_file(int fd)
{
	return task_fd_file(current_task(), fd);
}

/*
 * handler(ctx, arg, pid_tgid) if the current task is traced, else 0: the
 * one target test of a program, made before any handler runs.
 */
#define IF_TRACED(handler, ctx, arg)                                          \
	({                                                                    \
		__u64 __id = current_ids();                                   \
		traced(__id) ? handler(ctx, arg, __id) : 0;                   \
	})

/* A syscall traced at exit only (its exit reads the arguments from
 * user_regs()), named pfx##exit_NAME. */
#define SYSCALL_EXIT_PROBE_NAMED(pfx, name, sys, exit)                        \
	SEC("tracepoint/syscalls/sys_exit_" #name)                            \
	int pfx##exit_##name(struct trace_event_raw_sys_exit *ctx)            \
	{                                                                     \
		return IF_TRACED(exit, ctx, sys);                             \
	}

/*
 * A syscall's two programs, for traced tasks: enter(ctx, sys, pid_tgid) at
 * entry, exit(ctx, sys, pid_tgid) at exit, named pfx##enter_NAME and
 * pfx##exit_NAME (a prefix groups programs that user space may leave out).
 */
#define SYSCALL_PROBES_NAMED(pfx, name, sys, enter, exit)                     \
	SEC("tracepoint/syscalls/sys_enter_" #name)                           \
	int pfx##enter_##name(struct trace_event_raw_sys_enter *ctx)          \
	{                                                                     \
		return IF_TRACED(enter, ctx, sys);                            \
	}                                                                     \
	SYSCALL_EXIT_PROBE_NAMED(pfx, name, sys, exit)

#define SYSCALL_PROBES(name, sys, enter, exit)                                \
	SYSCALL_PROBES_NAMED(, name, sys, enter, exit)

#define SYSCALL_EXIT_PROBE(name, sys, exit)                                   \
	SYSCALL_EXIT_PROBE_NAMED(, name, sys, exit)

/*
 * Per-thread state in task storage: no hash, no LRU lock, freed with the
 * task.  task_call() is the current thread's.
 */
#define TASK_STORAGE(name, vtype)                                             \
	struct {                                                              \
		__uint(type, BPF_MAP_TYPE_TASK_STORAGE);                      \
		__uint(map_flags, BPF_F_NO_PREALLOC);                         \
		__type(key, int);                                             \
		__type(value, vtype);                                         \
	} name SEC(".maps")

#define task_storage(map, task, create)                                       \
	bpf_task_storage_get(&map, task, 0,                                   \
			     (create) ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0)

#define task_call(map, create) task_storage(map, current_task(), create)

#endif /* PSN_COMMON_BPF_H */
