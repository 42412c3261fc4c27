/*
 * Resumption with client authentication (RFC 8446 §4.6.1, §2.2): what a
 * ticket records of the client certificate its handshake verified, and
 * when a server takes that record instead of asking again.
 *
 * A resumed handshake carries no Certificate, so a ticket is the only place
 * the client's identity can come from. The record (session_state.h's
 * client_identity) is, big-endian:
 *
 *   opaque leaf_sha256[32]     SHA-256 of the leaf's DER
 *   opaque trust_digest[32]    the config's trust settings (config_trust.c)
 *   u64    not_after           the leaf's notAfter, Unix seconds
 *   opaque subject<0..255>     RFC 2253 text, as moat_cert_der_names gives it
 *   opaque common_name<0..100>
 *
 * 429 bytes at most, which keeps the whole state within the 1024 bytes
 * moat-keyd seals (MOAT_IPC_TICKET_STATE_MAX). The leaf itself would not fit
 * (a P-256 leaf is 500 bytes and more), and nothing but its names and dates
 * is needed again. A certificate whose names do not fit is not recorded:
 * such a session is not resumed where a certificate is required.
 *
 * A server that asks for a certificate takes a ticket's record only when:
 *  - the trust digest is the config's own: the client's chain was verified
 *    against the same anchors, CRLs and depth (a CA removed since, a CRL
 *    added, a reload with another client-ca: a full handshake);
 *  - the leaf's notAfter has not passed;
 *  - the config has no host-verification callback: it judged the leaf's
 *    names, which the record does not keep (moat-frontd's client-name).
 * A ticket without a record is taken where the certificate is optional,
 * never where it is required. The record is carried into the tickets a
 * resumed connection issues, so a chain of resumptions keeps it.
 */
#include <string.h>

#include "tls/crypto/hash.h"
#include "tls/tickets.h"

#define SUBJECT_MAX 255
#define CN_MAX 100

struct client_id {
	uint8_t leaf_sha256[32];
	uint8_t trust_digest[32];
	uint64_t not_after;
	char subject[SUBJECT_MAX + 1];
	char cn[CN_MAX + 1];
};

static int decode_id(const uint8_t *p, size_t len, struct client_id *id)
{
	struct moat_cursor c, v;
	moat_cursor_init(&c, p, len);
	TRY(moat_cursor_get_bytes(&c, id->leaf_sha256, sizeof(id->leaf_sha256)));
	TRY(moat_cursor_get_bytes(&c, id->trust_digest, sizeof(id->trust_digest)));
	TRY(moat_cursor_get_u64(&c, &id->not_after));
	TRY(moat_cursor_get_vector(&c, 1, 0, SUBJECT_MAX, &v));
	size_t n = moat_cursor_remaining(&v);
	TRY(moat_cursor_get_bytes(&v, id->subject, n));
	id->subject[n] = '\0';
	TRY(moat_cursor_get_vector(&c, 1, 0, CN_MAX, &v));
	n = moat_cursor_remaining(&v);
	TRY(moat_cursor_get_bytes(&v, id->cn, n));
	id->cn[n] = '\0';
	return moat_cursor_expect_end(&c);
}

/* The leaf this server verified in this handshake, if any. */
static bool verified_leaf(const struct moat_connection *conn)
{
	uint32_t flags = conn->hs != NULL ? conn->hs->flags : conn->hs_flags;
	return conn->mode == MOAT_SERVER && conn->peer_chain_loaded && conn->peer_chain.count > 0 &&
	       (flags & MOAT_HS_F_CLIENT_AUTH) && !(flags & MOAT_HS_F_NO_CLIENT_CERT) && conn->config->verify_x509 &&
	       conn->config->trust_digest_ok;
}

/* The resumed session's record, if this connection resumed one that had it. */
static const struct moat_session_state *resumed_with_id(const struct moat_connection *conn)
{
	uint32_t flags = conn->hs != NULL ? conn->hs->flags : conn->hs_flags;
	const struct moat_tickets *t = conn->tix;
	if (!(flags & MOAT_HS_F_PSK) || t == NULL || !t->have_session || t->session.client_identity_len == 0)
		return NULL;
	return &t->session;
}

int moat_tickets_client_id_fill(const struct moat_connection *conn, struct moat_session_state *s)
{
	s->client_identity_len = 0;
	const struct moat_session_state *from = resumed_with_id(conn);
	if (from != NULL && conn->mode == MOAT_SERVER) {
		memcpy(s->client_identity, from->client_identity, from->client_identity_len);
		s->client_identity_len = from->client_identity_len;
		return MOAT_SUCCESS;
	}
	if (!verified_leaf(conn))
		return MOAT_SUCCESS;
	struct client_id id;
	const uint8_t *der = conn->peer_chain.der[0];
	size_t der_len = conn->peer_chain.der_len[0];
	memset(&id, 0, sizeof(id));
	/* Names too long for the record, or a leaf we cannot read again: no record, never a wrong one. */
	if (moat_cert_der_names(der, der_len, id.subject, sizeof(id.subject), id.cn, sizeof(id.cn)) < 0 ||
	    moat_cert_der_not_after(der, der_len, &id.not_after) < 0) {
		moat_error_clear();
		return MOAT_SUCCESS;
	}
	TRY(moat_hash_oneshot(MOAT_HASH_SHA256, der, der_len, id.leaf_sha256));
	memcpy(id.trust_digest, conn->config->trust_digest, sizeof(id.trust_digest));
	struct moat_buf b;
	moat_buf_init_fixed(&b, s->client_identity, sizeof(s->client_identity));
	TRY(moat_buf_put_bytes(&b, id.leaf_sha256, sizeof(id.leaf_sha256)));
	TRY(moat_buf_put_bytes(&b, id.trust_digest, sizeof(id.trust_digest)));
	TRY(moat_buf_put_u64(&b, id.not_after));
	TRY(moat_buf_put_prefixed(&b, 1, id.subject, strlen(id.subject)));
	TRY(moat_buf_put_prefixed(&b, 1, id.cn, strlen(id.cn)));
	s->client_identity_len = b.len;
	return MOAT_SUCCESS;
}

bool moat_tickets_client_id_acceptable(const struct moat_connection *conn, const struct moat_session_state *s,
				       uint64_t now_ns)
{
	moat_cert_auth_type auth = moat_conn_client_auth(conn);
	if (auth == MOAT_CERT_AUTH_NONE)
		return true;
	if (s->client_identity_len == 0)
		return auth == MOAT_CERT_AUTH_OPTIONAL;
	const struct moat_config *config = conn->config;
	struct client_id id;
	if (decode_id(s->client_identity, s->client_identity_len, &id) < 0) {
		moat_error_clear();
		return false;
	}
	moat_verify_host_fn host_cb = conn->verify_host_set ? conn->verify_host : config->verify_host;
	return host_cb == NULL && config->verify_x509 && config->trust_digest_ok &&
	       memcmp(id.trust_digest, config->trust_digest, sizeof(id.trust_digest)) == 0 &&
	       id.not_after > now_ns / 1000000000u;
}

int moat_connection_get_client_cert_identity(struct moat_connection *conn, uint8_t leaf_sha256[32], char *subject,
					     size_t subject_max, char *cn, size_t cn_max)
{
	ENSURE_REF(conn);
	ENSURE(subject == NULL || subject_max > 0, MOAT_ERR_INVALID_ARG);
	ENSURE(cn == NULL || cn_max > 0, MOAT_ERR_INVALID_ARG);
	if (verified_leaf(conn)) {
		const uint8_t *der = conn->peer_chain.der[0];
		size_t der_len = conn->peer_chain.der_len[0];
		if (leaf_sha256 != NULL)
			TRY(moat_hash_oneshot(MOAT_HASH_SHA256, der, der_len, leaf_sha256));
		return moat_cert_der_names(der, der_len, subject, subject_max, cn, cn_max);
	}
	const struct moat_session_state *s = resumed_with_id(conn);
	ENSURE(s != NULL && conn->mode == MOAT_SERVER, MOAT_ERR_INVALID_STATE);
	struct client_id id;
	TRY(decode_id(s->client_identity, s->client_identity_len, &id));
	ENSURE(subject == NULL || strlen(id.subject) < subject_max, MOAT_ERR_INVALID_ARG);
	ENSURE(cn == NULL || strlen(id.cn) < cn_max, MOAT_ERR_INVALID_ARG);
	if (leaf_sha256 != NULL)
		memcpy(leaf_sha256, id.leaf_sha256, sizeof(id.leaf_sha256));
	if (subject != NULL)
		strcpy(subject, id.subject);
	if (cn != NULL)
		strcpy(cn, id.cn);
	return MOAT_SUCCESS;
}
