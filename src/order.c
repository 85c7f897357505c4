// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Records put back in time order: see order.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "order.h"

struct psn_held {
	uint64_t ts;
	size_t len;
	void *rec;
};

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
	size_t i;
	void *copy;

	if (o->len == o->cap && grow(o))
		return -ENOMEM;
	copy = malloc(len);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, rec, len);
	/* Almost every record is the newest: the walk back is a step or none. */
	for (i = o->len; i > 0 && slot(o, i - 1)->ts > ts; i--)
		*slot(o, i) = *slot(o, i - 1);
	*slot(o, i) = (struct psn_held){ .ts = ts, .len = len, .rec = copy };
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
	free(h.rec);
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
	for (size_t i = 0; i < o->len; i++)
		free(slot(o, i)->rec);
	free(o->q);
	memset(o, 0, sizeof(*o));
}
