// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * portsnoop -s: per loop (process, thread, epoll instance) rates, histograms
 * and findings, from what the kernel side aggregated, at each interval.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "summary.h"

#define TOP_FDS 10
#define LAG_FINDING_NS 25000000ull	/* an iteration this long is named */
#define BUSY_POLL_FINDING 100.0		/* empty timeout-0 waits per second */

/* A growing array of loops or fds, as read from the session. */
struct vec {
	void *v;
	size_t n, cap;
};

static int append(struct vec *vec, const void *item, size_t size)
{
	if (vec->n == vec->cap) {
		size_t cap = vec->cap ? vec->cap * 2 : 16;
		void *p = realloc(vec->v, cap * size);

		if (!p)
			return 1;
		vec->v = p;
		vec->cap = cap;
	}
	memcpy((char *)vec->v + vec->n++ * size, item, size);
	return 0;
}

static int add_loop(void *ctx, const struct psn_loop_summary *l)
{
	return append(ctx, l, sizeof(*l));
}

static int add_fd(void *ctx, const struct psn_fd_summary *f)
{
	return append(ctx, f, sizeof(*f));
}

static int by_events(const void *a, const void *b)
{
	const struct psn_fd_summary *x = a, *y = b;

	return x->events < y->events ? 1 : x->events > y->events ? -1 : 0;
}

/* What the fd was when the kernel side first saw an event for it. */
static void fd_name(struct psn_session *s, uint32_t pid, int fd, char *buf,
		    size_t len)
{
	const char *name = psn_session__fd_name(s, pid, fd);

	snprintf(buf, len, "%s", name ? name : "?");
}

/* The findings a loop shows, as short names, into out (NULL-terminated). */
static size_t findings(const struct psn_loop_summary *l, double secs,
		       const char **out)
{
	size_t n = 0;

	if (l->unhandled)
		out[n++] = "unhandled";
	if (l->lag_max_ns >= LAG_FINDING_NS)
		out[n++] = "lag";
	if (l->spurious)
		out[n++] = "spurious";
	if (l->herd)
		out[n++] = "herd";
	if (l->hup_repeats)
		out[n++] = "hup_repeats";
	if (l->busy_polls / secs >= BUSY_POLL_FINDING)
		out[n++] = "busy_polling";
	out[n] = NULL;
	return n;
}

static void text_hist(FILE *f, const char *what, const uint64_t *h)
{
	int last = -1;

	for (int i = 0; i < PSN_HIST_SLOTS; i++)
		if (h[i])
			last = i;
	if (last < 0)
		return;
	fprintf(f, "    %-24s", what);
	for (int i = 0; i <= last; i++)
		if (h[i])
			fprintf(f, " [%llu,%llu):%" PRIu64, i ? 1ull << (i - 1) : 0ull,
				1ull << i, h[i]);
	fputc('\n', f);
}

static void text_finding(FILE *f, const struct psn_loop_summary *l,
			 const char *kind, double secs, const struct cli *c)
{
	fprintf(f, "  %-13s pid %u tid %u epfd %d: ", kind, l->pid, l->tid, l->epfd);
	if (!strcmp(kind, "unhandled"))
		fprintf(f, "%" PRIu64 " events neither read nor re-armed before the "
			"next wait (a busy loop?)\n", l->unhandled);
	else if (!strcmp(kind, "lag"))
		fprintf(f, "an iteration took %.1f ms (ended at %.6f)\n",
			l->lag_max_ns / 1e6, cli_reltime(c, l->lag_max_ts));
	else if (!strcmp(kind, "spurious"))
		fprintf(f, "%" PRIu64 " events whose first receive got EAGAIN\n",
			l->spurious);
	else if (!strcmp(kind, "herd"))
		fprintf(f, "%" PRIu64 " events another thread had already been woken "
			"for (EPOLLEXCLUSIVE?)\n", l->herd);
	else if (!strcmp(kind, "hup_repeats"))
		fprintf(f, "%" PRIu64 " EPOLLHUP/EPOLLERR again on the same fd\n",
			l->hup_repeats);
	else
		fprintf(f, "%.0f empty waits/s with timeout 0\n", l->busy_polls / secs);
}

static void text_loops(struct cli *c, const struct vec *ls, double secs)
{
	const struct psn_loop_summary *loops = ls->v;
	const char *found[8];
	char comm[32];
	FILE *f = c->out;

	fprintf(f, "%-7s %-7s %-15s %4s %9s %8s %8s %11s %8s %9s %8s %5s %9s %10s\n",
		"PID", "TID", "COMM", "EPFD", "WAITS/s", "EV/WAIT", "BLOCKED%",
		"LAG-MAX(ms)", "HANDLED", "UNHANDLED", "SPURIOUS", "HERD",
		"HUP-AGAIN", "BUSYPOLL/s");
	for (size_t i = 0; i < ls->n; i++) {
		const struct psn_loop_summary *l = &loops[i];

		text_comm(comm, l->comm);
		fprintf(f, "%-7u %-7u %-15s %4d %9.1f %8.2f %8.1f %11.3f %8" PRIu64
			" %9" PRIu64 " %8" PRIu64 " %5" PRIu64 " %9" PRIu64 " %10.1f\n",
			l->pid, l->tid, comm, l->epfd, l->waits / secs,
			l->waits ? (double)l->events / l->waits : 0.0,
			100.0 * l->blocked_ns / (secs * 1e9), l->lag_max_ns / 1e6,
			l->handled, l->unhandled, l->spurious, l->herd,
			l->hup_repeats, l->busy_polls / secs);
		text_hist(f, "events per wait", l->events_hist);
		text_hist(f, "loop lag (us)", l->lag_hist);
		text_hist(f, "event to first I/O (us)", l->first_io_hist);
	}
	fprintf(f, "findings:\n");
	for (size_t i = 0; i < ls->n; i++) {
		findings(&loops[i], secs, found);
		for (size_t k = 0; found[k]; k++)
			text_finding(f, &loops[i], found[k], secs, c);
	}
}

static void text_fds(struct cli *c, struct psn_session *s, const struct vec *fs)
{
	const struct psn_fd_summary *v = fs->v;
	char name[256];

	fprintf(c->out, "top fds:\n  %-7s %4s %9s  %s\n", "PID", "FD", "EVENTS", "NAME");
	for (size_t i = 0; i < fs->n && i < TOP_FDS; i++) {
		fd_name(s, v[i].pid, v[i].fd, name, sizeof(name));
		fprintf(c->out, "  %-7u %4d %9" PRIu64 "  %s\n", v[i].pid, v[i].fd,
			v[i].events, name);
	}
}

static void json_hist(FILE *f, const char *key, const uint64_t *h)
{
	int last = -1;

	for (int i = 0; i < PSN_HIST_SLOTS; i++)
		if (h[i])
			last = i;
	fprintf(f, ",\"%s\":[", key);
	for (int i = 0; i <= last; i++)
		fprintf(f, "%s%" PRIu64, i ? "," : "", h[i]);
	fputc(']', f);
}

static void json_loop(struct cli *c, const struct psn_loop_summary *l,
		      uint64_t now, double secs)
{
	const char *found[8];
	FILE *f = c->out;

	fprintf(f, "{\"ts_ns\":%" PRIu64 ",\"pid\":%u,\"tid\":%u,\"comm\":\"", now,
		l->pid, l->tid);
	json_write_str(f, l->comm, strlen(l->comm));
	fprintf(f, "\",\"event\":\"summary\",\"interval_ns\":%.0f,\"epfd\":%d,"
		"\"waits\":%" PRIu64 ",\"failed\":%" PRIu64 ",\"events\":%" PRIu64
		",\"blocked_ns\":%" PRIu64 ",\"busy_polls\":%" PRIu64
		",\"handled\":%" PRIu64 ",\"unhandled\":%" PRIu64
		",\"spurious\":%" PRIu64 ",\"herd\":%" PRIu64
		",\"hup_repeats\":%" PRIu64 ",\"lag_max_ns\":%" PRIu64
		",\"lag_max_ts_ns\":%" PRIu64, secs * 1e9, l->epfd, l->waits,
		l->failed, l->events, l->blocked_ns, l->busy_polls, l->handled,
		l->unhandled, l->spurious, l->herd, l->hup_repeats, l->lag_max_ns,
		l->lag_max_ts);
	json_hist(f, "events_hist", l->events_hist);
	json_hist(f, "lag_hist_us", l->lag_hist);
	json_hist(f, "first_io_hist_us", l->first_io_hist);
	fputs(",\"findings\":[", f);
	findings(l, secs, found);
	for (size_t k = 0; found[k]; k++)
		fprintf(f, "%s\"%s\"", k ? "," : "", found[k]);
	fputs("]}\n", f);
}

static void json_fds(struct cli *c, struct psn_session *s, const struct vec *fs,
		     uint64_t now)
{
	const struct psn_fd_summary *v = fs->v;
	char name[256];

	for (size_t i = 0; i < fs->n && i < TOP_FDS; i++) {
		fd_name(s, v[i].pid, v[i].fd, name, sizeof(name));
		fprintf(c->out, "{\"ts_ns\":%" PRIu64 ",\"pid\":%u,\"tid\":0,\"comm\":\"\","
			"\"event\":\"summary_fd\",\"fd\":%d,\"events\":%" PRIu64
			",\"fd_name\":\"", now, v[i].pid, v[i].fd, v[i].events);
		json_write_str(c->out, name, strlen(name));
		fputs("\"}\n", c->out);
	}
}

void summary_print(struct cli *c, struct psn_session *s, uint64_t now, double secs)
{
	struct vec ls = {}, fs = {};
	const struct psn_loop_summary *loops;

	if (secs <= 0)
		secs = 1e-9;
	psn_session__read_loops(s, true, add_loop, &ls);
	psn_session__read_fds(s, true, add_fd, &fs);
	qsort(fs.v, fs.n, sizeof(struct psn_fd_summary), by_events);
	loops = ls.v;
	if (c->json) {
		for (size_t i = 0; i < ls.n; i++)
			json_loop(c, &loops[i], now, secs);
		json_fds(c, s, &fs, now);
	} else {
		fprintf(c->out, "--- %.3f s: %.1f s of %zu loops ---\n",
			cli_reltime(c, now), secs, ls.n);
		text_loops(c, &ls, secs);
		text_fds(c, s, &fs);
		fputc('\n', c->out);
	}
	free(ls.v);
	free(fs.v);
}
