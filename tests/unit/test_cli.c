// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The tools' shared pure code: JSON strings, option values, comm cleaning. */
#include <stdlib.h>
#include "cli.h"
#include "unit.h"

static char out[512];

/* Escape src into out, as a JSON string's inside. */
static const char *esc(const char *src, size_t len)
{
	FILE *f = fmemopen(out, sizeof(out), "w");

	json_write_str(f, src, len);
	fclose(f);
	return out;
}

#define ESC(lit) esc(lit, sizeof(lit) - 1)

static void test_json_plain_and_specials(void)
{
	ASSERT_STREQ(ESC("node"), "node");
	ASSERT_STREQ(ESC("a\"b"), "a\\\"b");
	ASSERT_STREQ(ESC("a\\b"), "a\\\\b");
	ASSERT_STREQ(ESC("a\nb"), "a\\nb");
	ASSERT_STREQ(ESC("\x01\x1f\x7f"), "\\u0001\\u001f\\u007f");
	ASSERT_STREQ(ESC("tab\there"), "tab\\u0009here");
}

static void test_json_utf8(void)
{
	ASSERT_STREQ(ESC("caf\xc3\xa9"), "caf\xc3\xa9");
	ASSERT_STREQ(ESC("\xe2\x82\xac"), "\xe2\x82\xac");
	ASSERT_STREQ(ESC("\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80");
}

static void test_json_invalid_utf8(void)
{
	ASSERT_STREQ(ESC("\xff"), "\\u00ff");
	ASSERT_STREQ(ESC("x\xc3"), "x\\u00c3");		/* cut short */
	ASSERT_STREQ(ESC("\xc0\x80"), "\\u00c0\\u0080");	/* overlong */
	ASSERT_STREQ(ESC("\xed\xa0\x80"), "\\u00ed\\u00a0\\u0080"); /* surrogate */
	ASSERT_STREQ(ESC("\xf4\x90\x80\x80"), "\\u00f4\\u0090\\u0080\\u0080");
	ASSERT_STREQ(ESC("\xc3("), "\\u00c3(");
}

static void test_json_stops_at_len(void)
{
	ASSERT_STREQ(esc("abc\0def", 7), "abc\\u0000def");
	ASSERT_STREQ(esc("abcdef", 3), "abc");
}

static void test_text_comm(void)
{
	char buf[16];

	text_comm(buf, "a\nb\x01" "c\xff");
	ASSERT_STREQ(buf, "a?b?c?");
	text_comm(buf, "redis-server");
	ASSERT_STREQ(buf, "redis-server");
}

static const char *time_str(const struct cli *c, uint64_t ts_ns, struct line *l)
{
	l->len = 0;
	cli_time(c, l, ts_ns);
	l->buf[l->len] = '\0';
	return l->buf;
}

/* The TIME column reads as printf's "%10.6f" of the same seconds. */
static void test_time_column(void)
{
	static const uint64_t ns[] = { 0, 1, 499, 500, 999999, 1000000, 1234567890,
				       9999999500ULL, 123456789012345ULL };
	struct cli c = { .start_ns = 1000000000000ULL };
	struct line l;
	char want[64];

	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		snprintf(want, sizeof(want), "%10.6f",
			 (double)((ns[i] + 500) / 1000) / 1e6);
		ASSERT_STREQ(time_str(&c, c.start_ns + ns[i], &l), want);
		snprintf(want, sizeof(want), "%10.6f",
			 -(double)((ns[i] + 500) / 1000) / 1e6);
		if (ns[i] >= 500 && ns[i] <= c.start_ns)
			ASSERT_STREQ(time_str(&c, c.start_ns - ns[i], &l), want);
	}
}

static void test_parse_ulong(void)
{
	struct cli c = { .prog = "t" };
	unsigned long v = 0;

	ASSERT_EQ(cli_parse_ulong(&c, "-n", "30", 0, 256, &v), 0);
	ASSERT_EQ(v, 30);
	ASSERT_EQ(cli_parse_ulong(&c, "-n", "257", 0, 256, &v), -1);
	ASSERT_EQ(cli_parse_ulong(&c, "-n", "-1", 0, 256, &v), -1);
	ASSERT_EQ(cli_parse_ulong(&c, "-n", "3x", 0, 256, &v), -1);
	ASSERT_EQ(cli_parse_ulong(&c, "-n", "", 0, 256, &v), -1);
	ASSERT_EQ(cli_parse_ulong(&c, "-n", "99999999999999999999999", 0, ~0ul, &v), -1);
}

static void test_parse_pids(void)
{
	/* Empty elements too: -p $(pgrep a),$(pgrep b) with no b. */
	static const char *const bad[] = { "1,abc", "0", ",", "1,", "1,,2", "" };
	struct cli c = { .prog = "t" };
	char many[1000] = "1";

	ASSERT_EQ(cli_parse_pids(&c, "1,22,333"), 0);
	ASSERT_EQ(c.npids, 3);
	ASSERT_EQ(c.pids[2], 333);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c.npids = 0;
		ASSERT_EQ(cli_parse_pids(&c, bad[i]), -1);
	}
	c.npids = 0;
	for (int i = 2; i <= PSN_MAX_PIDS + 1; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), ",%d", i);
	ASSERT_EQ(cli_parse_pids(&c, many), -1);
	/* A pid named twice, in one list or two, is one process. */
	c.npids = 0;
	ASSERT_EQ(cli_parse_pids(&c, "5,5,6"), 0);
	ASSERT_EQ(cli_parse_pids(&c, "6"), 0);
	ASSERT_EQ(c.npids, 2);
}

static void test_common_opts(void)
{
	struct cli c = { .prog = "t" };

	ASSERT_EQ(cli_common_opt(&c, 'd', "0", NULL), -1);
	ASSERT_EQ(cli_common_opt(&c, 'd', "nan", NULL), -1);
	ASSERT_EQ(cli_common_opt(&c, 'd', "1.5", NULL), 1);
	ASSERT_TRUE(c.duration == 1.5);
	ASSERT_EQ(cli_common_opt(&c, 'C', "0123456789abcdef", NULL), -1);
	ASSERT_EQ(cli_common_opt(&c, 'C', "nginx", NULL), 1);
	ASSERT_EQ(cli_common_opt(&c, CLI_OPT_RINGBUF, "100", NULL), -1);
	ASSERT_EQ(cli_common_opt(&c, CLI_OPT_RINGBUF, "2", NULL), -1);
	ASSERT_EQ(cli_common_opt(&c, CLI_OPT_RINGBUF, "64", NULL), 1);
	ASSERT_EQ(c.ringbuf_size, 65536);
	ASSERT_EQ(cli_common_opt(&c, 'j', NULL, NULL), 1);
	ASSERT_TRUE(c.json);
	ASSERT_EQ(cli_common_opt(&c, 'n', "3", NULL), 0);
}

/* Both tools take --attach; the session gets what it says. */
static void test_attach_opt(void)
{
	struct cli c = { .prog = "t" };
	struct psn_session_opts o = { .sz = sizeof(o) };

	ASSERT_EQ(c.attach, PSN_ATTACH_AUTO);
	ASSERT_EQ(cli_common_opt(&c, CLI_OPT_ATTACH, "per-syscall", NULL), 1);
	cli_session_opts(&c, &o);
	ASSERT_EQ(o.attach, PSN_ATTACH_PER_SYSCALL);
	ASSERT_EQ(cli_common_opt(&c, CLI_OPT_ATTACH, "raw", NULL), 1);
	ASSERT_EQ(c.attach, PSN_ATTACH_RAW);
	ASSERT_EQ(cli_common_opt(&c, CLI_OPT_ATTACH, "kprobe", NULL), -1);
	ASSERT_EQ(c.attach, PSN_ATTACH_RAW);
}

UNIT_MAIN(UNIT_TEST(test_json_plain_and_specials), UNIT_TEST(test_json_utf8),
	  UNIT_TEST(test_json_invalid_utf8), UNIT_TEST(test_json_stops_at_len),
	  UNIT_TEST(test_text_comm), UNIT_TEST(test_time_column),
	  UNIT_TEST(test_parse_ulong),
	  UNIT_TEST(test_parse_pids), UNIT_TEST(test_common_opts),
	  UNIT_TEST(test_attach_opt))
