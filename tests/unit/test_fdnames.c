// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* fd names from the kernel's descriptions, formatted as strace -yy does. */
#include <arpa/inet.h>
#include "session.h"
#include "unit.h"

static char buf[PSN_FDNAME_MAX];

static const char *fmt(const struct psn_rec_fdname *r)
{
	psn__fdname_format(0, r, buf, sizeof(buf));
	return buf;
}

static void test_tcp4_connected_and_listening(void)
{
	struct psn_rec_fdname r = { .kind = PSN_FD_SOCKET, .family = 2, .type = 1,
				    .protocol = 6, .sport = 8080, .dport = 51234 };

	inet_pton(AF_INET, "127.0.0.1", r.saddr);
	inet_pton(AF_INET, "10.1.2.3", r.daddr);
	ASSERT_STREQ(fmt(&r), "TCP 127.0.0.1:8080->10.1.2.3:51234");
	memset(r.daddr, 0, sizeof(r.daddr));
	r.dport = 0;
	ASSERT_STREQ(fmt(&r), "TCP 127.0.0.1:8080");
}

static void test_udp6(void)
{
	struct psn_rec_fdname r = { .kind = PSN_FD_SOCKET, .family = 10, .type = 2,
				    .protocol = 17, .sport = 53 };

	inet_pton(AF_INET6, "::1", r.saddr);
	ASSERT_STREQ(fmt(&r), "UDP [::1]:53");
}

static void test_unix(void)
{
	struct psn_rec_fdname r = { .kind = PSN_FD_SOCKET, .family = 1 };

	ASSERT_STREQ(fmt(&r), "UNIX");
	strcpy(r.name, "/run/x.sock");
	ASSERT_STREQ(fmt(&r), "UNIX /run/x.sock");
	memcpy(r.name, "\0abstract", 10);
	ASSERT_STREQ(fmt(&r), "UNIX @abstract");
	memset(r.name, 'a', sizeof(r.name));	/* no NUL: still bounded */
	ASSERT_EQ(strlen(fmt(&r)), 5 + PSN_FDNAME_LEN);
}

static void test_other_kinds(void)
{
	struct psn_rec_fdname r = { .kind = PSN_FD_PIPE };

	ASSERT_STREQ(fmt(&r), "pipe");
	r.kind = PSN_FD_ANON;
	strcpy(r.name, "[eventfd]");
	ASSERT_STREQ(fmt(&r), "eventfd");
	strcpy(r.name, "[timerfd]");
	ASSERT_STREQ(fmt(&r), "timerfd");
	r.kind = PSN_FD_SOCKET;
	r.family = 16;
	ASSERT_STREQ(fmt(&r), "NETLINK");
	r.kind = PSN_FD_FILE;
	r.fd = -1;		/* no such fd in /proc: the kernel's name */
	strcpy(r.name, "ptmx");
	ASSERT_STREQ(fmt(&r), "ptmx");
	r.kind = 99;
	ASSERT_STREQ(fmt(&r), "?");
}

UNIT_MAIN(UNIT_TEST(test_tcp4_connected_and_listening), UNIT_TEST(test_udp6),
	  UNIT_TEST(test_unix), UNIT_TEST(test_other_kinds))
