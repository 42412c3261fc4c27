/*
 * Draining (drain.h): the process-wide half. What makes one proxied
 * connection idle is decided where its bytes are moved (proxy.c,
 * frontd_proxy_drain_check), and looked at again each time it stops
 * moving, so no timer walks the connections while draining; only
 * drain-timeout walks them, once.
 *
 * The loop is ended with event_base_loopbreak, not by letting it run out
 * of events: keyd's connection, the statistics signal and the access
 * log's helper keep events of their own, and serve() frees those after
 * the loop, as on any stop.
 */
#include "frontd/drain.h"

#include <event2/event.h>
#include <stdio.h>

#include "common/log.h"
#include "frontd/conn.h"
#include "frontd/listen.h"
#include "frontd/server.h"

static void end_loop(struct frontd_server *srv)
{
	srv->drain.state = FRONTD_STOPPED;
	if (srv->drain.ev_timeout != NULL)
		event_del(srv->drain.ev_timeout);
	event_base_loopbreak(srv->base);
}

/* drain-timeout ran out: close what is left (connections already closing finish on their own, within a moment). */
static void expire(struct frontd_server *srv)
{
	size_t closed = 0;
	srv->drain.state = FRONTD_DRAIN_TIMED_OUT;
	for (struct frontd_conn *c = LIST_FIRST(&srv->conns), *next; c != NULL; c = next) {
		/* Closing c frees nothing but c. */
		next = LIST_NEXT(c, link);
		if (frontd_conn_drain_expire(c))
			closed++;
	}
	moat_log(MOAT_LOG_NOTICE, "drain timeout: closed %zu connection%s", closed, moat_plural(closed));
	frontd_drain_conn_gone(srv);
}

static void timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	expire(arg);
}

void frontd_drain_conn_gone(struct frontd_server *srv)
{
	if (srv->conn_count > 0)
		return;
	if (srv->drain.state == FRONTD_DRAINING) {
		uint64_t now = frontd_conn_mono_us();
		uint64_t ms = now >= srv->drain.start_us ? (now - srv->drain.start_us) / 1000u : 0;
		moat_log(MOAT_LOG_NOTICE, "drained in %llu ms", (unsigned long long)ms);
		end_loop(srv);
	} else if (srv->drain.state == FRONTD_DRAIN_TIMED_OUT) {
		end_loop(srv);
	}
}

void frontd_drain_start(struct frontd_server *srv, const char *why)
{
	if (srv->drain.state != FRONTD_SERVING)
		return;
	srv->drain.state = FRONTD_DRAINING;
	srv->drain.start_us = frontd_conn_mono_us();
	frontd_listeners_close(srv);

	size_t handshakes = 0;
	struct frontd_conn *c, *next;
	LIST_FOREACH(c, &srv->conns, link)
		if (c->state == CONN_HANDSHAKE)
			handshakes++;
	uint32_t timeout_ms = srv->cfg->drain_timeout_ms;
	moat_log(MOAT_LOG_NOTICE, "%s: draining: %zu connection%s (%zu handshake%s), drain-timeout %u ms", why,
		 srv->conn_count, moat_plural(srv->conn_count), handshakes, moat_plural(handshakes), (unsigned)timeout_ms);
	if (srv->conn_count == 0) {
		frontd_drain_conn_gone(srv);
		return;
	}
	if (timeout_ms == 0) {
		expire(srv);
		return;
	}
	struct timeval tv = { .tv_sec = (time_t)(timeout_ms / 1000u),
			      .tv_usec = (suseconds_t)((timeout_ms % 1000u) * 1000u) };
	srv->drain.ev_timeout = evtimer_new(srv->base, timeout_cb, srv);
	if (srv->drain.ev_timeout == NULL || evtimer_add(srv->drain.ev_timeout, &tv) < 0) {
		/* Without the deadline a drain could last for ever: close now instead. */
		moat_log(MOAT_LOG_WARNING, "cannot arm drain-timeout: closing every connection now");
		expire(srv);
		return;
	}
	/* The idle ones go now; the others are looked at again whenever they stop moving (proxy.c). */
	for (c = LIST_FIRST(&srv->conns); c != NULL; c = next) {
		next = LIST_NEXT(c, link);
		if (c->state == CONN_PROXY)
			frontd_proxy_drain_check(c);
	}
}

void frontd_drain_or_stop(struct frontd_server *srv, const char *why)
{
	if (srv->drain.state == FRONTD_SERVING) {
		frontd_drain_start(srv, why);
		return;
	}
	moat_log(MOAT_LOG_NOTICE, "%s: exiting at once, dropping %zu connection%s", why, srv->conn_count,
		 moat_plural(srv->conn_count));
	frontd_listeners_close(srv);
	end_loop(srv);
}

void frontd_drain_free(struct frontd_server *srv)
{
	if (srv->drain.ev_timeout != NULL) {
		event_free(srv->drain.ev_timeout);
		srv->drain.ev_timeout = NULL;
	}
}
