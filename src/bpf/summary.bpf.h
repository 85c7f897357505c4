/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Summary mode's aggregation, part of the epoll object: per loop (process,
 * thread, epoll instance) counters and log2 histograms kept in maps, so -s
 * costs no ring-buffer record per call.  Hooks called from epoll.bpf.c.
 */
#ifndef PSN_SUMMARY_BPF_H
#define PSN_SUMMARY_BPF_H

#define EPOLLERR 0x008
#define EPOLLHUP 0x010
#define EAGAIN 11

const volatile bool summary = false;

/* A thread's last wait on an epoll instance: the windows it opened. */
struct thread_wait {
	__u64 wait_id;
	__u64 ret_ts;		/* when it returned */
	__u32 opened;		/* windows it opened */
	__u32 handled;		/* of them, handled so far */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__uint(max_entries, 16384);
	__type(key, struct psn_loop_key);
	__type(value, struct psn_loop_stats);
} loops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__uint(max_entries, 65536);
	__type(key, struct psn_fd_key);
	__type(value, struct psn_fd_stats);
} fd_stats SEC(".maps");

/* log2 slot of v.  Global: verified once, not at each caller's every state. */
__noinline __u32 hist_slot(__u64 v)
{
	__u32 r = 0, shift;

	if (!v)
		return 0;
	shift = (v > 0xffffffffull) << 5; v >>= shift; r = shift;
	shift = (v > 0xffff) << 4; v >>= shift; r |= shift;
	shift = (v > 0xff) << 3; v >>= shift; r |= shift;
	shift = (v > 0xf) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	r += 1;
	return r < PSN_HIST_SLOTS ? r : PSN_HIST_SLOTS - 1;
}

static __always_inline struct psn_loop_stats *loop_stats(__u32 tgid, __u32 tid,
							 __s32 epfd)
{
	struct psn_loop_key k = { .tgid = tgid, .tid = tid, .epfd = epfd };
	static const struct psn_loop_stats zero;
	struct psn_loop_stats *st = bpf_map_lookup_elem(&loops, &k);

	if (st)
		return st;
	bpf_map_update_elem(&loops, &k, &zero, BPF_NOEXIST);
	st = bpf_map_lookup_elem(&loops, &k);
	if (st && tid == (__u32)current_ids())
		bpf_get_current_comm(st->comm, sizeof(st->comm));
	return st;
}

static __always_inline void hist_add(__u64 *hist, __u64 v)
{
	__u32 slot = hist_slot(v);

	/* slot is < 32 already: keep the compiler from dropping the check. */
	barrier_var(slot);
	if (slot < PSN_HIST_SLOTS)
		__sync_fetch_and_add(&hist[slot], 1);
}

/* A new wait: the last iteration's length (the loop lag), its leftovers. */
static __always_inline void sum_wait_entered(__u32 tgid, __u32 tid, __s32 epfd,
					     struct thread_wait *last, __u64 now)
{
	struct psn_loop_stats *st;
	__u64 lag;

	if (!summary || !last || !last->ret_ts)
		return;
	st = loop_stats(tgid, tid, epfd);
	if (!st)
		return;
	lag = now - last->ret_ts;
	hist_add(st->lag_hist, lag / 1000);
	if (lag > st->lag_max_ns) {
		st->lag_max_ns = lag;
		st->lag_max_ts = now;
	}
	if (last->opened > last->handled)
		__sync_fetch_and_add(&st->unhandled, last->opened - last->handled);
}

static __always_inline void sum_wait_returned(__u32 tgid, __u32 tid, __s32 epfd,
					      long ret, __s64 timeout_ns,
					      __u64 duration_ns)
{
	struct psn_loop_stats *st;

	if (!summary)
		return;
	st = loop_stats(tgid, tid, epfd);
	if (!st)
		return;
	st->waits++;
	st->blocked_ns += duration_ns;
	if (ret < 0) {
		st->failed++;
		return;
	}
	st->events += ret;
	hist_add(st->events_hist, ret);
	if (!ret && !timeout_ns)
		st->busy_polls++;
}

/* An event for fd: its count, a HUP/ERR again, another thread's still open. */
static __always_inline void sum_event(__u32 tgid, __u32 tid, __s32 epfd, __s32 fd,
				      __u32 mask, const struct window *prev)
{
	struct psn_fd_key fk = { .tgid = tgid, .fd = fd };
	struct psn_fd_stats fresh = { .events = 1, .last_mask = mask };
	struct psn_fd_stats *fs = bpf_map_lookup_elem(&fd_stats, &fk);
	bool hup_again = false, herd;
	struct psn_loop_stats *st;

	if (fs) {
		hup_again = (fs->last_mask & mask & (EPOLLHUP | EPOLLERR)) != 0;
		__sync_fetch_and_add(&fs->events, 1);
		fs->last_mask = mask;
	} else {
		bpf_map_update_elem(&fd_stats, &fk, &fresh, BPF_ANY);
	}
	/* Woken for a readiness another thread got and has not handled yet. */
	herd = prev && prev->tid != tid && prev->epfd == epfd && !prev->handled;
	if (!hup_again && !herd)
		return;
	st = loop_stats(tgid, tid, epfd);
	if (!st)
		return;
	if (hup_again)
		__sync_fetch_and_add(&st->hup_repeats, 1);
	if (herd)
		__sync_fetch_and_add(&st->herd, 1);
}

/* A closed or deleted fd: a HUP on its number's next file is not a repeat. */
static __always_inline void sum_fd_gone(struct psn_fd_key *fk)
{
	struct psn_fd_stats *fs = bpf_map_lookup_elem(&fd_stats, fk);

	if (fs)
		fs->last_mask = 0;
}

/* The first I/O or re-arm in a window: the event was handled. */
static __always_inline void sum_handled(__u32 tgid, struct window *w,
					struct thread_wait *tw, bool io, __u64 now)
{
	struct psn_loop_stats *st;

	if (!summary || w->handled)
		return;
	w->handled = 1;
	if (tw)
		__sync_fetch_and_add(&tw->handled, 1);
	st = loop_stats(tgid, w->tid, w->epfd);
	if (!st)
		return;
	__sync_fetch_and_add(&st->handled, 1);
	if (io)
		hist_add(st->first_io_hist, (now - w->ts) / 1000);
}

static __always_inline bool is_receive(__u16 sys)
{
	return sys == PSN_SYS_READ || sys == PSN_SYS_READV ||
	       sys == PSN_SYS_RECVFROM || sys == PSN_SYS_RECVMSG ||
	       sys == PSN_SYS_RECVMMSG || sys == PSN_SYS_ACCEPT ||
	       sys == PSN_SYS_ACCEPT4;
}

/* The first receive of an event found nothing: a spurious wakeup. */
static __always_inline void sum_spurious(__u32 tgid, __u32 tid, __s32 epfd)
{
	struct psn_loop_stats *st = loop_stats(tgid, tid, epfd);

	if (st)
		__sync_fetch_and_add(&st->spurious, 1);
}

#endif /* PSN_SUMMARY_BPF_H */
