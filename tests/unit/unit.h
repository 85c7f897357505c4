/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A minimal unit-test harness: each test is a function; an ASSERT that fails
 * prints expected vs actual and ends that test.  Output is one line per test,
 * "PASS name", "FAIL name: why" or "SKIP name: why", read by tests/run.py.
 */
#ifndef PSN_UNIT_H
#define PSN_UNIT_H

#include <stdio.h>
#include <string.h>

struct unit_test {
	const char *name;
	void (*fn)(void);
};

extern int unit__failed;
extern char unit__why[1024];

#define UNIT_FAIL(...)                                                        \
	do {                                                                  \
		snprintf(unit__why, sizeof(unit__why), __VA_ARGS__);          \
		unit__failed = 1;                                             \
		return;                                                       \
	} while (0)

#define ASSERT_TRUE(c)                                                        \
	do {                                                                  \
		if (!(c))                                                     \
			UNIT_FAIL("%s:%d: expected %s", __FILE__, __LINE__,   \
				  #c);                                        \
	} while (0)

#define ASSERT_EQ(a, b)                                                       \
	do {                                                                  \
		long long a_ = (long long)(a), b_ = (long long)(b);           \
		if (a_ != b_)                                                 \
			UNIT_FAIL("%s:%d: %s == %lld, expected %lld",         \
				  __FILE__, __LINE__, #a, a_, b_);            \
	} while (0)

#define ASSERT_STREQ(a, b)                                                    \
	do {                                                                  \
		const char *a_ = (a), *b_ = (b);                              \
		if (!a_ || !b_ || strcmp(a_, b_))                             \
			UNIT_FAIL("%s:%d: %s == \"%.160s\", expected \"%.160s\"",     \
				  __FILE__, __LINE__, #a, a_ ? a_ : "(null)", \
				  b_ ? b_ : "(null)");                        \
	} while (0)

/* Defines main() running the tests listed; exits 1 if any failed. */
#define UNIT_MAIN(...)                                                        \
	int unit__failed;                                                     \
	char unit__why[1024];                                                  \
	int main(void)                                                        \
	{                                                                     \
		static const struct unit_test tests[] = { __VA_ARGS__ };      \
		int bad = 0;                                                  \
		for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) { \
			unit__failed = 0;                                     \
			tests[i].fn();                                        \
			if (unit__failed)                                     \
				printf("FAIL %s: %s\n", tests[i].name,        \
				       unit__why);                            \
			else                                                  \
				printf("PASS %s\n", tests[i].name);           \
			bad |= unit__failed;                                  \
		}                                                             \
		return bad;                                                   \
	}

#define UNIT_TEST(fn) { #fn, fn }

#endif
