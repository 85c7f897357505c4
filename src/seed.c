// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Registrations made before tracing began, read from /proc and written into
 * the kernel side's maps, so the first wait's events already resolve.
 * Entries the kernel side learned meanwhile (BPF_NOEXIST) win.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "session.h"

struct seed {
	int pid;
	size_t n, cap;
	struct { int epfd; struct psn_fdinfo_reg reg; } *regs;
};

static void collect_reg(void *ctx, int epfd, const struct psn_fdinfo_reg *reg)
{
	struct seed *sd = ctx;

	if (sd->n == sd->cap) {
		size_t cap = sd->cap ? sd->cap * 2 : 64;
		void *p = realloc(sd->regs, cap * sizeof(sd->regs[0]));

		if (!p)
			return;
		sd->regs = p;
		sd->cap = cap;
	}
	sd->regs[sd->n].epfd = epfd;
	sd->regs[sd->n].reg = *reg;
	sd->n++;
}

static void collect_epfd(void *ctx, int pid, int epfd)
{
	psn__fdinfo_read(pid, epfd, collect_reg, ctx);
}

static struct bpf_map *find_map(struct psn_session *s, const char *name)
{
	for (int i = 0; i < s->nobjs; i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(*s->objs[i]->obj,
								 name);
		if (m)
			return m;
	}
	return NULL;
}

static int map_fd(struct psn_session *s, const char *name)
{
	struct bpf_map *m = find_map(s, name);

	return m ? bpf_map__fd(m) : -1;
}

/* How many of the collected registrations share (epfd, data) with i. */
static unsigned int sharing(const struct seed *sd, size_t i)
{
	unsigned int n = 0;

	for (size_t j = 0; j < sd->n; j++)
		n += sd->regs[j].epfd == sd->regs[i].epfd &&
		     sd->regs[j].reg.data == sd->regs[i].reg.data;
	return n;
}

/* A map update's error that means the map is full (not: the key is there). */
static bool no_room(int err)
{
	return err == -E2BIG || err == -ENOMEM;
}

static void write_seed(struct psn_session *s, const struct seed *sd)
{
	int regs_fd = map_fd(s, "regs"), fdregs_fd = map_fd(s, "fdregs");
	int epolls_fd = map_fd(s, "epolls"), procs_fd = map_fd(s, "set_procs");
	uint32_t one = 1, in_set = 0;

	/* A set's registrations come together, one fdinfo file after another. */
	for (size_t i = 0; i < sd->n; i++) {
		struct psn_fd_key fk = { .tgid = sd->pid, .fd = sd->regs[i].reg.tfd };
		struct psn_fdreg_val fv = { .epfd = sd->regs[i].epfd,
					    .data = sd->regs[i].reg.data };
		struct psn_reg_key rk = { .tgid = sd->pid, .epfd = fv.epfd,
					  .data = fv.data };
		struct psn_reg_val rv = { .fd = fk.fd, .nfds = sharing(sd, i) };

		if (rv.nfds > 1)
			rv.fd = -1;
		if (no_room(bpf_map_update_elem(fdregs_fd, &fk, &fv, BPF_NOEXIST)) ||
		    no_room(bpf_map_update_elem(regs_fd, &rk, &rv, BPF_NOEXIST)))
			s->unkept_seeded++;
		else
			in_set++;
		if (i + 1 < sd->n && sd->regs[i + 1].epfd == fv.epfd)
			continue;
		bpf_map_update_elem(epolls_fd,
				    &(struct psn_fd_key){ .tgid = sd->pid, .fd = fv.epfd },
				    &in_set, BPF_ANY);
		in_set = 0;
	}
	if (sd->n)
		bpf_map_update_elem(procs_fd, &sd->pid, &one, BPF_ANY);
}

/* 0, or -EACCES when pid's fds are not ours to read. */
static int seed_pid(struct psn_session *s, int pid)
{
	struct seed sd = { .pid = pid };
	int err;

	if (pid <= 0 || pid == getpid())
		return 0;
	err = psn__epoll_fds(pid, collect_epfd, &sd);
	write_seed(s, &sd);
	pr_debug("pid %d: %zu registrations from fdinfo\n", pid, sd.n);
	free(sd.regs);
	return err == -EACCES || err == -EPERM ? -EACCES : 0;
}

#define UNREADABLE "registrations made before tracing show fd ? " \
		   "(reading another user's /proc/PID/fd takes CAP_SYS_PTRACE)"

/* A named target's fds unreadable: the user should know why fds show ?. */
static void seed_target(struct psn_session *s, int pid)
{
	if (seed_pid(s, pid))
		pr_warn("cannot read /proc/%d/fd: its " UNREADABLE "\n", pid);
}

int psn_tgid_of(int tid)
{
	char path[64], line[128];
	int tgid = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	fclose(f);
	return tgid;
}

static void seed_all(struct psn_session *s)
{
	struct dirent *de;
	DIR *d = opendir("/proc");
	int denied = 0;

	if (!d)
		return;
	while ((de = readdir(d)))
		if (isdigit((unsigned char)de->d_name[0]))
			denied += !!seed_pid(s, atoi(de->d_name));
	closedir(d);
	if (denied)
		pr_warn("cannot read the fds of %d processes: their " UNREADABLE "\n",
			denied);
}

void psn__seed_registrations(struct psn_session *s)
{
	if (s->npids) {
		for (size_t i = 0; i < s->npids; i++)
			seed_target(s, s->pids[i]);
	} else if (s->opts.tid) {
		seed_target(s, psn_tgid_of(s->opts.tid));
	} else {
		seed_all(s);
	}
}

void psn__seed_child(struct psn_session *s, int child)
{
	if ((s->opts.probes & PSN_PROBES_EPOLL) && psn_tgid_of(child) == child)
		seed_target(s, child);
}

static bool process_gone(uint32_t tgid)
{
	return kill(tgid, 0) && errno == ESRCH;
}

/* Delete the entries of map name whose key starts with a gone tgid. */
static void gc_map(struct psn_session *s, const char *name, size_t key_size)
{
	int fd = map_fd(s, name);
	char key[32], next[32];
	void *prev = NULL;

	if (fd < 0 || key_size > sizeof(key))
		return;
	while (!bpf_map_get_next_key(fd, prev, next)) {
		uint32_t tgid;

		memcpy(&tgid, next, sizeof(tgid));
		if (process_gone(tgid) && !bpf_map_delete_elem(fd, next))
			continue;	/* deleted: the next key follows from prev */
		memcpy(key, next, key_size);
		prev = key;
	}
}

void psn__warn_unkept(struct psn_session *s)
{
	int fd = map_fd(s, "unkept");
	struct bpf_map *fdregs;
	uint64_t n = 0;
	uint32_t zero = 0;

	if (fd < 0 || bpf_map_lookup_elem(fd, &zero, &n))
		return;
	n += s->unkept_seeded;
	if (n <= s->unkept_said)
		return;
	s->unkept_said = n;
	fdregs = find_map(s, "fdregs");
	pr_warn("%llu registrations not kept, past the %u the maps hold: "
		"their events show fd ?\n", (unsigned long long)n,
		fdregs ? bpf_map__max_entries(fdregs) : 0);
}

void psn__gc_registrations(struct psn_session *s)
{
	if (!(s->opts.probes & PSN_PROBES_EPOLL))
		return;
	psn__warn_unkept(s);
	gc_map(s, "fdregs", sizeof(struct psn_fd_key));
	gc_map(s, "regs", sizeof(struct psn_reg_key));
	gc_map(s, "adding", sizeof(struct psn_reg_key));
	gc_map(s, "epolls", sizeof(struct psn_fd_key));
	gc_map(s, "set_procs", sizeof(uint32_t));
}
