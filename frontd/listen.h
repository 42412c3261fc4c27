/*
 * Listening sockets. Binding and serving are separate steps, in separate
 * processes: the master (master.h) binds while still root (ports below
 * 1024) and keeps the sockets across reloads; each worker it forks adopts
 * its generation's sockets, creates its event base and starts accepting.
 */
#ifndef MOAT_FRONTD_LISTEN_H
#define MOAT_FRONTD_LISTEN_H

#include "common/error.h"
#include "frontd/server.h"

/* One socket bound and listening on cfg's address (the master's, on start and reload); -1 logged. */
int frontd_listen_bind(const struct frontd_listen *cfg);
/*
 * The sockets systemd passed (LISTEN_FDS, for this process) matched to cfg's
 * listen lines: fds[i] for line i, or -1 (bind it). A passed socket no line
 * names, or one that is not a listening TCP socket, is logged and fails,
 * every passed socket closed. Removes the LISTEN_* variables either way.
 */
MOAT_MUST_USE int frontd_listen_take_passed(const struct frontd_config *cfg, int fds[FRONTD_MAX_LISTEN]);
/* Take sockets bound already (fds parallel to srv->cfg->listen): a worker's, from the master. */
void frontd_listeners_adopt(struct frontd_server *srv, const int *fds);
/* Accept on srv->base. */
MOAT_MUST_USE int frontd_listeners_start(struct frontd_server *srv);
/* Stop accepting and close the sockets. */
void frontd_listeners_close(struct frontd_server *srv);

#endif
