/*
 * The TLS 1.3 key schedule against RFC 8448.
 *
 * §3 (Simple 1-RTT Handshake) is replayed stage by stage: the transcript
 * hashes are computed here from the handshake message bytes of the trace and
 * only then compared with the trace's hash values, and every secret, Finished
 * value and traffic key/IV must match. §4 (Resumed 0-RTT) covers the PSK
 * path: the resumption PSK, binder key and binder, early traffic secret and
 * early exporter. Each stage must wipe the secrets it retires.
 *
 * RFC 8448 has no KeyUpdate, exporter output or SHA-384 handshake, so those
 * answers come from elsewhere: exporter values printed by `openssl s_client
 * -keymatexport` with the EXPORTER_SECRET from its -keylogfile, and the rest
 * from an independent HKDF written in Python (hashlib/hmac), as noted below.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/secmem.h"
#include "tls/crypto/hash.h"
#include "tls/tls13_key_schedule.h"
#include "tests/moat_test.h"
#include "tests/rfc8448_vectors.h"
#include "tests/test_hex.h"

static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}
#define REQUIRE_WIPED(arr) ATF_REQUIRE_MSG(all_zero((arr), sizeof(arr)), "%s was not wiped", #arr)

static struct moat_secrets *new_secrets(void)
{
	void *p = NULL;
	EXPECT_OK(moat_secmem_alloc(sizeof(struct moat_secrets), &p));
	return p;
}

/* A Finished message with a SHA-256 verify_data; the last one in RFC8448_S3_SERVER_FLIGHT. */
#define FINISHED_MSG_LEN (4 + 32)

ATF_TC_WITHOUT_HEAD(rfc8448_simple_1rtt);
ATF_TC_BODY(rfc8448_simple_1rtt, tc)
{
	struct moat_secrets *s = new_secrets();
	struct moat_hash th = { 0 };
	uint8_t msg[1024], shared[32], hash[32], key[16], iv[MOAT_AEAD_NONCE_LEN], mac[32], client_fk[32];
	size_t n;

	EXPECT_OK(moat_tls13_init(s, MOAT_HASH_SHA256, NULL, 0));
	ATF_REQUIRE_EQ(s->hash, MOAT_HASH_SHA256);
	ATF_REQUIRE_EQ(s->hash_len, 32);
	REQUIRE_HEX(s->early, 32, RFC8448_S3_EARLY_SECRET);

	/* Transcript-Hash(ClientHello, ServerHello), from the messages themselves. */
	EXPECT_OK(moat_hash_init(&th, MOAT_HASH_SHA256));
	n = test_unhex(RFC8448_S3_CLIENT_HELLO, msg, sizeof(msg));
	EXPECT_OK(moat_hash_update(&th, msg, n));
	n = test_unhex(RFC8448_S3_SERVER_HELLO, msg, sizeof(msg));
	EXPECT_OK(moat_hash_update(&th, msg, n));
	EXPECT_OK(moat_hash_current(&th, hash));
	REQUIRE_HEX(hash, 32, RFC8448_S3_HELLO_HASH);

	/* Handshake stage. */
	n = test_unhex(RFC8448_S3_ECDHE, shared, sizeof(shared));
	EXPECT_OK(moat_tls13_derive_handshake(s, shared, n, hash));
	REQUIRE_HEX(s->handshake, 32, RFC8448_S3_HANDSHAKE_SECRET);
	REQUIRE_HEX(s->client_hs, 32, RFC8448_S3_CLIENT_HS_TRAFFIC);
	REQUIRE_HEX(s->server_hs, 32, RFC8448_S3_SERVER_HS_TRAFFIC);
	REQUIRE_WIPED(s->early);

	EXPECT_OK(moat_tls13_traffic_key_iv(MOAT_HASH_SHA256, MOAT_AEAD_AES_128_GCM, s->server_hs, key, iv));
	REQUIRE_HEX(key, 16, RFC8448_S3_SERVER_HS_KEY);
	REQUIRE_HEX(iv, 12, RFC8448_S3_SERVER_HS_IV);
	EXPECT_OK(moat_tls13_traffic_key_iv(MOAT_HASH_SHA256, MOAT_AEAD_AES_128_GCM, s->client_hs, key, iv));
	REQUIRE_HEX(key, 16, RFC8448_S3_CLIENT_HS_KEY);
	REQUIRE_HEX(iv, 12, RFC8448_S3_CLIENT_HS_IV);

	/* Server Finished: HMAC over Transcript-Hash(ClientHello..CertificateVerify) (RFC 8446 §4.4.4). */
	n = test_unhex(RFC8448_S3_SERVER_FLIGHT, msg, sizeof(msg));
	EXPECT_OK(moat_hash_update(&th, msg, n - FINISHED_MSG_LEN));
	EXPECT_OK(moat_hash_current(&th, hash));
	EXPECT_OK(moat_tls13_finished_key(MOAT_HASH_SHA256, s->server_hs, mac));
	REQUIRE_HEX(mac, 32, RFC8448_S3_SERVER_FINISHED_KEY);
	EXPECT_OK(moat_tls13_finished_mac(MOAT_HASH_SHA256, s->server_hs, hash, mac));
	REQUIRE_HEX(mac, 32, RFC8448_S3_SERVER_VERIFY_DATA);
	/* ...which is what the server's Finished message in the flight carries. */
	ATF_REQUIRE(memcmp(msg + n - FINISHED_MSG_LEN, "\x14\x00\x00\x20", 4) == 0);
	ATF_REQUIRE(memcmp(msg + n - 32, mac, 32) == 0);

	EXPECT_OK(moat_hash_update(&th, msg + n - FINISHED_MSG_LEN, FINISHED_MSG_LEN));
	EXPECT_OK(moat_hash_current(&th, hash));
	REQUIRE_HEX(hash, 32, RFC8448_S3_SERVER_FINISHED_HASH);

	/*
	 * Client Finished over ClientHello..server Finished, with client_hs as base key. It is
	 * taken before derive_master, which wipes client_hs; a peer that verifies it later keeps
	 * the Finished key instead (checked again below).
	 */
	EXPECT_OK(moat_tls13_finished_key(MOAT_HASH_SHA256, s->client_hs, client_fk));
	REQUIRE_HEX(client_fk, 32, RFC8448_S3_CLIENT_FINISHED_KEY);
	EXPECT_OK(moat_tls13_finished_mac(MOAT_HASH_SHA256, s->client_hs, hash, mac));
	REQUIRE_HEX(mac, 32, RFC8448_S3_CLIENT_VERIFY_DATA);

	/* Master stage. */
	EXPECT_OK(moat_tls13_derive_master(s, hash));
	REQUIRE_HEX(s->master, 32, RFC8448_S3_MASTER_SECRET);
	REQUIRE_HEX(s->client_app, 32, RFC8448_S3_CLIENT_AP_TRAFFIC);
	REQUIRE_HEX(s->server_app, 32, RFC8448_S3_SERVER_AP_TRAFFIC);
	REQUIRE_HEX(s->exporter, 32, RFC8448_S3_EXPORTER_MASTER);
	REQUIRE_WIPED(s->early);
	REQUIRE_WIPED(s->handshake);
	REQUIRE_WIPED(s->client_hs);
	REQUIRE_WIPED(s->server_hs);

	EXPECT_OK(moat_tls13_traffic_key_iv(MOAT_HASH_SHA256, MOAT_AEAD_AES_128_GCM, s->server_app, key, iv));
	REQUIRE_HEX(key, 16, RFC8448_S3_SERVER_AP_KEY);
	REQUIRE_HEX(iv, 12, RFC8448_S3_SERVER_AP_IV);
	EXPECT_OK(moat_tls13_traffic_key_iv(MOAT_HASH_SHA256, MOAT_AEAD_AES_128_GCM, s->client_app, key, iv));
	REQUIRE_HEX(key, 16, RFC8448_S3_CLIENT_AP_KEY);
	REQUIRE_HEX(iv, 12, RFC8448_S3_CLIENT_AP_IV);

	EXPECT_OK(moat_hmac(MOAT_HASH_SHA256, client_fk, 32, hash, 32, mac));
	REQUIRE_HEX(mac, 32, RFC8448_S3_CLIENT_VERIFY_DATA);
	n = test_unhex(RFC8448_S3_CLIENT_FINISHED, msg, sizeof(msg));
	ATF_REQUIRE_EQ(n, FINISHED_MSG_LEN);
	ATF_REQUIRE(memcmp(msg + 4, mac, 32) == 0);

	/* Resumption stage: Transcript-Hash through the client Finished. */
	EXPECT_OK(moat_hash_update(&th, msg, n));
	EXPECT_OK(moat_hash_current(&th, hash));
	REQUIRE_HEX(hash, 32, RFC8448_S3_CLIENT_FINISHED_HASH);
	EXPECT_OK(moat_tls13_derive_resumption(s, hash));
	REQUIRE_HEX(s->resumption, 32, RFC8448_S3_RESUMPTION_MASTER);
	REQUIRE_WIPED(s->master);
	/* The application secrets stay: KeyUpdate and the exporter still need them. */
	REQUIRE_HEX(s->client_app, 32, RFC8448_S3_CLIENT_AP_TRAFFIC);
	REQUIRE_HEX(s->exporter, 32, RFC8448_S3_EXPORTER_MASTER);

	/* RFC 8446 §4.6.1: the PSK for the NewSessionTicket with ticket_nonce 00 00. */
	EXPECT_OK(moat_tls13_resumption_psk(MOAT_HASH_SHA256, s->resumption, (const uint8_t *)"\0\0", 2, mac));
	REQUIRE_HEX(mac, 32, RFC8448_S3_TICKET_PSK);

	moat_hash_free(&th);
	moat_secmem_free(s);
}

ATF_TC_WITHOUT_HEAD(rfc8448_resumed_0rtt);
ATF_TC_BODY(rfc8448_resumed_0rtt, tc)
{
	struct moat_secrets *s = new_secrets();
	uint8_t msg[1024], psk[32], hash[32], bk[32], ext_bk[32], out[32], out2[32], key[16], iv[MOAT_AEAD_NONCE_LEN];

	ATF_REQUIRE_EQ(test_unhex(RFC8448_S3_TICKET_PSK, psk, sizeof(psk)), 32);
	EXPECT_OK(moat_tls13_init(s, MOAT_HASH_SHA256, psk, sizeof(psk)));
	REQUIRE_HEX(s->early, 32, RFC8448_S4_EARLY_SECRET);

	/* Binder: Finished-style HMAC over the truncated ClientHello (RFC 8446 §4.2.11.2). */
	EXPECT_OK(moat_tls13_binder_key(s, false, bk));
	REQUIRE_HEX(bk, 32, RFC8448_S4_BINDER_KEY);
	EXPECT_OK(moat_tls13_binder_key(s, true, ext_bk));
	ATF_REQUIRE(memcmp(bk, ext_bk, 32) != 0);
	EXPECT_OK(moat_tls13_finished_key(MOAT_HASH_SHA256, bk, out));
	REQUIRE_HEX(out, 32, RFC8448_S4_BINDER_FINISHED_KEY);
	/* The binder hash covers the ClientHello up to its binders, the last 35 bytes. */
	size_t n = test_unhex(RFC8448_S4_CLIENT_HELLO, msg, sizeof(msg));
	EXPECT_OK(moat_hash_oneshot(MOAT_HASH_SHA256, msg, n - 35, hash));
	REQUIRE_HEX(hash, 32, RFC8448_S4_BINDER_HASH);
	EXPECT_OK(moat_tls13_finished_mac(MOAT_HASH_SHA256, bk, hash, out));
	REQUIRE_HEX(out, 32, RFC8448_S4_BINDER);
	ATF_REQUIRE(memcmp(msg + n - 32, out, 32) == 0);

	/* Early traffic secret and early exporter, over the whole ClientHello. */
	EXPECT_OK(moat_hash_oneshot(MOAT_HASH_SHA256, msg, n, hash));
	REQUIRE_HEX(hash, 32, RFC8448_S4_CLIENT_HELLO_HASH);
	EXPECT_OK(moat_tls13_derive_early(s, hash, out, out2));
	REQUIRE_HEX(out, 32, RFC8448_S4_CLIENT_EARLY_TRAFFIC);
	REQUIRE_HEX(out2, 32, RFC8448_S4_EARLY_EXPORTER_MASTER);
	memset(out2, 0, sizeof(out2));
	EXPECT_OK(moat_tls13_derive_early(s, hash, NULL, out2));
	REQUIRE_HEX(out2, 32, RFC8448_S4_EARLY_EXPORTER_MASTER);
	EXPECT_OK(moat_tls13_derive_early(s, hash, out2, NULL));
	REQUIRE_HEX(out2, 32, RFC8448_S4_CLIENT_EARLY_TRAFFIC);
	EXPECT_OK(moat_tls13_traffic_key_iv(MOAT_HASH_SHA256, MOAT_AEAD_AES_128_GCM, out, key, iv));
	REQUIRE_HEX(key, 16, RFC8448_S4_CLIENT_EARLY_KEY);
	REQUIRE_HEX(iv, 12, RFC8448_S4_CLIENT_EARLY_IV);

	moat_secmem_free(s);
}

ATF_TC_WITHOUT_HEAD(key_update);
ATF_TC_BODY(key_update, tc)
{
	uint8_t secret[MOAT_MAX_HASH_LEN] = { 0 };

	/*
	 * RFC 8446 §7.2 applied to RFC 8448 §3's client_application_traffic_secret_0, twice.
	 * Expected values from an independent Python HKDF-Expand-Label (RFC 8448 has no KeyUpdate).
	 */
	test_unhex(RFC8448_S3_CLIENT_AP_TRAFFIC, secret, sizeof(secret));
	EXPECT_OK(moat_tls13_next_traffic_secret(MOAT_HASH_SHA256, secret));
	REQUIRE_HEX(secret, 32, "fcdfcc72725aaee48bf64e4fd8b749cdbdbab39d90da0b26e2245ca6ea167207");
	ATF_REQUIRE(all_zero(secret + 32, sizeof(secret) - 32));
	EXPECT_OK(moat_tls13_next_traffic_secret(MOAT_HASH_SHA256, secret));
	REQUIRE_HEX(secret, 32, "68474fe58c172143d0a009a76edd231b0d934f3058588ea0852662279e54a573");

	EXPECT_ERR(moat_tls13_next_traffic_secret(MOAT_HASH_NONE, secret), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_tls13_next_traffic_secret(MOAT_HASH_SHA256, NULL), MOAT_ERR_NULL_ARG);
}

ATF_TC_WITHOUT_HEAD(exporter);
ATF_TC_BODY(exporter, tc)
{
	struct moat_secrets *s = new_secrets();
	uint8_t out[64], out2[64], secret[48];

	/*
	 * TLS_AES_128_GCM_SHA256 connection between `openssl s_server` and `openssl s_client
	 * -keymatexport EXPORTER-moat-test -keymatexportlen 32` (OpenSSL 3.0, no context value):
	 * EXPORTER_SECRET from -keylogfile, and the keying material it printed.
	 */
	s->hash = MOAT_HASH_SHA256;
	s->hash_len = 32;
	test_unhex("67efd7dc1a941e7e6ce8c8b215485a4bda397ebe7ab841ad76ba8e2d59c0ccef", s->exporter, sizeof(s->exporter));
	EXPECT_OK(moat_tls13_export(s, "EXPORTER-moat-test", NULL, 0, out, 32));
	REQUIRE_HEX(out, 32, "70d9f40b631f224e0dfa9b27f7bfc75a24fcd40a9a4178363eec3ac800f3685e");
	/* RFC 8446 §7.5: no context and an empty context are the same. */
	EXPECT_OK(moat_tls13_export(s, "EXPORTER-moat-test", (const uint8_t *)"", 0, out2, 32));
	ATF_REQUIRE(memcmp(out, out2, 32) == 0);
	/* A context value (expected value from the independent Python HKDF). */
	EXPECT_OK(moat_tls13_export(s, "EXPORTER-moat-test", (const uint8_t *)"context value", 13, out, 32));
	REQUIRE_HEX(out, 32, "fb818a7c60f3a16e3f837b75a73dcd041f8c71a1ec5828d24511f6220d60392f");
	/* Length is bound in: a shorter export is not a prefix of a longer one. */
	EXPECT_OK(moat_tls13_export(s, "EXPORTER-moat-test", NULL, 0, out2, 16));
	EXPECT_OK(moat_tls13_export(s, "EXPORTER-moat-test", NULL, 0, out, 32));
	ATF_REQUIRE(memcmp(out, out2, 16) != 0);

	/* TLS_AES_256_GCM_SHA384, label "EXPERIMENTAL moat", 40 bytes, same method. */
	ATF_REQUIRE_EQ(test_unhex("b9639752935924571fe291d32761166db2e1623fd2832208ff49e404aca8d4f5"
			     "84c1197d8e2e5d1bf96315972d775115",
			     secret, sizeof(secret)),
		       48);
	EXPECT_OK(moat_tls13_export_from(MOAT_HASH_SHA384, secret, "EXPERIMENTAL moat", NULL, 0, out, 40));
	REQUIRE_HEX(out, 40, "7396fcd646df4dbd4bc90002fe84df9ee36d25e43eac9c18ee320489919c4ad8e2d4e10a9263967b");

	EXPECT_ERR(moat_tls13_export(s, NULL, NULL, 0, out, 32), MOAT_ERR_NULL_ARG);
	EXPECT_ERR(moat_tls13_export(s, "x", NULL, 3, out, 32), MOAT_ERR_NULL_ARG);
	s->hash_len = 48;
	EXPECT_ERR(moat_tls13_export(s, "EXPORTER-moat-test", NULL, 0, out, 32), MOAT_ERR_INVALID_STATE);
	moat_secmem_free(s);
}

ATF_TC_WITHOUT_HEAD(sha384_schedule);
ATF_TC_BODY(sha384_schedule, tc)
{
	struct moat_secrets *s = new_secrets();
	uint8_t shared[48], hello[48], sfin[48], cfin[48], key[32], iv[MOAT_AEAD_NONCE_LEN], mac[48];

	/*
	 * TLS_AES_256_GCM_SHA384 with made-up inputs: shared secret bytes (7i + 3) mod 256 and
	 * transcript hashes SHA-384 of three fixed strings. Expected values from the independent
	 * Python key schedule; RFC 8448 has no SHA-384 handshake.
	 */
	for (size_t i = 0; i < sizeof(shared); i++)
		shared[i] = (uint8_t)(7 * i + 3);
	EXPECT_OK(moat_hash_oneshot(MOAT_HASH_SHA384, "ClientHello..ServerHello", 24, hello));
	EXPECT_OK(moat_hash_oneshot(MOAT_HASH_SHA384, "..server Finished", 17, sfin));
	EXPECT_OK(moat_hash_oneshot(MOAT_HASH_SHA384, "..client Finished", 17, cfin));

	EXPECT_OK(moat_tls13_init(s, MOAT_HASH_SHA384, NULL, 0));
	ATF_REQUIRE_EQ(s->hash_len, 48);
	REQUIRE_HEX(s->early, 48, "7ee8206f5570023e6dc7519eb1073bc4e791ad37b5c382aa10ba18e2357e7169"
				  "71f9362f2c2fe2a76bfd78dfec4ea9b5");
	EXPECT_OK(moat_tls13_derive_handshake(s, shared, sizeof(shared), hello));
	REQUIRE_HEX(s->handshake, 48, "2d90b7bba230213f4655c3c2c429e00273d906d5b076defe7f229163ae9584ed"
				      "2d2df1c6d7053bf1fa460a63522a63ff");
	REQUIRE_HEX(s->client_hs, 48, "d7256667783a526371055611a300e3f143118485ab1bc65fea244122430686c9"
				      "de0e2394df586aaee9d46bd4fe90ec65");
	REQUIRE_HEX(s->server_hs, 48, "de6a2e407cbdd841be5f2b25ed38c55b9afa352a262ecc74c7b3b0bf0387785b"
				      "3a8a0f5da2dd159d8256a206c4b82619");
	EXPECT_OK(moat_tls13_traffic_key_iv(MOAT_HASH_SHA384, MOAT_AEAD_AES_256_GCM, s->server_hs, key, iv));
	REQUIRE_HEX(key, 32, "74b8a2a9095e92fceb9f3e2be696e0667ebfa397ed344f6f3fec4d8105e19ae3");
	REQUIRE_HEX(iv, 12, "af4554fa87b2d7ca2b5b3d94");
	EXPECT_OK(moat_tls13_finished_mac(MOAT_HASH_SHA384, s->server_hs, sfin, mac));
	REQUIRE_HEX(mac, 48, "cbd57e059852787a846121ab7a50a29a935507b21754aae48d63e67dade3a5cb"
			     "c6681ca3bf6a9f8801f71675f143fcdc");

	EXPECT_OK(moat_tls13_derive_master(s, sfin));
	REQUIRE_HEX(s->master, 48, "0b57eb99732d959851b4b2b3da44ef17294cdaf3650d889234b82a86ea94973f"
				   "83b4512f2ac98b9bb5b1b129268ed3d9");
	REQUIRE_HEX(s->client_app, 48, "005f81e89420db95920225ead4c77ec9d3330e8a3320d3e8a9716156d2572202"
				       "f95d8665cc46fe3788dff774989c1454");
	REQUIRE_HEX(s->server_app, 48, "9f55066b9789bc7cee2ca4ffbbe5f1ef6b19aee10d445a9d4ae4031f370a8cca"
				       "5b4b6f47e344884ca7d2b824367399a6");
	REQUIRE_HEX(s->exporter, 48, "fb5908c59d78fecbaca20954b435b3aa573cd7987b7a5581d7e0be257a34ef7a"
				     "b8e507583ec41287315bb1591c8bc714");
	REQUIRE_WIPED(s->handshake);
	REQUIRE_WIPED(s->client_hs);
	REQUIRE_WIPED(s->server_hs);
	EXPECT_OK(moat_tls13_derive_resumption(s, cfin));
	REQUIRE_HEX(s->resumption, 48, "fad8b491fc161e16a4cd23921246e6d208c24c9a31020d399c3c2b5912906bbc"
				       "006c3ab61afe14aa06a011a292a1d166");
	REQUIRE_WIPED(s->master);
	moat_secmem_free(s);
}

ATF_TC_WITHOUT_HEAD(misuse);
ATF_TC_BODY(misuse, tc)
{
	struct moat_secrets *s = new_secrets();
	uint8_t buf[64] = { 0 }, key[32], iv[MOAT_AEAD_NONCE_LEN];
	char long_label[300];

	/* Only the TLS 1.3 suites' hashes. */
	EXPECT_ERR(moat_tls13_init(s, MOAT_HASH_NONE, NULL, 0), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_tls13_init(s, MOAT_HASH_SHA512, NULL, 0), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_tls13_init(s, MOAT_HASH_SHA1, NULL, 0), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_tls13_init(s, MOAT_HASH_SHA256, NULL, 32), MOAT_ERR_NULL_ARG);
	EXPECT_ERR(moat_tls13_init(NULL, MOAT_HASH_SHA256, NULL, 0), MOAT_ERR_NULL_ARG);

	/* A zeroed struct has not been through init. */
	EXPECT_ERR(moat_tls13_derive_handshake(s, buf, 32, buf), MOAT_ERR_INVALID_STATE);
	EXPECT_ERR(moat_tls13_derive_master(s, buf), MOAT_ERR_INVALID_STATE);
	EXPECT_ERR(moat_tls13_derive_resumption(s, buf), MOAT_ERR_INVALID_STATE);
	EXPECT_ERR(moat_tls13_binder_key(s, false, buf), MOAT_ERR_INVALID_STATE);
	EXPECT_ERR(moat_tls13_export(s, "x", NULL, 0, buf, 16), MOAT_ERR_INVALID_STATE);

	EXPECT_OK(moat_tls13_init(s, MOAT_HASH_SHA256, NULL, 0));
	EXPECT_ERR(moat_tls13_derive_handshake(s, NULL, 32, buf), MOAT_ERR_NULL_ARG);
	EXPECT_ERR(moat_tls13_derive_handshake(s, buf, 0, buf), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_tls13_derive_handshake(s, buf, 32, NULL), MOAT_ERR_NULL_ARG);
	EXPECT_ERR(moat_tls13_derive_master(s, NULL), MOAT_ERR_NULL_ARG);
	EXPECT_ERR(moat_tls13_derive_early(s, NULL, buf, buf), MOAT_ERR_NULL_ARG);

	/* init starts over: a second init wipes whatever the struct held. */
	EXPECT_OK(moat_tls13_derive_handshake(s, buf, 32, buf));
	EXPECT_OK(moat_tls13_init(s, MOAT_HASH_SHA384, NULL, 0));
	ATF_REQUIRE_EQ(s->hash_len, 48);
	REQUIRE_WIPED(s->handshake);
	REQUIRE_WIPED(s->client_hs);

	EXPECT_ERR(moat_tls13_traffic_key_iv(MOAT_HASH_SHA256, MOAT_AEAD_NONE, buf, key, iv), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_tls13_traffic_key_iv(MOAT_HASH_NONE, MOAT_AEAD_AES_128_GCM, buf, key, iv),
		   MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_tls13_finished_mac(MOAT_HASH_SHA512, buf, buf, buf), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_tls13_finished_mac(MOAT_HASH_SHA256, buf, NULL, buf), MOAT_ERR_NULL_ARG);
	EXPECT_ERR(moat_tls13_derive_secret(MOAT_HASH_SHA256, buf, "derived", NULL, buf), MOAT_ERR_NULL_ARG);
	EXPECT_ERR(moat_tls13_resumption_psk(MOAT_HASH_SHA256, buf, NULL, 2, buf), MOAT_ERR_NULL_ARG);
	/* A ticket nonce longer than nonce<0..255>. */
	static const uint8_t long_nonce[256];
	EXPECT_ERR(moat_tls13_resumption_psk(MOAT_HASH_SHA256, buf, long_nonce, 256, buf), MOAT_ERR_INVALID_ARG);
	/* An exporter label that does not fit label<7..255> after "tls13 ". */
	memset(long_label, 'a', sizeof(long_label));
	long_label[250] = '\0';
	EXPECT_ERR(moat_tls13_export(s, long_label, NULL, 0, buf, 16), MOAT_ERR_INVALID_ARG);
	moat_secmem_free(s);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, rfc8448_simple_1rtt);
	ATF_TP_ADD_TC(tp, rfc8448_resumed_0rtt);
	ATF_TP_ADD_TC(tp, key_update);
	ATF_TP_ADD_TC(tp, exporter);
	ATF_TP_ADD_TC(tp, sha384_schedule);
	ATF_TP_ADD_TC(tp, misuse);
	return atf_no_error();
}
