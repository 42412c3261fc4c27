/*
 * The counters (server.h) as one log line, on SIGUSR1 and at exit.
 * SIGUSR1 also reopens the access log (accesslog.h), as it does in the
 * web servers whose logrotate recipes operators already have.
 *
 * One line, "name=value" pairs, so that a person reads it and a script
 * (the tests, a log shipper) takes a value out with a pattern. Secure
 * memory figures are the process's, from the secure heap: what is locked
 * now, what had to stay unlocked, and how often locking was refused.
 */
#include <event2/event.h>
#include <signal.h>

#include "common/log.h"
#include "common/secmem.h"
#include "frontd/server.h"

void frontd_stats_log(struct frontd_server *srv, const char *why)
{
	const struct frontd_stats *s = srv->stats;
	struct moat_secmem_stats m;
	moat_secmem_get_stats(&m);
	const struct keyd_client_stats *ks = srv->keyd != NULL ? keyd_client_get_stats(srv->keyd) : NULL;
	moat_log(MOAT_LOG_NOTICE,
		 "stats (%s): open=%zu handshaking=%zu hello_bytes=%zu accepted=%llu handshakes=%llu "
		 "handshake_failures=%llu handshake_failures_closed=%llu handshake_failures_client_alert=%llu "
		 "handshake_failures_keyd=%llu handshake_failures_alert_sent=%llu closed_before_hello=%llu timeouts_first_byte=%llu timeouts_client_hello=%llu timeouts_handshake=%llu "
		 "refused_max_connections=%llu refused_max_handshakes=%llu refused_per_source=%llu "
		 "evicted_max_handshakes=%llu evicted_per_source=%llu evicted_hello_budget=%llu backend_failures=%llu "
		 "refused_proxy_untrusted=%llu proxy_header_refused=%llu "
		 "secmem_locked=%zu secmem_unlocked=%zu secmem_lock_failures=%llu secmem_unlocked_maps=%llu "
		 "keyd_signatures=%llu keyd_decryptions=%llu keyd_refused=%llu keyd_timeouts=%llu keyd_failed_fast=%llu keyd_resent=%llu "
		 "handshakes_resumed=%llu tickets_sealed=%llu tickets_opened=%llu tickets_rejected=%llu tickets_reissued=%llu "
		 "ticket_seal_failures=%llu ticket_open_failures=%llu",
		 why, srv->conn_count, srv->limits.handshakes, srv->limits.hello_bytes,
		 (unsigned long long)s->accepted, (unsigned long long)s->handshakes,
		 (unsigned long long)s->handshake_failures, (unsigned long long)s->handshake_failures_closed,
		 (unsigned long long)s->handshake_failures_client_alert, (unsigned long long)s->handshake_failures_keyd,
		 (unsigned long long)s->handshake_failures_alert_sent, (unsigned long long)s->closed_before_hello,
		 (unsigned long long)s->timeouts_first_byte,
		 (unsigned long long)s->timeouts_client_hello, (unsigned long long)s->timeouts_handshake,
		 (unsigned long long)s->refused_max_connections, (unsigned long long)s->refused_max_handshakes,
		 (unsigned long long)s->refused_per_source, (unsigned long long)s->evicted_max_handshakes,
		 (unsigned long long)s->evicted_per_source,
		 (unsigned long long)s->evicted_hello_budget, (unsigned long long)s->backend_failures,
		 (unsigned long long)s->refused_proxy_untrusted, (unsigned long long)s->proxy_header_refused, m.locked_bytes,
		 m.unlocked_bytes, (unsigned long long)m.lock_failures, (unsigned long long)m.unlocked_maps,
		 (unsigned long long)(ks ? ks->signed_ok : 0), (unsigned long long)(ks ? ks->decrypted_ok : 0),
		 (unsigned long long)(ks ? ks->refused : 0),
		 (unsigned long long)(ks ? ks->timeouts : 0), (unsigned long long)(ks ? ks->failed_fast : 0),
		 (unsigned long long)(ks ? ks->resent : 0), (unsigned long long)s->handshakes_resumed,
		 (unsigned long long)(ks ? ks->tickets_sealed : 0), (unsigned long long)(ks ? ks->tickets_opened : 0),
		 (unsigned long long)s->tickets_rejected, (unsigned long long)s->tickets_reissued,
		 (unsigned long long)s->ticket_seal_failures, (unsigned long long)s->ticket_open_failures);
}

static void usr1_cb(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	frontd_stats_log(arg, "SIGUSR1");
	/* The signal logrotate sends (moat-frontd(8)): the stats line costs nothing extra. */
	frontd_accesslog_reopen(arg);
}

int frontd_stats_start(struct frontd_server *srv)
{
	srv->ev_stats = evsignal_new(srv->base, SIGUSR1, usr1_cb, srv);
	ENSURE(srv->ev_stats != NULL, MOAT_ERR_ALLOC);
	ENSURE(event_add(srv->ev_stats, NULL) == 0, MOAT_ERR_INTERNAL);
	return MOAT_SUCCESS;
}

void frontd_stats_stop(struct frontd_server *srv)
{
	if (srv->ev_stats != NULL) {
		event_free(srv->ev_stats);
		srv->ev_stats = NULL;
	}
}
