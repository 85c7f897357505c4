/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The kernel types the BPF side reads, hand-written with only the fields used
 * (instead of a 3 MB generated vmlinux.h), so building needs no BTF from the
 * build host.  preserve_access_index makes every access a CO-RE relocation
 * that libbpf resolves against the running kernel's BTF at load time;
 * tests/integration/test_core.py checks each field against this kernel.
 */
#ifndef PSN_CORE_H
#define PSN_CORE_H

/* struct epoll_event's layout and the saved registers' names are x86-64's. */
#ifndef __TARGET_ARCH_x86
#error "the BPF side supports x86-64 only for now (see src/bpf/core.h)"
#endif

typedef unsigned char __u8;
typedef short __s16;
typedef unsigned short __u16;
typedef int __s32;
typedef unsigned int __u32;
typedef long long __s64;
typedef unsigned long long __u64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;
typedef _Bool bool;
#define true 1
#define false 0

enum bpf_map_type {
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_ARRAY = 2,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
	BPF_MAP_TYPE_LRU_HASH = 9,
	BPF_MAP_TYPE_QUEUE = 22,
	BPF_MAP_TYPE_RINGBUF = 27,
	BPF_MAP_TYPE_TASK_STORAGE = 29,
};

enum {
	BPF_F_NO_PREALLOC = 1,
	BPF_F_NO_COMMON_LRU = 2,
};

enum {
	BPF_LOCAL_STORAGE_GET_F_CREATE = 1,
};

enum {
	BPF_ANY = 0,
	BPF_NOEXIST = 1,
	BPF_EXIST = 2,
};

enum {
	BPF_RB_NO_WAKEUP = 1,
	BPF_RB_FORCE_WAKEUP = 2,
};

enum {
	BPF_RB_AVAIL_DATA = 0,
};

struct bpf_map;

#pragma clang attribute push(__attribute__((preserve_access_index)),        \
			     apply_to = record)

/* Tracepoint layouts (all kernels since 4.x). */
struct trace_entry {
	unsigned short type;
	unsigned char flags;
	unsigned char preempt_count;
	int pid;
};

struct trace_event_raw_sys_enter {
	struct trace_entry ent;
	long id;
	unsigned long args[6];
};

struct trace_event_raw_sys_exit {
	struct trace_entry ent;
	long id;
	long ret;
};

/* The parent/child pid fields moved in 6.x (comm became __data_loc). */
struct trace_event_raw_sched_process_fork {
	int parent_pid;
	int child_pid;
};

struct trace_event_raw_sched_process_template {
	int pid;
};

/* io_uring tracepoints (5.5+; the fields used exist since 5.18). */
struct trace_event_raw_io_uring_submit_req {
	void *req;
	__u8 opcode;
};

struct trace_event_raw_io_uring_complete {
	void *req;
	int res;
};

/* sock_send_length, sock_recv_length (6.3+): a sendmsg's or recvmsg's result. */
struct trace_event_raw_sock_msg_length {
	void *sk;
	int ret;
};

/* The saved user registers of a task (x86-64 names). */
struct pt_regs {
	unsigned long r10;
	unsigned long dx;
	unsigned long si;
	unsigned long di;
	unsigned long orig_ax;	/* the syscall number */
	unsigned long ip;	/* the user's, past the syscall instruction */
	unsigned long sp;	/* the user stack pointer */
};

/* Packed on x86-64 only (the kernel's EPOLL_PACKED): 12 bytes, else 16. */
struct epoll_event {
	__u32 events;
	__u64 data;
} __attribute__((packed));

/* The prepared IORING_OP_EPOLL_CTL request, overlaid on io_kiocb::cmd. */
struct io_epoll {
	int epfd;
	int op;
	int fd;
	struct epoll_event event;
};

struct io_cmd_data {
	void *file;
};

struct io_kiocb {
	struct io_cmd_data cmd;
};

typedef struct {
	long counter;
} atomic_long_t;

/* 6.13+: a file's reference count, 0 meaning one reference. */
typedef struct {
	atomic_long_t refcnt;
} file_ref_t;

struct inode {
	unsigned short i_mode;
};

struct qstr {
	const unsigned char *name;
};

struct dentry {
	struct qstr d_name;
};

struct path {
	struct dentry *dentry;
};

struct file {
	struct path f_path;
	struct inode *f_inode;
	void *private_data;
	file_ref_t f_ref;
};

/* Before 6.13 the count was f_count, 1 meaning one reference. */
struct file___old {
	atomic_long_t f_count;
};

struct fdtable {
	unsigned int max_fds;
	struct file **fd;
};

typedef struct {
	int counter;
} atomic_t;

struct files_struct {
	atomic_t count;		/* tasks sharing the table */
	struct fdtable *fdt;
};

/* Only copied whole: a union of arrays in the kernel. */
struct in6_addr {
	__u8 in6_u[16];
};

struct sock_common {
	unsigned short skc_family;
	__be32 skc_daddr;
	__be32 skc_rcv_saddr;
	__be16 skc_dport;
	__u16 skc_num;
	struct in6_addr skc_v6_daddr;
	struct in6_addr skc_v6_rcv_saddr;
};

struct sock {
	struct sock_common __sk_common;
	__u16 sk_protocol;
};

/* An anonymous enum in the kernel too: CO-RE matches enum to enum only. */
typedef enum {
	SS_FREE = 0,
} socket_state;

struct sockaddr_un {
	unsigned short sun_family;
	char sun_path[108];
};

struct unix_address {
	int len;
	struct sockaddr_un name[0];
};

struct unix_sock {
	struct unix_address *addr;
};

struct socket {
	socket_state state;
	short type;
	unsigned long flags;
	struct sock *sk;
};

struct signal_struct {
	atomic_t live;		/* threads of the group not yet exited */
};

struct thread_info {
	__u32 status;
};

#define TS_COMPAT 0x0002	/* in thread_info.status: in a 32-bit syscall */

struct task_struct {
	struct thread_info thread_info;
	struct task_struct *group_leader;
	struct task_struct *real_parent;
	struct files_struct *files;
	struct signal_struct *signal;
	int pid;		/* the thread's id */
	int tgid;		/* the process's */
	char comm[16];
};

#pragma clang attribute pop

#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define S_IFIFO 0010000

#endif /* PSN_CORE_H */
