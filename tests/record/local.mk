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

# The CBC padding and MAC check under valgrind (ctgrind style): ct-cbc is the
# probe, cbc_ct_check the atf-sh script (rule as in tests/keyd/local.mk).
check_PROGRAMS += tests/record/ct-cbc
tests_record_ct_cbc_SOURCES = tests/record/ct-cbc.c tests/ct_probe.h
tests_record_ct_cbc_LDADD = $(MOAT_TLS_LIBS)
RECORD_SH_TESTS = tests/record/cbc_ct_check
EXTRA_DIST += tests/record/cbc_ct_check.sh
CLEANFILES += $(RECORD_SH_TESTS)

$(RECORD_SH_TESTS): %: %.sh
	$(AM_V_GEN)mkdir -p $(@D) && { echo '#! $(ATF_SH)'; cat $<; } > $@ && chmod +x $@

check-local: $(RECORD_SH_TESTS)
