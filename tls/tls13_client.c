/*
 * TLS 1.3 client handlers: ClientHello out (twice after a HelloRetryRequest);
 * ServerHello or HelloRetryRequest, EncryptedExtensions, CertificateRequest
 * and the server's Finished in; our Finished out.
 *
 * The client always runs in middlebox compatibility mode (RFC 8446 D.4): a
 * random legacy_session_id and a CCS before its second flight, as OpenSSL
 * and most browsers do, because middleboxes still drop "unusual" handshakes.
 * It offers one key share, for the policy's first group, and answers a
 * HelloRetryRequest for another. The extensions it writes and reads are the
 * extension rows' (ext_rows.h; handlers in tls13_ext_client.c).
 */
#include <string.h>

#include "common/secmem.h"
#include "tls/crypto/util.h"
#include "tls/early_data.h"
#include "tls/ext_rows.h"
#include "tls/handshake_tables.h"
#include "tls/tickets.h"
#include "tls/tls12_client.h"

/*
 * The suites we offer: the policy's TLS 1.3 suites when we offer TLS 1.3,
 * then those of the older versions we offer (tls12_client.c), each list in
 * the policy's order.
 */
static int client_suites(struct moat_connection *conn, uint16_t *out, size_t cap, size_t *n)
{
	const struct moat_security_policy *p = moat_conn_policy(conn);
	*n = 0;
	if (moat_hs_client_max_version(conn) == MOAT_TLS13)
		for (size_t i = 0; i < p->cipher_suites_count && *n < cap; i++) {
			const struct moat_cipher_suite *s = p->cipher_suites[i];
			if (s->min_version <= MOAT_TLS13 && s->max_version >= MOAT_TLS13)
				out[(*n)++] = s->iana;
		}
	*n += moat_tls12_client_suites(conn, out + *n, cap - *n);
	ENSURE(*n > 0, MOAT_ERR_PROTOCOL_VERSION);
	return MOAT_SUCCESS;
}

/*
 * The ClientHello offers every version the policy allows (the hello
 * machine's writer, whichever version the server then picks). Offering
 * TLS 1.3 it is a TLS 1.3 ClientHello in compatibility mode; offering
 * TLS 1.2 or older only, it has no supported_versions, key_share or
 * session id, and legacy_version is the highest version offered
 * (RFC 5246 Appendix E.1).
 */
int moat_tls13_client_send_hello(struct moat_connection *conn)
{
	struct moat_handshake *hs = conn->hs;
	uint16_t suites[64];
	size_t n_suites;
	uint16_t highest = moat_hs_client_max_version(conn);
	ENSURE(highest != 0, MOAT_ERR_PROTOCOL_VERSION);
	TRY(client_suites(conn, suites, 64, &n_suites));
	if (!hs->hrr_done) {
		/* §5.1: the first ClientHello may carry 0x0301 for old middleboxes; all else 0x0303. */
		conn->rl.write_version = MOAT_TLS10;
		TRY(moat_random_bytes(hs->client_random, MOAT_RANDOM_LEN));
		if (highest == MOAT_TLS13) {
			hs->session_id_len = MOAT_MAX_SESSION_ID_LEN;
			TRY(moat_random_bytes(hs->session_id, hs->session_id_len));
			hs->flags |= MOAT_HS_F_MIDDLEBOX;
		} else {
			/* No session to resume: an empty session id (RFC 5246 §7.4.1.2). */
			hs->session_id_len = 0;
		}
		conn->client_hello_version = highest > MOAT_TLS12 ? MOAT_TLS12 : highest;
		conn->client_version = highest;
	} else {
		conn->rl.write_version = MOAT_TLS12;
	}

	struct moat_buf ext, msg;
	moat_buf_init(&ext, 65535);
	moat_buf_init(&msg, 65535 + 512);
	/* The second ClientHello from the same list: the same extensions in the same order (§4.1.2). */
	int rc = moat_ext_write_list(conn, &moat_ext_ch_send, &ext, &hs->ext_offered);
	/* The same random and session id in both ClientHellos (§4.1.2). */
	if (rc == MOAT_SUCCESS)
		rc = moat_client_hello_encode(&msg, conn->client_hello_version, hs->client_random, hs->session_id, hs->session_id_len,
					      suites, n_suites, ext.data, ext.len);
	/* A PSK's binder covers the message up to itself (RFC 8446 §4.2.11.2): written last. */
	if (rc == MOAT_SUCCESS)
		rc = moat_tls13_psk_client_bind(conn, &msg);
	if (rc == MOAT_SUCCESS) {
		if (!hs->hrr_done)
			hs->ch1_len = msg.len;
		rc = moat_hs_queue_message(conn, msg.data, msg.len);
	}
	moat_buf_free(&ext);
	moat_buf_free(&msg);
	return rc;
}

static bool offered_suite(struct moat_connection *conn, uint16_t iana)
{
	const struct moat_security_policy *p = moat_conn_policy(conn);
	const struct moat_cipher_suite *s = moat_cipher_suite_find(iana);
	return s != NULL && s->min_version <= MOAT_TLS13 && s->max_version >= MOAT_TLS13 &&
	       moat_security_policy_has_suite(p, iana) && moat_hs_client_max_version(conn) == MOAT_TLS13;
}

/*
 * §4.4.1: after a HelloRetryRequest the transcript restarts with
 * message_hash(Hash(ClientHello1)). The raw transcript holds ClientHello1
 * followed by the HelloRetryRequest the driver just added.
 */
static int restart_transcript_for_hrr(struct moat_connection *conn)
{
	struct moat_handshake *hs = conn->hs;
	moat_hash_alg alg = conn->suite->prf_hash;
	uint8_t ch1_hash[MOAT_MAX_HASH_LEN];
	ENSURE(hs->transcript_raw.len > hs->ch1_len, MOAT_ERR_INTERNAL);
	TRY(moat_hash_oneshot(alg, hs->transcript_raw.data, hs->ch1_len, ch1_hash));
	TRY(moat_hs_transcript_start_message_hash(conn, alg, ch1_hash));
	TRY(moat_hash_update(&hs->transcript, hs->transcript_raw.data + hs->ch1_len,
			     hs->transcript_raw.len - hs->ch1_len));
	moat_buf_free(&hs->transcript_raw);
	return MOAT_SUCCESS;
}

static int recv_hrr(struct moat_connection *conn, const struct moat_server_hello *sh)
{
	struct moat_handshake *hs = conn->hs;
	/* §4.1.4: a second HelloRetryRequest is unexpected. */
	ENSURE(!hs->hrr_done, MOAT_ERR_UNEXPECTED_MESSAGE);
	conn->suite = moat_cipher_suite_find(sh->cipher_suite);
	conn->version = MOAT_TLS13;
	TRY(moat_ext_recv_list(conn, &moat_ext_hrr13_recv, &sh->ext, hs->ext_offered));
	/* §4.1.4: a HelloRetryRequest that would not change the ClientHello is illegal. */
	ENSURE(moat_ext_present(&sh->ext, MOAT_EXTI_KEY_SHARE) || moat_ext_present(&sh->ext, MOAT_EXTI_COOKIE),
	       MOAT_ERR_ILLEGAL_PARAMETER);
	TRY(restart_transcript_for_hrr(conn));
	/* §4.2.10: the server read none of our early data; the second ClientHello goes in the clear. */
	TRY(moat_tls13_early_data_client_hrr(conn));
	hs->flags |= MOAT_HS_F_HRR;
	hs->hrr_done = true;
	return MOAT_SUCCESS;
}

int moat_tls13_client_recv_server_hello(struct moat_connection *conn, struct moat_cursor body)
{
	struct moat_handshake *hs = conn->hs;
	struct moat_server_hello sh;
	/* §5.1: everything after the first ClientHello, alerts included, carries 0x0303. */
	conn->rl.write_version = MOAT_TLS12;
	TRY(moat_server_hello_decode(body, &sh));

	/*
	 * hello.c chose this machine from the first ServerHello's version; one
	 * after a HelloRetryRequest comes straight here and must choose TLS 1.3
	 * again, so every ServerHello is checked.
	 */
	uint16_t version;
	TRY(moat_hs_server_hello_version(conn, &sh, &version));
	ENSURE(version == MOAT_TLS13, MOAT_ERR_ILLEGAL_PARAMETER);
	ENSURE(moat_cursor_remaining(&sh.session_id_echo) == hs->session_id_len &&
		       memcmp(moat_cursor_data(&sh.session_id_echo), hs->session_id, hs->session_id_len) == 0,
	       MOAT_ERR_ILLEGAL_PARAMETER);
	ENSURE(offered_suite(conn, sh.cipher_suite), MOAT_ERR_ILLEGAL_PARAMETER);

	if (sh.is_hrr)
		return recv_hrr(conn, &sh);

	/* §4.1.4: the ServerHello after a HelloRetryRequest keeps its cipher suite. */
	ENSURE(!hs->hrr_done || conn->suite->iana == sh.cipher_suite, MOAT_ERR_ILLEGAL_PARAMETER);
	conn->suite = moat_cipher_suite_find(sh.cipher_suite);
	conn->version = MOAT_TLS13;

	/* Only what we offered may come back (pre_shared_key only if we offered a ticket); key_share is required. */
	TRY(moat_ext_recv_list(conn, &moat_ext_sh13_recv, &sh.ext, hs->ext_offered));
	uint8_t *secret;
	size_t secret_len = hs->shared_secret_len;
	TRY(moat_hs_kex_buffers(hs, conn->group, NULL, &secret));

	uint8_t hello_hash[MOAT_MAX_HASH_LEN];
	TRY(moat_hs_transcript_start(conn, conn->suite->prf_hash));
	TRY(moat_hs_transcript_hash(conn, hello_hash));
	size_t psk_len;
	const uint8_t *psk = moat_tls13_psk(conn, &psk_len);
	int rc = moat_tls13_init(conn->secrets, conn->suite->prf_hash, psk, psk_len);
	if (rc == MOAT_SUCCESS)
		rc = moat_tls13_derive_handshake(conn->secrets, secret, secret_len, hello_hash);
	moat_wipe(secret, secret_len);
	moat_hs_kex_release(hs);
	TRY(rc);
	TRY(moat_tls13_prepare_finished_keys(conn));
	/*
	 * Appendix A.1:
	 *                                 | Recv ServerHello
	 *                                 | K_recv = handshake
	 * K_send = handshake comes along, though A.1 draws it after the server's
	 * Finished: the note below the figure says a client with an alert to
	 * send before then "SHOULD first rekey to the handshake keys if
	 * possible". Our compatibility CCS stays unprotected (record layer).
	 */
	TRY(moat_hs_set_keys(conn, false, conn->secrets->server_hs));
	/* Early data sent: the early write keys stay until the server says what became of it (early_data.c). */
	if (moat_tls13_early_data_client_keeps_write_keys(conn))
		return MOAT_SUCCESS;
	return moat_hs_set_keys(conn, true, conn->secrets->client_hs);
}

int moat_tls13_client_recv_ee(struct moat_connection *conn, struct moat_cursor body)
{
	struct moat_handshake *hs = conn->hs;
	struct moat_ext_block ext;
	TRY(moat_encrypted_extensions_decode(body, &ext));
	/* §4.2: only what we offered may come back; the rows check and read it. */
	TRY(moat_ext_recv_list(conn, &moat_ext_ee13_recv, &ext, hs->ext_offered));
	return moat_tls13_early_data_client_after_ee(conn);
}

int moat_tls13_client_recv_cr(struct moat_connection *conn, struct moat_cursor body)
{
	struct moat_handshake *hs = conn->hs;
	struct moat_certificate_request cr;
	TRY(moat_certificate_request_decode(body, &cr));
	/* §4.3.2: in the main handshake the context is empty. */
	ENSURE(moat_cursor_remaining(&cr.context) == 0, MOAT_ERR_ILLEGAL_PARAMETER);
	hs->cr_context_len = 0;
	/* The rows pick our certificate by the server's schemes, or mark an empty Certificate (§4.4.2). */
	TRY(moat_ext_recv_list(conn, &moat_ext_cr13_recv, &cr.ext, 0));
	hs->flags |= MOAT_HS_F_CLIENT_AUTH;
	return MOAT_SUCCESS;
}

int moat_tls13_client_recv_server_finished(struct moat_connection *conn, struct moat_cursor body)
{
	uint8_t hash[MOAT_MAX_HASH_LEN];
	TRY(moat_tls13_read_finished(conn, body));
	/*
	 * The server's application secrets cover the transcript through its
	 * Finished (§7.1), so K_recv = application, which A.1 draws after our
	 * own Finished, is installed now: we read nothing in between, and a
	 * record that carried more than this Finished is refused here, before
	 * we answer (moat_hs_set_keys).
	 */
	TRY(moat_hs_transcript_hash(conn, hash));
	TRY(moat_tls13_derive_master(conn->secrets, hash));
	return moat_hs_set_keys(conn, false, conn->secrets->server_app);
}

int moat_tls13_client_send_finished(struct moat_connection *conn)
{
	struct moat_buf msg;
	uint8_t mem[MOAT_HS_HEADER_LEN + MOAT_MAX_HASH_LEN];
	moat_buf_init_fixed(&msg, mem, sizeof(mem));
	TRY(moat_tls13_write_finished(conn, &msg));
	return moat_hs_queue_message(conn, msg.data, msg.len);
}

/*
 * Appendix A.1:
 *                                 | Send Finished
 *                                 | K_send = K_recv = application
 * Our second flight goes out under the handshake keys first.
 */
int moat_tls13_client_finished_sent(struct moat_connection *conn)
{
	TRY(moat_hs_flush_messages(conn));
	TRY(moat_hs_set_keys(conn, true, conn->secrets->client_app));
	/* The PSKs of the tickets the server may send derive from the transcript through our Finished (§4.6.1). */
	if (!conn->config->tickets_off)
		TRY(moat_tickets_derive_resumption(conn));
	return MOAT_SUCCESS;
}
