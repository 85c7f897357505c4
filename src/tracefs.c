// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Tracepoint programs attach by ids that only tracefs shows. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <unistd.h>
#include "internal.h"

#define TRACEFS "/sys/kernel/tracing"
#define DEBUGFS_TRACING "/sys/kernel/debug/tracing"
#define TRACEFS_MAGIC 0x74726163

static int is_tracefs(const char *path)
{
	struct statfs st;

	return !statfs(path, &st) && st.f_type == TRACEFS_MAGIC;
}

/*
 * Mounted is not enough: without root, its mount point (mode 0700) or the
 * tracepoints' id files (0440) are often unreadable, and every tracepoint
 * would then look absent.  sched_process_exit: one every kernel has.
 */
static int readable(const char *root)
{
	char path[96];

	snprintf(path, sizeof(path), "%s/events/sched/sched_process_exit/id",
		 root);
	if (!access(path, R_OK) || (errno != EACCES && errno != EPERM))
		return 0;
	pr_debug("cannot read %s: %s\n", path, strerror(errno));
	return -EACCES;
}

int psn__tracefs_ensure(void)
{
	if (is_tracefs(TRACEFS))
		return readable(TRACEFS);
	if (is_tracefs(DEBUGFS_TRACING))
		return readable(DEBUGFS_TRACING);
	if (mount("nodev", TRACEFS, "tracefs", 0, NULL)) {
		if (errno == EPERM)
			return -EACCES;
		pr_warn("cannot mount tracefs at " TRACEFS ": %s\n",
			strerror(errno));
		return -errno;
	}
	pr_info("mounted tracefs at " TRACEFS "\n");
	return readable(TRACEFS);
}

int psn__tracepoint_exists(const char *cat_name)
{
	char path[256];
	const char *roots[] = { TRACEFS, DEBUGFS_TRACING };

	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		snprintf(path, sizeof(path), "%s/events/%s/id", roots[i],
			 cat_name);
		if (!access(path, R_OK))
			return 1;
	}
	return 0;
}
