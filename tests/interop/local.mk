# Interop tests: our example programs (tls/examples) against OpenSSL's and
# GnuTLS's command-line tools: atf-sh scripts, where a missing peer tool is a
# skip (require.progs); browser_test drives Chromium and Firefox against
# moat-frontd (with tests/e2e/lib). interop_lib is sourced by the scripts,
# not run by Kyua.
#
# ATF_SH_TESTS is first set in tests/local.mk after this fragment is
# included, so the scripts get their own list and rule (the same as the
# generic one) and are hung on check-local.
INTEROP_SH_TESTS = tests/interop/interop_lib tests/interop/openssl_test tests/interop/gnutls_test \
	tests/interop/browser_test
EXTRA_DIST += tests/interop/interop_lib.sh tests/interop/openssl_test.sh tests/interop/gnutls_test.sh \
	tests/interop/browser_test.sh
CLEANFILES += $(INTEROP_SH_TESTS)

$(INTEROP_SH_TESTS): %: %.sh
	$(AM_V_GEN)mkdir -p $(@D) && { echo '#! $(ATF_SH)'; cat $<; } > $@ && chmod +x $@

check-local: $(INTEROP_SH_TESTS)

# A relay that sends the first connection to one server and the rest to another (gnutls-cli's 0-RTT).
check_PROGRAMS += tests/interop/first_relay
tests_interop_first_relay_SOURCES = tests/interop/first_relay.c

# The named policies' TLS 1.2-and-older suites, from the library's table, for the per-policy matrix.
check_PROGRAMS += tests/interop/policy_suites
tests_interop_policy_suites_SOURCES = tests/interop/policy_suites.c
tests_interop_policy_suites_CPPFLAGS = $(AM_CPPFLAGS)
tests_interop_policy_suites_LDADD = $(MOAT_TLS_LIBS)
