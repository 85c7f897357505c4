// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The syscall numbers the raw-tracepoint programs switch on
 * (src/bpf/sysnr.h) are the kernel's, as <sys/syscall.h> has them.
 */
#include <sys/syscall.h>

#include "bpf/sysnr.h"
#include "unit.h"

#define CHECK_NR(name) ASSERT_EQ(PSN_NR_##name, SYS_##name)

static void test_numbers_are_the_kernels(void)
{
#if !defined(__x86_64__)
	UNIT_FAIL("the raw syscall numbers are x86-64's; this is not x86-64");
#endif
	CHECK_NR(read);
	CHECK_NR(write);
	CHECK_NR(close);
	CHECK_NR(rt_sigreturn);
	CHECK_NR(readv);
	CHECK_NR(writev);
	CHECK_NR(dup2);
	CHECK_NR(socket);
	CHECK_NR(connect);
	CHECK_NR(accept);
	CHECK_NR(sendto);
	CHECK_NR(recvfrom);
	CHECK_NR(sendmsg);
	CHECK_NR(recvmsg);
	CHECK_NR(shutdown);
	CHECK_NR(socketpair);
	CHECK_NR(epoll_create);
	CHECK_NR(epoll_wait);
	CHECK_NR(epoll_ctl);
	CHECK_NR(epoll_pwait);
	CHECK_NR(accept4);
	CHECK_NR(epoll_create1);
	CHECK_NR(dup3);
	CHECK_NR(preadv);
	CHECK_NR(pwritev);
	CHECK_NR(recvmmsg);
	CHECK_NR(sendmmsg);
	CHECK_NR(preadv2);
	CHECK_NR(pwritev2);
	CHECK_NR(close_range);
	CHECK_NR(epoll_pwait2);
}

UNIT_MAIN(UNIT_TEST(test_numbers_are_the_kernels))
