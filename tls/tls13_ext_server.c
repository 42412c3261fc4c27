/*
 * A TLS 1.3 server's extension behaviour: what it reads in a ClientHello
 * and writes in its ServerHello, HelloRetryRequest, EncryptedExtensions and
 * CertificateRequest. The rows of ext_rows.c point here; the lists there say
 * in which order these run.
 *
 * Negotiation follows the server's preference (the policy's order) for the
 * group, the certificate's signature scheme and the ALPN protocol, as
 * s2n-tls does. Presence has been checked before any of these runs (the
 * if_missing pass), so a handler reads its extension's data directly.
 */
#include <string.h>

#include "tls/crypto/util.h"
#include "tls/ext_handlers.h"
#include "tls/key_caps.h"
#include "tls/psk_external.h"

/* RFC 8446 §4.2.7: a malformed list is decode_error even though key_share's handler does the choosing. */
int moat_ext_supported_groups_ch_recv(struct moat_connection *conn, const struct moat_ext_block *blk)
{
	(void)conn;
	struct moat_cursor listed;
	return moat_ext_u16_list_decode(blk->data[MOAT_EXTI_SUPPORTED_GROUPS], &listed);
}

/*
 * Group and key share: the best group in the policy that the client supports,
 * with the client's share for it if it sent one. Both of the client's lists
 * are read whole from the ClientHello (a set for supported_groups, a walk of
 * the shares), so where a group sits in them, or how long they are, does not
 * change the answer. The loops run over the policy's groups: a group the key
 * exchange code learns is chosen here without a change. Without a share for
 * the chosen group the handshake takes the HelloRetryRequest path.
 */
static int choose_group(struct moat_connection *conn, const struct moat_ext_block *blk)
{
	struct moat_handshake *hs = conn->hs;
	const struct moat_security_policy *p = moat_conn_policy(conn);
	struct moat_cursor listed, it;
	struct moat_key_share_list shares;
	struct moat_u16_set offered;

	TRY(moat_ext_u16_list_decode(blk->data[MOAT_EXTI_SUPPORTED_GROUPS], &listed));
	TRY(moat_ext_key_share_decode_ch(blk->data[MOAT_EXTI_KEY_SHARE], &shares));
	moat_u16_set_clear(&offered);
	moat_u16_set_add_list(&offered, listed);
	/* §4.2.8: every share must be for a group the client listed in supported_groups. */
	for (it = shares.entries; moat_cursor_remaining(&it) > 0;) {
		struct moat_key_share e;
		TRY(moat_key_share_next(&it, &e));
		ENSURE(moat_u16_set_has(&offered, e.group), MOAT_ERR_ILLEGAL_PARAMETER);
	}

	/*
	 * First choice: a group the client already sent a share for, avoiding a
	 * round trip. This holds for the ML-KEM hybrids too: a client that lists
	 * X25519MLKEM768 but shares only x25519 is served x25519, though the
	 * default policies put the hybrid first. Asking for the hybrid with a
	 * HelloRetryRequest would cost every such connection a full round trip
	 * (tens of milliseconds across the internet, against well under a
	 * millisecond of extra computation for the hybrid itself: ML-KEM
	 * encapsulation costs about what one x25519 exchange does) and a
	 * second ClientHello carrying the 1216-byte share, which the client
	 * chose not to send. Clients that want the hybrid (Chromium, Firefox)
	 * share it up front and get it below.
	 */
	for (size_t i = 0; i < p->groups_count; i++) {
		if (moat_kex_group_supported(p->groups[i]) && moat_key_share_find(&shares, p->groups[i], &hs->kex_share)) {
			conn->group = p->groups[i];
			return MOAT_SUCCESS;
		}
	}
	/* Otherwise the best mutually supported group, asked for with a HelloRetryRequest. */
	for (size_t i = 0; i < p->groups_count; i++) {
		if (moat_kex_group_supported(p->groups[i]) && moat_u16_set_has(&offered, p->groups[i])) {
			conn->group = p->groups[i];
			hs->flags |= MOAT_HS_F_HRR;
			return MOAT_SUCCESS;
		}
	}
	BAIL(MOAT_ERR_HANDSHAKE_FAILURE);
}

/*
 * The second ClientHello (§4.1.2) carries one share, for the group our
 * HelloRetryRequest asked for; it lands in hs->kex_share like the first's.
 */
static int check_retry_share(struct moat_connection *conn, const struct moat_ext_block *blk)
{
	struct moat_key_share_list shares;
	TRY(moat_ext_key_share_decode_ch(blk->data[MOAT_EXTI_KEY_SHARE], &shares));
	ENSURE(shares.count == 1 && moat_key_share_find(&shares, conn->group, &conn->hs->kex_share),
	       MOAT_ERR_ILLEGAL_PARAMETER);
	return MOAT_SUCCESS;
}

int moat_ext_key_share_ch_recv(struct moat_connection *conn, const struct moat_ext_block *blk)
{
	return conn->hs->hrr_done ? check_retry_share(conn, blk) : choose_group(conn, blk);
}

/* The policy's order of schemes decides, among the client's, which certificate serves. */
int moat_ext_signature_algorithms_ch_recv(struct moat_connection *conn, const struct moat_ext_block *blk)
{
	struct moat_config *config = conn->config;
	/* A server with external PSKs alone needs no certificate for the PSK it chose. */
	if (config->cert_count == 0 && moat_psk_ext_chosen(conn) != NULL)
		return MOAT_SUCCESS;
	ENSURE(config->cert_count > 0, MOAT_ERR_CONFIG);
	const struct moat_security_policy *p = moat_conn_policy(conn);
	struct moat_u16_set offered;
	TRY(moat_tls13_peer_sig_schemes(blk, &offered));
	for (size_t i = 0; i < p->sig_schemes_count; i++) {
		uint16_t scheme = p->sig_schemes[i];
		if (!moat_u16_set_has(&offered, scheme))
			continue;
		for (size_t c = 0; c < config->cert_count; c++) {
			if (moat_sig_scheme_usable_tls13(scheme, config->certs[c]->key_type) &&
			    moat_key_caps_allow(config->certs[c]->key_caps, MOAT_TLS13, false)) {
				conn->selected_cert = config->certs[c];
				conn->server_sig_scheme = scheme;
				return MOAT_SUCCESS;
			}
		}
	}
	BAIL(MOAT_ERR_HANDSHAKE_FAILURE);
}

/* Without protocols of our own we ignore the client's list and send no answer. */
int moat_ext_alpn_ch_recv(struct moat_connection *conn, const struct moat_ext_block *blk)
{
	size_t ours_len;
	const uint8_t *ours = moat_conn_alpn(conn, &ours_len);
	if (ours_len == 0)
		return MOAT_SUCCESS;
	struct moat_cursor offered, mine, chosen;
	bool found;
	TRY(moat_ext_alpn_decode_list(blk->data[MOAT_EXTI_ALPN], &offered));
	moat_cursor_init(&mine, ours, ours_len);
	TRY(moat_alpn_select(mine, offered, &chosen, &found));
	/* RFC 7301 §3.2: no overlap is fatal. */
	ENSURE(found, MOAT_ERR_NO_APPLICATION_PROTOCOL);
	size_t n = moat_cursor_remaining(&chosen);
	memcpy(conn->alpn, moat_cursor_data(&chosen), n);
	conn->alpn[n] = '\0';
	return MOAT_SUCCESS;
}

int moat_ext_record_size_limit_ch_recv(struct moat_connection *conn, const struct moat_ext_block *blk)
{
	uint16_t limit;
	TRY(moat_ext_record_size_limit_decode(blk->data[MOAT_EXTI_RECORD_SIZE_LIMIT], &limit));
	/* RFC 8449 §4: in TLS 1.3 the limit counts the content type byte; in TLS 1.2 the plaintext alone. */
	size_t plain = conn->version >= MOAT_TLS13 ? limit - 1u : limit;
	conn->peer_record_limit = plain < MOAT_MAX_PLAINTEXT ? plain : MOAT_MAX_PLAINTEXT;
	conn->hs->ch_sent_record_size_limit = true;
	return MOAT_SUCCESS;
}

/* RFC 8449: record_size_limit takes precedence when both are offered; max_fragment_length is opt-in. */
int moat_ext_max_fragment_length_ch_recv(struct moat_connection *conn, const struct moat_ext_block *blk)
{
	if (moat_ext_present(blk, MOAT_EXTI_RECORD_SIZE_LIMIT) || !conn->config->accept_mfl)
		return MOAT_SUCCESS;
	uint8_t code;
	TRY(moat_ext_max_fragment_length_decode(blk->data[MOAT_EXTI_MAX_FRAGMENT_LENGTH], &code));
	conn->peer_record_limit = (size_t)1 << (8 + code);
	conn->hs->mfl_code = code;
	/*
	 * RFC 6066 §4: the length bounds what either side sends; a TLS 1.2
	 * peer's longer record is record_overflow. The client fragments from
	 * our ServerHello on, the next record read.
	 */
	if (conn->version < MOAT_TLS13)
		conn->rl.max_plaintext_in = conn->peer_record_limit;
	return MOAT_SUCCESS;
}

/* §4.2.2: the second ClientHello echoes the cookie of our HelloRetryRequest unchanged. */
int moat_ext_cookie_ch_recv(struct moat_connection *conn, const struct moat_ext_block *blk)
{
	struct moat_handshake *hs = conn->hs;
	struct moat_cursor cookie;
	TRY(moat_ext_cookie_decode(blk->data[MOAT_EXTI_COOKIE], &cookie));
	ENSURE(moat_cursor_remaining(&cookie) == hs->cookie_len &&
		       moat_ct_equal(moat_cursor_data(&cookie), hs->cookie, hs->cookie_len),
	       MOAT_ERR_ILLEGAL_PARAMETER);
	return MOAT_SUCCESS;
}

int moat_ext_supported_versions_sh_write(struct moat_connection *conn, struct moat_buf *out)
{
	(void)conn;
	return moat_ext_write_supported_versions_sh(out, MOAT_TLS13);
}

int moat_ext_key_share_sh_write(struct moat_connection *conn, struct moat_buf *out)
{
	struct moat_handshake *hs = conn->hs;
	uint8_t *ours;
	TRY(moat_hs_kex_buffers(hs, conn->group, &ours, NULL));
	return moat_ext_write_key_share_sh(out, conn->group, ours, hs->our_share_len);
}

int moat_ext_key_share_hrr_write(struct moat_connection *conn, struct moat_buf *out)
{
	return moat_ext_write_key_share_hrr(out, conn->group);
}

/* The server's HelloRetryRequest cookie and the client's echo of one: both in hs->cookie. */
int moat_ext_cookie_write(struct moat_connection *conn, struct moat_buf *out)
{
	return moat_ext_write_cookie(out, conn->hs->cookie, conn->hs->cookie_len);
}

/* RFC 6066 §3: an empty server_name says the name was used to pick what is served. */
bool moat_ext_server_name_ee_should_send(const struct moat_connection *conn)
{
	return conn->hs->server_name_used && conn->server_name[0] != '\0';
}

int moat_ext_server_name_ee_write(struct moat_connection *conn, struct moat_buf *out)
{
	(void)conn;
	return moat_ext_write_empty(out, MOAT_EXT_SERVER_NAME);
}

bool moat_ext_alpn_ee_should_send(const struct moat_connection *conn)
{
	return conn->alpn[0] != '\0';
}

int moat_ext_alpn_ee_write(struct moat_connection *conn, struct moat_buf *out)
{
	return moat_ext_write_alpn_selected(out, (const uint8_t *)conn->alpn, strlen(conn->alpn));
}

bool moat_ext_record_size_limit_ee_should_send(const struct moat_connection *conn)
{
	return conn->hs->ch_sent_record_size_limit;
}

/* We take records of any size up to the protocol's limit (RFC 8449 §4: plus one in TLS 1.3). */
int moat_ext_record_size_limit_ee_write(struct moat_connection *conn, struct moat_buf *out)
{
	(void)conn;
	return moat_ext_write_record_size_limit(out, MOAT_MAX_PLAINTEXT + 1);
}

/* RFC 6066 §4: the accepted max_fragment_length is echoed; never beside record_size_limit (RFC 8449). */
bool moat_ext_max_fragment_length_ee_should_send(const struct moat_connection *conn)
{
	return !conn->hs->ch_sent_record_size_limit && conn->hs->mfl_code != 0;
}

int moat_ext_max_fragment_length_ee_write(struct moat_connection *conn, struct moat_buf *out)
{
	return moat_ext_write_max_fragment_length(out, conn->hs->mfl_code);
}

int moat_ext_signature_algorithms_cr_write(struct moat_connection *conn, struct moat_buf *out)
{
	uint16_t schemes[64];
	size_t n = moat_tls13_verify_schemes(moat_conn_policy(conn), schemes, 64);
	return moat_ext_write_u16_list(out, MOAT_EXT_SIGNATURE_ALGORITHMS, schemes, n);
}
