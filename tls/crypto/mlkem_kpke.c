/*
 * K-PKE, the CPA-secure encryption scheme under ML-KEM (FIPS 203 §5):
 * key generation (Alg. 13), encryption (Alg. 14), decryption (Alg. 15).
 *
 * Secret here: d and sigma, s and e (key generation); m, r, y, e1, e2 and
 * everything computed from them (encryption, which decapsulation repeats
 * with the decrypted message); dk_PKE, u·s and w (decryption). All of it is
 * handled by the constant-time routines of mlkem_ntt.c and
 * mlkem_encode.c, and wiped before return. rho is public: it is published
 * in ek, so it is declassified when G produces it.
 */
#include <string.h>

#include "common/secmem.h"
#include "tls/crypto/mlkem_internal.h"

int mlkem_kpke_keygen(uint8_t ek[MLKEM_EK_BYTES], uint8_t dk_pke[MLKEM_POLYVEC_BYTES], const uint8_t d[32])
{
	uint8_t rs[64]; /* rho || sigma */
	const uint8_t k = MLKEM_K;
	mlkem_polyvec a[MLKEM_K], s, e, t;
	int rc = MOAT_FAILURE;

	/* (rho, sigma) = G(d || k): the byte k separates the parameter sets (FIPS 203 Alg. 13 step 1). */
	if (mlkem_hash_g(rs, d, 32, &k, 1) < 0)
		goto out;
	MLKEM_DECLASSIFY(rs, 32);
	if (mlkem_gen_matrix(a, rs) < 0)
		goto out;
	uint8_t n = 0;
	for (size_t i = 0; i < MLKEM_K; i++)
		if (mlkem_sample_cbd(&s.p[i], rs + 32, n++) < 0)
			goto out;
	for (size_t i = 0; i < MLKEM_K; i++)
		if (mlkem_sample_cbd(&e.p[i], rs + 32, n++) < 0)
			goto out;
	for (size_t i = 0; i < MLKEM_K; i++) {
		mlkem_poly_ntt(&s.p[i]);
		mlkem_poly_ntt(&e.p[i]);
	}
	/* t̂ = Â ∘ ŝ + ê */
	for (size_t i = 0; i < MLKEM_K; i++) {
		t.p[i] = e.p[i];
		for (size_t j = 0; j < MLKEM_K; j++)
			mlkem_poly_basemul_acc(&t.p[i], &a[i].p[j], &s.p[j]);
	}
	for (size_t i = 0; i < MLKEM_K; i++) {
		mlkem_encode12(ek + i * MLKEM_POLY_BYTES, &t.p[i]);
		mlkem_encode12(dk_pke + i * MLKEM_POLY_BYTES, &s.p[i]);
	}
	memcpy(ek + MLKEM_POLYVEC_BYTES, rs, 32);
	rc = MOAT_SUCCESS;
out:
	moat_wipe(rs, sizeof(rs));
	moat_wipe(&s, sizeof(s));
	moat_wipe(&e, sizeof(e));
	moat_wipe(&t, sizeof(t));
	return rc;
}

int mlkem_kpke_encrypt(uint8_t c[MLKEM_CT_BYTES], const uint8_t ek[MLKEM_EK_BYTES], const uint8_t m[32],
		       const uint8_t r[32])
{
	mlkem_polyvec a[MLKEM_K], t, y, e1, u;
	mlkem_poly e2, v, mu;
	int rc = MOAT_FAILURE;

	for (size_t i = 0; i < MLKEM_K; i++)
		mlkem_decode12(&t.p[i], ek + i * MLKEM_POLY_BYTES);
	if (mlkem_gen_matrix(a, ek + MLKEM_POLYVEC_BYTES) < 0)
		goto out;
	uint8_t n = 0;
	for (size_t i = 0; i < MLKEM_K; i++)
		if (mlkem_sample_cbd(&y.p[i], r, n++) < 0)
			goto out;
	for (size_t i = 0; i < MLKEM_K; i++)
		if (mlkem_sample_cbd(&e1.p[i], r, n++) < 0)
			goto out;
	if (mlkem_sample_cbd(&e2, r, n) < 0)
		goto out;
	for (size_t i = 0; i < MLKEM_K; i++)
		mlkem_poly_ntt(&y.p[i]);
	/* u = NTT^-1(Â^T ∘ ŷ) + e1: column i of Â, i.e. a[j].p[i]. */
	for (size_t i = 0; i < MLKEM_K; i++) {
		memset(&u.p[i], 0, sizeof(u.p[i]));
		for (size_t j = 0; j < MLKEM_K; j++)
			mlkem_poly_basemul_acc(&u.p[i], &a[j].p[i], &y.p[j]);
		mlkem_poly_invntt(&u.p[i]);
		mlkem_poly_add(&u.p[i], &u.p[i], &e1.p[i]);
	}
	/* v = NTT^-1(t̂^T ∘ ŷ) + e2 + mu */
	memset(&v, 0, sizeof(v));
	for (size_t j = 0; j < MLKEM_K; j++)
		mlkem_poly_basemul_acc(&v, &t.p[j], &y.p[j]);
	mlkem_poly_invntt(&v);
	mlkem_poly_from_msg(&mu, m);
	mlkem_poly_add(&v, &v, &e2);
	mlkem_poly_add(&v, &v, &mu);
	for (size_t i = 0; i < MLKEM_K; i++)
		mlkem_compress_du(c + i * 32 * MLKEM_DU, &u.p[i]);
	mlkem_compress_dv(c + MLKEM_C1_BYTES, &v);
	rc = MOAT_SUCCESS;
out:
	moat_wipe(&y, sizeof(y));
	moat_wipe(&e1, sizeof(e1));
	moat_wipe(&u, sizeof(u));
	moat_wipe(&e2, sizeof(e2));
	moat_wipe(&v, sizeof(v));
	moat_wipe(&mu, sizeof(mu));
	return rc;
}

void mlkem_kpke_decrypt(uint8_t m[32], const uint8_t dk_pke[MLKEM_POLYVEC_BYTES], const uint8_t c[MLKEM_CT_BYTES])
{
	mlkem_polyvec u, s;
	mlkem_poly v, w;

	for (size_t i = 0; i < MLKEM_K; i++) {
		mlkem_decompress_du(&u.p[i], c + i * 32 * MLKEM_DU);
		mlkem_poly_ntt(&u.p[i]);
		mlkem_decode12(&s.p[i], dk_pke + i * MLKEM_POLY_BYTES);
	}
	mlkem_decompress_dv(&v, c + MLKEM_C1_BYTES);
	/* w = v' - NTT^-1(ŝ^T ∘ NTT(u')) */
	memset(&w, 0, sizeof(w));
	for (size_t i = 0; i < MLKEM_K; i++)
		mlkem_poly_basemul_acc(&w, &s.p[i], &u.p[i]);
	mlkem_poly_invntt(&w);
	mlkem_poly_sub(&w, &v, &w);
	mlkem_poly_to_msg(m, &w);
	moat_wipe(&u, sizeof(u));
	moat_wipe(&s, sizeof(s));
	moat_wipe(&w, sizeof(w));
}
