/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * sockcalls: make exactly the socket calls tests/integration/test_socksnoop.py
 * expects, so that every probe point of socksnoop can be checked record by
 * record.
 *
 *   sockcalls SCENARIO OUTFILE
 *
 * Writes "KEY NUMBER" lines to OUTFILE: "pid N" first, then the fds it got
 * ("tcp4.c 5": the connecting socket of scenario tcp4 is fd 5).  Exits 0 only
 * if every call did exactly what it should (a wrong byte count is exit 1).
 *
 * Scenarios (the test mirrors these numbers; change both together):
 *   tcp4 tcp6 udp4 udp6 unix-stream unix-dgram unix-seqpacket netlink
 *       make a pair of sockets, run the suite from the sender to the
 *       receiver, one recvfrom(MSG_DONTWAIT) on the empty receiver (EAGAIN),
 *       close everything.
 *   fail   socket(127, ...) (EAFNOSUPPORT), socket(AF_INET, 77, 0) (EINVAL, type
 *          77 shown whole); a non-blocking UNIX stream pair:
 *          read on it empty (EAGAIN); close one end, then send(MSG_NOSIGNAL)
 *          and write (EPIPE) on the other; close it.  Then a UDP pair:
 *          sendmmsg of 3, 70000 and 7 bytes (returns 1: EMSGSIZE on the
 *          second), recvmmsg(MSG_DONTWAIT) into 4 x [32] (returns 1: EAGAIN
 *          on the second); close both.
 *   dup    dup + close (no release) + write + close (release); dup2 and dup3
 *          onto a socket; close_range over a socketpair.
 *   files  I/O on a regular file and a pipe (no records), then a marker
 *          socketpair closed at once.
 *   proto0 socket(AF_INET, SOCK_STREAM, 0) and socket(AF_INET6, SOCK_DGRAM,
 *          0): the protocol left to the kernel; both closed.
 *   many   a UNIX stream pair: sendmsg and writev of 100 one-byte iovecs,
 *          sendmmsg of 20 one-byte messages; then recvmsg and readv into 100
 *          one-byte iovecs (100 bytes each), recvmmsg into 20 one-byte
 *          messages; close both.
 *   all    the eight pair scenarios one after the other.
 *
 * The suite, from sender S to receiver R:
 *   sendto(S, 11, MSG_DONTWAIT)  sendmsg(S, [5,7], MSG_NOSIGNAL)
 *   sendmmsg(S, [3],[4],[6])     write(S, 13)    writev(S, [8,9])
 *   then on R, for datagram sockets (capacity -> bytes):
 *   recvfrom(R, 100)->11  recvmsg(R, [40,60])->12  recvmmsg(R, 3 x [32])->3,4,6
 *   read(R, 100)->13      readv(R, [50,50])->17
 *   and for stream sockets, once all 66 bytes are queued:
 *   recvfrom(R, 11)  recvmsg(R, [5,7])  recvmmsg(R, [3],[4],[6])  read(R, 13)
 *   readv(R, [8,59])->17
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define STREAM_TOTAL 66

static FILE *out;
static const char *scen;
static char buf[256];

static _Noreturn void fail(const char *what)
{
	fprintf(stderr, "sockcalls %s: %s: %s\n", scen, what, strerror(errno));
	exit(1);
}

static _Noreturn void failx(const char *what, long got, long want)
{
	fprintf(stderr, "sockcalls %s: %s gave %ld, not %ld\n", scen, what, got,
		want);
	exit(1);
}

static void note(const char *key, long v)
{
	fprintf(out, "%s.%s %ld\n", scen, key, v);
	fflush(out);
}

static void check(const char *what, long got, long want)
{
	if (got < 0 && want >= 0)
		fail(what);
	if (got != want)
		failx(what, got, want);
}

/* A call that must fail with errno err. */
static void check_err(const char *what, long got, int err)
{
	if (got != -1 || errno != err)
		failx(what, got < 0 ? -errno : got, -err);
}

/* ---- the suite ---------------------------------------------------------- */

static void send_suite(int s)
{
	struct iovec iov[2] = { { buf, 5 }, { buf, 7 } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
	struct iovec miov[3] = { { buf, 3 }, { buf, 4 }, { buf, 6 } };
	struct mmsghdr mm[3];
	struct iovec wiov[2] = { { buf, 8 }, { buf, 9 } };

	memset(mm, 0, sizeof(mm));
	for (int i = 0; i < 3; i++) {
		mm[i].msg_hdr.msg_iov = &miov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	check("sendto", sendto(s, buf, 11, MSG_DONTWAIT, NULL, 0), 11);
	check("sendmsg", sendmsg(s, &msg, MSG_NOSIGNAL), 12);
	check("sendmmsg", sendmmsg(s, mm, 3, 0), 3);
	for (int i = 0; i < 3; i++)
		check("sendmmsg message", mm[i].msg_len, (long)miov[i].iov_len);
	check("write", write(s, buf, 13), 13);
	check("writev", writev(s, wiov, 2), 17);
}

/* Stream receives read exact amounts: wait until everything is queued. */
static void wait_queued(int r, int want)
{
	struct timespec ts = { 0, 1000000 };
	int n = 0;

	for (int i = 0; i < 5000; i++) {
		if (ioctl(r, FIONREAD, &n))
			fail("FIONREAD");
		if (n >= want)
			return;
		nanosleep(&ts, NULL);
	}
	failx("bytes queued", n, want);
}

static void recv_suite(int r, bool stream)
{
	static const size_t dg_mcap[3] = { 32, 32, 32 }, st_mcap[3] = { 3, 4, 6 };
	const size_t *mcap = stream ? st_mcap : dg_mcap;
	struct iovec iov[2] = { { buf, stream ? 5 : 40 }, { buf, stream ? 7 : 60 } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
	struct iovec miov[3];
	struct mmsghdr mm[3];
	struct iovec riov[2] = { { buf, stream ? 8 : 50 }, { buf, stream ? 59 : 50 } };
	static const long mlen[3] = { 3, 4, 6 };

	memset(mm, 0, sizeof(mm));
	for (int i = 0; i < 3; i++) {
		miov[i].iov_base = buf;
		miov[i].iov_len = mcap[i];
		mm[i].msg_hdr.msg_iov = &miov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	if (stream)
		wait_queued(r, STREAM_TOTAL);
	check("recvfrom", recvfrom(r, buf, stream ? 11 : 100, 0, NULL, NULL), 11);
	check("recvmsg", recvmsg(r, &msg, 0), 12);
	check("recvmmsg", recvmmsg(r, mm, 3, 0, NULL), 3);
	for (int i = 0; i < 3; i++)
		check("recvmmsg message", mm[i].msg_len, mlen[i]);
	check("read", read(r, buf, stream ? 13 : 100), 13);
	check("readv", readv(r, riov, 2), 17);
}

/* The suite, then EAGAIN on the empty receiver. */
static void suite(int s, int r, bool stream)
{
	send_suite(s);
	recv_suite(r, stream);
	check_err("recvfrom on empty", recvfrom(r, buf, 100, MSG_DONTWAIT, NULL, NULL),
		  EAGAIN);
}

/* ---- the pairs ---------------------------------------------------------- */

static socklen_t loopback(int family, struct sockaddr_storage *ss, int port)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	sin6->sin6_addr = in6addr_loopback;
	return sizeof(*sin6);
}

/* Bind fd to the loopback address, a free port; returns that address. */
static socklen_t bind_loopback(int fd, int family, struct sockaddr_storage *ss)
{
	socklen_t len = loopback(family, ss, 0);

	if (bind(fd, (struct sockaddr *)ss, len))
		fail("bind");
	if (getsockname(fd, (struct sockaddr *)ss, &len))
		fail("getsockname");
	return len;
}

static void tcp(int family)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int l, c, a;

	l = socket(family, SOCK_STREAM, IPPROTO_TCP);
	if (l < 0)
		fail("socket");
	note("l", l);
	len = bind_loopback(l, family, &ss);
	if (listen(l, 1))
		fail("listen");
	c = socket(family, SOCK_STREAM, IPPROTO_TCP);
	if (c < 0)
		fail("socket");
	note("c", c);
	if (connect(c, (struct sockaddr *)&ss, len))
		fail("connect");
	a = accept(l, NULL, NULL);
	if (a < 0)
		fail("accept");
	note("a", a);
	suite(c, a, true);
	close(c);
	close(a);
	close(l);
}

/* A UDP receiver *r bound to loopback, and a sender *s connected to it. */
static void udp_pair(int family, int *r, int *s)
{
	struct sockaddr_storage ss;
	socklen_t len;

	*r = socket(family, SOCK_DGRAM, IPPROTO_UDP);
	if (*r < 0)
		fail("socket");
	note("r", *r);
	len = bind_loopback(*r, family, &ss);
	*s = socket(family, SOCK_DGRAM, IPPROTO_UDP);
	if (*s < 0)
		fail("socket");
	note("s", *s);
	if (connect(*s, (struct sockaddr *)&ss, len))
		fail("connect");
}

static void udp(int family)
{
	int r, s;

	udp_pair(family, &r, &s);
	suite(s, r, false);
	close(s);
	close(r);
}

static void unix_pair(int type)
{
	int sv[2];

	if (socketpair(AF_UNIX, type, 0, sv))
		fail("socketpair");
	note("s", sv[0]);
	note("r", sv[1]);
	suite(sv[0], sv[1], type == SOCK_STREAM);
	close(sv[0]);
	close(sv[1]);
}

/* A NETLINK_USERSOCK socket bound to a port id of the kernel's choosing. */
static int netlink_socket(int type, __u32 *portid)
{
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
	socklen_t len = sizeof(nl);
	int fd = socket(AF_NETLINK, type, NETLINK_USERSOCK);

	if (fd < 0)
		fail("socket(AF_NETLINK)");
	if (bind(fd, (struct sockaddr *)&nl, sizeof(nl)))
		fail("bind(AF_NETLINK)");
	if (getsockname(fd, (struct sockaddr *)&nl, &len))
		fail("getsockname(AF_NETLINK)");
	*portid = nl.nl_pid;
	return fd;
}

static void netlink_connect(int fd, __u32 portid)
{
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK, .nl_pid = portid };

	if (connect(fd, (struct sockaddr *)&nl, sizeof(nl)))
		fail("connect(AF_NETLINK)");
}

/* Sender RAW, receiver DGRAM: two user sockets talking, exact sizes. */
static void netlink(void)
{
	__u32 sp, rp;
	int s = netlink_socket(SOCK_RAW, &sp);
	int r;

	note("s", s);
	r = netlink_socket(SOCK_DGRAM, &rp);
	note("r", r);
	netlink_connect(s, rp);
	netlink_connect(r, sp);
	suite(s, r, false);
	close(s);
	close(r);
}

/* ---- failures, dup, files ----------------------------------------------- */

/*
 * sendmmsg stops at a message too big for UDP: the first is sent, the
 * second fails (EMSGSIZE, which the call does not return: it returns 1), the
 * third is never tried.  recvmmsg(MSG_DONTWAIT) of 4 gets the one queued,
 * then EAGAIN on the second (it returns 1).
 */
static void mmsg_failures(void)
{
	static char big[70000];
	struct iovec siov[3] = { { buf, 3 }, { big, sizeof(big) }, { buf, 7 } };
	struct iovec riov[4] = { { buf, 32 }, { buf, 32 }, { buf, 32 }, { buf, 32 } };
	struct mmsghdr mm[4];
	int r, s;

	udp_pair(AF_INET, &r, &s);
	memset(mm, 0, sizeof(mm));
	for (int i = 0; i < 3; i++) {
		mm[i].msg_hdr.msg_iov = &siov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	check("sendmmsg up to EMSGSIZE", sendmmsg(s, mm, 3, 0), 1);
	wait_queued(r, 3);
	memset(mm, 0, sizeof(mm));
	for (int i = 0; i < 4; i++) {
		mm[i].msg_hdr.msg_iov = &riov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	check("recvmmsg up to EAGAIN", recvmmsg(r, mm, 4, MSG_DONTWAIT, NULL), 1);
	close(s);
	close(r);
}

static void failures(void)
{
	int sv[2];

	check_err("socket(127)", socket(127, SOCK_STREAM, 0), EAFNOSUPPORT);
	check_err("socket(type 77)", socket(AF_INET, 77 | SOCK_CLOEXEC, 0), EINVAL);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv))
		fail("socketpair");
	note("a", sv[0]);
	note("b", sv[1]);
	check_err("read on empty", read(sv[1], buf, 100), EAGAIN);
	close(sv[0]);
	check_err("send to a closed peer", send(sv[1], buf, 5, MSG_NOSIGNAL), EPIPE);
	signal(SIGPIPE, SIG_IGN);
	check_err("write to a closed peer", write(sv[1], buf, 7), EPIPE);
	close(sv[1]);
	mmsg_failures();
}

static void dups(void)
{
	int sv[2], p[2], d, e;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		fail("socketpair");
	note("a", sv[0]);
	note("b", sv[1]);
	d = dup(sv[0]);
	if (d < 0)
		fail("dup");
	note("d", d);
	close(sv[0]);		/* d still holds it: not a release */
	check("write on the dup", write(d, buf, 3), 3);
	close(d);		/* the last reference: socket.close */
	if (pipe(p))
		fail("pipe");
	note("p0", p[0]);
	if (dup2(p[0], sv[1]) != sv[1])	/* releases b */
		fail("dup2");
	close(sv[1]);		/* now a pipe */

	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv))
		fail("socketpair");
	note("c", sv[0]);
	note("e", sv[1]);
	e = sv[1];
	if (dup3(p[0], sv[0], O_CLOEXEC) != sv[0])	/* releases c */
		fail("dup3");
	close(sv[0]);
	close(p[0]);
	close(p[1]);

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv))
		fail("socketpair");
	note("f", sv[0]);
	note("g", sv[1]);
	/* e, f, g: closed in one call (nothing else is open between them) */
	int lo = e, hi = e;

	for (int i = 0; i < 2; i++) {
		lo = sv[i] < lo ? sv[i] : lo;
		hi = sv[i] > hi ? sv[i] : hi;
	}
	note("range_lo", lo);
	note("range_hi", hi);
	if (syscall(SYS_close_range, (unsigned)lo, (unsigned)hi, 0u))
		fail("close_range");
}

static void files(const char *path)
{
	struct iovec iov[2] = { { buf, 4 }, { buf, 6 } };
	int f, p[2], sv[2];

	f = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (f < 0)
		fail("open");
	check("file write", write(f, buf, 10), 10);
	check("file writev", writev(f, iov, 2), 10);
	check("file pwrite", pwrite(f, buf, 5, 0), 5);
	check("file lseek", lseek(f, 0, SEEK_SET), 0);
	check("file read", read(f, buf, 10), 10);
	check("file readv", readv(f, iov, 2), 10);
	check("file pread", pread(f, buf, 5, 0), 5);
	close(f);
	if (pipe(p))
		fail("pipe");
	check("pipe write", write(p[1], buf, 10), 10);
	check("pipe writev", writev(p[1], iov, 2), 10);
	check("pipe read", read(p[0], buf, 10), 10);
	check("pipe readv", readv(p[0], iov, 2), 10);
	close(p[0]);
	close(p[1]);
	/* the marker: proof the tracer saw this process */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		fail("socketpair");
	note("a", sv[0]);
	note("b", sv[1]);
	close(sv[0]);
	close(sv[1]);
}

#define MANY_IOV 100
#define MANY_MSG 20

static void many(void)
{
	static struct iovec iov[MANY_IOV], miov[MANY_MSG];
	static struct mmsghdr mm[MANY_MSG];
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = MANY_IOV };
	int sv[2];

	for (int i = 0; i < MANY_IOV; i++)
		iov[i] = (struct iovec){ buf, 1 };
	for (int i = 0; i < MANY_MSG; i++) {
		miov[i] = (struct iovec){ buf, 1 };
		memset(&mm[i], 0, sizeof(mm[i]));
		mm[i].msg_hdr.msg_iov = &miov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		fail("socketpair");
	note("s", sv[0]);
	note("r", sv[1]);
	check("sendmsg", sendmsg(sv[0], &msg, 0), MANY_IOV);
	check("writev", writev(sv[0], iov, MANY_IOV), MANY_IOV);
	check("sendmmsg", sendmmsg(sv[0], mm, MANY_MSG, 0), MANY_MSG);
	wait_queued(sv[1], 2 * MANY_IOV + MANY_MSG);
	check("recvmsg", recvmsg(sv[1], &msg, 0), MANY_IOV);
	check("readv", readv(sv[1], iov, MANY_IOV), MANY_IOV);
	check("recvmmsg", recvmmsg(sv[1], mm, MANY_MSG, 0, NULL), MANY_MSG);
	close(sv[0]);
	close(sv[1]);
}

static void proto0(void)
{
	int t = socket(AF_INET, SOCK_STREAM, 0);
	int u = socket(AF_INET6, SOCK_DGRAM, 0);

	if (t < 0 || u < 0)
		fail("socket");
	note("t", t);
	note("u", u);
	close(t);
	close(u);
}

static const char *const pairs[] = {
	"tcp4", "tcp6", "udp4", "udp6", "unix-stream", "unix-dgram",
	"unix-seqpacket", "netlink",
};

static bool run(const char *name, const char *outfile)
{
	char path[4096];

	scen = name;
	if (!strcmp(name, "tcp4"))
		tcp(AF_INET);
	else if (!strcmp(name, "tcp6"))
		tcp(AF_INET6);
	else if (!strcmp(name, "udp4"))
		udp(AF_INET);
	else if (!strcmp(name, "udp6"))
		udp(AF_INET6);
	else if (!strcmp(name, "unix-stream"))
		unix_pair(SOCK_STREAM);
	else if (!strcmp(name, "unix-dgram"))
		unix_pair(SOCK_DGRAM);
	else if (!strcmp(name, "unix-seqpacket"))
		unix_pair(SOCK_SEQPACKET);
	else if (!strcmp(name, "netlink"))
		netlink();
	else if (!strcmp(name, "fail"))
		failures();
	else if (!strcmp(name, "dup"))
		dups();
	else if (!strcmp(name, "many"))
		many();
	else if (!strcmp(name, "proto0"))
		proto0();
	else if (!strcmp(name, "files")) {
		snprintf(path, sizeof(path), "%s.data", outfile);
		files(path);
	} else if (!strcmp(name, "all")) {
		for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
			run(pairs[i], outfile);
	} else {
		return false;
	}
	return true;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: sockcalls SCENARIO OUTFILE\n");
		return 2;
	}
	memset(buf, 'x', sizeof(buf));
	out = fopen(argv[2], "w+");
	if (!out) {
		perror(argv[2]);
		return 1;
	}
	fprintf(out, "pid %d\n", (int)getpid());
	fflush(out);
	if (!run(argv[1], argv[2])) {
		fprintf(stderr, "sockcalls: unknown scenario '%s'\n", argv[1]);
		return 2;
	}
	fclose(out);
	return 0;
}
