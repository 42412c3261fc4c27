/*
 * moat-bench-floor: the crypto floor of the benchmark, measured through
 * libcrypto in the same run as the servers (tests/bench/run pins it to the
 * servers' CPU).
 *
 * The floor is what no TLS 1.3 server can avoid paying per full handshake
 * with x25519: one signature with the certificate's key (RSA-2048
 * RSA-PSS-SHA256 or ECDSA P-256 SHA-256), one x25519 key generation and one
 * x25519 derivation. For bulk data it is the AEAD seal of full 16 KiB
 * records (RFC 8446 §5.2: 5-byte header as additional data, a fresh nonce
 * per record), with no copies and no system calls. Everything a server
 * spends above these numbers is its own overhead.
 *
 * A TLS 1.2 ECDHE full handshake (RFC 5246, RFC 8422) pays the same
 * signature (over the ServerKeyExchange), key generation and derivation,
 * plus the PRF (RFC 5246 §5) four times: the master secret (RFC 7627's
 * extended one, over a session hash), the key block, and the two Finished
 * verify_data. handshake12_* adds that PRF cost.
 *
 * Each figure is CPU time (CLOCK_PROCESS_CPUTIME_ID) over a loop of about
 * --seconds, so a noisy neighbour on the wall clock does not inflate it. That
 * clock is a system call, not a vDSO read: it is read once per batch of
 * operations, or a 16 KiB seal would pay for it at ~10%.
 * Output: one key=value line per figure, for the harness.
 *
 * (Benchmark tools may include OpenSSL headers; the library proper keeps
 * them to the crypto layer, tls/crypto/.)
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#define RECORD 16384
#define TAG 16

static double seconds = 1.0;

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void fail(const char *what)
{
	fprintf(stderr, "floor: %s failed\n", what);
	ERR_print_errors_fp(stderr);
	exit(1);
}

static EVP_PKEY *load_key(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		perror(path);
		exit(1);
	}
	EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (k == NULL)
		fail(path);
	return k;
}

/* What a TLS 1.3 server signs (RFC 8446 §4.4.3): 64 spaces, context, 0, SHA-256 transcript hash. */
static size_t tls13_content(unsigned char *out)
{
	static const char ctx[] = "TLS 1.3, server CertificateVerify";
	memset(out, 0x20, 64);
	memcpy(out + 64, ctx, sizeof(ctx)); /* includes the zero byte */
	size_t len = 64 + sizeof(ctx);
	for (size_t i = 0; i < 32; i++)
		out[len + i] = (unsigned char)(i * 13 + 7);
	return len + 32;
}

/* One signature per call; returns CPU microseconds per signature. */
static double bench_sign(EVP_PKEY *key, bool pss)
{
	unsigned char content[160], sig[1024];
	size_t content_len = tls13_content(content);
	long n = 0;
	double t0 = cpu_now(), t;
	do {
		EVP_MD_CTX *md = EVP_MD_CTX_new();
		EVP_PKEY_CTX *pctx = NULL;
		if (md == NULL || EVP_DigestSignInit(md, &pctx, EVP_sha256(), NULL, key) != 1)
			fail("EVP_DigestSignInit");
		if (pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
			    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1))
			fail("PSS parameters");
		size_t sig_len = sizeof(sig);
		if (EVP_DigestSign(md, sig, &sig_len, content, content_len) != 1)
			fail("EVP_DigestSign");
		EVP_MD_CTX_free(md);
		n++;
		t = (n & 7) == 0 ? cpu_now() : t0;
	} while (t - t0 < seconds);
	return (t - t0) / (double)n * 1e6;
}

/* x25519: key generation alone, and derivation against a fixed peer. CPU microseconds each. */
static void bench_x25519(double *keygen_us, double *derive_us)
{
	EVP_PKEY_CTX *kctx = EVP_PKEY_CTX_new_id(EVP_PKEY_X25519, NULL);
	EVP_PKEY *peer = NULL;
	if (kctx == NULL || EVP_PKEY_keygen_init(kctx) != 1 || EVP_PKEY_keygen(kctx, &peer) != 1)
		fail("x25519 peer key");
	long n = 0;
	double t0 = cpu_now(), t;
	do {
		EVP_PKEY *k = NULL;
		if (EVP_PKEY_keygen(kctx, &k) != 1)
			fail("x25519 keygen");
		EVP_PKEY_free(k);
		n++;
		t = (n & 15) == 0 ? cpu_now() : t0;
	} while (t - t0 < seconds / 2);
	*keygen_us = (t - t0) / (double)n * 1e6;

	EVP_PKEY *ours = NULL;
	if (EVP_PKEY_keygen(kctx, &ours) != 1)
		fail("x25519 keygen");
	n = 0;
	t0 = cpu_now();
	do {
		unsigned char secret[32];
		size_t len = sizeof(secret);
		EVP_PKEY_CTX *d = EVP_PKEY_CTX_new(ours, NULL);
		if (d == NULL || EVP_PKEY_derive_init(d) != 1 || EVP_PKEY_derive_set_peer(d, peer) != 1 ||
		    EVP_PKEY_derive(d, secret, &len) != 1)
			fail("x25519 derive");
		EVP_PKEY_CTX_free(d);
		n++;
		t = (n & 15) == 0 ? cpu_now() : t0;
	} while (t - t0 < seconds / 2);
	*derive_us = (t - t0) / (double)n * 1e6;
	EVP_PKEY_free(ours);
	EVP_PKEY_free(peer);
	EVP_PKEY_CTX_free(kctx);
}

/* Seal 16 KiB records; returns CPU seconds per GiB of plaintext. */
static double bench_seal(const EVP_CIPHER *cipher, size_t key_len)
{
	static unsigned char in[RECORD + 1], out[RECORD + 1 + TAG];
	unsigned char key[32], iv[12], tag[TAG], aad[5] = { 0x17, 0x03, 0x03, 0, 0 };
	memset(key, 0x42, sizeof(key));
	memset(iv, 0x24, sizeof(iv));
	memset(in, 0x61, sizeof(in));
	in[RECORD] = 0x17; /* TLSInnerPlaintext content type */
	size_t rec_len = RECORD + 1 + TAG;
	aad[3] = (unsigned char)(rec_len >> 8);
	aad[4] = (unsigned char)rec_len;
	(void)key_len;

	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL || EVP_EncryptInit_ex(ctx, cipher, NULL, key, NULL) != 1)
		fail("EVP_EncryptInit_ex");
	uint64_t seq = 0;
	uint64_t bytes = 0;
	double t0 = cpu_now(), t;
	do {
		/* Per-record nonce: IV xor sequence number (RFC 8446 §5.3). */
		unsigned char nonce[12];
		memcpy(nonce, iv, sizeof(nonce));
		for (int i = 0; i < 8; i++)
			nonce[11 - i] ^= (unsigned char)(seq >> (8 * i));
		int outl = 0, fl = 0;
		if (EVP_EncryptInit_ex(ctx, NULL, NULL, NULL, nonce) != 1 ||
		    EVP_EncryptUpdate(ctx, NULL, &outl, aad, sizeof(aad)) != 1 ||
		    EVP_EncryptUpdate(ctx, out, &outl, in, RECORD + 1) != 1 || EVP_EncryptFinal_ex(ctx, out + outl, &fl) != 1 ||
		    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, TAG, tag) != 1)
			fail("AEAD seal");
		seq++;
		bytes += RECORD;
		t = (seq & 63) == 0 ? cpu_now() : t0;
	} while (t - t0 < seconds);
	EVP_CIPHER_CTX_free(ctx);
	return (t - t0) / ((double)bytes / (double)(1u << 30));
}

/* One TLS 1.2 PRF (P_SHA256) call producing out_len bytes. */
static void prf12(EVP_KDF *kdf, const unsigned char *secret, size_t secret_len, const char *label,
		  const unsigned char *seed, size_t seed_len, unsigned char *out, size_t out_len)
{
	EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(kdf);
	OSSL_PARAM params[5], *p = params;
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)secret, secret_len);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)label, strlen(label));
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)seed, seed_len);
	*p = OSSL_PARAM_construct_end();
	if (ctx == NULL || EVP_KDF_derive(ctx, out, out_len, params) != 1)
		fail("TLS1-PRF");
	EVP_KDF_CTX_free(ctx);
}

/* The PRF work of one TLS 1.2 full handshake with AES-128-GCM (see the top). CPU microseconds. */
static double bench_prf12(void)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
	if (kdf == NULL)
		fail("EVP_KDF_fetch TLS1-PRF");
	unsigned char pms[32], hash[32], randoms[64], master[48], block[40], verify[12];
	memset(pms, 0x11, sizeof(pms));
	memset(hash, 0x22, sizeof(hash));
	memset(randoms, 0x33, sizeof(randoms));
	long n = 0;
	double t0 = cpu_now(), t;
	do {
		prf12(kdf, pms, sizeof(pms), "extended master secret", hash, sizeof(hash), master, sizeof(master));
		prf12(kdf, master, sizeof(master), "key expansion", randoms, sizeof(randoms), block, sizeof(block));
		prf12(kdf, master, sizeof(master), "client finished", hash, sizeof(hash), verify, sizeof(verify));
		prf12(kdf, master, sizeof(master), "server finished", hash, sizeof(hash), verify, sizeof(verify));
		n++;
		t = (n & 15) == 0 ? cpu_now() : t0;
	} while (t - t0 < seconds / 2);
	EVP_KDF_free(kdf);
	return (t - t0) / (double)n * 1e6;
}

static void usage(void)
{
	fprintf(stderr, "usage: floor --rsa-key FILE --ec-key FILE [--seconds S]\n"
			"Prints CPU cost per signature, x25519 key generation and derivation, per full\n"
			"TLS 1.3 handshake (their sum), and per GiB sealed in 16 KiB records.\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "rsa-key", required_argument, NULL, 'r' },
		{ "ec-key", required_argument, NULL, 'e' },
		{ "seconds", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const char *rsa_path = NULL, *ec_path = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			rsa_path = optarg;
			break;
		case 'e':
			ec_path = optarg;
			break;
		case 's':
			seconds = strtod(optarg, NULL);
			if (seconds <= 0) {
				usage();
				return 2;
			}
			break;
		default:
			usage();
			return 2;
		}
	}
	if (rsa_path == NULL || ec_path == NULL || optind != argc) {
		usage();
		return 2;
	}
	EVP_PKEY *rsa = load_key(rsa_path), *ec = load_key(ec_path);

	double kg, dv;
	bench_x25519(&kg, &dv);
	double rsa_us = bench_sign(rsa, true);
	double ec_us = bench_sign(ec, false);
	double aes = bench_seal(EVP_aes_128_gcm(), 16);
	double chacha = bench_seal(EVP_chacha20_poly1305(), 32);
	double prf = bench_prf12();

	printf("x25519_keygen_us=%.2f\n", kg);
	printf("x25519_derive_us=%.2f\n", dv);
	printf("rsa2048_pss_sign_us=%.2f\n", rsa_us);
	printf("ecdsa_p256_sign_us=%.2f\n", ec_us);
	printf("handshake_rsa_us=%.2f\n", rsa_us + kg + dv);
	printf("handshake_ecdsa_us=%.2f\n", ec_us + kg + dv);
	printf("tls12_prf_us=%.2f\n", prf);
	printf("handshake12_rsa_us=%.2f\n", rsa_us + kg + dv + prf);
	printf("handshake12_ecdsa_us=%.2f\n", ec_us + kg + dv + prf);
	printf("seal_aes128gcm_s_per_gib=%.4f\n", aes);
	printf("seal_chacha20_s_per_gib=%.4f\n", chacha);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ec);
	return 0;
}
