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
"Trace epoll loops: waits, events, epoll_ctl, and each fd's I/O in its window.\n"
"\n"
"  -p PID[,PID...]   trace these processes (ends when they all exit)\n"
"  -t TID            trace this thread only (ends when it exits)\n"
"  -C NAME           trace processes whose comm is NAME\n"
"  -- COMMAND        run COMMAND, trace it and its children, exit with its status\n"
"  -d SECONDS        stop after SECONDS\n"
"  -n N              events shown per wait (default 30, at most 256)\n"
"  -s [INTERVAL]     per-loop summary (rates, lag, herds, top fds), not events\n"
"  -j, --json        JSON Lines\n"
"  -y                name fds (cf. strace -yy): 9<TCP 127.0.0.1:80->10.0.0.2:500>\n"
"  -o FILE           write to FILE instead of standard output\n"
"      --all-waits   also show waits that returned no events\n"
"      --io=MODE     window (default), all (every registered fd), none\n"
"      --hex         event masks as hex (0x01), as illumos portsnoop\n"
"      --timeline FILE  also write a Perfetto/Chrome trace of each thread's loop\n"
"      --attach=MODE raw (sys_enter/exit; default) or per-syscall tracepoints\n"
"      --ringbuf-size KIB  kernel ring buffer (default 4096 KiB)\n"
"  -v                libbpf's messages;  -V, --version;  -h, --help  this help\n"
"\n"
"Examples: portsnoop -p $(pgrep -d, -f 'nginx: worker')   nginx's workers\n"
"          portsnoop -j -- node server.js    Node.js as JSON Lines\n"
"Needs root (or CAP_BPF+CAP_PERFMON, tracefs readable).  See portsnoop(8).\n";

static struct env {
	struct cli cli;
	unsigned long max_events;
	bool zero_events;
	bool all_waits;
	bool hex;
	bool summary;
	bool fd_names;
	const char *timeline_path;
	const char *events_opt;	/* an option given that shapes events (not -s) */
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
	{ "attach", required_argument, NULL, CLI_OPT_ATTACH },
	{ "ringbuf-size", required_argument, NULL, CLI_OPT_RINGBUF },
	{},
};

static int parse_io(const char *arg)
{
	static const char *const modes[] = { "window", "all", "none" };
	int i = cli_parse_word(&env.cli, "--io", arg, modes,
			       sizeof(modes) / sizeof(modes[0]));

	if (i < 0)
		return -1;
	env.io = i;
	return 0;
}

/*
 * -s takes an optional INTERVAL, attached (-s0.5, getopt's optarg) or as the
 * next word when it starts with a digit, as bcc tools do.
 */
static int parse_summary(int argc, char **argv)
{
	const char *next = optarg;
	char *end;

	env.summary = true;
	if (!next) {
		next = optind < argc ? argv[optind] : NULL;
		if (!next || !(*next >= '0' && *next <= '9'))
			return 0;
		optind++;
	}
	env.cli.interval = strtod(next, &end);
	if (*end || !(env.cli.interval > 0) || env.cli.interval > 86400) {
		fprintf(stderr, "portsnoop: -s INTERVAL is seconds > 0, not '%s' "
			"(see portsnoop --help)\n", next);
		return -1;
	}
	return 0;
}

/* The options only this tool has: 0, or -1 after printing why. */
/* The option's name if it shapes the events -s does not print, else NULL. */
static const char *events_opt_name(int opt)
{
	switch (opt) {
	case 'n':
		return "-n";
	case OPT_ALL_WAITS:
		return "--all-waits";
	case OPT_IO:
		return "--io";
	case OPT_HEX:
		return "--hex";
	case OPT_TIMELINE:
		return "--timeline";
	}
	return NULL;
}

static int tool_opt(int opt, int argc, char **argv)
{
	if (events_opt_name(opt))
		env.events_opt = events_opt_name(opt);
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

static void mask_str(uint32_t mask, char *buf, size_t len)
{
	if (env.hex)
		snprintf(buf, len, "0x%02" PRIx32, mask);
	else
		psn_epoll_events_str(mask, buf, len);
}

/* "9", or with -y and a name known, "9<TCP 127.0.0.1:80->...>". */
static void line_fd(struct line *l, int fd, const char *name)
{
	if (fd < 0) {
		line_chr(l, '?');
		return;
	}
	line_i64(l, fd);
	if (name) {
		line_chr(l, '<');
		line_str(l, name);
		line_chr(l, '>');
	}
}

/*
 * A row: TIME, who, the name indented 0, 2 or 4 (events and I/O nest under
 * their wait); then the caller adds the fd (row_fd), the details, and ends
 * it with row_end().
 */
static void row_begin(const struct psn_event *ev, int indent, const char *name)
{
	struct line *l = &env.cli.line;
	char comm[16];
	size_t start;

	cli_time(&env.cli, l, ev->ts_ns);
	line_chr(l, ' ');
	if (env.with_pid) {
		line_u64_right(l, ev->pid, 7);
		line_chr(l, ' ');
		line_u64_right(l, ev->tid, 7);
		line_chr(l, ' ');
		text_comm(comm, ev->comm);
		start = l->len;
		line_str(l, comm);
		line_pad(l, start, 15);
	} else {
		line_u64_right(l, ev->tid, 5);
	}
	line_spaces(l, 1 + indent);
	start = l->len;
	line_str(l, name);
	line_pad(l, start, 18 - indent);
	line_chr(l, ' ');
}

/* The fd column (three wide, right-aligned), then the details' start. */
static size_t row_fd(int fd, const char *name)
{
	struct line *l = &env.cli.line;
	size_t start = l->len;

	/* Most rows: a number, right-aligned where it is written. */
	if (fd >= 0 && !name) {
		line_u64_right(l, fd, 3);
	} else {
		line_fd(l, fd, name);
		line_align(l, start, 3);
	}
	line_spaces(l, 2);
	return l->len;
}

/* The ERROR column after details begun at start, the end of the row. */
static void row_end(size_t start, long ret)
{
	struct line *l = &env.cli.line;

	if (ret < 0) {
		line_pad(l, start, 26);
		line_chr(l, ' ');
		line_str(l, psn_errno_name(ret));
	}
	line_chr(l, '\n');
	line_write(l, env.cli.out);
}

static void text_timeout(struct line *l, int64_t ns)
{
	char buf[32];

	if (ns == -1) {
		line_str(l, "-1");
	} else if (ns < -1) {
		line_chr(l, '?');
	} else if (ns % 1000000) {
		snprintf(buf, sizeof(buf), "%.3f", ns / 1e6);
		line_str(l, buf);
	} else {
		line_i64(l, ns / 1000000);
	}
}

static void text_wait(const struct psn_event *ev)
{
	const struct psn_epoll_wait *w = &ev->epoll_wait;
	struct line *l = &env.cli.line;
	char mask[128];
	size_t d;

	row_begin(ev, 0, psn_syscall_name(w->syscall));
	d = row_fd(w->epfd, NULL);
	if (w->ret >= 0) {
		line_i64(l, w->ret);
		line_str(l, " events (max ");
	} else {
		line_str(l, "= -1 (max ");
	}
	line_i64(l, w->maxevents);
	line_str(l, ", timeout ");
	text_timeout(l, w->timeout_ns);
	line_str(l, " ms)");
	if (w->ret >= 0 && w->events_unreadable)
		line_str(l, " [events unreadable]");
	row_end(d, w->ret);
	for (uint32_t i = 0; i < w->nevents; i++) {
		mask_str(w->events[i].events, mask, sizeof(mask));
		row_begin(ev, 2, mask);
		d = row_fd(w->events[i].fd, w->events[i].fd_name);
		line_str(l, "data=0x");
		line_hex(l, w->events[i].data, 1);
		row_end(d, 0);
	}
}
static void text_ctl(const struct psn_event *ev)
{
	const struct psn_epoll_ctl *c = &ev->epoll_ctl;
	const char *op = psn_epoll_op_name(c->op);
	struct line *l = &env.cli.line;
	char mask[128];
	size_t d;

	row_begin(ev, 0, "epoll_ctl");
	if (c->fd >= 0) {
		d = row_fd(c->fd, c->fd_name);
	} else {
		size_t start = l->len;

		line_i64(l, c->fd);
		line_align(l, start, 3);
		line_spaces(l, 2);
		d = l->len;
	}
	if (op) {
		line_str(l, op);
	} else {
		line_str(l, "op=");
		line_i64(l, c->op);
	}
	if (c->event_unreadable) {
		line_str(l, " [event unreadable]");
	} else if (c->op != 2) {
		mask_str(c->events, mask, sizeof(mask));
		line_chr(l, ' ');
		line_str(l, mask);
		line_str(l, " data=0x");
		line_hex(l, c->data, 1);
	}
	if (c->via_io_uring)
		line_str(l, " via io_uring");
	if (c->ret < 0)
		line_str(l, " = -1");
	row_end(d, c->ret);
}

#define EPOLL_CLOEXEC_FLAG 02000000

/* epoll_create1's flags as strace shows them: EPOLL_CLOEXEC, other bits in hex. */
static void text_create_flags(struct line *l, uint32_t flags)
{
	uint32_t rest = flags & ~EPOLL_CLOEXEC_FLAG;
	char hex[16];

	line_str(l, "flags=");
	if (flags & EPOLL_CLOEXEC_FLAG)
		line_str(l, rest ? "EPOLL_CLOEXEC|" : "EPOLL_CLOEXEC");
	if (rest || !flags) {
		snprintf(hex, sizeof(hex), rest ? "%#x" : "0", rest);
		line_str(l, hex);
	}
}

static void text_create(const struct psn_event *ev)
{
	const struct psn_epoll_create *c = &ev->epoll_create;
	struct line *l = &env.cli.line;
	size_t d;

	row_begin(ev, 0, psn_syscall_name(c->syscall));
	if (c->ret >= 0) {
		d = row_fd(c->ret, NULL);
	} else {
		line_str(l, "  -  ");
		d = l->len;
	}
	if (c->syscall == PSN_SYS_EPOLL_CREATE1) {
		text_create_flags(l, c->flags);
	} else {
		line_str(l, "size=");
		line_i64(l, c->flags);
	}
	if (c->ret < 0)
		line_str(l, " = -1");
	row_end(d, c->ret);
}

static void text_io(const struct psn_event *ev)
{
	struct line *l = &env.cli.line;
	size_t d;

	row_begin(ev, 4, psn_syscall_name(ev->io.syscall));
	d = row_fd(ev->io.fd, ev->io.fd_name);
	line_str(l, "= ");
	line_i64(l, ev->io.ret < 0 ? -1 : ev->io.ret);
	row_end(d, ev->io.ret);
}

/* ---- JSON ------------------------------------------------------------- */

static void json_mask(struct line *l, const char *key, uint32_t mask)
{
	char buf[160];

	psn_epoll_events_str(mask, buf, sizeof(buf));
	line_str(l, ",\"");
	line_str(l, key);
	line_str(l, "\":\"");
	line_str(l, buf);
	line_str(l, "\",\"");
	line_str(l, key);
	line_str(l, "_raw\":");
	line_u64(l, mask);
}

static void json_data(struct line *l, uint64_t data)
{
	line_str(l, ",\"data\":\"0x");
	line_hex(l, data, 1);
	line_chr(l, '"');
}

/* With -y: ,"fd_name":"TCP ..." (null when not known). */
static void json_fd_name(struct line *l, const char *name)
{
	if (!env.fd_names)
		return;
	if (!name) {
		line_str(l, ",\"fd_name\":null");
		return;
	}
	line_str(l, ",\"fd_name\":\"");
	line_json(l, name, strlen(name));
	line_chr(l, '"');
}

/* Ends the object and writes the line. */
static void json_end(struct line *l)
{
	line_str(l, "}\n");
	line_write(l, env.cli.out);
}

/* The head of a record about a syscall: ..."event":E,"syscall":"NAME" */
static void json_head_syscall(struct line *l, const struct psn_event *ev,
			      const char *event, int syscall)
{
	json_head(l, ev, event);
	line_str(l, ",\"syscall\":\"");
	line_str(l, psn_syscall_name(syscall));
	line_chr(l, '"');
}

static void json_wait(const struct psn_event *ev)
{
	const struct psn_epoll_wait *w = &ev->epoll_wait;
	struct line *l = &env.cli.line;

	json_head_syscall(l, ev, "epoll_wait", w->syscall);
	json_int(l, ",\"wait_id\":", w->wait_id);
	json_int(l, ",\"epfd\":", w->epfd);
	json_int(l, ",\"maxevents\":", w->maxevents);
	json_int(l, ",\"timeout_ns\":", w->timeout_ns);
	json_int(l, ",\"ret\":", w->ret);
	json_errno(l, w->ret);
	if (w->duration_ns < 0)
		line_str(l, ",\"duration_ns\":null");
	else
		json_int(l, ",\"duration_ns\":", w->duration_ns);
	line_str(l, w->events_unreadable ? ",\"events_unreadable\":true"
					 : ",\"events_unreadable\":false");
	json_end(l);
	for (uint32_t i = 0; i < w->nevents; i++) {
		json_head(l, ev, "epoll_event");
		json_int(l, ",\"wait_id\":", w->wait_id);
		json_int(l, ",\"index\":", i);
		json_int(l, ",\"epfd\":", w->epfd);
		if (w->events[i].fd < 0)
			line_str(l, ",\"fd\":null");
		else
			json_int(l, ",\"fd\":", w->events[i].fd);
		json_fd_name(l, w->events[i].fd_name);
		json_mask(l, "events", w->events[i].events);
		json_data(l, w->events[i].data);
		json_end(l);
	}
}

static void json_ctl(const struct psn_event *ev)
{
	const struct psn_epoll_ctl *c = &ev->epoll_ctl;
	const char *op = psn_epoll_op_name(c->op);
	struct line *l = &env.cli.line;

	json_head(l, ev, "epoll_ctl");
	json_int(l, ",\"epfd\":", c->epfd);
	if (op) {
		line_str(l, ",\"op\":\"");
		line_str(l, op);
		line_chr(l, '"');
	} else {
		json_int(l, ",\"op\":", c->op);
	}
	json_int(l, ",\"fd\":", c->fd);
	json_fd_name(l, c->fd_name);
	if (c->op == 2 || c->event_unreadable) {
		line_str(l, ",\"events\":null,\"events_raw\":null,\"data\":null");
	} else {
		json_mask(l, "events", c->events);
		json_data(l, c->data);
	}
	json_int(l, ",\"ret\":", c->ret);
	json_errno(l, c->ret);
	line_str(l, c->via_io_uring ? ",\"via\":\"io_uring\"" : ",\"via\":\"syscall\"");
	json_end(l);
}

static void json_create(const struct psn_event *ev)
{
	const struct psn_epoll_create *c = &ev->epoll_create;
	struct line *l = &env.cli.line;

	json_head_syscall(l, ev, "epoll_create", c->syscall);
	json_int(l, ",\"flags\":", c->flags);
	json_int(l, ",\"ret\":", c->ret);
	json_errno(l, c->ret);
	json_end(l);
}

static void json_io(const struct psn_event *ev)
{
	struct line *l = &env.cli.line;

	json_head_syscall(l, ev, "io", ev->io.syscall);
	json_int(l, ",\"fd\":", ev->io.fd);
	json_int(l, ",\"ret\":", ev->io.ret);
	json_fd_name(l, ev->io.fd_name);
	json_errno(l, ev->io.ret);
	line_str(l, ",\"duration_ns\":");
	line_u64(l, ev->io.duration_ns);
	if (ev->io.wait_id)
		json_int(l, ",\"wait_id\":", ev->io.wait_id);
	else
		line_str(l, ",\"wait_id\":null");
	json_end(l);
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
		timeline_event(env.timeline, ev, env.cli.start_ns);
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

	r = cli_parse(&env.cli, argc, argv, "+:p:t:C:d:n:s::jo:vyhV", long_opts,
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
	if (env.events_opt && env.summary) {
		fprintf(stderr, "portsnoop: %s shapes events: not with -s "
			"(see portsnoop --help)\n", env.events_opt);
		return EXIT_USAGE;
	}
	if (env.timeline_path && !(env.timeline = timeline_open(env.timeline_path))) {
		fprintf(stderr, "portsnoop: cannot write %s: %s\n", env.timeline_path,
			strerror(errno));
		return EXIT_RUNTIME;
	}
	/* The iterations' ends are the next waits, including empty ones; the
	 * listing numbers only the waits it shows. */
	opts.all_waits |= env.timeline != NULL;
	opts.empty_waits_unnumbered = !env.all_waits;
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
