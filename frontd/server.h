/*
 * The state of one running moat-frontd: its event base, its configuration,
 * the keyd connection, the listeners and the client connections. There is
 * one of these per process, passed to whoever needs it instead of living in
 * globals, so tests can build one around their own event base.
 */
#ifndef MOAT_FRONTD_SERVER_H
#define MOAT_FRONTD_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "frontd/config.h"
#include "frontd/keyd_client.h"

struct event;
struct event_base;
struct frontd_conn;

struct frontd_listener {
	int fd;
	struct event *ev;
	struct frontd_server *srv;
	char desc[64];
};

struct frontd_stats {
	uint64_t accepted;
	uint64_t handshakes;        /* completed */
	uint64_t handshake_failures;
	uint64_t backend_failures;  /* connect failed or timed out */
};

struct frontd_server {
	struct event_base *base;
	struct frontd_config *cfg;
	struct keyd_client *keyd;
	struct frontd_listener listeners[FRONTD_MAX_LISTEN];
	size_t listener_count;
	struct event *ev_accept_resume; /* accepting paused after EMFILE */
	LIST_HEAD(frontd_conn_list, frontd_conn) conns;
	size_t conn_count;
	struct frontd_stats stats;
};

#endif
