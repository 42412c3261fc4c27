/*
 * Core dumps off, memory locked, seccomp allow-list (see sandbox.h).
 *
 * The allow-list is a table of names (resolved by libseccomp for the native
 * architecture, so a name the architecture lacks is skipped rather than
 * breaking the build) and, for the few calls whose arguments matter, a
 * condition:
 *  - mmap and mprotect never with PROT_EXEC, so a bug cannot map new code;
 *  - getsockopt only for the peer credentials;
 *  - sendto only without an address (send(2) on a connected socket), so no
 *    datagram can be aimed at another socket;
 *  - sendmmsg (the replies to peers) only on descriptors below the syslog
 *    socket's: that one is an AF_UNIX datagram socket, where a message's
 *    own address would override the peer. keyd puts the log socket on the
 *    highest descriptor its RLIMIT_NOFILE allows (main.c), so every other
 *    descriptor is below it; one unsigned 64-bit "less than" also rejects a
 *    value with high bits set, which the kernel would truncate to an int.
 * No socket, no connect: syslog goes through one socket connected before
 * the filter (common/log.h, moat_log_open_syslog_socket), which is never
 * reopened. Calls from a foreign architecture (x32, i386 on x86_64) kill
 * the process too.
 */
#include "keyd/sandbox.h"

#include <errno.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/secmem.h"

#if defined(__SANITIZE_ADDRESS__)
#define KEYD_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KEYD_ASAN 1
#endif
#endif

int keyd_sandbox_not_dumpable(void)
{
	ENSURE(prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0, MOAT_ERR_INTERNAL);
	return MOAT_SUCCESS;
}

int keyd_sandbox_harden(enum keyd_lock_state *state)
{
	ENSURE_REF(state);
	*state = KEYD_NOT_LOCKED_ENV;
	const struct rlimit no_core = { 0, 0 };
	ENSURE(setrlimit(RLIMIT_CORE, &no_core) == 0, MOAT_ERR_INTERNAL);
	TRY(keyd_sandbox_not_dumpable());
	if (!moat_secmem_locking())
		return MOAT_SUCCESS;
#ifdef KEYD_ASAN
	/*
	 * The sanitizer runtime intercepts mlockall and does nothing (locking its
	 * terabytes of shadow mappings could not work); say so rather than
	 * claim locked memory.
	 */
	*state = KEYD_NOT_LOCKED_ASAN;
	return MOAT_SUCCESS;
#endif
	if (geteuid() == 0) {
		/*
		 * MCL_FUTURE locks every later mapping too, and after keyd drops
		 * root (config "user") RLIMIT_MEMLOCK applies: lift it while we can.
		 */
		const struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
		(void)setrlimit(RLIMIT_MEMLOCK, &unlimited);
	}
	ENSURE(mlockall(MCL_CURRENT | MCL_FUTURE) == 0, MOAT_ERR_MLOCK);
	*state = KEYD_LOCKED;
	return MOAT_SUCCESS;
}

/*
 * Syscalls allowed without conditions: what strace shows keyd making once
 * the sandbox is on, through every request type, refusals, floods, both log
 * sinks and shutdown (tests/keyd), plus the few the traces cannot show on
 * every run, each with its reason.
 */
static const char *const allowed[] = {
	/* the event loop (epoll_pwait is epoll_wait on architectures without the older call) */
	"epoll_wait", "epoll_pwait", "epoll_ctl", "accept4", "read", "write", "close",
	/* the event loop reads a peer's packets several per call (server.c); sendto, sendmmsg: see build() */
	"recvmmsg",
	/* signing threads: locks and condition variables; at shutdown, thread exit blocks signals */
	"futex", "rt_sigprocmask", "exit",
	/* memory: malloc and libcrypto (brk when the main heap grows, mremap when realloc moves a large block) */
	"brk", "munmap", "madvise", "mremap",
	/* libcrypto's DRBG: fork detection on every call, reseeding now and then */
	"getpid", "getrandom",
	/* time stamps: normally the vDSO, the syscall when it falls back */
	"clock_gettime",
	/* end of process, and returning from or restarting around a signal */
	"exit_group", "rt_sigreturn", "restart_syscall",
};

#ifdef KEYD_ASAN
/*
 * AddressSanitizer's runtime (--enable-sanitizers builds only): a thread
 * removes its alternate signal stack on exit (seen in strace); the
 * allocator's spin locks yield under contention and its thread registry
 * asks for the thread id. Its error reports still die here (they read
 * /proc/self/maps), with SIGSYS instead of a report: rerun the failing test
 * with the test build's --test-no-seccomp to read it.
 */
static const char *const allowed_asan[] = { "sigaltstack", "sched_yield", "gettid" };
#endif

static int add(scmp_filter_ctx ctx, uint32_t action, const char *name, unsigned argc,
	       const struct scmp_arg_cmp *args, size_t *rules)
{
	int nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR)
		return MOAT_SUCCESS; /* not a syscall on this architecture */
	ENSURE(seccomp_rule_add_array(ctx, action, nr, argc, args) == 0, MOAT_ERR_INTERNAL);
	if (action == SCMP_ACT_ALLOW)
		(*rules)++;
	return MOAT_SUCCESS;
}

/* One argument condition, every field set (libseccomp's SCMP_A* macros leave datum_b to the compiler). */
static struct scmp_arg_cmp cmp(unsigned arg, enum scmp_compare op, uint64_t a, uint64_t b)
{
	const struct scmp_arg_cmp c = { .arg = arg, .op = op, .datum_a = a, .datum_b = b };
	return c;
}

static int build(scmp_filter_ctx ctx, int log_fd, size_t *rules)
{
	ENSURE(seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1) == 0, MOAT_ERR_INTERNAL);
	ENSURE(seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1) == 0, MOAT_ERR_INTERNAL);
	ENSURE(seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) == 0, MOAT_ERR_INTERNAL);

	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		TRY(add(ctx, SCMP_ACT_ALLOW, allowed[i], 0, NULL, rules));
#ifdef KEYD_ASAN
	for (size_t i = 0; i < sizeof(allowed_asan) / sizeof(allowed_asan[0]); i++)
		TRY(add(ctx, SCMP_ACT_ALLOW, allowed_asan[i], 0, NULL, rules));
#endif

	/* For MASKED_EQ, datum_a is the mask and datum_b the value; for EQ, datum_a is the value. */
	const struct scmp_arg_cmp no_exec[] = { cmp(2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0) };
	TRY(add(ctx, SCMP_ACT_ALLOW, "mmap", 1, no_exec, rules));
	TRY(add(ctx, SCMP_ACT_ALLOW, "mprotect", 1, no_exec, rules));

	const struct scmp_arg_cmp peercred[] = { cmp(1, SCMP_CMP_EQ, SOL_SOCKET, 0), cmp(2, SCMP_CMP_EQ, SO_PEERCRED, 0) };
	const struct scmp_arg_cmp peergroups[] = { cmp(1, SCMP_CMP_EQ, SOL_SOCKET, 0),
						   cmp(2, SCMP_CMP_EQ, SO_PEERGROUPS, 0) };
	size_t getsockopt_rules = 0;
	TRY(add(ctx, SCMP_ACT_ALLOW, "getsockopt", 2, peercred, &getsockopt_rules));
	TRY(add(ctx, SCMP_ACT_ALLOW, "getsockopt", 2, peergroups, &getsockopt_rules));
	*rules += getsockopt_rules > 0;

	/* send(2) is sendto with no address (the syslog socket); any address kills. */
	const struct scmp_arg_cmp no_address[] = { cmp(4, SCMP_CMP_EQ, 0, 0) };
	TRY(add(ctx, SCMP_ACT_ALLOW, "sendto", 1, no_address, rules));

	if (log_fd >= 0) {
		const struct scmp_arg_cmp below_log[] = { cmp(0, SCMP_CMP_LT, (uint64_t)log_fd, 0) };
		TRY(add(ctx, SCMP_ACT_ALLOW, "sendmmsg", 1, below_log, rules));
	} else {
		TRY(add(ctx, SCMP_ACT_ALLOW, "sendmmsg", 0, NULL, rules));
	}
	return MOAT_SUCCESS;
}

static void append_name(char *buf, size_t len, size_t *used, const char *name)
{
	int n = snprintf(buf + *used, len - *used, "%s%s", *used > 0 ? " " : "", name);
	if (n > 0 && (size_t)n < len - *used)
		*used += (size_t)n;
}

void keyd_sandbox_describe(char *buf, size_t len)
{
	size_t used = 0;
	if (len == 0)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		append_name(buf, len, &used, allowed[i]);
#ifdef KEYD_ASAN
	for (size_t i = 0; i < sizeof(allowed_asan) / sizeof(allowed_asan[0]); i++)
		append_name(buf, len, &used, allowed_asan[i]);
#endif
	append_name(buf, len, &used, "mmap mprotect getsockopt sendto sendmmsg");
}

int keyd_sandbox_seccomp(int log_fd, size_t *rules)
{
	ENSURE_REF(rules);
	*rules = 0;
	ENSURE(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0, MOAT_ERR_INTERNAL);
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	ENSURE(ctx != NULL, MOAT_ERR_ALLOC);
	int rc = build(ctx, log_fd, rules);
	if (rc == MOAT_SUCCESS && seccomp_load(ctx) != 0) {
		moat_error_raise(MOAT_ERR_INTERNAL, MOAT_HERE);
		rc = MOAT_FAILURE;
	}
	seccomp_release(ctx);
	return rc;
}
