// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Records put back in time order (src/order.c). */
#include <stdio.h>
#include <string.h>
#include "order.h"
#include "unit.h"

/* What came out: each record's first 8 bytes, and its length. */
struct got {
	uint64_t first[8192];
	size_t len[8192];
	int n, stop_at;
};

static int take(void *ctx, void *rec, size_t len)
{
	struct got *g = ctx;

	memcpy(&g->first[g->n], rec, sizeof(uint64_t));
	g->len[g->n++] = len;
	return g->n == g->stop_at ? 7 : 0;
}

static struct got g;

static void hold(struct psn_order *o, uint64_t ts)
{
	ASSERT_EQ(psn__order_hold(o, &ts, sizeof(ts), ts), 0);
}

static void test_released_oldest_first_up_to_the_horizon(void)
{
	const uint64_t in[] = { 10, 30, 20, 50, 40, 15 }, out[] = { 10, 15, 20, 30, 35, 40, 50 };
	struct psn_order o = {};

	g = (struct got){};
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		hold(&o, in[i]);
	ASSERT_EQ(psn__order_release(&o, 31, take, &g), 0);
	ASSERT_EQ(g.n, 4);
	ASSERT_EQ(psn__order_held(&o), 2);
	hold(&o, 35);		/* late, but after all that was released */
	ASSERT_EQ(psn__order_release(&o, UINT64_MAX, take, &g), 0);
	ASSERT_EQ(g.n, 7);
	for (int i = 0; i < 7; i++) {
		ASSERT_EQ(g.first[i], out[i]);
		ASSERT_EQ(g.len[i], sizeof(uint64_t));
	}
	ASSERT_EQ(psn__order_held(&o), 0);
	psn__order_free(&o);
}

/* Equal times come out in the order they went in (a name before its use);
 * a callback's non-zero return stops the release there. */
static void test_equal_times_keep_their_order_and_a_stop_stops(void)
{
	uint64_t recs[3][2] = { { 1, 5 }, { 2, 5 }, { 3, 5 } };
	struct psn_order o = {};

	g = (struct got){ .stop_at = 2 };
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(psn__order_hold(&o, recs[i], sizeof(recs[i]), 5), 0);
	ASSERT_EQ(psn__order_release(&o, 6, take, &g), 7);
	ASSERT_EQ(g.n, 2);
	ASSERT_EQ(psn__order_held(&o), 1);
	ASSERT_EQ(psn__order_release(&o, 6, take, &g), 0);
	ASSERT_EQ(g.n, 3);
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(g.first[i], i + 1);
		ASSERT_EQ(g.len[i], sizeof(recs[i]));
	}
	psn__order_free(&o);
}

/* Thousands of records, every third a little late, released as they age:
 * the ring of held ones wraps and grows, and all come out in order. */
static void test_wraps_and_grows(void)
{
	struct psn_order o = {};
	uint64_t ts = 100000;

	g = (struct got){};
	for (int round = 0; round < 40; round++) {
		for (int i = 0; i < 200; i++) {
			ts += 10;
			hold(&o, i % 3 ? ts : ts - 25);
		}
		/* Few held at first, then more: it grows once wrapped. */
		ASSERT_EQ(psn__order_release(&o, ts - (round < 20 ? 500 : 15000),
					     take, &g), 0);
	}
	ASSERT_EQ(psn__order_release(&o, UINT64_MAX, take, &g), 0);
	ASSERT_EQ(g.n, 8000);
	for (int i = 1; i < g.n; i++)
		ASSERT_TRUE(g.first[i] >= g.first[i - 1]);
	psn__order_free(&o);
}

/* Past max held, the oldest go out at once, in order. */
static void test_shed_keeps_at_most_max(void)
{
	struct psn_order o = {};

	g = (struct got){};
	for (uint64_t ts = 10; ts > 0; ts--)
		hold(&o, ts * 100);
	ASSERT_EQ(psn__order_shed(&o, 7, take, &g), 0);
	ASSERT_EQ(psn__order_held(&o), 7);
	ASSERT_EQ(g.n, 3);
	ASSERT_EQ(g.first[0], 100);
	ASSERT_EQ(g.first[1], 200);
	ASSERT_EQ(g.first[2], 300);
	ASSERT_EQ(psn__order_shed(&o, 7, take, &g), 0);
	ASSERT_EQ(g.n, 3);
	psn__order_free(&o);
}

/* A record of len bytes counting up from seed: whole if it still does. */
static unsigned char rec_buf[70000];
static int whole;

static void *counting(size_t len, unsigned char seed)
{
	for (size_t i = 0; i < len; i++)
		rec_buf[i] = seed + i;
	return rec_buf;
}

static int check_whole(void *ctx, void *rec, size_t len)
{
	const unsigned char *p = rec;

	(void)ctx;
	for (size_t i = 1; i < len; i++)
		if (p[i] != (unsigned char)(p[0] + i))
			return 1;
	whole++;
	return 0;
}

/* Copies of many sizes, some bigger than a chunk, held and let go in waves
 * that fill chunks, empty them and reuse them: each comes out whole. */
static void test_copies_come_out_whole_through_chunk_reuse(void)
{
	struct psn_order o = {};
	uint64_t ts = 0;

	whole = 0;
	for (int wave = 0; wave < 30; wave++) {
		for (int i = 0; i < 500; i++) {
			size_t len = i % 97 ? 1 + (size_t)(i * 37 + wave) % 600
					    : sizeof(rec_buf);

			ASSERT_EQ(psn__order_hold(&o, counting(len, i + wave), len, ++ts), 0);
		}
		/* Some waves leave records held across the next. */
		ASSERT_EQ(psn__order_release(&o, ts - (wave % 3) * 200, check_whole,
					     NULL), 0);
	}
	ASSERT_EQ(psn__order_release(&o, UINT64_MAX, check_whole, NULL), 0);
	ASSERT_EQ(whole, 30 * 500);
	psn__order_free(&o);
}

UNIT_MAIN(UNIT_TEST(test_released_oldest_first_up_to_the_horizon),
	  UNIT_TEST(test_equal_times_keep_their_order_and_a_stop_stops),
	  UNIT_TEST(test_wraps_and_grows),
	  UNIT_TEST(test_copies_come_out_whole_through_chunk_reuse),
	  UNIT_TEST(test_shed_keeps_at_most_max))
