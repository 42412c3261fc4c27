# keyd's confinement, observed from outside: the seccomp filter kills keyd
# for a forbidden call (the test build's hidden option makes one once the
# sandbox is on), every thread is filtered, no_new_privs is set, core dumps
# are off, memory is locked unless MOAT_DONT_MLOCK says otherwise, and the
# allow-list covers exactly what keyd does, as strace sees it.

. "$(atf_get_srcdir)/keyd_lib"

SIGSYS=$(kill -l SYS 2>/dev/null || echo 31)

# forbidden CALL: the test build tries CALL after the sandbox is on and dies of SIGSYS.
forbidden()
{
	make_keys p256
	write_conf p256
	atf_check -s signal:"$SIGSYS" -o empty -e save:keyd.log "$KEYD_TEST" -d -f "$(pwd)/keyd.conf" \
		--test-forbidden-syscall="$1"
	atf_check -o ignore grep "sandbox on: no_new_privs, seccomp allow-list" keyd.log
	atf_check -o ignore grep "test build: trying forbidden syscall $1" keyd.log
	# Had the call returned, keyd would have said so.
	grep "test build: $1 \(returned\|failed\)" keyd.log && atf_fail "$1 returned instead of killing keyd"
	return 0
}

atf_test_case forbidden_open
forbidden_open_head()
{
	atf_set "descr" "open(\"/etc/hostname\") after the sandbox is on kills keyd with SIGSYS"
}
forbidden_open_body()
{
	forbidden open
}

atf_test_case forbidden_socket
forbidden_socket_head()
{
	atf_set "descr" "socket(AF_INET) after the sandbox is on kills keyd with SIGSYS"
}
forbidden_socket_body()
{
	forbidden socket
}

atf_test_case forbidden_execve
forbidden_execve_head()
{
	atf_set "descr" "execve after the sandbox is on kills keyd with SIGSYS"
}
forbidden_execve_body()
{
	forbidden execve
}

atf_test_case forbidden_mmap_exec
forbidden_mmap_exec_head()
{
	atf_set "descr" "mmap is allowed, but mmap with PROT_EXEC kills keyd with SIGSYS"
}
forbidden_mmap_exec_body()
{
	forbidden mmap-exec
}

atf_test_case forbidden_sendto_address
forbidden_sendto_address_head()
{
	atf_set "descr" "sendto is allowed only without an address: sendto with one kills keyd with SIGSYS"
}
forbidden_sendto_address_body()
{
	forbidden sendto-addr
}

# syslog_keyd ARGS...: keyd in the background (no -d), logging to a syslog-sink on log.sock, whose
# lines go to syslog.txt. Returns keyd's exit status (the parent's: 0 once the child serves).
SINK="$(atf_get_srcdir)/syslog-sink"
syslog_keyd()
{
	[ -x "$SINK" ] || atf_fail "$SINK not built"
	"$SINK" "$(pwd)/log.sock" 30 >syslog.txt &
	bg_track $!
	wait_until -t 5 test -S log.sock || atf_fail "syslog-sink did not start"
	"$KEYD_TEST" -f "$(pwd)/keyd.conf" --test-syslog="$(pwd)/log.sock" "$@" >keyd.out 2>&1
}

# wait_syslog PATTERN: until the sink has written a line matching PATTERN (at most 10 s).
wait_syslog()
{
	wait_until -t 10 grep -q "$1" syslog.txt || { cat syslog.txt >&2; atf_fail "no '$1' in syslog"; }
}

# forbidden_syslog CALL: as forbidden, with keyd logging to syslog (its filter then knows the log socket).
forbidden_syslog()
{
	make_keys p256
	write_conf p256
	syslog_keyd --test-forbidden-syscall="$1" && atf_fail "keyd started although its child should have died"
	# keyd's child is dead once its parent has failed; a line of ours after its last one (datagrams on
	# one socket stay in order) says the sink has written everything keyd sent.
	logger -d -u "$(pwd)/log.sock" "end of keyd's lines" || atf_fail "logger cannot write to the sink"
	wait_syslog "end of keyd's lines"
	atf_check -o ignore grep "sandbox on: no_new_privs, seccomp allow-list" syslog.txt
	atf_check -o ignore grep "test build: trying forbidden syscall $1" syslog.txt
	grep "test build: $1 \(returned\|failed\)" syslog.txt && atf_fail "$1 returned instead of killing keyd"
	return 0
}

atf_test_case forbidden_syslog_socket
forbidden_syslog_socket_head()
{
	atf_set "descr" "logging to syslog, socket(AF_UNIX, SOCK_DGRAM) (glibc's syslog reconnect) kills keyd instead of failing softly"
}
forbidden_syslog_socket_body()
{
	forbidden_syslog socket-unix
}

atf_test_case forbidden_syslog_connect
forbidden_syslog_connect_head()
{
	atf_set "descr" "logging to syslog, connect kills keyd"
}
forbidden_syslog_connect_body()
{
	forbidden_syslog connect
}

atf_test_case forbidden_syslog_sendmmsg
forbidden_syslog_sendmmsg_head()
{
	atf_set "descr" "sendmmsg on the syslog socket (where a message's address would override the peer) kills keyd"
}
forbidden_syslog_sendmmsg_body()
{
	forbidden_syslog sendmmsg-log
}

atf_test_case forbidden_notify_sendmmsg
forbidden_notify_sendmmsg_head()
{
	atf_set "descr" "started by systemd (NOTIFY_SOCKET) in the foreground, sendmmsg on the notify socket (a datagram socket like syslog's) kills keyd"
}
forbidden_notify_sendmmsg_body()
{
	[ -x "$SINK" ] || atf_fail "$SINK not built"
	# Any datagram socket stands for systemd's here.
	"$SINK" "$(pwd)/notify.sock" 30 >notify.txt &
	bg_track $!
	wait_until -t 5 test -S notify.sock || atf_fail "the notify socket's sink did not start"
	NOTIFY_SOCKET="$(pwd)/notify.sock"
	export NOTIFY_SOCKET
	forbidden sendmmsg-notify
}

atf_test_case syslog_mode_serves
syslog_mode_serves_head()
{
	atf_set "descr" "a background keyd logs to syslog through its one socket, serves, and stops cleanly under the filter"
}
syslog_mode_serves_body()
{
	make_keys p256
	write_conf p256
	syslog_keyd || { cat keyd.out syslog.txt >&2; atf_fail "keyd did not start"; }
	# The parent exits once keyd is ready, just before keyd logs 'serving': wait for the line.
	wait_syslog "moat-keyd\[[0-9]*\]: serving "
	KEYD_PID=$(sed -n 's/.*moat-keyd\[\([0-9]*\)\]: serving .*/\1/p' syslog.txt | head -n 1)
	[ -n "$KEYD_PID" ] || { cat syslog.txt >&2; atf_fail "no 'serving' line in syslog"; }
	atf_check -o match:"^<30>.* moat-keyd\[$KEYD_PID\]: sandbox on" cat syslog.txt
	atf_check -o match:"^sign ok" "$CLIENT" -s "$(data_sock)" hello sign "$(key_id p256)" ecdsa_secp256r1_sha256 1
	# A key-policy refusal is logged from the serving loop (a warning, priority 28) under the filter.
	atf_check -o inline:"hello ok version=1 max_inflight=64 max_message=8192\nsign key_policy\n" \
		"$CLIENT" -s "$(data_sock)" hello sign "$(key_id p256)" ecdsa_secp256r1_sha256 client
	kill -TERM "$KEYD_PID"
	wait_gone "$KEYD_PID" || atf_fail "keyd did not exit"
	wait_syslog "moat-keyd\[$KEYD_PID\]: stopped"
	atf_check -o match:"^<28>.*client CertificateVerify refused" cat syslog.txt
	atf_check -o ignore grep "moat-keyd\[$KEYD_PID\]: stopped" syslog.txt
	KEYD_PID=""
}

atf_test_case hidden_options_test_build_only
hidden_options_test_build_only_head()
{
	atf_set "descr" "the real moat-keyd has no --test-* options"
}
hidden_options_test_build_only_body()
{
	make_keys p256
	write_conf p256
	atf_check -s exit:2 -e match:"usage" "$KEYD" -d -f "$(pwd)/keyd.conf" --test-forbidden-syscall=open
	atf_check -s exit:2 -e match:"usage" "$KEYD" -d -f "$(pwd)/keyd.conf" --test-no-seccomp
}

atf_test_case sandbox_state
sandbox_state_head()
{
	atf_set "descr" "a serving keyd: every thread filtered, no_new_privs, no core dumps, memory locked"
}
sandbox_state_body()
{
	make_keys p256
	write_conf p256 -- "workers 3"
	start_keyd
	_p=/proc/$KEYD_PID
	atf_check -o match:"^NoNewPrivs:[[:space:]]+1$" grep NoNewPrivs $_p/status
	# The filter is synced to every thread: the loop and the three signing threads.
	[ "$(ls $_p/task | wc -l)" = 4 ] || atf_fail "expected 4 threads, found $(ls $_p/task | wc -l)"
	for t in $_p/task/*; do
		atf_check -o match:"^Seccomp:[[:space:]]+2$" grep "^Seccomp:" $t/status
	done
	atf_check -o match:"^Max core file size +0 +0 " grep "^Max core file size" $_p/limits
	atf_check -o ignore grep "core dumps disabled (RLIMIT_CORE 0, not dumpable)" keyd.log
	atf_check -o ignore grep "libcrypto secure heap: [0-9]* KiB" keyd.log
	if grep -q "AddressSanitizer build: memory is NOT locked" keyd.log; then
		echo "sanitizer build: mlockall is a no-op, VmLck not checked"
	elif [ "$(id -u)" = 0 ] && [ -z "${MOAT_DONT_MLOCK:-}" ]; then
		atf_check -o ignore grep "memory locked (mlockall current and future)" keyd.log
		_lck=$(awk '/^VmLck:/ { print $2 }' $_p/status)
		_rss=$(awk '/^VmRSS:/ { print $2 }' $_p/status)
		# mlockall: everything resident is locked.
		[ "$_lck" -gt 0 ] && [ "$_lck" -ge $((_rss * 9 / 10)) ] || atf_fail "VmLck $_lck kB of VmRSS $_rss kB"
	fi
	keyd_alive 64
	stop_keyd
}

atf_test_case security_properties
security_properties_head()
{
	atf_set "descr" "moat-keyd(8) SECURITY, read off /proc of a serving keyd started as root: uid, groups, capabilities, NoNewPrivs, Seccomp, dumpable, core limit, locked memory"
	atf_set "require.user" "root"
}
security_properties_body()
{
	id daemon >/dev/null 2>&1 || atf_skip "no user daemon to run keyd as"
	make_keys p256
	write_conf p256 -- 'user "daemon"' "workers 2"
	start_keyd
	_p=/proc/$KEYD_PID
	_uid=$(id -u daemon)
	_gid=$(id -g daemon)
	# uid and gid: keyd's own user, real, effective, saved and filesystem; no other group.
	atf_check -o match:"^Uid:[[:space:]]+$_uid[[:space:]]+$_uid[[:space:]]+$_uid[[:space:]]+$_uid$" grep "^Uid:" $_p/status
	atf_check -o match:"^Gid:[[:space:]]+$_gid[[:space:]]+$_gid[[:space:]]+$_gid[[:space:]]+$_gid$" grep "^Gid:" $_p/status
	atf_check -o match:"^Groups:[[:space:]]+$_gid[[:space:]]*$" grep "^Groups:" $_p/status
	# Capabilities: none inheritable or ambient; permitted = effective = CAP_IPC_LOCK (bit 14) if memory is locked.
	_want=0000000000000000
	grep -q "keeping only CAP_IPC_LOCK" keyd.log && _want=0000000000004000
	atf_check -o match:"^CapPrm:[[:space:]]+$_want$" grep "^CapPrm:" $_p/status
	atf_check -o match:"^CapEff:[[:space:]]+$_want$" grep "^CapEff:" $_p/status
	atf_check -o match:"^CapInh:[[:space:]]+0000000000000000$" grep "^CapInh:" $_p/status
	atf_check -o match:"^CapAmb:[[:space:]]+0000000000000000$" grep "^CapAmb:" $_p/status
	# no_new_privs and the seccomp filter (mode 2), on every thread: the loop and the two signing threads.
	[ "$(ls $_p/task | wc -l)" = 3 ] || atf_fail "expected 3 threads, found $(ls $_p/task | wc -l)"
	for t in $_p/task/*; do
		atf_check -o match:"^NoNewPrivs:[[:space:]]+1$" grep "^NoNewPrivs:" $t/status
		atf_check -o match:"^Seccomp:[[:space:]]+2$" grep "^Seccomp:" $t/status
	done
	# Not dumpable: its /proc files belong to root although it runs as daemon (no ptrace, no /proc/PID/mem).
	atf_check -o inline:"0\n" stat -c %u $_p/status
	atf_check -o inline:"0\n" stat -c %u $_p/mem
	# No core file.
	atf_check -o match:"^Max core file size +0 +0 " grep "^Max core file size" $_p/limits
	# Memory locked: everything resident.
	if [ -z "${MOAT_DONT_MLOCK:-}" ] && ! grep -q "AddressSanitizer build" keyd.log; then
		_lck=$(awk '/^VmLck:/ { print $2 }' $_p/status)
		_rss=$(awk '/^VmRSS:/ { print $2 }' $_p/status)
		[ "$_lck" -gt 0 ] && [ "$_lck" -ge $((_rss * 9 / 10)) ] || atf_fail "VmLck $_lck kB of VmRSS $_rss kB"
	fi
	# No file descriptor but its sockets, epoll, signalfd, eventfd and stdio: no file of the file system stays open.
	for fd in $_p/fd/*; do
		_t=$(readlink "$fd")
		case $_t in
		socket:* | anon_inode:* | /dev/null | /dev/pts/* | pipe:* | "$(pwd)"/keyd.log) ;;
		*) atf_fail "keyd holds $_t open" ;;
		esac
	done
	keyd_alive 64
	stop_keyd
}

atf_test_case dont_mlock
dont_mlock_head()
{
	atf_set "descr" "MOAT_DONT_MLOCK=1 skips mlockall, and keyd says so"
}
dont_mlock_body()
{
	make_keys p256
	write_conf p256
	export MOAT_DONT_MLOCK=1
	start_keyd
	atf_check -o ignore grep "MOAT_DONT_MLOCK is set: memory is NOT locked" keyd.log
	# At most libcrypto's secure heap stays locked (it locks itself where it may).
	_heap=$(sed -n 's/.*libcrypto secure heap: \([0-9]*\) KiB.*/\1/p' keyd.log)
	_lck=$(awk '/^VmLck:/ { print $2 }' /proc/$KEYD_PID/status)
	[ "$_lck" = 0 ] || [ "$_lck" = "$_heap" ] || atf_fail "VmLck is $_lck kB, the secure heap $_heap KiB"
	stop_keyd
}

atf_test_case allow_list_matches_strace
allow_list_matches_strace_head()
{
	atf_set "descr" "every syscall keyd makes once sandboxed, under strace through all request types, is allowed"
	atf_set "require.progs" "strace"
}
allow_list_matches_strace_body()
{
	make_keys rsa p256
	write_conf rsa p256 -- "max-inflight 4"
	strace -f -qq -s 200 -o trace.txt "$KEYD_TEST" -d -v -f "$(pwd)/keyd.conf" --test-no-seccomp >keyd.log 2>&1 &
	_strace=$!
	BG_PIDS=$_strace
	wait_ready "$_strace"
	KEYD_PID=$(pgrep -P "$_strace")
	[ -n "$KEYD_PID" ] || atf_fail "cannot find keyd under strace"
	grep -q "^[0-9]* *write(2, .*test build: seccomp filter NOT installed" trace.txt ||
		atf_skip "strace cannot trace keyd here (no ptrace?)"
	_ct=$(head -c 256 /dev/urandom | od -An -tx1 | tr -d ' \n')
	client hello ping sign "$(key_id rsa)" rsa_pss_rsae_sha256 1 sign "$(key_id rsa)" rsa_pkcs1_sha256 2 \
		sign "$(key_id p256)" ecdsa_secp256r1_sha256 1 decrypt "$(key_id rsa)" 0x0303 "$_ct" \
		sign "$(key_id rsa)" rsa_pkcs1_sha256 1 burst 40 "$(key_id rsa)" rsa_pss_rsae_sha256 \
		concurrent 6 4 "$(key_id p256)" ecdsa_secp256r1_sha256 fuzz 300 3 >/dev/null || atf_fail "client failed"
	client raw 01 >/dev/null
	"$KEYCTL" -s "$(ctl_sock)" list >/dev/null
	"$KEYCTL" -s "$(ctl_sock)" stats >/dev/null
	client hello stall 200 "$(key_id rsa)" rsa_pss_rsae_sha256 >/dev/null &
	BG_PIDS=$!
	sleep 0.5
	kill "$BG_PIDS"
	BG_PIDS=""
	kill -HUP "$KEYD_PID"
	sleep 0.2
	kill -TERM "$KEYD_PID"
	wait_exit "$_strace"
	BG_PIDS=""
	KEYD_PID=""
	atf_check -o ignore grep "SIGHUP: keyd cannot reload" keyd.log
	atf_check -o ignore grep "stopped" keyd.log
	_allowed=$(sed -n 's/.*seccomp allow-list: //p' keyd.log)
	[ -n "$_allowed" ] || atf_fail "keyd -v did not log its allow-list"
	# Everything after the line logged just before the filter would go on.
	sed -n '/write(2, .*test build: seccomp filter NOT installed/,$p' trace.txt |
		sed -E 's/^[0-9]+ +//; s/^<\.\.\. ([a-z0-9_]+) resumed>.*/\1/; s/\(.*//' |
		grep -E '^[a-z0-9_]+$' | sort -u >used.txt
	[ -s used.txt ] || atf_fail "no syscalls traced"
	_missing=""
	for sc in $(cat used.txt); do
		case " $_allowed " in
		*" $sc "*) ;;
		*) _missing="$_missing $sc" ;;
		esac
	done
	[ -z "$_missing" ] || atf_fail "keyd made syscalls its allow-list lacks:$_missing"
	echo "traced: $(tr '\n' ' ' <used.txt)"
	echo "allowed: $_allowed"
}

atf_init_test_cases()
{
	atf_add_test_case forbidden_open
	atf_add_test_case forbidden_socket
	atf_add_test_case forbidden_execve
	atf_add_test_case forbidden_mmap_exec
	atf_add_test_case forbidden_sendto_address
	atf_add_test_case forbidden_syslog_socket
	atf_add_test_case forbidden_syslog_connect
	atf_add_test_case forbidden_syslog_sendmmsg
	atf_add_test_case forbidden_notify_sendmmsg
	atf_add_test_case syslog_mode_serves
	atf_add_test_case hidden_options_test_build_only
	atf_add_test_case sandbox_state
	atf_add_test_case security_properties
	atf_add_test_case dont_mlock
	atf_add_test_case allow_list_matches_strace
}
