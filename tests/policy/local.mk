# policy tests: the cipher-suite registry and the named security policies.
check_PROGRAMS += tests/policy/cipher_suites_test tests/policy/security_policy_test

tests_policy_cipher_suites_test_SOURCES = tests/policy/cipher_suites_test.c $(TEST_UTIL_SOURCES)
tests_policy_cipher_suites_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_policy_cipher_suites_test_LDADD = $(MOAT_TEST_TLS_LIBS) $(ATF_C_LIBS)

tests_policy_security_policy_test_SOURCES = tests/policy/security_policy_test.c $(TEST_UTIL_SOURCES)
tests_policy_security_policy_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_policy_security_policy_test_LDADD = $(MOAT_TEST_TLS_LIBS) $(ATF_C_LIBS)
