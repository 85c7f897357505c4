// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Threads one after another, more than portsnoop keeps states for at once:
 * each waits on a shared epoll set whose pipe stays readable (one event),
 * reads nothing from the pipe (a call in its window) and exits.  Usage:
 * threadchurn THREADS.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/epoll.h>

static int ep, rd;

static void *wait_and_read(void *arg)
{
	struct epoll_event ev;
	char b;

	(void)arg;
	if (epoll_wait(ep, &ev, 1, 0) != 1 || read(rd, &b, 0) != 0)
		exit(1);
	return NULL;
}

int main(int argc, char **argv)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int n = argc > 1 ? atoi(argv[1]) : 1, p[2];
	pthread_t t;

	ep = epoll_create1(0);
	if (ep < 0 || pipe(p) || write(p[1], "x", 1) != 1)
		return 1;
	rd = p[0];
	ev.data.fd = rd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, rd, &ev))
		return 1;
	for (int i = 0; i < n; i++)
		if (pthread_create(&t, NULL, wait_and_read, NULL) ||
		    pthread_join(t, NULL))
			return 1;
	return 0;
}
