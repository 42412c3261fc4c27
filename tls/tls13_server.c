/*
 * TLS 1.3 server handlers: ClientHello in; HelloRetryRequest, ServerHello,
 * EncryptedExtensions, CertificateRequest and Finished out; the client's
 * Finished in. Certificate and CertificateVerify live in tls13_auth.c since
 * both sides use them.
 *
 * Negotiation follows the server's preference (the policy's order) for the
 * cipher suite, the group and the ALPN protocol, as s2n-tls does. The first
 * ClientHello reaches this machine from hello.c, which has decoded it, run
 * the client hello callback and chosen TLS 1.3; here the parameters are
 * chosen with the config in force by then: the suite here, everything an
 * extension carries by the extension rows (ext_rows.h, whose handlers are in
 * tls13_ext_server.c), which also write our messages' extensions.
 */
#include "common/secmem.h"
#include "tls/crypto/util.h"
#include "tls/early_data.h"
#include "tls/ext_rows.h"
#include "tls/handshake_tables.h"
#include "tls/psk_external.h"
#include "tls/tickets.h"

/* The policy's first TLS 1.3 suite the client offers; with a PSK, one with the PSK's hash (RFC 8446 §4.2.11). */
const struct moat_cipher_suite *moat_tls13_choose_suite(const struct moat_security_policy *p,
							 struct moat_cursor offered, moat_hash_alg alg)
{
	for (size_t i = 0; i < p->cipher_suites_count; i++) {
		const struct moat_cipher_suite *s = p->cipher_suites[i];
		if (alg != MOAT_HASH_NONE && s->prf_hash != alg)
			continue;
		if (s->min_version <= MOAT_TLS13 && s->max_version >= MOAT_TLS13 && moat_u16_list_contains(offered, s->iana))
			return s;
	}
	return NULL;
}

/*
 * Tickets after this handshake (§4.6.1): the configured count plus any the
 * application asked for, at least one when the ticket resumed was sealed
 * under a key that may only open now. Only for a client that can use them:
 * one that offers psk_dhe_ke, the one mode we resume with (§4.2.9).
 */
static int plan_tickets(struct moat_connection *conn)
{
	struct moat_handshake *hs = conn->hs;
	const struct moat_ext_block *ext = &hs->client_hello.ext;
	if (!moat_tickets_server_enabled(conn) || (hs->flags & MOAT_HS_F_TICKET))
		return MOAT_SUCCESS;
	struct moat_cursor modes;
	bool dhe = false;
	uint8_t m;
	if (moat_ext_present(ext, MOAT_EXTI_PSK_KEY_EXCHANGE_MODES)) {
		TRY(moat_ext_psk_modes_decode(ext->data[MOAT_EXTI_PSK_KEY_EXCHANGE_MODES], &modes));
		while (moat_cursor_get_u8(&modes, &m) == MOAT_SUCCESS)
			dhe = dhe || m == MOAT_PSK_DHE_KE;
	}
	if (!dhe)
		return MOAT_SUCCESS;
	struct moat_tickets *t;
	TRY(moat_tickets_get(conn, &t));
	t->to_send += conn->config->initial_ticket_count;
	if (t->reissue && t->to_send == 0)
		t->to_send = 1;
	if (t->to_send > 0)
		hs->flags |= MOAT_HS_F_TICKET;
	return MOAT_SUCCESS;
}

/*
 * Our share answers the client's (§4.2.8): for a DH group a fresh key and
 * the DH output, for a KEM hybrid a ciphertext encapsulated to the client's
 * key. No private key of ours outlives this call.
 */
static int compute_shared_secret(struct moat_connection *conn, const struct moat_key_share *share)
{
	struct moat_handshake *hs = conn->hs;
	uint8_t *ours, *secret;
	size_t len = 0;
	TRY(moat_hs_kex_buffers(hs, conn->group, &ours, &secret));
	TRY(moat_kex_respond(conn->group, moat_cursor_data(&share->key_exchange),
			     moat_cursor_remaining(&share->key_exchange), ours, &hs->our_share_len, secret, &len));
	hs->shared_secret_len = len;
	return MOAT_SUCCESS;
}

/*
 * The first ClientHello, decoded by hello.c (hs->client_hello). The
 * extensions are read by the rows of moat_ext_ch13_recv: group and share,
 * certificate, ALPN, record limits. Without a share for the chosen group
 * the key_share row has set MOAT_HS_F_HRR and the share comes in the
 * second ClientHello.
 */
static int negotiate_first(struct moat_connection *conn)
{
	struct moat_handshake *hs = conn->hs;
	struct moat_client_hello *ch = &hs->client_hello;
	const struct moat_security_policy *p = moat_conn_policy(conn);

	/* Appendix D.4: a client in compatibility mode sends a session id; answer with a CCS. */
	if (hs->session_id_len > 0)
		hs->flags |= MOAT_HS_F_MIDDLEBOX;
	const struct moat_cipher_suite *psk_suite = NULL;
	if (moat_conn_psk_mode(conn) == MOAT_PSK_MODE_EXTERNAL) {
		/* The selection callback is synchronous: this runs once. */
		TRY(moat_tls13_psk_ext_server_select(conn));
		const struct moat_psk *ext = moat_psk_ext_chosen(conn);
		if (ext != NULL)
			psk_suite = conn->suite = moat_tls13_choose_suite(p, ch->cipher_suites, moat_psk_hash(ext));
	} else {
		/* First, as it may wait for the ticket callback: everything above is safe to run again. */
		TRY(moat_tls13_psk_server_select(conn));
	}
	if (conn->tix != NULL && conn->tix->psk_selected) {
		psk_suite = moat_cipher_suite_find(conn->tix->session.cipher_suite);
		conn->suite = moat_tls13_choose_suite(p, ch->cipher_suites, psk_suite->prf_hash);
		if (conn->suite == NULL) {
			/* No suite with the PSK's hash: resume nothing (§4.2.11), a full handshake instead. */
			conn->tix->psk_selected = false;
			conn->tix->have_session = false;
			moat_wipe(&conn->tix->session, sizeof(conn->tix->session));
			psk_suite = NULL;
		}
	}
	if (psk_suite == NULL)
		conn->suite = moat_tls13_choose_suite(p, ch->cipher_suites, MOAT_HASH_NONE);
	ENSURE(conn->suite != NULL, MOAT_ERR_HANDSHAKE_FAILURE);
	TRY(moat_ext_recv_list(conn, &moat_ext_ch13_recv, &ch->ext, 0));
	if (psk_suite != NULL) {
		hs->flags |= MOAT_HS_F_PSK;
	} else if (moat_conn_client_auth(conn) != MOAT_CERT_AUTH_NONE) {
		hs->flags |= MOAT_HS_F_CLIENT_AUTH;
	}
	TRY(plan_tickets(conn));
	TRY(moat_hs_transcript_start(conn, conn->suite->prf_hash));
	if (hs->flags & MOAT_HS_F_HRR)
		return MOAT_SUCCESS;
	return compute_shared_secret(conn, &hs->kex_share);
}

/*
 * The second ClientHello (§4.1.2) must be the first one with only the
 * changes our HelloRetryRequest allows (moat_client_hello_check_retry), one
 * share for the group we asked for, and our cookie unchanged (the rows of
 * moat_ext_ch13_retry_recv). Everything our choices were made from is
 * therefore what the first ClientHello said.
 */
static int process_second_client_hello(struct moat_connection *conn, struct moat_cursor body)
{
	struct moat_handshake *hs = conn->hs;
	struct moat_client_hello ch2;
	TRY(moat_client_hello_decode(body, &ch2));
	TRY(moat_ext_recv_missing(conn, &moat_ext_ch13_retry_recv, &ch2.ext, 0));
	TRY(moat_client_hello_check_retry(&hs->client_hello, &ch2));
	TRY(moat_ext_recv_present(conn, &moat_ext_ch13_retry_recv, &ch2.ext));
	TRY(moat_tls13_psk_server_second_hello(conn, body));
	TRY(moat_tls13_psk_ext_server_second_hello(conn, body));
	return compute_shared_secret(conn, &hs->kex_share);
}

int moat_tls13_server_recv_hello(struct moat_connection *conn, struct moat_cursor body)
{
	if (conn->hs->hrr_done)
		return process_second_client_hello(conn, body);
	return negotiate_first(conn);
}

static int send_server_hello_like(struct moat_connection *conn, const uint8_t *random, bool hrr)
{
	struct moat_handshake *hs = conn->hs;
	struct moat_buf ext, msg;
	/* Room for a cookie or the largest share (a hybrid's), and the few fixed-size extensions. */
	uint8_t ext_mem[MOAT_KEX_MAX_SHARE_LEN + 128];
	/* Messages are built on the stack and copied into the flight: no heap buffer per message. */
	uint8_t msg_mem[sizeof(ext_mem) + 128];
	moat_buf_init_fixed(&ext, ext_mem, sizeof(ext_mem));
	TRY(moat_ext_write_list(conn, hrr ? &moat_ext_hrr_send : &moat_ext_sh_send, &ext, NULL));
	moat_buf_init_fixed(&msg, msg_mem, sizeof(msg_mem));
	TRY(moat_server_hello_encode(&msg, random, hs->session_id, hs->session_id_len, conn->suite->iana, ext.data,
				     ext.len));
	return moat_hs_queue_message(conn, msg.data, msg.len);
}

int moat_tls13_server_send_hrr(struct moat_connection *conn)
{
	struct moat_handshake *hs = conn->hs;
	/* A fresh random cookie that the second ClientHello must echo (§4.2.2). */
	hs->cookie_len = 32;
	TRY(moat_random_bytes(hs->cookie, hs->cookie_len));
	TRY(moat_hs_transcript_hrr_rewrite(conn));
	TRY(send_server_hello_like(conn, moat_hrr_random, true));
	TRY(moat_tls13_psk_server_hrr_sent(conn));
	TRY(moat_tls13_psk_ext_server_hrr_sent(conn));
	hs->hrr_done = true;
	return MOAT_SUCCESS;
}

int moat_tls13_server_send_hello(struct moat_connection *conn)
{
	uint8_t random[MOAT_RANDOM_LEN];
	/* First, as it may wait for the early data callback: nothing is queued before it. */
	TRY(moat_tls13_early_data_server_decide(conn));
	/*
	 * The PSK authenticates (§2.2): no certificate is sent and nothing is
	 * signed. Let go of the certificate only now: until the second
	 * ClientHello (after an HRR) the handshake may still turn into a full one.
	 */
	if (conn->hs->flags & MOAT_HS_F_PSK) {
		conn->selected_cert = NULL;
		conn->server_sig_scheme = 0;
	}
	/* Negotiating TLS 1.3 itself: no downgrade sentinel (§4.1.3) applies. */
	TRY(moat_random_bytes(random, sizeof(random)));
	return send_server_hello_like(conn, random, false);
}

/*
 * Appendix A.2:
 *                                 | Send ServerHello
 *                                 | K_send = handshake
 * The handshake secrets need the transcript through the ServerHello, which
 * the queue now holds. K_recv = handshake comes along, though A.2 draws it
 * after our Finished: we read nothing before then, and installing it here
 * checks at once that nothing the client sent behind its ClientHello
 * would cross the key change (§5.1, moat_hs_set_keys).
 */
int moat_tls13_server_hello_sent(struct moat_connection *conn)
{
	struct moat_handshake *hs = conn->hs;
	uint8_t hello_hash[MOAT_MAX_HASH_LEN];
	TRY(moat_hs_flush_messages(conn));
	TRY(moat_hs_transcript_hash(conn, hello_hash));
	uint8_t *secret;
	TRY(moat_hs_kex_buffers(hs, conn->group, NULL, &secret));
	size_t psk_len;
	const uint8_t *psk = moat_tls13_psk(conn, &psk_len);
	int rc = moat_tls13_init(conn->secrets, conn->suite->prf_hash, psk, psk_len);
	if (rc == MOAT_SUCCESS)
		rc = moat_tls13_early_data_server_derive(conn);
	if (rc == MOAT_SUCCESS)
		rc = moat_tls13_derive_handshake(conn->secrets, secret, hs->shared_secret_len, hello_hash);
	moat_wipe(secret, hs->shared_secret_len);
	moat_hs_kex_release(hs);
	TRY(rc);
	TRY(moat_tls13_prepare_finished_keys(conn));
	TRY(moat_hs_set_keys(conn, true, conn->secrets->server_hs));
	/* Accepted 0-RTT: K_recv = early data until EndOfEarlyData (early_data.c). */
	if (hs->flags & MOAT_HS_F_EARLY_DATA)
		return moat_tls13_early_data_server_read_keys(conn);
	return moat_hs_set_keys(conn, false, conn->secrets->client_hs);
}

int moat_tls13_server_send_ee(struct moat_connection *conn)
{
	struct moat_buf ext, msg;
	uint8_t ext_mem[512];
	moat_buf_init_fixed(&ext, ext_mem, sizeof(ext_mem));
	TRY(moat_ext_write_list(conn, &moat_ext_ee_send, &ext, NULL));
	uint8_t msg_mem[1024];
	moat_buf_init_fixed(&msg, msg_mem, sizeof(msg_mem));
	TRY(moat_encrypted_extensions_encode(&msg, ext.data, ext.len));
	return moat_hs_queue_message(conn, msg.data, msg.len);
}

/* Schemes we accept in the client's CertificateVerify: the policy's, minus those TLS 1.3 forbids there. */
size_t moat_tls13_verify_schemes(const struct moat_security_policy *p, uint16_t *out, size_t cap)
{
	return moat_verify_schemes(p, moat_sig_scheme_usable_tls13, out, cap);
}

int moat_tls13_server_send_cr(struct moat_connection *conn)
{
	struct moat_buf ext, msg;
	uint8_t ext_mem[256];
	moat_buf_init_fixed(&ext, ext_mem, sizeof(ext_mem));
	TRY(moat_ext_write_list(conn, &moat_ext_cr_send, &ext, NULL));
	uint8_t msg_mem[512];
	moat_buf_init_fixed(&msg, msg_mem, sizeof(msg_mem));
	/* §4.3.2: during the handshake the context is empty. */
	TRY(moat_certificate_request_encode(&msg, NULL, 0, ext.data, ext.len));
	return moat_hs_queue_message(conn, msg.data, msg.len);
}

int moat_tls13_server_send_finished(struct moat_connection *conn)
{
	struct moat_buf msg;
	uint8_t mem[MOAT_HS_HEADER_LEN + MOAT_MAX_HASH_LEN];
	moat_buf_init_fixed(&msg, mem, sizeof(mem));
	TRY(moat_tls13_write_finished(conn, &msg));
	return moat_hs_queue_message(conn, msg.data, msg.len);
}

/*
 * Appendix A.2:
 *                                 | Send Finished
 *                                 | K_send = application
 * The application secrets cover the transcript through our Finished (§7.1);
 * the flight so far goes out under the handshake keys first.
 */
int moat_tls13_server_finished_sent(struct moat_connection *conn)
{
	uint8_t hash[MOAT_MAX_HASH_LEN];
	TRY(moat_hs_flush_messages(conn));
	TRY(moat_hs_transcript_hash(conn, hash));
	TRY(moat_tls13_derive_master(conn->secrets, hash));
	return moat_hs_set_keys(conn, true, conn->secrets->server_app);
}

/*
 * Appendix A.2:
 *                                 | Recv Finished
 *                                 | K_recv = application
 * The client's Finished must end its record: nothing else may ride on
 * handshake keys (moat_hs_set_keys checks).
 */
int moat_tls13_server_recv_client_finished(struct moat_connection *conn, struct moat_cursor body)
{
	TRY(moat_tls13_read_finished(conn, body));
	TRY(moat_hs_set_keys(conn, false, conn->secrets->client_app));
	/* Tickets, now or asked for later, need the resumption secret of this transcript (§4.6.1). */
	if (moat_tickets_server_enabled(conn))
		TRY(moat_tickets_derive_resumption(conn));
	return MOAT_SUCCESS;
}
