// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The output line: every append equals what printf writes for it. */
#include <inttypes.h>
#include <string.h>
#include "line.h"
#include "unit.h"

static struct line l;
static char want[LINE_SIZE + 1];

/* The line's text so far, as a string (the line keeps no NUL). */
static const char *text(void)
{
	static char s[LINE_SIZE + 1];

	memcpy(s, l.buf, l.len);
	s[l.len] = '\0';
	return s;
}

static const uint64_t u64s[] = {
	0, 1, 9, 10, 99, 100, 12345, 4294967295u, 4294967296u,
	999999999999ull, UINT64_MAX - 1, UINT64_MAX,
};

static const int64_t i64s[] = {
	0, -1, 1, -9, -10, 42, -12345, INT32_MIN, INT32_MAX,
	INT64_MAX, INT64_MIN, INT64_MIN + 1,
};

static void test_numbers_as_printf(void)
{
	for (size_t i = 0; i < sizeof(u64s) / sizeof(u64s[0]); i++) {
		l.len = 0;
		line_u64(&l, u64s[i]);
		snprintf(want, sizeof(want), "%" PRIu64, u64s[i]);
		ASSERT_STREQ(text(), want);
		ASSERT_EQ(line_u64_len(u64s[i]), strlen(want));
		l.len = 0;
		line_hex(&l, u64s[i], 1);
		snprintf(want, sizeof(want), "%" PRIx64, u64s[i]);
		ASSERT_STREQ(text(), want);
		l.len = 0;
		line_hex(&l, u64s[i], 2);
		snprintf(want, sizeof(want), "%02" PRIx64, u64s[i]);
		ASSERT_STREQ(text(), want);
		for (int w = 0; w < 24; w += 3) {
			l.len = 0;
			line_u64_right(&l, u64s[i], w);
			snprintf(want, sizeof(want), "%*" PRIu64, w, u64s[i]);
			ASSERT_STREQ(text(), want);
			l.len = 0;
			line_u64_zeros(&l, u64s[i], w);
			snprintf(want, sizeof(want), "%0*" PRIu64, w, u64s[i]);
			ASSERT_STREQ(text(), want);
		}
	}
	for (size_t i = 0; i < sizeof(i64s) / sizeof(i64s[0]); i++) {
		l.len = 0;
		line_i64(&l, i64s[i]);
		snprintf(want, sizeof(want), "%" PRId64, i64s[i]);
		ASSERT_STREQ(text(), want);
	}
}

static void test_columns_as_printf(void)
{
	static const char *const words[] = { "", "a", "epoll_wait", "EPOLLIN|EPOLLOUT|EPOLLRDHUP" };

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		for (size_t w = 0; w < 20; w += 3) {
			l.len = 0;
			line_str(&l, ">");
			line_str(&l, words[i]);
			line_pad(&l, 1, w);
			line_str(&l, "<");
			snprintf(want, sizeof(want), ">%-*s<", (int)w, words[i]);
			ASSERT_STREQ(text(), want);
			l.len = 0;
			line_str(&l, ">");
			line_str(&l, words[i]);
			line_align(&l, 1, w);
			line_str(&l, "<");
			snprintf(want, sizeof(want), ">%*s<", (int)w, words[i]);
			ASSERT_STREQ(text(), want);
		}
	}
}

static void test_full_line_is_cut_not_overrun(void)
{
	char big[LINE_SIZE];

	memset(big, 'x', sizeof(big));
	l.len = 0;
	line_mem(&l, big, sizeof(big) - 3);
	line_u64(&l, 123456);
	ASSERT_EQ(l.len, LINE_SIZE);
	ASSERT_EQ(memcmp(l.buf + LINE_SIZE - 3, "123", 3), 0);
	line_chr(&l, 'y');
	line_spaces(&l, 10);
	line_align(&l, LINE_SIZE - 3, 40);
	line_pad(&l, LINE_SIZE - 3, 40);
	ASSERT_EQ(l.len, LINE_SIZE);
	ASSERT_STREQ(text() + LINE_SIZE - 3, "123");
	line_str(&l, NULL);
	ASSERT_EQ(l.len, LINE_SIZE);
}

static void test_json_stops_before_an_escape_that_does_not_fit(void)
{
	char big[LINE_SIZE];

	memset(big, 'x', sizeof(big));
	l.len = 0;
	line_mem(&l, big, LINE_SIZE - 8);
	/* 2 bytes of room are left after "\u0001": "\n" does not fit in them. */
	ASSERT_EQ(line_json(&l, "\x01\n", 2), 1);
	ASSERT_EQ(l.len, LINE_SIZE - 2);
	ASSERT_STREQ(text() + LINE_SIZE - 8, "\\u0001");
}

static void test_null_name_is_a_question_mark(void)
{
	l.len = 0;
	line_str(&l, NULL);
	ASSERT_STREQ(text(), "?");
}

UNIT_MAIN(UNIT_TEST(test_numbers_as_printf), UNIT_TEST(test_columns_as_printf),
	  UNIT_TEST(test_full_line_is_cut_not_overrun),
	  UNIT_TEST(test_json_stops_before_an_escape_that_does_not_fit),
	  UNIT_TEST(test_null_name_is_a_question_mark))
