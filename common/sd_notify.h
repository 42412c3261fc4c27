/*
 * systemd's readiness protocol (sd_notify(3)), the daemons' side: a unit
 * with Type=notify starts its program with NOTIFY_SOCKET naming an AF_UNIX
 * datagram socket, and each datagram sent there is one or more
 * newline-separated "VARIABLE=value" assignments: READY=1, RELOADING=1,
 * STOPPING=1, STATUS=text. Outside systemd NOTIFY_SOCKET is unset and
 * every call here does nothing.
 *
 * Why not libsystemd: the protocol is these few lines, while the library
 * is a large dependency mapped into keyd, the process that holds the
 * private keys, whose seccomp allow-list is what strace shows keyd's own
 * code making; libsystemd's sd_notify opens a new socket per message
 * (socket, sendmsg with an address and credentials), which both sandboxes
 * forbid once they are on. Here the socket is opened and connected once,
 * before the sandbox, and each message is a send(2) without an address:
 * the "sendto with no address" keyd already allows for syslog.
 */
#ifndef MOAT_COMMON_SD_NOTIFY_H
#define MOAT_COMMON_SD_NOTIFY_H

#include "common/error.h"

/*
 * Connect to NOTIFY_SOCKET ("/path", or "@name" for the abstract
 * namespace) and remove the variable from the environment, so no child
 * notifies in the daemon's name. *fd is the connected socket, placed at
 * fd_at if that is >= 0 (as the syslog socket is: a sandbox tells the
 * daemon's own sockets from its peers' by number), or -1 when the variable
 * is unset or empty: not started by systemd.
 */
MOAT_MUST_USE int moat_sd_notify_open(int fd_at, int *fd);

/* Send state ("READY=1", "STATUS=...", several joined by '\n') on fd; nothing when fd < 0. */
MOAT_MUST_USE int moat_sd_notify(int fd, const char *state);

/* The same with a printf format; a message longer than 1 KiB is an error, never cut short. */
MOAT_MUST_USE int moat_sd_notifyf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
