/*
 * Authentication messages of TLS 1.3, for both sides (RFC 8446 §4.4):
 * Certificate, CertificateVerify and Finished.
 *
 * Finished keys are derived as soon as the handshake traffic secrets exist
 * (moat_tls13_prepare_finished_keys) so the key schedule can wipe those
 * secrets when the master secret is derived, before the client's Finished
 * has been written or checked.
 *
 * Our CertificateVerify signature always goes through moat_async_pkey_sign:
 * the application's callback if one is set (moat-frontd sends it to
 * moat-keyd), else the private key loaded in this process.
 */
#include <string.h>

#include "common/secmem.h"
#include "tls/crypto/util.h"
#include "tls/handshake_tables.h"
#include "tls/ocsp_staple.h"
#include "tls/sct_list.h"

static bool is_server(const struct moat_connection *conn)
{
	return conn->mode == MOAT_SERVER;
}

int moat_tls13_prepare_finished_keys(struct moat_connection *conn)
{
	struct moat_handshake *hs = conn->hs;
	const uint8_t *ours = is_server(conn) ? conn->secrets->server_hs : conn->secrets->client_hs;
	const uint8_t *peers = is_server(conn) ? conn->secrets->client_hs : conn->secrets->server_hs;
	TRY(moat_tls13_finished_key(conn->suite->prf_hash, ours, hs->finished_key_ours));
	return moat_tls13_finished_key(conn->suite->prf_hash, peers, hs->finished_key_peer);
}

int moat_tls13_write_finished(struct moat_connection *conn, struct moat_buf *msg)
{
	struct moat_handshake *hs = conn->hs;
	uint8_t hash[MOAT_MAX_HASH_LEN], verify[MOAT_MAX_HASH_LEN];
	size_t len = moat_hash_len(conn->suite->prf_hash);
	TRY(moat_hs_transcript_hash(conn, hash));
	TRY(moat_hmac(conn->suite->prf_hash, hs->finished_key_ours, len, hash, len, verify));
	return moat_finished_encode(msg, verify, len);
}

int moat_tls13_read_finished(struct moat_connection *conn, struct moat_cursor body)
{
	struct moat_handshake *hs = conn->hs;
	struct moat_cursor verify;
	uint8_t expected[MOAT_MAX_HASH_LEN];
	size_t len = moat_hash_len(conn->suite->prf_hash);
	TRY(moat_finished_decode(body, len, &verify));
	/* hs->finished_hash: the transcript before this Finished (set by the driver). */
	TRY(moat_hmac(conn->suite->prf_hash, hs->finished_key_peer, len, hs->finished_hash, len, expected));
	bool ok = moat_ct_equal(expected, moat_cursor_data(&verify), len);
	moat_wipe(expected, sizeof(expected));
	ENSURE(ok, MOAT_ERR_DECRYPT_ERROR);
	return MOAT_SUCCESS;
}

/*
 * The peer's signature_algorithms (ClientHello on a server, CertificateRequest
 * on a client) as a set: the whole list, however long, in one pass, so a
 * scheme counts wherever the peer put it.
 */
int moat_tls13_peer_sig_schemes(const struct moat_ext_block *ext, struct moat_u16_set *offered)
{
	struct moat_cursor list;
	/* RFC 8446 §9.2: a certificate-authenticated handshake needs signature_algorithms. */
	ENSURE(moat_ext_present(ext, MOAT_EXTI_SIGNATURE_ALGORITHMS), MOAT_ERR_MISSING_EXTENSION);
	TRY(moat_ext_u16_list_decode(ext->data[MOAT_EXTI_SIGNATURE_ALGORITHMS], &list));
	moat_u16_set_clear(offered);
	moat_u16_set_add_list(offered, list);
	return MOAT_SUCCESS;
}

int moat_tls13_choose_sig_scheme(struct moat_connection *conn, const struct moat_cert_chain_and_key *ck,
				 const struct moat_u16_set *offered, uint16_t *scheme)
{
	const struct moat_security_policy *p = moat_conn_policy(conn);
	for (size_t i = 0; i < p->sig_schemes_count; i++) {
		uint16_t s = p->sig_schemes[i];
		if (moat_sig_scheme_usable_tls13(s, ck->key_type) && moat_u16_set_has(offered, s)) {
			*scheme = s;
			return MOAT_SUCCESS;
		}
	}
	BAIL(MOAT_ERR_HANDSHAKE_FAILURE);
}

int moat_tls13_send_certificate(struct moat_connection *conn)
{
	struct moat_handshake *hs = conn->hs;
	struct moat_buf msg;
	const struct moat_cert_chain *chain = conn->selected_cert ? &conn->selected_cert->chain : NULL;
	/* The server always has one (chosen with the ClientHello); a client may send none (§4.4.2). */
	ENSURE(chain != NULL || !is_server(conn), MOAT_ERR_INTERNAL);
	size_t total = 64;
	for (size_t i = 0; chain != NULL && i < chain->count; i++)
		total += chain->der_len[i] + 8;
	/* §4.4.2.1: the leaf's entry carries the OCSP staple when the client asked for one. */
	struct moat_buf leaf_ext;
	moat_buf_init(&leaf_ext, 0xffff);
	int rc = moat_ocsp_staple_entry_ext(conn, &leaf_ext);
	/* §4.4.2: and the SCT list (RFC 6962 §3.3.1) when asked for. */
	if (rc == MOAT_SUCCESS)
		rc = moat_sct_entry_ext(conn, &leaf_ext);
	const uint8_t *ext[MOAT_MAX_CHAIN_LEN] = { 0 };
	size_t ext_len[MOAT_MAX_CHAIN_LEN] = { 0 };
	if (leaf_ext.len > 0) {
		ext[0] = leaf_ext.data;
		ext_len[0] = leaf_ext.len;
		total += leaf_ext.len;
	}
	moat_buf_init(&msg, total);
	if (rc == MOAT_SUCCESS)
		rc = moat_certificate_encode_ext(&msg, hs->cr_context, is_server(conn) ? 0 : hs->cr_context_len,
						 chain ? (const uint8_t *const *)chain->der : NULL,
						 chain ? chain->der_len : NULL, ext, ext_len, chain ? chain->count : 0);
	if (rc == MOAT_SUCCESS)
		rc = moat_hs_queue_message(conn, msg.data, msg.len);
	moat_buf_free(&msg);
	moat_buf_free(&leaf_ext);
	return rc;
}

struct host_check {
	moat_verify_host_fn fn;
	void *data;
	bool accepted;
};

static int offer_name(const char *name, size_t len, void *arg)
{
	struct host_check *hc = arg;
	if (!hc->accepted && hc->fn(name, len, hc->data) == 1)
		hc->accepted = true;
	return MOAT_SUCCESS;
}

static int check_peer_identity(struct moat_connection *conn)
{
	moat_verify_host_fn fn = conn->verify_host_set ? conn->verify_host : conn->config->verify_host;
	void *data = conn->verify_host_set ? conn->verify_host_data : conn->config->verify_host_data;
	if (fn != NULL) {
		struct host_check hc = { fn, data, false };
		TRY(moat_cert_for_each_dns_name(&conn->peer_chain, offer_name, &hc));
		ENSURE(hc.accepted, MOAT_ERR_BAD_CERTIFICATE);
		return MOAT_SUCCESS;
	}
	/* Without a callback: a client checks the name it asked for; client certificates carry no host name to check. */
	if (!is_server(conn) && conn->server_name[0] != '\0')
		return moat_cert_check_host(&conn->peer_chain, conn->server_name);
	return MOAT_SUCCESS;
}

int moat_tls13_recv_certificate(struct moat_connection *conn, struct moat_cursor body)
{
	struct moat_handshake *hs = conn->hs;
	struct moat_certificate_msg m;
	TRY(moat_certificate_decode(body, &m));
	if (is_server(conn)) {
		/* The client echoes our (empty) request context. */
		ENSURE(moat_cursor_remaining(&m.context) == 0, MOAT_ERR_ILLEGAL_PARAMETER);
		if (m.count == 0) {
			/* §4.4.2.4: no certificate where one is required. */
			ENSURE(moat_conn_client_auth(conn) != MOAT_CERT_AUTH_REQUIRED, MOAT_ERR_CERTIFICATE_REQUIRED);
			hs->flags |= MOAT_HS_F_NO_CLIENT_CERT;
			return MOAT_SUCCESS;
		}
	} else {
		ENSURE(moat_cursor_remaining(&m.context) == 0, MOAT_ERR_ILLEGAL_PARAMETER);
		/* §4.4.2.4: a server must send a certificate. */
		ENSURE(m.count > 0, MOAT_ERR_DECODE);
	}
	return moat_peer_chain_load(conn, &m);
}

/* The peer's certificates become conn->peer_chain, verified when the config asks (TLS 1.2 uses it too). */
int moat_peer_chain_load(struct moat_connection *conn, const struct moat_certificate_msg *msg)
{
	const struct moat_certificate_msg m = *msg;
	if (conn->peer_chain_loaded)
		moat_cert_chain_free(&conn->peer_chain);
	memset(&conn->peer_chain, 0, sizeof(conn->peer_chain));
	conn->peer_chain_loaded = true;
	for (size_t i = 0; i < m.count; i++)
		TRY(moat_cert_chain_add_der(&conn->peer_chain, moat_cursor_data(&m.cert[i]),
					    moat_cursor_remaining(&m.cert[i])));
	if (!conn->config->verify_x509)
		return MOAT_SUCCESS;
	uint64_t now;
	TRY(moat_conn_now_ns(conn, &now));
	TRY(moat_cert_verify(&conn->config->trust, &conn->peer_chain, !is_server(conn), now / 1000000000u));
	return check_peer_identity(conn);
}

int moat_tls13_send_certificate_verify(struct moat_connection *conn)
{
	struct moat_handshake *hs = conn->hs;
	uint16_t scheme = is_server(conn) ? conn->server_sig_scheme : conn->client_sig_scheme;
	if (!hs->signature_ready) {
		uint8_t hash[MOAT_MAX_HASH_LEN];
		uint8_t content_mem[MOAT_CV_CONTENT_MAX];
		struct moat_buf content;
		moat_buf_init_fixed(&content, content_mem, sizeof(content_mem));
		TRY(moat_hs_transcript_hash(conn, hash));
		TRY(moat_cv_content_build(is_server(conn), hash, moat_hash_len(conn->suite->prf_hash), &content));
		/* Returns ASYNC_BLOCKED until the application applies the operation; we are then called again. */
		TRY(moat_async_pkey_sign(conn, scheme, content.data, content.len));
	}
	struct moat_buf msg;
	moat_buf_init(&msg, hs->signature_len + 16);
	int rc = moat_certificate_verify_encode(&msg, scheme, hs->signature, hs->signature_len);
	if (rc == MOAT_SUCCESS)
		rc = moat_hs_queue_message(conn, msg.data, msg.len);
	moat_buf_free(&msg);
	hs->signature_ready = false;
	return rc;
}

static bool scheme_acceptable(struct moat_connection *conn, uint16_t scheme)
{
	/* Only schemes we advertised (our policy's, usable in TLS 1.3) and that fit the peer's key. */
	return moat_security_policy_has_sig_scheme(moat_conn_policy(conn), scheme) &&
	       moat_sig_scheme_usable_tls13(scheme, conn->peer_chain.leaf_key.type);
}

int moat_tls13_recv_certificate_verify(struct moat_connection *conn, struct moat_cursor body)
{
	struct moat_handshake *hs = conn->hs;
	struct moat_certificate_verify cv;
	uint8_t content_mem[MOAT_CV_CONTENT_MAX];
	struct moat_buf content;
	TRY(moat_certificate_verify_decode(body, &cv));
	ENSURE(conn->peer_chain_loaded && conn->peer_chain.count > 0, MOAT_ERR_UNEXPECTED_MESSAGE);
	ENSURE(scheme_acceptable(conn, cv.scheme), MOAT_ERR_ILLEGAL_PARAMETER);
	moat_buf_init_fixed(&content, content_mem, sizeof(content_mem));
	/* The peer signed the transcript up to its Certificate: hs->finished_hash (set by the driver). */
	TRY(moat_cv_content_build(!is_server(conn), hs->finished_hash, moat_hash_len(conn->suite->prf_hash),
				  &content));
	TRY(moat_sig_verify(&conn->peer_chain.leaf_key, cv.scheme, content.data, content.len,
			    moat_cursor_data(&cv.signature), moat_cursor_remaining(&cv.signature)));
	if (is_server(conn))
		conn->client_sig_scheme = cv.scheme;
	else
		conn->server_sig_scheme = cv.scheme;
	return MOAT_SUCCESS;
}
