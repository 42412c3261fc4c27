/*
 * frontd's sandbox (see sandbox.h): what the event loop may still call.
 *
 * The list is what strace shows frontd making once setup is over, through
 * the end-to-end suite (tests/e2e) and frontd's own (tests/frontd): TLS
 * handshakes with every key type, keyd signing, refusing, timing out,
 * restarting and coming back, TCP and Unix backends that accept, refuse and
 * vanish, half-closes, backpressure, timeouts and shutdown. Nothing there
 * opens a file. Each entry below says what needs it.
 *
 * The threat is code execution inside frontd, the process that parses
 * everything the internet sends. Such code keeps frontd's descriptors
 * (listeners, client and backend connections, the keyd socket: it can
 * do what frontd does), and the filter takes away the rest: reading the
 * file system (certificates' neighbours, other services' secrets), starting
 * programs, mapping new code, attaching to other processes, opening raw or
 * netlink sockets. Connecting to new internet hosts is possible only in a
 * process that has a TCP backend, since it must itself connect to it.
 */
#include <config.h>

#include "frontd/sandbox.h"

#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#ifdef MOAT_SANITIZERS
#include <fcntl.h>
#include <sys/ioctl.h>
#endif

#include "common/log.h"
#include "common/seccomp.h"

/*
 * libevent's wait for events, by the method it chose when the event base was
 * made (epoll; poll or select only when told to avoid epoll, as a test
 * does): the other methods' calls stay forbidden. The p-variants are the
 * plain ones on architectures that lack those.
 */
static const struct {
	const char *method;
	const char *calls[3];
} event_methods[] = {
	{ "epoll", { "epoll_wait", "epoll_pwait", "epoll_ctl" } },
	{ "poll", { "poll", "ppoll", NULL } },
	{ "select", { "select", "pselect6", NULL } },
};

static const char *const allowed[] = {
	/* clients: accept, TLS records in and out, half-close, close */
	"accept4", "read", "write", "recvfrom", "sendto", "shutdown", "close",
	/*
	 * backends and keyd: a new connection (socket() itself has a condition
	 * below), TCP_NODELAY on a backend, the outcome of a non-blocking
	 * connect (SO_ERROR); keyd's replies and requests in bursts
	 */
	"connect", "setsockopt", "getsockopt", "recvmmsg", "sendmmsg",
	/*
	 * the access log: its lines (write), and the reopened file's
	 * descriptor from the helper that opens it (logopen.c), which is why
	 * open and openat can stay forbidden here
	 */
	"recvmsg",
	/* a client's two endpoints, for the PROXY header a backend is sent (proxy_protocol.h) */
	"getpeername", "getsockname",
	/* memory: malloc and libcrypto; secure memory is locked, kept out of core dumps, wiped and unlocked */
	"brk", "munmap", "mremap", "madvise", "mlock", "munlock",
	/* libcrypto: its one-time initialisers' wake-ups, the DRBG's fork check and reseeding */
	"futex", "getpid", "getrandom",
	/* time stamps and libevent's timers: the vDSO normally, these when it falls back */
	"clock_gettime", "gettimeofday",
	/*
	 * signals: the handler's return, a call restarted after one, and at
	 * exit libevent putting back the SIGTERM and SIGINT handlers it replaced
	 */
	"rt_sigreturn", "restart_syscall", "rt_sigaction",
	"exit_group",
};

#ifdef MOAT_SANITIZERS
/*
 * --enable-sanitizers builds only (configure defines MOAT_SANITIZERS; a
 * production build allows none of this), found by running those builds'
 * suites, and a leak planted on purpose, and reading the calls the filter
 * refused in the kernel's audit log. AddressSanitizer's allocator yields and asks for thread ids, and
 * its alternate signal stack goes at exit. LeakSanitizer's check at exit
 * makes the process dumpable again, clones a helper task that lists
 * /proc/self/task, ptrace-stops every thread, is waited for and exits; a
 * leak report then reads /proc/self/maps and the program's own file
 * (read-only openat, fstat, readlink, lseek) and asks whether stderr is a
 * terminal (ioctl TCGETS only). UndefinedBehaviorSanitizer prints its
 * report line, then dies of SIGSYS when it starts an external symbolizer.
 */
static const char *const allowed_sanitizers[] = {
	"sched_yield", "gettid", "getppid", "geteuid", "sigaltstack", "rt_sigprocmask", "prctl", "clone",
	"ptrace", "wait4", "exit", "open", "getdents", "lseek", "fcntl", "fstat", "newfstatat", "readlink",
};
#endif

static int add_socket_family(struct moat_seccomp *f, int family)
{
	const struct moat_seccomp_cond domain = { .arg = 0, .op = MOAT_SECCOMP_EQ, .value = (uint64_t)family };
	return moat_seccomp_allow_if(f, "socket", &domain, 1);
}

static int add_event_method(struct moat_seccomp *f, const char *method)
{
	for (size_t i = 0; i < sizeof(event_methods) / sizeof(event_methods[0]); i++) {
		if (strcmp(event_methods[i].method, method) != 0)
			continue;
		size_t n = 0;
		while (n < 3 && event_methods[i].calls[n] != NULL)
			n++;
		return moat_seccomp_allow(f, event_methods[i].calls, n);
	}
	BAIL(MOAT_ERR_NOT_SUPPORTED);
}

static int build(const struct frontd_config *cfg, const char *event_method, struct moat_seccomp *f)
{
	TRY(add_event_method(f, event_method));
	TRY(moat_seccomp_allow(f, allowed, sizeof(allowed) / sizeof(allowed[0])));
#ifdef MOAT_SANITIZERS
	TRY(moat_seccomp_allow(f, allowed_sanitizers, sizeof(allowed_sanitizers) / sizeof(allowed_sanitizers[0])));
	const struct moat_seccomp_cond read_only = { .arg = 2, .op = MOAT_SECCOMP_MASKED_EQ, .mask = O_ACCMODE,
						     .value = O_RDONLY };
	TRY(moat_seccomp_allow_if(f, "openat", &read_only, 1));
	const struct moat_seccomp_cond is_tty = { .arg = 1, .op = MOAT_SECCOMP_EQ, .value = TCGETS };
	TRY(moat_seccomp_allow_if(f, "ioctl", &is_tty, 1));
#endif

	/* New mappings and changed ones are data, never code. */
	const struct moat_seccomp_cond no_exec = { .arg = 2, .op = MOAT_SECCOMP_MASKED_EQ, .mask = PROT_EXEC, .value = 0 };
	TRY(moat_seccomp_allow_if(f, "mmap", &no_exec, 1));
	TRY(moat_seccomp_allow_if(f, "mprotect", &no_exec, 1));

	/*
	 * keyd (a reconnect after keyd restarts), Unix backends and syslog's
	 * reconnection to /dev/log all need AF_UNIX; an internet family only
	 * when a backend has it.
	 */
	TRY(add_socket_family(f, AF_UNIX));
	bool inet = false, inet6 = false;
	for (size_t i = 0; i < cfg->sites.n; i++) {
		const struct frontd_site *site = cfg->sites.v[i];
		for (size_t s = 0; s < site->backend_set_count; s++)
			for (size_t b = 0; b < site->backends[s].n; b++) {
				sa_family_t fam = site->backends[s].v[b].addr.ss_family;
				inet |= fam == AF_INET;
				inet6 |= fam == AF_INET6;
			}
	}
	if (inet)
		TRY(add_socket_family(f, AF_INET));
	if (inet6)
		TRY(add_socket_family(f, AF_INET6));
	return MOAT_SUCCESS;
}

int frontd_sandbox_enter(const struct frontd_config *cfg, const char *event_method, size_t *allowed_count)
{
	ENSURE_REF(cfg);
	ENSURE_REF(event_method);
	ENSURE_REF(allowed_count);
	/* After the privilege drop: a change of uid resets the flag to the system default. */
	ENSURE(prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0, MOAT_ERR_INTERNAL);

	struct moat_seccomp *f = NULL;
	TRY(moat_seccomp_new(&f));
	int rc = build(cfg, event_method, f);
	if (rc == MOAT_SUCCESS) {
		moat_log(MOAT_LOG_DEBUG, "seccomp allow-list: %s", moat_seccomp_names(f));
		*allowed_count = moat_seccomp_allowed(f);
		rc = moat_seccomp_load(f);
	}
	moat_seccomp_free(f);
	return rc;
}
