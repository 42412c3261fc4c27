# The real moat-keyd, started in the foreground with temporary sockets and
# driven by moat-keyctl and the scriptable ipc-client: control commands,
# signatures checked against the public keys, RSA decryption, refusals,
# malformed and truncated packets, BUSY, a peer that never reads, many
# concurrent peers, random garbage, unauthorised users, background start,
# stale sockets, privilege drop and a leak-checked shutdown.

. "$(atf_get_srcdir)/keyd_lib"

atf_test_case keyctl_commands
keyctl_commands_head()
{
	atf_set "descr" "moat-keyctl ping, list and stats against a running keyd; ids match openssl's"
}
keyctl_commands_body()
{
	make_keys rsa pss p256 p384
	write_conf rsa pss p256 p384
	start_keyd
	atf_check -o match:"^keyd at .*ctl.sock is alive \(round trip [0-9.]+ ms\)$" "$KEYCTL" -s "$(ctl_sock)" ping
	atf_check -o inline:"$(key_id rsa) rsa 2048 rsa rsa_pss_rsae_sha256,rsa_pss_rsae_sha384,rsa_pss_rsae_sha512,rsa_pkcs1_sha256,rsa_pkcs1_sha384,rsa_pkcs1_sha512,rsa_pkcs1_sha1,legacy_rsa_pkcs1_md5_sha1
$(key_id pss) rsa_pss 2048 pss rsa_pss_pss_sha256,rsa_pss_pss_sha384,rsa_pss_pss_sha512
$(key_id p256) ec_p256 256 p256 ecdsa_secp256r1_sha256,ecdsa_secp384r1_sha384,ecdsa_secp521r1_sha512,ecdsa_sha1,legacy_ecdsa_sha1
$(key_id p384) ec_p384 384 p384 ecdsa_secp256r1_sha256,ecdsa_secp384r1_sha384,ecdsa_secp521r1_sha512,ecdsa_sha1,legacy_ecdsa_sha1
" "$KEYCTL" -s "$(ctl_sock)" list
	client hello sign "$(key_id p256)" ecdsa_secp256r1_sha256 1 >/dev/null
	"$KEYCTL" -s "$(ctl_sock)" stats >stats.out || atf_fail "stats failed"
	for n in uptime_seconds keys workers peers connections refused refused_limit hello_timeouts idle_timeouts \
		key_policy dropped requests signs decrypts pings \
		errors busy malformed; do
		grep -Eq "^$n [0-9]+$" stats.out || atf_fail "stats lacks $n"
	done
	atf_check -o inline:"keys 4\n" grep "^keys " stats.out
	atf_check -o inline:"signs 1\n" grep "^signs " stats.out
	# The log names every key with its id and type, and the sandbox state.
	atf_check -o ignore grep "key rsa: id $(key_id rsa), rsa 2048 bits" keyd.log
	atf_check -o ignore grep "key p384: id $(key_id p384), ec_p384 384 bits" keyd.log
	atf_check -o ignore grep "sandbox on: no_new_privs, seccomp allow-list" keyd.log
	atf_check -o ignore grep "data socket $(data_sock) (mode 0660" keyd.log
	# Errors: unknown command, no keyd.
	atf_check -s exit:2 -e match:"unknown command" "$KEYCTL" -s "$(ctl_sock)" rotate
	atf_check -s exit:1 -e match:"cannot connect to .*nothere.sock" "$KEYCTL" -s "$(pwd)/nothere.sock" ping
	# The data socket does not answer control requests, but for LIST_KEYS (frontd asks which keys keyd holds).
	atf_check -o inline:"hello ok version=1 max_inflight=64 max_message=8192\nlist ok 4\nstats not_permitted\n" \
		"$CLIENT" -s "$(data_sock)" hello list stats
	stop_keyd
}

atf_test_case sign_every_key_type
sign_every_key_type_head()
{
	atf_set "descr" "SIGN through the daemon for every key type, each signature verified with the public key"
}
sign_every_key_type_body()
{
	make_keys rsa pss p256 p384
	write_conf rsa pss p256 p384
	start_keyd
	_w=$(pwd)
	atf_check -o inline:"hello ok version=1 max_inflight=64 max_message=8192
sign ok 256 verified
sign ok 256 verified
sign ok 256 verified
sign ok 256 verified
sign ok 256 verified
sign ok 256 verified
" "$CLIENT" -s "$(data_sock)" hello \
		sign "$(key_id rsa)" rsa_pss_rsae_sha256 1 "$_w/rsa.pub.der" \
		sign "$(key_id rsa)" rsa_pss_rsae_sha512 2 "$_w/rsa.pub.der" \
		sign "$(key_id rsa)" rsa_pkcs1_sha256 2 "$_w/rsa.pub.der" \
		sign "$(key_id rsa)" rsa_pkcs1_sha384 2 "$_w/rsa.pub.der" \
		sign "$(key_id pss)" rsa_pss_pss_sha256 1 "$_w/pss.pub.der" \
		sign "$(key_id pss)" rsa_pss_pss_sha384 2 "$_w/pss.pub.der"
	atf_check -o match:"^sign ok [0-9]+ verified$" "$CLIENT" -s "$(data_sock)" hello sign "$(key_id p256)" ecdsa_secp256r1_sha256 1 "$_w/p256.pub.der"
	atf_check -o match:"^sign ok [0-9]+ verified$" "$CLIENT" -s "$(data_sock)" hello sign "$(key_id p384)" ecdsa_secp384r1_sha384 1 "$_w/p384.pub.der"
	atf_check -o match:"^sign ok [0-9]+ verified$" "$CLIENT" -s "$(data_sock)" hello sign "$(key_id p384)" ecdsa_secp256r1_sha256 2 "$_w/p384.pub.der"
	# Refusals, each with its status; the connection survives them all.
	_junk=$(printf '%064d' 0)
	atf_check -o inline:"hello ok version=1 max_inflight=64 max_message=8192
sign bad_scheme
sign bad_scheme
sign bad_scheme
sign unknown_key
sign bad_input
sign bad_input
ping ok
" "$CLIENT" -s "$(data_sock)" hello \
		sign "$(key_id rsa)" rsa_pkcs1_sha256 1 \
		sign "$(key_id p256)" ecdsa_secp384r1_sha384 1 \
		sign "$(key_id pss)" rsa_pss_rsae_sha256 1 \
		sign "$_junk" ecdsa_secp256r1_sha256 1 \
		sign-input "$(key_id p256)" ecdsa_secp256r1_sha256 1 "$(printf '%064d' 7)" \
		sign "$(key_id p256)" ecdsa_secp256r1_sha256 9 \
		ping
	stop_keyd
}

atf_test_case rsa_decrypt
rsa_decrypt_head()
{
	atf_set "descr" "RSA_DECRYPT of an openssl-made ciphertext whatever its version bytes; bad ones get deterministic 48 bytes"
}
rsa_decrypt_body()
{
	make_keys rsa pss
	write_conf rsa pss
	start_keyd
	# A premaster: version bytes then 46 random bytes, encrypted with PKCS#1 v1.5 by openssl.
	{ printf '\003\001'; head -c 46 /dev/urandom; } >pm.bin
	openssl pkeyutl -encrypt -pubin -keyform DER -inkey rsa.pub.der -pkeyopt rsa_padding_mode:pkcs1 \
		-in pm.bin -out ct.bin 2>/dev/null || atf_fail "openssl pkeyutl -encrypt failed"
	_pm=$(od -An -tx1 pm.bin | tr -d ' \n')
	_ct=$(od -An -tx1 ct.bin | tr -d ' \n')
	# keyd does not look at client_version (RFC 5246 §7.4.7.1's check is the TLS side's): the premaster comes back.
	atf_check -o inline:"hello ok version=1 max_inflight=64 max_message=8192\ndecrypt ok $_pm\ndecrypt ok $_pm\ndecrypt ok $_pm\n" \
		"$CLIENT" -s "$(data_sock)" hello decrypt "$(key_id rsa)" 0x0303 "$_ct" \
		decrypt "$(key_id rsa)" 0x0301 "$_ct" decrypt "$(key_id rsa)" 0x0203 "$_ct"
	# Garbage, short ciphertext: OK, 48 bytes, not the premaster, the same answer each time it is asked.
	_garbage=$(head -c 256 /dev/urandom | od -An -tx1 | tr -d ' \n')
	client hello decrypt "$(key_id rsa)" 0x0303 "$_garbage" decrypt "$(key_id rsa)" 0x0301 "$_garbage" \
		decrypt "$(key_id rsa)" 0x0303 0102 decrypt "$(key_id rsa)" 0x0303 0102 >bad.out
	[ "$(grep -c '^decrypt ok [0-9a-f]\{96\}$' bad.out)" = 4 ] || { cat bad.out; atf_fail "not four 48-byte answers"; }
	grep -q "$_pm" bad.out && atf_fail "the premaster came back for a bad ciphertext"
	[ "$(sed -n 2p bad.out)" = "$(sed -n 3p bad.out)" ] || { cat bad.out; atf_fail "two answers to one bad ciphertext"; }
	[ "$(sed -n 4p bad.out)" = "$(sed -n 5p bad.out)" ] || { cat bad.out; atf_fail "two answers to one short ciphertext"; }
	[ "$(sort -u bad.out | wc -l)" = 3 ] || { cat bad.out; atf_fail "different ciphertexts, same answer"; }
	# Only rsaEncryption keys decrypt.
	atf_check -o inline:"hello ok version=1 max_inflight=64 max_message=8192\ndecrypt not_permitted\n" \
		"$CLIENT" -s "$(data_sock)" hello decrypt "$(key_id pss)" 0x0303 "$_ct"
	[ "$(stat_value decrypts)" = 7 ] || atf_fail "decrypts counter is $(stat_value decrypts), expected 7"
	stop_keyd
}

atf_test_case rsa_decrypt_no_oracle
rsa_decrypt_no_oracle_head()
{
	atf_set "descr" "1000 invalid ciphertexts: 1000 different answers, the same on a second run, for another client_version and after a restart"
}
rsa_decrypt_no_oracle_body()
{
	make_keys rsa
	write_conf rsa
	start_keyd
	# 1000 random 256-byte ciphertexts (below the modulus or not: both are invalid, neither may be told apart).
	{ head -c 256000 /dev/urandom | od -An -tx1 -v | tr -d ' \n' | fold -w 512; echo; } >cts.txt
	[ "$(wc -l <cts.txt)" = 1000 ] || atf_fail "expected 1000 ciphertexts"
	_id=$(key_id rsa)
	# run VERSION OUT: every ciphertext once, on one connection.
	run()
	{
		set -- "$1" "$2"
		_v=$1
		_out=$2
		set --
		while read -r _c; do
			set -- "$@" decrypt "$_id" "$_v" "$_c"
		done <cts.txt
		"$CLIENT" -s "$(data_sock)" hello "$@" | sed 1d >"$_out" || atf_fail "client failed"
		[ "$(grep -c '^decrypt ok [0-9a-f]\{96\}$' "$_out")" = 1000 ] || atf_fail "$_out: not 1000 answers"
	}
	run 0x0303 first.out
	run 0x0301 other_version.out
	stop_keyd
	start_keyd
	run 0x0303 restarted.out
	cmp -s first.out other_version.out || atf_fail "the answers depend on client_version"
	cmp -s first.out restarted.out || atf_fail "the answers changed after a restart with the same key"
	[ "$(sort -u first.out | wc -l)" = 1000 ] || atf_fail "two ciphertexts got the same answer"
	stop_keyd
}

atf_test_case key_policy
key_policy_head()
{
	atf_set "descr" "a key signs only what its role and tls12 allow, decrypts only with rsa-key-exchange yes; refusals are logged"
}
key_policy_body()
{
	make_keys rsa p256
	# The defaults: role server, tls12 yes (a server key), rsa-key-exchange no.
	KEYD_CONF_DEFAULTS=1 write_conf rsa p256 -- "insecure-same-user yes"
	[ "$(id -u)" != 0 ] || echo "insecure-run-as-root yes" >>keyd.conf
	start_keyd
	_ct=$(printf '%0512d' 1)
	atf_check -o inline:"hello ok version=1 max_inflight=64 max_message=8192
sign ok 256
sign key_policy
sign ok 256
decrypt key_policy
sign key_policy
ping ok
" "$CLIENT" -s "$(data_sock)" hello \
		sign "$(key_id rsa)" rsa_pss_rsae_sha256 1 \
		sign "$(key_id rsa)" rsa_pss_rsae_sha256 client \
		sign "$(key_id rsa)" rsa_pkcs1_sha256 2 \
		decrypt "$(key_id rsa)" 0x0303 "$_ct" \
		sign "$(key_id p256)" ecdsa_secp256r1_sha256 client \
		ping
	atf_check -o ignore grep "key rsa: role server, tls12 yes, rsa-key-exchange no" keyd.log
	atf_check -o ignore grep "key rsa: TLS 1.3 client CertificateVerify refused: the key's role is server" keyd.log
	# Rate-limited: three refusals, one line.
	[ "$(grep -c 'refused: the key' keyd.log)" = 1 ] || { cat keyd.log; atf_fail "refusals not rate-limited"; }
	[ "$(stat_value key_policy)" = 3 ] || atf_fail "key_policy counter is $(stat_value key_policy), expected 3"
	stop_keyd
	# role client; role both; tls12 yes; rsa-key-exchange yes.
	sed -i -e 's/key "rsa.key" { name "rsa" }/key "rsa.key" { name "rsa"; role client; tls12 yes; rsa-key-exchange yes }/' \
		-e 's/key "p256.key" { name "p256" }/key "p256.key" { name "p256"; role both }/' keyd.conf
	start_keyd
	"$CLIENT" -s "$(data_sock)" hello \
		sign "$(key_id rsa)" rsa_pss_rsae_sha256 1 \
		sign "$(key_id rsa)" rsa_pss_rsae_sha256 client \
		sign "$(key_id rsa)" rsa_pkcs1_sha256 2 \
		sign "$(key_id p256)" ecdsa_secp256r1_sha256 1 \
		sign "$(key_id p256)" ecdsa_secp256r1_sha256 client | sed 's/^sign ok [0-9]*$/sign ok/' >out.txt
	atf_check -o inline:"hello ok version=1 max_inflight=64 max_message=8192
sign key_policy
sign ok
sign ok
sign ok
sign ok
" cat out.txt
	atf_check -o match:"^decrypt ok [0-9a-f]{96}$" "$CLIENT" -s "$(data_sock)" hello decrypt "$(key_id rsa)" 0x0303 "$_ct"
	stop_keyd
}

atf_test_case ske_point_off_curve
ske_point_off_curve_head()
{
	atf_set "descr" "a TLS 1.2 ServerKeyExchange whose P-256 point is not on the curve is refused with bad_input"
}
ske_point_off_curve_body()
{
	make_keys p256
	write_conf p256
	start_keyd
	_randoms=$(printf '%0128d' 0)
	_g=046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c2964fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5
	_bad=046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c2964fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f4
	atf_check -o match:"^sign ok [0-9]+$" -o match:"^sign bad_input$" "$CLIENT" -s "$(data_sock)" hello \
		sign-input "$(key_id p256)" ecdsa_secp256r1_sha256 2 "${_randoms}03001741$_g" \
		sign-input "$(key_id p256)" ecdsa_secp256r1_sha256 2 "${_randoms}03001741$_bad"
	stop_keyd
}

atf_test_case ske_signatures
ske_signatures_head()
{
	atf_set "descr" "TLS 1.2 and TLS 1.0/1.1 ServerKeyExchange signatures, ECDHE and DHE, checked by openssl; refusals"
}
# hex FILE: the file's bytes as one line of lowercase hex (-v: od would shorten repeated lines to "*").
hex()
{
	od -An -v -tx1 "$1" | tr -d ' \n'
}
ske_signatures_body()
{
	make_keys rsa p256
	write_conf rsa p256
	sed -i -e 's/{ name "rsa"; tls12 yes;/{ name "rsa"; tls12 yes; tls10 yes;/' \
		-e 's/{ name "p256"; tls12 yes }/{ name "p256"; tls12 yes; tls10 yes }/' keyd.conf
	start_keyd
	for _k in rsa p256; do
		openssl pkey -pubin -inform DER -in "$_k.pub.der" -out "$_k.pub.pem" 2>/dev/null || atf_fail "$_k.pub.pem"
	done
	# Kind 2 is ECDHE params (a P-256 point), kind 3 DHE params (ffdhe2048); TLS 1.2 and TLS 1.0/1.1 schemes.
	"$CLIENT" -s "$(data_sock)" hello \
		sign-out "$(key_id rsa)" rsa_pkcs1_sha256 2 rsa12e \
		sign-out "$(key_id rsa)" rsa_pss_rsae_sha256 3 pss12d \
		sign-out "$(key_id rsa)" legacy_rsa_pkcs1_md5_sha1 2 rsa10e \
		sign-out "$(key_id rsa)" legacy_rsa_pkcs1_md5_sha1 3 rsa10d \
		sign-out "$(key_id p256)" ecdsa_secp256r1_sha256 3 ec12d \
		sign-out "$(key_id p256)" legacy_ecdsa_sha1 2 ec10e \
		sign-out "$(key_id p256)" legacy_ecdsa_sha1 3 ec10d >out.txt
	[ "$(grep -c '^sign ok [0-9]* saved$' out.txt)" = 7 ] || { cat out.txt; atf_fail "not seven signatures"; }
	# TLS 1.2: the scheme's hash and padding (RFC 5246 §4.7).
	atf_check -o inline:"Verified OK\n" openssl dgst -sha256 -verify rsa.pub.pem -signature rsa12e.sig rsa12e.in
	atf_check -o inline:"Verified OK\n" openssl dgst -sha256 -verify rsa.pub.pem -sigopt rsa_padding_mode:pss \
		-sigopt rsa_pss_saltlen:32 -signature pss12d.sig pss12d.in
	atf_check -o inline:"Verified OK\n" openssl dgst -sha256 -verify p256.pub.pem -signature ec12d.sig ec12d.in
	# TLS 1.0/1.1 RSA: PKCS#1 v1.5 over MD5 || SHA-1 with no DigestInfo (RFC 2246 §7.4.3).
	for _f in rsa10e rsa10d; do
		openssl pkeyutl -verifyrecover -pubin -inkey rsa.pub.pem -pkeyopt rsa_padding_mode:pkcs1 \
			-in "$_f.sig" -out "$_f.rec" 2>/dev/null || atf_fail "$_f: the signature does not open"
		{ openssl dgst -md5 -binary "$_f.in"; openssl dgst -sha1 -binary "$_f.in"; } >"$_f.want"
		cmp -s "$_f.rec" "$_f.want" || atf_fail "$_f: not PKCS#1 v1.5 over MD5 || SHA-1"
		[ "$(wc -c <"$_f.rec")" = 36 ] || atf_fail "$_f: a DigestInfo or other bytes around the hashes"
	done
	# TLS 1.0/1.1 ECDSA: over SHA-1 (RFC 4492 §5.4).
	for _f in ec10e ec10d; do
		atf_check -o inline:"Verified OK\n" openssl dgst -sha1 -verify p256.pub.pem -signature "$_f.sig" "$_f.in"
	done
	# The DHE params are RFC 7919's ffdhe2048 prime and generator 2.
	_dh=$(hex rsa10d.in)
	[ "$(printf %s "$_dh" | cut -c129-148)" = 0100ffffffffffffffff ] || atf_fail "dh_p is not ffdhe2048's"
	[ "$(printf %s "$_dh" | cut -c645-650)" = 000102 ] || atf_fail "dh_g is not 2"

	# Refusals: a legacy scheme in TLS 1.3, DHE params with g = 5, with Ys = 1, with a prime of nobody's.
	_head=$(printf %s "$_dh" | cut -c1-648)
	_tail=$(printf %s "$_dh" | cut -c651-)
	_p_bad=$(printf %s "$_dh" | cut -c1-200)00$(printf %s "$_dh" | cut -c203-)
	atf_check -o inline:"hello ok version=1 max_inflight=64 max_message=8192
sign bad_scheme
sign bad_input
sign bad_input
sign bad_input
sign bad_input
ping ok
" "$CLIENT" -s "$(data_sock)" hello \
		sign "$(key_id rsa)" legacy_rsa_pkcs1_md5_sha1 1 \
		sign-input "$(key_id rsa)" rsa_pkcs1_sha256 3 "${_head}05${_tail}" \
		sign-input "$(key_id rsa)" rsa_pkcs1_sha256 3 "${_head}02000101" \
		sign-input "$(key_id rsa)" rsa_pkcs1_sha256 3 "$_p_bad" \
		sign-input "$(key_id rsa)" rsa_pkcs1_sha256 2 "$_dh" \
		ping
	stop_keyd

	# Without tls10 the legacy schemes are KEY_POLICY, the TLS 1.2 ones still sign; without tls12 the reverse.
	sed -i -e 's/ tls10 yes;//' -e 's/; tls10 yes }/ }/' keyd.conf
	sed -i -e 's/{ name "p256"; tls12 yes }/{ name "p256"; tls12 no; tls10 yes }/' keyd.conf
	start_keyd
	"$CLIENT" -s "$(data_sock)" hello \
		sign "$(key_id rsa)" legacy_rsa_pkcs1_md5_sha1 2 \
		sign "$(key_id rsa)" rsa_pkcs1_sha256 3 \
		sign "$(key_id p256)" legacy_ecdsa_sha1 3 \
		sign "$(key_id p256)" ecdsa_secp256r1_sha256 2 | sed 's/^sign ok [0-9]*$/sign ok/' >out.txt
	atf_check -o inline:"hello ok version=1 max_inflight=64 max_message=8192
sign key_policy
sign ok
sign ok
sign key_policy
" cat out.txt
	atf_check -o ignore grep 'TLS 1.0/1.1 ServerKeyExchange refused: the key has no "tls10 yes"' keyd.log
	stop_keyd
}

atf_test_case malformed_messages
malformed_messages_head()
{
	atf_set "descr" "garbage and truncated packets are answered with their status or dropped; keyd keeps serving"
}
malformed_messages_body()
{
	make_keys p256
	write_conf p256
	start_keyd
	# Header fields: version 2, a status in a request, a reply opcode, an unassigned ticket-range opcode,
	# body_len longer than the body, a packet of 8 bytes (answerable, shorter than a header).
	atf_check -o inline:"hello ok version=1 max_inflight=64 max_message=8192
raw reply opcode=0x84 id=1 status=bad_version
raw reply opcode=0x84 id=2 status=malformed
raw reply opcode=0x84 id=3 status=bad_opcode
raw reply opcode=0xa2 id=4 status=bad_opcode
raw reply opcode=0x84 id=5 status=malformed
raw reply opcode=0x84 id=6 status=malformed
raw reply opcode=0x84 id=7 status=malformed
raw reply opcode=0x82 id=8 status=malformed
ping ok
" "$CLIENT" -s "$(data_sock)" hello \
		raw 020400000000000100000002""0000 \
		raw 010400010000000200000002""0000 \
		raw 018400000000000300000002""0000 \
		raw 012200000000000400000000 \
		raw 01040000000000050000000a""0000 \
		raw 0104000000000006 \
		raw 010400000000000700000003""000000 \
		raw 010200000000000800000004""00000000 \
		ping
	# An oversize packet (8200 bytes) is answered MALFORMED, as moat-ipc(7) says.
	_big="0104000000000009""00001ffc$(printf '%016376d' 0)"
	atf_check -o inline:"raw reply opcode=0x84 id=9 status=malformed\n" "$CLIENT" -s "$(data_sock)" raw "$_big"
	# Session rules: HELLO first, only once; opcodes of the other socket; HELLO ranges. LIST_KEYS is either socket's.
	atf_check -o inline:"ping need_hello
list need_hello
hello bad_version
hello malformed
hello ok version=1 max_inflight=64 max_message=8192
hello not_permitted
list ok 1
stats not_permitted
" "$CLIENT" -s "$(data_sock)" ping list hello-range 2 3 hello-range 0 1 hello hello list stats
	atf_check -o inline:"hello ok version=1 max_inflight=4 max_message=8192\nsign not_permitted\nping ok\n" \
		"$CLIENT" -s "$(ctl_sock)" hello sign "$(key_id p256)" ecdsa_secp256r1_sha256 1 ping
	# Unanswerable packets (under 8 bytes) cost the connection, and only that one.
	atf_check -o inline:"hello ok version=1 max_inflight=64 max_message=8192\nraw closed\n" "$CLIENT" -s "$(data_sock)" hello raw 01040000
	atf_check -o inline:"raw closed\n" "$CLIENT" -s "$(data_sock)" raw 01
	atf_check -o ignore grep "dropped: unanswerable packet of 4 bytes" keyd.log
	# Requests read in the same turn as the packet that costs the connection are still answered first.
	atf_check -o inline:"pipeline reply opcode=0x81 id=1 status=ok
pipeline reply opcode=0x84 id=2 status=ok
pipeline closed
" "$CLIENT" -s "$(data_sock)" pipeline 010100000000000100000004""01010000,010400000000000200000002""0000,01040000
	keyd_alive 64
	[ "$(stat_value dropped)" = 3 ] || atf_fail "dropped counter is $(stat_value dropped), expected 3"
	[ "$(stat_value malformed)" -ge 9 ] || atf_fail "malformed counter is $(stat_value malformed)"
	stop_keyd
}

atf_test_case busy
busy_head()
{
	atf_set "descr" "past max-inflight a peer gets BUSY, every request exactly one reply"
}
busy_body()
{
	make_keys rsa
	write_conf rsa -- "max-inflight 2" "workers 1"
	start_keyd
	client hello burst 60 "$(key_id rsa)" rsa_pss_rsae_sha256 >burst.out
	cat burst.out
	grep -q "^hello ok version=1 max_inflight=2 max_message=8192$" burst.out || atf_fail "HELLO does not announce 2"
	_ok=$(sed -n 's/^burst ok=\([0-9]*\) busy=\([0-9]*\) other=\([0-9]*\) missing=\([0-9]*\)$/\1/p' burst.out)
	_busy=$(sed -n 's/^burst ok=\([0-9]*\) busy=\([0-9]*\).*$/\2/p' burst.out)
	grep -q "other=0 missing=0$" burst.out || atf_fail "replies missing or of another status"
	[ "$_ok" -ge 2 ] || atf_fail "fewer than max-inflight requests were signed"
	[ "$_busy" -ge 1 ] || atf_fail "no BUSY reply"
	[ $((_ok + _busy)) = 60 ] || atf_fail "not one reply per request"
	[ "$(stat_value busy)" = "$_busy" ] || atf_fail "busy counter is $(stat_value busy), expected $_busy"
	keyd_alive 2
	stop_keyd
}

atf_test_case slow_peer
slow_peer_head()
{
	atf_set "descr" "a peer that floods and never reads its replies does not block others"
}
slow_peer_body()
{
	make_keys rsa p256
	write_conf rsa p256 -- "max-inflight 8"
	start_keyd
	client hello stall 5000 "$(key_id rsa)" rsa_pss_rsae_sha256 >stall.out &
	_staller=$!
	BG_PIDS="$_staller"
	wait_line stall.out stalling "$_staller" || atf_fail "the stalling client did not start"
	# Others are served promptly (each step has a 3 s timeout) while the staller holds its slots.
	atf_check -o inline:"hello ok version=1 max_inflight=8 max_message=8192\nping ok\nsign ok 256\nping ok\n" \
		"$CLIENT" -s "$(data_sock)" -t 3000 hello ping sign "$(key_id rsa)" rsa_pss_rsae_sha256 1 ping
	atf_check -o match:"^concurrent ok=20 failed=0$" "$CLIENT" -s "$(data_sock)" -t 3000 concurrent 4 5 "$(key_id p256)" ecdsa_secp256r1_sha256
	kill "$_staller"
	keyd_alive 8
	stop_keyd
}

atf_test_case fair_peers
fair_peers_head()
{
	atf_set "descr" "two peers, one keeping max-inflight signatures queued: the other's are answered between the flood's, not behind its queue (counted, not timed)"
}
fair_peers_body()
{
	make_keys rsa
	# One signing thread, every operation to it: the queue is where a peer could wait behind another.
	write_conf rsa -- "max-inflight 32" "workers 1" "inline-sign 0"
	start_keyd
	client -t 10000 fair 32 20 "$(key_id rsa)" rsa_pss_rsae_sha256 >fair.out || atf_fail "the fair client failed"
	cat fair.out
	grep -q "^fair n=20 flood=[0-9]* busy=0 worst=[0-9]*$" fair.out || atf_fail "unexpected output"
	# In rounds, the steady peer waits for the flood's job running and about one queued (a
	# reply may be late to the client now and then); in one queue it would wait behind the
	# flood's 31 others every time: 620 flood replies, not about 20.
	_flood=$(sed -n 's/.* flood=\([0-9]*\) .*/\1/p' fair.out)
	_worst=$(sed -n 's/.* worst=\([0-9]*\)$/\1/p' fair.out)
	[ "$_flood" -le 60 ] || atf_fail "the flood had $_flood replies while the steady peer had 20"
	[ "$_worst" -le 24 ] || atf_fail "the steady peer once waited behind $_worst of the flood's replies"
	keyd_alive 32
	stop_keyd
}

atf_test_case concurrent_clients
concurrent_clients_head()
{
	atf_set "descr" "many peers at once, each with requests in flight; every reply reaches its sender"
}
concurrent_clients_body()
{
	make_keys rsa p256
	write_conf rsa p256 -- "max-inflight 16"
	start_keyd
	_pids=""
	for i in 1 2 3 4 5 6; do
		if [ $((i % 2)) = 0 ]; then
			client -t 10000 concurrent 8 10 "$(key_id p256)" ecdsa_secp256r1_sha256 >c$i.out &
		else
			client -t 10000 concurrent 4 10 "$(key_id rsa)" rsa_pss_rsae_sha256 >c$i.out &
		fi
		_pids="$_pids $!"
	done
	BG_PIDS="$_pids"
	for p in $_pids; do
		wait_exit "$p"
		[ "$EXIT_STATUS" = 0 ] || atf_fail "a client failed"
	done
	BG_PIDS=""
	for i in 2 4 6; do
		atf_check -o inline:"concurrent ok=80 failed=0\n" cat c$i.out
	done
	for i in 1 3 5; do
		atf_check -o inline:"concurrent ok=40 failed=0\n" cat c$i.out
	done
	[ "$(stat_value signs)" = 360 ] || atf_fail "signs counter is $(stat_value signs), expected 360"
	keyd_alive 16
	stop_keyd
}

atf_test_case inline_and_pooled
inline_and_pooled_head()
{
	atf_set "descr" "ECDSA signed by the event loop, RSA by the threads, PINGs between: each request one right reply, whatever inline-sign says"
}
inline_and_pooled_body()
{
	make_keys rsa p256
	_w=$(pwd)
	# Default (the loop signs P-256 and the threads RSA-2048), all to the threads, all in the loop.
	for _mode in "" "inline-sign 0" "inline-sign 100000"; do
		echo "mode: ${_mode:-default}"
		write_conf rsa p256 -- "max-inflight 16" "workers 2" "$_mode"
		start_keyd
		_pids=""
		for i in 1 2 3 4; do
			client -t 10000 mixed 4 10 "$(key_id p256)" ecdsa_secp256r1_sha256 "$_w/p256.pub.der" \
				"$(key_id rsa)" rsa_pss_rsae_sha256 "$_w/rsa.pub.der" >m$i.out &
			_pids="$_pids $!"
		done
		BG_PIDS="$_pids"
		for p in $_pids; do
			wait_exit "$p"
			[ "$EXIT_STATUS" = 0 ] || atf_fail "a client failed"
		done
		BG_PIDS=""
		for i in 1 2 3 4; do
			atf_check -o inline:"mixed ok=120 failed=0 unexpected=0 missing=0\n" cat m$i.out
		done
		[ "$(stat_value signs)" = 320 ] || atf_fail "signs counter is $(stat_value signs), expected 320"
		# And one more: moat-keyctl's, which found keyd ready.
		[ "$(stat_value pings)" = 161 ] || atf_fail "pings counter is $(stat_value pings), expected 161"
		keyd_alive 16
		stop_keyd
	done
}

# One P-256 signature (the first with a key goes to a thread, which measures what the key costs),
# then 100 more one at a time: _woke is how often the signing threads switched in for those 100.
threads_woken_by_100_signatures()
{
	atf_check -o match:"^sign ok" "$CLIENT" -s "$(data_sock)" hello sign "$(key_id p256)" ecdsa_secp256r1_sha256 1
	_before=$(worker_switches)
	atf_check -o inline:"concurrent ok=100 failed=0\n" "$CLIENT" -s "$(data_sock)" concurrent 1 100 "$(key_id p256)" ecdsa_secp256r1_sha256
	_after=$(worker_switches)
	echo "signing threads' context switches: $_before -> $_after"
	_woke=$((_after - _before))
}

atf_test_case inline_signing
inline_signing_head()
{
	atf_set "descr" "cheap operations are signed by the event loop, without waking a signing thread; inline-sign 0 turns that off"
}
inline_signing_body()
{
	make_keys p256
	# 1 ms: far above what a P-256 signature takes in any build, so the loop signs them all. One
	# request at a time: never enough work at once for the loop to share it with the threads.
	write_conf p256 -- "inline-sign 1000"
	start_keyd
	grep -q "the event loop signs operations of at most 1000 us itself" keyd.log || atf_fail "inline-sign not logged"
	threads_woken_by_100_signatures
	[ "$_woke" -lt 10 ] || atf_fail "the signing threads woke $_woke times for inline signatures"
	stop_keyd

	write_conf p256 -- "inline-sign 0"
	start_keyd
	grep -q "every key operation goes to the signing threads (inline-sign 0)" keyd.log || atf_fail "inline-sign 0 not logged"
	threads_woken_by_100_signatures
	# Each request waits for its reply, so a thread sleeps and wakes for each.
	[ "$_woke" -ge 50 ] || atf_fail "the signing threads woke only $_woke times"
	stop_keyd
}

atf_test_case inline_signing_shared
inline_signing_shared_head()
{
	atf_set "descr" "when many cheap operations come at once and keyd may use several CPUs, idle threads get a share; on one CPU the default signs RSA-2048 inline too"
	atf_set "require.progs" "taskset nproc"
}
inline_signing_shared_body()
{
	make_keys p256
	[ "$(nproc)" -ge 2 ] || atf_skip "needs two CPUs"
	write_conf p256 -- "inline-sign 1000" "max-inflight 64"
	start_keyd
	atf_check -o match:"^sign ok" "$CLIENT" -s "$(data_sock)" hello sign "$(key_id p256)" ecdsa_secp256r1_sha256 1
	_before=$(worker_switches)
	# 64 requests at once: the loop reads them 16 at a time, more than it keeps for itself.
	atf_check -o inline:"hello ok version=1 max_inflight=64 max_message=8192\nburst ok=64 busy=0 other=0 missing=0\n" \
		"$CLIENT" -s "$(data_sock)" hello burst 64 "$(key_id p256)" ecdsa_secp256r1_sha256
	_after=$(worker_switches)
	echo "signing threads' context switches: $_before -> $_after"
	[ $((_after - _before)) -ge 1 ] || atf_fail "the signing threads never woke for a burst"
	stop_keyd

	# Without inline-sign, the default depends on the CPUs keyd may use.
	write_conf p256
	start_keyd
	atf_check -o ignore grep "the event loop signs operations of at most 100 us itself (default)" keyd.log
	stop_keyd
	# taskset execs keyd: the pid is keyd's.
	taskset -c 0 "$KEYD" -d -f "$(pwd)/keyd.conf" >keyd.log 2>&1 &
	KEYD_PID=$!
	wait_ready "$KEYD_PID"
	atf_check -o ignore grep "the event loop signs operations of at most 1000 us itself (default for a single CPU)" keyd.log
	stop_keyd
}

atf_test_case slow_operations_and_ping
slow_operations_and_ping_head()
{
	atf_set "descr" "even with inline-sign at its maximum, RSA-4096 signatures do not hold up PING and other peers"
}
slow_operations_and_ping_body()
{
	make_keys rsa4096 p256
	# Everything may be signed inline; the loop's per-turn limit must still keep it responsive.
	write_conf rsa4096 p256 -- "max-inflight 64" "workers 1" "inline-sign 100000"
	start_keyd
	# The first signature with each key goes to the thread, which measures it: not behind the burst.
	atf_check -o match:"^sign ok" "$CLIENT" -s "$(data_sock)" hello sign "$(key_id rsa4096)" rsa_pss_rsae_sha256 1 \
		sign "$(key_id p256)" ecdsa_secp256r1_sha256 1
	# About a second of RSA-4096 signatures, queued at once, one worker.
	client -t 30000 hello burst 64 "$(key_id rsa4096)" rsa_pss_rsae_sha256 >burst.out &
	BG_PIDS=$!
	sleep 0.2
	# Meanwhile a PING and a P-256 signature are answered within 250 ms each (signing the queued
	# RSA-4096 work in the loop would take a second).
	_late=0
	for i in 1 2 3 4 5; do
		client -t 250 hello ping sign "$(key_id p256)" ecdsa_secp256r1_sha256 1 >ping.out
		cat ping.out
		grep -q "^ping ok$" ping.out && grep -q "^sign ok" ping.out || _late=$((_late + 1))
	done
	wait_exit "$BG_PIDS"
	BG_PIDS=""
	cat burst.out
	grep -q "^burst ok=64 busy=0 other=0 missing=0$" burst.out || atf_fail "the burst was not answered in full"
	# One late answer is the machine's fault, not keyd's.
	[ $_late -le 1 ] || atf_fail "$_late of 5 PING+SIGN exchanges took longer than 250 ms"
	keyd_alive 64
	stop_keyd
}

atf_test_case fuzz_robustness
fuzz_robustness_head()
{
	atf_set "descr" "1000 random packets per seed: each answerable one answered once, each short one drops its peer"
}
fuzz_robustness_body()
{
	make_keys p256
	write_conf p256
	start_keyd
	_seed=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	for s in 1 2 "$_seed"; do
		echo "fuzz seed $s"
		client -t 3000 fuzz 1000 "$s" >fuzz.out || atf_fail "the fuzz client failed (seed $s)"
		cat fuzz.out
		_a=$(sed -n 's/.* answerable=\([0-9]*\) .*/\1/p' fuzz.out)
		_r=$(sed -n 's/.* replies=\([0-9]*\) .*/\1/p' fuzz.out)
		grep -q " unexpected=0$" fuzz.out || atf_fail "keyd closed a connection it should have answered (seed $s)"
		[ -n "$_a" ] && [ "$_a" = "$_r" ] || atf_fail "answerable=$_a but replies=$_r (seed $s)"
		keyd_alive 64
	done
	stop_keyd
}

atf_test_case unauthorised_uid
unauthorised_uid_head()
{
	atf_set "descr" "SO_PEERCRED: a uid no rule allows is refused with a logged reason; a group rule admits it"
	atf_set "require.user" "root"
	atf_set "require.progs" "setpriv"
}
unauthorised_uid_body()
{
	# nobody must reach the client and the sockets: both live outside the (private) work directory.
	use_sockdir "$(mktemp -d /tmp/moat-keyd.XXXXXX)"
	chmod 755 "$SOCKDIR"
	setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups "$CLIENT" 2>/dev/null
	_rc=$?
	[ $_rc -ne 126 ] && [ $_rc -ne 127 ] || atf_skip "nobody cannot run the test client from this build directory"
	_run_as_nobody="setpriv --reuid=nobody --regid=$(id -g nobody) --clear-groups"
	_uid=$(id -u nobody)
	_gid=$(id -g nobody)

	make_keys p256
	write_conf p256
	start_keyd
	# The file modes would stop nobody before keyd sees it; open them so SO_PEERCRED is what decides.
	chmod 666 "$(data_sock)" "$(ctl_sock)"
	atf_check -o match:"^hello closed$" $_run_as_nobody "$CLIENT" -s "$(data_sock)" hello
	atf_check -o ignore grep "refused data-socket peer (pid [0-9]*, uid $_uid, gid $_gid): no allow rule matches its uid or groups" keyd.log
	atf_check -s exit:1 -e match:"keyd closed the connection" $_run_as_nobody "$KEYCTL" -s "$(ctl_sock)" ping
	atf_check -o ignore grep "refused control-socket peer (pid [0-9]*, uid $_uid, gid $_gid): the control socket serves root and keyd's own user only" keyd.log
	[ "$(stat_value refused)" = 2 ] || atf_fail "refused counter is $(stat_value refused), expected 2"
	keyd_alive 64
	stop_keyd

	# Allowed by its group: the socket file gets that group (mode 0660), so nobody connects and signs.
	write_conf p256
	sed -i "s/^allow uid .*/allow gid $_gid/" keyd.conf
	start_keyd
	atf_check -o inline:"660 $_gid\n" stat -c '%a %g' "$(data_sock)"
	$_run_as_nobody "$CLIENT" -s "$(data_sock)" hello sign "$(key_id p256)" ecdsa_secp256r1_sha256 1 >nobody.out
	atf_check -o match:"^sign ok [0-9]+$" cat nobody.out
	# Root is not on the list this time: the data socket refuses it too.
	atf_check -o match:"^hello closed$" "$CLIENT" -s "$(data_sock)" hello
	stop_keyd
}

atf_test_case background_start
background_start_head()
{
	atf_set "descr" "without -d keyd detaches, exits 0 once serving, and 1 with the reason when startup fails"
}
background_start_body()
{
	make_keys p256
	write_conf p256
	# Detached, keyd logs to /dev/log; where there is none it says so once, while it still has stderr.
	_err=empty
	[ -S /dev/log ] || _err="inline:moat-keyd: cannot reach the log daemon at /dev/log: No such file or directory; logging nothing\n"
	atf_check -s exit:0 -o empty -e "$_err" "$KEYD" -f "$(pwd)/keyd.conf"
	atf_check -o ignore "$KEYCTL" -s "$(ctl_sock)" ping
	_pid=$(pgrep -f "moat-keyd -f $(pwd)/keyd.conf\$")
	[ -n "$_pid" ] || atf_fail "cannot find the background keyd"
	KEYD_PID=$_pid
	# A second keyd on the same sockets refuses to displace the first, and says so on stderr.
	atf_check -s exit:1 -e match:"control socket: .*ctl.sock is in use by a running keyd" "$KEYD" -f "$(pwd)/keyd.conf"
	atf_check -s exit:1 -e match:"is in use by a running keyd" "$KEYD" -d -f "$(pwd)/keyd.conf"
	kill -TERM "$_pid"
	wait_gone "$_pid" || atf_fail "background keyd did not stop"
	KEYD_PID=""
}

atf_test_case stale_socket
stale_socket_head()
{
	atf_set "descr" "a socket left by a killed keyd is replaced; a file that is not a socket is not"
}
stale_socket_body()
{
	make_keys p256
	write_conf p256
	start_keyd
	kill -KILL "$KEYD_PID"
	wait_exit "$KEYD_PID"
	[ -S "$(data_sock)" ] || atf_fail "the killed keyd left no socket to test with"
	start_keyd
	keyd_alive 64
	stop_keyd
	rm -f "$(data_sock)"
	echo "precious" >"$(data_sock)"
	atf_check -s exit:1 -e match:"keyd.sock exists and is not a socket; not replacing it" \
		"$KEYD" -d -f "$(pwd)/keyd.conf"
	atf_check -o inline:"precious\n" cat "$(data_sock)"
}

atf_test_case same_user_refused
same_user_refused_head()
{
	atf_set "descr" "keyd refuses to start when a served uid can read a key file, unless insecure-same-user or --insecure-same-user"
}
same_user_refused_body()
{
	make_keys p256
	KEYD_CONF_DEFAULTS=1 write_conf p256
	[ "$(id -u)" != 0 ] || echo "insecure-run-as-root yes" >>keyd.conf
	# The test serves its own uid from a file it owns (root: reads anything).
	_msg="key p256: its file can be read by the served uid $(id -u) \((owner|root)\), so keyd would isolate nothing"
	atf_check -s exit:1 -o empty -e match:"$_msg" "$KEYD" -t -f "$(pwd)/keyd.conf"
	atf_check -s exit:1 -o empty -e match:"$_msg" "$KEYD" -d -f "$(pwd)/keyd.conf"
	[ -e "$(data_sock)" ] && atf_fail "a refused start left a socket"
	# The flag: serves, and says loudly what it gives up.
	start_keyd "$KEYD" --insecure-same-user
	atf_check -o ignore grep "INSECURE: key p256 can be read by the served uid $(id -u)" keyd.log
	stop_keyd
	# The directive does the same.
	echo "insecure-same-user yes" >>keyd.conf
	atf_check -o inline:"configuration OK\n" "$KEYD" -t -f "$(pwd)/keyd.conf"
	start_keyd
	atf_check -o ignore grep "INSECURE: key p256 can be read" keyd.log
	stop_keyd
}

atf_test_case key_file_modes
key_file_modes_head()
{
	atf_set "descr" "a key file readable by a served user through its group or by everyone is refused; root-only is accepted"
	atf_set "require.user" "root"
}
key_file_modes_body()
{
	make_keys p256
	KEYD_CONF_DEFAULTS=1 write_conf p256
	sed -i "s/^allow uid .*/allow user \"nobody\"/" keyd.conf
	_g=$(id -g nobody)
	chown 0:"$_g" p256.key
	chmod 0600 p256.key
	atf_check -o inline:"configuration OK\n" "$KEYD" -t -f "$(pwd)/keyd.conf"
	chmod 0640 p256.key
	atf_check -s exit:1 -e match:"key p256: its file can be read by the served user nobody \(uid [0-9]+\) \(group\)" \
		"$KEYD" -t -f "$(pwd)/keyd.conf"
	chown 0:0 p256.key
	chmod 0604 p256.key
	atf_check -s exit:1 -e match:"key p256: its file can be read by the served user nobody \(uid [0-9]+\) \(other\)" \
		"$KEYD" -t -f "$(pwd)/keyd.conf"
	chown nobody p256.key
	chmod 0600 p256.key
	atf_check -s exit:1 -e match:"\(owner\)" "$KEYD" -t -f "$(pwd)/keyd.conf"
	# A group rule: the group's members read a group-readable file.
	sed -i "s/^allow user .*/allow gid $_g/" keyd.conf
	chown 0:"$_g" p256.key
	chmod 0640 p256.key
	atf_check -s exit:1 -e match:"served gid $_g \(group\)" "$KEYD" -t -f "$(pwd)/keyd.conf"
	chmod 0600 p256.key
	atf_check -o inline:"configuration OK\n" "$KEYD" -t -f "$(pwd)/keyd.conf"
}

atf_test_case root_without_user
root_without_user_head()
{
	atf_set "descr" "started as root without user, keyd refuses to start unless insecure-run-as-root, and then warns"
	atf_set "require.user" "root"
}
root_without_user_body()
{
	make_keys p256
	KEYD_CONF_DEFAULTS=1 write_conf p256 -- "insecure-same-user yes"
	atf_check -s exit:1 -o empty -e match:"started as root without \"user\": keyd would serve with every root capability" \
		"$KEYD" -d -f "$(pwd)/keyd.conf"
	[ -e "$(data_sock)" ] && atf_fail "a refused start left a socket"
	echo "insecure-run-as-root yes" >>keyd.conf
	start_keyd
	atf_check -o ignore grep "INSECURE: running as root with every capability" keyd.log
	atf_check -o match:"^Uid:[[:space:]]+0[[:space:]]" grep "^Uid:" /proc/$KEYD_PID/status
	stop_keyd
	# With user, no override is needed.
	KEYD_CONF_DEFAULTS=1 write_conf p256 -- "insecure-same-user yes" 'user "nobody"'
	start_keyd
	grep -q "INSECURE: running as root" keyd.log && atf_fail "warned although keyd dropped root"
	stop_keyd
}

# hello_timeouts_are N: keyd's hello_timeouts counter is N.
hello_timeouts_are()
{
	[ "$(stat_value hello_timeouts)" = "$1" ]
}

atf_test_case peer_limits
peer_limits_head()
{
	atf_set "descr" "max-peers-per-uid, hello-timeout and idle-timeout: one uid cannot hold keyd's connections, refusals are counted"
}
peer_limits_body()
{
	make_keys p256
	write_conf p256 -- "max-peers-per-uid 3" "hello-timeout 700ms" "idle-timeout 1s"
	start_keyd
	# Three connections that never say HELLO: the uid's whole allowance.
	for _i in 1 2 3; do
		client -t 5000 sleep 4000 >/dev/null 2>&1 &
		bg_track $!
	done
	sleep 0.3
	# A fourth from the same uid is closed at once, and counted.
	atf_check -o inline:"closed\n" "$CLIENT" -s "$(data_sock)" -t 2000 expect-close
	[ "$(stat_value refused_limit)" = 1 ] || atf_fail "refused_limit is $(stat_value refused_limit), expected 1"
	atf_check -o ignore grep "its uid holds max-peers-per-uid connections already" keyd.log
	# hello-timeout closes the three silent ones; then the uid may connect again.
	wait_until -t 5 hello_timeouts_are 3 ||
		atf_fail "hello_timeouts is $(stat_value hello_timeouts) after 5 s, expected 3"
	atf_check -o ignore grep "closed: no HELLO within 700 ms" keyd.log
	atf_check -o inline:"hello ok version=1 max_inflight=64 max_message=8192\nping ok\n" "$CLIENT" -s "$(data_sock)" hello ping
	# A peer that keeps asking stays; one that goes quiet for idle-timeout is closed.
	atf_check -o inline:"hello ok version=1 max_inflight=64 max_message=8192\nping ok\nping ok\nping ok\n" \
		"$CLIENT" -s "$(data_sock)" hello sleep 600 ping sleep 600 ping sleep 600 ping
	atf_check -o inline:"hello ok version=1 max_inflight=64 max_message=8192\nclosed\n" "$CLIENT" -s "$(data_sock)" -t 4000 hello expect-close
	[ "$(stat_value idle_timeouts)" -ge 1 ] || atf_fail "idle_timeouts is $(stat_value idle_timeouts)"
	keyd_alive 64
	stop_keyd
}

atf_test_case peer_limits_defaults
peer_limits_defaults_head()
{
	atf_set "descr" "without the directives: 64 connections per uid, a 5 s HELLO deadline, no idle timeout"
}
peer_limits_defaults_body()
{
	make_keys p256
	write_conf p256
	start_keyd
	# A connection with HELLO done and no request stays (no idle timeout by default)...
	atf_check -o inline:"hello ok version=1 max_inflight=64 max_message=8192\nopen\n" "$CLIENT" -s "$(data_sock)" -t 1500 hello expect-close
	# ...one without HELLO does not.
	atf_check -o inline:"closed\n" "$CLIENT" -s "$(data_sock)" -t 9000 expect-close
	[ "$(stat_value hello_timeouts)" = 1 ] || atf_fail "hello_timeouts is $(stat_value hello_timeouts)"
	stop_keyd
}

atf_test_case socket_symlink
socket_symlink_head()
{
	atf_set "descr" "a symlink at the socket path, planted before start or right after bind, never makes keyd chown or chmod its target"
	atf_set "require.user" "root"
}
socket_symlink_body()
{
	make_keys p256
	write_conf p256 -- 'user "nobody"'
	echo "precious" >target
	chmod 0644 target
	# Planted before keyd starts: refused, the target untouched.
	ln -s "$(pwd)/target" "$(data_sock)"
	atf_check -s exit:1 -o empty -e match:"keyd.sock exists and is not a socket; not replacing it" \
		"$KEYD" -d -f "$(pwd)/keyd.conf"
	atf_check -o inline:"0 0 644\n" stat -c "%u %g %a" target
	rm "$(data_sock)"
	# Planted in the window between bind and setting owner and mode (the race an attacker who may write
	# the socket's directory would run): keyd set them on the socket it made, which it then cannot move
	# over the planted link, so it refuses to start; the target still belongs to root with its mode.
	atf_check -s exit:1 -o empty -e match:"keyd.sock appeared while keyd was binding it; not replacing it" \
		"$KEYD_TEST" -d -f "$(pwd)/keyd.conf" --test-plant-symlink="$(pwd)/target"
	atf_check -o inline:"0 0 644\n" stat -c "%u %g %a" target
	[ -L "$(data_sock)" ] || atf_fail "the planted link was replaced"
	# No private directory is left behind.
	ls -a | grep -q '^\.keyd-' && atf_fail "a private bind directory was left behind"
	rm "$(data_sock)"
	# And without an attacker, the socket gets its owner, group and mode.
	start_keyd
	atf_check -o inline:"$(id -u nobody) 660\n" stat -c "%u %a" "$(data_sock)"
	atf_check -o inline:"socket\n" stat -c "%F" "$(data_sock)"
	stop_keyd
}

atf_test_case privilege_drop
privilege_drop_head()
{
	atf_set "descr" "with user, keyd drops root after loading keys and binding, and stays non-dumpable"
	atf_set "require.user" "root"
}
privilege_drop_body()
{
	make_keys p256
	write_conf p256 -- 'user "nobody"'
	start_keyd
	_uid=$(id -u nobody)
	atf_check -o match:"^Uid:[[:space:]]+$_uid[[:space:]]+$_uid[[:space:]]+$_uid[[:space:]]+$_uid$" grep "^Uid:" /proc/$KEYD_PID/status
	atf_check -o match:"^Groups:[[:space:]]+$(id -g nobody)[[:space:]]*$" grep "^Groups:" /proc/$KEYD_PID/status
	# Not dumpable: /proc/PID belongs to root although keyd runs as nobody.
	atf_check -o inline:"0\n" stat -c %u /proc/$KEYD_PID/status
	atf_check -o ignore grep "running as user nobody (uid $_uid" keyd.log
	# Of root's capabilities only CAP_IPC_LOCK (bit 14) remains, and only while memory is locked.
	if grep -q "keeping only CAP_IPC_LOCK" keyd.log; then
		atf_check -o match:"^CapEff:[[:space:]]+0000000000004000$" grep "^CapEff:" /proc/$KEYD_PID/status
		atf_check -o match:"^CapPrm:[[:space:]]+0000000000004000$" grep "^CapPrm:" /proc/$KEYD_PID/status
	else
		atf_check -o match:"^CapEff:[[:space:]]+0000000000000000$" grep "^CapEff:" /proc/$KEYD_PID/status
	fi
	# The socket files belong to the user keyd became; root keeps the control socket.
	atf_check -o inline:"$_uid 600\n" stat -c "%u %a" "$(ctl_sock)"
	atf_check -o ignore "$KEYCTL" -s "$(ctl_sock)" list
	atf_check -o match:"^sign ok" "$CLIENT" -s "$(data_sock)" hello sign "$(key_id p256)" ecdsa_secp256r1_sha256 1
	stop_keyd
}

atf_test_case drain_on_stop
drain_on_stop_head()
{
	atf_set "descr" "SIGTERM: keyd closes its sockets at once, answers every request it had read and then closes the peer; a second keyd starts on the same paths meanwhile"
}
# reads_since BASE N: keyd has read N packets from others since STATS said
# BASE. Each stat_value is a keyctl HELLO and STATS, counted too: READ_LOOKS
# of them since BASE.
reads_since()
{
	READ_LOOKS=$((READ_LOOKS + 1))
	_rs=$(stat_value requests)
	[ -n "$_rs" ] && [ $((_rs - $1 - 2 * READ_LOOKS)) -ge "$2" ]
}
drain_on_stop_body()
{
	make_keys rsa4096 p256
	# One thread signing RSA-4096: 64 signatures keep it busy well after the signal.
	write_conf rsa4096 p256 -- "max-inflight 64" "workers 1"
	start_keyd
	first=$KEYD_PID
	base=$(stat_value requests)
	READ_LOOKS=0
	client hello burst 64 "$(key_id rsa4096)" rsa_pss_rsae_sha256 expect-close >burst.out 2>&1 &
	burster=$!
	BG_PIDS=$burster
	# Its HELLO and 64 SIGNs read: what keyd holds when the signal comes.
	wait_until -p "$burster" reads_since "$base" 65 || atf_fail "keyd did not read the 64 requests"
	kill -TERM "$first"
	# A new keyd right away, on the same sockets: the stopping one no longer listens.
	"$KEYD" -d -f "$(pwd)/keyd.conf" >keyd2.log 2>&1 &
	KEYD_PID=$!
	wait_until -p "$KEYD_PID" keyd_answers || { cat keyd2.log >&2; atf_fail "a second keyd does not start while the first stops"; }
	wait_exit "$burster"
	BG_PIDS=""
	cat burst.out
	grep -q "^burst ok=64 busy=0 other=0 missing=0$" burst.out || { cat keyd.log >&2; atf_fail "requests keyd had read were not all answered"; }
	grep -q "^closed$" burst.out || atf_fail "the stopping keyd did not close the connection once it had answered"
	wait_exit "$first"
	[ "$EXIT_STATUS" = 0 ] || { cat keyd.log >&2; atf_fail "the first keyd exited with status $EXIT_STATUS"; }
	grep -Eq "answering the [0-9]+ requests? already read|no request in flight" keyd.log || atf_fail "keyd did not log its drain"
	grep -q "unanswered" keyd.log && atf_fail "the drain ran out of time"
	keyd_alive 64
	kill -TERM "$KEYD_PID"
	wait_exit "$KEYD_PID"
	KEYD_PID=""
	[ "$EXIT_STATUS" = 0 ] || { cat keyd2.log >&2; atf_fail "the second keyd exited with status $EXIT_STATUS"; }
}

atf_test_case clean_shutdown
clean_shutdown_head()
{
	atf_set "descr" "after every kind of traffic SIGTERM ends keyd with status 0 and, in sanitizer builds, no leak"
}
clean_shutdown_body()
{
	make_keys rsa p256
	write_conf rsa p256 -- "max-inflight 3"
	# The test build without seccomp, so LeakSanitizer can run at exit (the filter forbids it).
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1"
	start_keyd "$KEYD_TEST" --test-no-seccomp
	client hello burst 30 "$(key_id rsa)" rsa_pss_rsae_sha256 sign "$(key_id p256)" ecdsa_secp256r1_sha256 1 \
		fuzz 200 5 >/dev/null || atf_fail "client failed"
	# Peers that leave with requests queued or being signed.
	client hello stall 50 "$(key_id rsa)" rsa_pss_rsae_sha256 >/dev/null &
	_s=$!
	sleep 0.3
	kill "$_s"
	client hello stall 50 "$(key_id rsa)" rsa_pss_rsae_sha256 >/dev/null &
	BG_PIDS=$!
	sleep 0.3
	stop_keyd
	kill "$BG_PIDS"
	BG_PIDS=""
	grep -E "ERROR: (LeakSanitizer|AddressSanitizer)|runtime error:" keyd.log && atf_fail "sanitizer report in keyd's log"
	atf_check -o ignore grep "stopped" keyd.log
}

atf_init_test_cases()
{
	atf_add_test_case keyctl_commands
	atf_add_test_case sign_every_key_type
	atf_add_test_case ske_signatures
	atf_add_test_case rsa_decrypt
	atf_add_test_case rsa_decrypt_no_oracle
	atf_add_test_case key_policy
	atf_add_test_case ske_point_off_curve
	atf_add_test_case malformed_messages
	atf_add_test_case busy
	atf_add_test_case slow_peer
	atf_add_test_case fair_peers
	atf_add_test_case concurrent_clients
	atf_add_test_case inline_and_pooled
	atf_add_test_case inline_signing
	atf_add_test_case inline_signing_shared
	atf_add_test_case slow_operations_and_ping
	atf_add_test_case fuzz_robustness
	atf_add_test_case unauthorised_uid
	atf_add_test_case background_start
	atf_add_test_case stale_socket
	atf_add_test_case privilege_drop
	atf_add_test_case socket_symlink
	atf_add_test_case peer_limits
	atf_add_test_case peer_limits_defaults
	atf_add_test_case same_user_refused
	atf_add_test_case key_file_modes
	atf_add_test_case root_without_user
	atf_add_test_case clean_shutdown
	atf_add_test_case drain_on_stop
}
