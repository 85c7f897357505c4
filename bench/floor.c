// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * floor: loads bench/floor.bpf.c (or, with --noop, bench/noop.bpf.c; with
 * --raw-noop, bench/rawnoop.bpf.c) for at most 4 processes, consumes the ring
 * buffer and throws the records away.  With --raw, floor.bpf.c's programs on
 * the raw syscall tracepoints, where portsnoop attaches by default; with
 * --exit-only, records at the calls' exits only (one per call).
 *
 *   floor [--raw] [--exit-only] | --noop | --raw-noop  -p PID[,PID...] [-d SECONDS]
 *
 * Says "Tracing" on stderr once attached; ends when every PID has exited (or
 * after SECONDS, or on SIGINT/SIGTERM).  Whenever its counts have changed, at
 * most once a poll, and at the end, it says "floor: N records, M lost" on
 * stderr.  The reader is portsnoop's: wake-ups batched past ringbuf_size/16
 * bytes, a poll at least every 100 ms, and while records flow a pause
 * between drains as long as src/gather.h makes portsnoop's.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "gather.h"
#include "floor.skel.h"
#include "noop.skel.h"
#include "rawnoop.skel.h"

#define MAX_TARGETS 4
#define RINGBUF_SIZE (4 << 20)	/* floor.bpf.c's events map */

static volatile sig_atomic_t exiting;
static unsigned long long records, bytes;

static void on_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

static int on_record(void *ctx, void *data, size_t len)
{
	(void)ctx;
	(void)data;
	records++;
	bytes += len + BPF_RINGBUF_HDR_SZ;
	return 0;
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static double now_s(void)
{
	return now_ns() / 1e9;
}

static unsigned long long drops_total(int fd)
{
	int ncpu = libbpf_num_possible_cpus();
	unsigned long long sum = 0;
	__u32 zero = 0;
	__u64 *v;

	if (fd < 0 || ncpu <= 0)
		return 0;
	v = calloc(ncpu, sizeof(*v));
	if (v && !bpf_map_lookup_elem(fd, &zero, v))
		for (int i = 0; i < ncpu; i++)
			sum += v[i];
	free(v);
	return sum;
}

/* As portsnoop's reader: while records flow, a pause between drains. */
static int drain(struct ring_buffer *rb, bool *flowing)
{
	static unsigned long long mark_ns, mark_bytes;
	unsigned long long now = now_ns(), ns;
	int n = 0, more;

	if (*flowing) {
		ns = psn__gather_ns(RINGBUF_SIZE, bytes - mark_bytes,
				    now - mark_ns);
		if (ns)
			nanosleep(&(struct timespec){ .tv_nsec = ns }, NULL);
	} else {
		n = ring_buffer__poll(rb, 100);
		now = now_ns();		/* a flow may begin */
	}
	mark_ns = now;
	mark_bytes = bytes;	/* only the drain below reads more */
	if (n < 0)
		return n;
	more = ring_buffer__consume(rb);
	*flowing = n > 0 || more > 0;
	return more;
}

/* One set of syscall programs, as portsnoop: the raw pair or one per call. */
static void load_one_set(struct bpf_object *obj, bool raw)
{
	const char *skip = raw ? "tracepoint/syscalls/" : "tp_btf/";
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj)
		if (!strncmp(bpf_program__section_name(prog), skip, strlen(skip)))
			bpf_program__set_autoload(prog, false);
}

static int usage(void)
{
	fprintf(stderr, "usage: floor [--raw] [--exit-only] | -n|--noop | -r|--raw-noop  "
		"-p PID[,PID...] [-d SECONDS]\n");
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "noop", no_argument, NULL, 'n' },
		{ "raw-noop", no_argument, NULL, 'r' },
		{ "raw", no_argument, NULL, 'R' },
		{ "exit-only", no_argument, NULL, 'x' },
		{},
	};
	struct sigaction sa = { .sa_handler = on_signal };
	unsigned long long said_records = 0, said_lost = 0, lost;
	int pids[MAX_TARGETS], pidfds[MAX_TARGETS], npids = 0;
	struct ring_buffer *rb = NULL;
	struct floor *fl = NULL;
	struct noop *no = NULL;
	struct rawnoop *raw = NULL;
	double duration = 0, end;
	int opt, err, dropfd = -1;
	bool noop = false, raw_noop = false, raw_floor = false, flowing = false;
	bool exit_only = false;
	char *tok, *save;

	while ((opt = getopt_long(argc, argv, "nrp:d:", longs, NULL)) != -1) {
		switch (opt) {
		case 'n':
			noop = true;
			break;
		case 'r':
			raw_noop = true;
			break;
		case 'R':
			raw_floor = true;
			break;
		case 'x':
			exit_only = true;
			break;
		case 'p':
			for (tok = strtok_r(optarg, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save)) {
				if (npids == MAX_TARGETS || atoi(tok) <= 0)
					return usage();
				pids[npids++] = atoi(tok);
			}
			break;
		case 'd':
			duration = atof(optarg);
			break;
		default:
			return usage();
		}
	}
	if (!npids || optind < argc)
		return usage();
	for (int i = 0; i < npids; i++) {
		pidfds[i] = syscall(SYS_pidfd_open, pids[i], 0);
		if (pidfds[i] < 0) {
			fprintf(stderr, "floor: pid %d: %s\n", pids[i], strerror(errno));
			return 1;
		}
	}
	libbpf_set_print(quiet);
	if (noop) {
		no = noop__open_and_load();
		err = no ? noop__attach(no) : -errno;
	} else if (raw_noop) {
		raw = rawnoop__open_and_load();
		err = raw ? rawnoop__attach(raw) : -errno;
	} else {
		fl = floor__open();
		if (!fl) {
			err = -errno;
			goto out;
		}
		for (int i = 0; i < npids; i++)
			fl->rodata->targ_tgid[i] = pids[i];
		fl->rodata->exit_only = exit_only;
		load_one_set(fl->obj, raw_floor);
		fl->rodata->wakeup_bytes =
			bpf_map__max_entries(fl->maps.events) / PSN_WAKEUP_SHARE;
		err = floor__load(fl);
		if (!err)
			err = floor__attach(fl);
		if (!err) {
			dropfd = bpf_map__fd(fl->maps.drops);
			rb = ring_buffer__new(bpf_map__fd(fl->maps.events),
					      on_record, NULL, NULL);
			if (!rb)
				err = -errno;
		}
	}
out:
	if (err) {
		fprintf(stderr, "floor: cannot load: %s\n", strerror(-err));
		return 1;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	fprintf(stderr, "Tracing%s%s... Hit Ctrl-C to end.\n",
		noop ? " (noop)" : raw_noop ? " (raw_tp noop)" :
		raw_floor ? " (raw)" : "", exit_only ? " (exit only)" : "");
	end = duration > 0 ? now_s() + duration : 0;
	while (!exiting && !(end && now_s() >= end)) {
		int live = 0;

		if (rb) {
			err = drain(rb, &flowing);
			if (err < 0 && err != -EINTR)
				break;
		} else {
			struct pollfd p = { .fd = pidfds[0], .events = POLLIN };

			poll(&p, 1, 100);
		}
		lost = drops_total(dropfd);
		if (records != said_records || lost != said_lost) {
			fprintf(stderr, "floor: %llu records, %llu lost\n", records, lost);
			said_records = records;
			said_lost = lost;
		}
		for (int i = 0; i < npids; i++) {
			struct pollfd p = { .fd = pidfds[i], .events = POLLIN };

			live += poll(&p, 1, 0) == 0;
		}
		if (!live)
			break;
	}
	if (rb)
		ring_buffer__consume(rb);
	fprintf(stderr, "floor: %llu records, %llu lost\n", records,
		drops_total(dropfd));
	ring_buffer__free(rb);
	floor__destroy(fl);
	noop__destroy(no);
	rawnoop__destroy(raw);
	return 0;
}
