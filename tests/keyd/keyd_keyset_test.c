/*
 * The keyset changed while keyd serves (keyd/keys.h, ops.h, workers.h):
 * a key loaded from PKCS#8 DER as from PEM, lookups by id and by name, and
 * removal while operations with the key are in flight: an operation that
 * holds the key finishes with a valid signature, one asked for after the
 * removal gets UNKNOWN_KEY, and the key is freed after the last operation
 * (the sanitizer build catches a use after free or a leak).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/cursor.h"
#include "ipc/ipc.h"
#include "keyd/keys.h"
#include "keyd/ops.h"
#include "keyd/workers.h"
#include "tests/keyd/keyd_test_keys.h"
#include "tests/moat_test.h"
#include "tls/crypto/iana.h"
#include "tls/crypto/sig.h"

/* The key's private half as PKCS#8 DER, through the PEM the tests make. */
static size_t der_of(test_key_kind kind, uint8_t *out, size_t cap)
{
	char *pem = test_key_pem(kind);
	struct moat_pkey pkey;
	size_t len = 0;
	EXPECT_OK(moat_pkey_from_private_pem(&pkey, pem, strlen(pem)));
	EXPECT_OK(moat_pkey_private_der(&pkey, out, cap, &len));
	moat_pkey_free(&pkey);
	free(pem);
	return len;
}

ATF_TC_WITHOUT_HEAD(key_from_der);
ATF_TC_BODY(key_from_der, tc)
{
	static uint8_t der[MOAT_IPC_KEY_DER_MAX];
	char why[160];
	struct keyd_key k;
	const test_key_kind served[] = { TK_RSA2048, TK_RSA_PSS, TK_P256, TK_P384, TK_P521 };
	for (size_t i = 0; i < sizeof(served) / sizeof(served[0]); i++) {
		size_t len = der_of(served[i], der, sizeof(der));
		EXPECT_OK(keyd_key_from_der(&k, der, len, "k", why, sizeof(why)));
		uint8_t id[32];
		test_key_id(&k, id);
		ATF_REQUIRE(memcmp(id, k.id, 32) == 0);
		ATF_REQUIRE(k.scheme_count >= 1);
		/* The same defaults as a key loaded from PEM. */
		ATF_REQUIRE(k.policy.server && !k.policy.client && k.policy.tls12 && !k.policy.rsa_key_exchange);
		ATF_REQUIRE_EQ(k.rsa_kex != NULL, served[i] == TK_RSA2048);
		keyd_key_free(&k);
		/* A trailing byte, and every truncation that drops the end, are not a PrivateKeyInfo. */
		der[len] = 0;
		EXPECT_ERR(keyd_key_from_der(&k, der, len + 1, "k", why, sizeof(why)), MOAT_ERR_INVALID_PEM);
		ATF_REQUIRE_STREQ(why, "not a DER PKCS#8 private key");
		EXPECT_ERR(keyd_key_from_der(&k, der, len - 1, "k", why, sizeof(why)), MOAT_ERR_INVALID_PEM);
	}
	/* The types and sizes keyd does not serve get the startup sentences. */
	size_t len = der_of(TK_ED25519, der, sizeof(der));
	EXPECT_ERR(keyd_key_from_der(&k, der, len, "k", why, sizeof(why)), MOAT_ERR_NOT_SUPPORTED);
	ATF_REQUIRE_STREQ(why, "Ed25519 keys are not served (moat-ipc(7) has no EdDSA scheme)");
	len = der_of(TK_RSA1024, der, sizeof(der));
	EXPECT_ERR(keyd_key_from_der(&k, der, len, "k", why, sizeof(why)), MOAT_ERR_NOT_SUPPORTED);
	ATF_REQUIRE_STREQ(why, "RSA key of 1024 bits; keyd serves 2048 to 4096 bits");
	/* PEM text is not DER. */
	char *pem = test_key_pem(TK_P256);
	EXPECT_ERR(keyd_key_from_der(&k, (const uint8_t *)pem, strlen(pem), "k", why, sizeof(why)), MOAT_ERR_INVALID_PEM);
	free(pem);
	/* The encoder refuses a buffer too small. */
	struct moat_pkey pkey;
	pem = test_key_pem(TK_RSA2048);
	EXPECT_OK(moat_pkey_from_private_pem(&pkey, pem, strlen(pem)));
	EXPECT_ERR(moat_pkey_private_der(&pkey, der, 100, &len), MOAT_ERR_BUF_FULL);
	moat_pkey_free(&pkey);
	free(pem);
}

ATF_TC_WITHOUT_HEAD(keyset_index_and_remove);
ATF_TC_BODY(keyset_index_and_remove, tc)
{
	struct keyd_keyset ks;
	memset(&ks, 0, sizeof(ks));
	const test_key_kind kinds[] = { TK_P256, TK_P256, TK_P384 };
	const char *names[] = { "a", "b", "b" };
	for (size_t i = 0; i < 3; i++) {
		struct keyd_key k;
		test_key_load(&k, kinds[i], names[i]);
		EXPECT_OK(keyd_keys_add(&ks, &k));
	}
	uint8_t id1[32];
	memcpy(id1, ks.keys[1]->id, 32);
	ATF_REQUIRE_EQ(keyd_keys_index(&ks, id1, NULL), 1);
	ATF_REQUIRE_EQ(keyd_keys_index(&ks, NULL, "a"), 0);
	ATF_REQUIRE_EQ(keyd_keys_index(&ks, NULL, "b"), -2);
	ATF_REQUIRE_EQ(keyd_keys_index(&ks, NULL, "c"), -1);
	keyd_keys_remove(&ks, 1);
	ATF_REQUIRE_EQ(ks.count, 2);
	ATF_REQUIRE(keyd_keys_find(&ks, id1) == NULL);
	ATF_REQUIRE_EQ(keyd_keys_index(&ks, NULL, "b"), 1);
	/* The order of the others is kept: LIST_KEYS shows keys as they were added. */
	ATF_REQUIRE_STREQ(ks.keys[0]->name, "a");
	ATF_REQUIRE_EQ(ks.keys[1]->ipc_type, MOAT_IPC_KEY_EC_P384);
	keyd_keys_remove(&ks, 5); /* out of range: nothing */
	ATF_REQUIRE_EQ(ks.count, 2);
	keyd_keys_free(&ks);
}

/* A SIGN body for key id: a TLS 1.3 server CertificateVerify content (RFC 8446 §4.4.3), ECDSA P-256. */
static size_t sign_body(const uint8_t id[32], uint8_t *out, size_t cap)
{
	uint8_t cv[130];
	memset(cv, 0x20, 64);
	memcpy(cv + 64, "TLS 1.3, server CertificateVerify", 33);
	cv[97] = 0;
	for (size_t i = 0; i < 32; i++)
		cv[98 + i] = (uint8_t)i;
	uint8_t pkt[MOAT_IPC_MAX_MESSAGE];
	struct moat_buf b;
	moat_buf_init_fixed(&b, pkt, sizeof(pkt));
	EXPECT_OK(moat_ipc_sign_encode(&b, 1, id, MOAT_SIG_ECDSA_SECP256R1_SHA256, MOAT_IPC_SIGN_TLS13_CV, cv, sizeof(cv)));
	size_t len = b.len - MOAT_IPC_HEADER_LEN;
	ATF_REQUIRE(len <= cap);
	memcpy(out, pkt + MOAT_IPC_HEADER_LEN, len);
	return len;
}

/* The signature in a SIGN reply verifies with the public half. */
static void verify_reply(const struct keyd_job *job, const struct moat_pkey *pub)
{
	ATF_REQUIRE_EQ(job->status, MOAT_IPC_OK);
	struct moat_cursor body, sig;
	struct moat_ipc_header h;
	EXPECT_OK(moat_ipc_header_decode(job->reply, job->reply_len, &h, &body));
	EXPECT_OK(moat_ipc_sign_reply_decode(body, &sig, NULL));
	uint8_t cv[130];
	memset(cv, 0x20, 64);
	memcpy(cv + 64, "TLS 1.3, server CertificateVerify", 33);
	cv[97] = 0;
	for (size_t i = 0; i < 32; i++)
		cv[98 + i] = (uint8_t)i;
	EXPECT_OK(moat_sig_verify(pub, MOAT_SIG_ECDSA_SECP256R1_SHA256, cv, sizeof(cv), moat_cursor_data(&sig),
				  moat_cursor_remaining(&sig)));
}

ATF_TC_WITHOUT_HEAD(remove_while_in_flight);
ATF_TC_BODY(remove_while_in_flight, tc)
{
	struct keyd_keyset ks;
	memset(&ks, 0, sizeof(ks));
	struct keyd_key k;
	test_key_load(&k, TK_P256, "old");
	EXPECT_OK(keyd_keys_add(&ks, &k));
	uint8_t id[32];
	memcpy(id, ks.keys[0]->id, 32);
	struct moat_pkey pub;
	EXPECT_OK(moat_pkey_copy_public(&pub, &ks.keys[0]->pkey));
	uint8_t body_mem[MOAT_IPC_MAX_MESSAGE];
	struct moat_cursor body;
	moat_cursor_init(&body, body_mem, sign_body(id, body_mem, sizeof(body_mem)));

	/* In the calling thread: prepared before the removal, performed after it. */
	struct keyd_job *held = calloc(1, sizeof(*held));
	ATF_REQUIRE(held != NULL);
	moat_ipc_status st;
	EXPECT_OK(keyd_op_prepare(&ks, MOAT_IPC_SIGN, body, &held->op, &st));

	/* With the threads: many jobs for the key, the key removed while they run. */
	struct keyd_workers *w = NULL;
	EXPECT_OK(keyd_workers_start(&w, 2));
	int owner = 0;
	const uint32_t n = 32;
	for (uint32_t i = 0; i < n; i++) {
		struct keyd_job *job = calloc(1, sizeof(*job));
		ATF_REQUIRE(job != NULL);
		EXPECT_OK(keyd_op_prepare(&ks, MOAT_IPC_SIGN, body, &job->op, &st));
		job->owner = &owner;
		job->request_id = i;
		keyd_workers_submit(w, job);
	}
	keyd_keys_remove(&ks, 0);
	ATF_REQUIRE_EQ(ks.count, 0);

	/* A request read now: no such key. */
	struct keyd_op late;
	EXPECT_ERR(keyd_op_prepare(&ks, MOAT_IPC_SIGN, body, &late, &st), MOAT_ERR_IPC_BAD_MESSAGE);
	ATF_REQUIRE_EQ(st, MOAT_IPC_UNKNOWN_KEY);
	keyd_op_wipe(&late);

	/* Those in flight finish with good signatures. */
	keyd_job_run(held);
	verify_reply(held, &pub);
	keyd_jobs_free(held);
	uint32_t done = 0;
	for (int waited = 0; done < n && waited < 10000; waited++) {
		struct keyd_job *list = keyd_workers_take_done(w);
		if (list == NULL) {
			usleep(1000);
			continue;
		}
		for (struct keyd_job *j = list; j != NULL; j = j->next) {
			verify_reply(j, &pub);
			done++;
		}
		/* The last of these frees the key. */
		keyd_jobs_free(list);
	}
	ATF_REQUIRE_EQ(done, n);
	keyd_jobs_free(keyd_workers_stop(w));
	moat_pkey_free(&pub);
	keyd_keys_free(&ks);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, key_from_der);
	ATF_TP_ADD_TC(tp, keyset_index_and_remove);
	ATF_TP_ADD_TC(tp, remove_while_in_flight);
	return atf_no_error();
}
