# The CBC record padding and MAC check is constant time, as memcheck sees it
# (ctgrind): with the decrypted record marked undefined, no conditional jump
# and no memory index depends on it. Timing is not measured (a loaded test
# machine would make that a coin toss); this checks the property that makes
# timing independent of the record. A textbook early-exit padding check run
# the same way is the positive control: memcheck must flag it, or the method
# proves nothing.

CT="$(atf_get_srcdir)/ct-cbc"

# ct_run MODE: valgrind on ct-cbc MODE; its report in vg.txt, its status in $VG_STATUS.
ct_run()
{
	[ -x "$CT" ] || atf_fail "$CT not built"
	"$CT" ct >probe.txt 2>&1
	[ $? = 77 ] && atf_skip "$(cat probe.txt)"
	valgrind --tool=memcheck --error-exitcode=9 --track-origins=yes "$CT" "$1" >out.txt 2>vg.txt
	VG_STATUS=$?
}

atf_test_case cbc_check_constant_time
cbc_check_constant_time_head()
{
	atf_set "descr" "memcheck with the decrypted record undefined: moat_record_cbc_check branches and indexes on no byte of it"
	atf_set "require.progs" "valgrind"
	atf_set "timeout" "600"
}
cbc_check_constant_time_body()
{
	ct_run ct
	cat out.txt
	if grep -q "depends on uninitialised value\|Use of uninitialised value" vg.txt; then
		cat vg.txt >&2
		atf_fail "memcheck saw the CBC check depend on the secret record"
	fi
	[ "$VG_STATUS" = 0 ] || { cat vg.txt >&2; atf_fail "ct-cbc under valgrind exited $VG_STATUS"; }
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
	ct_run leaky
	grep -q "Conditional jump or move depends on uninitialised value" vg.txt ||
		{ cat vg.txt >&2; atf_fail "memcheck did not see the early-exit check's branches"; }
	[ "$VG_STATUS" = 9 ] || atf_fail "valgrind exited $VG_STATUS, expected its error status 9"
}

atf_init_test_cases()
{
	atf_add_test_case cbc_check_constant_time
	atf_add_test_case leaky_check_is_caught
}
