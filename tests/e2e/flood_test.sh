# Floods of cheap connections against moat-frontd (moat-frontd.conf(5):
# max-connections ... handshake-buffer-budget). The attacker is
# flood.py: sockets that never send, sockets that send part of a
# ClientHello and stop. Real clients are curl from 127.0.0.1.
#
# Each case proves what an operator relies on: the flood does not stop curl
# from getting its pages, frontd does not hold locked memory for clients
# that never finished a ClientHello, what the flood took comes back when it
# ends, every limit closes connections and counts it without a log line
# per connection, and running out of lockable memory is not an outage.
# Counters come from frontd's statistics line (SIGUSR1, frontd_stat).

. "$(atf_get_srcdir)/lib"

FLOOD="$(atf_get_srcdir)/flood"
HTTP11='alpn "http/1.1"'

# flood_setup [EXTRA_LINE...]: keyd, a backend and a frontd serving
# "localhost" (ECDSA P-256), with the extra top-level lines in frontd.conf.
flood_setup()
{
	e2e_init
	make_ca ca moat-e2e-ca
	make_cert ec p256 localhost
	keyd_conf "$(frontd_allow)" ec
	keyd_start
	backend_start web
	e2e_site localhost "$BACKEND" ec -- "$HTTP11"
	: >"$RUN/frontd.extra"
	for _l in "$@"; do
		echo "$_l" >>"$RUN/frontd.extra"
	done
}

# flood_start NAME ARGS...: flood.py against frontd, its output in
# $RUN/NAME.out; returns once all its sockets are open. Sets FLOOD_PID.
flood_start()
{
	_n=$1
	shift
	python3 "$FLOOD" --port "$FRONTD_PORT" "$@" >"$RUN/$_n.out" 2>"$RUN/$_n.log" &
	FLOOD_PID=$!
	e2e_track "$FLOOD" "$FLOOD_PID"
	wait_line "$RUN/$_n.out" '^ready ' || e2e_fail "flood $_n did not get its sockets open: $(cat "$RUN/$_n.log")"
}

flood_stop()
{
	e2e_stop "$1" >/dev/null
}

# curls N: N fetches of the demo page in a row; fails the test unless every one is a 200.
curls()
{
	_ok=0 _i=0
	while [ $_i -lt "$1" ]; do
		_code=$(e2e_curl localhost / -o /dev/null -w '%{http_code}' 2>>"$RUN/curl.err")
		[ "$_code" = 200 ] && _ok=$((_ok + 1))
		_i=$((_i + 1))
	done
	[ $_ok -eq "$1" ] || e2e_fail "only $_ok of $1 fetches got a 200 ($(tail -n 2 "$RUN/curl.err"))"
}

# settled_rss KB: frontd's VmRSS once it is at most KB, or after 10 s (the
# heap is trimmed a moment after a flood has gone).
settled_rss()
{
	_i=0
	while [ "$(proc_status "$FRONTD_WORKER" VmRSS)" -gt "$1" ] && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	proc_status "$FRONTD_WORKER" VmRSS
}

# raise_nofile N: the soft descriptor limit to N for this shell and what it starts, or skip.
raise_nofile()
{
	[ "$(ulimit -n)" -ge "$1" ] && return 0
	ulimit -S -n "$1" 2>/dev/null || atf_skip "the descriptor limit cannot be raised to $1 (ulimit -Hn is $(ulimit -Hn))"
}

atf_test_case idle_and_partial_flood cleanup
idle_and_partial_flood_head()
{
	atf_set "descr" "With RLIMIT_MEMLOCK at 8 MiB, 3000 sockets that never send and 3000 that send half a ClientHello do not stop curl; locked memory stays small and RSS and VmLck come back when they leave"
	atf_set "require.progs" "curl openssl python3"
	atf_set "timeout" "120"
}
idle_and_partial_flood_body()
{
	raise_nofile 16384
	WAIT_SECONDS=60
	# The flood must still be there when curl runs, however slow the machine: long deadlines.
	flood_setup "first-byte-timeout 60s" "client-hello-timeout 60s" "handshake-timeout 60s" \
		"max-handshakes 10000" "max-handshakes-per-source 10000"
	ulimit -S -l 8192 2>/dev/null || atf_skip "RLIMIT_MEMLOCK cannot be set to 8 MiB"
	frontd_start
	curls 3
	_lck0=$(proc_status "$FRONTD_WORKER" VmLck)
	_rss0=$(proc_status "$FRONTD_WORKER" VmRSS)

	# 8 KiB of a ClientHello that claims 128 KiB: the TLS library holds it all, unparsed.
	flood_start flood --idle 3000 --partial 3000 --hello-size 131072 --send 8192
	wait_for_stat open -ge 6000 || e2e_fail "frontd did not take the 6000 connections: open=$(frontd_stat open)"
	curls 20
	frontd_alive
	_lck1=$(proc_status "$FRONTD_WORKER" VmLck)
	_rss1=$(proc_status "$FRONTD_WORKER" VmRSS)
	echo "VmLck ${_lck0} -> ${_lck1} kB, VmRSS ${_rss0} -> ${_rss1} kB with the flood" >&2
	# No locked memory for clients that never finished a ClientHello: at most the slabs curl's handshakes used.
	[ "$_lck1" -le $((_lck0 + 256)) ] || e2e_fail "VmLck grew from $_lck0 to $_lck1 kB under the flood"
	[ "$(frontd_stat secmem_unlocked_maps)" -eq 0 ] || e2e_fail "secure memory had to stay unlocked"
	[ "$(frontd_stat hello_bytes)" -ge $((3000 * 8192)) ] || e2e_fail "the half ClientHellos were not all counted"

	flood_stop "$FLOOD_PID"
	wait_for_stat open -eq 0 || e2e_fail "frontd still holds $(frontd_stat open) connections after the flood left"
	[ "$(frontd_stat hello_bytes)" -eq 0 ] || e2e_fail "hello_bytes did not come back to 0"
	curls 3
	# AddressSanitizer keeps freed memory in quarantine: RSS says nothing there.
	_asan=false
	grep -q __asan_init "$MOAT_FRONTD" 2>/dev/null && _asan=true
	_lck2=$(proc_status "$FRONTD_WORKER" VmLck)
	_rss2=$(proc_status "$FRONTD_WORKER" VmRSS)
	$_asan || _rss2=$(settled_rss "$((_rss0 + 2048))")
	echo "VmLck ${_lck2} kB, VmRSS ${_rss2} kB after the flood" >&2
	[ "$_lck2" -le $((_lck0 + 128)) ] || e2e_fail "VmLck is $_lck2 kB after the flood, $_lck0 kB before"
	# The heap is given back (limits.c; evmem.c keeps libevent's lasting
	# per-descriptor records from pinning it), and nothing accumulates over a
	# second flood.
	$_asan || [ "$_rss2" -le $((_rss0 + 2048)) ] || e2e_fail "VmRSS is $_rss2 kB after the flood, $_rss0 kB before"
	flood_start flood2 --idle 3000 --partial 3000 --hello-size 131072 --send 8192
	wait_for_stat open -ge 6000 || e2e_fail "frontd did not take the second flood: open=$(frontd_stat open)"
	curls 5
	flood_stop "$FLOOD_PID"
	wait_for_stat open -eq 0 || e2e_fail "frontd still holds $(frontd_stat open) connections after the second flood"
	_rss3=$(proc_status "$FRONTD_WORKER" VmRSS)
	$_asan || _rss3=$(settled_rss "$((_rss0 + 2048))")
	_lck3=$(proc_status "$FRONTD_WORKER" VmLck)
	echo "VmLck ${_lck3} kB, VmRSS ${_rss3} kB after a second flood" >&2
	$_asan || [ "$_rss3" -le $((_rss0 + 2048)) ] || e2e_fail "VmRSS is $_rss3 kB after a second flood, $_rss0 kB before the first"
	[ "$_lck3" -le $((_lck0 + 128)) ] || e2e_fail "VmLck is $_lck3 kB after the second flood"
	# Thousands of failed handshakes, and no line for each.
	[ "$(wc -l <"$RUN/frontd.log")" -lt 100 ] || e2e_fail "frontd logged $(wc -l <"$RUN/frontd.log") lines"
}
idle_and_partial_flood_cleanup()
{
	e2e_cleanup
}

atf_test_case limits_close_and_count cleanup
limits_close_and_count_head()
{
	atf_set "descr" "Each limit closes connections and counts it, curl still gets through, and the log says so a few times only: max-handshakes-per-source, max-handshakes, first-byte-timeout, client-hello-timeout, handshake-buffer-budget"
	atf_set "require.progs" "curl openssl python3"
	atf_set "timeout" "120"
}
limits_close_and_count_body()
{
	raise_nofile 4096
	flood_setup "max-handshakes-per-source 50" "max-handshakes 120" "first-byte-timeout 1500ms" \
		"client-hello-timeout 3s" "handshake-buffer-budget 1m"
	frontd_start

	# One source asks for 200: it keeps 50, each newcomer closing its oldest waiter.
	flood_start per_source --bind 127.0.0.2 --idle 200
	wait_for_stat evicted_per_source -ge 150 || e2e_fail "per-source cap: evicted_per_source=$(frontd_stat evicted_per_source)"
	[ "$(frontd_stat handshaking)" -le 50 ] || e2e_fail "more than max-handshakes-per-source in progress"
	curls 3
	# A real client from the flood's own address still gets in: it sends its ClientHello at once.
	_code=$(curl -sS --max-time 30 --cacert "$RUN/ca.pem" --interface 127.0.0.2 \
		--resolve "localhost:$FRONTD_PORT:127.0.0.1" -o /dev/null -w '%{http_code}' \
		"https://localhost:$FRONTD_PORT/" 2>>"$RUN/curl.err")
	[ "$_code" = 200 ] || e2e_fail "curl from the flooding address got $_code"
	# Not a byte in 1.5 s: closed.
	wait_for_stat timeouts_first_byte -ge 45 || e2e_fail "first-byte-timeout: $(frontd_stat timeouts_first_byte)"
	flood_stop "$FLOOD_PID"

	# Three sources of 50 idle sockets: the oldest waiters make room for newer ones at 120.
	flood_start a --bind 127.0.0.3 --idle 50
	_a=$FLOOD_PID
	flood_start b --bind 127.0.0.4 --idle 50
	_b=$FLOOD_PID
	flood_start c --bind 127.0.0.5 --idle 50
	_c=$FLOOD_PID
	wait_for_stat evicted_max_handshakes -ge 30 || e2e_fail "max-handshakes: evicted=$(frontd_stat evicted_max_handshakes)"
	[ "$(frontd_stat handshaking)" -le 120 ] || e2e_fail "more than max-handshakes in progress"
	curls 3
	flood_stop "$_a"
	flood_stop "$_b"
	flood_stop "$_c"
	wait_for_stat handshaking -eq 0 || e2e_fail "handshakes left: $(frontd_stat handshaking)"

	# 40 x 48 KiB of ClientHellos is more than 1 MiB: the oldest partial ones go.
	flood_start budget --bind 127.0.0.6 --partial 40 --send 49152
	wait_for_stat evicted_hello_budget -ge 10 || e2e_fail "budget: evicted=$(frontd_stat evicted_hello_budget)"
	[ "$(frontd_stat hello_bytes)" -le 1048576 ] || e2e_fail "hello_bytes over the budget: $(frontd_stat hello_bytes)"
	curls 3
	flood_stop "$FLOOD_PID"
	wait_for_stat handshaking -eq 0 || e2e_fail "handshakes left: $(frontd_stat handshaking)"

	# Half a ClientHello and silence: closed at client-hello-timeout.
	flood_start slow --bind 127.0.0.7 --partial 20 --send 100
	wait_for_stat timeouts_client_hello -ge 20 || e2e_fail "client-hello-timeout: $(frontd_stat timeouts_client_hello)"
	flood_stop "$FLOOD_PID"

	# A few lines about the limits (at most one per 10 s), none per connection.
	_lines=$(grep -c 'reached: closing connections' "$RUN/frontd.log")
	[ "$_lines" -ge 1 ] && [ "$_lines" -le 6 ] || e2e_fail "$_lines lines about limits"
	! grep -q 'handshake failed\|timed out' "$RUN/frontd.log" || e2e_fail "per-connection lines at the default log level"
}
limits_close_and_count_cleanup()
{
	e2e_cleanup
}

atf_test_case max_connections_refuses cleanup
max_connections_refuses_head()
{
	atf_set "descr" "At max-connections new connections are closed at accept and counted; when the holders go, curl gets through again"
	atf_set "require.progs" "curl openssl python3"
	atf_set "timeout" "120"
}
max_connections_refuses_body()
{
	flood_setup "max-connections 30" "first-byte-timeout 30s" "client-hello-timeout 30s"
	frontd_start
	flood_start hold --bind 127.0.0.2 --idle 30
	wait_for_stat open -eq 30 || e2e_fail "frontd did not take 30 connections: $(frontd_stat open)"
	e2e_curl localhost / -o /dev/null 2>/dev/null && e2e_fail "a connection over max-connections was served"
	[ "$(frontd_stat refused_max_connections)" -ge 1 ] || e2e_fail "the refusal was not counted"
	[ "$(frontd_stat open)" -le 30 ] || e2e_fail "more than max-connections open"
	flood_stop "$FLOOD_PID"
	wait_for_stat open -eq 0 || e2e_fail "connections left: $(frontd_stat open)"
	curls 3
	[ "$(grep -c 'max-connections reached' "$RUN/frontd.log")" -eq 1 ] || e2e_fail "not one line about max-connections"
}
max_connections_refuses_cleanup()
{
	e2e_cleanup
}

atf_test_case memlock_exhausted_still_serves cleanup
memlock_exhausted_still_serves_head()
{
	atf_set "descr" "With RLIMIT_MEMLOCK too small for frontd's secrets, curl still gets its pages; frontd says so once and counts it"
	atf_set "require.progs" "curl openssl"
	atf_set "timeout" "120"
}
memlock_exhausted_still_serves_body()
{
	flood_setup
	# One 64 KiB slab of the secure heap: the second one cannot be locked.
	ulimit -S -l 64 2>/dev/null || atf_skip "RLIMIT_MEMLOCK cannot be set to 64 KiB"
	frontd_start
	curls 5
	[ "$(frontd_stat secmem_unlocked_maps)" -ge 1 ] || e2e_fail "no secure mapping was left unlocked: is the limit in force?"
	[ "$(grep -c 'out of lockable memory' "$RUN/frontd.log")" -eq 1 ] || e2e_fail "not exactly one line about locked memory"
	frontd_alive
}
memlock_exhausted_still_serves_cleanup()
{
	e2e_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case idle_and_partial_flood
	atf_add_test_case limits_close_and_count
	atf_add_test_case max_connections_refuses
	atf_add_test_case memlock_exhausted_still_serves
}
