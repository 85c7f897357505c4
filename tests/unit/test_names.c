// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Unit tests of src/names.c: the name tables, masks and list parsers. */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <strings.h>
#include <sys/epoll.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "portsnoop.h"
#include "unit.h"

typedef const char *(*num2str_fn)(long);
typedef long (*str2num_fn)(const char *);

struct name_api {
	const char *what;
	num2str_fn num2str;
	str2num_fn str2num;
	long max;		/* numbers 0..max are tried */
	int named;		/* how many of them have a name */
};

static const struct name_api apis[] = {
	{ "prot", psn_sock_prot_num2str, psn_sock_prot_str2num, 300, 136 },
	{ "fam", psn_sock_fam_num2str, psn_sock_fam_str2num, 50, 46 },
	{ "state", psn_sock_state_num2str, psn_sock_state_str2num, 20, 5 },
	{ "type", psn_sock_type_num2str, psn_sock_type_str2num, 20, 7 },
};

/* Every named number maps back to itself, in any case; count the names. */
static void test_tables_round_trip(void)
{
	char low[64];

	for (size_t t = 0; t < sizeof(apis) / sizeof(apis[0]); t++) {
		const struct name_api *a = &apis[t];
		int named = 0;

		for (long n = 0; n <= a->max; n++) {
			const char *s = a->num2str(n);

			ASSERT_TRUE(s != NULL);
			if (!strcmp(s, "UNDEF"))
				continue;
			named++;
			ASSERT_EQ(a->str2num(s), n);
			for (size_t i = 0; i <= strlen(s); i++)
				low[i] = (char)tolower((unsigned char)s[i]);
			ASSERT_EQ(a->str2num(low), n);
		}
		if (named != a->named)
			UNIT_FAIL("%s: %d names, expected %d", a->what, named,
				  a->named);
	}
}

static void test_tables_unknown(void)
{
	static const long bad_nums[] = { -1, -262, 61, 63, 68, 99, 114, 138,
					 256, 263, 100000 };

	for (size_t i = 0; i < sizeof(bad_nums) / sizeof(bad_nums[0]); i++)
		ASSERT_STREQ(psn_sock_prot_num2str(bad_nums[i]), "UNDEF");
	ASSERT_STREQ(psn_sock_fam_num2str(46), "UNDEF");
	ASSERT_STREQ(psn_sock_fam_num2str(-1), "UNDEF");
	ASSERT_STREQ(psn_sock_state_num2str(5), "UNDEF");
	ASSERT_STREQ(psn_sock_type_num2str(0), "UNDEF");
	ASSERT_STREQ(psn_sock_type_num2str(7), "UNDEF");
	for (size_t t = 0; t < sizeof(apis) / sizeof(apis[0]); t++) {
		ASSERT_EQ(apis[t].str2num("NOPE"), -1);
		ASSERT_EQ(apis[t].str2num(""), -1);
		ASSERT_EQ(apis[t].str2num(NULL), -1);
		ASSERT_EQ(apis[t].str2num("UNDEF"), -1);
	}
	ASSERT_EQ(psn_sock_fam_str2num("AF_"), -1);
	ASSERT_EQ(psn_sock_fam_str2num("IPPROTO_INET"), -1);
	ASSERT_EQ(psn_sock_prot_str2num("AF_TCP"), -1);
	ASSERT_EQ(psn_sock_prot_str2num("TCP "), -1);
}

static void test_tables_spot_values(void)
{
	ASSERT_STREQ(psn_sock_prot_num2str(6), "TCP");
	ASSERT_STREQ(psn_sock_prot_num2str(17), "UDP");
	ASSERT_STREQ(psn_sock_prot_num2str(136), "UDPLite");
	ASSERT_STREQ(psn_sock_prot_num2str(262), "MPTCP");
	ASSERT_STREQ(psn_sock_prot_num2str(143), "ETHERNET");
	ASSERT_STREQ(psn_sock_prot_num2str(255), "RAW");
	ASSERT_STREQ(psn_sock_prot_num2str(0), "IP");
	ASSERT_STREQ(psn_sock_prot_num2str(137), "MPLS-IN-IP");
	ASSERT_STREQ(psn_sock_prot_num2str(93), "AX.25");
	ASSERT_STREQ(psn_sock_fam_num2str(1), "LOCAL");
	ASSERT_STREQ(psn_sock_fam_num2str(AF_INET), "INET");
	ASSERT_STREQ(psn_sock_fam_num2str(AF_INET6), "INET6");
	ASSERT_STREQ(psn_sock_fam_num2str(AF_VSOCK), "VSOCK");
	ASSERT_STREQ(psn_sock_fam_num2str(40), "VSOCK");
	ASSERT_STREQ(psn_sock_fam_num2str(AF_MCTP), "MCTP");
	ASSERT_STREQ(psn_sock_fam_num2str(AF_DECnet), "DECNET");
	ASSERT_STREQ(psn_sock_state_num2str(3), "CONNECTED");
	ASSERT_STREQ(psn_sock_type_num2str(SOCK_STREAM), "STREAM");
	ASSERT_STREQ(psn_sock_type_num2str(SOCK_PACKET), "PACKET");
	ASSERT_EQ(psn_sock_prot_str2num("UDPLite"), 136);
	ASSERT_EQ(psn_sock_prot_str2num("mptcp"), 262);
	ASSERT_EQ(psn_sock_fam_str2num("RDS"), AF_RDS);
	ASSERT_EQ(psn_sock_fam_str2num("ieee802154"), AF_IEEE802154);
}

/* The C constants' spellings, checked against the system's own values. */
static void test_tables_c_spellings(void)
{
	ASSERT_EQ(psn_sock_fam_str2num("AF_INET"), AF_INET);
	ASSERT_EQ(psn_sock_fam_str2num("af_inet6"), AF_INET6);
	ASSERT_EQ(psn_sock_fam_str2num("PF_NETLINK"), PF_NETLINK);
	ASSERT_EQ(psn_sock_fam_str2num("AF_UNIX"), AF_UNIX);
	ASSERT_EQ(psn_sock_fam_str2num("AF_LOCAL"), 1);
	ASSERT_EQ(psn_sock_fam_str2num("UNIX"), 1);
	ASSERT_EQ(psn_sock_fam_str2num("unix"), 1);
	ASSERT_EQ(psn_sock_fam_str2num("AF_DECnet"), AF_DECnet);
	ASSERT_EQ(psn_sock_prot_str2num("IPPROTO_TCP"), IPPROTO_TCP);
	ASSERT_EQ(psn_sock_prot_str2num("ipproto_tcp"), 6);
	ASSERT_EQ(psn_sock_prot_str2num("ipproto_udplite"), 136);
	ASSERT_EQ(psn_sock_prot_str2num("IPPROTO_MPTCP"), 262);
	ASSERT_EQ(psn_sock_prot_str2num("IPPROTO_SCTP"), IPPROTO_SCTP);
	ASSERT_EQ(psn_sock_prot_str2num("IPPROTO_RAW"), IPPROTO_RAW);
	ASSERT_EQ(psn_sock_prot_str2num("IPPROTO_MPLS-IN-IP"), 137);
	/* Where Linux's C name differs from the tapset's */
	ASSERT_EQ(psn_sock_prot_str2num("IPPROTO_IPIP"), IPPROTO_IPIP);
	ASSERT_EQ(psn_sock_prot_str2num("IPIP"), 94);
	ASSERT_EQ(psn_sock_prot_str2num("IPPROTO_DCCP"), IPPROTO_DCCP);
	ASSERT_EQ(psn_sock_prot_str2num("IPPROTO_ICMPV6"), IPPROTO_ICMPV6);
	ASSERT_EQ(psn_sock_prot_str2num("IPPROTO_MPLS"), IPPROTO_MPLS);
	ASSERT_EQ(psn_sock_prot_str2num("IPPROTO_ESP"), IPPROTO_ESP);
	ASSERT_EQ(psn_sock_prot_str2num("ESP"), -1);
	ASSERT_EQ(psn_sock_type_str2num("SOCK_STREAM"), SOCK_STREAM);
	ASSERT_EQ(psn_sock_type_str2num("sock_seqpacket"), SOCK_SEQPACKET);
	ASSERT_EQ(psn_sock_type_str2num("DGRAM"), SOCK_DGRAM);
	ASSERT_EQ(psn_sock_state_str2num("SS_CONNECTED"), 3);
	ASSERT_EQ(psn_sock_state_str2num("ss_disconnecting"), 4);
	ASSERT_EQ(psn_sock_state_str2num("FREE"), 0);
}

static void test_syscall_names(void)
{
	for (int i = 0; i < PSN_SYS__MAX; i++)
		ASSERT_TRUE(psn_syscall_name(i) != NULL);
	ASSERT_STREQ(psn_syscall_name(PSN_SYS_UNKNOWN), "unknown");
	ASSERT_STREQ(psn_syscall_name(PSN_SYS_EPOLL_PWAIT2), "epoll_pwait2");
	ASSERT_STREQ(psn_syscall_name(PSN_SYS_EPOLL_CREATE1), "epoll_create1");
	ASSERT_STREQ(psn_syscall_name(PSN_SYS_PREAD64), "pread64");
	ASSERT_STREQ(psn_syscall_name(PSN_SYS_RECVMMSG), "recvmmsg");
	ASSERT_STREQ(psn_syscall_name(PSN_SYS_CLOSE_RANGE), "close_range");
	ASSERT_STREQ(psn_syscall_name(PSN_SYS_DUP3), "dup3");
	ASSERT_STREQ(psn_syscall_name(PSN_SYS_IO_URING), "io_uring");
	ASSERT_TRUE(psn_syscall_name(PSN_SYS__MAX) == NULL);
	ASSERT_TRUE(psn_syscall_name(-1) == NULL);
}

#define ERRNO_CASE(e) { e, #e }

/* Against the system's <errno.h>: the names and their numbers agree. */
static void test_errno_names(void)
{
	static const struct { int num; const char *name; } cases[] = {
		ERRNO_CASE(EPERM), ERRNO_CASE(ENOENT), ERRNO_CASE(EINTR),
		ERRNO_CASE(EAGAIN), ERRNO_CASE(EBADF), ERRNO_CASE(EINVAL),
		ERRNO_CASE(EPIPE), ERRNO_CASE(EDEADLK), ERRNO_CASE(ENOSYS),
		ERRNO_CASE(ELOOP), ERRNO_CASE(ENOMSG), ERRNO_CASE(EBFONT),
		ERRNO_CASE(ENOTSOCK), ERRNO_CASE(EOPNOTSUPP),
		ERRNO_CASE(EADDRINUSE), ERRNO_CASE(ECONNRESET),
		ERRNO_CASE(ETIMEDOUT), ERRNO_CASE(ECONNREFUSED),
		ERRNO_CASE(EINPROGRESS), ERRNO_CASE(ECANCELED),
		ERRNO_CASE(ENOTRECOVERABLE), ERRNO_CASE(EHWPOISON),
	};
	int named = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ASSERT_STREQ(psn_errno_name(cases[i].num), cases[i].name);
		ASSERT_STREQ(psn_errno_name(-cases[i].num), cases[i].name);
	}
	ASSERT_STREQ(psn_errno_name(EWOULDBLOCK), "EAGAIN");
	ASSERT_STREQ(psn_errno_name(-ENOTSUP), "EOPNOTSUPP");
	ASSERT_STREQ(psn_errno_name(EDEADLOCK), "EDEADLK");
	ASSERT_TRUE(psn_errno_name(0) == NULL);
	ASSERT_TRUE(psn_errno_name(134) == NULL);
	ASSERT_TRUE(psn_errno_name(-134) == NULL);
	ASSERT_TRUE(psn_errno_name(41) == NULL);
	ASSERT_TRUE(psn_errno_name(-2147483647 - 1) == NULL);
	for (int e = 1; e <= 133; e++)
		named += psn_errno_name(e) != NULL;
	ASSERT_EQ(named, 131);	/* 41 and 58 are only aliases */
}

static void test_epoll_ops(void)
{
	ASSERT_STREQ(psn_epoll_op_name(EPOLL_CTL_ADD), "ADD");
	ASSERT_STREQ(psn_epoll_op_name(EPOLL_CTL_DEL), "DEL");
	ASSERT_STREQ(psn_epoll_op_name(EPOLL_CTL_MOD), "MOD");
	ASSERT_TRUE(psn_epoll_op_name(0) == NULL);
	ASSERT_TRUE(psn_epoll_op_name(4) == NULL);
	ASSERT_TRUE(psn_epoll_op_name(-1) == NULL);
	ASSERT_EQ(psn_epoll_op_parse("ADD"), EPOLL_CTL_ADD);
	ASSERT_EQ(psn_epoll_op_parse("add"), 1);
	ASSERT_EQ(psn_epoll_op_parse("EPOLL_CTL_ADD"), 1);
	ASSERT_EQ(psn_epoll_op_parse("epoll_ctl_mod"), EPOLL_CTL_MOD);
	ASSERT_EQ(psn_epoll_op_parse("Del"), EPOLL_CTL_DEL);
	ASSERT_EQ(psn_epoll_op_parse("EPOLL_CTL_"), -1);
	ASSERT_EQ(psn_epoll_op_parse("REPLACE"), -1);
	ASSERT_EQ(psn_epoll_op_parse(NULL), -1);
}

/* Each single bit that has a name: the system's value prints as its name. */
static void test_epoll_events_str(void)
{
	static const struct { uint32_t bit; const char *name; } bits[] = {
		{ EPOLLIN, "EPOLLIN" }, { EPOLLPRI, "EPOLLPRI" },
		{ EPOLLOUT, "EPOLLOUT" }, { EPOLLERR, "EPOLLERR" },
		{ EPOLLHUP, "EPOLLHUP" }, { EPOLLRDNORM, "EPOLLRDNORM" },
		{ EPOLLRDBAND, "EPOLLRDBAND" }, { EPOLLWRNORM, "EPOLLWRNORM" },
		{ EPOLLWRBAND, "EPOLLWRBAND" }, { EPOLLMSG, "EPOLLMSG" },
		{ EPOLLRDHUP, "EPOLLRDHUP" }, { EPOLLEXCLUSIVE, "EPOLLEXCLUSIVE" },
		{ EPOLLWAKEUP, "EPOLLWAKEUP" }, { EPOLLONESHOT, "EPOLLONESHOT" },
		{ EPOLLET, "EPOLLET" }, { 0x20, "EPOLLNVAL" },
	};
	char buf[256];

	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		ASSERT_EQ(psn_epoll_events_str(bits[i].bit, buf, sizeof(buf)),
			  strlen(bits[i].name));
		ASSERT_STREQ(buf, bits[i].name);
	}
	ASSERT_EQ(psn_epoll_events_str(0, buf, sizeof(buf)), 1);
	ASSERT_STREQ(buf, "0");
	psn_epoll_events_str(EPOLLET | EPOLLIN | EPOLLRDHUP, buf, sizeof(buf));
	ASSERT_STREQ(buf, "EPOLLIN|EPOLLRDHUP|EPOLLET");
	psn_epoll_events_str(EPOLLIN | 0x800 | 0x4000, buf, sizeof(buf));
	ASSERT_STREQ(buf, "EPOLLIN|0x4800");
	psn_epoll_events_str(1u << 27, buf, sizeof(buf));
	ASSERT_STREQ(buf, "0x8000000");
	psn_epoll_events_str(0xffffffffu, buf, sizeof(buf));
	ASSERT_STREQ(buf, "EPOLLIN|EPOLLPRI|EPOLLOUT|EPOLLERR|EPOLLHUP|"
		     "EPOLLNVAL|EPOLLRDNORM|EPOLLRDBAND|EPOLLWRNORM|"
		     "EPOLLWRBAND|EPOLLMSG|EPOLLRDHUP|EPOLLEXCLUSIVE|"
		     "EPOLLWAKEUP|EPOLLONESHOT|EPOLLET|0xfffd800");
}

static void test_epoll_events_truncation(void)
{
	const char *full = "EPOLLIN|EPOLLOUT|0x800";
	char buf[32];
	int need = (int)strlen(full);

	for (size_t len = 1; len <= (size_t)need + 1; len++) {
		memset(buf, 'X', sizeof(buf));
		ASSERT_EQ(psn_epoll_events_str(EPOLLIN | EPOLLOUT | 0x800, buf,
					       len), need);
		ASSERT_EQ(strlen(buf), len - 1);
		ASSERT_TRUE(!strncmp(buf, full, len - 1));
		ASSERT_EQ(buf[len], 'X');
	}
	ASSERT_STREQ(buf, full);
	ASSERT_EQ(psn_epoll_events_str(EPOLLIN, NULL, 0), 7);
	buf[0] = 'X';
	ASSERT_EQ(psn_epoll_events_str(0, buf, 0), 1);
	ASSERT_EQ(buf[0], 'X');
}

static void test_epoll_events_parse(void)
{
	static const struct { const char *s; uint32_t mask; } ok[] = {
		{ "EPOLLIN|EPOLLET", EPOLLIN | EPOLLET },
		{ "IN|ET", EPOLLIN | EPOLLET },
		{ "in|out|rdhup", EPOLLIN | EPOLLOUT | EPOLLRDHUP },
		{ "epollOneShot", EPOLLONESHOT },
		{ "0x19", 0x19 },
		{ "25", 25 },
		{ "0", 0 },
		{ "  EPOLLIN | 0x8 | HUP  ", EPOLLIN | EPOLLERR | EPOLLHUP },
		{ "EXCLUSIVE|WAKEUP|NVAL", EPOLLEXCLUSIVE | EPOLLWAKEUP | 0x20 },
		{ "0xffffffff", 0xffffffffu },
	};
	static const char *const bad[] = {
		"", "   ", "EPOLLIN|", "|IN", "IN||OUT", "EPOLLNOPE", "EPOLL",
		"0x1g", "0x100000000", "-1", "IN,OUT", NULL,
	};
	uint32_t m;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		m = 0xdead;
		ASSERT_EQ(psn_epoll_events_parse(ok[i].s, &m), 0);
		ASSERT_EQ(m, ok[i].mask);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m = 0xdead;
		ASSERT_EQ(psn_epoll_events_parse(bad[i], &m), -EINVAL);
		ASSERT_EQ(m, 0xdead);
	}
	ASSERT_EQ(psn_epoll_events_parse("IN", NULL), -EINVAL);
}

/* What a mask prints as parses back to the same mask. */
static void test_epoll_events_round_trip(void)
{
	static const uint32_t masks[] = { 1, 0x19, 0x2019, 0xffffffffu,
					  0x80000001u, 0x4000800u };
	char buf[256];
	uint32_t m;

	for (size_t i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
		psn_epoll_events_str(masks[i], buf, sizeof(buf));
		ASSERT_EQ(psn_epoll_events_parse(buf, &m), 0);
		ASSERT_EQ(m, masks[i]);
	}
}

static void test_sock_probe_names(void)
{
	static const char *const names[] = {
		"socket.send", "socket.receive", "socket.sendmsg",
		"socket.sendmsg.return", "socket.recvmsg",
		"socket.recvmsg.return", "socket.aio_write",
		"socket.aio_write.return", "socket.aio_read",
		"socket.aio_read.return", "socket.writev",
		"socket.writev.return", "socket.readv", "socket.readv.return",
		"socket.create", "socket.create.return", "socket.close",
		"socket.close.return",
	};
	uint64_t m;

	ASSERT_EQ(sizeof(names) / sizeof(names[0]), PSN_SOCK__MAX);
	for (int i = 0; i < PSN_SOCK__MAX; i++) {
		ASSERT_STREQ(psn_sock_probe_name(i), names[i]);
		ASSERT_EQ(psn_sock_probe_parse(names[i], &m), 0);
		ASSERT_EQ(m, 1ull << i);
	}
	ASSERT_STREQ(psn_sock_probe_name(PSN_SOCK_SENDMSG_RETURN),
		     "socket.sendmsg.return");
	ASSERT_STREQ(psn_sock_probe_name(PSN_SOCK_CLOSE), "socket.close");
	ASSERT_TRUE(psn_sock_probe_name(PSN_SOCK__MAX) == NULL);
	ASSERT_TRUE(psn_sock_probe_name(-1) == NULL);
}

static void test_sock_probe_parse(void)
{
	const uint64_t all = (1ull << PSN_SOCK__MAX) - 1;
	uint64_t m;

	ASSERT_EQ(psn_sock_probe_parse("all", &m), 0);
	ASSERT_EQ(m, all);
	ASSERT_EQ(__builtin_popcountll(m), 18);
	ASSERT_EQ(psn_sock_probe_parse("socket.*", &m), 0);
	ASSERT_EQ(m, all);
	/* send and receive have no .return: 8 pairs of the 18 */
	ASSERT_EQ(psn_sock_probe_parse("socket.*.return", &m), 0);
	ASSERT_EQ(__builtin_popcountll(m), 8);
	for (int i = 0; i < PSN_SOCK__MAX; i++)
		ASSERT_EQ(!!(m & (1ull << i)),
			  strstr(psn_sock_probe_name(i), ".return") != NULL);
	ASSERT_EQ(psn_sock_probe_parse("socket.send,socket.close", &m), 0);
	ASSERT_EQ(m, (1ull << PSN_SOCK_SEND) | (1ull << PSN_SOCK_CLOSE));
	ASSERT_EQ(psn_sock_probe_parse("socket.send, socket.receive,"
				       "socket.create,socket.close", &m), 0);
	ASSERT_EQ(m, PSN_SOCK_DEFAULT_PROBES);
	ASSERT_EQ(psn_sock_probe_parse("socket.send,socket.*.return", &m), 0);
	ASSERT_EQ(__builtin_popcountll(m), 9);
	ASSERT_EQ(psn_sock_probe_parse("socket.[rs]e*msg", &m), 0);
	ASSERT_EQ(m, (1ull << PSN_SOCK_SENDMSG) | (1ull << PSN_SOCK_RECVMSG));
	ASSERT_EQ(psn_sock_probe_parse("socket.close?return", &m), 0);
	ASSERT_EQ(m, 1ull << PSN_SOCK_CLOSE_RETURN);
}

static void test_sock_probe_parse_errors(void)
{
	static const char *const bad[] = {
		"socket.nope", "", " ", "socket.send,", ",socket.send",
		"socket.send,,socket.close", "socket.send,socket.nope",
		"socket", "tcp.*", NULL,
	};
	uint64_t m;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m = 0xdead;
		ASSERT_EQ(psn_sock_probe_parse(bad[i], &m), -EINVAL);
		ASSERT_EQ(m, 0xdead);
	}
	ASSERT_EQ(psn_sock_probe_parse("all", NULL), -EINVAL);
}

static void test_msg_flags(void)
{
	char buf[256];

	ASSERT_EQ(psn_msg_flags_num2str(MSG_DONTWAIT | MSG_NOSIGNAL, buf,
					sizeof(buf)),
		  strlen("MSG_DONTWAIT|MSG_NOSIGNAL"));
	ASSERT_STREQ(buf, "MSG_DONTWAIT|MSG_NOSIGNAL");
	psn_msg_flags_num2str(0, buf, sizeof(buf));
	ASSERT_STREQ(buf, "0");
	psn_msg_flags_num2str(MSG_PEEK | MSG_TRUNC | 0x20000, buf, sizeof(buf));
	ASSERT_STREQ(buf, "MSG_PEEK|MSG_TRUNC|0x20000");
	psn_msg_flags_num2str(MSG_CMSG_CLOEXEC | MSG_OOB, buf, sizeof(buf));
	ASSERT_STREQ(buf, "MSG_OOB|MSG_CMSG_CLOEXEC");
	psn_msg_flags_num2str(MSG_ZEROCOPY | MSG_FASTOPEN | MSG_BATCH |
			      MSG_WAITFORONE, buf, sizeof(buf));
	ASSERT_STREQ(buf,
		     "MSG_WAITFORONE|MSG_BATCH|MSG_ZEROCOPY|MSG_FASTOPEN");
	psn_msg_flags_num2str(0xffffffffu, buf, sizeof(buf));
	ASSERT_STREQ(buf, "MSG_OOB|MSG_PEEK|MSG_DONTROUTE|MSG_CTRUNC|"
		     "MSG_PROBE|MSG_TRUNC|MSG_DONTWAIT|MSG_EOR|MSG_WAITALL|"
		     "MSG_FIN|MSG_SYN|MSG_CONFIRM|MSG_RST|MSG_ERRQUEUE|"
		     "MSG_NOSIGNAL|MSG_MORE|MSG_WAITFORONE|MSG_BATCH|"
		     "MSG_ZEROCOPY|MSG_FASTOPEN|MSG_CMSG_CLOEXEC|0x9bfa0000");
	ASSERT_EQ(psn_msg_flags_num2str(MSG_MORE, buf, 4), 8);
	ASSERT_STREQ(buf, "MSG");
}

/* Bit numbers of enum socket_flags (include/linux/net.h, Linux >= 6.16). */
static void test_sock_flags(void)
{
	char buf[256];

	ASSERT_EQ(psn_sock_flags_num2str((1 << 2) | (1 << 3), buf,
					 sizeof(buf)),
		  strlen("NOSPACE|SUPPORT_ZC"));
	ASSERT_STREQ(buf, "NOSPACE|SUPPORT_ZC");
	psn_sock_flags_num2str(0, buf, sizeof(buf));
	ASSERT_STREQ(buf, "0");
	psn_sock_flags_num2str(0x1f, buf, sizeof(buf));
	ASSERT_STREQ(buf, "ASYNC_NOSPACE|ASYNC_WAITDATA|NOSPACE|SUPPORT_ZC|"
		     "CUSTOM_SOCKOPT");
	psn_sock_flags_num2str((1 << 4) | (1 << 7), buf, sizeof(buf));
	ASSERT_STREQ(buf, "CUSTOM_SOCKOPT|0x80");
	psn_sock_flags_num2str(1ull << 63, buf, sizeof(buf));
	ASSERT_STREQ(buf, "0x8000000000000000");
	psn_sock_flags_num2str(~0ull, buf, sizeof(buf));
	ASSERT_STREQ(buf, "ASYNC_NOSPACE|ASYNC_WAITDATA|NOSPACE|SUPPORT_ZC|"
		     "CUSTOM_SOCKOPT|0xffffffffffffffe0");
}

UNIT_MAIN(UNIT_TEST(test_tables_round_trip), UNIT_TEST(test_tables_unknown),
	  UNIT_TEST(test_tables_spot_values),
	  UNIT_TEST(test_tables_c_spellings), UNIT_TEST(test_syscall_names),
	  UNIT_TEST(test_errno_names), UNIT_TEST(test_epoll_ops),
	  UNIT_TEST(test_epoll_events_str),
	  UNIT_TEST(test_epoll_events_truncation),
	  UNIT_TEST(test_epoll_events_parse),
	  UNIT_TEST(test_epoll_events_round_trip),
	  UNIT_TEST(test_sock_probe_names), UNIT_TEST(test_sock_probe_parse),
	  UNIT_TEST(test_sock_probe_parse_errors), UNIT_TEST(test_msg_flags),
	  UNIT_TEST(test_sock_flags))
