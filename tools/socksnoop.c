// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * socksnoop: SystemTap's socket tapset, every probe point, as a live event
 * stream on tracepoints: one line per probe hit.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

static const char usage[] =
"Usage: socksnoop [OPTIONS] [-- COMMAND [ARGS...]]\n"
"Trace the socket tapset's probe points: sends, receives, creates, closes.\n"
"\n"
"  -p PID[,PID...]   trace these processes (ends when they all exit)\n"
"  -t TID            trace this thread only (ends when it exits)\n"
"  -C NAME           trace processes whose comm is NAME\n"
"  -- COMMAND        run COMMAND, trace it and its children, exit with its status\n"
"  -d SECONDS        stop after SECONDS\n"
"  -e PROBE[,...]    probe points: 'all', socket.*.return, ... (default\n"
"                    socket.send,socket.receive,socket.create,socket.close)\n"
"      --family F    only this family (INET, INET6, UNIX, 2, ...)\n"
"      --protocol P  only this protocol (TCP, UDP, 6, ...)\n"
"      --type T      only this type (STREAM, DGRAM, ...)\n"
"  -x                failed calls only\n"
"  -j, --json        JSON Lines\n"
"  -o FILE           write to FILE instead of standard output\n"
"      --attach=MODE raw (sys_enter/exit; default) or per-syscall tracepoints\n"
"      --ringbuf-size KIB  kernel ring buffer (default 4096 KiB)\n"
"  -v                say more;  -h, --help  this help;  -V  the version\n"
"\n"
"Examples: socksnoop -p 1234             a process's socket traffic\n"
"          socksnoop --protocol UDP -x   failed UDP calls, machine-wide\n"
"          socksnoop -e all -j -- curl -so /dev/null URL   a command's, as JSON\n"
"Needs root (or CAP_BPF+CAP_PERFMON, tracefs readable).  See socksnoop(8).\n";

static struct env {
	struct cli cli;
	uint64_t probes;
	int family, protocol, type;
	bool failed_only;
} env = {
	.cli = { .prog = "socksnoop", .usage = usage },
};

enum { OPT_FAMILY = CLI_OPT_LAST, OPT_PROTOCOL, OPT_TYPE };

static const struct option long_opts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "family", required_argument, NULL, OPT_FAMILY },
	{ "protocol", required_argument, NULL, OPT_PROTOCOL },
	{ "type", required_argument, NULL, OPT_TYPE },
	{ "ringbuf-size", required_argument, NULL, CLI_OPT_RINGBUF },
	{ "attach", required_argument, NULL, CLI_OPT_ATTACH },
	{},
};

/* A name the table knows, or a number; -1 after printing why. */
static int parse_named(const char *what, const char *arg,
		       long (*str2num)(const char *))
{
	long v = str2num(arg);
	char *end;

	if (v < 0) {
		errno = 0;
		v = strtol(arg, &end, 10);
		if (!*arg || *end || errno || v < 0 || v > INT_MAX)
			v = -1;
	}
	if (v == 0)
		fprintf(stderr, "socksnoop: --%s cannot filter on 0; filter on "
			"another value (see socksnoop --help)\n", what);
	else if (v < 0)
		fprintf(stderr, "socksnoop: unknown %s '%s' (see socksnoop --help)\n",
			what, arg);
	return v > 0 ? v : -1;
}

/* The first name in -e's list that matches no probe point (for the error). */
static const char *unmatched(const char *list)
{
	static char buf[256];
	char *tok, *rest = buf;
	uint64_t probes;

	snprintf(buf, sizeof(buf), "%s", list);
	while ((tok = strsep(&rest, ",")))	/* an empty one too: 'a,' */
		if (psn_sock_probe_parse(tok, &probes))
			return tok;
	return list;
}

/* The options only this tool has: 0, or -1 after printing why. */
static int tool_opt(int opt, int argc, char **argv)
{
	uint64_t probes;

	(void)argc;
	(void)argv;
	switch (opt) {
	case 'e':	/* repeated, the lists add up, as -p's do */
		if (psn_sock_probe_parse(optarg, &probes)) {
			const char *bad = unmatched(optarg);

			if (*bad)
				fprintf(stderr, "socksnoop: -e: no probe point matches "
					"'%s' (see socksnoop --help)\n", bad);
			else
				fprintf(stderr, "socksnoop: -e: an empty name in '%s' "
					"(see socksnoop --help)\n", optarg);
			return -1;
		}
		env.probes |= probes;
		break;
	case OPT_FAMILY:
		env.family = parse_named("family", optarg, psn_sock_fam_str2num);
		if (env.family < 0)
			return -1;
		break;
	case OPT_PROTOCOL:
		env.protocol = parse_named("protocol", optarg,
					   psn_sock_prot_str2num);
		if (env.protocol < 0)
			return -1;
		break;
	case OPT_TYPE:
		env.type = parse_named("type", optarg, psn_sock_type_str2num);
		if (env.type < 0)
			return -1;
		break;
	case 'x':
		env.failed_only = true;
		break;
	}
	return 0;
}

static const char *num_name(int v, const char *(*num2str)(long))
{
	return v < 0 ? "-" : num2str(v);
}

static void text_header(void)
{
	fprintf(env.cli.out, "%-10s %-6s %-6s %-15s %-23s %-3s %-6s %-5s %-11s %-9s %4s\n",
		"TIME", "PID", "TID", "COMM", "PROBE", "FD", "FAMILY", "PROTO",
		"STATE", "TYPE", "SIZE");
}

/* Entry probes of create and close have no size: shown as "-". */
static bool has_size(int probe)
{
	return probe < PSN_SOCK_CREATE;
}

/* Append s padded to width, and a space: one "%-Ns " column. */
static void column(struct line *l, const char *s, size_t width)
{
	size_t start = l->len;

	line_str(l, s);
	line_pad(l, start, width);
	line_chr(l, ' ');
}

static void column_int(struct line *l, int64_t v, size_t width)
{
	size_t start = l->len;

	line_i64(l, v);
	line_pad(l, start, width);
	line_chr(l, ' ');
}

/*
 * The SIZE column: four wide, right-aligned, then the end of the row; a
 * failure's -errno (a return's size, create.return's err) followed by its
 * name, as strace does.
 */
static void size_column(struct line *l, const struct psn_sock *k)
{
	bool sized = has_size(k->probe);
	int64_t v = sized ? k->size : k->err;
	size_t start = l->len;

	if (!sized && (k->probe != PSN_SOCK_CREATE_RETURN || k->success)) {
		line_str(l, "   -\n");
		return;
	}
	line_i64(l, v);
	line_align(l, start, 4);
	if (!k->success && v < 0) {
		line_chr(l, ' ');
		line_str(l, psn_errno_name(v));
	}
	line_chr(l, '\n');
}

static void text_sock(const struct psn_event *ev)
{
	const struct psn_sock *k = &ev->sock;
	struct line *l = &env.cli.line;
	char comm[16];

	text_comm(comm, ev->comm);
	cli_time(&env.cli, l, ev->ts_ns);
	line_chr(l, ' ');
	column_int(l, ev->pid, 6);
	column_int(l, ev->tid, 6);
	column(l, comm, 15);
	column(l, psn_sock_probe_name(k->probe), 23);	/* socket.aio_write.return */
	column_int(l, k->fd, 3);
	column(l, num_name(k->family, psn_sock_fam_num2str), 6);
	column(l, num_name(k->protocol, psn_sock_prot_num2str), 5);
	/* UNCONNECTED (every UDP socket) and SEQPACKET fit. */
	column(l, num_name(k->state, psn_sock_state_num2str), 11);
	column(l, num_name(k->type, psn_sock_type_num2str), 9);
	size_column(l, k);
	line_write(l, env.cli.out);
}

/* ,"key":v,"key_name":"NAME" ("UNDEF" for a value not known). */
static void json_named(struct line *l, const char *key, const char *v_name,
		       int64_t v)
{
	line_str(l, ",\"");
	line_str(l, key);
	json_int(l, "\":", v);
	line_str(l, ",\"");
	line_str(l, key);
	line_str(l, "_name\":\"");
	line_str(l, v < 0 ? "UNDEF" : v_name);
	line_chr(l, '"');
}

#define JSON_NAMED(l, key, v, num2str) \
	json_named(l, key, (v) < 0 ? NULL : num2str(v), v)

static void json_sock(const struct psn_event *ev)
{
	const struct psn_sock *k = &ev->sock;
	struct line *l = &env.cli.line;
	char buf[256];

	json_head(l, ev, "socket");
	line_str(l, ",\"name\":\"");
	line_str(l, psn_sock_probe_name(k->probe));
	line_str(l, "\",\"syscall\":\"");
	line_str(l, psn_syscall_name(k->syscall));
	json_int(l, "\",\"fd\":", k->fd);
	if (k->success < 0)
		line_str(l, ",\"success\":null");
	else
		json_int(l, ",\"success\":", k->success);
	if (has_size(k->probe))
		json_int(l, ",\"size\":", k->size);
	else
		line_str(l, ",\"size\":null");
	JSON_NAMED(l, "protocol", k->protocol, psn_sock_prot_num2str);
	JSON_NAMED(l, "family", k->family, psn_sock_fam_num2str);
	JSON_NAMED(l, "state", k->state, psn_sock_state_num2str);
	JSON_NAMED(l, "type", k->type, psn_sock_type_num2str);
	psn_sock_flags_num2str(k->flags < 0 ? 0 : k->flags, buf, sizeof(buf));
	json_named(l, "flags", buf, k->flags);
	psn_msg_flags_num2str(k->msg_flags, buf, sizeof(buf));
	json_named(l, "msg_flags", buf, k->msg_flags);
	if (k->probe == PSN_SOCK_CREATE || k->probe == PSN_SOCK_CREATE_RETURN) {
		json_int(l, ",\"requester\":", k->requester);
		json_int(l, ",\"err\":", k->err);
	}
	line_str(l, "}\n");
	line_write(l, env.cli.out);
}

static int on_event(void *ctx, const struct psn_event *ev)
{
	(void)ctx;
	if (ev->type == PSN_EVENT_LOST)
		cli_lost(&env.cli, ev);
	else if (ev->type == PSN_EVENT_SOCKET)
		(env.cli.json ? json_sock : text_sock)(ev);
	return 0;
}

int main(int argc, char **argv)
{
	PSN_OPTS(psn_session_opts, opts, .probes = PSN_PROBES_SOCKET,
		 .on_event = on_event);
	int r;

	r = cli_parse(&env.cli, argc, argv, "+:p:t:C:d:e:xjo:vhV", long_opts,
		      tool_opt);
	if (r)
		return r - 1;
	cli_session_opts(&env.cli, &opts);
	opts.sock_probes = env.probes;
	opts.sock_family = env.family;
	opts.sock_protocol = env.protocol;
	opts.sock_type = env.type;
	opts.failed_only = env.failed_only;
	return cli_trace(&env.cli, &opts, env.cli.json ? NULL : text_header);
}
