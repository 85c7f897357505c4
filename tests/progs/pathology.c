/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * pathology: small epoll loops, each with one known pathology, for the tests
 * of portsnoop -s (its findings) and --timeline.
 *
 *   pathology MODE
 *
 * Every mode runs a bounded number of iterations (about 1-2 s at most), prints
 * nothing and exits 0.  All registrations are level-triggered, data = the fd.
 *
 *   busy      a readable socketpair end is never read: each of 50 waits
 *             (timeout 10 ms) returns it again, nothing handles it (unhandled)
 *   lag       5 events, each handled by a read after a 50 ms sleep (lag)
 *   spurious  20 events on a pipe's read end A; the byte is drained through a
 *             dup of A (not registered), then A is read: EAGAIN (spurious)
 *   herd      4 threads wait (maxevents 1, timeout 100 ms) on one set without
 *             EPOLLEXCLUSIVE; 10 bytes, one every 50 ms; the thread woken
 *             sleeps 20 ms before its read, so the others are woken for the
 *             same readiness (herd) and their reads get EAGAIN
 *   healthy   200 events, each read at once (waits with timeout 1000 ms)
 *   busypoll  empty waits with timeout 0 for 0.5 s, at least 2000 of them
 *   hup       a socketpair end whose peer is closed, never closed itself:
 *             20 waits return EPOLLHUP on it again and again (hup_repeats)
 *   hupclose  not a pathology: 10 times, a socketpair end whose peer is closed
 *             is registered, its one EPOLLHUP handled by DEL and close; the
 *             next round's end gets the same fd number (no repeat)
 *   paced     250 times: a wait that times out after 10 ms, then a byte
 *             written, a wait that returns it and its read (~2.5 s; exactly
 *             500 waits and 250 events, for interval summaries)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* pipe2, usleep */
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUSY_WAITS	50
#define LAG_EVENTS	5
#define LAG_SLEEP_US	50000
#define SPURIOUS_EVENTS	20
#define HERD_THREADS	4
#define HERD_BYTES	10
#define HERD_PERIOD_US	50000
#define HERD_SLEEP_US	20000
#define HEALTHY_EVENTS	200
#define BUSYPOLL_NS	500000000ll
#define BUSYPOLL_MIN	2000
#define HUP_WAITS	20
#define HUP_CLOSE_ROUNDS 10
#define PACED_ROUNDS	250

static _Noreturn void fail(const char *what)
{
	perror(what);
	exit(1);
}

static _Noreturn void failx(const char *msg)
{
	fprintf(stderr, "pathology: %s\n", msg);
	exit(1);
}

static _Noreturn void usage(void)
{
	fprintf(stderr, "usage: pathology busy|lag|spurious|herd|healthy|busypoll|"
		"hup|hupclose|paced\n");
	exit(2);
}

static int make_epoll(void)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0)
		fail("epoll_create1");
	return ep;
}

static void add(int ep, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = (uint64_t)fd };

	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		fail("epoll_ctl");
}

static void pair(int sv[2], int flags)
{
	if (socketpair(AF_UNIX, SOCK_STREAM | flags, 0, sv) < 0)
		fail("socketpair");
}

static void put_byte(int fd)
{
	if (write(fd, "x", 1) != 1)
		fail("write");
}

static void get_byte(int fd)
{
	char c;

	if (read(fd, &c, 1) != 1)
		fail("read");
}

/* A wait that must return exactly one event, for fd. */
static void wait_one(int ep, int fd, int timeout_ms)
{
	struct epoll_event ev;
	int n = epoll_wait(ep, &ev, 1, timeout_ms);

	if (n < 0)
		fail("epoll_wait");
	if (n != 1 || (int)ev.data.u64 != fd)
		failx("a wait did not return the expected event");
}

static void do_busy(void)
{
	int ep = make_epoll(), sv[2];

	pair(sv, 0);
	put_byte(sv[1]);
	add(ep, sv[0]);
	for (int i = 0; i < BUSY_WAITS; i++)
		wait_one(ep, sv[0], 10);
}

static void do_lag(void)
{
	int ep = make_epoll(), sv[2];
	struct epoll_event ev;

	pair(sv, 0);
	add(ep, sv[0]);
	for (int i = 0; i < LAG_EVENTS; i++) {
		put_byte(sv[1]);
		wait_one(ep, sv[0], 1000);
		usleep(LAG_SLEEP_US);
		get_byte(sv[0]);
	}
	/* The last iteration ends at the next wait. */
	if (epoll_wait(ep, &ev, 1, 1) != 0)
		failx("a wait after the last read returned something");
}

static void do_spurious(void)
{
	int ep = make_epoll(), p[2], dup_fd;
	char c;

	if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0)
		fail("pipe2");
	dup_fd = dup(p[0]);
	if (dup_fd < 0)
		fail("dup");
	add(ep, p[0]);
	for (int i = 0; i < SPURIOUS_EVENTS; i++) {
		put_byte(p[1]);
		wait_one(ep, p[0], 1000);
		get_byte(dup_fd);
		if (read(p[0], &c, 1) != -1 || errno != EAGAIN)
			failx("the read after the drain did not get EAGAIN");
	}
}

struct herd {
	int ep, fd;
	atomic_bool done;
	atomic_int woken;	/* waits that returned the event */
	atomic_int got;		/* reads that got a byte */
};

static void *herd_worker(void *arg)
{
	struct herd *h = arg;
	struct epoll_event ev;
	char c;

	while (!atomic_load(&h->done)) {
		int n = epoll_wait(h->ep, &ev, 1, 100);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			fail("epoll_wait");
		}
		if (!n)
			continue;
		atomic_fetch_add(&h->woken, 1);
		usleep(HERD_SLEEP_US);
		if (read(h->fd, &c, 1) == 1)
			atomic_fetch_add(&h->got, 1);
		else if (errno != EAGAIN)
			fail("read");
	}
	return NULL;
}

static void do_herd(void)
{
	struct herd h = { .ep = make_epoll() };
	pthread_t tids[HERD_THREADS];
	int sv[2], err;

	pair(sv, SOCK_NONBLOCK);
	h.fd = sv[0];
	atomic_init(&h.done, false);
	atomic_init(&h.woken, 0);
	atomic_init(&h.got, 0);
	add(h.ep, sv[0]);
	for (int i = 0; i < HERD_THREADS; i++) {
		err = pthread_create(&tids[i], NULL, herd_worker, &h);
		if (err) {
			errno = err;
			fail("pthread_create");
		}
	}
	usleep(HERD_PERIOD_US);	/* every thread in its wait */
	for (int i = 0; i < HERD_BYTES; i++) {
		put_byte(sv[1]);
		usleep(HERD_PERIOD_US);
	}
	usleep(HERD_PERIOD_US);
	atomic_store(&h.done, true);
	for (int i = 0; i < HERD_THREADS; i++)
		pthread_join(tids[i], NULL);
	if (atomic_load(&h.got) != HERD_BYTES)
		failx("the workers did not read every byte");
}

static void do_healthy(void)
{
	int ep = make_epoll(), sv[2];

	pair(sv, 0);
	add(ep, sv[0]);
	for (int i = 0; i < HEALTHY_EVENTS; i++) {
		put_byte(sv[1]);
		wait_one(ep, sv[0], 1000);
		get_byte(sv[0]);
	}
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static void do_busypoll(void)
{
	int ep = make_epoll(), sv[2];
	struct epoll_event ev[8];
	long long end = now_ns() + BUSYPOLL_NS;
	long n = 0;

	pair(sv, 0);
	add(ep, sv[0]);		/* never readable */
	while (n < BUSYPOLL_MIN || now_ns() < end) {
		int r = epoll_wait(ep, ev, 8, 0);

		if (r < 0)
			fail("epoll_wait");
		if (r)
			failx("a busy poll returned an event");
		n++;
	}
}

static void do_hup(void)
{
	int ep = make_epoll(), sv[2];

	pair(sv, 0);
	if (close(sv[1]) < 0)
		fail("close");
	add(ep, sv[0]);
	for (int i = 0; i < HUP_WAITS; i++)
		wait_one(ep, sv[0], 10);
}

static void do_hupclose(void)
{
	int ep = make_epoll(), sv[2];

	for (int i = 0; i < HUP_CLOSE_ROUNDS; i++) {
		pair(sv, 0);
		if (close(sv[1]) < 0)
			fail("close");
		add(ep, sv[0]);
		wait_one(ep, sv[0], 10);
		if (epoll_ctl(ep, EPOLL_CTL_DEL, sv[0], NULL) < 0)
			fail("epoll_ctl");
		if (close(sv[0]) < 0)
			fail("close");
	}
}

static void do_paced(void)
{
	int ep = make_epoll(), sv[2];
	struct epoll_event ev;

	pair(sv, 0);
	add(ep, sv[0]);
	for (int i = 0; i < PACED_ROUNDS; i++) {
		int n = epoll_wait(ep, &ev, 1, 10);

		if (n < 0)
			fail("epoll_wait");
		if (n)
			failx("a paced wait returned before its timeout");
		put_byte(sv[1]);
		wait_one(ep, sv[0], 1000);
		get_byte(sv[0]);
	}
}

static const struct {
	const char *name;
	void (*run)(void);
} modes[] = {
	{ "busy", do_busy },
	{ "lag", do_lag },
	{ "spurious", do_spurious },
	{ "herd", do_herd },
	{ "healthy", do_healthy },
	{ "busypoll", do_busypoll },
	{ "hup", do_hup },
	{ "hupclose", do_hupclose },
	{ "paced", do_paced },
};

int main(int argc, char **argv)
{
	if (argc != 2)
		usage();
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (!strcmp(modes[i].name, argv[1])) {
			modes[i].run();
			return 0;
		}
	}
	usage();
}
