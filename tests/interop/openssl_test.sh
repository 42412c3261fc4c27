# Interop with OpenSSL's command-line tools: our server (tls/examples/
# moat-tls-server) against `openssl s_client`, our client against
# `openssl s_server`.
#
# s_client is driven through a FIFO that stays open until the echo has come
# back (peer_run), so it never closes before reading. s_server becomes an
# echo server by feeding its output back into its input (-quiet keeps its
# own chatter and the command letters out of the data).
#
# Each case loops over its combinations and names the failed ones.

. "$(atf_get_srcdir)/interop_lib"

SUITES="TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256"
TLS_GROUPS="X25519 P-256 P-384"

# s_client_echo DATA ARGS...: s_client against our server on $PORT, sending DATA and
# waiting for it to come back; $N.out holds what came back, $N.err the summary.
# S_CLIENT_VERSION (default -tls1_3) is the version option it runs with.
s_client_echo()
{
	_data=$1
	shift
	peer_run "$_data" "$(file_size "$_data")" openssl s_client -connect "127.0.0.1:$PORT" \
		"${S_CLIENT_VERSION:--tls1_3}" -brief -nocommands -CAfile ca.pem -verify_return_error -servername localhost "$@"
}

# vs_s_client DATA SERVER_ARGS... -- S_CLIENT_ARGS...: our server for one connection and
# s_client sending DATA. Sets RC (s_client's status) and SRC (our server's).
vs_s_client()
{
	_data=$1 _sargs=""
	shift
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		_sargs="$_sargs $1"
		shift
	done
	[ $# -gt 0 ] && shift
	# shellcheck disable=SC2086 # the arguments are file and option names without spaces
	server_start $_sargs || return 1
	s_client_echo "$_data" "$@"
	RC=$?
	server_status
	SRC=$?
}

# vs_s_server S_SERVER_ARGS... -- CLIENT_ARGS...: openssl s_server as an echo server for one
# connection and our client. Sets RC (our client's status) and PRC (s_server's).
# S_SERVER_VERSION (default -tls1_3) is the version option it runs with.
vs_s_server()
{
	_pargs=""
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		_pargs="$_pargs $1"
		shift
	done
	[ $# -gt 0 ] && shift
	# shellcheck disable=SC2086
	echo_loop_start openssl s_server -accept 0 -naccept 1 -quiet "${S_SERVER_VERSION:--tls1_3}" $_pargs || return 1
	client_run "$@"
	RC=$?
	wait_exit "$PEER_PID"
	PRC=$?
}

# What s_client -brief says about each group's key exchange.
s_client_key_line()
{
	case $1 in
	X25519) echo "^Server Temp Key: X25519" ;;
	P-256) echo "^Server Temp Key: ECDH, prime256v1" ;;
	P-384) echo "^Server Temp Key: ECDH, secp384r1" ;;
	X448) echo "^Server Temp Key: X448" ;;
	P-521) echo "^Server Temp Key: ECDH, secp521r1" ;;
	ffdhe*) echo "^Server Temp Key: DH, ${1#ffdhe} bits" ;;
	esac
}

# Every group we have, by OpenSSL's names. OpenSSL 3.0 negotiates all of them in TLS 1.3,
# the FFDHE ones included (RFC 8446 §4.2.8.1 key shares).
ALL_GROUPS="X25519 P-256 P-384 X448 P-521 ffdhe2048 ffdhe3072 ffdhe4096 ffdhe6144 ffdhe8192"

atf_test_case server_matrix
server_matrix_head()
{
	atf_set "descr" "our server <- openssl s_client: every TLS 1.3 suite x group x RSA/P-256/P-384 certificate (+ RSA-PSS), echo"
	atf_set "require.progs" "openssl"
	atf_set "timeout" "180"
}
server_matrix_one()
{
	cert=$1 suite=$2 group=$3
	vs_s_client data --cert "$cert.pem" --key "$cert.key" --echo -- -ciphersuites "$suite" -groups "$group" ||
		return
	[ $RC -eq 0 ] && [ $SRC -eq 0 ] || { fail "s_client exit $RC, server exit $SRC"; return; }
	same data "$N.out" &&
		expect "$N.err" "^Ciphersuite: $suite\$" "$(s_client_key_line "$group")" "^Verification: OK" &&
		expect "$N.srv.out" "^protocol: TLSv1.3\$" "^cipher: $suite\$" "^curve: $(moat_curve "$group")\$" \
			"^sig: $(expected_sig "$cert")\$" "^server_name: localhost\$" \
			"^received: 40000 bytes \(echoed\)\$" "^closed: ok" &&
		pass
}
server_matrix_body()
{
	make_pki rsa p256 p384 pss
	make_data data 40000
	for cert in rsa p256 p384 pss; do
		i=0
		for suite in $SUITES; do
			i=$((i + 1)) j=0
			for group in $TLS_GROUPS; do
				j=$((j + 1))
				# RSA-PSS keys: each suite once, with a different group each time.
				[ $cert = pss ] && [ $i -ne $j ] && continue
				spawn "srv_${cert}_${suite}_${group}" server_matrix_one "$cert" "$suite" "$group"
			done
		done
	done
	finish
}

# The TLS 1.2 suites our server serves today (ECDHE only), by OpenSSL's names, per certificate type.
TLS12_RSA_SUITES="ECDHE-RSA-AES128-GCM-SHA256 ECDHE-RSA-AES256-GCM-SHA384 ECDHE-RSA-CHACHA20-POLY1305
ECDHE-RSA-AES128-SHA256 ECDHE-RSA-AES256-SHA384 ECDHE-RSA-AES128-SHA ECDHE-RSA-AES256-SHA"
TLS12_ECDSA_SUITES="ECDHE-ECDSA-AES128-GCM-SHA256 ECDHE-ECDSA-AES256-GCM-SHA384 ECDHE-ECDSA-CHACHA20-POLY1305
ECDHE-ECDSA-AES128-SHA256 ECDHE-ECDSA-AES256-SHA384 ECDHE-ECDSA-AES128-SHA ECDHE-ECDSA-AES256-SHA"

atf_test_case tls12_server_matrix
tls12_server_matrix_head()
{
	atf_set "descr" "our server <- openssl s_client -tls1_2: every ECDHE suite with RSA and P-256 certificates, each group, ALPN, echo"
	atf_set "require.progs" "openssl"
	atf_set "timeout" "180"
}
tls12_server_one()
{
	cert=$1 suite=$2 group=$3
	shift 3
	S_CLIENT_VERSION=-tls1_2 vs_s_client data --cert "$cert.pem" --key "$cert.key" --echo "$@" -- \
		-cipher "$suite" -groups "$group" ${ALPN_OFFER:+-alpn "$ALPN_OFFER"} || return
	[ $RC -eq 0 ] && [ $SRC -eq 0 ] || { fail "s_client exit $RC, server exit $SRC"; return; }
	same data "$N.out" &&
		expect "$N.err" "^Protocol version: TLSv1.2\$" "^Ciphersuite: ${WANT_SUITE:-$suite}\$" "$(s_client_key_line "$group")" \
			"^Verification: OK" &&
		expect "$N.srv.out" "^protocol: TLSv1.2\$" "^curve: $(moat_curve "$group")\$" \
			"^server_name: localhost\$" "^received: 40000 bytes \(echoed\)\$" "^closed: ok" &&
		pass
}
tls12_server_matrix_body()
{
	make_pki rsa p256
	make_data data 40000
	for suite in $TLS12_RSA_SUITES; do
		spawn "srv12_rsa_$suite" tls12_server_one rsa "$suite" P-256
	done
	for suite in $TLS12_ECDSA_SUITES; do
		spawn "srv12_p256_$suite" tls12_server_one p256 "$suite" P-256
	done
	# With an RSA certificate: an ECDSA one binds the client's groups to its own curve too (RFC 8422 §5.1).
	for group in X25519 P-384 P-521; do
		spawn "srv12_group_$group" tls12_server_one rsa ECDHE-RSA-AES128-GCM-SHA256 "$group"
	done
	# A P-256 certificate and a client whose groups leave P-256 out: the RSA certificate serves instead.
	WANT_SUITE=ECDHE-RSA-AES128-GCM-SHA256 spawn srv12_curve_binds tls12_server_curve_binds
	# ALPN rides in the TLS 1.2 ServerHello (RFC 7301 §3.1).
	ALPN_OFFER=http/1.1,h2 spawn srv12_alpn tls12_server_alpn
	finish
}
tls12_server_curve_binds()
{
	tls12_server_one p256 ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256 X25519 \
		--cert rsa.pem --key rsa.key
}
tls12_server_alpn()
{
	tls12_server_one p256 ECDHE-ECDSA-AES128-GCM-SHA256 P-256 --alpn h2,http/1.1 &&
		expect "$N.srv.out" "^alpn: h2\$" && pass
}

atf_test_case tls12_server_sha1
tls12_server_sha1_head()
{
	atf_set "descr" "our server <- openssl s_client -tls1_2 -sigalgs RSA+SHA1: the policy lists the SHA-1 schemes, so the ServerKeyExchange is signed with SHA-1 (RFC 5246 §7.4.1.4.1)"
	atf_set "require.progs" "openssl"
	atf_set "timeout" "60"
}
tls12_server_sha1_one()
{
	cert=$1 sigalg=$2 suite=$3 want=$4 policy=$5
	S_CLIENT_VERSION=-tls1_2 vs_s_client data --cert "$cert.pem" --key "$cert.key" --policy "$policy" --echo -- \
		-sigalgs "$sigalg" -cipher "$suite:@SECLEVEL=0" || return
	[ $RC -eq 0 ] && [ $SRC -eq 0 ] || { fail "s_client exit $RC, server exit $SRC"; return; }
	same data "$N.out" &&
		expect "$N.err" "^Protocol version: TLSv1.2\$" "^Ciphersuite: $suite\$" "^Hash used: SHA1\$" \
			"^Signature type: $want\$" &&
		pass
}
tls12_server_sha1_body()
{
	make_pki rsa
	make_data data 4000
	spawn srv12_sha1_rsa tls12_server_sha1_one rsa RSA+SHA1 ECDHE-RSA-AES128-SHA RSA default
	finish
}

atf_test_case policy_matrix
policy_matrix_head()
{
	atf_set "descr" "our server <- openssl s_client: every named policy negotiates each ECDHE and DHE suite it lists (TLS 1.2; the CBC-SHA ones also at TLS 1.1 and 1.0) and refuses one it does not list"
	atf_set "require.progs" "openssl"
	atf_set "timeout" "600"
}
# policy_one POLICY SUITE VERSION WANT: s_client offering SUITE alone at VERSION; WANT ok or refused.
policy_one()
{
	policy=$1 suite=$2 version=$3 want=$4
	# Debian's openssl needs security level 0 for TLS 1.0/1.1 and SHA-1.
	S_CLIENT_VERSION=-$version vs_s_client data --cert rsa.pem --key rsa.key --cert p256.pem --key p256.key \
		--policy "$policy" --echo -- -cipher "$suite:@SECLEVEL=0" || return
	if [ "$want" = refused ]; then
		[ $RC -ne 0 ] && [ $SRC -ne 0 ] || { fail "$policy served $suite, which it does not list"; return; }
		expect "$N.srv.err" "alert sent: (handshake_failure|insufficient_security)" && pass
		return
	fi
	[ $RC -eq 0 ] && [ $SRC -eq 0 ] || { fail "s_client exit $RC, server exit $SRC"; return; }
	same data "$N.out" && expect "$N.err" "^Ciphersuite: $suite\$" && pass
}
policy_matrix_body()
{
	make_pki rsa p256
	make_data data 3000
	# The table is the library's (policy_suites). Static RSA key transport needs a decrypter, which the
	# example server does not have (moat-keyd does: the e2e tests); 3DES is gone from OpenSSL 3's default provider.
	"$(atf_get_srcdir)/policy_suites" >suites.txt || atf_fail "policy_suites failed"
	known() { openssl ciphers -tls1_2 "$1:@SECLEVEL=0" >/dev/null 2>&1; }
	while read -r policy suite kx min; do
		[ "$kx" = rsa ] && continue
		known "$suite" || continue
		spawn "pol_${policy}_${suite}" policy_one "$policy" "$suite" tls1_2 ok
		if [ "$min" = tls1 ]; then
			spawn "pol_${policy}_${suite}_tls1_1" policy_one "$policy" "$suite" tls1_1 ok
			spawn "pol_${policy}_${suite}_tls1" policy_one "$policy" "$suite" tls1 ok
		fi
	done <suites.txt
	# One suite each policy does not list, of those some other policy lists.
	for policy in $(awk '{ print $1 }' suites.txt | uniq); do
		other=$(awk -v p="$policy" '$1 == p { listed[$2] = 1 } $1 != p && $3 != "rsa" { cand[$2] = 1 }
			END { for (c in cand) if (!(c in listed)) print c }' suites.txt | sort | head -n 1)
		[ -n "$other" ] && known "$other" && spawn "pol_${policy}_not_${other}" policy_one "$policy" "$other" tls1_2 refused
	done
	finish
}

atf_test_case client_matrix
client_matrix_head()
{
	atf_set "descr" "our client -> openssl s_server: every TLS 1.3 suite x group x RSA/P-256/P-384 certificate (+ RSA-PSS), echo"
	atf_set "require.progs" "openssl"
	atf_set "timeout" "180"
}
client_matrix_one()
{
	cert=$1 suite=$2 group=$3
	vs_s_server -cert "$cert.pem" -key "$cert.key" -ciphersuites "$suite" -groups "$group" -- \
		--ca ca.pem --server-name localhost --print --echo-check --send-bytes 40000 || return
	[ $RC -eq 0 ] && [ $PRC -eq 0 ] || { fail "client exit $RC, s_server exit $PRC"; return; }
	expect "$N.cli.err" "^protocol: TLSv1.3\$" "^cipher: $suite\$" "^curve: $(moat_curve "$group")\$" \
		"^sig: $(expected_sig "$cert")\$" "^peer_cert: yes\$" "^echo: 40000 bytes ok\$" "^closed: ok\$" && pass
}
client_matrix_body()
{
	make_pki rsa p256 p384 pss
	for cert in rsa p256 p384 pss; do
		i=0
		for suite in $SUITES; do
			i=$((i + 1)) j=0
			for group in $TLS_GROUPS; do
				j=$((j + 1))
				# RSA-PSS keys: each suite once, with a different group each time.
				[ $cert = pss ] && [ $i -ne $j ] && continue
				spawn "cli_${cert}_${suite}_${group}" client_matrix_one "$cert" "$suite" "$group"
			done
		done
	done
	finish
}

atf_test_case tls12_client_matrix
tls12_client_matrix_head()
{
	atf_set "descr" "our client -> openssl s_server -tls1_2 (and -tls1_1, -tls1): ECDHE-RSA, ECDHE-ECDSA, DHE-RSA on ffdhe2048, static RSA; GCM, ChaCha20, CBC; client certificates; a TLS 1.3-capable client gets TLS 1.2; a custom DH group is refused"
	atf_set "require.progs" "openssl"
	atf_set "timeout" "300"
}
# tls12_client_one CERT VERSION SUITE POLICY [S_SERVER_ARGS...]: s_server at VERSION serving SUITE alone,
# our client with POLICY and the CA, echoing 20000 bytes.
tls12_client_one()
{
	cert=$1 version=$2 suite=$3 policy=$4
	shift 4
	# Debian's openssl needs security level 0 for TLS 1.0/1.1 and SHA-1.
	S_SERVER_VERSION=-$version vs_s_server -cert "$cert.pem" -key "$cert.key" -cipher "$suite:@SECLEVEL=0" "$@" -- \
		--ca ca.pem --server-name localhost --policy "$policy" --print --echo-check --send-bytes 20000 \
		${CLIENT_CERT:+--cert "$CLIENT_CERT.pem" --key "$CLIENT_CERT.key"} ${CLIENT_ALPN:+--alpn "$CLIENT_ALPN"} || return
	[ $RC -eq 0 ] && [ $PRC -eq 0 ] || { fail "client exit $RC, s_server exit $PRC"; return; }
	want_suite=$(openssl ciphers -stdname "$suite:@SECLEVEL=0" | awk -v s="$suite" '$3 == s { print $1 }')
	case $version in
	tls1_2) proto=TLSv1.2 ;;
	tls1_1) proto=TLSv1.1 ;;
	tls1) proto=TLSv1.0 ;;
	esac
	expect "$N.cli.err" "^protocol: $proto\$" "^cipher: $want_suite\$" "^peer_cert: yes\$" \
		"^echo: 20000 bytes ok\$" "^closed: ok\$" || return
	# The "default" policy's TLS 1.2 schemes put rsa_pkcs1_sha256 before RSA-PSS.
	case $CLIENT_CERT in
	client) expect "$N.cli.err" "^client_sig: 0x0403\$" || return ;;
	client_rsa) expect "$N.cli.err" "^client_sig: 0x0401\$" || return ;;
	esac
	pass
}
tls12_client_matrix_body()
{
	make_pki rsa p256 client client_rsa
	# RFC 7919's ffdhe2048: the only kind of DH group our client takes.
	openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out ffdhe2048.pem 2>/dev/null ||
		atf_fail "cannot write the ffdhe2048 parameters"
	for suite in ECDHE-RSA-AES128-GCM-SHA256 ECDHE-RSA-AES256-GCM-SHA384 ECDHE-RSA-CHACHA20-POLY1305 \
		ECDHE-RSA-AES128-SHA ECDHE-RSA-AES128-SHA256 ECDHE-RSA-AES256-SHA384; do
		spawn "cli12_rsa_$suite" tls12_client_one rsa tls1_2 "$suite" default
	done
	for suite in ECDHE-ECDSA-AES128-GCM-SHA256 ECDHE-ECDSA-AES256-SHA384 ECDHE-ECDSA-AES128-SHA; do
		spawn "cli12_p256_$suite" tls12_client_one p256 tls1_2 "$suite" 20190214
	done
	for suite in DHE-RSA-AES128-GCM-SHA256 DHE-RSA-AES256-SHA256; do
		spawn "cli12_dhe_$suite" tls12_client_one rsa tls1_2 "$suite" 20190214 -dhparam ffdhe2048.pem
	done
	# RSA key transport (RFC 5246 §7.4.7.1): our client encrypts the premaster to the certificate.
	for suite in AES128-GCM-SHA256 AES256-SHA256 AES128-SHA; do
		spawn "cli12_rsakx_$suite" tls12_client_one rsa tls1_2 "$suite" default
	done
	# TLS 1.1 and 1.0: CBC with SHA-1, and 1.0's 1/n-1 record splitting on our side.
	spawn cli11_ecdhe tls12_client_one rsa tls1_1 ECDHE-RSA-AES128-SHA default
	spawn cli10_ecdhe tls12_client_one rsa tls1 ECDHE-RSA-AES256-SHA default
	spawn cli10_ecdsa tls12_client_one p256 tls1 ECDHE-ECDSA-AES128-SHA 20190214
	spawn cli10_rsakx tls12_client_one rsa tls1 AES128-SHA default
	# A client whose policy allows TLS 1.3 gets TLS 1.2 from a server that has no more (no sentinel).
	spawn cli12_from_tls13_policy tls12_client_one rsa tls1_2 ECDHE-RSA-AES128-GCM-SHA256 default_tls13
	# Client certificates (RFC 5246 §7.4.6, §7.4.8) against s_server -Verify 1.
	for ccert in client client_rsa; do
		CLIENT_CERT=$ccert spawn "cli12_mutual_$ccert" tls12_client_one rsa tls1_2 ECDHE-RSA-AES128-GCM-SHA256 \
			default -Verify 1 -verify_return_error -CAfile ca.pem
	done
	# ALPN rides in the TLS 1.2 ServerHello (RFC 7301 §3.1).
	CLIENT_ALPN=h2,http/1.1 spawn cli12_alpn tls12_client_one rsa tls1_2 ECDHE-RSA-AES128-GCM-SHA256 default \
		-alpn h2
	spawn cli12_custom_dh tls12_client_custom_dh
	spawn cli12_hello_request tls12_client_hello_request
	spawn cli12_rsa_kx_needs_encipherment tls12_client_rsa_sign_only
	finish
}
# RFC 5246 §7.4.2: RSA key transport to a certificate whose keyUsage lacks keyEncipherment is refused.
tls12_client_rsa_sign_only()
{
	MAKE_CERT_KU=digitalSignature make_cert rsa_sign rsa localhost
	S_SERVER_VERSION=-tls1_2 vs_s_server -cert rsa_sign.pem -key rsa_sign.key -cipher AES128-GCM-SHA256 -- \
		--ca ca.pem --server-name localhost --policy default --echo-check --send-bytes 100 || return
	[ $RC -ne 0 ] || { fail "our client encrypted to a signing-only key"; return; }
	expect "$N.cli.err" "MOAT_ERR_UNSUPPORTED_CERTIFICATE" "alert sent: unsupported_certificate" && pass
}
# s_server's R command sends a HelloRequest (RFC 5246 §7.4.1.1): our client answers no_renegotiation,
# which OpenSSL, having asked, reports as "no renegotiation" before ending the connection.
tls12_client_hello_request()
{
	mkfifo "$N.cmd"
	exec 6<>"$N.cmd"
	timeout "$PEER_LIFETIME" openssl s_server -accept 0 -naccept 1 -tls1_2 -cert rsa.pem -key rsa.key <&6 \
		>"$N.peer.out" 2>&1 &
	PEER_PID=$!
	bg_track "$PEER_PID"
	wait_listen_port "$PEER_PID" || { exec 6>&-; fail "peer server did not start"; return; }
	timeout "$WAIT_SECONDS" "$MOAT_CLIENT" --connect "127.0.0.1:$PORT" --timeout 10 --ca ca.pem \
		--server-name localhost --policy default --recv-bytes 10 >"$N.cli.out" 2>"$N.cli.err" &
	_cli=$!
	wait_line "$N.cli.err" "^handshake: ok" "$_cli" || { exec 6>&-; fail "no handshake"; return; }
	echo R >&6
	wait_exit "$_cli"
	wait_line "$N.peer.out" "no renegotiation" "$PEER_PID"
	exec 6>&-
	peer_stop
	expect "$N.peer.out" "ssl3_read_bytes:no renegotiation" && pass
}
# s_server's own DH parameters are no RFC 7919 group: insufficient_security (RFC 7919 §3, tls12_kx_client.c).
tls12_client_custom_dh()
{
	S_SERVER_VERSION=-tls1_2 vs_s_server -cert rsa.pem -key rsa.key -cipher DHE-RSA-AES128-GCM-SHA256 -- \
		--ca ca.pem --server-name localhost --policy 20190214 --echo-check --send-bytes 100 || return
	[ $RC -ne 0 ] || { fail "our client took a custom DH group"; return; }
	expect "$N.cli.err" "MOAT_ERR_INSUFFICIENT_SECURITY" "alert sent: insufficient_security" && pass
}

atf_test_case hrr
hrr_head()
{
	atf_set "descr" "HelloRetryRequest both ways: a key share the server cannot use is retried for one it can"
	atf_set "require.progs" "openssl"
	atf_set "timeout" "60"
}
hrr_body()
{
	make_pki rsa p256
	make_data data 1000

	# Our server without x25519 (policy 20190802); s_client shares only X25519 -> HRR for P-256.
	combo hrr_server
	if vs_s_client data --cert p256.pem --key p256.key --echo --policy 20190802 --hello-cb -- \
		-groups X25519:P-256 -msg -msgfile "$N.msg"; then
		if [ $RC -ne 0 ] || [ $SRC -ne 0 ]; then
			fail "s_client exit $RC, server exit $SRC"
		elif [ "$(grep -c '>>> .*ClientHello' "$N.msg")" -ne 2 ]; then
			fail "s_client did not send a second ClientHello"
		else
			same data "$N.out" && expect "$N.srv.out" "^hrr: yes\$" "^curve: secp256r1\$" && pass
		fi
	fi

	# A share for a group we support but rank lower needs no HRR: we take it (P-384).
	combo hrr_server_not_needed
	if vs_s_client data --cert p256.pem --key p256.key --echo --hello-cb -- \
		-groups P-384:X25519 -msg -msgfile "$N.msg"; then
		if [ $RC -ne 0 ] || [ $SRC -ne 0 ]; then
			fail "s_client exit $RC, server exit $SRC"
		elif [ "$(grep -c '>>> .*ClientHello' "$N.msg")" -ne 1 ]; then
			fail "unexpected HelloRetryRequest"
		else
			same data "$N.out" && expect "$N.srv.out" "^hrr: no\$" "^curve: secp384r1\$" && pass
		fi
	fi

	# Our client shares x25519 first; s_server takes only P-384 or P-256 -> HRR.
	for group in P-384 P-256; do
		combo "hrr_client_$group"
		vs_s_server -cert rsa.pem -key rsa.key -groups "$group" -msg -msgfile "$N.msg" -- \
			--ca ca.pem --server-name localhost --print --echo-check --send-bytes 5000 || continue
		if [ $RC -ne 0 ]; then
			fail "client exit $RC"
		elif [ "$(grep -c '<<< .*ClientHello' "$N.msg")" -ne 2 ]; then
			fail "s_server did not see two ClientHellos"
		else
			expect "$N.cli.err" "^curve: $(moat_curve "$group")\$" "^echo: 5000 bytes ok\$" && pass
		fi
	done
	finish
}

atf_test_case groups
groups_head()
{
	atf_set "descr" "every group both ways: s_client offering only it, s_server accepting only it (HRR from our client's x25519)"
	atf_set "require.progs" "openssl"
	atf_set "timeout" "180"
}
groups_server_one()
{
	group=$1
	# s_client sends its one share first: our server takes it, no HelloRetryRequest.
	vs_s_client data --cert p256.pem --key p256.key --echo --policy default_tls13_ffdhe --hello-cb -- \
		-groups "$group" || return
	[ $RC -eq 0 ] && [ $SRC -eq 0 ] || { fail "s_client exit $RC, server exit $SRC"; return; }
	same data "$N.out" && expect "$N.err" "$(s_client_key_line "$group")" "^Verification: OK" &&
		expect "$N.srv.out" "^curve: $(moat_curve "$group")\$" "^hrr: no\$" "^hello_retry_request: no\$" \
			"^closed: ok" && pass
}
groups_client_one()
{
	group=$1
	# Our client shares x25519 first: for any other group s_server answers with a HelloRetryRequest.
	vs_s_server -cert p256.pem -key p256.key -groups "$group" -msg -msgfile "$N.msg" -- \
		--ca ca.pem --server-name localhost --print --echo-check --send-bytes 5000 --policy default_tls13_ffdhe ||
		return
	[ $RC -eq 0 ] && [ $PRC -eq 0 ] || { fail "client exit $RC, s_server exit $PRC"; return; }
	hellos=2
	[ "$group" = X25519 ] && hellos=1
	if [ "$(grep -c '<<< .*ClientHello' "$N.msg")" -ne $hellos ]; then
		fail "s_server saw $(grep -c '<<< .*ClientHello' "$N.msg") ClientHellos, expected $hellos"
		return
	fi
	hrr=yes
	[ "$group" = X25519 ] && hrr=no
	expect "$N.cli.err" "^curve: $(moat_curve "$group")\$" "^hello_retry_request: $hrr\$" "^echo: 5000 bytes ok\$" \
		"^closed: ok\$" && pass
}
groups_body()
{
	make_pki p256
	make_data data 5000
	for group in $ALL_GROUPS; do
		spawn "groups_server_$group" groups_server_one "$group"
		spawn "groups_client_$group" groups_client_one "$group"
	done
	wait_jobs

	# Without default_tls13_ffdhe there is no FFDHE: our server refuses an FFDHE-only client
	# (handshake_failure), and our client does not list FFDHE, so s_server finds no group.
	combo groups_server_no_ffdhe
	if vs_s_client data --cert p256.pem --key p256.key --echo -- -groups ffdhe2048; then
		if [ $RC -eq 0 ] || [ $SRC -eq 0 ]; then
			fail "an FFDHE-only client got in under default_tls13 (s_client exit $RC, server exit $SRC)"
		else
			expect "$N.srv.err" "alert sent: handshake_failure" && pass
		fi
	fi
	combo groups_client_no_ffdhe
	if vs_s_server -cert p256.pem -key p256.key -groups ffdhe2048 -- \
		--ca ca.pem --server-name localhost --echo-check --send-bytes 100; then
		if [ $RC -eq 0 ]; then
			fail "our client negotiated FFDHE under default_tls13"
		else
			expect "$N.cli.err" "alert received: handshake_failure" && pass
		fi
	fi
	finish
}

atf_test_case mutual_auth
mutual_auth_head()
{
	atf_set "descr" "client certificates both ways; a missing or untrusted one is refused"
	atf_set "require.progs" "openssl"
	atf_set "timeout" "60"
}
mutual_auth_body()
{
	make_pki rsa p256 client client_rsa untrusted
	make_data data 2000

	# Our server requires a certificate; s_client sends one of each key type.
	for ccert in client client_rsa; do
		combo "mutual_server_$ccert"
		vs_s_client data --cert rsa.pem --key rsa.key --echo --mutual --ca ca.pem -- \
			-cert "$ccert.pem" -key "$ccert.key" || continue
		[ $RC -eq 0 ] && [ $SRC -eq 0 ] || { fail "s_client exit $RC, server exit $SRC"; continue; }
		same data "$N.out" &&
			expect "$N.srv.out" "^client_cert: yes\$" "^peer_cert: yes\$" "^client_sig: $(expected_sig "$ccert")\$" &&
			pass
	done

	# The same over TLS 1.2 (RFC 5246 §7.4.4-§7.4.8): s_client signs the handshake messages.
	for ccert in client client_rsa; do
		combo "mutual_server_tls12_$ccert"
		S_CLIENT_VERSION=-tls1_2 vs_s_client data --cert rsa.pem --key rsa.key --echo --mutual --ca ca.pem -- \
			-cert "$ccert.pem" -key "$ccert.key" || continue
		[ $RC -eq 0 ] && [ $SRC -eq 0 ] || { fail "s_client exit $RC, server exit $SRC"; continue; }
		same data "$N.out" && expect "$N.srv.out" "^protocol: TLSv1.2\$" "^client_cert: yes\$" "^peer_cert: yes\$" &&
			pass
	done
	# TLS 1.2 without a certificate: handshake_failure (§7.4.6; 1.2 has no certificate_required).
	combo mutual_server_tls12_no_cert
	if S_CLIENT_VERSION=-tls1_2 vs_s_client data --cert rsa.pem --key rsa.key --echo --mutual --ca ca.pem --; then
		if [ $RC -eq 0 ] || [ $SRC -eq 0 ]; then
			fail "s_client exit $RC, server exit $SRC"
		else
			expect "$N.srv.err" "MOAT_ERR_HANDSHAKE_FAILURE" "alert sent: handshake_failure" && pass
		fi
	fi

	# No certificate: refused with certificate_required (RFC 8446 §4.4.2.4).
	combo mutual_server_no_cert
	if vs_s_client data --cert rsa.pem --key rsa.key --echo --mutual --ca ca.pem --; then
		if [ $SRC -eq 0 ] || [ "$(file_size "$N.out")" -gt 0 ]; then
			fail "a client without certificate got in (s_client exit $RC, server exit $SRC)"
		else
			expect "$N.srv.err" "MOAT_ERR_CERTIFICATE_REQUIRED" "alert sent: certificate_required" &&
				expect "$N.err" "certificate required" && pass
		fi
	fi

	# Optional client auth: a client without a certificate is let in.
	combo mutual_server_optional
	if vs_s_client data --cert rsa.pem --key rsa.key --echo --mutual-optional --ca ca.pem --; then
		if [ $RC -ne 0 ] || [ $SRC -ne 0 ]; then
			fail "s_client exit $RC, server exit $SRC"
		else
			same data "$N.out" && expect "$N.srv.out" "^client_cert: no\$" && pass
		fi
	fi

	# A client certificate from a CA the server does not trust.
	combo mutual_server_untrusted
	if vs_s_client data --cert rsa.pem --key rsa.key --echo --mutual --ca ca.pem -- \
		-cert untrusted.pem -key untrusted.key; then
		if [ $SRC -eq 0 ]; then
			fail "server accepted an untrusted client certificate"
		else
			expect "$N.srv.err" "MOAT_ERR_UNKNOWN_CA" "alert sent: unknown_ca" && expect "$N.err" "unknown ca" && pass
		fi
	fi

	# Our client with a certificate against s_server -Verify 1 (a certificate is required).
	for ccert in client client_rsa; do
		combo "mutual_client_$ccert"
		vs_s_server -cert p256.pem -key p256.key -Verify 1 -verify_return_error -CAfile ca.pem -- \
			--ca ca.pem --server-name localhost --print --echo-check --send-bytes 3000 \
			--cert "$ccert.pem" --key "$ccert.key" || continue
		[ $RC -eq 0 ] && [ $PRC -eq 0 ] || { fail "client exit $RC, s_server exit $PRC"; continue; }
		expect "$N.cli.err" "^client_sig: $(expected_sig "$ccert")\$" "^echo: 3000 bytes ok\$" && pass
	done

	# Our client without a certificate: s_server answers certificate_required.
	combo mutual_client_no_cert
	if vs_s_server -cert p256.pem -key p256.key -Verify 1 -verify_return_error -CAfile ca.pem -- \
		--ca ca.pem --server-name localhost --echo-check --send-bytes 3000; then
		if [ $RC -eq 0 ]; then
			fail "client succeeded without a certificate"
		else
			expect "$N.cli.err" "alert received: certificate_required" && pass
		fi
	fi
	finish
}

atf_test_case alpn
alpn_head()
{
	atf_set "descr" "ALPN both ways: the server's preference among the client's offers, and no overlap"
	atf_set "require.progs" "openssl"
	atf_set "timeout" "60"
}
alpn_body()
{
	make_pki p256
	make_data data 1000

	# s_client's offer : what our server (h2 before http/1.1) must pick
	for spec in "http/1.1:http/1.1" "http/1.1,h2:h2" "h2,http/1.1:h2"; do
		offer=${spec%%:*} want=${spec#*:}
		combo "alpn_server_$(echo "$offer" | tr '/,' '_-')"
		vs_s_client data --cert p256.pem --key p256.key --echo --alpn h2,http/1.1 -- -alpn "$offer" || continue
		[ $RC -eq 0 ] && [ $SRC -eq 0 ] || { fail "s_client exit $RC, server exit $SRC"; continue; }
		same data "$N.out" && expect "$N.srv.out" "^alpn: $want\$" &&
			pass
	done

	# No protocol in common: no_application_protocol (RFC 7301 §3.2).
	combo alpn_server_mismatch
	if vs_s_client data --cert p256.pem --key p256.key --echo --alpn h2,http/1.1 -- -alpn spdy/3; then
		if [ $RC -eq 0 ] || [ $SRC -eq 0 ]; then
			fail "handshake succeeded without a common protocol"
		else
			expect "$N.srv.err" "MOAT_ERR_NO_APPLICATION_PROTOCOL" "alert sent: no_application_protocol" &&
				expect "$N.err" "no application protocol" && pass
		fi
	fi

	# Our server without ALPN ignores the client's offer.
	combo alpn_server_none
	if vs_s_client data --cert p256.pem --key p256.key --echo -- -alpn h2; then
		if [ $RC -ne 0 ] || [ $SRC -ne 0 ]; then
			fail "s_client exit $RC, server exit $SRC"
		else
			same data "$N.out" && expect "$N.srv.out" "^alpn: none\$" && pass
		fi
	fi

	# Our client: s_server picks from our offer.
	combo alpn_client
	if vs_s_server -cert p256.pem -key p256.key -alpn http/1.1 -- \
		--ca ca.pem --server-name localhost --print --echo-check --send-bytes 1000 --alpn h2,http/1.1; then
		if [ $RC -ne 0 ]; then
			fail "client exit $RC"
		else
			expect "$N.cli.err" "^alpn: http/1.1\$" && pass
		fi
	fi

	# No protocol in common: OpenSSL (1.1.1 on) refuses with no_application_protocol; we report it.
	combo alpn_client_no_overlap
	if vs_s_server -cert p256.pem -key p256.key -alpn spdy/3 -- \
		--ca ca.pem --server-name localhost --print --echo-check --send-bytes 1000 --alpn h2; then
		if [ $RC -eq 0 ]; then
			fail "handshake succeeded without a common protocol"
		else
			expect "$N.cli.err" "alert received: no_application_protocol" && pass
		fi
	fi
	finish
}

# Lines for s_client's stdin with its KeyUpdate commands between them: K asks the
# peer to update too, k does not. A command acts only on a read that starts
# with its letter, hence the pauses.
feed_key_updates()
{
	printf 'before the update\n'
	sleep 0.3
	printf 'K\n'
	sleep 0.3
	printf 'after K\n'
	sleep 0.3
	printf 'k\n'
	sleep 0.3
	printf 'after k\n'
}

# K (update_requested), then time for s_client to read the answer before it closes.
feed_one_key_update()
{
	printf 'data before the update\n'
	sleep 0.3
	printf 'K\n'
	sleep 1
}

atf_test_case key_update
key_update_head()
{
	atf_set "descr" "KeyUpdate both ways: data keeps flowing under the new keys"
	atf_set "require.progs" "openssl"
	atf_set "timeout" "60"
}
key_update_body()
{
	make_pki p256
	make_data data 100000

	# Our server updates (and asks the client to) right after the handshake.
	combo ku_server
	if vs_s_client data --cert p256.pem --key p256.key --echo --key-update -- -msg -msgfile "$N.msg"; then
		if [ $RC -ne 0 ] || [ $SRC -ne 0 ]; then
			fail "s_client exit $RC, server exit $SRC"
		elif ! grep -q '<<< .*KeyUpdate' "$N.msg"; then
			# (OpenSSL answers update_requested with its next write, which may never come once
			# all data is sent: its KeyUpdate is not required here; ku_s_client_commands checks ours.)
			fail "s_client did not receive our KeyUpdate"
		else
			same data "$N.out" && expect "$N.srv.out" "^key_update: sent\$" && pass
		fi
	fi

	# s_client's K and k commands in mid-stream.
	combo ku_s_client_commands
	printf 'before the update\nafter K\nafter k\n' >ku_expect
	if server_start --cert p256.pem --key p256.key --echo; then
		peer_run @feed_key_updates "$(file_size ku_expect)" openssl s_client -connect "127.0.0.1:$PORT" \
			-tls1_3 -brief -CAfile ca.pem -servername localhost -msg -msgfile "$N.msg"
		RC=$?
		server_status
		SRC=$?
		if [ $RC -ne 0 ] || [ $SRC -ne 0 ]; then
			fail "s_client exit $RC, server exit $SRC"
		elif [ "$(grep -c '>>> .*KeyUpdate' "$N.msg")" -ne 2 ] || [ "$(grep -c '<<< .*KeyUpdate' "$N.msg")" -ne 1 ]; then
			# Two updates from s_client, and one from us: the answer to K's update_requested.
			fail "expected 2 KeyUpdates sent and 1 received by s_client"
		else
			same ku_expect "$N.out" && pass
		fi
	fi

	# A server that only receives answers K's update_requested at once, not with data it never sends.
	combo ku_receive_only
	if server_start --cert p256.pem --key p256.key; then
		peer_run @feed_one_key_update 0 openssl s_client -connect "127.0.0.1:$PORT" \
			-tls1_3 -brief -CAfile ca.pem -servername localhost -msg -msgfile "$N.msg"
		RC=$?
		server_status
		SRC=$?
		if [ $RC -ne 0 ] || [ $SRC -ne 0 ]; then
			fail "s_client exit $RC, server exit $SRC"
		elif [ "$(grep -c '>>> .*KeyUpdate' "$N.msg")" -ne 1 ] || [ "$(grep -c '<<< .*KeyUpdate' "$N.msg")" -ne 1 ]; then
			fail "expected 1 KeyUpdate sent and 1 received by s_client"
		else
			expect "$N.srv.out" "^received: 23 bytes\$" && pass
		fi
	fi

	# Our client updates (and asks s_server to) before sending.
	combo ku_client
	if vs_s_server -cert p256.pem -key p256.key -msg -msgfile "$N.msg" -- \
		--ca ca.pem --server-name localhost --key-update --echo-check --send-bytes 100000; then
		if [ $RC -ne 0 ]; then
			fail "client exit $RC"
		elif ! grep -q '<<< .*KeyUpdate' "$N.msg" || ! grep -q '>>> .*KeyUpdate' "$N.msg"; then
			fail "s_server did not exchange KeyUpdates"
		else
			expect "$N.cli.err" "^key_update: sent\$" "^echo: 100000 bytes ok\$" && pass
		fi
	fi
	finish
}

# s_server_session FILE S_SERVER_ARGS...: a TLS 1.3 session for localhost, with a ticket that
# allows early data, from openssl s_server (another server of the same name): s_client saves it in FILE.
s_server_session()
{
	_sess=$1
	shift
	echo_loop_start openssl s_server -accept 0 -naccept 1 -quiet -tls1_3 -cert p256.pem -key p256.key \
		-early_data "$@" || return 1
	printf 'get a ticket\n' >"$N.ticket_data"
	peer_run "$N.ticket_data" "$(file_size "$N.ticket_data")" openssl s_client -connect "127.0.0.1:$PORT" \
		-tls1_3 -brief -CAfile ca.pem -servername localhost -sess_out "$_sess"
	wait_exit "$PEER_PID"
	[ -s "$_sess" ] || fail "s_client saved no session" || return 1
	openssl sess_id -in "$_sess" -noout -text >"$N.sess.txt" 2>&1
	rm -f "$N.in"
}

# early_records MSGFILE: protected records s_client sent before our first message (its 0-RTT data).
early_records()
{
	awk '/^<<</ { exit } />>> .*InnerContent/ { n++ } END { print n + 0 }' "$1"
}

atf_test_case early_data
early_data_head()
{
	atf_set "descr" "s_client resuming another server's session sends 0-RTT data: our server skips it (after a HelloRetryRequest too) and completes the handshake; more than 16384 bytes is unexpected_message"
	atf_set "require.progs" "openssl"
	atf_set "timeout" "90"
}
early_data_body()
{
	make_pki p256
	make_data data 1000
	# As much early data as the ticket allows: s_client sends it in two records.
	make_data early 16384
	make_data too_much 20000

	# Our server cannot open the ticket: it rejects the early data, skips it and serves.
	combo early_data_rejected
	if s_server_session sess; then
		expect "$N.sess.txt" "Max Early Data: 16384" &&
			vs_s_client data --cert p256.pem --key p256.key --echo -- \
				-sess_in sess -early_data early -msg -msgfile "$N.msg" &&
			if [ $RC -ne 0 ] || [ $SRC -ne 0 ]; then
				fail "s_client exit $RC, server exit $SRC"
			elif [ "$(early_records "$N.msg")" -ne 2 ]; then
				fail "s_client did not send its early data in two records"
			else
				same data "$N.out" && pass
			fi
	fi

	# The same after a HelloRetryRequest (no x25519 in 20190802): application_data records are skipped.
	combo early_data_after_hrr
	if s_server_session sess_hrr; then
		vs_s_client data --cert p256.pem --key p256.key --echo --policy 20190802 -- \
			-sess_in sess_hrr -early_data early -msg -msgfile "$N.msg" &&
			if [ $RC -ne 0 ] || [ $SRC -ne 0 ]; then
				fail "s_client exit $RC, server exit $SRC"
			elif [ "$(early_records "$N.msg")" -ne 2 ]; then
				fail "s_client did not send its early data in two records"
			elif [ "$(grep -c '>>> .*ClientHello' "$N.msg")" -ne 2 ]; then
				fail "s_client did not send a second ClientHello"
			else
				same data "$N.out" && expect "$N.srv.out" "^curve: secp256r1\$" && pass
			fi
	fi

	# A ticket that allows 20000 bytes: past our 16384 the handshake ends with unexpected_message.
	combo early_data_too_much
	if s_server_session sess_big -max_early_data 20000; then
		expect "$N.sess.txt" "Max Early Data: 20000" &&
			vs_s_client data --cert p256.pem --key p256.key --echo -- -sess_in sess_big -early_data too_much &&
			if [ $RC -eq 0 ] || [ $SRC -eq 0 ]; then
				fail "s_client exit $RC, server exit $SRC: the handshake should have failed"
			else
				expect "$N.srv.err" "MOAT_ERR_TOO_MUCH_EARLY_DATA" && expect "$N.err" "alert unexpected message" && pass
			fi
	fi
	finish
}

atf_test_case early_data_accepted
early_data_accepted_head()
{
	atf_set "descr" "0-RTT on our server's own tickets: s_client's early data is accepted and echoed once; the same session again (a replay) has it rejected and skipped, and the handshake completes"
	atf_set "require.progs" "openssl"
	atf_set "timeout" "60"
}
# early_s_client SESSION EXPECT_BYTES: s_client offering SESSION with the early data in early, then sending data.
early_s_client()
{
	peer_run data "$2" openssl s_client -connect "127.0.0.1:$PORT" -tls1_3 -brief -nocommands -CAfile ca.pem \
		-verify_return_error -servername localhost -sess_in "$1" -early_data early -msg -msgfile "$N.msg"
}
early_data_accepted_body()
{
	make_pki p256
	make_data data 1000
	make_data early 3000
	cat early data >early_then_data

	combo early_data_accepted_once
	server_start --cert p256.pem --key p256.key --echo --tickets --early-data 16384 --count 3 || return
	_n=$N
	s_client_echo data -sess_out "$_n.sess" || fail "first s_client"
	openssl sess_id -in "$_n.sess" -noout -text >"$_n.sess.txt" 2>&1
	expect "$_n.sess.txt" "Max Early Data: 16384" || return
	# Accepted: the server reads the 3000 bytes before the handshake ends and echoes them first.
	N=$_n.2
	early_s_client "$_n.sess" 4000
	RC2=$?
	# The same ClientHello again, as an attacker who recorded it would send it: the ticket is spent for 0-RTT.
	N=$_n.3
	early_s_client "$_n.sess" 1000
	RC3=$?
	N=$_n
	server_status
	SRC=$?
	if [ $RC2 -ne 0 ] || [ $RC3 -ne 0 ] || [ $SRC -ne 0 ]; then
		fail "s_client exits $RC2, $RC3, server exit $SRC"
	elif ! grep -q "EndOfEarlyData" "$N.2.msg" || grep -q "EndOfEarlyData" "$N.3.msg"; then
		fail "EndOfEarlyData: s_client's early data not accepted once and rejected after"
	else
		same early_then_data "$N.2.out" && same data "$N.3.out" &&
			expect "$N.srv.out" "^early_data: accepted, 3000 bytes\$" "^early_data: rejected, 0 bytes\$" &&
			[ "$(grep -c "^resumed: yes" "$N.srv.out")" -eq 2 ] && pass
	fi
	finish
}

atf_test_case large_data
large_data_head()
{
	atf_set "descr" "1 MiB in each direction (many records), compared by SHA-256"
	atf_set "require.progs" "openssl sha256sum"
	atf_set "timeout" "90"
}
large_data_body()
{
	make_pki rsa p256 p384
	make_data big 1048576
	want=$(sha256sum <big | cut -d' ' -f1)

	# s_client -> our echo server and back, with full and with small records.
	for mode in throughput low-latency; do
		combo "large_echo_server_$mode"
		extra=""
		[ $mode = low-latency ] && extra=--low-latency
		vs_s_client big --cert rsa.pem --key rsa.key --echo $extra -- || continue
		got=$(sha256sum <"$N.out" | cut -d' ' -f1)
		if [ $RC -ne 0 ] || [ $SRC -ne 0 ] || [ "$got" != "$want" ]; then
			fail "s_client exit $RC, server exit $SRC, sha256 $got"
		else
			expect "$N.srv.out" "^received: 1048576 bytes \(echoed\)\$" && pass
		fi
	done

	# Our server sends a file and closes; s_client receives it.
	combo large_send_file
	if server_start --cert p384.pem --key p384.key --send-file big; then
		peer_run true 1048576 openssl s_client -connect "127.0.0.1:$PORT" -tls1_3 -brief -nocommands \
			-CAfile ca.pem -servername localhost
		RC=$?
		server_status
		SRC=$?
		got=$(sha256sum <"$N.out" | cut -d' ' -f1)
		if [ $SRC -ne 0 ] || [ "$got" != "$want" ]; then
			fail "s_client exit $RC, server exit $SRC, sha256 $got"
		else
			expect "$N.srv.out" "^sent: 1048576 bytes\$" && pass
		fi
	fi

	# Our client -> s_server echo and back: stdin in, compared by the client.
	combo large_echo_client
	if vs_s_server -cert rsa.pem -key rsa.key -- --ca ca.pem --server-name localhost --echo-check <big; then
		if [ $RC -ne 0 ]; then
			fail "client exit $RC"
		else
			expect "$N.cli.err" "^echo: 1048576 bytes ok\$" && pass
		fi
	fi

	# Our client sends a file (small records) and writes what comes back to stdout.
	combo large_client_send_file
	if vs_s_server -cert p256.pem -key p256.key -- --ca ca.pem --server-name localhost \
		--send-file big --recv-bytes 1048576 --low-latency; then
		got=$(sha256sum <"$N.cli.out" | cut -d' ' -f1)
		if [ $RC -ne 0 ] || [ "$got" != "$want" ]; then
			fail "client exit $RC, sha256 $got"
		else
			pass
		fi
	fi
	finish
}

atf_test_case async_pkey
async_pkey_head()
{
	atf_set "descr" "async private-key operations in each style, FAST and STRICT, RSA, RSA-PSS and ECDSA"
	atf_set "require.progs" "openssl"
	atf_set "timeout" "120"
}
async_pkey_one()
{
	mode=$1 flag=$2 key=$3
	case $mode in
	*thread) where="in signing thread" ;;
	offload-sync) where="in callback, offloaded" ;;
	sync) where="in callback" ;;
	esac
	case $key in
	rsa) sigalgs=rsa_pss_rsae_sha256 ;;
	pss) sigalgs=rsa_pss_pss_sha256 ;;
	p256) sigalgs=ecdsa_secp256r1_sha256 ;;
	esac
	# Three chains in one server; s_client's signature algorithms pick the one that signs.
	vs_s_client data --cert rsa.pem --key rsa.key --cert p256.pem --key p256.key --cert pss.pem --key pss.key \
		--echo --async "$mode" $flag -- -sigalgs "$sigalgs" || return
	[ $RC -eq 0 ] && [ $SRC -eq 0 ] || { fail "s_client exit $RC, server exit $SRC"; return; }
	same data "$N.out" &&
		expect "$N.srv.out" "^async: sign scheme $(expected_sig $key), [0-9]+ bytes \(tls13 content\), $where\$" \
			"^sig: $(expected_sig $key)\$" && pass
}
async_pkey_body()
{
	make_pki rsa p256 pss
	make_data data 3000
	for mode in sync thread offload-sync offload-thread; do
		for strict in fast strict; do
			flag=""
			[ $strict = strict ] && flag=--async-strict
			for key in rsa p256 pss; do
				spawn "async_${mode}_${strict}_${key}" async_pkey_one "$mode" "$flag" "$key"
			done
		done
	done
	wait_jobs

	# Offloading a chain whose key nobody holds: the handshake fails, and says why.
	combo async_offload_sync_no_key
	if vs_s_client data --cert p256.pem --echo --async offload-sync --; then
		if [ $RC -eq 0 ] || [ $SRC -eq 0 ]; then
			fail "handshake succeeded without any key"
		else
			# The callback's failure is the library's to report: internal_error (RFC 8446 §6.2).
			expect "$N.srv.err" "no key for this chain" "alert sent: internal_error" &&
				expect "$N.err" "internal error" && pass
		fi
	fi
	combo async_offload_thread_no_key
	if vs_s_client data --cert p256.pem --echo --async offload-thread --; then
		if [ $RC -eq 0 ] || [ $SRC -eq 0 ]; then
			fail "handshake succeeded without any key"
		else
			# An operation that fails off the callback has no way back into the library (as in
			# the s2n guide): the application drops the connection.
			expect "$N.srv.err" "signing thread: no key for this chain" && pass
		fi
	fi
	finish
}

atf_test_case hello_cb
hello_cb_head()
{
	atf_set "descr" "the client hello callback, blocking and non-blocking, sees SNI and the offered suites"
	atf_set "require.progs" "openssl"
	atf_set "timeout" "60"
}
hello_cb_body()
{
	make_pki p256
	make_data data 1000
	for mode in hello-cb hello-cb-nonblocking; do
		combo "hello_$mode"
		vs_s_client data --cert p256.pem --key p256.key --echo "--$mode" -- \
			-ciphersuites TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256 || continue
		[ $RC -eq 0 ] && [ $SRC -eq 0 ] || { fail "s_client exit $RC, server exit $SRC"; continue; }
		# TLS 1.3 suites first, in the client's order; s_client's TLS 1.2 suites follow.
		same data "$N.out" && expect "$N.srv.out" "^hello: server_name localhost\$" \
			"^hello: cipher_suites 0x1302 0x1303( 0x[0-9a-f][0-9a-f][0-9a-f][0-9a-f])*\$" \
			"^cipher: TLS_AES_256_GCM_SHA384\$" || continue
		if [ $mode = hello-cb-nonblocking ]; then
			expect "$N.srv.out" "^hello: callback done\$" || continue
		fi
		pass
	done
	finish
}

atf_test_case resumption
resumption_head()
{
	atf_set "descr" "TLS 1.3 tickets: s_client -sess_out/-sess_in resumes on our server (no Certificate sent, with and without HRR); our client resumes on s_server"
	atf_set "require.progs" "openssl"
	atf_set "timeout" "60"
}
# resume_server_one SERVER_ARGS... -- S_CLIENT_ARGS...: our server for three connections with tickets; s_client
# saves the session on the first, offers it with an echo on the second (its messages in $N.2.msg) and once
# more without -brief, which then says whether it reused the session.
resume_server_one()
{
	_sargs=""
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		_sargs="$_sargs $1"
		shift
	done
	[ $# -gt 0 ] && shift
	# shellcheck disable=SC2086
	server_start --cert p256.pem --key p256.key --echo --tickets --count 3 $_sargs || return 1
	_n=$N
	s_client_echo data -sess_out "$_n.sess" "$@" || { fail "first s_client"; return; }
	N=$_n.2
	s_client_echo data -sess_in "$_n.sess" -msg -msgfile "$N.msg" "$@"
	RC=$?
	N=$_n
	timeout "$WAIT_SECONDS" openssl s_client -connect "127.0.0.1:$PORT" -tls1_3 -CAfile ca.pem -verify_return_error \
		-servername localhost -sess_in "$N.sess" "$@" </dev/null >"$N.3.out" 2>&1
	server_status || { fail "our server failed"; return; }
	[ $RC -eq 0 ] || { fail "second s_client exit $RC"; return; }
	same data "$N.2.out" || return
	grep -q "^Reused, TLSv1.3" "$N.3.out" || { fail "s_client did not resume"; return; }
	if grep -q "<<< .*Handshake .*, Certificate\$" "$N.2.msg"; then
		fail "the server sent a Certificate on resumption"
		return
	fi
	[ "$(grep -c "^resumed: yes" "$N.srv.out")" -eq 2 ] && [ "$(grep -c "^resumed: no" "$N.srv.out")" -eq 1 ] ||
		{ fail "server: $(grep resumed "$N.srv.out" | tr '\n' ' ')"; return; }
	pass
}
resumption_body()
{
	make_pki p256
	make_data data 1000
	combo resume_server
	resume_server_one --
	# Our server without x25519: the resuming ClientHello is retried, its binder over the HRR transcript.
	combo resume_server_hrr
	resume_server_one --policy 20190802 -- -groups X25519:P-256
	combo resume_server_hrr_check
	if [ "$(grep -c '>>> .*ClientHello' resume_server_hrr.2.msg)" -eq 2 ]; then pass; else fail "no HRR"; fi
	grep -q "^hello_retry_request: yes" resume_server_hrr.srv.out || fail "our server saw no HRR"

	# Our client against s_server, which seals its tickets with its own key for its life: two connections.
	combo resume_client
	echo_loop_start openssl s_server -accept 0 -naccept 2 -quiet -tls1_3 -cert p256.pem -key p256.key || continue
	_n=$N
	client_run --ca ca.pem --server-name localhost --print --echo-check --send-bytes 100 --sess-out "$_n.sess"
	RC1=$?
	N=$_n.2
	client_run --ca ca.pem --server-name localhost --print --echo-check --send-bytes 100 --sess-in "$_n.sess"
	RC=$?
	N=$_n
	wait_exit "$PEER_PID"
	if [ $RC1 -ne 0 ] || [ $RC -ne 0 ]; then
		fail "client exits $RC1, $RC"
	else
		expect "$N.cli.err" "^resumed: no\$" "^peer_cert: yes\$" "^session: saved" &&
			expect "$N.2.cli.err" "^resumed: yes\$" "^peer_cert: no\$" "^echo: 100 bytes ok\$" && pass
	fi
	finish
}

atf_test_case resumption12
resumption12_head()
{
	atf_set "descr" "TLS 1.2: s_client -sess_out/-sess_in resumes on our server with a session ticket (RFC 5077: abbreviated handshake, no Certificate, the session ID echoed) and with -no_ticket by session ID from the cache; a tampered ticket, a ticket from another server key and a 1.2 session offered where TLS 1.3 is chosen are full handshakes"
	atf_set "require.progs" "openssl od dd"
	atf_set "timeout" "60"
}
# s12 OUT S_CLIENT_ARGS...: one TLS 1.2 s_client connection to our server (nothing sent), output in $N.OUT.
s12()
{
	_o=$1
	shift
	timeout "$WAIT_SECONDS" openssl s_client -connect "127.0.0.1:$PORT" -tls1_2 -CAfile ca.pem -verify_return_error \
		-servername localhost "$@" </dev/null >"$N.$_o.out" 2>&1
}
# s12_conns SERVER_ARGS... -- FIRST_ARGS -- SECOND_ARGS: our server for two connections; s_client saves the
# session of the first in $N.sess and offers it on the second (its messages in $N.2.out). Sets SRC.
s12_conns()
{
	_sargs=""
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		_sargs="$_sargs $1"
		shift
	done
	shift
	_first=""
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		_first="$_first $1"
		shift
	done
	shift
	# shellcheck disable=SC2086
	server_start --cert p256.pem --key p256.key --echo --count 2 $_sargs || return 1
	# shellcheck disable=SC2086
	timeout "$WAIT_SECONDS" openssl s_client -connect "127.0.0.1:$PORT" -CAfile ca.pem -verify_return_error \
		-servername localhost -tls1_2 -sess_out "$N.sess" $_first </dev/null >"$N.1.out" 2>&1 ||
		{ fail "first s_client"; return 1; }
	[ -n "$S12_TAMPER" ] && { $S12_TAMPER "$N.sess" || return 1; }
	timeout "$WAIT_SECONDS" openssl s_client -connect "127.0.0.1:$PORT" -CAfile ca.pem -verify_return_error \
		-servername localhost -sess_in "$N.sess" -msg "$@" </dev/null >"$N.2.out" 2>&1 ||
		{ fail "second s_client"; return 1; }
	server_status
	SRC=$?
}
# s12_resumed: the second connection resumed the first's TLS 1.2 session, without a Certificate.
s12_resumed()
{
	[ "$SRC" -eq 0 ] || { fail "our server exit $SRC"; return 1; }
	grep -q "^New, TLSv1.2" "$N.1.out" || { fail "first connection: not a new TLS 1.2 session"; return 1; }
	grep -q "^Reused, TLSv1.2" "$N.2.out" || { fail "s_client did not resume"; return 1; }
	if grep -q "<<< .*Handshake .*, Certificate\$" "$N.2.out"; then
		fail "the server sent a Certificate on resumption"
		return 1
	fi
	expect "$N.srv.out" "^resumed: no\$" "^resumed: yes\$"
}
# s12_full VERSION: the second connection was a full handshake in VERSION.
s12_full()
{
	[ "$SRC" -eq 0 ] || { fail "our server exit $SRC"; return 1; }
	grep -q "^New, $1" "$N.2.out" || { fail "second connection: $(grep -E '^(New|Reused)' "$N.2.out")"; return 1; }
	[ "$(grep -c "^resumed: no\$" "$N.srv.out")" -eq 2 ] || { fail "our server resumed"; return 1; }
}
# flip_ticket SESS: change one byte inside the ticket of an s_client session file (after its 16-byte key name).
flip_ticket()
{
	openssl sess_id -in "$1" -outform DER -out "$1.der" 2>/dev/null || { fail "sess_id"; return 1; }
	_name=$(openssl sess_id -in "$1" -noout -text 2>/dev/null | awk '
		/TLS session ticket:/ { on = 1; next }
		on && /^ *[0-9a-f][0-9a-f][0-9a-f][0-9a-f] - / {
			sub(/^ *[0-9a-f][0-9a-f][0-9a-f][0-9a-f] - /, ""); sub(/   .*$/, ""); gsub(/[ -]/, ""); print; exit }')
	[ ${#_name} -eq 32 ] || { fail "no ticket in $1"; return 1; }
	_hex=$(od -An -tx1 -v "$1.der" | tr -d ' \n')
	_pre=${_hex%%"$_name"*}
	[ "$_pre" != "$_hex" ] || { fail "ticket not found in $1"; return 1; }
	_off=$((${#_pre} / 2 + 40))
	_b=$(dd if="$1.der" bs=1 skip="$_off" count=1 2>/dev/null | od -An -tu1 | tr -d ' ')
	printf "$(printf '\\%03o' $(((_b + 1) % 256)))" | dd of="$1.der" bs=1 seek="$_off" conv=notrunc 2>/dev/null
	openssl sess_id -inform DER -in "$1.der" -out "$1" 2>/dev/null || { fail "sess_id back"; return 1; }
}
resumption12_body()
{
	make_pki p256
	S12_TAMPER=""

	combo resume12_ticket
	s12_conns --tickets -- -- -tls1_2 && s12_resumed && pass
	grep -q "TLS session ticket:" resume12_ticket.1.out || fail "no ticket on the first connection"

	combo resume12_session_id
	s12_conns --session-cache -- -no_ticket -- -tls1_2 -no_ticket && s12_resumed && pass

	# The cache with tickets on: a client that takes no ticket resumes by ID.
	combo resume12_session_id_tickets_on
	s12_conns --tickets --session-cache -- -no_ticket -- -tls1_2 -no_ticket && s12_resumed && pass

	# Tickets off, the cache off: the server gives the client nothing to resume with (no ID, no ticket).
	combo resume12_nothing
	if server_start --cert p256.pem --key p256.key --echo --count 1; then
		s12 1 || fail "s_client"
		server_status || fail "our server failed"
		grep -q "^ *Session-ID: *\$" "$N.1.out" || fail "the server gave a session ID: $(grep Session-ID: "$N.1.out")"
		grep -q "TLS session ticket:" "$N.1.out" && fail "the server sent a ticket"
		[ -f "$N.FAILED" ] || pass
	fi

	combo resume12_tampered
	S12_TAMPER=flip_ticket
	s12_conns --tickets -- -- -tls1_2 && s12_full TLSv1.2 && pass
	S12_TAMPER=""

	# A TLS 1.2 session offered to a server that chooses TLS 1.3: its ticket is not a PSK; a full handshake.
	combo resume12_offered_in_tls13
	s12_conns --tickets -- -- && s12_full TLSv1.3 && pass
	finish
}

atf_test_case max_fragment_length_tls12
max_fragment_length_tls12_head()
{
	atf_set "descr" "TLS 1.2 max_fragment_length (RFC 6066 §4): with --accept-mfl our server echoes s_client -maxfraglen 512 and sends a large file in records of at most 512 bytes of plaintext; without it, full records"
	atf_set "require.progs" "openssl"
}
# mfl_one NAME SERVER_ARGS -- S_CLIENT_ARGS: the sizes of the AES-128-GCM records s_client received
# (plaintext + 24) in NAME.sizes, one hex length per line.
mfl_one()
{
	combo "$1"
	shift
	_sa=""
	while [ "$1" != -- ]; do _sa="$_sa $1"; shift; done
	shift
	# shellcheck disable=SC2086
	server_start --cert p256.pem --key p256.key --send-file data $_sa || return
	sleep 2 | timeout "$WAIT_SECONDS" openssl s_client -connect "127.0.0.1:$PORT" -tls1_2 -msg \
		-cipher ECDHE-ECDSA-AES128-GCM-SHA256 "$@" >"$N.out" 2>"$N.err"
	server_status || { fail "server exit $EXIT_STATUS"; return; }
	grep -A1 '^<<< .*RecordHeader' "$N.out" | grep -Eo '^ +17 03 03 [0-9a-f]{2} [0-9a-f]{2}' |
		awk '{ print $4 $5 }' | sort -u >"$N.sizes"
}
max_fragment_length_tls12_body()
{
	make_pki p256
	make_data data 40000
	mfl_one mfl_512 --accept-mfl -- -maxfraglen 512
	# 512 + 8 (explicit nonce) + 16 (tag) = 0x218: every application record, none longer.
	{ grep -qx 0218 mfl_512.sizes && [ "$(sort mfl_512.sizes | tail -n 1)" = 0218 ]; } ||
		fail "records longer than 512 bytes of plaintext: $(tr '\n' ' ' <mfl_512.sizes)"
	[ -f mfl_512.FAILED ] || pass
	# Not accepted (the library's default, as the guide's): records of the full 2^14.
	mfl_one mfl_off -- -maxfraglen 512
	grep -qx 4018 mfl_off.sizes && pass || fail "no full-size record without --accept-mfl: $(tr '\n' ' ' <mfl_off.sizes)"
	finish
}

atf_test_case sct
sct_head()
{
	atf_set "descr" "the chain's SCT list (RFC 6962 §3.3.1) reaches openssl s_client -ct in the TLS 1.2 ServerHello and the TLS 1.3 leaf entry, and only a client that asks"
	atf_set "require.progs" "openssl python3"
}
# sct_one NAME VERSION CT_OPTION: s_client with -tlsextdebug against our server with --sct; output in NAME.out.
sct_one()
{
	combo "$1"
	server_start --cert p256.pem --key p256.key --sct scts.bin || return
	echo | timeout "$WAIT_SECONDS" openssl s_client -connect "127.0.0.1:$PORT" -"$2" "$3" -ctlogfile logs.cnf \
		-tlsextdebug -CAfile ca.pem -verify_return_error >"$N.out" 2>"$N.err" || { fail "s_client failed"; return; }
	server_status || { fail "server exit $EXIT_STATUS"; return; }
	if [ "$3" = -ct ]; then
		expect "$N.out" '^SCTs present \(8\)$' 'Log ID *: 01:01:01' 'Log ID *: 08:08:08' && pass
	else
		! grep -q 'signed certificate timestamps' "$N.out" && pass || fail "SCTs sent unasked"
	fi
}
sct_body()
{
	make_pki p256
	# Eight SCTs that parse (version v1, a log id, a timestamp, no extensions, an
	# ecdsa_sha256 signature of a real one's size) and whose signatures no log
	# made: s_client -ct checks them permissively, and prints them. Over 900
	# bytes: more than the rest of a ServerHello.
	python3 -c '
import struct
def sct(i):
    body = bytes([0]) + bytes([i]) * 32 + struct.pack(">QH", 1700000000000 + i, 0) + bytes([4, 3]) + struct.pack(">H", 72) + bytes(72)
    return struct.pack(">H", len(body)) + body
scts = b"".join(sct(i) for i in range(1, 9))
open("scts.bin", "wb").write(struct.pack(">H", len(scts)) + scts)' || atf_fail "cannot write scts.bin"
	# s_client -ct needs a log list; one log that made none of these.
	openssl ecparam -genkey -name prime256v1 -noout -out log.key 2>/dev/null || atf_fail "log key"
	printf 'enabled_logs = test\n[test]\ndescription = test log\nkey = %s\n' \
		"$(openssl pkey -in log.key -pubout -outform DER | base64 -w0)" >logs.cnf
	for v in tls1_2 tls1_3; do
		sct_one sct_$v $v -ct
		sct_one sct_${v}_unasked $v -noct
	done
	finish
}

atf_test_case external_psk
external_psk_head()
{
	atf_set "descr" "TLS 1.3 external PSKs: s_client -psk on our server (with and without a certificate, after an HRR), our client on s_server -psk -nocert; a wrong key or an unknown identity, and what each side sees"
	atf_set "require.progs" "openssl"
	atf_set "timeout" "90"
}
PSK=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
PSK_WRONG=ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
# psk_server_one SERVER_ARGS... -- S_CLIENT_ARGS...: our server for one connection with the PSK "alice",
# s_client sending data with the PSK its arguments give (messages in $N.msg); the PSK handshake is checked.
psk_server_one()
{
	vs_s_client data --psk "$PSK" --psk-identity alice --echo "$@" -msg -msgfile "$N.msg" || return
	[ $RC -eq 0 ] && [ $SRC -eq 0 ] || { fail "s_client exit $RC, server exit $SRC"; return; }
	same data "$N.out" || return
	if grep -q "<<< .*Handshake .*, Certificate\$" "$N.msg"; then
		fail "the server sent a Certificate on a PSK handshake"
		return
	fi
	expect "$N.srv.out" "^psk_identity: alice\$" "^sig: 0x0000\$" "^peer_cert: no\$" "^resumed: no\$" && pass
}
external_psk_body()
{
	make_pki p256
	make_data data 1000

	combo psk_server_nocert
	psk_server_one -- -psk "$PSK" -psk_identity alice
	combo psk_server_cert
	psk_server_one --cert p256.pem --key p256.key -- -psk "$PSK" -psk_identity alice
	# Our server without x25519: the ClientHello is retried, the binder covers the HRR transcript.
	combo psk_server_hrr
	psk_server_one --policy 20190802 -- -psk "$PSK" -psk_identity alice -groups X25519:P-256
	grep -q "^hello_retry_request: yes" psk_server_hrr.srv.out || fail "our server saw no HRR"

	# A wrong key: the binder does not verify; we end with decrypt_error (RFC 8446 §4.2.11), certificate or not.
	combo psk_server_wrong_key
	if vs_s_client data --cert p256.pem --key p256.key --psk "$PSK" --psk-identity alice --echo -- \
		-psk "$PSK_WRONG" -psk_identity alice; then
		if [ $RC -eq 0 ] || [ $SRC -eq 0 ]; then
			fail "s_client exit $RC, server exit $SRC"
		else
			expect "$N.srv.err" "MOAT_ERR_DECRYPT_ERROR" "alert sent: decrypt_error" &&
				expect "$N.err" "alert decrypt error" && pass
		fi
	fi
	# An identity we do not know, and no certificate to fall back on: unknown_psk_identity (§6.2).
	combo psk_server_unknown_identity
	if vs_s_client data --psk "$PSK" --psk-identity alice --echo -- -psk "$PSK" -psk_identity mallory; then
		if [ $RC -eq 0 ] || [ $SRC -eq 0 ]; then
			fail "s_client exit $RC, server exit $SRC"
		else
			expect "$N.srv.err" "alert sent: unknown_psk_identity" && expect "$N.err" "alert unknown psk identity" &&
				pass
		fi
	fi
	# The same with a certificate: a full handshake, which s_client verifies.
	combo psk_server_unknown_identity_cert
	if vs_s_client data --cert p256.pem --key p256.key --psk "$PSK" --psk-identity alice --echo -- \
		-psk "$PSK" -psk_identity mallory; then
		[ $RC -eq 0 ] && [ $SRC -eq 0 ] || fail "s_client exit $RC, server exit $SRC"
		same data "$N.out" && expect "$N.srv.out" "^psk_identity: none\$" "^sig: 0x0403\$" && pass
	fi

	# Our client against s_server with a PSK and no certificate.
	combo psk_client
	if vs_s_server -psk "$PSK" -psk_identity alice -nocert -- \
		--psk "$PSK" --psk-identity alice --print --echo-check --send-bytes 100; then
		[ $RC -eq 0 ] || fail "client exit $RC"
		expect "$N.cli.err" "^psk_identity: alice\$" "^peer_cert: no\$" "^cipher: TLS_AES_128_GCM_SHA256\$" \
			"^echo: 100 bytes ok\$" && pass
	fi
	# A wrong key: OpenSSL answers a binder that does not verify with illegal_parameter.
	combo psk_client_wrong_key
	if vs_s_server -psk "$PSK" -psk_identity alice -nocert -- \
		--psk "$PSK_WRONG" --psk-identity alice --echo-check --send-bytes 100; then
		if [ $RC -eq 0 ]; then
			fail "client finished a handshake with the wrong key"
		else
			expect "$N.cli.err" "alert received: illegal_parameter" && expect "$N.peer.err" "binder does not verify" &&
				pass
		fi
	fi
	finish
}

atf_test_case negative
negative_head()
{
	atf_set "descr" "untrusted certificates and wrong names are refused, in each direction"
	atf_set "require.progs" "openssl"
	atf_set "timeout" "60"
}
negative_body()
{
	make_pki p256 untrusted
	make_data data 1000

	# Our client: a server certificate from a CA it does not trust.
	combo neg_client_untrusted
	if vs_s_server -cert untrusted.pem -key untrusted.key -- \
		--ca ca.pem --server-name localhost --echo-check --send-bytes 100; then
		if [ $RC -eq 0 ]; then
			fail "client accepted an untrusted server"
		else
			expect "$N.cli.err" "MOAT_ERR_UNKNOWN_CA" "alert sent: unknown_ca" && expect "$N.peer.err" "unknown ca" &&
				pass
		fi
	fi

	# Our client: a trusted chain issued for another name.
	combo neg_client_wrong_name
	if vs_s_server -cert p256.pem -key p256.key -- \
		--ca ca.pem --server-name wrong.example --echo-check --send-bytes 100; then
		if [ $RC -eq 0 ]; then
			fail "client accepted a certificate for another name"
		else
			expect "$N.cli.err" "MOAT_ERR_BAD_CERTIFICATE|MOAT_ERR_CERTIFICATE_UNKNOWN" \
				"alert sent: (bad_certificate|certificate_unknown)" && pass
		fi
	fi

	# Our client with --insecure takes the untrusted server: the refusal above was the trust check.
	combo neg_client_insecure
	if vs_s_server -cert untrusted.pem -key untrusted.key -- \
		--insecure --server-name localhost --echo-check --send-bytes 100; then
		if [ $RC -ne 0 ]; then
			fail "client exit $RC"
		else
			pass
		fi
	fi

	# Our client with the system trust store only: our test CA is not in it.
	combo neg_client_default_trust
	if vs_s_server -cert p256.pem -key p256.key -- --server-name localhost --echo-check --send-bytes 100; then
		if [ $RC -eq 0 ]; then
			fail "client trusted a private CA without --ca"
		else
			expect "$N.cli.err" "alert sent: unknown_ca" && pass
		fi
	fi

	# s_client refuses our server's untrusted certificate; we hear its alert.
	# OpenSSL sends this alert unencrypted (RFC 8446 Appendix A.1 allows a client to).
	combo neg_server_untrusted
	if vs_s_client data --cert untrusted.pem --key untrusted.key --echo --; then
		if [ $RC -eq 0 ] || [ $SRC -eq 0 ]; then
			fail "s_client exit $RC, server exit $SRC"
		else
			expect "$N.err" "certificate verify failed" && expect "$N.srv.err" "alert received: unknown_ca" && pass
		fi
	fi

	# s_client checks a name the certificate does not carry.
	combo neg_server_wrong_name
	if vs_s_client data --cert p256.pem --key p256.key --echo -- -verify_hostname wrong.example; then
		if [ $RC -eq 0 ] || [ $SRC -eq 0 ]; then
			fail "s_client exit $RC, server exit $SRC"
		else
			expect "$N.err" "certificate verify failed" && expect "$N.srv.err" "alert received: " && pass
		fi
	fi
	finish
}

atf_init_test_cases()
{
	atf_add_test_case server_matrix
	atf_add_test_case tls12_server_matrix
	atf_add_test_case tls12_server_sha1
	atf_add_test_case policy_matrix
	atf_add_test_case client_matrix
	atf_add_test_case tls12_client_matrix
	atf_add_test_case hrr
	atf_add_test_case groups
	atf_add_test_case mutual_auth
	atf_add_test_case alpn
	atf_add_test_case key_update
	atf_add_test_case early_data
	atf_add_test_case large_data
	atf_add_test_case async_pkey
	atf_add_test_case hello_cb
	atf_add_test_case resumption
	atf_add_test_case resumption12
	atf_add_test_case max_fragment_length_tls12
	atf_add_test_case sct
	atf_add_test_case external_psk
	atf_add_test_case early_data_accepted
	atf_add_test_case negative
}
