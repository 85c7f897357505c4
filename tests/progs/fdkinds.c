// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One fd of each kind portsnoop -y names, each registered with epoll, made
 * ready, waited for, then DELeted and closed at once (so the tracer must
 * have read the name in the kernel).  Prints "kind fd" lines to the file
 * given as the only argument, at the end.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <fcntl.h>

static int ep;
static FILE *out;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* Register fd, wait for its event, then drop it at once. */
static void cycle(const char *kind, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = fd };

	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) || epoll_wait(ep, &ev, 1, 2000) != 1)
		die(kind);
	fprintf(out, "%s %d\n", kind, fd);
	if (epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL) || close(fd))
		die(kind);
}

/* A connected TCP pair over family's loopback; returns the server side. */
static int tcp_pair(int family, int *client)
{
	struct sockaddr_storage ss = { .ss_family = family };
	socklen_t len = family == AF_INET ? sizeof(struct sockaddr_in)
					  : sizeof(struct sockaddr_in6);
	int l = socket(family, SOCK_STREAM, 0), s;

	if (family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	if (l < 0 || bind(l, (void *)&ss, len) || listen(l, 1) ||
	    getsockname(l, (void *)&ss, &len))
		die("listen");
	*client = socket(family, SOCK_STREAM, 0);
	if (connect(*client, (void *)&ss, len) || (s = accept(l, NULL, NULL)) < 0)
		die("connect");
	close(l);
	if (write(*client, "x", 1) != 1)
		die("write");
	return s;
}

static int udp6(void)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_addr = in6addr_loopback };
	socklen_t len = sizeof(a);
	int s = socket(AF_INET6, SOCK_DGRAM, 0);

	if (s < 0 || bind(s, (void *)&a, len) || getsockname(s, (void *)&a, &len) ||
	    sendto(s, "x", 1, 0, (void *)&a, len) != 1)
		die("udp");
	return s;
}

static int unix_bound(const char *path, int *peer)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int l = socket(AF_UNIX, SOCK_STREAM, 0), s;

	strncpy(a.sun_path, path, sizeof(a.sun_path) - 1);
	unlink(path);
	if (bind(l, (void *)&a, sizeof(a)) || listen(l, 1))
		die("unix bind");
	*peer = socket(AF_UNIX, SOCK_STREAM, 0);
	if (connect(*peer, (void *)&a, sizeof(a)) || write(*peer, "x", 1) != 1)
		die("unix connect");
	s = accept(l, NULL, NULL);
	close(l);
	unlink(path);
	return s;
}

int main(int argc, char **argv)
{
	int peer, p[2], t;
	struct itimerspec its = { .it_value.tv_nsec = 1000000 };

	if (argc != 2 || !(out = fopen(argv[1], "w")) || (ep = epoll_create1(0)) < 0)
		die("usage: fdkinds OUTFILE");
	cycle("tcp4", tcp_pair(AF_INET, &peer));
	close(peer);
	cycle("tcp6", tcp_pair(AF_INET6, &peer));
	close(peer);
	cycle("udp6", udp6());
	cycle("unix", unix_bound("/tmp/psn-fdkinds.sock", &peer));
	close(peer);
	if (pipe(p) || write(p[1], "x", 1) != 1)
		die("pipe");
	cycle("pipe", p[0]);
	cycle("eventfd", eventfd(1, 0));
	t = timerfd_create(CLOCK_MONOTONIC, 0);
	if (t < 0 || timerfd_settime(t, 0, &its, NULL))
		die("timerfd");
	cycle("timerfd", t);
	/* A file by path: epoll takes a pty master, not a regular file. */
	t = posix_openpt(O_RDWR | O_NOCTTY);
	if (t < 0 || grantpt(t) || unlockpt(t) || (peer = open(ptsname(t), O_RDWR)) < 0 ||
	    write(peer, "x\n", 2) != 2)
		die("pty");
	cycle("ptmx", t);
	fclose(out);
	return 0;
}
