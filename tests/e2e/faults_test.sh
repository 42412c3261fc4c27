# Faults around frontd: keyd killed, or stopped and restarted under load, a backend
# that is down, a frontd whose user keyd does not serve. (Garbage and
# truncated IPC messages are keyd's own tests: tests/keyd.)
#
# What must hold each time: clients get a quick, clean failure instead of a
# hang, frontd keeps running, and service comes back by itself once the
# fault is gone.

. "$(atf_get_srcdir)/lib"

now_ms()
{
	echo $(($(date +%s%N) / 1000000))
}

# handshake_loop: curl https://localhost/ over and over until $RUN/stop exists
# (at most 90 s), one line per attempt in $RUN/loop: "ok|fail MILLISECONDS".
handshake_loop()
{
	_end=$(($(date +%s) + 90))
	while [ -d "$RUN" ] && [ ! -f "$RUN/stop" ] && [ "$(date +%s)" -lt "$_end" ]; do
		_t0=$(now_ms)
		if curl -sS --max-time 10 --cacert "$RUN/ca.pem" --resolve "localhost:$FRONTD_PORT:127.0.0.1" \
			-o /dev/null "https://localhost:$FRONTD_PORT/" 2>>"$RUN/loop.err"; then
			_r=ok
		else
			_r=fail
		fi
		echo "$_r $(($(now_ms) - _t0))" >>"$RUN/loop"
		sleep 0.05
	done
}

# count_after MARK RESULT: lines of $RUN/loop after the first MARK ones that say RESULT.
count_after()
{
	tail -n +"$(($1 + 1))" "$RUN/loop" | grep -c "^$2 "
}

# wait_count MARK RESULT N: until count_after reaches N.
wait_count()
{
	wait_until count_reaches "$@"
}

count_reaches()
{
	[ "$(count_after "$1" "$2")" -ge "$3" ]
}

atf_test_case keyd_restart cleanup
keyd_restart_head()
{
	atf_set "descr" "kill -9 keyd and keep it away while a loop of handshakes runs: they fail within keyd-timeout, an established connection carries on, and after keyd restarts handshakes succeed again with the same frontd"
	atf_set "require.progs" "curl openssl"
	atf_set "timeout" "150"
}
keyd_restart_body()
{
	e2e_init
	make_ca ca moat-e2e-ca
	make_cert rsa rsa localhost
	make_cert echo p256 echo.test
	keyd_conf "$(frontd_allow)" rsa echo
	keyd_start
	backend_start web
	e2e_site localhost "$BACKEND" rsa -- 'alpn "http/1.1"'
	backend_start echo echo
	e2e_site echo.test "$BACKEND" echo
	frontd_start
	frontd_pid=$FRONTD_PID

	session_start echo.test
	session_say "before the crash" || e2e_fail "the echo session does not work"

	: >"$RUN/loop"
	handshake_loop &
	e2e_track faults_test $!
	loop_pid=$!
	wait_count 0 ok 3 || e2e_fail "the handshake loop does not succeed: $(tail -n 3 "$RUN/loop.err")"

	keyd_stop KILL
	[ $? -ne 124 ] || e2e_fail "keyd survived SIGKILL"
	mark=$(wc -l <"$RUN/loop")
	wait_count "$mark" fail 3 || e2e_fail "handshakes still succeed with keyd dead"
	# Fail fast: each failure within the keyd timeout (2 s) plus a margin, nowhere near curl's 10 s.
	slow=$(tail -n +"$((mark + 1))" "$RUN/loop" | awk '$1 == "fail" && $2 > 4000' | head -n 1)
	[ -z "$slow" ] || e2e_fail "a handshake took $slow ms to fail with keyd down"
	session_say "while keyd is down" || e2e_fail "the established connection broke when keyd died"

	keyd_start
	mark=$(wc -l <"$RUN/loop")
	wait_count "$mark" ok 3 || e2e_fail "handshakes do not succeed again after keyd restarted"
	: >"$RUN/stop"
	wait "$loop_pid"

	session_say "after the restart" || e2e_fail "the established connection broke when keyd came back"
	session_end
	[ "$FRONTD_PID" = "$frontd_pid" ] && kill -0 "$frontd_pid" || e2e_fail "frontd did not survive"
	echo "attempts: $(grep -c '^ok' "$RUN/loop") ok, $(grep -c '^fail' "$RUN/loop") failed"
}
keyd_restart_cleanup()
{
	e2e_cleanup
}

# load_value KEY: a key=value of the load generator's result line.
load_value()
{
	sed -n "s/.* $1=\([0-9]*\).*/\1/p" "$RUN/load.out" | head -n 1
}

atf_test_case keyd_restart_under_load cleanup
keyd_restart_under_load_head()
{
	atf_set "descr" "keyd stopped with SIGTERM and started again while handshakes come at about 500 per second: not one fails, and frontd logs the reconnection"
	atf_set "require.progs" "openssl"
	atf_set "timeout" "180"
}
keyd_restart_under_load_body()
{
	e2e_init
	require_built "$LOADGEN"
	make_ca ca moat-e2e-ca
	make_cert local p256 localhost
	keyd_conf "$(frontd_allow)" local
	keyd_start
	backend_start web
	e2e_site localhost "$BACKEND" local
	# Deadlines far beyond a restart, even on a loaded machine: the test counts outcomes, it times nothing.
	printf 'keyd-timeout 10s\nhandshake-timeout 30s\n' >"$RUN/frontd.extra"
	frontd_start

	"$LOADGEN" --connect "127.0.0.1:$FRONTD_PORT" --mode handshake --rate 500 --conns 64 --duration 8 \
		--timeout 60 >"$RUN/load.out" 2>"$RUN/load.err" &
	load_pid=$!
	e2e_track "$LOADGEN" "$load_pid"
	wait_for_stat keyd_signatures -ge 300 || e2e_fail "the load does not get handshakes through"

	# A restart as a service manager does it: stop, wait for the exit, start again.
	before=$(frontd_stat keyd_signatures)
	keyd_stop TERM
	[ "$EXIT_STATUS" = 0 ] || e2e_fail "keyd exited with status $EXIT_STATUS on SIGTERM"
	keyd_start
	wait_for_stat keyd_signatures -ge $((before + 300)) || e2e_fail "no handshakes after keyd restarted"

	wait_exit "$load_pid" 120
	cat "$RUN/load.out" "$RUN/load.err"
	started=$(load_value started)
	completed=$(load_value completed)
	failed=$(load_value failed)
	[ -n "$started" ] && [ "$started" -gt 0 ] || e2e_fail "no result from the load generator: $(cat "$RUN/load.err")"
	[ "$failed" = 0 ] || e2e_fail "$failed of $started handshakes failed across the keyd restart"
	[ "$completed" = "$started" ] || e2e_fail "$started handshakes started, $completed completed"

	grep -q "keyd .*: connection lost: keyd closed the connection; reconnecting" "$RUN/frontd.log" ||
		e2e_fail "frontd did not log that keyd went away"
	grep -Eq "keyd .*: connected \(max in flight [0-9]+\) after [0-9]+ ms without keyd" "$RUN/frontd.log" ||
		e2e_fail "frontd did not log the reconnection"
	grep -E "keyd .*: (connection lost|connected .* after)" "$RUN/frontd.log"
	grep -E "stopping: |shutting down" "$RUN/keyd.log"
	echo "keyd_resent=$(frontd_stat keyd_resent) keyd_failed_fast=$(frontd_stat keyd_failed_fast)"
	[ "$(frontd_stat keyd_failed_fast)" = 0 ] || e2e_fail "frontd refused key operations while keyd restarted"
	frontd_alive
}
keyd_restart_under_load_cleanup()
{
	e2e_cleanup
}

handshake_ok()
{
	e2e_s_client localhost >"$RUN/handshake.out"
}

atf_test_case keyd_away_past_deadline cleanup
keyd_away_past_deadline_head()
{
	atf_set "descr" "keyd away for longer than keyd-timeout: the handshake waiting for it fails with an alert and frontd logs how long keyd has been unreachable; handshakes succeed again once keyd is back"
	atf_set "require.progs" "openssl"
	atf_set "timeout" "120"
}
keyd_away_past_deadline_body()
{
	e2e_init
	make_ca ca moat-e2e-ca
	make_cert local p256 localhost
	keyd_conf "$(frontd_allow)" local
	keyd_start
	backend_start web
	e2e_site localhost "$BACKEND" local
	echo "keyd-timeout 1s" >"$RUN/frontd.extra"
	frontd_start
	e2e_s_client localhost >"$RUN/before.out" || e2e_fail "no handshake with keyd up: $(tail -n 5 "$RUN/before.out")"

	keyd_stop TERM
	# The handshake waits for keyd up to keyd-timeout, then fails: an alert, not a hang.
	e2e_s_client localhost >"$RUN/away.out" && e2e_fail "a handshake succeeded with keyd stopped"
	grep -qi "alert" "$RUN/away.out" || e2e_fail "the handshake failed without an alert: $(tail -n 5 "$RUN/away.out")"
	wait_line "$RUN/frontd.log" "keyd .*: unreachable for [0-9]+ ms \(keyd-timeout 1000 ms\)" ||
		e2e_fail "frontd did not log that keyd is unreachable"
	# Past the deadline keyd is down, not restarting: the next handshake fails as well.
	e2e_s_client localhost >"$RUN/away2.out" && e2e_fail "a handshake succeeded with keyd stopped"

	keyd_start
	wait_until handshake_ok || e2e_fail "handshakes do not succeed again once keyd is back"
	grep -E "keyd .*: (unreachable|connected .* after)" "$RUN/frontd.log"
	frontd_alive
}
keyd_away_past_deadline_cleanup()
{
	e2e_cleanup
}

atf_test_case backend_down cleanup
backend_down_head()
{
	atf_set "descr" "a backend that is down, or dies, gives the client a quick clean close; frontd keeps serving the other sites"
	atf_set "require.progs" "curl openssl"
	atf_set "timeout" "120"
}
backend_down_body()
{
	e2e_init
	make_ca ca moat-e2e-ca
	make_cert local p256 localhost
	make_cert up p256 up.test
	keyd_conf "$(frontd_allow)" local up
	keyd_start
	backend_start web
	e2e_site localhost "127.0.0.1:$(free_port)" local -- 'alpn "http/1.1"'
	e2e_site up.test "$BACKEND" up -- 'alpn "http/1.1"'
	frontd_start

	for attempt in 1 2 3; do
		t0=$(now_ms)
		e2e_curl localhost / -o /dev/null 2>"$RUN/down.err" && e2e_fail "a request to a dead backend succeeded"
		rc=$?
		ms=$(($(now_ms) - t0))
		[ $rc -ne 28 ] && [ $ms -lt 5000 ] ||
			e2e_fail "a dead backend took $ms ms (curl exit $rc): $(cat "$RUN/down.err")"
		echo "dead backend, attempt $attempt: curl exit $rc after $ms ms: $(cat "$RUN/down.err")"
	done
	e2e_curl up.test / -o "$RUN/page" 2>"$RUN/up.err" || e2e_fail "the working site fails too: $(cat "$RUN/up.err")"
	grep -q "it works" "$RUN/page" || e2e_fail "not the demo page"

	# The backend dies while frontd runs.
	backend_stop || e2e_fail "the backend did not stop cleanly"
	t0=$(now_ms)
	e2e_curl up.test / -o /dev/null 2>"$RUN/died.err" && e2e_fail "a request to a stopped backend succeeded"
	rc=$?
	ms=$(($(now_ms) - t0))
	[ $rc -ne 28 ] && [ $ms -lt 5000 ] || e2e_fail "a stopped backend took $ms ms (curl exit $rc)"
	frontd_alive
}
backend_down_cleanup()
{
	e2e_cleanup
}

atf_test_case unauthorised_uid cleanup
unauthorised_uid_head()
{
	atf_set "descr" "keyd refuses a frontd whose uid it does not serve: handshakes fail with an alert, keyd logs why and frontd what it saw (end of file or the errno)"
	atf_set "require.progs" "openssl"
	atf_set "timeout" "120"
}
unauthorised_uid_body()
{
	e2e_init
	make_ca ca moat-e2e-ca
	make_cert local p256 localhost
	# Serve some other uid only.
	if [ "$(id -u)" -eq 0 ]; then
		other=$(id -u daemon 2>/dev/null || echo 1)
	else
		other=$(($(id -u) + 1))
	fi
	keyd_conf "uid $other" local
	keyd_start
	# The socket's mode would already keep frontd out; open it so that the
	# refusal tested is keyd's own check of the peer's credentials.
	chmod 0666 "$RUN/keyd.sock"
	backend_start web
	e2e_site localhost "$BACKEND" local
	frontd_start

	e2e_s_client localhost >"$RUN/refused.out" && e2e_fail "a handshake succeeded though keyd refuses frontd"
	grep -qi "alert" "$RUN/refused.out" || e2e_fail "the handshake failed without an alert: $(tail -n 5 "$RUN/refused.out")"
	frontd_uid=$(awk '/^Uid:/ { print $3 }' "/proc/$FRONTD_PID/status")
	wait_line "$RUN/keyd.log" "$frontd_uid" ||
		e2e_fail "keyd does not log the refused uid $frontd_uid"
	grep -Eiq "refus|denied|not allowed|unauthori|permission|rejected" "$RUN/frontd.log" ||
		e2e_fail "frontd does not log why keyd refused it"
	# What frontd saw, as it saw it: keyd answers a refused peer with no reply, only a close.
	grep -Eq "keyd closed the connection before answering HELLO \((end of file|Connection reset by peer|Broken pipe)\)" \
		"$RUN/frontd.log" || e2e_fail "frontd does not say what it saw of keyd's refusal"
	grep -Ei "refus|denied|not allowed|unauthori|permission|rejected" "$RUN/keyd.log" "$RUN/frontd.log"
	frontd_alive
}
unauthorised_uid_cleanup()
{
	e2e_cleanup
}

atf_test_case signals_exit_cleanly cleanup
signals_exit_cleanly_head()
{
	atf_set "descr" "SIGTERM and SIGINT stop frontd, keyd and the backend with status 0, promptly, with connections open"
	atf_set "require.progs" "openssl"
	atf_set "timeout" "120"
}
signals_exit_cleanly_body()
{
	e2e_init
	make_ca ca moat-e2e-ca
	make_cert local p256 localhost
	keyd_conf "$(frontd_allow)" local
	keyd_start
	backend_start echo echo
	e2e_site localhost "$BACKEND" local
	frontd_start
	session_start localhost
	session_say "an open connection" || e2e_fail "the echo session does not work"

	frontd_stop TERM
	rc=$?
	[ $rc -eq 0 ] || e2e_fail "frontd exited with status $rc on SIGTERM"
	session_end
	keyd_stop INT
	rc=$?
	[ $rc -eq 0 ] || e2e_fail "keyd exited with status $rc on SIGINT"
	backend_stop TERM
	rc=$?
	[ $rc -eq 0 ] || e2e_fail "the backend exited with status $rc on SIGTERM"
	port_listening "$FRONTD_PORT" && e2e_fail "frontd's port still listens"
	return 0
}
signals_exit_cleanly_cleanup()
{
	e2e_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case keyd_restart
	atf_add_test_case keyd_restart_under_load
	atf_add_test_case keyd_away_past_deadline
	atf_add_test_case backend_down
	atf_add_test_case unauthorised_uid
	atf_add_test_case signals_exit_cleanly
}
