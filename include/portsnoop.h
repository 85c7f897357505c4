/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libportsnoop: trace what an event loop and its sockets do, on eBPF
 * tracepoints.  A session loads the kernel side for the probe sets it is asked
 * for, filters in the kernel, and hands decoded events to a callback.
 *
 * Conventions (after libbpf): functions return 0 or a negative errno; functions
 * returning a pointer return NULL and set errno.  Every object has one owner and
 * a _free that accepts NULL.  The library never prints and never exits; it
 * reports through the callback set with psn_set_print().
 */
#ifndef PORTSNOOP_H
#define PORTSNOOP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portsnoop_enums.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PSN_API __attribute__((visibility("default")))

#define PSN_VERSION "0.1.0"

/* Build an options struct with its size filled in, as libbpf's LIBBPF_OPTS. */
#define PSN_OPTS(TYPE, NAME, ...)                                             \
	struct TYPE NAME = { .sz = sizeof(struct TYPE), __VA_ARGS__ }

/* ---- diagnostics ------------------------------------------------------- */

enum psn_print_level { PSN_WARN, PSN_INFO, PSN_DEBUG };
typedef int (*psn_print_fn_t)(enum psn_print_level level, const char *fmt,
			      va_list ap);
/* Set the print callback (NULL silences); returns the previous one. */
PSN_API psn_print_fn_t psn_set_print(psn_print_fn_t fn);

/* ---- syscalls and names ------------------------------------------------ */

/* "epoll_pwait", or NULL for a number out of range. */
PSN_API const char *psn_syscall_name(int sys);
/* "EAGAIN" for 11 (or -11), or NULL if unknown. */
PSN_API const char *psn_errno_name(int err);
/* "ADD", "MOD", "DEL", or NULL. */
PSN_API const char *psn_epoll_op_name(int op);
/* 1, 2, 3 for "ADD"/"EPOLL_CTL_ADD" (any case) ..., or -1. */
PSN_API int psn_epoll_op_parse(const char *name);
/*
 * Write an epoll event mask as "EPOLLIN|EPOLLET" into buf (bits without a name
 * as one trailing "0x..."; 0 as "0").  Returns the length the full string
 * needs (as snprintf), so a return >= len means it was cut.
 */
PSN_API int psn_epoll_events_str(uint32_t mask, char *buf, size_t len);
/* Parse "EPOLLIN|EPOLLET", "IN|ET", "0x19" or a mix; 0 or -EINVAL. */
PSN_API int psn_epoll_events_parse(const char *s, uint32_t *mask);

/* ---- socket probe points (the SystemTap socket tapset's) --------------- */

/* "socket.sendmsg.return", or NULL. */
PSN_API const char *psn_sock_probe_name(int probe);
/*
 * Turn a comma-separated list of probe names or shell wildcards
 * ("socket.send,socket.*.return", or "all") into a mask of
 * 1ull << enum psn_sock_probe.  0, or -EINVAL if an element matches nothing.
 */
PSN_API int psn_sock_probe_parse(const char *list, uint64_t *mask);
/* The mask socksnoop uses by default: send, receive, create, close. */
#define PSN_SOCK_DEFAULT_PROBES                                               \
	((1ull << PSN_SOCK_SEND) | (1ull << PSN_SOCK_RECEIVE) |               \
	 (1ull << PSN_SOCK_CREATE) | (1ull << PSN_SOCK_CLOSE))

/*
 * The tapset's name functions.  num2str gives "UNDEF" for an unknown number;
 * str2num gives -1 for an unknown name and also takes the C spelling
 * (AF_INET, IPPROTO_TCP, SOCK_STREAM, SS_CONNECTED), case-insensitively.
 */
PSN_API const char *psn_sock_prot_num2str(long proto);
PSN_API long psn_sock_prot_str2num(const char *name);
PSN_API const char *psn_sock_fam_num2str(long family);
PSN_API long psn_sock_fam_str2num(const char *name);
PSN_API const char *psn_sock_state_num2str(long state);
PSN_API long psn_sock_state_str2num(const char *name);
PSN_API const char *psn_sock_type_num2str(long type);
PSN_API long psn_sock_type_str2num(const char *name);
/* sock->flags bits as Linux >= 6.16 numbers them ("NOSPACE|SUPPORT_ZC"),
 * written as psn_epoll_events_str. */
PSN_API int psn_sock_flags_num2str(uint64_t flags, char *buf, size_t len);
/* MSG_* bits of a call ("MSG_DONTWAIT|MSG_NOSIGNAL"), likewise. */
PSN_API int psn_msg_flags_num2str(uint32_t flags, char *buf, size_t len);

/* ---- events ------------------------------------------------------------ */

enum psn_event_type {
	PSN_EVENT_EPOLL_CREATE = 1,
	PSN_EVENT_EPOLL_CTL,
	PSN_EVENT_EPOLL_WAIT,	/* with the events it returned */
	PSN_EVENT_IO,		/* a call on an fd inside its window */
	PSN_EVENT_SOCKET,	/* a socket probe point */
	PSN_EVENT_LOST,		/* records the kernel side had to drop */
};

/* One event a wait returned. */
struct psn_epoll_item {
	uint32_t events;
	int fd;			/* -1: data maps to no fd, or to several */
	uint64_t data;
	const char *fd_name;	/* with opts.fd_names: "TCP 1.2.3.4:80->..."; or NULL */
};

struct psn_epoll_create {
	int syscall;		/* PSN_SYS_EPOLL_CREATE or _CREATE1 */
	int flags;		/* create1's flags, or create's size */
	long ret;
};

struct psn_epoll_ctl {
	int epfd, op, fd;
	uint32_t events;
	uint64_t data;
	long ret;
	bool via_io_uring;
	bool event_unreadable;	/* the caller's epoll_event could not be read */
	const char *fd_name;	/* as psn_epoll_item's */
};

struct psn_epoll_wait {
	int syscall;		/* PSN_SYS_EPOLL_WAIT, _PWAIT, _PWAIT2 */
	uint64_t wait_id;	/* 1, 2, ... in the order waits returned */
	int epfd, maxevents;
	int64_t timeout_ns;	/* -1: infinite */
	long ret;
	int64_t duration_ns;	/* -1: the wait began before tracing */
	bool events_unreadable;	/* the returned events could not be read */
	uint32_t nevents;	/* events below: min(ret, max_events) */
	const struct psn_epoll_item *events;
};

struct psn_io {
	int syscall;
	int fd;
	long ret;
	uint64_t duration_ns;
	uint64_t wait_id;	/* the wait that opened the window; 0: none */
	const char *fd_name;	/* as psn_epoll_item's */
};

struct psn_sock {
	int probe;		/* enum psn_sock_probe */
	int syscall;		/* the call it fired in */
	int fd;
	int success;		/* 1, 0, or -1 where the probe has none */
	int64_t size;
	int protocol, family, state, type;	/* -1: unreadable */
	int64_t flags;		/* sock->flags; -1: unreadable */
	uint32_t msg_flags;	/* the call's MSG_* flags */
	int requester;		/* create probes: always 0 (user); else -1 */
	int err;		/* create.return only: 0 or -errno */
};

struct psn_event {
	enum psn_event_type type;
	uint64_t ts_ns;		/* CLOCK_MONOTONIC */
	uint32_t pid, tid;
	char comm[16];
	union {
		struct psn_epoll_create epoll_create;
		struct psn_epoll_ctl epoll_ctl;
		struct psn_epoll_wait epoll_wait;
		struct psn_io io;
		struct psn_sock sock;
		struct { uint64_t count; } lost;
	};
};

/*
 * Called for each event in time order.  The event is borrowed for the
 * duration of the call.  A non-zero return stops psn_session__poll(), which
 * returns it: return a positive value, so that it cannot be taken for an
 * errno.
 */
typedef int (*psn_event_fn)(void *ctx, const struct psn_event *ev);

/* ---- sessions ---------------------------------------------------------- */

enum psn_probe_set {
	PSN_PROBES_EPOLL = 1u << 0,	/* waits, ctl, create, window I/O */
	PSN_PROBES_SOCKET = 1u << 1,	/* the socket probe points */
};

enum psn_io_mode {
	PSN_IO_WINDOW = 0,	/* I/O on an fd between its event and re-arm */
	PSN_IO_ALL,		/* I/O on every fd in a traced epoll set */
	PSN_IO_NONE,
};

/*
 * Where the syscall probes (epoll and socket) attach.  The raw
 * sys_enter/sys_exit tracepoints (one program each for every syscall, a
 * switch on its number, x86-64) cost less for the calls traced, in every
 * process, and detach at once, but add
 * two programs to every other syscall on the machine.  One tracepoint per
 * traced syscall costs only those calls, more each.  AUTO takes the raw
 * ones where this kernel loads BTF-typed raw tracepoint programs (tried at
 * psn_session__load), else one tracepoint per syscall.
 */
enum psn_attach_mode {
	PSN_ATTACH_AUTO = 0,
	PSN_ATTACH_RAW,
	PSN_ATTACH_PER_SYSCALL,
};

#define PSN_MAX_PIDS 64
#define PSN_MAX_EVENTS_PER_WAIT 256

struct psn_session_opts {
	size_t sz;		/* sizeof(struct psn_session_opts) */
	unsigned int probes;	/* PSN_PROBES_*; 0 means PSN_PROBES_EPOLL */
	psn_event_fn on_event;
	void *ctx;
	/* Targets.  None of pids/tid/comm: every process but our own. */
	const int *pids;	/* these processes, all their threads */
	size_t npids;		/* at most PSN_MAX_PIDS */
	int tid;		/* only this thread */
	const char *comm;	/* processes whose comm is this */
	bool follow_children;	/* add children the targets fork */
	/* epoll */
	unsigned int max_events; /* events decoded per wait; 0: 30 */
	bool zero_events;	/* max_events really is 0 */
	bool all_waits;		/* report waits that returned nothing too */
	enum psn_io_mode io_mode;
	/* sockets */
	uint64_t sock_probes;	/* mask from psn_sock_probe_parse; 0: default */
	int sock_family, sock_protocol, sock_type; /* 0: any */
	bool failed_only;	/* only calls that failed */
	/* transport */
	size_t ringbuf_size;	/* bytes, a power of 2 >= 4096; 0: 4 MiB */
	/*
	 * Summary mode: the epoll probes aggregate in the kernel (read with
	 * psn_session__read_loops/_fds) and send no per-call events.
	 */
	bool summary;
	/*
	 * Name the fds events are about, as strace -yy does: "TCP
	 * 127.0.0.1:8080->127.0.0.1:51234", "UDP [::1]:53", "UNIX /run/x.sock",
	 * "pipe", "eventfd", a path.  Read in the kernel when an fd is first
	 * reported, so the name outlives the fd.
	 */
	bool fd_names;
	enum psn_attach_mode attach;	/* where the epoll probes attach */
	/*
	 * With all_waits: the waits that returned nothing get wait_id 0 and
	 * are not counted, so the numbers are those of the waits that returned
	 * events or failed (for a view that hides the empty ones).
	 */
	bool empty_waits_unnumbered;
};

struct psn_session;

/*
 * Check the options, the privileges, the kernel and the targets, mount
 * tracefs at /sys/kernel/tracing if it is absent, and open the BPF objects
 * (nothing is loaded yet; programs whose tracepoint this kernel lacks are
 * left out).  errno: EINVAL bad option, ESRCH a pid that does
 * not exist, EPERM no privilege, EACCES tracefs not mounted and not
 * mountable or not readable (its mount point is often root's alone),
 * ENOENT no kernel BTF.
 */
PSN_API struct psn_session *psn_session__open(const struct psn_session_opts *opts);
/* Load the BPF programs and maps into the kernel. */
PSN_API int psn_session__load(struct psn_session *s);
/*
 * Attach every program and learn the registrations the targets made before
 * tracing from /proc.  Once it returns 0, nothing the targets do is missed.
 */
PSN_API int psn_session__attach(struct psn_session *s);
/*
 * Wait up to timeout_ms (-1: until an event is delivered) for records,
 * decode them and call on_event.  Returns the number of events delivered, the callback's non-zero
 * return, or a negative errno (-EINTR when a signal came).  While records
 * keep coming it lets them gather (up to 2 ms with the default ring buffer,
 * less with a smaller one) instead of waking for each few.  Events come in
 * time order: each is held until 2 ms after it happened, for one that
 * happened before it on another CPU may reach the ring after it.
 */
PSN_API int psn_session__poll(struct psn_session *s, int timeout_ms);
/*
 * Deliver every event read or still in the ring, held ones too, without
 * waiting: at the end of tracing, before psn_session__free().  Returns as
 * psn_session__poll() does.
 */
PSN_API int psn_session__flush(struct psn_session *s);
/* Records the kernel side dropped so far (each was reported as a LOST event). */
PSN_API uint64_t psn_session__lost(const struct psn_session *s);
/* Events delivered so far, PSN_EVENT_LOST ones included. */
PSN_API uint64_t psn_session__received(const struct psn_session *s);
/* CLOCK_MONOTONIC ns when attach began: the origin of relative times. */
PSN_API uint64_t psn_session__start_ns(const struct psn_session *s);
/* How many of opts.pids are still alive (exited zombies count as gone). */
PSN_API int psn_session__live_pids(struct psn_session *s);
/* The process thread tid belongs to (its tgid, from /proc), or a negative errno. */
PSN_API int psn_tgid_of(int tid);
/* ---- summary mode ------------------------------------------------------ */

#define PSN_HIST_SLOTS 32	/* slot 0: value 0; slot k: [2^(k-1), 2^k) */

/* One loop: a thread waiting on an epoll instance. */
struct psn_loop_summary {
	uint32_t pid, tid;
	int epfd;
	uint64_t waits;		/* that returned */
	uint64_t failed;	/* that returned an error */
	uint64_t events;	/* returned, in all */
	uint64_t blocked_ns;	/* time inside waits */
	uint64_t busy_polls;	/* timeout 0 and nothing returned */
	uint64_t handled;	/* events whose fd saw I/O or a re-arm */
	uint64_t unhandled;	/* events with neither before the next wait */
	uint64_t spurious;	/* events whose first receive got EAGAIN */
	uint64_t herd;		/* events another thread had and not handled */
	uint64_t hup_repeats;	/* HUP/ERR on an fd whose last event had it too */
	uint64_t lag_max_ns;	/* the longest iteration (return to next wait) */
	uint64_t lag_max_ts;	/* when it ended, CLOCK_MONOTONIC */
	char comm[16];		/* the thread's name when first seen */
	uint64_t events_hist[PSN_HIST_SLOTS];	/* events per wait */
	uint64_t lag_hist[PSN_HIST_SLOTS];	/* iteration length, us */
	uint64_t first_io_hist[PSN_HIST_SLOTS];	/* event to first I/O, us */
};

struct psn_fd_summary {
	uint32_t pid;
	int fd;
	uint64_t events;
};

/*
 * Call fn for each loop (or fd) the kernel side has aggregated since the
 * last reset; with reset, the counts start again from zero.  Returns the
 * number visited, fn's non-zero return, or a negative errno (-EINVAL when
 * the session is not in summary mode).
 */
PSN_API int psn_session__read_loops(struct psn_session *s, bool reset,
				    int (*fn)(void *ctx, const struct psn_loop_summary *l),
				    void *ctx);
PSN_API int psn_session__read_fds(struct psn_session *s, bool reset,
				  int (*fn)(void *ctx, const struct psn_fd_summary *f),
				  void *ctx);

/*
 * The name (opts.fd_names) of fd in process pid, as last described by the
 * kernel side, or NULL; valid until the next poll.
 */
PSN_API const char *psn_session__fd_name(struct psn_session *s, uint32_t pid,
					 int fd);

/* Detach, unload and free; NULL is a no-op. */
PSN_API void psn_session__free(struct psn_session *s);

#ifdef __cplusplus
}
#endif
#endif /* PORTSNOOP_H */
