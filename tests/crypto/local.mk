# crypto tests: filled in by its owner. Add test programs to check_PROGRAMS and tests/crypto/Kyuafile.
# Hashes/HMAC/HKDF, record AEADs, TLS 1.3 key schedule.
check_PROGRAMS += tests/crypto/hash_hkdf_test tests/crypto/aead_test tests/crypto/key_schedule_test
tests_crypto_hash_hkdf_test_SOURCES = tests/crypto/hash_hkdf_test.c tests/rfc8448_vectors.h $(TEST_UTIL_SOURCES)
tests_crypto_hash_hkdf_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_crypto_hash_hkdf_test_LDADD = $(MOAT_TEST_TLS_LIBS) $(ATF_C_LIBS)
tests_crypto_aead_test_SOURCES = tests/crypto/aead_test.c tests/rfc8448_vectors.h $(TEST_UTIL_SOURCES)
tests_crypto_aead_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_crypto_aead_test_LDADD = $(MOAT_TEST_TLS_LIBS) $(ATF_C_LIBS)
tests_crypto_key_schedule_test_SOURCES = tests/crypto/key_schedule_test.c tests/rfc8448_vectors.h $(TEST_UTIL_SOURCES)
tests_crypto_key_schedule_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_crypto_key_schedule_test_LDADD = $(MOAT_TEST_TLS_LIBS) $(ATF_C_LIBS)
# ECDHE key shares, signatures, certificate chains and trust.
check_PROGRAMS += tests/crypto/kex_test tests/crypto/sig_test tests/crypto/cert_test
tests_crypto_kex_test_SOURCES = tests/crypto/kex_test.c tests/rfc8448_vectors.h $(TEST_UTIL_SOURCES)
tests_crypto_kex_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_crypto_kex_test_LDADD = $(MOAT_TEST_TLS_LIBS) $(ATF_C_LIBS)
# The ML-KEM hybrid groups: layout, agreement, the peer checks of draft-ietf-tls-ecdhe-mlkem.
check_PROGRAMS += tests/crypto/kex_hybrid_test
tests_crypto_kex_hybrid_test_SOURCES = tests/crypto/kex_hybrid_test.c $(TEST_UTIL_SOURCES)
tests_crypto_kex_hybrid_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_crypto_kex_hybrid_test_LDADD = $(MOAT_CRYPTO_LIBS) $(ATF_C_LIBS)
tests_crypto_sig_test_SOURCES = tests/crypto/sig_test.c $(TEST_UTIL_SOURCES)
tests_crypto_sig_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_crypto_sig_test_LDADD = $(MOAT_TEST_TLS_LIBS) $(ATF_C_LIBS)
tests_crypto_cert_test_SOURCES = tests/crypto/cert_test.c $(TEST_UTIL_SOURCES)
tests_crypto_cert_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_crypto_cert_test_LDADD = $(MOAT_TEST_TLS_LIBS) $(ATF_C_LIBS)
# The crypto layer alone: signed-content shapes, public-value checks, the scheme table.
check_PROGRAMS += tests/crypto/signed_content_test
tests_crypto_signed_content_test_SOURCES = tests/crypto/signed_content_test.c $(TEST_UTIL_SOURCES)
tests_crypto_signed_content_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_crypto_signed_content_test_LDADD = $(MOAT_CRYPTO_LIBS) $(ATF_C_LIBS)
# TLS 1.0 - 1.2: the PRF and its derivations, the constant-time record HMAC, CBC ciphers.
check_PROGRAMS += tests/crypto/prf_cbc_test
tests_crypto_prf_cbc_test_SOURCES = tests/crypto/prf_cbc_test.c $(TEST_UTIL_SOURCES)
tests_crypto_prf_cbc_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_crypto_prf_cbc_test_LDADD = $(MOAT_CRYPTO_LIBS) $(ATF_C_LIBS)
# Session tickets sealed under a named key.
check_PROGRAMS += tests/crypto/ticket_aead_test
tests_crypto_ticket_aead_test_SOURCES = tests/crypto/ticket_aead_test.c $(TEST_UTIL_SOURCES)
tests_crypto_ticket_aead_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_crypto_ticket_aead_test_LDADD = $(MOAT_CRYPTO_LIBS) $(ATF_C_LIBS)
