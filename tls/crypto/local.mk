# The crypto layer, an archive of its own: libcrypto wrappers (hashes, HMAC,
# HKDF, record AEADs, key exchange, keys and signatures), key ids,
# certificates and trust, the crypto code points with their names, the
# signed-content shapes, and every program's -V/--version lines. It is all
# of tls/ that ipc/ and keyd/ may link (the layering note is in tls/crypto/iana.h).
noinst_LIBRARIES += tls/crypto/libmoat_crypto.a
tls_crypto_libmoat_crypto_a_SOURCES = \
	tls/crypto/iana.c tls/crypto/iana.h \
	tls/crypto/util.c tls/crypto/util.h \
	tls/crypto/hash.c tls/crypto/hash.h \
	tls/crypto/hkdf.c tls/crypto/hkdf.h \
	tls/crypto/prf.c tls/crypto/prf.h \
	tls/crypto/aead.c tls/crypto/aead.h \
	tls/crypto/ticket_aead.c tls/crypto/ticket_aead.h \
	tls/crypto/cbc.c tls/crypto/cbc.h tls/crypto/ct_mask.h \
	tls/crypto/hmac_ct.c tls/crypto/hmac_ct.h \
	tls/crypto/kex.c tls/crypto/kex.h tls/crypto/kex_hybrid.c tls/crypto/kex_hybrid.h \
	$(MLKEM_SOURCES) \
	tls/crypto/sig.c tls/crypto/sig.h \
	tls/crypto/rsa_encrypt.c tls/crypto/rsa_encrypt.h \
	tls/crypto/key_id.c tls/crypto/key_id.h \
	tls/crypto/cert.h tls/crypto/cert_chain.c tls/crypto/cert_verify.c tls/crypto/cert_subject.c \
	tls/crypto/ocsp.c tls/crypto/ocsp.h \
	tls/crypto/signed_content.c tls/crypto/signed_content.h \
	tls/crypto/version.c tls/crypto/version.h

# ML-KEM-768 (FIPS 203), our own implementation; the constant-time probe
# (tests/crypto/ct-mlkem) builds these sources a second time with MOAT_CT_PROBE.
MLKEM_SOURCES = \
	tls/crypto/mlkem.c tls/crypto/mlkem.h tls/crypto/mlkem_internal.h \
	tls/crypto/mlkem_kpke.c tls/crypto/mlkem_ntt.c tls/crypto/mlkem_encode.c \
	tls/crypto/mlkem_sample.c tls/crypto/mlkem_hash.c

# What a program using only the crypto layer links (ipc, keyd).
MOAT_CRYPTO_LIBS = tls/crypto/libmoat_crypto.a common/libmoat_common.a $(LIBCRYPTO_LIBS) $(PTHREAD_LIBS)
