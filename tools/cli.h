/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What portsnoop and socksnoop share: target options, running a command,
 * the poll loop and its ends, errors worded for users, JSON strings.
 */
#ifndef PSN_CLI_H
#define PSN_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "portsnoop.h"
#include "line.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

/* Options both tools take. */
struct cli {
	const char *prog;
	const char *usage;	/* --help's text */
	int pids[PSN_MAX_PIDS];
	size_t npids;
	int tid;
	int tid_fd;		/* -t's thread's pidfd, polled for its exit; or -1 */
	const char *comm;
	double duration;	/* seconds; 0: until the end */
	bool json;
	bool verbose;
	const char *output;	/* -o FILE */
	size_t ringbuf_size;
	enum psn_attach_mode attach;	/* --attach */
	char **command;		/* after --, or NULL */
	FILE *out;
	uint64_t start_ns;
	/* Called every interval seconds (0: only at the end) and at the end. */
	void (*tick)(struct cli *c, struct psn_session *s, uint64_t now_ns,
		     double secs);
	double interval;
	struct line line;	/* the record being written */
};

/* Long options both tools take (values >= 0x100 in the getopt table). */
enum {
	CLI_OPT_RINGBUF = 0x100,
	CLI_OPT_ATTACH,
	CLI_OPT_LAST,
};

/*
 * Apply one option both tools share (-p -t -C -d -j -o -v -h -V,
 * --ringbuf-size, --attach, and what getopt refused).  Returns 1 if it was
 * one, 0 if not, -1 after printing a usage error, CLI_DONE after -h or -V.
 */
#define CLI_DONE 2
int cli_common_opt(struct cli *c, int opt, const char *arg, char **argv);

/* One of words[] (its index), or -1 after printing which words opt takes. */
int cli_parse_word(const struct cli *c, const char *opt, const char *arg,
		   const char *const *words, size_t n);

/*
 * One line for what getopt refused (opt '?' or ':'; the tools set opterr
 * to 0 and start their optstring with "+:").
 */
void cli_bad_option(const struct cli *c, int opt, char **argv);

/*
 * Parse argv: the options both tools share here, the others through
 * tool_opt(opt, argc, argv) (0, or -1 after printing why), then
 * cli_finish.  0 to go on, else 1 + the exit code.
 */
struct option;
int cli_parse(struct cli *c, int argc, char **argv, const char *optstring,
	      const struct option *longopts,
	      int (*tool_opt)(int opt, int argc, char **argv));

/* Parse "123,456" into pids; 0, or -1 after printing why. */
int cli_parse_pids(struct cli *c, const char *arg);
/* Parse a whole number in [min, max]; 0, or -1 after printing why. */
int cli_parse_ulong(struct cli *c, const char *what, const char *arg,
		    unsigned long min, unsigned long max, unsigned long *out);

/*
 * Check the options after parsing and open -o's file: 0, else 1 + the exit
 * code after printing why.
 */
int cli_finish(struct cli *c, int argc, char **argv, int optind);

/* Fill the session options both tools share (targets, ring buffer). */
void cli_session_opts(struct cli *c, struct psn_session_opts *o);

/*
 * Open, load and attach a session, with the errors users need to act on
 * printed.  Forks the -- COMMAND first (held until tracing is on).
 * Returns the session, or NULL after printing why.
 */
struct psn_session *cli_start(struct cli *c, struct psn_session_opts *o);

/* Poll until a signal, -d, the targets' end, or a closed stdout; the exit code. */
int cli_run(struct cli *c, struct psn_session *s);

/* cli_start, the header (if any), cli_run, free: the exit code. */
int cli_trace(struct cli *c, struct psn_session_opts *o, void (*header)(void));

/* Report lost records (text: stderr; JSON: a "lost" record). */
void cli_lost(struct cli *c, const struct psn_event *ev);

/* Seconds since tracing began. */
double cli_reltime(const struct cli *c, uint64_t ts_ns);

/* The TIME column: cli_reltime() as "%10.6f" prints it, with integers only. */
void cli_time(const struct cli *c, struct line *l, uint64_t ts_ns);

/*
 * Write src (len bytes) as the inside of a JSON string: quotes, backslashes
 * and control bytes escaped, bytes that are not UTF-8 as \u00XX.
 */
void json_write_str(FILE *f, const char *src, size_t len);
/* The common head of every JSON line: {"ts_ns":..,"pid":..,"tid":..,"comm":..,"event":.. */
void json_head(struct line *l, const struct psn_event *ev, const char *event);
/* key (its quotes, colon and any punctuation before) and v: ,"fd":9.
 * Inline, so that a literal key's length is known where it is written. */
static inline void json_int(struct line *l, const char *key, int64_t v)
{
	line_str(l, key);
	line_i64(l, v);
}
/* ,"errno":"EAGAIN" or ,"errno":null for a raw return value. */
void json_errno(struct line *l, long ret);

/* A comm made safe for one text line: control and non-ASCII bytes as '?'. */
void text_comm(char *dst, const char *comm);

#endif /* PSN_CLI_H */
