# Bad configurations: `moat-frontd -t` and `moat-keyd -t` must answer each
# kind of mistake with exit status 1 and exactly one line on stderr,
# "FILE:LINE: message", naming the line at fault (line 1 of the main file
# for a directive that is missing altogether), and a good file with
# "configuration OK" and status 0.
#
# Each case writes a file whose mistake sits on a known line; a case
# runner collects every case that answers wrongly, so the report names
# all of them at once.

. "$(atf_get_srcdir)/lib"

CASES=0
FAILED=""

# conf NAME: the file $RUN/NAME.conf, from stdin.
conf()
{
	cat >"$RUN/$1.conf"
}

# bad PROGRAM NAME LINE REGEX: PROGRAM -t on $RUN/NAME.conf fails with one
# line on stderr that starts "$RUN/NAME.conf:LINE: " and whose message matches
# REGEX (ERE).
bad()
{
	_prog=$1 _name=$2 _line=$3 _re=$4
	_conf="$RUN/$_name.conf"
	CASES=$((CASES + 1))
	timeout "$WAIT_SECONDS" "$_prog" -t -f "$_conf" >"$RUN/$_name.out" 2>"$RUN/$_name.err"
	_rc=$?
	_lines=$(wc -l <"$RUN/$_name.err")
	_msg=$(head -n 1 "$RUN/$_name.err")
	_why=""
	if [ $_rc -ne 1 ]; then
		_why="exit status $_rc"
	elif [ "$_lines" -ne 1 ]; then
		_why="$_lines lines on stderr"
	else
		case $_msg in
		"$_conf:$_line: "*) printf '%s\n' "${_msg#"$_conf:$_line: "}" | grep -Eq "$_re" || _why="message not /$_re/" ;;
		*) _why="not at line $_line" ;;
		esac
	fi
	if [ -n "$_why" ]; then
		FAILED="$FAILED${FAILED:+; }$_name: $_why"
		echo "FAILED $_name: $_why" >&2
		sed 's/^/    stderr: /' "$RUN/$_name.err" >&2
	else
		echo "ok $_name: $_msg"
	fi
}

# good PROGRAM NAME: PROGRAM -t accepts $RUN/NAME.conf.
good()
{
	CASES=$((CASES + 1))
	if timeout "$WAIT_SECONDS" "$1" -t -f "$RUN/$2.conf" >"$RUN/$2.out" 2>&1 &&
		grep -q "configuration OK" "$RUN/$2.out"; then
		echo "ok $2: accepted"
	else
		FAILED="$FAILED${FAILED:+; }$2: a good file was refused"
		echo "FAILED $2: a good file was refused:" >&2
		cat "$RUN/$2.out" >&2
	fi
}

finish()
{
	echo "$CASES cases"
	[ -z "$FAILED" ] || atf_fail "$FAILED"
}

atf_test_case frontd_bad_configs cleanup
frontd_bad_configs_head()
{
	atf_set "descr" "moat-frontd -t: one clear file:line error per kind of mistake (syntax, unknown directive, addresses, files, sites, policy, users)"
	atf_set "require.progs" "openssl"
	atf_set "timeout" "120"
}
frontd_bad_configs_body()
{
	e2e_init
	make_ca ca moat-e2e-ca
	make_cert ec p256 localhost
	make_cert ec2 p256 other.test
	F=$MOAT_FRONTD
	K="keyd \"$RUN/keyd.sock\""
	C="certificate \"$RUN/ec.pem\""

	printf '%s\n' "$K" "listen 127.0.0.1:8443" "site \"localhost\" {" "	$C" "	backend 127.0.0.1:8080" "}" |
		conf f_good
	good "$F" f_good

	printf '%s\n' "$K" "lisen 127.0.0.1:8443" | conf f_unknown
	bad "$F" f_unknown 2 'unknown directive.*lisen'

	printf '%s\n' "# a comment" "$K" "listen 127.0.0.1:99999" | conf f_port
	bad "$F" f_port 3 'port'

	printf '%s\n' "$K" "listen 127.0.0.1:8443" "listen www.example.com:443" | conf f_address
	bad "$F" f_address 3 'address'

	printf '%s\n' "$K" "listen 127.0.0.1:8443" "site \"localhost\" {" "	certificate \"$RUN/nonexistent.pem\"" \
		"	backend 127.0.0.1:8080" "}" | conf f_cert_missing
	bad "$F" f_cert_missing 4 'certificate.*nonexistent'

	# A private key where the certificate goes: refused, never used as a key.
	printf '%s\n' "$K" "listen 127.0.0.1:8443" "site \"localhost\" {" "	certificate \"$RUN/ec.key\"" \
		"	backend 127.0.0.1:8080" "}" | conf f_cert_is_key
	bad "$F" f_cert_is_key 4 'certificate'

	printf '%s\n' "$K" "listen 127.0.0.1:8443" "site \"localhost\" {" "	$C" "	certificate \"$RUN/ec2.pem\"" \
		"	backend 127.0.0.1:8080" "}" | conf f_two_ec
	bad "$F" f_two_ec 5 'key type'

	printf '%s\n' "$K" "listen 127.0.0.1:8443" "" "site \"localhost\" {" "	$C" "}" | conf f_no_backend
	bad "$F" f_no_backend 4 'no backend'

	printf '%s\n' "$K" "listen 127.0.0.1:8443" "site \"localhost\" {" "	$C" "	backend 127.0.0.1:8080" \
		"	policy \"tls_9_9\"" "}" | conf f_policy
	bad "$F" f_policy 6 'policy.*tls_9_9'

	printf '%s\n' "$K" "listen 127.0.0.1:8443" "site \"localhost\" {" "	$C" "	backend 127.0.0.1:8080" \
		"	colour blue" "}" | conf f_site_unknown
	bad "$F" f_site_unknown 6 'unknown directive.*colour'

	printf '%s\n' "$K" "listen 127.0.0.1:8443" "site \"localhost\" {" "	$C" "	backend 127.0.0.1:8080" "}" \
		"site \"localhost\" {" "	$C" "	backend 127.0.0.1:8081" "}" | conf f_dup_site
	bad "$F" f_dup_site 7 'duplicate site'

	printf '%s\n' "$K" "handshake-timeout 10parsecs" "listen 127.0.0.1:8443" | conf f_duration
	bad "$F" f_duration 2 'duration'

	printf '%s\n' "user \"no-such-user-e2e\"" "$K" "listen 127.0.0.1:8443" "site \"localhost\" {" "	$C" \
		"	backend 127.0.0.1:8080" "}" | conf f_user
	bad "$F" f_user 1 'unknown user'

	printf '%s\n' "listen 127.0.0.1:8443" "site \"localhost\" {" "	$C" "	backend 127.0.0.1:8080" "}" |
		conf f_no_keyd
	bad "$F" f_no_keyd 1 'keyd'

	printf '%s\n' "$K" "listen 127.0.0.1:8443" "site \"localhost\" {" "	$C" "	backend 127.0.0.1:8080" \
		"	name \"unterminated" "}" | conf f_syntax
	bad "$F" f_syntax 6 'string'

	printf '%s\n' "$K" "listen 127.0.0.1:8443" "site \"localhost\" {" "	$C" "	backend 127.0.0.1:8080" |
		conf f_unclosed
	bad "$F" f_unclosed 3 "missing '}'"
	finish
}
frontd_bad_configs_cleanup()
{
	e2e_cleanup
}

atf_test_case frontd_t_asks_keyd cleanup
frontd_t_asks_keyd_head()
{
	atf_set "descr" "moat-frontd -t asks a running keyd whether it holds every certificate's key: file:line error at the certificate whose key it lacks; keyd down is a warning and exit 0; a keyd socket in a directory that does not exist is an error"
	atf_set "require.progs" "openssl"
	atf_set "timeout" "120"
}
frontd_t_asks_keyd_body()
{
	e2e_init
	make_ca ca moat-e2e-ca
	make_cert ec p256 localhost
	make_cert ec2 p256 other.test
	keyd_conf "$(frontd_allow)" ec
	keyd_start
	F=$MOAT_FRONTD
	# As root, -t asks keyd as frontd's user, the one keyd admits.
	U="# no user"
	[ "$(id -u)" -eq 0 ] && U="user \"$FRONTD_USER\""
	K="keyd \"$RUN/keyd.sock\""

	printf '%s\n' "$U" "$K" "listen 127.0.0.1:8443" "site \"localhost\" {" "	certificate \"$RUN/ec.pem\"" \
		"	backend 127.0.0.1:8080" "}" | conf t_held
	atf_check -s exit:0 -o inline:"configuration OK\n" -e empty "$F" -t -f "$RUN/t_held.conf"

	printf '%s\n' "$U" "$K" "listen 127.0.0.1:8443" "site \"localhost\" {" "	certificate \"$RUN/ec.pem\"" \
		"	backend 127.0.0.1:8080" "}" "site \"other.test\" {" "	backend 127.0.0.1:8080" \
		"	certificate \"$RUN/ec2.pem\"" "}" | conf t_missing
	bad "$F" t_missing 10 "^site \"other.test\": keyd at $RUN/keyd.sock holds no key for certificate other.test \(id [0-9a-f]{64}\)\$"

	printf '%s\n' "$U" "keyd \"$RUN/nodir/keyd.sock\"" "listen 127.0.0.1:8443" "site \"localhost\" {" \
		"	certificate \"$RUN/ec.pem\"" "	backend 127.0.0.1:8080" "}" | conf t_nodir
	bad "$F" t_nodir 2 "keyd socket .*nodir/keyd.sock.*: directory .*nodir does not exist"

	keyd_stop
	# keyd not running: the keys are not checked, the configuration is otherwise good.
	"$F" -t -f "$RUN/t_missing.conf" >"$RUN/t_down.out" 2>"$RUN/t_down.err" ||
		e2e_fail "keyd down: -t failed: $(cat "$RUN/t_down.err")"
	grep -q "configuration OK" "$RUN/t_down.out" || e2e_fail "keyd down: no 'configuration OK'"
	[ "$(wc -l <"$RUN/t_down.err")" -eq 1 ] && grep -q "warning: keyd not reachable at $RUN/keyd.sock .*: keys not checked" "$RUN/t_down.err" ||
		e2e_fail "keyd down: not one warning: $(cat "$RUN/t_down.err")"
	finish
}
frontd_t_asks_keyd_cleanup()
{
	e2e_cleanup
}

atf_test_case keyd_bad_configs cleanup
keyd_bad_configs_head()
{
	atf_set "descr" "moat-keyd -t: one clear file:line error per kind of mistake (syntax, unknown directive, keys, allow rules, limits, users, sockets)"
	atf_set "require.progs" "openssl"
	atf_set "timeout" "120"
}
keyd_bad_configs_body()
{
	e2e_init
	make_ca ca moat-e2e-ca
	make_cert ec p256 localhost
	make_key rsa1024.key rsa1024
	make_key ed25519.key ed25519
	D=$MOAT_KEYD
	S="socket \"$RUN/keyd.sock\""
	CS="control-socket \"$RUN/keyctl.sock\""
	A="allow uid 65534"
	KEY="key \"$RUN/ec.key\""

	printf '%s\n' "$S" "$CS" "$A" "$KEY" "max-inflight 64" | conf k_good
	good "$D" k_good

	printf '%s\n' "$S" "$CS" "$A" "$KEY" "sign-anything yes" | conf k_unknown
	bad "$D" k_unknown 5 'unknown directive.*sign-anything'

	printf '%s\n' "$S" "$CS" "$A" "key \"$RUN/nonexistent.key\"" | conf k_missing
	bad "$D" k_missing 4 'nonexistent'

	printf '%s\n' "$S" "$CS" "$A" "$KEY" "key \"$RUN/ec.pem\"" | conf k_cert_not_key
	bad "$D" k_cert_not_key 5 'ec\.pem'

	printf '%s\n' "$S" "$CS" "$A" "key \"$RUN/rsa1024.key\"" | conf k_rsa1024
	bad "$D" k_rsa1024 4 'rsa1024'

	printf '%s\n' "$S" "$CS" "$A" "key \"$RUN/ed25519.key\"" | conf k_ed25519
	bad "$D" k_ed25519 4 'ed25519'

	printf '%s\n' "$S" "$CS" "$A" "$KEY" "$KEY" | conf k_same_key
	bad "$D" k_same_key 5 'same key'

	printf '%s\n' "$S" "$CS" "$KEY" | conf k_no_allow
	bad "$D" k_no_allow 1 'allow'

	printf '%s\n' "$S" "$CS" "$A" | conf k_no_key
	bad "$D" k_no_key 1 'key'

	printf '%s\n' "$S" "$CS" "allow user \"no-such-user-e2e\"" "$KEY" | conf k_allow_user
	bad "$D" k_allow_user 3 'unknown user'

	printf '%s\n' "$S" "$CS" "$A" "allow everyone \"x\"" "$KEY" | conf k_allow_kind
	bad "$D" k_allow_kind 4 'not one of'

	printf '%s\n' "$S" "$CS" "$A" "$KEY" "max-inflight 0" | conf k_inflight_0
	bad "$D" k_inflight_0 5 'range'

	printf '%s\n' "$S" "$CS" "$A" "$KEY" "max-inflight 5000" | conf k_inflight_big
	bad "$D" k_inflight_big 5 'range'

	printf '%s\n' "$S" "$CS" "$A" "$KEY" "user \"root\"" | conf k_user_root
	bad "$D" k_user_root 5 'root'

	printf '%s\n' "$S" "control-socket \"$RUN/keyd.sock\"" "$A" "$KEY" | conf k_same_socket
	bad "$D" k_same_socket 2 'different'

	printf '%s\n' "$S" "$CS" "$A" "key \"$RUN/ec.key\" {" "	name \"ec\"" | conf k_unclosed
	bad "$D" k_unclosed 4 "missing '}'"
	finish
}
keyd_bad_configs_cleanup()
{
	e2e_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case frontd_bad_configs
	atf_add_test_case frontd_t_asks_keyd
	atf_add_test_case keyd_bad_configs
}
