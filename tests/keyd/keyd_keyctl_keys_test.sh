# Keys changed while keyd serves: moat-keyctl key add and key remove against
# a running moat-keyd (KEY_ADD, KEY_REMOVE). Added keys sign (verified with
# openssl's public key) and decrypt at once, LIST shows them, the log names
# each change; removed keys answer unknown_key; bad keys are refused with
# a clear error and keyd stays up; only root and keyd's own user get to
# change keys.

. "$(atf_get_srcdir)/keyd_lib"

atf_test_case add_sign_remove
add_sign_remove_head()
{
	atf_set "descr" "key add of an RSA and an ECDSA key to a running keyd: listed, signing and decrypting at once; key remove: unknown_key after"
}
add_sign_remove_body()
{
	make_keys p256 rsa p384
	write_conf p256
	start_keyd
	_w=$(pwd)
	# The id keyctl prints is openssl's.
	atf_check -o inline:"added $(key_id rsa) rsa.key\n" "$KEYCTL" -s "$(ctl_sock)" key add rsa.key --rsa-key-exchange yes
	atf_check -o inline:"added $(key_id p384) new-ec\n" "$KEYCTL" -s "$(ctl_sock)" key add p384.key --name new-ec
	atf_check -o inline:"$(key_id p256) ec_p256 256 p256 ecdsa_secp256r1_sha256,ecdsa_secp384r1_sha384,ecdsa_secp521r1_sha512,ecdsa_sha1,legacy_ecdsa_sha1
$(key_id rsa) rsa 2048 rsa.key rsa_pss_rsae_sha256,rsa_pss_rsae_sha384,rsa_pss_rsae_sha512,rsa_pkcs1_sha256,rsa_pkcs1_sha384,rsa_pkcs1_sha512,rsa_pkcs1_sha1,legacy_rsa_pkcs1_md5_sha1
$(key_id p384) ec_p384 384 new-ec ecdsa_secp256r1_sha256,ecdsa_secp384r1_sha384,ecdsa_secp521r1_sha512,ecdsa_sha1,legacy_ecdsa_sha1
" "$KEYCTL" -s "$(ctl_sock)" list
	[ "$(stat_value keys)" = 3 ] || atf_fail "stats keys is $(stat_value keys), expected 3"
	# Both sign at once, TLS 1.3 and (the default for a server key) TLS 1.2; the RSA key decrypts.
	atf_check -o inline:"hello ok version=1 max_inflight=64 max_message=8192
sign ok 256 verified
sign ok 256 verified
" "$CLIENT" -s "$(data_sock)" hello sign "$(key_id rsa)" rsa_pss_rsae_sha256 1 "$_w/rsa.pub.der" \
		sign "$(key_id rsa)" rsa_pkcs1_sha256 2 "$_w/rsa.pub.der"
	atf_check -o match:"^sign ok [0-9]+ verified$" "$CLIENT" -s "$(data_sock)" hello sign "$(key_id p384)" ecdsa_secp384r1_sha384 1 "$_w/p384.pub.der"
	{ printf '\003\003'; head -c 46 /dev/urandom; } >pm.bin
	openssl pkeyutl -encrypt -pubin -keyform DER -inkey rsa.pub.der -pkeyopt rsa_padding_mode:pkcs1 \
		-in pm.bin -out ct.bin 2>/dev/null || atf_fail "openssl pkeyutl -encrypt failed"
	atf_check -o inline:"hello ok version=1 max_inflight=64 max_message=8192\ndecrypt ok $(od -An -tx1 pm.bin | tr -d ' \n')\n" \
		"$CLIENT" -s "$(data_sock)" hello decrypt "$(key_id rsa)" 0x0303 "$(od -An -tx1 ct.bin | tr -d ' \n')"
	# The options: the ECDSA key got no rsa-key-exchange (nor could it), and role server only.
	atf_check -o ignore grep "key new-ec: role server, tls12 yes$" keyd.log
	atf_check -o ignore grep "key rsa.key: role server, tls12 yes, rsa-key-exchange yes$" keyd.log
	# The log: who changed what, then the lines a configured key gets at startup.
	_uid=$(id -u)
	atf_check -o ignore grep "key added: rsa.key id $(key_id rsa) by uid $_uid (pid [0-9]*)$" keyd.log
	atf_check -o ignore grep "key rsa.key: id $(key_id rsa), rsa 2048 bits, schemes rsa_pss_rsae_sha256," keyd.log
	atf_check -o ignore grep "key new-ec: id $(key_id p384), ec_p384 384 bits" keyd.log

	# Removal by name and by id; then the keys are unknown, to LIST and to SIGN.
	atf_check -o inline:"removed $(key_id p384) new-ec\n" "$KEYCTL" -s "$(ctl_sock)" key remove new-ec
	atf_check -o inline:"removed $(key_id rsa)\n" "$KEYCTL" -s "$(ctl_sock)" key remove "$(key_id rsa)"
	atf_check -o ignore grep "key removed: new-ec id $(key_id p384) by uid $_uid" keyd.log
	atf_check -o inline:"hello ok version=1 max_inflight=64 max_message=8192\nsign unknown_key\nsign unknown_key\ndecrypt unknown_key\n" \
		"$CLIENT" -s "$(data_sock)" hello sign "$(key_id p384)" ecdsa_secp384r1_sha384 1 sign "$(key_id rsa)" rsa_pss_rsae_sha256 1 \
		decrypt "$(key_id rsa)" 0x0303 "$(od -An -tx1 ct.bin | tr -d ' \n')"
	atf_check -o match:"^$(key_id p256) ec_p256 " "$KEYCTL" -s "$(ctl_sock)" list
	[ "$("$KEYCTL" -s "$(ctl_sock)" list | wc -l)" = 1 ] || atf_fail "removed keys are still listed"
	atf_check -s exit:1 -e match:"keyd refused key_remove: unknown_key \(keyd serves no such key\)" "$KEYCTL" -s "$(ctl_sock)" key remove new-ec
	# A configured key can be removed too, and the same key added back under another name.
	atf_check -o inline:"removed $(key_id p256) p256\n" "$KEYCTL" -s "$(ctl_sock)" key remove p256
	atf_check -o inline:"added $(key_id p256) back\n" "$KEYCTL" -s "$(ctl_sock)" key add p256.key --name back
	atf_check -o match:"^sign ok [0-9]+ verified$" "$CLIENT" -s "$(data_sock)" hello sign "$(key_id p256)" ecdsa_secp256r1_sha256 1 "$_w/p256.pub.der"
	keyd_alive 64
	stop_keyd
}

atf_test_case add_refusals
add_refusals_head()
{
	atf_set "descr" "bad key bytes, unserved types and sizes, a key or name held already: each refused with a clear error, keyd stays up"
}
add_refusals_body()
{
	make_keys p256 rsa
	make_key ed.key ed25519
	make_key small.key rsa1024
	write_conf p256
	start_keyd
	# keyctl's own checks, before keyd is asked.
	echo "not a key" >junk.key
	atf_check -s exit:1 -e match:"junk.key: no unencrypted private key found" "$KEYCTL" -s "$(ctl_sock)" key add junk.key
	atf_check -s exit:1 -e match:"cannot read key \"nothere.key\"" "$KEYCTL" -s "$(ctl_sock)" key add nothere.key
	atf_check -s exit:1 -e match:"a key read from standard input needs --name" "$KEYCTL" -s "$(ctl_sock)" key add - <p256.key
	atf_check -s exit:1 -e match:"rsa-key-exchange needs an RSA" "$KEYCTL" -s "$(ctl_sock)" key add p256.key --name x --rsa-key-exchange yes
	atf_check -s exit:2 -e match:"--role: \"admin\" is not one of server, client, both" "$KEYCTL" -s "$(ctl_sock)" key add rsa.key --role admin
	atf_check -s exit:2 -e match:"go with key add" "$KEYCTL" -s "$(ctl_sock)" list --name x
	atf_check -s exit:2 -e match:"usage: moat-keyctl" "$KEYCTL" -s "$(ctl_sock)" key add
	atf_check -s exit:2 -e match:"unknown command \"key rotate\"" "$KEYCTL" -s "$(ctl_sock)" key rotate x
	# keyd's checks, the same as at startup.
	atf_check -s exit:1 -e match:"keyd refused key_add: bad_key" "$KEYCTL" -s "$(ctl_sock)" key add ed.key
	atf_check -o ignore grep "key add refused: ed.key (uid [0-9]*): Ed25519 keys are not served" keyd.log
	atf_check -s exit:1 -e match:"keyd refused key_add: bad_key" "$KEYCTL" -s "$(ctl_sock)" key add small.key
	atf_check -o ignore grep "key add refused: small.key (uid [0-9]*): RSA key of 1024 bits; keyd serves 2048 to 4096 bits" keyd.log
	atf_check -s exit:1 -e match:"keyd refused key_add: key_held \(keyd serves that key, or a key of that name, already\)" \
		"$KEYCTL" -s "$(ctl_sock)" key add p256.key --name again
	atf_check -o ignore grep "key add refused: again (uid [0-9]*): the same key is served already as p256" keyd.log
	atf_check -s exit:1 -e match:"keyd refused key_add: key_held" "$KEYCTL" -s "$(ctl_sock)" key add rsa.key --name p256
	# Bytes that are no key, sent as keyctl would never send them: bad_key, keyd up.
	# KEY_ADD id 7: key<3> 30 01 00, name<1> "g", role server, no options.
	atf_check -o inline:"hello ok version=1 max_inflight=4 max_message=8192\nraw reply opcode=0x92 id=7 status=bad_key\n" \
		"$CLIENT" -s "$(ctl_sock)" hello raw 011200000000000700000009000330010001670100
	# Unknown role bits: malformed. On the data socket: not permitted.
	atf_check -o inline:"hello ok version=1 max_inflight=4 max_message=8192\nraw reply opcode=0x92 id=7 status=malformed\n" \
		"$CLIENT" -s "$(ctl_sock)" hello raw 011200000000000700000009000330010001670900
	atf_check -o inline:"hello ok version=1 max_inflight=64 max_message=8192\nraw reply opcode=0x92 id=7 status=not_permitted\nraw reply opcode=0x93 id=8 status=not_permitted\n" \
		"$CLIENT" -s "$(data_sock)" hello raw 011200000000000700000009000330010001670100 raw 011300000000000800000003020167
	[ "$("$KEYCTL" -s "$(ctl_sock)" list | wc -l)" = 1 ] || atf_fail "a refused key was added"
	keyd_alive 64
	stop_keyd
}

atf_test_case only_root_and_keyd_user
only_root_and_keyd_user_head()
{
	atf_set "descr" "root and keyd's own user may add and remove keys; another user is refused and logged"
	atf_set "require.user" "root"
	atf_set "require.progs" "setpriv"
}
only_root_and_keyd_user_body()
{
	# The users must reach keyctl and the sockets: both live outside the (private) work directory.
	use_sockdir "$(mktemp -d /tmp/moat-keyd.XXXXXX)"
	chmod 755 "$SOCKDIR"
	setpriv --reuid=daemon --regid="$(id -g daemon)" --clear-groups "$KEYCTL" -h >/dev/null 2>&1 ||
		atf_skip "another user cannot run moat-keyctl from this build directory"
	make_keys p256 p384 rsa
	write_conf p256 -- 'user "nobody"'
	start_keyd
	# The key files: readable by keyd's user for this test (keyctl reads them as that user).
	cp p384.key rsa.key "$SOCKDIR/" && chown nobody "$SOCKDIR/p384.key" "$SOCKDIR/rsa.key"
	chmod 666 "$(ctl_sock)"
	_as_nobody="setpriv --reuid=nobody --regid=$(id -g nobody) --clear-groups"
	_as_daemon="setpriv --reuid=daemon --regid=$(id -g daemon) --clear-groups"
	# keyd's own user adds and removes.
	atf_check -o inline:"added $(key_id p384) p384.key\n" $_as_nobody "$KEYCTL" -s "$(ctl_sock)" key add "$SOCKDIR/p384.key"
	atf_check -o ignore grep "key added: p384.key id $(key_id p384) by uid $(id -u nobody)" keyd.log
	atf_check -o inline:"removed $(key_id p384) p384.key\n" $_as_nobody "$KEYCTL" -s "$(ctl_sock)" key remove p384.key
	# Another user: refused before it can ask (its key file would not even be needed).
	atf_check -s exit:1 -e match:"keyd closed the connection" $_as_daemon "$KEYCTL" -s "$(ctl_sock)" key remove p256
	atf_check -o ignore grep "refused control-socket peer (pid [0-9]*, uid $(id -u daemon), gid [0-9]*): the control socket serves root and keyd's own user only" keyd.log
	# Root.
	atf_check -o inline:"added $(key_id rsa) rsa.key\n" "$KEYCTL" -s "$(ctl_sock)" key add "$SOCKDIR/rsa.key"
	atf_check -o inline:"$(key_id p256)\n$(key_id rsa)\n" sh -c "\"$KEYCTL\" -s \"$(ctl_sock)\" list | cut -d' ' -f1"
	stop_keyd
}

atf_init_test_cases()
{
	atf_add_test_case add_sign_remove
	atf_add_test_case add_refusals
	atf_add_test_case only_root_and_keyd_user
}
