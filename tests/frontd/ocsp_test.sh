# OCSP stapling in moat-frontd (certificate "file" ocsp-staple "file"), as
# an operator sets it up: the CA's responder output (`openssl ocsp`) is
# checked with the configuration and served to openssl s_client -status in
# TLS 1.3; a response for another certificate, a revoked status, another
# signer are configuration errors at their line. The judging of stale and
# malformed responses is in tests/crypto/cert_test (ocsp_staple_checks).

. "$(atf_get_srcdir)/../lib/moat_test_lib"
. "$(atf_get_srcdir)/frontd_test_lib"

# pki_with_ocsp: ca (make_ca), a.pem = a.test's certificate issued by `openssl ca` plus the CA
# (frontd judges a staple against the issuer in the chain), a.key, other.* alike, and ca.cnf's database (frontd_test_lib).
pki_with_ocsp()
{
	make_ca
	ca_setup
	for _n in a other; do
		ca_issue $_n "/CN=a.test" server
		cat $_n.leaf ca.pem >$_n.pem
	done
}

# respond NAME CERT [SIGNER KEY]: NAME.der, the responder's answer about CERT (signed by the CA by default).
respond()
{
	openssl ocsp -issuer ca.pem -cert "$2" -reqout "$1.req" -no_nonce 2>"$1.err" &&
		openssl ocsp -index index.txt -rsigner "${3:-ca.pem}" -rkey "${4:-ca.key}" -CA ca.pem \
			-reqin "$1.req" -respout "$1.der" -ndays 1 >>"$1.err" 2>&1 || { show "$1.err"; atf_fail "openssl ocsp $1 failed"; }
}

# status NAME ARGS...: s_client -status to frontd; NAME.out holds what it printed.
status()
{
	_st=$1
	shift
	echo | timeout $WAIT_SECONDS openssl s_client -connect "127.0.0.1:$FPORT" -servername a.test -CAfile ca.pem \
		-verify_return_error "$@" >"$_st.out" 2>"$_st.err" || { show "$_st.err"; atf_fail "s_client $_st failed"; }
}

atf_test_case stapled
stapled_head()
{
	atf_set "descr" "a good response from the CA's responder is stapled for a TLS 1.3 client that asks, and only then"
	atf_set "require.progs" "openssl"
}
stapled_body()
{
	pki_with_ocsp
	respond good a.leaf
	start_keyd
	start_backend A "site a"
	printf 'keyd "keyd.sock"\nlisten 127.0.0.1:@PORT@\nsite "a.test" {\n\tcertificate "a.pem" ocsp-staple "good.der"\n\tbackend 127.0.0.1:%s\n}\n' \
		"$A_PORT" >conf.in
	start_frontd
	status asked -tls1_3 -status
	expect_line asked.out 'OCSP Response Status: successful'
	expect_line asked.out 'Cert Status: good'
	status silent -tls1_3
	! grep -q 'OCSP Response' silent.out || { show silent.out; atf_fail "stapled for a client that did not ask"; }
	stop_frontd
}

atf_test_case refused
refused_head()
{
	atf_set "descr" "-t refuses a response about another certificate, a revoked one, one signed by another CA, one that is not OCSP, at the certificate line"
	atf_set "require.progs" "openssl"
}
refused_body()
{
	pki_with_ocsp
	respond other other.leaf
	make_cert -s rogue p256 rogue-responder
	respond rogue a.leaf rogue.pem rogue.key
	openssl ca -batch -config ca.cnf -revoke a.leaf >revoke.err 2>&1 || { show revoke.err; atf_fail "revoke failed"; }
	respond revoked a.leaf
	for case in "other|no status for this certificate (a response for another one?)" \
		"revoked|the certificate is revoked" \
		"rogue|not signed by the certificate's issuer or a responder it delegated to"; do
		name=${case%%|*} why=${case#*|}
		site_conf "certificate \"a.pem\" ocsp-staple \"$name.der\"" 'backend 127.0.0.1:8080' >f.conf
		check_bad 4 "OCSP staple \"$name.der\": $why"
	done
	site_conf 'certificate "a.pem" ocsp-staple "ca.pem"' 'backend 127.0.0.1:8080' >f.conf
	check_bad 4 'OCSP staple "ca.pem": not a DER OCSP response'
	site_conf 'certificate "a.pem" ocsp-staple "none.der"' 'backend 127.0.0.1:8080' >f.conf
	check_bad 4 'cannot read OCSP staple "none.der": No such file or directory'
	site_conf 'certificate "a.pem" ocsp "x.der"' 'backend 127.0.0.1:8080' >f.conf
	check_bad 4 '"certificate": after the file, only ocsp-staple "file"'
	# The leaf alone: nothing to check the response with.
	respond good a.leaf
	cp a.leaf alone.pem
	site_conf 'certificate "alone.pem" ocsp-staple "good.der"' 'backend 127.0.0.1:8080' >f.conf
	check_bad 4 'OCSP staple "good.der": the chain has no issuer certificate to check the response against'
}

atf_init_test_cases()
{
	atf_add_test_case stapled
	atf_add_test_case refused
}
