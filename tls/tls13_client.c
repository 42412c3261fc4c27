/*
 * TLS 1.3 client handlers: ClientHello out (twice after a HelloRetryRequest);
 * ServerHello or HelloRetryRequest, EncryptedExtensions, CertificateRequest
 * and the server's Finished in; our Finished out.
 *
 * The client always runs in middlebox compatibility mode (RFC 8446 D.4): a
 * random legacy_session_id and a CCS before its second flight, as OpenSSL
 * and most browsers do, because middleboxes still drop "unusual" handshakes.
 * It offers one key share, for the policy's first group, and answers a
 * HelloRetryRequest for another.
 */
#include <arpa/inet.h>
#include <string.h>

#include "common/secmem.h"
#include "tls/crypto/util.h"
#include "tls/handshake_tables.h"

static int tls13_suites(const struct moat_security_policy *p, uint16_t *out, size_t cap, size_t *n)
{
	*n = 0;
	for (size_t i = 0; i < p->cipher_suites_count && *n < cap; i++) {
		const struct moat_cipher_suite *s = p->cipher_suites[i];
		if (s->min_version <= MOAT_TLS13 && s->max_version >= MOAT_TLS13)
			out[(*n)++] = s->iana;
	}
	/* TLS 1.2 and older are not implemented yet: a policy must allow TLS 1.3. */
	ENSURE(*n > 0, MOAT_ERR_PROTOCOL_VERSION);
	return MOAT_SUCCESS;
}

static size_t client_groups(const struct moat_security_policy *p, uint16_t *out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < p->groups_count && n < cap; i++)
		if (moat_kex_group_supported(p->groups[i]))
			out[n++] = p->groups[i];
	return n;
}

static int write_client_extensions(struct moat_connection *conn, struct moat_buf *ext)
{
	struct moat_handshake *hs = conn->hs;
	const struct moat_security_policy *p = moat_conn_policy(conn);
	uint16_t groups[16], schemes[64];
	size_t n_groups = client_groups(p, groups, 16);
	size_t n_schemes = moat_tls13_verify_schemes(p, schemes, 64);
	ENSURE(n_groups > 0 && n_schemes > 0, MOAT_ERR_CONFIG);

	/* RFC 6066 §3: literal IP addresses are not sent as server names (they are still checked). */
	struct in6_addr ip;
	if (conn->server_name[0] != '\0' && inet_pton(AF_INET, conn->server_name, &ip) != 1 &&
	    inet_pton(AF_INET6, conn->server_name, &ip) != 1) {
		TRY(moat_ext_write_server_name(ext, conn->server_name));
		hs->sent_server_name = true;
	}
	static const uint16_t versions[] = { MOAT_TLS13 };
	TRY(moat_ext_write_supported_versions_ch(ext, versions, 1));
	TRY(moat_ext_write_u16_list(ext, MOAT_EXT_SUPPORTED_GROUPS, groups, n_groups));
	TRY(moat_ext_write_u16_list(ext, MOAT_EXT_SIGNATURE_ALGORITHMS, schemes, n_schemes));

	/* One share: the policy's favourite group, or the one a HelloRetryRequest asked for. */
	uint16_t group = hs->hrr_done ? hs->hrr_group : groups[0];
	uint8_t *ours;
	moat_kex_free(&hs->kex);
	TRY(moat_hs_kex_buffers(hs, group, &ours, NULL));
	TRY(moat_kex_generate(&hs->kex, group, ours, &hs->our_share_len));
	struct moat_key_share share;
	share.group = group;
	moat_cursor_init(&share.key_exchange, ours, hs->our_share_len);
	TRY(moat_ext_write_key_share_ch(ext, &share, 1));
	conn->group = group;

	size_t alpn_len;
	const uint8_t *alpn = moat_conn_alpn(conn, &alpn_len);
	if (alpn_len > 0) {
		TRY(moat_ext_write_alpn_list(ext, alpn, alpn_len));
		hs->ch_sent_alpn = true;
	}
	if (hs->cookie_len > 0)
		TRY(moat_ext_write_cookie(ext, hs->cookie, hs->cookie_len));
	return MOAT_SUCCESS;
}

int moat_tls13_client_send_hello(struct moat_connection *conn)
{
	struct moat_handshake *hs = conn->hs;
	uint16_t suites[16];
	size_t n_suites;
	TRY(tls13_suites(moat_conn_policy(conn), suites, 16, &n_suites));
	if (!hs->hrr_done) {
		/* §5.1: the first ClientHello may carry 0x0301 for old middleboxes; all else 0x0303. */
		conn->rl.write_version = MOAT_TLS10;
		TRY(moat_random_bytes(hs->client_random, MOAT_RANDOM_LEN));
		hs->session_id_len = MOAT_MAX_SESSION_ID_LEN;
		TRY(moat_random_bytes(hs->session_id, hs->session_id_len));
		hs->flags |= MOAT_HS_F_MIDDLEBOX;
		conn->client_hello_version = MOAT_TLS12;
		conn->client_version = MOAT_TLS13;
	} else {
		conn->rl.write_version = MOAT_TLS12;
	}

	struct moat_buf ext, msg;
	moat_buf_init(&ext, 65535);
	moat_buf_init(&msg, 65535 + 512);
	int rc = write_client_extensions(conn, &ext);
	/* The same random and session id in both ClientHellos (§4.1.2). */
	if (rc == MOAT_SUCCESS)
		rc = moat_client_hello_encode(&msg, MOAT_TLS12, hs->client_random, hs->session_id, hs->session_id_len,
					      suites, n_suites, ext.data, ext.len);
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
	       moat_security_policy_has_suite(p, iana);
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
	bool changes = false;
	if (moat_ext_present(&sh->ext, MOAT_EXTI_KEY_SHARE)) {
		uint16_t group;
		TRY(moat_ext_key_share_decode_hrr(sh->ext.data[MOAT_EXTI_KEY_SHARE], &group));
		/* It must be a group we offered, and not the one we already sent a share for. */
		uint16_t groups[16];
		size_t n = client_groups(moat_conn_policy(conn), groups, 16);
		bool listed = false;
		for (size_t i = 0; i < n; i++)
			listed |= groups[i] == group;
		ENSURE(listed && group != conn->group, MOAT_ERR_ILLEGAL_PARAMETER);
		hs->hrr_group = group;
		changes = true;
	} else {
		hs->hrr_group = conn->group;
	}
	if (moat_ext_present(&sh->ext, MOAT_EXTI_COOKIE)) {
		struct moat_cursor cookie;
		TRY(moat_ext_cookie_decode(sh->ext.data[MOAT_EXTI_COOKIE], &cookie));
		ENSURE(moat_cursor_remaining(&cookie) <= sizeof(hs->cookie), MOAT_ERR_ILLEGAL_PARAMETER);
		hs->cookie_len = moat_cursor_remaining(&cookie);
		TRY(moat_cursor_get_bytes(&cookie, hs->cookie, hs->cookie_len));
		changes = true;
	}
	/* §4.1.4: a HelloRetryRequest that would not change the ClientHello is illegal. */
	ENSURE(changes, MOAT_ERR_ILLEGAL_PARAMETER);
	TRY(restart_transcript_for_hrr(conn));
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
	TRY(moat_hs_server_hello_version(&sh, &version));
	ENSURE(moat_cursor_remaining(&sh.session_id_echo) == hs->session_id_len &&
		       memcmp(moat_cursor_data(&sh.session_id_echo), hs->session_id, hs->session_id_len) == 0,
	       MOAT_ERR_ILLEGAL_PARAMETER);
	ENSURE(offered_suite(conn, sh.cipher_suite), MOAT_ERR_ILLEGAL_PARAMETER);
	/* We offer no PSK, so the server cannot pick one. */
	ENSURE(!moat_ext_present(&sh.ext, MOAT_EXTI_PRE_SHARED_KEY), MOAT_ERR_UNSUPPORTED_EXTENSION);

	if (sh.is_hrr)
		return recv_hrr(conn, &sh);

	/* §4.1.4: the ServerHello after a HelloRetryRequest keeps its cipher suite. */
	ENSURE(!hs->hrr_done || conn->suite->iana == sh.cipher_suite, MOAT_ERR_ILLEGAL_PARAMETER);
	conn->suite = moat_cipher_suite_find(sh.cipher_suite);
	conn->version = MOAT_TLS13;

	ENSURE(moat_ext_present(&sh.ext, MOAT_EXTI_KEY_SHARE), MOAT_ERR_MISSING_EXTENSION);
	struct moat_key_share share;
	TRY(moat_ext_key_share_decode_sh(sh.ext.data[MOAT_EXTI_KEY_SHARE], &share));
	ENSURE(share.group == conn->group, MOAT_ERR_ILLEGAL_PARAMETER);
	size_t secret_len = 0;
	uint8_t *secret;
	TRY(moat_hs_kex_buffers(hs, conn->group, NULL, &secret));
	TRY(moat_kex_derive(&hs->kex, moat_cursor_data(&share.key_exchange), moat_cursor_remaining(&share.key_exchange),
			    secret, &secret_len));
	moat_kex_free(&hs->kex);

	uint8_t hello_hash[MOAT_MAX_HASH_LEN];
	TRY(moat_hs_transcript_start(conn, conn->suite->prf_hash));
	TRY(moat_hs_transcript_hash(conn, hello_hash));
	int rc = moat_tls13_init(conn->secrets, conn->suite->prf_hash, NULL, 0);
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
	return moat_hs_set_keys(conn, true, conn->secrets->client_hs);
}

int moat_tls13_client_recv_ee(struct moat_connection *conn, struct moat_cursor body)
{
	struct moat_handshake *hs = conn->hs;
	struct moat_ext_block ext;
	TRY(moat_encrypted_extensions_decode(body, &ext));
	/* §4.2: only what we offered may come back. */
	if (moat_ext_present(&ext, MOAT_EXTI_SERVER_NAME)) {
		ENSURE(hs->sent_server_name, MOAT_ERR_UNSUPPORTED_EXTENSION);
		TRY(moat_ext_empty_decode(ext.data[MOAT_EXTI_SERVER_NAME]));
	}
	ENSURE(!moat_ext_present(&ext, MOAT_EXTI_MAX_FRAGMENT_LENGTH), MOAT_ERR_UNSUPPORTED_EXTENSION);
	ENSURE(!moat_ext_present(&ext, MOAT_EXTI_RECORD_SIZE_LIMIT), MOAT_ERR_UNSUPPORTED_EXTENSION);
	ENSURE(!moat_ext_present(&ext, MOAT_EXTI_EARLY_DATA), MOAT_ERR_UNSUPPORTED_EXTENSION);
	/* §4.2.7: the server's groups are only for later connections, but a malformed list is still decode_error. */
	if (moat_ext_present(&ext, MOAT_EXTI_SUPPORTED_GROUPS)) {
		struct moat_cursor groups;
		TRY(moat_ext_u16_list_decode(ext.data[MOAT_EXTI_SUPPORTED_GROUPS], &groups));
	}
	if (moat_ext_present(&ext, MOAT_EXTI_ALPN)) {
		ENSURE(hs->ch_sent_alpn, MOAT_ERR_UNSUPPORTED_EXTENSION);
		struct moat_cursor name;
		TRY(moat_ext_alpn_decode_selected(ext.data[MOAT_EXTI_ALPN], &name));
		/* RFC 7301 §3.2: the server's choice must be one we offered. */
		size_t alpn_len;
		const uint8_t *alpn = moat_conn_alpn(conn, &alpn_len);
		struct moat_cursor mine, candidate;
		moat_cursor_init(&mine, alpn, alpn_len);
		bool found = false;
		size_t n = moat_cursor_remaining(&name);
		while (!found && moat_cursor_remaining(&mine) > 0) {
			TRY(moat_cursor_get_prefixed(&mine, 1, &candidate));
			found = moat_cursor_remaining(&candidate) == n &&
				memcmp(moat_cursor_data(&candidate), moat_cursor_data(&name), n) == 0;
		}
		ENSURE(found, MOAT_ERR_ILLEGAL_PARAMETER);
		memcpy(conn->alpn, moat_cursor_data(&name), n);
		conn->alpn[n] = '\0';
	}
	return MOAT_SUCCESS;
}

int moat_tls13_client_recv_cr(struct moat_connection *conn, struct moat_cursor body)
{
	struct moat_handshake *hs = conn->hs;
	struct moat_certificate_request cr;
	TRY(moat_certificate_request_decode(body, &cr));
	/* §4.3.2: in the main handshake the context is empty. */
	ENSURE(moat_cursor_remaining(&cr.context) == 0, MOAT_ERR_ILLEGAL_PARAMETER);
	hs->cr_context_len = 0;
	struct moat_u16_set offered;
	TRY(moat_tls13_peer_sig_schemes(&cr.ext, &offered));
	/* certificate_authorities is not used to choose, but a malformed one is still decode_error. */
	if (moat_ext_present(&cr.ext, MOAT_EXTI_CERTIFICATE_AUTHORITIES)) {
		struct moat_cursor cas;
		TRY(moat_ext_certificate_authorities_decode(cr.ext.data[MOAT_EXTI_CERTIFICATE_AUTHORITIES], &cas));
	}
	hs->flags |= MOAT_HS_F_CLIENT_AUTH;
	/* §4.4.2: with no suitable certificate the client answers with an empty Certificate. */
	struct moat_config *config = conn->config;
	for (size_t c = 0; c < config->cert_count && conn->selected_cert == NULL; c++) {
		uint16_t scheme;
		if (moat_tls13_choose_sig_scheme(conn, config->certs[c], &offered, &scheme) == MOAT_SUCCESS) {
			conn->selected_cert = config->certs[c];
			conn->client_sig_scheme = scheme;
		}
	}
	moat_error_clear();
	if (conn->selected_cert == NULL)
		hs->flags |= MOAT_HS_F_NO_CLIENT_CERT;
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
	return moat_hs_set_keys(conn, true, conn->secrets->client_app);
}
