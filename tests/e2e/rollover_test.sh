# Certificate and key rollover without restarting either daemon, as an
# operator does it: with handshakes running in a loop against frontd,
# moat-keyctl hands keyd the new key, frontd reloads (SIGHUP) with the new
# certificate, and the old key is removed. The loop counts every handshake;
# none may fail.

. "$(atf_get_srcdir)/lib"

HTTP11='alpn "http/1.1"'

# The handshake loop: one curl (a full TLS handshake, verified against the
# test CA, and a request) after another until $RUN/stop appears or the run
# directory goes; each writes "START_NS END_NS EXIT_STATUS" to $RUN/hs.log.
hs_loop()
{
	while [ -d "$RUN" ] && [ ! -f "$RUN/stop" ]; do
		_t0=$(date +%s%N)
		e2e_curl localhost / -o /dev/null 2>/dev/null
		_rc=$?
		echo "$_t0 $(date +%s%N) $_rc" >>"$RUN/hs.log"
	done
}

hs_ok()
{
	awk '$3 == 0' "$RUN/hs.log" | wc -l
}

# wait_hs N: until N more handshakes than now have succeeded.
hs_more()
{
	[ "$(hs_ok)" -ge "$_hs_target" ]
}
wait_hs()
{
	_hs_target=$(($(hs_ok) + $1))
	wait_until -t 60 hs_more || e2e_fail "the handshake loop did not reach $_hs_target successful handshakes"
}

# The public key of the certificate frontd serves now, and of a key file.
served_pubkey()
{
	e2e_s_client localhost | openssl x509 -pubkey -noout 2>/dev/null
}
key_pubkey()
{
	openssl pkey -in "$1" -pubout 2>/dev/null
}

# The key id keyd gives a key: SHA-256 of its DER SubjectPublicKeyInfo.
key_id_of()
{
	openssl pkey -in "$1" -pubout -outform DER 2>/dev/null | openssl dgst -sha256 -r | cut -d' ' -f1
}

atf_test_case add_reload_remove cleanup
add_reload_remove_head()
{
	atf_set "descr" "rollover under a handshake loop: keyctl key add B, frontd reloaded (SIGHUP) with certificate B, keyctl key remove A; no handshake fails"
	atf_set "require.progs" "curl openssl"
	atf_set "timeout" "300"
}
add_reload_remove_body()
{
	e2e_init
	make_ca ca moat-e2e-ca
	make_cert old p256 localhost
	make_cert new rsa localhost
	keyd_conf "$(frontd_allow)" old
	keyd_start
	backend_start web
	e2e_site localhost "$BACKEND" old -- "$HTTP11"
	frontd_start
	[ "$(served_pubkey)" = "$(key_pubkey "$RUN/old.key")" ] || e2e_fail "frontd does not serve certificate A"

	: >"$RUN/hs.log"
	hs_loop &
	_loop=$!
	wait_hs 20

	# 1. keyd gets key B; frontd, still serving A, goes on.
	"$MOAT_KEYCTL" -s "$RUN/keyctl.sock" key add "$RUN/new.key" >"$RUN/add.out" 2>&1 ||
		e2e_fail "keyctl key add failed: $(cat "$RUN/add.out")"
	grep -qx "added $(key_id_of "$RUN/new.key") new.key" "$RUN/add.out" || e2e_fail "keyctl said: $(cat "$RUN/add.out")"
	wait_hs 20

	# 2. frontd reloads with certificate B: the master starts generation 2, generation 1 finishes.
	: >"$E2E_SITES"
	e2e_site localhost "$BACKEND" new -- "$HTTP11"
	frontd_conf
	kill -HUP "$FRONTD_PID"
	wait_until -p "$FRONTD_PID" grep -q 'reload: generation 2 serving' "$RUN/frontd.log" ||
		e2e_fail "frontd did not reload: $(tail -5 "$RUN/frontd.log")"
	[ "$(served_pubkey)" = "$(key_pubkey "$RUN/new.key")" ] || e2e_fail "frontd does not serve certificate B"
	wait_hs 20

	# 3. Key A goes; nothing uses it any more.
	"$MOAT_KEYCTL" -s "$RUN/keyctl.sock" key remove old.key >"$RUN/remove.out" 2>&1 ||
		e2e_fail "keyctl key remove failed: $(cat "$RUN/remove.out")"
	grep -qx "removed $(key_id_of "$RUN/old.key") old.key" "$RUN/remove.out" || e2e_fail "keyctl said: $(cat "$RUN/remove.out")"
	wait_hs 20
	touch "$RUN/stop"
	wait "$_loop"

	# Every handshake succeeded.
	_total=$(wc -l <"$RUN/hs.log")
	_bad=$(awk '$3 != 0' "$RUN/hs.log" | wc -l)
	echo "handshakes: $_total, $(hs_ok) ok, $_bad failed"
	[ "$_bad" -eq 0 ] || { awk '$3 != 0' "$RUN/hs.log" >&2; e2e_fail "$_bad handshakes failed during the rollover"; }
	[ "$(hs_ok)" -ge 80 ] || e2e_fail "only $(hs_ok) handshakes succeeded"
	# keyd served all of it without a restart.
	kill -0 "$KEYD_PID" 2>/dev/null || e2e_fail "keyd is not running"
	[ "$(grep -c "moat-keyd .* starting" "$RUN/keyd.log")" -eq 1 ] || e2e_fail "keyd was restarted"
	grep -q "key added: new.key id $(key_id_of "$RUN/new.key") by uid 0\|key added: new.key id $(key_id_of "$RUN/new.key") by uid $(id -u)" "$RUN/keyd.log" ||
		e2e_fail "keyd did not log the key it was given"
	# The control: the key in use removed, the next handshake fails. The loop above would have seen that.
	"$MOAT_KEYCTL" -s "$RUN/keyctl.sock" key remove new.key >/dev/null || e2e_fail "removing key B failed"
	e2e_curl localhost / -o /dev/null 2>/dev/null && e2e_fail "a handshake succeeded with its key removed from keyd"
	frontd_alive
}
add_reload_remove_cleanup()
{
	e2e_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case add_reload_remove
}
