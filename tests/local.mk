# Tests: ATF programs run by Kyua. 'make check' runs the whole suite and ends
# with one line "N passed, N failed" taken from the Kyua report.
TEST_CPPFLAGS = $(AM_CPPFLAGS) $(ATF_C_CFLAGS)
TEST_LDADD = common/libmoat_common.a $(ATF_C_LIBS) $(LIBCRYPTO_LIBS) $(PTHREAD_LIBS)

# Every test program carries these (sanitizer_defaults must be linked as an
# object: nothing references it, so an archive member would be dropped).
TEST_UTIL_SOURCES = tests/moat_test.h tests/sanitizer_defaults.c tests/test_hex.c tests/test_hex.h

COMMON_TESTS = \
	tests/common/cursor_test \
	tests/common/buf_test \
	tests/common/error_test \
	tests/common/secmem_test \
	tests/common/session_cache_test \
	tests/common/log_clock_test
check_PROGRAMS += $(COMMON_TESTS)

tests_common_cursor_test_SOURCES = tests/common/cursor_test.c $(TEST_UTIL_SOURCES)
tests_common_cursor_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_common_cursor_test_LDADD = $(TEST_LDADD)
tests_common_buf_test_SOURCES = tests/common/buf_test.c $(TEST_UTIL_SOURCES)
tests_common_buf_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_common_buf_test_LDADD = $(TEST_LDADD)
tests_common_error_test_SOURCES = tests/common/error_test.c $(TEST_UTIL_SOURCES)
tests_common_error_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_common_error_test_LDADD = $(TEST_LDADD)
tests_common_secmem_test_SOURCES = tests/common/secmem_test.c $(TEST_UTIL_SOURCES)
tests_common_secmem_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_common_secmem_test_LDADD = $(TEST_LDADD)
tests_common_session_cache_test_SOURCES = tests/common/session_cache_test.c $(TEST_UTIL_SOURCES)
tests_common_session_cache_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_common_session_cache_test_LDADD = $(TEST_LDADD)
tests_common_log_clock_test_SOURCES = tests/common/log_clock_test.c $(TEST_UTIL_SOURCES)
tests_common_log_clock_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_common_log_clock_test_LDADD = $(TEST_LDADD)

# The smoke program: proves the build links against every dependency and
# exercises the common/ primitives end to end. demo.sh runs it until the
# daemons exist.
check_PROGRAMS += tests/smoke
tests_smoke_SOURCES = tests/smoke.c
tests_smoke_LDADD = common/libmoat_common.a $(LIBCRYPTO_LIBS) $(LIBEVENT_LIBS) $(LIBSECCOMP_LIBS) $(PTHREAD_LIBS)
tests_smoke_CPPFLAGS = $(AM_CPPFLAGS) $(LIBEVENT_CFLAGS) $(LIBSECCOMP_CFLAGS)

MOAT_TEST_TLS_LIBS = $(MOAT_TLS_LIBS) $(ATF_C_LIBS)
include tests/crypto/local.mk
include tests/record/local.mk
include tests/messages/local.mk
include tests/policy/local.mk
include tests/tls/local.mk
include tests/lib/local.mk
include tests/interop/local.mk
include tests/conf/local.mk
include tests/keyd/local.mk
include tests/frontd/local.mk
include tests/e2e/local.mk
include tests/deploy/local.mk
include tests/bench/local.mk
include tests/ipc/local.mk
include tests/fuzz/ipc.mk
include tests/fuzz/ipc_ticket.mk
include tests/fuzz/key_admin.mk
include tests/fuzz/record.mk
include tests/fuzz/record_cbc.mk
include tests/fuzz/messages.mk
include tests/fuzz/conf.mk
include tests/fuzz/keyd_reply.mk
include tests/fuzz/server.mk
include tests/fuzz/proxy.mk
include tests/fuzz/metrics_http.mk
include tests/fuzz/session_state.mk
include tests/fuzz/mlkem.mk

# atf-sh test scripts: copied into the build tree so Kyua finds them beside the C programs.
ATF_SH_TESTS = tests/smoke_test
check_SCRIPTS = $(ATF_SH_TESTS)
# Other directories add atf-sh tests as: ATF_SH_TESTS += tests/dir/x_test, with tests/dir/x_test.sh in EXTRA_DIST.
CLEANFILES += $(ATF_SH_TESTS) tests/results.db tests/report.txt tests/kyua.status
EXTRA_DIST += tests/Kyuafile tests/fuzz/Kyuafile tests/common/Kyuafile tests/crypto/Kyuafile tests/record/Kyuafile tests/messages/Kyuafile tests/policy/Kyuafile tests/tls/Kyuafile tests/interop/Kyuafile tests/smoke_test.sh tests/kyua-summary.sh

$(ATF_SH_TESTS): %: %.sh
	$(AM_V_GEN)mkdir -p $(@D) && { echo '#! $(ATF_SH)'; cat $<; } > $@ && chmod +x $@

# Kyua's own closing lines (where it saved the results, "N/M passed") are
# filtered out of its progress, so the summary below is the one totals line.
check-local: $(check_PROGRAMS) $(check_SCRIPTS)
	@rm -f tests/results.db tests/kyua.status
	@status=0; \
	{ $(KYUA) --config=none test --kyuafile=$(srcdir)/tests/Kyuafile --build-root=tests \
		--results-file=tests/results.db 2>&1; echo $$? > tests/kyua.status; } | \
		sed -u -e '/^$$/d' -e '/^Results file id is /d' -e '/^Results saved to /d' \
			-e '/^[0-9][0-9]* *\/ *[0-9][0-9]* passed (/d'; \
	status=$$(cat tests/kyua.status 2>/dev/null || echo 1); \
	$(KYUA) --config=none report --results-file=tests/results.db \
		--results-filter=broken,failed --verbose > tests/report.txt || true; \
	$(SHELL) $(srcdir)/tests/kyua-summary.sh tests/results.db tests/report.txt || status=1; \
	exit $$status
