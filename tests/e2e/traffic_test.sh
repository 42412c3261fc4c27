# End to end with real clients: curl and openssl s_client through
# moat-frontd to the demo backend, every signature made by moat-keyd.
#
# Each case starts its own keyd, frontd and backends (lib: e2e_init ...
# frontd_start) and proves one thing a user would try: fetching a page
# with each kind of certificate, being served the right site by SNI,
# negotiating ALPN, moving 10 MiB each way intact, many clients at once.

. "$(atf_get_srcdir)/lib"

# A site for curl must not offer h2: the demo backend speaks HTTP/1.1 only.
HTTP11='alpn "http/1.1"'

atf_test_case curl_rsa_ecdsa cleanup
curl_rsa_ecdsa_head()
{
	atf_set "descr" "curl fetches the demo page through frontd from an RSA site and an ECDSA site, verifying each certificate"
	atf_set "require.progs" "curl openssl"
	atf_set "timeout" "120"
}
curl_rsa_ecdsa_body()
{
	e2e_init
	make_ca ca moat-e2e-ca
	make_cert rsa rsa localhost
	make_cert ec p256 ec.test
	keyd_conf "$(frontd_allow)" rsa ec
	keyd_start
	backend_start web
	e2e_site localhost "$BACKEND" rsa -- "$HTTP11"
	e2e_site ec.test "$BACKEND" ec -- "$HTTP11"
	frontd_start

	for host in localhost ec.test; do
		e2e_curl "$host" / -v -o "$RUN/$host.html" 2>"$RUN/$host.curl" ||
			e2e_fail "curl https://$host/ failed: $(tail -n 3 "$RUN/$host.curl")"
		grep -q "moat demo backend: it works" "$RUN/$host.html" || e2e_fail "$host: not the demo page"
		grep -q "SSL connection using TLSv1.3" "$RUN/$host.curl" || e2e_fail "$host: not TLS 1.3"
		grep -q "subject: CN=$host\$" "$RUN/$host.curl" || e2e_fail "$host: wrong certificate"
		grep -q "SSL certificate verify ok" "$RUN/$host.curl" || e2e_fail "$host: certificate not verified"
	done
	# Two requests on one connection: the proxied stream stays in step.
	n=$(e2e_curl localhost /bytes/1000 -o /dev/null -o /dev/null -w '%{num_connects} ' \
		"https://localhost:$FRONTD_PORT/") || e2e_fail "two requests on one connection failed"
	[ "$n" = "1 0 " ] || e2e_fail "expected one connection for two requests, curl says: $n"
	# curl checks the name: the wrong site's certificate must be refused.
	curl -sS --max-time 30 --cacert "$RUN/ca.pem" --resolve "wrong.test:$FRONTD_PORT:127.0.0.1" -o /dev/null \
		"https://wrong.test:$FRONTD_PORT/" 2>"$RUN/wrong.curl" &&
		e2e_fail "curl accepted a certificate for another name"
	frontd_alive
}
curl_rsa_ecdsa_cleanup()
{
	e2e_cleanup
}

atf_test_case curl_tls12 cleanup
curl_tls12_head()
{
	atf_set "descr" "curl --tls-max 1.2 and Python's ssl with maximum_version TLSv1_2 fetch the demo page through frontd from an RSA site and an ECDSA site; a key with tls12 no signs no ServerKeyExchange"
	atf_set "require.progs" "curl openssl python3"
	atf_set "timeout" "120"
}
curl_tls12_body()
{
	e2e_init
	make_ca ca moat-e2e-ca
	make_cert rsa rsa localhost
	make_cert ec p256 ec.test
	make_cert no12 p256 no12.test
	keyd_conf "$(frontd_allow)" rsa ec no12
	# moat-keyd.conf(5): a server key signs TLS 1.2 ServerKeyExchange params unless it says "tls12 no".
	sed -e "s|^key \"\($RUN/no12.key\)\"\$|key \"\1\" { tls12 no }|" "$RUN/keyd.conf" >"$RUN/keyd.conf.new"
	mv "$RUN/keyd.conf.new" "$RUN/keyd.conf"
	grep -q "no12.key\" { tls12 no }" "$RUN/keyd.conf" || e2e_fail "the tls12 no key was not configured"
	keyd_start
	backend_start web
	e2e_site localhost "$BACKEND" rsa -- "$HTTP11"
	e2e_site ec.test "$BACKEND" ec -- "$HTTP11"
	e2e_site no12.test "$BACKEND" no12 -- "$HTTP11"
	frontd_start

	for host in localhost ec.test; do
		e2e_curl "$host" / --tls-max 1.2 -v -o "$RUN/$host.html" 2>"$RUN/$host.curl" ||
			e2e_fail "curl --tls-max 1.2 https://$host/ failed: $(tail -n 3 "$RUN/$host.curl")"
		grep -q "moat demo backend: it works" "$RUN/$host.html" || e2e_fail "$host: not the demo page"
		grep -q "SSL connection using TLSv1.2 / ECDHE-" "$RUN/$host.curl" || e2e_fail "$host: not TLS 1.2 with ECDHE"
		grep -q "SSL certificate verify ok" "$RUN/$host.curl" || e2e_fail "$host: certificate not verified"
		# Python's ssl module (OpenSSL underneath, with Python's own defaults), capped at TLS 1.2.
		python3 - "$host" "$FRONTD_PORT" "$RUN/ca.pem" >"$RUN/$host.py" 2>&1 <<'PY' ||
import socket, ssl, sys
host, port, ca = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context(cafile=ca)
ctx.maximum_version = ssl.TLSVersion.TLSv1_2
with socket.create_connection(("127.0.0.1", port), timeout=30) as raw:
    with ctx.wrap_socket(raw, server_hostname=host) as s:
        s.sendall(b"GET / HTTP/1.0\r\nHost: " + host.encode() + b"\r\n\r\n")
        body = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            body += chunk
        print(s.version(), s.cipher()[0])
        sys.exit(0 if b"moat demo backend: it works" in body else 1)
PY
			e2e_fail "$host: Python ssl over TLS 1.2 failed: $(tail -n 3 "$RUN/$host.py")"
		grep -q "^TLSv1.2 ECDHE-" "$RUN/$host.py" || e2e_fail "$host: Python did not get TLS 1.2 with ECDHE: $(cat "$RUN/$host.py")"
	done
	# keyd refuses a TLS 1.2 signature with a key not configured for it: the handshake fails, frontd goes on.
	e2e_curl no12.test / --tls-max 1.2 -o /dev/null 2>"$RUN/no12.curl" &&
		e2e_fail "a key with tls12 no signed a ServerKeyExchange"
	e2e_curl no12.test / -o "$RUN/no12.html" 2>"$RUN/no12-13.curl" ||
		e2e_fail "the same site over TLS 1.3 failed: $(tail -n 3 "$RUN/no12-13.curl")"
	frontd_alive
}
curl_tls12_cleanup()
{
	e2e_cleanup
}

atf_test_case tls12_dhe_rsa_kx cleanup
tls12_dhe_rsa_kx_head()
{
	atf_set "descr" "through frontd and keyd: TLS 1.2 DHE_RSA (keyd signs SIGN kind 3) and static RSA (keyd decrypts), TLS 1.1 and 1.0 (legacy schemes, a key with tls10 yes), each fetching the demo page; a key without rsa-key-exchange or tls10 is not chosen for them (handshake_failure, protocol_version), and frontd says so"
	atf_set "require.progs" "curl openssl"
	atf_set "timeout" "120"
}
tls12_dhe_rsa_kx_body()
{
	e2e_init
	make_ca ca moat-e2e-ca
	make_cert rsa rsa localhost
	make_cert plain rsa plain.test
	keyd_conf "$(frontd_allow)" rsa plain
	# moat-keyd.conf(5): RSA key transport and the TLS 1.0/1.1 schemes only where the key says so.
	sed -e "s|^key \"\($RUN/rsa.key\)\"\$|key \"\1\" { rsa-key-exchange yes; tls10 yes }|" "$RUN/keyd.conf" >"$RUN/keyd.conf.new"
	mv "$RUN/keyd.conf.new" "$RUN/keyd.conf"
	grep -q "rsa.key\" { rsa-key-exchange yes; tls10 yes }" "$RUN/keyd.conf" || e2e_fail "the rsa key was not configured"
	keyd_start
	backend_start web
	# "20190214" lists ECDHE, DHE and RSA key transport, TLS 1.0 to 1.2.
	e2e_site localhost "$BACKEND" rsa -- "$HTTP11" 'policy "20190214"'
	e2e_site plain.test "$BACKEND" plain -- "$HTTP11" 'policy "20190214"'
	frontd_start

	for suite in DHE-RSA-AES128-GCM-SHA256 AES128-GCM-SHA256 AES256-SHA256; do
		e2e_curl localhost / --tls-max 1.2 --ciphers "$suite" -v -o "$RUN/$suite.html" 2>"$RUN/$suite.curl" ||
			e2e_fail "curl $suite failed: $(tail -n 3 "$RUN/$suite.curl")"
		grep -q "moat demo backend: it works" "$RUN/$suite.html" || e2e_fail "$suite: not the demo page"
		grep -q "SSL connection using TLSv1.2 / $suite" "$RUN/$suite.curl" ||
			e2e_fail "$suite: not negotiated: $(grep 'SSL connection' "$RUN/$suite.curl")"
	done
	# Debian's openssl allows TLS 1.0/1.1 and SHA-1 only at security level 0.
	printf 'GET / HTTP/1.0\r\nHost: localhost\r\n\r\n' >"$RUN/get"
	for v in tls1 tls1_1; do
		for suite in ECDHE-RSA-AES128-SHA DHE-RSA-AES256-SHA AES128-SHA; do
			e2e_s_client_send localhost "$RUN/get" "-$v" -cipher "$suite:@SECLEVEL=0" >"$RUN/$v-$suite.out" ||
				e2e_fail "s_client -$v $suite failed"
			grep -q "moat demo backend: it works" "$RUN/$v-$suite.out" || e2e_fail "-$v $suite: not the demo page"
		done
	done
	# frontd learnt the key's switches from keyd (LIST_KEYS) and says what they cut from the policy.
	wait_until frontd_logged_since 0 'site plain.test: certificate plain.test .*TLS 1.0/1.1 signatures disabled: key without tls10; static RSA key exchange disabled: key without rsa-key-exchange' ||
		e2e_fail "no warning about the plain key's switches: $(grep plain.test "$RUN/frontd.log")"
	frontd_logged_since 0 'site localhost: certificate localhost .*disabled' &&
		e2e_fail "a warning about the rsa key, which allows everything: $(grep 'site localhost' "$RUN/frontd.log")"
	# A key that does not allow RSA key transport: frontd does not choose static RSA for it (handshake_failure), not a
	# handshake that keyd refuses (internal_error); frontd goes on.
	e2e_curl plain.test / --tls-max 1.2 --ciphers AES128-GCM-SHA256 -o /dev/null 2>"$RUN/plain.curl" &&
		e2e_fail "a key without rsa-key-exchange decrypted a premaster"
	grep -qi "handshake failure" "$RUN/plain.curl" || e2e_fail "static RSA without rsa-key-exchange: $(tail -n 2 "$RUN/plain.curl")"
	# Offered beside ECDHE, the key exchange keyd allows is chosen.
	e2e_curl plain.test / --tls-max 1.2 --ciphers AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256 -v -o "$RUN/plain-both.html" \
		2>"$RUN/plain-both.curl" || e2e_fail "RSA and ECDHE offered: $(tail -n 3 "$RUN/plain-both.curl")"
	grep -q "SSL connection using TLSv1.2 / ECDHE-RSA-AES128-GCM-SHA256" "$RUN/plain-both.curl" ||
		e2e_fail "not ECDHE: $(grep 'SSL connection' "$RUN/plain-both.curl")"
	e2e_curl plain.test / --tls-max 1.2 --ciphers DHE-RSA-AES128-GCM-SHA256 -o "$RUN/plain.html" 2>"$RUN/plain-dhe.curl" ||
		e2e_fail "DHE with the same key failed: $(tail -n 3 "$RUN/plain-dhe.curl")"
	# A key without tls10: TLS 1.0 is not negotiated for it, the client gets protocol_version (alert 70).
	e2e_s_client plain.test -tls1 -cipher "ECDHE-RSA-AES128-SHA:DHE-RSA-AES256-SHA:@SECLEVEL=0" >"$RUN/plain-tls1.out" &&
		e2e_fail "TLS 1.0 with a key without tls10 succeeded"
	grep -Eq "alert protocol version|alert number 70" "$RUN/plain-tls1.out" ||
		e2e_fail "TLS 1.0 without tls10: not protocol_version: $(grep -i alert "$RUN/plain-tls1.out")"
	frontd_logged_since 0 'keyd refused' &&
		e2e_fail "keyd was asked for what it refuses: $(grep 'keyd refused' "$RUN/frontd.log")"
	frontd_alive
}
tls12_dhe_rsa_kx_cleanup()
{
	e2e_cleanup
}

atf_test_case s_client_key_types cleanup
s_client_key_types_head()
{
	atf_set "descr" "openssl s_client gets the chain of the key type it asks for (RSA, RSA-PSS, ECDSA P-256 and P-384) and a page through it"
	atf_set "require.progs" "openssl"
	atf_set "timeout" "120"
}
s_client_key_types_body()
{
	e2e_init
	make_ca ca moat-e2e-ca
	for k in rsa pss p256 p384; do
		make_cert "$k" "$k" "localhost-$k" DNS:localhost IP:127.0.0.1
	done
	keyd_conf "$(frontd_allow)" rsa pss p256 p384
	keyd_start
	backend_start web
	e2e_site localhost "$BACKEND" rsa pss p256 p384
	frontd_start
	http_request "$RUN/get" /

	for combo in rsa:rsa_pss_rsae_sha256:RSA-PSS:2048 pss:rsa_pss_pss_sha256:RSA-PSS:2048 \
		p256:ecdsa_secp256r1_sha256:ECDSA:256 p384:ecdsa_secp384r1_sha384:ECDSA:384; do
		old_ifs=$IFS
		IFS=:
		# shellcheck disable=SC2086 # split on ':' on purpose
		set -- $combo
		IFS=$old_ifs
		k=$1 sigalg=$2 sigtype=$3 bits=$4
		out="$RUN/$k.s_client"
		e2e_s_client localhost -sigalgs "$sigalg" >"$out" || e2e_fail "$k: handshake failed: $(grep -i error "$out")"
		grep -q "^subject=CN = localhost-$k\$" "$out" || e2e_fail "$k: served $(grep '^subject=' "$out")"
		grep -q "^Peer signature type: $sigtype\$" "$out" || e2e_fail "$k: $(grep 'Peer signature type' "$out")"
		grep -q "^Server public key is $bits bit\$" "$out" || e2e_fail "$k: wrong key size"
		grep -q "^New, TLSv1.3," "$out" || e2e_fail "$k: not TLS 1.3"
		grep -q "^Verify return code: 0 (ok)\$" "$out" || e2e_fail "$k: chain not verified"
		e2e_s_client_send localhost "$RUN/get" -sigalgs "$sigalg" >"$RUN/$k.http" ||
			e2e_fail "$k: GET / through s_client failed"
		grep -q "^HTTP/1.1 200 OK" "$RUN/$k.http" && grep -q "it works" "$RUN/$k.http" ||
			e2e_fail "$k: no page through s_client"
	done
	# A signature the site has no key for: the handshake fails, frontd lives on.
	e2e_s_client localhost -sigalgs ed25519 >"$RUN/ed25519.s_client" &&
		e2e_fail "handshake succeeded with only ed25519 offered"
	frontd_alive
}
s_client_key_types_cleanup()
{
	e2e_cleanup
}

atf_test_case sni cleanup
sni_head()
{
	atf_set "descr" "several sites by SNI: exact and wildcard names, case, the default site for unknown or missing names, each site to its own backend"
	atf_set "require.progs" "curl openssl"
	atf_set "timeout" "120"
}
sni_body()
{
	e2e_init
	make_ca ca moat-e2e-ca
	make_cert local p256 localhost
	make_cert alpha p256 alpha.test
	make_cert beta p256 beta.test DNS:beta.test 'DNS:*.beta.test'
	keyd_conf "$(frontd_allow)" local alpha beta
	keyd_start
	backend_start web
	web=$BACKEND
	backend_start echo echo
	e2e_site localhost "$web" local -- "$HTTP11"
	e2e_site alpha.test "$BACKEND" alpha
	e2e_site beta.test "$web" beta -- 'name "*.beta.test"' "$HTTP11" default
	frontd_start

	for pair in localhost:localhost LOCALHOST:localhost alpha.test:alpha.test beta.test:beta.test \
		www.beta.test:beta.test a.b.beta.test:beta.test unknown.test:beta.test -:beta.test; do
		sn=${pair%%:*} want=${pair#*:}
		out="$RUN/sni-$sn.s_client"
		e2e_s_client "$sn" >"$out" || e2e_fail "SNI $sn: handshake failed"
		grep -q "^subject=CN = $want\$" "$out" ||
			e2e_fail "SNI $sn: expected the $want certificate, got $(grep '^subject=' "$out")"
	done
	# Each site reaches its own backend: alpha's is an echo server, the others serve pages.
	session_start alpha.test
	session_say "hello through alpha" || e2e_fail "alpha.test did not reach the echo backend"
	session_end
	for host in localhost www.beta.test; do
		e2e_curl "$host" / -o "$RUN/$host.html" 2>"$RUN/$host.curl" || e2e_fail "curl https://$host/ failed"
		grep -q "it works" "$RUN/$host.html" || e2e_fail "$host: not the demo page"
	done
	frontd_alive
}
sni_cleanup()
{
	e2e_cleanup
}

atf_test_case alpn cleanup
alpn_head()
{
	atf_set "descr" "ALPN: the site's preference among the client's protocols, no_application_protocol when none is shared, nothing when the site has no list"
	atf_set "require.progs" "openssl"
	atf_set "timeout" "120"
}
alpn_body()
{
	e2e_init
	make_ca ca moat-e2e-ca
	make_cert local p256 localhost
	make_cert plain p256 plain.test
	keyd_conf "$(frontd_allow)" local plain
	keyd_start
	backend_start web
	e2e_site localhost "$BACKEND" local -- 'alpn "h2" "http/1.1"'
	e2e_site plain.test "$BACKEND" plain
	frontd_start

	e2e_s_client localhost -alpn h2,http/1.1 >"$RUN/a1" && grep -q "^ALPN protocol: h2\$" "$RUN/a1" ||
		e2e_fail "h2,http/1.1: $(grep -i alpn "$RUN/a1")"
	e2e_s_client localhost -alpn http/1.1,h2 >"$RUN/a2" && grep -q "^ALPN protocol: h2\$" "$RUN/a2" ||
		e2e_fail "the server's preference should win: $(grep -i alpn "$RUN/a2")"
	e2e_s_client localhost -alpn http/1.1 >"$RUN/a3" && grep -q "^ALPN protocol: http/1.1\$" "$RUN/a3" ||
		e2e_fail "http/1.1: $(grep -i alpn "$RUN/a3")"
	e2e_s_client localhost >"$RUN/a4" && grep -q "^No ALPN negotiated\$" "$RUN/a4" ||
		e2e_fail "no ALPN offered: $(grep -i alpn "$RUN/a4")"
	e2e_s_client plain.test -alpn h2 >"$RUN/a5" && grep -q "^No ALPN negotiated\$" "$RUN/a5" ||
		e2e_fail "site without alpn: $(grep -i alpn "$RUN/a5")"
	# RFC 7301 §3.2: no protocol in common is a fatal no_application_protocol alert.
	e2e_s_client localhost -alpn spdy/1 >"$RUN/a6" && e2e_fail "handshake succeeded with no common protocol"
	grep -q "no application protocol" "$RUN/a6" || e2e_fail "no common protocol: $(grep -i alert "$RUN/a6")"
	frontd_alive
}
alpn_cleanup()
{
	e2e_cleanup
}

atf_test_case transfer_10mib cleanup
transfer_10mib_head()
{
	atf_set "descr" "10 MiB each way through frontd, checked by SHA-256: a download from /bytes and an upload to /sha256"
	atf_set "require.progs" "curl openssl sha256sum"
	atf_set "timeout" "150"
}
transfer_10mib_body()
{
	e2e_init
	make_ca ca moat-e2e-ca
	make_cert rsa rsa localhost
	keyd_conf "$(frontd_allow)" rsa
	keyd_start
	backend_start web
	e2e_site localhost "$BACKEND" rsa -- "$HTTP11"
	frontd_start
	n=10485760

	e2e_pattern "$RUN/expected" $n
	want=$(sha256sum <"$RUN/expected" | cut -d' ' -f1)
	got=$(e2e_curl localhost "/bytes/$n" | sha256sum | cut -d' ' -f1)
	[ "$got" = "$want" ] || e2e_fail "download: sha256 $got, expected $want"

	head -c $n /dev/urandom >"$RUN/upload"
	want=$(sha256sum <"$RUN/upload" | cut -d' ' -f1)
	got=$(e2e_curl localhost /sha256 --data-binary "@$RUN/upload" -H 'Content-Type: application/octet-stream') ||
		e2e_fail "upload failed"
	[ "$got" = "$want" ] || e2e_fail "upload: backend saw sha256 $got, expected $want"
	frontd_alive
}
transfer_10mib_cleanup()
{
	e2e_cleanup
}

atf_test_case parallel_clients cleanup
parallel_clients_head()
{
	atf_set "descr" "24 clients at once (both key types), every body intact: handshakes wait on keyd without blocking each other"
	atf_set "require.progs" "curl openssl sha256sum"
	atf_set "timeout" "120"
}
parallel_clients_body()
{
	e2e_init
	make_ca ca moat-e2e-ca
	make_cert rsa rsa localhost
	make_cert ec p256 ec.test
	keyd_conf "$(frontd_allow)" rsa ec
	keyd_start
	backend_start web
	e2e_site localhost "$BACKEND" rsa -- "$HTTP11"
	e2e_site ec.test "$BACKEND" ec -- "$HTTP11"
	frontd_start
	n=300000
	e2e_pattern "$RUN/expected" $n
	want=$(sha256sum <"$RUN/expected" | cut -d' ' -f1)

	pids=""
	i=0
	while [ $i -lt 24 ]; do
		host=localhost
		[ $((i % 2)) -eq 1 ] && host=ec.test
		(e2e_curl "$host" "/bytes/$n" | sha256sum | cut -d' ' -f1 >"$RUN/par.$i") 2>"$RUN/par.$i.err" &
		pids="$pids $!"
		i=$((i + 1))
	done
	for p in $pids; do
		wait "$p"
	done
	bad=0
	i=0
	while [ $i -lt 24 ]; do
		[ "$(cat "$RUN/par.$i")" = "$want" ] || { bad=$((bad + 1)); cat "$RUN/par.$i.err" >&2; }
		i=$((i + 1))
	done
	[ $bad -eq 0 ] || e2e_fail "$bad of 24 parallel transfers were wrong or failed"
	frontd_alive
}
parallel_clients_cleanup()
{
	e2e_cleanup
}

atf_test_case unix_backend cleanup
unix_backend_head()
{
	atf_set "descr" "a site whose backend is a Unix socket"
	atf_set "require.progs" "curl openssl"
	atf_set "timeout" "120"
}
unix_backend_body()
{
	e2e_init
	make_ca ca moat-e2e-ca
	make_cert ec p256 localhost
	keyd_conf "$(frontd_allow)" ec
	keyd_start
	backend_start web http "unix:$RUN/app.sock"
	e2e_site localhost "$BACKEND" ec -- "$HTTP11"
	frontd_start
	e2e_curl localhost / -o "$RUN/page" 2>"$RUN/curl.err" || e2e_fail "curl failed: $(cat "$RUN/curl.err")"
	grep -q "it works" "$RUN/page" || e2e_fail "not the demo page"
}
unix_backend_cleanup()
{
	e2e_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case curl_rsa_ecdsa
	atf_add_test_case curl_tls12
	atf_add_test_case tls12_dhe_rsa_kx
	atf_add_test_case s_client_key_types
	atf_add_test_case sni
	atf_add_test_case alpn
	atf_add_test_case transfer_10mib
	atf_add_test_case parallel_clients
	atf_add_test_case unix_backend
}
