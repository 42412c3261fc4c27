# moat-frontd.conf(5)'s list of built-in security policies is generated from
# the code (policy/policy_table, `make update-policy-table`): this test fails
# when the page and the policies frontd really has differ, so a policy
# changed in policy/security_policy.c cannot leave the page behind.

. "$(atf_get_srcdir)/build.env"

atf_test_case same_as_code
same_as_code_head()
{
	atf_set "descr" "the page's generated policy list is what policy/policy_table prints from the code"
}
same_as_code_body()
{
	page="$MOAT_TOP_SRCDIR/man/moat-frontd.conf.5"
	table="$(atf_get_srcdir)/../../policy/policy_table"
	[ -x "$table" ] || atf_fail "no program at $table"
	"$table" >want || atf_fail "policy_table failed"
	grep -q '^\.It Li default_tls13$' want || atf_fail "policy_table printed no default_tls13"
	sed -n '/^\.\\" BEGIN GENERATED/,/^\.\\" END GENERATED/p' "$page" | sed '1d;$d' >got
	[ -s got ] || atf_fail "no generated part (BEGIN GENERATED ... END GENERATED) in moat-frontd.conf.5"
	if ! cmp -s want got; then
		diff got want >&2
		atf_fail "moat-frontd.conf(5) lists other policies than the code has: run make update-policy-table"
	fi
}

atf_init_test_cases()
{
	atf_add_test_case same_as_code
}
