# Shared helpers of the keyd daemon tests (sourced; the build copies it
# beside the test programs as tests/keyd/keyd_lib).
#
# Every test starts its own moat-keyd in the foreground (-d) with sockets in
# its work directory, keys made with the openssl command, and waits for it
# with bounded polls; a trap stops whatever is still running when the test
# ends, pass or fail. Key ids are computed here with openssl alone (SHA-256 of
# the DER SubjectPublicKeyInfo), so keyd's own ids are checked, not trusted.
# Waits, background processes and keys: tests/lib/moat_test_lib.

. "$(atf_get_srcdir)/../lib/moat_test_lib"

KEYD_BIN="$(atf_get_srcdir)/../../keyd"
KEYD="${KEYD_BIN}/moat-keyd"
KEYCTL="${KEYD_BIN}/moat-keyctl"
KEYD_TEST="$(atf_get_srcdir)/moat-keyd-test"
CLIENT="$(atf_get_srcdir)/ipc-client"

# How long keyd may take to start or stop (sanitizer builds lock a large address space).
WAIT_SECONDS=20

# An unprivileged run cannot lock memory; root runs lock it as in production.
[ "$(id -u)" = 0 ] || export MOAT_DONT_MLOCK=1

KEYD_PID=""
SOCKDIR=""

# After the library's cleanup of BG_PIDS: the keyd under test (SIGKILL: a test
# may have left it stopped), any keyd that daemonised from this test's
# configuration before the test learnt its pid (a test that failed early would
# otherwise leave it running), and the socket directory.
keyd_cleanup()
{
	[ -n "$KEYD_PID" ] && kill -KILL "$KEYD_PID" 2>/dev/null
	pkill -KILL -f -- "-f $(pwd)/keyd.conf( |\$)" 2>/dev/null
	[ -n "$SOCKDIR" ] && rm -rf "$SOCKDIR"
	return 0
}
MOAT_CLEANUP=keyd_cleanup

# make_keys NAME...: NAME.key (PEM), NAME.pub.der and NAME.id for each of rsa pss p256 p384 rsa4096.
make_keys()
{
	require_built "$KEYD" "$KEYCTL" "$KEYD_TEST" "$CLIENT"
	for _k in "$@"; do
		case $_k in
		rsa | pss | p256 | p384 | rsa4096) make_key "$_k.key" "$_k" ;;
		*) atf_fail "make_keys: unknown key $_k" ;;
		esac
		openssl pkey -in "$_k.key" -pubout -outform DER -out "$_k.pub.der" 2>/dev/null ||
			atf_fail "extracting the $_k public key failed"
		openssl dgst -sha256 -r "$_k.pub.der" | cut -d' ' -f1 >"$_k.id"
	done
}

key_id()
{
	cat "$1.id"
}

# use_sockdir DIR: put the sockets in DIR (default: the work directory).
use_sockdir()
{
	SOCKDIR=$1
}

data_sock()
{
	echo "${SOCKDIR:-$(pwd)}/keyd.sock"
}

ctl_sock()
{
	echo "${SOCKDIR:-$(pwd)}/ctl.sock"
}

# write_conf KEY... [-- DIRECTIVE...]: keyd.conf serving KEY.key, allowing the current user.
#
# The test serves its own uid from key files it owns, and runs keyd as root
# without "user" when it is root: both are what keyd refuses unless told
# (insecure-same-user, insecure-run-as-root), so the file says so, after the
# test's own directives (their line numbers stay those the tests expect).
# Keys may make every signature and decryption the tests ask for (tls12,
# and rsa-key-exchange for the RSA keys); KEYD_CONF_DEFAULTS=1 leaves the
# keys, and keyd, at their defaults.
write_conf()
{
	{
		echo "socket \"$(data_sock)\""
		echo "control-socket \"$(ctl_sock)\""
		echo "allow uid $(id -u)"
		while [ $# -gt 0 ] && [ "$1" != "--" ]; do
			if [ -n "${KEYD_CONF_DEFAULTS:-}" ]; then
				echo "key \"$1.key\" { name \"$1\" }"
			else
				case $1 in
				rsa | rsa4096) _use="; tls12 yes; rsa-key-exchange yes" ;;
				*) _use="; tls12 yes" ;;
				esac
				echo "key \"$1.key\" { name \"$1\"$_use }"
			fi
			shift
		done
		[ $# -gt 0 ] && shift
		for _d in "$@"; do
			echo "$_d"
		done
		if [ -z "${KEYD_CONF_DEFAULTS:-}" ]; then
			echo "insecure-same-user yes"
			[ "$(id -u)" != 0 ] || echo "insecure-run-as-root yes"
		fi
	} >keyd.conf
}

keyd_answers()
{
	"$KEYCTL" -s "$(ctl_sock)" ping >/dev/null 2>&1
}

# wait_ready PID: until keyd answers on its control socket; fails if it dies or takes too long.
wait_ready()
{
	wait_until -p "$1" keyd_answers && return 0
	cat keyd.log >&2
	is_gone "$1" && atf_fail "keyd exited during startup"
	atf_fail "keyd did not start within ${WAIT_SECONDS}s"
}

# start_keyd [BINARY] [ARGS...]: keyd -d -f keyd.conf in the background, logging to keyd.log.
start_keyd()
{
	_bin=$KEYD
	if [ $# -gt 0 ] && [ -x "$1" ]; then
		_bin=$1
		shift
	fi
	"$_bin" -d -f "$(pwd)/keyd.conf" "$@" >keyd.log 2>&1 &
	KEYD_PID=$!
	wait_ready "$KEYD_PID"
}

# stop_keyd: SIGTERM, and keyd must exit 0.
stop_keyd()
{
	kill -TERM "$KEYD_PID" || atf_fail "keyd is not running"
	wait_exit "$KEYD_PID"
	KEYD_PID=""
	if [ "$EXIT_STATUS" != 0 ]; then
		cat keyd.log >&2
		atf_fail "keyd exited with status $EXIT_STATUS after SIGTERM"
	fi
	grep -q "SIGTERM: shutting down" keyd.log || atf_fail "keyd did not log its shutdown"
}

# keyd_alive: keyd still runs and answers a fresh peer.
keyd_alive()
{
	kill -0 "$KEYD_PID" 2>/dev/null || { cat keyd.log >&2; atf_fail "keyd died"; }
	atf_check -o inline:"hello ok version=1 max_inflight=$1 max_message=8192\nping ok\n" \
		"$CLIENT" -s "$(data_sock)" hello ping
}

# client ARGS...: the test client on the data socket.
client()
{
	"$CLIENT" -s "$(data_sock)" "$@"
}

# worker_switches: voluntary context switches of keyd's threads other than the main one (the
# signing threads): each sleep of a signing thread between jobs is one.
worker_switches()
{
	for _t in /proc/"$KEYD_PID"/task/*; do
		[ "${_t##*/}" = "$KEYD_PID" ] && continue
		awk '/^voluntary_ctxt_switches:/ { print $2 }' "$_t/status"
	done | awk '{ n += $1 } END { print n + 0 }'
}

# stat_value NAME: a STATS counter.
stat_value()
{
	"$KEYCTL" -s "$(ctl_sock)" stats | awk -v n="$1" '$1 == n { print $2 }'
}
