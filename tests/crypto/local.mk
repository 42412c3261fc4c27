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
# ML-KEM-768 (FIPS 203): published known answers, the input checks, implicit rejection.
check_PROGRAMS += tests/crypto/mlkem_test
tests_crypto_mlkem_test_SOURCES = tests/crypto/mlkem_test.c tests/mlkem_vectors.h $(TEST_UTIL_SOURCES)
tests_crypto_mlkem_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_crypto_mlkem_test_LDADD = $(MOAT_CRYPTO_LIBS) $(ATF_C_LIBS)
# ML-KEM under valgrind (ctgrind style): ct-mlkem is the probe, built from the
# ML-KEM sources with MOAT_CT_PROBE so that the library declassifies what it
# publishes; mlkem_ct_check the atf-sh script (rule as in tests/record/local.mk).
check_PROGRAMS += tests/crypto/ct-mlkem
tests_crypto_ct_mlkem_SOURCES = tests/crypto/ct-mlkem.c tests/ct_probe.h $(MLKEM_SOURCES)
tests_crypto_ct_mlkem_CPPFLAGS = $(AM_CPPFLAGS) -DMOAT_CT_PROBE
tests_crypto_ct_mlkem_LDADD = $(MOAT_CRYPTO_LIBS)
CRYPTO_SH_TESTS = tests/crypto/mlkem_ct_check
EXTRA_DIST += tests/crypto/mlkem_ct_check.sh
CLEANFILES += $(CRYPTO_SH_TESTS)

$(CRYPTO_SH_TESTS): %: %.sh
	$(AM_V_GEN)mkdir -p $(@D) && { echo '#! $(ATF_SH)'; cat $<; } > $@ && chmod +x $@

check-local: $(CRYPTO_SH_TESTS)
