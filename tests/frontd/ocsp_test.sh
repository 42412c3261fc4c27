# OCSP stapling in moat-frontd (certificate "file" ocsp-staple "file"), as
# an operator sets it up: the CA's responder output (`openssl ocsp`) is
# checked with the configuration and served to openssl s_client -status in
# TLS 1.3 (in the leaf's CertificateEntry) and TLS 1.2 (a CertificateStatus
# message, RFC 6066 §8), also by the example server; a response for another certificate, a revoked status, another
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
	# TLS 1.2: an empty status_request in the ServerHello and a CertificateStatus after the Certificate.
	status asked12 -tls1_2 -status -msg
	expect_line asked12.out 'OCSP Response Status: successful'
	expect_line asked12.out 'Cert Status: good'
	expect_line asked12.out "^ *Protocol *: TLSv1.2$"
	expect_order asked12.out Certificate CertificateStatus ServerKeyExchange
	status silent12 -tls1_2 -msg
	! grep -Eq 'OCSP Response|CertificateStatus' silent12.out || { show silent12.out; atf_fail "TLS 1.2: stapled for a client that did not ask"; }
	stop_frontd
}

# expect_order FILE NAME...: s_client -msg received these handshake messages one after the other.
expect_order()
{
	_eo_f=$1
	shift
	grep -E '^<<< .*Handshake' "$_eo_f" | sed 's/.*], //' | tr '\n' '|' >"$_eo_f.msgs"
	_eo_want=$(printf '%s|' "$@")
	case "|$(cat "$_eo_f.msgs")" in
	*"|$_eo_want"*) return 0 ;;
	esac
	show "$_eo_f.msgs"
	atf_fail "received handshake messages not in the order $_eo_want"
}

# expired_response NAME CERT: NAME.der, a good response about CERT whose nextUpdate was yesterday
# (openssl ocsp cannot backdate one; Python's cryptography can).
expired_response()
{
	openssl x509 -in "$2" -out "$2.crt" 2>/dev/null || atf_fail "cannot read $2"
	python3 - "$1.der" "$2.crt" <<'PY' || atf_fail "cannot make an expired OCSP response"
import datetime, sys
from cryptography import x509
from cryptography.x509 import ocsp
from cryptography.hazmat.primitives import hashes, serialization
leaf = x509.load_pem_x509_certificate(open(sys.argv[2], "rb").read())
ca = x509.load_pem_x509_certificate(open("ca.pem", "rb").read())
key = serialization.load_pem_private_key(open("ca.key", "rb").read(), None)
now = datetime.datetime.now(datetime.timezone.utc)
b = ocsp.OCSPResponseBuilder().add_response(
    cert=leaf, issuer=ca, algorithm=hashes.SHA1(), cert_status=ocsp.OCSPCertStatus.GOOD,
    this_update=now - datetime.timedelta(days=2), next_update=now - datetime.timedelta(days=1),
    revocation_time=None, revocation_reason=None).responder_id(ocsp.OCSPResponderEncoding.HASH, ca)
open(sys.argv[1], "wb").write(b.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER))
PY
}

atf_test_case expired
expired_head()
{
	atf_set "descr" "a response past its nextUpdate is not stapled, in TLS 1.3 or 1.2, and frontd says so at its line"
	atf_set "require.progs" "openssl python3"
}
expired_body()
{
	python3 -c 'import cryptography.x509.ocsp' 2>/dev/null || atf_skip "python3 without the cryptography package"
	pki_with_ocsp
	expired_response old a.leaf
	start_keyd
	start_backend A "site a"
	printf 'keyd "keyd.sock"\nlisten 127.0.0.1:@PORT@\nsite "a.test" {\n\tcertificate "a.pem" ocsp-staple "old.der"\n\tbackend 127.0.0.1:%s\n}\n' \
		"$A_PORT" >conf.in
	start_frontd
	expect_line frontd.err 'f.conf:4: OCSP staple "old.der" is past its nextUpdate: not stapled'
	for v in tls1_3 tls1_2; do
		status old_$v -$v -status -msg
		expect_line old_$v.out 'OCSP response: no response sent'
		! grep -Eq 'CertificateStatus|OCSP Response Status' old_$v.out || { show old_$v.out; atf_fail "$v: expired staple sent"; }
	done
	stop_frontd
}

atf_test_case example_server_tls12
example_server_tls12_head()
{
	atf_set "descr" "the example server's --ocsp staple reaches a TLS 1.2 s_client -status in a CertificateStatus, and only one that asks"
	atf_set "require.progs" "openssl"
}
example_server_tls12_body()
{
	server="$(atf_get_srcdir)/../../tls/examples/moat-tls-server"
	require_built "$server"
	pki_with_ocsp
	respond good a.leaf
	for ask in yes no; do
		"$server" --listen 127.0.0.1:0 --cert a.pem --key a.key --ocsp good.der --timeout 10 \
			>srv_$ask.out 2>srv_$ask.err &
		_pid=$!
		bg_track $_pid
		wait_listening srv_$ask.out $_pid || { show srv_$ask.err; atf_fail "example server did not start"; }
		FPORT=$LISTEN_AT
		if [ $ask = yes ]; then
			status ex_yes -tls1_2 -status -msg
			expect_line ex_yes.out 'OCSP Response Status: successful'
			expect_order ex_yes.out Certificate CertificateStatus ServerKeyExchange
		else
			status ex_no -tls1_2 -msg
			! grep -Eq 'CertificateStatus|OCSP Response' ex_no.out || { show ex_no.out; atf_fail "stapled for a client that did not ask"; }
		fi
		wait_exit $_pid 10 || { show srv_$ask.err; atf_fail "example server failed"; }
	done
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
	atf_add_test_case expired
	atf_add_test_case example_server_tls12
}
