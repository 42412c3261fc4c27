# Shared helpers of the interop tests (sourced; the build copies it beside
# the test programs as tests/interop/interop_lib).
#
# The tests run our example programs (tls/examples) against OpenSSL's and
# GnuTLS's command-line tools. Every peer runs in the background under
# `timeout`, every wait is bounded, and ports are picked by the kernel
# (port 0): our server prints the port it got; for the other tools the port
# is read from /proc (their listening socket's inode), since they do not say.
#
# Each test case runs its combinations (several at a time: spawn) and
# collects the failures by name, so one broken combination does not hide the
# others and the report says exactly which ones broke.
#
# Waits, background processes, ports and certificates: tests/lib/moat_test_lib.

. "$(atf_get_srcdir)/../lib/moat_test_lib"

MOAT_EXAMPLES="$(atf_get_srcdir)/../../tls/examples"
MOAT_SERVER="${MOAT_EXAMPLES}/moat-tls-server"
MOAT_CLIENT="${MOAT_EXAMPLES}/moat-tls-client"

# How long one peer may live, and how long any single wait may take.
PEER_LIFETIME=60
WAIT_SECONDS=15

# ---- certificates ------------------------------------------------------

# make_pki [LEAF...]: a throwaway PKI in the work directory (default: every leaf):
#   ca                 the CA every peer trusts
#   rsa p256 p384 pss  server leaves (RSA-2048, ECDSA P-256, ECDSA P-384, RSA-PSS-2048),
#                      SAN DNS:localhost and IP:127.0.0.1
#   client client_rsa  client leaves (ECDSA P-256, RSA-2048)
#   untrusted          a leaf signed by other_ca, a CA nobody trusts
# Only the leaves a case uses are made: RSA key generation dominates the setup time.
make_pki()
{
	require_built "$MOAT_SERVER" "$MOAT_CLIENT"
	make_ca ca moat-interop-ca
	[ $# -gt 0 ] || set -- rsa p256 p384 pss client client_rsa untrusted
	for _leaf in "$@"; do
		case $_leaf in
		rsa | client_rsa) make_cert $_leaf rsa localhost ;;
		p256 | client) make_cert $_leaf p256 localhost ;;
		p384) make_cert $_leaf p384 localhost ;;
		pss) make_cert $_leaf pss localhost ;;
		untrusted)
			make_ca other_ca moat-untrusted-ca
			make_cert -c other_ca untrusted p256 localhost
			;;
		*) atf_fail "make_pki: unknown leaf $_leaf" ;;
		esac
	done
}

# make_data FILE BYTES: text lines (GnuTLS's echo server echoes whole lines).
make_data()
{
	head -c "$(($2 * 3 / 4 + 64))" /dev/urandom | base64 -w 63 | head -c "$2" >"$1.tmp"
	# End on a newline so a line-based echo returns everything.
	{ head -c "$(($2 - 1))" "$1.tmp"; echo; } >"$1"
	rm -f "$1.tmp"
}

# ---- combinations and failures ------------------------------------------------
#
# A combination leaves its verdict in files ($N.combo, $N.FAILED, $N.PASSED) so
# it can run in the background (spawn) as well as inline; finish counts them.

PARALLEL=${MOAT_INTEROP_JOBS:-4}
JOBS=""
NJOBS=0

# combo NAME: start a combination. Its files are named NAME.* (logs, outputs).
combo()
{
	N=$1
	: >"$N.combo"
}

# fail REASON: record the current combination as failed and show its logs.
fail()
{
	echo "$1" >>"$N.FAILED"
	echo "=== FAILED ${N}: $1" >&2
	for _f in "$N".*; do
		case $_f in
		*.in | *.loop | *.combo | *.FAILED | *.log) continue ;;
		esac
		[ -f "$_f" ] || continue
		echo "--- ${_f}:" >&2
		head -c 3000 "$_f" >&2
		echo >&2
	done
	return 1
}

pass()
{
	[ -f "$N.FAILED" ] || : >"$N.PASSED"
	echo "ok ${N}"
}

# spawn NAME FUNCTION ARGS...: run one combination in the background, output in NAME.log,
# at most PARALLEL at a time. Each waits on its own peers, so they do not share ports.
spawn()
{
	_name=$1
	shift
	(
		combo "$_name"
		"$@"
	) >"$_name.log" 2>&1 &
	JOBS="$JOBS $!"
	NJOBS=$((NJOBS + 1))
	[ $NJOBS -lt "$PARALLEL" ] || wait_jobs
}

wait_jobs()
{
	for _j in $JOBS; do
		wait "$_j"
	done
	JOBS=""
	NJOBS=0
}

# expect FILE REGEX...: every REGEX (awk ERE) matches some line of FILE; one process per call.
expect()
{
	_f=$1
	shift
	_missing=$(awk 'BEGIN { n = ARGC - 2; for (i = 1; i <= n; i++) { re[i] = ARGV[i]; ARGV[i] = "" } }
		{ for (i = 1; i <= n; i++) if (!(i in hit) && $0 ~ re[i]) hit[i] = 1 }
		END { for (i = 1; i <= n; i++) if (!(i in hit)) { print re[i]; exit } }' "$@" "$_f" 2>&1)
	[ -z "$_missing" ] && return 0
	fail "no line /$_missing/ in $_f"
}

# same DATA FILE: FILE holds exactly DATA.
same()
{
	cmp -s "$1" "$2" && return 0
	fail "$2 differs from $1 ($(file_size "$2") of $(file_size "$1") bytes)"
}

# finish: wait for spawned combinations, then pass the case or fail it naming every failed one.
finish()
{
	wait_jobs
	_total=0 _nfail=0 _list=""
	for _m in *.combo; do
		[ -f "$_m" ] || continue
		_c=${_m%.combo}
		_total=$((_total + 1))
		_why=""
		if [ -f "$_c.FAILED" ]; then
			_why=$(head -n 1 "$_c.FAILED")
		elif [ ! -f "$_c.PASSED" ]; then
			_why="no verdict"
		fi
		if [ -n "$_why" ]; then
			_nfail=$((_nfail + 1))
			_list="${_list}${_list:+; }${_c}: ${_why}"
			[ -f "$_c.log" ] && cat "$_c.log" >&2
		elif [ -f "$_c.log" ]; then
			cat "$_c.log"
		fi
	done
	echo "${_total} combinations, ${_nfail} failed"
	[ "$_nfail" -eq 0 ] || atf_fail "${_nfail} of ${_total} combinations failed: ${_list}"
}

# ---- our programs ----------------------------------------------------------

# server_start ARGS...: our server on a free port for the current combination;
# sets SERVER_PID and PORT; output in $N.srv.out, $N.srv.err.
server_start()
{
	timeout "$PEER_LIFETIME" "$MOAT_SERVER" --listen 127.0.0.1:0 --timeout 10 "$@" \
		>"$N.srv.out" 2>"$N.srv.err" &
	SERVER_PID=$!
	bg_track "$SERVER_PID"
	wait_listening "$N.srv.out" "$SERVER_PID" || fail "our server did not start" || return 1
	PORT=$LISTEN_AT
}

# server_status: our server's exit status (it exits after --count connections).
server_status()
{
	wait_exit "$SERVER_PID"
}

# client_run ARGS...: our client against 127.0.0.1:$PORT; output in $N.cli.out,
# $N.cli.err; returns its exit status.
client_run()
{
	timeout "$WAIT_SECONDS" "$MOAT_CLIENT" --connect "127.0.0.1:$PORT" --timeout 10 "$@" \
		>"$N.cli.out" 2>"$N.cli.err"
}

# ---- peers ----------------------------------------------------------------

# peer_run INPUT EXPECT_BYTES CMD...: run a client tool with stdout in $N.out and stderr
# in $N.err. INPUT (a file, or @function to run) is written to its stdin, which then
# stays open until $N.out holds EXPECT_BYTES (or the tool exits) and closes: the
# tool then sends close_notify. Returns the tool's exit status.
peer_run()
{
	_input=$1 _want=$2
	shift 2
	mkfifo "$N.in"
	: >"$N.out"
	timeout "$WAIT_SECONDS" "$@" <"$N.in" >"$N.out" 2>"$N.err" &
	_pid=$!
	exec 4>"$N.in"
	case $_input in
	@*) ("${_input#@}") >&4 2>/dev/null ;;
	*) cat "$_input" >&4 2>/dev/null ;;
	esac
	wait_size "$N.out" "$_want" "$_pid"
	exec 4>&-
	wait_exit "$_pid"
}

# echo_loop_start CMD...: a server tool whose stdout is fed back into its stdin
# through a FIFO (openssl s_server -quiet then echoes); sets PEER_PID and PORT.
echo_loop_start()
{
	mkfifo "$N.loop"
	exec 5<>"$N.loop"
	timeout "$PEER_LIFETIME" "$@" <&5 >&5 2>"$N.peer.err" &
	PEER_PID=$!
	exec 5>&-
	bg_track "$PEER_PID"
	wait_listen_port "$PEER_PID" || fail "peer server did not start"
}

# peer_start CMD...: a server tool with output in $N.peer.out, $N.peer.err; sets PEER_PID and PORT.
peer_start()
{
	timeout "$PEER_LIFETIME" "$@" </dev/null >"$N.peer.out" 2>"$N.peer.err" &
	PEER_PID=$!
	bg_track "$PEER_PID"
	wait_listen_port "$PEER_PID" || fail "peer server did not start"
}

peer_stop()
{
	kill "$PEER_PID" 2>/dev/null
	wait "$PEER_PID" 2>/dev/null
	return 0
}

# ---- names ------------------------------------------------------------------

# Our names for what the peers call the groups, and the signature scheme we expect per key.
moat_curve()
{
	case $1 in
	X25519 | x25519) echo x25519 ;;
	P-256 | SECP256R1 | prime256v1) echo secp256r1 ;;
	P-384 | SECP384R1 | secp384r1) echo secp384r1 ;;
	X448 | x448) echo x448 ;;
	P-521 | SECP521R1 | secp521r1) echo secp521r1 ;;
	ffdhe* | FFDHE*) echo "$1" | tr 'A-Z' 'a-z' ;;
	esac
}

# The scheme a TLS 1.3 server must use with each of our keys (RFC 8446 §4.2.3): ECDSA is tied
# to its curve; RSA keys sign with RSA-PSS (rsaEncryption: rsae, id-RSASSA-PSS: pss).
expected_sig()
{
	case $1 in
	rsa | client_rsa) echo 0x0804 ;;
	p256 | client) echo 0x0403 ;;
	p384) echo 0x0503 ;;
	pss) echo 0x0809 ;;
	esac
}
