# moat-frontd's master and workers (moat-frontd(8), PROCESSES and SIGNALS):
# SIGHUP reads the configuration into a new generation without dropping a
# connection, a configuration that fails is refused and the old one goes on,
# listeners come and go as the file says, a worker that crashes is started
# again, and the daemon's parent exits only once frontd serves.
#
# FRONTD_PID is the master (signals go there), FRONTD_WORKER its worker at
# start (frontd_test_lib). Clients run under `timeout`; every wait is bounded.

. "$(atf_get_srcdir)/../lib/moat_test_lib"
. "$(atf_get_srcdir)/frontd_test_lib"

SLOW_HELLO="$(atf_get_srcdir)/slow_hello"

# The configuration: a.test (ECDSA) to backend A, the default b.test to backend B.
# Deadlines long enough for a handshake held open across ten reloads, and a
# drain-quiet long enough that the old worker does not take the test's stream
# for idle while a slow (sanitizer) reload runs: the stream must survive.
reload_conf()
{
	cat >conf.in <<EOF
keyd "keyd.sock"
# One worker: the counters and the worker that serves are one process's.
workers 1
listen 127.0.0.1:@PORT@
drain-quiet 60s
first-byte-timeout 60s
client-hello-timeout 60s
handshake-timeout 60s
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
}

setup()
{
	make_pki
	start_keyd "$@"
	start_backend A backend-a
	start_backend B backend-b
	reload_conf
	start_frontd
}

# reload N: SIGHUP to the master; generation N must serve.
reload()
{
	kill -HUP "$FRONTD_PID"
	wait_line frontd.err "notice\\]: reload: generation $1 serving \\(2 sites, 1 worker\\)" "$FRONTD_PID" ||
		{ show frontd.err; atf_fail "generation $1 does not serve after SIGHUP"; }
}

# handshake NAME PORT SERVERNAME: a whole session (handshake, one line echoed) on PORT.
handshake()
{
	echo "ping $1" >"$1.in"
	timeout $WAIT_SECONDS openssl s_client -connect "127.0.0.1:$2" -brief -CAfile ca.pem -verify_return_error \
		-servername "$3" -ign_eof <"$1.in" >"$1.out" 2>"$1.err" &
	_hs_pid=$!
	wait_line "$1.out" "^ping $1\$" $_hs_pid
	_hs_rc=$?
	kill "$_hs_pid" 2>/dev/null
	wait "$_hs_pid" 2>/dev/null
	return $_hs_rc
}

# fingerprint FILE: the SHA-256 fingerprint of the (first) certificate in FILE.
fingerprint()
{
	openssl x509 -in "$1" -noout -fingerprint -sha256 2>/dev/null
}

# listener_inode PORT: the inode of the socket listening on 127.0.0.1:PORT ("" if none).
listener_inode()
{
	awk -v p=":$(printf '%04X' "$1")" '$4 == "0A" && substr($2, length($2) - 4) == p { print $10; exit }' \
		/proc/net/tcp
}

atf_test_case connections_survive
connections_survive_head()
{
	atf_set "descr" "a proxied stream and a handshake stopped in the middle of its ClientHello both survive 10 SIGHUPs and complete afterwards; the listening socket is the same one throughout; the old worker leaves once its connections are done"
	atf_set "require.progs" "openssl timeout python3"
	atf_set "timeout" "120"
}
connections_survive_body()
{
	setup
	_inode=$(listener_inode "$FPORT")
	[ -n "$_inode" ] || atf_fail "no listening socket found for port $FPORT"

	# The stream: an s_client session to backend A, its input held open.
	mkfifo live.in
	timeout 90 openssl s_client -connect "127.0.0.1:$FPORT" -brief -nocommands -CAfile ca.pem \
		-servername a.test <live.in >live.out 2>live.err &
	LIVE=$!
	exec 5>live.in
	echo line-0 >&5
	wait_line live.out '^line-0$' $LIVE || { show live.err frontd.err; atf_fail "the stream does not work"; }

	# The pending handshake: half a ClientHello, the rest once told.
	"$SLOW_HELLO" "$FPORT" a.test ca.pem go >slow.out 2>slow.err &
	SLOW=$!
	bg_track $SLOW
	wait_line slow.out '^half sent$' $SLOW || { show slow.err; atf_fail "the slow client did not start"; }

	_g=2
	while [ $_g -le 11 ]; do
		reload $_g
		echo "line-$_g" >&5
		wait_line live.out "^line-$_g\$" $LIVE || { show live.err frontd.err; atf_fail "the stream broke at generation $_g"; }
		_g=$((_g + 1))
	done
	[ "$(listener_inode "$FPORT")" = "$_inode" ] || atf_fail "the listening socket was closed and opened again"
	frontd_alive
	# The first worker still holds both connections: it stopped accepting, but it is there.
	kill -0 "$FRONTD_WORKER" 2>/dev/null || { show frontd.err; atf_fail "the first worker left with connections open"; }

	# The handshake completes now, on the worker that accepted it.
	: >go
	wait_exit $SLOW 30 || { show slow.out slow.err frontd.err; atf_fail "the pending handshake did not complete"; }
	expect_line slow.out '^echoed$'
	echo line-end >&5
	wait_line live.out '^line-end$' $LIVE || atf_fail "the stream broke at the end"
	exec 5>&-
	wait_exit $LIVE
	# Its last connection closed, the first worker exits 0.
	wait_gone "$FRONTD_WORKER" || { show frontd.err; atf_fail "the first worker did not leave after its connections"; }
	expect_line frontd.err "worker $FRONTD_WORKER of generation 1 exited \\(status 0\\)"
	# New connections go to the last generation.
	handshake new "$FPORT" b.test || { show new.err frontd.err; atf_fail "no new connection after the reloads"; }
	# Every old worker leaves, and with status 0 (under the sanitizers: no leak, no error).
	wait_until -p "$FRONTD_PID" sh -c "[ \$(grep -c 'exited (status 0)' frontd.err) -ge 10 ]" ||
		{ show frontd.err; atf_fail "not every old worker exited"; }
	! grep -Eq 'exited \((status [1-9]|signal)' frontd.err || { show frontd.err; atf_fail "an old worker did not exit 0"; }
	stop_frontd
}

atf_test_case certificate_swap
certificate_swap_head()
{
	atf_set "descr" "a certificate replaced on disk is served to the next client after SIGHUP"
	atf_set "require.progs" "openssl timeout"
	atf_set "timeout" "60"
}
certificate_swap_body()
{
	# The second certificate of a.test is for a key of its own, which keyd holds from the start.
	make_pki
	make_cert a2 p256 a.test
	start_keyd -k a2.key
	start_backend A backend-a
	start_backend B backend-b
	reload_conf
	start_frontd
	timeout $WAIT_SECONDS openssl s_client -connect "127.0.0.1:$FPORT" -servername a.test -CAfile ca.pem \
		-verify_return_error </dev/null >before.out 2>&1 || { show before.out; atf_fail "handshake before the swap"; }
	[ "$(fingerprint before.out)" = "$(fingerprint a.pem)" ] || atf_fail "not a.pem's certificate before the swap"
	cp a2.pem a.pem
	reload 2
	timeout $WAIT_SECONDS openssl s_client -connect "127.0.0.1:$FPORT" -servername a.test -CAfile ca.pem \
		-verify_return_error </dev/null >after.out 2>&1 || { show after.out frontd.err; atf_fail "handshake after the swap"; }
	[ "$(fingerprint after.out)" = "$(fingerprint a2.pem)" ] ||
		{ show after.out; atf_fail "the old certificate is still served after SIGHUP"; }
	stop_frontd
}

atf_test_case refused
refused_head()
{
	atf_set "descr" "SIGHUP with a broken configuration, or an address that cannot be bound: logged with file:line, the running configuration keeps serving"
	atf_set "require.progs" "openssl timeout"
	atf_set "timeout" "60"
}
refused_body()
{
	setup
	cp f.conf good.conf
	printf 'proxy_pass "x"\n' >>f.conf
	_line=$(wc -l <f.conf)
	kill -HUP "$FRONTD_PID"
	wait_line frontd.err "err\\]: reload refused: /.*/f\\.conf:$_line: unknown directive \"proxy_pass\"" "$FRONTD_PID" ||
		{ show frontd.err; atf_fail "no file:line error for the broken configuration"; }
	expect_line frontd.err 'generation 1 keeps serving'
	handshake broken "$FPORT" a.test || { show broken.err frontd.err; atf_fail "the old configuration stopped serving"; }

	# A missing certificate: the same, with its line.
	sed 's/"a.pem"/"gone.pem"/' good.conf >f.conf
	kill -HUP "$FRONTD_PID"
	wait_line frontd.err 'reload refused: /.*/f\.conf:[0-9]+: cannot read certificate ".*/gone\.pem"' "$FRONTD_PID" ||
		{ show frontd.err; atf_fail "no error for a missing certificate"; }

	# An address someone else holds (backend A's port): refused, nothing closed.
	{ cat good.conf; echo "listen 127.0.0.1:$A_PORT"; } >f.conf
	kill -HUP "$FRONTD_PID"
	wait_line frontd.err "reload refused: cannot listen on 127\\.0\\.0\\.1:$A_PORT: Address already in use" "$FRONTD_PID" ||
		{ show frontd.err; atf_fail "no error for an address in use"; }
	handshake inuse "$FPORT" a.test || { show inuse.err frontd.err; atf_fail "the old configuration stopped serving"; }
	grep -q 'generation 2 serving' frontd.err && atf_fail "a refused configuration was served"

	# The file fixed: the next SIGHUP takes it.
	cp good.conf f.conf
	reload 2
	handshake fixed "$FPORT" a.test || atf_fail "no handshake after the fixed reload"
	stop_frontd
}

atf_test_case listeners
listeners_head()
{
	atf_set "descr" "a listen line added and SIGHUP: frontd serves there too; the first one removed and SIGHUP: that port is closed, the new one serves"
	atf_set "require.progs" "openssl timeout"
	atf_set "timeout" "60"
}
listeners_body()
{
	setup
	_port2=$(free_port)
	sed "s/^listen .*/&\\nlisten 127.0.0.1:$_port2/" f.conf >f2.conf
	cp f2.conf f.conf
	reload 2
	handshake second "$_port2" a.test || { show second.err frontd.err; atf_fail "no service on the added listener"; }
	handshake first "$FPORT" a.test || { show first.err frontd.err; atf_fail "the first listener stopped"; }
	grep -v "^listen 127.0.0.1:$FPORT\$" f2.conf >f.conf
	reload 3
	wait_until -p "$FRONTD_PID" sh -c "! awk -v p=:$(printf '%04X' "$FPORT") '\$4 == \"0A\" && substr(\$2, length(\$2) - 4) == p { f = 1 } END { exit !f }' /proc/net/tcp" ||
		{ show frontd.err; atf_fail "port $FPORT still listens after its listen line went"; }
	expect_line frontd.err "no longer listening on 127\\.0\\.0\\.1:$FPORT"
	timeout $WAIT_SECONDS openssl s_client -connect "127.0.0.1:$FPORT" </dev/null >gone.out 2>&1 &&
		atf_fail "a connection to the removed listener succeeded"
	handshake kept "$_port2" a.test || { show kept.err frontd.err; atf_fail "the remaining listener stopped"; }
	stop_frontd
}

# The crash signal: SIGSEGV, but SIGKILL in a sanitizer build, whose runtime catches SIGSEGV
# and exits 1 with its report (a crash all the same, but not one that says "signal").
crash_signal()
{
	if grep -q __asan_init "$FRONTD" 2>/dev/null; then
		echo 9 KILL
	else
		echo 11 SEGV
	fi
}

atf_test_case worker_crash
worker_crash_head()
{
	atf_set "descr" "a worker killed with SIGSEGV: the master logs why and starts another, which serves; a second crash waits a little longer"
	atf_set "require.progs" "openssl timeout"
	atf_set "timeout" "60"
}
worker_crash_body()
{
	setup
	handshake before "$FPORT" a.test || atf_fail "no handshake before the crash"
	# shellcheck disable=SC2046 # two words: the number and the name
	set -- $(crash_signal)
	kill -"$2" "$FRONTD_WORKER"
	wait_line frontd.err "worker $FRONTD_WORKER exited \\(signal $1, [^)]*\\); restarting in 0 ms" "$FRONTD_PID" ||
		{ show frontd.err; atf_fail "the master did not log the crash"; }
	wait_until -p "$FRONTD_PID" sh -c "[ \$(grep -c 'serving generation 1 (worker 0 of 1)\$' frontd.err) -ge 2 ]" ||
		{ show frontd.err; atf_fail "no new worker serves"; }
	frontd_alive
	_w2=$(frontd_worker "$FRONTD_PID")
	[ -n "$_w2" ] && [ "$_w2" != "$FRONTD_WORKER" ] || atf_fail "no new worker"
	grep -Eq '^Seccomp:[[:space:]]+2$' "/proc/$_w2/status" || atf_fail "the new worker is not sandboxed"
	handshake after "$FPORT" a.test || { show after.err frontd.err; atf_fail "no handshake after the restart"; }
	# Again at once: the back-off starts.
	kill -"$2" "$_w2"
	wait_line frontd.err "worker $_w2 exited \\(signal $1, [^)]*\\); restarting in 100 ms" "$FRONTD_PID" ||
		{ show frontd.err; atf_fail "no back-off on the second crash"; }
	wait_until -p "$FRONTD_PID" sh -c "[ \$(grep -c 'serving generation 1 (worker 0 of 1)\$' frontd.err) -ge 3 ]" ||
		{ show frontd.err; atf_fail "no worker after the second crash"; }
	handshake again "$FPORT" a.test || { show again.err frontd.err; atf_fail "no handshake after the second restart"; }
	stop_frontd
}

atf_test_case usr1_forwarded
usr1_forwarded_head()
{
	atf_set "descr" "SIGUSR1 to the master reaches the worker: its statistics line"
	atf_set "require.progs" "openssl timeout"
	atf_set "timeout" "60"
}
usr1_forwarded_body()
{
	setup
	handshake one "$FPORT" a.test || atf_fail "no handshake"
	kill -USR1 "$FRONTD_PID"
	wait_line frontd.err 'stats \(SIGUSR1\): .* handshakes=1 ' "$FRONTD_PID" ||
		{ show frontd.err; atf_fail "no statistics from the worker after SIGUSR1 to the master"; }
	stop_frontd
}

# daemon_master CONF: the pid of the master of the daemon started with CONF (the oldest match).
daemon_master()
{
	pgrep -o -f -- "-f $1\$"
}

atf_test_case daemon_start
daemon_start_head()
{
	atf_set "descr" "without -d: the starting parent exits 0 only once frontd serves (a handshake right after succeeds), and 1, with the error on stderr, when the worker cannot start or an address cannot be bound"
	atf_set "require.progs" "openssl timeout pgrep"
	atf_set "timeout" "60"
}
daemon_start_body()
{
	make_pki
	start_keyd
	start_backend A backend-a
	start_backend B backend-b
	reload_conf

	# The worker cannot open its access log (no such directory): exit 1, the reason on stderr.
	FPORT=$(free_port)
	{ sed "s/@PORT@/$FPORT/g" conf.in; echo 'access-log "nodir/access.log"'; } >bad.conf
	timeout $WAIT_SECONDS "$FRONTD" -f "$PWD/bad.conf" >bad.out 2>bad.err
	_rc=$?
	[ $_rc -eq 1 ] || { show bad.err; atf_fail "exit $_rc for a worker that cannot start, want 1"; }
	expect_line bad.err 'cannot open access log ".*nodir/access.log": No such file or directory'
	expect_line bad.err 'worker [0-9]+ exited \(status 1\) before serving'
	# (The master closes the pipe the parent waits on just before it exits.)
	wait_until sh -c "! pgrep -f -- '-f $PWD/bad.conf\$' >/dev/null" || atf_fail "a master stayed after the failed start"

	# An address in use (backend A's): exit 1 before going to the background.
	sed "s/@PORT@/$A_PORT/g" conf.in >inuse.conf
	timeout $WAIT_SECONDS "$FRONTD" -f "$PWD/inuse.conf" >inuse.out 2>inuse.err
	_rc=$?
	[ $_rc -eq 1 ] || { show inuse.err; atf_fail "exit $_rc for an address in use, want 1"; }
	expect_line inuse.err "cannot listen on 127\\.0\\.0\\.1:$A_PORT: Address already in use"

	# Good: exit 0, and it serves at once.
	FPORT=$(free_port)
	sed "s/@PORT@/$FPORT/g" conf.in >good.conf
	timeout $WAIT_SECONDS "$FRONTD" -f "$PWD/good.conf" >good.out 2>good.err
	_rc=$?
	_master=$(daemon_master "$PWD/good.conf")
	[ -n "$_master" ] && bg_track "$_master"
	[ $_rc -eq 0 ] || { show good.err; atf_fail "exit $_rc for a good start"; }
	# (Warnings before it went to the background are fine: "running as root" when the test is.)
	! grep -Eq '^moat-frontd: |\[err\]' good.err || { show good.err; atf_fail "an error on stderr for a good start"; }
	[ -n "$_master" ] || atf_fail "no master running after the start"
	handshake daemon "$FPORT" a.test || { show daemon.err; atf_fail "no handshake right after the parent exited"; }
	kill -TERM "$_master"
	wait_gone "$_master" || atf_fail "the daemon did not stop on SIGTERM"
}

atf_init_test_cases()
{
	atf_add_test_case connections_survive
	atf_add_test_case certificate_swap
	atf_add_test_case refused
	atf_add_test_case listeners
	atf_add_test_case worker_crash
	atf_add_test_case usr1_forwarded
	atf_add_test_case daemon_start
}
