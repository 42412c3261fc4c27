/*
 * Dropping root after startup (config "user"): keyd binds its sockets and
 * loads its keys as root, then runs as an unprivileged user, so that a bug
 * in serving cannot use root's rights.
 *
 * One capability may be kept: CAP_IPC_LOCK. keyd locks all its memory,
 * including memory it maps later (mlockall MCL_FUTURE), and once it is not
 * root RLIMIT_MEMLOCK caps that; where the limit cannot be lifted (no
 * CAP_SYS_RESOURCE, as in most containers) the first thread stack or heap
 * growth past it would fail. CAP_IPC_LOCK allows locking and nothing else.
 */
#ifndef MOAT_KEYD_PRIVDROP_H
#define MOAT_KEYD_PRIVDROP_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/error.h"

/*
 * setgroups to gid alone, setresgid, setresuid, keep CAP_IPC_LOCK alone if
 * keep_ipc_lock (else no capability), then check that root cannot be regained.
 */
MOAT_MUST_USE int keyd_drop_privileges(uid_t uid, gid_t gid, bool keep_ipc_lock);

#endif
