# moat-frontd's metrics endpoint (moat-frontd.conf(5), METRICS), scraped with curl as a
# monitoring system would: the text is the exposition format (prom_check), the counters move
# with handshakes and failures and never go down across a reload or a worker's crash, a
# scrape is not a TLS connection, and whatever a client sends the endpoint answers 400, 404
# or 405 and closes, never crashes. -t refuses a metrics address that is not local.

. "$(atf_get_srcdir)/../lib/moat_test_lib"
. "$(atf_get_srcdir)/frontd_test_lib"

# metrics_conf WHERE: a.test to backend A, the metrics endpoint at WHERE.
metrics_conf()
{
	cat >conf.in <<EOF2
keyd "keyd.sock"
listen 127.0.0.1:@PORT@
metrics listen $1
site "a.test" {
	certificate "a.pem"
	backend 127.0.0.1:$A_PORT
	default
}
EOF2
}

setup()
{
	make_pki
	start_keyd
	start_backend A backend-a
	metrics_conf "${1:-metrics.sock}"
	start_frontd
}

# scrape FILE [URL]: GET /metrics over the Unix socket into FILE; it must be 200 and well-formed.
scrape()
{
	curl -sS -o "$1" -w '%{http_code}\n' --max-time $WAIT_SECONDS --unix-socket metrics.sock \
		"http://localhost${2:-/metrics}" >"$1.code" 2>"$1.err" || { show "$1.err"; atf_fail "curl failed"; }
	[ "$(cat "$1.code")" = 200 ] || { show "$1.code" "$1"; atf_fail "scrape: HTTP $(cat "$1.code")"; }
	prom_check "$1" >"$1.check" || { show "$1.check"; atf_fail "$1 is not the exposition format"; }
}

# handshakes N: N whole TLS sessions to a.test.
handshakes()
{
	_i=0
	while [ $_i -lt "$1" ]; do
		echo ping | timeout $WAIT_SECONDS openssl s_client -connect "127.0.0.1:$FPORT" -brief -CAfile ca.pem \
			-verify_return_error -servername a.test -ciphersuites TLS_CHACHA20_POLY1305_SHA256 >hs.out 2>hs.err ||
			{ show hs.err; atf_fail "handshake $_i failed"; }
		_i=$((_i + 1))
	done
}

# raw WHAT: send WHAT (python bytes literal) to the metrics socket; prints the status line, and
# fails unless the endpoint closes the connection after its answer.
raw()
{
	python3 - "$1" >raw.out 2>raw.err <<'PY' || { show raw.err; atf_fail "raw request $1"; }
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect("metrics.sock")
try:
    s.sendall(eval(sys.argv[1]))
except (BrokenPipeError, ConnectionResetError):
    pass  # closed before all of it was read: the answer is read below
data = b""
while True:
    try:
        chunk = s.recv(65536)
    except ConnectionResetError:
        break
    if not chunk:
        break
    data += chunk
print(data.split(b"\r\n", 1)[0].decode())
PY
	cat raw.out
}

# expect_more A B SERIES N: SERIES grew by at least N from scrape A to scrape B.
expect_more()
{
	_a=$(prom_value "$1" "$3")
	_b=$(prom_value "$2" "$3")
	[ "$_b" -ge $((_a + $4)) ] || { show "$2"; atf_fail "$3: $_a then $_b, want at least +$4"; }
}

# monotonic A B: no counter, bucket, _sum or _count sample of A is higher than in B.
monotonic()
{
	awk 'FNR == NR { if ($0 !~ /^#/) v[$1] = $2; next }
	     /^# TYPE/ { t[$3] = $4; next }
	     /^#/ { next }
	     { n = $1; sub(/\{.*/, "", n); f = n; sub(/_(bucket|sum|count)$/, "", f)
	       if ((t[n] == "counter" || t[f] == "histogram") && ($1 in v) && v[$1] + 0 > $2 + 0) { print "went down: " $1 " " v[$1] " -> " $2; bad = 1 } }
	     END { exit bad }' "$1" "$2" >mono.out || { show mono.out; atf_fail "a counter went down"; }
}

atf_test_case counters_move cleanup
counters_move_head()
{
	atf_set "require.progs" "curl openssl python3"
	atf_set "descr" "Handshakes through frontd move the handshake, suite, latency, keyd and connection figures"
}
counters_move_body()
{
	setup
	scrape m1
	handshakes 3
	scrape m2
	expect_more m1 m2 moat_frontd_handshakes_total 3
	expect_more m1 m2 moat_frontd_connections_total 3
	expect_more m1 m2 'moat_frontd_handshakes_by_suite_total{version="TLSv1.3",suite="TLS_CHACHA20_POLY1305_SHA256"}' 3
	expect_more m1 m2 moat_frontd_handshake_duration_seconds_count 3
	expect_more m1 m2 'moat_frontd_keyd_replies_total{result="signed"}' 3
	expect_more m1 m2 moat_frontd_keyd_request_duration_seconds_count 3
	expect_more m1 m2 moat_frontd_received_bytes_total 5
	expect_more m1 m2 moat_frontd_sent_bytes_total 5
	# Scrapes are not TLS connections: three more leave the count where it was.
	scrape m3
	scrape m4
	[ "$(prom_value m4 moat_frontd_connections_total)" = "$(prom_value m2 moat_frontd_connections_total)" ] ||
		atf_fail "scrapes were counted as connections"
	stop_frontd
}
counters_move_cleanup() { bg_stop_all; }

# alert_counted: a scrape into m2 counts a client's alert (the failure is counted once frontd reads it).
alert_counted()
{
	curl -s --unix-socket metrics.sock http://localhost/metrics >m2 &&
		[ "$(prom_value m2 'moat_frontd_handshake_failures_total{reason="alert_received"}')" -ge 1 ]
}

# restarted: a second worker of generation 2 serves.
restarted()
{
	[ "$(grep -c 'serving generation 2' frontd.err)" -ge 2 ]
}

atf_test_case failures_by_reason cleanup
failures_by_reason_head()
{
	atf_set "require.progs" "curl openssl python3"
	atf_set "descr" "A client that sends garbage, or an alert, is counted under its reason"
}
failures_by_reason_body()
{
	setup
	scrape m1
	# A handshake record whose ClientHello is nonsense: frontd answers with an alert.
	python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"\x16\x03\x01\x00\x08\x01\x00\x00\x04garb")
s.recv(100)
' "$FPORT" || atf_fail "garbage client"
	# A client that gives up with an alert of its own: s_client refusing the certificate (wrong CA).
	make_ca other other-ca
	echo | timeout $WAIT_SECONDS openssl s_client -connect "127.0.0.1:$FPORT" -CAfile other.pem \
		-verify_return_error -servername a.test >bad.out 2>&1 && atf_fail "s_client accepted an unknown CA"
	wait_until alert_counted || { show m2; atf_fail "the client's alert was not counted"; }
	prom_check m2 >m2.check || { show m2.check; atf_fail "m2 is not the exposition format"; }
	expect_more m1 m2 'moat_frontd_handshake_failures_total{reason="alert_sent"}' 1
	expect_more m1 m2 'moat_frontd_handshake_failures_total{reason="alert_received"}' 1
	[ "$(prom_value m2 moat_frontd_handshakes_total)" = 0 ] || atf_fail "a failure counted as a handshake"
	stop_frontd
}
failures_by_reason_cleanup() { bg_stop_all; }

atf_test_case monotonic_reload_crash cleanup
monotonic_reload_crash_head()
{
	atf_set "require.progs" "curl openssl python3"
	atf_set "descr" "Counters survive a SIGHUP reload and a worker's crash: they never go down"
}
monotonic_reload_crash_body()
{
	setup
	handshakes 2
	scrape m1
	expect_more /dev/null m1 moat_frontd_handshakes_total 2
	kill -HUP "$FRONTD_PID"
	wait_line frontd.err 'reload: generation 2 serving' "$FRONTD_PID" || { show frontd.err; atf_fail "no reload"; }
	# The old worker has exited once the master logged it; its counters are in the retired total.
	wait_line frontd.err "worker $FRONTD_WORKER of generation 1 exited" "$FRONTD_PID" ||
		{ show frontd.err; atf_fail "the old worker did not exit"; }
	scrape m2
	monotonic m1 m2
	expect_more m1 m2 moat_frontd_handshakes_total 0
	handshakes 1
	scrape m3
	expect_more m1 m3 moat_frontd_handshakes_total 1
	# A crash: the master restarts the worker; what the dead one counted stays.
	_w=$(frontd_worker "$FRONTD_PID")
	kill -KILL "$_w"
	wait_line frontd.err "worker $_w exited \\(signal 9" "$FRONTD_PID" || { show frontd.err; atf_fail "no crash seen"; }
	wait_until restarted || { show frontd.err; atf_fail "no restart"; }
	scrape m4
	monotonic m3 m4
	expect_more m3 m4 moat_frontd_handshakes_total 0
	[ "$(prom_value m4 moat_frontd_connections_open)" = 0 ] || { show m4; atf_fail "the dead worker's connections are still open"; }
	stop_frontd
}
monotonic_reload_crash_cleanup() { bg_stop_all; }

atf_test_case bad_requests cleanup
bad_requests_head()
{
	atf_set "require.progs" "curl openssl python3"
	atf_set "descr" "Other paths are 404, other methods 405, malformed or oversized requests 400, each then closed"
}
bad_requests_body()
{
	setup
	[ "$(raw "b'GET /other HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n'")" = "HTTP/1.1 404 Not Found" ] || atf_fail "404"
	[ "$(raw "b'POST /metrics HTTP/1.1\\r\\n\\r\\n'")" = "HTTP/1.1 405 Method Not Allowed" ] || atf_fail "405"
	[ "$(raw "b'GET /metrics HTTP/2.0\\r\\n\\r\\n'")" = "HTTP/1.1 400 Bad Request" ] || atf_fail "400 version"
	[ "$(raw "b'GET  /metrics HTTP/1.1\\r\\n\\r\\n'")" = "HTTP/1.1 400 Bad Request" ] || atf_fail "400 spaces"
	[ "$(raw "b'GET /metrics HTTP/1.1\\r\\nno colon\\r\\n\\r\\n'")" = "HTTP/1.1 400 Bad Request" ] || atf_fail "400 header"
	[ "$(raw "b'\\x16\\x03\\x01\\x00\\x05hello\\r\\n\\r\\n'")" = "HTTP/1.1 400 Bad Request" ] || atf_fail "400 TLS"
	[ "$(raw "b'GET /metrics HTTP/1.1\\r\\nX: ' + b'a' * 8000 + b'\\r\\n\\r\\n'")" = "HTTP/1.1 400 Bad Request" ] ||
		atf_fail "400 oversized"
	[ "$(raw "b'HEAD /metrics HTTP/1.0\\r\\n\\r\\n'")" = "HTTP/1.1 200 OK" ] || atf_fail "HEAD"
	# A client that says nothing is closed at the deadline; meanwhile others are served.
	python3 -c 'import socket, time; s = socket.socket(socket.AF_UNIX); s.connect("metrics.sock"); time.sleep(30)' &
	bg_track $!
	scrape m1
	scrape m2 '/metrics?x=1'
	frontd_alive
	stop_frontd
}
bad_requests_cleanup() { bg_stop_all; }

atf_test_case loopback_port cleanup
loopback_port_head()
{
	atf_set "require.progs" "curl openssl python3"
	atf_set "descr" "metrics listen on a loopback address:port serves the same text over TCP"
}
loopback_port_body()
{
	make_pki
	start_keyd
	start_backend A backend-a
	for _try in 1 2 3 4 5; do
		MPORT=$(free_port)
		metrics_conf "127.0.0.1:$MPORT"
		start_frontd
		curl -sS -o m1 --max-time $WAIT_SECONDS "http://127.0.0.1:$MPORT/metrics" 2>curl.err && break
		stop_frontd
	done
	prom_check m1 >m1.check || { show m1.check; atf_fail "not the exposition format"; }
	grep -q '^moat_frontd_connections_total 0$' m1 || { show m1; atf_fail "no connections_total"; }
	stop_frontd
}
loopback_port_cleanup() { bg_stop_all; }

atf_test_case config_refused
config_refused_head()
{
	atf_set "descr" "-t refuses a metrics address that is not loopback, and a malformed metrics line, with file:line"
	atf_set "require.progs" "openssl"
}
config_refused_body()
{
	make_pki
	site_conf 'certificate "a.pem"' 'backend 127.0.0.1:1' >f.conf
	echo 'metrics listen 0.0.0.0:9100' >>f.conf
	check_bad 7 '"metrics": 0.0.0.0:9100 is not a loopback address: the endpoint has no authentication (use 127.0.0.1, [::1] or a Unix socket path)'
	site_conf 'certificate "a.pem"' 'backend 127.0.0.1:1' >f.conf
	echo 'metrics listen [2001:db8::1]:9100' >>f.conf
	check_bad 7 '"metrics": [2001:db8::1]:9100 is not a loopback address: the endpoint has no authentication (use 127.0.0.1, [::1] or a Unix socket path)'
	site_conf 'certificate "a.pem"' 'backend 127.0.0.1:1' >f.conf
	echo 'metrics serve 127.0.0.1:9100' >>f.conf
	check_bad 7 '"metrics": unknown option "serve" (metrics listen ADDRESS)'
	site_conf 'certificate "a.pem"' 'backend 127.0.0.1:1' >f.conf
	echo 'metrics listen 127.0.0.1:8443' >>f.conf
	check_bad 7 '"metrics": 127.0.0.1:8443 is a TLS listen address too'
}

atf_init_test_cases()
{
	atf_add_test_case counters_move
	atf_add_test_case failures_by_reason
	atf_add_test_case monotonic_reload_crash
	atf_add_test_case bad_requests
	atf_add_test_case loopback_port
	atf_add_test_case config_refused
}
