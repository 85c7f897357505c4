/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * x86-64 syscall numbers of the calls portsnoop and socksnoop trace, for the
 * programs on the raw sys_enter/sys_exit tracepoints (which see a number, not
 * a name).
 * Kept here rather than taken from <asm/unistd_64.h> so the BPF build needs
 * no host headers; tests/unit/test_sysnr.c checks them against that header.
 */
#ifndef PSN_SYSNR_H
#define PSN_SYSNR_H

#define PSN_NR_read 0
#define PSN_NR_write 1
#define PSN_NR_close 3
#define PSN_NR_rt_sigreturn 15
#define PSN_NR_readv 19
#define PSN_NR_writev 20
#define PSN_NR_dup2 33
#define PSN_NR_socket 41
#define PSN_NR_connect 42
#define PSN_NR_accept 43
#define PSN_NR_sendto 44
#define PSN_NR_recvfrom 45
#define PSN_NR_sendmsg 46
#define PSN_NR_recvmsg 47
#define PSN_NR_shutdown 48
#define PSN_NR_socketpair 53
#define PSN_NR_epoll_create 213
#define PSN_NR_epoll_wait 232
#define PSN_NR_epoll_ctl 233
#define PSN_NR_epoll_pwait 281
#define PSN_NR_accept4 288
#define PSN_NR_epoll_create1 291
#define PSN_NR_dup3 292
#define PSN_NR_preadv 295
#define PSN_NR_pwritev 296
#define PSN_NR_recvmmsg 299
#define PSN_NR_sendmmsg 307
#define PSN_NR_preadv2 327
#define PSN_NR_pwritev2 328
#define PSN_NR_close_range 436
#define PSN_NR_epoll_pwait2 441

#endif /* PSN_SYSNR_H */
