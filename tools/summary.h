/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* portsnoop -s: printing what the kernel side aggregated. */
#ifndef PSN_SUMMARY_H
#define PSN_SUMMARY_H

#include "cli.h"

/* Print, then reset, the loops and top fds of the last secs seconds. */
void summary_print(struct cli *c, struct psn_session *s, uint64_t now_ns,
		   double secs);

#endif
