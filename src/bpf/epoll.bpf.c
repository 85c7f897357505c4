// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The epoll tracer: waits and the events they return, epoll_ctl (syscall and
 * io_uring), epoll_create, and the I/O a loop does on an fd inside its window
 * (from the event that woke it to its re-arm, its close, or the receiving
 * thread's next wait on the same epoll instance).
 */
#include "common.bpf.h"
#include "portsnoop_enums.h"
#include "task.bpf.h"

#define IORING_OP_EPOLL_CTL 29
#define EPOLL_CTL_ADD 1
#define EPOLL_CTL_DEL 2
#define EPOLL_CTL_MOD 3
#define EBADF 9

enum io_mode { IO_WINDOW, IO_ALL, IO_NONE };

const volatile __u32 max_items = 30;	/* events put in a wait record */
const volatile bool all_waits = false;
const volatile bool number_empty = true;	/* count the waits that return 0 */
const volatile __u32 io_mode = IO_WINDOW;

__u64 wait_seq = 0;

/*
 * A syscall between its entry and exit, per thread: what the exit cannot
 * find by itself.  The arguments it can: they are still in the thread's
 * saved registers (user_regs()).
 */
struct pending {
	__u64 ts;
	__u64 wait_id;		/* window the I/O is in */
	__s32 fd;		/* the I/O's fd */
	__u16 sys;
	__u16 flags;
	__u32 wtid;		/* the thread whose wait opened the window */
	__s32 wepfd;		/* and its epoll instance */
	__u32 stamp;		/* close: the fd's registration at entry */
	__u32 last_stamp;	/* close of an epoll set: the last given at entry */
	__u64 data;		/* ADD/MOD: the event at entry */
	__u32 events;
	__u32 pad;
};

#define PEND_REPORT 0x1		/* an I/O call to report at exit */
#define PEND_FIRST_RECV 0x2	/* the first receive of an event (summary) */
#define PEND_REGISTERED 0x4	/* close: the fd was registered at entry */
#define PEND_EPOLL 0x8		/* close: the fd is an epoll set with registrations */
#define PEND_ADDING 0x10	/* ADD/MOD: put in 'adding' at entry */

struct window {
	__u64 wait_id;
	__u64 ts;		/* when it opened */
	__u32 tid;
	__s32 epfd;
	__u32 handled;		/* I/O or a re-arm seen (summary) */
	__u32 pad;
};

#include "summary.bpf.h"
#include "fdname.bpf.h"

#define THREAD_EPOLLS 4		/* epoll instances a thread's windows stay open on */

/*
 * A thread's last data -> fd answers (most loops see the same few fds), each
 * good while no registration anywhere has changed: reg_gen counts the
 * changes to regs, bumped after each.  It starts at 1, so an unused memo
 * (gen 0) never matches.
 */
#define FD_MEMOS 4

struct fd_memo {
	__u64 data;
	__u64 gen;
	__s32 epfd;
	__s32 fd;
};

__u64 reg_gen = 1;

/*
 * A thread's state: its current call (and a wait's arguments), its data ->
 * fd memos, and per epoll instance the last wait that returned, whose
 * windows are open until the thread waits on that instance again.  Other
 * threads read it (window_wait) through bpf_task_from_pid.
 */
struct thread {
	struct pending call;
	__u64 wait_args[4];	/* epfd, events, maxevents, timeout: at its entry */
	struct fd_memo memos[FD_MEMOS];
	struct thread_wait waits[THREAD_EPOLLS];
	__s32 wait_epfd1[THREAD_EPOLLS];	/* the slot's epfd + 1; 0: free */
	__u32 next_slot;
	__u32 pad;
};

/*
 * The states live in an array, one slot per thread that has one, found
 * through the thread's task storage, and on the raw programs first through
 * a per-CPU memo of the last thread seen (cpu_memo below): a task-storage
 * lookup costs ~40 ns here, an array's is a few instructions, and a loop
 * iteration looks four times.  An exited thread's slot is reused.
 */
#define MAX_THREADS 16384

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_THREADS);
	__type(key, __u32);
	__type(value, struct thread);
} threads SEC(".maps");

TASK_STORAGE(thread_slots, __u32);	/* the thread's slot + 1; 0: none */

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, MAX_THREADS);
	__type(value, __u32);
} free_slots SEC(".maps");

__u64 slots_used = 0;		/* slots handed out at least once */

extern struct task_struct *bpf_task_from_pid(int pid) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;

/*
 * The registrations: allocated as they come (an ADD; a MOD that only
 * re-arms writes nothing), where preallocating 65536 took ~13 ms of
 * start-up each.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, struct psn_reg_key);
	__type(value, struct psn_reg_val);
} regs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, struct psn_fd_key);
	__type(value, struct psn_fdreg_val);
} fdregs SEC(".maps");

/* Registrations the maps had no room for: user space says how many. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} unkept SEC(".maps");

/*
 * The epoll sets that have had registrations, each with how many fdregs
 * entries name it: a set closed with some takes them with it (the next set
 * made soon gets its number), and one with none costs no walk.  set_procs:
 * the processes that have had a set here, so an exec of any other costs a
 * lookup.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 16384);
	__type(key, struct psn_fd_key);
	__type(value, __u32);
} epolls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u32);
} set_procs SEC(".maps");

/* A registration in set epfd was made (delta 1) or forgotten (-1). */
static __always_inline void set_count(__u32 tgid, __s32 epfd, int delta)
{
	struct psn_fd_key k = { .tgid = tgid, .fd = epfd };
	__u32 *live = bpf_map_lookup_elem(&epolls, &k);
	__u32 one = 1;

	if (!live && delta > 0) {
		if (!bpf_map_update_elem(&epolls, &k, &one, BPF_NOEXIST)) {
			bpf_map_update_elem(&set_procs, &tgid, &one, BPF_ANY);
			return;
		}
		live = bpf_map_lookup_elem(&epolls, &k);	/* another made it */
	}
	if (live)
		__sync_fetch_and_add(live, delta);
}

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__uint(max_entries, 65536);
	__type(key, struct psn_fd_key);
	__type(value, struct window);
} windows SEC(".maps");

/*
 * The windows of the -p processes (when few: PSN_FILTER_PIDS) on their
 * first PSN_FAST_FDS fds: an array indexed by the pid's place and the fd,
 * whose lookup is a few instructions where the hash's costs ~40 ns, and a
 * busy loop looks three times per event.  Their other windows are in the
 * hash.  User space sizes it to the pids it has.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PSN_MAX_FAST_PIDS * PSN_FAST_FDS);
	__type(key, __u32);
	__type(value, struct window);
} fast_windows SEC(".maps");

/* fd's slot in fast_windows, or NULL where it has none. */
static __always_inline struct window *fast_window(__u32 tgid, __s32 fd)
{
	__u32 k;
	int i;

	if (!(filter_mask & PSN_FILTER_PIDS) || (__u32)fd >= PSN_FAST_FDS)
		return NULL;
	i = fast_slot(tgid);
	if (i < 0)
		return NULL;
	k = i * PSN_FAST_FDS + fd;
	return bpf_map_lookup_elem(&fast_windows, &k);
}

/* fd's window, open or not: its array slot, else the hash's (NULL if none). */
static __always_inline struct window *window_find(__u32 tgid, __s32 fd)
{
	struct psn_fd_key fk = { .tgid = tgid, .fd = fd };
	struct window *w = fast_window(tgid, fd);

	return w ? w : bpf_map_lookup_elem(&windows, &fk);
}

/* fd is gone: its window too (a slot of the array stays, closed). */
static __always_inline void window_drop(__u32 tgid, __s32 fd)
{
	struct psn_fd_key fk = { .tgid = tgid, .fd = fd };
	struct window *w = fast_window(tgid, fd);

	if (w)
		w->wait_id = 0;
	else
		bpf_map_delete_elem(&windows, &fk);
}

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct psn_rec_epoll_ctl);
} uring_ctls SEC(".maps");

/*
 * A wait's record while it is built, and the events it returned, read a
 * chunk at a time (the record keeps the first PSN_MAX_WAIT_ITEMS).
 */
#define EVENTS_CHUNK 256

_Static_assert((EVENTS_CHUNK & (EVENTS_CHUNK - 1)) == 0, "a power of 2");

struct wait_scratch {
	struct psn_rec_epoll_wait rec;
	struct epoll_event evs[EVENTS_CHUNK];
	__u32 opened;		/* windows the events opened */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct wait_scratch);
} wait_scratch SEC(".maps");

/* ---- data -> fd ------------------------------------------------------- */

struct find_fd {
	__u32 tgid;
	__s32 epfd;
	__u64 data;
	__s32 skip;
	__s32 found;
};

static long match_reg(struct bpf_map *map, struct psn_fd_key *k,
		      struct psn_fdreg_val *v, struct find_fd *f)
{
	if (k->tgid != f->tgid || k->fd == f->skip || v->epfd != f->epfd ||
	    v->data != f->data)
		return 0;
	f->found = k->fd;
	return 1;
}

/*
 * When two fds shared data and one goes, the one left is the fd whose
 * registration still has it.  A walk over all registrations, but only in
 * this rare case (data shared by several fds).
 */
static __always_inline __s32 remaining_fd(__u32 tgid, __s32 epfd, __u64 data,
					  __s32 gone)
{
	struct find_fd f = { .tgid = tgid, .epfd = epfd, .data = data,
			     .skip = gone, .found = -1 };

	bpf_for_each_map_elem(&fdregs, match_reg, &f, 0);
	return f.found;
}

static __always_inline void reg_unlink(__u32 tgid, __s32 epfd, __u64 data,
				       __s32 fd)
{
	struct psn_reg_key k = { .tgid = tgid, .epfd = epfd, .data = data };
	struct psn_reg_val *r = bpf_map_lookup_elem(&regs, &k);

	if (!r)
		return;
	if (r->nfds <= 1) {
		bpf_map_delete_elem(&regs, &k);
	} else {
		r->nfds--;
		r->fd = r->nfds == 1 ? remaining_fd(tgid, epfd, data, fd) : -1;
	}
	__sync_fetch_and_add(&reg_gen, 1);
}

/* Is the registration (epfd, data) of fd still the live one? */
static __always_inline bool reg_live(__u32 tgid, __s32 epfd, __u64 data,
				     __s32 fd)
{
	struct psn_fd_key fk = { .tgid = tgid, .fd = fd };
	struct psn_fdreg_val *v = bpf_map_lookup_elem(&fdregs, &fk);

	return v && v->epfd == epfd && v->data == data;
}

static __always_inline void reg_link(__u32 tgid, __s32 epfd, __u64 data,
				     __s32 fd)
{
	struct psn_reg_key k = { .tgid = tgid, .epfd = epfd, .data = data };
	struct psn_reg_val fresh = { .fd = fd, .nfds = 1 };
	struct psn_reg_val *r = bpf_map_lookup_elem(&regs, &k);

	if (r && r->fd == fd)
		return;
	if (r && (r->fd < 0 || reg_live(tgid, epfd, data, r->fd))) {
		r->nfds++;
		r->fd = -1;
	} else if (bpf_map_update_elem(&regs, &k, &fresh, BPF_ANY)) {
		count_in(&unkept);
		return;
	}
	__sync_fetch_and_add(&reg_gen, 1);
}

/* fd is gone: its registration v (fdregs' entry, NULL: none), window, name. */
static __always_inline void fd_forget_reg(__u32 tgid, __s32 fd,
					  struct psn_fdreg_val *v)
{
	struct psn_fd_key fk = { .tgid = tgid, .fd = fd };

	if (v) {
		set_count(tgid, v->epfd, -1);
		reg_unlink(tgid, v->epfd, v->data, fd);
		bpf_map_delete_elem(&fdregs, &fk);
	}
	window_drop(tgid, fd);
	/* A freed file's address is soon another file's: describe anew. */
	if (fd_names)
		bpf_map_delete_elem(&described, &fk);
	if (summary)
		sum_fd_gone(&fk);
}

static __always_inline void fd_forget(__u32 tgid, __s32 fd)
{
	struct psn_fd_key fk = { .tgid = tgid, .fd = fd };

	fd_forget_reg(tgid, fd, bpf_map_lookup_elem(&fdregs, &fk));
}

/*
 * Registrations are told apart by their stamp: an ADD of the number a close
 * has freed, by another thread before that close's exit, is a new one even
 * with the same epfd and data (see close_forget).
 */
__u64 fdreg_stamps = 0;

static __always_inline __u32 next_stamp(void)
{
	return __sync_fetch_and_add(&fdreg_stamps, 1) + 1;
}

static __always_inline void reg_update(__u32 tgid, __s32 epfd, __s32 op,
				       __s32 fd, __u64 data)
{
	struct psn_fd_key fk = { .tgid = tgid, .fd = fd };
	struct psn_fdreg_val nv = { .epfd = epfd, .data = data };
	struct psn_fdreg_val *v = bpf_map_lookup_elem(&fdregs, &fk);

	if (op == EPOLL_CTL_DEL) {
		if (v && v->epfd == epfd)
			fd_forget(tgid, fd);
		return;
	}
	/* The common re-arm: a MOD that only changes the events. */
	if (v && v->epfd == epfd && v->data == data) {
		if (op == EPOLL_CTL_ADD)
			v->stamp = next_stamp();
		return;
	}
	if (v && v->epfd == epfd)
		reg_unlink(tgid, epfd, v->data, fd);
	nv.stamp = next_stamp();
	if (bpf_map_update_elem(&fdregs, &fk, &nv, BPF_ANY)) {
		count_in(&unkept);
		return;
	}
	reg_link(tgid, epfd, data, fd);
	/* fdregs keeps an fd's latest registration: it may move between sets. */
	if (!v || v->epfd != epfd) {
		if (v)
			set_count(tgid, v->epfd, -1);
		set_count(tgid, epfd, 1);
	}
}

struct set_gone {
	__u32 tgid;
	__s32 epfd;
	__u32 last_stamp;
};

static long forget_set_reg(struct bpf_map *map, struct psn_fd_key *k,
			   struct psn_fdreg_val *v, struct set_gone *g)
{
	struct psn_reg_key rk = { .tgid = k->tgid, .epfd = v->epfd,
				  .data = v->data };

	if (k->tgid != g->tgid || v->epfd != g->epfd || v->stamp > g->last_stamp)
		return 0;
	bpf_map_delete_elem(&regs, &rk);
	bpf_map_delete_elem(&fdregs, k);
	return 0;
}

/*
 * The epoll set at epfd was closed: its registrations go, those stamped up
 * to last_stamp (a new set at the number may have made some since).  A walk
 * over all registrations, once per set closed.  Global: verified once.
 */
__noinline int set_forget(__u32 tgid, __s32 epfd, __u32 last_stamp)
{
	struct psn_fd_key k = { .tgid = tgid, .fd = epfd };
	struct set_gone g = { .tgid = tgid, .epfd = epfd,
			      .last_stamp = last_stamp };
	__u32 *live = bpf_map_lookup_elem(&epolls, &k);
	bool any;

	if (!live)
		return 0;
	any = *live != 0;
	bpf_map_delete_elem(&epolls, &k);
	if (!any)
		return 0;
	bpf_for_each_map_elem(&fdregs, forget_set_reg, &g, 0);
	__sync_fetch_and_add(&reg_gen, 1);
	return 0;
}

/* fd's number is free (dup2 onto it, close_range): all it had goes. */
static __always_inline void number_freed(__u32 tgid, __s32 fd)
{
	fd_forget(tgid, fd);
	set_forget(tgid, fd, ~0U);
}

/*
 * ADDs and MODs in progress: the kernel arms the fd, and a ready fd's event
 * can reach another thread's wait, before the call returns to its exit,
 * where it is learned (test_threads lost a window so about once in 20 runs;
 * a MOD may bring new data, and its exit closes the fd's window).  Known
 * from the call's entry until its exit has applied it; only those whose
 * data regs has no answer for (ctl_enter).
 */
struct add {
	__u64 ts;		/* its entry */
	__s32 fd;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 4096);
	__type(key, struct psn_reg_key);
	__type(value, struct add);
} adding SEC(".maps");

/*
 * A registration the calling process has none of, made by its parent before
 * it forked it: the child shares the epoll instance and the fd, which it
 * would learn from fdinfo only when user space reads the fork's record
 * (milliseconds), or never where children are not followed (-C, the whole
 * machine).  The parent's answer holds only if its epfd and fd are still
 * the very files the child has at those numbers.
 */
static __noinline __s32 inherited_fd(__s32 epfd, __u64 data)
{
	struct task_struct *child = current_task();
	struct task_struct *parent = BPF_CORE_READ(child, real_parent);
	struct psn_reg_key k = { .tgid = BPF_CORE_READ(parent, tgid),
				 .epfd = epfd, .data = data };
	struct psn_reg_val *r = bpf_map_lookup_elem(&regs, &k);
	struct file *f;

	if (!r || r->nfds != 1)
		return -1;
	f = task_fd_file(child, epfd);
	if (!f || f != task_fd_file(parent, epfd))
		return -1;
	f = task_fd_file(child, r->fd);
	return f && f == task_fd_file(parent, r->fd) ? r->fd : -1;
}

/*
 * Global, so verified once: inlined into each event's decoding, it was
 * verified again at each of that loop's states (a third of the sys_exit
 * program's verification, at every start-up).
 */
__noinline __s32 reg_fd(__u32 tgid, __s32 epfd, __u64 data)
{
	struct psn_reg_key k = { .tgid = tgid, .epfd = epfd, .data = data };
	struct psn_reg_val *r = bpf_map_lookup_elem(&regs, &k);

	struct add *added;

	if (!r) {
		added = bpf_map_lookup_elem(&adding, &k);
		if (added)
			return added->fd;
		/* The ADD's exit may have registered it, then dropped it from
		 * adding, between the two looks. */
		r = bpf_map_lookup_elem(&regs, &k);
	}
	if (!r)
		return inherited_fd(epfd, data);
	return r->nfds == 1 ? r->fd : -1;
}

/* reg_fd(), answered from the thread's memo while it is good. */
static __always_inline __s32 memo_fd(struct thread *t, __u32 tgid, __s32 epfd,
				     __u64 data)
{
	struct fd_memo *m = &t->memos[(data ^ data >> 4) & (FD_MEMOS - 1)];
	__u64 gen = reg_gen;
	__s32 fd;

	if (m->gen == gen && m->data == data && m->epfd == epfd)
		return m->fd;
	fd = reg_fd(tgid, epfd, data);
	if (fd >= 0) {
		m->data = data;
		m->epfd = epfd;
		m->fd = fd;
		m->gen = gen;
	}
	return fd;
}

/* ---- thread states ----------------------------------------------------- */

/*
 * Per CPU, the last task found not traced at a call portsnoop traces (by the
 * address of its user registers: the raw programs have it at no cost) and
 * the last thread whose state was looked up, with its slot.  Kept by the raw
 * programs only: their fork program forgets a new task's entries on every
 * CPU before it runs, as a new task may be given a dead one's stack or
 * task_struct (whose pid then differs as well).
 */
struct cpu_memo {
	__u64 bystander;	/* pt_regs address */
	__u64 task;		/* task_struct address */
	__s32 tid;		/* and its pid: a reused task_struct has another */
	__u32 slot1;		/* its state's slot + 1 */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cpu_memo);
} cpu_memo SEC(".maps");

const volatile bool raw_set = false;	/* the raw programs are loaded */

/*
 * A fresh slot for a thread (+ 1), or 0 (a drop) when all are taken.  Global:
 * verified once, not at each state of each caller.
 */
__noinline __u32 slot_alloc(void)
{
	struct thread *t;
	__u64 fresh;
	__u32 slot;

	if (bpf_map_pop_elem(&free_slots, &slot)) {
		fresh = __sync_fetch_and_add(&slots_used, 1);
		if (fresh >= MAX_THREADS) {
			count_drop();
			return 0;
		}
		slot = fresh;
	}
	t = bpf_map_lookup_elem(&threads, &slot);
	if (!t)
		return 0;
	__builtin_memset(t, 0, sizeof(*t));
	return slot + 1;
}

/* task's slot + 1 (0: none); with create, one is given if it has none. */
static __always_inline __u32 slot_of(struct task_struct *task, bool create)
{
	__u32 *slot1 = task_storage(thread_slots, task, create);

	if (!slot1)
		return 0;
	if (!*slot1 && create)
		*slot1 = slot_alloc();
	return *slot1;
}

static __always_inline struct thread *thread_at(__u32 slot1)
{
	__u32 slot = slot1 - 1;

	return slot1 ? bpf_map_lookup_elem(&threads, &slot) : NULL;
}

/* The calling thread's state; with create, made if it has none. */
static __always_inline struct thread *thread_self(bool create)
{
	struct task_struct *task = current_task();
	__u32 zero = 0, slot1;
	struct cpu_memo *m = raw_set ? bpf_map_lookup_elem(&cpu_memo, &zero) : NULL;

	if (m && m->task == (__u64)task && m->tid == task->pid)
		return thread_at(m->slot1);
	slot1 = slot_of(task, create);
	if (m && slot1) {
		m->task = (__u64)task;
		m->tid = task->pid;
		m->slot1 = slot1;
	}
	return thread_at(slot1);
}

/* An exited thread's slot is free for the next new one. */
SEC("tracepoint/sched/sched_process_exit")
int thread_exit(void *ctx)
{
	__u32 *slot1 = task_call(thread_slots, false);
	__u32 slot;

	if (!slot1 || !*slot1)
		return 0;
	slot = *slot1 - 1;
	*slot1 = 0;
	bpf_map_push_elem(&free_slots, &slot, 0);
	return 0;
}

/* ---- windows ---------------------------------------------------------- */

/* The thread's last wait on epfd, if it keeps one. */
static __always_inline struct thread_wait *thread_wait_of(struct thread *t,
							  __s32 epfd)
{
	for (int i = 0; i < THREAD_EPOLLS; i++)
		if (t->wait_epfd1[i] == epfd + 1)
			return &t->waits[i];
	return NULL;
}

/* The slot for the thread's last wait on epfd: its own, else the oldest. */
static __always_inline struct thread_wait *thread_wait_claim(struct thread *t,
							     __s32 epfd)
{
	struct thread_wait *tw = thread_wait_of(t, epfd);
	__u32 i;

	if (tw)
		return tw;
	i = t->next_slot++ & (THREAD_EPOLLS - 1);
	t->waits[i].wait_id = 0;
	t->wait_epfd1[i] = epfd + 1;
	return &t->waits[i];
}

/* Another thread's last wait on epfd: its task storage, by its tid. */
static __noinline struct thread_wait *other_thread_wait(__u32 tid, __s32 epfd)
{
	struct task_struct *task = bpf_task_from_pid(tid);
	struct thread *t;

	if (!task)
		return NULL;
	t = thread_at(slot_of(task, false));
	bpf_task_release(task);
	return t ? thread_wait_of(t, epfd) : NULL;
}

/* A window's wait id, read once: a wait of another thread may rewrite it. */
static __always_inline __u64 window_id(const struct window *w)
{
	return *(volatile const __u64 *)&w->wait_id;
}

/*
 * The wait state of w's thread if w, opened by wait `id`, is still open (its
 * wait is the last).  *self is the calling thread's state, looked up here if
 * NULL and kept for the caller.
 */
static __always_inline struct thread_wait *window_wait_id(const struct window *w,
							  __u64 id,
							  struct thread **self)
{
	struct thread_wait *tw;

	if (!id)
		return NULL;
	if (w->tid == (__u32)current_ids()) {
		/* A thread with no state has no wait yet. */
		if (!*self)
			*self = thread_self(false);
		tw = *self ? thread_wait_of(*self, w->epfd) : NULL;
	} else {
		tw = other_thread_wait(w->tid, w->epfd);
	}
	return tw && tw->wait_id == id ? tw : NULL;
}

static __always_inline struct thread_wait *window_wait(const struct window *w,
						       struct thread **self)
{
	return window_wait_id(w, window_id(w), self);
}

/*
 * Mark w closed if wait `id` still has it: a compare-and-swap, for between
 * the look that found it closed and this store, another thread's wait may
 * have rewritten it for a new event (ids are never reused).
 */
static __always_inline void window_clear(struct window *w, __u64 id)
{
	__sync_val_compare_and_swap(&w->wait_id, id, 0);
}

/* fd's window if it is still open (else NULL), and its wait's state. */
static __always_inline struct window *window_get(__u32 tgid, __s32 fd,
						 struct thread_wait **tw)
{
	struct window *w = window_find(tgid, fd);
	struct thread *self = NULL;

	if (!w)
		return NULL;
	*tw = window_wait(w, &self);
	return *tw ? w : NULL;
}

/*
 * Rewrite a window or a wait state in place: a hash update allocates an
 * element and an LRU one takes a lock, and this runs for every event.
 * Readers match on wait_id, so it is zeroed first and set last (x86 keeps
 * stores in order): a reader sees the old value, none, or the new one.
 */
#define REWRITE(dst, src, id)                                                 \
	do {                                                                  \
		(dst)->wait_id = 0;                                           \
		barrier();                                                    \
		*(dst) = (src);                                               \
		barrier();                                                    \
		(dst)->wait_id = (id);                                        \
	} while (0)

/* Returns true if a window was opened. */
static __always_inline bool window_open(__u32 tgid, __s32 fd, __u32 tid,
					__s32 epfd, __u64 wait_id, __u32 mask,
					__u64 now)
{
	struct psn_fd_key fk = { .tgid = tgid, .fd = fd };
	struct window w = { .ts = now, .tid = tid, .epfd = epfd };
	struct window *cur = window_find(tgid, fd);
	struct thread *self = NULL;

	if (summary)
		sum_event(tgid, tid, epfd, fd, mask,
			  cur && window_wait(cur, &self) ? cur : NULL);
	if (cur) {
		REWRITE(cur, w, wait_id);
		return true;
	}
	w.wait_id = wait_id;
	return !bpf_map_update_elem(&windows, &fk, &w, BPF_ANY);
}

/* The wait that opened fd's window if it is still open, else 0. */
static __always_inline __u64 window_of(__u32 tgid, __s32 fd,
				       struct thread **self)
{
	struct window *w = window_find(tgid, fd);
	__u64 id;

	if (!w)
		return 0;
	id = window_id(w);
	if (window_wait_id(w, id, self))
		return id;
	if (id)		/* closed: the next look needs no wait state */
		window_clear(w, id);
	return 0;
}

/*
 * A re-arm (epoll_ctl on fd in that instance) ends the window: handled.
 * Not a window opened after the call began (since): an ADD's own event.
 */
static __always_inline void window_close(__u32 tgid, __s32 fd, __s32 epfd,
					 __u64 since)
{
	struct window *w = window_find(tgid, fd);
	struct thread *self = NULL;
	struct thread_wait *tw;
	__u64 id;

	if (!w)
		return;
	/* The id first: a rewrite sets it last, so the fields read are its. */
	id = window_id(w);
	barrier();
	if (!id || w->epfd != epfd || w->ts >= since)
		return;
	if (summary && (tw = window_wait_id(w, id, &self)))
		sum_handled(tgid, w, tw, false, 0);
	window_clear(w, id);
}

/* ---- pending calls ---------------------------------------------------- */

/* A call begins: the thread's call state, fresh, with its start time. */
static __always_inline struct pending *call_begin(struct thread *t, __u16 sys)
{
	__builtin_memset(&t->call, 0, sizeof(t->call));
	t->call.ts = bpf_ktime_get_ns();
	t->call.sys = sys;
	return &t->call;
}

/* Begin the calling thread's call; self: its state, if looked up already. */
static __always_inline struct pending *pend(struct thread *self, __u16 sys)
{
	if (!self)
		self = thread_self(true);
	return self ? call_begin(self, sys) : NULL;
}

/* The thread's call state if its entry was this syscall's. */
static __always_inline struct pending *pended(__u16 sys)
{
	struct thread *t = thread_self(false);

	return t && t->call.sys == sys ? &t->call : NULL;
}

/* The call is over: its entry is free for the thread's next one. */
static __always_inline void unpend(struct pending *p)
{
	p->sys = 0;
}

/* ---- waits ------------------------------------------------------------ */

static __always_inline __s64 timespec_ns(__u64 uptr)
{
	__s64 ts[2];

	if (!uptr)
		return -1;
	if (bpf_probe_read_user(ts, sizeof(ts), (void *)uptr))
		return -2;
	return ts[0] * 1000000000LL + ts[1];
}

static __always_inline __s64 ms_ns(long ms)
{
	return (int)ms < 0 ? -1 : (__s64)(int)ms * 1000000;
}

static __always_inline int wait_enter(struct trace_event_raw_sys_enter *ctx,
				      __u16 sys, __u64 pid_tgid)
{
	struct thread_wait *last, none = {};
	__s32 epfd = (int)ctx->args[0];
	struct thread *t;

	t = thread_self(true);
	if (!t)
		return 0;
	call_begin(t, sys);
	/* One by one: a loop makes the compiler move the ctx pointer. */
	t->wait_args[0] = ctx->args[0];
	t->wait_args[1] = ctx->args[1];
	t->wait_args[2] = ctx->args[2];
	t->wait_args[3] = ctx->args[3];
	/* A new wait closes the windows its thread's last wait opened. */
	last = thread_wait_of(t, epfd);
	if (!last)
		return 0;
	sum_wait_entered(pid_tgid >> 32, (__u32)pid_tgid, epfd, last, t->call.ts);
	REWRITE(last, none, 0);
	return 0;
}

struct items_loop {
	struct psn_rec_epoll_wait *r;
	struct epoll_event *evs;
	struct thread *t;
	__u64 uptr;		/* the caller's events */
	__u32 n;		/* how many it got */
	__u32 tid;
	__u32 done;
	__u32 opened;		/* windows opened */
};

/* Events [i, i + EVENTS_CHUNK) into evs: 0, or the read's error. */
static __always_inline long read_chunk(struct items_loop *l, __u32 i)
{
	__u64 size = (__u64)(l->n - i < EVENTS_CHUNK ? l->n - i : EVENTS_CHUNK) *
		     sizeof(l->evs[0]);

	/* Bounded again where the verifier sees it. */
	barrier_var(size);
	if (size > EVENTS_CHUNK * sizeof(l->evs[0]))
		return -1;
	return bpf_probe_read_user(l->evs, size,
				   (void *)(l->uptr + (__u64)i * sizeof(l->evs[0])));
}

/* Event i: its fd, its window, and in the record if among the first. */
static int decode_item(__u32 i, struct items_loop *l)
{
	struct psn_rec_epoll_wait *r = l->r;
	struct epoll_event *ev = &l->evs[i & (EVENTS_CHUNK - 1)];
	struct psn_rec_item *it;
	__s32 fd;

	if (i >= l->n || (i && !(i & (EVENTS_CHUNK - 1)) && read_chunk(l, i)))
		return 1;
	fd = memo_fd(l->t, r->hdr.pid, r->epfd, ev->data);
	if (i < PSN_MAX_WAIT_ITEMS) {
		it = &r->items[i];
		it->events = ev->events;
		it->data = ev->data;
		it->fd = fd;
	}
	if (summary || i < max_items)
		describe_fd(((__u64)r->hdr.pid << 32) | l->tid, fd, r->hdr.ts);
	if (fd >= 0 && io_mode != IO_NONE)
		l->opened += window_open(r->hdr.pid, fd, l->tid, r->epfd,
					 r->wait_id, ev->events, r->hdr.ts);
	l->done = i + 1;
	return 0;
}

static int decode_next(__u32 i, struct items_loop *l)
{
	return decode_item(i + 1, l);
}

/*
 * Decode the returned events, resolve their fds, open their windows: all
 * of them, a chunk of 256 read from user memory at a time (each
 * bpf_probe_read_user costs ~150 ns here, whatever its size).  bpf_loop:
 * verified once, where an unrolled 256-step loop took 150 ms.  The first
 * event is decoded by a direct call: most waits of a busy loop return one,
 * and bpf_loop's indirect call per step costs ~25 ns here.  Global: the
 * verifier checks it, and the loop, once, where inlined it took them again
 * from each state of the wait's exit that reached it (half the start-up's
 * verification).  ws->opened: the windows opened.
 */
__noinline __u32 wait_items(struct wait_scratch *ws, struct thread *t,
			    __u64 uptr, __u32 n, __u32 tid)
{
	struct items_loop l = { .t = t, .uptr = uptr, .n = n, .tid = tid };

	if (!ws || !t)
		return 0;
	l.r = &ws->rec;
	l.evs = ws->evs;
	ws->opened = 0;
	if (read_chunk(&l, 0)) {
		ws->rec.hdr.flags |= PSN_F_UNREADABLE;
		return 0;
	}
	if (!decode_item(0, &l) && n > 1)
		bpf_loop(n - 1, decode_next, &l, 0);
	ws->opened = l.opened;
	return l.done;
}

/* Remember the wait that returned, for its windows and the loop lag. */
static __always_inline void wait_returned(struct thread *t, __s32 epfd,
					  __u64 wait_id, __u64 now, __u32 opened)
{
	struct thread_wait tw = { .ret_ts = now, .opened = opened };
	struct thread_wait *cur = thread_wait_claim(t, epfd);

	REWRITE(cur, tw, wait_id);
}

/*
 * A wait's arguments from the saved registers.  Not inlined: merged with the
 * copy from the entry's, one load would take both pointers, which the
 * verifier refuses.
 */
static __noinline void regs_wait_args(__u64 *a)
{
	struct pt_regs *regs = user_regs();

	a[0] = regs->di;
	a[1] = regs->si;
	a[2] = regs->dx;
	a[3] = regs->r10;
}

/*
 * The wait's arguments: kept at its entry (cheaper than the saved registers'
 * two helper calls), else, for a wait begun before tracing, those registers.
 */
static __always_inline void wait_args(const struct thread *t, bool entered,
				      __u64 a[4])
{
	if (!entered) {
		regs_wait_args(a);
		return;
	}
	for (int i = 0; i < 4; i++)
		a[i] = t->wait_args[i];
}

/*
 * The wait's number and its time (*ts), in the same order across CPUs: the
 * time is taken after reading the last number, and the number is claimed
 * only if no other wait claimed one in between (else both are taken again).
 * A number taken apart from the time lost the order to an interrupt, or to
 * the few ns between the two on another CPU (tests/integration/
 * test_time_order.py saw one in ~50,000 waits of four threads).  After
 * WAIT_NUMBER_TRIES lost races in a row, a plain add, which can misorder so.
 */
#define WAIT_NUMBER_TRIES 8

static __always_inline __u64 number_wait(__u64 *ts)
{
	__u64 last;

	for (int i = 0; i < WAIT_NUMBER_TRIES; i++) {
		last = wait_seq;
		*ts = bpf_ktime_get_ns();
		if (__sync_val_compare_and_swap(&wait_seq, last, last + 1) == last)
			return last + 1;
	}
	*ts = bpf_ktime_get_ns();
	return __sync_fetch_and_add(&wait_seq, 1) + 1;
}

/* The record of a wait that returned, its windows, its summary. */
static __always_inline void wait_report(struct trace_event_raw_sys_exit *ctx,
					__u16 sys, struct thread *t,
					__u64 pid_tgid)
{
	__u64 start = t->call.sys == sys ? t->call.ts : 0;
	struct psn_rec_epoll_wait *r;
	struct wait_scratch *ws;
	__u32 zero = 0, n = 0;
	__u64 now, a[4], nitems;

	ws = bpf_map_lookup_elem(&wait_scratch, &zero);
	if (!ws)
		return;
	r = &ws->rec;
	wait_args(t, start, a);
	fill_hdr(&r->hdr, PSN_REC_EPOLL_WAIT, sys, pid_tgid);
	if (ctx->ret || number_empty || summary) {
		r->wait_id = number_wait(&r->hdr.ts);
	} else {
		r->hdr.ts = bpf_ktime_get_ns();
		r->wait_id = 0;
	}
	now = r->hdr.ts;
	if (!start)	/* it blocked before tracing began */
		r->hdr.flags |= PSN_F_NO_ENTRY;
	r->ret = ctx->ret;
	r->epfd = (int)a[0];
	r->maxevents = (int)a[2];
	r->timeout_ns = sys == PSN_SYS_EPOLL_PWAIT2 ? timespec_ns(a[3]) : ms_ns(a[3]);
	r->duration_ns = start ? now - start : 0;
	if (ctx->ret > 0)
		n = wait_items(ws, t, a[1], ctx->ret, (__u32)pid_tgid);
	if ((n && io_mode != IO_NONE) || (summary && ctx->ret >= 0))
		wait_returned(t, r->epfd, r->wait_id, now, n ? ws->opened : 0);
	if (summary) {
		sum_wait_returned(pid_tgid >> 32, (__u32)pid_tgid, r->epfd,
				  ctx->ret, r->timeout_ns, r->duration_ns);
		return;
	}
	/* In 64 bits: compared in 32, a copy is bounded and not the size. */
	nitems = n;
	barrier_var(nitems);
	if (nitems > max_items)
		nitems = max_items;
	if (nitems > PSN_MAX_WAIT_ITEMS)
		nitems = PSN_MAX_WAIT_ITEMS;
	r->nitems = nitems;
	output(r, sizeof(*r) - sizeof(r->items) +
			  nitems * sizeof(r->items[0]));
}

static __always_inline int wait_exit(struct trace_event_raw_sys_exit *ctx,
				     __u16 sys, __u64 pid_tgid)
{
	struct thread *t;

	/* Created if missing: a wait that began before tracing has windows too. */
	t = thread_self(true);
	if (!t)
		return 0;
	if (ctx->ret || all_waits || summary)
		wait_report(ctx, sys, t, pid_tgid);
	if (t->call.sys == sys)
		unpend(&t->call);
	return 0;
}

/* ---- epoll_ctl -------------------------------------------------------- */

static __always_inline void ctl_report(struct psn_rec_epoll_ctl *c)
{
	struct psn_rec_epoll_ctl *r;

	if (summary)
		return;
	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		count_drop();
		return;
	}
	*r = *c;
	r->hdr.ts = bpf_ktime_get_ns();
	submit(r);
}

/*
 * After a ctl that succeeded, or any ctl: what the maps and windows learn.
 * since: when it began, if known (else ~0).  An event read nowhere is not
 * learned: its data, unknown, would stand as 0.
 */
static __always_inline void ctl_apply(struct psn_rec_epoll_ctl *c, __u64 since)
{
	window_close(c->hdr.pid, c->fd, c->epfd, since);
	if (!c->ret && !(c->hdr.flags & PSN_F_UNREADABLE))
		reg_update(c->hdr.pid, c->epfd, c->op, c->fd, c->data);
}

/* The ops that arm an fd, in effect before the call returns: in 'adding'. */
static __always_inline bool ctl_arms(int op)
{
	return op == EPOLL_CTL_ADD || op == EPOLL_CTL_MOD;
}

/*
 * An ADD or MOD begins: its start, for the exit's window close, and its
 * event, read before the kernel copies it (the exit's read would come after,
 * and may find the memory changed or gone).
 * Into 'adding' only if regs has no answer for the data: reg_fd() asks
 * 'adding' only then, so a re-arm that keeps its data (every EPOLLONESHOT
 * loop's MOD) costs no hash insert and delete.
 */
static __always_inline int ctl_enter(struct trace_event_raw_sys_enter *ctx,
				     __u16 sys, __u64 pid_tgid)
{
	struct psn_reg_key k = { .tgid = pid_tgid >> 32, .epfd = (int)ctx->args[0] };
	struct add a = { .fd = (int)ctx->args[2] };
	struct epoll_event ev;
	struct pending *p;

	if (!ctl_arms((int)ctx->args[1]) ||
	    bpf_probe_read_user(&ev, sizeof(ev), (void *)ctx->args[3]))
		return 0;
	p = pend(NULL, sys);
	if (!p)
		return 0;
	p->data = ev.data;
	p->events = ev.events;
	k.data = ev.data;
	if (bpf_map_lookup_elem(&regs, &k))
		return 0;
	a.ts = p->ts;
	if (!bpf_map_update_elem(&adding, &k, &a, BPF_ANY))
		p->flags = PEND_ADDING;
	return 0;
}

static __always_inline int ctl_exit(struct trace_event_raw_sys_exit *ctx,
				    __u16 sys, __u64 pid_tgid)
{
	struct psn_reg_key added = { .tgid = pid_tgid >> 32 };
	struct psn_rec_epoll_ctl c = {};
	struct pending *p;
	struct epoll_event ev = {};
	struct pt_regs *regs;

	regs = user_regs();
	fill_hdr(&c.hdr, PSN_REC_EPOLL_CTL, sys, pid_tgid);
	c.ret = ctx->ret;
	c.epfd = (int)regs->di;
	c.op = (int)regs->si;
	c.fd = (int)regs->dx;
	p = ctl_arms(c.op) ? pended(sys) : NULL;
	if (p) {
		ev.events = p->events;
		ev.data = p->data;
	} else if (c.op != EPOLL_CTL_DEL &&	/* the kernel has paged it in */
		   bpf_probe_read_user(&ev, sizeof(ev), (void *)regs->r10)) {
		c.hdr.flags |= PSN_F_UNREADABLE;
	}
	c.events = ev.events;
	c.data = ev.data;
	describe_fd(pid_tgid, c.fd, 0);
	ctl_report(&c);
	ctl_apply(&c, p ? p->ts : ~0ULL);
	if (!p)
		return 0;
	if (p->flags & PEND_ADDING) {
		added.epfd = c.epfd;
		added.data = p->data;
		bpf_map_delete_elem(&adding, &added);
	}
	unpend(p);
	return 0;
}

/* libuv sends ADD/MOD through io_uring: learn them at submission... */
SEC("tracepoint/io_uring/io_uring_submit_req")
int uring_submit(struct trace_event_raw_io_uring_submit_req *ctx)
{
	__u64 pid_tgid = current_ids();
	struct psn_rec_epoll_ctl c = {};
	struct io_kiocb *req;
	struct io_epoll *ie;
	__u64 key;

	if (BPF_CORE_READ(ctx, opcode) != IORING_OP_EPOLL_CTL ||
	    !traced(pid_tgid))
		return 0;
	req = BPF_CORE_READ(ctx, req);
	ie = (void *)__builtin_preserve_access_index(&req->cmd);
	fill_hdr(&c.hdr, PSN_REC_EPOLL_CTL, PSN_SYS_EPOLL_CTL, pid_tgid);
	c.hdr.flags = PSN_F_VIA_IO_URING;
	c.epfd = BPF_CORE_READ(ie, epfd);
	c.op = BPF_CORE_READ(ie, op);
	c.fd = BPF_CORE_READ(ie, fd);
	c.events = BPF_CORE_READ(ie, event.events);
	c.data = BPF_CORE_READ(ie, event.data);
	key = (__u64)req;
	bpf_map_update_elem(&uring_ctls, &key, &c, BPF_ANY);
	return 0;
}

/* ...and report them at completion, with their result. */
SEC("tracepoint/io_uring/io_uring_complete")
int uring_complete(struct trace_event_raw_io_uring_complete *ctx)
{
	__u64 key = (__u64)BPF_CORE_READ(ctx, req);
	struct psn_rec_epoll_ctl *c = bpf_map_lookup_elem(&uring_ctls, &key);

	if (!c)
		return 0;
	c->ret = BPF_CORE_READ(ctx, res);
	describe_fd(((__u64)c->hdr.pid << 32) | c->hdr.tid, c->fd, 0);
	ctl_report(c);
	ctl_apply(c, ~0ULL);
	bpf_map_delete_elem(&uring_ctls, &key);
	return 0;
}

/* ---- epoll_create ----------------------------------------------------- */

static __always_inline int create_exit(struct trace_event_raw_sys_exit *ctx,
				       __u16 sys, __u64 pid_tgid)
{
	struct psn_rec_epoll_create *r;

	if (summary)
		return 0;
	r = reserve(sizeof(*r), PSN_REC_EPOLL_CREATE, sys, pid_tgid);
	if (!r)
		return 0;
	r->ret = ctx->ret;
	r->flags = (int)user_regs()->di;
	r->pad = 0;
	submit(r);
	return 0;
}

/* ---- I/O inside windows ----------------------------------------------- */

/* The window fd's I/O belongs to (0: none), or -1 when it is not traced. */
static __always_inline __s64 io_window(__u32 tgid, __s32 fd,
				       struct thread **self)
{
	struct psn_fd_key fk = { .tgid = tgid, .fd = fd };
	__u64 id;

	if (io_mode == IO_NONE)
		return -1;
	id = window_of(tgid, fd, self);
	if (id)
		return id;
	if (io_mode == IO_ALL && bpf_map_lookup_elem(&fdregs, &fk))
		return 0;
	return -1;
}

/* Summary mode: I/O in a window handles its event; watch a first receive. */
static __always_inline void io_enter_summary(__u64 pid_tgid, __s32 fd, __u16 sys)
{
	struct thread_wait *tw;
	struct window *w = window_get(pid_tgid >> 32, fd, &tw);
	struct pending *p;
	bool first;

	if (!w)
		return;
	first = !w->handled;
	sum_handled(pid_tgid >> 32, w, tw, true, bpf_ktime_get_ns());
	if (!first || !is_receive(sys))
		return;
	p = pend(NULL, sys);
	if (p) {
		p->fd = fd;
		p->flags = PEND_FIRST_RECV;
		p->wtid = w->tid;
		p->wepfd = w->epfd;
	}
}

static __always_inline int io_enter(struct trace_event_raw_sys_enter *ctx,
				    __u16 sys, __u64 pid_tgid)
{
	__s32 fd = (int)ctx->args[0];
	struct thread *self = NULL;
	struct pending *p;
	__s64 id;

	if (summary) {
		io_enter_summary(pid_tgid, fd, sys);
		return 0;
	}
	id = io_window(pid_tgid >> 32, fd, &self);
	if (id < 0)
		return 0;
	p = pend(self, sys);
	if (p) {
		p->fd = fd;
		p->wait_id = id;
		p->flags = PEND_REPORT;
	}
	return 0;
}

static __always_inline void io_report(struct pending *p, long ret,
				      __u64 pid_tgid)
{
	struct psn_rec_io *r;

	describe_fd(pid_tgid, p->fd, 0);
	r = reserve(sizeof(*r), PSN_REC_IO, p->sys, pid_tgid);
	if (!r)
		return;
	r->ret = ret;
	r->duration_ns = r->hdr.ts - p->ts;
	r->wait_id = p->wait_id;
	r->fd = p->fd;
	r->pad = 0;
	submit(r);
}

/*
 * A closed fd keeps no registration: numbers get reused.  The number is
 * free from the close's start, and the close can take long after (a
 * lingering TCP socket, a flush): if another thread has registered it anew
 * since, the number, its registration and window are the new fd's.
 */
static __always_inline void close_forget(__u32 tgid, const struct pending *p)
{
	struct psn_fd_key fk = { .tgid = tgid, .fd = p->fd };
	struct psn_fdreg_val *v;

	if (p->flags & PEND_EPOLL)
		set_forget(tgid, p->fd, p->last_stamp);
	v = bpf_map_lookup_elem(&fdregs, &fk);
	if (v && (!(p->flags & PEND_REGISTERED) || v->stamp != p->stamp))
		return;
	fd_forget_reg(tgid, p->fd, v);
}

static __always_inline int io_exit(struct trace_event_raw_sys_exit *ctx,
				   __u16 sys, __u64 pid_tgid)
{
	struct pending *p;

	p = pended(sys);
	if (!p)
		return 0;
	if (p->flags & PEND_REPORT)
		io_report(p, ctx->ret, pid_tgid);
	if ((p->flags & PEND_FIRST_RECV) && ctx->ret == -EAGAIN)
		sum_spurious(pid_tgid >> 32, p->wtid, p->wepfd);
	/* Any result but EBADF freed the number (EINTR and EIO too). */
	if (sys == PSN_SYS_CLOSE && ctx->ret != -EBADF)
		close_forget(pid_tgid >> 32, p);
	unpend(p);
	return 0;
}

/* close is reported in a window; it forgets the fd's registration, and a set's. */
static __always_inline int close_enter(struct trace_event_raw_sys_enter *ctx,
				       __u16 sys, __u64 pid_tgid)
{
	struct psn_fd_key fk = { .tgid = pid_tgid >> 32,
				 .fd = (int)ctx->args[0] };
	struct thread *self = NULL;
	struct psn_fdreg_val *v;
	struct pending *p;
	__u32 *set;
	__s64 id;

	if (summary) {
		io_enter_summary(pid_tgid, fk.fd, sys);
		id = -1;
	} else {
		id = io_window(fk.tgid, fk.fd, &self);
	}
	v = bpf_map_lookup_elem(&fdregs, &fk);
	set = bpf_map_lookup_elem(&epolls, &fk);
	if (id < 0 && !v && !set)
		return 0;
	p = pend(self, sys);
	if (p) {
		p->fd = fk.fd;
		p->wait_id = id > 0 ? id : 0;
		p->flags = (id >= 0 ? PEND_REPORT : 0) | (v ? PEND_REGISTERED : 0) |
			   (set ? PEND_EPOLL : 0);
		p->stamp = v ? v->stamp : 0;
		p->last_stamp = (__u32)fdreg_stamps;
	}
	return 0;
}

/*
 * dup2/dup3 onto a registered fd close it silently: forget it too.  Not
 * dup2(fd, fd), which closes nothing (dup3 refuses it).
 */
static __always_inline int dup_exit(struct trace_event_raw_sys_exit *ctx,
				    __u16 sys, __u64 pid_tgid)
{
	struct pt_regs *regs = user_regs();

	if (ctx->ret >= 0 && (int)regs->di != (int)regs->si)
		number_freed(pid_tgid >> 32, (int)regs->si);
	return 0;
}

#define CLOSE_RANGE_CLOEXEC 4
#define MAX_CLOSE_RANGE 256

struct range_loop {
	__u32 tgid;
	__u32 first;
	__u32 last;
};

static int forget_one(__u32 i, struct range_loop *l)
{
	if (l->first + i > l->last || l->first + i > 0x7fffffff)
		return 1;
	number_freed(l->tgid, l->first + i);
	return 0;
}

/*
 * close_range forgets the registrations of the fds it closed (the first
 * 256).  bpf_loop: the unrolled loop took the verifier 80 ms at start-up.
 */
static __always_inline int close_range_exit(struct trace_event_raw_sys_exit *ctx,
					    __u16 sys, __u64 pid_tgid)
{
	struct range_loop l = { .tgid = pid_tgid >> 32 };
	struct pt_regs *regs;

	if (ctx->ret)
		return 0;
	regs = user_regs();
	if (regs->dx & CLOSE_RANGE_CLOEXEC)
		return 0;
	l.first = regs->di;
	l.last = regs->si;
	bpf_loop(MAX_CLOSE_RANGE, forget_one, &l, 0);
	return 0;
}

/* ---- exec ------------------------------------------------------------- */

static long sweep_set(struct bpf_map *map, struct psn_fd_key *k, __u32 *v,
		      __u32 *tgid)
{
	if (k->tgid == *tgid && !fd_file(k->fd))
		set_forget(k->tgid, k->fd, ~0U);
	return 0;
}

static long sweep_reg(struct bpf_map *map, struct psn_fd_key *k,
		      struct psn_fdreg_val *v, __u32 *tgid)
{
	if (k->tgid == *tgid && !fd_file(k->fd))
		fd_forget(k->tgid, k->fd);
	return 0;
}

/*
 * An exec closed the close-on-exec fds (epoll sets mostly are): the sets
 * among them, and what was registered at them, go; the new program soon has
 * those numbers.  Two walks over the registrations, at an exec of a
 * process that has had a set (~1.5 ms here).
 */
SEC("tracepoint/sched/sched_process_exec")
int exec_sweep(void *ctx)
{
	__u64 pid_tgid = current_ids();
	__u32 tgid = pid_tgid >> 32;

	if (!traced(pid_tgid) || !bpf_map_lookup_elem(&set_procs, &tgid))
		return 0;
	bpf_for_each_map_elem(&epolls, sweep_set, &tgid, 0);
	bpf_for_each_map_elem(&fdregs, sweep_reg, &tgid, 0);
	return 0;
}

/* ---- the programs ------------------------------------------------------ */

#include "sysnr.h"

/*
 * The calls traced, each with the kind of its handlers: the one list both
 * sets of programs below are made from.
 */
enum call_kind { CALL_NONE, CALL_WAIT, CALL_IO, CALL_CLOSE, CALL_CTL,
		 CALL_CREATE, CALL_DUP, CALL_CLOSE_RANGE };

#define TRACED_CALLS(X)                                                       \
	X(epoll_wait, EPOLL_WAIT, CALL_WAIT)                                  \
	X(epoll_pwait, EPOLL_PWAIT, CALL_WAIT)                                \
	X(epoll_pwait2, EPOLL_PWAIT2, CALL_WAIT)                              \
	X(epoll_ctl, EPOLL_CTL, CALL_CTL)                                     \
	X(epoll_create, EPOLL_CREATE, CALL_CREATE)                            \
	X(epoll_create1, EPOLL_CREATE1, CALL_CREATE)                          \
	X(read, READ, CALL_IO)                                                \
	X(readv, READV, CALL_IO)                                              \
	X(recvfrom, RECVFROM, CALL_IO)                                        \
	X(recvmsg, RECVMSG, CALL_IO)                                          \
	X(recvmmsg, RECVMMSG, CALL_IO)                                        \
	X(write, WRITE, CALL_IO)                                              \
	X(writev, WRITEV, CALL_IO)                                            \
	X(sendto, SENDTO, CALL_IO)                                            \
	X(sendmsg, SENDMSG, CALL_IO)                                          \
	X(sendmmsg, SENDMMSG, CALL_IO)                                        \
	X(accept, ACCEPT, CALL_IO)                                            \
	X(accept4, ACCEPT4, CALL_IO)                                          \
	X(connect, CONNECT, CALL_IO)                                          \
	X(shutdown, SHUTDOWN, CALL_IO)                                        \
	X(close, CLOSE, CALL_CLOSE)                                           \
	X(dup2, DUP2, CALL_DUP)                                               \
	X(dup3, DUP3, CALL_DUP)                                               \
	X(close_range, CLOSE_RANGE, CALL_CLOSE_RANGE)

/*
 * With --attach=per-syscall, one tracepoint per call: programs named after
 * it (enter_NAME, exit_NAME; io_enter_NAME, io_exit_NAME for the I/O, which
 * user space leaves out with --io=none and no -s).  The calls whose exit
 * reads their arguments from the saved registers have no entry program.
 */
#define PROBES_CALL_WAIT(n, sys) SYSCALL_PROBES(n, sys, wait_enter, wait_exit)
#define PROBES_CALL_IO(n, sys) SYSCALL_PROBES_NAMED(io_, n, sys, io_enter, io_exit)
#define PROBES_CALL_CLOSE(n, sys) SYSCALL_PROBES(n, sys, close_enter, io_exit)
#define PROBES_CALL_CTL(n, sys) SYSCALL_PROBES(n, sys, ctl_enter, ctl_exit)
#define PROBES_CALL_CREATE(n, sys) SYSCALL_EXIT_PROBE(n, sys, create_exit)
#define PROBES_CALL_DUP(n, sys) SYSCALL_EXIT_PROBE(n, sys, dup_exit)
#define PROBES_CALL_CLOSE_RANGE(n, sys) SYSCALL_EXIT_PROBE(n, sys, close_range_exit)
#define PER_CALL_PROBES(name, s, kind) PROBES_##kind(name, PSN_SYS_##s)

TRACED_CALLS(PER_CALL_PROBES)

/*
 * By default (where the kernel loads them), one program at every syscall's
 * entry and one at its exit instead: cheaper for the calls traced (no
 * perf-event record is built before the program runs), dearer for every
 * other call of every process (two programs that return at once).  User
 * space loads one set or the other.  The handlers are the same: the
 * registers are laid out as the per-call tracepoint's record would hold them.
 */
#define NR_TABLE (PSN_NR_epoll_pwait2 + 1)	/* past the highest traced */

_Static_assert(PSN_SYS__MAX <= 0x100, "a PSN_SYS_* id fits in a byte");

/* By syscall number: its kind (high byte) and PSN_SYS_* (low byte). */
static const __u16 calls_by_nr[NR_TABLE] = {
#define CALL_ENTRY(name, s, kind) [PSN_NR_##name] = kind << 8 | PSN_SYS_##s,
	TRACED_CALLS(CALL_ENTRY)
#undef CALL_ENTRY
};

/* One load rather than a tree of compares: every syscall comes here. */
static __always_inline __u32 call_kind(unsigned long nr, __u16 *sys)
{
	__u16 call;

	if (nr >= NR_TABLE)
		return CALL_NONE;
	call = calls_by_nr[nr];
	*sys = call & 0xff;
	return call >> 8;
}

/*
 * A bystander's calls stop at one compare (cpu_memo.bystander), with no
 * helper call: on CPUs that return through a thunk (SRSO's safe RET) a
 * helper costs a bystander more than the rest of the test.  Only while no
 * live task's verdict can change: not with -C (exec and prctl rename).
 */
const volatile __u32 nr_cpus = 1;

struct new_task {
	__u64 regs;
	__u64 task;
};

static long forget_new_task_on(__u32 cpu, struct new_task *n)
{
	__u32 zero = 0;
	struct cpu_memo *m = bpf_map_lookup_percpu_elem(&cpu_memo, &zero, cpu);

	if (!m)
		return 0;
	if (m->bystander == n->regs)
		m->bystander = 0;
	if (m->task == n->task)
		m->task = 0;
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(raw_fork, struct task_struct *parent, struct task_struct *child)
{
	struct new_task n = { .regs = bpf_task_pt_regs(child),
			      .task = (__u64)child };

	bpf_loop(nr_cpus, forget_new_task_on, &n, 0);
	return 0;
}

/*
 * The current call, of a kind portsnoop traces, is one to trace: a known
 * bystander stops first, then the target test (*pid_tgid is set from here
 * on), then not a 32-bit call, whose numbers differ (the per-call
 * tracepoints skip those too).  One helper call: the ids are read from the
 * task the 32-bit test needs anyway.
 */
static __always_inline bool raw_traced(struct pt_regs *regs, __u64 *pid_tgid)
{
	__u32 zero = 0;
	struct cpu_memo *m = bpf_map_lookup_elem(&cpu_memo, &zero);

	if (!m || m->bystander == (__u64)regs)
		return false;
	*pid_tgid = current_ids();
	if (!traced(*pid_tgid)) {
		if (!(filter_mask & PSN_FILTER_COMM))
			m->bystander = (__u64)regs;
		return false;
	}
	return native_call();
}

SEC("tp_btf/sys_enter")
int BPF_PROG(raw_sys_enter, struct pt_regs *regs, long nr)
{
	struct trace_event_raw_sys_enter rec;
	__u16 sys = 0;
	__u32 kind = call_kind(nr, &sys);
	__u64 pid_tgid;

	/* Every syscall of every process comes here: the cheapest test first. */
	if (kind != CALL_WAIT && kind != CALL_IO && kind != CALL_CLOSE &&
	    kind != CALL_CTL)
		return 0;
	if (!raw_traced(regs, &pid_tgid))
		return 0;
	raw_args(regs, &rec);
	if (kind == CALL_WAIT)
		return wait_enter(&rec, sys, pid_tgid);
	if (kind == CALL_CTL)
		return ctl_enter(&rec, sys, pid_tgid);
	if (kind == CALL_CLOSE)
		return close_enter(&rec, sys, pid_tgid);
	return io_mode == IO_NONE ? 0 : io_enter(&rec, sys, pid_tgid);
}

/*
 * fd never had a window (its array slot's time is still 0: a slot is never
 * emptied, only closed), so the I/O call's entry pended nothing and its
 * exit need not look at the thread's state.  Not with --io=all, whose
 * entries pend outside windows too.
 */
static __always_inline bool never_windowed(__u32 tgid, __s32 fd)
{
	struct window *w;

	if (io_mode == IO_ALL)
		return false;
	w = fast_window(tgid, fd);
	return w && !w->ts;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(raw_sys_exit, struct pt_regs *regs, long ret)
{
	struct trace_event_raw_sys_exit rec;
	__u16 sys = 0;
	__u32 kind = call_kind(regs->orig_ax, &sys);
	__u64 pid_tgid;

	if (kind == CALL_NONE)
		return 0;
	if (!raw_traced(regs, &pid_tgid))
		return 0;
	rec.ret = ret;
	switch (kind) {
	case CALL_WAIT:
		return wait_exit(&rec, sys, pid_tgid);
	case CALL_IO:
		if (io_mode == IO_NONE || never_windowed(pid_tgid >> 32, regs->di))
			return 0;
		return io_exit(&rec, sys, pid_tgid);
	case CALL_CLOSE:
		return io_exit(&rec, sys, pid_tgid);
	case CALL_CTL:
		return ctl_exit(&rec, sys, pid_tgid);
	case CALL_CREATE:
		return create_exit(&rec, sys, pid_tgid);
	case CALL_DUP:
		return dup_exit(&rec, sys, pid_tgid);
	default:
		return close_range_exit(&rec, sys, pid_tgid);
	}
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
