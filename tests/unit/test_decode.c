// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Record decoding and fdinfo parsing: what the kernel side hands us. */
#include <errno.h>
#include "internal.h"
#include "bpf/records.h"
#include "unit.h"

static struct psn_epoll_item items[PSN_MAX_EVENTS_PER_WAIT];

static void test_wait_with_items(void)
{
	struct psn_rec_epoll_wait r = {
		.hdr = { .kind = PSN_REC_EPOLL_WAIT, .syscall = PSN_SYS_EPOLL_PWAIT,
			 .pid = 10, .tid = 11, .ts = 99, .comm = "node" },
		.ret = 2, .wait_id = 7, .timeout_ns = -1, .duration_ns = 500,
		.epfd = 5, .maxevents = 1024, .nitems = 2,
		.items = { { 0x1, 9, 9 }, { 0x11, -1, 0xdead } },
	};
	size_t len = offsetof(struct psn_rec_epoll_wait, items) + 2 * sizeof(r.items[0]);
	struct psn_event ev;

	ASSERT_EQ(psn__decode(&r, len, &ev, items), 1);
	ASSERT_EQ(ev.type, PSN_EVENT_EPOLL_WAIT);
	ASSERT_EQ(ev.pid, 10);
	ASSERT_STREQ(ev.comm, "node");
	ASSERT_EQ(ev.epoll_wait.syscall, PSN_SYS_EPOLL_PWAIT);
	ASSERT_EQ(ev.epoll_wait.wait_id, 7);
	ASSERT_EQ(ev.epoll_wait.nevents, 2);
	ASSERT_EQ(ev.epoll_wait.duration_ns, 500);
	ASSERT_EQ(ev.epoll_wait.events[1].fd, -1);
	ASSERT_EQ(ev.epoll_wait.events[1].data, 0xdead);
	ASSERT_EQ(ev.epoll_wait.events[1].events, 0x11);
}

static void test_wait_before_tracing(void)
{
	struct psn_rec_epoll_wait r = {
		.hdr = { .kind = PSN_REC_EPOLL_WAIT, .flags = PSN_F_NO_ENTRY },
		.ret = -4,
	};
	struct psn_event ev;

	ASSERT_EQ(psn__decode(&r, offsetof(struct psn_rec_epoll_wait, items), &ev,
			      items), 1);
	ASSERT_EQ(ev.epoll_wait.duration_ns, -1);
	ASSERT_EQ(ev.epoll_wait.ret, -4);
	ASSERT_EQ(ev.epoll_wait.nevents, 0);
}

static void test_malformed_records(void)
{
	struct psn_rec_epoll_wait r = { .hdr = { .kind = PSN_REC_EPOLL_WAIT },
					.nitems = 3 };
	size_t head = offsetof(struct psn_rec_epoll_wait, items);
	struct psn_rec_hdr h = { .kind = 200 };
	struct psn_event ev;

	/* Claims 3 items, carries 2. */
	ASSERT_EQ(psn__decode(&r, head + 2 * sizeof(r.items[0]), &ev, items), -EINVAL);
	r.nitems = PSN_MAX_WAIT_ITEMS + 1;
	ASSERT_EQ(psn__decode(&r, sizeof(r), &ev, items), -EINVAL);
	ASSERT_EQ(psn__decode(&r, head - 1, &ev, items), -EINVAL);
	ASSERT_EQ(psn__decode(&h, sizeof(h), &ev, items), -EINVAL);
	h.kind = 0;
	ASSERT_EQ(psn__decode(&h, sizeof(h), &ev, items), -EINVAL);
	ASSERT_EQ(psn__decode(&h, 3, &ev, items), -EINVAL);
}

static void test_ctl_via_io_uring(void)
{
	struct psn_rec_epoll_ctl r = {
		.hdr = { .kind = PSN_REC_EPOLL_CTL, .flags = PSN_F_VIA_IO_URING },
		.ret = 0, .epfd = 3, .op = 1, .fd = 12, .events = 0x80000001,
		.data = 12,
	};
	struct psn_event ev;

	ASSERT_EQ(psn__decode(&r, sizeof(r), &ev, items), 1);
	ASSERT_EQ(ev.type, PSN_EVENT_EPOLL_CTL);
	ASSERT_TRUE(ev.epoll_ctl.via_io_uring);
	ASSERT_TRUE(!ev.epoll_ctl.event_unreadable);
	ASSERT_EQ(ev.epoll_ctl.events, 0x80000001u);
	ASSERT_EQ(psn__decode(&r, sizeof(r) - 1, &ev, items), -EINVAL);
}

static void test_internal_records_not_delivered(void)
{
	struct psn_rec_fork r = { .hdr = { .kind = PSN_REC_FORK }, .child = 5 };
	struct psn_event ev;

	ASSERT_EQ(psn__decode(&r, sizeof(r), &ev, items), 0);
}

static void test_comm_is_terminated(void)
{
	struct psn_rec_io r = { .hdr = { .kind = PSN_REC_IO } };
	struct psn_event ev;

	memset(r.hdr.comm, 'x', sizeof(r.hdr.comm));
	ASSERT_EQ(psn__decode(&r, sizeof(r), &ev, items), 1);
	ASSERT_EQ(strlen(ev.comm), 15);
}

static void test_fdinfo_lines(void)
{
	struct psn_fdinfo_reg reg;

	ASSERT_EQ(psn__fdinfo_parse_line("tfd:        4 events: 40000019 data:"
					 "                4  pos:0 ino:2a87 sdev:9\n",
					 &reg), 1);
	ASSERT_EQ(reg.tfd, 4);
	ASSERT_EQ(reg.events, 0x40000019);
	ASSERT_EQ(reg.data, 4);
	ASSERT_EQ(psn__fdinfo_parse_line("tfd: 12 events: 80000001 data: "
					 "55d1c0a8e2c0  pos:0 ino:5 sdev:8", &reg), 1);
	ASSERT_EQ(reg.data, 0x55d1c0a8e2c0ull);
	ASSERT_EQ(psn__fdinfo_parse_line("pos:\t0\n", &reg), 0);
	ASSERT_EQ(psn__fdinfo_parse_line("flags:\t02000002\n", &reg), 0);
	ASSERT_EQ(psn__fdinfo_parse_line("tfd: -3 events: 1 data: 1", &reg), 0);
	ASSERT_EQ(psn__fdinfo_parse_line("tfd: 3 events: zz data: 1", &reg), 0);
	ASSERT_EQ(psn__fdinfo_parse_line("", &reg), 0);
}

UNIT_MAIN(UNIT_TEST(test_wait_with_items), UNIT_TEST(test_wait_before_tracing),
	  UNIT_TEST(test_malformed_records), UNIT_TEST(test_ctl_via_io_uring),
	  UNIT_TEST(test_internal_records_not_delivered),
	  UNIT_TEST(test_comm_is_terminated), UNIT_TEST(test_fdinfo_lines))
