# filled in by its owner
# Hashes, HMAC, HKDF, record AEADs and the TLS 1.3 key schedule.
tls_libmoat_a_SOURCES += tls/crypto_hash.c tls/crypto_hash.h
tls_libmoat_a_SOURCES += tls/crypto_hkdf.c tls/crypto_hkdf.h
tls_libmoat_a_SOURCES += tls/crypto_aead.c tls/crypto_aead.h
tls_libmoat_a_SOURCES += tls/tls13_key_schedule.c tls/tls13_key_schedule.h tls/secrets.h
# ECDHE key shares, keys and signatures, certificate chains and trust.
tls_libmoat_a_SOURCES += tls/crypto_kex.c tls/crypto_kex.h
tls_libmoat_a_SOURCES += tls/crypto_sig.c tls/crypto_sig.h
tls_libmoat_a_SOURCES += tls/cert.h tls/cert_chain.c tls/cert_verify.c
