# A second keyd started on the sockets of a running one refuses to displace
# it ("in use by a running keyd"), and the running keyd does not log that
# check as a refused intruder: the newcomer looks for it at its control
# socket, where it is a peer like moat-keyctl (root, or keyd's own user),
# not at the data socket, which refuses everybody the test runs as here.
# A refused peer on the data socket is still logged as such.

. "$(atf_get_srcdir)/keyd_lib"

# A uid no account has: the data socket refuses everybody the test runs as.
NOBODYS_UID=3999999

atf_test_case second_keyd
second_keyd_head()
{
	atf_set "descr" "a second keyd finds the running one at its control socket: refuses to start, nothing refused in the running one's log"
	atf_set "require.progs" "openssl"
}
second_keyd_body()
{
	make_keys p256
	write_conf p256
	sed -i "s/^allow uid .*/allow uid $NOBODYS_UID/" keyd.conf
	start_keyd
	for _i in 1 2 3; do
		atf_check -s exit:1 -o empty -e match:"control socket: $(ctl_sock) is in use by a running keyd" \
			"$KEYD" -d -f "$(pwd)/keyd.conf"
	done
	if grep "refused" keyd.log; then
		atf_fail "the running keyd logged the newcomer's check as a refusal"
	fi
	[ "$(stat_value refused)" = 0 ] || atf_fail "refused counter is $(stat_value refused), expected 0"
	# Both sockets are still the running keyd's.
	atf_check -o match:"is alive" "$KEYCTL" -s "$(ctl_sock)" ping

	# A stranger on the data socket is refused and logged, as before.
	atf_check -o match:"^hello closed$" "$CLIENT" -s "$(data_sock)" hello
	grep -q "\[notice\]: refused data-socket peer (pid [0-9]*, uid $(id -u), gid $(id -g)): no allow rule matches its uid or groups\$" keyd.log ||
		{ cat keyd.log >&2; atf_fail "a refused peer was not logged as a notice"; }
	[ "$(stat_value refused)" = 1 ] || atf_fail "refused counter is $(stat_value refused), expected 1"
	stop_keyd
}

atf_init_test_cases()
{
	atf_add_test_case second_keyd
}
