# Security policies written in moat-frontd.conf (policy "name" { ... }), as an
# operator uses them: -t judges them against the site's certificate, frontd
# serves exactly what they allow to openssl s_client, and --print-policy
# shows a policy as the configuration makes it. The parsing and every
# message of a policy block alone are in tests/policy/policy_block_test.

. "$(atf_get_srcdir)/../lib/moat_test_lib"
. "$(atf_get_srcdir)/frontd_test_lib"

# policy_conf NAME SITE_CERT POLICY_LINES...: a config with one policy block and
# site "a.test" (certificate SITE_CERT) using it, for frontd on @PORT@.
policy_conf()
{
	_pc_name=$1 _pc_cert=$2
	shift 2
	printf 'keyd "keyd.sock"\nlisten 127.0.0.1:@PORT@\npolicy "%s" {\n' "$_pc_name"
	for _l in "$@"; do
		printf '\t%s\n' "$_l"
	done
	printf '}\nsite "a.test" {\n\tcertificate "%s"\n\tpolicy "%s"\n\tbackend 127.0.0.1:%s\n}\n' \
		"$_pc_cert" "$_pc_name" "${A_PORT:-8080}"
}

# handshake NAME ARGS...: s_client to frontd for a.test; NAME.out and NAME.err hold what it said.
handshake()
{
	_hs_name=$1
	shift
	echo | timeout $WAIT_SECONDS openssl s_client -connect "127.0.0.1:$FPORT" -servername a.test -brief \
		-CAfile ca.pem -verify_return_error "$@" >"$_hs_name.out" 2>"$_hs_name.err"
}

atf_test_case fit
fit_head()
{
	atf_set "descr" "-t refuses a policy, built in or written, that cannot use the site's certificate, at the policy line"
	atf_set "require.progs" "openssl"
}
fit_body()
{
	make_pki rsa
	# A built-in policy without ECDSA suites and without TLS 1.3, for an ECDSA certificate.
	site_conf 'certificate "a.pem"' 'policy "20170718"' 'backend 127.0.0.1:8080' >f.conf
	check_bad 5 'site "a.test": policy "20170718" cannot use the ECDSA P-256 certificate: TLS 1.3: not allowed; TLS 1.2: no cipher suite for this key'
	# The same policy serves an RSA certificate.
	site_conf 'certificate "r.pem"' 'policy "20170718"' 'backend 127.0.0.1:8080' >f.conf
	atf_check -s exit:0 -o inline:"configuration OK\n" -e match:"$NOT_CHECKED" "$FRONTD" -t -f f.conf
	# Written: TLS 1.3 with signature schemes for RSA keys only, for an ECDSA certificate.
	policy_conf only_rsa a.pem 'base "default_tls13"' 'min-version tls1.3' \
		'ciphers TLS_AES_128_GCM_SHA256' 'signature-schemes rsa_pss_rsae_sha256' | sed 's/@PORT@/8443/' >f.conf
	check_bad 11 'site "a.test": policy "only_rsa" cannot use the ECDSA P-256 certificate: TLS 1.3: no signature scheme for this key; TLS 1.2: not allowed'
	# A mistake inside the block is reported at its own line.
	policy_conf typo a.pem 'base "default_tls13"' 'groups x25519 P-256' | sed 's/@PORT@/8443/' >f.conf
	check_bad 5 'unknown group "P-256" (x25519mlkem768, secp256r1mlkem768, x25519, x448, secp256r1, secp384r1, secp521r1, ffdhe2048 ... ffdhe8192)'
}

atf_test_case served
served_head()
{
	atf_set "descr" "frontd serves a written policy to openssl s_client: its suite and group, nothing it leaves out"
	atf_set "require.progs" "openssl"
}
served_body()
{
	make_pki
	start_keyd
	start_backend A "site a"
	policy_conf p384 a.pem 'base "default_tls13"' 'min-version tls1.2' \
		'ciphers TLS_AES_256_GCM_SHA384 ECDHE-ECDSA-AES256-GCM-SHA384' 'groups secp384r1' >conf.in
	start_frontd

	handshake t13 -tls1_3 || { show t13.err frontd.err; atf_fail "TLS 1.3 handshake failed"; }
	expect_line t13.err '^Ciphersuite: TLS_AES_256_GCM_SHA384$'
	expect_line t13.err '^(Negotiated TLS1.3 group|Server Temp Key): .*(secp384r1|P-384)'
	handshake t12 -tls1_2 || { show t12.err frontd.err; atf_fail "TLS 1.2 handshake failed"; }
	expect_line t12.err '^Ciphersuite: ECDHE-ECDSA-AES256-GCM-SHA384$'
	# What the policy leaves out is refused, with handshake_failure (RFC 8446 §4.1.1).
	handshake no_suite -tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256 &&
		{ show no_suite.err; atf_fail "a suite outside the policy was accepted"; }
	expect_line no_suite.err 'alert handshake failure|alert number 40'
	handshake no_group -tls1_3 -groups X25519:P-256 &&
		{ show no_group.err; atf_fail "a client without the policy's group was served"; }
	handshake no_suite12 -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256 &&
		{ show no_suite12.err; atf_fail "a TLS 1.2 suite outside the policy was accepted"; }
	stop_frontd
}

atf_test_case versions
versions_head()
{
	atf_set "descr" "max-version tls1.2 in a written policy: a TLS 1.3-only client gets protocol_version, a 1.2 one is served"
	atf_set "require.progs" "openssl"
}
versions_body()
{
	make_pki
	start_keyd
	start_backend A "site a"
	policy_conf twelve a.pem 'base "default_tls13"' 'max-version tls1.2' 'min-version tls1.2' \
		'ciphers ECDHE-ECDSA-AES128-GCM-SHA256' >conf.in
	start_frontd
	handshake t13 -tls1_3 && { show t13.err; atf_fail "TLS 1.3 was served under max-version tls1.2"; }
	expect_line t13.err 'alert protocol version|alert number 70'
	handshake t12 || { show t12.err frontd.err; atf_fail "TLS 1.2 handshake failed"; }
	expect_line t12.err '^Protocol version: TLSv1.2$'
	expect_line t12.err '^Ciphersuite: ECDHE-ECDSA-AES128-GCM-SHA256$'
	stop_frontd
}

atf_test_case print_policy
print_policy_head()
{
	atf_set "descr" "--print-policy prints a written or built-in policy as a block that reads back the same; an unknown name exits 1"
	atf_set "require.progs" "openssl"
}
print_policy_body()
{
	make_pki
	policy_conf mine a.pem 'base "default_tls13"' 'min-version tls1.2' \
		'ciphers TLS_CHACHA20_POLY1305_SHA256 ECDHE-ECDSA-CHACHA20-POLY1305' 'groups x25519' \
		'signature-schemes ecdsa_secp256r1_sha256' | sed 's/@PORT@/8443/' >f.conf
	cat >want <<'EOF2'
policy "mine" {
	min-version tls1.2
	max-version tls1.3
	ciphers TLS_CHACHA20_POLY1305_SHA256 TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
	groups x25519
	signature-schemes ecdsa_secp256r1_sha256
}
EOF2
	atf_check -s exit:0 -o file:want -e empty "$FRONTD" -f f.conf --print-policy mine
	# A built-in policy, printed, renamed and used as a written one, prints the same.
	"$FRONTD" -f f.conf --print-policy default_tls13 >builtin || atf_fail "--print-policy default_tls13 failed"
	sed 's/^policy "default_tls13"/policy "copy"/' builtin >copy
	{ cat copy; sed 's/policy "mine"$/policy "copy"/' f.conf; } >g.conf
	atf_check -s exit:0 -o inline:"configuration OK\n" -e match:"$NOT_CHECKED" "$FRONTD" -t -f g.conf
	atf_check -s exit:0 -o file:copy -e empty "$FRONTD" -f g.conf --print-policy copy
	atf_check -s exit:1 -o empty -e inline:"moat-frontd: no security policy \"nope\" (built in or in the configuration)\n" \
		"$FRONTD" -f f.conf --print-policy nope
}

atf_init_test_cases()
{
	atf_add_test_case fit
	atf_add_test_case served
	atf_add_test_case versions
	atf_add_test_case print_policy
}
