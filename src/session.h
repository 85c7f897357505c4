/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The session object, shared by the library's files; not installed. */
#ifndef PSN_SESSION_H
#define PSN_SESSION_H

#include "internal.h"
#include "order.h"
#include "bpf/records.h"

struct bpf_object_skeleton;
struct psn_fdnames;

#define PSN_FDNAME_MAX 160	/* a formatted fd name, NUL included */
struct ring_buffer;

#define PSN_MAX_OBJS 3

struct psn_session;
/* Open a BPF object of the session into objs[slot]. */
typedef int (*psn_open_fn)(struct psn_session *s, int slot);

struct psn_session {
	struct psn_session_opts opts;
	int pids[PSN_MAX_PIDS];
	int pidfds[PSN_MAX_PIDS];
	size_t npids;
	char comm[PSN_TASK_COMM_LEN];
	size_t ringbuf_size;
	struct bpf_object_skeleton *objs[PSN_MAX_OBJS]; /* [0] owns shared maps */
	void *skels[PSN_MAX_OBJS];	/* the X_bpf structs holding them */
	int nobjs;
	/* Objects with a choice of syscall programs: the one made, how to
	 * make them again (PSN_ATTACH_AUTO: no choice). */
	enum psn_attach_mode attach_of[PSN_MAX_OBJS];
	psn_open_fn open_at[PSN_MAX_OBJS];
	bool raw_trial;		/* raw attachment chosen by default, not yet loaded */
	struct ring_buffer *rb;
	uint64_t start_ns, lost, received, gc_ns;
	uint64_t last_ts;	/* of the last event delivered */
	struct psn_order order;	/* records read, held for time order */
	unsigned int hold_failed;	/* records that could not be held */
	/* Registrations with no room in the maps: at seeding, and said. */
	uint64_t unkept_seeded, unkept_said;
	int cb_ret;
	bool flowing;		/* the last drain found records */
	uint64_t ring_bytes;	/* read from the ring, ever */
	uint64_t mark_ns, mark_bytes;	/* ring_bytes at mark_ns: the rate */
	struct psn_fdnames *names;	/* with opts.fd_names */
	struct psn_epoll_item items[PSN_MAX_WAIT_ITEMS];
};

PSN_INTERNAL int psn__session_prepare(struct psn_session *s);
/* Teach the kernel side the registrations made before tracing (fdinfo). */
PSN_INTERNAL void psn__seed_registrations(struct psn_session *s);
/* Forget the registrations of processes that are gone (they never closed). */
PSN_INTERNAL void psn__gc_registrations(struct psn_session *s);
/* Say how many registrations the maps had no room for, if more than said. */
PSN_INTERNAL void psn__warn_unkept(struct psn_session *s);
/* A traced process forked: its child shares the parent's epoll sets. */
PSN_INTERNAL void psn__seed_child(struct psn_session *s, int child);
struct sock_bpf__rodata;
/* Copy the socket options into the socket object's settings. */
PSN_INTERNAL void psn__sock_configure(struct sock_bpf__rodata *ro,
				      const struct psn_session_opts *o);

PSN_INTERNAL struct psn_fdnames *psn__fdnames_new(void);
PSN_INTERNAL void psn__fdnames_free(struct psn_fdnames *n);
/* Learn what an fd is from the kernel's description. */
PSN_INTERNAL void psn__fdnames_learn(struct psn_fdnames *n,
				     const struct psn_rec_fdname *r);
/* Hang the names known on the event's fds (items: the event's own array). */
PSN_INTERNAL void psn__fdnames_fill(struct psn_fdnames *n, struct psn_event *ev,
				    struct psn_epoll_item *items);
/* "TCP 127.0.0.1:80->127.0.0.1:5000", "pipe", a path... into buf. */
PSN_INTERNAL void psn__fdname_format(uint32_t pid, const struct psn_rec_fdname *r,
				     char *buf, size_t len);

#endif /* PSN_SESSION_H */
