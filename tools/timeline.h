/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * portsnoop --timeline FILE: the loop's life in the Chrome/Perfetto
 * trace-event JSON format, one track per thread: a slice per wait (blocked),
 * per iteration (handling, from a wait's return to the thread's next wait)
 * and per I/O call inside it, the events as the wait's arguments.
 */
#ifndef PSN_TIMELINE_H
#define PSN_TIMELINE_H

#include "portsnoop.h"

struct timeline;

/* Create FILE (mode 0644); NULL with errno set. */
struct timeline *timeline_open(const char *path);
/*
 * Add one event (as delivered to the session callback); since_ns: when
 * tracing began, where a wait already blocked then is drawn from.
 */
void timeline_event(struct timeline *t, const struct psn_event *ev,
		    uint64_t since_ns);
/* Close the slices still open, finish and close the file: 0 or -errno. */
int timeline_close(struct timeline *t);

#endif
