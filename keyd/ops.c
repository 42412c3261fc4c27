/*
 * SIGN and RSA_DECRYPT (see ops.h).
 */
#include "keyd/ops.h"

#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/secmem.h"
#include "keyd/crypto_rsa_decrypt.h"
#include "keyd/names.h"
#include "tls/crypto/iana.h"
#include "tls/crypto/signed_content.h"

/* Refuse the request with status s (the ipc decoders' convention: IPC_BAD_MESSAGE plus a status). */
static int refuse(moat_ipc_status *st, moat_ipc_status s, const char *where)
{
	if (st != NULL)
		*st = s;
	moat_error_raise(MOAT_ERR_IPC_BAD_MESSAGE, where);
	return MOAT_FAILURE;
}

static int copy_input(struct keyd_op *op, struct moat_cursor *c)
{
	size_t n = moat_cursor_remaining(c);
	ENSURE(n <= sizeof(op->input), MOAT_ERR_INVALID_ARG);
	TRY(moat_cursor_get_bytes(c, op->input, n));
	op->input_len = n;
	return MOAT_SUCCESS;
}

/*
 * What the key's configuration allows (keyd_config.h, keyd_key_policy).
 * The context string tells a TLS 1.3 server signature from a client one
 * (RFC 8446 §4.4.3); a client signature made by keyd would let a
 * compromised frontd authenticate as this certificate to a mutual-TLS
 * service. A TLS 1.2 ServerKeyExchange is a server signature by its shape;
 * signed with a TLS 1.0/1.1 scheme (MD5+SHA-1, SHA-1) it needs its own
 * switch, "tls10": a key allowed for TLS 1.2 does not sign with the weaker
 * hashes unless the operator asked for it. The TLS 1.2 SHA-1 schemes (the
 * defaults of a client without signature_algorithms, RFC 5246 §7.4.1.4.1)
 * are those weaker hashes in a TLS 1.2 handshake: they need both switches. A TLS 1.2 (or 1.0/1.1) client
 * CertificateVerify is a digest keyd cannot check (signed_content.h): it
 * needs the client role and the version's switch, tls12 or tls10.
 */
static const char *policy_refusal(const struct keyd_key *k, const struct moat_ipc_sign *req)
{
	if (req->kind == MOAT_IPC_SIGN_TLS12_CLIENT_CV) {
		const struct moat_sig_scheme_info *s = moat_sig_scheme_find(req->scheme);
		bool legacy = s != NULL && s->legacy;
		if (!k->policy.client)
			return "TLS 1.2 client CertificateVerify refused: the key's role is server";
		if (legacy && !k->policy.tls10)
			return "TLS 1.0/1.1 client CertificateVerify refused: the key has no \"tls10 yes\"";
		if (!legacy && !k->policy.tls12)
			return "TLS 1.2 client CertificateVerify refused: the key has no \"tls12 yes\"";
		return NULL;
	}
	if (MOAT_IPC_SIGN_KIND_IS_SKE(req->kind)) {
		const struct moat_sig_scheme_info *s = moat_sig_scheme_find(req->scheme);
		if (s != NULL && s->legacy)
			return k->policy.tls10 ? NULL
					       : "TLS 1.0/1.1 ServerKeyExchange refused: the key has no \"tls10 yes\"";
		if (!k->policy.tls12)
			return "TLS 1.2 ServerKeyExchange refused: the key has no \"tls12 yes\"";
		if (moat_sig_scheme_is_sha1(req->scheme) && !k->policy.tls10)
			return "TLS 1.2 ServerKeyExchange over SHA-1 refused: the key has no \"tls10 yes\"";
		return NULL;
	}
	bool server = true;
	if (moat_cv_content_check(moat_cursor_data(&req->input), moat_cursor_remaining(&req->input), &server, NULL) !=
	    MOAT_SUCCESS)
		return "CertificateVerify content of no known context"; /* the decoder checked it: cannot happen */
	if (server && !k->policy.server)
		return "TLS 1.3 server CertificateVerify refused: the key's role is client";
	if (!server && !k->policy.client)
		return "TLS 1.3 client CertificateVerify refused: the key's role is server";
	return NULL;
}

static int prepare_sign(const struct keyd_keyset *ks, struct moat_cursor body, struct keyd_op *op,
			moat_ipc_status *st)
{
	struct moat_ipc_sign req;
	TRY(moat_ipc_sign_decode(body, &req, st));
	struct keyd_key *k = keyd_keys_find(ks, req.key_id);
	if (k == NULL)
		return refuse(st, MOAT_IPC_UNKNOWN_KEY, MOAT_HERE);
	if (!keyd_key_scheme_ok(k, req.kind, req.scheme))
		return refuse(st, MOAT_IPC_BAD_SCHEME, MOAT_HERE);
	keyd_key_ref(k);
	op->key = k;
	op->refusal = policy_refusal(k, &req);
	if (op->refusal != NULL)
		return refuse(st, MOAT_IPC_KEY_POLICY, MOAT_HERE);
	op->scheme = req.scheme;
	op->kind = req.kind;
	return copy_input(op, &req.input);
}

static int prepare_decrypt(const struct keyd_keyset *ks, struct moat_cursor body, struct keyd_op *op,
			   moat_ipc_status *st)
{
	struct moat_ipc_rsa_decrypt req;
	TRY(moat_ipc_rsa_decrypt_decode(body, &req, st));
	struct keyd_key *k = keyd_keys_find(ks, req.key_id);
	if (k == NULL)
		return refuse(st, MOAT_IPC_UNKNOWN_KEY, MOAT_HERE);
	/* moat-ipc(7): only rsaEncryption keys decrypt; an RSA-PSS key is for signatures alone (RFC 4055 §1.2). */
	if (k->ipc_type != MOAT_IPC_KEY_RSA)
		return refuse(st, MOAT_IPC_NOT_PERMITTED, MOAT_HERE);
	keyd_key_ref(k);
	op->key = k;
	if (!k->policy.rsa_key_exchange) {
		op->refusal = "RSA_DECRYPT refused: the key has no \"rsa-key-exchange yes\"";
		return refuse(st, MOAT_IPC_KEY_POLICY, MOAT_HERE);
	}
	return copy_input(op, &req.ciphertext);
}

int keyd_op_prepare(const struct keyd_keyset *ks, uint8_t opcode, struct moat_cursor body, struct keyd_op *op,
		    moat_ipc_status *st)
{
	ENSURE_REF(ks);
	ENSURE_REF(op);
	memset(op, 0, sizeof(*op));
	op->opcode = opcode;
	switch (opcode) {
	case MOAT_IPC_SIGN:
		TRY(prepare_sign(ks, body, op, st));
		break;
	case MOAT_IPC_RSA_DECRYPT:
		TRY(prepare_decrypt(ks, body, op, st));
		break;
	default:
		return refuse(st, MOAT_IPC_BAD_OPCODE, MOAT_HERE);
	}
	if (st != NULL)
		*st = MOAT_IPC_OK;
	return MOAT_SUCCESS;
}

static int perform_sign(const struct keyd_op *op, uint32_t request_id, struct moat_buf *out)
{
	uint8_t sig[MOAT_IPC_SIGNATURE_MAX];
	size_t sig_len = sizeof(sig);
	/* Kind 4 is a digest already (RFC 5246 §7.4.8's handshake_messages, hashed by the requester). */
	int rc = op->kind == MOAT_IPC_SIGN_TLS12_CLIENT_CV
			 ? moat_sig_sign_digest(&op->key->pkey, op->scheme, op->input, op->input_len, sig, &sig_len)
		 : op->key->signer != NULL
			 ? moat_signer_sign(op->key->signer, op->scheme, op->input, op->input_len, sig, &sig_len)
			 : moat_sig_sign(&op->key->pkey, op->scheme, op->input, op->input_len, sig, &sig_len);
	if (rc != MOAT_SUCCESS) {
		char what[MOAT_IPC_KEY_NAME_MAX + 64];
		snprintf(what, sizeof(what), "signing with key %s (%s)", op->key->name, keyd_scheme_name(op->scheme));
		moat_log_error(MOAT_LOG_ERR, what);
		return MOAT_FAILURE;
	}
	return moat_ipc_sign_reply_encode(out, request_id, sig, sig_len);
}

static int perform_decrypt(const struct keyd_op *op, uint32_t request_id, struct moat_buf *out)
{
	uint8_t pm[KEYD_PREMASTER_LEN];
	int rc = keyd_rsa_decrypt_premaster(op->key->rsa_kex, op->input, op->input_len, pm);
	if (rc != MOAT_SUCCESS) {
		char what[MOAT_IPC_KEY_NAME_MAX + 64];
		snprintf(what, sizeof(what), "RSA decryption with key %s", op->key->name);
		moat_log_error(MOAT_LOG_ERR, what);
	} else {
		rc = moat_ipc_rsa_decrypt_reply_encode(out, request_id, pm);
	}
	moat_wipe(pm, sizeof(pm));
	return rc;
}

int keyd_op_perform(const struct keyd_op *op, uint32_t request_id, struct moat_buf *out, moat_ipc_status *st)
{
	ENSURE_REF(op);
	ENSURE_REF(out);
	ENSURE_REF(st);
	ENSURE(op->key != NULL, MOAT_ERR_INVALID_ARG);
	int rc = MOAT_FAILURE;
	if (op->opcode == MOAT_IPC_SIGN)
		rc = perform_sign(op, request_id, out);
	else if (op->opcode == MOAT_IPC_RSA_DECRYPT)
		rc = perform_decrypt(op, request_id, out);
	if (rc == MOAT_SUCCESS) {
		*st = MOAT_IPC_OK;
		return MOAT_SUCCESS;
	}
	moat_buf_reset(out);
	*st = MOAT_IPC_INTERNAL;
	return moat_ipc_encode_status(out, op->opcode, request_id, MOAT_IPC_INTERNAL);
}

void keyd_op_wipe(struct keyd_op *op)
{
	if (op == NULL)
		return;
	keyd_key_unref(op->key);
	moat_wipe(op, sizeof(*op));
}
