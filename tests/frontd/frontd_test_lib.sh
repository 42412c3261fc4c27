# The daemons of frontd's end-to-end tests (frontd_test, proxy_protocol_test):
# fake_keyd, echo backends and moat-frontd itself, started in the test's
# directory and tracked for the EXIT trap (bg_track). Sourced after
# tests/lib/moat_test_lib; copied beside the test programs like it.

FRONTD="$(atf_get_srcdir)/../../frontd/moat-frontd"
FAKE_KEYD="$(atf_get_srcdir)/fake_keyd"
ECHO_BACKEND="$(atf_get_srcdir)/echo_backend"
WAIT_SECONDS=10

# ---- certificates ----------------------------------------------------------------

# make_pki [rsa]: CA, a.test and b.test (+ *.b.test) on ECDSA P-256, and an RSA a.test with "rsa".
make_pki()
{
	make_ca ca frontd-test-ca
	make_cert a p256 a.test
	make_cert b p256 b.test DNS:b.test 'DNS:*.b.test'
	if [ "${1:-}" = rsa ]; then
		make_cert r rsa a.test
	fi
	return 0
}

# ---- certificates from `openssl ca`, which can backdate and revoke ----------------------

# ca_setup: ca.cnf and its database for the test CA (ca.pem, ca.key: make_ca), with the
# extension sections [client] (clientAuth) and [server] (serverAuth, a.test) for ca_issue.
ca_setup()
{
	: >index.txt
	echo 1000 >serial
	cat >ca.cnf <<EOF
[ca]
default_ca = test
[test]
database = index.txt
serial = serial
new_certs_dir = .
certificate = ca.pem
private_key = ca.key
default_md = sha256
default_days = 2
default_crl_days = 2
policy = any
unique_subject = no
[any]
organizationName = optional
commonName = supplied
[client]
basicConstraints = CA:FALSE
keyUsage = digitalSignature
extendedKeyUsage = clientAuth
[server]
basicConstraints = CA:FALSE
keyUsage = digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:a.test
EOF
}

# ca_issue NAME SUBJECT SECTION [openssl ca options...]: NAME.key and NAME.leaf, a P-256
# certificate for SUBJECT ("/O=x/CN=y") with the extensions of SECTION, issued by ca.
ca_issue()
{
	_ci_n=$1 _ci_subj=$2 _ci_ext=$3
	shift 3
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$_ci_n.key" \
		-out "$_ci_n.csr" -subj "$_ci_subj" 2>"$_ci_n.err" &&
		openssl ca -batch -config ca.cnf -extensions "$_ci_ext" -in "$_ci_n.csr" -out "$_ci_n.leaf" "$@" \
			>>"$_ci_n.err" 2>&1 || { show "$_ci_n.err"; atf_fail "issuing $_ci_n failed"; }
}

# ---- configurations -----------------------------------------------------------------

# check_bad LINE MESSAGE: frontd -t on f.conf fails with exactly "f.conf:LINE: MESSAGE".
# NOT_CHECKED: the one line -t writes on stderr for a good file when no keyd runs (moat-frontd(8)).
NOT_CHECKED="moat-frontd: warning: keyd not reachable at .*: keys not checked"

check_bad()
{
	"$FRONTD" -t -f f.conf >t.out 2>t.err
	_rc=$?
	[ $_rc -eq 1 ] || { show f.conf t.err; atf_fail "exit $_rc, want 1, for: $2"; }
	[ ! -s t.out ] || { show t.out; atf_fail "output on stdout for: $2"; }
	[ "$(wc -l <t.err)" -eq 1 ] || { show f.conf t.err; atf_fail "not exactly one line for: $2"; }
	[ "$(cat t.err)" = "f.conf:$1: $2" ] || { show f.conf t.err; atf_fail "want 'f.conf:$1: $2'"; }
}

# site_conf LINES...: a valid config with LINES as the body of site "a.test" (no keyd runs at its
# keyd socket: -t warns that it did not check the keys).
site_conf()
{
	printf 'keyd "keyd.sock"\nlisten 127.0.0.1:8443\nsite "a.test" {\n'
	for _l in "$@"; do
		printf '\t%s\n' "$_l"
	done
	printf '}\n'
}

# ---- processes ----------------------------------------------------------------------

# start_keyd ARGS...: fake_keyd on ./keyd.sock with every key there is.
start_keyd()
{
	_keys=""
	for _k in a b r; do
		[ -f $_k.key ] && _keys="$_keys -k $_k.key"
	done
	# shellcheck disable=SC2086
	"$FAKE_KEYD" -s "$PWD/keyd.sock" $_keys "$@" >keyd.out 2>>keyd.err &
	KEYD_PID=$!
	bg_track "$KEYD_PID"
	wait_line keyd.out '^ready$' $KEYD_PID || { show keyd.err; atf_fail "fake_keyd did not start"; }
	rm -f keyd.out
}

# start_backend NAME GREETING [ARGS...]: an echo backend greeting with GREETING; sets NAME_PORT.
start_backend()
{
	_n=$1 _g=$2
	shift 2
	"$ECHO_BACKEND" -g "$_g" "$@" >"$_n.out" 2>"$_n.err" &
	_sb_pid=$!
	bg_track $_sb_pid
	eval "${_n}_PID=$_sb_pid"
	wait_listening "$_n.out" $_sb_pid || atf_fail "echo backend $_n did not start"
	eval "${_n}_PORT=$LISTEN_AT"
}

# start_frontd: frontd on conf.in with @PORT@ replaced by a free port (FPORT); waits for
# its worker to serve (FRONTD_PID is the master, FRONTD_WORKER the worker) and, unless
# NO_KEYD is set, for the keyd connection.
start_frontd()
{
	for _try in 1 2 3 4 5 6 7 8; do
		FPORT=$(free_port)
		sed "s/@PORT@/$FPORT/g" conf.in >f.conf
		# Emptied here, not by the redirection below: that happens in the
		# child, and the waits could still read the last frontd's "started".
		: >frontd.err
		"$FRONTD" -d -v -f f.conf >frontd.out 2>>frontd.err &
		FRONTD_PID=$!
		if wait_line frontd.err 'notice\]: worker [0-9]+ serving generation' $FRONTD_PID; then
			bg_track "$FRONTD_PID"
			FRONTD_WORKER=$(frontd_worker "$FRONTD_PID")
			expect_line frontd.err 'notice\]: started: '
			[ -n "$NO_KEYD" ] && return 0
			wait_line frontd.err 'keyd .*: connected' $FRONTD_PID && return 0
			show frontd.err
			atf_fail "frontd did not connect to keyd"
		fi
		wait "$FRONTD_PID" 2>/dev/null
		grep -q 'cannot listen' frontd.err || { show frontd.err; atf_fail "frontd did not start"; }
	done
	atf_fail "no free port for frontd"
}

# expect_line FILE REGEX: some line of FILE matches.
expect_line()
{
	grep -Eq "$2" "$1" && return 0
	show "$1"
	atf_fail "no line /$2/ in $1"
}

# stop_frontd [SECONDS]: SIGTERM must end frontd cleanly within SECONDS (default 5) once its
# connections have drained (status 0: under the sanitizers, also no leak and no error).
stop_frontd()
{
	frontd_alive
	kill -TERM "$FRONTD_PID"
	wait_exit "$FRONTD_PID" "${1:-5}"
	_rc=$?
	[ $_rc -eq 0 ] || { show frontd.err; atf_fail "frontd exited $_rc after SIGTERM"; }
	expect_line frontd.err 'signal 15: draining'
	frontd_clean_exit
}

# frontd_clean_exit: frontd's log has no sanitizer report.
frontd_clean_exit()
{
	! grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error' frontd.err || { show frontd.err; atf_fail "sanitizer report"; }
}

frontd_alive()
{
	kill -0 "$FRONTD_PID" 2>/dev/null || { show frontd.err; atf_fail "frontd is gone"; }
}
