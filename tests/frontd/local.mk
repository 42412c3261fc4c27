# frontd tests: unit tests of its parts (C, ATF) and the daemon end to end
# (atf-sh, frontd_test) with helpers that are not tests themselves:
# fake_keyd (the data-socket side of moat-keyd, signing with key files:
# tests only), echo_backend (the plaintext server behind frontd),
# tls_pipe_client (a client that half-closes, which s_client cannot) and
# pp_relay (a load balancer sending a PROXY header of the test's choosing).
FRONTD_TEST_LIBS = frontd/libfrontd.a $(MOAT_CONF_LIBS) $(MOAT_IPC_TLS_LIBS) $(LIBEVENT_LIBS) $(LIBSECCOMP_LIBS) $(ATF_C_LIBS)
FRONTD_TEST_CPPFLAGS = $(TEST_CPPFLAGS) $(LIBEVENT_CFLAGS)

check_PROGRAMS += tests/frontd/sites_test tests/frontd/config_test tests/frontd/keyd_client_test \
	tests/frontd/accesslog_test tests/frontd/proxy_protocol_test tests/frontd/backends_choice_test tests/frontd/metrics_sum_test
tests_frontd_metrics_sum_test_SOURCES = tests/frontd/metrics_sum_test.c $(TEST_UTIL_SOURCES)
tests_frontd_metrics_sum_test_CPPFLAGS = $(FRONTD_TEST_CPPFLAGS)
tests_frontd_metrics_sum_test_LDADD = $(FRONTD_TEST_LIBS)
tests_frontd_sites_test_SOURCES = tests/frontd/sites_test.c tests/tls/test_certs.c tests/tls/test_certs.h $(TEST_UTIL_SOURCES)
tests_frontd_sites_test_CPPFLAGS = $(FRONTD_TEST_CPPFLAGS)
tests_frontd_sites_test_LDADD = $(FRONTD_TEST_LIBS)
tests_frontd_config_test_SOURCES = tests/frontd/config_test.c $(TEST_UTIL_SOURCES)
tests_frontd_config_test_CPPFLAGS = $(FRONTD_TEST_CPPFLAGS)
tests_frontd_config_test_LDADD = $(FRONTD_TEST_LIBS)
tests_frontd_keyd_client_test_SOURCES = tests/frontd/keyd_client_test.c $(TEST_UTIL_SOURCES)
tests_frontd_keyd_client_test_CPPFLAGS = $(FRONTD_TEST_CPPFLAGS)
tests_frontd_keyd_client_test_LDADD = $(FRONTD_TEST_LIBS)
tests_frontd_accesslog_test_SOURCES = tests/frontd/accesslog_test.c $(TEST_UTIL_SOURCES)
tests_frontd_accesslog_test_CPPFLAGS = $(FRONTD_TEST_CPPFLAGS)
tests_frontd_accesslog_test_LDADD = $(FRONTD_TEST_LIBS)
tests_frontd_proxy_protocol_test_SOURCES = tests/frontd/proxy_protocol_test.c $(TEST_UTIL_SOURCES)
tests_frontd_proxy_protocol_test_CPPFLAGS = $(FRONTD_TEST_CPPFLAGS)
tests_frontd_proxy_protocol_test_LDADD = $(FRONTD_TEST_LIBS)
tests_frontd_backends_choice_test_SOURCES = tests/frontd/backends_choice_test.c $(TEST_UTIL_SOURCES)
tests_frontd_backends_choice_test_CPPFLAGS = $(FRONTD_TEST_CPPFLAGS)
tests_frontd_backends_choice_test_LDADD = $(FRONTD_TEST_LIBS)

check_PROGRAMS += tests/frontd/fake_keyd tests/frontd/echo_backend tests/frontd/tls_pipe_client tests/frontd/pp_relay
tests_frontd_fake_keyd_SOURCES = tests/frontd/fake_keyd.c
tests_frontd_fake_keyd_LDADD = $(MOAT_IPC_LIBS)
tests_frontd_echo_backend_SOURCES = tests/frontd/echo_backend.c
tests_frontd_pp_relay_SOURCES = tests/frontd/pp_relay.c
tests_frontd_tls_pipe_client_SOURCES = tests/frontd/tls_pipe_client.c
tests_frontd_tls_pipe_client_LDADD = $(MOAT_TLS_LIBS)

# The daemon end to end; the scripts and their shared helpers are copied
# beside the programs (as in tests/interop).
FRONTD_SH_TESTS = tests/frontd/frontd_test tests/frontd/proxy_protocol_e2e_test tests/frontd/policy_test \
	tests/frontd/client_cert_test tests/frontd/ocsp_test tests/frontd/drain_test tests/frontd/reload_test \
	tests/frontd/backends_test \
	tests/frontd/metrics_test tests/frontd/readme_config_test
FRONTD_SH_LIB = tests/frontd/frontd_test_lib
# The reload test's client that stops in the middle of its ClientHello, copied beside it.
FRONTD_TOOLS = tests/frontd/slow_hello
EXTRA_DIST += tests/frontd/Kyuafile tests/frontd/frontd_test.sh tests/frontd/proxy_protocol_e2e_test.sh \
	tests/frontd/policy_test.sh tests/frontd/client_cert_test.sh tests/frontd/ocsp_test.sh tests/frontd/drain_test.sh \
	tests/frontd/reload_test.sh tests/frontd/frontd_test_lib.sh tests/frontd/slow_hello.py tests/frontd/backends_test.sh tests/frontd/metrics_test.sh \
	tests/frontd/readme_config_test.sh
CLEANFILES += $(FRONTD_SH_TESTS) $(FRONTD_SH_LIB) $(FRONTD_TOOLS)

$(FRONTD_SH_TESTS): %: %.sh
	$(AM_V_GEN)mkdir -p $(@D) && { echo '#! $(ATF_SH)'; cat $<; } > $@ && chmod +x $@

$(FRONTD_SH_LIB): %: %.sh
	$(AM_V_GEN)mkdir -p $(@D) && cp $< $@

tests/frontd/slow_hello: tests/frontd/slow_hello.py
	$(AM_V_GEN)mkdir -p $(@D) && cp $< $@ && chmod +x $@

check-local: $(FRONTD_SH_TESTS) $(FRONTD_SH_LIB) $(FRONTD_TOOLS)

# A test build of the daemon: the same main.c and archive, plus the hidden
# option that makes a forbidden call once the sandbox is on.
check_PROGRAMS += tests/frontd/moat-frontd-test
tests_frontd_moat_frontd_test_SOURCES = frontd/main.c tests/frontd/sandbox_trigger.c tests/frontd/sandbox_trigger.h
tests_frontd_moat_frontd_test_CPPFLAGS = $(AM_CPPFLAGS) $(LIBEVENT_CFLAGS) -DMOAT_FRONTD_TESTING
tests_frontd_moat_frontd_test_LDADD = $(FRONTD_LIBS)
