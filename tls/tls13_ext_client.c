/*
 * A TLS 1.3 client's extension behaviour: what it writes in its ClientHello
 * and reads in the server's ServerHello, HelloRetryRequest,
 * EncryptedExtensions and CertificateRequest. The rows of ext_rows.c point
 * here; the lists there say in which order these run.
 *
 * The client offers one key share, for the policy's first group, and after
 * a HelloRetryRequest one for the group asked for. What it wrote is kept
 * (hs->ext_offered), and the walks refuse any answer to what it did not
 * offer (RFC 8446 §4.2).
 */
#include <arpa/inet.h>
#include <string.h>

#include "tls/ext_handlers.h"
#include "tls/handshake_tables.h"
#include "tls/tls12_client.h"

/*
 * The policy's groups the key exchange code supports, in the policy's order.
 * The ML-KEM hybrids are TLS 1.3 groups only (draft-ietf-tls-ecdhe-mlkem
 * §4): a ClientHello that offers TLS 1.2 alone does not list them.
 */
static size_t client_groups(const struct moat_connection *conn, uint16_t *out, size_t cap)
{
	const struct moat_security_policy *p = moat_conn_policy(conn);
	bool tls13 = moat_ext_offer_tls13(conn);
	size_t n = 0;
	for (size_t i = 0; i < p->groups_count && n < cap; i++)
		if (moat_kex_group_supported(p->groups[i]) && (tls13 || !moat_kex_group_is_hybrid(p->groups[i])))
			out[n++] = p->groups[i];
	return n;
}

static bool usable_tls12_or_13(uint16_t scheme, moat_key_type type)
{
	return moat_sig_scheme_usable_tls13(scheme, type) || moat_sig_scheme_usable_tls12(scheme, type);
}

/* Offering TLS 1.2 too: its schemes (rsa_pkcs1_*, RFC 5246 §7.4.1.4.1) come along. */
size_t moat_client_offered_schemes(const struct moat_connection *conn, uint16_t *out, size_t cap)
{
	const struct moat_security_policy *p = moat_conn_policy(conn);
	return moat_ext_offer_tls12(conn) ? moat_verify_schemes(p, usable_tls12_or_13, out, cap)
					  : moat_tls13_verify_schemes(p, out, cap);
}

/* RFC 6066 §3: literal IP addresses are not sent as server names (they are still checked). */
bool moat_ext_server_name_ch_should_send(const struct moat_connection *conn)
{
	struct in6_addr ip;
	return conn->server_name[0] != '\0' && inet_pton(AF_INET, conn->server_name, &ip) != 1 &&
	       inet_pton(AF_INET6, conn->server_name, &ip) != 1;
}

int moat_ext_server_name_ch_write(struct moat_connection *conn, struct moat_buf *out)
{
	return moat_ext_write_server_name(out, conn->server_name);
}

/* TLS 1.3 down to the policy's lowest version (sent only when TLS 1.3 is offered). */
int moat_ext_supported_versions_ch_write(struct moat_connection *conn, struct moat_buf *out)
{
	uint16_t versions[4];
	size_t n = 0;
	for (uint16_t v = moat_hs_client_max_version(conn); v >= moat_hs_client_min_version(conn) && n < 4; v--)
		versions[n++] = v;
	return moat_ext_write_supported_versions_ch(out, versions, n);
}

int moat_ext_supported_groups_ch_write(struct moat_connection *conn, struct moat_buf *out)
{
	uint16_t groups[16];
	size_t n = client_groups(conn, groups, 16);
	ENSURE(n > 0, MOAT_ERR_CONFIG);
	return moat_ext_write_u16_list(out, MOAT_EXT_SUPPORTED_GROUPS, groups, n);
}

int moat_ext_signature_algorithms_ch_write(struct moat_connection *conn, struct moat_buf *out)
{
	uint16_t schemes[64];
	size_t n = moat_client_offered_schemes(conn, schemes, 64);
	ENSURE(n > 0, MOAT_ERR_CONFIG);
	return moat_ext_write_u16_list(out, MOAT_EXT_SIGNATURE_ALGORITHMS, schemes, n);
}

/*
 * With a hybrid first, the first elliptic curve group of the policy too
 * (hs->second_group): a server that cannot do the hybrid, today nearly all,
 * answers that one at once rather than with a HelloRetryRequest, which costs
 * a round trip and a second ClientHello of 1.2 KB. The curve's share adds 36
 * bytes and one key generation.
 */
static uint16_t second_share_group(const uint16_t *groups, size_t n)
{
	if (n == 0 || !moat_kex_group_is_hybrid(groups[0]))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (moat_kex_group_is_ec(groups[i]))
			return groups[i];
	return 0;
}

/*
 * The policy's favourite group, and a curve beside it if that is a hybrid;
 * after a HelloRetryRequest one share, for the group it asked for.
 */
int moat_ext_key_share_ch_write(struct moat_connection *conn, struct moat_buf *out)
{
	struct moat_handshake *hs = conn->hs;
	uint16_t groups[16];
	size_t n = client_groups(conn, groups, 16);
	ENSURE(n > 0, MOAT_ERR_CONFIG);
	uint16_t group = hs->hrr_done ? hs->hrr_group : groups[0];
	uint16_t second = hs->hrr_done ? 0 : second_share_group(groups, n);
	struct moat_key_share shares[2];
	size_t count = 1;
	uint8_t *ours;
	moat_kex_free(&hs->kex);
	moat_kex_free(&hs->kex_second);
	hs->second_group = 0;
	TRY(moat_hs_kex_buffers(hs, group, &ours, NULL));
	TRY(moat_kex_generate(&hs->kex, group, ours, &hs->our_share_len));
	shares[0].group = group;
	moat_cursor_init(&shares[0].key_exchange, ours, hs->our_share_len);
	if (second != 0) {
		/* A hybrid's share is in kex_large, so our_share is free for the curve's. */
		size_t len = 0;
		TRY(moat_hs_kex_buffers(hs, second, &ours, NULL));
		TRY(moat_kex_generate(&hs->kex_second, second, ours, &len));
		shares[1].group = second;
		moat_cursor_init(&shares[1].key_exchange, ours, len);
		hs->second_group = second;
		count = 2;
	}
	TRY(moat_ext_write_key_share_ch(out, shares, count));
	conn->group = group;
	return MOAT_SUCCESS;
}

bool moat_ext_alpn_ch_should_send(const struct moat_connection *conn)
{
	size_t len;
	(void)moat_conn_alpn(conn, &len);
	return len > 0;
}

int moat_ext_alpn_ch_write(struct moat_connection *conn, struct moat_buf *out)
{
	size_t len;
	const uint8_t *alpn = moat_conn_alpn(conn, &len);
	return moat_ext_write_alpn_list(out, alpn, len);
}

/* §4.2.2: echo the HelloRetryRequest's cookie (moat_ext_cookie_write writes it). */
bool moat_ext_cookie_ch_should_send(const struct moat_connection *conn)
{
	return conn->hs->cookie_len > 0;
}

/*
 * The ServerHello's share, for a group we offered one for (§4.2.8); the
 * shared secret goes to hs. For a hybrid the server's share is a ciphertext
 * and moat_kex_derive decapsulates it.
 */
int moat_ext_key_share_sh_recv(struct moat_connection *conn, const struct moat_ext_block *blk)
{
	struct moat_handshake *hs = conn->hs;
	struct moat_key_share share;
	TRY(moat_ext_key_share_decode_sh(blk->data[MOAT_EXTI_KEY_SHARE], &share));
	const struct moat_kex *k = &hs->kex;
	if (hs->second_group != 0 && share.group == hs->second_group) {
		k = &hs->kex_second;
		conn->group = hs->second_group;
	}
	ENSURE(share.group == conn->group, MOAT_ERR_ILLEGAL_PARAMETER);
	uint8_t *secret;
	size_t len = 0;
	TRY(moat_hs_kex_buffers(hs, conn->group, NULL, &secret));
	TRY(moat_kex_derive(k, moat_cursor_data(&share.key_exchange), moat_cursor_remaining(&share.key_exchange), secret,
			    &len));
	hs->shared_secret_len = len;
	moat_kex_free(&hs->kex);
	moat_kex_free(&hs->kex_second);
	return MOAT_SUCCESS;
}

/* §4.1.4: it must be a group we offered, and not one we already sent a share for. */
int moat_ext_key_share_hrr_recv(struct moat_connection *conn, const struct moat_ext_block *blk)
{
	uint16_t group;
	TRY(moat_ext_key_share_decode_hrr(blk->data[MOAT_EXTI_KEY_SHARE], &group));
	uint16_t groups[16];
	size_t n = client_groups(conn, groups, 16);
	bool listed = false;
	for (size_t i = 0; i < n; i++)
		listed |= groups[i] == group;
	ENSURE(listed && group != conn->group && group != conn->hs->second_group, MOAT_ERR_ILLEGAL_PARAMETER);
	conn->hs->hrr_group = group;
	return MOAT_SUCCESS;
}

/* Without key_share the HelloRetryRequest keeps our group (it asks for a cookie only). */
int moat_ext_key_share_hrr_missing(struct moat_connection *conn)
{
	conn->hs->hrr_group = conn->group;
	return MOAT_SUCCESS;
}

int moat_ext_cookie_hrr_recv(struct moat_connection *conn, const struct moat_ext_block *blk)
{
	struct moat_handshake *hs = conn->hs;
	struct moat_cursor cookie;
	TRY(moat_ext_cookie_decode(blk->data[MOAT_EXTI_COOKIE], &cookie));
	ENSURE(moat_cursor_remaining(&cookie) <= sizeof(hs->cookie), MOAT_ERR_ILLEGAL_PARAMETER);
	hs->cookie_len = moat_cursor_remaining(&cookie);
	return moat_cursor_get_bytes(&cookie, hs->cookie, hs->cookie_len);
}

/* RFC 6066 §3: the server's acknowledgement is empty. */
int moat_ext_server_name_ee_recv(struct moat_connection *conn, const struct moat_ext_block *blk)
{
	(void)conn;
	return moat_ext_empty_decode(blk->data[MOAT_EXTI_SERVER_NAME]);
}

/* §4.2.7: the server's groups are only for later connections, but a malformed list is still decode_error. */
int moat_ext_supported_groups_ee_recv(struct moat_connection *conn, const struct moat_ext_block *blk)
{
	(void)conn;
	struct moat_cursor groups;
	return moat_ext_u16_list_decode(blk->data[MOAT_EXTI_SUPPORTED_GROUPS], &groups);
}

/* RFC 7301 §3.2: the server's choice must be one we offered. */
int moat_ext_alpn_ee_recv(struct moat_connection *conn, const struct moat_ext_block *blk)
{
	struct moat_cursor name, answer, mine, chosen;
	size_t ours_len;
	bool found;
	const uint8_t *ours = moat_conn_alpn(conn, &ours_len);
	TRY(moat_ext_alpn_decode_selected(blk->data[MOAT_EXTI_ALPN], &name));
	/* Validated as a list of one just above: the same selection as the server's, over that list. */
	TRY(moat_ext_alpn_decode_list(blk->data[MOAT_EXTI_ALPN], &answer));
	moat_cursor_init(&mine, ours, ours_len);
	TRY(moat_alpn_select(mine, answer, &chosen, &found));
	ENSURE(found, MOAT_ERR_ILLEGAL_PARAMETER);
	size_t n = moat_cursor_remaining(&chosen);
	memcpy(conn->alpn, moat_cursor_data(&chosen), n);
	conn->alpn[n] = '\0';
	return MOAT_SUCCESS;
}

/* §4.4.2: with no certificate suiting the server's schemes the client answers with an empty Certificate. */
int moat_ext_signature_algorithms_cr_recv(struct moat_connection *conn, const struct moat_ext_block *blk)
{
	struct moat_handshake *hs = conn->hs;
	struct moat_u16_set offered;
	TRY(moat_tls13_peer_sig_schemes(blk, &offered));
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

/* Not used to choose, but a malformed list is still decode_error. */
int moat_ext_certificate_authorities_cr_recv(struct moat_connection *conn, const struct moat_ext_block *blk)
{
	(void)conn;
	struct moat_cursor cas;
	return moat_ext_certificate_authorities_decode(blk->data[MOAT_EXTI_CERTIFICATE_AUTHORITIES], &cas);
}
