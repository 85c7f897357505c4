/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Records put back in time order.  The one ring buffer holds them in the
 * order they were placed in it, and a record's time is taken a little before
 * or after its place: CPUs race between the two, and a wait's record is
 * stamped at the wait's return but placed after its events are decoded.  So
 * records are held until none made earlier can still come, then released
 * oldest first (equal times in the order they came).
 */
#ifndef PSN_ORDER_H
#define PSN_ORDER_H

#include <stddef.h>
#include <stdint.h>
#include "internal.h"

/*
 * How late a record can reach the ring after its time stamp: a wait's 256
 * events decoded, or an interrupt between stamp and place, take microseconds.
 */
#define PSN_ORDER_NS 2000000ull

struct psn_held;
struct psn_chunk;

struct psn_order {
	struct psn_held *q;	/* a ring of held records, sorted by time */
	size_t head, len, cap;
	struct psn_chunk *cur;	/* where the next copy goes */
	struct psn_chunk *spare;	/* emptied chunks, for reuse */
};

/* Hold a copy of rec (len bytes, made at ts): 0 or -ENOMEM. */
PSN_INTERNAL int psn__order_hold(struct psn_order *o, const void *rec,
				 size_t len, uint64_t ts);
/*
 * Pass each record made before `before` to fn, oldest first, and let it go.
 * Stops at fn's first non-zero return (that record is gone) and returns it;
 * else 0.
 */
PSN_INTERNAL int psn__order_release(struct psn_order *o, uint64_t before,
				    int (*fn)(void *ctx, void *rec, size_t len),
				    void *ctx);
/* Release the oldest (as psn__order_release) until at most max are held. */
PSN_INTERNAL int psn__order_shed(struct psn_order *o, size_t max,
				 int (*fn)(void *ctx, void *rec, size_t len),
				 void *ctx);
/* Records held. */
PSN_INTERNAL size_t psn__order_held(const struct psn_order *o);
PSN_INTERNAL void psn__order_free(struct psn_order *o);

#endif /* PSN_ORDER_H */
