// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Summary mode: reading (and resetting) what the kernel side aggregated. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "session.h"

static int map_of(const struct psn_session *s, const char *name)
{
	for (int i = 0; i < s->nobjs; i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(*s->objs[i]->obj,
								 name);
		if (m)
			return bpf_map__fd(m);
	}
	return -ENOENT;
}

/* All keys of a map, collected first: deleting while walking skips some. */
static void *map_keys(int fd, size_t key_size, size_t *n)
{
	size_t cap = 64;
	char *keys = malloc(cap * key_size), *prev = NULL;

	*n = 0;
	while (keys && !bpf_map_get_next_key(fd, prev, keys + *n * key_size)) {
		prev = keys + *n * key_size;
		if (++*n == cap) {
			char *more = realloc(keys, (cap *= 2) * key_size);

			if (!more)
				break;
			prev = more + (prev - keys);
			keys = more;
		}
	}
	return keys;
}

static int read_value(int fd, const void *key, void *val, bool reset)
{
	return reset ? bpf_map_lookup_and_delete_elem(fd, key, val)
		     : bpf_map_lookup_elem(fd, key, val);
}

static void loop_from(struct psn_loop_summary *l, const struct psn_loop_key *k,
		      const struct psn_loop_stats *v)
{
	l->pid = k->tgid;
	l->tid = k->tid;
	l->epfd = k->epfd;
	l->waits = v->waits;
	l->failed = v->failed;
	l->events = v->events;
	l->blocked_ns = v->blocked_ns;
	l->busy_polls = v->busy_polls;
	l->handled = v->handled;
	l->unhandled = v->unhandled;
	l->spurious = v->spurious;
	l->herd = v->herd;
	l->hup_repeats = v->hup_repeats;
	l->lag_max_ns = v->lag_max_ns;
	l->lag_max_ts = v->lag_max_ts;
	memcpy(l->comm, v->comm, sizeof(l->comm));
	l->comm[sizeof(l->comm) - 1] = '\0';
	memcpy(l->events_hist, v->events_hist, sizeof(l->events_hist));
	memcpy(l->lag_hist, v->lag_hist, sizeof(l->lag_hist));
	memcpy(l->first_io_hist, v->first_io_hist, sizeof(l->first_io_hist));
}

struct walk {
	union {
		int (*loop_fn)(void *ctx, const struct psn_loop_summary *l);
		int (*fd_fn)(void *ctx, const struct psn_fd_summary *f);
	};
	void *ctx;
};

static int visit_loop(const struct walk *w, const void *key, const void *val)
{
	struct psn_loop_summary l;

	loop_from(&l, key, val);
	return w->loop_fn(w->ctx, &l);
}

static int visit_fd(const struct walk *w, const void *key, const void *val)
{
	const struct psn_fd_key *k = key;
	const struct psn_fd_stats *v = val;
	struct psn_fd_summary f = { .pid = k->tgid, .fd = k->fd, .events = v->events };

	return w->fd_fn(w->ctx, &f);
}

/* Visit every entry of a summary map (reading and deleting with reset). */
static int walk_map(struct psn_session *s, const char *name, size_t key_size,
		    size_t val_size, bool reset, const struct walk *w,
		    int (*visit)(const struct walk *w, const void *key, const void *val))
{
	int fd = s->opts.summary ? map_of(s, name) : -EINVAL;
	char val[sizeof(struct psn_loop_stats)];
	int ret = 0, seen = 0;
	char *keys;
	size_t n;

	if (fd < 0 || val_size > sizeof(val))
		return fd < 0 ? fd : -EINVAL;
	keys = map_keys(fd, key_size, &n);
	if (!keys)
		return -ENOMEM;
	for (size_t i = 0; i < n && !ret; i++) {
		if (read_value(fd, keys + i * key_size, val, reset))
			continue;
		ret = visit(w, keys + i * key_size, val);
		seen++;
	}
	free(keys);
	return ret ? ret : seen;
}

int psn_session__read_loops(struct psn_session *s, bool reset,
			    int (*fn)(void *ctx, const struct psn_loop_summary *l),
			    void *ctx)
{
	struct walk w = { .loop_fn = fn, .ctx = ctx };

	return walk_map(s, "loops", sizeof(struct psn_loop_key),
			sizeof(struct psn_loop_stats), reset, &w, visit_loop);
}

int psn_session__read_fds(struct psn_session *s, bool reset,
			  int (*fn)(void *ctx, const struct psn_fd_summary *f),
			  void *ctx)
{
	struct walk w = { .fd_fn = fn, .ctx = ctx };

	return walk_map(s, "fd_stats", sizeof(struct psn_fd_key),
			sizeof(struct psn_fd_stats), reset, &w, visit_fd);
}
