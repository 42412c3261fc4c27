# moat-keyd's metrics endpoint (moat-keyd.conf(5), METRICS), scraped with curl over its Unix
# socket: the text is the exposition format (prom_check in moat_test_lib), the signature and
# latency figures move with signatures, bad requests get 400/404 and keyd goes on, and a TCP
# address is refused with file:line (keyd serves on Unix sockets only).

. "$(atf_get_srcdir)/keyd_lib"

# scrape FILE: GET /metrics into FILE; 200 and well-formed.
scrape()
{
	curl -sS -o "$1" -w '%{http_code}\n' --max-time 10 --unix-socket "$(pwd)/metrics.sock" \
		http://localhost/metrics >"$1.code" 2>"$1.err" || { cat "$1.err" >&2; atf_fail "curl failed"; }
	[ "$(cat "$1.code")" = 200 ] || { cat "$1" >&2; atf_fail "scrape: HTTP $(cat "$1.code")"; }
	prom_check "$1" >"$1.check" || { cat "$1.check" >&2; atf_fail "$1 is not the exposition format"; }
}

# grew A B SERIES N: SERIES is exactly N more in scrape B than in scrape A.
grew()
{
	_a=$(prom_value "$1" "$3")
	_b=$(prom_value "$2" "$3")
	[ "$_b" -eq $((_a + $4)) ] || { cat "$2" >&2; atf_fail "$3: $_a then $_b, want +$4"; }
}

atf_test_case counters_move cleanup
counters_move_head()
{
	atf_set "descr" "Signatures move keyd's per-kind, per-key and latency figures; bad requests are refused, keyd serves on"
	atf_set "require.progs" "curl openssl"
}
counters_move_body()
{
	make_keys p256 rsa
	write_conf p256 rsa -- 'metrics listen "metrics.sock"'
	start_keyd
	scrape m1
	_w=$(pwd)
	atf_check -o ignore "$CLIENT" -s "$(data_sock)" hello \
		sign "$(key_id p256)" ecdsa_secp256r1_sha256 1 "$_w/p256.pub.der" \
		sign "$(key_id p256)" ecdsa_secp256r1_sha256 1 "$_w/p256.pub.der" \
		sign "$(key_id p256)" ecdsa_secp256r1_sha256 2 "$_w/p256.pub.der" \
		sign "$(key_id rsa)" rsa_pss_rsae_sha256 1 "$_w/rsa.pub.der"
	scrape m2
	grew m1 m2 'moat_keyd_signatures_total{kind="tls13_certificate_verify"}' 3
	grew m1 m2 'moat_keyd_signatures_total{kind="tls12_server_key_exchange"}' 1
	grew m1 m2 'moat_keyd_key_operations_total{key="p256",operation="sign"}' 3
	grew m1 m2 'moat_keyd_key_operations_total{key="rsa",operation="sign"}' 1
	grew m1 m2 'moat_keyd_key_operations_total{key="rsa",operation="decrypt"}' 0
	grew m1 m2 moat_keyd_request_duration_seconds_count 4
	grew m1 m2 moat_keyd_connections_total 1
	grep -q '^moat_keyd_keys 2$' m2 || { cat m2 >&2; atf_fail "moat_keyd_keys is not 2"; }
	# Not a scrape: answered and closed, never a crash.
	curl -s -o /dev/null -w '%{http_code}\n' --unix-socket "$(pwd)/metrics.sock" http://localhost/other >code
	atf_check -o inline:"404\n" cat code
	curl -s -o /dev/null -w '%{http_code}\n' --unix-socket "$(pwd)/metrics.sock" -H "X: $(head -c 5000 /dev/zero | tr '\0' a)" \
		http://localhost/metrics >code
	atf_check -o inline:"400\n" cat code
	keyd_alive 64
	scrape m3
	stop_keyd
}
counters_move_cleanup() { bg_stop_all; }

atf_test_case tcp_refused
tcp_refused_head()
{
	atf_set "descr" "metrics listen with an address:port is refused with file:line: keyd listens on Unix sockets only"
}
tcp_refused_body()
{
	make_keys p256
	write_conf p256 -- 'metrics listen 127.0.0.1:9101'
	_line=$(grep -n '^metrics' keyd.conf | cut -d: -f1)
	atf_check -s exit:1 -o empty \
		-e inline:"$(pwd)/keyd.conf:$_line: metrics: \"127.0.0.1:9101\": keyd serves its metrics on a Unix socket path only\n" \
		"$KEYD" -t -f "$(pwd)/keyd.conf"
	write_conf p256 -- 'metrics serve "m.sock"'
	atf_check -s exit:1 -o empty \
		-e inline:"$(pwd)/keyd.conf:$_line: metrics: unknown option \"serve\" (metrics listen PATH)\n" \
		"$KEYD" -t -f "$(pwd)/keyd.conf"
}

atf_init_test_cases()
{
	atf_add_test_case counters_move
	atf_add_test_case tcp_refused
}
