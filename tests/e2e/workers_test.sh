# moat-frontd with several worker processes (moat-frontd.conf(5), workers;
# moat-frontd(8), PROCESSES): handshakes spread over the workers; a worker
# killed loses only its own connections and is started again in its slot;
# a reload replaces every worker and keeps what they serve; SIGUSR1 sent to
# every process of the daemon reaches each worker once.

. "$(atf_get_srcdir)/lib"

# One echo site (localhost, P-256), a JSON access log file, "workers 2"; frontd started.
wk_start()
{
	e2e_init
	make_ca ca moat-e2e-ca
	make_cert local p256 localhost
	keyd_conf "$(frontd_allow)" local
	keyd_start
	backend_start echo echo
	e2e_site localhost "$BACKEND" local
	mkdir "$RUN/logs"
	[ "$(id -u)" -eq 0 ] && chown "$FRONTD_USER" "$RUN/logs"
	{
		echo "workers 2"
		echo "access-log \"logs/access.log\" json"
		echo "drain-timeout 5s"
	} >"$RUN/frontd.extra"
	frontd_start
	[ "$(frontd_workers "$FRONTD_PID" | wc -l)" -eq 2 ] ||
		e2e_fail "not 2 workers under the master: $(frontd_workers "$FRONTD_PID" | tr '\n' ' ')"
}

# wk_handshakes N: N handshakes, four clients at a time; fails unless each one succeeds.
wk_handshakes()
{
	for _c in 1 2 3 4; do
		(
			_i=0
			while [ "$_i" -lt "$(($1 / 4))" ]; do
				e2e_s_client localhost </dev/null >/dev/null 2>&1 || exit 1
				_i=$((_i + 1))
			done
		) &
		eval "_wk_$_c=\$!"
	done
	_failed=0
	for _c in 1 2 3 4; do
		eval "wait \$_wk_$_c" || _failed=$((_failed + 1))
	done
	[ "$_failed" -eq 0 ] || e2e_fail "$_failed of 4 clients saw a handshake fail"
}

# wk_worker_stat INDEX NAME: counter NAME of worker INDEX, from the newest statistics line it logged.
wk_worker_stat()
{
	grep "stats (SIGUSR1): .* worker=$1 generation=" "$RUN/frontd.log" | tail -n 1 | sed -n "s/.* $2=\([0-9]*\).*/\1/p"
}

wk_log_lines()
{
	[ "$(wc -l <"$RUN/logs/access.log")" -ge "$1" ]
}

atf_test_case spread cleanup
spread_head()
{
	atf_set "descr" "workers 2: 200 handshakes, each worker does at least 30% of them; the master says it serves 2 workers; both workers' lines in one access log file, each whole"
	atf_set "require.progs" "openssl python3"
	atf_set "timeout" "180"
}
spread_body()
{
	wk_start
	grep -q 'serving: generation 1 (1 site, 2 workers)' "$RUN/frontd.log" ||
		e2e_fail "no serving line for 2 workers: $(grep serving "$RUN/frontd.log")"
	for i in 0 1; do
		grep -q "worker [0-9]* serving generation 1 (worker $i of 2)" "$RUN/frontd.log" ||
			e2e_fail "worker $i was never said to serve"
	done
	wk_handshakes 200
	total=$(frontd_stat handshakes)
	[ "$total" -eq 200 ] || e2e_fail "the workers counted $total handshakes, not 200"
	for i in 0 1; do
		n=$(wk_worker_stat "$i" handshakes)
		echo "worker $i: $n of 200 handshakes"
		[ -n "$n" ] && [ "$n" -ge 60 ] || e2e_fail "worker $i did ${n:-no} handshakes of 200 (want at least 30%)"
	done
	# Both workers append to the file: 200 lines, each one JSON object (no line cut into by another).
	wait_until wk_log_lines 200 || e2e_fail "expected 200 access log lines, found $(wc -l <"$RUN/logs/access.log")"
	python3 -c '
import json, sys
lines = open(sys.argv[1], encoding="ascii").read().split("\n")
assert lines[-1] == "", "the file does not end with a whole line"
for n, l in enumerate(lines[:-1], 1):
    e = json.loads(l)
    assert e["sni"] == "localhost" and e["version"] == "TLSv1.3", "line %d: %r" % (n, l)
print(len(lines) - 1, "whole lines")' "$RUN/logs/access.log" || e2e_fail "the access log has a broken line"
	frontd_alive
}
spread_cleanup()
{
	e2e_cleanup
}

atf_test_case kill_one cleanup
kill_one_head()
{
	atf_set "descr" "SIGKILL to one of 2 workers: a session held by the other keeps echoing, the killed one is restarted in its slot with a new pid and a log line, handshakes go on"
	atf_set "require.progs" "openssl"
	atf_set "timeout" "180"
}
kill_one_body()
{
	wk_start
	session_start localhost
	session_say "before" || e2e_fail "the session did not echo: $(cat "$RUN/session.log")"
	# The worker holding the session says open=1; the other one is killed.
	frontd_stat open >/dev/null
	if [ "$(wk_worker_stat 0 open)" = 1 ]; then holder=0 victim=1; else holder=1 victim=0; fi
	[ "$(wk_worker_stat "$holder" open)" = 1 ] || e2e_fail "no worker holds the session"
	victim_pid=$(frontd_worker_at "$victim")
	holder_pid=$(frontd_worker_at "$holder")
	[ -n "$victim_pid" ] && [ -n "$holder_pid" ] || e2e_fail "no pid for the workers in the log"
	mark=$(wc -l <"$RUN/frontd.log")
	kill -KILL "$victim_pid"
	wait_until frontd_logged_since "$mark" \
		"worker $victim_pid exited \\(signal 9, [^)]*\\); restarting in [0-9]+ ms \\(worker $victim of 2, generation 1\\)" ||
		e2e_fail "no log line for the killed worker: $(tail -n +"$((mark + 1))" "$RUN/frontd.log")"
	wait_until frontd_logged_since "$mark" "worker [0-9]+ serving generation 1 \\(worker $victim of 2\\)" ||
		e2e_fail "worker $victim did not come back"
	new_pid=$(frontd_worker_at "$victim")
	[ "$new_pid" != "$victim_pid" ] || e2e_fail "worker $victim still has the killed pid"
	kill -0 "$new_pid" 2>/dev/null || e2e_fail "the restarted worker $new_pid is not running"
	[ "$(frontd_worker_at "$holder")" = "$holder_pid" ] || e2e_fail "worker $holder was restarted too"
	kill -0 "$holder_pid" 2>/dev/null || e2e_fail "worker $holder ($holder_pid) is gone"
	session_say "after" || e2e_fail "the session held by worker $holder stopped echoing"
	wk_handshakes 20
	session_say "still" || e2e_fail "the session stopped echoing"
	session_end
	frontd_alive
}
kill_one_cleanup()
{
	e2e_cleanup
}

atf_test_case reload cleanup
reload_head()
{
	atf_set "descr" "SIGHUP with 2 workers: a new generation of 2 serves, the old pair drains (a held session keeps echoing until it ends), handshakes go on"
	atf_set "require.progs" "openssl"
	atf_set "timeout" "180"
}
reload_body()
{
	wk_start
	old=$(frontd_workers "$FRONTD_PID" | sort | tr '\n' ' ')
	session_start localhost
	session_say "before" || e2e_fail "the session did not echo: $(cat "$RUN/session.log")"
	mark=$(wc -l <"$RUN/frontd.log")
	kill -HUP "$FRONTD_PID"
	wait_until frontd_logged_since "$mark" 'reload: generation 2 serving \(1 site, 2 workers\)' ||
		e2e_fail "generation 2 did not serve: $(tail -n +"$((mark + 1))" "$RUN/frontd.log")"
	for i in 0 1; do
		frontd_logged_since "$mark" "worker [0-9]+ serving generation 2 \\(worker $i of 2\\)" ||
			e2e_fail "worker $i of generation 2 did not serve"
	done
	session_say "during" || e2e_fail "the session stopped echoing at the reload"
	wk_handshakes 20
	session_end
	# The old pair leaves once its connections are done; the new pair stays.
	for pid in $old; do
		wait_until -p "$FRONTD_PID" test ! -d "/proc/$pid" || e2e_fail "old worker $pid did not stop"
	done
	[ "$(frontd_workers "$FRONTD_PID" | wc -l)" -eq 2 ] || e2e_fail "not 2 workers after the reload"
	frontd_alive
}
reload_cleanup()
{
	e2e_cleanup
}

# wk_usr1_seen STATS N: N SIGUSR1 handled by the workers since there were
# STATS statistics lines: acted on (a statistics line) or left to the master.
wk_usr1_seen()
{
	[ "$(($(stats_lines) - $1 + $(grep -c 'SIGUSR1 from pid [0-9]* left to the master' "$RUN/frontd.log")))" -ge "$2" ]
}

wk_reopened()
{
	[ "$(($(grep -c 'access log reopened' "$RUN/frontd.log") - $1))" -ge "$2" ]
}

atf_test_case stop_drains_all cleanup
stop_drains_all_head()
{
	atf_set "descr" "SIGTERM to the master with 2 workers: both drain (a session held open gets close_notify) and exit 0, then the master"
	atf_set "require.progs" "openssl"
	atf_set "timeout" "120"
}
stop_drains_all_body()
{
	wk_start
	workers=$(frontd_workers "$FRONTD_PID" | tr '\n' ' ')
	session_start localhost
	session_say "before" || e2e_fail "the session did not echo: $(cat "$RUN/session.log")"
	frontd_stop
	[ "$EXIT_STATUS" -eq 0 ] || e2e_fail "the master exited $EXIT_STATUS: $(tail -n 20 "$RUN/frontd.log")"
	for i in 0 1; do
		grep -Eq "worker [0-9]+ of generation 1 exited \(status 0\) as worker $i" "$RUN/frontd.log" ||
			e2e_fail "worker $i did not drain and exit 0: $(tail -n 20 "$RUN/frontd.log")"
	done
	for pid in $workers; do
		[ ! -d "/proc/$pid" ] || e2e_fail "worker $pid outlived the master"
	done
	# The idle session was closed by its worker with close_notify: s_client leaves by itself.
	wait_exit "$SESSION_PID"
	[ "$EXIT_STATUS" -ne 124 ] || e2e_fail "the session was not closed by the drain"
	exec 7>&-
}
stop_drains_all_cleanup()
{
	e2e_cleanup
}

atf_test_case cpu_affinity cleanup
cpu_affinity_head()
{
	atf_set "descr" "worker-cpu-affinity on: worker i runs on the i-th CPU the master may use, and says so"
	atf_set "require.progs" "openssl python3"
	atf_set "timeout" "120"
}
cpu_affinity_body()
{
	e2e_init
	cpus=$(python3 -c 'import os; print(" ".join(str(c) for c in sorted(os.sched_getaffinity(0))))')
	set -- $cpus
	[ $# -ge 2 ] || atf_skip "needs two CPUs"
	make_ca ca moat-e2e-ca
	make_cert local p256 localhost
	keyd_conf "$(frontd_allow)" local
	keyd_start
	backend_start echo echo
	e2e_site localhost "$BACKEND" local
	printf 'workers 2\nworker-cpu-affinity on\n' >"$RUN/frontd.extra"
	frontd_start
	for i in 0 1; do
		eval "want=\${$((i + 1))}"
		pid=$(frontd_worker_at "$i")
		got=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "/proc/$pid/status")
		[ "$got" = "$want" ] || e2e_fail "worker $i ($pid) may run on CPUs $got, not $want"
		grep -q "worker $i: pinned to CPU $want" "$RUN/frontd.log" || e2e_fail "worker $i did not log its CPU"
	done
	e2e_s_client localhost >/dev/null || e2e_fail "the handshake failed"
	frontd_alive
}
cpu_affinity_cleanup()
{
	e2e_cleanup
}

atf_test_case usr1_once cleanup
usr1_once_head()
{
	atf_set "descr" "SIGUSR1 to every process of the daemon (as pkill or systemctl kill do): each worker logs its counters and reopens the access log once"
	atf_set "require.progs" "openssl"
	atf_set "timeout" "120"
}
usr1_once_body()
{
	wk_start
	e2e_s_client localhost >/dev/null || e2e_fail "the handshake failed"
	stats=$(stats_lines)
	reopens=$(grep -c 'access log reopened' "$RUN/frontd.log")
	# As pkill -USR1 moat-frontd does: each process in turn, the workers first (a
	# copy sent while the master's is still pending would merge with it).
	kill -USR1 $(frontd_workers "$FRONTD_PID")
	wait_until wk_usr1_seen "$stats" 2 || e2e_fail "the workers neither acted on SIGUSR1 nor left it to the master"
	kill -USR1 "$FRONTD_PID"
	wait_until stats_lines_above "$stats" 2 || e2e_fail "the workers did not log their counters"
	# The master's copies come after the workers' own: once both lines of
	# the master's are there, any line of the direct copies would be too.
	wait_until wk_usr1_seen "$stats" 4 || e2e_fail "the workers did not act on the master's SIGUSR1"
	n=$(($(stats_lines) - stats))
	[ "$n" -eq 2 ] || e2e_fail "$n statistics lines for 2 workers after one SIGUSR1 to each process"
	# Each statistics line went with a reopen, which the opener helper answers in its own time.
	wait_until wk_reopened "$reopens" "$(($(stats_lines) - stats))" || e2e_fail "the access log was not reopened"
	n=$(($(grep -c 'access log reopened' "$RUN/frontd.log") - reopens))
	[ "$n" -eq 2 ] || e2e_fail "the access log was reopened $n times by 2 workers"
	for i in 0 1; do
		[ "$(grep -c "stats (SIGUSR1): .* worker=$i generation=" "$RUN/frontd.log")" -eq 1 ] ||
			e2e_fail "worker $i did not log its counters exactly once"
	done
	frontd_alive
}
usr1_once_cleanup()
{
	e2e_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case spread
	atf_add_test_case kill_one
	atf_add_test_case reload
	atf_add_test_case stop_drains_all
	atf_add_test_case cpu_affinity
	atf_add_test_case usr1_once
}
