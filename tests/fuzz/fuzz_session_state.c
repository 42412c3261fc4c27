/*
 * libFuzzer target for the session state decoder (tls/session_state.c): the
 * plaintext an OPEN operation hands back from a ticket. Whatever decodes
 * must encode to exactly the input (the encoding has one form per state),
 * and its fields must obey the decoder's own rules. The built-in inputs
 * cover both variants: a TLS 1.3 state and a TLS 1.2 one.
 *
 * Built with -DMOAT_FUZZ_STANDALONE it gets a main() that runs built-in
 * inputs (a valid state, its prefixes and a few mutations), so ordinary
 * builds compile and exercise the target.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tls/iana.h"
#include "tls/session_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct moat_cursor in;
	struct moat_session_state s;
	moat_cursor_init(&in, data, size);
	if (moat_session_state_decode(in, &s) < 0)
		return 0;
	if (s.lifetime > MOAT_TICKET_LIFETIME_MAX)
		abort();
	if (s.version == MOAT_TLS13 ? (s.psk_len != 32 && s.psk_len != 48) || s.ems
				    : (s.version != MOAT_TLS12 && s.version != MOAT_TLS11 && s.version != MOAT_TLS10) ||
					      s.psk_len != MOAT_SESSION_MASTER_SECRET_LEN || s.age_add != 0 ||
					      s.max_early_data != 0)
		abort();
	uint8_t mem[MOAT_SESSION_STATE_MAX_LEN];
	struct moat_buf b;
	moat_buf_init_fixed(&b, mem, sizeof(mem));
	if (moat_session_state_encode(&s, &b) < 0 || b.len != size || memcmp(mem, data, size) != 0)
		abort();
	return 0;
}

#ifdef MOAT_FUZZ_STANDALONE
/* The encoding of s, its prefixes and each one-bit mutation of them through the target. */
static int run_state(const struct moat_session_state *s)
{
	uint8_t mem[MOAT_SESSION_STATE_MAX_LEN];
	struct moat_buf b;
	moat_buf_init_fixed(&b, mem, sizeof(mem));
	if (moat_session_state_encode(s, &b) < 0)
		return 1;
	/* The whole state must decode: otherwise the harness would test nothing but refusals. */
	struct moat_cursor c;
	struct moat_session_state back;
	moat_cursor_init(&c, mem, b.len);
	if (moat_session_state_decode(c, &back) < 0 || back.version != s->version)
		return 1;
	for (size_t n = 0; n <= b.len; n++) {
		uint8_t *q = malloc(n ? n : 1);
		if (q == NULL)
			return 1;
		memcpy(q, mem, n);
		LLVMFuzzerTestOneInput(q, n);
		for (size_t i = 0; i < n; i++) {
			q[i] ^= 0x01;
			LLVMFuzzerTestOneInput(q, n);
			q[i] ^= 0x01;
		}
		free(q);
	}
	return 0;
}

int main(void)
{
	struct moat_session_state s;
	memset(&s, 0, sizeof(s));
	s.version = MOAT_TLS13;
	s.cipher_suite = MOAT_TLS_AES_128_GCM_SHA256;
	s.issue_time_ns = 1700000000000000000ull;
	s.lifetime = 3600;
	s.age_add = 12345;
	s.psk_len = 32;
	memset(s.psk, 0x42, 32);
	strcpy(s.server_name, "a.example");
	strcpy(s.alpn, "http/1.1");
	if (run_state(&s) != 0)
		return 1;
	/* TLS 1.2: the master secret, no age_add, the flags byte at the end. */
	s.version = MOAT_TLS12;
	s.cipher_suite = 0xc02f; /* TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 */
	s.age_add = 0;
	s.psk_len = MOAT_SESSION_MASTER_SECRET_LEN;
	memset(s.psk, 0x24, s.psk_len);
	s.ems = true;
	return run_state(&s);
}
#endif
