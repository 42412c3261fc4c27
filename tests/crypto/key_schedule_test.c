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
#include "tls/crypto_hash.h"
#include "tls/tls13_key_schedule.h"
#include "tests/moat_test.h"
#include "tests/test_hex.h"



static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}
#define REQUIRE_WIPED(arr) ATF_REQUIRE_MSG(all_zero((arr), sizeof(arr)), "%s was not wiped", #arr)

static struct moat_tls13_secrets *new_secrets(void)
{
	void *p = NULL;
	EXPECT_OK(moat_secmem_alloc(sizeof(struct moat_tls13_secrets), &p));
	return p;
}

#define FINISHED_MSG_LEN (4 + 32)

/* ---- RFC 8448 §3, Simple 1-RTT Handshake ---- */

/* {client} construct a ClientHello handshake message */
static const char ch[] =
	"01 00 00 c0 03 03 cb 34 ec b1 e7 81 63 ba 1c 38 "
	"c6 da cb 19 6a 6d ff a2 1a 8d 99 12 ec 18 a2 ef "
	"62 83 02 4d ec e7 00 00 06 13 01 13 03 13 02 01 "
	"00 00 91 00 00 00 0b 00 09 00 00 06 73 65 72 76 "
	"65 72 ff 01 00 01 00 00 0a 00 14 00 12 00 1d 00 "
	"17 00 18 00 19 01 00 01 01 01 02 01 03 01 04 00 "
	"23 00 00 00 33 00 26 00 24 00 1d 00 20 99 38 1d "
	"e5 60 e4 bd 43 d2 3d 8e 43 5a 7d ba fe b3 c0 6e "
	"51 c1 3c ae 4d 54 13 69 1e 52 9a af 2c 00 2b 00 "
	"03 02 03 04 00 0d 00 20 00 1e 04 03 05 03 06 03 "
	"02 03 08 04 08 05 08 06 04 01 05 01 06 01 02 01 "
	"04 02 05 02 06 02 02 02 00 2d 00 02 01 01 00 1c "
	"00 02 40 01";
/* {server} construct a ServerHello handshake message */
static const char sh[] =
	"02 00 00 56 03 03 a6 af 06 a4 12 18 60 dc 5e 6e "
	"60 24 9c d3 4c 95 93 0c 8a c5 cb 14 34 da c1 55 "
	"77 2e d3 e2 69 28 00 13 01 00 00 2e 00 33 00 24 "
	"00 1d 00 20 c9 82 88 76 11 20 95 fe 66 76 2b db "
	"f7 c6 72 e1 56 d6 cc 25 3b 83 3d f1 dd 69 b1 b0 "
	"4e 75 1f 0f 00 2b 00 02 03 04";
/* {server} send handshake record: payload (EncryptedExtensions, Certificate,
 * CertificateVerify, Finished; the Finished is the last 36 bytes) */
static const char server_flight[] =
	"08 00 00 24 00 22 00 0a 00 14 00 12 00 1d 00 17 "
	"00 18 00 19 01 00 01 01 01 02 01 03 01 04 00 1c "
	"00 02 40 01 00 00 00 00 0b 00 01 b9 00 00 01 b5 "
	"00 01 b0 30 82 01 ac 30 82 01 15 a0 03 02 01 02 "
	"02 01 02 30 0d 06 09 2a 86 48 86 f7 0d 01 01 0b "
	"05 00 30 0e 31 0c 30 0a 06 03 55 04 03 13 03 72 "
	"73 61 30 1e 17 0d 31 36 30 37 33 30 30 31 32 33 "
	"35 39 5a 17 0d 32 36 30 37 33 30 30 31 32 33 35 "
	"39 5a 30 0e 31 0c 30 0a 06 03 55 04 03 13 03 72 "
	"73 61 30 81 9f 30 0d 06 09 2a 86 48 86 f7 0d 01 "
	"01 01 05 00 03 81 8d 00 30 81 89 02 81 81 00 b4 "
	"bb 49 8f 82 79 30 3d 98 08 36 39 9b 36 c6 98 8c "
	"0c 68 de 55 e1 bd b8 26 d3 90 1a 24 61 ea fd 2d "
	"e4 9a 91 d0 15 ab bc 9a 95 13 7a ce 6c 1a f1 9e "
	"aa 6a f9 8c 7c ed 43 12 09 98 e1 87 a8 0e e0 cc "
	"b0 52 4b 1b 01 8c 3e 0b 63 26 4d 44 9a 6d 38 e2 "
	"2a 5f da 43 08 46 74 80 30 53 0e f0 46 1c 8c a9 "
	"d9 ef bf ae 8e a6 d1 d0 3e 2b d1 93 ef f0 ab 9a "
	"80 02 c4 74 28 a6 d3 5a 8d 88 d7 9f 7f 1e 3f 02 "
	"03 01 00 01 a3 1a 30 18 30 09 06 03 55 1d 13 04 "
	"02 30 00 30 0b 06 03 55 1d 0f 04 04 03 02 05 a0 "
	"30 0d 06 09 2a 86 48 86 f7 0d 01 01 0b 05 00 03 "
	"81 81 00 85 aa d2 a0 e5 b9 27 6b 90 8c 65 f7 3a "
	"72 67 17 06 18 a5 4c 5f 8a 7b 33 7d 2d f7 a5 94 "
	"36 54 17 f2 ea e8 f8 a5 8c 8f 81 72 f9 31 9c f3 "
	"6b 7f d6 c5 5b 80 f2 1a 03 01 51 56 72 60 96 fd "
	"33 5e 5e 67 f2 db f1 02 70 2e 60 8c ca e6 be c1 "
	"fc 63 a4 2a 99 be 5c 3e b7 10 7c 3c 54 e9 b9 eb "
	"2b d5 20 3b 1c 3b 84 e0 a8 b2 f7 59 40 9b a3 ea "
	"c9 d9 1d 40 2d cc 0c c8 f8 96 12 29 ac 91 87 b4 "
	"2b 4d e1 00 00 0f 00 00 84 08 04 00 80 5a 74 7c "
	"5d 88 fa 9b d2 e5 5a b0 85 a6 10 15 b7 21 1f 82 "
	"4c d4 84 14 5a b3 ff 52 f1 fd a8 47 7b 0b 7a bc "
	"90 db 78 e2 d3 3a 5c 14 1a 07 86 53 fa 6b ef 78 "
	"0c 5e a2 48 ee aa a7 85 c4 f3 94 ca b6 d3 0b be "
	"8d 48 59 ee 51 1f 60 29 57 b1 54 11 ac 02 76 71 "
	"45 9e 46 44 5c 9e a5 8c 18 1e 81 8e 95 b8 c3 fb "
	"0b f3 27 84 09 d3 be 15 2a 3d a5 04 3e 06 3d da "
	"65 cd f5 ae a2 0d 53 df ac d4 2f 74 f3 14 00 00 "
	"20 9b 9b 14 1d 90 63 37 fb d2 cb dc e7 1d f4 de "
	"da 4a b4 2c 30 95 72 cb 7f ff ee 54 54 b7 8f 07 "
	"18";
/* {client} construct a Finished handshake message */
static const char client_finished_msg[] =
	"14 00 00 20 a8 ec 43 6d 67 76 34 ae 52 5a c1 fc "
	"eb e1 1a 03 9e c1 76 94 fa c6 e9 85 27 b6 42 f2 "
	"ed d5 ce 61";
/* {server} extract secret "handshake": IKM, the x25519 shared secret */
static const char ecdhe[] =
	"8b d4 05 4f b5 5b 9d 63 fd fb ac f9 f0 4b 9f 0d "
	"35 e6 d6 3f 53 75 63 ef d4 62 72 90 0f 89 49 2d";
/* derive secret "tls13 c hs traffic": hash = Transcript-Hash(ClientHello, ServerHello) */
static const char hello_hash[] =
	"86 0c 06 ed c0 78 58 ee 8e 78 f0 e7 42 8c 58 ed "
	"d6 b4 3f 2c a3 e6 e9 5f 02 ed 06 3c f0 e1 ca d8";
/* derive secret "tls13 c ap traffic": hash through the server Finished */
static const char server_finished_hash[] =
	"96 08 10 2a 0f 1c cc 6d b6 25 0b 7b 7e 41 7b 1a "
	"00 0e aa da 3d aa e4 77 7a 76 86 c9 ff 83 df 13";
/* derive secret "tls13 res master": hash through the client Finished */
static const char client_finished_hash[] =
	"20 91 45 a9 6e e8 e2 a1 22 ff 81 00 47 cc 95 26 "
	"84 65 8d 60 49 e8 64 29 42 6d b8 7c 54 ad 14 3d";
/* {server} extract secret "early" */
static const char early_secret[] =
	"33 ad 0a 1c 60 7e c0 3b 09 e6 cd 98 93 68 0c e2 "
	"10 ad f3 00 aa 1f 26 60 e1 b2 2e 10 f1 70 f9 2a";
/* extract secret "handshake" */
static const char handshake_secret[] =
	"1d c8 26 e9 36 06 aa 6f dc 0a ad c1 2f 74 1b 01 "
	"04 6a a6 b9 9f 69 1e d2 21 a9 f0 ca 04 3f be ac";
/* derive secret "tls13 c hs traffic" */
static const char client_hs[] =
	"b3 ed db 12 6e 06 7f 35 a7 80 b3 ab f4 5e 2d 8f "
	"3b 1a 95 07 38 f5 2e 96 00 74 6a 0e 27 a5 5a 21";
/* derive secret "tls13 s hs traffic" */
static const char server_hs[] =
	"b6 7b 7d 69 0c c1 6c 4e 75 e5 42 13 cb 2d 37 b4 "
	"e9 c9 12 bc de d9 10 5d 42 be fd 59 d3 91 ad 38";
/* extract secret "master" */
static const char master_secret[] =
	"18 df 06 84 3d 13 a0 8b f2 a4 49 84 4c 5f 8a 47 "
	"80 01 bc 4d 4c 62 79 84 d5 a4 1d a8 d0 40 29 19";
/* derive secret "tls13 c ap traffic" */
static const char client_app[] =
	"9e 40 64 6c e7 9a 7f 9d c0 5a f8 88 9b ce 65 52 "
	"87 5a fa 0b 06 df 00 87 f7 92 eb b7 c1 75 04 a5";
/* derive secret "tls13 s ap traffic" */
static const char server_app[] =
	"a1 1a f9 f0 55 31 f8 56 ad 47 11 6b 45 a9 50 32 "
	"82 04 b4 f4 4b fb 6b 3a 4b 4f 1f 3f cb 63 16 43";
/* derive secret "tls13 exp master" */
static const char exporter_master[] =
	"fe 22 f8 81 17 6e da 18 eb 8f 44 52 9e 67 92 c5 "
	"0c 9a 3f 89 45 2f 68 d8 ae 31 1b 43 09 d3 cf 50";
/* derive secret "tls13 res master" */
static const char resumption_master[] =
	"7d f2 35 f2 03 1d 2a 05 12 87 d0 2b 02 41 b0 bf "
	"da f8 6c c8 56 23 1f 2d 5a ba 46 c4 34 ec 19 6c";
/* {server} calculate finished "tls13 finished": finished key (expanded), verify_data (finished) */
static const char server_finished_key[] =
	"00 8d 3b 66 f8 16 ea 55 9f 96 b5 37 e8 85 c3 1f "
	"c0 68 bf 49 2c 65 2f 01 f2 88 a1 d8 cd c1 9f c8";
static const char server_verify_data[] =
	"9b 9b 14 1d 90 63 37 fb d2 cb dc e7 1d f4 de da "
	"4a b4 2c 30 95 72 cb 7f ff ee 54 54 b7 8f 07 18";
/* {client} calculate finished "tls13 finished": finished key, verify_data */
static const char client_finished_key[] =
	"b8 0a d0 10 15 fb 2f 0b d6 5f f7 d4 da 5d 6b f8 "
	"3f 84 82 1d 1f 87 fd c7 d3 c7 5b 5a 7b 42 d9 c4";
static const char client_verify_data[] =
	"a8 ec 43 6d 67 76 34 ae 52 5a c1 fc eb e1 1a 03 "
	"9e c1 76 94 fa c6 e9 85 27 b6 42 f2 ed d5 ce 61";
/* {server} derive write traffic keys for handshake data */
static const char server_hs_key[] =
	"3f ce 51 60 09 c2 17 27 d0 f2 e4 e8 6e e4 03 bc";
static const char server_hs_iv[] =
	"5d 31 3e b2 67 12 76 ee 13 00 0b 30";
/* {server} derive read traffic keys for handshake data (the client's handshake write key) */
static const char client_hs_key[] =
	"db fa a6 93 d1 76 2c 5b 66 6a f5 d9 50 25 8d 01";
static const char client_hs_iv[] =
	"5b d3 c7 1b 83 6e 0b 76 bb 73 26 5f";
/* {server} derive write traffic keys for application data */
static const char server_app_key[] =
	"9f 02 28 3b 6c 9c 07 ef c2 6b b9 f2 ac 92 e3 56";
static const char server_app_iv[] =
	"cf 78 2b 88 dd 83 54 9a ad f1 e9 84";
/* {client} derive write traffic keys for application data */
static const char client_app_key[] =
	"17 42 2d da 59 6e d5 d9 ac d8 90 e3 c6 3f 50 51";
static const char client_app_iv[] =
	"5b 78 92 3d ee 08 57 90 33 e5 23 d9";
/* {server} generate resumption secret "tls13 resumption" (ticket_nonce 00 00) */
static const char ticket_psk[] =
	"4e cd 0e b6 ec 3b 4d 87 f5 d6 02 8f 92 2c a4 c5 "
	"85 1a 27 7f d4 13 11 c9 e6 2d 2c 94 92 e1 c4 f3";

/* ---- RFC 8448 §4, Resumed 0-RTT Handshake ---- */

/* {client} send handshake record: payload, the ClientHello with its binders
 * (the last 35 bytes: binders<33..2^16-1> holding one 32-byte binder) */
static const char ch_0rtt[] =
	"01 00 01 fc 03 03 1b c3 ce b6 bb e3 9c ff 93 83 "
	"55 b5 a5 0a db 6d b2 1b 7a 6a f6 49 d7 b4 bc 41 "
	"9d 78 76 48 7d 95 00 00 06 13 01 13 03 13 02 01 "
	"00 01 cd 00 00 00 0b 00 09 00 00 06 73 65 72 76 "
	"65 72 ff 01 00 01 00 00 0a 00 14 00 12 00 1d 00 "
	"17 00 18 00 19 01 00 01 01 01 02 01 03 01 04 00 "
	"33 00 26 00 24 00 1d 00 20 e4 ff b6 8a c0 5f 8d "
	"96 c9 9d a2 66 98 34 6c 6b e1 64 82 ba dd da fe "
	"05 1a 66 b4 f1 8d 66 8f 0b 00 2a 00 00 00 2b 00 "
	"03 02 03 04 00 0d 00 20 00 1e 04 03 05 03 06 03 "
	"02 03 08 04 08 05 08 06 04 01 05 01 06 01 02 01 "
	"04 02 05 02 06 02 02 02 00 2d 00 02 01 01 00 1c "
	"00 02 40 01 00 15 00 57 00 00 00 00 00 00 00 00 "
	"00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
	"00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
	"00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
	"00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
	"00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
	"29 00 dd 00 b8 00 b2 2c 03 5d 82 93 59 ee 5f f7 "
	"af 4e c9 00 00 00 00 26 2a 64 94 dc 48 6d 2c 8a "
	"34 cb 33 fa 90 bf 1b 00 70 ad 3c 49 88 83 c9 36 "
	"7c 09 a2 be 78 5a bc 55 cd 22 60 97 a3 a9 82 11 "
	"72 83 f8 2a 03 a1 43 ef d3 ff 5d d3 6d 64 e8 61 "
	"be 7f d6 1d 28 27 db 27 9c ce 14 50 77 d4 54 a3 "
	"66 4d 4e 6d a4 d2 9e e0 37 25 a6 a4 da fc d0 fc "
	"67 d2 ae a7 05 29 51 3e 3d a2 67 7f a5 90 6c 5b "
	"3f 7d 8f 92 f2 28 bd a4 0d da 72 14 70 f9 fb f2 "
	"97 b5 ae a6 17 64 6f ac 5c 03 27 2e 97 07 27 c6 "
	"21 a7 91 41 ef 5f 7d e6 50 5e 5b fb c3 88 e9 33 "
	"43 69 40 93 93 4a e4 d3 57 fa d6 aa cb 00 21 20 "
	"3a dd 4f b2 d8 fd f8 22 a0 ca 3c f7 67 8e f5 e8 "
	"8d ae 99 01 41 c5 92 4d 57 bb 6f a3 1b 9e 5f 9d";
/* {client} extract secret "early" (IKM is ticket_psk above) */
static const char early_secret_psk[] =
	"9b 21 88 e9 b2 fc 6d 64 d7 1d c3 29 90 0e 20 bb "
	"41 91 50 00 f6 78 aa 83 9c bb 79 7c b7 d8 33 2c";
/* {client} calculate PSK binder: binder hash, PRK (the binder key), finished key (expanded), binder (finished) */
static const char binder_hash[] =
	"63 22 4b 2e 45 73 f2 d3 45 4c a8 4b 9d 00 9a 04 "
	"f6 be 9e 05 71 1a 83 96 47 3a ef a0 1e 92 4a 14";
static const char binder_key[] =
	"69 fe 13 1a 3b ba d5 d6 3c 64 ee bc c3 0e 39 5b "
	"9d 81 07 72 6a 13 d0 74 e3 89 db c8 a4 e4 72 56";
static const char binder_finished_key[] =
	"55 88 67 3e 72 cb 59 c8 7d 22 0c af fe 94 f2 de "
	"a9 a3 b1 60 9f 7d 50 e9 0a 48 22 7d b9 ed 7e aa";
static const char binder[] =
	"3a dd 4f b2 d8 fd f8 22 a0 ca 3c f7 67 8e f5 e8 "
	"8d ae 99 01 41 c5 92 4d 57 bb 6f a3 1b 9e 5f 9d";
/* derive secret "tls13 c e traffic": hash of the whole ClientHello */
static const char ch_hash_0rtt[] =
	"08 ad 0f a0 5d 7c 72 33 b1 77 5b a2 ff 9f 4c 5b "
	"8b 59 27 6b 7f 22 7f 13 a9 76 24 5f 5d 96 09 13";
/* derive secret "tls13 c e traffic" */
static const char client_early[] =
	"3f bb e6 a6 0d eb 66 c3 0a 32 79 5a ba 0e ff 7e "
	"aa 10 10 55 86 e7 be 5c 09 67 8d 63 b6 ca ab 62";
/* derive secret "tls13 e exp master" */
static const char early_exporter[] =
	"b2 02 68 66 61 09 37 d7 42 3e 5b e9 08 62 cc f2 "
	"4c 0e 60 91 18 6d 34 f8 12 08 9f f5 be 2e f7 df";
/* {client} derive write traffic keys for early application data */
static const char client_early_key[] =
	"92 02 05 a5 b7 bf 21 15 e6 fc 5c 29 42 83 4f 54";
static const char client_early_iv[] =
	"6d 47 5f 09 93 c8 e5 64 61 0d b2 b9";

ATF_TC_WITHOUT_HEAD(rfc8448_simple_1rtt);
ATF_TC_BODY(rfc8448_simple_1rtt, tc)
{
	struct moat_tls13_secrets *s = new_secrets();
	struct moat_hash th = { 0 };
	uint8_t msg[1024], shared[32], hash[32], key[16], iv[MOAT_AEAD_NONCE_LEN], mac[32], client_fk[32];
	size_t n;

	EXPECT_OK(moat_tls13_init(s, MOAT_HASH_SHA256, NULL, 0));
	ATF_REQUIRE_EQ(s->hash, MOAT_HASH_SHA256);
	ATF_REQUIRE_EQ(s->hash_len, 32);
	REQUIRE_HEX(s->early, 32, early_secret);

	/* Transcript-Hash(ClientHello, ServerHello), from the messages themselves. */
	EXPECT_OK(moat_hash_init(&th, MOAT_HASH_SHA256));
	n = test_unhex(ch, msg, sizeof(msg));
	EXPECT_OK(moat_hash_update(&th, msg, n));
	n = test_unhex(sh, msg, sizeof(msg));
	EXPECT_OK(moat_hash_update(&th, msg, n));
	EXPECT_OK(moat_hash_current(&th, hash));
	REQUIRE_HEX(hash, 32, hello_hash);

	/* Handshake stage. */
	n = test_unhex(ecdhe, shared, sizeof(shared));
	EXPECT_OK(moat_tls13_derive_handshake(s, shared, n, hash));
	REQUIRE_HEX(s->handshake, 32, handshake_secret);
	REQUIRE_HEX(s->client_hs, 32, client_hs);
	REQUIRE_HEX(s->server_hs, 32, server_hs);
	REQUIRE_WIPED(s->early);

	EXPECT_OK(moat_tls13_traffic_key_iv(MOAT_HASH_SHA256, MOAT_AEAD_AES_128_GCM, s->server_hs, key, iv));
	REQUIRE_HEX(key, 16, server_hs_key);
	REQUIRE_HEX(iv, 12, server_hs_iv);
	EXPECT_OK(moat_tls13_traffic_key_iv(MOAT_HASH_SHA256, MOAT_AEAD_AES_128_GCM, s->client_hs, key, iv));
	REQUIRE_HEX(key, 16, client_hs_key);
	REQUIRE_HEX(iv, 12, client_hs_iv);

	/* Server Finished: HMAC over Transcript-Hash(ClientHello..CertificateVerify) (RFC 8446 §4.4.4). */
	n = test_unhex(server_flight, msg, sizeof(msg));
	EXPECT_OK(moat_hash_update(&th, msg, n - FINISHED_MSG_LEN));
	EXPECT_OK(moat_hash_current(&th, hash));
	EXPECT_OK(moat_tls13_finished_key(MOAT_HASH_SHA256, s->server_hs, mac));
	REQUIRE_HEX(mac, 32, server_finished_key);
	EXPECT_OK(moat_tls13_finished_mac(MOAT_HASH_SHA256, s->server_hs, hash, mac));
	REQUIRE_HEX(mac, 32, server_verify_data);
	/* ...which is what the server's Finished message in the flight carries. */
	ATF_REQUIRE(memcmp(msg + n - FINISHED_MSG_LEN, "\x14\x00\x00\x20", 4) == 0);
	ATF_REQUIRE(memcmp(msg + n - 32, mac, 32) == 0);

	EXPECT_OK(moat_hash_update(&th, msg + n - FINISHED_MSG_LEN, FINISHED_MSG_LEN));
	EXPECT_OK(moat_hash_current(&th, hash));
	REQUIRE_HEX(hash, 32, server_finished_hash);

	/*
	 * Client Finished over ClientHello..server Finished, with client_hs as base key. It is
	 * taken before derive_master, which wipes client_hs; a peer that verifies it later keeps
	 * the Finished key instead (checked again below).
	 */
	EXPECT_OK(moat_tls13_finished_key(MOAT_HASH_SHA256, s->client_hs, client_fk));
	REQUIRE_HEX(client_fk, 32, client_finished_key);
	EXPECT_OK(moat_tls13_finished_mac(MOAT_HASH_SHA256, s->client_hs, hash, mac));
	REQUIRE_HEX(mac, 32, client_verify_data);

	/* Master stage. */
	EXPECT_OK(moat_tls13_derive_master(s, hash));
	REQUIRE_HEX(s->master, 32, master_secret);
	REQUIRE_HEX(s->client_app, 32, client_app);
	REQUIRE_HEX(s->server_app, 32, server_app);
	REQUIRE_HEX(s->exporter, 32, exporter_master);
	REQUIRE_WIPED(s->early);
	REQUIRE_WIPED(s->handshake);
	REQUIRE_WIPED(s->client_hs);
	REQUIRE_WIPED(s->server_hs);

	EXPECT_OK(moat_tls13_traffic_key_iv(MOAT_HASH_SHA256, MOAT_AEAD_AES_128_GCM, s->server_app, key, iv));
	REQUIRE_HEX(key, 16, server_app_key);
	REQUIRE_HEX(iv, 12, server_app_iv);
	EXPECT_OK(moat_tls13_traffic_key_iv(MOAT_HASH_SHA256, MOAT_AEAD_AES_128_GCM, s->client_app, key, iv));
	REQUIRE_HEX(key, 16, client_app_key);
	REQUIRE_HEX(iv, 12, client_app_iv);

	EXPECT_OK(moat_hmac(MOAT_HASH_SHA256, client_fk, 32, hash, 32, mac));
	REQUIRE_HEX(mac, 32, client_verify_data);
	n = test_unhex(client_finished_msg, msg, sizeof(msg));
	ATF_REQUIRE_EQ(n, FINISHED_MSG_LEN);
	ATF_REQUIRE(memcmp(msg + 4, mac, 32) == 0);

	/* Resumption stage: Transcript-Hash through the client Finished. */
	EXPECT_OK(moat_hash_update(&th, msg, n));
	EXPECT_OK(moat_hash_current(&th, hash));
	REQUIRE_HEX(hash, 32, client_finished_hash);
	EXPECT_OK(moat_tls13_derive_resumption(s, hash));
	REQUIRE_HEX(s->resumption, 32, resumption_master);
	REQUIRE_WIPED(s->master);
	/* The application secrets stay: KeyUpdate and the exporter still need them. */
	REQUIRE_HEX(s->client_app, 32, client_app);
	REQUIRE_HEX(s->exporter, 32, exporter_master);

	/* RFC 8446 §4.6.1: the PSK for the NewSessionTicket with ticket_nonce 00 00. */
	EXPECT_OK(moat_tls13_resumption_psk(MOAT_HASH_SHA256, s->resumption, (const uint8_t *)"\0\0", 2, mac));
	REQUIRE_HEX(mac, 32, ticket_psk);

	moat_hash_free(&th);
	moat_secmem_free(s);
}

ATF_TC_WITHOUT_HEAD(rfc8448_resumed_0rtt);
ATF_TC_BODY(rfc8448_resumed_0rtt, tc)
{
	struct moat_tls13_secrets *s = new_secrets();
	uint8_t msg[1024], psk[32], hash[32], bk[32], ext_bk[32], out[32], out2[32], key[16], iv[MOAT_AEAD_NONCE_LEN];

	ATF_REQUIRE_EQ(test_unhex(ticket_psk, psk, sizeof(psk)), 32);
	EXPECT_OK(moat_tls13_init(s, MOAT_HASH_SHA256, psk, sizeof(psk)));
	REQUIRE_HEX(s->early, 32, early_secret_psk);

	/* Binder: Finished-style HMAC over the truncated ClientHello (RFC 8446 §4.2.11.2). */
	EXPECT_OK(moat_tls13_binder_key(s, false, bk));
	REQUIRE_HEX(bk, 32, binder_key);
	EXPECT_OK(moat_tls13_binder_key(s, true, ext_bk));
	ATF_REQUIRE(memcmp(bk, ext_bk, 32) != 0);
	EXPECT_OK(moat_tls13_finished_key(MOAT_HASH_SHA256, bk, out));
	REQUIRE_HEX(out, 32, binder_finished_key);
	size_t n = test_unhex(ch_0rtt, msg, sizeof(msg));
	EXPECT_OK(moat_hash_oneshot(MOAT_HASH_SHA256, msg, n - 35, hash));
	REQUIRE_HEX(hash, 32, binder_hash);
	EXPECT_OK(moat_tls13_finished_mac(MOAT_HASH_SHA256, bk, hash, out));
	REQUIRE_HEX(out, 32, binder);
	ATF_REQUIRE(memcmp(msg + n - 32, out, 32) == 0);

	/* Early traffic secret and early exporter, over the whole ClientHello. */
	EXPECT_OK(moat_hash_oneshot(MOAT_HASH_SHA256, msg, n, hash));
	REQUIRE_HEX(hash, 32, ch_hash_0rtt);
	EXPECT_OK(moat_tls13_derive_early(s, hash, out, out2));
	REQUIRE_HEX(out, 32, client_early);
	REQUIRE_HEX(out2, 32, early_exporter);
	memset(out2, 0, sizeof(out2));
	EXPECT_OK(moat_tls13_derive_early(s, hash, NULL, out2));
	REQUIRE_HEX(out2, 32, early_exporter);
	EXPECT_OK(moat_tls13_derive_early(s, hash, out2, NULL));
	REQUIRE_HEX(out2, 32, client_early);
	EXPECT_OK(moat_tls13_traffic_key_iv(MOAT_HASH_SHA256, MOAT_AEAD_AES_128_GCM, out, key, iv));
	REQUIRE_HEX(key, 16, client_early_key);
	REQUIRE_HEX(iv, 12, client_early_iv);

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
	test_unhex(client_app, secret, sizeof(secret));
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
	struct moat_tls13_secrets *s = new_secrets();
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
	struct moat_tls13_secrets *s = new_secrets();
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
	struct moat_tls13_secrets *s = new_secrets();
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
