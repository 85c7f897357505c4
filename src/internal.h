/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Internal to libportsnoop: not exported, not installed. */
#ifndef PSN_INTERNAL_H
#define PSN_INTERNAL_H

#include <stdarg.h>
#include <stdint.h>
#include "portsnoop.h"

#define PSN_INTERNAL __attribute__((visibility("hidden")))

PSN_INTERNAL void psn__vpr(enum psn_print_level level, const char *fmt,
			  va_list ap);
__attribute__((format(printf, 2, 3)))
PSN_INTERNAL void psn__pr(enum psn_print_level level, const char *fmt, ...);

#define pr_warn(fmt, ...) psn__pr(PSN_WARN, "libportsnoop: " fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...) psn__pr(PSN_INFO, "libportsnoop: " fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...) psn__pr(PSN_DEBUG, "libportsnoop: " fmt, ##__VA_ARGS__)

/* One registration read from /proc/PID/fdinfo/EPFD. */
struct psn_fdinfo_reg {
	int tfd;
	uint32_t events;
	uint64_t data;
};

/* Parse a "tfd: ... events: ... data: ..." line; 1 if it was one, else 0. */
PSN_INTERNAL int psn__fdinfo_parse_line(const char *line,
					struct psn_fdinfo_reg *reg);
/* Each registration of epoll fd epfd of pid, passed to fn; count or -errno. */
PSN_INTERNAL int psn__fdinfo_read(int pid, int epfd,
				  void (*fn)(void *ctx, int epfd,
					     const struct psn_fdinfo_reg *reg),
				  void *ctx);
/* Call fn for each epoll fd pid has open; count or -errno. */
PSN_INTERNAL int psn__epoll_fds(int pid, void (*fn)(void *ctx, int pid, int epfd),
				void *ctx);

/* Mount tracefs at /sys/kernel/tracing if no tracefs is there: 0 or -errno. */
PSN_INTERNAL int psn__tracefs_ensure(void);
/* Does the tracepoint "category/name" exist on this kernel? */
PSN_INTERNAL int psn__tracepoint_exists(const char *cat_name);

struct psn_rec_hdr;
/*
 * Decode one ring-buffer record of size len into ev (items, if any, go to the
 * caller's array of PSN_MAX_EVENTS_PER_WAIT).  Returns 1 if it is an event for
 * the user, 0 if internal, -EINVAL if malformed.
 */
PSN_INTERNAL int psn__decode(const void *rec, size_t len, struct psn_event *ev,
			     struct psn_epoll_item *items);

#endif /* PSN_INTERNAL_H */
