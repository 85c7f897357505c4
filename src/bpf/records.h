/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What crosses from the kernel side to user space: ring-buffer records, map
 * keys and values.  Fixed-width fields, explicit padding, raw numbers only:
 * names and formatting are user space's job.
 */
#ifndef PSN_RECORDS_H
#define PSN_RECORDS_H

#ifndef __bpf__
#include <stddef.h>
#include <linux/types.h>
#endif

#define PSN_TASK_COMM_LEN 16
#define PSN_MAX_WAIT_ITEMS 256	/* events decoded per wait, at most */
#define PSN_MAX_TARGETS 8192	/* traced processes, children included */

enum psn_rec_kind {
	PSN_REC_EPOLL_CREATE = 1,
	PSN_REC_EPOLL_CTL,
	PSN_REC_EPOLL_WAIT,
	PSN_REC_IO,
	PSN_REC_SOCK,
	PSN_REC_FORK,		/* a traced process forked: seed its child */
	PSN_REC_FDNAME,		/* what an fd is, before a record naming it */
};

/* Flag bits of psn_rec_hdr.flags. */
#define PSN_F_VIA_IO_URING	0x1	/* epoll_ctl sent through io_uring */
#define PSN_F_UNREADABLE	0x2	/* user memory could not be read */
#define PSN_F_NO_ENTRY		0x4	/* the call began before tracing */

struct psn_rec_hdr {
	__u16 kind;
	__u16 syscall;		/* enum psn_syscall */
	__u32 flags;
	__u32 pid;
	__u32 tid;
	__u64 ts;
	char comm[PSN_TASK_COMM_LEN];
};

struct psn_rec_epoll_create {
	struct psn_rec_hdr hdr;
	__s64 ret;
	__s32 flags;
	__u32 pad;
};

struct psn_rec_epoll_ctl {
	struct psn_rec_hdr hdr;
	__s64 ret;
	__s32 epfd;
	__s32 op;
	__s32 fd;
	__u32 events;
	__u64 data;
};

struct psn_rec_item {
	__u32 events;
	__s32 fd;		/* -1: unknown or ambiguous */
	__u64 data;
};

struct psn_rec_epoll_wait {
	struct psn_rec_hdr hdr;
	__s64 ret;
	__u64 wait_id;
	__s64 timeout_ns;
	__u64 duration_ns;
	__s32 epfd;
	__s32 maxevents;
	__u32 nitems;
	__u32 pad;
	struct psn_rec_item items[PSN_MAX_WAIT_ITEMS];
};

struct psn_rec_io {
	struct psn_rec_hdr hdr;
	__s64 ret;
	__u64 duration_ns;
	__u64 wait_id;
	__s32 fd;
	__u32 pad;
};

struct psn_rec_sock {
	struct psn_rec_hdr hdr;
	__s64 size;
	__s64 sk_flags;
	__s32 probe;
	__s32 fd;
	__s32 success;
	__s32 protocol;
	__s32 family;
	__s32 state;
	__s32 type;
	__u32 msg_flags;
	__s32 err;
	__u32 pad;
};

struct psn_rec_fork {
	struct psn_rec_hdr hdr;
	__u32 child;
	__u32 pad;
};

/* What an fd is: read in the kernel when first reported, so it survives
 * the fd's close.  User space makes "TCP 1.2.3.4:80->..." of it. */
enum psn_fd_kind {
	PSN_FD_OTHER,
	PSN_FD_SOCKET,
	PSN_FD_PIPE,
	PSN_FD_ANON,		/* anon inode: name is "[eventfd]" and the like */
	PSN_FD_FILE,		/* name is the last path component */
};

#define PSN_FDNAME_LEN 108

struct psn_rec_fdname {
	struct psn_rec_hdr hdr;
	__s32 fd;
	__u16 kind;
	__u16 family;
	__u16 type;
	__u16 protocol;
	__u16 sport;		/* host order */
	__u16 dport;		/* host order */
	__u8 saddr[16];		/* IPv4 in the first 4 bytes */
	__u8 daddr[16];
	char name[PSN_FDNAME_LEN];
};

/* Maps shared with user space. */

/* regs: (tgid, epfd, data) -> the fd registered with that data. */
struct psn_reg_key {
	__u32 tgid;
	__s32 epfd;
	__u64 data;
};

struct psn_reg_val {
	__s32 fd;
	__u32 nfds;		/* > 1: several fds share this data */
};

/* fdregs: (tgid, fd) -> its latest registration. */
struct psn_fd_key {
	__u32 tgid;
	__s32 fd;
};

struct psn_fdreg_val {
	__s32 epfd;
	__u32 stamp;		/* which ADD (or MOD of data) made it; 0: fdinfo */
	__u64 data;
};

/* Summary mode (-s): what the kernel side aggregates per loop. */
#define PSN_HIST_SLOTS 32	/* slot 0: value 0; slot k: [2^(k-1), 2^k) */

struct psn_loop_key {
	__u32 tgid;
	__u32 tid;
	__s32 epfd;
	__u32 pad;
};

struct psn_loop_stats {
	__u64 waits;		/* that returned */
	__u64 failed;		/* that returned an error */
	__u64 events;		/* returned, in all */
	__u64 blocked_ns;	/* inside waits */
	__u64 busy_polls;	/* timeout 0, nothing returned */
	__u64 handled;		/* events whose fd saw I/O or a re-arm */
	__u64 unhandled;	/* events with neither before the next wait */
	__u64 spurious;		/* events whose first read/accept/recv: EAGAIN */
	__u64 herd;		/* events another thread already had, unhandled */
	__u64 hup_repeats;	/* HUP/ERR on an fd whose last event had it too */
	__u64 lag_max_ns;	/* the longest iteration ... */
	__u64 lag_max_ts;	/* ... and when it ended */
	char comm[PSN_TASK_COMM_LEN];	/* the thread's, when first seen */
	__u64 events_hist[PSN_HIST_SLOTS];	/* events per wait */
	__u64 lag_hist[PSN_HIST_SLOTS];		/* us from return to next wait */
	__u64 first_io_hist[PSN_HIST_SLOTS];	/* us from event to first I/O */
};

/* Events per fd, for the top fds. */
struct psn_fd_stats {
	__u64 events;
	__u32 last_mask;
	__u32 pad;
};

/* Configuration, the same in every BPF object (set before load). */
#define PSN_FILTER_TARGETS 0x1	/* trace only tgids in the targets map */
#define PSN_FILTER_TID 0x2
#define PSN_FILTER_COMM 0x4
#define PSN_FILTER_PIDS 0x8	/* tgid among targ_pids: no hash lookup */
#define PSN_MAX_FAST_PIDS 8
#define PSN_FAST_FDS 1024	/* their fds below this: windows in an array */

#endif /* PSN_RECORDS_H */
