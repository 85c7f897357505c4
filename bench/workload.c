/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * workload: the benchmark's workloads, each timing its own hot loop.
 *
 *   workload                 read commands from stdin, one per line, run each
 *                            in turn and print its report; exit at EOF
 *   workload COMMAND ARGS    run one command
 *
 * Commands:
 *   loop N                   write 1 byte, epoll_wait(0) -> 1 event, read it:
 *                            3 syscalls, no context switch (tests/progs/epflood)
 *   pingpong N unix|tcp lt|oneshot [CPU]
 *                            two threads bounce 1 byte N times, each waiting in
 *                            its own epoll set; oneshot re-arms with
 *                            EPOLL_CTL_MOD after each read; CPU pins both threads
 *                            to that CPU (-1 or absent: not pinned)
 *   burst K N [RATE]         N epoll_wait(0) that each return K events (K fds
 *                            always readable, never read); RATE paces it at RATE
 *                            waits per second (spinning on the clock)
 *   read N                   read 1 byte of /dev/zero N times (the bystander)
 *   getppid N                getppid() N times (a bystander in no traced call)
 *
 * The benchmark runs one process per tracer session and sends it one command
 * per workload: the process exists, with both its threads, before the tracer
 * attaches by pid, and sits in read(0) (idle) between commands.  Every command
 * makes its fds, runs N/20 untimed warm-up iterations, times N iterations with
 * CLOCK_MONOTONIC, closes its fds, and prints one JSON line:
 *   {"workload":"loop","iters":N,"elapsed_ns":T,"ns_per_iter":X,...}
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static _Noreturn void fail(const char *what)
{
	fprintf(stderr, "workload: %s: %s\n", what, strerror(errno));
	exit(1);
}

static _Noreturn void failx(const char *msg)
{
	fprintf(stderr, "workload: %s\n", msg);
	exit(1);
}

static _Noreturn void usage(void)
{
	fprintf(stderr,
		"usage: workload [COMMAND ARGS] (commands on stdin without one)\n"
		"  loop N | pingpong N unix|tcp lt|oneshot [CPU] |\n"
		"  burst K N [WAITS_PER_SEC] | read N\n");
	exit(2);
}

static long num(const char *s)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno || end == s || *end || n < 0)
		usage();
	return n;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void report(const char *name, long iters, uint64_t elapsed,
		   const char *extra)
{
	printf("{\"workload\":\"%s\",\"iters\":%ld,\"elapsed_ns\":%llu,"
	       "\"ns_per_iter\":%.3f%s}\n", name, iters,
	       (unsigned long long)elapsed, iters ? (double)elapsed / iters : 0.0,
	       extra ? extra : "");
	fflush(stdout);
}

static void pin(int cpu)
{
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	cpu_set_t set;

	CPU_ZERO(&set);
	if (cpu >= 0)
		CPU_SET(cpu, &set);
	else			/* -1: every CPU again */
		for (long i = 0; i < ncpu && i < CPU_SETSIZE; i++)
			CPU_SET(i, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		fail("sched_setaffinity");
}

/* ---- loop --------------------------------------------------------------- */

static void loop_iters(int epfd, const int sv[2], long n)
{
	struct epoll_event evs[8];
	char c;

	for (long i = 0; i < n; i++) {
		if (write(sv[0], "x", 1) != 1)
			fail("write");
		if (epoll_wait(epfd, evs, 8, 0) != 1)
			failx("epoll_wait did not return exactly one event");
		if (evs[0].data.u64 != (uint64_t)sv[1])
			failx("event for an unexpected fd");
		if (read(sv[1], &c, 1) != 1)
			fail("read");
	}
}

static int run_loop(long n)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int sv[2], epfd;
	uint64_t t0;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		fail("socketpair");
	epfd = epoll_create1(0);
	if (epfd < 0)
		fail("epoll_create1");
	ev.data.u64 = (uint64_t)sv[1];
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, sv[1], &ev) < 0)
		fail("epoll_ctl");
	loop_iters(epfd, sv, n / 20);
	t0 = now_ns();
	loop_iters(epfd, sv, n);
	t0 = now_ns() - t0;
	close(sv[0]);
	close(sv[1]);
	close(epfd);
	report("loop", n, t0, ",\"syscalls_per_iter\":3");
	return 0;
}

/* ---- pingpong ----------------------------------------------------------- */

struct side {
	int fd, epfd;
	bool oneshot;
};

static void side_arm(struct side *s, int op)
{
	struct epoll_event ev = {
		.events = EPOLLIN | (s->oneshot ? EPOLLONESHOT : 0),
		.data.u64 = (uint64_t)s->fd,
	};

	if (epoll_ctl(s->epfd, op, s->fd, &ev) < 0)
		fail("epoll_ctl");
}

/* Wait for the peer's byte, read it, re-arm: the byte read. */
static char side_recv(struct side *s)
{
	struct epoll_event evs[4];
	char c;
	int n;

	do
		n = epoll_wait(s->epfd, evs, 4, -1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		failx("pingpong: epoll_wait did not return one event");
	if (read(s->fd, &c, 1) != 1)
		fail("pingpong read");
	if (s->oneshot)
		side_arm(s, EPOLL_CTL_MOD);
	return c;
}

static void side_send(struct side *s, char c)
{
	if (write(s->fd, &c, 1) != 1)
		fail("pingpong write");
}

/*
 * The ponger thread lives as long as the process (created at start, so a
 * tracer attaching by pid later finds it); each pingpong hands it a side.
 */
static struct {
	pthread_barrier_t go, done;
	struct side b;
	int cpu;
	bool quit;
} pong;

static void *ponger(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_barrier_wait(&pong.go);
		if (pong.quit)
			return NULL;
		pin(pong.cpu);
		for (;;) {
			char c = side_recv(&pong.b);

			if (c == 'q')
				break;
			side_send(&pong.b, c);
		}
		pthread_barrier_wait(&pong.done);
	}
}

static pthread_t pong_thread;

static void pong_start(void)
{
	pthread_barrier_init(&pong.go, NULL, 2);
	pthread_barrier_init(&pong.done, NULL, 2);
	if (pthread_create(&pong_thread, NULL, ponger, NULL))
		failx("pthread_create");
}

static void pong_stop(void)
{
	pong.quit = true;
	pthread_barrier_wait(&pong.go);
	pthread_join(pong_thread, NULL);
}

static void tcp_pair(int sv[2])
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int one = 1, l;

	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (void *)&a, sizeof(a)) || listen(l, 1) ||
	    getsockname(l, (void *)&a, &len))
		fail("tcp listen");
	sv[0] = socket(AF_INET, SOCK_STREAM, 0);
	if (sv[0] < 0 || connect(sv[0], (void *)&a, sizeof(a)))
		fail("tcp connect");
	sv[1] = accept(l, NULL, NULL);
	if (sv[1] < 0)
		fail("tcp accept");
	close(l);
	setsockopt(sv[0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(sv[1], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static void ping_iters(struct side *a, long n)
{
	for (long i = 0; i < n; i++) {
		side_send(a, 'p');
		if (side_recv(a) != 'p')
			failx("pingpong: unexpected byte");
	}
}

static int run_pingpong(long n, bool tcp, bool oneshot, int cpu)
{
	struct side a = { .oneshot = oneshot };
	char extra[96];
	uint64_t t0, el;
	int sv[2];

	if (tcp)
		tcp_pair(sv);
	else if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		fail("socketpair");
	a.fd = sv[0];
	pong.b = a;
	pong.b.fd = sv[1];
	a.epfd = epoll_create1(0);
	pong.b.epfd = epoll_create1(0);
	if (a.epfd < 0 || pong.b.epfd < 0)
		fail("epoll_create1");
	side_arm(&a, EPOLL_CTL_ADD);
	side_arm(&pong.b, EPOLL_CTL_ADD);
	pong.cpu = cpu;
	pin(cpu);
	pthread_barrier_wait(&pong.go);
	ping_iters(&a, n / 20);
	t0 = now_ns();
	ping_iters(&a, n);
	el = now_ns() - t0;
	side_send(&a, 'q');
	pthread_barrier_wait(&pong.done);
	pin(-1);
	close(sv[0]);
	close(sv[1]);
	close(a.epfd);
	close(pong.b.epfd);
	snprintf(extra, sizeof(extra), ",\"syscalls_per_iter\":%d,\"pinned\":%s",
		 oneshot ? 8 : 6, cpu >= 0 ? "true" : "false");
	report("pingpong", n, el, extra);
	return 0;
}

/* ---- burst -------------------------------------------------------------- */

static int run_burst(long k, long n, long rate)
{
	uint64_t t0, el, next, period = rate ? 1000000000ull / rate : 0;
	struct epoll_event *evs;
	char extra[128];
	int epfd, *fds;

	if (k < 1 || k > 1000)
		usage();
	evs = calloc(k, sizeof(*evs));
	fds = calloc(2 * k, sizeof(*fds));
	epfd = epoll_create1(0);
	if (!evs || !fds || epfd < 0)
		fail("setup");
	for (long i = 0; i < k; i++) {
		struct epoll_event ev = { .events = EPOLLIN };
		int *sv = fds + 2 * i;

		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
			fail("socketpair");
		if (write(sv[0], "x", 1) != 1)
			fail("write");
		ev.data.u64 = (uint64_t)sv[1];
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, sv[1], &ev) < 0)
			fail("epoll_ctl");
	}
	t0 = next = now_ns();
	for (long i = 0; i < n; i++) {
		if (period) {
			next += period;
			while (now_ns() < next)
				;
		}
		if (epoll_wait(epfd, evs, k, 0) != k)
			failx("burst: epoll_wait did not return every fd");
	}
	el = now_ns() - t0;
	for (long i = 0; i < 2 * k; i++)
		close(fds[i]);
	close(epfd);
	free(fds);
	free(evs);
	snprintf(extra, sizeof(extra), ",\"events_per_wait\":%ld,"
		 "\"waits_per_sec\":%.0f", k, el ? n * 1e9 / el : 0.0);
	report("burst", n, el, extra);
	return 0;
}

/* ---- the bystanders: a call portsnoop traces (read), one it does not --- */

static long bystander_call(int fd, bool traced_call)
{
	char c;

	if (traced_call)
		return read(fd, &c, 1) == 1 ? 0 : -1;
	return getppid() > 0 ? 0 : -1;
}

static int run_bystander(const char *name, long n)
{
	bool traced_call = !strcmp(name, "read");
	int fd = open("/dev/zero", O_RDONLY);
	uint64_t t0;

	if (fd < 0)
		fail("open /dev/zero");
	for (long i = 0; i < n / 20; i++)
		if (bystander_call(fd, traced_call))
			fail(name);
	t0 = now_ns();
	for (long i = 0; i < n; i++)
		if (bystander_call(fd, traced_call))
			fail(name);
	t0 = now_ns() - t0;
	close(fd);
	report(name, n, t0, ",\"syscalls_per_iter\":1");
	return 0;
}

/* One command: argv[0] is its name. */
static void run(int argc, char **argv)
{
	if (!strcmp(argv[0], "loop") && argc == 2)
		run_loop(num(argv[1]));
	else if (!strcmp(argv[0], "pingpong") && argc >= 4 && argc <= 5 &&
		 (!strcmp(argv[2], "unix") || !strcmp(argv[2], "tcp")) &&
		 (!strcmp(argv[3], "lt") || !strcmp(argv[3], "oneshot")))
		run_pingpong(num(argv[1]), !strcmp(argv[2], "tcp"),
			     !strcmp(argv[3], "oneshot"),
			     argc == 5 && strcmp(argv[4], "-1") ? num(argv[4]) : -1);
	else if (!strcmp(argv[0], "burst") && argc >= 3 && argc <= 4)
		run_burst(num(argv[1]), num(argv[2]), argc == 4 ? num(argv[3]) : 0);
	else if ((!strcmp(argv[0], "read") || !strcmp(argv[0], "getppid")) && argc == 2)
		run_bystander(argv[0], num(argv[1]));
	else
		usage();
}

int main(int argc, char **argv)
{
	char line[256], *args[8], *save;
	int n;

	pong_start();
	if (argc > 1) {
		run(argc - 1, argv + 1);
		pong_stop();
		return 0;
	}
	while (fgets(line, sizeof(line), stdin)) {
		n = 0;
		for (char *t = strtok_r(line, " \t\n", &save); t && n < 8;
		     t = strtok_r(NULL, " \t\n", &save))
			args[n++] = t;
		if (n)
			run(n, args);
	}
	pong_stop();
	return 0;
}
