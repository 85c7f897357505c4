/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * epflood: a tight single-threaded epoll loop for flood and overhead tests.
 *
 *   epflood N [--wait-stdin]
 *
 * N iterations of exactly three syscalls: write a byte into a socketpair,
 * epoll_wait (timeout 0, must return 1 event), read the byte back.  Each wait
 * therefore returns one event and opens one window with one read in it.
 * --wait-stdin reads one byte (or EOF) from stdin before anything else, so a
 * test can start it, attach the tracer, then release it.  Prints nothing.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static _Noreturn void fail(const char *what)
{
	perror(what);
	exit(1);
}

static _Noreturn void failx(const char *msg)
{
	fprintf(stderr, "epflood: %s\n", msg);
	exit(1);
}

static _Noreturn void usage(void)
{
	fprintf(stderr, "usage: epflood N [--wait-stdin]\n");
	exit(2);
}

static long parse_count(const char *s)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno || end == s || *end || n < 0)
		usage();
	return n;
}

static void wait_stdin(void)
{
	char c;

	if (read(0, &c, 1) < 0)
		fail("read stdin");
}

static void flood(int epfd, const int sv[2], long iterations)
{
	struct epoll_event evs[8];
	char c;

	for (long i = 0; i < iterations; i++) {
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

int main(int argc, char **argv)
{
	struct epoll_event ev = { .events = EPOLLIN };
	long iterations;
	int sv[2], epfd;

	if (argc < 2 || argc > 3 ||
	    (argc == 3 && strcmp(argv[2], "--wait-stdin") != 0))
		usage();
	iterations = parse_count(argv[1]);
	if (argc == 3)
		wait_stdin();

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		fail("socketpair");
	epfd = epoll_create1(0);
	if (epfd < 0)
		fail("epoll_create1");
	ev.data.u64 = (uint64_t)sv[1];
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, sv[1], &ev) < 0)
		fail("epoll_ctl");

	flood(epfd, sv, iterations);
	/* No close: exit releases the fds without a syscall, so a trace of the
	 * run holds the loop's calls and nothing after them. */
	return 0;
}
