# Shared helpers of the end-to-end tests (sourced; the build copies it
# beside the test programs as tests/e2e/lib).
#
# Each test case runs its own moat-keyd, moat-frontd and demo backend(s)
# on free ports, with everything it makes (PKI, configurations, sockets,
# logs) in a run directory of its own under /tmp: mode 0755, so that a
# frontd that dropped to `nobody` can reach the keyd socket and its
# certificates, while the private keys (mode 0600, owned by the test's user)
# stay unreadable to it.
#
# The work directory (the test's cwd, kept by Kyua for the cleanup routine)
# holds only the bookkeeping: e2e.rundir names the run directory and
# e2e.pids lists "NAME PID" for every process started, so the cleanup
# routine can stop exactly those, by id, and remove the run directory.
#
# Every wait is bounded by WAIT_SECONDS; every client runs under a timeout.
# Waits, ports and certificates: tests/lib/moat_test_lib. The processes are
# tracked here, on disk, not in the library's BG_PIDS: the cleanup routine
# that stops them runs in a shell of its own.

. "$(atf_get_srcdir)/../lib/moat_test_lib"

E2E_TOP="$(atf_get_srcdir)/../.."
MOAT_KEYD="$E2E_TOP/keyd/moat-keyd"
MOAT_KEYCTL="$E2E_TOP/keyd/moat-keyctl"
MOAT_FRONTD="$E2E_TOP/frontd/moat-frontd"
MOAT_BACKEND="$E2E_TOP/tls/examples/moat-demo-backend"
MEMSCAN="$(atf_get_srcdir)/memscan"
LOADGEN="$E2E_TOP/tests/bench/loadgen"

WAIT_SECONDS=${MOAT_E2E_WAIT:-15}
# moat-frontd's worker processes (its "workers" directive) unless frontd.extra
# says: 1 by default, so that a test sees one process serve; a program that
# sets E2E_WORKERS before sourcing this file (or MOAT_E2E_WORKERS in the
# environment) runs all its cases with more.
E2E_WORKERS=${E2E_WORKERS:-${MOAT_E2E_WORKERS:-1}}

# ---- setup and cleanup --------------------------------------------------

# e2e_init: check the programs exist, make the run directory. Sets RUN, CERT_DIR and
# FRONTD_USER (nobody when root, else the current user: then everything
# runs as one user and the isolation checks that need two users skip).
e2e_init()
{
	require_built "$MOAT_KEYD" "$MOAT_FRONTD" "$MOAT_BACKEND"
	RUN=$(mktemp -d /tmp/moat-e2e.XXXXXX) || atf_fail "mktemp failed"
	chmod 0755 "$RUN"
	# Keys and certificates (make_ca, make_cert) go to the run directory.
	CERT_DIR=$RUN
	echo "$RUN" >e2e.rundir
	: >e2e.pids
	if [ "$(id -u)" -eq 0 ]; then
		FRONTD_USER=nobody
	else
		FRONTD_USER=$(id -un)
	fi
	FRONTD_PORT=""
	E2E_SITES="$RUN/sites.conf"
	: >"$E2E_SITES"
}

# The command line of a live process, spaces for NULs ("" if it is gone).
e2e_cmdline()
{
	{ tr '\0' ' ' <"/proc/$1/cmdline"; } 2>/dev/null
}

# e2e_kill PID PATTERN [SIGNAL]: signal PID if it is still the process we
# started (its command line contains PATTERN): a pid may have been reused.
e2e_kill()
{
	case "$(e2e_cmdline "$1")" in
	*"$2"*) kill "-${3:-TERM}" "$1" 2>/dev/null ;;
	*) return 1 ;;
	esac
}

# e2e_cleanup: the cleanup routine of every test case (it runs in the same
# work directory as the body, in a new shell: all it knows is on disk).
e2e_cleanup()
{
	if [ -f e2e.pids ]; then
		while read -r _name _pid; do
			e2e_kill "$_pid" "$_name" TERM
		done <e2e.pids
		_i=0
		while [ $_i -lt 50 ]; do
			_alive=0
			while read -r _name _pid; do
				case "$(e2e_cmdline "$_pid")" in *"$_name"*) _alive=1 ;; esac
			done <e2e.pids
			[ $_alive -eq 0 ] && break
			sleep 0.1
			_i=$((_i + 1))
		done
		while read -r _name _pid; do
			e2e_kill "$_pid" "$_name" KILL
		done <e2e.pids
	fi
	if [ -f e2e.rundir ]; then
		_run=$(cat e2e.rundir)
		case $_run in
		/tmp/moat-e2e.*) rm -rf "$_run" ;;
		esac
	fi
	return 0
}

# e2e_track NAME PID: remember a process for the cleanup routine. NAME is a
# string its command line contains (the program path).
e2e_track()
{
	echo "$1 $2" >>e2e.pids
}

# e2e_logs: every log of the run, to stderr (on failure, for the report).
e2e_logs()
{
	for _f in "$RUN"/*.log; do
		[ -f "$_f" ] || continue
		echo "--- $_f:" >&2
		tail -n 40 "$_f" >&2
	done
}

# e2e_fail MESSAGE: fail the test case, showing the logs first.
e2e_fail()
{
	e2e_logs
	atf_fail "$1"
}

# ---- key material --------------------------------------------------------------

# e2e_secret KEYFILE: the private key's secret components as hex, one per
# line: RSA (and RSA-PSS) d, p, q, dP, dQ and qInv; EC the private scalar.
e2e_secret()
{
	openssl pkey -in "$1" -text -noout 2>/dev/null | awk '
		/^[A-Za-z]/ {
			if (cur != "") print cur
			cur = ""
			on = ($1 == "privateExponent:" || $1 == "prime1:" || $1 == "prime2:" || $1 == "exponent1:" ||
			      $1 == "exponent2:" || $1 == "coefficient:" || $1 == "priv:")
			next
		}
		on && /^ / { gsub(/[ :]/, ""); cur = cur $0 }
		END { if (cur != "") print cur }'
}

# e2e_secret_encoded KEYFILE: the key file's private part as it is encoded,
# two lines of hex: the PKCS#8 DER from the DER header of the first secret
# component to the end of the last (RSA: d..qInv; EC: the private scalar's
# OCTET STRING), and the PEM text (base64 lines and their newlines) that
# encodes exactly those bytes. The public parts around them (algorithm
# identifier, modulus, public point) are left out: frontd holds those, in its
# certificates, and they would be found for the wrong reason.
e2e_secret_encoded()
{
	_der=$(sed '/^-----/d' "$1" | base64 -d | od -An -tx1 -v | tr -d ' \n')
	_pem=$(sed '/^-----/d' "$1" | od -An -tx1 -v | tr -d ' \n')
	e2e_secret "$1" | awk -v der="$_der" -v pem="$_pem" '
		# The first even (byte-aligned) position of s in der, 1-based; 0 if none.
		function at(s,   p, off) {
			off = 0
			while ((p = index(substr(der, off + 1), s)) > 0) {
				off += p
				if ((off - 1) % 2 == 0)
					return off
			}
			return 0
		}
		{
			v = $0
			sub(/^(00)+/, "", v)
			p = at(v)
			if (p == 0) { missing = 1; exit }
			if (first == 0 || p < first) first = p
			if (p + length(v) > last) last = p + length(v)
		}
		END {
			if (missing || first == 0) exit 1
			# Four bytes before the first value: its tag and length (the windows must hold private bytes anyway).
			start = first - 8
			if (start < 1) start = 1
			print substr(der, start, last - start)
			# Whole base64 groups (3 bytes, 4 characters) inside the bytes [sb, eb); 64 characters a line.
			sb = (start - 1) / 2
			eb = (last - 1) / 2
			g0 = int((sb + 2) / 3)
			g1 = int(eb / 3)
			c0 = 4 * g0
			c1 = 4 * g1
			t0 = c0 + int(c0 / 64)
			t1 = (c1 - 1) + int((c1 - 1) / 64) + 1
			print substr(pem, 2 * t0 + 1, 2 * (t1 - t0))
		}'
}

# ---- the demo backend -------------------------------------------------------

# backend_start NAME [MODE] [LISTEN]: a demo backend (http or echo) on a free
# port of 127.0.0.1 (or LISTEN, e.g. unix:PATH). Sets BACKEND_PID and
# BACKEND (the address to write after `backend` in frontd.conf).
backend_start()
{
	_name=$1 _mode=${2:-http} _listen=${3:-127.0.0.1:0}
	"$MOAT_BACKEND" --listen "$_listen" --mode "$_mode" >"$RUN/$_name.out" 2>"$RUN/$_name.log" &
	BACKEND_PID=$!
	e2e_track "$MOAT_BACKEND" "$BACKEND_PID"
	wait_listening "$RUN/$_name.out" "$BACKEND_PID" || e2e_fail "backend $_name did not start"
	case $LISTEN_AT in
	unix:*) BACKEND="unix \"${LISTEN_AT#unix:}\"" ;;
	*) BACKEND="127.0.0.1:$LISTEN_AT" ;;
	esac
}

# ---- moat-keyd ------------------------------------------------------------------

# keyd_conf ALLOW KEYNAME...: $RUN/keyd.conf serving $RUN/KEYNAME.key for the
# peers ALLOW names ('user "nobody"', 'uid 1000', ...). Extra lines may be
# appended to $RUN/keyd.conf before keyd_start.
keyd_conf()
{
	_allow=$1
	shift
	{
		echo "# moat-keyd for an end-to-end test"
		echo "socket \"$RUN/keyd.sock\""
		echo "control-socket \"$RUN/keyctl.sock\""
		echo "allow $_allow"
		for _k in "$@"; do
			echo "key \"$RUN/$_k.key\""
		done
		if [ "$(id -u)" -eq 0 ]; then
			# As in production: keyd drops root for a user of its own, not frontd's.
			if id daemon >/dev/null 2>&1; then
				echo "user \"daemon\""
			else
				echo "insecure-run-as-root yes"
			fi
		else
			# One account runs everything: frontd could read the key files itself (moat-keyd(8), SECURITY).
			echo "insecure-same-user yes"
		fi
	} >"$RUN/keyd.conf"
}

# The allow line for the user frontd runs as.
frontd_allow()
{
	if [ "$(id -u)" -eq 0 ]; then
		echo "user \"$FRONTD_USER\""
	else
		echo "uid $(id -u)"
	fi
}

# keyd_start: moat-keyd -d on $RUN/keyd.conf; waits until it answers. Sets KEYD_PID.
#
# Memory locking is left on when the test runs as root (CAP_IPC_LOCK); as a
# normal user, or under AddressSanitizer (whose shadow cannot be locked),
# MOAT_DONT_MLOCK=1.
keyd_start()
{
	_env=""
	if [ "$(id -u)" -ne 0 ] || grep -q __asan_init "$MOAT_KEYD" 2>/dev/null; then
		_env="MOAT_DONT_MLOCK=1"
	fi
	env $_env "$MOAT_KEYD" -d -f "$RUN/keyd.conf" >>"$RUN/keyd.log" 2>&1 &
	KEYD_PID=$!
	e2e_track "$MOAT_KEYD" "$KEYD_PID"
	wait_until -p "$KEYD_PID" test -S "$RUN/keyd.sock" || e2e_fail "moat-keyd did not start"
	if [ -x "$MOAT_KEYCTL" ]; then
		wait_until -p "$KEYD_PID" keyd_answers || e2e_fail "moat-keyd does not answer ping"
	fi
}

keyd_answers()
{
	"$MOAT_KEYCTL" -s "$RUN/keyctl.sock" ping >/dev/null 2>&1
}

# ---- moat-frontd ----------------------------------------------------------------

# e2e_site NAME BACKEND CERT... [-- LINE...]: append a site block to the
# sites of the next frontd_start: certificates $RUN/CERT.pem, then LINEs
# ('name "*.x.test"', 'alpn "http/1.1"', 'default') as they are.
e2e_site()
{
	_name=$1 _backend=$2
	shift 2
	{
		echo "site \"$_name\" {"
		while [ $# -gt 0 ] && [ "$1" != "--" ]; do
			echo "	certificate \"$RUN/$1.pem\""
			shift
		done
		[ $# -gt 0 ] && shift
		echo "	backend $_backend"
		for _l in "$@"; do
			echo "	$_l"
		done
		echo "}"
	} >>"$E2E_SITES"
}

# frontd_conf: $RUN/frontd.conf listening on FRONTD_PORT (followed by
# E2E_LISTEN_OPTS, e.g. 'proxy-protocol 127.0.0.1', if set) with the sites so
# far, after the top-level lines of $RUN/frontd.extra if there is one
# (limits, timeouts; keyd-timeout is 2s and handshake-timeout 10s unless it
# names them).
frontd_conf()
{
	{
		echo "# moat-frontd for an end-to-end test"
		[ "$(id -u)" -eq 0 ] && echo "user \"$FRONTD_USER\""
		echo "keyd \"$RUN/keyd.sock\""
		grep -q '^keyd-timeout' "$RUN/frontd.extra" 2>/dev/null || echo "keyd-timeout 2s"
		grep -q '^handshake-timeout' "$RUN/frontd.extra" 2>/dev/null || echo "handshake-timeout 10s"
		echo "listen 127.0.0.1:$FRONTD_PORT${E2E_LISTEN_OPTS:+ $E2E_LISTEN_OPTS}"
		grep -q '^workers' "$RUN/frontd.extra" 2>/dev/null || echo "workers $E2E_WORKERS"
		[ -f "$RUN/frontd.extra" ] && cat "$RUN/frontd.extra"
		cat "$E2E_SITES"
	} >"$RUN/frontd.conf"
}

# frontd_start: moat-frontd -d on a free port with the sites so far; waits
# until its workers serve. Sets FRONTD_PID (the master: signals go there),
# FRONTD_WORKER (the first sandboxed process that serves: moat-frontd(8),
# PROCESSES; frontd_workers lists them all) and FRONTD_PORT. A port taken between the choice and the bind
# is retried with another.
frontd_start()
{
	for _try in 1 2 3; do
		FRONTD_PORT=$(free_port)
		frontd_conf
		_fs_mark=$({ wc -l <"$RUN/frontd.log"; } 2>/dev/null || echo 0)
		"$MOAT_FRONTD" -d -f "$RUN/frontd.conf" >>"$RUN/frontd.log" 2>&1 &
		FRONTD_PID=$!
		e2e_track "$MOAT_FRONTD" "$FRONTD_PID"
		if wait_port "$FRONTD_PORT" "$FRONTD_PID" &&
			wait_until -p "$FRONTD_PID" frontd_logged_since "$_fs_mark" 'serving: generation [0-9]+'; then
			FRONTD_WORKER=$(frontd_worker "$FRONTD_PID")
			[ -n "$FRONTD_WORKER" ] && return 0
		fi
		kill -0 "$FRONTD_PID" 2>/dev/null && break
		grep -qi "in use" "$RUN/frontd.log" || break
	done
	e2e_fail "moat-frontd did not start listening on $FRONTD_PORT"
}

# frontd_worker_at INDEX: the pid of worker INDEX (0..workers-1) of the
# newest generation that served, from the master's log line.
frontd_worker_at()
{
	sed -n "s/.*worker \([0-9]*\) serving generation [0-9]* (worker $1 of [0-9]*).*/\1/p" "$RUN/frontd.log" |
		tail -n 1
}

# frontd_logged_since MARK REGEX: a line of frontd.log after line MARK matches.
frontd_logged_since()
{
	tail -n +"$(($1 + 1))" "$RUN/frontd.log" 2>/dev/null | grep -Eq "$2"
}

# frontd_alive: fail unless the frontd we started still runs.
frontd_alive()
{
	kill -0 "$FRONTD_PID" 2>/dev/null || e2e_fail "moat-frontd died"
}

stats_lines()
{
	grep -c 'stats (SIGUSR1)' "$RUN/frontd.log"
}

stats_lines_above()
{
	[ "$(stats_lines)" -ge "$(($1 + $2))" ]
}

# frontd_stat NAME: one counter from frontd's statistics, asked for with
# SIGUSR1 (moat-frontd(8)): each worker logs its own line, and this is the
# sum over the lines of every worker the master has. Fails the test if the
# fresh lines do not come.
frontd_stat()
{
	_before=$(stats_lines)
	_nw=$(frontd_workers "$FRONTD_PID" | wc -l)
	kill -USR1 "$FRONTD_PID"
	wait_until stats_lines_above "$_before" "$_nw" || e2e_fail "frontd did not log its statistics on SIGUSR1"
	grep 'stats (SIGUSR1)' "$RUN/frontd.log" | tail -n +"$((_before + 1))" |
		sed -n "s/.* $1=\([0-9]*\).*/\1/p" | awk '{ s += $1 } END { print s + 0 }'
}

# wait_for_stat NAME OP VALUE [SECONDS]: until frontd's counter NAME compares
# so with VALUE (test(1) operators: -eq, -ge, -le, ...).
wait_for_stat()
{
	_end=$(($(date +%s) + ${4:-$WAIT_SECONDS}))
	while :; do
		_v=$(frontd_stat "$1")
		[ "$_v" "$2" "$3" ] && return 0
		[ "$(date +%s)" -lt "$_end" ] || return 1
		sleep 0.2
	done
}

# proc_status PID FIELD: a field of /proc/PID/status in kB (VmLck, VmRSS).
proc_status()
{
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

# ---- clients ----------------------------------------------------------------------

# e2e_curl HOST PATH [CURL_ARGS...]: curl https://HOST:FRONTD_PORT/PATH,
# HOST resolved to 127.0.0.1, trusting only the test CA.
e2e_curl()
{
	_host=$1 _path=$2
	shift 2
	curl -sS --max-time 30 --cacert "$RUN/ca.pem" --resolve "$_host:$FRONTD_PORT:127.0.0.1" "$@" \
		"https://$_host:$FRONTD_PORT$_path"
}

# e2e_s_client SERVERNAME [S_CLIENT_ARGS...]: one handshake with openssl
# s_client (stdin closed: it connects, handshakes, and leaves), verifying
# against the test CA. SERVERNAME "-" sends no SNI.
e2e_s_client()
{
	_sn=$1
	shift
	if [ "$_sn" = - ]; then
		set -- -noservername "$@"
	else
		set -- -servername "$_sn" "$@"
	fi
	timeout "$WAIT_SECONDS" openssl s_client -connect "127.0.0.1:$FRONTD_PORT" -CAfile "$RUN/ca.pem" \
		-verify_return_error "$@" </dev/null 2>&1
}

# e2e_s_client_send SERVERNAME INPUT [S_CLIENT_ARGS...]: s_client sending the
# file INPUT and reading until the server closes (-ign_eof); application data
# on stdout, s_client's own chatter suppressed (-quiet).
e2e_s_client_send()
{
	_sn=$1 _in=$2
	shift 2
	timeout "$WAIT_SECONDS" openssl s_client -connect "127.0.0.1:$FRONTD_PORT" -servername "$_sn" \
		-CAfile "$RUN/ca.pem" -verify_return_error -quiet -ign_eof "$@" <"$_in" 2>/dev/null
}

# e2e_pattern FILE N: the backend's /bytes/N stream, made here independently:
# byte i is (i*7+3) & 0xff, so one 256-byte block repeats.
e2e_pattern()
{
	_blk="$1.blk"
	: >"$_blk"
	_i=0
	_s=""
	while [ $_i -lt 256 ]; do
		_s="$_s\\$(printf '%03o' $(((_i * 7 + 3) % 256)))"
		_i=$((_i + 1))
	done
	# shellcheck disable=SC2059 # the format is the 256 octal escapes
	printf "$_s" >"$_blk"
	# Doubling to at least N bytes, then cut.
	while [ "$(wc -c <"$_blk")" -lt "$2" ]; do
		cat "$_blk" "$_blk" >"$_blk.2" && mv "$_blk.2" "$_blk"
	done
	head -c "$2" "$_blk" >"$1"
	rm -f "$_blk"
}

# An interactive s_client session (one at a time), for echo sites: the
# session's stdin is a FIFO held open on fd 7, so the connection stays up
# between lines; closing it makes s_client send close_notify and leave.
#   session_start SERVERNAME   connect; output in $RUN/session.out
#   session_say TEXT           send a line, wait for it to come back
#   session_end                close and wait for s_client to exit
session_start()
{
	rm -f "$RUN/session.fifo"
	mkfifo "$RUN/session.fifo"
	: >"$RUN/session.out"
	timeout "$WAIT_SECONDS" openssl s_client -connect "127.0.0.1:$FRONTD_PORT" -servername "$1" \
		-CAfile "$RUN/ca.pem" -verify_return_error -brief <"$RUN/session.fifo" >"$RUN/session.out" \
		2>"$RUN/session.log" &
	SESSION_PID=$!
	exec 7>"$RUN/session.fifo"
}

session_say()
{
	printf '%s\n' "$1" >&7
	wait_line "$RUN/session.out" "^$1\$"
}

session_end()
{
	exec 7>&-
	wait_exit "$SESSION_PID"
}

# http_request FILE PATH: an HTTP/1.1 GET that asks the backend to close after answering.
http_request()
{
	printf 'GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' "$2" >"$1"
}

# e2e_public KEYFILE: the public counterpart, as hex: RSA the modulus, EC the
# point. frontd holds it (it is in the certificate): what a memory scan of
# frontd must find, to show the scan can see key material there at all.
e2e_public()
{
	openssl pkey -in "$1" -text -noout 2>/dev/null | awk '
		/^[A-Za-z]/ {
			if (cur != "") print cur
			cur = ""
			on = ($1 == "modulus:" || $1 == "pub:")
			next
		}
		on && /^ / { gsub(/[ :]/, ""); cur = cur $0 }
		END { if (cur != "") print cur }'
}

# ---- stopping --------------------------------------------------------------------------

# e2e_stop PID [SIGNAL]: signal one of our processes (default TERM) and wait
# for it; the exit status is the process's (124 if it outlived WAIT_SECONDS
# and had to be killed).
e2e_stop()
{
	kill "-${2:-TERM}" "$1" 2>/dev/null
	wait_exit "$1"
}

keyd_stop()
{
	e2e_stop "$KEYD_PID" "$@"
}

frontd_stop()
{
	e2e_stop "$FRONTD_PID" "$@"
}

backend_stop()
{
	e2e_stop "$BACKEND_PID" "$@"
}
