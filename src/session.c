// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A session: the BPF objects for the probe sets asked for, sharing one ring
 * buffer, one target map and one drop counter; the poll loop that decodes
 * records in the order they were written.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "gather.h"
#include "internal.h"
#include "session.h"
#include "bpf/records.h"
#include "epoll.skel.h"
#include "sock.skel.h"

#define DEFAULT_RINGBUF (4u << 20)
#define POLL_SLICE_MS 100	/* the longest a record waits to be read */
#define CAP_PERFMON_BIT 38
#define CAP_BPF_BIT 39
#define CAP_SYS_ADMIN_BIT 21

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int has_cap(const struct __user_cap_data_struct *d, int cap)
{
	return d[cap / 32].effective & (1u << (cap % 32));
}

static int check_privilege(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2] = {};

	if (syscall(SYS_capget, &h, d))
		return -errno;
	if (has_cap(d, CAP_SYS_ADMIN_BIT) ||
	    (has_cap(d, CAP_BPF_BIT) && has_cap(d, CAP_PERFMON_BIT)))
		return 0;
	return -EPERM;
}

/* While a load may fail by design (a trial), libbpf's warnings are debug. */
static bool libbpf_trial;

/* libbpf's messages (the verifier's log among them) reach our callback. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	psn__vpr(level == LIBBPF_WARN && !libbpf_trial ? PSN_WARN : PSN_DEBUG,
		 fmt, ap);
	return 0;
}

static int check_opts(const struct psn_session_opts *o)
{
	if (!o || o->sz < offsetof(struct psn_session_opts, ringbuf_size) +
				  sizeof(o->ringbuf_size) || !o->on_event)
		return -EINVAL;
	if (o->npids > PSN_MAX_PIDS || (o->npids && !o->pids) || o->tid < 0)
		return -EINVAL;
	if (o->comm && (!*o->comm || strlen(o->comm) >= PSN_TASK_COMM_LEN))
		return -EINVAL;
	if (o->max_events > PSN_MAX_EVENTS_PER_WAIT || o->io_mode > PSN_IO_NONE)
		return -EINVAL;
	if (o->ringbuf_size && (o->ringbuf_size < 4096 ||
				(o->ringbuf_size & (o->ringbuf_size - 1)) ||
				o->ringbuf_size > (1u << 30)))
		return -EINVAL;
	if (o->probes & ~(unsigned)(PSN_PROBES_EPOLL | PSN_PROBES_SOCKET))
		return -EINVAL;
	if (o->sz >= offsetof(struct psn_session_opts, attach) +
			     sizeof(o->attach) &&
	    (unsigned)o->attach > PSN_ATTACH_PER_SYSCALL)
		return -EINVAL;
	return 0;
}

static int open_pidfd(int pid)
{
	return syscall(SYS_pidfd_open, pid, 0);
}

/* Without pidfds (before 5.3, or under valgrind): /proc's state, zombies dead. */
static bool proc_alive(int pid)
{
	char path[64], buf[256], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

static int check_targets(struct psn_session *s)
{
	for (size_t i = 0; i < s->npids; i++) {
		if (s->pids[i] <= 0)
			return -EINVAL;
		s->pidfds[i] = open_pidfd(s->pids[i]);
		if (s->pidfds[i] < 0 && (errno != ENOSYS || !proc_alive(s->pids[i])))
			return -ESRCH;
	}
	if (s->opts.tid && kill(s->opts.tid, 0) && errno == ESRCH)
		return -ESRCH;
	return 0;
}

/* Few pids and no children to follow: the programs compare, no map. */
static bool fast_pids(const struct psn_session *s)
{
	return s->npids && s->npids <= PSN_MAX_FAST_PIDS && !s->opts.follow_children;
}

static uint32_t filter_mask(const struct psn_session *s)
{
	return (fast_pids(s) ? PSN_FILTER_PIDS : s->npids ? PSN_FILTER_TARGETS : 0) |
	       (s->opts.tid ? PSN_FILTER_TID : 0) |
	       (s->comm[0] ? PSN_FILTER_COMM : 0);
}

/* Settings every BPF object has, set alike before load. */
#define SET_COMMON(skel, s)                                                   \
	do {                                                                  \
		(skel)->rodata->filter_mask = filter_mask(s);                 \
		(skel)->rodata->self_tgid = getpid();                         \
		(skel)->rodata->targ_tid = (s)->opts.tid;                     \
		memcpy((void *)(skel)->rodata->targ_comm, (s)->comm,          \
		       sizeof((s)->comm));                                    \
		(skel)->rodata->wakeup_bytes =                                \
			(s)->ringbuf_size / PSN_WAKEUP_SHARE;                 \
		for (size_t i_ = 0; fast_pids(s) && i_ < (s)->npids; i_++)   \
			(skel)->rodata->targ_pids[i_] = (s)->pids[i_];        \
		(skel)->rodata->nr_targ_pids = fast_pids(s) ? (s)->npids : 0; \
		(skel)->rodata->follow_children = (s)->opts.follow_children;  \
	} while (0)

/* Programs whose tracepoint this kernel lacks are left out, with a word. */
static void skip_missing_tracepoints(struct bpf_object *obj)
{
	static const char kind[] = "tracepoint/";
	const size_t skip = sizeof(kind) - 1;
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj) {
		const char *sec = bpf_program__section_name(prog);

		if (!strncmp(sec, kind, skip) && !psn__tracepoint_exists(sec + skip)) {
			pr_info("no tracepoint %s on this kernel\n", sec + skip);
			bpf_program__set_autoload(prog, false);
		}
	}
}

typedef const char *(*prog_key_fn)(const struct bpf_program *prog);

/* Leave out the programs whose key (name or section) starts with prefix. */
static void skip_programs(struct bpf_object *obj, prog_key_fn key,
			  const char *prefix)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj)
		if (!strncmp(key(prog), prefix, strlen(prefix)))
			bpf_program__set_autoload(prog, false);
}

/*
 * An object opened, into objs[slot] (a new one, or one to replace): its
 * skeleton and outer struct (X_bpf) are ours to free.
 */
static void put_object(struct psn_session *s, int slot,
		       struct bpf_object_skeleton *sk, void *skel)
{
	s->objs[slot] = sk;
	s->skels[slot] = skel;
	skip_missing_tracepoints(*sk->obj);
	/* Every object has the target programs (task.bpf.h): one runs them. */
	if (slot)
		skip_programs(*sk->obj, bpf_program__name, "target_");
}

/*
 * One set of syscall programs in obj: the raw pair, or one per syscall.
 * Noted with how to open the object again, should the kernel refuse the
 * raw ones (see load_object).
 */
static void choose_syscall_programs(struct psn_session *s, int slot,
				    struct bpf_object *obj, psn_open_fn open_at)
{
	s->attach_of[slot] = s->opts.attach;
	s->open_at[slot] = open_at;
	skip_programs(obj, bpf_program__section_name,
		      s->opts.attach == PSN_ATTACH_RAW ? "tracepoint/syscalls/"
						       : "tp_btf/");
}

/*
 * Windows in the array for the -p pids' places only, and the maps of modes
 * not asked for (summary, fd names) one entry each (1: none): each was
 * megabytes allocated at start-up, ~10 ms of it.
 */
static int size_epoll_maps(const struct psn_session *s, struct epoll_bpf *skel)
{
	int err;

	err = bpf_map__set_max_entries(skel->maps.fast_windows,
				       fast_pids(s) ? s->npids * PSN_FAST_FDS : 1);
	if (!err && !s->opts.summary)
		err = bpf_map__set_max_entries(skel->maps.loops, 1);
	if (!err && !s->opts.summary)
		err = bpf_map__set_max_entries(skel->maps.fd_stats, 1);
	if (!err && !s->opts.fd_names)
		err = bpf_map__set_max_entries(skel->maps.described, 1);
	return err;
}

/* The epoll object, opened into objs[slot]. */
static int open_epoll_at(struct psn_session *s, int slot)
{
	struct epoll_bpf *skel = epoll_bpf__open();
	int ncpu = libbpf_num_possible_cpus();
	int err;

	if (!skel)
		return -errno;
	if (ncpu < 0) {
		epoll_bpf__destroy(skel);
		return ncpu;
	}
	err = size_epoll_maps(s, skel);
	if (err) {
		epoll_bpf__destroy(skel);
		return err;
	}
	SET_COMMON(skel, s);
	skel->rodata->nr_cpus = ncpu;
	skel->rodata->max_items = s->opts.max_events || s->opts.zero_events
					  ? s->opts.max_events : 30;
	skel->rodata->all_waits = s->opts.all_waits;
	skel->rodata->number_empty = !s->opts.empty_waits_unnumbered;
	/* Summary mode counts handled events: it needs the windows. */
	skel->rodata->io_mode = s->opts.summary ? PSN_IO_WINDOW : s->opts.io_mode;
	skel->rodata->summary = s->opts.summary;
	skel->rodata->fd_names = s->opts.fd_names;
	skel->rodata->raw_set = s->opts.attach == PSN_ATTACH_RAW;
	choose_syscall_programs(s, slot, skel->obj, open_epoll_at);
	/* With no I/O to show (--io=none and no -s), no io_* programs. */
	if (s->opts.attach != PSN_ATTACH_RAW && skel->rodata->io_mode == PSN_IO_NONE)
		skip_programs(skel->obj, bpf_program__name, "io_");
	put_object(s, slot, skel->skeleton, skel);
	return 0;
}

/* The probes sendmmsg and recvmmsg fire, per message. */
#define MMSG_PROBES                                                           \
	((1ull << PSN_SOCK_SEND) | (1ull << PSN_SOCK_RECEIVE) |               \
	 (1ull << PSN_SOCK_SENDMSG) | (1ull << PSN_SOCK_SENDMSG_RETURN) |     \
	 (1ull << PSN_SOCK_RECVMSG) | (1ull << PSN_SOCK_RECVMSG_RETURN))

static int open_sock_at(struct psn_session *s, int slot)
{
	struct sock_bpf *skel = sock_bpf__open();

	if (!skel)
		return -errno;
	SET_COMMON(skel, s);
	psn__sock_configure(skel->rodata, &s->opts);
	choose_syscall_programs(s, slot, skel->obj, open_sock_at);
	/* They run at every socket send and receive on the machine. */
	if (!(skel->rodata->probe_mask & MMSG_PROBES))
		skip_programs(skel->obj, bpf_program__name, "mmsg_");
	put_object(s, slot, skel->skeleton, skel);
	return 0;
}

/* A new object, opened by open_at into the next slot. */
static int open_next(struct psn_session *s, psn_open_fn open_at)
{
	int err = open_at(s, s->nobjs);

	if (!err)
		s->nobjs++;
	return err;
}

static struct bpf_object *obj_of(const struct bpf_object_skeleton *sk)
{
	return *sk->obj;
}

struct psn_session *psn_session__open(const struct psn_session_opts *opts)
{
	struct psn_session *s;
	int err;

	err = check_opts(opts);
	if (err)
		goto fail;
	s = calloc(1, sizeof(*s));
	if (!s) {
		err = -ENOMEM;
		goto fail;
	}
	memcpy(&s->opts, opts, sizeof(s->opts) < opts->sz ? sizeof(s->opts)
							   : opts->sz);
	s->npids = opts->npids;
	for (size_t i = 0; i < PSN_MAX_PIDS; i++)
		s->pidfds[i] = -1;
	if (s->npids)
		memcpy(s->pids, opts->pids, s->npids * sizeof(int));
	s->opts.pids = s->pids;
	if (opts->comm)
		strncpy(s->comm, opts->comm, sizeof(s->comm) - 1);
	s->opts.comm = NULL;
	s->ringbuf_size = opts->ringbuf_size ? opts->ringbuf_size
					     : DEFAULT_RINGBUF;
	if (!s->opts.probes)
		s->opts.probes = PSN_PROBES_EPOLL;
	if (s->opts.fd_names && !(s->names = psn__fdnames_new())) {
		psn_session__free(s);
		err = -ENOMEM;
		goto fail;
	}
	err = psn__session_prepare(s);
	if (err) {
		psn_session__free(s);
		goto fail;
	}
	return s;
fail:
	errno = -err;
	return NULL;
}

int psn__session_prepare(struct psn_session *s)
{
	int err;

	err = check_privilege();
	if (err)
		return err;
	if (access("/sys/kernel/btf/vmlinux", R_OK))
		return -ENOENT;
	err = check_targets(s);
	if (err)
		return err;
	err = psn__tracefs_ensure();
	if (err)
		return err;
	libbpf_set_print(libbpf_print);
	/* Raw unless the kernel refuses it: tried at load (see load_object). */
	if (s->opts.attach == PSN_ATTACH_AUTO) {
		s->opts.attach = PSN_ATTACH_RAW;
		s->raw_trial = true;
	}
	if (s->opts.probes & PSN_PROBES_EPOLL)
		err = open_next(s, open_epoll_at);
	if (!err && (s->opts.probes & PSN_PROBES_SOCKET))
		err = open_next(s, open_sock_at);
	return err;
}

static const char *const shared_maps[] = { "events", "targets", "drops" };

/* Every object after the first uses the first one's shared maps. */
static int share_maps(struct psn_session *s, struct bpf_object *obj)
{
	struct bpf_object *owner = obj_of(s->objs[0]);

	for (size_t i = 0; i < sizeof(shared_maps) / sizeof(shared_maps[0]); i++) {
		struct bpf_map *from = bpf_object__find_map_by_name(owner, shared_maps[i]);
		struct bpf_map *to = bpf_object__find_map_by_name(obj, shared_maps[i]);
		int err;

		if (!from || !to)
			return -ENOENT;
		err = bpf_map__reuse_fd(to, bpf_map__fd(from));
		if (err)
			return err;
	}
	return 0;
}

static int add_targets(struct psn_session *s)
{
	int fd = bpf_map__fd(bpf_object__find_map_by_name(obj_of(s->objs[0]),
							  "targets"));
	uint8_t one = 1;

	for (size_t i = 0; i < s->npids; i++) {
		uint32_t pid = s->pids[i];

		if (bpf_map_update_elem(fd, &pid, &one, BPF_ANY))
			return -errno;
	}
	return 0;
}

/* The ring buffer, owned by the first object (as made at load). */
static struct bpf_map *ring_map(const struct psn_session *s)
{
	return bpf_object__find_map_by_name(obj_of(s->objs[0]), "events");
}

static int size_ring(struct psn_session *s)
{
	return bpf_map__set_max_entries(ring_map(s), s->ringbuf_size);
}

/* objs[i] again, with the syscall programs now chosen. */
static int reopen_object(struct psn_session *s, int i)
{
	bpf_object__destroy_skeleton(s->objs[i]);
	free(s->skels[i]);
	s->objs[i] = NULL;	/* psn_session__free's to destroy only if reopened */
	s->skels[i] = NULL;
	return s->open_at[i](s, i);
}

/*
 * Load objs[i].  Raw syscall programs, when chosen by default, are on
 * trial: a kernel that refuses BPF tracing programs (and keeps tracepoint
 * ones) gets this object, and those after it, again with one tracepoint per
 * syscall.  Trying costs nothing where they load; probing first took a
 * parse of the kernel's BTF, a tenth of the start-up.
 */
static int load_object(struct psn_session *s, int i)
{
	bool trial = s->raw_trial && s->attach_of[i] == PSN_ATTACH_RAW;
	int err = 0;

	if (s->attach_of[i] && s->attach_of[i] != s->opts.attach)
		err = reopen_object(s, i);
	if (!err)
		err = i ? share_maps(s, obj_of(s->objs[i])) : size_ring(s);
	if (err)
		return err;
	libbpf_trial = trial;
	err = bpf_object__load_skeleton(s->objs[i]);
	libbpf_trial = false;
	if (!err || !trial)
		return err;
	pr_info("this kernel refuses programs on the raw syscall tracepoints "
		"(%s); one tracepoint per syscall\n", strerror(-err));
	s->raw_trial = false;
	s->opts.attach = PSN_ATTACH_PER_SYSCALL;
	return load_object(s, i);
}

static int handle_record(void *ctx, void *data, size_t len);

int psn_session__load(struct psn_session *s)
{
	int err = 0;

	for (int i = 0; !err && i < s->nobjs; i++)
		err = load_object(s, i);
	if (!err)
		err = add_targets(s);
	if (err)
		return err;
	s->rb = ring_buffer__new(bpf_map__fd(ring_map(s)), handle_record, s,
				 NULL);
	return s->rb ? 0 : -errno;
}

int psn_session__attach(struct psn_session *s)
{
	int err = 0;

	/* Tracing begins with the first program attached: no record is older. */
	s->start_ns = mono_ns();
	for (int i = 0; !err && i < s->nobjs; i++)
		err = bpf_object__attach_skeleton(s->objs[i]);
	if (err)
		return err;
	if (s->opts.probes & PSN_PROBES_EPOLL)
		psn__seed_registrations(s);
	s->gc_ns = mono_ns();
	return 0;
}

static int deliver(struct psn_session *s, const struct psn_event *ev)
{
	int ret = s->opts.on_event(s->opts.ctx, ev);

	s->received++;
	if (ev->ts_ns > s->last_ts)
		s->last_ts = ev->ts_ns;
	if (ret) {
		s->cb_ret = ret;
		return -ECANCELED;
	}
	return 0;
}

/* A record in its turn: decoded and delivered, or learned from. */
static int process_record(void *ctx, void *data, size_t len)
{
	struct psn_session *s = ctx;
	const struct psn_rec_hdr *h = data;
	struct psn_event ev;
	int ret;

	ret = psn__decode(data, len, &ev, s->items);
	if (ret < 0) {
		pr_warn("malformed record of %zu bytes\n", len);
		return 0;
	}
	if (!ret) {
		if (h->kind == PSN_REC_FORK)
			psn__seed_child(s, ((const struct psn_rec_fork *)data)->child);
		else if (h->kind == PSN_REC_FDNAME && s->names)
			psn__fdnames_learn(s->names, data);
		return 0;
	}
	if (s->names)
		psn__fdnames_fill(s->names, &ev, s->items);
	return deliver(s, &ev);
}

/*
 * Records held at most: past it the oldest goes out before its 2 ms are up.
 * libbpf's consume reads on while records keep coming, and the release
 * after it would wait; 16384 records is milliseconds of the fastest flow,
 * and a record is late by microseconds.
 */
#define HOLD_MAX 16384

/*
 * A record read from the ring: held for its turn (see order.h).  A fork is
 * acted on at once, for the child's registrations are read from /proc.
 */
static int handle_record(void *ctx, void *data, size_t len)
{
	struct psn_session *s = ctx;
	const struct psn_rec_hdr *h = data;

	s->ring_bytes += len + BPF_RINGBUF_HDR_SZ;
	if (len < sizeof(*h) || h->kind == PSN_REC_FORK)
		return process_record(s, data, len);
	if (psn__order_hold(&s->order, data, len, h->ts)) {
		if (!s->hold_failed++)
			pr_warn("out of memory: records delivered out of time order\n");
		return process_record(s, data, len);
	}
	return psn__order_shed(&s->order, HOLD_MAX, process_record, s);
}

static uint64_t drops_total(struct psn_session *s)
{
	int fd = bpf_map__fd(bpf_object__find_map_by_name(obj_of(s->objs[0]),
							  "drops"));
	int ncpu = libbpf_num_possible_cpus();
	uint64_t vals[ncpu > 0 ? ncpu : 1], sum = 0;
	uint32_t zero = 0;

	memset(vals, 0, sizeof(vals));	/* tools like valgrind can't see the kernel fill it */
	if (ncpu <= 0 || bpf_map_lookup_elem(fd, &zero, vals))
		return s->lost;
	for (int i = 0; i < ncpu; i++)
		sum += vals[i];
	return sum;
}

/*
 * Report new drops.  When they were dropped is unknown: the event takes the
 * time of the stream where it is, after what was delivered (`before`: all
 * made earlier was) and before what is held.
 */
static int report_lost(struct psn_session *s, uint64_t before)
{
	uint64_t total = drops_total(s);
	struct psn_event ev = { .type = PSN_EVENT_LOST };

	if (total <= s->lost)
		return 0;
	ev.ts_ns = before == UINT64_MAX ? mono_ns() : before - 1;
	if (ev.ts_ns < s->last_ts)
		ev.ts_ns = s->last_ts;
	ev.lost.count = total - s->lost;
	s->lost = total;
	return deliver(s, &ev) ? 1 : 0;
}

/* The flow's rate is measured from here. */
static void mark_rate(struct psn_session *s, uint64_t now)
{
	s->mark_ns = now;
	s->mark_bytes = s->ring_bytes;
}

/* While records flow, a pause (see gather.h), at the rate since the mark. */
static void gather(struct psn_session *s)
{
	uint64_t now = mono_ns();
	struct timespec ts = { 0 };

	/* At most PSN_GATHER_MAX_NS: below a second. */
	ts.tv_nsec = psn__gather_ns(s->ringbuf_size,
				    s->ring_bytes - s->mark_bytes,
				    now - s->mark_ns);
	mark_rate(s, now);
	if (ts.tv_nsec)
		nanosleep(&ts, NULL);
}

/* While records are held, wake up to release them. */
#define ORDER_WAIT_MS ((int)(PSN_ORDER_NS / 1000000) + 1)

/*
 * Read the ring, then deliver what is held up to `horizon` ns before the
 * read began (0: all), then any loss.  The number of records read, or a
 * negative errno (-ECANCELED: the callback stopped us).
 */
static int drain_and_release(struct psn_session *s, uint64_t horizon)
{
	uint64_t before = horizon ? mono_ns() - horizon : UINT64_MAX;
	int n = ring_buffer__consume(s->rb), err;

	if (n < 0)
		return n;
	err = psn__order_release(&s->order, before, process_record, s);
	if (!err || err == -ECANCELED)
		report_lost(s, before);
	return err ? err : n;
}

static int poll_slice(struct psn_session *s, int slice_ms)
{
	int n = 0, more;

	if (s->flowing && slice_ms > 0) {
		gather(s);
	} else {
		if (psn__order_held(&s->order) && slice_ms > ORDER_WAIT_MS)
			slice_ms = ORDER_WAIT_MS;
		n = ring_buffer__poll(s->rb, slice_ms);
		if (n < 0)
			return n;
		mark_rate(s, mono_ns());	/* a flow may begin */
	}
	/*
	 * Wake-ups are batched: what is below the threshold waits for us.  A
	 * record made PSN_ORDER_NS before the read starts is in the ring.
	 */
	more = drain_and_release(s, PSN_ORDER_NS);
	s->flowing = more > 0 || n > 0;
	return more < 0 ? more : 0;
}

#define GC_INTERVAL_NS 5000000000ull

/* Every few seconds, not per poll: the walk is over every registration. */
static void maybe_gc(struct psn_session *s)
{
	uint64_t now = mono_ns();

	if (now - s->gc_ns < GC_INTERVAL_NS)
		return;
	s->gc_ns = now;
	psn__gc_registrations(s);
}

int psn_session__poll(struct psn_session *s, int timeout_ms)
{
	maybe_gc(s);
	uint64_t before = s->received, start = mono_ns();
	int64_t waited = 0;
	int n;

	s->cb_ret = 0;
	for (;;) {
		int slice = POLL_SLICE_MS;

		if (timeout_ms >= 0 && timeout_ms - waited < slice)
			slice = timeout_ms - waited;
		n = poll_slice(s, slice);
		if (s->cb_ret)
			return s->cb_ret;
		if (n < 0)
			return n;
		/* Slices end early (gathering, held records): count the time. */
		waited = (mono_ns() - start) / 1000000;
		if (s->received != before ||
		    (timeout_ms >= 0 && waited >= timeout_ms))
			return (int)(s->received - before);
	}
}

int psn_session__flush(struct psn_session *s)
{
	uint64_t before = s->received;
	int err;

	s->cb_ret = 0;
	err = drain_and_release(s, 0);
	psn__warn_unkept(s);
	if (s->cb_ret)
		return s->cb_ret;
	return err < 0 ? err : (int)(s->received - before);
}

uint64_t psn_session__lost(const struct psn_session *s)
{
	return s->lost;
}

uint64_t psn_session__received(const struct psn_session *s)
{
	return s->received;
}

uint64_t psn_session__start_ns(const struct psn_session *s)
{
	return s->start_ns;
}

int psn_session__live_pids(struct psn_session *s)
{
	int live = 0;

	for (size_t i = 0; i < s->npids; i++) {
		struct pollfd p = { .fd = s->pidfds[i], .events = POLLIN };

		if (p.fd >= 0 ? poll(&p, 1, 0) == 0 : proc_alive(s->pids[i]))
			live++;
	}
	return live;
}

#define DETACHERS 16
#define DETACH_MAX 128	/* links detached at once; the rest go with their skeleton */

struct detach_job {
	struct bpf_link **links[DETACH_MAX];
	int n;
	atomic_int next;
};

static void *detach_some(void *arg)
{
	struct detach_job *j = arg;
	int i;

	while ((i = atomic_fetch_add(&j->next, 1)) < j->n) {
		bpf_link__destroy(*j->links[i]);
		*j->links[i] = NULL;
	}
	return NULL;
}

static void collect_links(struct psn_session *s, struct detach_job *j)
{
	for (int i = 0; i < s->nobjs; i++) {
		const struct bpf_object_skeleton *o = s->objs[i];

		for (int k = 0; o && k < o->prog_cnt && j->n < DETACH_MAX; k++) {
			const struct bpf_prog_skeleton *p = (const void *)
				((const char *)o->progs + k * o->prog_skel_sz);

			if (*p->link)
				j->links[j->n++] = p->link;
		}
	}
}

/*
 * Detaching a tracepoint program waits for the kernel (an RCU grace period,
 * ~70 ms here).  The kernel serializes part of each detach, but the waits of
 * detaches made at once overlap: from several threads, portsnoop's 45
 * per-syscall programs go in 1.95 s instead of 3.5.  This thread works too,
 * and finishes them alone if no thread starts.
 */
static void detach_all(struct psn_session *s)
{
	struct detach_job j = { .n = 0 };
	pthread_t t[DETACHERS];
	int nt = 0;

	collect_links(s, &j);
	atomic_init(&j.next, 0);
	while (nt < DETACHERS && nt < j.n - 1 &&
	       !pthread_create(&t[nt], NULL, detach_some, &j))
		nt++;
	detach_some(&j);
	while (nt--)
		pthread_join(t[nt], NULL);
}

void psn_session__free(struct psn_session *s)
{
	if (!s)
		return;
	ring_buffer__free(s->rb);
	psn__order_free(&s->order);
	psn__fdnames_free(s->names);
	detach_all(s);
	for (int i = s->nobjs - 1; i >= 0; i--) {
		bpf_object__destroy_skeleton(s->objs[i]);
		free(s->skels[i]);
	}
	for (size_t i = 0; i < PSN_MAX_PIDS; i++)
		if (s->pidfds[i] >= 0)
			close(s->pidfds[i]);
	free(s);
}
