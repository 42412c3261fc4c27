/*
 * What frontd counts for its metrics (metrics.h) and how it is exposed
 * (the list is moat-frontd.conf(5), METRICS; keep the two together).
 *
 * Most counters are the ones frontd always kept (server.h's frontd_stats,
 * keyd_client's): they now live in the worker's slot of the shared mapping
 * instead of the worker's own memory, so that a scrape answered by any
 * worker sums them all. Label sets are bounded by construction: versions
 * are TLS 1.0 to 1.3, suites are the rows of the library's registry
 * (policy/cipher_suites.h), reasons and limits are fixed words here.
 */
#include "frontd/metrics.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/metrics_http.h"
#include "policy/cipher_suites.h"
#include "tls/moat.h"

/* Seconds; a local signer answers in a millisecond or two, a handshake over the Internet in tens of them. */
static const double bounds[FRONTD_METRICS_BOUNDS] = { 0.0005, 0.001, 0.0025, 0.005, 0.01,  0.025,
						       0.05,   0.1,   0.25,   0.5,   1.0,   2.5 };

static const char *const version_label[FRONTD_METRICS_VERSIONS] = { "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3" };

int frontd_metrics_attach(struct frontd_server *srv, struct frontd_metrics_shm *shm, size_t slot)
{
	ENSURE(moat_cipher_suite_count() <= FRONTD_METRICS_MAX_SUITES, MOAT_ERR_INTERNAL);
	srv->metrics_shm = shm;
	srv->metrics = frontd_metrics_shm_slot(shm, slot);
	if (srv->metrics == NULL) {
		srv->metrics_own = calloc(1, sizeof(*srv->metrics_own));
		ENSURE(srv->metrics_own != NULL, MOAT_ERR_ALLOC);
		srv->metrics = srv->metrics_own;
	}
	srv->stats = &srv->metrics->stats;
	if (srv->keyd != NULL)
		keyd_client_set_stats(srv->keyd, &srv->metrics->keyd);
	return MOAT_SUCCESS;
}

void frontd_metrics_detach(struct frontd_server *srv)
{
	free(srv->metrics_own);
	srv->metrics_own = NULL;
	srv->metrics = NULL;
	srv->metrics_shm = NULL;
	srv->stats = NULL;
}

static void observe(struct frontd_metrics_hist *h, uint64_t us)
{
	size_t i = 0;
	while (i < FRONTD_METRICS_BOUNDS && (double)us > bounds[i] * 1e6)
		i++;
	h->bucket[i]++;
	h->sum_us += us;
}

static size_t suite_index(const char *name)
{
	const struct moat_cipher_suite *s = moat_cipher_suite_find_name(name);
	for (size_t i = 0; s != NULL && i < moat_cipher_suite_count() && i < FRONTD_METRICS_MAX_SUITES; i++)
		if (moat_cipher_suite_at(i) == s)
			return i;
	return FRONTD_METRICS_MAX_SUITES;
}

void frontd_metrics_handshake_done(struct frontd_server *srv, int version, const char *suite, int64_t us)
{
	struct frontd_metrics_slot *m = srv->metrics;
	if (us >= 0)
		observe(&m->handshake, (uint64_t)us);
	size_t s = suite != NULL ? suite_index(suite) : FRONTD_METRICS_MAX_SUITES;
	if (version >= MOAT_TLS10 && version <= MOAT_TLS13 && s < FRONTD_METRICS_MAX_SUITES)
		m->handshakes[version - MOAT_TLS10][s]++;
}

void frontd_metrics_keyd_rtt(struct frontd_server *srv, uint64_t us)
{
	observe(&srv->metrics->keyd_rtt, us);
}

void frontd_metrics_conn_gone(struct frontd_server *srv, uint64_t bytes_in, uint64_t bytes_out)
{
	srv->metrics->bytes_in += bytes_in;
	srv->metrics->bytes_out += bytes_out;
}

void frontd_metrics_gauges(struct frontd_server *srv)
{
	srv->metrics->connections_open = srv->conn_count;
}

/* ---- the exposition ---------------------------------------------------------------- */

/* A family of one label with a fixed set of values. */
struct labelled {
	const char *value;
	uint64_t n;
};

static int counter_by(struct moat_buf *b, const char *name, const char *help, const char *label,
		      const struct labelled *v, size_t n)
{
	TRY(moat_prom_family(b, name, "counter", help));
	for (size_t i = 0; i < n; i++) {
		const char *l[2] = { label, v[i].value };
		TRY(moat_prom_sample(b, name, l, 1, v[i].n));
	}
	return MOAT_SUCCESS;
}

static int histogram(struct moat_buf *b, const char *name, const char *help, const struct frontd_metrics_hist *h)
{
	TRY(moat_prom_family(b, name, "histogram", help));
	return moat_prom_histogram(b, name, NULL, 0, bounds, FRONTD_METRICS_BOUNDS, h->bucket, (double)h->sum_us / 1e6);
}

static int render_handshakes(const struct frontd_metrics_slot *m, struct moat_buf *b)
{
	const struct frontd_stats *s = &m->stats;
	TRY(moat_prom_counter(b, "moat_frontd_handshakes_total", "TLS handshakes completed.", s->handshakes));
	TRY(moat_prom_counter(b, "moat_frontd_handshakes_resumed_total", "Completed handshakes that resumed a session from a ticket.",
		    s->handshakes_resumed));
	/* A suite appears once it has been negotiated: the series exist only where there is something to say. */
	const char *name = "moat_frontd_handshakes_by_suite_total";
	TRY(moat_prom_family(b, name, "counter", "TLS handshakes completed, by protocol version and cipher suite."));
	for (size_t v = 0; v < FRONTD_METRICS_VERSIONS; v++)
		for (size_t i = 0; i < moat_cipher_suite_count() && i < FRONTD_METRICS_MAX_SUITES; i++)
			if (m->handshakes[v][i] != 0) {
				const char *l[4] = { "version", version_label[v], "suite", moat_cipher_suite_at(i)->name };
				TRY(moat_prom_sample(b, name, l, 2, m->handshakes[v][i]));
			}
	const struct labelled failures[] = {
		{ "closed", s->handshake_failures_closed },
		{ "alert_received", s->handshake_failures_client_alert },
		{ "alert_sent", s->handshake_failures_alert_sent },
		{ "keyd", s->handshake_failures_keyd },
		{ "timeout", s->timeouts_client_hello + s->timeouts_handshake },
	};
	TRY(counter_by(b, "moat_frontd_handshake_failures_total",
		       "TLS handshakes that failed, by reason: the client closed, sent an alert, frontd sent one, keyd "
		       "gave no signature, a deadline passed.",
		       "reason", failures, sizeof(failures) / sizeof(failures[0])));
	TRY(moat_prom_counter(b, "moat_frontd_closed_before_hello_total",
		    "Connections the client closed before its ClientHello was whole.", s->closed_before_hello));
	const struct labelled timeouts[] = {
		{ "first_byte", s->timeouts_first_byte },
		{ "client_hello", s->timeouts_client_hello },
		{ "handshake", s->timeouts_handshake },
	};
	TRY(counter_by(b, "moat_frontd_timeouts_total", "Connections closed by a handshake deadline, by deadline.", "stage",
		       timeouts, sizeof(timeouts) / sizeof(timeouts[0])));
	return histogram(b, "moat_frontd_handshake_duration_seconds",
			 "Time from the client's first byte to the handshake's end, for completed handshakes.",
			 &m->handshake);
}

static int render_keyd(const struct frontd_metrics_slot *m, struct moat_buf *b)
{
	const struct keyd_client_stats *k = &m->keyd;
	const struct labelled replies[] = {
		{ "signed", k->signed_ok },
		{ "decrypted", k->decrypted_ok },
		{ "ticket_sealed", k->tickets_sealed },
		{ "ticket_opened", k->tickets_opened },
		{ "refused", k->refused },
	};
	TRY(moat_prom_counter(b, "moat_frontd_keyd_requests_total", "Requests sent to moat-keyd.", k->requests));
	TRY(counter_by(b, "moat_frontd_keyd_replies_total",
		       "Replies from moat-keyd, by result (refused includes busy).", "result", replies,
		       sizeof(replies) / sizeof(replies[0])));
	const struct labelled errors[] = {
		{ "timeout", k->timeouts },
		{ "busy", k->busy },
		{ "failed_fast", k->failed_fast },
		{ "late_reply", k->late_replies },
		{ "disconnect", k->disconnects },
	};
	TRY(counter_by(b, "moat_frontd_keyd_errors_total",
		       "Requests moat-keyd did not answer in time, answered busy, or that were refused at once "
		       "(keyd away); replies after the deadline; lost connections to keyd.",
		       "error", errors, sizeof(errors) / sizeof(errors[0])));
	return histogram(b, "moat_frontd_keyd_request_duration_seconds",
			 "Time a connection waited for moat-keyd's answer to one request.", &m->keyd_rtt);
}

static int render_limits(const struct frontd_metrics_slot *m, struct moat_buf *b)
{
	const struct frontd_stats *s = &m->stats;
	const char *name = "moat_frontd_limit_hits_total";
	TRY(moat_prom_family(b, name, "counter",
			     "Connections closed by a limit: refused at accept, or an older one evicted to make room."));
	const struct {
		const char *limit, *action;
		uint64_t n;
	} hits[] = {
		{ "max-connections", "refused", s->refused_max_connections },
		{ "max-handshakes", "refused", s->refused_max_handshakes },
		{ "max-handshakes", "evicted", s->evicted_max_handshakes },
		{ "max-handshakes-per-source", "refused", s->refused_per_source },
		{ "max-handshakes-per-source", "evicted", s->evicted_per_source },
		{ "handshake-buffer-budget", "evicted", s->evicted_hello_budget },
		{ "proxy-protocol-untrusted", "refused", s->refused_proxy_untrusted },
		{ "proxy-protocol-header", "refused", s->proxy_header_refused },
	};
	for (size_t i = 0; i < sizeof(hits) / sizeof(hits[0]); i++) {
		const char *l[4] = { "limit", hits[i].limit, "action", hits[i].action };
		TRY(moat_prom_sample(b, name, l, 2, hits[i].n));
	}
	return MOAT_SUCCESS;
}

int frontd_metrics_render(const struct frontd_metrics_slot *m, struct moat_buf *b)
{
	const struct frontd_stats *s = &m->stats;
	TRY(moat_prom_gauge(b, "moat_frontd_connections_open", "Client connections open now, over all workers.",
		  m->connections_open));
	TRY(moat_prom_counter(b, "moat_frontd_connections_total", "Client connections accepted.", s->accepted));
	TRY(render_handshakes(m, b));
	TRY(render_keyd(m, b));
	TRY(moat_prom_counter(b, "moat_frontd_received_bytes_total", "Application data received from clients (closed connections).",
		    m->bytes_in));
	TRY(moat_prom_counter(b, "moat_frontd_sent_bytes_total", "Application data sent to clients (closed connections).",
		    m->bytes_out));
	TRY(render_limits(m, b));
	TRY(moat_prom_counter(b, "moat_frontd_backend_failures_total", "Backend connections that failed or timed out.",
		    s->backend_failures));
	const struct labelled tickets[] = {
		{ "rejected", s->tickets_rejected },
		{ "reissued", s->tickets_reissued },
		{ "seal_failed", s->ticket_seal_failures },
		{ "open_failed", s->ticket_open_failures },
	};
	TRY(counter_by(b, "moat_frontd_ticket_events_total",
		       "Session tickets keyd did not open (rejected), opened under a retired key (reissued), or that "
		       "could not be sealed or opened.",
		       "event", tickets, sizeof(tickets) / sizeof(tickets[0])));
	return moat_prom_gauge(b, "moat_frontd_locked_memory_bytes", "Secure memory locked now (mlock), over all workers.",
		     m->secmem_locked);
}
