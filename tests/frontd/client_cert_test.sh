# Client certificates in moat-frontd (moat-frontd.conf(5) client-auth), as
# clients meet them: openssl s_client and curl with a certificate from the
# site's client CA are served, and the backend's PROXY v2 header and the
# access log carry the certificate's name; no certificate, one from another
# CA, an expired one, a revoked one (client-crl) and one without an allowed
# name (client-name) each end with their TLS alert. The certificates are
# made by `openssl ca`, which can backdate and revoke.

. "$(atf_get_srcdir)/../lib/moat_test_lib"
. "$(atf_get_srcdir)/frontd_test_lib"

# client_cert NAME CN [openssl ca options...]: NAME.pem/NAME.key, a client certificate for CN from ca.
client_cert()
{
	[ -f ca.cnf ] || ca_setup
	_cc_n=$1 _cc_cn=$2
	shift 2
	ca_issue "$_cc_n" "/O=moat test/CN=$_cc_cn" client "$@"
	cp "$_cc_n.leaf" "$_cc_n.pem"
}

# serve [SITE_LINES...]: frontd for a.test (certificate a.pem) with the lines, PROXY v2 to backend A,
# an access log in JSON; keyd and backend started.
serve()
{
	start_keyd
	start_backend A "site a" -p
	{
		printf 'keyd "keyd.sock"\nlisten 127.0.0.1:@PORT@\naccess-log "%s/access.log" json\n' "$PWD"
		printf 'site "a.test" {\n\tcertificate "a.pem"\n\tbackend 127.0.0.1:%s\n\tproxy-protocol v2\n' "$A_PORT"
		for _l in "$@"; do
			printf '\t%s\n' "$_l"
		done
		printf '}\n'
	} >conf.in
	start_frontd
}

# The backend printed one more PROXY header, or s_client has ended (refused).
_client_done()
{
	[ "$(grep -c '^proxy v2' A.out)" -gt "$_seen" ] || ! kill -0 "$_pid" 2>/dev/null
}

# client NAME [s_client options...]: s_client for a.test, kept open until the backend has printed
# the connection's PROXY header (or 10 s); NAME.err holds s_client's summary and any alert.
client()
{
	_cl=$1
	shift
	_seen=$(grep -c '^proxy v2' A.out 2>/dev/null)
	rm -f "$_cl.in"
	mkfifo "$_cl.in"
	timeout $WAIT_SECONDS openssl s_client -connect "127.0.0.1:$FPORT" -servername a.test -brief -CAfile ca.pem \
		"$@" <"$_cl.in" >"$_cl.out" 2>"$_cl.err" &
	_pid=$!
	exec 4>"$_cl.in"
	wait_until _client_done
	exec 4>&-
	wait_exit "$_pid"
}

atf_test_case require
require_head()
{
	atf_set "descr" "client-auth require: a certificate from client-ca is served and its name reaches the backend and the access log; none, another CA's, an expired one are refused with their alerts"
	atf_set "require.progs" "openssl"
}
require_body()
{
	make_pki
	client_cert one client-one
	client_cert old client-old -startdate 20200101000000Z -enddate 20200102000000Z
	make_ca other other-ca
	make_cert -c other stranger p256 client-stranger
	serve 'client-auth require' 'client-ca "ca.pem"'

	client good -cert one.pem -key one.key || { show good.err frontd.err; atf_fail "a valid client certificate was refused"; }
	expect_line A.out 'proxy v2: PROXY .* ssl.client=0x03 ssl.verify=0 .*ssl\.cn=client-one'
	client none
	expect_line none.err 'alert certificate required|alert number 116'
	client stranger -cert stranger.pem -key stranger.key
	expect_line stranger.err 'alert unknown ca|alert number 48'
	client old -cert old.pem -key old.key
	expect_line old.err 'alert certificate expired|alert number 45'
	# TLS 1.2 client authentication too (no certificate_required there: handshake_failure).
	client good12 -tls1_2 -cert one.pem -key one.key || { show good12.err; atf_fail "TLS 1.2 with a client certificate failed"; }
	client none12 -tls1_2
	expect_line none12.err 'alert handshake failure|alert number 40'
	stop_frontd
	expect_line access.log '"client_cert":"CN=client-one,O=moat test"'
	[ "$(grep -c '"client_cert":"CN=client-one' access.log)" = 2 ] || { show access.log; atf_fail "want two lines with the subject"; }
}

atf_test_case resume
resume_head()
{
	atf_set "descr" "client-auth require with tickets: a session resumed with -sess_in keeps its certificate's name in the PROXY v2 header and the access log; a ticket from before the site required certificates, or whose certificate has expired since, is a full handshake that asks for one"
	atf_set "require.progs" "openssl"
}
resume_body()
{
	make_pki
	client_cert one client-one
	# First without client certificates: a ticket that records none.
	serve
	client plain -sess_out plain.sess || { show plain.err frontd.err; atf_fail "no first connection"; }
	[ -s plain.sess ] || atf_fail "s_client saved no session"
	stop_frontd
	rm -f access.log
	: >A.out

	serve 'client-auth require' 'client-ca "ca.pem"'
	client first -cert one.pem -key one.key -sess_out first.sess || { show first.err frontd.err; atf_fail "refused"; }
	client second -cert one.pem -key one.key -sess_in first.sess -msg ||
		{ show second.err frontd.err; atf_fail "the resumed connection failed"; }
	grep -q 'Handshake .*, Certificate$' second.out && { show second.out; atf_fail "a resumed handshake carried a certificate"; }
	[ "$(grep -c 'ssl\.cn=client-one' A.out)" = 2 ] || { show A.out; atf_fail "want the name in both PROXY headers"; }
	# The old ticket: not resumed; without a certificate the full handshake ends as one without must.
	client old -sess_in plain.sess
	expect_line old.err 'alert certificate required|alert number 116'
	# A certificate that expires a few seconds from now: its ticket resumes no more once it has, and
	# the full handshake in its stead refuses the certificate.
	client_cert soon client-soon -enddate "$(date -u -d '+6 seconds' +%Y%m%d%H%M%SZ)"
	client soon1 -cert soon.pem -key soon.key -sess_out soon.sess || { show soon1.err; atf_fail "refused before expiry"; }
	sleep 7
	client soon2 -cert soon.pem -key soon.key -sess_in soon.sess
	expect_line soon2.err 'alert certificate expired|alert number 45'
	stop_frontd
	expect_line access.log '"resumed":true.*"client_cert":"CN=client-one,O=moat test"|"client_cert":"CN=client-one,O=moat test".*"resumed":true'
	[ "$(grep -c '"client_cert":"CN=client-one' access.log)" = 2 ] || { show access.log; atf_fail "want two lines with the subject"; }
	[ "$(grep -c '"resumed":true' access.log)" = 1 ] || { show access.log; atf_fail "want one resumed line"; }
}

atf_test_case request
request_head()
{
	atf_set "descr" "client-auth request: a client without a certificate is served and the backend learns it had none; one with a bad certificate is still refused"
	atf_set "require.progs" "openssl"
}
request_body()
{
	make_pki
	client_cert one client-one
	make_ca other other-ca
	make_cert -c other stranger p256 client-stranger
	serve 'client-auth request' 'client-ca "ca.pem"'
	client none || { show none.err frontd.err; atf_fail "a client without a certificate was refused"; }
	expect_line A.out 'proxy v2: PROXY .* ssl.client=0x01 ssl.verify=1'
	! grep -q 'ssl.cn=' A.out || { show A.out; atf_fail "a CN without a certificate"; }
	client good -cert one.pem -key one.key || { show good.err; atf_fail "a valid certificate was refused"; }
	expect_line A.out 'ssl.client=0x03 ssl.verify=0 .*ssl\.cn=client-one'
	client stranger -cert stranger.pem -key stranger.key
	expect_line stranger.err 'alert unknown ca|alert number 48'
	stop_frontd
}

atf_test_case crl_and_names
crl_and_names_head()
{
	atf_set "descr" "client-crl refuses a revoked certificate (certificate_revoked); client-name refuses a valid one with another name (bad_certificate)"
	atf_set "require.progs" "openssl"
}
crl_and_names_body()
{
	make_pki
	client_cert one client-one
	client_cert two client-two
	client_cert gone client-gone
	openssl ca -batch -config ca.cnf -revoke gone.pem >revoke.err 2>&1 || { show revoke.err; atf_fail "revoke failed"; }
	openssl ca -batch -config ca.cnf -gencrl -out crl.pem >crl.err 2>&1 || { show crl.err; atf_fail "gencrl failed"; }
	serve 'client-auth require' 'client-ca "ca.pem"' 'client-crl "crl.pem"' 'client-name "client-one" "client-gone"'
	client one -cert one.pem -key one.key || { show one.err frontd.err; atf_fail "client-one was refused"; }
	client gone -cert gone.pem -key gone.key
	expect_line gone.err 'alert certificate revoked|alert number 44'
	client two -cert two.pem -key two.key
	expect_line two.err 'alert bad certificate|alert number 42'
	stop_frontd
}

atf_test_case curl
curl_head()
{
	atf_set "descr" "curl with --cert and --key is served by a site that requires a client certificate"
	atf_set "require.progs" "openssl curl"
}
curl_body()
{
	make_pki
	client_cert one client-one
	serve 'client-auth require' 'client-ca "ca.pem"'
	# The echo backend is not HTTP: curl's request only has to get through; the PROXY header shows the certificate.
	curl -s --http0.9 --max-time 3 --cacert ca.pem --resolve "a.test:$FPORT:127.0.0.1" --cert one.pem \
		--key one.key "https://a.test:$FPORT/" >curl.out 2>curl.err
	expect_line A.out 'ssl.verify=0 .*ssl\.cn=client-one'
	expect_line curl.out '^site a'
	curl -s --max-time 3 --cacert ca.pem --resolve "a.test:$FPORT:127.0.0.1" "https://a.test:$FPORT/" \
		>nocert.out 2>&1 && atf_fail "curl without a certificate was served"
	stop_frontd
}

atf_test_case config_errors
config_errors_head()
{
	atf_set "descr" "-t: client-* directives without client-auth, client-auth without client-ca, files without certificates or CRLs"
	atf_set "require.progs" "openssl"
}
config_errors_body()
{
	make_pki
	echo "no PEM here" >junk.pem
	site_conf 'certificate "a.pem"' 'backend 127.0.0.1:8080' 'client-ca "ca.pem"' >f.conf
	check_bad 6 '"client-ca" needs "client-auth" in the same site'
	site_conf 'certificate "a.pem"' 'backend 127.0.0.1:8080' 'client-auth require' >f.conf
	check_bad 6 '"client-auth" needs "client-ca": the certificates clients are checked against'
	site_conf 'certificate "a.pem"' 'backend 127.0.0.1:8080' 'client-auth always' 'client-ca "ca.pem"' >f.conf
	check_bad 6 '"client-auth": "always" is not require or request'
	site_conf 'certificate "a.pem"' 'backend 127.0.0.1:8080' 'client-auth require' 'client-ca "junk.pem"' >f.conf
	check_bad 7 'client CA file "junk.pem" holds no PEM certificate'
	site_conf 'certificate "a.pem"' 'backend 127.0.0.1:8080' 'client-auth require' 'client-ca "ca.pem"' \
		'client-crl "ca.pem"' >f.conf
	check_bad 8 'CRL file "ca.pem" holds no PEM certificate revocation list'
	site_conf 'certificate "a.pem"' 'backend 127.0.0.1:8080' 'client-auth require' 'client-ca "missing.pem"' >f.conf
	check_bad 7 'cannot read client CA file "missing.pem": No such file or directory'
	site_conf 'certificate "a.pem"' 'backend 127.0.0.1:8080' 'client-auth require' 'client-ca "ca.pem"' \
		'client-verify-depth 0' >f.conf
	check_bad 8 '"client-verify-depth": "0" is out of range (1..100)'
}

atf_init_test_cases()
{
	atf_add_test_case require
	atf_add_test_case request
	atf_add_test_case resume
	atf_add_test_case crl_and_names
	atf_add_test_case curl
	atf_add_test_case config_errors
}
