# The shell library of every atf-sh suite (tests/e2e, tests/frontd,
# tests/interop, tests/keyd): bounded waits, background processes and their
# cleanup, ports, our programs, and test keys and certificates. The build
# copies it beside the test programs as tests/lib/moat_test_lib; a suite
# sources it with
#
#	. "$(atf_get_srcdir)/../lib/moat_test_lib"
#
# and keeps only the helpers that are its own (how it starts its daemons,
# what it checks). One name, one meaning, in every suite:
#
#   - Every wait is bounded: WAIT_SECONDS (set by the suite after sourcing;
#     default 15), or the SECONDS a call names. A wait that runs out says on
#     stderr what it waited for and returns 1; the caller fails the test
#     with what that means for it.
#   - A wait given a PID gives up early once that process is gone (after one
#     last look: the process may have written what we wait for, then left).
#   - Every process a test starts in the background is in BG_PIDS
#     (bg_track); the EXIT trap stops them, pass or fail.
#
# Functions use variables prefixed with their own name (no `local` in POSIX
# sh), so a caller's loop variables survive a call.

: "${WAIT_SECONDS:=15}"

# ---- waiting ------------------------------------------------------------------

# wait_until [-t SECONDS] [-p PID] CMD...: run CMD every 50 ms until it
# succeeds. Returns 1 once SECONDS (default WAIT_SECONDS) have passed, or
# once PID has exited and a last run of CMD fails.
wait_until()
{
	_wu_max=$WAIT_SECONDS _wu_pid=""
	while [ $# -gt 0 ]; do
		case $1 in
		-t) _wu_max=$2; shift 2 ;;
		-p) _wu_pid=$2; shift 2 ;;
		*) break ;;
		esac
	done
	_wu_i=0
	while ! "$@"; do
		if [ -n "$_wu_pid" ] && is_gone "$_wu_pid"; then
			"$@" && return 0
			echo "wait: process $_wu_pid exited while waiting for: $*" >&2
			return 1
		fi
		if [ $_wu_i -ge $((_wu_max * 20)) ]; then
			echo "wait: ${_wu_max}s passed waiting for: $*" >&2
			return 1
		fi
		sleep 0.05
		_wu_i=$((_wu_i + 1))
	done
}

# has_line FILE REGEX: some line of FILE matches the extended REGEX.
has_line()
{
	grep -Eq "$2" "$1" 2>/dev/null
}

# file_size FILE: its size in bytes (0 if it does not exist).
file_size()
{
	{ wc -c <"$1"; } 2>/dev/null || echo 0
}

# has_size FILE BYTES: FILE holds at least BYTES.
has_size()
{
	[ "$(file_size "$1")" -ge "$2" ]
}

# is_gone PID: no such process (ours or not), or only its zombie (a child
# that exited and whose status nobody has collected yet).
is_gone()
{
	kill -0 "$1" 2>/dev/null || return 0
	{ read -r _ig_stat <"/proc/$1/stat"; } 2>/dev/null || return 0
	# The state follows the command name, which is in parentheses.
	case ${_ig_stat##*) } in
	Z*) return 0 ;;
	esac
	return 1
}

# wait_line FILE REGEX [PID]: until a line of FILE matches.
wait_line()
{
	wait_until ${3:+-p "$3"} has_line "$1" "$2"
}

# wait_size FILE BYTES [PID]: until FILE holds at least BYTES.
wait_size()
{
	wait_until ${3:+-p "$3"} has_size "$1" "$2"
}

# wait_gone PID [SECONDS]: until PID has exited; any process (for our own
# children, wait_exit also collects the status).
wait_gone()
{
	wait_until -t "${2:-$WAIT_SECONDS}" is_gone "$1"
}

# wait_exit PID [SECONDS]: our child's exit status, also left in EXIT_STATUS.
# A child that outlives SECONDS is killed (SIGKILL: it cannot ignore that, so
# the wait for its status cannot hang) and the status is 124, as timeout(1)'s.
wait_exit()
{
	if wait_gone "$1" "${2:-$WAIT_SECONDS}"; then
		wait "$1"
		EXIT_STATUS=$?
	else
		kill -KILL "$1" 2>/dev/null
		wait "$1" 2>/dev/null
		EXIT_STATUS=124
	fi
	return $EXIT_STATUS
}

# ---- background processes -----------------------------------------------------

# BG_PIDS: our background processes still to stop when the test program exits.
BG_PIDS=""

# bg_track PID...: stop PID when the test ends (if it still runs then).
bg_track()
{
	BG_PIDS="$BG_PIDS $*"
}

# bg_stop_all: SIGTERM to every tracked process, a bounded wait for them to
# go (sanitizer builds write their reports at exit), then SIGKILL to any left
# (a stopped or stuck one). Then the suite's own cleanup, if it set
# MOAT_CLEANUP to a command.
bg_stop_all()
{
	for _bs_p in $BG_PIDS; do
		kill -TERM "$_bs_p" 2>/dev/null
	done
	for _bs_p in $BG_PIDS; do
		wait_until -t 2 is_gone "$_bs_p" 2>/dev/null || kill -KILL "$_bs_p" 2>/dev/null
	done
	BG_PIDS=""
	[ -z "${MOAT_CLEANUP:-}" ] || $MOAT_CLEANUP
	return 0
}
trap bg_stop_all EXIT

# show FILE...: files to stderr (their first 4000 bytes), for a failure's report.
show()
{
	for _sh_f in "$@"; do
		echo "--- $_sh_f:" >&2
		head -c 4000 "$_sh_f" >&2 2>/dev/null
		echo >&2
	done
}

# ---- our programs -----------------------------------------------------------------

# require_built PROGRAM...: our own programs must have been built (a missing
# one is a broken build, so a failure; missing peers such as openssl or curl
# are skips, through require.progs in the test case's head).
require_built()
{
	for _rb_p in "$@"; do
		[ -x "$_rb_p" ] || atf_fail "$_rb_p is not built"
	done
}

# ---- ports ------------------------------------------------------------------------

# wait_listening FILE [PID]: until FILE has the line "listening on X" that
# our servers print once bound (to port 0 when they can: the kernel picks a
# free port, so no test races another for it); sets LISTEN_AT to X (a port,
# or unix:PATH).
wait_listening()
{
	wait_line "$1" '^listening on [^ ]+$' "${2:-}" || return 1
	LISTEN_AT=$(sed -n 's/^listening on //p' "$1" | head -n 1)
}

# port_listening PORT: something listens on 127.0.0.1:PORT or [::]:PORT
# (/proc/net/tcp*, state 0A = LISTEN); no connection is made.
port_listening()
{
	_pl_hex=$(printf '%04X' "$1")
	awk -v p=":$_pl_hex" '$4 == "0A" && substr($2, length($2) - 4) == p { f = 1 } END { exit !f }' \
		/proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# wait_port PORT [PID]: until the port listens.
wait_port()
{
	wait_until ${2:+-p "$2"} port_listening "$1"
}

# free_port: a TCP port nothing uses, outside the kernel's ephemeral range
# (so no outgoing connection takes it between this check and the bind), for
# the programs whose configuration cannot say port 0. The bind can still
# lose a race with another test: callers retry on "in use".
free_port()
{
	read -r _fp_lo _fp_hi </proc/sys/net/ipv4/ip_local_port_range
	for _fp_try in 1 2 3 4 5 6 7 8 9 10; do
		_fp_r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
		if [ "$_fp_lo" -gt 12000 ]; then
			_fp_port=$((10000 + _fp_r % (_fp_lo - 10000)))
		else
			_fp_port=$((_fp_hi + 1 + _fp_r % (65535 - _fp_hi)))
		fi
		_fp_hex=$(printf '%04X' "$_fp_port")
		if ! awk -v p=":$_fp_hex" 'substr($2, length($2) - 4) == p { f = 1 } END { exit !f }' \
			/proc/net/tcp /proc/net/tcp6 2>/dev/null; then
			echo "$_fp_port"
			return 0
		fi
	done
	atf_fail "no free port found"
}

# proc_tree PID: the process and its descendants (timeout's child is the tool
# itself). The loop lists are expanded before the recursion changes the variables.
proc_tree()
{
	echo "$1"
	for _pt_t in /proc/"$1"/task/*/children; do
		[ -r "$_pt_t" ] || continue
		_pt_kids=""
		read -r _pt_kids <"$_pt_t" || true
		for _pt_c in $_pt_kids; do
			proc_tree "$_pt_c"
		done
	done
}

# frontd_worker MASTER: the newest worker of moat-frontd's master MASTER, the
# process that serves and is sandboxed (moat-frontd(8), PROCESSES); "" if none.
frontd_worker()
{
	pgrep -n -P "$1" 2>/dev/null
}

# frontd_workers MASTER: every worker of moat-frontd's master MASTER, one pid
# a line (its "workers" of each generation still running; moat-frontd(8),
# PROCESSES). A worker's own helper (the access log's opener) is its child,
# not the master's, so it is not among them.
frontd_workers()
{
	pgrep -P "$1" 2>/dev/null
}

# listen_port_of PID: the TCP port a process (or a descendant) listens on,
# IPv4 first, for tools that do not say which port they got: its socket
# inodes from /proc/PID/fd, looked up in /proc/net/tcp{,6}. Two processes
# per call: forks are the slow part of the tests that use it.
listen_port_of()
{
	_lp_dirs=""
	for _lp_p in $(proc_tree "$1"); do
		_lp_dirs="$_lp_dirs /proc/$_lp_p/fd/"
	done
	_lp_hex=$(ls -l $_lp_dirs 2>/dev/null | awk '
		match($0, /socket:\[[0-9]+\]$/) {
			inode[substr($0, RSTART + 8, RLENGTH - 9)] = 1
			next
		}
		$4 == "0A" && ($10 in inode) { n = split($2, a, ":"); print a[n]; exit }
	' - /proc/net/tcp /proc/net/tcp6)
	[ -n "$_lp_hex" ] && printf '%d\n' "0x$_lp_hex"
}

_listen_port_into_PORT()
{
	PORT=$(listen_port_of "$1")
}

# wait_listen_port PID: until PID (or a descendant) listens; sets PORT.
wait_listen_port()
{
	wait_until -p "$1" _listen_port_into_PORT "$1"
}

# ---- keys and certificates ------------------------------------------------------
#
# The one way the shell suites make keys and certificates (the in-process C
# tests have theirs, tests/tls/test_certs.c, with the same key types and
# extensions). TYPE is one of
#   rsa (2048 bits; also rsa2048), rsa3072, rsa4096, rsa1024 (too small: for
#   the tests that check it is refused), pss (RSA-PSS, 2048), p256, p384, ed25519.
# Files go to CERT_DIR (default: the work directory); private keys are mode
# 0600, certificates 0644. RSA key generation is most of the setup time of
# many tests: make only the keys a case uses.

# The key-generation options of openssl genpkey and req -newkey for TYPE.
_key_args()
{
	case $1 in
	rsa | rsa2048) echo "RSA -pkeyopt rsa_keygen_bits:2048" ;;
	rsa1024 | rsa3072 | rsa4096) echo "RSA -pkeyopt rsa_keygen_bits:${1#rsa}" ;;
	pss) echo "RSA-PSS -pkeyopt rsa_keygen_bits:2048" ;;
	p256) echo "EC -pkeyopt ec_paramgen_curve:P-256" ;;
	p384) echo "EC -pkeyopt ec_paramgen_curve:P-384" ;;
	ed25519) echo "ED25519" ;;
	*) return 1 ;;
	esac
}

# make_key FILE TYPE: a private key alone (PKCS#8 PEM, mode 0600) in CERT_DIR/FILE.
make_key()
{
	_mk_args=$(_key_args "$2") || atf_fail "make_key: unknown key type $2"
	# shellcheck disable=SC2086 # the options are words
	(umask 077 && openssl genpkey -algorithm $_mk_args -out "${CERT_DIR:-.}/$1" 2>/dev/null) ||
		atf_fail "generating the $2 key $1 failed"
}

# make_cert [-s | -c CA] [-a] NAME TYPE CN [SAN...]: a new TYPE key,
# CERT_DIR/NAME.key, and its certificate CERT_DIR/NAME.pem for CN, valid
# for two days:
#   -c CA  signed by CERT_DIR/CA.pem and CA.key (default: ca);
#   -s     self-signed;
#   -a     a CA (basicConstraints CA:TRUE, keyCertSign), else a leaf
#          (CA:FALSE, digitalSignature, serverAuth and clientAuth; an rsa leaf
#          also keyEncipherment, for TLS 1.2 RSA key transport; MAKE_CERT_KU
#          in the environment replaces the leaf's keyUsage).
# A leaf's SANs default to DNS:CN, plus IP:127.0.0.1 for CN=localhost.
make_cert()
{
	_mc_ca=ca _mc_auth=""
	while [ $# -gt 0 ]; do
		case $1 in
		-c) _mc_ca=$2; shift 2 ;;
		-s) _mc_ca=""; shift ;;
		-a) _mc_auth=yes; shift ;;
		*) break ;;
		esac
	done
	_mc_n=$1 _mc_t=$2 _mc_cn=$3
	shift 3
	_mc_args=$(_key_args "$_mc_t") || atf_fail "make_cert: unknown key type $_mc_t"
	_mc_d=${CERT_DIR:-.}
	_mc_san=""
	for _mc_s in "$@"; do
		_mc_san="$_mc_san${_mc_san:+,}$_mc_s"
	done
	if [ -z "$_mc_san" ]; then
		_mc_san="DNS:$_mc_cn"
		[ "$_mc_cn" = localhost ] && _mc_san="$_mc_san,IP:127.0.0.1"
	fi
	# Our own configuration: the system's would add its default extensions.
	{
		printf '[req]\ndistinguished_name = dn\nx509_extensions = ext\nprompt = no\n'
		printf '[dn]\nCN = %s\n[ext]\n' "$_mc_cn"
		if [ -n "$_mc_auth" ]; then
			printf 'basicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\n'
		else
			_mc_ku=digitalSignature
			[ "$_mc_t" = rsa ] && _mc_ku=digitalSignature,keyEncipherment
			# MAKE_CERT_KU: another keyUsage, for tests of what a leaf may not do.
			_mc_ku=${MAKE_CERT_KU:-$_mc_ku}
			printf 'basicConstraints = CA:FALSE\nkeyUsage = %s\n' "$_mc_ku"
			printf 'extendedKeyUsage = serverAuth,clientAuth\nsubjectAltName = %s\n' "$_mc_san"
		fi
	} >"$_mc_d/$_mc_n.cnf"
	set --
	[ -z "$_mc_ca" ] || set -- -CA "$_mc_d/$_mc_ca.pem" -CAkey "$_mc_d/$_mc_ca.key"
	# shellcheck disable=SC2086 # the key options are words
	(umask 077 && openssl req -x509 -new -newkey $_mc_args -nodes -keyout "$_mc_d/$_mc_n.key" \
		-out "$_mc_d/$_mc_n.pem" -days 2 -config "$_mc_d/$_mc_n.cnf" "$@" 2>"$_mc_d/$_mc_n.err") ||
		{ show "$_mc_d/$_mc_n.err"; atf_fail "making the certificate $_mc_n ($_mc_t, CN=$_mc_cn) failed"; }
	chmod 0644 "$_mc_d/$_mc_n.pem"
	rm -f "$_mc_d/$_mc_n.err" "$_mc_d/$_mc_n.cnf"
}

# make_ca [NAME [CN]]: a throwaway ECDSA P-256 CA, CERT_DIR/NAME.pem and NAME.key (default ca).
make_ca()
{
	make_cert -s -a "${1:-ca}" p256 "${2:-moat-test-ca}"
}

# ---- constant-time probes (tests/ct_probe.h) ------------------------------------

# ct_run PROBE MODE: valgrind memcheck on PROBE MODE (ct: the real check; leaky: the
# early-exit positive control); the probe's output in out.txt, memcheck's report in
# vg.txt, valgrind's status in VG_STATUS. A probe that cannot run (exit 77: a
# sanitizer build, no valgrind header) skips the test with its reason.
ct_run()
{
	[ -x "$1" ] || atf_fail "$1 not built"
	"$1" ct >probe.txt 2>&1
	[ $? = 77 ] && atf_skip "$(cat probe.txt)"
	valgrind --tool=memcheck --error-exitcode=9 --track-origins=yes "$1" "$2" >out.txt 2>vg.txt
	VG_STATUS=$?
	CT_PROBE=$(basename "$1")
}

# ct_expect_clean MESSAGE: after ct_run PROBE ct, memcheck saw no branch and no memory
# index on the secret (else fail with MESSAGE), and the probe exited 0.
ct_expect_clean()
{
	cat out.txt
	if grep -q "depends on uninitialised value\|Use of uninitialised value" vg.txt; then
		cat vg.txt >&2
		atf_fail "$1"
	fi
	[ "$VG_STATUS" = 0 ] || { cat vg.txt >&2; atf_fail "$CT_PROBE under valgrind exited $VG_STATUS"; }
}

# ct_expect_caught: after ct_run PROBE leaky, memcheck reported the early-exit check's
# branches and valgrind exited with its error status: the method can see a leak.
ct_expect_caught()
{
	grep -q "Conditional jump or move depends on uninitialised value" vg.txt ||
		{ cat vg.txt >&2; atf_fail "memcheck did not see the early-exit check's branches"; }
	[ "$VG_STATUS" = 9 ] || atf_fail "valgrind exited $VG_STATUS, expected its error status 9"
}

# prom_check FILE: FILE is the Prometheus text exposition format (0.0.4) as moat writes it, without
# promtool: every line a HELP, a TYPE or a sample; HELP then TYPE once per family, before its
# samples; each sample of a family that has both, its name the family's (a histogram's with
# _bucket, _sum or _count), its labels name="escaped value" pairs and its value a number; counters
# end in _total; a histogram's buckets are cumulative and end with le="+Inf" equal to _count.
prom_check()
{
	awk '
	function fail(why) { printf "%s:%d: %s: %s\n", FILENAME, NR, why, $0; bad = 1; exit 1 }
	/^# HELP / {
		if ($3 in help) fail("second HELP")
		help[$3] = 1; next
	}
	/^# TYPE / {
		if (!($3 in help)) fail("TYPE before HELP")
		if ($3 in type) fail("second TYPE")
		if ($4 !~ /^(counter|gauge|histogram|summary|untyped)$/) fail("unknown type")
		if ($4 == "counter" && $3 !~ /_total$/) fail("a counter not named _total")
		type[$3] = $4; next
	}
	/^#/ { fail("a comment that is neither HELP nor TYPE") }
	{
		if ($0 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\[\\"n])*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\[\\"n])*")*\})? (-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?|\+Inf|-Inf|NaN)$/)
			fail("not a sample line")
		name = $0; sub(/[{ ].*/, "", name)
		fam = name
		if (!(fam in type)) { sub(/_(bucket|sum|count)$/, "", fam); if (type[fam] != "histogram") fail("no TYPE for " name) }
		if (name ~ /_bucket$/) {
			series = $0; sub(/,?le="[^"]*"/, "", series); sub(/ [^ ]*$/, "", series)
			if (series in last && $NF + 0 < last[series]) fail("buckets not cumulative")
			last[series] = $NF + 0
			if ($0 ~ /le="\+Inf"/) inf[fam] = $NF
		}
		if (name ~ /_count$/ && type[fam] == "histogram" && inf[fam] != $NF) fail("_count is not the +Inf bucket")
		samples++
	}
	END { if (!bad && samples == 0) { print FILENAME ": no samples"; exit 1 } }
	' "$1"
}

# prom_value FILE SERIES: the value of the sample SERIES ("name" or "name{labels}", exactly as
# written) in FILE, 0 when there is no such sample (a labelled series appears once it is non-zero).
prom_value()
{
	awk -v s="$2" 'substr($0, 1, length(s) + 1) == s " " { print $NF; found = 1; exit } END { if (!found) print 0 }' "$1"
}
