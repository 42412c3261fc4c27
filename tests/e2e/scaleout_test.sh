# Scale-out behind an L4 balancer (docs/SCALING.md): haproxy in TCP mode,
# round robin, sending a PROXY v2 header, in front of two moat-frontd +
# moat-keyd pairs on loopback, each keyd holding the same imported ticket
# key and each frontd listener taking PROXY headers from 127.0.0.1 only.
# Clients are spread over both pairs and logged with their own address; a
# ticket of one pair resumes on the other; SIGTERM to one frontd drains it
# while haproxy sends new clients to the other and an established session
# goes on to its end.
#
# The haproxy configuration written by so_haproxy is the example of
# docs/SCALING.md: keep the two in step.

. "$(atf_get_srcdir)/lib"

HTTP11='alpn "http/1.1"'

# so_fail MESSAGE: the logs of both pairs and of haproxy, then fail.
so_fail()
{
	for _d in "$TOP" "$TOP/a" "$TOP/b" "$TOP/a/logs" "$TOP/b/logs"; do
		for _f in "$_d"/*.log; do
			[ -f "$_f" ] || continue
			echo "--- $_f:" >&2
			tail -n 40 "$_f" >&2
		done
	done
	atf_fail "$1"
}

# so_pair NAME: keyd (importing $TOP/ticket.keys), an http and an echo
# backend, and frontd serving localhost (http) and echo.test (echo) on a
# listener that takes PROXY headers from 127.0.0.1 only, everything in
# $TOP/NAME. Sets NAME_PORT and NAME_PID (frontd's master).
so_pair()
{
	RUN=$TOP/$1
	mkdir "$RUN"
	cp -p "$TOP/rsa.key" "$TOP/rsa.pem" "$TOP/ca.pem" "$RUN/"
	E2E_SITES="$RUN/sites.conf"
	: >"$E2E_SITES"
	keyd_conf "$(frontd_allow)" rsa
	keyd_start
	"$MOAT_KEYCTL" -s "$RUN/keyctl.sock" tickets add "$TOP/ticket.keys" >"$RUN/add.out" 2>&1 ||
		so_fail "pair $1: tickets add failed: $(cat "$RUN/add.out")"
	backend_start web http
	e2e_site localhost "$BACKEND" rsa -- "$HTTP11"
	backend_start echo echo
	e2e_site echo.test "$BACKEND" rsa
	mkdir "$RUN/logs"
	[ "$(id -u)" -eq 0 ] && chown "$FRONTD_USER" "$RUN/logs"
	printf 'access-log "logs/access.log"\ndrain-timeout 20s\n' >"$RUN/frontd.extra"
	E2E_LISTEN_OPTS="proxy-protocol 127.0.0.1"
	frontd_start
	E2E_LISTEN_OPTS=""
	eval "${1}_PORT=\$FRONTD_PORT ${1}_PID=\$FRONTD_PID"
	RUN=$TOP
}

# so_haproxy: haproxy on a free port of 127.0.0.1 in front of both pairs.
# Sets HAPROXY_PORT, and FRONTD_PORT to it: the clients of lib connect there.
so_haproxy()
{
	HAPROXY_PORT=$(free_port)
	cat >"$TOP/haproxy.cfg" <<EOF
global
	maxconn 1000

defaults
	mode tcp
	timeout connect 2s
	timeout client 60s
	timeout server 60s
	# A connect that fails is tried again on the other server.
	retries 3
	option redispatch 1

frontend tls
	bind 127.0.0.1:$HAPROXY_PORT
	default_backend moat

backend moat
	balance roundrobin
	# A TCP connect as health check: frontd closes its listening sockets
	# when it drains, so the check fails and the server is taken out.
	default-server send-proxy-v2 check inter 200ms fall 1 rise 2
	server a 127.0.0.1:$a_PORT
	server b 127.0.0.1:$b_PORT
EOF
	_hap=$(command -v haproxy)
	"$_hap" -db -f "$TOP/haproxy.cfg" >"$TOP/haproxy.log" 2>&1 &
	HAPROXY_PID=$!
	e2e_track "$_hap" "$HAPROXY_PID"
	wait_port "$HAPROXY_PORT" "$HAPROXY_PID" || so_fail "haproxy did not start"
	FRONTD_PORT=$HAPROXY_PORT
}

# so_log NAME: pair NAME's access log lines for the site localhost (the
# health checks' connections, which send no ClientHello, have no site).
so_log()
{
	awk '$5 == "localhost"' "$TOP/$1/logs/access.log" 2>/dev/null
}

so_log_count()
{
	so_log "$1" | wc -l
}

# so_logged N: both pairs' logs together have N localhost lines.
so_logged()
{
	[ $(($(so_log_count a) + $(so_log_count b))) -ge "$1" ]
}

# so_conn OUT [S_CLIENT_ARGS...]: s_client through haproxy to localhost,
# one HTTP request, read until the server closes; output in $TOP/OUT.
so_conn()
{
	_out=$1
	shift
	timeout "$WAIT_SECONDS" openssl s_client -connect "127.0.0.1:$HAPROXY_PORT" -servername localhost \
		-CAfile "$TOP/ca.pem" -verify_return_error -ign_eof "$@" <"$TOP/req" >"$TOP/$_out" 2>&1 ||
		so_fail "s_client ($_out) failed: $(grep -i -m 3 error "$TOP/$_out")"
	grep -q "moat demo backend: it works" "$TOP/$_out" || so_fail "$_out: no demo page"
}

# so_curl: one curl through haproxy; appends its local port to $TOP/ports.
so_curl()
{
	e2e_curl localhost / -o /dev/null -w '%{local_port}\n' >>"$TOP/ports" 2>>"$TOP/curl.err" ||
		so_fail "curl through haproxy failed: $(tail -n 3 "$TOP/curl.err")"
}

# so_established PORT: how many established TCP connections go to 127.0.0.1:PORT.
so_established()
{
	ss -Htn state established "( dport = :$1 )" 2>/dev/null | wc -l
}

atf_test_case haproxy_two_pairs cleanup
haproxy_two_pairs_head()
{
	atf_set "descr" "haproxy (TCP, round robin, send-proxy-v2, health checks) in front of two frontd+keyd pairs sharing an imported ticket key: 20 clients spread over both with their own address in the access log, a ticket of one pair resumes on the other, and SIGTERM to one frontd drains it with no established session lost while new clients go to the other"
	atf_set "require.progs" "haproxy openssl curl ss"
	atf_set "timeout" "120"
}
haproxy_two_pairs_body()
{
	e2e_init
	TOP=$RUN
	make_ca ca moat-e2e-ca
	make_cert rsa rsa localhost DNS:localhost DNS:echo.test
	# The fleet's ticket key: one file, imported by every keyd.
	: >"$TOP/ticket.keys"
	chmod 0600 "$TOP/ticket.keys"
	printf '%s %s 0\n' "$(openssl rand -hex 16)" "$(openssl rand -hex 32)" >>"$TOP/ticket.keys"
	so_pair a
	so_pair b
	so_haproxy
	http_request "$TOP/req" /

	# (a) 20 clients, each a curl process of its own (a full handshake).
	: >"$TOP/ports"
	i=0
	while [ $i -lt 20 ]; do
		so_curl
		i=$((i + 1))
	done
	wait_until so_logged 20 || so_fail "the access logs have $(($(so_log_count a) + $(so_log_count b))) lines of 20"
	na=$(so_log_count a)
	nb=$(so_log_count b)
	echo "pair a: $na connections, pair b: $nb"
	[ "$na" -ge 6 ] && [ "$nb" -ge 6 ] || so_fail "clients not spread: a $na, b $nb of 20 (each must have 30%)"
	# The client field is the curl's own address, passed through PROXY v2, not haproxy's.
	for p in a b; do
		so_log $p | awk '{ print $2 }' >"$TOP/clients"
		while read -r c; do
			case $c in
			127.0.0.1:*) grep -qx "${c#127.0.0.1:}" "$TOP/ports" ||
				so_fail "pair $p logged client $c: not one of the curls' ports ($(tr '\n' ' ' <"$TOP/ports"))" ;;
			*) so_fail "pair $p logged client $c" ;;
			esac
		done <"$TOP/clients"
	done

	# (b) A ticket issued by one pair resumes on the other (round robin sends
	# the second connection to the other server).
	so_conn first -sess_out "$TOP/sess"
	grep -q '^New, TLSv1.3' "$TOP/first" || so_fail "first connection: not a new TLS 1.3 session"
	wait_until so_logged 21 || so_fail "the first connection was not logged"
	if [ "$(so_log_count a)" -gt "$na" ]; then
		first=a second=b
	else
		first=b second=a
	fi
	so_log "$first" | tail -n 1 | awk '$10 != "false" { exit 1 }' ||
		so_fail "the first connection resumed: $(so_log "$first" | tail -n 1)"
	so_conn second -sess_in "$TOP/sess"
	grep -q '^Reused, TLSv1.3' "$TOP/second" ||
		so_fail "the ticket of pair $first did not resume: $(grep -E '^(New|Reused)' "$TOP/second")"
	wait_until so_logged 22 || so_fail "the second connection was not logged"
	[ "$(so_log_count "$second")" -gt "$(eval echo \$n$second)" ] ||
		so_fail "both connections went to pair $first: round robin expected on $second"
	so_log "$second" | tail -n 1 | awk '$10 != "true" { exit 1 }' ||
		so_fail "pair $second's access log does not say resumed: $(so_log "$second" | tail -n 1)"

	# (c) A long-lived session on one pair, which then drains.
	session_start echo.test
	session_say "hello 0" || so_fail "no echo through haproxy"
	busy=""
	for _t in 1 2 3 4 5 6 7 8 9 10; do
		ea=$(so_established "$a_PORT")
		eb=$(so_established "$b_PORT")
		if [ "$ea" -eq 1 ] && [ "$eb" -eq 0 ]; then
			busy=a idle=b
			break
		elif [ "$ea" -eq 0 ] && [ "$eb" -eq 1 ]; then
			busy=b idle=a
			break
		fi
		sleep 0.1
	done
	[ -n "$busy" ] || so_fail "cannot tell which pair holds the session"
	busy_pid=$(eval echo \$${busy}_PID)
	echo "the session is on pair $busy; draining it"
	kill -TERM "$busy_pid"
	# The session keeps echoing, a line every 200 ms, while haproxy's check finds the pair gone.
	n=1
	while ! grep -q "Server moat/$busy is DOWN" "$TOP/haproxy.log"; do
		[ $n -lt 50 ] || so_fail "haproxy did not mark pair $busy down"
		session_say "hello $n" || so_fail "the draining session stopped echoing at line $n"
		n=$((n + 1))
		sleep 0.2
	done
	# New clients all go to the other pair, and the session goes on meanwhile.
	: >"$TOP/ports"
	before=$(so_log_count "$idle")
	i=0
	while [ $i -lt 6 ]; do
		so_curl
		session_say "hello $n" || so_fail "the draining session stopped echoing at line $n"
		n=$((n + 1))
		sleep 0.2
		i=$((i + 1))
	done
	wait_until so_logged $((22 + 6)) || so_fail "the clients during the drain were not all logged"
	[ "$(so_log_count "$idle")" -eq $((before + 6)) ] ||
		so_fail "clients during the drain not all on pair $idle: $(($(so_log_count "$idle") - before)) of 6"
	kill -0 "$busy_pid" 2>/dev/null || so_fail "frontd of pair $busy exited with a busy session"
	session_end || so_fail "the session through the draining pair ended with status $EXIT_STATUS"
	# Every line came back, in order.
	i=0
	while [ $i -lt $n ]; do
		sed -n "$((i + 1))p" "$TOP/session.out" | grep -qx "hello $i" ||
			so_fail "line $i of the session: $(sed -n "$((i + 1))p" "$TOP/session.out")"
		i=$((i + 1))
	done
	echo "the session echoed $n lines while pair $busy drained; $(grep -m 1 "Server moat/$busy is DOWN" "$TOP/haproxy.log")"
	# The session over, the draining frontd exits 0.
	wait_exit "$busy_pid" 10 || so_fail "frontd of pair $busy did not exit 0 after the drain: $EXIT_STATUS"
	awk '$5 == "echo.test"' "$TOP/$busy/logs/access.log" | grep -q . ||
		so_fail "pair $busy did not log the drained session"
}
haproxy_two_pairs_cleanup()
{
	e2e_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case haproxy_two_pairs
}
