# Interop with GnuTLS's command-line tools: our server against gnutls-cli,
# our client against gnutls-serv --echo.
#
# gnutls-serv's echo works line by line, so the data here is text lines
# (make_data). gnutls-cli reads stdin through peer_run's FIFO, which stays
# open until the echo is back; its informational messages go to a log file
# (--logfile) so stdout holds only the data.

. "$(atf_get_srcdir)/interop_lib"

# GnuTLS names: cipher -> our suite name; groups in GnuTLS priority syntax.
CIPHERS="AES-128-GCM AES-256-GCM CHACHA20-POLY1305"
TLS_GROUPS="X25519 SECP256R1 SECP384R1"

suite_of()
{
	case $1 in
	AES-128-GCM) echo TLS_AES_128_GCM_SHA256 ;;
	AES-256-GCM) echo TLS_AES_256_GCM_SHA384 ;;
	CHACHA20-POLY1305) echo TLS_CHACHA20_POLY1305_SHA256 ;;
	esac
}

# A TLS 1.3-only priority string with one cipher and the given groups (colon-separated).
priority()
{
	_p="NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+$1:-GROUP-ALL"
	for _g in $(echo "$2" | tr ':' ' '); do
		_p="$_p:+GROUP-$_g"
	done
	echo "$_p"
}

ALL_CIPHERS="AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305"

# cli_echo DATA ARGS...: gnutls-cli against our server on $PORT, sending DATA and waiting
# for it to come back; $N.out holds what came back, $N.glog its messages.
cli_echo()
{
	_data=$1
	shift
	peer_run "$_data" "$(file_size "$_data")" gnutls-cli -p "$PORT" --x509cafile ca.pem \
		--logfile="$N.glog" "$@" localhost
}

# vs_cli DATA SERVER_ARGS... -- GNUTLS_CLI_ARGS...: our server for one connection against
# gnutls-cli. Sets RC (gnutls-cli's status) and SRC (our server's).
vs_cli()
{
	_data=$1 _sargs=""
	shift
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		_sargs="$_sargs $1"
		shift
	done
	[ $# -gt 0 ] && shift
	# shellcheck disable=SC2086 # option and file names without spaces
	server_start $_sargs || return 1
	cli_echo "$_data" "$@"
	RC=$?
	server_status
	SRC=$?
}

# vs_serv SERV_ARGS... -- CLIENT_ARGS...: gnutls-serv --echo and our client; sets RC.
vs_serv()
{
	_pargs=""
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		_pargs="$_pargs $1"
		shift
	done
	[ $# -gt 0 ] && shift
	# shellcheck disable=SC2086
	peer_start gnutls-serv -p 0 --echo $_pargs || return 1
	client_run "$@"
	RC=$?
	peer_stop
}

atf_test_case server_matrix
server_matrix_head()
{
	atf_set "descr" "our server <- gnutls-cli: every TLS 1.3 cipher x group, certificate types in turn, echo"
	atf_set "require.progs" "gnutls-cli"
	atf_set "timeout" "180"
}
server_matrix_one()
{
	cert=$1 cipher=$2 group=$3
	suite=$(suite_of "$cipher")
	vs_cli data --cert "$cert.pem" --key "$cert.key" --echo -- --priority "$(priority "$cipher" "$group")" || return
	[ $RC -eq 0 ] && [ $SRC -eq 0 ] || { fail "gnutls-cli exit $RC, server exit $SRC"; return; }
	same data "$N.out" &&
		expect "$N.glog" "Description: \(TLS1.3-X.509\)-\((ECDHE-)?$group\)-.*-\($cipher\)" "certificate is trusted" &&
		expect "$N.srv.out" "^cipher: $suite\$" "^curve: $(moat_curve "$group")\$" "^sig: $(expected_sig "$cert")\$" \
			"^server_name: localhost\$" "^closed: ok" && pass
}
server_matrix_body()
{
	make_pki rsa p256 p384 pss
	make_data data 40000
	# Every cipher x group; the certificate types take turns (a Latin square, so each
	# type meets each cipher and each group once): openssl_test runs the full cross.
	i=0
	for cipher in $CIPHERS; do
		j=0
		for group in $TLS_GROUPS; do
			set -- rsa p256 p384 rsa p256
			shift $(((i + j) % 3))
			spawn "srv_${1}_${cipher}_${group}" server_matrix_one "$1" "$cipher" "$group"
			j=$((j + 1))
		done
		# RSA-PSS: each cipher once.
		spawn "srv_pss_${cipher}_$(echo "$TLS_GROUPS" | cut -d' ' -f$((i + 1)))" server_matrix_one pss "$cipher" \
			"$(echo "$TLS_GROUPS" | cut -d' ' -f$((i + 1)))"
		i=$((i + 1))
	done
	finish
}

atf_test_case tls12_server
tls12_server_head()
{
	atf_set "descr" "our server <- gnutls-cli with a TLS 1.2-only priority string: GCM, ChaCha20 and CBC ciphers, RSA and P-256 certificates, extended master secret"
	atf_set "require.progs" "gnutls-cli"
	atf_set "timeout" "120"
}
tls12_server_one()
{
	cert=$1 cipher=$2 mac=$3
	vs_cli data --cert "$cert.pem" --key "$cert.key" --echo -- \
		--priority "NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+$cipher:-MAC-ALL:+$mac:-KX-ALL:+ECDHE-RSA:+ECDHE-ECDSA" ||
		return
	[ $RC -eq 0 ] && [ $SRC -eq 0 ] || { fail "gnutls-cli exit $RC, server exit $SRC"; return; }
	same data "$N.out" &&
		expect "$N.glog" "Description: \(TLS1.2-X.509\)-\(ECDHE-[A-Z0-9]*\)-\((RSA|ECDSA)[^)]*\)-\($cipher\)" \
			"Options: extended master secret, safe renegotiation" "certificate is trusted" &&
		expect "$N.srv.out" "^protocol: TLSv1.2\$" "^server_name: localhost\$" "^closed: ok" && pass
}
tls12_server_body()
{
	make_pki rsa p256
	make_data data 40000
	for cert in rsa p256; do
		for spec in AES-128-GCM:AEAD AES-256-GCM:AEAD CHACHA20-POLY1305:AEAD AES-128-CBC:SHA1 AES-256-CBC:SHA1 \
			AES-128-CBC:SHA256; do
			spawn "srv12_${cert}_${spec%%:*}_${spec#*:}" tls12_server_one "$cert" "${spec%%:*}" "${spec#*:}"
		done
	done
	finish
}

atf_test_case dhe_and_old_versions
dhe_and_old_versions_head()
{
	atf_set "descr" "our server <- gnutls-cli: DHE-RSA on each RFC 7919 group gnutls offers (ffdhe2048, ffdhe3072; ffdhe4096 alone is refused), and TLS 1.1 and 1.0 with ECDHE and DHE"
	atf_set "require.progs" "gnutls-cli"
	atf_set "timeout" "120"
}
# dhe_one VERSION KX GROUP WANT: gnutls-cli with one version, key exchange and group; WANT the group or "refused".
dhe_one()
{
	version=$1 kx=$2 group=$3 want=$4
	vs_cli data --cert rsa.pem --key rsa.key --cert p256.pem --key p256.key --policy 20190214 --echo -- \
		--priority "NORMAL:-VERS-ALL:+VERS-$version:-KX-ALL:+$kx:-GROUP-ALL:+GROUP-$group:%VERIFY_ALLOW_SIGN_WITH_SHA1" ||
		return
	if [ "$want" = refused ]; then
		[ $RC -ne 0 ] && [ $SRC -ne 0 ] || { fail "served without a group of ours"; return; }
		expect "$N.srv.err" "alert sent: insufficient_security" && pass
		return
	fi
	[ $RC -eq 0 ] && [ $SRC -eq 0 ] || { fail "gnutls-cli exit $RC, server exit $SRC"; return; }
	same data "$N.out" &&
		expect "$N.glog" "Description: \(${version}(-X.509)?\)-\((EC)?DHE-$want\)" \
			"Options: extended master secret" &&
		expect "$N.srv.out" "^curve: $(echo "$want" | tr 'A-Z' 'a-z')\$" "^closed: ok" && pass
}
dhe_and_old_versions_body()
{
	make_pki rsa p256
	make_data data 40000
	spawn dhe_2048 dhe_one TLS1.2 DHE-RSA FFDHE2048 FFDHE2048
	spawn dhe_3072 dhe_one TLS1.2 DHE-RSA FFDHE3072 FFDHE3072
	# RFC 7919 §4: FFDHE groups offered, none of ours, no other suite: insufficient_security.
	spawn dhe_4096 dhe_one TLS1.2 DHE-RSA FFDHE4096 refused
	for version in TLS1.1 TLS1.0; do
		spawn "dhe_$version" dhe_one "$version" DHE-RSA FFDHE2048 FFDHE2048
		spawn "ecdhe_$version" dhe_one "$version" ECDHE-RSA SECP256R1 SECP256R1
	done
	finish
}

atf_test_case client_matrix
client_matrix_head()
{
	atf_set "descr" "our client -> gnutls-serv --echo: every TLS 1.3 cipher x group x RSA/P-256/P-384 certificate (+ RSA-PSS)"
	atf_set "require.progs" "gnutls-serv"
	atf_set "timeout" "180"
}
client_matrix_one()
{
	cert=$1 cipher=$2 group=$3
	suite=$(suite_of "$cipher")
	vs_serv --x509certfile "$cert.pem" --x509keyfile "$cert.key" --priority "$(priority "$cipher" "$group")" -- \
		--ca ca.pem --server-name localhost --print --echo-check <data || return
	[ $RC -eq 0 ] || { fail "client exit $RC"; return; }
	expect "$N.cli.err" "^cipher: $suite\$" "^curve: $(moat_curve "$group")\$" "^sig: $(expected_sig "$cert")\$" \
		"^echo: $(file_size data) bytes ok\$" "^closed: ok\$" && pass
}
client_matrix_body()
{
	make_pki rsa p256 p384 pss
	make_data data 40000
	for cert in rsa p256 p384 pss; do
		i=0
		for cipher in $CIPHERS; do
			i=$((i + 1)) j=0
			for group in $TLS_GROUPS; do
				j=$((j + 1))
				# RSA-PSS keys: each suite once, with a different group each time.
				[ $cert = pss ] && [ $i -ne $j ] && continue
				spawn "cli_${cert}_${cipher}_${group}" client_matrix_one "$cert" "$cipher" "$group"
			done
		done
	done
	finish
}

atf_test_case tls12_client
tls12_client_head()
{
	atf_set "descr" "our client -> gnutls-serv --echo with a TLS 1.2-only priority: ECDHE-RSA, ECDHE-ECDSA, DHE-RSA (ffdhe2048), static RSA, GCM, ChaCha20, CBC; a TLS 1.3-capable client gets TLS 1.2"
	atf_set "require.progs" "gnutls-serv openssl"
	atf_set "timeout" "120"
}
# tls12_client_one CERT PRIORITY_TAIL POLICY SUITE: gnutls-serv limited to TLS 1.2 and PRIORITY_TAIL.
tls12_client_one()
{
	cert=$1 tail=$2 policy=$3 suite=$4
	# shellcheck disable=SC2086 # DHPARAMS: an option and a file name without spaces
	vs_serv --x509certfile "$cert.pem" --x509keyfile "$cert.key" $DHPARAMS \
		--priority "NORMAL:-VERS-ALL:+VERS-TLS1.2:$tail" -- \
		--ca ca.pem --server-name localhost --policy "$policy" --print --echo-check <data || return
	[ $RC -eq 0 ] || { fail "client exit $RC"; return; }
	expect "$N.cli.err" "^protocol: TLSv1.2\$" "^cipher: $suite\$" "^peer_cert: yes\$" \
		"^echo: $(file_size data) bytes ok\$" "^closed: ok\$" && pass
}
tls12_client_body()
{
	make_pki rsa p256
	make_data data 20000
	spawn cli12_ecdhe_rsa tls12_client_one rsa "-KX-ALL:+ECDHE-RSA:-CIPHER-ALL:+AES-128-GCM" default \
		TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
	spawn cli12_ecdhe_rsa_chacha tls12_client_one rsa "-KX-ALL:+ECDHE-RSA:-CIPHER-ALL:+CHACHA20-POLY1305" default \
		TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
	spawn cli12_ecdhe_ecdsa tls12_client_one p256 "-KX-ALL:+ECDHE-ECDSA:-CIPHER-ALL:+AES-256-GCM" 20190214 \
		TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
	spawn cli12_ecdhe_cbc tls12_client_one rsa "-KX-ALL:+ECDHE-RSA:-CIPHER-ALL:+AES-128-CBC:-MAC-ALL:+SHA1" default \
		TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA
	spawn cli12_rsa tls12_client_one rsa "-KX-ALL:+RSA:-CIPHER-ALL:+AES-128-GCM" default TLS_RSA_WITH_AES_128_GCM_SHA256
	# DHE on RFC 7919's ffdhe2048, the only kind of group our client takes.
	openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out ffdhe2048.pem 2>/dev/null ||
		atf_fail "cannot write the ffdhe2048 parameters"
	DHPARAMS="--dhparams ffdhe2048.pem" spawn cli12_dhe tls12_client_one rsa \
		"-KX-ALL:+DHE-RSA:-CIPHER-ALL:+AES-128-GCM" 20190214 TLS_DHE_RSA_WITH_AES_128_GCM_SHA256
	spawn cli12_from_tls13 tls12_client_one rsa "-KX-ALL:+ECDHE-RSA" default_tls13 \
		TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
	finish
}

atf_test_case hrr
hrr_head()
{
	atf_set "descr" "key share selection and HelloRetryRequest with GnuTLS"
	atf_set "require.progs" "gnutls-cli gnutls-serv"
	atf_set "timeout" "60"
}
hrr_body()
{
	make_pki p256
	make_data data 2000

	# gnutls-cli sends key shares for its first group and for the first of each other kind
	# (X25519, FFDHE, NIST ECDH), so our server, whose policies all hold P-256 and P-384,
	# always finds a share it can use: no HRR. Our server without x25519 (20190802) takes
	# the P-384 share although X25519 comes first.
	combo hrr_server_not_needed
	if vs_cli data --cert p256.pem --key p256.key --echo --policy 20190802 --hello-cb -- \
		--priority "$(priority "$ALL_CIPHERS" X25519:SECP384R1)"; then
		if [ $RC -ne 0 ] || [ $SRC -ne 0 ]; then
			fail "gnutls-cli exit $RC, server exit $SRC"
		else
			same data "$N.out" && expect "$N.srv.out" "^hrr: no\$" "^curve: secp384r1\$" && pass
		fi
	fi

	# With one key share, for X25519, against our server without x25519: a HelloRetryRequest
	# for P-256, and GnuTLS's second ClientHello must pass our check against its first
	# (RFC 8446 §4.1.2: the same hello but for the changes a retry allows).
	combo hrr_server
	if vs_cli data --cert p256.pem --key p256.key --echo --policy 20190802 --hello-cb -- \
		--single-key-share --priority "$(priority "$ALL_CIPHERS" X25519:SECP256R1)"; then
		if [ $RC -ne 0 ] || [ $SRC -ne 0 ]; then
			fail "gnutls-cli exit $RC, server exit $SRC"
		else
			same data "$N.out" && expect "$N.srv.out" "^hrr: yes\$" "^curve: secp256r1\$" && pass
		fi
	fi

	# Our client shares x25519 first; gnutls-serv takes only P-384.
	combo hrr_client
	if vs_serv --x509certfile p256.pem --x509keyfile p256.key --priority "$(priority "$ALL_CIPHERS" SECP384R1)" -- \
		--ca ca.pem --server-name localhost --print --echo-check <data; then
		if [ $RC -ne 0 ]; then
			fail "client exit $RC"
		else
			expect "$N.cli.err" "^curve: secp384r1\$" "^echo: 2000 bytes ok\$" && pass
		fi
	fi
	finish
}

# Every group we have, in GnuTLS priority syntax. GnuTLS negotiates all of them in TLS 1.3.
ALL_GROUPS="X25519 SECP256R1 SECP384R1 X448 SECP521R1 FFDHE2048 FFDHE3072 FFDHE4096 FFDHE6144 FFDHE8192"

# How gnutls-cli's session description names a group's key exchange.
gnutls_kx()
{
	case $1 in
	FFDHE*) echo "DHE-$1" ;;
	*) echo "ECDHE-$1" ;;
	esac
}

atf_test_case groups
groups_head()
{
	atf_set "descr" "every group both ways: gnutls-cli offering only it, gnutls-serv accepting only it (HRR from our client's x25519)"
	atf_set "require.progs" "gnutls-cli gnutls-serv"
	atf_set "timeout" "180"
}
groups_server_one()
{
	group=$1
	vs_cli data --cert p256.pem --key p256.key --echo --policy default_tls13_ffdhe --hello-cb -- \
		--priority "$(priority "$ALL_CIPHERS" "$group")" || return
	[ $RC -eq 0 ] && [ $SRC -eq 0 ] || { fail "gnutls-cli exit $RC, server exit $SRC"; return; }
	same data "$N.out" && expect "$N.glog" "Description: \(TLS1.3-X.509\)-\($(gnutls_kx "$group")\)" &&
		expect "$N.srv.out" "^curve: $(moat_curve "$group")\$" "^hrr: no\$" "^closed: ok" && pass
}
groups_client_one()
{
	group=$1
	# Our client shares x25519 first: for any other group gnutls-serv answers with a HelloRetryRequest.
	vs_serv --x509certfile p256.pem --x509keyfile p256.key --priority "$(priority "$ALL_CIPHERS" "$group")" -- \
		--ca ca.pem --server-name localhost --print --echo-check --policy default_tls13_ffdhe <data || return
	[ $RC -eq 0 ] || { fail "client exit $RC"; return; }
	hrr=yes
	[ "$group" = X25519 ] && hrr=no
	expect "$N.cli.err" "^curve: $(moat_curve "$group")\$" "^hello_retry_request: $hrr\$" \
		"^echo: $(file_size data) bytes ok\$" "^closed: ok\$" && pass
}
groups_body()
{
	make_pki p256
	make_data data 5000
	for group in $ALL_GROUPS; do
		spawn "groups_server_$group" groups_server_one "$group"
		spawn "groups_client_$group" groups_client_one "$group"
	done
	finish
}

atf_test_case mutual_auth
mutual_auth_head()
{
	atf_set "descr" "client certificates with GnuTLS in both roles"
	atf_set "require.progs" "gnutls-cli gnutls-serv"
	atf_set "timeout" "90"
}
mutual_auth_body()
{
	make_pki rsa p256 client client_rsa
	make_data data 2000

	for ccert in client client_rsa; do
		combo "mutual_server_$ccert"
		vs_cli data --cert rsa.pem --key rsa.key --echo --mutual --ca ca.pem -- \
			--x509certfile "$ccert.pem" --x509keyfile "$ccert.key" || continue
		[ $RC -eq 0 ] && [ $SRC -eq 0 ] || { fail "gnutls-cli exit $RC, server exit $SRC"; continue; }
		same data "$N.out" && expect "$N.srv.out" "^client_cert: yes\$" "^client_sig: $(expected_sig "$ccert")\$" &&
			pass
	done

	combo mutual_server_no_cert
	if vs_cli data --cert rsa.pem --key rsa.key --echo --mutual --ca ca.pem --; then
		if [ $SRC -eq 0 ] || [ "$(file_size "$N.out")" -gt 0 ]; then
			fail "a client without certificate got in (gnutls-cli exit $RC, server exit $SRC)"
		else
			expect "$N.srv.err" "alert sent: certificate_required" && pass
		fi
	fi

	for ccert in client client_rsa; do
		combo "mutual_client_$ccert"
		vs_serv --x509certfile p256.pem --x509keyfile p256.key --require-client-cert --verify-client-cert \
			--x509cafile ca.pem -- --ca ca.pem --server-name localhost --print --echo-check \
			--cert "$ccert.pem" --key "$ccert.key" <data || continue
		if [ $RC -ne 0 ]; then
			fail "client exit $RC"
		else
			expect "$N.cli.err" "^client_sig: $(expected_sig "$ccert")\$" "^echo: 2000 bytes ok\$" && pass
		fi
	done

	# gnutls-serv asks for a certificate but does not require one: we answer with none.
	combo mutual_client_optional
	if vs_serv --x509certfile p256.pem --x509keyfile p256.key -- \
		--ca ca.pem --server-name localhost --print --echo-check <data; then
		if [ $RC -ne 0 ]; then
			fail "client exit $RC"
		else
			expect "$N.cli.err" "^client_sig: 0x0000\$" "^echo: 2000 bytes ok\$" && pass
		fi
	fi

	combo mutual_client_required_no_cert
	if vs_serv --x509certfile p256.pem --x509keyfile p256.key --require-client-cert --x509cafile ca.pem -- \
		--ca ca.pem --server-name localhost --echo-check <data; then
		if [ $RC -eq 0 ]; then
			fail "client got through without the certificate gnutls-serv requires"
		else
			expect "$N.cli.err" "alert received: " && pass
		fi
	fi
	finish
}

atf_test_case alpn
alpn_head()
{
	atf_set "descr" "ALPN with GnuTLS in both roles"
	atf_set "require.progs" "gnutls-cli gnutls-serv"
	atf_set "timeout" "60"
}
alpn_body()
{
	make_pki p256
	make_data data 1000

	combo alpn_server
	if vs_cli data --cert p256.pem --key p256.key --echo --alpn h2,http/1.1 -- --alpn http/1.1 --alpn h2; then
		if [ $RC -ne 0 ] || [ $SRC -ne 0 ]; then
			fail "gnutls-cli exit $RC, server exit $SRC"
		else
			same data "$N.out" && expect "$N.srv.out" "^alpn: h2\$" && expect "$N.glog" "Application protocol: h2" &&
				pass
		fi
	fi

	combo alpn_server_mismatch
	if vs_cli data --cert p256.pem --key p256.key --echo --alpn h2,http/1.1 -- --alpn spdy/3; then
		if [ $RC -eq 0 ] || [ $SRC -eq 0 ]; then
			fail "handshake succeeded without a common protocol"
		else
			expect "$N.srv.err" "alert sent: no_application_protocol" && pass
		fi
	fi

	combo alpn_client
	if vs_serv --x509certfile p256.pem --x509keyfile p256.key --alpn http/1.1 -- \
		--ca ca.pem --server-name localhost --print --echo-check --alpn h2,http/1.1 <data; then
		if [ $RC -ne 0 ]; then
			fail "client exit $RC"
		else
			expect "$N.cli.err" "^alpn: http/1.1\$" && pass
		fi
	fi

	combo alpn_client_mismatch
	if vs_serv --x509certfile p256.pem --x509keyfile p256.key --alpn spdy/3 --alpn-fatal -- \
		--ca ca.pem --server-name localhost --echo-check --alpn h2 <data; then
		if [ $RC -eq 0 ]; then
			fail "handshake succeeded without a common protocol"
		else
			expect "$N.cli.err" "alert received: no_application_protocol" && pass
		fi
	fi
	finish
}

# Text lines with gnutls-cli's inline KeyUpdate commands between them: ^rekey^ asks
# the peer to update too, ^rekey1^ updates only our side.
feed_rekeys()
{
	printf 'before the update\n'
	sleep 0.3
	printf '^rekey^\n'
	sleep 0.3
	printf 'after rekey\n'
	sleep 0.3
	printf '^rekey1^\n'
	sleep 0.3
	printf 'after rekey1\n'
}

atf_test_case key_update
key_update_head()
{
	atf_set "descr" "KeyUpdate with GnuTLS in both roles"
	atf_set "require.progs" "gnutls-cli gnutls-serv"
	atf_set "timeout" "60"
}
key_update_body()
{
	make_pki p256
	make_data data 100000

	combo ku_server
	if vs_cli data --cert p256.pem --key p256.key --echo --key-update --; then
		if [ $RC -ne 0 ] || [ $SRC -ne 0 ]; then
			fail "gnutls-cli exit $RC, server exit $SRC"
		else
			same data "$N.out" && expect "$N.srv.out" "^key_update: sent\$" && pass
		fi
	fi

	combo ku_cli_inline_rekey
	printf 'before the update\nafter rekey\nafter rekey1\n' >ku_expect
	if server_start --cert p256.pem --key p256.key --echo; then
		peer_run @feed_rekeys "$(file_size ku_expect)" gnutls-cli -p "$PORT" --x509cafile ca.pem \
			--logfile="$N.glog" --inline-commands localhost
		RC=$?
		server_status
		SRC=$?
		if [ $RC -ne 0 ] || [ $SRC -ne 0 ]; then
			fail "gnutls-cli exit $RC, server exit $SRC"
		else
			same ku_expect "$N.out" && pass
		fi
	fi

	combo ku_client
	if vs_serv --x509certfile p256.pem --x509keyfile p256.key -- \
		--ca ca.pem --server-name localhost --key-update --echo-check <data; then
		if [ $RC -ne 0 ]; then
			fail "client exit $RC"
		else
			expect "$N.cli.err" "^key_update: sent\$" "^echo: 100000 bytes ok\$" && pass
		fi
	fi
	finish
}

atf_test_case early_data
early_data_head()
{
	atf_set "descr" "gnutls-cli resumes, with 0-RTT data, a session from gnutls-serv at our server (behind a relay): our server skips the early data and completes a full handshake; with our server's own ticket (--early-data) the early data is accepted and echoed"
	atf_set "require.progs" "gnutls-cli gnutls-serv"
	atf_set "timeout" "60"
}
early_data_body()
{
	make_pki p256
	make_data data 1000
	make_data early 4000
	RELAY="$(atf_get_srcdir)/first_relay"

	combo early_data_elsewhere
	if peer_start gnutls-serv -p 0 --echo --x509certfile p256.pem --x509keyfile p256.key --earlydata \
		--maxearlydata=16384; then
		GPORT=$PORT
		if server_start --cert p256.pem --key p256.key --echo; then
			timeout "$PEER_LIFETIME" "$RELAY" "$GPORT" "$PORT" >"$N.relay" 2>&1 &
			bg_track $!
			if wait_listening "$N.relay" $! || fail "relay did not start"; then
				PORT=$LISTEN_AT
				cli_echo data -r --waitresumption --earlydata=early
				RC=$?
				server_status
				SRC=$?
				if [ $RC -ne 0 ] || [ $SRC -ne 0 ]; then
					fail "gnutls-cli exit $RC, server exit $SRC"
				elif ! grep -Eq '^connection 2: 22( 20)? 23' "$N.relay"; then
					fail "gnutls-cli sent no 0-RTT data to our server"
				elif grep -q 'This is a resumed session' "$N.glog"; then
					fail "our server resumed a session it cannot have"
				else
					same data "$N.out" && expect "$N.srv.out" "^received: 1000 bytes" && pass
				fi
			fi
		fi
		peer_stop
	fi

	# Our server's own ticket, which allows early data: gnutls-cli's 4000 bytes are accepted and echoed first.
	combo early_data_accepted
	cat early data >early_then_data
	if server_start --cert p256.pem --key p256.key --echo --tickets --early-data 16384 --count 2; then
		peer_run data "$(file_size early_then_data)" gnutls-cli -p "$PORT" --x509cafile ca.pem \
			--logfile="$N.glog" -r --waitresumption --earlydata=early localhost
		RC=$?
		server_status
		SRC=$?
		if [ $RC -ne 0 ] || [ $SRC -ne 0 ]; then
			fail "gnutls-cli exit $RC, server exit $SRC"
		elif ! grep -q 'This is a resumed session' "$N.glog"; then
			fail "gnutls-cli did not resume"
		else
			same early_then_data "$N.out" && expect "$N.srv.out" "^early_data: accepted, 4000 bytes\$" && pass
		fi
	fi
	finish
}

atf_test_case resumption
resumption_head()
{
	atf_set "descr" "TLS 1.3 tickets: gnutls-cli --resume resumes on our server"
	atf_set "require.progs" "gnutls-cli"
	atf_set "timeout" "60"
}
resumption_body()
{
	make_pki p256
	make_data data 1000
	combo resume_server
	if vs_cli data --cert p256.pem --key p256.key --echo --tickets --count 2 -- \
		--priority "NORMAL:-VERS-ALL:+VERS-TLS1.3" --resume; then
		if [ $RC -ne 0 ] || [ $SRC -ne 0 ]; then
			fail "gnutls-cli exit $RC, server exit $SRC"
		else
			same data "$N.out" && expect "$N.glog" "Resume Handshake was completed" &&
				expect "$N.srv.out" "^resumed: no\$" "^resumed: yes\$" && pass
		fi
	fi
	finish
}

atf_test_case resumption12
resumption12_head()
{
	atf_set "descr" "TLS 1.2: gnutls-cli --resume resumes on our server with a session ticket (RFC 5077) and, without tickets, by session ID from the server's cache"
	atf_set "require.progs" "gnutls-cli"
	atf_set "timeout" "60"
}
resumption12_body()
{
	make_pki p256
	make_data data 1000
	for mode in ticket cache; do
		combo "resume12_$mode"
		if [ $mode = ticket ]; then
			sargs="--tickets" prio="NORMAL:-VERS-ALL:+VERS-TLS1.2"
		else
			sargs="--session-cache" prio="NORMAL:-VERS-ALL:+VERS-TLS1.2:%NO_TICKETS"
		fi
		# shellcheck disable=SC2086 # one option
		if vs_cli data --cert p256.pem --key p256.key --echo $sargs --count 2 -- --priority "$prio" --resume; then
			if [ $RC -ne 0 ] || [ $SRC -ne 0 ]; then
				fail "gnutls-cli exit $RC, server exit $SRC"
			else
				same data "$N.out" && expect "$N.glog" "Resume Handshake was completed" &&
					expect "$N.srv.out" "^protocol: TLSv1.2\$" "^resumed: no\$" "^resumed: yes\$" && pass
			fi
		fi
	done
	finish
}

atf_test_case record_size_limit_tls12
record_size_limit_tls12_head()
{
	atf_set "descr" "TLS 1.2 record_size_limit (RFC 8449 §4): gnutls-cli --recordsize 512 gets our limit of 2^14 (plaintext, no type byte in 1.2) and the echo in records of at most 512 bytes; max_fragment_length beside it is ignored (§5)"
	atf_set "require.progs" "gnutls-cli"
}
record_size_limit_tls12_body()
{
	make_pki rsa
	make_data data 20000
	: >empty
	combo rsl_512
	# gnutls-cli offers both extensions with --recordsize; -d 9 logs each record. It also holds
	# its own sends to 512 and drops the rest of a longer write, so our server sends, not echoes.
	server_start --cert rsa.pem --key rsa.key --send-file data || { finish; return; }
	peer_run empty "$(file_size data)" gnutls-cli -p "$PORT" --x509cafile ca.pem --logfile="$N.glog" \
		--priority "NORMAL:-VERS-ALL:+VERS-TLS1.2" --recordsize 512 -d 9 localhost
	RC=$?
	server_status
	SRC=$EXIT_STATUS
	sizes=$(sed -n 's/.*Decrypted Packet.*Application Data(23) with length: \([0-9]*\).*/\1/p' "$N.err" | sort -n | uniq)
	if [ $RC -ne 0 ] || [ $SRC -ne 0 ]; then
		fail "gnutls-cli exit $RC, server exit $SRC"
	elif [ "$(echo "$sizes" | tail -n 1)" != 512 ]; then
		fail "records of $(echo $sizes) bytes, want at most 512 and some of 512"
	else
		same data "$N.out" && expect "$N.err" "record_size_limit 16384 negotiated" && pass
	fi
	finish
}

atf_test_case external_psk
external_psk_head()
{
	atf_set "descr" "TLS 1.3 external PSKs: gnutls-cli --pskusername/--pskkey on our server without a certificate, our client on gnutls-serv --pskpasswd"
	atf_set "require.progs" "gnutls-cli gnutls-serv"
	atf_set "timeout" "60"
}
PSK=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
PSK_PRIORITY="NORMAL:-VERS-ALL:+VERS-TLS1.3:+ECDHE-PSK:+PSK"
external_psk_body()
{
	make_pki p256
	make_data data 4000

	combo psk_server
	if vs_cli data --psk "$PSK" --psk-identity alice --echo -- \
		--pskusername alice --pskkey "$PSK" --priority "$PSK_PRIORITY"; then
		[ $RC -eq 0 ] && [ $SRC -eq 0 ] || fail "gnutls-cli exit $RC, server exit $SRC"
		same data "$N.out" && expect "$N.glog" "PSK authentication. Connected as 'alice'" &&
			expect "$N.srv.out" "^psk_identity: alice\$" "^sig: 0x0000\$" "^closed: ok" && pass
	fi

	combo psk_client
	echo "alice:$PSK" >psk.passwd
	if vs_serv --pskpasswd psk.passwd --priority "$PSK_PRIORITY" -- \
		--psk "$PSK" --psk-identity alice --print --echo-check <data; then
		[ $RC -eq 0 ] || fail "client exit $RC"
		expect "$N.cli.err" "^psk_identity: alice\$" "^peer_cert: no\$" "^echo: $(file_size data) bytes ok\$" &&
			pass
	fi
	finish
}

atf_test_case large_data
large_data_head()
{
	atf_set "descr" "1 MiB each way with GnuTLS in both roles"
	atf_set "require.progs" "gnutls-cli gnutls-serv sha256sum"
	atf_set "timeout" "90"
}
large_data_body()
{
	make_pki rsa
	make_data big 1048576
	want=$(sha256sum <big | cut -d' ' -f1)

	combo large_server
	if vs_cli big --cert rsa.pem --key rsa.key --echo --; then
		got=$(sha256sum <"$N.out" | cut -d' ' -f1)
		if [ $RC -ne 0 ] || [ $SRC -ne 0 ] || [ "$got" != "$want" ]; then
			fail "gnutls-cli exit $RC, server exit $SRC, sha256 $got"
		else
			pass
		fi
	fi

	combo large_client
	if vs_serv --x509certfile rsa.pem --x509keyfile rsa.key -- \
		--ca ca.pem --server-name localhost --echo-check <big; then
		if [ $RC -ne 0 ]; then
			fail "client exit $RC"
		else
			expect "$N.cli.err" "^echo: 1048576 bytes ok\$" && pass
		fi
	fi
	finish
}

atf_init_test_cases()
{
	atf_add_test_case server_matrix
	atf_add_test_case tls12_server
	atf_add_test_case dhe_and_old_versions
	atf_add_test_case client_matrix
	atf_add_test_case tls12_client
	atf_add_test_case hrr
	atf_add_test_case groups
	atf_add_test_case mutual_auth
	atf_add_test_case alpn
	atf_add_test_case key_update
	atf_add_test_case early_data
	atf_add_test_case record_size_limit_tls12
	atf_add_test_case large_data
	atf_add_test_case resumption
	atf_add_test_case resumption12
	atf_add_test_case external_psk
}
