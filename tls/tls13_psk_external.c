/*
 * External PSKs in the TLS 1.3 handshake, RFC 8446 §2.2, §4.2.11: the
 * server's choice among the identities a ClientHello offers and the
 * client's offer of the PSKs appended to its connection. Resumption PSKs
 * (tickets) are tls13_psk.c's; a connection uses one kind or the other
 * (moat_connection_set_psk_mode), as the guide's API has it.
 *
 * What the server does, and why:
 *  - The application's selection callback chooses, or by default the first
 *    of the server's PSKs (its order of preference) whose identity the
 *    client offers and whose hash some suite both sides allow has: a PSK
 *    "MUST be used only with a Hash whose hash function" is the PSK's
 *    (§4.2.11), so one without such a suite cannot be used at all.
 *  - The chosen identity's binder must verify (§4.2.11.2, with the "ext
 *    binder" label of §7.1: an external PSK's binder cannot be replayed as
 *    a resumption one's), compared in constant time, or the handshake ends
 *    with decrypt_error: the client does not hold the key, and §4.2.11 says
 *    the server MUST abort then. Only the chosen identity's binder is
 *    computed: the others are never used.
 *  - Only psk_dhe_ke (§4.2.9): a client offering psk_ke alone gets no PSK.
 *  - With no PSK chosen the handshake is a full one when the server has a
 *    certificate (§4.2.11: a server may decline any PSK). A server with no
 *    certificate cannot authenticate otherwise and fails: unknown_psk_identity
 *    when the client offered PSKs (§6.2: "PSK key establishment is desired
 *    but no acceptable PSK identity is provided by the client"; RFC 4279 §2
 *    uses the same alert for an identity the server does not know), and
 *    handshake_failure when it offered none.
 *  - After a HelloRetryRequest the second ClientHello must offer the chosen
 *    identity again with a binder over message_hash(ClientHello1), the HRR
 *    and the truncated second ClientHello; §4.1.2 lets a client remove only
 *    the PSKs whose hash does not fit the suite of the HRR, which the chosen
 *    one does, so leaving it out is illegal_parameter.
 *  - The PSK authenticates both ends (§2.2): no certificate is sent, and none
 *    is asked for (§4.3.2: "Servers which are authenticating with a PSK MUST
 *    NOT send the CertificateRequest message in the main handshake").
 */
#include <string.h>

#include "common/secmem.h"
#include "tls/crypto/util.h"
#include "tls/ext_handlers.h"
#include "tls/handshake_tables.h"
#include "tls/psk_external.h"
#include "tls/tickets.h"

/* The i-th identity and its binder. */
static int nth_offer(const struct moat_psk_offer *o, size_t i, struct moat_cursor *id, struct moat_cursor *binder)
{
	struct moat_cursor ids = o->identities, binders = o->binders;
	for (size_t k = 0; k <= i; k++) {
		TRY(moat_psk_identity_next(&ids, id, NULL));
		TRY(moat_psk_binder_next(&binders, binder));
	}
	return MOAT_SUCCESS;
}

static bool cursor_is(struct moat_cursor c, const struct moat_psk *p)
{
	return moat_cursor_remaining(&c) == p->identity_len && memcmp(moat_cursor_data(&c), p->identity, p->identity_len) == 0;
}

static bool server_suite_fits(const struct moat_connection *conn, const struct moat_psk *p)
{
	return moat_tls13_choose_suite(moat_conn_policy(conn), conn->hs->client_hello.cipher_suites, moat_psk_hash(p)) !=
	       NULL;
}

/* The guide's default: our first PSK, in our order, that the client offers and a suite fits. */
static int default_choice(struct moat_connection *conn, struct moat_offered_psk_list *list)
{
	const struct moat_psk_set *ps = conn->psks;
	for (size_t k = 0; ps != NULL && k < ps->count; k++) {
		if (!server_suite_fits(conn, &ps->list[k]))
			continue;
		struct moat_cursor ids = list->offer.identities, id;
		for (uint16_t i = 0; moat_cursor_remaining(&ids) > 0; i++) {
			TRY(moat_psk_identity_next(&ids, &id, NULL));
			if (cursor_is(id, &ps->list[k])) {
				list->chosen = true;
				list->chosen_wire = i;
				list->chosen_local = k;
				return MOAT_SUCCESS;
			}
		}
	}
	return MOAT_SUCCESS;
}

static int binder_check(struct moat_connection *conn, const struct moat_psk *p, const uint8_t *hash,
			struct moat_cursor binder)
{
	uint8_t expect[MOAT_MAX_HASH_LEN];
	moat_hash_alg alg = moat_psk_hash(p);
	size_t n = moat_hash_len(alg);
	TRY(moat_tls13_psk_binder(conn, alg, p->secret, p->secret_len, true, hash, expect));
	bool ok = moat_cursor_remaining(&binder) == n && moat_ct_equal(moat_cursor_data(&binder), expect, n);
	moat_wipe(expect, sizeof(expect));
	ENSURE(ok, MOAT_ERR_DECRYPT_ERROR);
	return MOAT_SUCCESS;
}

/* The chosen PSK: a suite must fit it, and its binder must verify. */
static int take(struct moat_connection *conn, const struct moat_offered_psk_list *list)
{
	struct moat_handshake *hs = conn->hs;
	struct moat_psk_set *ps = conn->psks;
	const struct moat_psk *p = &ps->list[list->chosen_local];
	if (!server_suite_fits(conn, p))
		return MOAT_SUCCESS;
	struct moat_cursor id, binder, body;
	TRY(nth_offer(&list->offer, list->chosen_wire, &id, &binder));
	moat_cursor_init(&body, hs->client_hello_raw.data, hs->client_hello_raw.len);
	uint8_t hash[MOAT_MAX_HASH_LEN];
	TRY(moat_tls13_psk_truncated_hash(NULL, moat_psk_hash(p), body, list->offer.binders_len, hash));
	TRY(binder_check(conn, p, hash, binder));
	ps->chosen = true;
	ps->chosen_index = list->chosen_local;
	ps->wire_index = list->chosen_wire;
	return MOAT_SUCCESS;
}

int moat_tls13_psk_ext_server_select(struct moat_connection *conn)
{
	struct moat_handshake *hs = conn->hs;
	const struct moat_ext_block *ext = &hs->client_hello.ext;
	bool offered = moat_ext_present(ext, MOAT_EXTI_PRE_SHARED_KEY);
	if (offered) {
		ENSURE(moat_ext_present(ext, MOAT_EXTI_PSK_KEY_EXCHANGE_MODES), MOAT_ERR_MISSING_EXTENSION);
		struct moat_offered_psk_list list;
		memset(&list, 0, sizeof(list));
		list.conn = conn;
		TRY(moat_ext_pre_shared_key_decode_ch(ext->data[MOAT_EXTI_PRE_SHARED_KEY], &list.offer));
		list.next_id = list.offer.identities;
		if (moat_tls13_psk_mode_offered(ext, MOAT_PSK_DHE_KE)) {
			const struct moat_config *config = conn->config;
			if (config->psk_select_cb != NULL)
				ENSURE(config->psk_select_cb(conn, config->psk_select_ctx, &list) == 0,
				       MOAT_ERR_CALLBACK_FAILED);
			else
				TRY(default_choice(conn, &list));
		}
		if (conn->psks != NULL)
			conn->psks->settled = true;
		if (list.chosen)
			TRY(take(conn, &list));
	}
	if (moat_psk_ext_chosen(conn) == NULL && conn->config->cert_count == 0)
		BAIL(offered ? MOAT_ERR_UNKNOWN_PSK_IDENTITY : MOAT_ERR_HANDSHAKE_FAILURE);
	return MOAT_SUCCESS;
}

int moat_tls13_psk_ext_server_hrr_sent(struct moat_connection *conn)
{
	if (moat_psk_ext_chosen(conn) == NULL)
		return MOAT_SUCCESS;
	TRY(moat_hash_copy(&conn->psks->hrr_transcript, &conn->hs->transcript));
	conn->psks->hrr_transcript_ready = true;
	return MOAT_SUCCESS;
}

int moat_tls13_psk_ext_server_second_hello(struct moat_connection *conn, struct moat_cursor body)
{
	const struct moat_psk *p = moat_psk_ext_chosen(conn);
	if (p == NULL)
		return MOAT_SUCCESS;
	struct moat_psk_set *ps = conn->psks;
	ENSURE(ps->hrr_transcript_ready, MOAT_ERR_INTERNAL);
	struct moat_client_hello ch2;
	TRY(moat_client_hello_decode(body, &ch2));
	ENSURE(moat_ext_present(&ch2.ext, MOAT_EXTI_PRE_SHARED_KEY), MOAT_ERR_ILLEGAL_PARAMETER);
	struct moat_psk_offer offer;
	TRY(moat_ext_pre_shared_key_decode_ch(ch2.ext.data[MOAT_EXTI_PRE_SHARED_KEY], &offer));
	struct moat_cursor ids = offer.identities, binders = offer.binders, id, binder;
	for (uint16_t j = 0; moat_cursor_remaining(&ids) > 0; j++) {
		TRY(moat_psk_identity_next(&ids, &id, NULL));
		TRY(moat_psk_binder_next(&binders, &binder));
		if (!cursor_is(id, p))
			continue;
		uint8_t hash[MOAT_MAX_HASH_LEN];
		TRY(moat_tls13_psk_truncated_hash(&ps->hrr_transcript, conn->suite->prf_hash, body, offer.binders_len,
						  hash));
		TRY(binder_check(conn, p, hash, binder));
		ps->wire_index = j;
		return MOAT_SUCCESS;
	}
	BAIL(MOAT_ERR_ILLEGAL_PARAMETER);
}

/* ---- client ------------------------------------------------------------ */

/* A suite of ours with the PSK's hash; after a HelloRetryRequest, the suite it chose (§4.1.2). */
static bool client_suite_fits(const struct moat_connection *conn, const struct moat_psk *p)
{
	moat_hash_alg alg = moat_psk_hash(p);
	if (conn->hs != NULL && conn->hs->hrr_done)
		return conn->suite->prf_hash == alg;
	const struct moat_security_policy *pol = moat_conn_policy(conn);
	for (size_t i = 0; i < pol->cipher_suites_count; i++) {
		const struct moat_cipher_suite *s = pol->cipher_suites[i];
		if (s->min_version <= MOAT_TLS13 && s->max_version >= MOAT_TLS13 && s->prf_hash == alg)
			return true;
	}
	return false;
}

bool moat_tls13_psk_ext_client_offers(const struct moat_connection *conn)
{
	const struct moat_psk_set *ps = conn->psks;
	if (conn->mode != MOAT_CLIENT || moat_conn_psk_mode(conn) != MOAT_PSK_MODE_EXTERNAL || ps == NULL)
		return false;
	for (size_t k = 0; k < ps->count; k++)
		if (client_suite_fits(conn, &ps->list[k]))
			return true;
	return false;
}

/* Every PSK a suite fits, in append order, each with an age of 0 (§4.2.11) and a binder of zeros for now. */
int moat_tls13_psk_ext_ch_write(struct moat_connection *conn, struct moat_buf *out)
{
	struct moat_psk_set *ps = conn->psks;
	static const uint8_t zeros[MOAT_MAX_HASH_LEN];
	ps->offered_count = 0;
	ps->settled = true;
	TRY(moat_ext_begin(out, MOAT_EXT_PRE_SHARED_KEY));
	TRY(moat_buf_open_prefixed(out, 2));
	for (size_t k = 0; k < ps->count; k++) {
		if (!client_suite_fits(conn, &ps->list[k]))
			continue;
		TRY(moat_buf_put_prefixed(out, 2, ps->list[k].identity, ps->list[k].identity_len));
		TRY(moat_buf_put_u32(out, 0));
		ps->offered[ps->offered_count++] = (uint8_t)k;
	}
	TRY(moat_buf_close_prefixed(out));
	TRY(moat_buf_open_prefixed(out, 2));
	for (size_t i = 0; i < ps->offered_count; i++)
		TRY(moat_buf_put_prefixed(out, 1, zeros, moat_hash_len(moat_psk_hash(&ps->list[ps->offered[i]]))));
	TRY(moat_buf_close_prefixed(out));
	return moat_ext_end(out);
}

int moat_tls13_psk_ext_client_bind(struct moat_connection *conn, struct moat_buf *msg)
{
	struct moat_handshake *hs = conn->hs;
	const struct moat_psk_set *ps = conn->psks;
	ENSURE(ps != NULL && ps->offered_count > 0, MOAT_ERR_INTERNAL);
	/* Our binders vector ends the message: its 2-byte length, then each binder after its length byte. */
	size_t binders_len = 2;
	for (size_t i = 0; i < ps->offered_count; i++)
		binders_len += 1 + moat_hash_len(moat_psk_hash(&ps->list[ps->offered[i]]));
	ENSURE(msg->len >= MOAT_HS_HEADER_LEN + binders_len, MOAT_ERR_INTERNAL);
	struct moat_cursor body;
	moat_cursor_init(&body, msg->data + MOAT_HS_HEADER_LEN, msg->len - MOAT_HS_HEADER_LEN);
	size_t at = msg->len - binders_len + 2;
	for (size_t i = 0; i < ps->offered_count; i++) {
		const struct moat_psk *p = &ps->list[ps->offered[i]];
		moat_hash_alg alg = moat_psk_hash(p);
		uint8_t hash[MOAT_MAX_HASH_LEN];
		/* After a HelloRetryRequest the transcript so far (message_hash, HRR) comes first (§4.2.11.2). */
		TRY(moat_tls13_psk_truncated_hash(hs->hrr_done ? &hs->transcript : NULL, alg, body, binders_len, hash));
		TRY(moat_tls13_psk_binder(conn, alg, p->secret, p->secret_len, true, hash, msg->data + at + 1));
		at += 1 + moat_hash_len(alg);
	}
	return MOAT_SUCCESS;
}

/* ServerHello pre_shared_key (client): which of our identities the server took (§4.2.11). */
int moat_tls13_psk_ext_sh_recv(struct moat_connection *conn, uint16_t selected)
{
	struct moat_psk_set *ps = conn->psks;
	/* "Clients MUST verify that the server's selected_identity is within the range supplied by the client". */
	ENSURE(ps != NULL && selected < ps->offered_count, MOAT_ERR_ILLEGAL_PARAMETER);
	/* "... that the server selected a cipher suite indicating a Hash associated with the PSK". */
	const struct moat_psk *p = &ps->list[ps->offered[selected]];
	ENSURE(moat_psk_hash(p) == conn->suite->prf_hash, MOAT_ERR_ILLEGAL_PARAMETER);
	ps->chosen = true;
	ps->chosen_index = ps->offered[selected];
	ps->wire_index = selected;
	conn->hs->flags |= MOAT_HS_F_PSK;
	return MOAT_SUCCESS;
}
