/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * epclient: the client of tests/progs/epserver.
 *
 *   epclient [-6] PORT [CONNS [MSGS [BYTES]]]     defaults 1, 3, 5
 *
 * One connection after another, each: connect (blocking), MSGS times write
 * BYTES bytes ("abc…") and read until all BYTES have come back, then
 * shutdown(SHUT_WR), read to EOF, close.  A message is sent only once the
 * previous one is echoed, so the server sees each as one readiness: that is
 * what keeps its traced sequence the same every run.  -6 connects to ::1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct opts {
	int family;
	int port;
	long conns;
	long msgs;
	long bytes;
};

static _Noreturn void fail(const char *what)
{
	perror(what);
	exit(1);
}

static _Noreturn void failx(const char *msg)
{
	fprintf(stderr, "epclient: %s\n", msg);
	exit(1);
}

static _Noreturn void usage(void)
{
	fprintf(stderr, "usage: epclient [-6] PORT [CONNS [MSGS [BYTES]]]\n");
	exit(2);
}

static long parse_num(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		usage();
	return v;
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	int i = 1;

	o->family = AF_INET;
	if (i < argc && strcmp(argv[i], "-6") == 0) {
		o->family = AF_INET6;
		i++;
	}
	if (argc - i < 1 || argc - i > 4)
		usage();
	o->port = (int)parse_num(argv[i], 1, 65535);
	o->conns = argc > i + 1 ? parse_num(argv[i + 1], 0, 1000000) : 1;
	o->msgs = argc > i + 2 ? parse_num(argv[i + 2], 0, 1000000) : 3;
	o->bytes = argc > i + 3 ? parse_num(argv[i + 3], 1, 1 << 24) : 5;
}

static int connect_loopback(const struct opts *o)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons((uint16_t)o->port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	struct sockaddr_in6 sin6 = {
		.sin6_family = AF_INET6,
		.sin6_port = htons((uint16_t)o->port),
		.sin6_addr = IN6ADDR_LOOPBACK_INIT,
	};
	bool v6 = o->family == AF_INET6;
	int fd = socket(o->family, SOCK_STREAM, 0);

	if (fd < 0)
		fail("socket");
	if (connect(fd, v6 ? (struct sockaddr *)&sin6 : (struct sockaddr *)&sin,
		    v6 ? sizeof(sin6) : sizeof(sin)) < 0)
		fail("connect");
	return fd;
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			fail("write");
		}
		buf += n;
		len -= (size_t)n;
	}
}

static void read_exact(int fd, char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = read(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			fail("read");
		}
		if (n == 0)
			failx("server closed before echoing the whole message");
		buf += n;
		len -= (size_t)n;
	}
}

/* After SHUT_WR the server owes nothing more: anything but EOF is a bug. */
static void expect_eof(int fd)
{
	char c;
	ssize_t n;

	do
		n = read(fd, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		fail("read");
	if (n > 0)
		failx("unexpected data after the last echo");
}

static void run_conn(const struct opts *o, const char *msg, char *reply)
{
	int fd = connect_loopback(o);

	for (long i = 0; i < o->msgs; i++) {
		write_all(fd, msg, (size_t)o->bytes);
		read_exact(fd, reply, (size_t)o->bytes);
		if (memcmp(msg, reply, (size_t)o->bytes) != 0)
			failx("echo differs from the message sent");
	}
	if (shutdown(fd, SHUT_WR) < 0)
		fail("shutdown");
	expect_eof(fd);
	if (close(fd) < 0)
		fail("close");
}

int main(int argc, char **argv)
{
	struct opts o;
	char *msg, *reply;

	parse_args(argc, argv, &o);
	msg = malloc((size_t)o.bytes);
	reply = malloc((size_t)o.bytes);
	if (!msg || !reply)
		fail("malloc");
	for (long i = 0; i < o.bytes; i++)
		msg[i] = (char)('a' + i % 26);
	for (long c = 0; c < o.conns; c++)
		run_conn(&o, msg, reply);
	free(msg);
	free(reply);
	return 0;
}
