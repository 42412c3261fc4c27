/*
 * Client connections: accept to close (states and flags: conn.h).
 *
 * The handshake is moat_negotiate called again whenever something it
 * waits for happens: the socket became readable or writable, or keyd
 * answered. The library tells us which (moat_blocked_status); nothing here
 * blocks. The two library callbacks are the only TLS-specific decisions:
 *   - client hello: SNI -> site, moat_connection_set_config to that site's
 *     config (its chains, policy and ALPN), and acknowledge server_name
 *     when a configured name matched;
 *   - async pkey: send (key id of the selected chain, scheme, content) to
 *     keyd and return; the reply applies the signature and negotiates on.
 *     When keyd is away the callback fails at once, and when keyd fails
 *     later the operation is failed with moat_async_pkey_op_fail: either
 *     way the next negotiate ends the handshake with an internal_error
 *     alert, so the client learns at once instead of timing out.
 */
#include "frontd/conn.h"

#include <errno.h>
#include <event2/event.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "frontd/client_cert.h"
#include "frontd/metrics.h"
#include "ipc/ipc.h"

/* How long a closed connection keeps draining the client's bytes, at most. */
#define LINGER_MS 2000u
#define LINGER_READ 4096u

static void conn_run(struct frontd_conn *c);

uint64_t frontd_conn_now_ms(const struct frontd_conn *c)
{
	struct timeval tv;
	event_base_gettimeofday_cached(c->srv->base, &tv);
	return (uint64_t)tv.tv_sec * 1000u + (uint64_t)tv.tv_usec / 1000u;
}

void frontd_conn_set_timer(struct frontd_conn *c, uint32_t ms)
{
	struct timeval tv = { .tv_sec = (time_t)(ms / 1000u), .tv_usec = (suseconds_t)((ms % 1000u) * 1000u) };
	evtimer_add(c->ev_timer, &tv);
}

/*
 * Register ev for want (EV_READ | EV_WRITE, or 0), *on being what it is
 * registered for. Edge-triggered, it is registered once for both and never
 * changes; level-triggered, it follows the blocked flags, since a
 * persistent readable or writable event nobody consumes would fire in a
 * loop.
 */
static void watch_fd(struct frontd_conn *c, struct event *ev, short *on, bool rd, bool wr)
{
	if (ev == NULL)
		return;
	short want = c->edge ? (short)(EV_READ | EV_WRITE) : (short)((rd ? EV_READ : 0) | (wr ? EV_WRITE : 0));
	if (want == *on)
		return;
	/* Also when not registered: a kick may have made it active, and event_assign must not meet that. */
	event_del(ev);
	*on = 0;
	if (want != 0) {
		short flags = (short)(want | EV_PERSIST | (c->edge ? EV_ET : 0) | (c->short_read_drains ? EV_CLOSED : 0));
		if (event_assign(ev, event_get_base(ev), event_get_fd(ev), flags, event_get_callback(ev), c) == 0 &&
		    event_add(ev, NULL) == 0)
			*on = want;
	}
	/* The kick event_del took back. */
	if (ev == c->ev_client && c->kicked)
		event_active(ev, 0, 0);
}

void frontd_conn_watch(struct frontd_conn *c)
{
	watch_fd(c, c->ev_client, &c->client_on, c->cread_blocked, c->cwrite_blocked);
	watch_fd(c, c->ev_backend, &c->backend_on, c->bread_blocked, c->bwrite_blocked);
}

void frontd_conn_kick(struct frontd_conn *c)
{
	c->kicked = true;
	event_active(c->ev_client, 0, 0);
}

static void free_event(struct event **ev)
{
	if (*ev != NULL) {
		event_free(*ev);
		*ev = NULL;
	}
}

void frontd_conn_log(struct frontd_conn *c, moat_log_level level, const char *fmt, ...)
{
	char prefix[sizeof(c->peer) + 2];
	snprintf(prefix, sizeof(prefix), "%s: ", c->peer);
	va_list ap;
	va_start(ap, fmt);
	frontd_ratelimit_vlog(&c->srv->limits.rl_conn, frontd_conn_now_ms(c), level, prefix, fmt, ap);
	va_end(ap);
}

uint64_t frontd_conn_mono_us(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void frontd_conn_ended(struct frontd_conn *c, const char *end, const char *detail)
{
	if (c->end != NULL)
		return;
	c->end = end;
	c->end_detail = detail;
}

void frontd_conn_ended_tls(struct frontd_conn *c, bool hs, int err)
{
	switch (moat_error_get_type(err)) {
	case MOAT_ERR_T_ALERT:
		frontd_conn_ended(c, hs ? "handshake client alert" : "client alert",
				  moat_alert_name(moat_connection_get_alert(c->tls)));
		break;
	case MOAT_ERR_T_CLOSED:
		frontd_conn_ended(c, "client closed", NULL);
		break;
	case MOAT_ERR_T_IO:
		frontd_conn_ended(c, "client reset", NULL);
		break;
	default:
		if (moat_error_get_alert(err) != MOAT_ALERT_NONE)
			frontd_conn_ended(c, hs ? "handshake alert" : "client error alert",
					  moat_alert_name((int)moat_error_get_alert(err)));
		else
			frontd_conn_ended(c, hs ? "handshake error" : "client error", moat_strerror_name(err));
		break;
	}
}

/*
 * Every field of the access log line comes from here, so a new source for
 * one (the client's address from a PROXY header) changes this function.
 */
static void access_log(struct frontd_conn *c)
{
	struct frontd_server *srv = c->srv;
	if (srv->alog.dest == FRONTD_ACCESSLOG_OFF)
		return;
	struct timeval tv;
	event_base_gettimeofday_cached(srv->base, &tv);
	/* ALPN as the library negotiated it, once the handshake is done (the PROXY header reads it the same way). */
	const char *alpn = c->handshake_us >= 0 && c->tls != NULL ? moat_get_application_protocol(c->tls) : NULL;
	size_t alpn_len = alpn != NULL ? strlen(alpn) : 0;
	/* The client certificate's subject, read off the connection only for a line that will be written. */
	char subject[FRONTD_CLIENT_SUBJECT_MAX], cn[FRONTD_CLIENT_CN_MAX];
	bool client_cert = c->handshake_us >= 0 && frontd_client_cert_get(c->tls, subject, cn);
	struct frontd_accesslog_entry e = {
		.time_ms = (uint64_t)tv.tv_sec * 1000u + (uint64_t)tv.tv_usec / 1000u,
		.client = c->peer,
		.listener = c->listener != NULL ? c->listener->desc : NULL,
		.sni = c->has_sni ? c->sni : NULL,
		.sni_len = c->sni_len,
		/* The site that served it: none before a ClientHello chose one. */
		.site = c->site_chosen ? c->site->name : NULL,
		.version = c->version,
		.suite = c->suite,
		.group = c->group,
		.alpn = alpn_len > 0 ? (const uint8_t *)alpn : NULL,
		.alpn_len = alpn_len,
		.resumed = c->resumed,
		.early_data = c->early_status,
		.client_cert = client_cert ? subject : NULL,
		.handshake_us = c->handshake_us,
		.keyd_us = c->keyd_us,
		.bytes_in = c->bytes_up,
		.bytes_out = c->bytes_down,
		.end = c->end,
		.end_detail = c->end_detail,
	};
	e.duration_ms = e.time_ms >= c->accepted_ms ? e.time_ms - c->accepted_ms : 0;
	frontd_accesslog_write(srv, &e);
}

static void conn_free(struct frontd_conn *c)
{
	struct frontd_server *srv = c->srv;
	access_log(c);
	frontd_limits_handshake_over(c);
	if (c->op != NULL) {
		/* Nobody will take keyd's answer now: forget the request, then the operation. */
		keyd_client_cancel(srv->keyd, c->keyd_id);
		if (moat_async_pkey_op_free(c->op) < 0)
			moat_error_clear();
		c->op = NULL;
	}
	frontd_conn_tickets_free(c);
	free_event(&c->ev_client);
	free_event(&c->ev_backend);
	free_event(&c->ev_timer);
	if (c->tls != NULL && moat_connection_free(c->tls) < 0)
		moat_error_clear();
	if (c->fd >= 0)
		close(c->fd);
	if (c->bfd >= 0)
		close(c->bfd);
	frontd_proxy_free(c);
	frontd_pp_conn_free(c);
	LIST_REMOVE(c, link);
	srv->conn_count--;
	frontd_metrics_conn_gone(srv, c->bytes_up, c->bytes_down);
	frontd_metrics_gauges(srv);
	free(c);
	frontd_drain_conn_gone(srv);
}

void frontd_conn_abort(struct frontd_conn *c, const char *why)
{
	frontd_conn_log(c, MOAT_LOG_DEBUG, "closed: %s", why);
	conn_free(c);
}

static void linger_step(struct frontd_conn *c);

/* Our side is done: stop writing, drain what the client still sends, then close. */
static void conn_linger(struct frontd_conn *c)
{
	c->state = CONN_LINGER;
	if (shutdown(c->fd, SHUT_WR) < 0) {
		conn_free(c);
		return;
	}
	if (c->bfd >= 0) {
		free_event(&c->ev_backend);
		c->backend_on = 0;
		close(c->bfd);
		c->bfd = -1;
	}
	frontd_proxy_free(c);
	c->cread_blocked = c->cwrite_blocked = c->bread_blocked = c->bwrite_blocked = false;
	frontd_conn_set_timer(c, LINGER_MS);
	/* Bytes may be waiting already, and an edge-triggered event would not say so again. */
	linger_step(c);
}

static void linger_step(struct frontd_conn *c)
{
	uint8_t sink[LINGER_READ];
	for (int i = 0; i < 16; i++) {
		ssize_t n = read(c->fd, sink, sizeof(sink));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			c->cread_blocked = true;
			frontd_conn_watch(c);
			return;
		}
		if (n <= 0)
			break;
	}
	conn_free(c);
}

static void closing_step(struct frontd_conn *c)
{
	moat_blocked_status blocked;
	if (moat_shutdown_send(c->tls, &blocked) == MOAT_SUCCESS) {
		conn_linger(c);
		return;
	}
	if (moat_error_get_type(moat_errno) == MOAT_ERR_T_BLOCKED && blocked == MOAT_BLOCKED_ON_WRITE) {
		c->cwrite_blocked = true;
		frontd_conn_watch(c);
		return;
	}
	moat_error_clear();
	conn_free(c);
}

void frontd_conn_close_gracefully(struct frontd_conn *c, const char *why)
{
	frontd_conn_log(c, MOAT_LOG_DEBUG, "closing: %s", why);
	c->state = CONN_CLOSING;
	c->kicked = false;
	c->cread_blocked = c->cwrite_blocked = c->bread_blocked = c->bwrite_blocked = false;
	frontd_conn_watch(c);
	/* Bounded: a client that never reads must not keep us here. */
	frontd_conn_set_timer(c, LINGER_MS);
	closing_step(c);
}

void frontd_conn_finish(struct frontd_conn *c)
{
	frontd_conn_ended(c, "ok", NULL);
	frontd_conn_log(c, MOAT_LOG_DEBUG, "done (%llu bytes up, %llu down, idle %u time%s)",
			(unsigned long long)c->bytes_up, (unsigned long long)c->bytes_down, (unsigned)c->idle_releases,
			c->idle_releases == 1 ? "" : "s");
	conn_free(c);
}

/* ---- handshake ------------------------------------------------------------------ */

/*
 * Anyone can make a handshake fail, as often as they like: a counter, and a
 * sampled debug line (frontd_conn_log), never a line per failure.
 */
static void handshake_failed(struct frontd_conn *c)
{
	int err = moat_errno;
	bool before_hello = c->hello != HELLO_NONE;
	/* Whatever follows (a linger of up to LINGER_MS) no longer holds a handshake's place. */
	frontd_limits_handshake_over(c);
	if (c->evicted) {
		/* Closed by handshake-buffer-budget while reading: counted there. */
		frontd_conn_ended(c, "limit handshake-buffer-budget", NULL);
		moat_error_clear();
		frontd_conn_log(c, MOAT_LOG_DEBUG, "closed to stay within handshake-buffer-budget");
		conn_free(c);
		return;
	}
	/* Counted by reason: each failure is in handshake_failures and in exactly one of the others. */
	struct frontd_stats *st = c->srv->stats;
	bool gone = moat_error_get_type(err) == MOAT_ERR_T_IO || moat_error_get_type(err) == MOAT_ERR_T_CLOSED;
	if (before_hello && gone) {
		st->closed_before_hello++;
	} else {
		st->handshake_failures++;
		if (gone)
			st->handshake_failures_closed++;
		else if (moat_error_get_type(err) == MOAT_ERR_T_ALERT)
			st->handshake_failures_client_alert++;
		else if (c->sign_error != NULL)
			st->handshake_failures_keyd++;
		else
			st->handshake_failures_alert_sent++;
	}
	if (c->sign_error != NULL && !gone && moat_error_get_type(err) != MOAT_ERR_T_ALERT)
		frontd_conn_ended(c, c->sign_end, NULL);
	else
		frontd_conn_ended_tls(c, true, err);
	if (moat_error_get_type(err) == MOAT_ERR_T_ALERT)
		frontd_conn_log(c, MOAT_LOG_DEBUG, "handshake failed: client sent alert %s",
				moat_alert_name(moat_connection_get_alert(c->tls)));
	else if (c->sign_error != NULL)
		frontd_conn_log(c, MOAT_LOG_DEBUG, "handshake failed: no answer from keyd: %s", c->sign_error);
	else
		frontd_conn_log(c, MOAT_LOG_DEBUG, "handshake failed: %s (%s)", moat_strerror(err, NULL),
				moat_strerror_name(err));
	moat_error_clear();
	/* The library has sent whatever alert the error calls for; let it reach the client. */
	if (gone)
		conn_free(c);
	else
		conn_linger(c);
}

static const char *version_name(int v)
{
	switch (v) {
	case MOAT_TLS13: return "TLSv1.3";
	case MOAT_TLS12: return "TLSv1.2";
	case MOAT_TLS11: return "TLSv1.1";
	case MOAT_TLS10: return "TLSv1";
	default: return NULL;
	}
}

/* What the access log says of the handshake, kept before the library frees its handshake state. */
static void handshake_done(struct frontd_conn *c)
{
	uint64_t now = frontd_conn_mono_us();
	if (c->first_byte_us != 0 && now >= c->first_byte_us)
		c->handshake_us = (int64_t)(now - c->first_byte_us);
	c->version = version_name(moat_connection_get_actual_protocol_version(c->tls));
	const char *suite = moat_connection_get_cipher(c->tls), *group = moat_connection_get_curve(c->tls);
	c->suite = suite != NULL && strcmp(suite, "NONE") != 0 ? suite : NULL;
	c->group = group != NULL && strcmp(group, "NONE") != 0 ? group : NULL;
	c->resumed = moat_connection_is_session_resumed(c->tls) == 1;
	if (c->resumed)
		c->srv->stats->handshakes_resumed++;
	frontd_metrics_handshake_done(c->srv, moat_connection_get_actual_protocol_version(c->tls), c->suite,
				      c->handshake_us);
	moat_early_data_status_t st;
	if (moat_connection_get_early_data_status(c->tls, &st) == MOAT_SUCCESS) {
		if (st == MOAT_EARLY_DATA_STATUS_END || st == MOAT_EARLY_DATA_STATUS_OK)
			c->early_status = "accepted";
		else if (st == MOAT_EARLY_DATA_STATUS_REJECTED)
			c->early_status = "rejected";
	} else {
		moat_error_clear();
	}
}

/*
 * Accepted 0-RTT data (moat-frontd.conf(5), "Early data"): out of the TLS
 * library into c->early, at most the site's early-data-max, which the
 * backend gets ahead of everything else once it is connected (proxy.c).
 * false: the connection is gone.
 */
static bool take_early_data(struct frontd_conn *c)
{
	if (c->early == NULL) {
		size_t cap = c->site->early_data_max;
		c->early = malloc(sizeof(*c->early) + cap);
		if (c->early == NULL) {
			frontd_conn_ended(c, "internal error", NULL);
			frontd_conn_abort(c, "out of memory");
			return false;
		}
		c->early->head = c->early->tail = 0;
		c->early->cap = cap;
	}
	struct frontd_pipe *e = c->early;
	moat_blocked_status blocked;
	ssize_t got = 0;
	int rc = moat_recv_early_data(c->tls, e->data + e->tail, (ssize_t)(e->cap - e->tail), &got, &blocked);
	e->tail += (size_t)got;
	if (rc == MOAT_SUCCESS)
		return true;
	if (moat_error_get_type(moat_errno) != MOAT_ERR_T_BLOCKED) {
		handshake_failed(c);
		return false;
	}
	moat_error_clear();
	/* A ticket issued when early-data-max was larger: more than the site takes now. */
	if (blocked == MOAT_BLOCKED_ON_EARLY_DATA && e->tail == e->cap) {
		frontd_conn_ended(c, "handshake failed", "early data past early-data-max");
		frontd_conn_abort(c, "early data past early-data-max");
		return false;
	}
	return true;
}

static void handshake_step(struct frontd_conn *c)
{
	moat_blocked_status blocked;
	/* Waiting for keyd: sign_done (or ticket_done) resumes us. */
	if (c->op != NULL || c->tix_op != NULL)
		return;
	c->cread_blocked = c->cwrite_blocked = false;
	/* From a load balancer: its PROXY header first (false: waiting, or c is gone). */
	if (c->pp_expected && !frontd_pp_conn_read(c))
		return;
	int rc;
	/* Each record of accepted early data stops the handshake until it is taken. */
	while ((rc = moat_negotiate(c->tls, &blocked)) < 0 && blocked == MOAT_BLOCKED_ON_EARLY_DATA &&
	       moat_error_get_type(moat_errno) == MOAT_ERR_T_BLOCKED) {
		moat_error_clear();
		if (!take_early_data(c))
			return;
	}
	frontd_limits_check_secmem(c->srv);
	if (rc == MOAT_SUCCESS) {
		c->srv->stats->handshakes++;
		frontd_limits_handshake_over(c);
		handshake_done(c);
		if (moat_log_enabled(MOAT_LOG_DEBUG)) {
			const char *alpn = moat_get_application_protocol(c->tls);
			frontd_conn_log(c, MOAT_LOG_DEBUG, "handshake done: site %s, %s, %s, alpn %s", c->site->name,
					moat_connection_get_cipher(c->tls), moat_connection_get_curve(c->tls),
					alpn != NULL ? alpn : "none");
		}
		if (moat_connection_free_handshake(c->tls) < 0)
			moat_error_clear();
		if (frontd_proxy_start(c) < 0) {
			moat_error_clear();
			frontd_conn_ended(c, "internal error", NULL);
			frontd_conn_abort(c, "cannot start proxying");
		}
		return;
	}
	if (moat_error_get_type(moat_errno) != MOAT_ERR_T_BLOCKED) {
		handshake_failed(c);
		return;
	}
	moat_error_clear();
	switch (blocked) {
	case MOAT_BLOCKED_ON_READ:
		c->cread_blocked = true;
		/*
		 * Waiting for more of the ClientHello: what was read is in the
		 * library's handshake buffer; its record buffer (two records'
		 * room) need not wait with it (it fails, harmlessly, while part of a
		 * record is in it).
		 */
		if (c->hello != HELLO_NONE && moat_connection_release_buffers(c->tls) < 0)
			moat_error_clear();
		break;
	case MOAT_BLOCKED_ON_WRITE:
		c->cwrite_blocked = true;
		break;
	case MOAT_BLOCKED_ON_APPLICATION_INPUT:
		/* Waiting for keyd: sign_done (or ticket_done) resumes us. */
		if (c->op == NULL && c->tix_op == NULL) {
			frontd_conn_ended(c, "internal error", NULL);
			frontd_conn_abort(c, "handshake blocked with nothing pending");
			return;
		}
		break;
	default:
		frontd_conn_ended(c, "internal error", NULL);
		frontd_conn_abort(c, "handshake blocked on something unknown");
		return;
	}
	frontd_conn_watch(c);
}

/* Arm the one timer for a deadline counted from accept. */
static void set_deadline(struct frontd_conn *c, uint32_t ms_from_accept)
{
	uint64_t elapsed = frontd_conn_now_ms(c) - c->accepted_ms;
	frontd_conn_set_timer(c, elapsed < ms_from_accept ? (uint32_t)(ms_from_accept - elapsed) : 1u);
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/*
 * Every read of the client's socket by the TLS library. A read that
 * emptied the socket is not followed by one that would only find EAGAIN
 * (conn.h, short_read_drains).
 */
static int client_recv(void *ctx, uint8_t *buf, uint32_t len)
{
	struct frontd_conn *c = ctx;
	if (c->client_drained) {
		errno = EAGAIN;
		return -1;
	}
	uint32_t ask = len > INT_MAX ? INT_MAX : len;
	ssize_t n;
	do
		n = read(c->fd, buf, ask);
	while (n < 0 && errno == EINTR);
	/* A short read or EAGAIN both leave the socket empty until its next edge. */
	if (c->short_read_drains && !c->client_fin &&
	    ((n > 0 && (uint32_t)n < ask) || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))))
		c->client_drained = true;
	return (int)n;
}

/*
 * The socket transport while the ClientHello is incomplete: every byte read
 * is held by the TLS library until the hello is whole, so it is counted
 * against handshake-buffer-budget (limits.c). The first byte moves the
 * deadline from first-byte-timeout to client-hello-timeout.
 */
static int hello_recv(void *ctx, uint8_t *buf, uint32_t len)
{
	struct frontd_conn *c = ctx;
	int n = client_recv(c, buf, len);
	if (n <= 0)
		return n;
	if (c->first_byte_us == 0)
		c->first_byte_us = frontd_conn_mono_us();
	if (c->hello == HELLO_WAITING)
		set_deadline(c, min_u32(c->srv->cfg->client_hello_timeout_ms, c->srv->cfg->handshake_timeout_ms));
	if (!frontd_limits_hello_read(c, (size_t)n)) {
		c->evicted = true;
		errno = ECONNRESET;
		return -1;
	}
	return n;
}

int frontd_client_hello_cb(struct moat_connection *tls, void *ctx)
{
	struct frontd_server *srv = ctx;
	struct frontd_conn *c = moat_connection_get_ctx(tls);
	struct moat_client_hello *ch = moat_connection_get_client_hello(tls);
	if (srv == NULL || c == NULL || ch == NULL)
		return -1;
	const char *sni = moat_client_hello_get_server_name(ch);
	if (sni != NULL) {
		size_t n = strlen(sni);
		c->has_sni = true;
		c->sni_len = (uint8_t)(n < sizeof(c->sni) ? n : sizeof(c->sni));
		memcpy(c->sni, sni, c->sni_len);
	}
	bool matched;
	struct frontd_site *site = frontd_sites_lookup(&srv->cfg->sites, sni, &matched);
	if (moat_connection_set_config(tls, site->tls) < 0)
		return -1;
	/* RFC 6066 §3: acknowledge server_name only when it chose the certificate. */
	if (matched && moat_connection_server_name_extension_used(tls) < 0)
		return -1;
	c->site = site;
	c->site_chosen = true;
	/* The hello is whole: the socket is read without the hello's accounting, under the handshake deadline. */
	if (c->hello != HELLO_NONE) {
		frontd_limits_hello_done(c);
		if (moat_connection_set_recv_cb(tls, client_recv) < 0)
			return -1;
		set_deadline(c, srv->cfg->handshake_timeout_ms);
	}
	return 0;
}

static void sign_done(void *arg, enum keyd_result result, uint16_t status, const uint8_t *sig, size_t sig_len)
{
	struct frontd_conn *c = arg;
	struct moat_async_pkey_op *op = c->op;
	c->op = NULL;
	c->keyd_id = 0;
	if (op == NULL)
		return;
	uint64_t now = frontd_conn_mono_us();
	if (now >= c->keyd_start_us) {
		c->keyd_us += now - c->keyd_start_us;
		frontd_metrics_keyd_rtt(c->srv, now - c->keyd_start_us);
	}
	bool ok = result == KEYD_OK && sig_len <= UINT32_MAX &&
		  moat_async_pkey_op_set_output(op, sig, (uint32_t)sig_len) == MOAT_SUCCESS &&
		  moat_async_pkey_op_apply(op, c->tls) == MOAT_SUCCESS;
	if (!ok) {
		c->sign_error = result == KEYD_UNAVAILABLE ? "keyd went away"
				: result == KEYD_TIMEOUT   ? "timed out"
				: result == KEYD_REFUSED   ? moat_ipc_status_name(status)
							   : "the signature was not accepted";
		c->sign_end = result == KEYD_UNAVAILABLE ? "keyd unavailable"
			      : result == KEYD_TIMEOUT   ? "keyd timeout"
			      : result == KEYD_REFUSED   ? "keyd refused"
							 : "keyd bad signature";
		moat_error_clear();
		/* The next negotiate then fails and sends internal_error (tls/moat.h). */
		if (moat_async_pkey_op_fail(op, c->tls) < 0) {
			moat_error_clear();
			if (moat_async_pkey_op_free(op) < 0)
				moat_error_clear();
			frontd_conn_abort(c, "cannot fail the signing operation");
			return;
		}
	}
	if (moat_async_pkey_op_free(op) < 0)
		moat_error_clear();
	handshake_step(c);
}

/*
 * What keyd is asked to sign is named by the protocol: the TLS 1.3
 * CertificateVerify, or a TLS 1.2 (1.1, 1.0) ServerKeyExchange over ECDHE
 * or, for the DHE_RSA suites (IANA names TLS_DHE_*), DHE params.
 */
static uint8_t sign_kind(struct moat_connection *tls)
{
	if (moat_connection_get_actual_protocol_version(tls) == MOAT_TLS13)
		return MOAT_IPC_SIGN_TLS13_CV;
	if (strncmp(moat_connection_get_cipher(tls), "TLS_DHE_", 8) == 0)
		return MOAT_IPC_SIGN_TLS12_SKE_DHE;
	return MOAT_IPC_SIGN_TLS12_SKE;
}

int frontd_async_pkey_cb(struct moat_connection *tls, struct moat_async_pkey_op *op)
{
	struct frontd_conn *c = moat_connection_get_ctx(tls);
	struct moat_cert_chain_and_key *ck = moat_connection_get_selected_cert(tls);
	const struct frontd_cert *fc = moat_cert_chain_and_key_get_ctx(ck);
	uint8_t input[MOAT_IPC_SIGN_INPUT_MAX];
	moat_async_pkey_op_type type;
	uint16_t scheme;
	uint32_t len;

	if (c == NULL || fc == NULL || moat_async_pkey_op_get_op_type(op, &type) < 0 ||
	    moat_async_pkey_op_get_input_size(op, &len) < 0 || len > sizeof(input) ||
	    moat_async_pkey_op_get_input(op, input, len) < 0)
		goto fail;
	int rc;
	c->keyd_start_us = frontd_conn_mono_us();
	if (type == MOAT_ASYNC_DECRYPT) {
		/* TLS 1.2 RSA key exchange: keyd answers 48 bytes whatever the ciphertext (moat-ipc(7) RSA_DECRYPT). */
		int cv = moat_connection_get_client_protocol_version(tls);
		uint16_t client_version = cv > 0 && cv <= 0xffff ? (uint16_t)cv : 0;
		rc = keyd_client_decrypt(c->srv->keyd, fc->key_id, client_version, input, len, sign_done, c,
					 &c->keyd_id);
	} else {
		if (moat_async_pkey_op_get_signature_scheme(op, &scheme) < 0)
			goto fail;
		rc = keyd_client_sign(c->srv->keyd, fc->key_id, scheme, sign_kind(tls), input, len, sign_done, c,
				      &c->keyd_id);
	}
	if (rc < 0) {
		c->sign_error = moat_errno == MOAT_ERR_KEYD_UNAVAILABLE ? "keyd is unavailable"
									: moat_strerror(moat_errno, NULL);
		c->sign_end = moat_errno == MOAT_ERR_KEYD_UNAVAILABLE ? "keyd unavailable" : "keyd error";
		goto fail;
	}
	c->op = op;
	return 0;
fail:
	/* The library then ends the handshake with internal_error. */
	moat_error_clear();
	if (moat_async_pkey_op_free(op) < 0)
		moat_error_clear();
	return -1;
}

/* ---- events ------------------------------------------------------------------------ */

static void conn_run(struct frontd_conn *c)
{
	switch (c->state) {
	case CONN_HANDSHAKE:
		handshake_step(c);
		break;
	case CONN_PROXY:
		frontd_proxy_pump(c);
		break;
	case CONN_CLOSING:
		closing_step(c);
		break;
	case CONN_LINGER:
		linger_step(c);
		break;
	}
}

/*
 * An event runs the connection only when it ends a wait: a direction that
 * was blocked became ready, or the connection asked to run again. Anything
 * else (an edge for a direction nobody waits on) changes nothing the last
 * run did not already see.
 */
static void client_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	struct frontd_conn *c = arg;
	bool run = c->kicked;
	c->kicked = false;
	/* The FIN comes with EV_READ too; EV_CLOSED only says reads must now go on until EOF. */
	if (what & EV_CLOSED)
		c->client_fin = true;
	if (what & (EV_READ | EV_CLOSED)) {
		c->client_drained = false;
		what |= EV_READ;
	}
	if ((what & EV_READ) && c->cread_blocked) {
		c->cread_blocked = false;
		run = true;
	}
	if ((what & EV_WRITE) && c->cwrite_blocked) {
		c->cwrite_blocked = false;
		run = true;
	}
	if (run)
		conn_run(c);
}

static void backend_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	struct frontd_conn *c = arg;
	bool run = false;
	/* libevent reports EPOLLERR and EPOLLHUP as EV_READ | EV_WRITE. */
	if (c->backend_connecting && c->edge && (what & (EV_READ | EV_WRITE)) == EV_WRITE)
		c->connect_clean = true;
	if (what & EV_CLOSED) {
		c->backend_fin = true;
		what |= EV_READ;
	}
	if ((what & EV_READ) && c->bread_blocked) {
		c->bread_blocked = false;
		run = true;
	}
	if ((what & EV_WRITE) && c->bwrite_blocked) {
		c->bwrite_blocked = false;
		run = true;
	}
	if (run)
		conn_run(c);
}

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct frontd_conn *c = arg;
	switch (c->state) {
	case CONN_HANDSHAKE:
		if (c->hello == HELLO_WAITING) {
			c->srv->stats->timeouts_first_byte++;
			frontd_conn_ended(c, "timeout first-byte", NULL);
			frontd_conn_log(c, MOAT_LOG_DEBUG, "handshake timed out: no ClientHello byte (first-byte-timeout)");
		} else if (c->hello == HELLO_PARTIAL) {
			c->srv->stats->timeouts_client_hello++;
			frontd_conn_ended(c, "timeout client-hello", NULL);
			frontd_conn_log(c, MOAT_LOG_DEBUG, "handshake timed out: ClientHello incomplete (client-hello-timeout)");
		} else {
			c->srv->stats->timeouts_handshake++;
			frontd_conn_ended(c, "timeout handshake", NULL);
			frontd_conn_log(c, MOAT_LOG_DEBUG, "handshake timed out (handshake-timeout)");
		}
		conn_free(c);
		break;
	case CONN_PROXY:
		frontd_proxy_timer(c);
		break;
	case CONN_CLOSING:
	case CONN_LINGER:
		/* The cause was set before closing began; this is only the end of waiting for the client. */
		conn_free(c);
		break;
	}
}

int frontd_conn_backend_events(struct frontd_conn *c)
{
	/* Registered by frontd_conn_watch. */
	c->ev_backend = event_new(c->srv->base, c->bfd, EV_READ | EV_WRITE | EV_PERSIST, backend_cb, c);
	ENSURE(c->ev_backend != NULL, MOAT_ERR_ALLOC);
	return MOAT_SUCCESS;
}

int frontd_conn_start(struct frontd_server *srv, const struct frontd_listener *l, int fd,
		      const struct sockaddr_storage *peer, socklen_t peer_len, bool expect_proxy)
{
	struct frontd_conn *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		close(fd);
		BAIL(MOAT_ERR_ALLOC);
	}
	c->srv = srv;
	c->listener = l;
	c->handshake_us = -1;
	c->fd = fd;
	c->bfd = -1;
	c->state = CONN_HANDSHAKE;
	c->site = srv->cfg->sites.fallback;
	srv->stats->accepted++;
	/* Before anything else is allocated for it: over a limit, it goes at once. */
	struct timeval tv;
	event_base_gettimeofday_cached(srv->base, &tv);
	c->accepted_ms = (uint64_t)tv.tv_sec * 1000u + (uint64_t)tv.tv_usec / 1000u;
	c->pp_expected = expect_proxy;
	/* Behind a balancer, the source that counts is the one its PROXY header names (set then). */
	if (!frontd_limits_admit(srv, c, expect_proxy ? NULL : peer, peer_len)) {
		free(c);
		close(fd);
		return MOAT_SUCCESS;
	}
	frontd_sockaddr_format(peer, peer_len, c->peer, sizeof(c->peer));
	LIST_INSERT_HEAD(&srv->conns, c, link);
	srv->conn_count++;
	frontd_metrics_gauges(srv);

	/* TCP_NODELAY comes from the listener (listen.c). */
	int features = event_base_get_features(srv->base);
	c->edge = (features & EV_FEATURE_ET) != 0;
	c->short_read_drains = c->edge && (features & EV_FEATURE_EARLY_CLOSE) != 0;
	c->tls = moat_connection_new(MOAT_SERVER);
	c->ev_client = event_new(srv->base, fd, EV_READ | EV_WRITE | EV_PERSIST, client_cb, c);
	c->ev_timer = evtimer_new(srv->base, timer_cb, c);
	if (c->tls == NULL || c->ev_client == NULL || c->ev_timer == NULL ||
	    moat_connection_set_config(c->tls, c->site->tls) < 0 || moat_connection_set_fd(c->tls, fd) < 0 ||
	    moat_connection_set_recv_cb(c->tls, hello_recv) < 0 || moat_connection_set_recv_ctx(c->tls, c) < 0 ||
	    moat_connection_set_ctx(c->tls, c) < 0) {
		int err = moat_errno ? moat_errno : MOAT_ERR_ALLOC;
		frontd_conn_ended(c, "internal error", NULL);
		conn_free(c);
		BAIL(err);
	}
	const struct frontd_config *cfg = srv->cfg;
	set_deadline(c, min_u32(cfg->first_byte_timeout_ms, min_u32(cfg->client_hello_timeout_ms,
								  cfg->handshake_timeout_ms)));
	/*
	 * Nothing to do before the ClientHello arrives. Edge-triggered, the
	 * event reports at once what is already there.
	 */
	c->cread_blocked = true;
	frontd_conn_watch(c);
	if (c->client_on == 0) {
		frontd_conn_ended(c, "internal error", NULL);
		conn_free(c);
		BAIL(MOAT_ERR_INTERNAL);
	}
	return MOAT_SUCCESS;
}

bool frontd_conn_drain_expire(struct frontd_conn *c)
{
	switch (c->state) {
	case CONN_HANDSHAKE:
		/* No alert: nothing the client did was wrong, and mid-handshake there is no close_notify to send. */
		frontd_conn_ended(c, "timeout drain", NULL);
		frontd_conn_log(c, MOAT_LOG_DEBUG, "closed: drain-timeout during the handshake");
		conn_free(c);
		return true;
	case CONN_PROXY:
		frontd_conn_ended(c, "timeout drain", NULL);
		frontd_conn_close_gracefully(c, "drain-timeout");
		return true;
	case CONN_CLOSING:
	case CONN_LINGER:
		break;
	}
	return false;
}

void frontd_conn_close_all(struct frontd_server *srv)
{
	while (!LIST_EMPTY(&srv->conns)) {
		frontd_conn_ended(LIST_FIRST(&srv->conns), "shutdown", NULL);
		conn_free(LIST_FIRST(&srv->conns));
	}
	frontd_proxy_pool_free();
	frontd_limits_free(srv);
}
