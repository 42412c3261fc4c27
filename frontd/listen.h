/*
 * Listening sockets. Binding and serving are separate steps because of the
 * startup order: bind while still root (ports below 1024), then drop
 * privileges and daemonize, and only then create the event base and start
 * accepting.
 */
#ifndef MOAT_FRONTD_LISTEN_H
#define MOAT_FRONTD_LISTEN_H

#include "common/error.h"
#include "frontd/server.h"

/*
 * Bind and listen on every configured address, or take the socket systemd
 * passed for it (LISTEN_FDS, listen.c); logs the one that failed, or the
 * passed socket no `listen` line names.
 */
MOAT_MUST_USE int frontd_listeners_bind(struct frontd_server *srv);
/* Accept on srv->base. */
MOAT_MUST_USE int frontd_listeners_start(struct frontd_server *srv);
/* Stop accepting and close the sockets. */
void frontd_listeners_close(struct frontd_server *srv);

#endif
