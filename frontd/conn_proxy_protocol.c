/*
 * The PROXY protocol on a client connection (the format: proxy_protocol.h):
 * the header a trusted load balancer sends before the ClientHello, and the
 * header a site's backend is sent before the client's first byte.
 *
 * Incoming. A listener with `proxy-protocol` takes connections only from
 * its trusted sources (listen.c closes the rest at accept: spec §2 and §5,
 * a receiver must never guess whether a header is there, so a port either
 * requires one or is not told of the protocol at all). From those, the
 * header must come first and whole within the first-byte timeout, the
 * deadline already running from accept. The socket is peeked, never read
 * past the header: the bytes after it are the ClientHello, which the TLS
 * library reads itself. A header split across segments is tolerated: the
 * part that has arrived is taken out of the socket into a small buffer
 * allocated only then (so a level-triggered loop does not see the same
 * bytes as "readable" again and again), and parsing starts over with the
 * buffer and what arrived since. Anything that is not a valid beginning of
 * a header closes the connection at once, before any TLS.
 *
 * Once the header is in, the client's address is the header's: it names
 * the connection in logs, it is the source that max-handshakes-per-source
 * counts (the connection was admitted without one, since every connection
 * on such a listener comes from a few balancers), and it is what a backend
 * with `proxy-protocol` is told.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "frontd/client_cert.h"
#include "frontd/conn.h"

/* The part of a header that has arrived, while the rest has not. */
struct frontd_pp_partial {
	size_t have;
	uint8_t data[FRONTD_PP_MAX];
};

void frontd_pp_conn_free(struct frontd_conn *c)
{
	free(c->pp_partial);
	c->pp_partial = NULL;
	free(c->pp_client);
	c->pp_client = NULL;
}

/* The header is whole and valid: take hdr->len - have bytes out of the socket and use what it says. */
static bool pp_apply(struct frontd_conn *c, const struct frontd_pp_header *hdr, size_t have)
{
	uint8_t sink[FRONTD_PP_MAX];
	/* The bytes kept were a header's beginning, so it is longer: checked all the same. */
	if (hdr->len <= have || hdr->len - have > sizeof(sink)) {
		frontd_conn_abort(c, "PROXY header: inconsistent length");
		return false;
	}
	size_t want = hdr->len - have;
	ssize_t n;
	do
		n = recv(c->fd, sink, want, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	/* The bytes were peeked a moment ago: only a broken socket returns fewer. */
	if (n < 0 || (size_t)n != want) {
		frontd_conn_abort(c, "PROXY header: read failed");
		return false;
	}
	free(c->pp_partial);
	c->pp_partial = NULL;
	c->pp_expected = false;

	struct sockaddr_storage self;
	socklen_t self_len = sizeof(self);
	const struct sockaddr_storage *src = &self;
	socklen_t src_len;
	if (!hdr->local) {
		c->pp_client = malloc(sizeof(*c->pp_client));
		if (c->pp_client == NULL) {
			frontd_conn_abort(c, "out of memory");
			return false;
		}
		*c->pp_client = hdr->addrs;
		src = &hdr->addrs.src;
		src_len = hdr->addrs.src_len;
		char was[sizeof(c->peer)];
		memcpy(was, c->peer, sizeof(was));
		frontd_sockaddr_format(src, src_len, c->peer, sizeof(c->peer));
		frontd_conn_log(c, MOAT_LOG_DEBUG, "PROXY v%d header from %s", (int)hdr->version, was);
	} else {
		/* LOCAL or UNKNOWN: the balancer's own connection (a health check); counted as the balancer. */
		if (getpeername(c->fd, (struct sockaddr *)&self, &self_len) < 0) {
			frontd_conn_abort(c, "getpeername failed");
			return false;
		}
		src_len = self_len;
		frontd_conn_log(c, MOAT_LOG_DEBUG, "PROXY v%d header: the balancer's own connection", (int)hdr->version);
	}
	/* May close c, when its source is at max-handshakes-per-source and has no older waiter to close. */
	return frontd_limits_set_source(c, src, src_len);
}

bool frontd_pp_conn_read(struct frontd_conn *c)
{
	uint8_t buf[FRONTD_PP_MAX];
	size_t have = 0;
	if (c->pp_partial != NULL) {
		have = c->pp_partial->have;
		memcpy(buf, c->pp_partial->data, have);
	}
	ssize_t n;
	do
		n = recv(c->fd, buf + have, sizeof(buf) - have, MSG_PEEK | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		c->cread_blocked = true;
		frontd_conn_watch(c);
		return false;
	}
	if (n <= 0) {
		c->srv->stats.closed_before_hello++;
		frontd_conn_abort(c, n == 0 ? "closed before its PROXY header" : "read failed before the PROXY header");
		return false;
	}
	struct frontd_pp_header hdr;
	if (frontd_pp_parse(buf, have + (size_t)n, &hdr) == MOAT_SUCCESS)
		return pp_apply(c, &hdr, have);
	int err = moat_errno;
	moat_error_clear();
	if (err != MOAT_ERR_IO_BLOCKED) {
		c->srv->stats.proxy_header_refused++;
		frontd_conn_abort(c, "not a valid PROXY header");
		return false;
	}
	/* A valid beginning: take it out of the socket and wait for the rest. */
	if (c->pp_partial == NULL && (c->pp_partial = malloc(sizeof(*c->pp_partial))) == NULL) {
		frontd_conn_abort(c, "out of memory");
		return false;
	}
	ssize_t got;
	do
		got = recv(c->fd, c->pp_partial->data + have, (size_t)n, MSG_DONTWAIT);
	while (got < 0 && errno == EINTR);
	if (got != n) {
		frontd_conn_abort(c, "PROXY header: read failed");
		return false;
	}
	c->pp_partial->have = have + (size_t)n;
	c->cread_blocked = true;
	frontd_conn_watch(c);
	return false;
}

/* The client's endpoints: what its load balancer said, else its socket's. false: unknown. */
static bool client_addrs(struct frontd_conn *c, struct frontd_pp_addrs *a)
{
	if (c->pp_client != NULL) {
		*a = *c->pp_client;
		return true;
	}
	memset(a, 0, sizeof(*a));
	a->src_len = a->dst_len = sizeof(a->src);
	if (getpeername(c->fd, (struct sockaddr *)&a->src, &a->src_len) < 0 ||
	    getsockname(c->fd, (struct sockaddr *)&a->dst, &a->dst_len) < 0) {
		a->src_len = a->dst_len = 0;
		return false;
	}
	return true;
}

int frontd_pp_backend_header(struct frontd_conn *c, struct moat_buf *out)
{
	struct frontd_pp_addrs addrs;
	/* Unknown endpoints are sent as such (UNKNOWN / AF_UNSPEC): the backend still learns the TLS facts. */
	(void)client_addrs(c, &addrs);
	/* A certificate the handshake accepted was verified against the site's client-ca (client_cert.h). */
	char subject[FRONTD_CLIENT_SUBJECT_MAX], cn[FRONTD_CLIENT_CN_MAX];
	bool client_cert = frontd_client_cert_get(c->tls, subject, cn);
	struct frontd_pp_tls tls = {
		.alpn = moat_get_application_protocol(c->tls),
		.sni = moat_get_server_name(c->tls),
		.version = frontd_pp_tls_version_name(moat_connection_get_actual_protocol_version(c->tls)),
		.cipher = moat_connection_get_cipher(c->tls),
		.group = moat_connection_get_curve(c->tls),
		.client_cn = client_cert ? cn : NULL,
		.client_cert_verified = client_cert,
	};
	if (tls.cipher != NULL && strcmp(tls.cipher, "NONE") == 0)
		tls.cipher = NULL;
	if (tls.group != NULL && strcmp(tls.group, "NONE") == 0)
		tls.group = NULL;
	return frontd_pp_write(out, c->site->proxy_protocol, &addrs, &tls);
}
