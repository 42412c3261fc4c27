# The access log (moat-frontd.conf(5), ACCESS LOG): real clients through
# moat-frontd to the demo backend, then the line each connection left, in
# both formats; failed handshakes with their reason; reopening on SIGUSR1
# after the file was moved (what logrotate does); the group our own client
# negotiates (X25519MLKEM768) beside curl's; client bytes in SNI
# escaped; the directive's mistakes reported at file:line.

. "$(atf_get_srcdir)/lib"

HTTP11='alpn "http/1.1"'

# One site (localhost, P-256, http/1.1) to the demo backend, logging with
# the access-log line given; frontd started.
al_start()
{
	e2e_init
	make_ca ca moat-e2e-ca
	make_cert local p256 localhost
	keyd_conf "$(frontd_allow)" local
	keyd_start
	backend_start web
	e2e_site localhost "$BACKEND" local -- "$HTTP11"
	# Opened by frontd's user, after the privilege drop (moat-frontd.conf(5)).
	mkdir "$RUN/logs"
	[ "$(id -u)" -eq 0 ] && chown "$FRONTD_USER" "$RUN/logs"
	echo "$1" >"$RUN/frontd.extra"
	frontd_start
}

al_lines()
{
	if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi
}

al_has_lines()
{
	[ "$(al_lines "$1")" -ge "$2" ]
}

# al_wait FILE N: until FILE has N lines (the line is written when the connection closes).
al_wait()
{
	wait_until al_has_lines "$1" "$2" || e2e_fail "$1: expected $2 access log lines, found $(al_lines "$1")"
}

# al_json FILE N EXPR: python3 EXPR on line N of FILE parsed as JSON (as e); prints the result.
al_json()
{
	python3 -c '
import json, sys
lines = open(sys.argv[1], encoding="ascii").read().split("\n")
e = json.loads(lines[int(sys.argv[2]) - 1])
print(eval("(" + sys.argv[3] + ")"))' "$1" "$2" "$3"
}

atf_test_case plain cleanup
plain_head()
{
	atf_set "descr" "curl through frontd leaves one plain access log line with every field in its place"
	atf_set "require.progs" "curl openssl"
	atf_set "timeout" "120"
}
plain_body()
{
	al_start "access-log \"logs/access.log\""
	log=$RUN/logs/access.log
	e2e_curl localhost / -o "$RUN/page" 2>"$RUN/curl.err" || e2e_fail "curl failed: $(cat "$RUN/curl.err")"
	grep -q "it works" "$RUN/page" || e2e_fail "not the demo page"
	al_wait "$log" 1
	# time client listener sni site version suite group alpn resumed early_data client_cert handshake_ms keyd_ms in out
	# duration end
	re='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z 127\.0\.0\.1:[0-9]+ '
	re="${re}127\\.0\\.0\\.1:$FRONTD_PORT \"localhost\" localhost TLSv1\\.3 TLS_[A-Z0-9_]+ [a-z0-9]+ "
	re="${re}\"http/1\\.1\" false - - [0-9]+\\.[0-9]{3} [0-9]+\\.[0-9]{3} [1-9][0-9]* [1-9][0-9]* [0-9]+ \"(ok|client closed)\"\$"
	grep -Eq "$re" "$log" || e2e_fail "unexpected access log line: $(cat "$log")"
	[ "$(al_lines "$log")" -eq 1 ] || e2e_fail "more than one line for one connection: $(cat "$log")"
	# The request went in and the page came out: byte counts say so.
	in=$(awk '{ print $15 }' "$log") out=$(awk '{ print $16 }' "$log")
	[ "$out" -ge "$(wc -c <"$RUN/page")" ] || e2e_fail "bytes out $out < the page's size"
	[ "$in" -ge 30 ] || e2e_fail "bytes in $in: less than the request"
	frontd_alive
}
plain_cleanup()
{
	e2e_cleanup
}

atf_test_case hybrid_group cleanup
hybrid_group_head()
{
	atf_set "descr" "our own client offers X25519MLKEM768 through frontd and keyd: the line names it; curl's (x25519 only) names x25519"
	atf_set "require.progs" "curl openssl"
	atf_set "timeout" "120"
}
hybrid_group_body()
{
	al_start "access-log \"logs/access.log\""
	log=$RUN/logs/access.log
	# tls_pipe_client is our library with its default policy: X25519MLKEM768 and x25519 shared.
	printf 'GET / HTTP/1.0\r\nHost: localhost\r\n\r\n' >"$RUN/request"
	"$(atf_get_srcdir)/../frontd/tls_pipe_client" -c "127.0.0.1:$FRONTD_PORT" -n localhost -a "$RUN/ca.pem" \
		-s "$RUN/request" -t 30 >"$RUN/page" 2>"$RUN/client.err" ||
		e2e_fail "our client failed: $(cat "$RUN/client.err")"
	grep -q "it works" "$RUN/page" || e2e_fail "not the demo page"
	al_wait "$log" 1
	[ "$(awk '{ print $8 }' "$log")" = X25519MLKEM768 ] || e2e_fail "group not X25519MLKEM768: $(cat "$log")"
	# A client that shares x25519 alone (OpenSSL 3.0 has no ML-KEM) is served x25519, as before.
	e2e_curl localhost / -o /dev/null 2>"$RUN/curl.err" || e2e_fail "curl failed: $(cat "$RUN/curl.err")"
	al_wait "$log" 2
	[ "$(sed -n 2p "$log" | awk '{ print $8 }')" = x25519 ] || e2e_fail "curl's group not x25519: $(cat "$log")"
	frontd_alive
}
hybrid_group_cleanup()
{
	e2e_cleanup
}

atf_test_case json cleanup
json_head()
{
	atf_set "descr" "the JSON format: one object per line that python's json module parses, with the same fields and types"
	atf_set "require.progs" "curl openssl python3"
	atf_set "timeout" "120"
}
json_body()
{
	al_start "access-log \"logs/access.json\" json"
	log=$RUN/logs/access.json
	e2e_curl localhost / -o "$RUN/page" 2>"$RUN/curl.err" || e2e_fail "curl failed: $(cat "$RUN/curl.err")"
	al_wait "$log" 1
	got=$(al_json "$log" 1 '",".join(e.keys())')
	want=time,client,listener,sni,site,version,suite,group,alpn,resumed,early_data,client_cert,handshake_ms,keyd_ms,bytes_in,bytes_out,duration_ms,end
	[ "$got" = "$want" ] || e2e_fail "keys: $got"
	check=$(al_json "$log" 1 "e['listener'] == '127.0.0.1:$FRONTD_PORT' and e['sni'] == 'localhost' and
		e['site'] == 'localhost' and e['version'] == 'TLSv1.3' and e['suite'].startswith('TLS_') and
		e['alpn'] == 'http/1.1' and e['resumed'] is False and e['client_cert'] is None and
		e['handshake_ms'] > 0 and e['keyd_ms'] > 0 and e['handshake_ms'] >= e['keyd_ms'] and
		e['bytes_in'] > 0 and e['bytes_out'] > 0 and e['end'] in ('ok', 'client closed')")
	[ "$check" = True ] || e2e_fail "unexpected fields: $(cat "$log")"
	frontd_alive
}
json_cleanup()
{
	e2e_cleanup
}

atf_test_case syslog cleanup
syslog_head()
{
	atf_set "descr" "access-log syslog: the line goes to frontd's own log (standard error under -d), at info level"
	atf_set "require.progs" "curl openssl"
	atf_set "timeout" "120"
}
syslog_body()
{
	al_start "access-log syslog"
	e2e_curl localhost / -o /dev/null 2>"$RUN/curl.err" || e2e_fail "curl failed: $(cat "$RUN/curl.err")"
	re="moat-frontd\\[info\\]: [0-9T:.-]+Z 127\\.0\\.0\\.1:[0-9]+ 127\\.0\\.0\\.1:$FRONTD_PORT \"localhost\" localhost TLSv1\\.3 "
	wait_line "$RUN/frontd.log" "$re" || e2e_fail "no access log line in frontd's log"
	[ -z "$(ls "$RUN/logs")" ] || e2e_fail "a file was written: $(ls "$RUN/logs")"
	frontd_alive
}
syslog_cleanup()
{
	e2e_cleanup
}

atf_test_case failed_handshakes cleanup
failed_handshakes_head()
{
	atf_set "descr" "failed handshakes are logged with their reason: no shared ALPN protocol, a TLS 1.1 client whose site key does not sign for TLS 1.1, a client that leaves before its ClientHello"
	atf_set "require.progs" "openssl python3"
	atf_set "timeout" "120"
}
failed_handshakes_body()
{
	al_start "access-log \"logs/access.json\" json"
	log=$RUN/logs/access.json
	e2e_s_client localhost -alpn h2 >"$RUN/alpn.out" && e2e_fail "a handshake without a shared ALPN protocol succeeded"
	al_wait "$log" 1
	end=$(al_json "$log" 1 'e["end"]')
	[ "$end" = "handshake alert no_application_protocol" ] || e2e_fail "no shared ALPN: end is \"$end\""
	[ "$(al_json "$log" 1 'e["site"], e["version"], e["handshake_ms"], e["bytes_in"]')" = "('localhost', None, None, 0)" ] ||
		e2e_fail "no shared ALPN: $(sed -n 1p "$log")"

	# The policy serves TLS 1.1, but the key is not configured "tls10 yes": frontd knows it from keyd's key list
	# and does not negotiate TLS 1.1 for it; the client gets protocol_version, keyd is not asked.
	wait_until frontd_logged_since 0 'keyd holds [0-9]+ key' || e2e_fail "frontd did not get keyd's key list"
	e2e_s_client localhost -tls1_1 >"$RUN/v11.out" && e2e_fail "a TLS 1.1 handshake succeeded"
	al_wait "$log" 2
	end=$(al_json "$log" 2 'e["end"]')
	[ "$end" = "handshake alert protocol_version" ] || e2e_fail "TLS 1.1 only: end is \"$end\""

	# Connects and leaves at once: no ClientHello, no site, no SNI.
	python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1]))).close()' "$FRONTD_PORT"
	al_wait "$log" 3
	[ "$(al_json "$log" 3 'e["end"], e["sni"], e["site"]')" = "('client closed', None, None)" ] ||
		e2e_fail "empty connection: $(sed -n 3p "$log")"

	# No keyd (stopped, not restarting): after keyd-timeout the client gets internal_error, the log says why.
	keyd_stop
	e2e_s_client localhost >"$RUN/nokeyd.out" && e2e_fail "a handshake succeeded without keyd"
	al_wait "$log" 4
	end=$(al_json "$log" 4 'e["end"]')
	[ "$end" = "keyd unavailable" ] || e2e_fail "no keyd: end is \"$end\""

	# The same failures, counted by reason (moat-frontd(8), STATISTICS).
	for pair in handshake_failures:3 handshake_failures_alert_sent:2 handshake_failures_keyd:1 \
		handshake_failures_client_alert:0 handshake_failures_closed:0 closed_before_hello:1; do
		v=$(frontd_stat "${pair%%:*}")
		[ "$v" = "${pair#*:}" ] || e2e_fail "${pair%%:*} is $v, expected ${pair#*:}"
	done
	frontd_alive
}
failed_handshakes_cleanup()
{
	e2e_cleanup
}

atf_test_case hostile_sni cleanup
hostile_sni_head()
{
	atf_set "descr" "quotes, backslashes, control and non-ASCII bytes in SNI are escaped: the plain line stays one line, the JSON line parses and gives the bytes back"
	atf_set "require.progs" "openssl python3"
	atf_set "timeout" "120"
}
hostile_sni_body()
{
	al_start "access-log \"logs/access.log\""
	# Quote, backslash, space, a newline, ESC, DEL and a byte above ASCII.
	sni=$(printf 'a"b\\c d\nx\033y\177z\351.test')
	e2e_s_client "$sni" >"$RUN/sni.out" 2>&1
	al_wait "$RUN/logs/access.log" 1
	[ "$(al_lines "$RUN/logs/access.log")" -eq 1 ] || e2e_fail "SNI split the line: $(cat "$RUN/logs/access.log")"
	field=$(awk '{ print $4 }' "$RUN/logs/access.log")
	[ "$field" = '"a\"b\\c' ] || e2e_fail "plain SNI field 4 is $field: $(cat "$RUN/logs/access.log")"
	grep -qF '"a\"b\\c d\x0ax\x1by\x7fz\xe9.test"' "$RUN/logs/access.log" ||
		e2e_fail "SNI not escaped as documented: $(cat "$RUN/logs/access.log")"
	LC_ALL=C grep -q '[^ -~]' "$RUN/logs/access.log" && e2e_fail "a byte that is not printable ASCII reached the log"
	frontd_stop || e2e_fail "frontd did not stop cleanly"

	# The same bytes in JSON come back exactly.
	echo "access-log \"logs/access.json\" json" >"$RUN/frontd.extra"
	frontd_start
	e2e_s_client "$sni" >"$RUN/sni2.out" 2>&1
	al_wait "$RUN/logs/access.json" 1
	got=$(al_json "$RUN/logs/access.json" 1 'e["sni"].encode("latin-1") == b"a\"b\\c d\nx\x1by\x7fz\xe9.test"')
	[ "$got" = True ] || e2e_fail "JSON SNI is not the bytes sent: $(cat "$RUN/logs/access.json")"
	frontd_alive
}
hostile_sni_cleanup()
{
	e2e_cleanup
}

atf_test_case reopen cleanup
reopen_head()
{
	atf_set "descr" "SIGUSR1 after the file was moved away (logrotate) makes frontd write a new file by the configured name"
	atf_set "require.progs" "curl openssl"
	atf_set "timeout" "120"
}
reopen_body()
{
	al_start "access-log \"logs/access.log\""
	log=$RUN/logs/access.log
	e2e_curl localhost / -o /dev/null 2>"$RUN/curl.err" || e2e_fail "curl failed: $(cat "$RUN/curl.err")"
	al_wait "$log" 1
	mv "$log" "$log.1"
	# Until the signal, lines go on to the moved file.
	e2e_curl localhost / -o /dev/null 2>"$RUN/curl.err" || e2e_fail "curl failed: $(cat "$RUN/curl.err")"
	al_wait "$log.1" 2
	[ -e "$log" ] && e2e_fail "a new file appeared before SIGUSR1"
	kill -USR1 "$FRONTD_PID"
	wait_line "$RUN/frontd.log" "access log reopened" || e2e_fail "no reopen after SIGUSR1"
	e2e_curl localhost / -o /dev/null 2>"$RUN/curl.err" || e2e_fail "curl failed: $(cat "$RUN/curl.err")"
	al_wait "$log" 1
	[ "$(al_lines "$log.1")" -eq 2 ] || e2e_fail "the moved file changed after the reopen"
	# And again, for a second rotation.
	mv "$log" "$log.2"
	kill -USR1 "$FRONTD_PID"
	wait_until has_size "$log" 0 || e2e_fail "no new file after the second SIGUSR1"
	e2e_curl localhost / -o /dev/null 2>"$RUN/curl.err" || e2e_fail "curl failed: $(cat "$RUN/curl.err")"
	al_wait "$log" 1
	frontd_alive
	# The helper that reopens leaves with frontd (it is the worker's child: moat-frontd(8), PROCESSES).
	helper=$(pgrep -P "$FRONTD_WORKER" 2>/dev/null | head -n 1)
	[ -n "$helper" ] || e2e_fail "no reopening helper under frontd"
	# Confined too: its own seccomp filter, no_new_privs, and nothing of frontd's but its socket.
	grep -Eq '^Seccomp:[[:space:]]+2$' "/proc/$helper/status" || e2e_fail "the helper is not in seccomp filter mode"
	grep -Eq '^NoNewPrivs:[[:space:]]+1$' "/proc/$helper/status" || e2e_fail "the helper may gain privileges"
	[ "$(cat "/proc/$helper/comm")" = frontd-logopen ] || e2e_fail "helper named $(cat "/proc/$helper/comm")"
	# Not dumpable: its descriptors can be listed by root only.
	if [ "$(id -u)" -eq 0 ]; then
		fds=$(ls "/proc/$helper/fd" | awk '$1 > 2' | wc -l)
		[ "$fds" -eq 1 ] || e2e_fail "the helper holds $fds descriptors above stdio: $(ls -l "/proc/$helper/fd")"
	fi
	frontd_stop || e2e_fail "frontd did not stop cleanly"
	wait_gone "$helper" || e2e_fail "the reopening helper outlived frontd"
}
reopen_cleanup()
{
	e2e_cleanup
}

atf_test_case config_errors cleanup
config_errors_head()
{
	atf_set "descr" "access-log mistakes are reported at file:line by -t; a file that cannot be opened stops frontd at start"
	atf_set "require.progs" "openssl"
	atf_set "timeout" "60"
}
config_errors_body()
{
	e2e_init
	make_ca ca moat-e2e-ca
	make_cert local p256 localhost
	e2e_site localhost 127.0.0.1:1 local
	FRONTD_PORT=$(free_port)
	for pair in 'access-log syslog yaml|unknown format "yaml"' 'access-log off json|takes no format' \
		'access-log|takes at least 1 argument' 'access-log syslog { }|' 'access-log "dir/"|names a directory'; do
		line=${pair%%|*} want=${pair#*|}
		echo "$line" >"$RUN/frontd.extra"
		frontd_conf
		n=$(grep -n '^access-log' "$RUN/frontd.conf" | cut -d: -f1)
		if "$MOAT_FRONTD" -t -f "$RUN/frontd.conf" >"$RUN/t.out" 2>&1; then
			e2e_fail "-t accepted: $line"
		fi
		grep -q "frontd.conf:$n: .*$want" "$RUN/t.out" || e2e_fail "$line: $(cat "$RUN/t.out")"
	done
	printf 'access-log syslog\naccess-log off\n' >"$RUN/frontd.extra"
	frontd_conf
	"$MOAT_FRONTD" -t -f "$RUN/frontd.conf" >"$RUN/t.out" 2>&1 && e2e_fail "-t accepted two access-log lines"
	grep -q "access-log" "$RUN/t.out" || e2e_fail "two access-log lines: $(cat "$RUN/t.out")"
	for ok in 'access-log syslog' 'access-log syslog json' 'access-log off' 'access-log "a.log" plain'; do
		echo "$ok" >"$RUN/frontd.extra"
		frontd_conf
		"$MOAT_FRONTD" -t -f "$RUN/frontd.conf" >"$RUN/t.out" 2>&1 || e2e_fail "-t refused $ok: $(cat "$RUN/t.out")"
	done
	# A directory that does not exist: frontd says so and exits.
	echo 'access-log "missing/access.log"' >"$RUN/frontd.extra"
	frontd_conf
	"$MOAT_FRONTD" -d -f "$RUN/frontd.conf" >"$RUN/start.out" 2>&1 && e2e_fail "frontd started without its access log"
	grep -q "cannot open access log .*missing/access.log" "$RUN/start.out" || e2e_fail "$(cat "$RUN/start.out")"
}
config_errors_cleanup()
{
	e2e_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case plain
	atf_add_test_case hybrid_group
	atf_add_test_case json
	atf_add_test_case syslog
	atf_add_test_case failed_handshakes
	atf_add_test_case hostile_sni
	atf_add_test_case reopen
	atf_add_test_case config_errors
}
