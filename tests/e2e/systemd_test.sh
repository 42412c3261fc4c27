# moat-keyd and moat-frontd as systemd runs them, without systemd: the
# notify protocol read from a socket of the test's own (sd_manager
# notify-sink, as NOTIFY_SOCKET names it) and listeners passed by socket
# activation (systemd-socket-activate when installed, else sd_manager
# activate), then SIGTERM as `systemctl stop` sends it. The units themselves
# (hardening, syntax) are tests/deploy/systemd_units_test's.

. "$(atf_get_srcdir)/lib"

SD_MANAGER="$(atf_get_srcdir)/sd_manager"
HTTP11='alpn "http/1.1"'

# notify_start: the notify socket $RUN/notify.sock; its messages go to $RUN/notify.out.
notify_start()
{
	NOTIFY="$RUN/notify.out"
	: >"$NOTIFY"
	python3 "$SD_MANAGER" notify-sink "$RUN/notify.sock" "$NOTIFY" 2>"$RUN/notify.log" &
	e2e_track "$SD_MANAGER" $!
	wait_line "$NOTIFY" '^listening$' $! || e2e_fail "the notify socket was not bound"
}

# notify_log: what the notify socket got, on one line (for a failure message).
notify_log()
{
	tr '\n' ' ' <"$NOTIFY"
}

# notified PID LINE: PID sent a message with the line LINE (a fixed string).
notified()
{
	awk -v pid="PID=$1" -v line="$2" '
		$0 == "--" { from = ""; next }
		/^PID=/ { from = $0; next }
		from == pid && $0 == line { found = 1 }
		END { exit !found }' "$NOTIFY"
}

# last_status PID LINE: the latest STATUS= line PID sent is LINE.
last_status()
{
	[ "$(awk -v pid="PID=$1" '
		$0 == "--" { from = ""; next }
		/^PID=/ { from = $0; next }
		from == pid && /^STATUS=/ { last = $0 }
		END { print last }' "$NOTIFY")" = "$2" ]
}

wait_notified()
{
	wait_until notified "$1" "$2" || e2e_fail "no \"$2\" from process $1; the notify socket got: $(notify_log)"
}

# The pki, keyd (started as a Type=notify unit starts it) and a backend for frontd.
keyd_up()
{
	e2e_init
	make_ca ca moat-e2e-ca
	make_cert ec p256 localhost
	keyd_conf "$(frontd_allow)" ec
	notify_start
	NOTIFY_SOCKET="$RUN/notify.sock"
	export NOTIFY_SOCKET
	keyd_start
	unset NOTIFY_SOCKET
	backend_start web
	e2e_site localhost "$BACKEND" ec -- "$HTTP11"
}

atf_test_case keyd_notify cleanup
keyd_notify_head()
{
	atf_set "descr" "keyd started with NOTIFY_SOCKET says READY=1 and STATUS= once serving, from its own pid (NotifyAccess=main), updates STATUS= as peers come and go, and says STOPPING=1 on SIGTERM, then exits 0"
	atf_set "require.progs" "python3 openssl"
	atf_set "timeout" "60"
}
keyd_notify_body()
{
	keyd_up
	wait_notified "$KEYD_PID" "READY=1"
	notified "$KEYD_PID" "STATUS=serving 1 key, 0 peers" || e2e_fail "no STATUS line at READY: $(notify_log)"
	# A peer connects (the sandbox is on by now: the STATUS= line is sent through it).
	frontd_start
	wait_until last_status "$KEYD_PID" "STATUS=serving 1 key, 1 peer" ||
		e2e_fail "keyd's STATUS= does not count frontd: $(notify_log)"
	e2e_kill "$FRONTD_PID" "$MOAT_FRONTD" TERM
	wait_exit "$FRONTD_PID" || e2e_fail "frontd exited $EXIT_STATUS"
	wait_until last_status "$KEYD_PID" "STATUS=serving 1 key, 0 peers" ||
		e2e_fail "keyd's STATUS= still counts frontd: $(notify_log)"
	kill -TERM "$KEYD_PID"
	wait_exit "$KEYD_PID" || e2e_fail "keyd exited $EXIT_STATUS after SIGTERM"
	# Sent before keyd exited; the sink may write it a moment later.
	wait_notified "$KEYD_PID" "STOPPING=1"
	grep -q 'SIGSYS\|Bad system call' "$RUN/keyd.log" && e2e_fail "keyd's sandbox refused a call"
	return 0
}
keyd_notify_cleanup()
{
	e2e_cleanup
}

# activate ADDRESS -- PROGRAM ARG...: socket activation, in the background;
# the program's output to $RUN/frontd.log, ACTIVATED_PID its pid.
activate()
{
	if command -v systemd-socket-activate >/dev/null 2>&1; then
		# It execs the program on the first connection, in its own process, with only the -E variables.
		systemd-socket-activate -l "$1" -E NOTIFY_SOCKET="$RUN/notify.sock" "$3" "$4" "$5" "$6" \
			>>"$RUN/frontd.log" 2>&1 &
	else
		NOTIFY_SOCKET="$RUN/notify.sock" python3 "$SD_MANAGER" activate "$@" >>"$RUN/frontd.log" 2>&1 &
	fi
	ACTIVATED_PID=$!
	e2e_track "$MOAT_FRONTD" "$ACTIVATED_PID"
}

atf_test_case frontd_socket_activation cleanup
frontd_socket_activation_head()
{
	atf_set "descr" "frontd serves on the listener passed in LISTEN_FDS for its listen line and binds the other line itself; READY=1 with STATUS=, STOPPING=1 on SIGTERM, exit 0"
	atf_set "require.progs" "python3 openssl curl"
	atf_set "timeout" "90"
}
frontd_socket_activation_body()
{
	keyd_up
	FRONTD_PORT=$(free_port)
	OWN_PORT=$(free_port)
	[ "$OWN_PORT" != "$FRONTD_PORT" ] || OWN_PORT=$(free_port)
	frontd_conf
	echo "listen 127.0.0.1:$OWN_PORT" >>"$RUN/frontd.conf"
	activate "127.0.0.1:$FRONTD_PORT" -- "$MOAT_FRONTD" -d -f "$RUN/frontd.conf"
	wait_port "$FRONTD_PORT" "$ACTIVATED_PID" || e2e_fail "nothing listens on the port to pass"
	# The first connection may be the one that starts frontd (systemd-socket-activate waits for it).
	e2e_curl localhost / -o "$RUN/page.html" 2>"$RUN/curl.err" || e2e_fail "curl through the passed listener: $(cat "$RUN/curl.err")"
	grep -q "moat demo backend: it works" "$RUN/page.html" || e2e_fail "not the demo page"
	wait_notified "$ACTIVATED_PID" "READY=1"
	notified "$ACTIVATED_PID" "STATUS=serving 1 site on 2 listeners, 1 worker (generation 1)" || e2e_fail "no STATUS at READY: $(notify_log)"
	grep -q "listener 127.0.0.1:$FRONTD_PORT passed by systemd (descriptor 3)" "$RUN/frontd.log" ||
		e2e_fail "frontd did not take the passed listener"
	# The line without a passed socket is bound by frontd, as without systemd.
	wait_port "$OWN_PORT" "$ACTIVATED_PID" || e2e_fail "frontd did not bind its other listen line"
	FRONTD_PORT=$OWN_PORT e2e_curl localhost / -o /dev/null 2>"$RUN/curl.err" ||
		e2e_fail "curl through the listener frontd bound: $(cat "$RUN/curl.err")"
	kill -TERM "$ACTIVATED_PID"
	wait_exit "$ACTIVATED_PID" || e2e_fail "frontd exited $EXIT_STATUS after SIGTERM"
	wait_notified "$ACTIVATED_PID" "STOPPING=1"
	return 0
}
frontd_socket_activation_cleanup()
{
	e2e_cleanup
}

atf_test_case frontd_unmatched_socket cleanup
frontd_unmatched_socket_head()
{
	atf_set "descr" "a socket passed in LISTEN_FDS that no listen line names stops frontd at startup, with an error naming its address; with LISTEN_PID naming another process, frontd leaves it alone and binds its own"
	atf_set "require.progs" "python3 openssl"
	atf_set "timeout" "60"
}
frontd_unmatched_socket_body()
{
	keyd_up
	FRONTD_PORT=$(free_port)
	OTHER_PORT=$(free_port)
	[ "$OTHER_PORT" != "$FRONTD_PORT" ] || OTHER_PORT=$(free_port)
	frontd_conf
	NOTIFY_SOCKET="$RUN/notify.sock" python3 "$SD_MANAGER" activate "127.0.0.1:$OTHER_PORT" -- \
		"$MOAT_FRONTD" -d -f "$RUN/frontd.conf" >"$RUN/frontd.log" 2>&1 &
	pid=$!
	e2e_track "$MOAT_FRONTD" "$pid"
	wait_exit "$pid" && e2e_fail "frontd served with a passed socket no listen line names"
	[ "$EXIT_STATUS" -eq 1 ] || e2e_fail "frontd exited $EXIT_STATUS, not 1"
	grep -q "descriptor 3 (127.0.0.1:$OTHER_PORT) matches no \"listen\" line" "$RUN/frontd.log" ||
		e2e_fail "the error does not name the socket: $(tr '\n' ' ' <"$RUN/frontd.log")"
	notified "$pid" "READY=1" && e2e_fail "frontd said READY=1 and failed"

	# LISTEN_PID of another process: the variables are not frontd's (a child inherited them).
	python3 "$SD_MANAGER" activate --other-pid "127.0.0.1:$OTHER_PORT" -- \
		"$MOAT_FRONTD" -d -f "$RUN/frontd.conf" >"$RUN/frontd.log" 2>&1 &
	FRONTD_PID=$!
	e2e_track "$MOAT_FRONTD" "$FRONTD_PID"
	wait_port "$FRONTD_PORT" "$FRONTD_PID" || e2e_fail "frontd did not bind its listen line"
	e2e_curl localhost / -o /dev/null 2>"$RUN/curl.err" || e2e_fail "curl: $(cat "$RUN/curl.err")"
	grep -q "passed by systemd" "$RUN/frontd.log" && e2e_fail "frontd took a socket meant for another process"
	frontd_alive
}
frontd_unmatched_socket_cleanup()
{
	e2e_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case keyd_notify
	atf_add_test_case frontd_socket_activation
	atf_add_test_case frontd_unmatched_socket
}
