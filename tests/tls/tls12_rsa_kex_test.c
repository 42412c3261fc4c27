/*
 * The TLS 1.2 RSA key exchange below the handshake: the async pkey DECRYPT
 * operation (input the EncryptedPreMasterSecret, output exactly 48 bytes,
 * kept in locked memory, never performed in-process) and the RFC 5246
 * §7.4.7.1 version step (tls12_premaster.h). No handshake drives these yet,
 * so the connection here only has its handshake state allocated.
 */
#include <string.h>

#include "common/secmem.h"
#include "tests/moat_test.h"
#include "tests/tls/test_certs.h"
#include "tls/conn.h"
#include "tls/tls12_premaster.h"

static const uint8_t ciphertext[256] = { 0x42, 0x17, [255] = 0x99 };
static uint8_t answer[48];
static struct moat_async_pkey_op *pending;
static int calls;

static void fill_answer(void)
{
	for (size_t i = 0; i < sizeof(answer); i++)
		answer[i] = (uint8_t)(0xa0 + i);
}

/* What every DECRYPT operation must look like to the application. */
static void check_op(struct moat_async_pkey_op *op)
{
	moat_async_pkey_op_type type = MOAT_ASYNC_SIGN;
	uint16_t scheme;
	uint32_t n = 0;
	uint8_t in[300];
	EXPECT_OK(moat_async_pkey_op_get_op_type(op, &type));
	ATF_REQUIRE_EQ(type, MOAT_ASYNC_DECRYPT);
	EXPECT_ERR(moat_async_pkey_op_get_signature_scheme(op, &scheme), MOAT_ERR_INVALID_STATE);
	EXPECT_OK(moat_async_pkey_op_get_input_size(op, &n));
	ATF_REQUIRE_EQ(n, sizeof(ciphertext));
	EXPECT_OK(moat_async_pkey_op_get_input(op, in, sizeof(in)));
	ATF_REQUIRE(memcmp(in, ciphertext, sizeof(ciphertext)) == 0);
}

static int cb_sync(struct moat_connection *conn, struct moat_async_pkey_op *op)
{
	calls++;
	check_op(op);
	/* The output of a DECRYPT is 48 bytes, no more and no less. */
	EXPECT_ERR(moat_async_pkey_op_set_output(op, answer, 47), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_async_pkey_op_set_output(op, answer, 49), MOAT_ERR_INVALID_ARG);
	EXPECT_OK(moat_async_pkey_op_set_output(op, answer, 48));
	EXPECT_OK(moat_async_pkey_op_apply(op, conn));
	EXPECT_OK(moat_async_pkey_op_free(op));
	return 0;
}

static int cb_defer(struct moat_connection *conn, struct moat_async_pkey_op *op)
{
	(void)conn;
	calls++;
	pending = op;
	return 0;
}

static int cb_refuse(struct moat_connection *conn, struct moat_async_pkey_op *op)
{
	(void)conn;
	calls++;
	EXPECT_OK(moat_async_pkey_op_free(op));
	return -1;
}

struct fixture {
	struct moat_config *cfg;
	struct moat_connection *conn;
};

static void setup(struct fixture *f, moat_async_pkey_fn cb)
{
	fill_answer();
	calls = 0;
	pending = NULL;
	f->cfg = moat_config_new();
	ATF_REQUIRE(f->cfg != NULL);
	if (cb != NULL)
		EXPECT_OK(moat_config_set_async_pkey_callback(f->cfg, cb));
	f->conn = moat_connection_new(MOAT_SERVER);
	ATF_REQUIRE(f->conn != NULL);
	EXPECT_OK(moat_connection_set_config(f->conn, f->cfg));
	EXPECT_OK(moat_conn_alloc_handshake(f->conn));
}

static void teardown(struct fixture *f)
{
	EXPECT_OK(moat_connection_free(f->conn));
	EXPECT_OK(moat_config_free(f->cfg));
}

ATF_TC_WITHOUT_HEAD(decrypt_sync);
ATF_TC_BODY(decrypt_sync, tc)
{
	struct fixture f;
	setup(&f, cb_sync);
	EXPECT_OK(moat_async_pkey_decrypt(f.conn, ciphertext, sizeof(ciphertext)));
	ATF_REQUIRE_EQ(calls, 1);
	ATF_REQUIRE(f.conn->hs->premaster_ready);
	ATF_REQUIRE(memcmp(f.conn->hs->premaster, answer, 48) == 0);
	/* The premaster sits in locked memory of its own. */
	ATF_REQUIRE(moat_secmem_size(f.conn->hs->premaster) >= 48);
	/* Asked again (the handshake re-entering): the applied premaster, no second operation. */
	EXPECT_OK(moat_async_pkey_decrypt(f.conn, ciphertext, sizeof(ciphertext)));
	ATF_REQUIRE_EQ(calls, 1);
	teardown(&f);
}

ATF_TC_WITHOUT_HEAD(decrypt_deferred);
ATF_TC_BODY(decrypt_deferred, tc)
{
	struct fixture f;
	setup(&f, cb_defer);
	EXPECT_ERR(moat_async_pkey_decrypt(f.conn, ciphertext, sizeof(ciphertext)), MOAT_ERR_ASYNC_BLOCKED);
	ATF_REQUIRE(pending != NULL);
	ATF_REQUIRE(!f.conn->hs->premaster_ready);
	/* Still waiting: blocked again, no new operation. */
	EXPECT_ERR(moat_async_pkey_decrypt(f.conn, ciphertext, sizeof(ciphertext)), MOAT_ERR_ASYNC_BLOCKED);
	ATF_REQUIRE_EQ(calls, 1);
	check_op(pending);
	/* No in-process decryption, even with a key loaded: only the key daemon does implicit rejection. */
	struct test_pki pki;
	test_pki_make(&pki, TEST_KEY_RSA2048);
	struct moat_cert_chain_and_key *ck = moat_cert_chain_and_key_new();
	ATF_REQUIRE(ck != NULL);
	EXPECT_OK(moat_cert_chain_and_key_load_pem_bytes(ck, (const uint8_t *)pki.chain_pem,
							 (uint32_t)strlen(pki.chain_pem), (const uint8_t *)pki.key_pem,
							 (uint32_t)strlen(pki.key_pem)));
	EXPECT_ERR(moat_async_pkey_op_perform(pending, ck), MOAT_ERR_NOT_SUPPORTED);
	EXPECT_OK(moat_cert_chain_and_key_free(ck));
	test_pki_free(&pki);
	/* Applying without an output is refused; then the answer arrives. */
	EXPECT_ERR(moat_async_pkey_op_apply(pending, f.conn), MOAT_ERR_INVALID_STATE);
	EXPECT_OK(moat_async_pkey_op_set_output(pending, answer, 48));
	EXPECT_OK(moat_async_pkey_op_apply(pending, f.conn));
	EXPECT_ERR(moat_async_pkey_op_apply(pending, f.conn), MOAT_ERR_INVALID_STATE);
	EXPECT_OK(moat_async_pkey_op_free(pending));
	EXPECT_OK(moat_async_pkey_decrypt(f.conn, ciphertext, sizeof(ciphertext)));
	ATF_REQUIRE(memcmp(f.conn->hs->premaster, answer, 48) == 0);
	teardown(&f);
}

/* The connection goes away first: the operation outlives it and is freed later, as for SIGN. */
ATF_TC_WITHOUT_HEAD(decrypt_connection_freed_first);
ATF_TC_BODY(decrypt_connection_freed_first, tc)
{
	struct fixture f;
	setup(&f, cb_defer);
	EXPECT_ERR(moat_async_pkey_decrypt(f.conn, ciphertext, sizeof(ciphertext)), MOAT_ERR_ASYNC_BLOCKED);
	struct moat_async_pkey_op *op = pending;
	EXPECT_OK(moat_async_pkey_op_set_output(op, answer, 48));
	teardown(&f);
	EXPECT_OK(moat_async_pkey_op_free(op));
}

ATF_TC_WITHOUT_HEAD(decrypt_failed_and_refused);
ATF_TC_BODY(decrypt_failed_and_refused, tc)
{
	struct fixture f;
	setup(&f, cb_defer);
	EXPECT_ERR(moat_async_pkey_decrypt(f.conn, ciphertext, sizeof(ciphertext)), MOAT_ERR_ASYNC_BLOCKED);
	EXPECT_OK(moat_async_pkey_op_fail(pending, f.conn));
	EXPECT_OK(moat_async_pkey_op_free(pending));
	EXPECT_ERR(moat_async_pkey_decrypt(f.conn, ciphertext, sizeof(ciphertext)), MOAT_ERR_PKEY_OP_FAILED);
	ATF_REQUIRE(!f.conn->hs->premaster_ready);
	/* A failed DECRYPT does not mark a signature failed, or the reverse. */
	ATF_REQUIRE(!f.conn->hs->signature_failed);
	teardown(&f);

	setup(&f, cb_refuse);
	EXPECT_ERR(moat_async_pkey_decrypt(f.conn, ciphertext, sizeof(ciphertext)), MOAT_ERR_CALLBACK_FAILED);
	teardown(&f);

	/* Without a callback there is nobody to decrypt: no in-process path. */
	setup(&f, NULL);
	EXPECT_ERR(moat_async_pkey_decrypt(f.conn, ciphertext, sizeof(ciphertext)), MOAT_ERR_NOT_SUPPORTED);
	EXPECT_ERR(moat_async_pkey_decrypt(f.conn, ciphertext, 0), MOAT_ERR_INVALID_ARG);
	teardown(&f);
}

/* RFC 5246 §7.4.7.1: pre_master_secret = ClientHello.client_version || M[2..47]. */
ATF_TC_WITHOUT_HEAD(premaster_version_step);
ATF_TC_BODY(premaster_version_step, tc)
{
	uint8_t client_pm[48], out[48];
	for (size_t i = 0; i < 48; i++)
		client_pm[i] = (uint8_t)(3 * i + 5);
	client_pm[0] = 0x03;
	client_pm[1] = 0x03;

	/* The client sent its ClientHello.client_version: the premaster is what it encrypted. */
	moat_tls12_premaster_finish(client_pm, 0x0303, out);
	ATF_REQUIRE(memcmp(out, client_pm, 48) == 0);

	/* It put another version there (rollback, or the negotiated version): ours differs, Finished fails. */
	uint8_t rolled[48];
	memcpy(rolled, client_pm, 48);
	rolled[1] = 0x01;
	moat_tls12_premaster_finish(rolled, 0x0303, out);
	ATF_REQUIRE(memcmp(out, rolled, 48) != 0);
	ATF_REQUIRE_EQ(out[0], 0x03);
	ATF_REQUIRE_EQ(out[1], 0x03);
	ATF_REQUIRE(memcmp(out + 2, rolled + 2, 46) == 0);

	/* A synthetic answer (bad padding at the decrypter) gets the version bytes too: same shape, same work. */
	uint8_t synthetic[48];
	memset(synthetic, 0xee, sizeof(synthetic));
	moat_tls12_premaster_finish(synthetic, 0x0302, out);
	ATF_REQUIRE_EQ(out[0], 0x03);
	ATF_REQUIRE_EQ(out[1], 0x02);
	for (size_t i = 2; i < 48; i++)
		ATF_REQUIRE_EQ(out[i], 0xee);

	/* In place. */
	moat_tls12_premaster_finish(rolled, 0x0301, rolled);
	ATF_REQUIRE_EQ(rolled[0], 0x03);
	ATF_REQUIRE_EQ(rolled[1], 0x01);
	ATF_REQUIRE(memcmp(rolled + 2, client_pm + 2, 46) == 0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, decrypt_sync);
	ATF_TP_ADD_TC(tp, decrypt_deferred);
	ATF_TP_ADD_TC(tp, decrypt_connection_freed_first);
	ATF_TP_ADD_TC(tp, decrypt_failed_and_refused);
	ATF_TP_ADD_TC(tp, premaster_version_step);
	return atf_no_error();
}
