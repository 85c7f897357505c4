// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Two threads on the two CPUs making records at once, where a tracer's ring
 * buffer can receive them out of time order: one waits (timeout 0) on 200
 * ready pipes, a record whose events take long to decode; the other re-arms
 * one of them with epoll_ctl MOD and sends and receives a byte on a
 * socketpair, records made in a few hundred ns.  Between waits the first
 * sends and receives 20 bytes too, so both CPUs make socket records at
 * once.  Usage: crossorder ROUNDS.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#define PIPES 200

static int ep, fds[PIPES][2];
static volatile int stop;

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu % sysconf(_SC_NPROCESSORS_ONLN), &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void *rearm(void *arg)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 1 };
	int sp[2];
	char b = 'x';

	(void)arg;
	pin(1);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp))
		exit(1);
	while (!stop) {
		epoll_ctl(ep, EPOLL_CTL_MOD, fds[0][0], &ev);
		if (send(sp[0], &b, 1, 0) != 1 || recv(sp[1], &b, 1, 0) != 1)
			exit(1);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct epoll_event evs[256];
	int rounds = argc > 1 ? atoi(argv[1]) : 300, sp[2];
	pthread_t t;
	char b = 'y';

	pin(0);
	ep = epoll_create1(0);
	for (int i = 0; i < PIPES; i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u64 = i + 1 };

		if (pipe(fds[i]) || write(fds[i][1], "x", 1) != 1 ||
		    epoll_ctl(ep, EPOLL_CTL_ADD, fds[i][0], &ev))
			return 1;
	}
	if (pthread_create(&t, NULL, rearm, NULL))
		return 1;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp))
		return 1;
	for (int i = 0; i < rounds; i++) {
		if (epoll_wait(ep, evs, 256, 0) != PIPES)
			return 1;
		for (int k = 0; k < 20; k++)
			if (send(sp[0], &b, 1, 0) != 1 || recv(sp[1], &b, 1, 0) != 1)
				return 1;
	}
	stop = 1;
	pthread_join(t, NULL);
	return 0;
}
