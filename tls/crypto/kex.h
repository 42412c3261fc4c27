/*
 * Ephemeral key shares for TLS 1.3 (RFC 8446 §4.2.8, §7.4): ECDHE on
 * x25519, x448, secp256r1, secp384r1, secp521r1, finite field DHE on the
 * RFC 7919 groups ffdhe2048 to ffdhe8192, and the hybrids of ML-KEM-768
 * with x25519 or secp256r1 (X25519MLKEM768, SecP256r1MLKEM768,
 * draft-ietf-tls-ecdhe-mlkem).
 *
 * One struct per share we generate: the private key stays inside libcrypto
 * (an EVP_PKEY behind a void pointer, so no other file needs OpenSSL headers)
 * and, for a hybrid, the ML-KEM decapsulation key in the secure heap; only
 * the public key_exchange bytes and the shared secret come out. The peer's
 * bytes are validated here, not by callers, because RFC 8446 §4.2.8.1-2 and
 * the hybrid draft §4 make validation part of the key exchange itself; every
 * rejection is MOAT_ERR_ILLEGAL_PARAMETER (alert illegal_parameter).
 *
 * A hybrid is a KEM, not a Diffie-Hellman: the client's share is an
 * encapsulation key, the server's answer a ciphertext computed from it, and
 * the two shares differ in length. So a server answers the client's share
 * with moat_kex_respond (for a DH group: generate, then derive), and a client
 * generates (moat_kex_generate) and then derives from the server's answer
 * (moat_kex_derive: for a hybrid, decapsulation plus the classical part).
 */
#ifndef MOAT_TLS_CRYPTO_KEX_H
#define MOAT_TLS_CRYPTO_KEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "tls/crypto/iana.h"

/*
 * Any group. The largest share is SecP256r1MLKEM768's client share (a
 * secp256r1 point and an ML-KEM-768 encapsulation key, 65 + 1184); the
 * largest secret ffdhe8192's, the size of its 8192-bit prime (RFC 8446
 * §4.2.8.1, §7.4.1).
 */
#define MOAT_KEX_MAX_SHARE_LEN 1249
#define MOAT_KEX_MAX_SECRET_LEN 1024
/* The elliptic curve groups only: a secp521r1 uncompressed point, its 66-byte x coordinate. */
#define MOAT_KEX_MAX_EC_SHARE_LEN 133
#define MOAT_KEX_MAX_EC_SECRET_LEN 66

/* x25519, x448, secp256r1, secp384r1, secp521r1, ffdhe2048/3072/4096/6144/8192, X25519MLKEM768, SecP256r1MLKEM768. */
bool moat_kex_group_supported(uint16_t group);
/*
 * Length of the key_exchange moat_kex_generate writes, the client's (x25519
 * 32, x448 56, secp256r1 65, secp384r1 97, secp521r1 133, ffdheN N/8,
 * X25519MLKEM768 1216, SecP256r1MLKEM768 1249); 0 if unsupported.
 */
size_t moat_kex_share_len(uint16_t group);
/*
 * Length of the key_exchange moat_kex_respond writes, the server's: the
 * same as moat_kex_share_len but for the hybrids (X25519MLKEM768 1120,
 * SecP256r1MLKEM768 1153); 0 if unsupported.
 */
size_t moat_kex_response_len(uint16_t group);
/*
 * Length of the shared secret for the group (x25519 32, x448 56, secp256r1
 * 32, secp384r1 48, secp521r1 66, ffdheN N/8, the hybrids 64); 0 if unsupported.
 */
size_t moat_kex_secret_len(uint16_t group);
/*
 * The group's name in the IANA registry ("x25519", "ffdhe2048",
 * "X25519MLKEM768"), or NULL if unsupported.
 */
const char *moat_kex_group_name(uint16_t group);
/*
 * A hybrid with ML-KEM (X25519MLKEM768, SecP256r1MLKEM768). These are TLS
 * 1.3 groups only (draft-ietf-tls-ecdhe-mlkem §4): never offered or chosen
 * for TLS 1.2, where neither moat_kex_group_is_ec nor moat_kex_group_is_ffdhe
 * holds for them.
 */
bool moat_kex_group_is_hybrid(uint16_t group);
/*
 * An elliptic curve group of ours (x25519, x448, secp256r1/384r1/521r1):
 * the groups a TLS 1.2 ServerECDHParams may name (RFC 8422 §5.1.1).
 */
bool moat_kex_group_is_ec(uint16_t group);
/* An RFC 7919 finite field group of ours (ffdhe2048..ffdhe8192): what a TLS 1.2 ServerDHParams may carry. */
bool moat_kex_group_is_ffdhe(uint16_t group);
/* RFC 7919 Appendix A: every ffdhe group has the generator 2. */
#define MOAT_KEX_FFDHE_GENERATOR 2
/*
 * The group's prime p, big-endian, into p_out, which holds exactly len ==
 * moat_kex_share_len(group) bytes (the primes' top bit is set, so that is
 * also p's minimal encoding). Not an ffdhe group → MOAT_ERR_NOT_SUPPORTED;
 * another len → MOAT_ERR_INVALID_ARG.
 */
MOAT_MUST_USE int moat_kex_ffdhe_prime(uint16_t group, uint8_t *p_out, size_t len);
/*
 * The shape of a public value for the group: the exact length and, for the
 * NIST curves, the uncompressed form 0x04 (RFC 8446 §4.2.8.2, RFC 8422
 * §5.4.1). No arithmetic: for what a peer's value must also satisfy, see
 * moat_kex_public_check. For a hybrid, the length of a client share.
 */
bool moat_kex_share_shape_ok(uint16_t group, const uint8_t *share, size_t len);
/*
 * Validate a public value on its own, without a key of ours: the checks
 * moat_kex_derive makes on the peer's share (shape; NIST: on the curve, not
 * infinity; FFDHE: 1 < Y < p-1). X25519/X448 values of the right length all
 * pass (RFC 7748 §5). Invalid → MOAT_ERR_ILLEGAL_PARAMETER; unsupported
 * group → MOAT_ERR_NOT_SUPPORTED. This is for the TLS 1.2 values (ServerKeyExchange,
 * ClientKeyExchange); a hybrid, which TLS 1.2 never carries, is
 * MOAT_ERR_NOT_SUPPORTED: its checks run in moat_kex_respond and moat_kex_derive.
 */
MOAT_MUST_USE int moat_kex_public_check(uint16_t group, const uint8_t *share, size_t len);

/*
 * pkey is an EVP_PKEY holding our ephemeral private key (for a hybrid, its
 * classical part); kem_dk a hybrid's ML-KEM decapsulation key, in the secure
 * heap and wiped when freed. A zeroed struct holds no key.
 */
struct moat_kex {
	void *pkey;
	uint16_t group;
	uint8_t *kem_dk;
};

/*
 * Generate an ephemeral key; writes our key_exchange bytes to share_out,
 * which must hold moat_kex_share_len(group) bytes (MOAT_KEX_MAX_SHARE_LEN for
 * any group); *share_len is output only. k is overwritten, not freed: free a used one first.
 * Unsupported group → MOAT_ERR_NOT_SUPPORTED.
 */
MOAT_MUST_USE int moat_kex_generate(struct moat_kex *k, uint16_t group, uint8_t *share_out, size_t *share_len);

/*
 * Validate the peer's key_exchange (exact length; for NIST curves uncompressed
 * form 0x04, point on curve, not infinity; x25519/x448 shared secret all
 * zeros rejected; FFDHE 1 < Y < p-1) → MOAT_ERR_ILLEGAL_PARAMETER, and
 * compute the shared secret (x25519/x448: the u coordinate; NIST: the x
 * coordinate; FFDHE: Z left-padded to the size of p). For a hybrid k is a
 * client's key and peer the server's answer (moat_kex_response_len bytes,
 * the ciphertext and the classical share, each checked as above): the
 * secret is the decapsulated ML-KEM secret and the ECDH secret in the
 * group's order (draft-ietf-tls-ecdhe-mlkem §3). secret_out must hold
 * moat_kex_secret_len(k->group) bytes (MOAT_KEX_MAX_SECRET_LEN for any
 * group); *secret_len is output only. The caller owns the secret and wipes
 * it. k is not consumed: free it when done.
 */
MOAT_MUST_USE int moat_kex_derive(const struct moat_kex *k, const uint8_t *peer, size_t peer_len,
				  uint8_t *secret_out, size_t *secret_len);

/*
 * The server's side of every group: validate the client's key_exchange as
 * moat_kex_derive does (for a hybrid also the FIPS 203 §7.2 modulus check on
 * the encapsulation key), write our answer to share_out
 * (moat_kex_response_len(group) bytes, MOAT_KEX_MAX_SHARE_LEN for any group)
 * and the shared secret to secret_out (moat_kex_secret_len(group) bytes).
 * A DH group generates a key, derives and frees it; a hybrid encapsulates to
 * the client's key and does the classical exchange, leaving no secret key
 * behind. Invalid peer bytes → MOAT_ERR_ILLEGAL_PARAMETER, with secret_out wiped.
 */
MOAT_MUST_USE int moat_kex_respond(uint16_t group, const uint8_t *peer, size_t peer_len, uint8_t *share_out,
				   size_t *share_len, uint8_t *secret_out, size_t *secret_len);

/* Safe on a zeroed struct and twice. */
void moat_kex_free(struct moat_kex *k);

#endif
