# frontd's sandbox, observed from outside (moat-frontd(8), SECURITY): a
# serving frontd has the seccomp filter on, no_new_privs set and is not
# dumpable, so a process of its own uid can neither read its memory nor
# ptrace it; a forbidden call, made by the test build once the sandbox is
# on, kills it with SIGSYS, and an allowed call with a forbidden argument
# (PROT_EXEC, a socket family no backend uses) does too.
#
# The rest of the e2e and frontd suites runs the real moat-frontd, always
# sandboxed: that every handshake, backend, keyd outage and shutdown there
# still works is the proof that the allow-list holds what frontd needs.

. "$(atf_get_srcdir)/lib"

MOAT_FRONTD_TEST="$E2E_TOP/tests/frontd/moat-frontd-test"
SIGSYS=$(kill -l SYS 2>/dev/null || echo 31)

# A sanitizer build allows the runtime's extra calls (ptrace among them).
sanitizer_build()
{
	grep -q __asan_init "$1" 2>/dev/null
}

# sandbox_site [unix]: keyd, one backend (TCP, or a Unix socket with "unix")
# and one site for it; the frontd configuration is written for a free port.
sandbox_site()
{
	e2e_init
	make_ca ca moat-e2e-ca
	make_cert local p256 localhost
	keyd_conf "$(frontd_allow)" local
	keyd_start
	if [ "${1:-}" = unix ]; then
		backend_start web http "unix:$RUN/app.sock"
	else
		backend_start web
	fi
	e2e_site localhost "$BACKEND" local -- 'alpn "http/1.1"'
	FRONTD_PORT=$(free_port)
	frontd_conf
}

# forbidden CALL [unix]: the test build's worker makes CALL once the sandbox is on and dies of
# SIGSYS before it serves; its master says so and exits 1 (a start that failed).
forbidden()
{
	[ -x "$MOAT_FRONTD_TEST" ] || atf_fail "$MOAT_FRONTD_TEST is not built"
	sandbox_site "${2:-}"
	"$MOAT_FRONTD_TEST" -d -f "$RUN/frontd.conf" --test-forbidden-syscall="$1" >"$RUN/frontd.log" 2>&1
	rc=$?
	grep -Eq "worker [0-9]+ exited \(signal $SIGSYS, [^)]*\) before serving" "$RUN/frontd.log" ||
		e2e_fail "the worker was not killed by SIGSYS ($SIGSYS): $(grep 'exited' "$RUN/frontd.log")"
	grep -q "sandbox on: not dumpable, no_new_privs, seccomp allow-list" "$RUN/frontd.log" ||
		e2e_fail "frontd did not enter its sandbox"
	grep -q "test build: trying forbidden syscall $1" "$RUN/frontd.log" || e2e_fail "the forbidden call was not tried"
	# Had the call returned, frontd would have said what it returned, and exited 3.
	grep "test build: .*returned" "$RUN/frontd.log" && e2e_fail "$1 returned (frontd exit $rc) instead of killing frontd"
	[ $rc -eq 1 ] || e2e_fail "frontd's master exited $rc, not 1, when its worker died before serving"
}

atf_test_case forbidden_open cleanup
forbidden_open_head()
{
	atf_set "descr" "open(\"/etc/hostname\", O_RDONLY) in a sandboxed frontd kills it with SIGSYS (not in sanitizer builds, whose leak report reads files)"
	atf_set "require.progs" "openssl"
}
forbidden_open_body()
{
	sanitizer_build "$MOAT_FRONTD_TEST" && atf_skip "sanitizer build: read-only open is allowed for LeakSanitizer's report"
	forbidden open
}
forbidden_open_cleanup()
{
	e2e_cleanup
}

atf_test_case forbidden_open_write cleanup
forbidden_open_write_head()
{
	atf_set "descr" "open(\"/dev/null\", O_WRONLY) in a sandboxed frontd kills it with SIGSYS, in every build"
	atf_set "require.progs" "openssl"
}
forbidden_open_write_body()
{
	forbidden open-write
}
forbidden_open_write_cleanup()
{
	e2e_cleanup
}

atf_test_case forbidden_execve cleanup
forbidden_execve_head()
{
	atf_set "descr" "execve(\"/bin/true\") in a sandboxed frontd kills it with SIGSYS"
	atf_set "require.progs" "openssl"
}
forbidden_execve_body()
{
	forbidden execve
}
forbidden_execve_cleanup()
{
	e2e_cleanup
}

atf_test_case forbidden_ptrace cleanup
forbidden_ptrace_head()
{
	atf_set "descr" "ptrace(PTRACE_ATTACH) from a sandboxed frontd kills it with SIGSYS (not in sanitizer builds, whose leak check needs ptrace)"
	atf_set "require.progs" "openssl"
}
forbidden_ptrace_body()
{
	sanitizer_build "$MOAT_FRONTD_TEST" && atf_skip "sanitizer build: ptrace is allowed for LeakSanitizer"
	forbidden ptrace
}
forbidden_ptrace_cleanup()
{
	e2e_cleanup
}

atf_test_case forbidden_mmap_exec cleanup
forbidden_mmap_exec_head()
{
	atf_set "descr" "mmap is allowed, but mmap with PROT_EXEC kills a sandboxed frontd with SIGSYS"
	atf_set "require.progs" "openssl"
}
forbidden_mmap_exec_body()
{
	forbidden mmap-exec
}
forbidden_mmap_exec_cleanup()
{
	e2e_cleanup
}

atf_test_case forbidden_mprotect_exec cleanup
forbidden_mprotect_exec_head()
{
	atf_set "descr" "mprotect is allowed, but making a page executable kills a sandboxed frontd with SIGSYS"
	atf_set "require.progs" "openssl"
}
forbidden_mprotect_exec_body()
{
	forbidden mprotect-exec
}
forbidden_mprotect_exec_cleanup()
{
	e2e_cleanup
}

atf_test_case forbidden_socket_netlink cleanup
forbidden_socket_netlink_head()
{
	atf_set "descr" "socket is allowed, but socket(AF_NETLINK) kills a sandboxed frontd with SIGSYS"
	atf_set "require.progs" "openssl"
}
forbidden_socket_netlink_body()
{
	forbidden socket-netlink
}
forbidden_socket_netlink_cleanup()
{
	e2e_cleanup
}

atf_test_case socket_family_follows_backends cleanup
socket_family_follows_backends_head()
{
	atf_set "descr" "with only a Unix backend socket(AF_INET) kills frontd; with a TCP backend it is allowed, AF_INET6 still kills"
	atf_set "require.progs" "openssl"
}
socket_family_follows_backends_body()
{
	forbidden socket-inet unix
	e2e_cleanup
	forbidden socket-inet6
	e2e_cleanup
	# Control: the same call, with a TCP backend configured, returns (and the test build's worker exits 3).
	sandbox_site
	"$MOAT_FRONTD_TEST" -d -f "$RUN/frontd.conf" --test-forbidden-syscall=socket-inet >"$RUN/frontd.log" 2>&1
	rc=$?
	[ $rc -eq 1 ] && grep -q "test build: socket returned [0-9]* (made)" "$RUN/frontd.log" &&
		grep -Eq "worker [0-9]+ exited \(status 3\) before serving" "$RUN/frontd.log" ||
		e2e_fail "socket(AF_INET) with a TCP backend: exit $rc"
}
socket_family_follows_backends_cleanup()
{
	e2e_cleanup
}

atf_test_case test_option_only_in_test_build cleanup
test_option_only_in_test_build_head()
{
	atf_set "descr" "the real moat-frontd has no --test-forbidden-syscall option"
	atf_set "require.progs" "openssl"
}
test_option_only_in_test_build_body()
{
	sandbox_site
	atf_check -s exit:2 -e match:"usage" "$MOAT_FRONTD" -d -f "$RUN/frontd.conf" --test-forbidden-syscall=open
	# The test build's own code is not linked into the real one.
	if command -v nm >/dev/null 2>&1 && nm "$MOAT_FRONTD" >/dev/null 2>&1; then
		nm "$MOAT_FRONTD" | grep -q frontd_test_forbidden_syscall && atf_fail "moat-frontd contains the test trigger"
	fi
	return 0
}
test_option_only_in_test_build_cleanup()
{
	e2e_cleanup
}

# as_frontd_user CMD...: run CMD as the user frontd runs as (nobody when the test is root).
as_frontd_user()
{
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u "$FRONTD_USER" -- "$@"
	else
		"$@"
	fi
}

atf_test_case sandbox_state cleanup
sandbox_state_head()
{
	atf_set "descr" "a serving frontd worker: Seccomp 2, NoNewPrivs 1, not dumpable (the files under its /proc/PID are root's), no capabilities; a process of its uid cannot read its memory or ptrace it, while it can both with a dumpable process of that uid; its master: NoNewPrivs 1, not dumpable, no capabilities, not ptraceable either"
	atf_set "require.progs" "curl openssl strace"
	atf_set "timeout" "120"
}
sandbox_state_body()
{
	if [ "$(id -u)" -eq 0 ]; then
		command -v runuser >/dev/null || atf_skip "runuser is needed to act as frontd's user"
	fi
	sandbox_site
	frontd_start
	e2e_curl localhost / -o /dev/null 2>"$RUN/curl.err" || e2e_fail "curl failed: $(cat "$RUN/curl.err")"
	grep -q "sandbox on: not dumpable, no_new_privs, seccomp allow-list of [0-9]* syscalls" "$RUN/frontd.log" ||
		e2e_fail "frontd does not log its sandbox"
	# The master: not sandboxed (it opens the configuration again on SIGHUP), but it gains no
	# privilege, nobody of its uid attaches to it, and it has no capability left.
	mst=/proc/$FRONTD_PID/status
	grep -Eq '^NoNewPrivs:[[:space:]]+1$' "$mst" || e2e_fail "the master may gain privileges: $(grep ^NoNewPrivs "$mst")"
	muid=$(awk '/^Uid:/ { print $2 }' "$mst")
	[ "$muid" -ne 0 ] || [ "$(id -u)" -ne 0 ] || e2e_fail "frontd's master still runs as root"
	[ "$muid" -eq 0 ] || [ "$(stat -c %u "$mst")" -eq 0 ] || e2e_fail "$mst is not root's: the master is dumpable"
	if [ "$(id -u)" -eq 0 ]; then
		for c in CapInh CapPrm CapEff CapAmb; do
			grep -Eq "^$c:[[:space:]]+0+$" "$mst" || e2e_fail "the master has capabilities: $(grep "^$c" "$mst")"
		done
	fi
	# The worker: everything below.
	st=/proc/$FRONTD_WORKER/status
	grep -Eq '^Seccomp:[[:space:]]+2$' "$st" || e2e_fail "not in seccomp filter mode: $(grep ^Seccomp "$st")"
	grep -Eq '^NoNewPrivs:[[:space:]]+1$' "$st" || e2e_fail "no_new_privs not set: $(grep ^NoNewPrivs "$st")"
	uid=$(awk '/^Uid:/ { print $2 }' "$st")
	[ "$uid" -ne 0 ] || [ "$(id -u)" -ne 0 ] || e2e_fail "frontd still runs as root"
	# Not dumpable: the kernel gives the files under a non-dumpable process's /proc/PID to root.
	owner=$(stat -c %u "$st")
	[ "$uid" -eq 0 ] || [ "$owner" -eq 0 ] || e2e_fail "$st is owned by $owner: frontd is dumpable"
	if [ "$(id -u)" -eq 0 ]; then
		for c in CapInh CapPrm CapEff CapAmb; do
			grep -Eq "^$c:[[:space:]]+0+$" "$st" || e2e_fail "frontd has capabilities: $(grep "^$c" "$st")"
		done
	fi
	grep -E '^(Uid|Gid|Cap[A-Za-z]+|NoNewPrivs|Seccomp|Seccomp_filters|VmLck):' "$st"
	echo "owner of $st: $owner"

	# A dumpable process of the same uid, for the controls.
	cp "$MEMSCAN" "$RUN/memscan"
	chmod 0755 "$RUN/memscan"
	# (A unique argument finds it: in the background, the function and runuser are parents in between.)
	as_frontd_user sleep "60.$$" &
	e2e_track sleep "$!"
	other=""
	for _i in $(seq 50); do
		# Until runuser's child has exec'd sleep it is runuser, not dumpable: wait for the sleep itself.
		other=$(pgrep -u "$(id -u "$FRONTD_USER")" -f "^sleep 60\.$$\$") && break
		sleep 0.1
	done
	[ -n "$other" ] || e2e_fail "the control process did not start"
	e2e_track sleep "$other"
	public=$(e2e_public "$RUN/local.key")

	# Control: the same user reads a dumpable process's memory and attaches to it.
	as_frontd_user "$RUN/memscan" -q "$other" "$public" >"$RUN/scan-other.out" 2>&1
	rc=$?
	[ $rc -eq 0 ] || [ $rc -eq 1 ] ||
		atf_skip "this system keeps a user out of its own processes' memory (memscan: $rc): nothing to compare with"
	as_frontd_user timeout 2 strace -qq -e trace=none -p "$other" >"$RUN/strace-other.out" 2>&1
	rc=$?
	[ $rc -eq 124 ] || atf_skip "this system keeps a user from ptracing its own processes (strace: $rc): nothing to compare with"

	# The check: the same user can do neither to frontd.
	for p in "$FRONTD_WORKER" "$FRONTD_PID"; do
		as_frontd_user "$RUN/memscan" -q "$p" "$public" >"$RUN/scan-frontd.out" 2>&1
		rc=$?
		[ $rc -eq 2 ] || e2e_fail "frontd's user read frontd's ($p) memory (memscan: $rc): $(cat "$RUN/scan-frontd.out")"
		as_frontd_user timeout 2 strace -qq -e trace=none -p "$p" >"$RUN/strace-frontd.out" 2>&1
		rc=$?
		[ $rc -ne 124 ] && grep -q "Operation not permitted" "$RUN/strace-frontd.out" ||
			e2e_fail "frontd's user could ptrace frontd ($p) (strace: $rc): $(cat "$RUN/strace-frontd.out")"
		cat "$RUN/scan-frontd.out" "$RUN/strace-frontd.out"
	done
	frontd_alive
	frontd_stop || e2e_fail "frontd exited $? on SIGTERM"
}
sandbox_state_cleanup()
{
	e2e_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case forbidden_open
	atf_add_test_case forbidden_open_write
	atf_add_test_case forbidden_execve
	atf_add_test_case forbidden_ptrace
	atf_add_test_case forbidden_mmap_exec
	atf_add_test_case forbidden_mprotect_exec
	atf_add_test_case forbidden_socket_netlink
	atf_add_test_case socket_family_follows_backends
	atf_add_test_case test_option_only_in_test_build
	atf_add_test_case sandbox_state
}
