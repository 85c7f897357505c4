/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Targets: follow the children of traced processes, forget those that exit.
 * In every object, loaded from the first only (the one that owns the shared
 * maps): an object of their own cost a parse of the kernel's BTF at start-up.
 */
#ifndef PSN_TASK_BPF_H
#define PSN_TASK_BPF_H

#include "common.bpf.h"

const volatile bool follow_children = false;

SEC("tracepoint/sched/sched_process_fork")
int target_fork(struct trace_event_raw_sched_process_fork *ctx)
{
	__u64 pid_tgid = current_ids();
	struct psn_rec_fork *r;
	__u8 one = 1;
	__u32 child;

	if (!follow_children || !traced(pid_tgid))
		return 0;
	/* A new thread lands here too; its tid as a key is harmless. */
	child = BPF_CORE_READ(ctx, child_pid);
	bpf_map_update_elem(&targets, &child, &one, BPF_ANY);
	r = reserve(sizeof(*r), PSN_REC_FORK, 0, pid_tgid);
	if (!r)
		return 0;
	r->child = child;
	r->pad = 0;
	submit(r);
	return 0;
}

SEC("tracepoint/sched/sched_process_exit")
int target_exit(void *ctx)
{
	struct task_struct *task = current_task();
	__u32 tgid = current_ids() >> 32;

	if (!(filter_mask & PSN_FILTER_TARGETS))
		return 0;
	/* Keep a process traced until its last thread is gone. */
	if (BPF_CORE_READ(task, signal, live.counter) == 0)
		bpf_map_delete_elem(&targets, &tgid);
	return 0;
}

#endif /* PSN_TASK_BPF_H */
