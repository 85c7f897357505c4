// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Kernel stacks handed on from a bystander to a target.  The parent (the
 * bystander, not traced) and its child (the target) take turns on one CPU,
 * where a freed kernel stack usually goes to the next new thread: in each
 * round a thread of the parent reads a byte of /dev/zero (a call portsnoop
 * traces, in a process it does not) and exits, then a thread of the child
 * opens an epoll set and closes it.  Usage: stackreuse ROUNDS; prints the
 * child's pid and waits for a line on stdin before the first round.
 */
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/wait.h>

static volatile int *turn;	/* shared: 2r is the parent's, 2r + 1 the child's */

static void pin_last_cpu(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(sysconf(_SC_NPROCESSORS_ONLN) - 1, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void *read_zero(void *arg)
{
	char b;

	if (read(*(int *)arg, &b, 1) != 1)
		exit(1);
	return NULL;
}

static void *open_epoll(void *arg)
{
	int ep = epoll_create1(0);

	(void)arg;
	if (ep < 0)
		exit(1);
	close(ep);
	return NULL;
}

/* Wait for our turn, run one thread, pass the turn on. */
static void take_turns(int rounds, int first, void *(*fn)(void *), void *arg)
{
	pthread_t t;

	for (int r = 0; r < rounds; r++) {
		while (*turn != 2 * r + first)
			sched_yield();
		if (pthread_create(&t, NULL, fn, arg) || pthread_join(t, NULL))
			exit(1);
		*turn = 2 * r + first + 1;
	}
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 100, zero, status;
	char line[16];
	pid_t child;

	turn = mmap(NULL, sizeof(*turn), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	zero = open("/dev/zero", O_RDONLY);
	if (turn == MAP_FAILED || zero < 0)
		return 1;
	*turn = -1;
	pin_last_cpu();
	child = fork();
	if (child < 0)
		return 1;
	if (!child) {
		take_turns(rounds, 1, open_epoll, NULL);
		return 0;
	}
	printf("%d\n", child);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	*turn = 0;
	take_turns(rounds, 0, read_zero, &zero);
	return waitpid(child, &status, 0) == child && WIFEXITED(status) &&
	       !WEXITSTATUS(status) ? 0 : 1;
}
