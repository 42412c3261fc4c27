/*
 * frontd's confinement, entered once setup is over: the listeners are
 * bound, the certificates read, privileges dropped, syslog opened, the
 * event base and its signal pipe made, and keyd's first connection
 * started. From then on frontd is:
 *
 *   - not dumpable (PR_SET_DUMPABLE 0): no core file, and a process of the
 *     same uid can neither ptrace-attach to it nor read /proc/PID/mem;
 *   - no_new_privs: no exec could gain privileges (a setuid binary, file
 *     capabilities), and the filter cannot be lifted;
 *   - under a seccomp allow-list whose default action kills the whole
 *     process: the event loop's calls and nothing that reaches the file
 *     system (no open, no exec, no ptrace). socket() is allowed only for
 *     AF_UNIX (keyd, a Unix backend, syslog) and, when some backend is a TCP
 *     one, for that backend's family; mmap and mprotect never with
 *     PROT_EXEC.
 *
 * What it needs afterwards it must already have: reading files again (a
 * reload) is not possible in a sandboxed frontd. The access log file is
 * reopened (SIGUSR1) by a helper process forked before the sandbox, which
 * opens that one path and passes the descriptor back (logopen.c).
 */
#ifndef MOAT_FRONTD_SANDBOX_H
#define MOAT_FRONTD_SANDBOX_H

#include <stddef.h>

#include "common/error.h"
#include "frontd/config.h"

/*
 * Enter all of the above (the allowed calls' names go to the debug log); on
 * success *allowed is the number of syscalls allowed. The socket families
 * allowed follow cfg's backends; event_method is libevent's
 * (event_base_get_method: "epoll", "poll" or "select"), whose calls are
 * the only way of waiting allowed.
 */
MOAT_MUST_USE int frontd_sandbox_enter(const struct frontd_config *cfg, const char *event_method, size_t *allowed);

#endif
