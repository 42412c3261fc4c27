/*
 * Going to the background without losing the exit status.
 *
 * A daemon that forks first and fails later (a bad key, a busy socket)
 * would leave its caller with exit 0 and an error only in syslog. keyd forks
 * at once (memory locks are not inherited across fork, so everything secret
 * must happen in the child), and the parent waits on a pipe: it exits 0 when
 * the child says it is serving, 1 when the child dies first. Until then the
 * child still has the caller's stderr, so startup errors reach the terminal.
 */
#ifndef MOAT_KEYD_DAEMON_H
#define MOAT_KEYD_DAEMON_H

#include "common/error.h"

struct keyd_daemon {
	int ready_fd;   /* write end of the pipe to the waiting parent */
	int devnull_fd; /* for stdio, opened before the sandbox forbids open */
};

/* Returns only in the child (a new session leader); the parent exits with the child's verdict. */
MOAT_MUST_USE int keyd_daemon_detach(struct keyd_daemon *d);
/* Before the sandbox: chdir("/") and stdio to /dev/null. */
MOAT_MUST_USE int keyd_daemon_release_stdio(struct keyd_daemon *d);
/* Serving: tell the parent to exit 0. */
void keyd_daemon_ready(struct keyd_daemon *d);

#endif
