#!/bin/sh
# The README's first command: install the build dependencies, build moat,
# and run it for real until Ctrl-C.
#
#   1. ./install-deps.sh, then configure and make in build/;
#   2. a throwaway CA and a certificate + private key for localhost and
#      127.0.0.1 in build/demo/ (made afresh on every run);
#   3. moat-demo-backend (plain HTTP) on 127.0.0.1:8080, moat-keyd holding the
#      key, moat-frontd on https://127.0.0.1:8443 in front of the backend;
#   4. once a request goes through, print the curl command that works, and
#      stay in the foreground. Ctrl-C (or SIGTERM) stops all three and
#      removes their sockets.
#
# Who runs what:
#   - as root: moat-keyd reads the key file (mode 0600, owned by root), then
#     drops to `daemon` (its own user), and moat-frontd drops to `nobody`,
#     which cannot read the key file: the process that talks to clients
#     never has the key, and could not open it if it tried.
#   - as a normal user: all three run as that user, since without root
#     there is no other user to switch to. Then frontd COULD read the key
#     file itself, so keyd isolates nothing; keyd refuses such a setup
#     unless told, and the demo tells it (insecure-same-user yes). That mode
#     shows moat working, not key isolation. If the memlock limit (ulimit
#     -l) is too small for keyd to lock all its memory, keyd is started
#     again with MOAT_DONT_MLOCK=1 (secrets are then not locked in RAM, but
#     still excluded from core dumps and wiped).
#
# MOAT_DEMO_PORT picks another port than 8443; if the port is taken, a free
# one is used and printed.
set -eu
start_dir=$(pwd)
cd "$(dirname "$0")"
top=$(pwd)

./install-deps.sh
[ -x configure ] || autoreconf -fi
mkdir -p build
cd build
../configure -q
make -j"$(nproc)"

KEYD=$top/build/keyd/moat-keyd
FRONTD=$top/build/frontd/moat-frontd
BACKEND=$top/build/tls/examples/moat-demo-backend
demo=$top/build/demo
mkdir -p "$demo"
cd "$demo"

# ---- processes and cleanup -------------------------------------------------

pids=""
run=""
stopping=0

# Stop what was started (by pid), wait for it, remove the socket directory.
stop_all()
{
	[ $stopping -eq 0 ] || return 0
	stopping=1
	for p in $pids; do
		kill -TERM "$p" 2>/dev/null || true
	done
	i=0
	for p in $pids; do
		while kill -0 "$p" 2>/dev/null && [ $i -lt 100 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	[ -z "$run" ] || rm -rf "$run"
	return 0
}
on_signal()
{
	echo
	echo "moat demo: stopping"
	stop_all
	echo "moat demo: stopped"
	exit 0
}
trap stop_all EXIT
trap on_signal INT TERM

die()
{
	echo "moat demo: $*" >&2
	for f in backend keyd frontd; do
		[ -s "$demo/$f.log" ] && { echo "--- $demo/$f.log:" >&2; tail -n 15 "$demo/$f.log" >&2; }
	done
	exit 1
}

# A TCP port is taken if anything listens on it (/proc/net/tcp*, state 0A).
port_in_use()
{
	awk -v p=":$(printf '%04X' "$1")" '$4 == "0A" && substr($2, length($2) - 4) == p { f = 1 } END { exit !f }' \
		/proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# wait_until SECONDS COMMAND...: run COMMAND every 0.1 s until it succeeds.
wait_until()
{
	n=$(($1 * 10))
	shift
	while ! "$@" 2>/dev/null; do
		n=$((n - 1))
		[ $n -gt 0 ] || return 1
		sleep 0.1
	done
}

# ---- a throwaway PKI -------------------------------------------------------------

rm -f ca.pem ca.key ca.srl localhost.pem localhost.key localhost.csr localhost.ext backend.out ./*.log
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem -days 7 \
	-subj "/CN=moat demo CA (throwaway)" 2>/dev/null || die "could not make the CA"
(umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out localhost.key 2>/dev/null) ||
	die "could not make the server key"
chmod 0600 localhost.key
openssl req -new -key localhost.key -subj /CN=localhost -out localhost.csr 2>/dev/null || die "could not make the CSR"
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n' \
	>localhost.ext
openssl x509 -req -in localhost.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 7 -extfile localhost.ext \
	-out localhost.pem 2>/dev/null || die "could not sign the certificate"
chmod 0644 ca.pem localhost.pem
rm -f localhost.csr localhost.ext ca.srl

# ---- configuration -----------------------------------------------------------------

# Sockets live in a directory of their own that frontd, as nobody, can reach
# (a clone under /root could not be traversed by nobody).
run=$(mktemp -d "${TMPDIR:-/tmp}/moat-demo.XXXXXX")
chmod 0755 "$run"

if [ "$(id -u)" -eq 0 ]; then
	frontd_user=nobody
	allow="user \"nobody\""
	user_line="user \"nobody\""
	if id daemon >/dev/null 2>&1; then
		keyd_user=daemon
		keyd_line="user \"daemon\""
	else
		keyd_user=root
		keyd_line="insecure-run-as-root yes # no user \"daemon\" here to run as"
	fi
else
	frontd_user=$(id -un)
	keyd_user=$frontd_user
	allow="uid $(id -u)"
	user_line="# not root: frontd runs as $frontd_user, like everything else"
	keyd_line="insecure-same-user yes # one user for everything: frontd could read the key file, no isolation"
fi

port=${MOAT_DEMO_PORT:-8443}
if port_in_use "$port"; then
	p=$((port + 1))
	while port_in_use "$p" && [ $p -lt $((port + 100)) ]; do
		p=$((p + 1))
	done
	echo "moat demo: port $port is in use, using $p"
	port=$p
fi

cat >moat-keyd.conf <<EOF
# moat-keyd for demo.sh: the only process that reads the private key.
socket "$run/keyd.sock"
control-socket "$run/keyctl.sock"
allow $allow
key "$demo/localhost.key"
$keyd_line
EOF

# ---- start -----------------------------------------------------------------------------

backend_port=8080
port_in_use $backend_port && backend_port=0
"$BACKEND" --listen "127.0.0.1:$backend_port" >backend.out 2>backend.log &
backend_pid=$!
pids="$pids $backend_pid"
wait_until 10 grep -q '^listening on ' backend.out || die "the demo backend did not start"
backend_port=$(sed -n 's/^listening on //p' backend.out)

cat >moat-frontd.conf <<EOF
# moat-frontd for demo.sh: it has the certificate, never the key.
$user_line
keyd "$run/keyd.sock"
listen 127.0.0.1:$port
site "localhost" {
	certificate "$demo/localhost.pem"
	alpn "http/1.1"
	backend 127.0.0.1:$backend_port
}
EOF

# start_keyd [VAR=VALUE]: keyd in the background; back when its socket is up or it has exited.
start_keyd()
{
	env ${1:+"$1"} "$KEYD" -d -f moat-keyd.conf >>keyd.log 2>&1 &
	keyd_pid=$!
	wait_until 10 sh -c "test -S '$run/keyd.sock' || ! kill -0 $keyd_pid" || true
}
start_keyd ""
if ! kill -0 "$keyd_pid" 2>/dev/null; then
	wait "$keyd_pid" 2>/dev/null || true
	# A normal user's memlock limit (ulimit -l) is small: locking all of keyd's memory fails,
	# at mlockall or at the first allocation past the limit.
	if [ "$(id -u)" -ne 0 ] && grep -Eqi "mlock|lock memory|out of memory" keyd.log; then
		# shellcheck disable=SC3045 # dash, Debian's sh, has ulimit -l
		echo "moat demo: keyd cannot lock its memory within this user's memlock limit" \
			"($(ulimit -l) KiB): restarting it with MOAT_DONT_MLOCK=1"
		start_keyd MOAT_DONT_MLOCK=1
	fi
fi
pids="$pids $keyd_pid"
[ -S "$run/keyd.sock" ] && kill -0 "$keyd_pid" 2>/dev/null || die "moat-keyd did not start"

"$FRONTD" -d -f moat-frontd.conf >frontd.log 2>&1 &
frontd_pid=$!
pids="$pids $frontd_pid"

# Ready when a request goes through: TLS by frontd, signature by keyd, page by the backend.
ca=$demo/ca.pem
[ "$start_dir" = "$top" ] && ca=build/demo/ca.pem
wait_until 15 curl -sf --max-time 5 --cacert "$demo/ca.pem" -o /dev/null "https://localhost:$port/" ||
	die "moat-frontd does not answer on https://localhost:$port/"

cat <<EOF

moat demo: running
  moat-demo-backend  http://127.0.0.1:$backend_port (plain HTTP, pid $backend_pid)
  moat-keyd          holds build/demo/localhost.key (pid $keyd_pid, as $keyd_user)
  moat-frontd        https://127.0.0.1:$port (pid $frontd_pid, as $frontd_user; it has only the certificate)
  configuration and logs: build/demo/
EOF
if [ "$(id -u)" -ne 0 ]; then
	cat <<EOF

  NOT ISOLATED: started as a normal user, frontd runs as the same user as keyd and
  could read the key file itself (moat-keyd.conf says insecure-same-user yes). Run
  as root to see frontd (as nobody) unable to reach the key.
EOF
fi
cat <<EOF

Fetch the page through moat:

curl --cacert $ca https://localhost:$port/

Ctrl-C stops everything.
EOF

# Foreground until a signal, or until one of the three dies.
while :; do
	for p in $pids; do
		if ! kill -0 "$p" 2>/dev/null; then
			stop_all
			die "a process (pid $p) exited unexpectedly"
		fi
	done
	sleep 1
done
