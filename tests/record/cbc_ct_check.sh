# The CBC record padding and MAC check is constant time, as memcheck sees it
# (ctgrind): with the decrypted record marked undefined, no conditional jump
# and no memory index depends on it. Timing is not measured (a loaded test
# machine would make that a coin toss); this checks the property that makes
# timing independent of the record. A textbook early-exit padding check run
# the same way is the positive control: memcheck must flag it, or the method
# proves nothing.

# ct_run and the expectations: tests/lib/moat_test_lib.
. "$(atf_get_srcdir)/../lib/moat_test_lib"

CT="$(atf_get_srcdir)/ct-cbc"

atf_test_case cbc_check_constant_time
cbc_check_constant_time_head()
{
	atf_set "descr" "memcheck with the decrypted record undefined: moat_record_cbc_check branches and indexes on no byte of it"
	atf_set "require.progs" "valgrind"
	atf_set "timeout" "600"
}
cbc_check_constant_time_body()
{
	ct_run "$CT" ct
	ct_expect_clean "memcheck saw the CBC check depend on the secret record"
	atf_check -o ignore grep "^ct: [0-9]* records, 0 wrong answers$" out.txt
}

atf_test_case leaky_check_is_caught
leaky_check_is_caught_head()
{
	atf_set "descr" "positive control: an early-exit padding check run the same way is reported by memcheck"
	atf_set "require.progs" "valgrind"
}
leaky_check_is_caught_body()
{
	ct_run "$CT" leaky
	ct_expect_caught
}

atf_init_test_cases()
{
	atf_add_test_case cbc_check_constant_time
	atf_add_test_case leaky_check_is_caught
}
