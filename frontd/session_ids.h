/* TLS 1.2 session ID resumption in a worker (session_ids.c). */
#ifndef MOAT_FRONTD_SESSION_IDS_H
#define MOAT_FRONTD_SESSION_IDS_H

#include "common/error.h"

struct frontd_server;

/* The worker's cache ("session-cache" entries; none for 0) and every site's callbacks over it. */
MOAT_MUST_USE int frontd_session_ids_start(struct frontd_server *srv);
/* Wipe and free the cache. */
void frontd_session_ids_stop(struct frontd_server *srv);

#endif
