/*
 * The key operations of the data socket: SIGN and RSA_DECRYPT.
 *
 * Split in two steps because they run in two places: keyd_op_prepare runs in
 * the event loop and does every check that needs no private key (the body's
 * shape through the ipc decoder, the key id, whether the scheme fits the
 * key), copying what the operation needs out of the packet buffer, which the
 * loop reuses; keyd_op_perform runs in a signing thread and does the
 * expensive part. So a refused request is answered at once and never waits
 * behind another peer's RSA signatures.
 *
 * Checks, in the order moat-ipc(7) gives them:
 *   SIGN: kind, scheme for the kind, input shape (decoder: BAD_INPUT,
 *   BAD_SCHEME, TOO_LARGE, MALFORMED); key id (UNKNOWN_KEY); scheme for the
 *   key by the rules of the kind's TLS version (BAD_SCHEME); the key's
 *   policy (KEY_POLICY): a TLS 1.3 CertificateVerify content's context
 *   string against the key's role, a ServerKeyExchange shape against
 *   "tls12", or "tls10" when the scheme is a TLS 1.0/1.1 one, a TLS 1.2
 *   client CertificateVerify digest against the client role and the same
 *   switches. (The ECDH
 *   point on its curve and the DH value in range are part of the shape,
 *   checked by the decoder.)
 *   RSA_DECRYPT: framing (decoder: MALFORMED, TOO_LARGE); key id
 *   (UNKNOWN_KEY); an rsaEncryption key (NOT_PERMITTED); "rsa-key-exchange
 *   yes" for the key (KEY_POLICY). client_version is not looked at. Then it
 *   always answers 48 bytes (crypto_rsa_decrypt.h).
 */
#ifndef MOAT_KEYD_OPS_H
#define MOAT_KEYD_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/cursor.h"
#include "common/error.h"
#include "ipc/ipc.h"
#include "keyd/keys.h"

/* The largest reply an operation makes: a SIGN reply with a 1024-byte signature. */
#define KEYD_OP_REPLY_MAX (MOAT_IPC_HEADER_LEN + 2 + MOAT_IPC_SIGNATURE_MAX)

struct keyd_op {
	uint8_t opcode; /* MOAT_IPC_SIGN or MOAT_IPC_RSA_DECRYPT */
	struct keyd_key *key;    /* when set, op holds a reference to it (keys.h): keyd_op_wipe drops it */
	uint16_t scheme;         /* SIGN */
	uint8_t kind;            /* SIGN */
	size_t input_len;        /* sign input, or ciphertext */
	const char *refusal;     /* after a KEY_POLICY refusal: why, for the log */
	uint8_t input[MOAT_IPC_SIGN_INPUT_MAX];
};

/*
 * Check a SIGN or RSA_DECRYPT body against ks and fill op. On failure
 * (MOAT_ERR_IPC_BAD_MESSAGE) *st is the status to answer; for KEY_POLICY,
 * op->key and op->refusal say which key refused what. Whatever the result,
 * call keyd_op_wipe when done with op: it drops the key reference op took.
 */
MOAT_MUST_USE int keyd_op_prepare(const struct keyd_keyset *ks, uint8_t opcode, struct moat_cursor body,
				  struct keyd_op *op, moat_ipc_status *st);

/*
 * Do the operation and write its whole reply packet to request_id into out
 * (empty, room for KEYD_OP_REPLY_MAX): OK with the signature or premaster,
 * or INTERNAL if libcrypto failed. *st is the status sent. Fails only if not
 * even a status reply fits out. The premaster is in out: wipe it after use.
 */
MOAT_MUST_USE int keyd_op_perform(const struct keyd_op *op, uint32_t request_id, struct moat_buf *out,
				  moat_ipc_status *st);

/*
 * Drop op's key reference (a key removed meanwhile is freed now) and wipe
 * op's input (a ciphertext is not secret, but the job memory is reused).
 */
void keyd_op_wipe(struct keyd_op *op);

#endif
