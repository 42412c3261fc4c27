# The shell library of the suites (moat_test_lib) keeps its promises: waits
# are bounded and give up early when the process they watch is gone,
# wait_exit returns the child's status or 124 for one it had to kill,
# the EXIT trap stops what was tracked, and make_cert makes the keys and
# certificates it is asked for.

. "$(atf_get_srcdir)/moat_test_lib"

atf_test_case waits_are_bounded
waits_are_bounded_head()
{
	atf_set "descr" "wait_line/wait_size/wait_until return 1 after their time, saying what they waited for"
}
waits_are_bounded_body()
{
	WAIT_SECONDS=1
	: >f
	_t0=$(date +%s)
	wait_line f '^never$' 2>err && atf_fail "wait_line found a line that is not there"
	grep -qF "1s passed waiting for: has_line f ^never$" err || { cat err; atf_fail "no message: $(cat err)"; }
	wait_size f 10 2>/dev/null && atf_fail "wait_size saw bytes that are not there"
	wait_until -t 1 false 2>/dev/null && atf_fail "wait_until false succeeded"
	# Three waits of a second each (polling every 50 ms), not forever.
	[ $(($(date +%s) - _t0)) -le 6 ] || atf_fail "the waits took $(($(date +%s) - _t0))s"
	# Something that comes in time is seen.
	(sleep 0.3 && echo "listening on 4242" >g) &
	wait_listening g || atf_fail "wait_listening missed the line"
	[ "$LISTEN_AT" = 4242 ] || atf_fail "LISTEN_AT is '$LISTEN_AT'"
	wait
}

atf_test_case waits_give_up_when_the_process_goes
waits_give_up_when_the_process_goes_head()
{
	atf_set "descr" "a wait given a PID returns once it exits, but still sees what it wrote before"
}
waits_give_up_when_the_process_goes_body()
{
	WAIT_SECONDS=30
	: >f
	sh -c 'sleep 0.2' &
	_t0=$(date +%s)
	wait_line f '^x$' $! 2>err && atf_fail "wait_line found a line that is not there"
	[ $(($(date +%s) - _t0)) -le 5 ] || atf_fail "wait_line waited out its 30s for a process that had gone"
	grep -q "exited while waiting for" err || atf_fail "no message: $(cat err)"
	# Written just before exiting: the last look finds it.
	sh -c 'echo x >f' &
	_p=$!
	sleep 0.3
	wait_line f '^x$' $_p || atf_fail "the last look did not see the line"
	wait
}

atf_test_case wait_exit_status
wait_exit_status_head()
{
	atf_set "descr" "wait_exit returns the child's status (also in EXIT_STATUS), or kills it and returns 124"
}
wait_exit_status_body()
{
	sh -c 'sleep 0.2; exit 3' &
	wait_exit $!
	_rc=$?
	[ $_rc -eq 3 ] && [ "$EXIT_STATUS" = 3 ] || atf_fail "status $_rc, EXIT_STATUS $EXIT_STATUS, want 3"
	# One that ignores SIGTERM is killed all the same.
	sh -c 'trap "" TERM; exec sleep 30' &
	_p=$!
	wait_exit $_p 1 2>/dev/null
	_rc=$?
	[ $_rc -eq 124 ] || atf_fail "status $_rc for a child that outlived its time, want 124"
	is_gone $_p || atf_fail "the child still runs"
	# An exited child counts as gone at once: waiting for it does not wait out the time.
	sh -c 'exit 0' &
	_p=$!
	sleep 0.2
	wait_gone $_p 1 || atf_fail "an exited child did not count as gone"
	wait $_p
}

atf_test_case exit_trap_stops_tracked
exit_trap_stops_tracked_head()
{
	atf_set "descr" "the EXIT trap stops every tracked process, SIGKILL for one that ignores SIGTERM, then runs MOAT_CLEANUP"
}
exit_trap_stops_tracked_body()
{
	# A child shell that sources the library, starts two sleepers and exits.
	cat >child.sh <<EOF
atf_fail() { echo "\$*" >&2; exit 1; }
. "$(atf_get_srcdir)/moat_test_lib"
sleep 60 & echo \$! >pids; bg_track \$!
sh -c 'trap "" TERM; exec sleep 60' & echo \$! >>pids; bg_track \$!
cleaned() { echo cleaned >hook; }
MOAT_CLEANUP=cleaned
EOF
	sh child.sh || atf_fail "the child failed"
	for _p in $(cat pids); do
		wait_gone "$_p" 5 || { kill -KILL "$_p"; atf_fail "process $_p outlived the test's exit"; }
	done
	[ "$(cat hook 2>/dev/null)" = cleaned ] || atf_fail "MOAT_CLEANUP did not run"
}

atf_test_case certificates
certificates_head()
{
	atf_set "descr" "make_ca/make_cert/make_key: key types, CN and SANs, CA and leaf extensions, file modes"
	atf_set "require.progs" "openssl"
}
certificates_body()
{
	mkdir pki
	CERT_DIR=pki
	make_ca ca test-ca
	make_cert ec p384 localhost
	make_cert -c ca wild p256 b.test DNS:b.test 'DNS:*.b.test'
	make_cert -s self ed25519 self.test
	make_key small.key rsa1024
	atf_check -o ignore openssl verify -CAfile pki/ca.pem pki/ec.pem pki/wild.pem
	atf_check -s not-exit:0 -o ignore -e ignore openssl verify -CAfile pki/ca.pem pki/self.pem
	atf_check -o match:"CA:TRUE" -o match:"Certificate Sign" openssl x509 -in pki/ca.pem -noout -text
	atf_check -o match:"CA:FALSE" -o match:"DNS:localhost, IP Address:127.0.0.1" \
		-o match:"TLS Web Server Authentication, TLS Web Client Authentication" -o match:"NIST CURVE: P-384" \
		-o match:"Subject: CN ?= ?localhost" openssl x509 -in pki/ec.pem -noout -text
	atf_check -o match:"DNS:b.test, DNS:\*.b.test" openssl x509 -in pki/wild.pem -noout -text
	atf_check -o match:"ED25519" openssl x509 -in pki/self.pem -noout -text
	atf_check -o match:"Private-Key: \(1024 bit" openssl pkey -in pki/small.key -noout -text
	for _f in ca.key ec.key wild.key self.key small.key; do
		[ "$(stat -c %a "pki/$_f")" = 600 ] || atf_fail "pki/$_f has mode $(stat -c %a "pki/$_f")"
	done
	[ "$(stat -c %a pki/ec.pem)" = 644 ] || atf_fail "pki/ec.pem has mode $(stat -c %a pki/ec.pem)"
	[ ! -e pki/ec.cnf ] || atf_fail "make_cert left its configuration behind"
}

atf_init_test_cases()
{
	atf_add_test_case waits_are_bounded
	atf_add_test_case waits_give_up_when_the_process_goes
	atf_add_test_case wait_exit_status
	atf_add_test_case exit_trap_stops_tracked
	atf_add_test_case certificates
}
