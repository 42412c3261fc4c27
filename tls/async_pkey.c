/*
 * Async private-key operations, in the guide's model: the connection creates
 * an operation and hands it to the application's callback; the application
 * either performs it with a key it holds (perform) or has it done elsewhere
 * and passes the result back (set_output); apply gives the result to the
 * connection, whose next negotiate continues.
 *
 * The operation and the connection may be freed in either order, from
 * different threads (the guide allows touching conn and op concurrently), so
 * the link between them is guarded by one lock. Without a callback the
 * connection signs with its own loaded key, synchronously.
 *
 * Two kinds of operation: SIGN (input the content to sign, output the
 * signature) and DECRYPT, the TLS 1.2 RSA key exchange (input the
 * EncryptedPreMasterSecret, output the 48-byte premaster, RFC 5246
 * §7.4.7.1). A DECRYPT output is a secret: operations live in locked memory
 * (moat_secmem) and are wiped when freed, and the applied premaster goes to
 * a locked block of its own in the handshake state. A decryption is only
 * ever done elsewhere (moat-keyd, which answers a bad padding with a
 * deterministic synthetic premaster so nothing distinguishes it): there is
 * no in-process RSA decryption, because doing it safely needs the same
 * implicit rejection, and a library caller with the key in-process should
 * not be offered a padding oracle. Without a callback, or through
 * moat_async_pkey_op_perform, a DECRYPT fails with MOAT_ERR_NOT_SUPPORTED.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/secmem.h"
#include "tls/conn.h"

static pthread_mutex_t link_lock = PTHREAD_MUTEX_INITIALIZER;

static struct moat_cert_chain_and_key *signing_cert(struct moat_connection *conn)
{
	return conn->selected_cert;
}

static int sign_locally(struct moat_connection *conn, uint16_t scheme, const uint8_t *content, size_t len)
{
	struct moat_handshake *hs = conn->hs;
	struct moat_cert_chain_and_key *ck = signing_cert(conn);
	/* A chain loaded without its key can only sign through the callback. */
	ENSURE(ck != NULL && ck->private_key.type != MOAT_KEY_NONE, MOAT_ERR_CONFIG);
	size_t sig_len = sizeof(hs->signature);
	TRY(moat_sig_sign(&ck->private_key, scheme, content, len, hs->signature, &sig_len));
	hs->signature_len = sig_len;
	hs->signature_ready = true;
	return MOAT_SUCCESS;
}

static void op_free_memory(struct moat_async_pkey_op *op)
{
	moat_buf_free(&op->input);
	moat_secmem_free(op);
}

/* A new operation on input, linked to conn, handed to the application's callback. */
static int start_op(struct moat_connection *conn, moat_async_pkey_op_type type, uint16_t scheme,
		    const uint8_t *input, size_t len)
{
	struct moat_handshake *hs = conn->hs;
	struct moat_async_pkey_op *op;
	TRY(moat_secmem_alloc(sizeof(*op), (void **)&op));
	op->type = type;
	op->scheme = scheme;
	op->conn = conn;
	op->strict = conn->config->async_pkey_validation == MOAT_ASYNC_PKEY_VALIDATION_STRICT;
	moat_buf_init(&op->input, len);
	if (moat_buf_put_bytes(&op->input, input, len) < 0) {
		op_free_memory(op);
		return MOAT_FAILURE;
	}
	struct moat_cert_chain_and_key *ck = signing_cert(conn);
	op->verify_key = ck ? &ck->chain.leaf_key : NULL;
	hs->op = op;
	if (conn->config->async_pkey_cb(conn, op) < 0) {
		moat_async_pkey_detach(conn);
		BAIL(MOAT_ERR_CALLBACK_FAILED);
	}
	return MOAT_SUCCESS;
}

int moat_async_pkey_sign(struct moat_connection *conn, uint16_t scheme, const uint8_t *content, size_t len)
{
	struct moat_handshake *hs = conn->hs;
	if (hs->signature_ready)
		return MOAT_SUCCESS;
	ENSURE(!hs->signature_failed, MOAT_ERR_PKEY_OP_FAILED);
	/* Called again while the application still works on it. */
	ENSURE(hs->op == NULL, MOAT_ERR_ASYNC_BLOCKED);
	if (conn->config->async_pkey_cb == NULL)
		return sign_locally(conn, scheme, content, len);
	TRY(start_op(conn, MOAT_ASYNC_SIGN, scheme, content, len));
	/* Synchronous use: perform/set_output and apply inside the callback. */
	if (hs->signature_ready)
		return MOAT_SUCCESS;
	BAIL(MOAT_ERR_ASYNC_BLOCKED);
}

int moat_async_pkey_decrypt(struct moat_connection *conn, const uint8_t *ciphertext, size_t len)
{
	ENSURE_REF(conn);
	ENSURE(conn->hs != NULL, MOAT_ERR_INVALID_STATE);
	struct moat_handshake *hs = conn->hs;
	if (hs->premaster_ready)
		return MOAT_SUCCESS;
	ENSURE(!hs->premaster_failed, MOAT_ERR_PKEY_OP_FAILED);
	ENSURE(hs->op == NULL, MOAT_ERR_ASYNC_BLOCKED);
	ENSURE(ciphertext != NULL && len > 0, MOAT_ERR_INVALID_ARG);
	/* No in-process decryption (see the top of this file). */
	ENSURE(conn->config != NULL && conn->config->async_pkey_cb != NULL, MOAT_ERR_NOT_SUPPORTED);
	/*
	 * The ciphertext's length is not compared with the modulus here: a
	 * wrong length is a bad block like any other (RFC 5246 §7.4.7.1), and
	 * the decrypter answers it with its synthetic premaster.
	 */
	TRY(start_op(conn, MOAT_ASYNC_DECRYPT, 0, ciphertext, len));
	if (hs->premaster_ready)
		return MOAT_SUCCESS;
	BAIL(MOAT_ERR_ASYNC_BLOCKED);
}

void moat_async_pkey_release_premaster(struct moat_handshake *hs)
{
	if (hs == NULL)
		return;
	moat_secmem_free(hs->premaster);
	hs->premaster = NULL;
	hs->premaster_ready = false;
}

void moat_async_pkey_detach(struct moat_connection *conn)
{
	pthread_mutex_lock(&link_lock);
	if (conn->hs != NULL && conn->hs->op != NULL) {
		conn->hs->op->conn = NULL;
		conn->hs->op = NULL;
	}
	pthread_mutex_unlock(&link_lock);
}

int moat_async_pkey_op_get_op_type(struct moat_async_pkey_op *op, moat_async_pkey_op_type *type)
{
	ENSURE_REF(op);
	ENSURE_REF(type);
	*type = op->type;
	return MOAT_SUCCESS;
}

int moat_async_pkey_op_get_signature_scheme(struct moat_async_pkey_op *op, uint16_t *scheme)
{
	ENSURE_REF(op);
	ENSURE_REF(scheme);
	ENSURE(op->type == MOAT_ASYNC_SIGN, MOAT_ERR_INVALID_STATE);
	*scheme = op->scheme;
	return MOAT_SUCCESS;
}

int moat_async_pkey_op_get_input_size(struct moat_async_pkey_op *op, uint32_t *data_len)
{
	ENSURE_REF(op);
	ENSURE_REF(data_len);
	*data_len = (uint32_t)op->input.len;
	return MOAT_SUCCESS;
}

int moat_async_pkey_op_get_input(struct moat_async_pkey_op *op, uint8_t *data, uint32_t data_len)
{
	ENSURE_REF(op);
	ENSURE_REF(data);
	ENSURE(data_len >= op->input.len, MOAT_ERR_INVALID_ARG);
	memcpy(data, op->input.data, op->input.len);
	return MOAT_SUCCESS;
}

int moat_async_pkey_op_set_output(struct moat_async_pkey_op *op, const uint8_t *data, uint32_t data_len)
{
	ENSURE_REF(op);
	ENSURE_REF(data);
	ENSURE(data_len > 0 && data_len <= sizeof(op->output), MOAT_ERR_INVALID_ARG);
	/* A premaster is exactly 48 bytes, whatever the ciphertext held (RFC 5246 §7.4.7.1). */
	ENSURE(op->type != MOAT_ASYNC_DECRYPT || data_len == MOAT_TLS12_PREMASTER_LEN, MOAT_ERR_INVALID_ARG);
	memcpy(op->output, data, data_len);
	op->output_len = data_len;
	op->has_output = true;
	return MOAT_SUCCESS;
}

int moat_async_pkey_op_perform(struct moat_async_pkey_op *op, struct moat_cert_chain_and_key *ck)
{
	ENSURE_REF(op);
	ENSURE_REF(ck);
	ENSURE(ck->private_key.type != MOAT_KEY_NONE, MOAT_ERR_INVALID_STATE);
	/* No in-process RSA decryption (see the top of this file). */
	ENSURE(op->type == MOAT_ASYNC_SIGN, MOAT_ERR_NOT_SUPPORTED);
	size_t len = sizeof(op->output);
	TRY(moat_sig_sign(&ck->private_key, op->scheme, op->input.data, op->input.len, op->output, &len));
	op->output_len = len;
	op->has_output = true;
	return MOAT_SUCCESS;
}

int moat_async_pkey_op_apply(struct moat_async_pkey_op *op, struct moat_connection *conn)
{
	ENSURE_REF(op);
	ENSURE_REF(conn);
	ENSURE(op->has_output && !op->applied, MOAT_ERR_INVALID_STATE);
	ENSURE(op->conn == conn && conn->hs != NULL && conn->hs->op == op, MOAT_ERR_INVALID_STATE);
	struct moat_handshake *hs = conn->hs;
	if (op->type == MOAT_ASYNC_DECRYPT) {
		/* Nothing to validate: any 48 bytes are a premaster, a wrong one fails at Finished. */
		ENSURE(op->output_len == MOAT_TLS12_PREMASTER_LEN, MOAT_ERR_INVALID_STATE);
		if (hs->premaster == NULL)
			TRY(moat_secmem_alloc(MOAT_TLS12_PREMASTER_LEN, (void **)&hs->premaster));
		memcpy(hs->premaster, op->output, MOAT_TLS12_PREMASTER_LEN);
		moat_wipe(op->output, sizeof(op->output));
		hs->premaster_ready = true;
		op->applied = true;
		moat_async_pkey_detach(conn);
		return MOAT_SUCCESS;
	}
	if (op->verify_key != NULL) {
		/* Fast mode still refuses what could never be a signature by this key. */
		ENSURE(op->output_len <= moat_pkey_max_sig_len(op->verify_key), MOAT_ERR_INVALID_ARG);
		if (op->strict)
			TRY(moat_sig_verify(op->verify_key, op->scheme, op->input.data, op->input.len, op->output,
					    op->output_len));
	}
	memcpy(hs->signature, op->output, op->output_len);
	hs->signature_len = op->output_len;
	hs->signature_ready = true;
	op->applied = true;
	moat_async_pkey_detach(conn);
	return MOAT_SUCCESS;
}

int moat_async_pkey_op_fail(struct moat_async_pkey_op *op, struct moat_connection *conn)
{
	ENSURE_REF(op);
	ENSURE_REF(conn);
	ENSURE(!op->applied, MOAT_ERR_INVALID_STATE);
	ENSURE(op->conn == conn && conn->hs != NULL && conn->hs->op == op, MOAT_ERR_INVALID_STATE);
	if (op->type == MOAT_ASYNC_DECRYPT)
		conn->hs->premaster_failed = true;
	else
		conn->hs->signature_failed = true;
	op->applied = true;
	moat_async_pkey_detach(conn);
	return MOAT_SUCCESS;
}

int moat_async_pkey_op_free(struct moat_async_pkey_op *op)
{
	if (op == NULL)
		return MOAT_SUCCESS;
	pthread_mutex_lock(&link_lock);
	if (op->conn != NULL && op->conn->hs != NULL && op->conn->hs->op == op)
		op->conn->hs->op = NULL;
	op->conn = NULL;
	pthread_mutex_unlock(&link_lock);
	op_free_memory(op);
	return MOAT_SUCCESS;
}
