// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The parts of portsnoop and socksnoop that are the same: see cli.h. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <poll.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "cli.h"

static volatile sig_atomic_t exiting;
static pid_t child = -1;
static int child_go = -1;

static void usage_error(const struct cli *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", c->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see %s --help)\n", c->prog);
}

int cli_parse_ulong(struct cli *c, const char *what, const char *arg,
		    unsigned long min, unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (!*arg || *end || errno || arg[0] == '-' || v < min || v > max) {
		usage_error(c, "%s must be a whole number from %lu to %lu, not '%s'",
			    what, min, max, arg);
		return -1;
	}
	*out = v;
	return 0;
}

static int pid_exists(int pid)
{
	return !kill(pid, 0) || errno != ESRCH;
}

/* -p takes processes: a pid that is gone, or another process' thread, is a usage error. */
static int check_process(const struct cli *c, int pid)
{
	int tgid;

	if (!pid_exists(pid)) {
		fprintf(stderr, "%s: pid %d does not exist\n", c->prog, pid);
		return -1;
	}
	tgid = psn_tgid_of(pid);
	if (tgid > 0 && tgid != pid) {
		fprintf(stderr, "%s: %d is a thread of process %d: use -p %d, or -t %d "
			"for the thread alone\n", c->prog, pid, tgid, tgid, pid);
		return -1;
	}
	return 0;
}

static bool has_pid(const struct cli *c, int pid)
{
	for (size_t i = 0; i < c->npids; i++)
		if (c->pids[i] == pid)
			return true;
	return false;
}

int cli_parse_pids(struct cli *c, const char *arg)
{
	char buf[1024], *tok, *rest = buf;
	unsigned long pid;

	if (strlen(arg) >= sizeof(buf)) {
		usage_error(c, "pid list too long");
		return -1;
	}
	strcpy(buf, arg);
	/* Every element, empty ones too: -p $(pgrep a),$(pgrep b) with no b. */
	while ((tok = strsep(&rest, ","))) {
		if (c->npids == PSN_MAX_PIDS) {
			usage_error(c, "at most %d pids", PSN_MAX_PIDS);
			return -1;
		}
		if (cli_parse_ulong(c, "a pid", tok, 1, INT_MAX, &pid))
			return -1;
		if (!has_pid(c, pid))	/* -p 5,5 is one process, not two */
			c->pids[c->npids++] = pid;
	}
	return 0;
}

static int parse_duration(struct cli *c, const char *arg)
{
	char *end;

	errno = 0;
	c->duration = strtod(arg, &end);
	if (!*arg || *end || errno || !(c->duration > 0) || c->duration > 1e7) {
		usage_error(c, "-d takes seconds > 0 and <= 10000000, not '%s'", arg);
		return -1;
	}
	return 0;
}

static int parse_ringbuf(struct cli *c, const char *arg)
{
	unsigned long kib;

	if (cli_parse_ulong(c, "--ringbuf-size (KiB)", arg, 4, 1ul << 20, &kib))
		return -1;
	if (kib & (kib - 1)) {
		usage_error(c, "--ringbuf-size must be a power of 2 KiB, not '%s'", arg);
		return -1;
	}
	c->ringbuf_size = kib << 10;
	return 0;
}

int cli_parse_word(const struct cli *c, const char *opt, const char *arg,
		   const char *const *words, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(arg, words[i]))
			return i;
	fprintf(stderr, "%s: %s takes ", c->prog, opt);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "%s%s", words[i],
			i + 2 < n ? ", " : i + 1 < n ? " or " : "");
	fprintf(stderr, ", not '%s' (see %s --help)\n", arg, c->prog);
	return -1;
}

static int parse_attach(struct cli *c, const char *arg)
{
	static const char *const modes[] = { "raw", "per-syscall" };
	int i = cli_parse_word(c, "--attach", arg, modes,
			       sizeof(modes) / sizeof(modes[0]));

	if (i < 0)
		return -1;
	c->attach = i ? PSN_ATTACH_PER_SYSCALL : PSN_ATTACH_RAW;
	return 0;
}

void cli_bad_option(const struct cli *c, int opt, char **argv)
{
	const char *arg = argv[optind - 1], *eq = strchr(arg, '=');

	if (opt == ':')
		usage_error(c, "option '%s' needs a value", arg);
	else if (!strncmp(arg, "--", 2) && optopt && eq)
		usage_error(c, "option '%.*s' takes no value", (int)(eq - arg), arg);
	else if (!strncmp(arg, "--", 2) || !optopt)
		usage_error(c, "unknown option '%s'", arg);
	else
		usage_error(c, "unknown option '-%c'", optopt);
}

int cli_common_opt(struct cli *c, int opt, const char *arg, char **argv)
{
	unsigned long v;

	switch (opt) {
	case 'p':
		return cli_parse_pids(c, arg) ? -1 : 1;
	case 't':
		if (cli_parse_ulong(c, "-t", arg, 1, INT_MAX, &v))
			return -1;
		c->tid = v;
		return 1;
	case 'C':
		if (!*arg || strlen(arg) > 15) {
			usage_error(c, "-C takes a comm of 1 to 15 bytes");
			return -1;
		}
		c->comm = arg;
		return 1;
	case 'd':
		return parse_duration(c, arg) ? -1 : 1;
	case 'j':
		c->json = true;
		return 1;
	case 'o':
		c->output = arg;
		return 1;
	case 'v':
		c->verbose = true;
		return 1;
	case CLI_OPT_RINGBUF:
		return parse_ringbuf(c, arg) ? -1 : 1;
	case CLI_OPT_ATTACH:
		return parse_attach(c, arg) ? -1 : 1;
	case 'h':
		fputs(c->usage, stdout);
		return CLI_DONE;
	case 'V':
		printf("%s %s\n", c->prog, PSN_VERSION);
		return CLI_DONE;
	case '?':
	case ':':
		cli_bad_option(c, opt, argv);
		return -1;
	}
	return 0;
}

static int open_output(struct cli *c)
{
	int fd;

	c->out = stdout;
	if (!c->output)
		return 0;
	fd = open(c->output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || !(c->out = fdopen(fd, "w"))) {
		fprintf(stderr, "%s: cannot write %s: %s\n", c->prog, c->output,
			strerror(errno));
		return -1;
	}
	return 0;
}

/* pidfd_open's flag for a thread that is not its process' leader (6.9+). */
#define CLI_PIDFD_THREAD O_EXCL

/* A pidfd that tid's exit makes readable, or -1 where the kernel has none. */
static int open_thread_fd(int tid)
{
	return syscall(SYS_pidfd_open, tid, CLI_PIDFD_THREAD);
}

int cli_finish(struct cli *c, int argc, char **argv, int optind)
{
	if (optind < argc)
		c->command = argv + optind;
	if (c->command && (c->npids || c->tid)) {
		usage_error(c, "a COMMAND ('%s') cannot be combined with -p or -t",
			    c->command[0]);
		return 1 + EXIT_USAGE;
	}
	for (size_t i = 0; i < c->npids; i++)
		if (check_process(c, c->pids[i]))
			return 1 + EXIT_USAGE;
	if (c->tid && !pid_exists(c->tid)) {
		fprintf(stderr, "%s: thread %d does not exist\n", c->prog, c->tid);
		return 1 + EXIT_USAGE;
	}
	/* Both filter: a thread outside the processes would trace nothing. */
	if (c->tid && c->npids && !has_pid(c, psn_tgid_of(c->tid))) {
		fprintf(stderr, "%s: thread %d is not in the -p processes\n",
			c->prog, c->tid);
		return 1 + EXIT_USAGE;
	}
	c->tid_fd = c->tid ? open_thread_fd(c->tid) : -1;
	if (open_output(c))
		return 1 + EXIT_RUNTIME;
	setvbuf(c->out, NULL, _IOFBF, 1 << 16);
	return 0;
}

int cli_parse(struct cli *c, int argc, char **argv, const char *optstring,
	      const struct option *longopts,
	      int (*tool_opt)(int opt, int argc, char **argv))
{
	int opt, r;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, optstring, longopts, NULL)) != -1) {
		r = cli_common_opt(c, opt, optarg, argv);
		if (!r)
			r = tool_opt(opt, argc, argv) ? -1 : 1;
		if (r < 0)
			return 1 + EXIT_USAGE;
		if (r == CLI_DONE)
			return 1;
	}
	return cli_finish(c, argc, argv, optind);
}

void cli_session_opts(struct cli *c, struct psn_session_opts *o)
{
	o->pids = c->pids;
	o->npids = c->npids;
	o->tid = c->tid;
	o->comm = c->comm;
	o->ringbuf_size = c->ringbuf_size;
	o->attach = c->attach;
}

static bool verbose_log;

static int print_fn(enum psn_print_level level, const char *fmt, va_list ap)
{
	if (level != PSN_WARN && !verbose_log)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* Fork COMMAND, held on a pipe until tracing is on. */
static int spawn_held(struct cli *c)
{
	int go[2];
	char b;

	if (pipe2(go, O_CLOEXEC))
		return -1;
	child = fork();
	if (child < 0)
		return -1;
	if (child == 0) {
		close(go[1]);
		if (read(go[0], &b, 1) != 1)
			_exit(127);
		execvp(c->command[0], c->command);
		fprintf(stderr, "%s: cannot run %s: %s\n", c->prog, c->command[0],
			strerror(errno));
		_exit(127);
	}
	close(go[0]);
	child_go = go[1];
	c->pids[0] = child;
	c->npids = 1;
	return 0;
}

static void open_error(const struct cli *c, int err)
{
	const char *why;

	switch (err) {
	case EPERM:
		why = "needs root or CAP_BPF+CAP_PERFMON";
		break;
	case EACCES:
		why = "cannot use tracefs at /sys/kernel/tracing: needs root, "
		      "or CAP_BPF+CAP_PERFMON with tracefs mounted and readable";
		break;
	case ENOENT:
		why = "no kernel BTF at /sys/kernel/btf/vmlinux "
		      "(needs a kernel built with CONFIG_DEBUG_INFO_BTF=y)";
		break;
	case ESRCH:
		why = "a target process does not exist";
		break;
	default:
		why = strerror(err);
	}
	fprintf(stderr, "%s: %s\n", c->prog, why);
}

struct psn_session *cli_start(struct cli *c, struct psn_session_opts *o)
{
	struct psn_session *s;
	int err;

	verbose_log = c->verbose;
	psn_set_print(print_fn);
	if (c->command) {
		if (spawn_held(c)) {
			fprintf(stderr, "%s: cannot start %s: %s\n", c->prog,
				c->command[0], strerror(errno));
			return NULL;
		}
		cli_session_opts(c, o);
		o->follow_children = true;
	}
	s = psn_session__open(o);
	if (!s) {
		open_error(c, errno);
		return NULL;
	}
	err = psn_session__load(s);
	if (!err)
		err = psn_session__attach(s);
	if (err) {
		fprintf(stderr, "%s: cannot load the BPF programs: %s%s\n", c->prog,
			strerror(-err), c->verbose ? "" : " (-v shows why)");
		psn_session__free(s);
		return NULL;
	}
	c->start_ns = psn_session__start_ns(s);
	return s;
}

static void on_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

static void setup_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Has the command ended?  Its status as an exit code in *code. */
static bool child_ended(int *code)
{
	int status;

	if (child < 0 || waitpid(child, &status, WNOHANG) != child)
		return false;
	*code = WIFEXITED(status) ? WEXITSTATUS(status)
				  : 128 + WTERMSIG(status);
	return true;
}

/* -p's processes have all exited, or -t's thread has. */
static bool targets_gone(const struct cli *c, struct psn_session *s)
{
	struct pollfd p = { .fd = c->tid_fd, .events = POLLIN };

	if (c->tid_fd >= 0 && poll(&p, 1, 0) > 0)
		return true;
	return c->npids && child < 0 && psn_session__live_pids(s) == 0;
}

static int output_error(struct cli *c)
{
	if (!ferror(c->out) && !fflush(c->out))
		return 0;
	if (errno == EPIPE)
		return 1;
	fprintf(stderr, "%s: writing %s: %s\n", c->prog,
		c->output ? c->output : "standard output", strerror(errno));
	return -1;
}

/*
 * The reader of the output pipe has gone (| head): seen when nothing is
 * written too, as a write would only find it at the next record.
 */
static bool output_closed(const struct cli *c)
{
	struct pollfd p = { .fd = fileno(c->out) };

	return poll(&p, 1, 0) > 0 && (p.revents & POLLERR);
}

static void release_child(void)
{
	if (child_go >= 0) {
		if (write(child_go, "g", 1) != 1)
			kill(child, SIGKILL);
		close(child_go);
		child_go = -1;
	}
}

/* Call the tick if its interval is over (or at the end); returns when. */
static uint64_t maybe_tick(struct cli *c, struct psn_session *s, uint64_t last,
			   bool final)
{
	uint64_t now = now_ns();

	if (!c->tick || (!final && (!c->interval || now - last < c->interval * 1e9)))
		return last;
	c->tick(c, s, now, (now - last) / 1e9);
	return now;
}

int cli_run(struct cli *c, struct psn_session *s)
{
	uint64_t end = c->duration ? now_ns() + c->duration * 1e9 : 0;
	uint64_t last_tick = c->start_ns;
	int code = 0, err = 0, out = 0;
	bool done = false;

	setup_signals();
	fprintf(stderr, "Tracing%s... Hit Ctrl-C to end.\n",
		c->json ? " (JSON Lines)" : "");
	release_child();
	while (!done && !exiting) {
		err = psn_session__poll(s, 100);
		if (err < 0 && err != -EINTR)
			break;
		err = 0;
		last_tick = maybe_tick(c, s, last_tick, false);
		out = output_error(c);
		if (!out && output_closed(c))
			out = 1;
		done = out || child_ended(&code) || targets_gone(c, s) ||
		       (end && now_ns() >= end);
	}
	if (!out && !err) {
		psn_session__flush(s);
		maybe_tick(c, s, last_tick, true);
	}
	if (!out)
		out = output_error(c);
	if (psn_session__lost(s))
		fprintf(stderr, "%s: %llu records lost in all\n", c->prog,
			(unsigned long long)psn_session__lost(s));
	if (c->output && fclose(c->out) && out >= 0)
		out = -1;
	if (err)
		fprintf(stderr, "%s: polling: %s\n", c->prog, strerror(-err));
	return err || out < 0 ? EXIT_RUNTIME : code;
}

int cli_trace(struct cli *c, struct psn_session_opts *o, void (*header)(void))
{
	struct psn_session *s = cli_start(c, o);
	int code;

	if (!s)
		return EXIT_RUNTIME;
	if (header)
		header();
	code = cli_run(c, s);
	psn_session__free(s);
	return code;
}

void cli_lost(struct cli *c, const struct psn_event *ev)
{
	if (c->json) {
		json_head(&c->line, ev, "lost");
		line_str(&c->line, ",\"count\":");
		line_u64(&c->line, ev->lost.count);
		line_str(&c->line, "}\n");
		line_write(&c->line, c->out);
		return;
	}
	fprintf(stderr, "%s: lost %llu records (--ringbuf-size sets the buffer)\n",
		c->prog, (unsigned long long)ev->lost.count);
}

double cli_reltime(const struct cli *c, uint64_t ts_ns)
{
	return ts_ns >= c->start_ns ? (ts_ns - c->start_ns) / 1e9
				    : -((c->start_ns - ts_ns) / 1e9);
}

/*
 * Runs for every row (printf's floating point was a tenth of the tool's
 * time): made from the right, the fraction in 32-bit arithmetic.
 */
void cli_time(const struct cli *c, struct line *l, uint64_t ts_ns)
{
	bool neg = ts_ns < c->start_ns;
	uint64_t us = ((neg ? c->start_ns - ts_ns : ts_ns - c->start_ns) + 500) / 1000;
	size_t len = neg + line_u64_len(us / 1000000) + 7;

	if (len < 10)
		line_spaces(l, 10 - len);
	if (neg)
		line_chr(l, '-');
	line_u64(l, us / 1000000);
	line_chr(l, '.');
	line_u64_zeros(l, us % 1000000, 6);
}

void json_write_str(FILE *f, const char *src, size_t len)
{
	struct line l;	/* only len needs a value: not 4 KiB zeroed per call */
	size_t took;

	l.len = 0;
	do {
		took = line_json(&l, src, len);
		line_write(&l, f);
		src += took;
		len -= took;
	} while (len);
}

void json_head(struct line *l, const struct psn_event *ev, const char *event)
{
	line_str(l, "{\"ts_ns\":");
	line_u64(l, ev->ts_ns);
	line_str(l, ",\"pid\":");
	line_u64(l, ev->pid);
	line_str(l, ",\"tid\":");
	line_u64(l, ev->tid);
	line_str(l, ",\"comm\":\"");
	line_json(l, ev->comm, strnlen(ev->comm, sizeof(ev->comm)));
	line_str(l, "\",\"event\":\"");
	line_str(l, event);
	line_chr(l, '"');
}

void json_errno(struct line *l, long ret)
{
	const char *name = ret < 0 ? psn_errno_name(ret) : NULL;

	if (ret >= 0) {
		line_str(l, ",\"errno\":null");
		return;
	}
	line_str(l, ",\"errno\":\"");
	if (name) {
		line_str(l, name);
	} else {
		line_chr(l, 'E');
		line_i64(l, -ret);
	}
	line_chr(l, '"');
}

void text_comm(char *dst, const char *comm)
{
	size_t i;

	for (i = 0; i < 15 && comm[i]; i++)
		dst[i] = comm[i] >= 0x20 && comm[i] < 0x7f ? comm[i] : '?';
	dst[i] = '\0';
}
