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
 * chosen with the config in force by then.
 */
#include <string.h>

#include "common/secmem.h"
#include "tls/crypto/util.h"
#include "tls/handshake_tables.h"

static const struct moat_cipher_suite *choose_suite(const struct moat_security_policy *p, struct moat_cursor offered)
{
	for (size_t i = 0; i < p->cipher_suites_count; i++) {
		const struct moat_cipher_suite *s = p->cipher_suites[i];
		if (s->min_version <= MOAT_TLS13 && s->max_version >= MOAT_TLS13 && moat_u16_list_contains(offered, s->iana))
			return s;
	}
	return NULL;
}

/*
 * Group and key share: the best group in the policy that the client supports,
 * with the client's share for it if it sent one. Both of the client's lists
 * are read whole from the ClientHello (a set for supported_groups, a walk of
 * the shares), so where a group sits in them, or how long they are, does not
 * change the answer. The loops run over the policy's groups: a group the key
 * exchange code learns is chosen here without a change.
 */
static int choose_group(struct moat_connection *conn, const struct moat_client_hello *ch,
			const struct moat_key_share **share_out)
{
	struct moat_handshake *hs = conn->hs;
	const struct moat_security_policy *p = moat_conn_policy(conn);
	struct moat_cursor listed, it;
	struct moat_key_share_list shares;
	struct moat_u16_set offered;

	ENSURE(moat_ext_present(&ch->ext, MOAT_EXTI_SUPPORTED_GROUPS), MOAT_ERR_MISSING_EXTENSION);
	ENSURE(moat_ext_present(&ch->ext, MOAT_EXTI_KEY_SHARE), MOAT_ERR_MISSING_EXTENSION);
	TRY(moat_ext_u16_list_decode(ch->ext.data[MOAT_EXTI_SUPPORTED_GROUPS], &listed));
	TRY(moat_ext_key_share_decode_ch(ch->ext.data[MOAT_EXTI_KEY_SHARE], &shares));
	moat_u16_set_clear(&offered);
	moat_u16_set_add_list(&offered, listed);
	/* §4.2.8: every share must be for a group the client listed in supported_groups. */
	for (it = shares.entries; moat_cursor_remaining(&it) > 0;) {
		struct moat_key_share e;
		TRY(moat_key_share_next(&it, &e));
		ENSURE(moat_u16_set_has(&offered, e.group), MOAT_ERR_ILLEGAL_PARAMETER);
	}

	*share_out = NULL;
	/* First choice: a group the client already sent a share for, avoiding a round trip. */
	for (size_t i = 0; i < p->groups_count; i++) {
		if (moat_kex_group_supported(p->groups[i]) && moat_key_share_find(&shares, p->groups[i], &hs->kex_share)) {
			conn->group = p->groups[i];
			*share_out = &hs->kex_share;
			return MOAT_SUCCESS;
		}
	}
	/* Otherwise the best mutually supported group, asked for with a HelloRetryRequest. */
	for (size_t i = 0; i < p->groups_count; i++) {
		if (moat_kex_group_supported(p->groups[i]) && moat_u16_set_has(&offered, p->groups[i])) {
			conn->group = p->groups[i];
			return MOAT_SUCCESS;
		}
	}
	BAIL(MOAT_ERR_HANDSHAKE_FAILURE);
}

static int choose_alpn(struct moat_connection *conn, const struct moat_client_hello *ch)
{
	size_t ours_len;
	const uint8_t *ours = moat_conn_alpn(conn, &ours_len);
	if (!moat_ext_present(&ch->ext, MOAT_EXTI_ALPN) || ours_len == 0)
		return MOAT_SUCCESS;
	struct moat_cursor offered;
	TRY(moat_ext_alpn_decode_list(ch->ext.data[MOAT_EXTI_ALPN], &offered));
	struct moat_cursor mine;
	moat_cursor_init(&mine, ours, ours_len);
	while (moat_cursor_remaining(&mine) > 0) {
		struct moat_cursor name, theirs = offered, candidate;
		TRY(moat_cursor_get_prefixed(&mine, 1, &name));
		while (moat_cursor_remaining(&theirs) > 0) {
			TRY(moat_alpn_list_next(&theirs, &candidate));
			size_t n = moat_cursor_remaining(&candidate);
			if (n == moat_cursor_remaining(&name) &&
			    memcmp(moat_cursor_data(&candidate), moat_cursor_data(&name), n) == 0) {
				memcpy(conn->alpn, moat_cursor_data(&name), n);
				conn->alpn[n] = '\0';
				return MOAT_SUCCESS;
			}
		}
	}
	/* RFC 7301 §3.2: no overlap is fatal. */
	BAIL(MOAT_ERR_NO_APPLICATION_PROTOCOL);
}

/* RFC 8449 takes precedence over RFC 6066 max_fragment_length when both are offered. */
static int choose_record_limits(struct moat_connection *conn, const struct moat_client_hello *ch)
{
	struct moat_handshake *hs = conn->hs;
	if (moat_ext_present(&ch->ext, MOAT_EXTI_RECORD_SIZE_LIMIT)) {
		uint16_t limit;
		TRY(moat_ext_record_size_limit_decode(ch->ext.data[MOAT_EXTI_RECORD_SIZE_LIMIT], &limit));
		/* §4: in TLS 1.3 the limit counts the content type byte. */
		conn->peer_record_limit = limit - 1u < MOAT_MAX_PLAINTEXT ? limit - 1u : MOAT_MAX_PLAINTEXT;
		hs->ch_sent_record_size_limit = true;
	} else if (moat_ext_present(&ch->ext, MOAT_EXTI_MAX_FRAGMENT_LENGTH) && conn->config->accept_mfl) {
		uint8_t code;
		TRY(moat_ext_max_fragment_length_decode(ch->ext.data[MOAT_EXTI_MAX_FRAGMENT_LENGTH], &code));
		conn->peer_record_limit = (size_t)1 << (8 + code);
		hs->mfl_code = code;
	}
	return MOAT_SUCCESS;
}

static int select_certificate(struct moat_connection *conn, const struct moat_client_hello *ch)
{
	struct moat_config *config = conn->config;
	ENSURE(config->cert_count > 0, MOAT_ERR_CONFIG);
	const struct moat_security_policy *p = moat_conn_policy(conn);
	struct moat_u16_set offered;
	TRY(moat_tls13_peer_sig_schemes(&ch->ext, &offered));
	/* The policy's order of schemes decides, among the client's, which certificate serves. */
	for (size_t i = 0; i < p->sig_schemes_count; i++) {
		uint16_t scheme = p->sig_schemes[i];
		if (!moat_u16_set_has(&offered, scheme))
			continue;
		for (size_t c = 0; c < config->cert_count; c++) {
			if (moat_sig_scheme_usable_tls13(scheme, config->certs[c]->key_type)) {
				conn->selected_cert = config->certs[c];
				conn->server_sig_scheme = scheme;
				return MOAT_SUCCESS;
			}
		}
	}
	BAIL(MOAT_ERR_HANDSHAKE_FAILURE);
}

static int compute_shared_secret(struct moat_connection *conn, const struct moat_key_share *share)
{
	struct moat_handshake *hs = conn->hs;
	uint8_t *ours, *secret;
	size_t len = 0;
	TRY(moat_hs_kex_buffers(hs, conn->group, &ours, &secret));
	TRY(moat_kex_generate(&hs->kex, conn->group, ours, &hs->our_share_len));
	TRY(moat_kex_derive(&hs->kex, moat_cursor_data(&share->key_exchange), moat_cursor_remaining(&share->key_exchange),
			    secret, &len));
	hs->shared_secret_len = len;
	moat_kex_free(&hs->kex);
	return MOAT_SUCCESS;
}

/* The first ClientHello, decoded by hello.c (hs->client_hello). */
static int negotiate_first(struct moat_connection *conn)
{
	struct moat_handshake *hs = conn->hs;
	struct moat_client_hello *ch = &hs->client_hello;
	const struct moat_security_policy *p = moat_conn_policy(conn);
	const struct moat_key_share *share;

	/* Appendix D.4: a client in compatibility mode sends a session id; answer with a CCS. */
	if (hs->session_id_len > 0)
		hs->flags |= MOAT_HS_F_MIDDLEBOX;
	conn->suite = choose_suite(p, ch->cipher_suites);
	ENSURE(conn->suite != NULL, MOAT_ERR_HANDSHAKE_FAILURE);
	/* §9.2: a hello without signature_algorithms is missing_extension, whatever else is wrong with it. */
	ENSURE(moat_ext_present(&ch->ext, MOAT_EXTI_SIGNATURE_ALGORITHMS), MOAT_ERR_MISSING_EXTENSION);
	TRY(choose_group(conn, ch, &share));
	TRY(select_certificate(conn, ch));
	TRY(choose_alpn(conn, ch));
	TRY(choose_record_limits(conn, ch));
	if (moat_conn_client_auth(conn) != MOAT_CERT_AUTH_NONE)
		hs->flags |= MOAT_HS_F_CLIENT_AUTH;
	TRY(moat_hs_transcript_start(conn, conn->suite->prf_hash));
	if (share == NULL) {
		hs->flags |= MOAT_HS_F_HRR;
		return MOAT_SUCCESS;
	}
	return compute_shared_secret(conn, share);
}

/*
 * The second ClientHello (§4.1.2) must be the first one with only the
 * changes our HelloRetryRequest allows (moat_client_hello_check_retry), one
 * share for the group we asked for, and our cookie unchanged. Everything our
 * choices were made from is therefore what the first ClientHello said.
 */
static int process_second_client_hello(struct moat_connection *conn, struct moat_cursor body)
{
	struct moat_handshake *hs = conn->hs;
	struct moat_client_hello ch2;
	struct moat_key_share_list shares;
	struct moat_key_share share;
	TRY(moat_client_hello_decode(body, &ch2));
	ENSURE(moat_ext_present(&ch2.ext, MOAT_EXTI_KEY_SHARE), MOAT_ERR_MISSING_EXTENSION);
	ENSURE(moat_ext_present(&ch2.ext, MOAT_EXTI_COOKIE), MOAT_ERR_MISSING_EXTENSION);
	TRY(moat_client_hello_check_retry(&hs->client_hello, &ch2));
	struct moat_cursor cookie;
	TRY(moat_ext_cookie_decode(ch2.ext.data[MOAT_EXTI_COOKIE], &cookie));
	ENSURE(moat_cursor_remaining(&cookie) == hs->cookie_len &&
		       moat_ct_equal(moat_cursor_data(&cookie), hs->cookie, hs->cookie_len),
	       MOAT_ERR_ILLEGAL_PARAMETER);
	TRY(moat_ext_key_share_decode_ch(ch2.ext.data[MOAT_EXTI_KEY_SHARE], &shares));
	ENSURE(shares.count == 1 && moat_key_share_find(&shares, conn->group, &share), MOAT_ERR_ILLEGAL_PARAMETER);
	return compute_shared_secret(conn, &share);
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
	/* Room for a cookie or an ffdhe8192 share, and the few fixed-size extensions. */
	uint8_t ext_mem[MOAT_KEX_MAX_SHARE_LEN + 128];
	/* Messages are built on the stack and copied into the flight: no heap buffer per message. */
	uint8_t msg_mem[sizeof(ext_mem) + 128];
	moat_buf_init_fixed(&ext, ext_mem, sizeof(ext_mem));
	TRY(moat_ext_write_supported_versions_sh(&ext, MOAT_TLS13));
	if (hrr) {
		TRY(moat_ext_write_key_share_hrr(&ext, conn->group));
		TRY(moat_ext_write_cookie(&ext, hs->cookie, hs->cookie_len));
	} else {
		uint8_t *ours;
		TRY(moat_hs_kex_buffers(hs, conn->group, &ours, NULL));
		TRY(moat_ext_write_key_share_sh(&ext, conn->group, ours, hs->our_share_len));
	}
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
	hs->hrr_done = true;
	return MOAT_SUCCESS;
}

int moat_tls13_server_send_hello(struct moat_connection *conn)
{
	uint8_t random[MOAT_RANDOM_LEN];
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
	int rc = moat_tls13_init(conn->secrets, conn->suite->prf_hash, NULL, 0);
	if (rc == MOAT_SUCCESS)
		rc = moat_tls13_derive_handshake(conn->secrets, secret, hs->shared_secret_len, hello_hash);
	moat_wipe(secret, hs->shared_secret_len);
	moat_hs_kex_release(hs);
	TRY(rc);
	TRY(moat_tls13_prepare_finished_keys(conn));
	TRY(moat_hs_set_keys(conn, true, conn->secrets->server_hs));
	return moat_hs_set_keys(conn, false, conn->secrets->client_hs);
}

int moat_tls13_server_send_ee(struct moat_connection *conn)
{
	struct moat_handshake *hs = conn->hs;
	struct moat_buf ext, msg;
	uint8_t ext_mem[512];
	moat_buf_init_fixed(&ext, ext_mem, sizeof(ext_mem));
	/* RFC 6066 §3: an empty server_name says the name was used to pick what is served. */
	if (hs->server_name_used && conn->server_name[0] != '\0')
		TRY(moat_ext_write_empty(&ext, MOAT_EXT_SERVER_NAME));
	if (conn->alpn[0] != '\0')
		TRY(moat_ext_write_alpn_selected(&ext, (const uint8_t *)conn->alpn, strlen(conn->alpn)));
	if (hs->ch_sent_record_size_limit)
		TRY(moat_ext_write_record_size_limit(&ext, MOAT_MAX_PLAINTEXT + 1));
	else if (hs->mfl_code != 0)
		TRY(moat_ext_write_max_fragment_length(&ext, hs->mfl_code));
	uint8_t msg_mem[1024];
	moat_buf_init_fixed(&msg, msg_mem, sizeof(msg_mem));
	TRY(moat_encrypted_extensions_encode(&msg, ext.data, ext.len));
	return moat_hs_queue_message(conn, msg.data, msg.len);
}

/* Schemes we accept in the client's CertificateVerify: the policy's, minus those TLS 1.3 forbids there. */
size_t moat_tls13_verify_schemes(const struct moat_security_policy *p, uint16_t *out, size_t cap)
{
	static const moat_key_type types[] = { MOAT_KEY_RSA, MOAT_KEY_RSA_PSS, MOAT_KEY_EC_P256, MOAT_KEY_EC_P384,
					       MOAT_KEY_EC_P521, MOAT_KEY_ED25519 };
	size_t n = 0;
	for (size_t i = 0; i < p->sig_schemes_count && n < cap; i++) {
		bool usable = false;
		for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++)
			usable |= moat_sig_scheme_usable_tls13(p->sig_schemes[i], types[t]);
		if (usable)
			out[n++] = p->sig_schemes[i];
	}
	return n;
}

int moat_tls13_server_send_cr(struct moat_connection *conn)
{
	uint16_t schemes[64];
	size_t n = moat_tls13_verify_schemes(moat_conn_policy(conn), schemes, 64);
	struct moat_buf ext, msg;
	uint8_t ext_mem[256];
	moat_buf_init_fixed(&ext, ext_mem, sizeof(ext_mem));
	TRY(moat_ext_write_u16_list(&ext, MOAT_EXT_SIGNATURE_ALGORITHMS, schemes, n));
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
	return moat_hs_set_keys(conn, false, conn->secrets->client_app);
}
