// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The Chrome/Perfetto trace-event format (JSON): complete slices ("ph":"X")
 * per thread.  A thread alternates between a wait slice and an iteration
 * slice; I/O and epoll_ctl calls nest inside the iteration they happen in.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "timeline.h"

struct thread {
	uint32_t pid, tid;
	uint64_t iter_start;	/* the open iteration's start, 0: none */
	uint64_t last_ts;	/* the thread's latest event */
	uint64_t wait_id;	/* the wait that opened the iteration */
};

struct timeline {
	FILE *f;
	struct thread *threads;
	size_t n, cap;
	bool first;		/* no slice written yet */
};

struct timeline *timeline_open(const char *path)
{
	struct timeline *t = calloc(1, sizeof(*t));
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (!t || fd < 0 || !(t->f = fdopen(fd, "w"))) {
		int err = errno;

		if (fd >= 0)
			close(fd);
		free(t);
		errno = err;
		return NULL;
	}
	t->first = true;
	fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n", t->f);
	return t;
}

/* The thread's state, made on first sight (with its name as metadata). */
static struct thread *thread_of(struct timeline *t, const struct psn_event *ev)
{
	struct thread *th;

	for (size_t i = 0; i < t->n; i++)
		if (t->threads[i].tid == ev->tid && t->threads[i].pid == ev->pid)
			return &t->threads[i];
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		void *p = realloc(t->threads, cap * sizeof(*t->threads));

		if (!p)
			return NULL;
		t->threads = p;
		t->cap = cap;
	}
	th = &t->threads[t->n++];
	*th = (struct thread){ .pid = ev->pid, .tid = ev->tid };
	fprintf(t->f, "%s{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%u,"
		"\"tid\":%u,\"args\":{\"name\":\"", t->first ? "" : ",\n",
		ev->pid, ev->tid);
	json_write_str(t->f, ev->comm, strnlen(ev->comm, sizeof(ev->comm)));
	fputs("\"}}", t->f);
	t->first = false;
	return th;
}

/* Open a slice [start, end] on th's track; the caller adds args and "}}". */
static void slice(struct timeline *t, const struct thread *th, const char *name,
		  const char *cat, uint64_t start, uint64_t end)
{
	fprintf(t->f, "%s{\"name\":\"%s\",\"cat\":\"%s\",\"ph\":\"X\","
		"\"ts\":%.3f,\"dur\":%.3f,\"pid\":%u,\"tid\":%u,\"args\":{",
		t->first ? "" : ",\n", name, cat, start / 1e3,
		(end - start) / 1e3, th->pid, th->tid);
	t->first = false;
}

/* Empty waits have no wait_id, unknown fds no number: null, as -j says it. */
static void json_num_or_null(FILE *f, int64_t v, bool known)
{
	if (known)
		fprintf(f, "%" PRId64, v);
	else
		fputs("null", f);
}

static void end_iteration(struct timeline *t, struct thread *th, uint64_t end)
{
	if (!th->iter_start || end < th->iter_start)
		return;
	slice(t, th, "iteration", "handling", th->iter_start, end);
	fputs("\"wait_id\":", t->f);
	json_num_or_null(t->f, th->wait_id, th->wait_id != 0);
	fputs("}}", t->f);
	th->iter_start = 0;
}

static void wait_args(FILE *f, const struct psn_epoll_wait *w)
{
	char mask[160];

	fprintf(f, "\"epfd\":%d,\"ret\":%ld,\"wait_id\":", w->epfd, w->ret);
	json_num_or_null(f, w->wait_id, w->wait_id != 0);
	if (w->duration_ns < 0)
		fputs(",\"began_before_tracing\":true", f);
	fputs(",\"events\":[", f);
	for (uint32_t i = 0; i < w->nevents; i++) {
		psn_epoll_events_str(w->events[i].events, mask, sizeof(mask));
		fprintf(f, "%s{\"fd\":", i ? "," : "");
		json_num_or_null(f, w->events[i].fd, w->events[i].fd >= 0);
		fprintf(f, ",\"events\":\"%s\",\"data\":\"0x%" PRIx64 "\"}",
			mask, w->events[i].data);
	}
	fputs("]}}", f);
}

static void on_wait(struct timeline *t, struct thread *th,
		    const struct psn_event *ev, uint64_t since_ns)
{
	const struct psn_epoll_wait *w = &ev->epoll_wait;
	uint64_t start = ev->ts_ns;

	if (w->duration_ns >= 0 && (uint64_t)w->duration_ns <= ev->ts_ns)
		start = ev->ts_ns - w->duration_ns;
	else if (w->duration_ns < 0 && since_ns < ev->ts_ns)
		start = since_ns;	/* blocked since before tracing, at least */
	end_iteration(t, th, start);
	slice(t, th, psn_syscall_name(w->syscall), "wait", start, ev->ts_ns);
	wait_args(t->f, w);
	th->iter_start = ev->ts_ns;
	th->wait_id = w->wait_id;
}

static void on_call(struct timeline *t, struct thread *th, const struct psn_event *ev)
{
	uint64_t start = ev->ts_ns;

	if (ev->type == PSN_EVENT_IO) {
		if (ev->io.duration_ns <= ev->ts_ns)
			start = ev->ts_ns - ev->io.duration_ns;
		slice(t, th, psn_syscall_name(ev->io.syscall), "io", start, ev->ts_ns);
		fprintf(t->f, "\"fd\":%d,\"ret\":%ld}}", ev->io.fd, ev->io.ret);
	} else {
		slice(t, th, "epoll_ctl", "ctl", start, ev->ts_ns);
		fprintf(t->f, "\"op\":\"%s\",\"fd\":%d,\"ret\":%ld}}",
			psn_epoll_op_name(ev->epoll_ctl.op) ?: "?", ev->epoll_ctl.fd,
			ev->epoll_ctl.ret);
	}
}

void timeline_event(struct timeline *t, const struct psn_event *ev,
		    uint64_t since_ns)
{
	struct thread *th;

	if (ev->type != PSN_EVENT_EPOLL_WAIT && ev->type != PSN_EVENT_IO &&
	    ev->type != PSN_EVENT_EPOLL_CTL)
		return;
	th = thread_of(t, ev);
	if (!th)
		return;
	if (ev->type == PSN_EVENT_EPOLL_WAIT)
		on_wait(t, th, ev, since_ns);
	else
		on_call(t, th, ev);
	th->last_ts = ev->ts_ns;
}

int timeline_close(struct timeline *t)
{
	int err = 0;

	for (size_t i = 0; i < t->n; i++)
		end_iteration(t, &t->threads[i], t->threads[i].last_ts);
	fputs("\n]}\n", t->f);
	if (ferror(t->f) || fflush(t->f))
		err = -errno;
	if (fclose(t->f) && !err)
		err = -errno;
	free(t->threads);
	free(t);
	return err;
}
