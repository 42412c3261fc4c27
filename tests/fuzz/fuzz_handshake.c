/*
 * libFuzzer target for the handshake message and extension codecs
 * (tls/messages.h, tls/extensions.h; the TLS 1.0-1.2 ones in
 * tls/messages12.h and tls/extensions12.h).
 *
 * The first input byte picks a decoder, the rest is what it decodes: a
 * handshake message body, an extensions block (one per message kind), one
 * extension's data, a stream of whole messages, or CertificateVerify signed
 * content. The TLS 1.0-1.2 decoders whose shape depends on the negotiated
 * version or key exchange take it from the byte after the selector. Beyond
 * "no crash, no sanitizer report", every successful decode must be
 * canonical: re-encoding the decoded fields with our encoders gives back
 * exactly the input (the codecs have one wire form per value), and the views
 * a decoder returns must iterate to their end without error.
 *
 * Built with -DMOAT_FUZZ_STANDALONE it gets a main() that runs a few built-in
 * inputs, so ordinary builds compile and exercise the target without a
 * corpus or libFuzzer.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/cursor.h"
#include "tls/extensions.h"
#include "tls/extensions12.h"
#include "tls/iana.h"
#include "tls/messages.h"
#include "tls/messages12.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) \
	do { \
		if (!(cond)) \
			abort(); \
	} while (0)

enum target {
	T_CLIENT_HELLO,
	T_SERVER_HELLO,
	T_ENCRYPTED_EXTENSIONS,
	T_CERTIFICATE_REQUEST,
	T_CERTIFICATE,
	T_CERTIFICATE_VERIFY,
	T_FINISHED,
	T_KEY_UPDATE,
	T_NEW_SESSION_TICKET,
	T_END_OF_EARLY_DATA,
	T_MESSAGE_STREAM,
	T_CV_CONTENT,
	T_BLOCK_CH,
	T_BLOCK_SH,
	T_BLOCK_HRR,
	T_BLOCK_EE,
	T_BLOCK_CT,
	T_BLOCK_CR,
	T_BLOCK_NST,
	T_BLOCK_SH12,
	T_EXT_SERVER_NAME,
	T_EXT_U16_LIST,
	T_EXT_VERSIONS_CH,
	T_EXT_VERSIONS_SH,
	T_EXT_KEY_SHARE_CH,
	T_EXT_KEY_SHARE_SH,
	T_EXT_KEY_SHARE_HRR,
	T_EXT_ALPN_LIST,
	T_EXT_ALPN_SELECTED,
	T_EXT_COOKIE,
	T_EXT_RECORD_SIZE_LIMIT,
	T_EXT_MAX_FRAGMENT_LENGTH,
	T_EXT_PSK_MODES,
	T_EXT_PSK_CH,
	T_EXT_PSK_SH,
	T_EXT_EARLY_DATA_NST,
	T_EXT_STATUS_REQUEST_CH,
	T_EXT_STATUS_REQUEST_CT,
	T_EXT_CERTIFICATE_AUTHORITIES,
	T_CLIENT_HELLO_RETRY,
	/* TLS 1.0-1.2; those marked (v) read a parameter byte first. */
	T_SERVER_HELLO12,
	T_SERVER_KEY_EXCHANGE,  /* (v) version and kx */
	T_CLIENT_KEY_EXCHANGE,  /* (v) kx */
	T_SERVER_HELLO_DONE,
	T_HELLO_REQUEST,
	T_CERTIFICATE_REQUEST12, /* (v) version */
	T_CERTIFICATE12,
	T_CERTIFICATE_VERIFY12, /* (v) version */
	T_CERTIFICATE_STATUS,
	T_NEW_SESSION_TICKET12,
	T_EXT_RENEGOTIATION_INFO,
	T_EXT_EC_POINT_FORMATS,
	T_EXT_SESSION_TICKET,
	T_COUNT
};

static struct moat_buf out;
/* Successful re-encodings so far: the standalone seeds check that theirs got that far. */
static size_t round_trips;

/* Decoders whose result does not matter (coverage only); GCC does not let (void) drop a must-use result. */
static void ignore(int rc)
{
	(void)rc;
}

/* The message the encoder just wrote into `out` must be type + u24 length + exactly the input body. */
static void expect_message(uint8_t type, struct moat_cursor body)
{
	size_t n = moat_cursor_remaining(&body);
	CHECK(out.len == n + 4);
	CHECK(out.data[0] == type);
	CHECK(((size_t)out.data[1] << 16 | (size_t)out.data[2] << 8 | out.data[3]) == n);
	CHECK(n == 0 || memcmp(out.data + 4, moat_cursor_data(&body), n) == 0);
	round_trips++;
}

/* The extension the encoder just wrote into `out` must carry exactly the input as its data. */
static void expect_extension(struct moat_cursor d)
{
	size_t n = moat_cursor_remaining(&d);
	CHECK(out.len == n + 4);
	CHECK(n == 0 || memcmp(out.data + 4, moat_cursor_data(&d), n) == 0);
	round_trips++;
}

static void walk_u16_list(struct moat_cursor list)
{
	uint16_t v;
	while (moat_cursor_remaining(&list) > 0)
		CHECK(moat_u16_list_next(&list, &v) == MOAT_SUCCESS);
}

/* Decode every extension present in a block with the decoder for that message, for coverage. */
static void decode_block_contents(const struct moat_ext_block *b, unsigned msg)
{
	struct moat_cursor c;
	uint16_t u16;
	uint8_t u8;
	uint32_t u32;
	bool flag;
	struct moat_key_share ks;
	struct moat_key_share_list ksl;
	struct moat_psk_offer psk;

	for (int i = 0; i < MOAT_EXTI_COUNT; i++) {
		if (!moat_ext_present(b, (moat_ext_index)i))
			continue;
		CHECK((moat_ext_allowed_in((moat_ext_index)i) & msg) != 0);
		struct moat_cursor d = b->data[i];
		switch (i) {
		case MOAT_EXTI_SERVER_NAME:
			ignore(msg == MOAT_MSG_CH ? moat_ext_server_name_decode_ch(d, &c) : moat_ext_empty_decode(d));
			break;
		case MOAT_EXTI_SUPPORTED_GROUPS:
		case MOAT_EXTI_SIGNATURE_ALGORITHMS:
		case MOAT_EXTI_SIGNATURE_ALGORITHMS_CERT:
			if (moat_ext_u16_list_decode(d, &c) == MOAT_SUCCESS)
				walk_u16_list(c);
			break;
		case MOAT_EXTI_SUPPORTED_VERSIONS:
			ignore(msg == MOAT_MSG_CH ? moat_ext_supported_versions_decode_ch(d, &c)
						  : moat_ext_supported_versions_decode_sh(d, &u16));
			break;
		case MOAT_EXTI_KEY_SHARE:
			if (msg == MOAT_MSG_CH)
				ignore(moat_ext_key_share_decode_ch(d, &ksl));
			else if (msg == MOAT_MSG_SH)
				ignore(moat_ext_key_share_decode_sh(d, &ks));
			else
				ignore(moat_ext_key_share_decode_hrr(d, &u16));
			break;
		case MOAT_EXTI_ALPN:
			ignore(msg == MOAT_MSG_CH ? moat_ext_alpn_decode_list(d, &c) : moat_ext_alpn_decode_selected(d, &c));
			break;
		case MOAT_EXTI_COOKIE:
			ignore(moat_ext_cookie_decode(d, &c));
			break;
		case MOAT_EXTI_RECORD_SIZE_LIMIT:
			ignore(moat_ext_record_size_limit_decode(d, &u16));
			break;
		case MOAT_EXTI_MAX_FRAGMENT_LENGTH:
			ignore(moat_ext_max_fragment_length_decode(d, &u8));
			break;
		case MOAT_EXTI_PSK_KEY_EXCHANGE_MODES:
			ignore(moat_ext_psk_modes_decode(d, &c));
			break;
		case MOAT_EXTI_PRE_SHARED_KEY:
			ignore(msg == MOAT_MSG_CH ? moat_ext_pre_shared_key_decode_ch(d, &psk)
						  : moat_ext_pre_shared_key_decode_sh(d, &u16));
			break;
		case MOAT_EXTI_EARLY_DATA:
			ignore(msg == MOAT_MSG_NST ? moat_ext_early_data_decode_nst(d, &u32) : moat_ext_empty_decode(d));
			break;
		case MOAT_EXTI_STATUS_REQUEST:
			ignore(msg == MOAT_MSG_CT ? moat_ext_status_request_decode_ct(d, &c)
						  : moat_ext_status_request_decode_ch(d, &flag));
			break;
		case MOAT_EXTI_CERTIFICATE_AUTHORITIES:
			ignore(moat_ext_certificate_authorities_decode(d, &c));
			break;
		default:
			break;
		}
	}
}

static void check_block(const struct moat_ext_block *b, unsigned msg)
{
	size_t known = 0;
	for (int i = 0; i < MOAT_EXTI_COUNT; i++)
		if (moat_ext_present(b, (moat_ext_index)i))
			known++;
	CHECK(known <= b->count);
	decode_block_contents(b, msg);
}

static void fuzz_client_hello(struct moat_cursor body)
{
	struct moat_client_hello ch;
	if (moat_client_hello_decode(body, &ch) != MOAT_SUCCESS)
		return;
	check_block(&ch.ext, MOAT_MSG_CH);
	if (!moat_client_hello_null_compression_only(&ch))
		return;
	size_t n = moat_cursor_remaining(&ch.cipher_suites) / 2;
	uint16_t *suites = malloc(n * sizeof(*suites));
	CHECK(suites != NULL);
	struct moat_cursor it = ch.cipher_suites;
	for (size_t i = 0; i < n; i++)
		CHECK(moat_u16_list_next(&it, &suites[i]) == MOAT_SUCCESS);
	CHECK(moat_client_hello_encode(&out, ch.legacy_version, ch.random, moat_cursor_data(&ch.session_id),
				       moat_cursor_remaining(&ch.session_id), suites, n,
				       ch.has_extensions ? moat_cursor_data(&ch.extensions_raw) : NULL,
				       moat_cursor_remaining(&ch.extensions_raw)) == MOAT_SUCCESS);
	free(suites);
	expect_message(MOAT_HS_CLIENT_HELLO, body);
}

/*
 * Two ClientHellos (a u16 length, the first body, the second body) through
 * the §4.1.2 comparison. Oracles: a hello is always a valid answer to
 * itself when it offers neither early_data nor a PSK (the comparison must
 * not depend on anything else), and a refusal is always illegal_parameter
 * or, for a malformed pre_shared_key, a decode failure.
 */
static void fuzz_client_hello_retry(struct moat_cursor in)
{
	uint16_t len1;
	struct moat_cursor b1, b2 = in;
	struct moat_client_hello ch1, ch2;
	if (moat_cursor_get_u16(&b2, &len1) < 0 || moat_cursor_get_sub(&b2, len1, &b1) < 0)
		return;
	if (moat_client_hello_decode(b1, &ch1) != MOAT_SUCCESS)
		return;
	if (!moat_ext_present(&ch1.ext, MOAT_EXTI_EARLY_DATA) && !moat_ext_present(&ch1.ext, MOAT_EXTI_PRE_SHARED_KEY))
		CHECK(moat_client_hello_check_retry(&ch1, &ch1) == MOAT_SUCCESS);
	if (moat_client_hello_decode(b2, &ch2) != MOAT_SUCCESS)
		return;
	moat_error_clear();
	if (moat_client_hello_check_retry(&ch1, &ch2) != MOAT_SUCCESS)
		CHECK(moat_errno == MOAT_ERR_ILLEGAL_PARAMETER || moat_errno == MOAT_ERR_DECODE);
}

static void fuzz_server_hello(struct moat_cursor body)
{
	struct moat_server_hello sh;
	if (moat_server_hello_decode(body, &sh) != MOAT_SUCCESS)
		return;
	CHECK(sh.compression_method == 0);
	check_block(&sh.ext, sh.is_hrr ? MOAT_MSG_HRR
				       : moat_ext_present(&sh.ext, MOAT_EXTI_SUPPORTED_VERSIONS) ? MOAT_MSG_SH
												  : MOAT_MSG_SH12);
	if (sh.legacy_version != MOAT_TLS12)
		return;
	bool has_ext = moat_cursor_remaining(&body) > 38 + moat_cursor_remaining(&sh.session_id_echo);
	CHECK(moat_server_hello_encode(&out, sh.random, moat_cursor_data(&sh.session_id_echo),
				       moat_cursor_remaining(&sh.session_id_echo), sh.cipher_suite,
				       has_ext ? moat_cursor_data(&sh.extensions_raw) : NULL,
				       moat_cursor_remaining(&sh.extensions_raw)) == MOAT_SUCCESS);
	expect_message(MOAT_HS_SERVER_HELLO, body);
}

static void fuzz_encrypted_extensions(struct moat_cursor body)
{
	struct moat_ext_block ext;
	if (moat_encrypted_extensions_decode(body, &ext) != MOAT_SUCCESS)
		return;
	check_block(&ext, MOAT_MSG_EE);
	struct moat_cursor c = body, raw;
	CHECK(moat_cursor_get_prefixed(&c, 2, &raw) == MOAT_SUCCESS);
	CHECK(moat_encrypted_extensions_encode(&out, moat_cursor_data(&raw), moat_cursor_remaining(&raw)) ==
	      MOAT_SUCCESS);
	expect_message(MOAT_HS_ENCRYPTED_EXTENSIONS, body);
}

static void fuzz_certificate_request(struct moat_cursor body)
{
	struct moat_certificate_request cr;
	if (moat_certificate_request_decode(body, &cr) != MOAT_SUCCESS)
		return;
	check_block(&cr.ext, MOAT_MSG_CR);
	CHECK(moat_ext_present(&cr.ext, MOAT_EXTI_SIGNATURE_ALGORITHMS));
	struct moat_cursor c = body, ctx, raw;
	CHECK(moat_cursor_get_prefixed(&c, 1, &ctx) == MOAT_SUCCESS);
	CHECK(moat_cursor_get_prefixed(&c, 2, &raw) == MOAT_SUCCESS);
	CHECK(moat_certificate_request_encode(&out, moat_cursor_data(&cr.context), moat_cursor_remaining(&cr.context),
					      moat_cursor_data(&raw), moat_cursor_remaining(&raw)) == MOAT_SUCCESS);
	expect_message(MOAT_HS_CERTIFICATE_REQUEST, body);
}

static void fuzz_certificate(struct moat_cursor body)
{
	struct moat_certificate_msg m;
	if (moat_certificate_decode(body, &m) != MOAT_SUCCESS)
		return;
	CHECK(m.count <= MOAT_MAX_CERT_ENTRIES);
	const uint8_t *der[MOAT_MAX_CERT_ENTRIES], *ext[MOAT_MAX_CERT_ENTRIES];
	size_t der_len[MOAT_MAX_CERT_ENTRIES], ext_len[MOAT_MAX_CERT_ENTRIES];
	for (size_t i = 0; i < m.count; i++) {
		struct moat_ext_block b;
		CHECK(moat_ext_block_parse_raw(m.ext_raw[i], MOAT_MSG_CT, &b) == MOAT_SUCCESS);
		check_block(&b, MOAT_MSG_CT);
		der[i] = moat_cursor_data(&m.cert[i]);
		der_len[i] = moat_cursor_remaining(&m.cert[i]);
		ext[i] = moat_cursor_data(&m.ext_raw[i]);
		ext_len[i] = moat_cursor_remaining(&m.ext_raw[i]);
	}
	CHECK(moat_certificate_encode_ext(&out, moat_cursor_data(&m.context), moat_cursor_remaining(&m.context), der,
					  der_len, ext, ext_len, m.count) == MOAT_SUCCESS);
	expect_message(MOAT_HS_CERTIFICATE, body);
}

static void fuzz_certificate_verify(struct moat_cursor body)
{
	struct moat_certificate_verify cv;
	if (moat_certificate_verify_decode(body, &cv) != MOAT_SUCCESS)
		return;
	CHECK(moat_certificate_verify_encode(&out, cv.scheme, moat_cursor_data(&cv.signature),
					     moat_cursor_remaining(&cv.signature)) == MOAT_SUCCESS);
	expect_message(MOAT_HS_CERTIFICATE_VERIFY, body);
}

static void fuzz_finished(struct moat_cursor body)
{
	struct moat_cursor vd;
	size_t n = moat_cursor_remaining(&body);
	CHECK(moat_finished_decode(body, 32, &vd) == (n == 32 ? MOAT_SUCCESS : MOAT_FAILURE));
	CHECK(moat_finished_decode(body, 48, &vd) == (n == 48 ? MOAT_SUCCESS : MOAT_FAILURE));
	if (n < 1 || n > MOAT_MAX_HASH_LEN)
		return;
	CHECK(moat_finished_decode(body, n, &vd) == MOAT_SUCCESS);
	CHECK(moat_finished_encode(&out, moat_cursor_data(&vd), moat_cursor_remaining(&vd)) == MOAT_SUCCESS);
	expect_message(MOAT_HS_FINISHED, body);
}

static void fuzz_key_update(struct moat_cursor body)
{
	bool req;
	if (moat_key_update_decode(body, &req) != MOAT_SUCCESS)
		return;
	CHECK(moat_key_update_encode(&out, req) == MOAT_SUCCESS);
	expect_message(MOAT_HS_KEY_UPDATE, body);
}

static void fuzz_new_session_ticket(struct moat_cursor body)
{
	struct moat_new_session_ticket nst;
	if (moat_new_session_ticket_decode(body, &nst) != MOAT_SUCCESS)
		return;
	check_block(&nst.ext, MOAT_MSG_NST);
	struct moat_cursor c = body, x, raw;
	CHECK(moat_cursor_skip(&c, 8) == MOAT_SUCCESS);
	CHECK(moat_cursor_get_prefixed(&c, 1, &x) == MOAT_SUCCESS);
	CHECK(moat_cursor_get_prefixed(&c, 2, &x) == MOAT_SUCCESS);
	CHECK(moat_cursor_get_prefixed(&c, 2, &raw) == MOAT_SUCCESS);
	CHECK(moat_new_session_ticket_encode(&out, nst.lifetime, nst.age_add, moat_cursor_data(&nst.nonce),
					     moat_cursor_remaining(&nst.nonce), moat_cursor_data(&nst.ticket),
					     moat_cursor_remaining(&nst.ticket), moat_cursor_data(&raw),
					     moat_cursor_remaining(&raw)) == MOAT_SUCCESS);
	expect_message(MOAT_HS_NEW_SESSION_TICKET, body);
}

/* A reassembly buffer: complete() and header_decode() must agree on every message boundary. */
static void fuzz_message_stream(struct moat_cursor c)
{
	for (;;) {
		size_t msg_len;
		uint8_t type;
		struct moat_cursor body;
		bool complete = moat_hs_message_complete(moat_cursor_data(&c), moat_cursor_remaining(&c), &msg_len);
		size_t before = moat_cursor_remaining(&c);
		int rc = moat_hs_header_decode(&c, &type, &body);
		if (!complete) {
			CHECK(rc == MOAT_FAILURE && moat_cursor_remaining(&c) == before);
			return;
		}
		CHECK(rc == MOAT_SUCCESS);
		CHECK(before - moat_cursor_remaining(&c) == msg_len);
		CHECK(moat_cursor_remaining(&body) + 4 == msg_len);
		switch (type) {
		case MOAT_HS_CLIENT_HELLO:
			fuzz_client_hello(body);
			break;
		case MOAT_HS_SERVER_HELLO:
			fuzz_server_hello(body);
			break;
		case MOAT_HS_CERTIFICATE:
			fuzz_certificate(body);
			break;
		default:
			break;
		}
		moat_buf_reset(&out);
	}
}

static void fuzz_cv_content(struct moat_cursor c)
{
	bool server;
	size_t hash_len;
	if (moat_cv_content_check(moat_cursor_data(&c), moat_cursor_remaining(&c), &server, &hash_len) !=
	    MOAT_SUCCESS)
		return;
	CHECK(hash_len == 32 || hash_len == 48);
	CHECK(moat_cursor_remaining(&c) == 98 + hash_len);
	CHECK(moat_cv_content_build(server, moat_cursor_data(&c) + 98, hash_len, &out) == MOAT_SUCCESS);
	CHECK(out.len == moat_cursor_remaining(&c) && memcmp(out.data, moat_cursor_data(&c), out.len) == 0);
}

static void fuzz_block(struct moat_cursor c, unsigned msg)
{
	struct moat_ext_block b;
	bool absent = moat_cursor_remaining(&c) == 0;
	if (moat_ext_block_parse(&c, msg, absent, &b) != MOAT_SUCCESS)
		return;
	check_block(&b, msg);
	if (msg == MOAT_MSG_CH && moat_ext_present(&b, MOAT_EXTI_PRE_SHARED_KEY))
		CHECK(b.last_type == MOAT_EXT_PRE_SHARED_KEY);
}

static void fuzz_extension(enum target t, struct moat_cursor d)
{
	struct moat_cursor c, name;
	uint16_t u16;
	uint8_t u8;
	uint32_t u32;
	bool flag;
	struct moat_key_share ks;
	struct moat_key_share_list ksl;
	struct moat_psk_offer psk;
	/* Round trips only for data that fits in an extension (a real one's length is 2 bytes). */
	const bool fits = moat_cursor_remaining(&d) <= 0xffff;

	switch (t) {
	case T_EXT_SERVER_NAME:
		if (moat_ext_server_name_decode_ch(d, &c) == MOAT_SUCCESS)
			CHECK(moat_cursor_remaining(&c) >= 1 && moat_cursor_remaining(&c) <= 255);
		break;
	case T_EXT_U16_LIST:
		if (moat_ext_u16_list_decode(d, &c) == MOAT_SUCCESS) {
			walk_u16_list(c);
			(void)moat_u16_list_contains(c, 0x0304);
		}
		break;
	case T_EXT_VERSIONS_CH:
		if (moat_ext_supported_versions_decode_ch(d, &c) == MOAT_SUCCESS)
			walk_u16_list(c);
		break;
	case T_EXT_VERSIONS_SH:
		if (moat_ext_supported_versions_decode_sh(d, &u16) == MOAT_SUCCESS && fits) {
			CHECK(moat_ext_write_supported_versions_sh(&out, u16) == MOAT_SUCCESS);
			expect_extension(d);
		}
		break;
	case T_EXT_KEY_SHARE_CH:
		if (moat_ext_key_share_decode_ch(d, &ksl) == MOAT_SUCCESS && fits) {
			/* Every entry is there to walk, and they encode back to the same bytes. */
			struct moat_key_share *all = calloc(ksl.count + 1, sizeof(*all));
			struct moat_cursor it = ksl.entries;
			CHECK(all != NULL);
			for (size_t i = 0; i < ksl.count; i++)
				CHECK(moat_key_share_next(&it, &all[i]) == MOAT_SUCCESS);
			CHECK(moat_cursor_remaining(&it) == 0);
			CHECK(moat_ext_write_key_share_ch(&out, all, ksl.count) == MOAT_SUCCESS);
			expect_extension(d);
			free(all);
		}
		break;
	case T_EXT_KEY_SHARE_SH:
		if (moat_ext_key_share_decode_sh(d, &ks) == MOAT_SUCCESS && fits) {
			CHECK(moat_ext_write_key_share_sh(&out, ks.group, moat_cursor_data(&ks.key_exchange),
							  moat_cursor_remaining(&ks.key_exchange)) == MOAT_SUCCESS);
			expect_extension(d);
		}
		break;
	case T_EXT_KEY_SHARE_HRR:
		if (moat_ext_key_share_decode_hrr(d, &u16) == MOAT_SUCCESS && fits) {
			CHECK(moat_ext_write_key_share_hrr(&out, u16) == MOAT_SUCCESS);
			expect_extension(d);
		}
		break;
	case T_EXT_ALPN_LIST:
		if (moat_ext_alpn_decode_list(d, &c) == MOAT_SUCCESS) {
			while (moat_cursor_remaining(&c) > 0)
				CHECK(moat_alpn_list_next(&c, &name) == MOAT_SUCCESS);
			CHECK(moat_ext_alpn_decode_list(d, &c) == MOAT_SUCCESS);
			if (fits) {
				CHECK(moat_ext_write_alpn_list(&out, moat_cursor_data(&c), moat_cursor_remaining(&c)) ==
				      MOAT_SUCCESS);
				expect_extension(d);
			}
		}
		break;
	case T_EXT_ALPN_SELECTED:
		if (moat_ext_alpn_decode_selected(d, &name) == MOAT_SUCCESS && fits) {
			CHECK(moat_ext_write_alpn_selected(&out, moat_cursor_data(&name), moat_cursor_remaining(&name)) ==
			      MOAT_SUCCESS);
			expect_extension(d);
		}
		break;
	case T_EXT_COOKIE:
		if (moat_ext_cookie_decode(d, &c) == MOAT_SUCCESS && fits) {
			CHECK(moat_ext_write_cookie(&out, moat_cursor_data(&c), moat_cursor_remaining(&c)) ==
			      MOAT_SUCCESS);
			expect_extension(d);
		}
		break;
	case T_EXT_RECORD_SIZE_LIMIT:
		if (moat_ext_record_size_limit_decode(d, &u16) == MOAT_SUCCESS && fits) {
			CHECK(moat_ext_write_record_size_limit(&out, u16) == MOAT_SUCCESS);
			expect_extension(d);
		}
		break;
	case T_EXT_MAX_FRAGMENT_LENGTH:
		if (moat_ext_max_fragment_length_decode(d, &u8) == MOAT_SUCCESS && fits) {
			CHECK(moat_ext_write_max_fragment_length(&out, u8) == MOAT_SUCCESS);
			expect_extension(d);
		}
		break;
	case T_EXT_PSK_MODES:
		if (moat_ext_psk_modes_decode(d, &c) == MOAT_SUCCESS && fits) {
			CHECK(moat_ext_write_psk_modes(&out, moat_cursor_data(&c), moat_cursor_remaining(&c)) ==
			      MOAT_SUCCESS);
			expect_extension(d);
		}
		break;
	case T_EXT_PSK_CH:
		if (moat_ext_pre_shared_key_decode_ch(d, &psk) == MOAT_SUCCESS) {
			struct moat_cursor id, binder;
			for (size_t i = 0; i < psk.count; i++) {
				CHECK(moat_psk_identity_next(&psk.identities, &id, &u32) == MOAT_SUCCESS);
				CHECK(moat_psk_binder_next(&psk.binders, &binder) == MOAT_SUCCESS);
			}
			CHECK(moat_cursor_remaining(&psk.identities) == 0 && moat_cursor_remaining(&psk.binders) == 0);
			CHECK(psk.binders_len <= moat_cursor_remaining(&d));
		}
		break;
	case T_EXT_PSK_SH:
		if (moat_ext_pre_shared_key_decode_sh(d, &u16) == MOAT_SUCCESS && fits) {
			CHECK(moat_ext_write_pre_shared_key_sh(&out, u16) == MOAT_SUCCESS);
			expect_extension(d);
		}
		break;
	case T_EXT_EARLY_DATA_NST:
		if (moat_ext_early_data_decode_nst(d, &u32) == MOAT_SUCCESS && fits) {
			CHECK(moat_ext_write_early_data_nst(&out, u32) == MOAT_SUCCESS);
			expect_extension(d);
		}
		break;
	case T_EXT_STATUS_REQUEST_CH:
		ignore(moat_ext_status_request_decode_ch(d, &flag));
		break;
	case T_EXT_STATUS_REQUEST_CT:
		if (moat_ext_status_request_decode_ct(d, &c) == MOAT_SUCCESS &&
		    moat_cursor_remaining(&c) <= 0xffff - 4) {
			CHECK(moat_ext_write_status_request_ct(&out, moat_cursor_data(&c), moat_cursor_remaining(&c)) ==
			      MOAT_SUCCESS);
			expect_extension(d);
		}
		break;
	case T_EXT_CERTIFICATE_AUTHORITIES:
		if (moat_ext_certificate_authorities_decode(d, &c) == MOAT_SUCCESS) {
			while (moat_cursor_remaining(&c) > 0)
				CHECK(moat_ca_list_next(&c, &name) == MOAT_SUCCESS);
		}
		break;
	default:
		break;
	}
}

/* ---- TLS 1.0-1.2 ---- */

static const uint16_t versions12[] = { MOAT_TLS10, MOAT_TLS11, MOAT_TLS12 };

/*
 * A ServerHello of TLS 1.2 or older re-encodes to itself with the versioned
 * encoder, and the downgrade sentinel helpers agree with each other: what a
 * server writes, a client of the same reach refuses exactly when it must.
 */
static void fuzz_server_hello12(struct moat_cursor body)
{
	struct moat_server_hello sh;
	if (moat_server_hello_decode(body, &sh) != MOAT_SUCCESS)
		return;
	if (!moat_tls12_codec_version(sh.legacy_version) || sh.is_hrr ||
	    moat_ext_present(&sh.ext, MOAT_EXTI_SUPPORTED_VERSIONS))
		return;
	bool has_ext = moat_cursor_remaining(&body) > 38 + moat_cursor_remaining(&sh.session_id_echo);
	CHECK(moat_server_hello12_encode(&out, sh.legacy_version, sh.random, moat_cursor_data(&sh.session_id_echo),
					 moat_cursor_remaining(&sh.session_id_echo), sh.cipher_suite,
					 has_ext ? moat_cursor_data(&sh.extensions_raw) : NULL,
					 moat_cursor_remaining(&sh.extensions_raw)) == MOAT_SUCCESS);
	expect_message(MOAT_HS_SERVER_HELLO, body);
	for (uint16_t highest = MOAT_TLS10; highest <= MOAT_TLS13; highest++) {
		if (sh.legacy_version > highest)
			continue;
		ignore(moat_downgrade_sentinel_check(sh.random, sh.legacy_version, highest));
		uint8_t r[32];
		memcpy(r, sh.random, sizeof(r));
		CHECK(moat_downgrade_sentinel_set(r, sh.legacy_version, highest) == MOAT_SUCCESS);
		bool protected = (highest >= MOAT_TLS13) || (highest == MOAT_TLS12 && sh.legacy_version <= MOAT_TLS11);
		CHECK((moat_downgrade_sentinel_check(r, sh.legacy_version, highest) == MOAT_SUCCESS) == !protected);
	}
}

static void fuzz_server_key_exchange(uint8_t param, struct moat_cursor body)
{
	uint16_t version = versions12[param % 3];
	enum moat_kx12 kx = (enum moat_kx12)(MOAT_KX12_ECDHE + (param / 3) % 3);
	struct moat_server_key_exchange ske;
	int rc = moat_server_key_exchange_decode(body, version, kx, &ske);
	if (kx == MOAT_KX12_RSA)
		CHECK(rc == MOAT_FAILURE && moat_errno == MOAT_ERR_INVALID_ARG);
	if (rc != MOAT_SUCCESS)
		return;
	CHECK(ske.kx == kx && ske.sig.has_scheme == (version == MOAT_TLS12));
	/* The params view is the front of the body and is what the params writer makes of the fields. */
	CHECK(moat_cursor_data(&ske.params) == moat_cursor_data(&body));
	if (kx == MOAT_KX12_ECDHE) {
		CHECK(moat_server_ecdh_params_write(&out, ske.group, moat_cursor_data(&ske.point),
						    moat_cursor_remaining(&ske.point)) == MOAT_SUCCESS);
	} else {
		CHECK(moat_server_dh_params_write(&out, moat_cursor_data(&ske.dh_p), moat_cursor_remaining(&ske.dh_p),
						  moat_cursor_data(&ske.dh_g), moat_cursor_remaining(&ske.dh_g),
						  moat_cursor_data(&ske.dh_ys),
						  moat_cursor_remaining(&ske.dh_ys)) == MOAT_SUCCESS);
	}
	CHECK(out.len == moat_cursor_remaining(&ske.params));
	CHECK(memcmp(out.data, moat_cursor_data(&ske.params), out.len) == 0);
	moat_buf_reset(&out);
	const uint8_t *sig = moat_cursor_data(&ske.sig.signature);
	size_t sig_len = moat_cursor_remaining(&ske.sig.signature);
	if (kx == MOAT_KX12_ECDHE)
		CHECK(moat_server_key_exchange_ecdhe_encode(&out, version, ske.group, moat_cursor_data(&ske.point),
							    moat_cursor_remaining(&ske.point), ske.sig.scheme, sig,
							    sig_len) == MOAT_SUCCESS);
	else
		CHECK(moat_server_key_exchange_dhe_encode(
			      &out, version, moat_cursor_data(&ske.dh_p), moat_cursor_remaining(&ske.dh_p),
			      moat_cursor_data(&ske.dh_g), moat_cursor_remaining(&ske.dh_g), moat_cursor_data(&ske.dh_ys),
			      moat_cursor_remaining(&ske.dh_ys), ske.sig.scheme, sig, sig_len) == MOAT_SUCCESS);
	expect_message(MOAT_HS_SERVER_KEY_EXCHANGE, body);
}

static void fuzz_client_key_exchange(uint8_t param, struct moat_cursor body)
{
	enum moat_kx12 kx = (enum moat_kx12)(MOAT_KX12_ECDHE + param % 3);
	struct moat_cursor x;
	if (moat_client_key_exchange_decode(body, kx, &x) != MOAT_SUCCESS)
		return;
	CHECK(moat_client_key_exchange_encode(&out, kx, moat_cursor_data(&x), moat_cursor_remaining(&x)) ==
	      MOAT_SUCCESS);
	expect_message(MOAT_HS_CLIENT_KEY_EXCHANGE, body);
}

static void fuzz_certificate_request12(uint8_t param, struct moat_cursor body)
{
	uint16_t version = versions12[param % 3];
	struct moat_certificate_request12 cr;
	if (moat_certificate_request12_decode(body, version, &cr) != MOAT_SUCCESS)
		return;
	CHECK(cr.has_sig_algs == (version == MOAT_TLS12));
	size_t n = moat_cursor_remaining(&cr.sig_algs) / 2;
	uint16_t *algs = malloc((n + 1) * sizeof(*algs));
	CHECK(algs != NULL);
	struct moat_cursor it = cr.sig_algs, dn;
	for (size_t i = 0; i < n; i++)
		CHECK(moat_u16_list_next(&it, &algs[i]) == MOAT_SUCCESS);
	CHECK(moat_cursor_remaining(&it) == 0);
	for (it = cr.authorities; moat_cursor_remaining(&it) > 0;)
		CHECK(moat_ca_list_next(&it, &dn) == MOAT_SUCCESS);
	CHECK(moat_certificate_request12_encode(&out, version, moat_cursor_data(&cr.certificate_types),
						moat_cursor_remaining(&cr.certificate_types), algs, n,
						moat_cursor_data(&cr.authorities),
						moat_cursor_remaining(&cr.authorities)) == MOAT_SUCCESS);
	free(algs);
	expect_message(MOAT_HS_CERTIFICATE_REQUEST, body);
}

static void fuzz_certificate12(struct moat_cursor body)
{
	struct moat_certificate_msg m;
	if (moat_certificate12_decode(body, &m) != MOAT_SUCCESS)
		return;
	CHECK(m.count <= MOAT_MAX_CERT_ENTRIES && moat_cursor_remaining(&m.context) == 0);
	const uint8_t *der[MOAT_MAX_CERT_ENTRIES];
	size_t der_len[MOAT_MAX_CERT_ENTRIES];
	for (size_t i = 0; i < m.count; i++) {
		CHECK(moat_cursor_remaining(&m.ext_raw[i]) == 0);
		der[i] = moat_cursor_data(&m.cert[i]);
		der_len[i] = moat_cursor_remaining(&m.cert[i]);
	}
	CHECK(moat_certificate12_encode(&out, der, der_len, m.count) == MOAT_SUCCESS);
	expect_message(MOAT_HS_CERTIFICATE, body);
}

static void fuzz_certificate_verify12(uint8_t param, struct moat_cursor body)
{
	uint16_t version = versions12[param % 3];
	struct moat_digitally_signed cv;
	if (moat_certificate_verify12_decode(body, version, &cv) != MOAT_SUCCESS)
		return;
	CHECK(cv.has_scheme == (version == MOAT_TLS12));
	CHECK(moat_certificate_verify12_encode(&out, version, cv.scheme, moat_cursor_data(&cv.signature),
					       moat_cursor_remaining(&cv.signature)) == MOAT_SUCCESS);
	expect_message(MOAT_HS_CERTIFICATE_VERIFY, body);
}

static void fuzz_certificate_status(struct moat_cursor body)
{
	struct moat_cursor r;
	if (moat_certificate_status_decode(body, &r) != MOAT_SUCCESS)
		return;
	CHECK(moat_certificate_status_encode(&out, moat_cursor_data(&r), moat_cursor_remaining(&r)) == MOAT_SUCCESS);
	expect_message(MOAT_HS_CERTIFICATE_STATUS, body);
}

static void fuzz_new_session_ticket12(struct moat_cursor body)
{
	struct moat_new_session_ticket12 nst;
	if (moat_new_session_ticket12_decode(body, &nst) != MOAT_SUCCESS)
		return;
	CHECK(moat_new_session_ticket12_encode(&out, nst.lifetime_hint, moat_cursor_data(&nst.ticket),
					       moat_cursor_remaining(&nst.ticket)) == MOAT_SUCCESS);
	expect_message(MOAT_HS_NEW_SESSION_TICKET, body);
}

static void fuzz_extension12(enum target t, struct moat_cursor d)
{
	struct moat_cursor c;
	const bool fits = moat_cursor_remaining(&d) <= 0xffff;
	switch (t) {
	case T_EXT_RENEGOTIATION_INFO:
		if (moat_ext_renegotiation_info_decode(d, &c) == MOAT_SUCCESS) {
			CHECK(moat_ext_write_renegotiation_info(&out, moat_cursor_data(&c), moat_cursor_remaining(&c)) ==
			      MOAT_SUCCESS);
			expect_extension(d);
		}
		break;
	case T_EXT_EC_POINT_FORMATS:
		if (moat_ext_ec_point_formats_decode(d, &c) == MOAT_SUCCESS) {
			CHECK(memchr(moat_cursor_data(&c), MOAT_EC_POINT_FORMAT_UNCOMPRESSED, moat_cursor_remaining(&c)) !=
			      NULL);
			CHECK(moat_ext_write_ec_point_formats(&out, moat_cursor_data(&c), moat_cursor_remaining(&c)) ==
			      MOAT_SUCCESS);
			expect_extension(d);
		}
		break;
	case T_EXT_SESSION_TICKET:
		CHECK(moat_ext_session_ticket_decode(d, &c) == MOAT_SUCCESS);
		if (fits) {
			CHECK(moat_ext_write_session_ticket(&out, moat_cursor_data(&c), moat_cursor_remaining(&c)) ==
			      MOAT_SUCCESS);
			expect_extension(d);
		}
		break;
	default:
		break;
	}
}

/* The parameter byte of the (v) targets, and the body after it. */
static bool take_param(struct moat_cursor *in, uint8_t *param)
{
	return moat_cursor_get_u8(in, param) == MOAT_SUCCESS;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned block_msgs[] = { MOAT_MSG_CH, MOAT_MSG_SH, MOAT_MSG_HRR, MOAT_MSG_EE,
					       MOAT_MSG_CT, MOAT_MSG_CR, MOAT_MSG_NST, MOAT_MSG_SH12 };
	struct moat_cursor in;
	uint8_t param;

	/* A selector byte, then at most a handshake message body (2^24-1 bytes). */
	if (size < 1 || size - 1 > 0xffffff)
		return 0;
	/* An exact-size copy, so ASan sees any read past the end. */
	uint8_t *copy = malloc(size - 1 > 0 ? size - 1 : 1);
	CHECK(copy != NULL);
	if (size > 1)
		memcpy(copy, data + 1, size - 1);
	moat_cursor_init(&in, copy, size - 1);
	moat_buf_init(&out, 1 << 25);

	enum target t = (enum target)(data[0] % T_COUNT);
	switch (t) {
	case T_CLIENT_HELLO:
		fuzz_client_hello(in);
		break;
	case T_SERVER_HELLO:
		fuzz_server_hello(in);
		break;
	case T_ENCRYPTED_EXTENSIONS:
		fuzz_encrypted_extensions(in);
		break;
	case T_CERTIFICATE_REQUEST:
		fuzz_certificate_request(in);
		break;
	case T_CERTIFICATE:
		fuzz_certificate(in);
		break;
	case T_CERTIFICATE_VERIFY:
		fuzz_certificate_verify(in);
		break;
	case T_FINISHED:
		fuzz_finished(in);
		break;
	case T_KEY_UPDATE:
		fuzz_key_update(in);
		break;
	case T_NEW_SESSION_TICKET:
		fuzz_new_session_ticket(in);
		break;
	case T_END_OF_EARLY_DATA:
		CHECK(moat_end_of_early_data_decode(in) == (size == 1 ? MOAT_SUCCESS : MOAT_FAILURE));
		break;
	case T_MESSAGE_STREAM:
		fuzz_message_stream(in);
		break;
	case T_CV_CONTENT:
		fuzz_cv_content(in);
		break;
	case T_CLIENT_HELLO_RETRY:
		fuzz_client_hello_retry(in);
		break;
	case T_SERVER_HELLO12:
		fuzz_server_hello12(in);
		break;
	case T_SERVER_KEY_EXCHANGE:
		if (take_param(&in, &param))
			fuzz_server_key_exchange(param, in);
		break;
	case T_CLIENT_KEY_EXCHANGE:
		if (take_param(&in, &param))
			fuzz_client_key_exchange(param, in);
		break;
	case T_SERVER_HELLO_DONE:
		CHECK(moat_server_hello_done_decode(in) == (size == 1 ? MOAT_SUCCESS : MOAT_FAILURE));
		break;
	case T_HELLO_REQUEST:
		CHECK(moat_hello_request_decode(in) == (size == 1 ? MOAT_SUCCESS : MOAT_FAILURE));
		break;
	case T_CERTIFICATE_REQUEST12:
		if (take_param(&in, &param))
			fuzz_certificate_request12(param, in);
		break;
	case T_CERTIFICATE12:
		fuzz_certificate12(in);
		break;
	case T_CERTIFICATE_VERIFY12:
		if (take_param(&in, &param))
			fuzz_certificate_verify12(param, in);
		break;
	case T_CERTIFICATE_STATUS:
		fuzz_certificate_status(in);
		break;
	case T_NEW_SESSION_TICKET12:
		fuzz_new_session_ticket12(in);
		break;
	case T_EXT_RENEGOTIATION_INFO:
	case T_EXT_EC_POINT_FORMATS:
	case T_EXT_SESSION_TICKET:
		fuzz_extension12(t, in);
		break;
	case T_BLOCK_CH:
	case T_BLOCK_SH:
	case T_BLOCK_HRR:
	case T_BLOCK_EE:
	case T_BLOCK_CT:
	case T_BLOCK_CR:
	case T_BLOCK_NST:
	case T_BLOCK_SH12:
		fuzz_block(in, block_msgs[t - T_BLOCK_CH]);
		break;
	default:
		fuzz_extension(t, in);
		break;
	}
	moat_buf_free(&out);
	free(copy);
	return 0;
}

#ifdef MOAT_FUZZ_STANDALONE
#include "tests/messages/tls12_vectors.h"

/* A captured TLS 1.0-1.2 message as an input: selector, parameter byte if any, then the body (header dropped). */
static void run_captured(uint8_t selector, int param, const char *hex)
{
	size_t n = strlen(hex) / 2;
	uint8_t *in = malloc(n + 2);
	CHECK(in != NULL && n >= 4);
	size_t at = 0;
	in[at++] = selector;
	if (param >= 0)
		in[at++] = (uint8_t)param;
	for (size_t i = 4; i < n; i++) {
		unsigned v;
		CHECK(sscanf(hex + 2 * i, "%2x", &v) == 1);
		in[at++] = (uint8_t)v;
	}
	size_t before = round_trips;
	LLVMFuzzerTestOneInput(in, at);
	CHECK(selector == T_SERVER_HELLO_DONE || round_trips == before + 1);
	free(in);
}

/* The captured messages, each under its target, as seeds that must decode and re-encode. */
static void run_captured_tls12(void)
{
	/* Parameter bytes: version index (0 TLS 1.0, 1 TLS 1.1, 2 TLS 1.2) + 3 * (kx - ECDHE). */
	run_captured(T_SERVER_HELLO12, -1, V12_ECDHE_RSA_SH);
	run_captured(T_SERVER_HELLO12, -1, V12_TLS10_SH);
	run_captured(T_SERVER_HELLO12, -1, V12_TLS11DHE_SH);
	run_captured(T_SERVER_KEY_EXCHANGE, 2, V12_ECDHE_RSA_SKE);
	run_captured(T_SERVER_KEY_EXCHANGE, 2, V12_ECDHE_ECDSA_SKE);
	run_captured(T_SERVER_KEY_EXCHANGE, 2 + 3, V12_DHE_RSA_SKE);
	run_captured(T_SERVER_KEY_EXCHANGE, 0, V12_TLS10_SKE);
	run_captured(T_SERVER_KEY_EXCHANGE, 1 + 3, V12_TLS11DHE_SKE);
	run_captured(T_CLIENT_KEY_EXCHANGE, 0, V12_ECDHE_RSA_CKE);
	run_captured(T_CLIENT_KEY_EXCHANGE, 1, V12_DHE_RSA_CKE);
	run_captured(T_CLIENT_KEY_EXCHANGE, 2, V12_RSA_CKE);
	run_captured(T_SERVER_HELLO_DONE, -1, V12_ECDHE_RSA_SHD);
	run_captured(T_CERTIFICATE_REQUEST12, 2, V12_ECDHE_RSA_CR);
	run_captured(T_CERTIFICATE_REQUEST12, 0, V12_TLS10_CR);
	run_captured(T_CERTIFICATE12, -1, V12_ECDHE_RSA_CERT);
	run_captured(T_CERTIFICATE12, -1, V12_ECDHE_RSA_CLIENT_CERT);
	run_captured(T_CERTIFICATE_VERIFY12, 2, V12_ECDHE_RSA_CV);
	run_captured(T_CERTIFICATE_VERIFY12, 0, V12_TLS10_CV);
	run_captured(T_CERTIFICATE_STATUS, -1, V12_OCSP_CERT_STATUS);
	run_captured(T_NEW_SESSION_TICKET12, -1, V12_ECDHE_RSA_NST);
}

/*
 * key_share with the sizes of the ML-KEM hybrids (draft-ietf-tls-ecdhe-mlkem):
 * a browser's ClientHello list, X25519MLKEM768 (1216 bytes) then x25519,
 * and a server's 1120-byte X25519MLKEM768 answer. Both must round-trip.
 */
static void run_hybrid_shares(void)
{
	static uint8_t ch[1 + 2 + 4 + 1216 + 4 + 32], sh[1 + 4 + 1120];
	size_t o = 0;
	ch[o++] = T_EXT_KEY_SHARE_CH;
	ch[o++] = (uint8_t)((4 + 1216 + 4 + 32) >> 8);
	ch[o++] = (uint8_t)(4 + 1216 + 4 + 32);
	ch[o++] = 0x11;
	ch[o++] = 0xec;
	ch[o++] = (uint8_t)(1216 >> 8);
	ch[o++] = (uint8_t)1216;
	for (size_t i = 0; i < 1216; i++)
		ch[o++] = (uint8_t)(i * 13 + 5);
	ch[o++] = 0x00;
	ch[o++] = 0x1d;
	ch[o++] = 0x00;
	ch[o++] = 32;
	memset(ch + o, 0x09, 32);
	o = 0;
	sh[o++] = T_EXT_KEY_SHARE_SH;
	sh[o++] = 0x11;
	sh[o++] = 0xec;
	sh[o++] = (uint8_t)(1120 >> 8);
	sh[o++] = (uint8_t)1120;
	for (size_t i = 0; i < 1120; i++)
		sh[o++] = (uint8_t)(i * 7 + 3);
	size_t before = round_trips;
	LLVMFuzzerTestOneInput(ch, sizeof(ch));
	LLVMFuzzerTestOneInput(sh, sizeof(sh));
	CHECK(round_trips == before + 2);
}

int main(void)
{
	/* One input per target: a selector byte then a small valid (or nearly valid) body. */
	static const uint8_t client_hello[] = {
		T_CLIENT_HELLO, 0x03, 0x03, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
		21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 0x00, 0x00, 0x02, 0x13, 0x01, 0x01, 0x00, 0x00,
		0x0c, 0x00, 0x2b, 0x00, 0x03, 0x02, 0x03, 0x04, 0x0a, 0x0a, 0x00, 0x01, 0x00,
	};
	static const uint8_t server_hello[] = {
		T_SERVER_HELLO, 0x03, 0x03, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
		21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 0x00, 0x13, 0x01, 0x00, 0x00, 0x06, 0x00, 0x2b,
		0x00, 0x02, 0x03, 0x04,
	};
	static const uint8_t others[][12] = {
		{ T_ENCRYPTED_EXTENSIONS, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00 },
		{ T_CERTIFICATE_REQUEST, 0x00, 0x00, 0x08, 0x00, 0x0d, 0x00, 0x04, 0x00, 0x02, 0x08, 0x04 },
		{ T_CERTIFICATE, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x01, 0x30, 0x00, 0x00 },
		{ T_CERTIFICATE_VERIFY, 0x08, 0x04, 0x00, 0x02, 0xaa, 0xbb },
		{ T_KEY_UPDATE, 0x01 },
		{ T_END_OF_EARLY_DATA },
		{ T_MESSAGE_STREAM, 0x18, 0x00, 0x00, 0x01, 0x00, 0x14, 0x00, 0x00 },
		{ T_BLOCK_EE, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00 },
		{ T_EXT_VERSIONS_CH, 0x04, 0x03, 0x04, 0x03, 0x03 },
		{ T_EXT_KEY_SHARE_CH, 0x00, 0x05, 0x00, 0x1d, 0x00, 0x01, 0x42 },
		{ T_EXT_ALPN_LIST, 0x00, 0x03, 0x02, 'h', '2' },
		{ T_EXT_RECORD_SIZE_LIMIT, 0x40, 0x01 },
		{ T_HELLO_REQUEST },
		{ T_EXT_RENEGOTIATION_INFO, 0x00 },
		{ T_EXT_EC_POINT_FORMATS, 0x03, 0x00, 0x01, 0x02 },
		{ T_EXT_SESSION_TICKET, 0xaa, 0xbb },
	};
	LLVMFuzzerTestOneInput(client_hello, sizeof(client_hello));
	/* The same hello twice as a HelloRetryRequest pair: the comparison runs and accepts it. */
	uint8_t pair[1 + 2 + 2 * (sizeof(client_hello) - 1)];
	size_t body = sizeof(client_hello) - 1;
	pair[0] = T_CLIENT_HELLO_RETRY;
	pair[1] = (uint8_t)(body >> 8);
	pair[2] = (uint8_t)body;
	memcpy(pair + 3, client_hello + 1, body);
	memcpy(pair + 3 + body, client_hello + 1, body);
	LLVMFuzzerTestOneInput(pair, sizeof(pair));
	LLVMFuzzerTestOneInput(server_hello, sizeof(server_hello));
	run_hybrid_shares();
	run_captured_tls12();
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		LLVMFuzzerTestOneInput(others[i], sizeof(others[i]));
	/* Every selector on an all-zero and an all-0xff body. */
	uint8_t buf[64];
	for (unsigned t = 0; t < T_COUNT; t++) {
		memset(buf, 0, sizeof(buf));
		buf[0] = (uint8_t)t;
		LLVMFuzzerTestOneInput(buf, sizeof(buf));
		memset(buf + 1, 0xff, sizeof(buf) - 1);
		LLVMFuzzerTestOneInput(buf, sizeof(buf));
	}
	return 0;
}
#endif
