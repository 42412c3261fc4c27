/*
 * keyd's confinement, applied in two steps around key loading.
 *
 * Before the first key is read (keyd_sandbox_harden): no core dumps
 * (RLIMIT_CORE 0), not dumpable (PR_SET_DUMPABLE 0: no core, no ptrace
 * attach by the same uid, /proc/PID/mem unreadable to it), and all memory
 * locked now and in future (mlockall), so no key byte reaches swap. The
 * environment variable MOAT_DONT_MLOCK=1 skips the locking for unprivileged
 * test runs (see common/secmem.h); keyd logs that it did.
 *
 * The last step before serving (keyd_sandbox_seccomp): no_new_privs and a
 * seccomp allow-list whose default action kills the whole process. The list
 * holds what serving needs and nothing that reaches the file system or the
 * network: no open, no socket, no connect, no execve. It was found by running
 * keyd under strace through every request type (see tests/keyd).
 */
#ifndef MOAT_KEYD_SANDBOX_H
#define MOAT_KEYD_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

enum keyd_lock_state {
	KEYD_LOCKED,             /* mlockall(MCL_CURRENT | MCL_FUTURE) is in force */
	KEYD_NOT_LOCKED_ENV,     /* MOAT_DONT_MLOCK is set */
	KEYD_NOT_LOCKED_ASAN,    /* AddressSanitizer build: its runtime makes mlockall a no-op */
};

MOAT_MUST_USE int keyd_sandbox_harden(enum keyd_lock_state *state);
/* Once more after a change of uid, which resets the dumpable flag to the system default. */
MOAT_MUST_USE int keyd_sandbox_not_dumpable(void);
/*
 * Install the filter on every thread of the process; *rules is the number of
 * syscalls allowed. own_fd: the lowest of keyd's own connected datagram
 * sockets (syslog's, systemd's notify socket; -1 for none), which take the
 * process's highest descriptors: sendmmsg is allowed only below it
 * (sandbox.c says why).
 */
MOAT_MUST_USE int keyd_sandbox_seccomp(int own_fd, size_t *rules);
/* The allowed syscalls' names, space-separated, for the debug log and the strace test. */
void keyd_sandbox_describe(char *buf, size_t len);

#endif
