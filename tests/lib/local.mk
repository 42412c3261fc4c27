# The shell library of the atf-sh suites (tests/e2e, tests/frontd,
# tests/interop, tests/keyd): sourced by their scripts, not run by Kyua. It is
# copied into the build tree beside the test programs, where the scripts find
# it through atf_get_srcdir, and is hung on check-local like the scripts.
# moat_test_lib_test checks the library itself.
TEST_SH_LIB = tests/lib/moat_test_lib
TEST_SH_LIB_TESTS = tests/lib/moat_test_lib_test
EXTRA_DIST += tests/lib/Kyuafile tests/lib/moat_test_lib.sh tests/lib/moat_test_lib_test.sh
CLEANFILES += $(TEST_SH_LIB) $(TEST_SH_LIB_TESTS)

$(TEST_SH_LIB): %: %.sh
	$(AM_V_GEN)mkdir -p $(@D) && cp $< $@

# ATF_SH_TESTS is first set in tests/local.mk after this fragment is
# included, so the test gets its own rule (the same as the generic one).
$(TEST_SH_LIB_TESTS): %: %.sh
	$(AM_V_GEN)mkdir -p $(@D) && { echo '#! $(ATF_SH)'; cat $<; } > $@ && chmod +x $@

check-local: $(TEST_SH_LIB) $(TEST_SH_LIB_TESTS)
