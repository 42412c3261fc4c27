/*
 * libFuzzer target for the ML-KEM-768 decoders (tls/crypto/mlkem.h): the
 * encapsulation key a client sends in its key share (length and modulus
 * check of FIPS 203 §7.2, then ByteDecode_12), and the ciphertext a server
 * sends back (length check of §7.3, then ByteDecode/Decompress of u and v
 * and the implicit-rejection path) under a fixed decapsulation key.
 *
 * The first input byte chooses the decoder, the rest is the peer's bytes.
 * Oracles besides the sanitizers:
 *  - encapsulation succeeds exactly when the key is 1184 bytes and every
 *    12-bit value of its t̂ part is below q (checked here independently),
 *    and otherwise fails with illegal_parameter;
 *  - decapsulation succeeds exactly when the ciphertext is 1088 bytes, and
 *    gives the encapsulated key for our own ciphertext and
 *    J(z || c) = SHAKE256(z || c, 32) for any other (computed here with
 *    libcrypto directly): never an error for a malformed ciphertext.
 *
 * Built with -DMOAT_FUZZ_STANDALONE it gets a main() that runs built-in
 * inputs (valid and invalid keys and ciphertexts, every length around the
 * right one), so it can be compiled and smoke-run without libFuzzer.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/error.h"
#include "tls/crypto/mlkem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t ek[MOAT_MLKEM768_EK_LEN], dk[MOAT_MLKEM768_DK_LEN], ct[MOAT_MLKEM768_CT_LEN],
	ss[MOAT_MLKEM_SS_LEN];
static bool ready;

static void require(bool cond)
{
	if (!cond)
		abort();
}

static void setup(void)
{
	static const uint8_t seed[MOAT_MLKEM_SEED_LEN] = { 0x6d, 0x6f, 0x61, 0x74 };
	static const uint8_t m[32] = { 0x66, 0x75, 0x7a, 0x7a };
	if (ready)
		return;
	require(moat_mlkem768_keygen_seed(ek, dk, seed) == MOAT_SUCCESS);
	require(moat_mlkem768_encaps_m(ct, ss, ek, sizeof(ek), m) == MOAT_SUCCESS);
	ready = true;
}

/* The §7.2 modulus check, written out: every 12-bit value of the first 1152 bytes is < q. */
static bool ek_valid(const uint8_t *p, size_t n)
{
	if (n != MOAT_MLKEM768_EK_LEN)
		return false;
	for (size_t i = 0; i + 3 <= 1152; i += 3) {
		unsigned a = p[i] | (unsigned)(p[i + 1] & 0x0f) << 8, b = (unsigned)p[i + 1] >> 4 | (unsigned)p[i + 2] << 4;
		if (a >= 3329 || b >= 3329)
			return false;
	}
	return true;
}

static void check_encaps(const uint8_t *p, size_t n)
{
	static const uint8_t m[32] = { 1, 2, 3 };
	uint8_t c[MOAT_MLKEM768_CT_LEN], k[MOAT_MLKEM_SS_LEN];
	moat_error_clear();
	int rc = moat_mlkem768_encaps_m(c, k, p, n, m);
	if (ek_valid(p, n))
		require(rc == MOAT_SUCCESS);
	else
		require(rc == MOAT_FAILURE && moat_errno == MOAT_ERR_ILLEGAL_PARAMETER);
}

static void check_decaps(const uint8_t *p, size_t n)
{
	uint8_t k[MOAT_MLKEM_SS_LEN], want[MOAT_MLKEM_SS_LEN];
	moat_error_clear();
	int rc = moat_mlkem768_decaps(k, p, n, dk);
	if (n != MOAT_MLKEM768_CT_LEN) {
		require(rc == MOAT_FAILURE && moat_errno == MOAT_ERR_ILLEGAL_PARAMETER);
		return;
	}
	require(rc == MOAT_SUCCESS);
	if (memcmp(p, ct, n) == 0) {
		require(memcmp(k, ss, sizeof(k)) == 0);
		return;
	}
	EVP_MD_CTX *j = EVP_MD_CTX_new();
	require(j != NULL && EVP_DigestInit_ex(j, EVP_shake256(), NULL) == 1 &&
		EVP_DigestUpdate(j, dk + MOAT_MLKEM768_DK_LEN - 32, 32) == 1 && EVP_DigestUpdate(j, p, n) == 1 &&
		EVP_DigestFinalXOF(j, want, sizeof(want)) == 1);
	EVP_MD_CTX_free(j);
	require(memcmp(k, want, sizeof(k)) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	if (size == 0)
		return 0;
	if (data[0] & 1)
		check_decaps(data + 1, size - 1);
	else
		check_encaps(data + 1, size - 1);
	return 0;
}

#ifdef MOAT_FUZZ_STANDALONE
/* selector || body, for the body lengths n - 2 .. n + 2. */
static void run_around(uint8_t selector, const uint8_t *body, size_t n)
{
	static uint8_t in[1 + MOAT_MLKEM768_EK_LEN + 2];
	in[0] = selector;
	memset(in + 1, 0xa5, sizeof(in) - 1);
	memcpy(in + 1, body, n);
	for (size_t len = n - 2; len <= n + 2; len++)
		LLVMFuzzerTestOneInput(in, 1 + len);
}

int main(void)
{
	static uint8_t bad[MOAT_MLKEM768_EK_LEN];
	setup();
	run_around(0, ek, sizeof(ek));
	run_around(1, ct, sizeof(ct));
	/* A coefficient of q, then 4095, in the last position of t̂; then rho of all ones (valid). */
	memcpy(bad, ek, sizeof(bad));
	bad[1150] = (uint8_t)((bad[1150] & 0x0f) | (3329 & 0x0f) << 4);
	bad[1151] = (uint8_t)(3329 >> 4);
	run_around(0, bad, sizeof(bad));
	bad[1150] |= 0xf0;
	bad[1151] = 0xff;
	run_around(0, bad, sizeof(bad));
	memcpy(bad, ek, sizeof(bad));
	memset(bad + 1152, 0xff, 32);
	run_around(0, bad, sizeof(bad));
	/* Ciphertexts: one bit off in u and in v, all zeros, all ones. */
	memcpy(bad, ct, sizeof(ct));
	bad[0] ^= 1;
	run_around(1, bad, sizeof(ct));
	bad[0] ^= 1;
	bad[sizeof(ct) - 1] ^= 0x80;
	run_around(1, bad, sizeof(ct));
	memset(bad, 0, sizeof(ct));
	run_around(1, bad, sizeof(ct));
	memset(bad, 0xff, sizeof(ct));
	run_around(1, bad, sizeof(ct));
	static const uint8_t tiny[][2] = { { 0 }, { 1 }, { 0, 0 }, { 1, 0 } };
	for (size_t i = 0; i < sizeof(tiny) / sizeof(tiny[0]); i++)
		for (size_t n = 0; n <= 2; n++)
			LLVMFuzzerTestOneInput(tiny[i], n);
	return 0;
}
#endif
