// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * portsnoop: an event loop's life on epoll, after illumos' portsnoop.  Every
 * wait that fails or returns events, the events, every epoll_ctl, and the I/O
 * the loop does on an fd between its event and its re-arm.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "summary.h"
#include "timeline.h"

static const char usage[] =
"Usage: portsnoop [OPTIONS] [-- COMMAND [ARGS...]]\n"
"Trace epoll event loops: waits, their events, epoll_ctl, and the I/O on an\n"
"fd between its event and its re-arm (its window).\n"
"\n"
"  -p PID[,PID...]   trace these processes (ends when they all exit)\n"
"  -t TID            trace this thread only\n"
"  -C NAME           trace processes whose comm is NAME\n"
"  -- COMMAND        run COMMAND, trace it and its children, exit with its status\n"
"  -d SECONDS        stop after SECONDS\n"
"  -n N              events shown per wait (default 30, at most 256)\n"
"  -s [INTERVAL]     summary per loop (rates, lag, busy loops, herds, top fds)\n"
"                    every INTERVAL seconds and at the end, instead of events\n"
"  -j, --json        JSON Lines\n"
"  -y                name fds as strace -yy: 9<TCP 127.0.0.1:80->127.0.0.1:5000>\n"
"  -o FILE           write to FILE instead of standard output\n"
"      --all-waits   also show waits that returned no events\n"
"      --io=MODE     window (default), all (every registered fd), none\n"
"      --hex         event masks as hex (0x01), as illumos portsnoop\n"
"      --timeline FILE  also write a Perfetto/Chrome trace of each thread's loop\n"
"      --ringbuf-size KIB  kernel ring buffer (default 4096 KiB)\n"
"  -v                say more (libbpf's messages)\n"
"  -h, --help        this help;  -V, --version  the version\n"
"\n"
"Examples:\n"
"  portsnoop -p $(pgrep -d, -f 'nginx: worker')   nginx's workers\n"
"  portsnoop -j -- node server.js     a Node.js server, as JSON Lines\n"
"  portsnoop -C redis-server -d 10    redis for ten seconds\n"
"Needs root (or CAP_BPF and CAP_PERFMON).  See portsnoop(8).\n";

static struct env {
	struct cli cli;
	unsigned long max_events;
	bool zero_events;
	bool all_waits;
	bool hex;
	bool summary;
	bool fd_names;
	const char *timeline_path;
	struct timeline *timeline;
	bool with_pid;		/* PID and COMM columns */
	enum psn_io_mode io;
} env = {
	.cli = { .prog = "portsnoop", .usage = usage },
	.max_events = 30,
};

enum { OPT_ALL_WAITS = CLI_OPT_LAST, OPT_IO, OPT_HEX, OPT_TIMELINE };

static const struct option long_opts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "all-waits", no_argument, NULL, OPT_ALL_WAITS },
	{ "io", required_argument, NULL, OPT_IO },
	{ "hex", no_argument, NULL, OPT_HEX },
	{ "timeline", required_argument, NULL, OPT_TIMELINE },
	{ "ringbuf-size", required_argument, NULL, CLI_OPT_RINGBUF },
	{},
};

static int parse_io(const char *arg)
{
	static const char *const modes[] = { "window", "all", "none" };

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (!strcmp(arg, modes[i])) {
			env.io = i;
			return 0;
		}
	}
	fprintf(stderr, "portsnoop: --io takes window, all or none, not '%s' "
		"(see portsnoop --help)\n", arg);
	return -1;
}

/* -s takes an optional INTERVAL as the next word, as bcc tools do. */
static int parse_summary(int argc, char **argv)
{
	const char *next = optind < argc ? argv[optind] : NULL;
	char *end;

	env.summary = true;
	if (!next || !(*next >= '0' && *next <= '9'))
		return 0;
	env.cli.interval = strtod(next, &end);
	optind++;
	if (*end || !(env.cli.interval > 0) || env.cli.interval > 86400) {
		fprintf(stderr, "portsnoop: -s INTERVAL is seconds > 0, not '%s' "
			"(see portsnoop --help)\n", next);
		return -1;
	}
	return 0;
}

/* The options only this tool has: 0, or -1 after printing why. */
static int tool_opt(int opt, int argc, char **argv)
{
	switch (opt) {
	case 'n':
		if (cli_parse_ulong(&env.cli, "-n", optarg, 0,
				    PSN_MAX_EVENTS_PER_WAIT, &env.max_events))
			return -1;
		env.zero_events = !env.max_events;
		break;
	case 's':
		if (parse_summary(argc, argv))
			return -1;
		break;
	case 'y':
		env.fd_names = true;
		break;
	case OPT_ALL_WAITS:
		env.all_waits = true;
		break;
	case OPT_IO:
		if (parse_io(optarg))
			return -1;
		break;
	case OPT_HEX:
		env.hex = true;
		break;
	case OPT_TIMELINE:
		env.timeline_path = optarg;
		break;
	}
	return 0;
}

/* ---- text ------------------------------------------------------------- */

static void mask_str(uint32_t mask, char *buf, size_t len)
{
	if (env.hex)
		snprintf(buf, len, "0x%02" PRIx32, mask);
	else
		psn_epoll_events_str(mask, buf, len);
}

static void text_header(void)
{
	FILE *f = env.cli.out;

	if (env.with_pid)
		fprintf(f, "%-10s %7s %7s %-15s %-18s %3s  %-26s %s\n", "TIME",
			"PID", "TID", "COMM", "SYSCALL", "FD", "DETAILS", "ERROR");
	else
		fprintf(f, "%-10s %5s %-18s %3s  %-26s %s\n", "TIME", "TID",
			"SYSCALL", "FD", "DETAILS", "ERROR");
}

/* One row: indent 0, 2 or 4 nests events and I/O under their wait. */
static void text_row(const struct psn_event *ev, int indent, const char *name,
		     const char *fd, const char *details, long ret)
{
	const char *err = ret < 0 ? psn_errno_name(ret) : NULL;
	char comm[16], who[48], time[CLI_TIME_LEN];

	if (env.with_pid) {
		text_comm(comm, ev->comm);
		snprintf(who, sizeof(who), "%7u %7u %-15s", ev->pid, ev->tid, comm);
	} else {
		snprintf(who, sizeof(who), "%5u", ev->tid);
	}
	fprintf(env.cli.out, "%s %s %*s%-*s %3s  %-*s%s%s\n",
		cli_time(&env.cli, ev->ts_ns, time), who, indent, "", 18 - indent,
		name, fd, ret < 0 ? 26 : 0, details, ret < 0 ? " " : "",
		ret < 0 ? (err ? err : "?") : "");
}

/* "9", or with -y and a name known, "9<TCP 127.0.0.1:80->...>" as strace. */
static const char *fd_str(int fd, const char *name, char *buf, size_t len)
{
	if (fd < 0)
		return "?";
	if (name)
		snprintf(buf, len, "%d<%s>", fd, name);
	else
		snprintf(buf, len, "%d", fd);
	return buf;
}

static void text_timeout(int64_t ns, char *buf, size_t len)
{
	if (ns == -1)
		snprintf(buf, len, "-1");
	else if (ns < -1)
		snprintf(buf, len, "?");
	else if (ns % 1000000)
		snprintf(buf, len, "%.3f", ns / 1e6);
	else
		snprintf(buf, len, "%" PRId64, ns / 1000000);
}

static void text_wait(const struct psn_event *ev)
{
	const struct psn_epoll_wait *w = &ev->epoll_wait;
	char details[128], tmo[32], fd[192], mask[128];

	text_timeout(w->timeout_ns, tmo, sizeof(tmo));
	if (w->ret >= 0)
		snprintf(details, sizeof(details), "%ld events (max %d, timeout %s ms)%s",
			 w->ret, w->maxevents, tmo,
			 w->events_unreadable ? " [events unreadable]" : "");
	else
		snprintf(details, sizeof(details), "= -1 (max %d, timeout %s ms)",
			 w->maxevents, tmo);
	text_row(ev, 0, psn_syscall_name(w->syscall), fd_str(w->epfd, NULL, fd, sizeof(fd)),
		 details, w->ret);
	for (uint32_t i = 0; i < w->nevents; i++) {
		mask_str(w->events[i].events, mask, sizeof(mask));
		snprintf(details, sizeof(details), "data=0x%" PRIx64,
			 w->events[i].data);
		text_row(ev, 2, mask, fd_str(w->events[i].fd, w->events[i].fd_name, fd, sizeof(fd)),
			 details, 0);
	}
}

static void text_ctl(const struct psn_event *ev)
{
	const struct psn_epoll_ctl *c = &ev->epoll_ctl;
	const char *op = psn_epoll_op_name(c->op);
	char details[192], mask[128], fd[192], opbuf[16];

	if (!op) {
		snprintf(opbuf, sizeof(opbuf), "op=%d", c->op);
		op = opbuf;
	}
	if (c->op == 2 || c->event_unreadable)
		snprintf(details, sizeof(details), "%s%s", op,
			 c->event_unreadable ? " [event unreadable]" : "");
	else {
		mask_str(c->events, mask, sizeof(mask));
		snprintf(details, sizeof(details), "%s %s data=0x%" PRIx64, op,
			 mask, c->data);
	}
	if (c->via_io_uring)
		strncat(details, " via io_uring", sizeof(details) - strlen(details) - 1);
	if (c->ret < 0)
		strncat(details, " = -1", sizeof(details) - strlen(details) - 1);
	if (c->fd >= 0)
		fd_str(c->fd, c->fd_name, fd, sizeof(fd));
	else
		snprintf(fd, sizeof(fd), "%d", c->fd);
	text_row(ev, 0, "epoll_ctl", fd, details, c->ret);
}

static void text_create(const struct psn_event *ev)
{
	const struct psn_epoll_create *c = &ev->epoll_create;
	char details[64], fd[16];

	if (c->syscall == PSN_SYS_EPOLL_CREATE1)
		snprintf(details, sizeof(details), "flags=%s%s",
			 c->flags & 02000000 ? "EPOLL_CLOEXEC" : "0",
			 c->ret < 0 ? " = -1" : "");
	else
		snprintf(details, sizeof(details), "size=%d%s", c->flags,
			 c->ret < 0 ? " = -1" : "");
	text_row(ev, 0, psn_syscall_name(c->syscall),
		 c->ret >= 0 ? fd_str(c->ret, NULL, fd, sizeof(fd)) : "-", details, c->ret);
}

static void text_io(const struct psn_event *ev)
{
	char details[32], fd[192];

	snprintf(details, sizeof(details), "= %ld", ev->io.ret < 0 ? -1 : ev->io.ret);
	text_row(ev, 4, psn_syscall_name(ev->io.syscall),
		 fd_str(ev->io.fd, ev->io.fd_name, fd, sizeof(fd)), details, ev->io.ret);
}

/* ---- JSON ------------------------------------------------------------- */

static void json_mask(FILE *f, const char *key, uint32_t mask)
{
	char buf[160];

	psn_epoll_events_str(mask, buf, sizeof(buf));
	fprintf(f, ",\"%s\":\"%s\",\"%s_raw\":%" PRIu32, key, buf, key, mask);
}

/* With -y: ,"fd_name":"TCP ..." (null when not known). */
static void json_fd_name(FILE *f, const char *name)
{
	if (!env.fd_names)
		return;
	if (!name) {
		fputs(",\"fd_name\":null", f);
		return;
	}
	fputs(",\"fd_name\":\"", f);
	json_write_str(f, name, strlen(name));
	fputc('"', f);
}

static void json_wait(const struct psn_event *ev)
{
	const struct psn_epoll_wait *w = &ev->epoll_wait;
	FILE *f = env.cli.out;

	json_head(f, ev, "epoll_wait");
	fprintf(f, ",\"syscall\":\"%s\",\"wait_id\":%" PRIu64 ",\"epfd\":%d,"
		"\"maxevents\":%d,\"timeout_ns\":%" PRId64 ",\"ret\":%ld",
		psn_syscall_name(w->syscall), w->wait_id, w->epfd, w->maxevents,
		w->timeout_ns, w->ret);
	json_errno(f, w->ret);
	if (w->duration_ns < 0)
		fputs(",\"duration_ns\":null", f);
	else
		fprintf(f, ",\"duration_ns\":%" PRId64, w->duration_ns);
	fprintf(f, ",\"events_unreadable\":%s}\n",
		w->events_unreadable ? "true" : "false");
	for (uint32_t i = 0; i < w->nevents; i++) {
		json_head(f, ev, "epoll_event");
		fprintf(f, ",\"wait_id\":%" PRIu64 ",\"index\":%u,\"epfd\":%d",
			w->wait_id, i, w->epfd);
		if (w->events[i].fd < 0)
			fputs(",\"fd\":null", f);
		else
			fprintf(f, ",\"fd\":%d", w->events[i].fd);
		json_fd_name(f, w->events[i].fd_name);
		json_mask(f, "events", w->events[i].events);
		fprintf(f, ",\"data\":\"0x%" PRIx64 "\"}\n", w->events[i].data);
	}
}

static void json_ctl(const struct psn_event *ev)
{
	const struct psn_epoll_ctl *c = &ev->epoll_ctl;
	const char *op = psn_epoll_op_name(c->op);
	FILE *f = env.cli.out;

	json_head(f, ev, "epoll_ctl");
	fprintf(f, ",\"epfd\":%d", c->epfd);
	if (op)
		fprintf(f, ",\"op\":\"%s\"", op);
	else
		fprintf(f, ",\"op\":%d", c->op);
	fprintf(f, ",\"fd\":%d", c->fd);
	json_fd_name(f, c->fd_name);
	if (c->op == 2 || c->event_unreadable)
		fputs(",\"events\":null,\"events_raw\":null,\"data\":null", f);
	else {
		json_mask(f, "events", c->events);
		fprintf(f, ",\"data\":\"0x%" PRIx64 "\"", c->data);
	}
	fprintf(f, ",\"ret\":%ld", c->ret);
	json_errno(f, c->ret);
	fprintf(f, ",\"via\":\"%s\"}\n", c->via_io_uring ? "io_uring" : "syscall");
}

static void json_create(const struct psn_event *ev)
{
	const struct psn_epoll_create *c = &ev->epoll_create;
	FILE *f = env.cli.out;

	json_head(f, ev, "epoll_create");
	fprintf(f, ",\"syscall\":\"%s\",\"flags\":%d,\"ret\":%ld",
		psn_syscall_name(c->syscall), c->flags, c->ret);
	json_errno(f, c->ret);
	fputs("}\n", f);
}

static void json_io(const struct psn_event *ev)
{
	FILE *f = env.cli.out;

	json_head(f, ev, "io");
	fprintf(f, ",\"syscall\":\"%s\",\"fd\":%d,\"ret\":%ld",
		psn_syscall_name(ev->io.syscall), ev->io.fd, ev->io.ret);
	json_fd_name(f, ev->io.fd_name);
	json_errno(f, ev->io.ret);
	fprintf(f, ",\"duration_ns\":%" PRIu64, ev->io.duration_ns);
	if (ev->io.wait_id)
		fprintf(f, ",\"wait_id\":%" PRIu64 "}\n", ev->io.wait_id);
	else
		fputs(",\"wait_id\":null}\n", f);
}

static int on_event(void *ctx, const struct psn_event *ev)
{
	static void (*const text[])(const struct psn_event *) = {
		[PSN_EVENT_EPOLL_CREATE] = text_create,
		[PSN_EVENT_EPOLL_CTL] = text_ctl,
		[PSN_EVENT_EPOLL_WAIT] = text_wait,
		[PSN_EVENT_IO] = text_io,
	};
	static void (*const json[])(const struct psn_event *) = {
		[PSN_EVENT_EPOLL_CREATE] = json_create,
		[PSN_EVENT_EPOLL_CTL] = json_ctl,
		[PSN_EVENT_EPOLL_WAIT] = json_wait,
		[PSN_EVENT_IO] = json_io,
	};
	void (*fn)(const struct psn_event *);

	(void)ctx;
	if (env.timeline)
		timeline_event(env.timeline, ev);
	if (ev->type == PSN_EVENT_LOST) {
		cli_lost(&env.cli, ev);
		return 0;
	}
	if (ev->type > PSN_EVENT_IO)
		return 0;
	/* --timeline asks for empty waits too; print them only if asked. */
	if (ev->type == PSN_EVENT_EPOLL_WAIT && !ev->epoll_wait.ret && !env.all_waits)
		return 0;
	fn = env.cli.json ? json[ev->type] : text[ev->type];
	if (fn)
		fn(ev);
	return 0;
}

int main(int argc, char **argv)
{
	PSN_OPTS(psn_session_opts, opts, .probes = PSN_PROBES_EPOLL,
		 .on_event = on_event);
	int r, code;

	r = cli_parse(&env.cli, argc, argv, "+:p:t:C:d:n:sjo:vyhV", long_opts,
		      tool_opt);
	if (r)
		return r - 1;
	cli_session_opts(&env.cli, &opts);
	opts.max_events = env.max_events;
	opts.zero_events = env.zero_events;
	opts.all_waits = env.all_waits;
	opts.io_mode = env.io;
	opts.summary = env.summary;
	/* The summary's top fds are named, whatever -y says. */
	opts.fd_names = env.fd_names || env.summary;
	if (env.summary)
		env.cli.tick = summary_print;
	if (env.timeline_path && env.summary) {
		fprintf(stderr, "portsnoop: --timeline needs events: not with -s "
			"(see portsnoop --help)\n");
		return EXIT_USAGE;
	}
	if (env.timeline_path && !(env.timeline = timeline_open(env.timeline_path))) {
		fprintf(stderr, "portsnoop: cannot write %s: %s\n", env.timeline_path,
			strerror(errno));
		return EXIT_USAGE;
	}
	/* The iterations' ends are the next waits, including empty ones. */
	opts.all_waits |= env.timeline != NULL;
	env.with_pid = !(env.cli.npids == 1 && !env.cli.command) && !env.cli.tid;
	code = cli_trace(&env.cli, &opts,
			 env.cli.json || env.summary ? NULL : text_header);
	if (env.timeline && timeline_close(env.timeline)) {
		fprintf(stderr, "portsnoop: writing %s: %s\n", env.timeline_path,
			strerror(errno));
		code = code ? code : 1;
	}
	return code;
}
