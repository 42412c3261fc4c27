# moat-keyd -t and startup with broken configurations: each kind of mistake
# gives exactly one line "FILE:LINE: message" on stderr and exit status 1,
# and nothing is started. A good configuration prints "configuration OK".

. "$(atf_get_srcdir)/keyd_lib"

# expect_error LINE MESSAGE: `moat-keyd -t` and `moat-keyd -d` both fail with "$(pwd)/keyd.conf:LINE: MESSAGE".
expect_error()
{
	_where="$(pwd)/keyd.conf"
	[ -n "$1" ] && _where="$_where:$1"
	atf_check -s exit:1 -o empty -e inline:"$_where: $2\n" "$KEYD" -t -f "$(pwd)/keyd.conf"
	atf_check -s exit:1 -o empty -e inline:"$_where: $2\n" "$KEYD" -d -f "$(pwd)/keyd.conf"
	[ -e "$(data_sock)" ] && atf_fail "a failed start left a socket"
	return 0
}

atf_test_case check_ok
check_ok_head()
{
	atf_set "descr" "-t on a good configuration: 'configuration OK', exit 0, no socket created"
}
check_ok_body()
{
	make_keys rsa p256
	write_conf rsa p256 -- "max-inflight 10" "workers 2" "inline-sign 0"
	atf_check -s exit:0 -o inline:"configuration OK\n" -e empty "$KEYD" -t -f "$(pwd)/keyd.conf"
	[ -e "$(data_sock)" ] && atf_fail "-t created a socket"
	# Includes are followed, relative to the including file.
	mkdir sub
	mv p256.key sub/
	write_conf rsa -- 'include "sub/*.conf"'
	echo 'key "p256.key"' >sub/keys.conf
	atf_check -s exit:0 -o inline:"configuration OK\n" -e empty "$KEYD" -t -f "$(pwd)/keyd.conf"
	# A missing file is named without a line.
	atf_check -s exit:1 -o empty -e inline:"cannot open \"$(pwd)/nothere.conf\": No such file or directory\n" \
		"$KEYD" -t -f "$(pwd)/nothere.conf"
	atf_check -s exit:2 -e match:"usage" "$KEYD" -x
	# A key file every user may read: -t says so (as start-up logs it), and still accepts it.
	chmod 0644 rsa.key
	write_conf rsa
	atf_check -s exit:0 -o inline:"configuration OK\n" \
		-e match:"^moat-keyd: warning: key [^ ]+: its file is readable by every user; chmod o-r it\$" \
		"$KEYD" -t -f "$(pwd)/keyd.conf"
}

atf_test_case syntax_errors
syntax_errors_head()
{
	atf_set "descr" "lexical and grammar mistakes name their line"
}
syntax_errors_body()
{
	make_keys p256
	write_conf p256 -- 'max-inflight "3'
	expect_error 5 "newline in string"
	write_conf p256 -- 'listen 127.0.0.1:8443'
	expect_error 5 "unknown directive \"listen\""
	write_conf p256 -- "}"
	expect_error 5 "'}' without '{'"
	printf 'allow uid 0\nkey "p256.key" {\n  name "x"\n  label "y"\n}\n' >keyd.conf
	expect_error 4 "unknown directive \"label\" in the \"key\" block"
}

atf_test_case value_errors
value_errors_head()
{
	atf_set "descr" "values out of range or of the wrong kind name their line"
}
value_errors_body()
{
	make_keys p256
	write_conf p256 -- "max-inflight 0"
	expect_error 5 "\"max-inflight\": \"0\" is out of range (1..1024)"
	write_conf p256 -- "max-inflight 100000"
	expect_error 5 "\"max-inflight\": \"100000\" is out of range (1..1024)"
	write_conf p256 -- "workers x"
	expect_error 5 "\"workers\": \"x\" is not a number"
	write_conf p256 -- "inline-sign 200000"
	expect_error 5 "\"inline-sign\": \"200000\" is out of range (0..100000)"
	write_conf p256 -- "inline-sign fast"
	expect_error 5 "\"inline-sign\": \"fast\" is not a number"
	write_conf p256 -- 'allow host "a"'
	expect_error 5 "allow: \"host\" is not one of user, uid, group, gid"
	write_conf p256 -- 'allow user "no-such-user-moat"'
	expect_error 5 "allow: unknown user \"no-such-user-moat\""
	write_conf p256 -- 'allow group "no-such-group-moat"'
	expect_error 5 "allow: unknown group \"no-such-group-moat\""
	write_conf p256 -- 'user "no-such-user-moat"'
	expect_error 5 "user: unknown user \"no-such-user-moat\""
	write_conf p256 -- 'socket "/tmp/x.sock"'
	expect_error 5 "\"socket\" given twice (first at $(pwd)/keyd.conf:1)"
	write_conf p256 -- "control-socket \"$(data_sock)\""
	expect_error 5 "\"control-socket\" given twice (first at $(pwd)/keyd.conf:2)"
	printf 'key "p256.key"\n' >keyd.conf
	expect_error 1 "no \"allow\" directive: name at least one user or group that may use keyd"
	printf 'allow uid 0\n' >keyd.conf
	expect_error 1 "no \"key\" directive: keyd needs at least one key to serve"
}

atf_test_case key_errors
key_errors_head()
{
	atf_set "descr" "missing, unreadable, foreign, weak and duplicate keys name their line"
}
key_errors_body()
{
	make_keys p256
	write_conf p256 nothere
	expect_error 5 "cannot read key \"$(pwd)/nothere.key\": No such file or directory"
	# A certificate where a key should be.
	make_cert -s selfsigned p256 x
	mv selfsigned.pem cert.key
	write_conf p256 cert
	expect_error 5 "key \"$(pwd)/cert.key\": no unencrypted PEM private key found"
	make_key small.key rsa1024
	write_conf small
	expect_error 4 "key \"$(pwd)/small.key\": RSA key of 1024 bits; keyd serves 2048 to 4096 bits"
	make_key ed.key ed25519
	write_conf ed
	expect_error 4 "key \"$(pwd)/ed.key\": Ed25519 keys are not served (moat-ipc(7) has no EdDSA scheme)"
	openssl pkey -in p256.key -aes128 -passout pass:secret -out enc.key 2>/dev/null
	write_conf enc
	expect_error 4 "key \"$(pwd)/enc.key\": no unencrypted PEM private key found"
	cp p256.key copy.key
	write_conf p256 copy
	expect_error 5 "key \"$(pwd)/copy.key\" is the same key as \"p256\" listed before"
	# RSA_DECRYPT only for rsaEncryption keys: asking it of another is a configuration error.
	write_conf p256
	sed -i 's/{ name "p256"; tls12 yes }/{ name "p256"; rsa-key-exchange yes }/' keyd.conf
	expect_error 4 "key \"$(pwd)/p256.key\": rsa-key-exchange needs an RSA (rsaEncryption) key, this is ec_p256"
	# An error inside an included file names that file and its line.
	write_conf p256 -- 'include "more.conf"'
	printf '\n\nkey "missing.key"\n' >more.conf
	atf_check -s exit:1 -o empty -e inline:"$(pwd)/more.conf:3: cannot read key \"$(pwd)/missing.key\": No such file or directory\n" \
		"$KEYD" -t -f "$(pwd)/keyd.conf"
	if [ "$(id -u)" != 0 ]; then
		chmod 000 p256.key
		write_conf p256
		expect_error 4 "cannot read key \"$(pwd)/p256.key\": Permission denied"
	fi
}

atf_init_test_cases()
{
	atf_add_test_case check_ok
	atf_add_test_case syntax_errors
	atf_add_test_case value_errors
	atf_add_test_case key_errors
}
