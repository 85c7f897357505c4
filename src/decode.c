// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Ring-buffer records to public events; every length checked first. */
#include <errno.h>
#include <string.h>
#include "internal.h"
#include "bpf/records.h"

static void decode_create(const struct psn_rec_epoll_create *r,
			  struct psn_event *ev)
{
	ev->type = PSN_EVENT_EPOLL_CREATE;
	ev->epoll_create.syscall = r->hdr.syscall;
	ev->epoll_create.flags = r->flags;
	ev->epoll_create.ret = r->ret;
}

static void decode_ctl(const struct psn_rec_epoll_ctl *r, struct psn_event *ev)
{
	struct psn_epoll_ctl *c = &ev->epoll_ctl;

	ev->type = PSN_EVENT_EPOLL_CTL;
	c->epfd = r->epfd;
	c->op = r->op;
	c->fd = r->fd;
	c->events = r->events;
	c->data = r->data;
	c->ret = r->ret;
	c->via_io_uring = r->hdr.flags & PSN_F_VIA_IO_URING;
	c->event_unreadable = r->hdr.flags & PSN_F_UNREADABLE;
}

static int decode_wait(const struct psn_rec_epoll_wait *r, size_t len,
		       struct psn_event *ev, struct psn_epoll_item *items)
{
	struct psn_epoll_wait *w = &ev->epoll_wait;
	size_t head = offsetof(struct psn_rec_epoll_wait, items);

	if (len < head || r->nitems > PSN_MAX_WAIT_ITEMS ||
	    len < head + r->nitems * sizeof(r->items[0]))
		return -EINVAL;
	ev->type = PSN_EVENT_EPOLL_WAIT;
	w->syscall = r->hdr.syscall;
	w->wait_id = r->wait_id;
	w->epfd = r->epfd;
	w->maxevents = r->maxevents;
	w->timeout_ns = r->timeout_ns;
	w->ret = r->ret;
	w->duration_ns = r->hdr.flags & PSN_F_NO_ENTRY ? -1 : (int64_t)r->duration_ns;
	w->events_unreadable = r->hdr.flags & PSN_F_UNREADABLE;
	w->nevents = r->nitems;
	for (uint32_t i = 0; i < r->nitems; i++) {
		items[i].events = r->items[i].events;
		items[i].fd = r->items[i].fd;
		items[i].data = r->items[i].data;
	}
	w->events = items;
	return 1;
}

static void decode_io(const struct psn_rec_io *r, struct psn_event *ev)
{
	ev->type = PSN_EVENT_IO;
	ev->io.syscall = r->hdr.syscall;
	ev->io.fd = r->fd;
	ev->io.ret = r->ret;
	ev->io.duration_ns = r->duration_ns;
	ev->io.wait_id = r->wait_id;
}

static void decode_sock(const struct psn_rec_sock *r, struct psn_event *ev)
{
	struct psn_sock *s = &ev->sock;

	ev->type = PSN_EVENT_SOCKET;
	s->probe = r->probe;
	s->syscall = r->hdr.syscall;
	s->fd = r->fd;
	s->success = r->success;
	s->size = r->size;
	s->protocol = r->protocol;
	s->family = r->family;
	s->state = r->state;
	s->type = r->type;
	s->flags = r->sk_flags;
	s->msg_flags = r->msg_flags;
	s->requester = r->probe == PSN_SOCK_CREATE ||
		       r->probe == PSN_SOCK_CREATE_RETURN ? 0 : -1;
	s->err = r->err;
}

static const size_t rec_size[] = {
	[PSN_REC_EPOLL_CREATE] = sizeof(struct psn_rec_epoll_create),
	[PSN_REC_EPOLL_CTL] = sizeof(struct psn_rec_epoll_ctl),
	[PSN_REC_EPOLL_WAIT] = offsetof(struct psn_rec_epoll_wait, items),
	[PSN_REC_IO] = sizeof(struct psn_rec_io),
	[PSN_REC_SOCK] = sizeof(struct psn_rec_sock),
	[PSN_REC_FORK] = sizeof(struct psn_rec_fork),
	[PSN_REC_FDNAME] = sizeof(struct psn_rec_fdname),
};

static void decode_hdr(const struct psn_rec_hdr *h, struct psn_event *ev)
{
	ev->ts_ns = h->ts;
	ev->pid = h->pid;
	ev->tid = h->tid;
	memcpy(ev->comm, h->comm, sizeof(ev->comm));
	ev->comm[sizeof(ev->comm) - 1] = '\0';
}

int psn__decode(const void *rec, size_t len, struct psn_event *ev,
		struct psn_epoll_item *items)
{
	const struct psn_rec_hdr *h = rec;

	if (len < sizeof(*h) || !h->kind ||
	    h->kind >= sizeof(rec_size) / sizeof(rec_size[0]) ||
	    len < rec_size[h->kind])
		return -EINVAL;
	memset(ev, 0, sizeof(*ev));
	decode_hdr(h, ev);
	switch (h->kind) {
	case PSN_REC_EPOLL_CREATE:
		decode_create(rec, ev);
		return 1;
	case PSN_REC_EPOLL_CTL:
		decode_ctl(rec, ev);
		return 1;
	case PSN_REC_EPOLL_WAIT:
		return decode_wait(rec, len, ev, items);
	case PSN_REC_IO:
		decode_io(rec, ev);
		return 1;
	case PSN_REC_SOCK:
		decode_sock(rec, ev);
		return 1;
	default:
		return 0;
	}
}
