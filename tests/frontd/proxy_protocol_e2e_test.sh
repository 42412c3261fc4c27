# The PROXY protocol through the real moat-frontd (moat-frontd.conf(5):
# `proxy-protocol` in a site, `listen ... proxy-protocol SOURCE...`), with
# real consumers: nginx (`listen ... proxy_protocol`, logging
# $proxy_protocol_addr:$proxy_protocol_port) and haproxy (`accept-proxy`,
# answering with the source it was told), and haproxy as the load balancer
# in front of frontd (`send-proxy-v2`). The v2 TLVs are checked by
# echo_backend -p, which decodes the header itself; headers of a test's
# choosing, valid or not, come from pp_relay.
#
# On loopback every address is 127.0.0.1, so the client is told apart by
# its port: curl binds a chosen local port (--local-port) and the backend
# must report that port, not the one frontd or the balancer connected from.

. "$(atf_get_srcdir)/../lib/moat_test_lib"
. "$(atf_get_srcdir)/frontd_test_lib"

PP_RELAY="$(atf_get_srcdir)/pp_relay"

# pp_conf SITE_LINES [LISTEN_OPTIONS]: frontd on @PORT@ with site a.test (default) whose block ends with SITE_LINES.
pp_conf()
{
	cat >conf.in <<EOF
keyd "keyd.sock"
# One worker: the counters and the worker that serves are one process's.
workers 1
listen 127.0.0.1:@PORT@ ${2:-}
first-byte-timeout ${FIRST_BYTE_TIMEOUT:-3s}
site "a.test" {
	certificate "a.pem"
	alpn "h2" "http/1.1"
$1
	default
}
EOF
}

# curl_via PORT LOCAL_PORT OUT: an HTTPS GET for a.test through 127.0.0.1:PORT from LOCAL_PORT.
curl_via()
{
	timeout $WAIT_SECONDS curl -sS --http1.1 --cacert ca.pem --resolve "a.test:$1:127.0.0.1" --local-port "$2" \
		"https://a.test:$1/" >"$3" 2>"$3.err"
}

# start_nginx: nginx on a free port taking PROXY headers (NGINX_PORT); its log, nginx.access, has
# "$proxy_protocol_addr:$proxy_protocol_port via $remote_addr" per request.
start_nginx()
{
	NGINX_PORT=$(free_port)
	mkdir -p nginx
	cat >nginx/nginx.conf <<EOF
daemon off;
master_process off;
pid $PWD/nginx/nginx.pid;
error_log $PWD/nginx/error.log info;
events { worker_connections 64; }
http {
	client_body_temp_path $PWD/nginx/body;
	proxy_temp_path $PWD/nginx/proxy;
	fastcgi_temp_path $PWD/nginx/fastcgi;
	uwsgi_temp_path $PWD/nginx/uwsgi;
	scgi_temp_path $PWD/nginx/scgi;
	log_format pp '\$proxy_protocol_addr:\$proxy_protocol_port via \$remote_addr';
	server {
		listen 127.0.0.1:$NGINX_PORT proxy_protocol;
		access_log $PWD/nginx.access pp;
		location / { return 200 "nginx\n"; }
	}
}
EOF
	nginx -e "$PWD/nginx/error.log" -p "$PWD/nginx" -c "$PWD/nginx/nginx.conf" >nginx.out 2>&1 &
	NGINX_PID=$!
	bg_track $NGINX_PID
	wait_port "$NGINX_PORT" $NGINX_PID || { show nginx.out nginx/error.log; atf_fail "nginx did not start"; }
}

# start_haproxy [FRONTD_PORT]: haproxy with an HTTP frontend on HAPROXY_PORT taking PROXY headers and
# answering "haproxy saw SRC:PORT authority=SNI"; with FRONTD_PORT, also a TCP balancer on LB_PORT in
# front of frontd that sends PROXY v2.
start_haproxy()
{
	HAPROXY_PORT=$(free_port)
	LB_PORT=$(free_port)
	cat >haproxy.cfg <<EOF
defaults
	timeout connect 5s
	timeout client 10s
	timeout server 10s
frontend backend_of_frontd
	mode http
	bind 127.0.0.1:$HAPROXY_PORT accept-proxy
	http-request return status 200 content-type text/plain lf-string "haproxy saw %[src]:%[src_port] authority=%[fc_pp_authority]\n"
EOF
	if [ -n "${1:-}" ]; then
		cat >>haproxy.cfg <<EOF
frontend balancer
	mode tcp
	bind 127.0.0.1:$LB_PORT
	default_backend frontd
backend frontd
	mode tcp
	server frontd 127.0.0.1:$1 send-proxy-v2
EOF
	fi
	haproxy -db -f haproxy.cfg >haproxy.out 2>&1 &
	HAPROXY_PID=$!
	bg_track $HAPROXY_PID
	wait_port "$HAPROXY_PORT" $HAPROXY_PID || { show haproxy.out; atf_fail "haproxy did not start"; }
}

# sigusr1_stats: frontd's counters line, as logged on SIGUSR1.
sigusr1_stats()
{
	_n=$(grep -c 'stats (SIGUSR1)' frontd.err)
	kill -USR1 "$FRONTD_PID"
	wait_until has_more_lines frontd.err 'stats \(SIGUSR1\)' "$_n" || atf_fail "no stats line after SIGUSR1"
	grep 'stats (SIGUSR1)' frontd.err | tail -n 1
}

has_more_lines()
{
	[ "$(grep -aEc "$2" "$1")" -gt "$3" ]
}

# mark NAME: note how many PROXY headers echo backend NAME has printed so far (before a client connects).
mark()
{
	eval "${1}_SEEN=\$(grep -ac '^proxy' \"\$1.out\")"
}

# next_header NAME: wait for the next header echo backend NAME prints after mark; it is left in NAME.last.
next_header()
{
	eval "_nh_seen=\$${1}_SEEN _nh_pid=\$${1}_PID"
	wait_until -p "$_nh_pid" has_more_lines "$1.out" '^proxy' "$_nh_seen" ||
		{ show frontd.err "$1.out"; atf_fail "no PROXY header at backend $1"; }
	grep -a '^proxy' "$1.out" | tail -n 1 >"$1.last"
	mark "$1"
}

# ---- cases --------------------------------------------------------------------------

atf_test_case backend_nginx
backend_nginx_head()
{
	atf_set "descr" "proxy-protocol v1 and v2 to nginx: its \$proxy_protocol_addr:port is curl's own address"
	atf_set "require.progs" "openssl curl nginx timeout"
	atf_set "timeout" "60"
}
backend_nginx_body()
{
	make_pki
	start_keyd
	start_nginx
	for v in v1 v2; do
		pp_conf "	backend 127.0.0.1:$NGINX_PORT
	proxy-protocol $v"
		start_frontd
		port=$(free_port)
		curl_via "$FPORT" "$port" $v.out || { show $v.out.err frontd.err nginx/error.log; atf_fail "curl ($v)"; }
		[ "$(cat $v.out)" = nginx ] || { show $v.out; atf_fail "not nginx's answer ($v)"; }
		expect_line nginx.access "^127\.0\.0\.1:$port via 127\.0\.0\.1$"
		stop_frontd
	done
}

atf_test_case backend_haproxy
backend_haproxy_head()
{
	atf_set "descr" "proxy-protocol v1 and v2 to haproxy accept-proxy: it sees curl's address, and with v2 the SNI as the authority TLV"
	atf_set "require.progs" "openssl curl haproxy timeout"
	atf_set "timeout" "60"
}
backend_haproxy_body()
{
	make_pki
	start_keyd
	start_haproxy
	for v in v1 v2; do
		pp_conf "	backend 127.0.0.1:$HAPROXY_PORT
	proxy-protocol $v"
		start_frontd
		port=$(free_port)
		curl_via "$FPORT" "$port" $v.out || { show $v.out.err frontd.err haproxy.out; atf_fail "curl ($v)"; }
		# v1 has no TLVs: haproxy's authority is empty.
		if [ $v = v1 ]; then
			expect_line $v.out "^haproxy saw 127\.0\.0\.1:$port authority=-?$"
		else
			expect_line $v.out "^haproxy saw 127\.0\.0\.1:$port authority=a\.test$"
		fi
		stop_frontd
	done
}

atf_test_case backend_tlvs
backend_tlvs_head()
{
	atf_set "descr" "v2 TLVs as decoded by the backend: ALPN, authority, SSL (no client certificate) with version, cipher and group; v1 to a TCP and v2 to a Unix-socket backend carry the client's TCP addresses"
	atf_set "require.progs" "openssl timeout"
	atf_set "timeout" "60"
}
backend_tlvs_body()
{
	make_pki
	start_keyd
	start_backend T tlv -p
	pp_conf "	backend 127.0.0.1:$T_PORT
	proxy-protocol v2"
	start_frontd
	mark T
	echo | timeout $WAIT_SECONDS openssl s_client -connect "127.0.0.1:$FPORT" -servername a.test -alpn h2 \
		-groups X25519 -CAfile ca.pem >c.out 2>&1
	next_header T
	expect_line T.last "^proxy v2: PROXY fam=0x11 src=127\.0\.0\.1:[0-9]+ dst=127\.0\.0\.1:$FPORT alpn=h2 authority=a\.test ssl\.client=0x01 ssl\.verify=1 ssl\.version=TLSv1\.3 ssl\.cipher=TLS_[A-Z0-9_]+ ssl\.group=x25519$"
	# The source port is s_client's: the one frontd logged the connection under.
	sport=$(sed -n 's/^proxy v2: PROXY fam=0x11 src=127\.0\.0\.1:\([0-9]*\) .*/\1/p' T.last)
	expect_line frontd.err "127\.0\.0\.1:$sport: handshake done"
	stop_frontd

	# Without SNI and ALPN those TLVs are left out.
	start_frontd
	echo | timeout $WAIT_SECONDS openssl s_client -connect "127.0.0.1:$FPORT" -noservername -CAfile ca.pem >c.out 2>&1
	next_header T
	expect_line T.last "^proxy v2: PROXY fam=0x11 src=127\.0\.0\.1:[0-9]+ dst=127\.0\.0\.1:$FPORT ssl\.client=0x01 ssl\.verify=1 ssl\.version=TLSv1\.3 ssl\.cipher=[^ ]+ ssl\.group=[^ ]+$"
	stop_frontd

	# v1 to TCP.
	pp_conf "	backend 127.0.0.1:$T_PORT
	proxy-protocol v1"
	start_frontd
	echo | timeout $WAIT_SECONDS openssl s_client -connect "127.0.0.1:$FPORT" -servername a.test -CAfile ca.pem >c.out 2>&1
	next_header T
	expect_line T.last "^proxy v1: TCP4 127\.0\.0\.1 127\.0\.0\.1 [0-9]+ $FPORT$"
	stop_frontd

	# A Unix-socket backend is told the client's TCP connection, not the socket's.
	start_backend U unix -p -u "$PWD/u.sock"
	pp_conf "	backend unix \"u.sock\"
	proxy-protocol v2"
	start_frontd
	mark U
	echo | timeout $WAIT_SECONDS openssl s_client -connect "127.0.0.1:$FPORT" -servername a.test -CAfile ca.pem >c.out 2>&1
	next_header U
	expect_line U.last "^proxy v2: PROXY fam=0x11 src=127\.0\.0\.1:[0-9]+ dst=127\.0\.0\.1:$FPORT authority=a\.test "
	stop_frontd
}

atf_test_case accept_trusted
accept_trusted_head()
{
	atf_set "descr" "listen ... proxy-protocol: v1 and v2 headers from a trusted source set the client address that frontd logs and sends on"
	atf_set "require.progs" "openssl timeout"
	atf_set "timeout" "60"
}
accept_trusted_body()
{
	make_pki
	start_keyd
	start_backend T tlv -p
	pp_conf "	backend 127.0.0.1:$T_PORT
	proxy-protocol v2" "proxy-protocol 10.0.0.0/8 127.0.0.1"
	start_frontd

	printf 'PROXY TCP4 203.0.113.7 192.0.2.1 4242 443\r\n' >v1.hdr
	# v2, TCP over IPv6, [2001:db8::7]:4343 -> [2001:db8::1]:443, with a NOOP TLV to skip.
	printf '\r\n\r\n\000\r\nQUIT\n\041\041\000\053' >v2.hdr
	printf ' \001\015\270\000\000\000\000\000\000\000\000\000\000\000\007' >>v2.hdr
	printf ' \001\015\270\000\000\000\000\000\000\000\000\000\000\000\001' >>v2.hdr
	printf '\020\367\001\273\004\000\004abcd' >>v2.hdr
	# Each whole, and each split across two segments 300 ms apart (inside the v1 address, inside the v2 fixed part).
	for h in v1 v2 v1:20 v2:10; do
		_split=${h#*:}
		[ "$_split" = "$h" ] && _split=0
		h=${h%%:*}
		"$PP_RELAY" -l -p $_split -c "$FPORT" -h $h.hdr >relay_$h.out 2>relay_$h.err &
		_pid=$!
		bg_track $_pid
		wait_listening relay_$h.out $_pid || atf_fail "pp_relay did not start"
		mark T
		echo | timeout $WAIT_SECONDS openssl s_client -connect "127.0.0.1:$LISTEN_AT" -servername a.test -CAfile ca.pem \
			>c_$h.out 2>&1
		next_header T
		cat T.last >>T.$h
	done
	[ "$(grep -c . T.v1)" -eq 2 ] && [ "$(uniq T.v1 | wc -l)" -eq 1 ] || { show T.v1; atf_fail "v1: split and whole differ"; }
	[ "$(grep -c . T.v2)" -eq 2 ] && [ "$(uniq T.v2 | wc -l)" -eq 1 ] || { show T.v2; atf_fail "v2: split and whole differ"; }
	expect_line T.v1 '^proxy v2: PROXY fam=0x11 src=203\.0\.113\.7:4242 dst=192\.0\.2\.1:443 authority=a\.test '
	expect_line T.v2 '^proxy v2: PROXY fam=0x21 src=\[2001:db8::7\]:4343 dst=\[2001:db8::1\]:443 authority=a\.test '
	expect_line frontd.err '\[2001:db8::7\]:4343: handshake done'
	expect_line frontd.err '203\.0\.113\.7:4242: handshake done'
	expect_line frontd.err '203\.0\.113\.7:4242: PROXY v1 header from 127\.0\.0\.1:[0-9]+'
	stop_frontd

	# On poll (level-triggered), the part of a split header that has arrived is taken out of the
	# socket: frontd does not spin on it while the rest is 300 ms away.
	EVENT_NOEPOLL=1 EVENT_SHOW_METHOD=1 start_frontd
	expect_line frontd.err 'libevent using: poll'
	"$PP_RELAY" -l -p 20 -c "$FPORT" -h v1.hdr >relay_lt.out 2>relay_lt.err &
	_pid=$!
	bg_track $_pid
	wait_listening relay_lt.out $_pid || atf_fail "pp_relay did not start"
	_cpu0=$(cpu_ticks "$FRONTD_WORKER")
	mark T
	echo | timeout $WAIT_SECONDS openssl s_client -connect "127.0.0.1:$LISTEN_AT" -servername a.test -CAfile ca.pem \
		>c_lt.out 2>&1
	next_header T
	expect_line T.last '^proxy v2: PROXY fam=0x11 src=203\.0\.113\.7:4242 dst=192\.0\.2\.1:443 '
	_cpu=$(($(cpu_ticks "$FRONTD_WORKER") - _cpu0))
	# A spin through the pause would be about 30 ticks (10 ms each); a handshake takes one or two.
	[ "$_cpu" -lt 15 ] || atf_fail "frontd used $_cpu ticks of CPU around a split header"
	stop_frontd
}

# cpu_ticks PID: user + system time of the process so far, in clock ticks.
cpu_ticks()
{
	read -r _ct_stat <"/proc/$1/stat"
	# Fields after the command name (in parentheses): utime and stime are the 12th and 13th.
	set -- ${_ct_stat##*) }
	echo $((${12} + ${13}))
}

atf_test_case accept_haproxy
accept_haproxy_head()
{
	atf_set "descr" "haproxy send-proxy-v2 in front of frontd, nginx behind it: nginx logs curl's address, not haproxy's"
	atf_set "require.progs" "openssl curl haproxy nginx timeout"
	atf_set "timeout" "60"
}
accept_haproxy_body()
{
	make_pki
	start_keyd
	start_nginx
	pp_conf "	backend 127.0.0.1:$NGINX_PORT
	proxy-protocol v1" "proxy-protocol 127.0.0.1"
	start_frontd
	start_haproxy "$FPORT"
	wait_port "$LB_PORT" $HAPROXY_PID || atf_fail "haproxy's balancer did not start"
	port=$(free_port)
	curl_via "$LB_PORT" "$port" c.out || { show c.out.err frontd.err haproxy.out; atf_fail "curl through haproxy"; }
	[ "$(cat c.out)" = nginx ] || { show c.out; atf_fail "not nginx's answer"; }
	expect_line nginx.access "^127\.0\.0\.1:$port via 127\.0\.0\.1$"
	expect_line frontd.err "127\.0\.0\.1:$port: handshake done"
	stop_frontd
}

atf_test_case accept_refused
accept_refused_head()
{
	atf_set "descr" "listen ... proxy-protocol: untrusted sources, plain TLS and malformed headers are closed before any TLS, truncated ones at the first-byte timeout; frontd carries on"
	atf_set "require.progs" "openssl timeout"
	atf_set "timeout" "90"
}
# refused NAME HEADER_FILE [PP_RELAY_ARGS...]: pp_relay sends the file and frontd closes without a byte.
refused()
{
	_rn=$1 _rh=$2
	shift 2
	"$PP_RELAY" -c "$FPORT" -h "$_rh" "$@" >"$_rn.out" 2>&1 || { show "$_rn.out" frontd.err; atf_fail "$_rn: not closed"; }
	expect_line "$_rn.out" '^closed after 0 bytes$'
	frontd_alive
}
accept_refused_body()
{
	make_pki
	start_keyd
	start_backend T tlv -p
	FIRST_BYTE_TIMEOUT=1s pp_conf "	backend 127.0.0.1:$T_PORT
	proxy-protocol v2" "proxy-protocol 127.0.0.1/32"
	start_frontd

	printf 'PROXY TCP4 203.0.113.7 192.0.2.1 4242 443\r\n' >good.hdr
	# From 127.0.0.2, outside the trusted list: closed at accept, whatever it sends.
	refused untrusted good.hdr -s 127.0.0.2
	# A TLS client that sends no header: its ClientHello is not one.
	echo | timeout $WAIT_SECONDS openssl s_client -connect "127.0.0.1:$FPORT" -servername a.test >tls.out 2>&1 &&
		atf_fail "a handshake without a PROXY header succeeded"
	# Malformed: a wrong v2 signature, a v1 line with no CRLF in 107 bytes, a lone LF, an unknown v2 command, v2 version 1.
	printf '\r\n\r\n\000\r\nQUIX\n\041\021\000\014' >badsig.hdr
	head -c 200 /dev/zero | tr '\0' 'a' | sed 's/^/PROXY UNKNOWN /' >long.hdr
	printf 'PROXY TCP4 203.0.113.7 192.0.2.1 4242 443\n' >lf.hdr
	printf '\r\n\r\n\000\r\nQUIT\n\042\021\000\014\001\002\003\004\005\006\007\010\000\001\000\002' >cmd.hdr
	printf '\r\n\r\n\000\r\nQUIT\n\021\021\000\014\001\002\003\004\005\006\007\010\000\001\000\002' >ver.hdr
	for h in badsig long lf cmd ver; do
		refused $h $h.hdr
	done
	# Truncated, and a v2 length beyond the data: frontd waits for the rest, then the first-byte timeout closes.
	head -c 20 good.hdr >trunc.hdr
	printf '\r\n\r\n\000\r\nQUIT\n\041\021\001\000\001\002\003\004' >beyond.hdr
	for h in trunc beyond; do
		refused $h $h.hdr
	done
	stats=$(sigusr1_stats)
	echo "$stats" | grep -q ' refused_proxy_untrusted=1 ' || atf_fail "untrusted not counted: $stats"
	echo "$stats" | grep -q ' proxy_header_refused=6 ' || atf_fail "bad headers not counted (5 + the ClientHello): $stats"
	echo "$stats" | grep -q ' timeouts_first_byte=2 ' || atf_fail "truncated headers not timed out: $stats"
	! grep -aq '^proxy' T.out || { show T.out; atf_fail "the backend was reached"; }

	# And a good header still works after all that.
	"$PP_RELAY" -l -c "$FPORT" -h good.hdr >relay.out 2>relay.err &
	_pid=$!
	bg_track $_pid
	wait_listening relay.out $_pid || atf_fail "pp_relay did not start"
	mark T
	echo | timeout $WAIT_SECONDS openssl s_client -connect "127.0.0.1:$LISTEN_AT" -servername a.test -CAfile ca.pem >c.out 2>&1
	next_header T
	expect_line T.last '^proxy v2: PROXY fam=0x11 src=203\.0\.113\.7:4242 dst=192\.0\.2\.1:443 '
	stop_frontd
}

atf_test_case accept_per_source
accept_per_source_head()
{
	atf_set "descr" "behind a balancer, max-handshakes-per-source counts the addresses PROXY headers name, not the balancer's"
	atf_set "require.progs" "openssl timeout"
	atf_set "timeout" "60"
}
# hold NAME SRC: a connection whose header names SRC and which then sends nothing (pp_relay gives up after 5 s).
hold()
{
	printf 'PROXY TCP4 %s 192.0.2.1 4242 443\r\n' "$2" >"$1.hdr"
	"$PP_RELAY" -c "$FPORT" -h "$1.hdr" >"$1.out" 2>&1 &
	eval "${1}_PID=\$!"
	bg_track $!
	# One at a time: which one is the oldest must not be left to chance.
	wait_until has_more_lines frontd.err 'PROXY v1 header from' "$HELD" || atf_fail "header $1 not read"
	HELD=$((HELD + 1))
}
accept_per_source_body()
{
	make_pki
	start_keyd
	start_backend T tlv -p
	cat >conf.in <<EOF
keyd "keyd.sock"
# One worker: the counters and the worker that serves are one process's.
workers 1
listen 127.0.0.1:@PORT@ proxy-protocol 127.0.0.1
first-byte-timeout 20s
client-hello-timeout 20s
handshake-timeout 20s
max-handshakes-per-source 2
site "a.test" {
	certificate "a.pem"
	backend 127.0.0.1:$T_PORT
}
EOF
	start_frontd
	HELD=0
	# Three clients behind the one balancer: each under the limit, nobody is closed.
	hold b1 198.51.100.1
	hold b2 198.51.100.2
	hold b3 198.51.100.3
	stats=$(sigusr1_stats)
	echo "$stats" | grep -q ' evicted_per_source=0 ' || atf_fail "distinct clients were counted as one source: $stats"
	# A third from one client: its oldest waiting connection makes room.
	hold a1 203.0.113.9
	hold a2 203.0.113.9
	hold a3 203.0.113.9
	wait_exit $a1_PID || { show a1.out; atf_fail "the oldest connection of the full source was not closed"; }
	expect_line a1.out '^closed after 0 bytes$'
	stats=$(sigusr1_stats)
	echo "$stats" | grep -q ' evicted_per_source=1 ' || atf_fail "no eviction counted: $stats"
	for p in $b1_PID $b2_PID $b3_PID $a2_PID $a3_PID; do
		is_gone $p && atf_fail "a connection under the limit was closed"
	done
	stop_frontd
}

atf_init_test_cases()
{
	atf_add_test_case backend_nginx
	atf_add_test_case backend_haproxy
	atf_add_test_case backend_tlvs
	atf_add_test_case accept_trusted
	atf_add_test_case accept_haproxy
	atf_add_test_case accept_refused
	atf_add_test_case accept_per_source
}
