/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The tracepoints portsnoop attaches (src/bpf/epoll.bpf.c, task.bpf.c), for the
 * benchmark's reference programs: floor.bpf.c and noop.bpf.c attach exactly
 * these.  The two syscall lists together are the filter given to strace,
 * perf trace and bpftrace (bench/bench.py reads them from here).
 */
#ifndef BENCH_TRACEPOINTS_H
#define BENCH_TRACEPOINTS_H

#define BENCH_SYSCALLS(X)                                                     \
	X(epoll_wait) X(epoll_pwait) X(epoll_pwait2)                          \
	X(read) X(readv) X(recvfrom) X(recvmsg) X(recvmmsg)                   \
	X(write) X(writev) X(sendto) X(sendmsg) X(sendmmsg)                   \
	X(accept) X(accept4) X(connect) X(shutdown) X(close) X(epoll_ctl)

/* Traced at exit only: their arguments are read from the saved registers. */
#define BENCH_EXIT_ONLY(X)                                                    \
	X(epoll_create) X(epoll_create1)                                      \
	X(dup2) X(dup3) X(close_range)

/* Not syscalls: portsnoop's io_uring and sched programs (rare events here). */
#define BENCH_OTHER(X)                                                        \
	X(io_uring, io_uring_submit_req) X(io_uring, io_uring_complete)       \
	X(sched, sched_process_fork) X(sched, sched_process_exit)             \
	X(sched, sched_process_exec)

#endif
