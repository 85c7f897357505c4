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

int psn__tracefs_ensure(void)
{
	if (is_tracefs(TRACEFS) || is_tracefs(DEBUGFS_TRACING))
		return 0;
	if (mount("nodev", TRACEFS, "tracefs", 0, NULL)) {
		int err = -errno;

		pr_warn("cannot mount tracefs at " TRACEFS ": %s\n",
			strerror(errno));
		return err;
	}
	pr_info("mounted tracefs at " TRACEFS "\n");
	return 0;
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
