# A site's backends through the real moat-frontd (moat-frontd.conf(5):
# backend [alpn "protocol"] address..., balance, backend-connect-timeout,
# backend-failures): the backend chosen by the negotiated ALPN protocol,
# lists balanced round robin or first available, backends skipped after
# failed connects and taken back, a connect that times out or fails
# retried once on the next backend, and the configuration mistakes -t
# reports. Clients are openssl s_client and curl; backends are echo
# backends whose greeting names them, and haproxy speaking HTTP/2 and
# HTTP/1.1 for curl.

. "$(atf_get_srcdir)/../lib/moat_test_lib"
. "$(atf_get_srcdir)/frontd_test_lib"

# site_only LINES: frontd on @PORT@ with the one site a.test whose block ends with LINES;
# its access log goes to frontd's own log (frontd.err).
site_only()
{
	cat >conf.in <<EOF
keyd "keyd.sock"
listen 127.0.0.1:@PORT@
access-log syslog
site "a.test" {
	certificate "a.pem"
$1
}
EOF
}

# greet NAME [S_CLIENT ARGS...]: one connection to a.test through frontd that sends "ping" and
# waits for its echo; prints the first line that came back (the backend's greeting).
# Fails when the connection ends before the echo (no backend, or none reachable).
greet()
{
	_g=$1
	shift
	rm -f "$_g.in"
	mkfifo "$_g.in"
	timeout $WAIT_SECONDS openssl s_client -connect "127.0.0.1:$FPORT" -brief -nocommands -CAfile ca.pem \
		-verify_return_error -servername a.test "$@" <"$_g.in" >"$_g.out" 2>"$_g.err" &
	_gpid=$!
	exec 4>"$_g.in"
	echo ping >&4
	wait_until -p $_gpid has_line "$_g.out" '^ping$'
	_grc=$?
	exec 4>&-
	wait_exit $_gpid
	[ $_grc -eq 0 ] || return 1
	head -n 1 "$_g.out"
}

# expect_greet NAME WANT [S_CLIENT ARGS...]: the connection reaches the backend greeting WANT.
expect_greet()
{
	_eg_n=$1 _eg_w=$2
	shift 2
	_eg_got=$(greet "$_eg_n" "$@") || { show "$_eg_n.err" frontd.err; atf_fail "$_eg_n: no echo (want $_eg_w)"; }
	[ "$_eg_got" = "$_eg_w" ] || { show "$_eg_n.out" frontd.err; atf_fail "$_eg_n: reached $_eg_got, want $_eg_w"; }
}

# wait_alpn PROTOCOL: an access log line (in frontd.err) of a connection that negotiated PROTOCOL.
wait_alpn()
{
	wait_line frontd.err " a\\.test TLSv1\\.3 [^ ]+ [^ ]+ \"$1\" " $FRONTD_PID || { show frontd.err; atf_fail "no access log line with ALPN $1"; }
}

# count_lines FILE REGEX: how many lines of FILE match.
count_lines()
{
	grep -aEc "$2" "$1"
}

# start_blackhole: a TCP listener on 127.0.0.1 (BH_PORT) that never accepts and whose queue of
# accepted connections is full: the kernel drops every new SYN, so a connect neither succeeds
# nor fails until the client gives up.
start_blackhole()
{
	cat >blackhole.py <<'EOF'
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(0)
fill = []
for _ in range(4):
    c = socket.socket()
    c.setblocking(False)
    c.connect_ex(s.getsockname())
    fill.append(c)
time.sleep(0.2)
print("listening on %d" % s.getsockname()[1], flush=True)
time.sleep(3600)
EOF
	python3 blackhole.py >bh.out 2>bh.err &
	_bh=$!
	bg_track $_bh
	wait_listening bh.out $_bh || { show bh.err; atf_fail "blackhole did not start"; }
	BH_PORT=$LISTEN_AT
}

atf_test_case alpn_s_client
alpn_s_client_head()
{
	atf_set "descr" "backend alpn: s_client -alpn h2 / http/1.1 / none each reaches its own backend; without an alpn line the site offers its backend lines' protocols; with one, a listed protocol without its own line goes to the default"
	atf_set "require.progs" "openssl timeout"
	atf_set "timeout" "90"
}
alpn_s_client_body()
{
	make_pki
	start_keyd
	start_backend H2 backend-h2
	start_backend H1 backend-http1
	start_backend D backend-default
	site_only "	backend alpn \"h2\" 127.0.0.1:$H2_PORT
	backend alpn \"http/1.1\" 127.0.0.1:$H1_PORT
	backend 127.0.0.1:$D_PORT"
	start_frontd
	expect_greet h2 backend-h2 -alpn h2
	wait_alpn h2
	expect_greet h1 backend-http1 -alpn http/1.1
	expect_greet h1b backend-http1 -alpn spdy/3,http/1.1
	expect_greet none backend-default
	# Offered: h2 and http/1.1 only (no alpn line), so a client with neither has no protocol in common.
	greet other -alpn spdy/3 >/dev/null 2>&1 && atf_fail "a client offering only spdy/3 was served"
	expect_line other.err 'no application protocol'
	stop_frontd

	# An alpn line: imap has no line of its own and goes to the default backend.
	site_only "	alpn \"h2\" \"imap\"
	backend alpn \"h2\" 127.0.0.1:$H2_PORT
	backend 127.0.0.1:$D_PORT"
	start_frontd
	expect_greet h2 backend-h2 -alpn h2
	expect_greet imap backend-default -alpn imap
	wait_alpn imap
	stop_frontd

	# No default backend: a client that negotiates no protocol is closed after the handshake.
	site_only "	backend alpn \"h2\" 127.0.0.1:$H2_PORT"
	start_frontd
	expect_greet h2 backend-h2 -alpn h2
	greet bare >/dev/null 2>&1 && atf_fail "a client without ALPN reached a backend"
	expect_line bare.err '^Peer certificate: CN = a.test$'
	expect_line frontd.err 'site a\.test: no backend for a client without ALPN'
	wait_line frontd.err ' "no-backend"$' $FRONTD_PID || { show frontd.err; atf_fail "no access log line with no-backend"; }
	stop_frontd
}

atf_test_case alpn_curl
alpn_curl_head()
{
	atf_set "descr" "backend alpn with curl: --http2 (ALPN h2) reaches an HTTP/2 haproxy, --http1.1 an HTTP/1.1 one"
	atf_set "require.progs" "openssl curl haproxy timeout"
	atf_set "timeout" "60"
}
alpn_curl_body()
{
	make_pki
	start_keyd
	P2=$(free_port)
	P1=$(free_port)
	cat >haproxy.cfg <<EOF
defaults
	mode http
	timeout connect 5s
	timeout client 10s
	timeout server 10s
frontend h2
	bind 127.0.0.1:$P2 proto h2
	http-request return status 200 content-type text/plain lf-string "h2 backend saw HTTP/%[req.ver]\n"
frontend h1
	bind 127.0.0.1:$P1
	http-request return status 200 content-type text/plain lf-string "http/1.1 backend saw HTTP/%[req.ver]\n"
EOF
	haproxy -db -f haproxy.cfg >haproxy.out 2>&1 &
	bg_track $!
	wait_port "$P2" $! && wait_port "$P1" || { show haproxy.out; atf_fail "haproxy did not start"; }
	site_only "	backend alpn \"h2\" 127.0.0.1:$P2
	backend alpn \"http/1.1\" 127.0.0.1:$P1"
	start_frontd
	for v in http2 http1.1; do
		timeout $WAIT_SECONDS curl -sS --$v --cacert ca.pem --resolve "a.test:$FPORT:127.0.0.1" \
			-w '%{http_version}\n' "https://a.test:$FPORT/" >$v.out 2>$v.err || { show $v.err frontd.err; atf_fail "curl --$v"; }
	done
	[ "$(cat http2.out)" = "h2 backend saw HTTP/2.0
2" ] || { show http2.out; atf_fail "curl --http2 did not reach the HTTP/2 backend"; }
	[ "$(cat http1.1.out)" = "http/1.1 backend saw HTTP/1.1
1.1" ] || { show http1.1.out; atf_fail "curl --http1.1 did not reach the HTTP/1.1 backend"; }
	stop_frontd
}

atf_test_case round_robin
round_robin_head()
{
	atf_set "descr" "backend A B (balance round-robin, the default): 10 connections, 5 to each"
	atf_set "require.progs" "openssl timeout"
	atf_set "timeout" "90"
}
round_robin_body()
{
	make_pki
	start_keyd
	start_backend A backend-a
	start_backend B backend-b
	site_only "	backend 127.0.0.1:$A_PORT 127.0.0.1:$B_PORT"
	start_frontd
	: >seen
	for i in 1 2 3 4 5 6 7 8 9 10; do
		greet c$i >>seen || { show c$i.err frontd.err; atf_fail "connection $i"; }
	done
	[ "$(count_lines seen '^backend-a$')" -eq 5 ] && [ "$(count_lines seen '^backend-b$')" -eq 5 ] ||
		{ show seen; atf_fail "not 5 and 5"; }
	# Alternating, not merely balanced in sum.
	[ "$(sed -n '1p;3p;5p;7p;9p' seen | sort -u | wc -l)" -eq 1 ] || { show seen; atf_fail "not alternating"; }
	stop_frontd
}

atf_test_case first_available
first_available_head()
{
	atf_set "descr" "balance first with the first backend (a Unix socket) down: all go to the second, the first is skipped after 3 failed connects, and once it is back and the skip is over, connections return to it"
	atf_set "require.progs" "openssl timeout"
	atf_set "timeout" "90"
}
first_available_body()
{
	make_pki
	start_keyd
	start_backend B backend-b
	site_only "	backend unix:a.sock 127.0.0.1:$B_PORT
	balance first
	backend-failures 3 4s"
	start_frontd
	: >seen
	for i in 1 2 3 4 5 6 7 8 9 10; do
		greet c$i >>seen || { show c$i.err frontd.err; atf_fail "connection $i"; }
	done
	[ "$(count_lines seen '^backend-b$')" -eq 10 ] || { show seen; atf_fail "not all on the second backend"; }
	# Tried by the first three connections only (each then retried on B), then skipped.
	[ "$(count_lines frontd.err 'backend unix:.*/a\.sock: No such file or directory')" -eq 3 ] ||
		{ show frontd.err; atf_fail "want exactly 3 failed connects to the first backend"; }
	expect_line frontd.err 'backend unix:.*/a\.sock: 3 connects failed in a row, skipped for 4000ms'
	# The first backend comes back: still skipped until its 4 s are over, then used again.
	start_backend A backend-a -u "$PWD/a.sock"
	expect_greet early backend-b
	n=0
	until [ "$(greet late$n)" = backend-a ]; do
		n=$((n + 1))
		[ $n -lt 20 ] || { show frontd.err; atf_fail "never back on the first backend"; }
		sleep 0.5
	done
	[ $n -ge 3 ] || { show frontd.err; atf_fail "back on the first backend before the skip was over"; }
	expect_line frontd.err 'backend unix:.*/a\.sock is back'
	expect_greet after backend-a
	stop_frontd
}

atf_test_case connect_timeout
connect_timeout_head()
{
	atf_set "descr" "backend-connect-timeout: a connect that hangs is given up after it and retried on the next backend; a connect refused likewise; the retry is once only, and with no backend left the client gets close_notify and the access log says backend-failed"
	atf_set "require.progs" "openssl timeout python3"
	atf_set "timeout" "90"
}
connect_timeout_body()
{
	make_pki
	start_keyd
	start_backend B backend-b
	start_blackhole
	site_only "	backend 127.0.0.1:$BH_PORT 127.0.0.1:$B_PORT
	balance first
	backend-connect-timeout 300ms"
	start_frontd
	expect_greet timed backend-b
	expect_line frontd.err "backend 127\.0\.0\.1:$BH_PORT: connect timed out"
	stop_frontd

	# Three Unix sockets that are not there: two connects per client connection, then close_notify.
	site_only "	backend unix:m1.sock unix:m2.sock unix:m3.sock"
	start_frontd
	greet none >/dev/null 2>&1 && atf_fail "served without a backend"
	expect_line none.err '^Peer certificate: CN = a.test$'
	wait_line frontd.err ' "backend-failed"$' $FRONTD_PID || { show frontd.err; atf_fail "no access log line with backend-failed"; }
	[ "$(count_lines frontd.err 'backend unix:.*/m[123]\.sock: No such file')" -eq 2 ] || { show frontd.err; atf_fail "not exactly 2 connects"; }
	expect_line frontd.err 'backend unix:.*/m1\.sock: No such file'
	expect_line frontd.err 'backend unix:.*/m2\.sock: No such file'
	stop_frontd
}

atf_test_case config_errors
config_errors_head()
{
	atf_set "descr" "-t reports backend mistakes as file:line: a second line for one ALPN protocol or the default, a protocol the alpn line does not offer, an offered protocol without a backend and no default, an address twice, no address, bad balance / timeout / failures"
	atf_set "require.progs" "openssl"
}
config_errors_body()
{
	make_pki
	site_conf 'certificate "a.pem"' 'backend alpn "h2" 127.0.0.1:1' 'backend alpn "h2" 127.0.0.1:2' >f.conf
	check_bad 6 'site "a.test" has a backend line for ALPN "h2" already (f.conf:5): list every address on one line'
	site_conf 'certificate "a.pem"' 'backend 127.0.0.1:1' 'backend unix "x.sock"' >f.conf
	check_bad 6 'site "a.test" has a default backend line already (f.conf:5): list every address on one line'
	site_conf 'certificate "a.pem"' 'alpn "h2"' 'backend alpn "http/1.1" 127.0.0.1:1' 'backend 127.0.0.1:2' >f.conf
	check_bad 6 'backend for ALPN "http/1.1": the site'"'"'s alpn line (line 5) does not offer it, so no client would get this backend'
	site_conf 'certificate "a.pem"' 'alpn "h2" "http/1.1"' 'backend alpn "h2" 127.0.0.1:1' >f.conf
	check_bad 5 '"alpn": "http/1.1" has no backend line of its own and site "a.test" has no default backend'
	site_conf 'certificate "a.pem"' 'backend 127.0.0.1:1 127.0.0.1:2 127.0.0.1:1' >f.conf
	check_bad 5 '"backend": 127.0.0.1:1 is listed twice'
	site_conf 'certificate "a.pem"' 'backend alpn "h2"' >f.conf
	check_bad 5 '"backend": no address'
	site_conf 'certificate "a.pem"' 'backend 127.0.0.1:1 unix' >f.conf
	check_bad 5 '"backend": "unix" needs the socket'"'"'s path after it'
	site_conf 'certificate "a.pem"' 'backend 127.0.0.1:1' 'balance random' >f.conf
	check_bad 6 '"balance": "random" is not round-robin or first'
	site_conf 'certificate "a.pem"' 'backend 127.0.0.1:1' 'backend-connect-timeout 0' >f.conf
	check_bad 6 '"backend-connect-timeout": a duration from 1ms to 24h'
	site_conf 'certificate "a.pem"' 'backend 127.0.0.1:1' 'balance first' 'balance first' >f.conf
	"$FRONTD" -t -f f.conf >/dev/null 2>t.err && atf_fail "two balance lines accepted"
	grep -q '^f.conf:7: ' t.err || { show t.err; atf_fail "two balance lines: not at line 7"; }
	site_conf 'certificate "a.pem"' 'backend 127.0.0.1:1' 'backend-failures 0 10s' >f.conf
	"$FRONTD" -t -f f.conf >/dev/null 2>t.err && atf_fail "backend-failures 0 accepted"
	grep -q '^f.conf:6: ' t.err || { show t.err; atf_fail "backend-failures 0: not at line 6"; }
	# And a good one, every form of address.
	site_conf 'certificate "a.pem"' 'alpn "h2" "http/1.1"' 'backend alpn "h2" 127.0.0.1:1 "[::1]:2" unix:h2.sock' \
		'backend unix "d.sock"' 'balance first' 'backend-connect-timeout 2s' 'backend-failures 5 30s' >f.conf
	"$FRONTD" -t -f f.conf >t.out 2>t.err || { show t.err; atf_fail "a good configuration was refused"; }
}

atf_init_test_cases()
{
	atf_add_test_case alpn_s_client
	atf_add_test_case alpn_curl
	atf_add_test_case round_robin
	atf_add_test_case first_available
	atf_add_test_case connect_timeout
	atf_add_test_case config_errors
}
