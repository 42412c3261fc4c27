/*
 * Core dumps off, memory locked, seccomp allow-list (see sandbox.h).
 *
 * The allow-list is a table of names (built with common/seccomp.h, which
 * resolves them for the native architecture, so a name the architecture
 * lacks is skipped rather than breaking the build, and kills calls from a
 * foreign one: x32, i386 on x86_64) and, for the few calls whose arguments
 * matter, a condition:
 *  - mmap and mprotect never with PROT_EXEC, so a bug cannot map new code;
 *  - getsockopt only for the peer credentials;
 *  - sendto only without an address (send(2) on a connected socket), so no
 *    datagram can be aimed at another socket;
 *  - sendmmsg (the replies to peers) only on descriptors below the syslog
 *    socket's and systemd's notify socket's: those are AF_UNIX datagram
 *    sockets, where a message's own address would override the peer. keyd
 *    puts them on the highest descriptors its RLIMIT_NOFILE allows
 *    (main.c), so every other descriptor is below them; one unsigned 64-bit
 *    "less than" also rejects a value with high bits set, which the kernel
 *    would truncate to an int.
 * No socket, no connect: syslog goes through one socket connected before
 * the filter (common/log.h, moat_log_open_syslog_socket), which is never
 * reopened; so does systemd's notify protocol (common/sd_notify.h).
 */
#include "keyd/sandbox.h"

#include <errno.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/seccomp.h"
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
	/* the event loop reads a peer's packets several per call (requests.c); sendto, sendmmsg: see build() */
	"recvmmsg",
	/* signing threads: locks and condition variables; at shutdown, thread exit blocks signals */
	"futex", "rt_sigprocmask", "exit",
	/* memory: malloc and libcrypto (brk when the main heap grows, mremap when realloc moves a large block) */
	"brk", "munmap", "madvise", "mremap",
	/*
	 * secure memory (common/secmem.h) locks each new mapping itself: a key
	 * added at run time (KEY_ADD, key_admin.c) may need one for its RSA
	 * decryption secret. Locking memory gives a process nothing it could
	 * abuse beyond RLIMIT_MEMLOCK, which mlockall already spends.
	 */
	"mlock",
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

static int build(struct moat_seccomp *f, int own_fd)
{
	TRY(moat_seccomp_allow(f, allowed, sizeof(allowed) / sizeof(allowed[0])));
#ifdef KEYD_ASAN
	TRY(moat_seccomp_allow(f, allowed_asan, sizeof(allowed_asan) / sizeof(allowed_asan[0])));
#endif

	const struct moat_seccomp_cond no_exec = { .arg = 2, .op = MOAT_SECCOMP_MASKED_EQ, .mask = PROT_EXEC, .value = 0 };
	TRY(moat_seccomp_allow_if(f, "mmap", &no_exec, 1));
	TRY(moat_seccomp_allow_if(f, "mprotect", &no_exec, 1));

	const struct moat_seccomp_cond peercred[] = {
		{ .arg = 1, .op = MOAT_SECCOMP_EQ, .value = SOL_SOCKET },
		{ .arg = 2, .op = MOAT_SECCOMP_EQ, .value = SO_PEERCRED },
	};
	const struct moat_seccomp_cond peergroups[] = {
		{ .arg = 1, .op = MOAT_SECCOMP_EQ, .value = SOL_SOCKET },
		{ .arg = 2, .op = MOAT_SECCOMP_EQ, .value = SO_PEERGROUPS },
	};
	TRY(moat_seccomp_allow_if(f, "getsockopt", peercred, 2));
	TRY(moat_seccomp_allow_if(f, "getsockopt", peergroups, 2));

	/* send(2) is sendto with no address (the syslog socket); any address kills. */
	const struct moat_seccomp_cond no_address = { .arg = 4, .op = MOAT_SECCOMP_EQ, .value = 0 };
	TRY(moat_seccomp_allow_if(f, "sendto", &no_address, 1));

	if (own_fd >= 0) {
		const struct moat_seccomp_cond below_own = { .arg = 0, .op = MOAT_SECCOMP_LT, .value = (uint64_t)own_fd };
		TRY(moat_seccomp_allow_if(f, "sendmmsg", &below_own, 1));
	} else {
		static const char *const sendmmsg_any[] = { "sendmmsg" };
		TRY(moat_seccomp_allow(f, sendmmsg_any, 1));
	}
	return MOAT_SUCCESS;
}

void keyd_sandbox_describe(char *buf, size_t len)
{
	struct moat_seccomp *f = NULL;
	if (len == 0)
		return;
	buf[0] = '\0';
	if (moat_seccomp_new(&f) == MOAT_SUCCESS && build(f, -1) == MOAT_SUCCESS)
		snprintf(buf, len, "%s", moat_seccomp_names(f));
	moat_seccomp_free(f);
}

int keyd_sandbox_seccomp(int own_fd, size_t *rules)
{
	ENSURE_REF(rules);
	*rules = 0;
	struct moat_seccomp *f = NULL;
	TRY(moat_seccomp_new(&f));
	int rc = build(f, own_fd);
	if (rc == MOAT_SUCCESS) {
		*rules = moat_seccomp_allowed(f);
		rc = moat_seccomp_load(f);
	}
	moat_seccomp_free(f);
	return rc;
}
