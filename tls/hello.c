/*
 * The version-neutral hellos: the server reads a ClientHello and the client
 * a ServerHello before either knows which protocol version the handshake
 * runs. These handlers are the hello machine's (handshake_tables.c): they
 * choose the version, point hs->machine at that version's machine, and hand
 * the message to the chosen machine's row at the same position
 * (moat_hs_machine_recv), s2n-tls's INITIAL -> NEGOTIATED.
 *
 * The server reads the ClientHello in two phases so the client hello
 * callback can stop the handshake in between (non-blocking mode) and switch
 * the config: phase one decodes and checks what holds whatever config ends
 * up in force, and records the versions the client offers; the version is
 * chosen after the callback, with the policy then in force, and the chosen
 * machine's ClientHello handler makes the rest of the choices.
 *
 * A server serves TLS 1.3 and TLS 1.2: a ClientHello without
 * supported_versions offers the versions up to its legacy_version (RFC 5246
 * Appendix E.1), and the highest the policy allows and a machine exists for
 * is chosen. A client offers the versions its policy allows, TLS 1.3 down
 * to the policy's lowest; a ServerHello choosing TLS 1.2 or older takes
 * the client into that version's machine (tls12_client.c) after the
 * downgrade check of RFC 8446 §4.1.3.
 */
#include <string.h>

#include "tls/ext_handlers.h"
#include "tls/handshake_tables.h"
#include "tls/key_caps.h"
#include "tls/messages12.h"

/* RFC 8446 §4.1.3: the last 8 bytes of a downgraded server's random. */
static const uint8_t downgrade_tls12[8] = { 0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01 };
static const uint8_t downgrade_tls11[8] = { 0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x00 };

/* hs->client_versions has one bit per version from TLS 1.0 (0x0301) to TLS 1.3 (0x0304). */
static uint8_t version_bit(uint16_t v)
{
	if (v < MOAT_TLS10 || v > MOAT_TLS13)
		return 0;
	return (uint8_t)(1u << (v - MOAT_TLS10));
}

/* Phase one: what holds whatever config ends up in force. */
static int parse_client_hello(struct moat_connection *conn, struct moat_cursor body)
{
	struct moat_handshake *hs = conn->hs;
	struct moat_client_hello *ch = &hs->client_hello;

	/* Keep our own copy: the getters and the callback read it after the record buffer moves on. */
	moat_buf_reset(&hs->client_hello_raw);
	TRY(moat_buf_put_bytes(&hs->client_hello_raw, moat_cursor_data(&body), moat_cursor_remaining(&body)));
	struct moat_cursor copy;
	moat_cursor_init(&copy, hs->client_hello_raw.data, hs->client_hello_raw.len);
	TRY(moat_client_hello_decode(copy, ch));
	hs->client_hello_parsed = true;
	conn->client_hello_version = ch->legacy_version;
	memcpy(hs->client_random, ch->random, MOAT_RANDOM_LEN);
	hs->session_id_len = moat_cursor_remaining(&ch->session_id);
	TRY(moat_cursor_get_bytes(&ch->session_id, hs->session_id, hs->session_id_len));
	moat_cursor_init(&ch->session_id, hs->session_id, hs->session_id_len);

	/*
	 * §4.2.1: without supported_versions the client speaks TLS 1.2 or older
	 * and legacy_version is the highest it offers. The rows of
	 * moat_ext_ch_hello_recv read the versions offered, the server name and
	 * the early_data flag.
	 */
	conn->client_version = ch->legacy_version > MOAT_TLS12 ? MOAT_TLS12 : ch->legacy_version;
	return moat_ext_recv_list(conn, &moat_ext_ch_hello_recv, &ch->ext, 0);
}

/*
 * RFC 5246 Appendix E.1: a client without supported_versions offers every
 * version up to legacy_version; RFC 8446 §4.2.1 and D.2: one above 0x0303
 * (without supported_versions) gets TLS 1.2 at most.
 */
int moat_ext_supported_versions_ch_missing(struct moat_connection *conn)
{
	struct moat_handshake *hs = conn->hs;
	hs->client_versions = 0;
	for (uint16_t v = MOAT_TLS10; v <= conn->client_version; v++)
		hs->client_versions |= version_bit(v);
	return MOAT_SUCCESS;
}

int moat_ext_supported_versions_ch_recv(struct moat_connection *conn, const struct moat_ext_block *blk)
{
	struct moat_handshake *hs = conn->hs;
	struct moat_cursor versions;
	TRY(moat_ext_supported_versions_decode_ch(blk->data[MOAT_EXTI_SUPPORTED_VERSIONS], &versions));
	hs->client_versions = 0;
	while (moat_cursor_remaining(&versions) > 0) {
		uint16_t v;
		TRY(moat_u16_list_next(&versions, &v));
		hs->client_versions |= version_bit(v);
		if (v <= MOAT_TLS13 && v > conn->client_version)
			conn->client_version = v;
	}
	/*
	 * §4.1.2: "For every TLS 1.3 ClientHello" (one that offers 1.3) the
	 * compression methods are exactly null, whichever version is chosen.
	 */
	if ((hs->client_versions & version_bit(MOAT_TLS13)) != 0)
		ENSURE(moat_client_hello_null_compression_only(&hs->client_hello), MOAT_ERR_ILLEGAL_PARAMETER);
	return MOAT_SUCCESS;
}

int moat_ext_server_name_ch_recv(struct moat_connection *conn, const struct moat_ext_block *blk)
{
	struct moat_cursor host;
	TRY(moat_ext_server_name_decode_ch(blk->data[MOAT_EXTI_SERVER_NAME], &host));
	size_t n = moat_cursor_remaining(&host);
	ENSURE(n <= MOAT_MAX_SERVER_NAME, MOAT_ERR_DECODE);
	TRY(moat_cursor_get_bytes(&host, conn->server_name, n));
	conn->server_name[n] = '\0';
	memcpy(conn->hs->server_name, conn->server_name, n + 1);
	return MOAT_SUCCESS;
}

/* §4.2.10: early data is never accepted, but what the client sends of it must be skipped. */
int moat_ext_early_data_ch_recv(struct moat_connection *conn, const struct moat_ext_block *blk)
{
	(void)blk;
	conn->hs->early_data_offered = true;
	return MOAT_SUCCESS;
}

static int run_client_hello_callback(struct moat_connection *conn)
{
	struct moat_handshake *hs = conn->hs;
	struct moat_config *config = conn->config;
	if (config->client_hello_cb == NULL)
		return MOAT_SUCCESS;
	if (!hs->client_hello_cb_called) {
		hs->client_hello_cb_called = true;
		int rc = config->client_hello_cb(conn, config->client_hello_ctx);
		/* A negative answer ends the handshake with handshake_failure, as the guide says. */
		ENSURE(rc >= 0, MOAT_ERR_HANDSHAKE_FAILURE);
		if (config->client_hello_mode == MOAT_CLIENT_HELLO_CB_BLOCKING) {
			if (rc > 0)
				hs->server_name_used = true;
			hs->client_hello_cb_done = true;
		}
	}
	/* The callback may have switched configs: the mode that counts is the one it was called under. */
	ENSURE(hs->client_hello_cb_done, MOAT_ERR_ASYNC_BLOCKED);
	return MOAT_SUCCESS;
}

/*
 * The highest version the client offers that the policy in force allows and
 * a machine exists for (RFC 8446 §4.2.1: the server picks from the client's
 * list; RFC 5246 Appendix E.1: otherwise the highest both support).
 */
static const struct moat_hs_machine *server_machine(const struct moat_connection *conn, uint16_t v)
{
	if (!moat_security_policy_supports_version(moat_conn_policy(conn), v))
		return NULL;
	/*
	 * A version no certificate's key may serve (its holder refuses it,
	 * key_caps.h) is not offered: the client gets protocol_version, or a
	 * lower version, rather than a handshake that fails at the signature.
	 */
	if (!moat_config_key_caps_allow_version(conn->config, v))
		return NULL;
	return moat_hs_machine_for_version(v);
}

uint16_t moat_hs_server_highest_version(const struct moat_connection *conn)
{
	for (uint16_t v = MOAT_TLS13; v >= MOAT_TLS10; v--)
		if (server_machine(conn, v) != NULL)
			return v;
	return 0;
}

/*
 * RFC 7507 §3: a client retrying with a lower version than it supports
 * says so with TLS_FALLBACK_SCSV; if we could have served a higher version
 * than the highest it offers now, someone in the middle broke the first
 * attempt: inappropriate_fallback.
 */
static int check_fallback(struct moat_connection *conn)
{
	if (!moat_u16_list_contains(conn->hs->client_hello.cipher_suites, MOAT_TLS_FALLBACK_SCSV))
		return MOAT_SUCCESS;
	ENSURE(moat_hs_server_highest_version(conn) <= conn->client_version, MOAT_ERR_INAPPROPRIATE_FALLBACK);
	return MOAT_SUCCESS;
}

static int choose_version(struct moat_connection *conn)
{
	struct moat_handshake *hs = conn->hs;
	TRY(check_fallback(conn));
	for (uint16_t v = MOAT_TLS13; v >= MOAT_TLS10; v--) {
		if ((hs->client_versions & version_bit(v)) == 0)
			continue;
		const struct moat_hs_machine *m = server_machine(conn, v);
		if (m != NULL) {
			conn->version = v;
			hs->machine = m;
			hs->flags |= m->initial_flags;
			return MOAT_SUCCESS;
		}
	}
	BAIL(MOAT_ERR_PROTOCOL_VERSION);
}

int moat_hs_server_recv_client_hello(struct moat_connection *conn, struct moat_cursor body)
{
	struct moat_handshake *hs = conn->hs;
	if (!hs->client_hello_parsed)
		TRY(parse_client_hello(conn, body));
	TRY(run_client_hello_callback(conn));
	if (hs->machine == NULL)
		TRY(choose_version(conn));
	return moat_hs_machine_recv(conn, body);
}

uint16_t moat_hs_client_max_version(const struct moat_connection *conn)
{
	const struct moat_security_policy *p = moat_conn_policy(conn);
	for (uint16_t v = MOAT_TLS13; v >= MOAT_TLS10; v--)
		if (moat_security_policy_supports_version(p, v) && moat_hs_machine_for_version(v) != NULL)
			return v;
	return 0;
}

uint16_t moat_hs_client_min_version(const struct moat_connection *conn)
{
	uint16_t min = moat_conn_policy(conn)->min_version;
	return min < MOAT_TLS10 ? MOAT_TLS10 : min;
}

int moat_hs_server_hello_version(const struct moat_connection *conn, const struct moat_server_hello *sh,
				 uint16_t *version)
{
	uint16_t highest = moat_hs_client_max_version(conn);
	if (!moat_ext_present(&sh->ext, MOAT_EXTI_SUPPORTED_VERSIONS)) {
		/*
		 * A TLS 1.2-or-older answer: legacy_version is the version
		 * (RFC 5246 §7.4.1.3). A downgrade sentinel for what we offered
		 * means someone in the middle took the higher version away
		 * (RFC 8446 §4.1.3: illegal_parameter), checked before the
		 * version itself so that is what such a downgrade gets.
		 */
		uint16_t v = sh->legacy_version;
		if (v >= MOAT_TLS10 && v <= MOAT_TLS12 && v <= highest)
			TRY(moat_downgrade_sentinel_check(sh->random, v, highest));
		else if (highest == MOAT_TLS13)
			ENSURE(memcmp(sh->random + MOAT_RANDOM_LEN - 8, downgrade_tls12, 8) != 0 &&
				       memcmp(sh->random + MOAT_RANDOM_LEN - 8, downgrade_tls11, 8) != 0,
			       MOAT_ERR_ILLEGAL_PARAMETER);
		/* RFC 5246 Appendix E.1: a version we did not offer ends the handshake with protocol_version. */
		ENSURE(v >= moat_hs_client_min_version(conn) && v <= highest && v <= MOAT_TLS12,
		       MOAT_ERR_PROTOCOL_VERSION);
		*version = v;
		return MOAT_SUCCESS;
	}
	TRY(moat_ext_supported_versions_decode_sh(sh->ext.data[MOAT_EXTI_SUPPORTED_VERSIONS], version));
	/*
	 * §4.2.1: only a version we offered, and supported_versions only ever
	 * selects TLS 1.3 ("a version prior to TLS 1.3" is illegal_parameter);
	 * legacy_version is ignored once it is there.
	 */
	ENSURE(*version == MOAT_TLS13 && highest == MOAT_TLS13, MOAT_ERR_ILLEGAL_PARAMETER);
	return MOAT_SUCCESS;
}

int moat_hs_client_recv_server_hello(struct moat_connection *conn, struct moat_cursor body)
{
	struct moat_server_hello sh;
	uint16_t version;
	/* §5.1: everything after the first ClientHello, alerts included, carries 0x0303. */
	conn->rl.write_version = MOAT_TLS12;
	TRY(moat_server_hello_decode(body, &sh));
	TRY(moat_hs_server_hello_version(conn, &sh, &version));
	const struct moat_hs_machine *m = moat_hs_machine_for_version(version);
	ENSURE(m != NULL, MOAT_ERR_PROTOCOL_VERSION);
	conn->hs->machine = m;
	conn->hs->flags |= m->initial_flags;
	/* The chosen machine reads the same ServerHello (or HelloRetryRequest) again, whole. */
	return moat_hs_machine_recv(conn, body);
}
