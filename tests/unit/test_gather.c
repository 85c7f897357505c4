// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The reader's pause while records flow (src/gather.h). */
#include "gather.h"
#include "unit.h"

#define RING (4u << 20)
#define HALF_THRESHOLD (RING / PSN_WAKEUP_SHARE / 2)	/* 128 KiB */

static void test_a_slow_flow_waits_the_longest(void)
{
	/* redis' rate here: ~7 MB/s of records. */
	ASSERT_EQ(psn__gather_ns(RING, 7000, 1000000), PSN_GATHER_MAX_NS);
	ASSERT_EQ(psn__gather_ns(RING, 1, 1000000), PSN_GATHER_MAX_NS);
	/* 1 GB/s: 128 KiB in 131 us. */
	ASSERT_EQ(psn__gather_ns(RING, 1, 1), HALF_THRESHOLD);
}

static void test_a_fast_flow_fills_half_the_wakeup_threshold(void)
{
	/* 150 MB/s (2.3M records/s): 128 KiB in ~874 us. */
	ASSERT_EQ(psn__gather_ns(RING, 150000, 1000000), 873813);
	ASSERT_EQ(psn__gather_ns(RING, HALF_THRESHOLD, 2000000), 2000000);
	ASSERT_EQ(psn__gather_ns(2 * RING, HALF_THRESHOLD, 2000000), 4000000);
}

static void test_too_fast_to_sleep(void)
{
	ASSERT_EQ(psn__gather_ns(RING, HALF_THRESHOLD, PSN_GATHER_MIN_NS),
		  PSN_GATHER_MIN_NS);
	ASSERT_EQ(psn__gather_ns(RING, HALF_THRESHOLD, PSN_GATHER_MIN_NS - 1), 0);
}

static void test_nothing_measured_yet_waits_the_longest(void)
{
	ASSERT_EQ(psn__gather_ns(RING, 0, 0), PSN_GATHER_MAX_NS);
	ASSERT_EQ(psn__gather_ns(RING, 0, 5000000), PSN_GATHER_MAX_NS);
}

UNIT_MAIN(UNIT_TEST(test_a_slow_flow_waits_the_longest),
	  UNIT_TEST(test_a_fast_flow_fills_half_the_wakeup_threshold),
	  UNIT_TEST(test_too_fast_to_sleep),
	  UNIT_TEST(test_nothing_measured_yet_waits_the_longest))
