# keyd tests: the operations in-process (keyd_ops_test, keyd_config_test),
# and the real daemon driven from atf-sh scripts with a scriptable client
# (ipc-client) and a test build of the daemon (moat-keyd-test: the same
# objects, plus the hidden options that prove the sandbox kills).
#
# ATF_SH_TESTS is first set in tests/local.mk after this fragment is
# included, so the scripts get their own list and rule (the same as the
# generic one) hung on check-local, as tests/interop does.
KEYD_TESTS = \
	tests/keyd/keyd_ops_test \
	tests/keyd/keyd_config_test \
	tests/keyd/keyd_tickets_test \
	tests/keyd/keyd_early_record_test \
	tests/keyd/keyd_keyset_test
check_PROGRAMS += $(KEYD_TESTS) tests/keyd/ipc-client tests/keyd/moat-keyd-test tests/keyd/syslog-sink \
	tests/keyd/ct-select

tests_keyd_keyd_ops_test_SOURCES = tests/keyd/keyd_ops_test.c tests/keyd/keyd_test_keys.c \
	tests/keyd/keyd_test_keys.h $(TEST_UTIL_SOURCES)
tests_keyd_keyd_ops_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_keyd_keyd_ops_test_LDADD = $(MOAT_KEYD_LIBS) $(ATF_C_LIBS)
tests_keyd_keyd_config_test_SOURCES = tests/keyd/keyd_config_test.c tests/keyd/keyd_test_keys.c \
	tests/keyd/keyd_test_keys.h $(TEST_UTIL_SOURCES)
tests_keyd_keyd_config_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_keyd_keyd_config_test_LDADD = $(MOAT_KEYD_LIBS) $(ATF_C_LIBS)
tests_keyd_keyd_keyset_test_SOURCES = tests/keyd/keyd_keyset_test.c tests/keyd/keyd_test_keys.c \
	tests/keyd/keyd_test_keys.h $(TEST_UTIL_SOURCES)
tests_keyd_keyd_keyset_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_keyd_keyd_keyset_test_LDADD = $(MOAT_KEYD_LIBS) $(ATF_C_LIBS)

tests_keyd_keyd_tickets_test_SOURCES = tests/keyd/keyd_tickets_test.c $(TEST_UTIL_SOURCES)
tests_keyd_keyd_tickets_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_keyd_keyd_tickets_test_LDADD = $(MOAT_KEYD_LIBS) $(ATF_C_LIBS)

tests_keyd_keyd_early_record_test_SOURCES = tests/keyd/keyd_early_record_test.c $(TEST_UTIL_SOURCES)
tests_keyd_keyd_early_record_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_keyd_keyd_early_record_test_LDADD = $(MOAT_KEYD_LIBS) $(ATF_C_LIBS)

tests_keyd_ipc_client_SOURCES = tests/keyd/ipc-client.c
tests_keyd_ipc_client_LDADD = $(MOAT_KEYD_LIBS)

tests_keyd_syslog_sink_SOURCES = tests/keyd/syslog-sink.c
tests_keyd_ct_select_SOURCES = tests/keyd/ct-select.c tests/ct_probe.h
tests_keyd_ct_select_LDADD = $(MOAT_KEYD_LIBS)

tests_keyd_moat_keyd_test_SOURCES = keyd/main.c
tests_keyd_moat_keyd_test_CPPFLAGS = $(AM_CPPFLAGS) $(LIBSECCOMP_CFLAGS) -DMOAT_KEYD_TESTING
tests_keyd_moat_keyd_test_LDADD = $(MOAT_KEYD_LIBS)

KEYD_SH_TESTS = tests/keyd/keyd_lib tests/keyd/keyd_daemon_test tests/keyd/keyd_config_errors_test \
	tests/keyd/keyd_sandbox_test tests/keyd/keyd_ct_check tests/keyd/keyd_link_test tests/keyd/keyd_probe_test \
	tests/keyd/keyd_tickets_daemon_test \
	tests/keyd/keyd_keyctl_keys_test tests/keyd/keyd_metrics_test
EXTRA_DIST += tests/keyd/Kyuafile tests/keyd/keyd_lib.sh tests/keyd/keyd_daemon_test.sh \
	tests/keyd/keyd_keyctl_keys_test.sh tests/keyd/keyd_metrics_test.sh \
	tests/keyd/keyd_config_errors_test.sh tests/keyd/keyd_sandbox_test.sh tests/keyd/keyd_ct_check.sh \
	tests/keyd/keyd_link_test.sh tests/keyd/keyd_probe_test.sh tests/keyd/keyd_tickets_daemon_test.sh
CLEANFILES += $(KEYD_SH_TESTS)

$(KEYD_SH_TESTS): %: %.sh
	$(AM_V_GEN)mkdir -p $(@D) && { echo '#! $(ATF_SH)'; cat $<; } > $@ && chmod +x $@

check-local: $(KEYD_SH_TESTS)
