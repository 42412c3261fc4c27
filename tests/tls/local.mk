# In-process tests of the TLS connection layer (our client against our server).
check_PROGRAMS += tests/tls/handshake_test
tests_tls_handshake_test_SOURCES = tests/tls/handshake_test.c tests/tls/test_certs.c tests/tls/test_certs.h \
	$(TEST_UTIL_SOURCES)
tests_tls_handshake_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_tls_handshake_test_LDADD = $(MOAT_TEST_TLS_LIBS) $(ATF_C_LIBS)
