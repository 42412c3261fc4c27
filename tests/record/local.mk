# Record layer tests: protection round trips and hostile records, RFC 8448 known answers,
# the protection interface (keys, version bounds, CCS and alert writers, alert effects),
# buffered I/O over mock transports and a socketpair.
RECORD_TESTS = \
	tests/record/record_test \
	tests/record/record_rfc8448_test \
	tests/record/record_io_test \
	tests/record/record_protection_test \
	tests/record/record_tls12_test
check_PROGRAMS += $(RECORD_TESTS)

tests_record_record_test_SOURCES = tests/record/record_test.c tests/record/record_test_util.h $(TEST_UTIL_SOURCES)
tests_record_record_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_record_record_test_LDADD = $(MOAT_TEST_TLS_LIBS) $(ATF_C_LIBS)
tests_record_record_rfc8448_test_SOURCES = tests/record/record_rfc8448_test.c tests/rfc8448_vectors.h $(TEST_UTIL_SOURCES)
tests_record_record_rfc8448_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_record_record_rfc8448_test_LDADD = $(MOAT_TEST_TLS_LIBS) $(ATF_C_LIBS)
tests_record_record_io_test_SOURCES = tests/record/record_io_test.c tests/record/record_test_util.h $(TEST_UTIL_SOURCES)
tests_record_record_io_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_record_record_io_test_LDADD = $(MOAT_TEST_TLS_LIBS) $(ATF_C_LIBS)
tests_record_record_protection_test_SOURCES = tests/record/record_protection_test.c tests/record/record_test_util.h \
	$(TEST_UTIL_SOURCES)
tests_record_record_protection_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_record_record_protection_test_LDADD = $(MOAT_TEST_TLS_LIBS) $(ATF_C_LIBS)
tests_record_record_tls12_test_SOURCES = tests/record/record_tls12_test.c $(TEST_UTIL_SOURCES)
tests_record_record_tls12_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_record_record_tls12_test_LDADD = $(MOAT_TEST_TLS_LIBS) $(ATF_C_LIBS)
