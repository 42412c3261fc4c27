# The README's "A production-like configuration" is read out of the README
# itself, its machine paths and ports moved into the test's directory, and
# served: `moat-frontd -t` accepts it, h2 and http/1.1 clients reach their
# own backends with a PROXY v2 header, the API site asks for a client
# certificate, the access log is JSON and the metrics endpoint answers. A
# README edit that breaks the example fails here.

. "$(atf_get_srcdir)/../lib/moat_test_lib"
. "$(atf_get_srcdir)/frontd_test_lib"

# reach NAME SERVERNAME [S_CLIENT ARGS...]: one connection through frontd that sends "ping" and
# waits for its echo; prints the first line that came back (the backend's greeting). Fails when
# the connection ends before the echo.
reach()
{
	_r=$1 _sn=$2
	shift 2
	rm -f "$_r.in"
	mkfifo "$_r.in"
	timeout $WAIT_SECONDS openssl s_client -connect "127.0.0.1:$FPORT" -brief -nocommands -CAfile ca.pem \
		-verify_return_error -servername "$_sn" "$@" <"$_r.in" >"$_r.out" 2>"$_r.err" &
	_rpid=$!
	exec 4>"$_r.in"
	echo ping >&4
	wait_until -p $_rpid has_line "$_r.out" '^ping$'
	_rrc=$?
	exec 4>&-
	wait_exit $_rpid
	[ $_rrc -eq 0 ] || return 1
	head -n 1 "$_r.out"
}

# readme_block N: the Nth fenced block of the README's production-like section.
readme_block()
{
	awk -v want="$1" '
		/^## / { in_sec = ($0 == "## A production-like configuration") }
		in_sec && /^```/ { if (inside) { inside = 0; n++ } else { inside = 1 }; next }
		in_sec && inside && n == want - 1 { print }
	' "$README"
}

atf_test_case served
served_head()
{
	atf_set "descr" "the README's production-like configuration passes -t and serves: ALPN to its backends with PROXY v2, client certificates on the API site, JSON access log, metrics"
	atf_set "require.progs" "openssl curl timeout"
	atf_set "timeout" "90"
}
served_body()
{
	. "$(atf_get_srcdir)/../deploy/build.env"
	README="$MOAT_TOP_SRCDIR/README.md"
	[ -f "$README" ] || atf_fail "no README at $README"
	mkdir policies
	readme_block 1 >policies/modern.conf
	readme_block 2 >readme.conf
	grep -q '^policy "modern"' policies/modern.conf || { show policies/modern.conf; atf_fail "no policy block in the README"; }
	grep -q '^site "api.example.com"' readme.conf || { show readme.conf; atf_fail "no frontd configuration in the README"; }

	make_ca ca readme-ca
	make_cert www p256 www.example.com DNS:www.example.com DNS:example.com
	make_cert wwwr rsa www.example.com DNS:www.example.com DNS:example.com
	make_cert api p256 api.example.com
	make_ca clients readme-clients-ca
	make_cert -c clients alice p256 alice
	"$FAKE_KEYD" -s "$PWD/keyd.sock" -k www.key -k wwwr.key -k api.key >keyd.out 2>>keyd.err &
	bg_track $!
	wait_line keyd.out '^ready$' $! || { show keyd.err; atf_fail "fake_keyd did not start"; }

	start_backend H2 "h2 backend" -p
	start_backend H1 "http/1.1 backend" -p
	start_backend API0 "api backend" -p
	start_backend API1 "api backend" -p
	MPORT=$(free_port)
	# The operator's paths and ports, here.
	sed -e "s|/etc/moat/www-ecdsa.pem|www.pem|; s|/etc/moat/www-rsa.pem|wwwr.pem|" \
		-e "s|/etc/moat/api.pem|api.pem|; s|/etc/moat/clients-ca.pem|clients.pem|" \
		-e "s|\"/run/moat/keyd.sock\"|\"keyd.sock\"|; s|\"/var/log/moat/access.log\"|\"$PWD/access.log\"|" \
		-e "s|^listen 0.0.0.0:443\$|listen 127.0.0.1:@PORT@|; /^listen \"\\[::\\]:443\"\$/d" \
		-e "s|^metrics listen 127.0.0.1:9150\$|metrics listen 127.0.0.1:$MPORT|" \
		-e "s|127.0.0.1:8081|127.0.0.1:$H2_PORT|; s|127.0.0.1:8080|127.0.0.1:$H1_PORT|" \
		-e "s|127.0.0.1:9000|127.0.0.1:$API0_PORT|; s|127.0.0.1:9001|127.0.0.1:$API1_PORT|" \
		readme.conf >conf.in
	# Every operator path was moved: nothing of the machine's is read.
	! grep -Eq '/etc/|/run/|/var/|:443|:9150|:808[01]|:900[01]' conf.in || { show conf.in; atf_fail "a path or port left unmoved"; }

	sed "s/@PORT@/1/" conf.in >t.conf
	"$FRONTD" -t -f t.conf >t.out 2>t.err || { show t.conf t.err; atf_fail "moat-frontd -t refuses the README's configuration"; }

	start_frontd
	# h2 and http/1.1 each reach their own backend, which gets a PROXY v2 header first.
	_got=$(reach h2 www.example.com -alpn h2) || { show h2.err frontd.err; atf_fail "h2: no echo"; }
	[ "$_got" = "h2 backend" ] || { show h2.out; atf_fail "h2 reached '$_got'"; }
	_got=$(reach h1 www.example.com -alpn http/1.1) || { show h1.err frontd.err; atf_fail "http/1.1: no echo"; }
	[ "$_got" = "http/1.1 backend" ] || { show h1.out; atf_fail "http/1.1 reached '$_got'"; }
	grep -q '^proxy v2: PROXY' H2.out || { show H2.out; atf_fail "no PROXY v2 header at the h2 backend"; }
	# The policy is the README's: TLS 1.1 is refused.
	! timeout 10 openssl s_client -connect "127.0.0.1:$FPORT" -servername www.example.com -tls1_1 \
		-cipher 'DEFAULT:@SECLEVEL=0' </dev/null >old.out 2>&1 || { show old.out; atf_fail "TLS 1.1 served under policy modern"; }
	# The API site wants a client certificate from its CA.
	_got=$(reach api api.example.com -cert alice.pem -key alice.key) || { show api.err frontd.err; atf_fail "API: no echo with a client certificate"; }
	[ "$_got" = "api backend" ] || { show api.out; atf_fail "API reached '$_got'"; }
	! reach noc api.example.com >/dev/null || { show noc.out; atf_fail "the API site served a client without a certificate"; }
	# A JSON access log, and the metrics endpoint counting the handshakes.
	wait_until -p "$FRONTD_PID" sh -c '[ "$(grep -c "^{" access.log 2>/dev/null)" -ge 3 ]' ||
		{ show access.log; atf_fail "no JSON access log lines"; }
	grep -q '"sni":"api.example.com"' access.log || { show access.log; atf_fail "access log without the API site's line"; }
	curl -sf "http://127.0.0.1:$MPORT/metrics" >metrics.txt || atf_fail "no metrics at 127.0.0.1:$MPORT"
	_hs=$(sed -n 's/^moat_frontd_handshakes_total \([0-9]*\)$/\1/p' metrics.txt)
	[ "${_hs:-0}" -ge 3 ] || { show metrics.txt; atf_fail "moat_frontd_handshakes_total is '${_hs}', want at least 3"; }
	stop_frontd
}

atf_init_test_cases()
{
	atf_add_test_case served
}
