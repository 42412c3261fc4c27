# TLS 1.3 session tickets through moat-frontd, sealed and opened by a real
# moat-keyd (moat-frontd(8), SESSION TICKETS): openssl s_client and
# gnutls-cli resume; a ticket keeps resuming after keyd rotates its key and
# comes back under the new one; a ticket keyd cannot open (keyd restarted,
# tickets off) is a full handshake, never a failed one; and after hundreds
# of resumed handshakes frontd's worker holds no byte of the ticket key.

. "$(atf_get_srcdir)/lib"

HTTP11='alpn "http/1.1"'

# tix_start [SITE_LINE...]: keyd, a backend, and frontd serving localhost
# (with the extra site lines) and writing an access log to
# $RUN/logs/access.log.
tix_start()
{
	e2e_init
	tix_start_in_run "$@"
}

# tix_start_in_run: the same after e2e_init (top-level lines may be in $RUN/frontd.extra already).
tix_start_in_run()
{
	make_ca ca moat-e2e-ca
	make_cert rsa rsa localhost
	keyd_conf "$(frontd_allow)" rsa
	keyd_start
	backend_start web
	e2e_site localhost "$BACKEND" rsa -- "$HTTP11" "$@"
	# Opened by frontd's user, after the privilege drop (moat-frontd.conf(5)).
	mkdir "$RUN/logs"
	[ "$(id -u)" -eq 0 ] && chown "$FRONTD_USER" "$RUN/logs"
	echo 'access-log "logs/access.log"' >>"$RUN/frontd.extra"
	frontd_start
	http_request "$RUN/req" /
}

# tix_conn OUT [S_CLIENT_ARGS...]: one connection with openssl s_client that
# sends an HTTP request and reads until the server closes (so the
# NewSessionTicket that follows the handshake is read too); its whole
# output, the handshake messages (-msg) included, in $RUN/OUT.
tix_conn()
{
	_out=$1
	shift
	timeout "$WAIT_SECONDS" openssl s_client -connect "127.0.0.1:$FRONTD_PORT" -servername localhost \
		-CAfile "$RUN/ca.pem" -verify_return_error -ign_eof -msg "$@" <"$RUN/req" >"$RUN/$_out" 2>&1 ||
		e2e_fail "s_client ($_out) failed: $(grep -i -m 3 error "$RUN/$_out")"
	grep -q "moat demo backend: it works" "$RUN/$_out" || e2e_fail "$_out: no demo page"
}

# tix_count OUT: how many NewSessionTickets the client of OUT received.
tix_count()
{
	grep -c '^<<< TLS 1.3, Handshake \[length [0-9a-f]*\], NewSessionTicket' "$RUN/$1"
}

# tix_key_name SESSION_FILE: the first 16 bytes of the session's ticket, as hex (keyd's key name).
tix_key_name()
{
	openssl sess_id -in "$RUN/$1" -noout -text 2>/dev/null | awk '
		/TLS session ticket:/ { on = 1; next }
		on && /^ *[0-9a-f][0-9a-f][0-9a-f][0-9a-f] - / {
			sub(/^ *[0-9a-f][0-9a-f][0-9a-f][0-9a-f] - /, "")
			sub(/   .*$/, "")
			gsub(/[ -]/, "")
			hex = hex $0
			next
		}
		on { on = 0 }
		END { print substr(hex, 1, 32) }'
}

# tix_log_wait N: until the access log has N lines.
tix_log_wait()
{
	wait_until tix_log_has "$1" || e2e_fail "the access log has $(wc -l <"$RUN/logs/access.log") lines, expected $1"
}

tix_log_has()
{
	[ -f "$RUN/logs/access.log" ] && [ "$(wc -l <"$RUN/logs/access.log")" -ge "$1" ]
}

# tix_resumed N: the resumed field (true/false) of access log line N.
tix_resumed()
{
	sed -n "${1}p" "$RUN/logs/access.log" | awk '{ print $10 }'
}

atf_test_case resume_openssl_gnutls cleanup
resume_openssl_gnutls_head()
{
	atf_set "descr" "openssl s_client -sess_out then -sess_in resumes through frontd (Reused, TLSv1.3, no certificate sent), the access log says resumed and the stats count it; gnutls-cli --resume resumes"
	atf_set "require.progs" "openssl gnutls-cli"
	atf_set "timeout" "120"
}
resume_openssl_gnutls_body()
{
	tix_start
	tix_conn first -sess_out "$RUN/sess"
	grep -q '^New, TLSv1.3' "$RUN/first" || e2e_fail "first connection: not a new TLS 1.3 session"
	[ "$(tix_count first)" -ge 1 ] || e2e_fail "frontd sent no NewSessionTicket"
	[ -n "$(tix_key_name sess)" ] || e2e_fail "the saved session holds no ticket"
	tix_conn second -sess_in "$RUN/sess"
	grep -q '^Reused, TLSv1.3' "$RUN/second" || e2e_fail "second connection did not resume: $(grep -E '^(New|Reused)' "$RUN/second")"
	grep -q 'Handshake .*, Certificate$' "$RUN/second" && e2e_fail "a resumed handshake sent a certificate"
	tix_log_wait 2
	[ "$(tix_resumed 1)" = false ] || e2e_fail "access log: first connection resumed? $(sed -n 1p "$RUN/logs/access.log")"
	[ "$(tix_resumed 2)" = true ] || e2e_fail "access log: second connection not resumed: $(sed -n 2p "$RUN/logs/access.log")"
	[ "$(frontd_stat handshakes_resumed)" -eq 1 ] || e2e_fail "handshakes_resumed is not 1"
	[ "$(frontd_stat tickets_opened)" -eq 1 ] || e2e_fail "tickets_opened is not 1"
	[ "$(frontd_stat tickets_sealed)" -ge 2 ] || e2e_fail "tickets_sealed is under 2"

	# gnutls-cli connects twice, the second time with the ticket of the first.
	timeout "$WAIT_SECONDS" gnutls-cli --x509cafile "$RUN/ca.pem" -p "$FRONTD_PORT" --resume localhost \
		</dev/null >"$RUN/gnutls.out" 2>&1 || e2e_fail "gnutls-cli failed: $(tail -n 5 "$RUN/gnutls.out")"
	grep -q 'Resume Handshake was completed' "$RUN/gnutls.out" ||
		e2e_fail "gnutls-cli did not resume: $(grep -i -E 'resum|error' "$RUN/gnutls.out")"
	[ "$(frontd_stat handshakes_resumed)" -eq 2 ] || e2e_fail "handshakes_resumed is not 2 after gnutls-cli"
	frontd_alive
}
resume_openssl_gnutls_cleanup()
{
	e2e_cleanup
}

# tix_field N K: field K (1-based, words) of access log line N.
tix_field()
{
	sed -n "${1}p" "$RUN/logs/access.log" | awk -v k="$2" '{ print $k }'
}

# tix_early OUT SESSION [-ign_eof]: s_client offering SESSION with the HTTP request as its 0-RTT data and
# nothing after it; with -ign_eof it reads until the server closes (an answer is expected), else it ends
# after the handshake.
tix_early()
{
	_out=$1 _sess=$2
	shift 2
	timeout "$WAIT_SECONDS" openssl s_client -connect "127.0.0.1:$FRONTD_PORT" -servername localhost \
		-CAfile "$RUN/ca.pem" -verify_return_error -msg -sess_in "$RUN/$_sess" -early_data "$RUN/req" "$@" \
		</dev/null >"$RUN/$_out" 2>&1
}

atf_test_case early_data cleanup
early_data_head()
{
	atf_set "descr" "0-RTT through frontd and keyd with early-data on: s_client's request in early data reaches the backend once; the same session again (a replay) is resumed with the early data rejected and skipped; early-data off (the default) issues tickets without it"
	atf_set "require.progs" "openssl"
	atf_set "timeout" "120"
}
early_data_body()
{
	tix_start "early-data on" "ticket-lifetime 1h" "tickets-per-handshake 2"
	tix_conn first -sess_out "$RUN/sess"
	# The site's ticket directives: two tickets, each with a lifetime of an hour.
	[ "$(tix_count first)" -eq 2 ] || e2e_fail "tickets-per-handshake 2: $(tix_count first) tickets"
	openssl sess_id -in "$RUN/sess" -noout -text >"$RUN/sess.txt" 2>&1
	grep -q "Max Early Data: 16384" "$RUN/sess.txt" || e2e_fail "the ticket allows no early data: $(grep -i early "$RUN/sess.txt")"
	grep -q "lifetime hint: 3600 " "$RUN/sess.txt" || e2e_fail "ticket-lifetime 1h: $(grep -i lifetime "$RUN/sess.txt")"
	# The request is the early data: the page comes back without a byte sent after the handshake.
	tix_early early sess -ign_eof || e2e_fail "s_client with early data failed: $(grep -i -m 3 error "$RUN/early")"
	grep -q "Early data was accepted" "$RUN/early" || e2e_fail "early data not accepted: $(grep -i early "$RUN/early")"
	grep -q "moat demo backend: it works" "$RUN/early" || e2e_fail "the backend did not answer the early request"
	# The recorded ClientHello and its early data, sent again: keyd's single-use record refuses the 0-RTT.
	tix_early replay sess || e2e_fail "s_client replaying failed: $(grep -i -m 3 error "$RUN/replay")"
	grep -q "Early data was rejected" "$RUN/replay" || e2e_fail "a replay's early data accepted: $(grep -i early "$RUN/replay")"
	grep -q '^Reused, TLSv1.3' "$RUN/replay" || e2e_fail "the replayed session was not resumed"
	grep -q "moat demo backend" "$RUN/replay" && e2e_fail "the backend answered a replayed request"
	tix_log_wait 3
	# time client listener sni site version suite group alpn resumed early_data ...
	[ "$(tix_field 2 11)" = accepted ] || e2e_fail "access log: $(sed -n 2p "$RUN/logs/access.log")"
	[ "$(tix_field 3 11)" = rejected ] || e2e_fail "access log: $(sed -n 3p "$RUN/logs/access.log")"
	# Bytes from the client to the backend: the request once, nothing on the replay.
	[ "$(tix_field 2 15)" -eq "$(wc -c <"$RUN/req")" ] || e2e_fail "bytes in on 0-RTT: $(tix_field 2 15)"
	[ "$(tix_field 3 15)" -eq 0 ] || e2e_fail "bytes in on the replay: $(tix_field 3 15)"
	frontd_alive
}
early_data_cleanup()
{
	e2e_cleanup
}

atf_test_case early_data_off cleanup
early_data_off_head()
{
	atf_set "descr" "early-data off (the default): frontd's tickets allow no 0-RTT, so no client sends it any"
	atf_set "require.progs" "openssl"
	atf_set "timeout" "60"
}
early_data_off_body()
{
	tix_start
	tix_conn first -sess_out "$RUN/sess"
	openssl sess_id -in "$RUN/sess" -noout -text >"$RUN/sess.txt" 2>&1
	grep -q "Max Early Data: [1-9]" "$RUN/sess.txt" && e2e_fail "early-data off, yet the ticket allows it"
	tix_early second sess || e2e_fail "s_client failed: $(grep -i -m 3 error "$RUN/second")"
	grep -q '^Reused, TLSv1.3' "$RUN/second" || e2e_fail "not resumed"
	grep -q "moat demo backend" "$RUN/second" && e2e_fail "the backend answered early data frontd does not take"
	frontd_alive
}
early_data_off_cleanup()
{
	e2e_cleanup
}

atf_test_case rotation cleanup
rotation_head()
{
	atf_set "descr" "a ticket sealed before moat-keyctl tickets rotate still resumes (its key is decrypt-only) and the client gets a fresh ticket under the new key"
	atf_set "require.progs" "openssl"
	atf_set "timeout" "120"
}
rotation_body()
{
	tix_start
	tix_conn first -sess_out "$RUN/sess-a"
	old=$(tix_key_name sess-a)
	[ -n "$old" ] || e2e_fail "no ticket in the first session"
	"$MOAT_KEYCTL" -s "$RUN/keyctl.sock" tickets rotate >"$RUN/rotate.out" 2>&1 ||
		e2e_fail "tickets rotate failed: $(cat "$RUN/rotate.out")"
	"$MOAT_KEYCTL" -s "$RUN/keyctl.sock" tickets list >"$RUN/list.out" 2>&1 || e2e_fail "tickets list failed"
	grep -q "^$old decrypt-only " "$RUN/list.out" || e2e_fail "the first key is not decrypt-only: $(cat "$RUN/list.out")"
	new=$(awk '$2 == "encrypt" { print $1 }' "$RUN/list.out")
	[ -n "$new" ] && [ "$new" != "$old" ] || e2e_fail "no new sealing key after rotate: $(cat "$RUN/list.out")"

	tix_conn second -sess_in "$RUN/sess-a" -sess_out "$RUN/sess-b"
	grep -q '^Reused, TLSv1.3' "$RUN/second" || e2e_fail "the old ticket did not resume after rotate"
	[ "$(tix_count second)" -ge 1 ] || e2e_fail "no fresh ticket after resuming under a decrypt-only key"
	got=$(tix_key_name sess-b)
	[ "$got" = "$new" ] || e2e_fail "the fresh ticket names key '$got', expected the new key $new (old $old)"
	[ "$(frontd_stat tickets_reissued)" -eq 1 ] || e2e_fail "tickets_reissued is not 1"
	# And the fresh ticket resumes too.
	tix_conn third -sess_in "$RUN/sess-b"
	grep -q '^Reused, TLSv1.3' "$RUN/third" || e2e_fail "the re-issued ticket did not resume"
	frontd_alive
}
rotation_cleanup()
{
	e2e_cleanup
}

atf_test_case keyd_restarted cleanup
keyd_restarted_head()
{
	atf_set "descr" "after keyd restarts (its generated ticket keys are gone) an old ticket gets a full handshake, not an error, and a new ticket that resumes"
	atf_set "require.progs" "openssl"
	atf_set "timeout" "120"
}
keyd_restarted_body()
{
	tix_start
	tix_conn first -sess_out "$RUN/sess-a"
	[ -n "$(tix_key_name sess-a)" ] || e2e_fail "no ticket before the restart"
	keyd_stop || e2e_fail "keyd did not stop"
	rm -f "$RUN/keyd.sock"
	keyd_start
	tix_conn second -sess_in "$RUN/sess-a" -sess_out "$RUN/sess-b"
	grep -q '^New, TLSv1.3' "$RUN/second" || e2e_fail "a ticket of the keyd before the restart resumed?"
	[ "$(tix_count second)" -ge 1 ] || e2e_fail "no new ticket from the restarted keyd"
	tix_conn third -sess_in "$RUN/sess-b"
	grep -q '^Reused, TLSv1.3' "$RUN/third" || e2e_fail "the new ticket did not resume"
	[ "$(frontd_stat tickets_rejected)" -ge 1 ] || e2e_fail "the unknown ticket was not counted in tickets_rejected"
	[ "$(frontd_stat handshake_failures)" -eq 0 ] || e2e_fail "a handshake failed"
	frontd_alive
}
keyd_restarted_cleanup()
{
	e2e_cleanup
}

atf_test_case keyd_tickets_off cleanup
keyd_tickets_off_head()
{
	atf_set "descr" "tickets off in moat-keyd.conf: full handshakes, no NewSessionTicket, no error, also for a client offering a ticket of the keyd before (restarted with tickets off)"
	atf_set "require.progs" "openssl"
	atf_set "timeout" "120"
}
keyd_tickets_off_body()
{
	tix_start
	tix_conn first -sess_out "$RUN/sess"
	[ "$(tix_count first)" -ge 1 ] || e2e_fail "no ticket while keyd had tickets on"
	keyd_stop || e2e_fail "keyd did not stop"
	rm -f "$RUN/keyd.sock"
	echo "tickets off" >>"$RUN/keyd.conf"
	keyd_start
	tix_conn second -sess_in "$RUN/sess"
	grep -q '^New, TLSv1.3' "$RUN/second" || e2e_fail "resumed although keyd has tickets off"
	[ "$(tix_count second)" -eq 0 ] || e2e_fail "a NewSessionTicket was sent with tickets off in keyd"
	tix_conn third
	grep -q '^New, TLSv1.3' "$RUN/third" || e2e_fail "third connection: not a full TLS 1.3 handshake"
	[ "$(tix_count third)" -eq 0 ] || e2e_fail "a NewSessionTicket was sent with tickets off in keyd"
	# keyd refuses (NOT_PERMITTED): an open that failed, seals that failed, no failed handshake.
	[ "$(frontd_stat ticket_open_failures)" -eq 1 ] || e2e_fail "ticket_open_failures is not 1"
	[ "$(frontd_stat ticket_seal_failures)" -eq 2 ] || e2e_fail "ticket_seal_failures is not 2"
	[ "$(frontd_stat handshake_failures)" -eq 0 ] || e2e_fail "a handshake failed"
	frontd_alive
}
keyd_tickets_off_cleanup()
{
	e2e_cleanup
}

atf_test_case frontd_tickets_off cleanup
frontd_tickets_off_head()
{
	atf_set "descr" "tickets off at the top of moat-frontd.conf, on in one site: the site that says nothing sends no NewSessionTicket, takes no ticket of the other site, and never asks keyd"
	atf_set "require.progs" "openssl"
	atf_set "timeout" "120"
}
frontd_tickets_off_body()
{
	e2e_init
	make_ca ca moat-e2e-ca
	make_cert rsa rsa localhost DNS:localhost DNS:off.test
	keyd_conf "$(frontd_allow)" rsa
	keyd_start
	backend_start web
	e2e_site localhost "$BACKEND" rsa -- "$HTTP11" "tickets on"
	e2e_site off.test "$BACKEND" rsa -- "$HTTP11"
	echo "tickets off" >"$RUN/frontd.extra"
	frontd_start
	http_request "$RUN/req" /
	tix_conn on -sess_out "$RUN/sess"
	[ "$(tix_count on)" -ge 1 ] || e2e_fail "the site with tickets on sent none"
	timeout "$WAIT_SECONDS" openssl s_client -connect "127.0.0.1:$FRONTD_PORT" -servername off.test \
		-CAfile "$RUN/ca.pem" -verify_return_error -ign_eof -msg -sess_in "$RUN/sess" <"$RUN/req" \
		>"$RUN/off" 2>&1 || e2e_fail "s_client to the site with tickets off failed"
	grep -q '^New, TLSv1.3' "$RUN/off" || e2e_fail "the site with tickets off resumed"
	[ "$(tix_count off)" -eq 0 ] || e2e_fail "the site with tickets off sent a NewSessionTicket"
	grep -q "moat demo backend: it works" "$RUN/off" || e2e_fail "no demo page from the site with tickets off"
	[ "$(frontd_stat tickets_opened)" -eq 0 ] || e2e_fail "keyd opened a ticket for the site with tickets off"
	[ "$(frontd_stat tickets_sealed)" -eq 1 ] || e2e_fail "tickets were sealed for the site with tickets off"
	frontd_alive
}
frontd_tickets_off_cleanup()
{
	e2e_cleanup
}

atf_test_case gone_while_keyd_opens cleanup
gone_while_keyd_opens_head()
{
	atf_set "descr" "a connection that ends (handshake-timeout) while keyd has not answered its ticket open is freed with its request cancelled; keyd's late answer harms nothing, and the next ticket resumes"
	atf_set "require.progs" "openssl"
	atf_set "timeout" "120"
}
gone_while_keyd_opens_body()
{
	e2e_init
	printf 'handshake-timeout 1s\nkeyd-timeout 8s\n' >"$RUN/frontd.extra"
	tix_start_in_run
	tix_conn first -sess_out "$RUN/sess"
	# keyd stopped: the open waits (keyd-timeout 8s) and the handshake's deadline (1s) ends the connection first.
	kill -STOP "$KEYD_PID"
	timeout 5 openssl s_client -connect "127.0.0.1:$FRONTD_PORT" -servername localhost -CAfile "$RUN/ca.pem" \
		-sess_in "$RUN/sess" <"$RUN/req" >"$RUN/stalled" 2>&1
	kill -CONT "$KEYD_PID"
	grep -q '^Reused' "$RUN/stalled" && e2e_fail "resumed while keyd was stopped?"
	# keyd's late answer arrives now: the worker must still be the one that served.
	keyd_answers || e2e_fail "keyd does not answer after SIGCONT"
	sleep 0.5
	[ "$(frontd_worker "$FRONTD_PID")" = "$FRONTD_WORKER" ] ||
		e2e_fail "frontd's worker died after keyd answered the open of a connection that was gone"
	wait_for_stat timeouts_handshake -eq 1 || e2e_fail "the stalled handshake did not time out"
	# keyd answers the cancelled open now; frontd must drop it, and go on resuming.
	tix_conn second -sess_in "$RUN/sess"
	grep -q '^Reused, TLSv1.3' "$RUN/second" || e2e_fail "no resumption after the cancelled open"
	frontd_alive
}
gone_while_keyd_opens_cleanup()
{
	e2e_cleanup
}

atf_test_case worker_memory_holds_no_ticket_key cleanup
worker_memory_holds_no_ticket_key_head()
{
	atf_set "descr" "with a known ticket key imported into keyd, 200 resumed handshakes later no 16-byte piece of its secret is in frontd's worker, while the same scan finds the certificate's public key there and the secret in a process that holds it"
	atf_set "require.progs" "curl openssl"
	atf_set "timeout" "150"
}
worker_memory_holds_no_ticket_key_body()
{
	tix_start
	name=$(openssl rand -hex 16)
	secret=$(openssl rand -hex 32)
	: >"$RUN/ticket.keys"
	chmod 0600 "$RUN/ticket.keys"
	printf '# the test ticket key\n%s %s 0\n' "$name" "$secret" >>"$RUN/ticket.keys"
	"$MOAT_KEYCTL" -s "$RUN/keyctl.sock" tickets add "$RUN/ticket.keys" >"$RUN/add.out" 2>&1 ||
		e2e_fail "tickets add failed: $(cat "$RUN/add.out")"
	"$MOAT_KEYCTL" -s "$RUN/keyctl.sock" tickets list >"$RUN/list.out" 2>&1 || e2e_fail "tickets list failed"
	grep -q "^$name encrypt " "$RUN/list.out" || e2e_fail "the imported key does not seal: $(cat "$RUN/list.out")"

	# One curl process, 1,001 connections (Connection: close): the first a full
	# handshake, each later one resumed with a ticket of the one before.
	e2e_curl localhost "/[0-1000]" -H "Connection: close" -w '%{num_connects}\n' -o /dev/null \
		>"$RUN/bulk.out" 2>"$RUN/curl.err" || e2e_fail "curl failed: $(cat "$RUN/curl.err")"
	resumed=$(frontd_stat handshakes_resumed)
	[ "$resumed" -ge 1000 ] || e2e_fail "$resumed resumed handshakes of 1,000"
	tix_conn check -sess_out "$RUN/sess"
	[ "$(tix_key_name sess)" = "$name" ] || e2e_fail "tickets are not sealed under the imported key"

	# Control 1: the worker's memory can be read, and key material is seen in it (the certificate's modulus).
	"$MEMSCAN" "$FRONTD_WORKER" "$(e2e_public "$RUN/rsa.key")" >"$RUN/scan-public.out" 2>&1
	rc=$?
	if [ $rc -eq 2 ]; then
		[ "$(id -u)" -eq 0 ] && e2e_fail "root cannot read frontd's memory: $(cat "$RUN/scan-public.out")"
		atf_skip "frontd's memory cannot be read as this user (frontd is not dumpable): run as root"
	fi
	[ $rc -eq 1 ] || e2e_fail "control: the public key is not found in frontd's worker: the scan proves nothing"

	# Control 2: a process holding the secret's 32 bytes is found holding them.
	echo "$secret" | sed 's/../\\x&/g' | xargs -0 printf '%b' >"$RUN/secret.bin" 2>/dev/null
	[ "$(wc -c <"$RUN/secret.bin")" -ge 32 ] || atf_fail "cannot write the secret's bytes"
	awk 'BEGIN { RS = "\001\002\003"; while ((getline r < ARGV[1]) > 0) t = t r; system("sleep 30") }' \
		"$RUN/secret.bin" &
	holder=$!
	e2e_track awk "$holder"
	sleep 0.2
	"$MEMSCAN" -q "$holder" "$secret"
	rc=$?
	kill "$holder"
	[ $rc -eq 1 ] || e2e_fail "control: the secret is not found in a process holding it (memscan: $rc)"

	# Control 3: keyd holds it (readable as root even though keyd is not dumpable).
	"$MEMSCAN" -q "$KEYD_PID" "$secret"
	rc=$?
	case $rc in
	1) ;;
	2) [ "$(id -u)" -ne 0 ] || e2e_fail "root cannot read keyd's memory"
	   echo "keyd's memory cannot be read as this user: control 3 skipped" ;;
	*) e2e_fail "control: the ticket key's secret is not found in keyd's memory" ;;
	esac

	# The check: the worker that served every ticket holds no piece of the key.
	"$MEMSCAN" "$FRONTD_WORKER" "$secret" >"$RUN/scan-frontd.out" 2>&1
	rc=$?
	cat "$RUN/scan-frontd.out"
	[ $rc -eq 0 ] || e2e_fail "frontd's worker holds ticket key bytes (memscan: $rc): $(head -n 5 "$RUN/scan-frontd.out")"
	frontd_alive
}
worker_memory_holds_no_ticket_key_cleanup()
{
	e2e_cleanup
}

atf_test_case tls12_resume cleanup
tls12_resume_head()
{
	atf_set "descr" "TLS 1.2 through frontd: s_client resumes with a ticket sealed and opened by keyd (RFC 5077) and, with -no_ticket, by session ID from frontd's cache; no certificate on resumption; the access log says resumed; gnutls-cli --resume resumes in TLS 1.2"
	atf_set "require.progs" "openssl gnutls-cli"
	atf_set "timeout" "120"
}
tls12_resume_body()
{
	tix_start
	tix_conn first -tls1_2 -sess_out "$RUN/sess"
	grep -q '^New, TLSv1.2' "$RUN/first" || e2e_fail "first connection: not a new TLS 1.2 session"
	grep -q '^<<< TLS 1.2, Handshake \[length [0-9a-f]*\], NewSessionTicket' "$RUN/first" ||
		e2e_fail "frontd sent no TLS 1.2 NewSessionTicket"
	tix_conn second -tls1_2 -sess_in "$RUN/sess"
	grep -q '^Reused, TLSv1.2' "$RUN/second" || e2e_fail "the ticket did not resume: $(grep -E '^(New|Reused)' "$RUN/second")"
	grep -q 'Handshake .*, Certificate$' "$RUN/second" && e2e_fail "a resumed handshake sent a certificate"
	[ "$(frontd_stat tickets_opened)" -eq 1 ] || e2e_fail "tickets_opened is not 1"

	# Without tickets: the session ID, from the worker's cache (keyd is not asked).
	tix_conn third -tls1_2 -no_ticket -sess_out "$RUN/sess-id"
	grep -q '^New, TLSv1.2' "$RUN/third" || e2e_fail "third connection: not a new TLS 1.2 session"
	tix_conn fourth -tls1_2 -no_ticket -sess_in "$RUN/sess-id"
	grep -q '^Reused, TLSv1.2' "$RUN/fourth" || e2e_fail "the session ID did not resume"
	[ "$(frontd_stat tickets_opened)" -eq 1 ] || e2e_fail "keyd was asked to open a ticket for a session ID"
	tix_log_wait 4
	[ "$(tix_resumed 1)$(tix_resumed 2)$(tix_resumed 3)$(tix_resumed 4)" = falsetruefalsetrue ] ||
		e2e_fail "access log resumed fields: $(awk '{ print $10 }' "$RUN/logs/access.log" | tr '\n' ' ')"
	[ "$(frontd_stat handshakes_resumed)" -eq 2 ] || e2e_fail "handshakes_resumed is not 2"

	timeout "$WAIT_SECONDS" gnutls-cli --x509cafile "$RUN/ca.pem" -p "$FRONTD_PORT" --resume \
		--priority NORMAL:-VERS-ALL:+VERS-TLS1.2 localhost </dev/null >"$RUN/gnutls.out" 2>&1 ||
		e2e_fail "gnutls-cli failed: $(tail -n 5 "$RUN/gnutls.out")"
	grep -q 'Resume Handshake was completed' "$RUN/gnutls.out" ||
		e2e_fail "gnutls-cli did not resume: $(grep -i -E 'resum|error' "$RUN/gnutls.out")"
	[ "$(frontd_stat handshake_failures)" -eq 0 ] || e2e_fail "a handshake failed"
	frontd_alive
}
tls12_resume_cleanup()
{
	e2e_cleanup
}

atf_test_case tls12_session_cache cleanup
tls12_session_cache_head()
{
	atf_set "descr" "tickets off in moat-frontd.conf: TLS 1.2 still resumes by session ID from the cache; with session-cache 0 as well, nothing resumes and the ServerHello carries no session ID"
	atf_set "require.progs" "openssl"
	atf_set "timeout" "120"
}
tls12_session_cache_body()
{
	e2e_init
	echo "tickets off" >"$RUN/frontd.extra"
	tix_start_in_run
	tix_conn first -tls1_2 -sess_out "$RUN/sess"
	grep -q 'NewSessionTicket' "$RUN/first" && e2e_fail "a ticket was sent with tickets off"
	tix_conn second -tls1_2 -sess_in "$RUN/sess"
	grep -q '^Reused, TLSv1.2' "$RUN/second" || e2e_fail "the session ID did not resume with tickets off"
	[ "$(frontd_stat handshakes_resumed)" -eq 1 ] || e2e_fail "handshakes_resumed is not 1"
	e2e_cleanup

	e2e_init
	printf 'tickets off\nsession-cache 0\n' >"$RUN/frontd.extra"
	tix_start_in_run
	tix_conn first -tls1_2
	grep -q '^ *Session-ID: *$' "$RUN/first" || e2e_fail "a session ID with the cache off: $(grep Session-ID: "$RUN/first")"
	[ "$(frontd_stat handshakes_resumed)" -eq 0 ] || e2e_fail "a handshake resumed with the cache and tickets off"
	frontd_alive
}
tls12_session_cache_cleanup()
{
	e2e_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case resume_openssl_gnutls
	atf_add_test_case early_data
	atf_add_test_case early_data_off
	atf_add_test_case rotation
	atf_add_test_case keyd_restarted
	atf_add_test_case keyd_tickets_off
	atf_add_test_case frontd_tickets_off
	atf_add_test_case gone_while_keyd_opens
	atf_add_test_case worker_memory_holds_no_ticket_key
	atf_add_test_case tls12_resume
	atf_add_test_case tls12_session_cache
}
