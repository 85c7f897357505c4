// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A traced process that does what a tracer must survive: names itself
 * anything, passes bad pointers and fds, reuses fd numbers, shares an epoll
 * set across fork, makes a 32-bit syscall.  Usage: hostile CASE; see the
 * cases below.  Prints "fd=N" lines for the fds a test must know, on stderr.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void add(int ep, int fd, uint64_t data)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = data };

	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
		die("epoll_ctl");
}

/* A pipe made readable: returns its read end. */
static int ready_pipe(void)
{
	int p[2];

	if (pipe(p) || write(p[1], "x", 1) != 1)
		die("pipe");
	return p[0];
}

static int wait_one(int ep)
{
	struct epoll_event ev;

	return epoll_wait(ep, &ev, 1, 1000);
}

/* comm with quotes, backslash, newline, a control byte and invalid UTF-8. */
static int case_comm(void)
{
	static const char name[] = "a\"b\\c\nd\x01\xff\xc3";
	int ep = epoll_create1(0), fd = ready_pipe();

	if (prctl(PR_SET_NAME, name))
		die("prctl");
	add(ep, fd, fd);
	return wait_one(ep) == 1 ? 0 : 1;
}

/* Bad pointers and fds: every call fails, none may break the tracer. */
static int case_badptr(void)
{
	int ep = epoll_create1(0), fd = ready_pipe();
	struct epoll_event one = { .events = EPOLLIN };

	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, (void *)8) != -1 || errno != EFAULT)
		return 1;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, -1, &one) != -1 || errno != EBADF)
		return 1;
	add(ep, fd, fd);
	/* Raw syscalls: the libc wrapper's buffer checks would refuse these. */
	if (syscall(SYS_epoll_wait, ep, (void *)8, 10, 0) != -1 || errno != EFAULT)
		return 1;
	/* maxevents far beyond the real one-event buffer: one event is ready. */
	return syscall(SYS_epoll_wait, ep, &one, 100000, 0) == 1 ? 0 : 1;
}

/*
 * fd reuse: register pipe A with data=A, let A's number go (no DEL) by
 * close, dup2 or dup3 onto it, or close_range, then register pipe B with
 * data=A.  An event with data=A is B's: a stale A must not make it
 * ambiguous.  With reuse-waited, a wait reports A's event first, so the
 * kernel side has answered data=A -> A once before A goes.
 */
static void let_go(int fd, const char *how)
{
	int null = open("/dev/null", O_RDONLY);

	if (null < 0)
		die("open");
	if (!strcmp(how, "dup2") ? dup2(null, fd) < 0 :
	    !strcmp(how, "dup3") ? dup3(null, fd, O_CLOEXEC) < 0 :
	    !strcmp(how, "close_range") ? syscall(SYS_close_range, fd, fd, 0) :
	    close(fd))
		die(how);
	close(null);
}

static int reuse_after(const char *how, bool waited)
{
	int ep = epoll_create1(0), a = ready_pipe(), b, stale = a;

	add(ep, a, a);
	if (waited && wait_one(ep) != 1)
		return 1;
	let_go(a, how);
	b = ready_pipe();
	if (b == stale)
		b = dup(b);	/* B got A's number: another, so the two differ */
	add(ep, b, stale);
	fprintf(stderr, "fd=%d data=%d\n", b, stale);
	return wait_one(ep) == 1 ? 0 : 1;
}

static int case_reuse(void) { return reuse_after("close", false); }
static int case_reuse_waited(void) { return reuse_after("close", true); }
static int case_reuse_dup2(void) { return reuse_after("dup2", false); }
static int case_reuse_dup3(void) { return reuse_after("dup3", false); }
static int case_reuse_close_range(void) { return reuse_after("close_range", false); }

/*
 * epoll set reuse: register pipe A with data=A in a set, close the set (A
 * stays open), make a new set, which gets the old one's number, and register
 * pipe B in it with data=A.  An event with data=A is B's: the closed set's
 * registration of A must not make it ambiguous.  Closed by close or
 * close_range.
 */
static int reuse_epfd_after(const char *how)
{
	int ep = epoll_create1(0), a = ready_pipe(), again;

	add(ep, a, a);
	let_go(ep, how);
	again = epoll_create1(0);
	if (again != ep) {
		fprintf(stderr, "the new set is fd %d, not %d\n", again, ep);
		return 1;
	}
	add(again, ready_pipe(), a);
	return wait_one(again) == 1 ? 0 : 1;
}

static int case_reuse_epfd(void) { return reuse_epfd_after("close"); }
static int case_reuse_epfd_close_range(void) { return reuse_epfd_after("close_range"); }

/*
 * exec closes a close-on-exec set: register pipe A (fd REUSE_FD, kept across
 * exec) with data=A in a set at REUSE_EPFD, exec reuse-exec-after, which
 * makes a set at that number and registers pipe B in it with data=A.  An
 * event with data=A is B's.  Numbers far from those the dynamic loader opens
 * and closes after exec (a close of the number would forget the set), and
 * given by fcntl, which is not traced.
 */
#define REUSE_FD 100
#define REUSE_EPFD 101

static int set_at(int flags)
{
	int ep = epoll_create1(0), at = fcntl(ep, flags, REUSE_EPFD);

	if (at != REUSE_EPFD)
		die("fcntl");
	close(ep);
	return at;
}

static int case_reuse_exec(void)
{
	int ep = set_at(F_DUPFD_CLOEXEC);

	if (dup2(ready_pipe(), REUSE_FD) != REUSE_FD)
		die("dup2");
	add(ep, REUSE_FD, REUSE_FD);
	execl("/proc/self/exe", "hostile", "reuse-exec-after", (char *)NULL);
	die("exec");
	return 1;
}

static int case_reuse_exec_after(void)
{
	int ep = set_at(F_DUPFD);

	add(ep, ready_pipe(), REUSE_FD);
	return wait_one(ep) == 1 ? 0 : 1;
}

/*
 * A herd, HERD_ROUNDS times: two threads wait on one level-triggered set
 * for the byte the main thread writes; both are woken and both waits return
 * it (they read only once both have returned), both read (one gets EAGAIN).
 * Their waits' exits rewrite the fd's window at the same moment.
 */
#define HERD_ROUNDS 2000

/* One end of a socketpair in an epoll set, and the threads' barrier. */
struct stepped {
	pthread_barrier_t step;
	int ep, fd;
};

static struct stepped herd, spin;

/* Returns the socketpair's other end, the one to write to. */
static int stepped_init(struct stepped *s, unsigned int threads)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv))
		die("socketpair");
	s->ep = epoll_create1(0);
	s->fd = sv[0];
	add(s->ep, sv[0], sv[0]);
	pthread_barrier_init(&s->step, NULL, threads);
	return sv[1];
}

static void *herd_waiter(void *arg)
{
	struct epoll_event ev;
	char c;

	for (int i = 0; i < HERD_ROUNDS; i++) {
		pthread_barrier_wait(&herd.step);
		epoll_wait(herd.ep, &ev, 1, 50);
		pthread_barrier_wait(&herd.step);
		if (read(herd.fd, &c, 1) < 0 && errno != EAGAIN)
			die("read");
		pthread_barrier_wait(&herd.step);
	}
	return arg;
}

static int case_herd(void)
{
	pthread_t t[2];
	int w = stepped_init(&herd, 3);

	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, herd_waiter, NULL);
	for (int i = 0; i < HERD_ROUNDS; i++) {
		pthread_barrier_wait(&herd.step);
		if (write(w, "x", 1) != 1)
			die("write");
		pthread_barrier_wait(&herd.step);
		pthread_barrier_wait(&herd.step);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	return 0;
}

/*
 * A re-arm's own event, SPIN_ROUNDS times: a thread polls a set (timeout 0)
 * without pause while the main thread writes a byte to an fd the set holds
 * disarmed (EPOLLONESHOT), then re-arms it with MOD, same data.  The poll
 * often returns the event while the MOD is still on its way out; the thread
 * reads the byte only once the MOD has returned.
 */
#define SPIN_ROUNDS 20000

static void mod(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	if (epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev))
		die("epoll_ctl");
}

static void *spin_poller(void *arg)
{
	struct epoll_event ev;
	char c;

	for (int i = 0; i < SPIN_ROUNDS; i++) {
		while (epoll_wait(spin.ep, &ev, 1, 0) != 1)
			;
		pthread_barrier_wait(&spin.step);
		if (read(spin.fd, &c, 1) != 1)
			die("read");
		pthread_barrier_wait(&spin.step);
	}
	return arg;
}

static int case_rearm_spin(void)
{
	pthread_t t;
	int w = stepped_init(&spin, 2);

	mod(spin.ep, spin.fd, EPOLLONESHOT, spin.fd);
	pthread_create(&t, NULL, spin_poller, NULL);
	for (int i = 0; i < SPIN_ROUNDS; i++) {
		if (write(w, "x", 1) != 1)
			die("write");
		mod(spin.ep, spin.fd, EPOLLIN | EPOLLONESHOT, spin.fd);
		pthread_barrier_wait(&spin.step);
		pthread_barrier_wait(&spin.step);
	}
	pthread_join(t, NULL);
	return 0;
}

/* dup2 of an fd onto itself closes nothing: its registration stands. */
static int case_dup2_self(void)
{
	int ep = epoll_create1(0), a = ready_pipe();

	add(ep, a, a);
	if (dup2(a, a) != a)
		die("dup2");
	return wait_one(ep) == 1 ? 0 : 1;
}

static void no_ia32(int sig)
{
	(void)sig;
	fprintf(stderr, "ia32=unsupported\n");
	_exit(77);
}

/*
 * A 32-bit read (int $0x80, number 3) of an fd in a window, with rdi holding
 * the fd too: 3 is x86-64's close, and a tracer that numbers it as one would
 * report a close.  Exits 77 where the kernel runs no 32-bit syscalls.
 */
static int case_compat(void)
{
	int ep = epoll_create1(0), fd = ready_pipe();
	char *buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	long r;

	if (buf == MAP_FAILED)
		die("mmap");
	add(ep, fd, fd);
	if (wait_one(ep) != 1)
		return 1;
	signal(SIGSEGV, no_ia32);
	__asm__ volatile("int $0x80"
			 : "=a"(r)
			 : "a"(3L), "b"((long)fd), "c"((long)buf), "d"(1L), "D"((long)fd)
			 : "memory", "r8", "r9", "r10", "r11");
	fprintf(stderr, "fd=%d ia32_read=%ld\n", fd, r);
	return r == 1 ? 0 : 1;
}

/* fork: the child waits on the parent's epoll set. */
static int case_fork(void)
{
	int ep = epoll_create1(0), fd = ready_pipe(), status;
	pid_t child;

	add(ep, fd, fd);
	fprintf(stderr, "fd=%d\n", fd);
	
	child = fork();
	if (child < 0)
		die("fork");
	if (!child) {
		/* Give the tracer a moment to learn the child (fdinfo). */
		usleep(500000);
		_exit(wait_one(ep) == 1 ? 0 : 1);
	}
	if (waitpid(child, &status, 0) != child)
		die("waitpid");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(void);
	} cases[] = {
		{ "comm", case_comm },
		{ "badptr", case_badptr },
		{ "reuse", case_reuse },
		{ "reuse-waited", case_reuse_waited },
		{ "reuse-dup2", case_reuse_dup2 },
		{ "reuse-dup3", case_reuse_dup3 },
		{ "reuse-close-range", case_reuse_close_range },
		{ "reuse-epfd", case_reuse_epfd },
		{ "reuse-epfd-close-range", case_reuse_epfd_close_range },
		{ "reuse-exec", case_reuse_exec },
		{ "reuse-exec-after", case_reuse_exec_after },
		{ "dup2-self", case_dup2_self },
		{ "herd", case_herd },
		{ "rearm-spin", case_rearm_spin },
		{ "fork", case_fork },
		{ "compat", case_compat },
	};

	for (size_t i = 0; argc == 2 && i < sizeof(cases) / sizeof(cases[0]); i++)
		if (!strcmp(argv[1], cases[i].name))
			return cases[i].fn();
	fprintf(stderr, "usage: hostile comm|badptr|"
		"reuse[-waited|-dup2|-dup3|-close-range|-epfd[-close-range]|-exec]|dup2-self|herd|rearm-spin|fork|compat\n");
	return 2;
}
