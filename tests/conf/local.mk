# Config parser tests: the grammar from memory, files and includes on disk, the typed helpers.
check_PROGRAMS += tests/conf/conf_parse_test tests/conf/conf_include_test tests/conf/conf_args_test

tests_conf_conf_parse_test_SOURCES = tests/conf/conf_parse_test.c tests/conf/conf_check.h $(TEST_UTIL_SOURCES)
tests_conf_conf_parse_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_conf_conf_parse_test_LDADD = $(MOAT_CONF_LIBS) $(TEST_LDADD)

tests_conf_conf_include_test_SOURCES = tests/conf/conf_include_test.c tests/conf/conf_check.h $(TEST_UTIL_SOURCES)
tests_conf_conf_include_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_conf_conf_include_test_LDADD = $(MOAT_CONF_LIBS) $(TEST_LDADD)

tests_conf_conf_args_test_SOURCES = tests/conf/conf_args_test.c tests/conf/conf_check.h $(TEST_UTIL_SOURCES)
tests_conf_conf_args_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_conf_conf_args_test_LDADD = $(MOAT_CONF_LIBS) $(TEST_LDADD)

EXTRA_DIST += tests/conf/Kyuafile
