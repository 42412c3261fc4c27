# moat-frontd stopping gracefully (moat-frontd(8) SIGNALS, frontd/drain.h):
# the first SIGTERM or SIGINT stops accepting, lets handshakes in progress
# and busy connections finish, sends close_notify to idle ones and exits 0
# once none is left or drain-timeout has passed; a second one exits at once.
#
# Clients are openssl s_client whose standard input stays open (a fifo the
# test holds), so that only frontd's close can end them, with -msg so that
# the close_notify they receive shows; and tls_pipe_client for a handshake
# that must go on to carry data. Daemons and waits: frontd_test_lib and
# tests/lib/moat_test_lib.

. "$(atf_get_srcdir)/../lib/moat_test_lib"
. "$(atf_get_srcdir)/frontd_test_lib"

PIPE_CLIENT="$(atf_get_srcdir)/tls_pipe_client"

# drain_conf [LINES...]: site a.test to backend A, b.test to backend B (the default), then LINES.
drain_conf()
{
	cat >conf.in <<EOF
keyd "keyd.sock"
# One worker: the counters and the worker that serves are one process's.
workers 1
keyd-timeout 5s
listen 127.0.0.1:@PORT@
site "a.test" {
	certificate "a.pem"
	backend 127.0.0.1:$A_PORT
}
site "b.test" {
	certificate "b.pem"
	backend 127.0.0.1:$B_PORT
	default
}
EOF
	for _l in "$@"; do
		echo "$_l" >>conf.in
	done
}

# session_open NAME SITE: s_client to SITE, input from fifo NAME.in (held open on descriptor
# FD, default 4), output in NAME.out, messages in NAME.msg; its pid in NAME_PID.
session_open()
{
	_so_fd=${3:-4}
	rm -f "$1.in"
	mkfifo "$1.in"
	: >"$1.out"
	timeout 60 openssl s_client -connect "127.0.0.1:$FPORT" -servername "$2" -brief -nocommands -CAfile ca.pem \
		-verify_return_error -msg -msgfile "$1.msg" <"$1.in" >"$1.out" 2>"$1.err" &
	eval "${1}_PID=$!"
	bg_track $!
	eval "exec $_so_fd>\"$1.in\""
}

# got_close_notify NAME: the session received frontd's close_notify.
got_close_notify()
{
	grep -Eq '^<<< .*Alert.*close_notify' "$1.msg" && return 0
	show "$1.msg" "$1.err" frontd.err
	atf_fail "$1: no close_notify from frontd"
}

# sigterm: SIGTERM to frontd and the time it was sent (T0, seconds).
sigterm()
{
	T0=$(date +%s)
	kill -TERM "$FRONTD_PID"
}

# frontd_exits SECONDS [OPEN]: frontd exits 0 within SECONDS, its last statistics saying OPEN
# connections (default 0) were still open; ELAPSED is the time since T0.
frontd_exits()
{
	wait_exit "$FRONTD_PID" "$1"
	_fe_rc=$?
	ELAPSED=$(($(date +%s) - T0))
	[ $_fe_rc -ne 124 ] || { show frontd.err; atf_fail "frontd still ran $1 s after the signal"; }
	[ $_fe_rc -eq 0 ] || { show frontd.err; atf_fail "frontd exited $_fe_rc"; }
	expect_line frontd.err "stats \\(exit\\): open=${2:-0} "
	frontd_clean_exit
}

# refused: frontd no longer accepts (it is still running, draining).
refused()
{
	frontd_alive
	! port_listening "$FPORT" || atf_fail "frontd still listens while draining"
	if timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$FPORT" 2>/dev/null; then
		atf_fail "a new connection was accepted while draining"
	fi
}

atf_test_case idle_gets_close_notify
idle_gets_close_notify_head()
{
	atf_set "descr" "SIGTERM: an idle kept-alive connection gets close_notify, its backend a clean close, and frontd exits 0 at once"
	atf_set "require.progs" "openssl timeout"
	atf_set "timeout" "60"
}
idle_gets_close_notify_body()
{
	make_pki
	start_keyd
	start_backend A backend-a
	start_backend B backend-b
	drain_conf 'access-log "access.log"'
	start_frontd
	session_open s a.test
	echo request-1 >&4
	wait_line s.out '^request-1$' "$s_PID" || { show s.err frontd.err; atf_fail "no echo"; }
	# Nothing moves for a while: between two requests of a kept-alive connection.
	sleep 1.5
	sigterm
	frontd_exits 3
	wait_exit "$s_PID" 5 || true
	got_close_notify s
	expect_line frontd.err 'signal 15: draining: 1 connection \(0 handshakes\)'
	expect_line frontd.err 'closing: draining, idle'
	expect_line frontd.err 'drained in [0-9]+ ms'
	expect_line access.log ' "drained"$'
	exec 4>&-
}

atf_test_case quiet_moment
quiet_moment_head()
{
	atf_set "descr" "SIGTERM right after bytes moved: the connection is closed with close_notify once it has been quiet for a moment, not before"
	atf_set "require.progs" "openssl timeout"
	atf_set "timeout" "60"
}
quiet_moment_body()
{
	make_pki
	start_keyd
	start_backend A backend-a
	start_backend B backend-b
	drain_conf
	start_frontd
	session_open s a.test
	echo request-1 >&4
	wait_line s.out '^request-1$' "$s_PID" || { show s.err frontd.err; atf_fail "no echo"; }
	sigterm
	# Within the quiet moment the session is still open and carries a request.
	echo request-2 >&4
	wait_line s.out '^request-2$' "$s_PID" || { show s.err frontd.err; atf_fail "no echo while draining"; }
	frontd_exits 4
	wait_exit "$s_PID" 5 || true
	got_close_notify s
	_ms=$(sed -n 's/.*drained in \([0-9]*\) ms.*/\1/p' frontd.err)
	# A second after the last echo, which came after the signal (give or take the signal's way in).
	[ -n "$_ms" ] && [ "$_ms" -ge 900 ] || { show frontd.err; atf_fail "drained after ${_ms:-?} ms: no quiet moment"; }
	exec 4>&-
}

atf_test_case download_completes
download_completes_head()
{
	atf_set "descr" "SIGTERM during a slow download: it arrives whole, then the connection gets close_notify and frontd exits 0"
	atf_set "require.progs" "openssl timeout"
	atf_set "timeout" "90"
}
download_completes_body()
{
	make_pki
	start_keyd
	head -c 786432 /dev/urandom | base64 >dl
	# 16 KiB every 40 ms: about 2.8 s for the whole file.
	start_backend A backend-a -s dl -i 40
	start_backend B backend-b
	drain_conf
	start_frontd
	{ echo backend-a; cat dl; } >want
	session_open s a.test
	echo get >&4
	wait_size s.out 100000 "$s_PID" || { show s.err frontd.err; atf_fail "the download did not start"; }
	sigterm
	wait_line frontd.err 'signal 15: draining: 1 connection' $FRONTD_PID || { show frontd.err; atf_fail "not draining"; }
	wait_size s.out "$(file_size want)" "$s_PID" || { show s.err frontd.err; atf_fail "the download was cut"; }
	frontd_exits 10
	wait_exit "$s_PID" 5 || true
	cmp -s want s.out || atf_fail "the download differs ($(file_size s.out) of $(file_size want) bytes)"
	got_close_notify s
	[ "$ELAPSED" -ge 2 ] || atf_fail "frontd exited $ELAPSED s after SIGTERM, before the download could end"
	expect_line frontd.err 'drained in [0-9]+ ms'
	exec 4>&-
}

atf_test_case handshake_completes
handshake_completes_head()
{
	atf_set "descr" "SIGTERM during a handshake (keyd slow to sign): new connections are refused, the handshake completes and its connection carries data both ways"
	atf_set "require.progs" "openssl timeout bash"
	atf_set "timeout" "60"
}
handshake_completes_body()
{
	make_pki
	start_keyd -w 2000
	start_backend A backend-a
	start_backend B backend-b
	drain_conf
	start_frontd
	head -c 300000 /dev/urandom >data
	{ echo backend-b; cat data; } >want
	"$PIPE_CLIENT" -c "127.0.0.1:$FPORT" -n b.test -a ca.pem -s data -t 30 >p.out 2>p.err &
	_client=$!
	bg_track $_client
	# fake_keyd logs the request when it comes, and holds the answer for 2 s.
	wait_line keyd.err ' ok$' $_client || { show p.err keyd.err frontd.err; atf_fail "no signature request"; }
	sigterm
	wait_line frontd.err 'signal 15: draining: 1 connection \(1 handshake\)' $FRONTD_PID ||
		{ show frontd.err; atf_fail "the handshake was not in progress"; }
	refused
	wait_exit $_client 20 || { show p.err frontd.err; atf_fail "the client failed"; }
	cmp -s want p.out || { show p.err; atf_fail "the data differs ($(file_size p.out) of $(file_size want) bytes)"; }
	frontd_exits 5
	expect_line frontd.err 'drained in [0-9]+ ms'
}

atf_test_case drain_timeout
drain_timeout_head()
{
	atf_set "descr" "drain-timeout 1: a connection waiting for its backend and a download that never pauses are closed with close_notify after about 1 s; drain-timeout 0 closes at once; drain-quiet beyond drain-timeout keeps an idle connection until the timeout"
	atf_set "require.progs" "openssl timeout"
	atf_set "timeout" "90"
}
drain_timeout_body()
{
	make_pki
	start_keyd
	# a.test: reads nothing for 20 s after its greeting; b.test: a download of about 6 s.
	start_backend A backend-a -d 20000
	head -c 1572864 /dev/urandom | base64 >dl
	start_backend B backend-b -s dl -i 40
	drain_conf "drain-timeout 1" 'access-log "access.log"'
	start_frontd
	session_open w a.test 4
	wait_line w.out '^backend-a$' "$w_PID" || { show w.err frontd.err; atf_fail "no greeting"; }
	# The client speaks last: the backend may be working on an answer.
	echo request >&4
	session_open d b.test 5
	echo get >&5
	wait_size d.out 100000 "$d_PID" || { show d.err frontd.err; atf_fail "the download did not start"; }
	sigterm
	frontd_exits 5
	expect_line frontd.err 'signal 15: draining: 2 connections \(0 handshakes\), drain-timeout 1000 ms'
	expect_line frontd.err 'drain timeout: closed 2 connections'
	! grep -q 'drained in' frontd.err || atf_fail "drained before the timeout"
	[ "$ELAPSED" -ge 1 ] && [ "$ELAPSED" -le 4 ] || atf_fail "frontd exited $ELAPSED s after SIGTERM"
	wait_exit "$w_PID" 5 || true
	wait_exit "$d_PID" 5 || true
	got_close_notify w
	got_close_notify d
	[ "$(file_size d.out)" -lt "$(file_size dl)" ] || atf_fail "the download was not cut: no timeout"
	[ "$(grep -c ' "timeout drain"$' access.log)" -eq 2 ] || { show access.log; atf_fail "access log: want 2 \"timeout drain\""; }
	exec 4>&- 5>&-

	# 0: everything is closed at once.
	drain_conf "drain-timeout 0"
	start_frontd
	session_open z a.test 4
	wait_line z.out '^backend-a$' "$z_PID" || { show z.err frontd.err; atf_fail "no greeting"; }
	sigterm
	frontd_exits 4
	expect_line frontd.err 'drain timeout: closed 1 connection$'
	wait_exit "$z_PID" 5 || true
	got_close_notify z
	exec 4>&-

	# drain-quiet longer than drain-timeout: an idle connection (the backend spoke
	# last) never counts as idle, so the timeout closes it, not the idle rule.
	drain_conf "drain-timeout 1" "drain-quiet 30s"
	start_frontd
	session_open q a.test 4
	wait_line q.out '^backend-a$' "$q_PID" || { show q.err frontd.err; atf_fail "no greeting"; }
	sigterm
	frontd_exits 5
	expect_line frontd.err 'drain timeout: closed 1 connection$'
	! grep -q 'drained in' frontd.err || { show frontd.err; atf_fail "drain-quiet 30s: closed as idle"; }
	wait_exit "$q_PID" 5 || true
	got_close_notify q
	exec 4>&-
}

atf_test_case second_signal
second_signal_head()
{
	atf_set "descr" "a second SIGTERM or SIGINT while draining exits at once, with status 0 and the final statistics"
	atf_set "require.progs" "openssl timeout"
	atf_set "timeout" "60"
}
second_signal_body()
{
	make_pki
	start_keyd
	start_backend A backend-a -d 20000
	start_backend B backend-b
	for _sig in TERM INT; do
		drain_conf
		start_frontd
		session_open w a.test 4
		wait_line w.out '^backend-a$' "$w_PID" || { show w.err frontd.err; atf_fail "no greeting"; }
		echo request >&4
		sigterm
		wait_line frontd.err 'signal 15: draining: 1 connection \(0 handshakes\), drain-timeout 30000 ms' \
			$FRONTD_PID || { show frontd.err; atf_fail "not draining"; }
		# Busy: the first signal alone does not end it.
		sleep 1.5
		frontd_alive
		kill -$_sig "$FRONTD_PID"
		frontd_exits 2 1
		expect_line frontd.err 'signal (15|2): exiting at once, dropping 1 connection$'
		wait_exit "$w_PID" 5 || true
		exec 4>&-
	done
}

atf_init_test_cases()
{
	atf_add_test_case idle_gets_close_notify
	atf_add_test_case quiet_moment
	atf_add_test_case download_completes
	atf_add_test_case handshake_completes
	atf_add_test_case drain_timeout
	atf_add_test_case second_signal
}
