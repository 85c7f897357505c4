// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Records put back in time order: see order.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "order.h"

/*
 * Held records are copied into 64 KiB chunks one after another, not
 * malloc'd each: held by the thousand and let go in bulk, they overran
 * malloc's per-thread cache and a quarter of the reader's time went to malloc
 * and to the first load of each scattered copy.  A chunk counts the records
 * it still holds and is reused when the last is let go.
 */
#define CHUNK_SIZE (64 * 1024)

struct psn_chunk {
	struct psn_chunk *next;	/* on the spare list */
	size_t used, live;
	_Alignas(8) unsigned char data[];
};

#define CHUNK_DATA (CHUNK_SIZE - offsetof(struct psn_chunk, data))

struct psn_held {
	uint64_t ts;
	size_t len;
	void *rec;
	struct psn_chunk *chunk;	/* NULL: too big for one, malloc'd */
};

static struct psn_chunk *chunk_new(struct psn_order *o)
{
	struct psn_chunk *c = o->spare;

	if (c)
		o->spare = c->next;
	else if (!(c = malloc(CHUNK_SIZE)))
		return NULL;
	c->used = c->live = 0;
	return c;
}

/* Room for len bytes after the last copy; its chunk in *chunk. */
static void *copy_room(struct psn_order *o, size_t len,
		       struct psn_chunk **chunk)
{
	size_t need = (len + 7) & ~(size_t)7;
	struct psn_chunk *c = o->cur;
	void *p;

	*chunk = NULL;
	if (need > CHUNK_DATA)
		return malloc(len);
	if (c && c->used + need > CHUNK_DATA && !c->live)
		c->used = 0;
	if (!c || c->used + need > CHUNK_DATA) {
		c = chunk_new(o);
		if (!c)
			return NULL;
		o->cur = c;
	}
	p = c->data + c->used;
	c->used += need;
	c->live++;
	*chunk = c;
	return p;
}

static void copy_drop(struct psn_order *o, const struct psn_held *h)
{
	struct psn_chunk *c = h->chunk;

	if (!c) {
		free(h->rec);
		return;
	}
	if (--c->live || c == o->cur)
		return;
	c->next = o->spare;
	o->spare = c;
}

static struct psn_held *slot(const struct psn_order *o, size_t i)
{
	return &o->q[(o->head + i) % o->cap];
}

static int grow(struct psn_order *o)
{
	size_t cap = o->cap ? o->cap * 2 : 1024;
	struct psn_held *q = malloc(cap * sizeof(*q));

	if (!q)
		return -ENOMEM;
	for (size_t i = 0; i < o->len; i++)
		q[i] = *slot(o, i);
	free(o->q);
	o->q = q;
	o->cap = cap;
	o->head = 0;
	return 0;
}

int psn__order_hold(struct psn_order *o, const void *rec, size_t len,
		    uint64_t ts)
{
	struct psn_chunk *chunk;
	size_t i;
	void *copy;

	if (o->len == o->cap && grow(o))
		return -ENOMEM;
	copy = copy_room(o, len, &chunk);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, rec, len);
	/* Almost every record is the newest: the walk back is a step or none. */
	for (i = o->len; i > 0 && slot(o, i - 1)->ts > ts; i--)
		*slot(o, i) = *slot(o, i - 1);
	*slot(o, i) = (struct psn_held){ .ts = ts, .len = len, .rec = copy,
					 .chunk = chunk };
	o->len++;
	return 0;
}

/* Pass the oldest record to fn and let it go; fn's return. */
static int release_oldest(struct psn_order *o,
			  int (*fn)(void *ctx, void *rec, size_t len), void *ctx)
{
	struct psn_held h = o->q[o->head];
	int ret;

	o->head = (o->head + 1) % o->cap;
	o->len--;
	ret = fn(ctx, h.rec, h.len);
	copy_drop(o, &h);
	return ret;
}

int psn__order_release(struct psn_order *o, uint64_t before,
		       int (*fn)(void *ctx, void *rec, size_t len), void *ctx)
{
	int ret = 0;

	while (!ret && o->len && o->q[o->head].ts < before)
		ret = release_oldest(o, fn, ctx);
	return ret;
}

int psn__order_shed(struct psn_order *o, size_t max,
		    int (*fn)(void *ctx, void *rec, size_t len), void *ctx)
{
	int ret = 0;

	while (!ret && o->len > max)
		ret = release_oldest(o, fn, ctx);
	return ret;
}

size_t psn__order_held(const struct psn_order *o)
{
	return o->len;
}

void psn__order_free(struct psn_order *o)
{
	struct psn_chunk *c;

	for (size_t i = 0; i < o->len; i++)
		copy_drop(o, slot(o, i));
	free(o->cur);
	while ((c = o->spare)) {
		o->spare = c->next;
		free(c);
	}
	free(o->q);
	memset(o, 0, sizeof(*o));
}
