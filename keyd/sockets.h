/*
 * keyd's two listening sockets: AF_UNIX SOCK_SEQPACKET, one packet per
 * message (moat-ipc(7)).
 *
 * The file is created with its final mode (umask set around bind), so there
 * is no moment when it is wider than asked, in a private directory beside
 * the final path, where its owner and mode are set; then it is moved into
 * place (sockets.c says why: no path is followed as root). A path that
 * already exists is replaced only if it is a socket nobody listens on (a
 * stale one from a keyd that died): a live keyd is never displaced, and a
 * file that is not a socket, or a symlink, is never deleted or followed.
 */
#ifndef MOAT_KEYD_SOCKETS_H
#define MOAT_KEYD_SOCKETS_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/error.h"

/*
 * Listen on path with mode; when chown_it, give the file owner and group.
 * *fd is non-blocking and close-on-exec. On failure why (may be NULL) holds
 * a sentence naming the path and the reason.
 */
MOAT_MUST_USE int keyd_socket_listen(const char *path, mode_t mode, bool chown_it, uid_t owner, gid_t group,
				     int *fd, char *why, size_t why_len);
/* The same with a stream socket: the metrics endpoint's, for HTTP clients (metrics.c). */
MOAT_MUST_USE int keyd_socket_listen_stream(const char *path, mode_t mode, bool chown_it, uid_t owner, gid_t group,
					    int *fd, char *why, size_t why_len);

/*
 * Whether something listens on the socket at path: a connection is made and
 * closed at once, nothing sent. A missing path, a stale socket, a symlink or
 * anything else that is not a socket is not in use (keyd_socket_listen then
 * decides what to do with it).
 */
bool keyd_socket_in_use(const char *path);

/*
 * Test builds only (moat-keyd-test's --test-plant-symlink): called with
 * the final path right after bind, before owner and mode are set, to plant
 * what an attacker racing keyd would. NULL in the real daemon.
 */
extern void (*keyd_socket_bound_hook)(const char *path);

#endif
