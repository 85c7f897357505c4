// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bytecount: the bytes a command sends and receives over sockets, per
 * address family and protocol.  An example of libportsnoop's public API: a
 * session on the socket probe points socket.send and socket.receive.
 *
 *   bytecount -- COMMAND [ARGS...]
 *
 * Runs COMMAND (held until tracing is on, so nothing is missed), counts the
 * sizes of its successful sends and receives, and of its children's, and
 * when it ends prints one line per family and protocol to standard error,
 * as time(1) does, e.g. "INET     TCP      sent 385 received 1024".  Exits
 * with the command's status.  Needs root (or CAP_BPF and CAP_PERFMON).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* pipe2 */
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <portsnoop.h>

#define MAX_ROWS 64

struct row {
	int family, protocol;
	unsigned long long sent, received;
};

static struct row rows[MAX_ROWS];
static size_t nrows;
static volatile sig_atomic_t interrupted;

static struct row *row_for(int family, int protocol)
{
	for (size_t i = 0; i < nrows; i++)
		if (rows[i].family == family && rows[i].protocol == protocol)
			return &rows[i];
	if (nrows == MAX_ROWS)
		return NULL;
	rows[nrows] = (struct row){ .family = family, .protocol = protocol };
	return &rows[nrows++];
}

static int on_event(void *ctx, const struct psn_event *ev)
{
	const struct psn_sock *k = &ev->sock;
	struct row *r;

	(void)ctx;
	if (ev->type == PSN_EVENT_LOST)
		fprintf(stderr, "bytecount: %llu records lost: totals are short\n",
			(unsigned long long)ev->lost.count);
	if (ev->type != PSN_EVENT_SOCKET || k->success != 1 || k->size <= 0)
		return 0;
	r = row_for(k->family, k->protocol);
	if (r && k->probe == PSN_SOCK_SEND)
		r->sent += k->size;
	else if (r && k->probe == PSN_SOCK_RECEIVE)
		r->received += k->size;
	return 0;
}

static int by_family_protocol(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return (x->protocol > y->protocol) - (x->protocol < y->protocol);
}

/* Fork argv, held on a pipe until a byte (or EOF: give up) comes on *go. */
static pid_t spawn_held(char **argv, int *go)
{
	int p[2];
	pid_t pid;
	char b;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(p[1]);
		if (read(p[0], &b, 1) != 1)
			_exit(127);
		execvp(argv[0], argv);
		fprintf(stderr, "bytecount: cannot run %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	close(p[0]);
	*go = p[1];
	if (pid < 0)
		close(p[1]);
	return pid;
}

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct psn_session *s;
	int go, pid, status = 0, err, code = 1;

	if (argc < 3 || strcmp(argv[1], "--")) {
		fprintf(stderr, "usage: bytecount -- COMMAND [ARGS...]\n");
		return 2;
	}
	pid = spawn_held(argv + 2, &go);
	if (pid < 0) {
		fprintf(stderr, "bytecount: fork: %s\n", strerror(errno));
		return 1;
	}
	PSN_OPTS(psn_session_opts, opts, .probes = PSN_PROBES_SOCKET,
		 .on_event = on_event, .pids = &pid, .npids = 1,
		 .follow_children = true,
		 .sock_probes = (1ull << PSN_SOCK_SEND) | (1ull << PSN_SOCK_RECEIVE));
	s = psn_session__open(&opts);
	err = s ? psn_session__load(s) : -errno;
	if (!err)
		err = psn_session__attach(s);
	if (err) {
		fprintf(stderr, "bytecount: cannot trace: %s\n", strerror(-err));
		close(go);	/* the command exits 127 unrun */
		waitpid(pid, NULL, 0);
		psn_session__free(s);
		return 1;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (write(go, "g", 1) != 1)
		kill(pid, SIGKILL);
	close(go);
	while (!interrupted) {
		err = psn_session__poll(s, 100);
		if (err < 0 && err != -EINTR) {
			fprintf(stderr, "bytecount: poll: %s\n", strerror(-err));
			break;
		}
		if (waitpid(pid, &status, WNOHANG) == pid) {
			code = WIFEXITED(status) ? WEXITSTATUS(status)
						 : 128 + WTERMSIG(status);
			break;
		}
	}
	psn_session__flush(s);	/* what came in after the last poll */
	psn_session__free(s);
	if (interrupted)
		code = 130;
	qsort(rows, nrows, sizeof(rows[0]), by_family_protocol);
	for (size_t i = 0; i < nrows; i++)
		fprintf(stderr, "%-8s %-8s sent %llu received %llu\n",
			psn_sock_fam_num2str(rows[i].family),
			psn_sock_prot_num2str(rows[i].protocol), rows[i].sent,
			rows[i].received);
	if (!nrows)
		fprintf(stderr, "bytecount: no socket sent or received anything\n");
	return code;
}
