# ML-KEM-768 is constant time, as memcheck sees it (ctgrind): with the
# secrets marked undefined (the key generation seed, the encapsulated
# message, the decapsulation key), no conditional jump and no memory index
# depends on them in key generation, encapsulation, or decapsulation of a
# valid or a modified ciphertext. Only what FIPS 203 makes public (rho, ek,
# the ciphertext) is declassified, by the library, where it is published.
# Timing is not measured (a loaded test machine would make that a coin
# toss); this checks the property that makes timing independent of the
# secrets. A textbook early-exit compare of the re-encryption, run the same
# way, is the positive control: memcheck must flag it, or the method proves
# nothing.

# ct_run and the expectations: tests/lib/moat_test_lib.
. "$(atf_get_srcdir)/../lib/moat_test_lib"

CT="$(atf_get_srcdir)/ct-mlkem"

atf_test_case mlkem_constant_time
mlkem_constant_time_head()
{
	atf_set "descr" "memcheck with seed, m and dk undefined: ML-KEM-768 branches and indexes on none of them"
	atf_set "require.progs" "valgrind"
	atf_set "timeout" "600"
}
mlkem_constant_time_body()
{
	ct_run "$CT" ct
	ct_expect_clean "memcheck saw ML-KEM depend on a secret"
	atf_check -o ignore grep "^ct: 12 operations, 0 wrong answers$" out.txt
}

atf_test_case leaky_compare_is_caught
leaky_compare_is_caught_head()
{
	atf_set "descr" "positive control: an early-exit compare of the re-encryption run the same way is reported by memcheck"
	atf_set "require.progs" "valgrind"
	atf_set "timeout" "600"
}
leaky_compare_is_caught_body()
{
	ct_run "$CT" leaky
	ct_expect_caught
}

atf_init_test_cases()
{
	atf_add_test_case mlkem_constant_time
	atf_add_test_case leaky_compare_is_caught
}
