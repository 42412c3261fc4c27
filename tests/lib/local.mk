# The shell library of the atf-sh suites (tests/e2e, tests/frontd,
# tests/interop, tests/keyd): sourced by their scripts, not run by Kyua. It is
# copied into the build tree beside the test programs, where the scripts find
# it through atf_get_srcdir, and is hung on check-local like the scripts.
TEST_SH_LIB = tests/lib/moat_test_lib
EXTRA_DIST += tests/lib/moat_test_lib.sh
CLEANFILES += $(TEST_SH_LIB)

$(TEST_SH_LIB): %: %.sh
	$(AM_V_GEN)mkdir -p $(@D) && cp $< $@

check-local: $(TEST_SH_LIB)
