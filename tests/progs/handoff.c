// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * handoff: one thread waits, another does the I/O its event asked for, as a
 * loop handing work to a pool does.  A pipe holds 2 bytes; the waiter's
 * first wait returns its event, the worker reads 1 byte; the waiter's
 * second wait (timeout 0) returns it again, the worker reads the other; the
 * waiter's third wait returns nothing, and the worker's last read (EAGAIN)
 * comes after it.  Prints "waiter=TID worker=TID fd=N" on stderr.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

static pthread_barrier_t turn;
static int rfd;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* The two threads take turns: each step waits for the other's. */
static void pass(void)
{
	pthread_barrier_wait(&turn);
}

static void *worker(void *arg)
{
	char c;

	(void)arg;
	fprintf(stderr, "worker=%d\n", gettid());
	for (int i = 0; i < 3; i++) {
		pass();		/* the waiter's wait i returned */
		if (read(rfd, &c, 1) < 0 && i < 2)
			die("read");
		pass();
	}
	return NULL;
}

int main(void)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int p[2], ep, want[3] = { 1, 1, 0 };
	pthread_t t;

	if (pipe2(p, O_NONBLOCK) || write(p[1], "ab", 2) != 2)
		die("pipe");
	rfd = p[0];
	ep = epoll_create1(0);
	ev.data.u64 = rfd;
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, rfd, &ev))
		die("epoll");
	fprintf(stderr, "waiter=%d fd=%d\n", gettid(), rfd);
	pthread_barrier_init(&turn, NULL, 2);
	if (pthread_create(&t, NULL, worker, NULL))
		die("pthread_create");
	for (int i = 0; i < 3; i++) {
		if (epoll_wait(ep, &ev, 1, i ? 0 : -1) != want[i])
			die("epoll_wait");
		pass();
		pass();		/* the worker has read */
	}
	pthread_join(t, NULL);
	return 0;
}
