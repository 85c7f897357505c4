/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * epserver: a TCP echo server on one epoll set, for the integration tests.
 *
 *   epserver MODE [PORT_FILE]     MODE: lt et oneshot threads ptr pre
 *
 * It listens on 127.0.0.1 (ephemeral port), publishes the port (to PORT_FILE,
 * else stdout), and echoes until EPSERVER_CONNS connections (default 1) have
 * reached EOF.  The tests assert on the exact syscall sequence, so each mode
 * makes the same calls in the same order every run; see the mode table.
 *
 * fds are numbered predictably: listen 3, epoll 4, then connections (in `pre`
 * the socketpair takes 5 and 6 first).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define READ_SIZE	4096
#define MAX_EVENTS	64
#define ACCEPT_BATCH	64	/* accepted fds held until the accept loop ends */
#define EDGE_CHUNKS	16	/* reads held until an edge-triggered drain ends */
#define NR_WORKERS	2

struct mode {
	const char *name;
	uint32_t events;	/* for every registration of the mode */
	bool use_ptr;		/* data.ptr to a struct conn, as nginx does */
	bool presock;		/* a socketpair registered, then wait for SIGUSR1 */
	int workers;		/* 0: the main thread runs the loop */
	int maxevents;
	int timeout_ms;
};

static const struct mode modes[] = {
	{ "lt",      EPOLLIN,                false, false, 0, MAX_EVENTS, -1 },
	{ "et",      EPOLLIN | EPOLLET,      false, false, 0, MAX_EVENTS, -1 },
	{ "oneshot", EPOLLIN | EPOLLONESHOT, false, false, 0, MAX_EVENTS, -1 },
	{ "threads", EPOLLIN | EPOLLONESHOT, false, false, NR_WORKERS, 1, 100 },
	{ "ptr",     EPOLLIN,                true,  false, 0, MAX_EVENTS, -1 },
	{ "pre",     EPOLLIN,                false, true,  0, MAX_EVENTS, -1 },
};

/* What data.ptr points to in `ptr` mode. */
struct conn {
	int fd;
};

struct server {
	const struct mode *mode;
	int listen_fd;
	int epfd;
	epoll_data_t listen_data;
	long conns_wanted;
	atomic_long conns_done;	/* shared by the workers in `threads` */
};

static _Noreturn void fail(const char *what)
{
	perror(what);
	exit(1);
}

static _Noreturn void failx(const char *msg)
{
	fprintf(stderr, "epserver: %s\n", msg);
	exit(1);
}

static _Noreturn void usage(void)
{
	fprintf(stderr, "usage: epserver lt|et|oneshot|threads|ptr|pre [PORT_FILE]\n"
		"       env EPSERVER_CONNS=K: exit after K connections (default 1)\n");
	exit(2);
}

static const struct mode *find_mode(const char *name)
{
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strcmp(modes[i].name, name) == 0)
			return &modes[i];
	usage();
}

static long conns_wanted(void)
{
	const char *s = getenv("EPSERVER_CONNS");
	char *end;
	long k;

	if (!s)
		return 1;
	errno = 0;
	k = strtol(s, &end, 10);
	if (errno || end == s || *end || k < 1)
		failx("EPSERVER_CONNS must be a positive integer");
	return k;
}

static bool finished(struct server *s)
{
	return atomic_load(&s->conns_done) >= s->conns_wanted;
}

/* --- registrations: the data is the fd, or a struct conn in `ptr` mode --- */

static epoll_data_t make_data(const struct server *s, int fd)
{
	epoll_data_t d = { .u64 = 0 };
	struct conn *c;

	if (!s->mode->use_ptr) {
		d.u64 = (uint64_t)fd;
		return d;
	}
	c = malloc(sizeof(*c));
	if (!c)
		fail("malloc");
	c->fd = fd;
	d.ptr = c;
	return d;
}

static int data_fd(const struct server *s, epoll_data_t d)
{
	return s->mode->use_ptr ? ((struct conn *)d.ptr)->fd : (int)d.u64;
}

static void free_data(const struct server *s, epoll_data_t d)
{
	if (s->mode->use_ptr)
		free(d.ptr);
}

static void ctl(const struct server *s, int op, epoll_data_t d)
{
	/* DEL ignores the event, but kernels before 2.6.9 wanted one. */
	struct epoll_event ev = { .events = s->mode->events, .data = d };

	if (epoll_ctl(s->epfd, op, data_fd(s, d), &ev) < 0)
		fail("epoll_ctl");
}

/* A one-shot registration is disarmed by its event: arm it again. */
static void rearm(const struct server *s, epoll_data_t d)
{
	if (s->mode->events & EPOLLONESHOT)
		ctl(s, EPOLL_CTL_MOD, d);
}

/* --- connections --- */

static void echo(int fd, const char *buf, ssize_t n)
{
	ssize_t w = write(fd, buf, (size_t)n);

	if (w < 0)
		fail("write");
	/* A second write would change the traced sequence: treat it as an error. */
	if (w != n)
		failx("short echo write");
}

/* EOF: unregister before close (the order the tests expect), count it. */
static void close_conn(struct server *s, epoll_data_t d)
{
	int fd = data_fd(s, d);

	ctl(s, EPOLL_CTL_DEL, d);
	if (close(fd) < 0)
		fail("close");
	free_data(s, d);
	atomic_fetch_add(&s->conns_done, 1);
}

/* Level-triggered and one-shot: one read per event; returns true if closed. */
static bool read_once(struct server *s, epoll_data_t d)
{
	char buf[READ_SIZE];
	ssize_t n = read(data_fd(s, d), buf, sizeof(buf));

	if (n > 0) {
		echo(data_fd(s, d), buf, n);
		return false;
	}
	if (n == 0) {
		close_conn(s, d);
		return true;
	}
	if (errno != EAGAIN)
		fail("read");
	return false;
}

/*
 * Edge-triggered: read until EAGAIN or EOF, one write per read that got data.
 * The echoes are written only once the drain has ended: written earlier, the
 * client's next message or its EOF could race the draining read, and the trace
 * would end in -1 EAGAIN one run and = 5 or = 0 the next.
 */
static bool drain_edge(struct server *s, epoll_data_t d)
{
	char buf[EDGE_CHUNKS][READ_SIZE];
	ssize_t len[EDGE_CHUNKS];
	int fd = data_fd(s, d), held = 0;

	for (;;) {
		ssize_t n = read(fd, buf[held], READ_SIZE);

		if (n > 0) {
			len[held++] = n;
			if (held < EDGE_CHUNKS)
				continue;
		} else if (n < 0 && errno != EAGAIN) {
			fail("read");
		}
		for (int i = 0; i < held; i++)
			echo(fd, buf[i], len[i]);
		held = 0;
		if (n == 0) {
			close_conn(s, d);
			return true;
		}
		if (n < 0)
			return false;
	}
}

/* --- the listening socket --- */

static void add_conns(struct server *s, const int *fds, int n)
{
	for (int i = 0; i < n; i++)
		ctl(s, EPOLL_CTL_ADD, make_data(s, fds[i]));
}

/* accept4 until EAGAIN, then register what it got, then re-arm the listener. */
static void accept_all(struct server *s)
{
	int fds[ACCEPT_BATCH], n = 0;

	for (;;) {
		int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK);

		if (fd < 0) {
			if (errno != EAGAIN)
				fail("accept4");
			break;
		}
		fds[n++] = fd;
		if (n == ACCEPT_BATCH) {
			add_conns(s, fds, n);
			n = 0;
		}
	}
	add_conns(s, fds, n);
	rearm(s, s->listen_data);
}

/* --- the loop --- */

static void handle_event(struct server *s, const struct epoll_event *ev)
{
	bool closed;

	if (data_fd(s, ev->data) == s->listen_fd) {
		accept_all(s);
		return;
	}
	if (s->mode->events & EPOLLET)
		closed = drain_edge(s, ev->data);
	else
		closed = read_once(s, ev->data);
	if (!closed)
		rearm(s, ev->data);
}

/* Runs in the main thread, or in each worker in `threads` mode. */
static void *event_loop(void *arg)
{
	struct server *s = arg;
	struct epoll_event evs[MAX_EVENTS];

	while (!finished(s)) {
		int n = epoll_wait(s->epfd, evs, s->mode->maxevents,
				   s->mode->timeout_ms);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			fail("epoll_wait");
		}
		/* Once the last connection is done, leave the rest of the batch. */
		for (int i = 0; i < n && !finished(s); i++)
			handle_event(s, &evs[i]);
	}
	return NULL;
}

static void run_workers(struct server *s)
{
	pthread_t tids[NR_WORKERS];
	int err;

	for (int i = 0; i < s->mode->workers; i++) {
		err = pthread_create(&tids[i], NULL, event_loop, s);
		if (err) {
			errno = err;
			fail("pthread_create");
		}
	}
	for (int i = 0; i < s->mode->workers; i++)
		pthread_join(tids[i], NULL);
}

/* --- setup --- */

static int listen_loopback(int *port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	if (fd < 0)
		fail("socket");
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		fail("bind");
	if (listen(fd, SOMAXCONN) < 0)
		fail("listen");
	if (getsockname(fd, (struct sockaddr *)&sin, &len) < 0)
		fail("getsockname");
	*port = ntohs(sin.sin_port);
	return fd;
}

/* Written to a temporary name and renamed, so a test polling for the file
 * never reads half of it. */
static void publish_port(int port, const char *path)
{
	char tmp[PATH_MAX];
	FILE *f;

	if (!path) {
		printf("%d\n", port);
		if (fflush(stdout) == EOF)
			fail("stdout");
		return;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		failx("PORT_FILE name too long");
	f = fopen(tmp, "w");
	if (!f)
		fail(tmp);
	fprintf(f, "%d\n", port);
	if (fclose(f) == EOF)
		fail(tmp);
	if (rename(tmp, path) < 0)
		fail("rename");
}

/* `pre`: SIGUSR1 is blocked before the port is published, so one sent as soon
 * as the test has the port is held for sigwait rather than fatal. */
static void block_sigusr1(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, set, NULL) < 0)
		fail("sigprocmask");
}

static void wait_sigusr1(const sigset_t *set)
{
	int sig, err = sigwait(set, &sig);

	if (err) {
		errno = err;
		fail("sigwait");
	}
}

/* `pre`: a registration that exists before the tracer attaches; sv[0] never
 * becomes readable.  Both ends stay open until exit. */
static void add_socketpair(struct server *s)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		fail("socketpair");
	ctl(s, EPOLL_CTL_ADD, make_data(s, sv[0]));
}

int main(int argc, char **argv)
{
	struct server s = { 0 };
	sigset_t usr1;
	int port;

	if (argc < 2 || argc > 3)
		usage();
	s.mode = find_mode(argv[1]);
	s.conns_wanted = conns_wanted();
	atomic_init(&s.conns_done, 0);
	if (s.mode->presock)
		block_sigusr1(&usr1);

	s.listen_fd = listen_loopback(&port);
	s.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s.epfd < 0)
		fail("epoll_create1");
	s.listen_data = make_data(&s, s.listen_fd);
	ctl(&s, EPOLL_CTL_ADD, s.listen_data);
	if (s.mode->presock)
		add_socketpair(&s);

	publish_port(port, argc == 3 ? argv[2] : NULL);
	if (s.mode->presock)
		wait_sigusr1(&usr1);

	if (s.mode->workers)
		run_workers(&s);
	else
		event_loop(&s);

	if (close(s.listen_fd) < 0 || close(s.epfd) < 0)
		fail("close");
	free_data(&s, s.listen_data);
	return 0;
}
