# In-process tests of the TLS connection layer (our client against our server).
check_PROGRAMS += tests/tls/handshake_test
tests_tls_handshake_test_SOURCES = tests/tls/handshake_test.c tests/tls/test_certs.c tests/tls/test_certs.h \
	$(TEST_UTIL_SOURCES)
tests_tls_handshake_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_tls_handshake_test_LDADD = $(MOAT_TEST_TLS_LIBS) $(ATF_C_LIBS)

# TLS 1.3 session tickets and resumption, our client against our server, tickets sealed in-process.
check_PROGRAMS += tests/tls/resumption_test
tests_tls_resumption_test_SOURCES = tests/tls/resumption_test.c tests/tls/test_certs.c tests/tls/test_certs.h \
	tls/examples/ticket_sealer.c tls/examples/ticket_sealer.h $(TEST_UTIL_SOURCES)
# The sealer includes <moat.h> as an application does.
tests_tls_resumption_test_CPPFLAGS = $(TEST_CPPFLAGS) -I$(top_srcdir)/tls
tests_tls_resumption_test_LDADD = $(MOAT_TEST_TLS_LIBS) $(ATF_C_LIBS)

# External PSKs (the guide's API), our client against our server, with and without a certificate.
check_PROGRAMS += tests/tls/external_psk_test
tests_tls_external_psk_test_SOURCES = tests/tls/external_psk_test.c tests/tls/test_certs.c tests/tls/test_certs.h \
	$(TEST_UTIL_SOURCES)
tests_tls_external_psk_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_tls_external_psk_test_LDADD = $(MOAT_TEST_TLS_LIBS) $(ATF_C_LIBS)

# A scripted hostile peer against our server and our client: one alert per malformed or unexpected message.
check_PROGRAMS += tests/tls/hostile_peer_test
tests_tls_hostile_peer_test_SOURCES = tests/tls/hostile_peer_test.c tests/tls/scripted_peer.c \
	tests/tls/scripted_peer.h tests/tls/test_certs.c tests/tls/test_certs.h $(TEST_UTIL_SOURCES)
tests_tls_hostile_peer_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_tls_hostile_peer_test_LDADD = $(MOAT_TEST_TLS_LIBS) $(ATF_C_LIBS)

# The ML-KEM hybrid groups against a scripted peer: choice, HelloRetryRequest both ways, bad shares.
check_PROGRAMS += tests/tls/hybrid_peer_test
tests_tls_hybrid_peer_test_SOURCES = tests/tls/hybrid_peer_test.c tests/tls/scripted_peer.c \
	tests/tls/scripted_peer.h tests/tls/test_certs.c tests/tls/test_certs.h $(TEST_UTIL_SOURCES)
tests_tls_hybrid_peer_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_tls_hybrid_peer_test_LDADD = $(MOAT_TEST_TLS_LIBS) $(ATF_C_LIBS)

# Every list a peer sends, at the longest the wire format allows, the wanted item last.
check_PROGRAMS += tests/tls/hostile_lists_test
tests_tls_hostile_lists_test_SOURCES = tests/tls/hostile_lists_test.c tests/tls/scripted_peer.c \
	tests/tls/scripted_peer.h tests/tls/test_certs.c tests/tls/test_certs.h $(TEST_UTIL_SOURCES)
tests_tls_hostile_lists_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_tls_hostile_lists_test_LDADD = $(MOAT_TEST_TLS_LIBS) $(ATF_C_LIBS)

# The handshake transcript: raw messages, the running hash, and the raw copy a version may keep.
check_PROGRAMS += tests/tls/transcript_test
tests_tls_transcript_test_SOURCES = tests/tls/transcript_test.c $(TEST_UTIL_SOURCES)
tests_tls_transcript_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_tls_transcript_test_LDADD = $(MOAT_TEST_TLS_LIBS) $(ATF_C_LIBS)

# The handshake state machines against RFC 8446 Appendix A, and every reachable row's handler.
check_PROGRAMS += tests/tls/hs_tables_test
tests_tls_hs_tables_test_SOURCES = tests/tls/hs_tables_test.c $(TEST_UTIL_SOURCES)
tests_tls_hs_tables_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_tls_hs_tables_test_LDADD = $(MOAT_TEST_TLS_LIBS) $(ATF_C_LIBS)

# The extension rows and per-message lists against RFC 8446 §4.2, and the walks over them.
check_PROGRAMS += tests/tls/ext_rows_test
tests_tls_ext_rows_test_SOURCES = tests/tls/ext_rows_test.c $(TEST_UTIL_SOURCES)
tests_tls_ext_rows_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_tls_ext_rows_test_LDADD = $(MOAT_TEST_TLS_LIBS) $(ATF_C_LIBS)

# The public header: enough for an application's error handling, and free of the library's internal macros.
check_PROGRAMS += tests/tls/public_header_test
tests_tls_public_header_test_SOURCES = tests/tls/public_header_test.c $(TEST_UTIL_SOURCES)
tests_tls_public_header_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_tls_public_header_test_LDADD = $(MOAT_TEST_TLS_LIBS) $(ATF_C_LIBS)

# The TLS 1.2 RSA key exchange below the handshake: the async DECRYPT operation and the premaster version step.
check_PROGRAMS += tests/tls/tls12_resume_test
tests_tls_tls12_resume_test_SOURCES = tests/tls/tls12_resume_test.c tests/tls/scripted_peer.c \
	tests/tls/scripted_peer.h tests/tls/test_certs.c tests/tls/test_certs.h $(TEST_UTIL_SOURCES)
tests_tls_tls12_resume_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_tls_tls12_resume_test_LDADD = $(MOAT_TEST_TLS_LIBS) $(ATF_C_LIBS)

check_PROGRAMS += tests/tls/tls12_rsa_kex_test
tests_tls_tls12_rsa_kex_test_SOURCES = tests/tls/tls12_rsa_kex_test.c tests/tls/test_certs.c tests/tls/test_certs.h \
	$(TEST_UTIL_SOURCES)
tests_tls_tls12_rsa_kex_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_tls_tls12_rsa_kex_test_LDADD = $(MOAT_TEST_TLS_LIBS) $(ATF_C_LIBS)
