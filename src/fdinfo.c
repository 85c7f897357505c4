// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Registrations made before tracing began are only in /proc: each epoll fd's
 * fdinfo lists "tfd: FD events: MASK data: DATA" per registered fd.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "internal.h"

int psn__fdinfo_parse_line(const char *line, struct psn_fdinfo_reg *reg)
{
	unsigned int events;
	uint64_t data;
	int tfd, n = 0;

	if (sscanf(line, "tfd: %d events: %x data: %" SCNx64 "%n", &tfd,
		   &events, &data, &n) != 3 || !n || tfd < 0)
		return 0;
	reg->tfd = tfd;
	reg->events = events;
	reg->data = data;
	return 1;
}

int psn__fdinfo_read(int pid, int epfd,
		     void (*fn)(void *ctx, int epfd,
				const struct psn_fdinfo_reg *reg),
		     void *ctx)
{
	struct psn_fdinfo_reg reg;
	char path[64], line[256];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", pid, epfd);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (psn__fdinfo_parse_line(line, &reg)) {
			fn(ctx, epfd, &reg);
			n++;
		}
	}
	fclose(f);
	return n;
}

static int is_epoll_fd(int pid, const char *name)
{
	char path[320], target[64];
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/%d/fd/%s", pid, name);
	len = readlink(path, target, sizeof(target) - 1);
	if (len < 0)
		return 0;
	target[len] = '\0';
	return !strcmp(target, "anon_inode:[eventpoll]");
}

int psn__epoll_fds(int pid, void (*fn)(void *ctx, int pid, int epfd), void *ctx)
{
	struct dirent *de;
	char path[64];
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !is_epoll_fd(pid, de->d_name))
			continue;
		fn(ctx, pid, atoi(de->d_name));
		n++;
	}
	closedir(d);
	return n;
}
