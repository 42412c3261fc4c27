# policy tests: the cipher-suite registry, the named security policies and policy blocks.
check_PROGRAMS += tests/policy/cipher_suites_test tests/policy/security_policy_test

tests_policy_cipher_suites_test_SOURCES = tests/policy/cipher_suites_test.c $(TEST_UTIL_SOURCES)
tests_policy_cipher_suites_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_policy_cipher_suites_test_LDADD = $(MOAT_TEST_TLS_LIBS) $(ATF_C_LIBS)

tests_policy_security_policy_test_SOURCES = tests/policy/security_policy_test.c $(TEST_UTIL_SOURCES)
tests_policy_security_policy_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_policy_security_policy_test_LDADD = $(MOAT_TEST_TLS_LIBS) $(ATF_C_LIBS)

check_PROGRAMS += tests/policy/policy_block_test
tests_policy_policy_block_test_SOURCES = tests/policy/policy_block_test.c $(TEST_UTIL_SOURCES)
tests_policy_policy_block_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_policy_policy_block_test_LDADD = $(MOAT_CONF_LIBS) $(MOAT_TEST_TLS_LIBS) $(ATF_C_LIBS)
