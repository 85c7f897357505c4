// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The socket tapset's probe points on syscall tracepoints.  A call is traced
 * only when its fd is a socket (decided here, from the file's inode), so reads
 * and writes on files and pipes cost no record.  Entry probes fire at the
 * syscall's entry, .return probes and send/receive at its exit, each once.
 */
#include "common.bpf.h"
#include "portsnoop_enums.h"
#include "task.bpf.h"
#include "sysnr.h"

#define UIO_MAXIOV 1024		/* the kernel's limit on iovecs and messages */
#define MAX_CLOSE_RANGE 256	/* fds close_range is checked over */
#define MAX_CLOSES 8		/* sockets one close_range reports */
#define SOCK_NONBLOCK 04000
#define SOCK_CLOEXEC 02000000
#define CLOSE_RANGE_UNSHARE 2
#define CLOSE_RANGE_CLOEXEC 4

const volatile __u64 probe_mask = 0;	/* 1 << enum psn_sock_probe */
const volatile __s32 filt_family = -1;
const volatile __s32 filt_protocol = -1;
const volatile __s32 filt_type = -1;
const volatile bool failed_only = false;

/* The tapset's values of one socket. */
struct sockvals {
	__s32 fd;
	__s32 protocol;
	__s32 family;
	__s32 state;
	__s32 type;
	__u32 pad;
	__s64 flags;
	__s64 size;		/* the entry's size */
};

/* A call between entry and exit, per thread. */
struct call {
	__u64 uptr;		/* socketpair's sv, mmsg's vector */
	__u16 sys;
	__u8 entry_probe;	/* sendmsg, recvmsg, aio_*, readv, writev */
	__u8 n;			/* sockets in v[] */
	__u8 armed;		/* entry done, exit to come */
	__u8 send;		/* a send, else a receive */
	__u8 interrupted;	/* a send or receive waits in `interrupted` */
	__u8 pad;
	__u32 msg_flags;
	__u32 mmsg_done;	/* mmsg: the messages whose probes fired */
	__u32 pad2;
	__u64 sk;		/* mmsg: the socket's struct sock */
	__u64 ip, sp;		/* an interrupted call's: where it restarts */
	struct sockvals v[MAX_CLOSES];
};

TASK_STORAGE(calls, struct call);

/*
 * A send or receive a signal interrupted (it returned -ERESTART*, which the
 * user never sees), per thread, until the kernel restarts it (its entry is
 * then its continuation: no entry probe fires again) or the signal handler's
 * return says it failed with EINTR (its returns fire then).  Apart from the
 * thread's current call, for the handler may make calls of its own.
 */
TASK_STORAGE(interrupted, struct call);

#define ERESTARTSYS 512		/* restarted if the handler is SA_RESTART */
#define ERESTARTNOINTR 513	/* always restarted */
#define ERESTARTNOHAND 514	/* restarted if there is no handler */
#define EINTR 4

struct user_msghdr {
	__u64 name;
	__s32 namelen;
	__u32 pad;
	__u64 iov;
	__u64 iovlen;
	__u64 control;
	__u64 controllen;
	__u32 flags;
	__u32 pad2;
};

struct user_mmsghdr {
	struct user_msghdr hdr;
	__u32 len;
	__u32 pad;
};

struct user_iovec {
	__u64 base;
	__u64 len;
};

static __always_inline bool wants(int probe)
{
	return probe_mask & (1ull << probe);
}

static __always_inline bool passes_filters(const struct sockvals *v)
{
	return (filt_family < 0 || v->family == filt_family) &&
	       (filt_protocol < 0 || v->protocol == filt_protocol) &&
	       (filt_type < 0 || v->type == filt_type);
}

static __always_inline struct socket *file_socket(struct file *f)
{
	unsigned short mode;

	if (!f)
		return NULL;
	mode = BPF_CORE_READ(f, f_inode, i_mode);
	if ((mode & S_IFMT) != S_IFSOCK)
		return NULL;
	return BPF_CORE_READ(f, private_data);
}

/* Read the socket's values; false if fd is not a socket. */
static __always_inline bool read_sockvals(struct file *f, __s32 fd,
					  struct sockvals *v)
{
	struct socket *sock = file_socket(f);
	struct sock *sk;

	if (!sock)
		return false;
	v->fd = fd;
	v->state = BPF_CORE_READ(sock, state);
	v->type = BPF_CORE_READ(sock, type);
	v->flags = BPF_CORE_READ(sock, flags);
	sk = BPF_CORE_READ(sock, sk);
	v->protocol = sk ? BPF_CORE_READ(sk, sk_protocol) : -1;
	v->family = sk ? BPF_CORE_READ(sk, __sk_common.skc_family) : -1;
	return true;
}

/* Is this the file's last reference, so that closing it releases it? */
static __always_inline bool last_reference(struct file *f)
{
	if (bpf_core_field_exists(f->f_ref))
		return BPF_CORE_READ(f, f_ref.refcnt.counter) == 0;
	return BPF_CORE_READ((struct file___old *)f, f_count.counter) == 1;
}

static __always_inline void emit(const struct sockvals *v, int probe, __u16 sys,
				 __s64 size, __s32 success, __u32 msg_flags,
				 __s32 err, __u64 pid_tgid)
{
	struct psn_rec_sock *r;

	if (!wants(probe) || (failed_only && success != 0))
		return;
	r = reserve(sizeof(*r), PSN_REC_SOCK, sys, pid_tgid);
	if (!r)
		return;
	r->size = size;
	r->sk_flags = v->flags;
	r->probe = probe;
	r->fd = v->fd;
	r->success = success;
	r->protocol = v->protocol;
	r->family = v->family;
	r->state = v->state;
	r->type = v->type;
	r->msg_flags = msg_flags;
	r->err = err;
	r->pad = 0;
	submit(r);
}

/*
 * Clear the thread's call state for a new call but for the mark of an
 * interrupted one (a signal handler's calls come between it and its
 * restart); not armed until save_call().
 */
static __always_inline void reset_call(struct call *c, __u16 sys)
{
	__u8 interrupted = c->interrupted;

	__builtin_memset(c, 0, sizeof(*c));
	c->sys = sys;
	c->interrupted = interrupted;
}

/* This thread's call state, reset for a new call. */
static __always_inline struct call *new_call(__u16 sys)
{
	struct call *c = task_call(calls, true);

	if (c)
		reset_call(c, sys);
	return c;
}

static __always_inline void save_call(struct call *c, __u64 pid_tgid)
{
	c->armed = 1;
}

static __always_inline struct call *take_call(__u64 pid_tgid, __u16 sys)
{
	struct call *c = task_call(calls, false);

	return c && c->armed && c->sys == sys ? c : NULL;
}

static __always_inline void drop_call(__u64 pid_tgid)
{
	struct call *c = task_call(calls, false);

	if (c)
		c->armed = 0;
}

/* ---- sizes ------------------------------------------------------------ */

struct iov_loop {
	__u64 uiov;
	__s64 sum;
};

static int add_iov(__u32 i, struct iov_loop *l)
{
	struct user_iovec iov;

	if (bpf_probe_read_user(&iov, sizeof(iov),
				(void *)(l->uiov + i * sizeof(iov)))) {
		l->sum = -1;
		return 1;
	}
	l->sum += iov.len;
	return 0;
}

/* The bytes an iovec array asks for; -1 if it cannot be read. */
static __always_inline __s64 iov_total(__u64 uiov, __u64 n)
{
	struct iov_loop l = { .uiov = uiov };

	if (n > UIO_MAXIOV)
		return -1;
	bpf_loop(n, add_iov, &l, 0);
	return l.sum;
}

static __always_inline __s64 msghdr_size(__u64 umsg)
{
	struct user_msghdr m;

	if (bpf_probe_read_user(&m, sizeof(m), (void *)umsg))
		return -1;
	return iov_total(m.iov, m.iovlen);
}

/* ---- send and receive ------------------------------------------------- */

enum shape { SHAPE_BUF, SHAPE_IOV, SHAPE_MSG, SHAPE_MMSG };

struct call_kind {
	__u16 sys;
	__u8 entry_probe;	/* its .return is entry_probe + 1 */
	__u8 shape;
	__u8 send;		/* socket.send, else socket.receive */
	__u8 flags_arg;		/* index of the MSG_* flags, 0: none */
};

static __always_inline __s64 entry_size(const struct call_kind *k,
					struct trace_event_raw_sys_enter *ctx)
{
	switch (k->shape) {
	case SHAPE_BUF:
		return ctx->args[2];
	case SHAPE_IOV:
		return iov_total(ctx->args[1], ctx->args[2]);
	case SHAPE_MSG:
	case SHAPE_MMSG:	/* the first message's: an mmsghdr starts with it */
		return msghdr_size(ctx->args[1]);
	}
	return -1;
}

/* The verifier allows only constant offsets into the context. */
static __always_inline __u32 msg_flags_arg(struct trace_event_raw_sys_enter *ctx,
					   int n)
{
	switch (n) {
	case 2:
		return ctx->args[2];
	case 3:
		return ctx->args[3];
	}
	return 0;
}

/*
 * The kernel restarting the interrupted call (the same syscall instruction,
 * the same stack): its state becomes the current call's again, and nothing
 * fires.  True if this entry is that.
 */
static __always_inline bool resume_interrupted(struct call *c,
					       const struct call_kind *k, __s32 fd)
{
	struct pt_regs *regs;
	struct call *i;

	if (!c->interrupted)
		return false;
	i = task_call(interrupted, false);
	if (!i || i->sys != k->sys || i->v[0].fd != fd)
		return false;
	regs = user_regs();
	if (regs->ip != i->ip || regs->sp != i->sp)
		return false;
	*c = *i;
	c->interrupted = 0;
	return true;
}

static __always_inline int xfer_enter(struct trace_event_raw_sys_enter *ctx,
				      const struct call_kind *k, __u64 pid_tgid)
{
	struct call *c = task_call(calls, true);
	__s32 fd = (int)ctx->args[0];
	struct file *f;

	if (!c || resume_interrupted(c, k, fd))
		return 0;
	reset_call(c, k->sys);
	f = fd_file(fd);
	if (!read_sockvals(f, fd, &c->v[0]) || !passes_filters(&c->v[0]))
		return 0;
	c->entry_probe = k->entry_probe;
	c->send = k->send;
	c->msg_flags = msg_flags_arg(ctx, k->flags_arg);
	c->n = 1;
	if (k->shape == SHAPE_MMSG) {
		/* The first message's entry fires now, the rest per message
		 * tried (mmsg_message, mmsg_exit). */
		c->uptr = ctx->args[1];
		c->sk = (__u64)BPF_CORE_READ(file_socket(f), sk);
	}
	c->v[0].size = entry_size(k, ctx);
	if (!failed_only)
		emit(&c->v[0], k->entry_probe, k->sys, c->v[0].size, -1,
		     c->msg_flags, 0, pid_tgid);
	save_call(c, pid_tgid);
	return 0;
}

static __always_inline void xfer_return(struct call *c, bool send, __s64 ret,
					__u64 pid_tgid)
{
	__s32 ok = ret >= 0;

	emit(&c->v[0], c->entry_probe + 1, c->sys, ret, ok, c->msg_flags, 0,
	     pid_tgid);
	emit(&c->v[0], send ? PSN_SOCK_SEND : PSN_SOCK_RECEIVE, c->sys, ret, ok,
	     c->msg_flags, 0, pid_tgid);
}

static __always_inline bool restart_code(long ret)
{
	return ret == -ERESTARTSYS || ret == -ERESTARTNOINTR ||
	       ret == -ERESTARTNOHAND;
}

/*
 * sendmmsg/recvmmsg fire their probes per message the kernel tries, as the
 * tapset's (on sock_sendmsg, sock_recvmsg) do: a message after one that
 * failed, or past recvmmsg's timeout, is never tried and fires nothing.
 * Each try ends at sock_send_length/sock_recv_length (Linux 6.3+) with the
 * message's result, where its return and send/receive fire, and its entry
 * but the first's, which fired at the call's entry (a blocking recvmmsg's
 * first message is the one that waits).  A try a signal interrupted is the
 * call's: restarted, or failed with EINTR.
 */
static __always_inline bool is_mmsg(const struct call *c)
{
	return c->sys == PSN_SYS_SENDMMSG || c->sys == PSN_SYS_RECVMMSG;
}

/* Message i's entry (the first's has fired) and its result's probes. */
static __always_inline void mmsg_fire(struct call *c, __u32 i, __s64 ret,
				      __u64 pid_tgid)
{
	struct user_mmsghdr *uv = (void *)c->uptr;

	if (i)
		emit(&c->v[0], c->entry_probe, c->sys,
		     msghdr_size((__u64)&uv[i]), -1, c->msg_flags, 0, pid_tgid);
	xfer_return(c, c->send, ret, pid_tgid);
}

static __always_inline int mmsg_message(struct trace_event_raw_sock_msg_length *ctx,
					bool send, __u64 pid_tgid)
{
	struct call *c = task_call(calls, false);
	int ret = ctx->ret;

	if (!c || !c->armed || !is_mmsg(c) || c->send != send ||
	    c->sk != (__u64)ctx->sk || restart_code(ret) ||
	    c->mmsg_done >= UIO_MAXIOV)
		return 0;
	mmsg_fire(c, c->mmsg_done++, ret, pid_tgid);
	return 0;
}

SEC("tracepoint/sock/sock_send_length")
int mmsg_sent(struct trace_event_raw_sock_msg_length *ctx)
{
	return IF_TRACED(mmsg_message, ctx, true);
}

SEC("tracepoint/sock/sock_recv_length")
int mmsg_received(struct trace_event_raw_sock_msg_length *ctx)
{
	return IF_TRACED(mmsg_message, ctx, false);
}

/* Where no try was seen (no such tracepoint, or a failure before any). */
struct mmsg_loop {
	struct call *c;
	__u64 pid_tgid;
};

/* Message i was sent or received: the kernel wrote its msg_len back. */
static int fire_from_msg_len(__u32 i, struct mmsg_loop *l)
{
	struct user_mmsghdr *uv = (void *)l->c->uptr;
	__u32 len;

	if (bpf_probe_read_user(&len, sizeof(len), &uv[i].len))
		len = -1;
	mmsg_fire(l->c, i, (__s32)len, l->pid_tgid);
	return 0;
}

static __always_inline void mmsg_exit(struct call *c, long ret, __u64 pid_tgid)
{
	struct mmsg_loop l = { .c = c, .pid_tgid = pid_tgid };

	if (c->mmsg_done)
		return;
	if (ret < 0)
		mmsg_fire(c, 0, ret, pid_tgid);
	else
		bpf_loop(ret < UIO_MAXIOV ? ret : UIO_MAXIOV, fire_from_msg_len, &l, 0);
}

/*
 * Keep an interrupted call aside until it is restarted or fails, with where
 * it was made from; false if it cannot be kept.  One per thread: a call
 * interrupted inside the handler of another's signal takes its place.
 */
static __always_inline bool set_aside(struct call *c)
{
	struct call *i = task_call(interrupted, true);
	struct pt_regs *regs = user_regs();

	if (!i)
		return false;
	*i = *c;
	i->ip = regs->ip;
	i->sp = regs->sp;
	c->interrupted = 1;
	return true;
}

static __always_inline int xfer_exit(struct trace_event_raw_sys_exit *ctx,
				     const struct call_kind *k, __u64 pid_tgid)
{
	/* Read once: the compiler would otherwise offset the ctx pointer. */
	long ret = ctx->ret;
	struct call *c;

	c = take_call(pid_tgid, k->sys);
	if (!c)
		return 0;
	if (restart_code(ret) && set_aside(c)) {
		drop_call(pid_tgid);
		return 0;
	}
	if (k->shape == SHAPE_MMSG)
		mmsg_exit(c, ret, pid_tgid);
	else
		xfer_return(c, k->send, ret, pid_tgid);
	drop_call(pid_tgid);
	return 0;
}

/* name, PSN_SYS_*, its entry probe, shape, send, index of the flags arg */
#define XFER_CALLS(X)                                                         \
	X(sendto, SENDTO, PSN_SOCK_SENDMSG, SHAPE_BUF, 1, 3)                  \
	X(sendmsg, SENDMSG, PSN_SOCK_SENDMSG, SHAPE_MSG, 1, 2)                \
	X(sendmmsg, SENDMMSG, PSN_SOCK_SENDMSG, SHAPE_MMSG, 1, 3)             \
	X(recvfrom, RECVFROM, PSN_SOCK_RECVMSG, SHAPE_BUF, 0, 3)              \
	X(recvmsg, RECVMSG, PSN_SOCK_RECVMSG, SHAPE_MSG, 0, 2)                \
	X(recvmmsg, RECVMMSG, PSN_SOCK_RECVMSG, SHAPE_MMSG, 0, 3)             \
	X(write, WRITE, PSN_SOCK_AIO_WRITE, SHAPE_BUF, 1, 0)                  \
	X(read, READ, PSN_SOCK_AIO_READ, SHAPE_BUF, 0, 0)                     \
	X(writev, WRITEV, PSN_SOCK_WRITEV, SHAPE_IOV, 1, 0)                   \
	X(pwritev, PWRITEV, PSN_SOCK_WRITEV, SHAPE_IOV, 1, 0)                 \
	X(pwritev2, PWRITEV2, PSN_SOCK_WRITEV, SHAPE_IOV, 1, 0)               \
	X(readv, READV, PSN_SOCK_READV, SHAPE_IOV, 0, 0)                      \
	X(preadv, PREADV, PSN_SOCK_READV, SHAPE_IOV, 0, 0)                    \
	X(preadv2, PREADV2, PSN_SOCK_READV, SHAPE_IOV, 0, 0)

#define XFER_INDEX(name, ...) XFER_##name,
enum { XFER_CALLS(XFER_INDEX) XFER__MAX };

#define XFER_KIND(name, s, probe, shape, send, flags_arg)                     \
	[XFER_##name] = { PSN_SYS_##s, probe, shape, send, flags_arg },
static const struct call_kind xfer_kinds[XFER__MAX] = { XFER_CALLS(XFER_KIND) };

#define XFER_PROBES(name, ...)                                                \
	SEC("tracepoint/syscalls/sys_enter_" #name)                           \
	int enter_##name(struct trace_event_raw_sys_enter *ctx)               \
	{                                                                     \
		return IF_TRACED(xfer_enter, ctx, &xfer_kinds[XFER_##name]);  \
	}                                                                     \
	SEC("tracepoint/syscalls/sys_exit_" #name)                            \
	int exit_##name(struct trace_event_raw_sys_exit *ctx)                 \
	{                                                                     \
		return IF_TRACED(xfer_exit, ctx, &xfer_kinds[XFER_##name]);   \
	}

XFER_CALLS(XFER_PROBES)

/*
 * The registers rt_sigreturn restores, from the user stack pointer at its
 * entry: the signal frame's ucontext is there (the handler's return popped
 * the restorer's address), its sigcontext 40 bytes in: r8 ... r15, di, si,
 * bp, bx, dx, ax, cx, sp, ip.  x86-64's user ABI.
 */
struct sigframe_regs {
	__s64 ax;
	__u64 cx, sp, ip;
};

#define SIGFRAME_AX (40 + 13 * 8)

/*
 * A signal handler returns.  Its exit is no tracepoint event (rt_sigreturn
 * sets orig_ax to -1), so the frame is read at its entry: the ax it restores
 * is -EINTR if the call the signal interrupted failed, else (restarted) the
 * call's number.  A handler that leaves by longjmp never gets here: its
 * interrupted call stays aside, and a call of that kind on that fd from the
 * same place and stack counts as its restart.
 */
static __always_inline int sigreturn_enter(struct trace_event_raw_sys_enter *ctx,
					   __u16 sys, __u64 pid_tgid)
{
	struct call *c = task_call(calls, false), *i;
	struct sigframe_regs f;

	if (!c || !c->interrupted ||
	    bpf_probe_read_user(&f, sizeof(f),
				(void *)(user_regs()->sp + SIGFRAME_AX)) ||
	    f.ax != -EINTR)
		return 0;
	/* The frame of the signal that interrupted the call, not of one that
	 * interrupted a call of its handler. */
	i = task_call(interrupted, false);
	if (!i || f.ip != i->ip || f.sp != i->sp)
		return 0;
	c->interrupted = 0;
	if (is_mmsg(i))
		mmsg_exit(i, -EINTR, pid_tgid);
	else
		xfer_return(i, i->send, -EINTR, pid_tgid);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_rt_sigreturn")
int enter_rt_sigreturn(struct trace_event_raw_sys_enter *ctx)
{
	return IF_TRACED(sigreturn_enter, ctx, 0);
}

/* ---- create ----------------------------------------------------------- */

static __always_inline void args_sockvals(struct trace_event_raw_sys_enter *ctx,
					  struct sockvals *v)
{
	v->fd = -1;
	v->family = (int)ctx->args[0];
	/* Other bits kept: the kernel refuses them, and they say why. */
	v->type = (int)ctx->args[1] & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	v->protocol = (int)ctx->args[2];
	v->state = -1;
	v->flags = -1;
}

/* What the kernel picks for protocol 0, so --protocol TCP sees socket(.., 0). */
static __always_inline bool create_passes(const struct sockvals *v)
{
	struct sockvals r = *v;

	if (!r.protocol && (r.family == 2 || r.family == 10))
		r.protocol = r.type == 1 ? 6 : r.type == 2 ? 17 : 0;
	return passes_filters(&r);
}

static __always_inline int create_enter(struct trace_event_raw_sys_enter *ctx,
					__u16 sys, __u64 pid_tgid)
{
	struct call *c;

	c = new_call(sys);
	if (!c)
		return 0;
	args_sockvals(ctx, &c->v[0]);
	if (!create_passes(&c->v[0]))
		return 0;
	c->n = 1;
	/* Reading past socket()'s 3 arguments would make attaching fail. */
	if (sys == PSN_SYS_SOCKETPAIR) {
		c->n = 2;
		c->uptr = ctx->args[3];
	}
	if (!failed_only) {
		emit(&c->v[0], PSN_SOCK_CREATE, sys, 0, -1, 0, 0, pid_tgid);
		if (c->n == 2)
			emit(&c->v[0], PSN_SOCK_CREATE, sys, 0, -1, 0, 0, pid_tgid);
	}
	save_call(c, pid_tgid);
	return 0;
}

/* create.return: the made socket's own values, or the asked-for ones. */
static __always_inline void create_return(struct call *c, __s32 fd, long ret,
					  __u64 pid_tgid)
{
	struct sockvals v = c->v[0];

	if (ret >= 0)
		read_sockvals(fd_file(fd), fd, &v);
	if (!create_passes(&v))
		return;
	emit(&v, PSN_SOCK_CREATE_RETURN, c->sys, 0, ret >= 0, 0,
	     ret < 0 ? ret : 0, pid_tgid);
}

static __always_inline int create_exit(struct trace_event_raw_sys_exit *ctx,
				       __u16 sys, __u64 pid_tgid)
{
	int sv[2] = { -1, -1 };
	struct call *c;

	c = take_call(pid_tgid, sys);
	if (!c)
		return 0;
	if (sys == PSN_SYS_SOCKET) {
		create_return(c, ctx->ret, ctx->ret, pid_tgid);
	} else {
		if (!ctx->ret && bpf_probe_read_user(sv, sizeof(sv), (void *)c->uptr))
			sv[0] = sv[1] = -1;
		create_return(c, sv[0], ctx->ret, pid_tgid);
		create_return(c, sv[1], ctx->ret, pid_tgid);
	}
	drop_call(pid_tgid);
	return 0;
}

SYSCALL_PROBES(socket, PSN_SYS_SOCKET, create_enter, create_exit)
SYSCALL_PROBES(socketpair, PSN_SYS_SOCKETPAIR, create_enter, create_exit)

/* ---- close ------------------------------------------------------------ */

/* Note fd in c if closing it releases a socket; emit socket.close. */
static __always_inline void close_one(struct call *c, __s32 fd, __u64 pid_tgid)
{
	struct file *f = fd_file(fd);
	__u8 i = c->n;

	if (i >= MAX_CLOSES || !f || !last_reference(f))
		return;
	if (!read_sockvals(f, fd, &c->v[i & (MAX_CLOSES - 1)]) ||
	    !passes_filters(&c->v[i & (MAX_CLOSES - 1)]))
		return;
	if (!failed_only)
		emit(&c->v[i & (MAX_CLOSES - 1)], PSN_SOCK_CLOSE, c->sys, 0, -1,
		     0, 0, pid_tgid);
	c->n = i + 1;
}

struct close_loop {
	struct call *c;
	__u64 pid_tgid;
	__s32 lo;
};

static int close_nth(__u32 i, struct close_loop *l)
{
	close_one(l->c, l->lo + i, l->pid_tgid);
	return l->c->n >= MAX_CLOSES;
}

/*
 * bpf_loop, not an unrolled loop: the verifier walked close_one 256 times
 * over in each of the four programs, 130-170 ms apiece at start-up.
 */
static __always_inline int close_enter(__u16 sys, __s32 lo, __s32 hi,
				       __u64 pid_tgid)
{
	struct close_loop l = { .pid_tgid = pid_tgid, .lo = lo };
	__s64 n = (__s64)hi - lo + 1;

	l.c = new_call(sys);
	if (!l.c)
		return 0;
	if (n > 0)
		bpf_loop(n < MAX_CLOSE_RANGE ? n : MAX_CLOSE_RANGE, close_nth, &l, 0);
	if (l.c->n)
		save_call(l.c, pid_tgid);
	return 0;
}

static __always_inline int close_exit(struct trace_event_raw_sys_exit *ctx,
				      __u16 sys, __u64 pid_tgid)
{
	struct call *c;

	c = take_call(pid_tgid, sys);
	if (!c)
		return 0;
	for (int i = 0; i < MAX_CLOSES; i++) {
		if (i >= c->n)
			break;
		emit(&c->v[i], PSN_SOCK_CLOSE_RETURN, sys, 0,
		     ctx->ret >= 0 || sys == PSN_SYS_CLOSE, 0, 0, pid_tgid);
	}
	drop_call(pid_tgid);
	return 0;
}

static __always_inline int fd_close_enter(struct trace_event_raw_sys_enter *ctx,
					  __u16 sys, __u64 pid_tgid)
{
	return close_enter(sys, ctx->args[0], ctx->args[0], pid_tgid);
}

static __always_inline int range_close_enter(struct trace_event_raw_sys_enter *ctx,
					     __u16 sys, __u64 pid_tgid)
{
	struct task_struct *task = current_task();
	__u32 hi = ctx->args[1];

	if (ctx->args[2] & CLOSE_RANGE_CLOEXEC)
		return 0;
	/* A shared table is copied first: the range closes in the copy, and
	 * the table the other tasks keep still holds every file. */
	if ((ctx->args[2] & CLOSE_RANGE_UNSHARE) &&
	    BPF_CORE_READ(task, files, count.counter) > 1)
		return 0;
	return close_enter(sys, ctx->args[0], hi > 0x7fffffff ? 0x7fffffff : hi,
			   pid_tgid);
}

/* dup2/dup3 onto an open fd close it first. */
static __always_inline int dup_enter(struct trace_event_raw_sys_enter *ctx,
				     __u16 sys, __u64 pid_tgid)
{
	if (ctx->args[0] == ctx->args[1])
		return 0;
	return close_enter(sys, ctx->args[1], ctx->args[1], pid_tgid);
}

SYSCALL_PROBES(close, PSN_SYS_CLOSE, fd_close_enter, close_exit)
SYSCALL_PROBES(close_range, PSN_SYS_CLOSE_RANGE, range_close_enter, close_exit)
SYSCALL_PROBES(dup2, PSN_SYS_DUP2, dup_enter, close_exit)
SYSCALL_PROBES(dup3, PSN_SYS_DUP3, dup_enter, close_exit)

/*
 * By default (where the kernel loads them), one program at every syscall's
 * entry and one at its exit instead of the 41 above: two links to attach and
 * detach, not 41 (each detach waits for the kernel, ~40-70 ms here), and the
 * calls traced build no perf-event record; every other call of every process
 * pays for two programs that return at once.  User space loads one set.
 */
enum raw_kind { RAW_NONE, RAW_XFER, RAW_CREATE, RAW_CLOSE, RAW_CLOSE_RANGE,
		RAW_DUP, RAW_SIGRETURN };

struct raw_call {
	__u8 kind;
	__u8 xfer;		/* RAW_XFER: its index in xfer_kinds */
	__u16 sys;
};

#define NR_TABLE (PSN_NR_close_range + 1)	/* past the highest traced */

#define XFER_NR(name, s, ...) \
	[PSN_NR_##name] = { RAW_XFER, XFER_##name, PSN_SYS_##s },
static const struct raw_call calls_by_nr[NR_TABLE] = {
	XFER_CALLS(XFER_NR)
	[PSN_NR_socket] = { RAW_CREATE, 0, PSN_SYS_SOCKET },
	[PSN_NR_socketpair] = { RAW_CREATE, 0, PSN_SYS_SOCKETPAIR },
	[PSN_NR_close] = { RAW_CLOSE, 0, PSN_SYS_CLOSE },
	[PSN_NR_close_range] = { RAW_CLOSE_RANGE, 0, PSN_SYS_CLOSE_RANGE },
	[PSN_NR_dup2] = { RAW_DUP, 0, PSN_SYS_DUP2 },
	[PSN_NR_dup3] = { RAW_DUP, 0, PSN_SYS_DUP3 },
	[PSN_NR_rt_sigreturn] = { RAW_SIGRETURN, 0, 0 },
};

/* The call numbered nr, if it is one socksnoop traces and its caller is. */
static __always_inline bool raw_call_traced(unsigned long nr, struct raw_call *c,
					    __u64 *pid_tgid)
{
	if (nr >= NR_TABLE)
		return false;
	*c = calls_by_nr[nr];
	/* The xfer bound is the verifier's, for xfer_kinds[c->xfer]. */
	if (c->kind == RAW_NONE || c->xfer >= XFER__MAX)
		return false;
	*pid_tgid = current_ids();
	return traced(*pid_tgid) && native_call();
}

SEC("tp_btf/sys_enter")
int BPF_PROG(raw_sys_enter, struct pt_regs *regs, long nr)
{
	struct trace_event_raw_sys_enter rec;
	struct raw_call c;
	__u64 pid_tgid;

	if (!raw_call_traced(nr, &c, &pid_tgid))
		return 0;
	raw_args(regs, &rec);
	switch (c.kind) {
	case RAW_XFER:
		return xfer_enter(&rec, &xfer_kinds[c.xfer], pid_tgid);
	case RAW_CREATE:
		return create_enter(&rec, c.sys, pid_tgid);
	case RAW_CLOSE:
		return fd_close_enter(&rec, c.sys, pid_tgid);
	case RAW_CLOSE_RANGE:
		return range_close_enter(&rec, c.sys, pid_tgid);
	case RAW_DUP:
		return dup_enter(&rec, c.sys, pid_tgid);
	default:
		return sigreturn_enter(&rec, c.sys, pid_tgid);
	}
}

SEC("tp_btf/sys_exit")
int BPF_PROG(raw_sys_exit, struct pt_regs *regs, long ret)
{
	struct trace_event_raw_sys_exit rec = { .ret = ret };
	struct raw_call c;
	__u64 pid_tgid;

	/* rt_sigreturn's exit leaves orig_ax -1: it never comes here. */
	if (!raw_call_traced(regs->orig_ax, &c, &pid_tgid))
		return 0;
	switch (c.kind) {
	case RAW_XFER:
		return xfer_exit(&rec, &xfer_kinds[c.xfer], pid_tgid);
	case RAW_CREATE:
		return create_exit(&rec, c.sys, pid_tgid);
	default:
		return close_exit(&rec, c.sys, pid_tgid);
	}
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
