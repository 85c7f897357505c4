// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fd names: the kernel side describes an fd (PSN_REC_FDNAME) before the
 * first record naming it; we keep the names in a direct-mapped cache keyed
 * by (pid, fd) and hang them on the events.  A collision drops the older
 * name: its fd shows no name rather than a wrong one.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "session.h"

#define SLOTS 8192
#define AF_UNIX_ 1
#define AF_INET_ 2
#define AF_INET6_ 10

struct slot {
	uint32_t pid;
	int fd;			/* -1: empty */
	char name[PSN_FDNAME_MAX];
};

struct psn_fdnames {
	struct slot slots[SLOTS];
};

struct psn_fdnames *psn__fdnames_new(void)
{
	struct psn_fdnames *n = malloc(sizeof(*n));

	for (size_t i = 0; n && i < SLOTS; i++)
		n->slots[i].fd = -1;
	return n;
}

void psn__fdnames_free(struct psn_fdnames *n)
{
	free(n);
}

static struct slot *slot_of(struct psn_fdnames *n, uint32_t pid, int fd)
{
	uint32_t h = (pid * 2654435761u) ^ ((uint32_t)fd * 40503u);

	return &n->slots[h % SLOTS];
}

static void addr_port(char *buf, size_t len, int family, const uint8_t *a,
		      uint16_t port)
{
	char ip[INET6_ADDRSTRLEN];

	inet_ntop(family == AF_INET6_ ? AF_INET6 : AF_INET, a, ip, sizeof(ip));
	snprintf(buf, len, family == AF_INET6_ ? "[%s]:%u" : "%s:%u", ip, port);
}

static const char *proto_name(const struct psn_rec_fdname *r)
{
	if (r->protocol == 6)
		return "TCP";
	if (r->protocol == 17)
		return "UDP";
	return psn_sock_prot_num2str(r->protocol);
}

static void format_inet(const struct psn_rec_fdname *r, char *buf, size_t len)
{
	static const uint8_t zero[16];
	char local[64], peer[64];

	addr_port(local, sizeof(local), r->family, r->saddr, r->sport);
	if (!r->dport && !memcmp(r->daddr, zero, sizeof(zero))) {
		snprintf(buf, len, "%s %s", proto_name(r), local);
		return;
	}
	addr_port(peer, sizeof(peer), r->family, r->daddr, r->dport);
	snprintf(buf, len, "%s %s->%s", proto_name(r), local, peer);
}

static void format_socket(const struct psn_rec_fdname *r, char *buf, size_t len)
{
	char path[PSN_FDNAME_LEN + 1];

	if (r->family == AF_INET_ || r->family == AF_INET6_) {
		format_inet(r, buf, len);
	} else if (r->family == AF_UNIX_) {
		memcpy(path, r->name, PSN_FDNAME_LEN);
		path[PSN_FDNAME_LEN] = '\0';
		if (!path[0] && path[1])	/* abstract */
			snprintf(buf, len, "UNIX @%s", path + 1);
		else
			snprintf(buf, len, path[0] ? "UNIX %s" : "UNIX", path);
	} else {
		snprintf(buf, len, "%s", psn_sock_fam_num2str(r->family));
	}
}

/* A file: /proc's path if it still ends in the kernel's name, else that name. */
static void format_file(uint32_t pid, const struct psn_rec_fdname *r, char *buf,
			size_t len)
{
	char link[64], path[PSN_FDNAME_MAX];
	const char *base;
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%u/fd/%d", pid, r->fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n > 0) {
		path[n] = '\0';
		base = strrchr(path, '/');
		if (base && !strncmp(base + 1, r->name, PSN_FDNAME_LEN)) {
			snprintf(buf, len, "%s", path);
			return;
		}
	}
	snprintf(buf, len, "%.*s", PSN_FDNAME_LEN, r->name);
}

void psn__fdname_format(uint32_t pid, const struct psn_rec_fdname *r, char *buf,
			size_t len)
{
	const char *anon = r->name;
	size_t n;

	switch (r->kind) {
	case PSN_FD_SOCKET:
		format_socket(r, buf, len);
		break;
	case PSN_FD_PIPE:
		snprintf(buf, len, "pipe");
		break;
	case PSN_FD_ANON:
		/* "[eventfd]" -> "eventfd"; "anon_inode:" names too */
		anon += anon[0] == '[';
		n = strnlen(anon, PSN_FDNAME_LEN - 1);
		snprintf(buf, len, "%.*s", (int)(n && anon[n - 1] == ']' ? n - 1 : n),
			 anon);
		break;
	case PSN_FD_FILE:
		format_file(pid, r, buf, len);
		break;
	default:
		snprintf(buf, len, "?");
	}
}

void psn__fdnames_learn(struct psn_fdnames *n, const struct psn_rec_fdname *r)
{
	struct slot *s = slot_of(n, r->hdr.pid, r->fd);

	s->pid = r->hdr.pid;
	s->fd = r->fd;
	psn__fdname_format(r->hdr.pid, r, s->name, sizeof(s->name));
}

static const char *lookup(struct psn_fdnames *n, uint32_t pid, int fd)
{
	struct slot *s = slot_of(n, pid, fd);

	return fd >= 0 && s->fd == fd && s->pid == pid ? s->name : NULL;
}

const char *psn_session__fd_name(struct psn_session *s, uint32_t pid, int fd)
{
	return s->names ? lookup(s->names, pid, fd) : NULL;
}

void psn__fdnames_fill(struct psn_fdnames *n, struct psn_event *ev,
		       struct psn_epoll_item *items)
{
	switch (ev->type) {
	case PSN_EVENT_EPOLL_CTL:
		ev->epoll_ctl.fd_name = lookup(n, ev->pid, ev->epoll_ctl.fd);
		break;
	case PSN_EVENT_IO:
		ev->io.fd_name = lookup(n, ev->pid, ev->io.fd);
		break;
	case PSN_EVENT_EPOLL_WAIT:
		for (uint32_t i = 0; i < ev->epoll_wait.nevents; i++)
			items[i].fd_name = lookup(n, ev->pid, items[i].fd);
		break;
	default:
		break;
	}
}
