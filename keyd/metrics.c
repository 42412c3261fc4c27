/*
 * keyd's metrics endpoint (moat-keyd.conf(5), METRICS): its counters
 * (stats.h) and a little live state in the Prometheus text format, on a
 * Unix socket of its own.
 *
 * The endpoint lives in the event loop like everything else in keyd: a
 * scraper is one more epoll handle, read without blocking, answered and
 * closed. What keeps it from costing the signing service anything: at most
 * KEYD_MAX_SCRAPES at once (more are closed at accept), a request of at
 * most MOAT_HTTP_MAX_REQUEST bytes parsed with the cursor
 * (common/metrics_http.c), SCRAPE_TIMEOUT_MS to send it. No key material
 * is ever in the text: keys are named by the names the operator gave them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/secmem.h"
#include "keyd/keys.h"
#include "keyd/server_internal.h"
#include "keyd/workers.h"

#define SCRAPE_TIMEOUT_MS 10000u
#define MAX_RESPONSE (1024u * 1024u)

/* Seconds. An ECDSA signature takes tens of microseconds, an RSA-4096 one a few milliseconds. */
static const double bounds[KEYD_STATS_LATENCY_BUCKETS - 1] = { 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
								0.005,   0.01,   0.025,   0.05,   0.1 };

static const char *const kind_label[KEYD_STATS_SIGN_KINDS] = { "other", "tls13_certificate_verify",
							       "tls12_server_key_exchange",
							       "tls12_server_key_exchange_dhe",
							       "tls12_client_certificate_verify" };

void keyd_metrics_observe(struct keyd_stats *st, uint64_t ns)
{
	size_t i = 0;
	while (i < KEYD_STATS_LATENCY_BUCKETS - 1 && (double)ns > bounds[i] * 1e9)
		i++;
	st->latency_bucket[i]++;
	st->latency_sum_ns += ns;
}

static void scrape_close(struct keyd_server *s, size_t i)
{
	struct keyd_scrape *sc = s->scrapes[i];
	(void)epoll_ctl(s->epfd, EPOLL_CTL_DEL, sc->fd, NULL);
	close(sc->fd);
	moat_buf_free(&sc->out);
	free(sc);
	s->scrapes[i] = NULL;
}

static size_t slot_of(const struct keyd_server *s, const struct keyd_scrape *sc)
{
	for (size_t i = 0; i < KEYD_MAX_SCRAPES; i++)
		if (s->scrapes[i] == sc)
			return i;
	return KEYD_MAX_SCRAPES;
}

void keyd_metrics_close_all(struct keyd_server *s)
{
	for (size_t i = 0; i < KEYD_MAX_SCRAPES; i++)
		if (s->scrapes[i] != NULL)
			scrape_close(s, i);
}

void keyd_metrics_accept(struct keyd_server *s)
{
	for (;;) {
		int fd = accept4(s->p.metrics_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return;
		}
		size_t i = slot_of(s, NULL);
		struct keyd_scrape *sc = i < KEYD_MAX_SCRAPES ? calloc(1, sizeof(*sc)) : NULL;
		if (sc == NULL) {
			close(fd);
			continue;
		}
		sc->h.kind = H_SCRAPE;
		sc->fd = fd;
		sc->deadline_ns = moat_clock_monotonic_ns() + (uint64_t)SCRAPE_TIMEOUT_MS * MOAT_NS_PER_MS;
		moat_buf_init(&sc->out, MAX_RESPONSE + 256u);
		s->scrapes[i] = sc;
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &sc->h };
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
			/* Not watched: close it here, without the EPOLL_CTL_DEL of scrape_close mattering. */
			scrape_close(s, i);
		}
	}
}

/* ---- the exposition ---------------------------------------------------------------- */

static int render_keys(const struct keyd_server *s, struct moat_buf *b)
{
	const struct keyd_keyset *ks = s->p.keys;
	const char *name = "moat_keyd_key_operations_total";
	TRY(moat_prom_family(b, name, "counter",
			     "Signatures and RSA decryptions made with each key since it was loaded, by key name."));
	for (size_t i = 0; i < ks->count; i++) {
		const char *sl[4] = { "key", ks->keys[i]->name, "operation", "sign" };
		TRY(moat_prom_sample(b, name, sl, 2, ks->keys[i]->signs));
		if (ks->keys[i]->rsa_kex != NULL) {
			const char *dl[4] = { "key", ks->keys[i]->name, "operation", "decrypt" };
			TRY(moat_prom_sample(b, name, dl, 2, ks->keys[i]->decrypts));
		}
	}
	return MOAT_SUCCESS;
}

static int render(const struct keyd_server *s, struct moat_buf *b)
{
	const struct keyd_stats *st = s->p.stats;
	TRY(moat_prom_gauge(b, "moat_keyd_keys", "Keys served now.", st->keys));
	TRY(moat_prom_gauge(b, "moat_keyd_clients_connected", "Peers connected now, data and control sockets.", st->peers));
	TRY(moat_prom_counter(b, "moat_keyd_connections_total", "Peers accepted.", st->connections));
	TRY(moat_prom_family(b, "moat_keyd_connections_refused_total", "counter",
			     "Peers refused: by their credentials, or by max-peers-per-uid and the table's size."));
	const char *rc[2] = { "reason", "credentials" }, *rl[2] = { "reason", "limit" };
	TRY(moat_prom_sample(b, "moat_keyd_connections_refused_total", rc, 1, st->refused));
	TRY(moat_prom_sample(b, "moat_keyd_connections_refused_total", rl, 1, st->refused_limit));
	TRY(moat_prom_counter(b, "moat_keyd_requests_total", "Packets received from peers.", st->requests));
	TRY(moat_prom_family(b, "moat_keyd_signatures_total", "counter", "Signatures made, by what was signed."));
	for (size_t k = 0; k < KEYD_STATS_SIGN_KINDS; k++) {
		const char *l[2] = { "kind", kind_label[k] };
		TRY(moat_prom_sample(b, "moat_keyd_signatures_total", l, 1, st->signs_by_kind[k]));
	}
	TRY(moat_prom_counter(b, "moat_keyd_decryptions_total", "RSA decryptions answered (TLS 1.2 RSA key exchange).",
		    st->decrypts));
	TRY(render_keys(s, b));
	TRY(moat_prom_family(b, "moat_keyd_tickets_total", "counter",
			     "Session tickets sealed, and ticket open requests by result."));
	const struct {
		const char *op, *result;
		uint64_t n;
	} tix[] = {
		{ "seal", "ok", st->ticket_seals },
		{ "open", "ok", st->ticket_opens },
		{ "open", "unknown_key", st->ticket_opens_unknown_key },
		{ "open", "bad_ticket", st->ticket_opens_bad },
	};
	for (size_t i = 0; i < sizeof(tix) / sizeof(tix[0]); i++) {
		const char *l[4] = { "operation", tix[i].op, "result", tix[i].result };
		TRY(moat_prom_sample(b, "moat_keyd_tickets_total", l, 2, tix[i].n));
	}
	TRY(moat_prom_family(b, "moat_keyd_errors_total", "counter",
			     "Requests not answered OK, by kind: error replies, BUSY, malformed, refused by a key's "
			     "policy; peers dropped, and closed by hello-timeout or idle-timeout."));
	const struct {
		const char *kind;
		uint64_t n;
	} err[] = {
		{ "error_reply", st->errors },    { "busy", st->busy },
		{ "malformed", st->malformed },   { "key_policy", st->key_policy },
		{ "dropped", st->dropped },       { "hello_timeout", st->hello_timeouts },
		{ "idle_timeout", st->idle_timeouts },
	};
	for (size_t i = 0; i < sizeof(err) / sizeof(err[0]); i++) {
		const char *l[2] = { "kind", err[i].kind };
		TRY(moat_prom_sample(b, "moat_keyd_errors_total", l, 1, err[i].n));
	}
	TRY(moat_prom_gauge(b, "moat_keyd_queue_depth", "Key operations read and not yet answered.", keyd_peers_in_flight(s)));
	TRY(moat_prom_gauge(b, "moat_keyd_worker_threads", "Signing threads.", st->workers));
	size_t idle = keyd_workers_idle(s->p.workers);
	TRY(moat_prom_gauge(b, "moat_keyd_worker_threads_busy", "Signing threads working on an operation now.",
		  st->workers > idle ? st->workers - idle : 0));
	TRY(moat_prom_family(b, "moat_keyd_request_duration_seconds", "histogram",
			     "Key operations, from the request read to the answer ready."));
	TRY(moat_prom_histogram(b, "moat_keyd_request_duration_seconds", NULL, 0, bounds, KEYD_STATS_LATENCY_BUCKETS - 1,
				st->latency_bucket, (double)st->latency_sum_ns / 1e9));
	struct moat_secmem_stats m;
	moat_secmem_get_stats(&m);
	TRY(moat_prom_gauge(b, "moat_keyd_locked_memory_bytes", "Secure memory locked now (mlock).", m.locked_bytes));
	TRY(moat_prom_counter(b, "moat_keyd_scrapes_total", "Metrics requests answered.", st->scrapes));
	return moat_prom_gauge(b, "moat_keyd_uptime_seconds", "Seconds since keyd started.",
		     (moat_clock_monotonic_ns() - st->started_ns) / UINT64_C(1000000000));
}

static int build_response(struct keyd_server *s, enum moat_http_request req, struct moat_buf *out)
{
	if (req != MOAT_HTTP_GET_METRICS && req != MOAT_HTTP_HEAD_METRICS)
		return moat_http_error_response(out, req);
	s->p.stats->scrapes++;
	struct moat_buf body;
	moat_buf_init(&body, MAX_RESPONSE);
	int rc = render(s, &body);
	if (rc == MOAT_SUCCESS)
		rc = moat_http_response(out, 200, body.data, body.len, req == MOAT_HTTP_HEAD_METRICS);
	moat_buf_free(&body);
	return rc;
}

/* Send what is left; true once all of it is sent or the client is gone. */
static bool flush(struct keyd_scrape *sc)
{
	/* Closed next when done: on a Unix socket the client reads all of it, then the end. */
	return moat_http_send_pending(sc->fd, &sc->out, &sc->sent);
}

void keyd_metrics_event(struct keyd_server *s, struct keyd_scrape *sc, uint32_t events)
{
	size_t i = slot_of(s, sc);
	if (i == KEYD_MAX_SCRAPES)
		return;
	if (sc->out.len > 0) {
		if (flush(sc))
			scrape_close(s, i);
		return;
	}
	if ((events & EPOLLIN) == 0) {
		scrape_close(s, i);
		return;
	}
	/* read and send (sendto without an address): what keyd's sandbox allows already (sandbox.c). */
	ssize_t n = read(sc->fd, sc->req + sc->len, sizeof(sc->req) - sc->len);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		scrape_close(s, i);
		return;
	}
	sc->len += (size_t)n;
	enum moat_http_request req = moat_http_parse_request(sc->req, sc->len);
	if (req == MOAT_HTTP_INCOMPLETE && sc->len == sizeof(sc->req))
		req = MOAT_HTTP_BAD;
	if (req == MOAT_HTTP_INCOMPLETE)
		return;
	if (build_response(s, req, &sc->out) < 0) {
		moat_log_error(MOAT_LOG_WARNING, "metrics: cannot build the response");
		scrape_close(s, i);
		return;
	}
	if (flush(sc)) {
		scrape_close(s, i);
		return;
	}
	struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = &sc->h };
	if (epoll_ctl(s->epfd, EPOLL_CTL_MOD, sc->fd, &ev) != 0)
		scrape_close(s, i);
}

void keyd_metrics_sweep(struct keyd_server *s)
{
	uint64_t now = moat_clock_monotonic_ns();
	for (size_t i = 0; i < KEYD_MAX_SCRAPES; i++)
		if (s->scrapes[i] != NULL && now >= s->scrapes[i]->deadline_ns)
			scrape_close(s, i);
}

int keyd_metrics_wait_ms(const struct keyd_server *s)
{
	uint64_t now = moat_clock_monotonic_ns(), first = 0;
	for (size_t i = 0; i < KEYD_MAX_SCRAPES; i++)
		if (s->scrapes[i] != NULL && (first == 0 || s->scrapes[i]->deadline_ns < first))
			first = s->scrapes[i]->deadline_ns;
	if (first == 0)
		return -1;
	return first > now ? (int)((first - now + MOAT_NS_PER_MS - 1) / MOAT_NS_PER_MS) : 0;
}
