# Browsers against moat-frontd: Debian's Chromium (headless) and Firefox
# ESR (headless) fetch the demo backend's page through moat-keyd and
# moat-frontd, and the key exchange group the browser negotiated is the one
# frontd's access log names. Both share an X25519MLKEM768 key and an x25519
# one; under the default policy (default_tls13) they get the hybrid, under
# a policy without it x25519, and the policy is all that differs.
#
# Chromium trusts the test certificate by its key alone
# (--ignore-certificate-errors-spki-list: every other certificate error
# still fails the load) and writes a net log, whose SSL_CONNECT event gives
# the group and the protocol version as the browser saw them. Firefox gets a
# fresh profile whose NSS database trusts the test CA (certutil) and takes a
# screenshot of the page; what it negotiated is read from frontd's access
# log, the only record of the handshake it leaves.
#
# A missing browser is a skip (require.progs). The daemons, the PKI and the
# backend: tests/e2e/lib.

. "$(atf_get_srcdir)/../e2e/lib"

# A browser's first start (profile creation, font cache) is slow on a busy machine.
BROWSER_SECONDS=90

# br_fail MESSAGE: fail the case (logs first) with MESSAGE on one line: a
# browser's log tail has many, and ATF takes a one-line reason only.
br_fail()
{
	e2e_fail "$(printf '%s' "$1" | tr '\n' ' ')"
}

# TLS group code points (IANA TLS Supported Groups registry) and the names
# frontd's access log gives them.
GROUP_X25519=29
GROUP_X25519MLKEM768=4588

group_name()
{
	case $1 in
	"$GROUP_X25519") echo x25519 ;;
	23) echo secp256r1 ;;
	24) echo secp384r1 ;;
	"$GROUP_X25519MLKEM768") echo X25519MLKEM768 ;;
	*) echo "group$1" ;;
	esac
}

# br_start POLICY_LINES...: keyd and frontd with one site (localhost,
# ECDSA P-256, http/1.1) in front of the demo backend, an access log in
# JSON, and the site's policy "browser" made of POLICY_LINES (on top of
# default_tls13). Sets LOG (the access log).
br_start()
{
	e2e_init
	make_ca ca moat-browser-ca
	make_cert local p256 localhost
	keyd_conf "$(frontd_allow)" local
	keyd_start
	backend_start web
	e2e_site localhost "$BACKEND" local -- 'alpn "http/1.1"' 'policy "browser"' default
	mkdir "$RUN/logs"
	[ "$(id -u)" -eq 0 ] && chown "$FRONTD_USER" "$RUN/logs"
	{
		echo 'access-log "logs/access.json" json'
		echo 'policy "browser" {'
		echo '	base "default_tls13"'
		for _l in "$@"; do
			echo "	$_l"
		done
		echo '}'
	} >"$RUN/frontd.extra"
	frontd_start
	LOG=$RUN/logs/access.json
}

# The access log on one line, for a failure message.
br_log_text()
{
	tr '\n' ' ' <"$LOG" 2>&1
}

br_has_page_line()
{
	[ -f "$LOG" ] && [ "$(br_logged)" != - ]
}

# br_wait_logged: until the access log has the line br_logged looks for. A
# line is written when its connection closes: the browser has exited by
# now, so its connections are closed or closing.
br_wait_logged()
{
	wait_until br_has_page_line ||
		br_fail "no TLS 1.3 connection that carried the page in the access log: $(br_log_text 2>&1)"
}

# br_logged: "GROUP SNI ALPN" of the access log's first TLS 1.3 connection
# that carried a page ("-" if none). How it ended is not looked at: a
# browser that exits may reset its connections rather than close them.
br_logged()
{
	python3 -c '
import json, sys
for line in open(sys.argv[1], encoding="ascii"):
    e = json.loads(line)
    if e["version"] == "TLSv1.3" and e["bytes_out"] > 0:
        print(e["group"], e["sni"], e["alpn"])
        break
else:
    print("-")' "$LOG"
}

# ---- Chromium ---------------------------------------------------------------------

# chromium_fetch: Chromium fetches https://localhost:FRONTD_PORT/ through
# frontd and dumps the page's DOM into $RUN/page; the net log goes to
# $RUN/netlog.json. localhost is mapped to 127.0.0.1 (frontd listens there
# only) and every other name to nothing (no background fetch reaches out);
# the test certificate is trusted by the SHA-256 of its public key.
chromium_fetch()
{
	_spki=$(openssl x509 -in "$RUN/local.pem" -pubkey -noout | openssl pkey -pubin -outform der |
		openssl dgst -sha256 -binary | base64)
	_root=""
	[ "$(id -u)" -eq 0 ] && _root=--no-sandbox
	# timeout signals the whole process group: Chromium's helpers go with it.
	mkdir "$RUN/home"
	HOME=$RUN/home timeout -k 5 "$BROWSER_SECONDS" chromium --headless=new $_root --user-data-dir="$RUN/chromium" \
		--no-first-run --disable-gpu --disable-extensions --disable-background-networking \
		--disable-component-update --disable-sync --disable-default-apps \
		--host-resolver-rules="MAP localhost 127.0.0.1, MAP * ~NOTFOUND" \
		--ignore-certificate-errors-spki-list="$_spki" \
		--log-net-log="$RUN/netlog.json" \
		--dump-dom "https://localhost:$FRONTD_PORT/" >"$RUN/page" 2>"$RUN/chromium.log" ||
		br_fail "chromium failed ($?): $(tail -n 20 "$RUN/chromium.log")"
	grep -q 'moat demo backend: it works' "$RUN/page" ||
		br_fail "chromium did not get the demo page: $(head -c 2000 "$RUN/page"; tail -n 20 "$RUN/chromium.log")"
}

# chromium_handshake: "GROUP VERSION HELLOS" (29 TLS1.3 1) of Chromium's
# first TLS handshake, the full one with frontd (every other host name is
# unresolvable to it), from its net log: the group and version from the end
# of the SSL_CONNECT event, and the ClientHellos that connection sent (2
# after a HelloRetryRequest); "-" if there is none.
chromium_handshake()
{
	python3 -c '
import json, sys
log = json.load(open(sys.argv[1], encoding="utf-8"))
c = log["constants"]
ssl_connect = c["logEventTypes"]["SSL_CONNECT"]
sent = c["logEventTypes"]["SSL_HANDSHAKE_MESSAGE_SENT"]
end = c["logEventPhase"]["PHASE_END"]
hellos = {}
for e in log["events"]:
    p = e.get("params", {})
    src = e["source"]["id"]
    if e["type"] == sent and p.get("type") == 1:
        hellos[src] = hellos.get(src, 0) + 1
    if e["type"] == ssl_connect and e["phase"] == end and "key_exchange_group" in p:
        print(p["key_exchange_group"], str(p.get("version", "?")).replace(" ", ""), hellos.get(src, 0))
        break
else:
    print("-")' "$RUN/netlog.json"
}

# chromium_case EXPECT_GROUP [HELLOS]: fetch the page, then Chromium's
# group is EXPECT_GROUP (a code point; "any" takes whatever it was), its
# version TLS 1.3, it sent HELLOS ClientHellos (default 1: no
# HelloRetryRequest), and frontd's access log names the same group.
chromium_case()
{
	_hellos=${2:-1}
	chromium_fetch
	[ -s "$RUN/netlog.json" ] || br_fail "chromium wrote no net log"
	hs=$(chromium_handshake) || br_fail "the net log does not parse"
	echo "chromium: key_exchange_group, version, ClientHellos: $hs"
	[ "$hs" != - ] || br_fail "no SSL_CONNECT end event with key_exchange_group in the net log"
	# shellcheck disable=SC2086 # three words
	set -- "$1" $hs
	[ "$3" = TLS1.3 ] || br_fail "chromium negotiated version $3, not TLS 1.3"
	[ "$4" = "$_hellos" ] || br_fail "chromium sent $4 ClientHellos, expected $_hellos"
	[ "$1" = any ] || [ "$2" = "$1" ] ||
		br_fail "chromium negotiated group $2 ($(group_name "$2")), expected $1 ($(group_name "$1"))"
	br_wait_logged
	logged=$(br_logged)
	echo "frontd: group, sni, alpn: $logged"
	# shellcheck disable=SC2086 # three words
	set -- $logged
	[ "$1" != - ] || br_fail "no TLS 1.3 connection that carried the page in the access log: $(br_log_text)"
	[ "$1" = "$(group_name "${hs%% *}")" ] ||
		br_fail "frontd logged group $1, chromium negotiated $(group_name "${hs%% *}")"
	[ "$2" = localhost ] && [ "$3" = http/1.1 ] || br_fail "unexpected access log line: $(br_log_text)"
}

atf_test_case chromium cleanup
chromium_head()
{
	atf_set "descr" "headless Chromium fetches a page through moat-frontd with X25519MLKEM768, in its net log and frontd's access log"
	atf_set "require.progs" "chromium openssl python3"
	atf_set "timeout" "240"
}
chromium_body()
{
	br_start
	chromium_case "$GROUP_X25519MLKEM768"
}
chromium_cleanup()
{
	e2e_cleanup
}

atf_test_case chromium_hrr cleanup
chromium_hrr_head()
{
	atf_set "descr" "a site policy with only secp384r1, which Chromium lists but shares no key for: a HelloRetryRequest, then secp384r1"
	atf_set "require.progs" "chromium openssl python3"
	atf_set "timeout" "240"
}
chromium_hrr_body()
{
	br_start 'groups secp384r1'
	chromium_case 24 2
}
chromium_hrr_cleanup()
{
	e2e_cleanup
}

atf_test_case chromium_policy_x25519 cleanup
chromium_policy_x25519_head()
{
	atf_set "descr" "a site policy that lists only classical groups: the same Chromium negotiates x25519, and frontd logs it"
	atf_set "require.progs" "chromium openssl python3"
	atf_set "timeout" "240"
}
chromium_policy_x25519_body()
{
	br_start 'groups x25519 secp256r1 secp384r1'
	chromium_case "$GROUP_X25519"
}
chromium_policy_x25519_cleanup()
{
	e2e_cleanup
}

# ---- Firefox ESR ------------------------------------------------------------------

# firefox_fetch: Firefox ESR, headless, with a fresh profile whose NSS
# database trusts the test CA (and nothing else), takes a screenshot of
# https://localhost:FRONTD_PORT/. A certificate error would leave it on an
# error page that never completes the screenshot: the load is bounded by
# BROWSER_SECONDS. The demo backend's log shows the page was fetched.
firefox_fetch()
{
	_prof=$RUN/firefox
	mkdir "$_prof" "$RUN/home"
	certutil -N -d "sql:$_prof" --empty-password >"$RUN/certutil.log" 2>&1 &&
		certutil -A -d "sql:$_prof" -n moat-browser-ca -t C,, -i "$RUN/ca.pem" >>"$RUN/certutil.log" 2>&1 ||
		br_fail "certutil: $(cat "$RUN/certutil.log")"
	# frontd listens on 127.0.0.1 only; nothing else is fetched (no updates,
	# telemetry, captive portal or safe browsing checks).
	cat >"$_prof/user.js" <<-'EOF'
		user_pref("network.dns.disableIPv6", true);
		user_pref("network.captive-portal-service.enabled", false);
		user_pref("network.connectivity-service.enabled", false);
		user_pref("app.update.auto", false);
		user_pref("app.normandy.enabled", false);
		user_pref("browser.safebrowsing.malware.enabled", false);
		user_pref("browser.safebrowsing.phishing.enabled", false);
		user_pref("browser.shell.checkDefaultBrowser", false);
		user_pref("datareporting.policy.dataSubmissionEnabled", false);
		user_pref("toolkit.telemetry.enabled", false);
		user_pref("extensions.update.enabled", false);
	EOF
	HOME=$RUN/home timeout -k 5 "$BROWSER_SECONDS" firefox-esr --headless --no-remote --profile "$_prof" \
		--screenshot "$RUN/page.png" "https://localhost:$FRONTD_PORT/" >"$RUN/firefox.log" 2>&1 ||
		br_fail "firefox failed ($?): $(tail -n 20 "$RUN/firefox.log")"
	[ -s "$RUN/page.png" ] || br_fail "firefox wrote no screenshot: $(tail -n 20 "$RUN/firefox.log")"
	grep -q 'GET / HTTP/1.1 -> 200' "$RUN/web.log" || br_fail "the backend served no page"
}

# firefox_case EXPECT_GROUP: fetch the page; frontd logged a TLS 1.3
# connection from Firefox with EXPECT_GROUP (a code point; "any" takes any).
firefox_case()
{
	firefox_fetch
	frontd_alive
	br_wait_logged
	logged=$(br_logged)
	echo "frontd: group, sni, alpn: $logged"
	# shellcheck disable=SC2086 # three words
	set -- "$1" $logged
	[ "$2" != - ] || br_fail "no TLS 1.3 connection that carried the page in the access log: $(br_log_text)"
	[ "$1" = any ] || [ "$2" = "$(group_name "$1")" ] || br_fail "frontd logged group $2 for firefox, expected $(group_name "$1")"
	[ "$3" = localhost ] || br_fail "unexpected access log line: $(br_log_text)"
}

atf_test_case firefox cleanup
firefox_head()
{
	atf_set "descr" "headless Firefox ESR, trusting the test CA, loads a page through moat-frontd with X25519MLKEM768"
	atf_set "require.progs" "firefox-esr certutil openssl python3"
	atf_set "timeout" "240"
}
firefox_body()
{
	br_start
	firefox_case "$GROUP_X25519MLKEM768"
}
firefox_cleanup()
{
	e2e_cleanup
}

atf_test_case firefox_policy_x25519 cleanup
firefox_policy_x25519_head()
{
	atf_set "descr" "a site policy that lists only classical groups: Firefox ESR negotiates x25519"
	atf_set "require.progs" "firefox-esr certutil openssl python3"
	atf_set "timeout" "240"
}
firefox_policy_x25519_body()
{
	br_start 'groups x25519 secp256r1 secp384r1'
	firefox_case "$GROUP_X25519"
}
firefox_policy_x25519_cleanup()
{
	e2e_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case chromium
	atf_add_test_case chromium_policy_x25519
	atf_add_test_case chromium_hrr
	atf_add_test_case firefox
	atf_add_test_case firefox_policy_x25519
}
