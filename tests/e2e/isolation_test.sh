# Key isolation, checked from outside: frontd's user cannot read the key
# files, and after serving handshakes with every key frontd's memory holds
# no piece of any private key.
#
# The memory check is only worth something if the scanner (memscan) can
# see key material where it is: so the same scan must find the public
# modulus or point in frontd (it has the certificates), the private values
# in a process that loaded the keys (openssl s_server), and in keyd itself
# when its memory can be read (as root). Only then does "not found in
# frontd" mean "not there".

. "$(atf_get_srcdir)/lib"

atf_test_case key_unreadable_to_frontd cleanup
key_unreadable_to_frontd_head()
{
	atf_set "descr" "started as root, frontd runs as nobody (uids and gids in /proc), cannot read the key files, holds none open, and still serves handshakes"
	atf_set "require.user" "root"
	atf_set "require.progs" "curl openssl runuser"
	atf_set "timeout" "120"
}
key_unreadable_to_frontd_body()
{
	e2e_init
	make_ca ca moat-e2e-ca
	make_cert rsa rsa localhost
	make_cert ec p256 ec.test
	keyd_conf "$(frontd_allow)" rsa ec
	keyd_start
	backend_start web
	e2e_site localhost "$BACKEND" rsa -- 'alpn "http/1.1"'
	e2e_site ec.test "$BACKEND" ec -- 'alpn "http/1.1"'
	frontd_start
	for host in localhost ec.test; do
		e2e_curl "$host" / -o "$RUN/page" 2>"$RUN/curl.err" || e2e_fail "curl $host failed: $(cat "$RUN/curl.err")"
	done

	nobody_uid=$(id -u nobody)
	nobody_gid=$(id -g nobody)
	# The worker that serves and the master that forks it (moat-frontd(8), PROCESSES).
	for p in "$FRONTD_WORKER" "$FRONTD_PID"; do
		uids=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$p/status")
		gids=$(awk '/^Gid:/ { print $2, $3, $4, $5 }' "/proc/$p/status")
		groups=$(awk '/^Groups:/ { $1 = ""; print }' "/proc/$p/status" | tr -d ' ')
		[ "$uids" = "$nobody_uid $nobody_uid $nobody_uid $nobody_uid" ] ||
			e2e_fail "frontd's ($p) uids (real, effective, saved, fs) are $uids, expected nobody's ($nobody_uid)"
		[ "$gids" = "$nobody_gid $nobody_gid $nobody_gid $nobody_gid" ] ||
			e2e_fail "frontd's ($p) gids are $gids, expected nobody's group ($nobody_gid)"
		[ -z "$groups" ] || [ "$groups" = "$nobody_gid" ] ||
			e2e_fail "frontd ($p) kept supplementary groups: $groups"
	done

	for k in rsa ec; do
		runuser -u nobody -- cat "$RUN/$k.key" >/dev/null 2>&1 &&
			e2e_fail "nobody can read $k.key"
		# Controls: the same command reads the certificate, and root reads the key.
		runuser -u nobody -- cat "$RUN/$k.pem" >/dev/null 2>&1 ||
			e2e_fail "control: nobody cannot read $k.pem either (is the run directory reachable?)"
		cat "$RUN/$k.key" >/dev/null || e2e_fail "control: root cannot read $k.key"
	done
	# No descriptor of frontd's points at a key file.
	for fd in "/proc/$FRONTD_WORKER/fd/"* "/proc/$FRONTD_PID/fd/"*; do
		case $(readlink "$fd") in
		*.key) e2e_fail "frontd holds a key file open: $(readlink "$fd")" ;;
		esac
	done
	# The configuration frontd was given names no key at all.
	grep -q '\.key' "$RUN/frontd.conf" && e2e_fail "frontd.conf names a key file"
	frontd_alive
}
key_unreadable_to_frontd_cleanup()
{
	e2e_cleanup
}

atf_test_case frontd_memory_holds_no_key cleanup
frontd_memory_holds_no_key_head()
{
	atf_set "descr" "after over 200 handshakes with RSA, RSA-PSS, P-256 and P-384 keys, no 16-byte piece of any private value (d, p, q, dP, dQ, qInv, the EC scalar, the key's private PKCS#8 DER and PEM text) is in frontd's memory, while the same scan finds the public values in frontd and the private ones in processes that loaded the keys"
	atf_set "require.progs" "curl openssl"
	atf_set "timeout" "150"
}
frontd_memory_holds_no_key_body()
{
	e2e_init
	make_ca ca moat-e2e-ca
	keys="rsa pss p256 p384"
	for k in $keys; do
		make_cert "$k" "$k" "localhost-$k" DNS:localhost IP:127.0.0.1 "DNS:$k.test"
	done
	# shellcheck disable=SC2086
	keyd_conf "$(frontd_allow)" $keys
	keyd_start
	backend_start web
	# shellcheck disable=SC2086
	e2e_site localhost "$BACKEND" $keys -- 'alpn "http/1.1"'
	# One key each, for the bulk of the handshakes: the name picks the key type.
	e2e_site rsa.test "$BACKEND" rsa -- 'alpn "http/1.1"'
	e2e_site p256.test "$BACKEND" p256 -- 'alpn "http/1.1"'
	frontd_start

	# Serve handshakes with every key, so every key has been used through keyd.
	for sigalg in rsa_pss_rsae_sha256 rsa_pss_pss_sha256 ecdsa_secp256r1_sha256 ecdsa_secp384r1_sha384; do
		for i in 1 2 3; do
			e2e_s_client localhost -sigalgs "$sigalg" >"$RUN/hs.out" ||
				e2e_fail "handshake with $sigalg failed: $(grep -i error "$RUN/hs.out")"
		done
	done
	e2e_curl localhost / -o /dev/null 2>"$RUN/curl.err" || e2e_fail "curl failed: $(cat "$RUN/curl.err")"
	# And many more, so that whatever a handshake leaves behind has had every
	# chance to pile up: 120 each with the RSA and the ECDSA key, every one a
	# new connection (Connection: close) and a full handshake (no session
	# reuse), one curl process each.
	for host in rsa.test p256.test; do
		e2e_curl "$host" "/[1-120]" --no-sessionid -H "Connection: close" -w '%{num_connects}\n' \
			>"$RUN/bulk-$host.out" 2>"$RUN/curl.err" || e2e_fail "curl $host failed: $(cat "$RUN/curl.err")"
		n=$(grep -c '^1$' "$RUN/bulk-$host.out")
		[ "$n" -eq 120 ] || e2e_fail "$host: $n new connections of 120"
	done

	secrets=""
	publics=""
	for k in $keys; do
		s=$(e2e_secret "$RUN/$k.key")
		[ -n "$s" ] || atf_fail "could not extract the private values of $k.key"
		enc=$(e2e_secret_encoded "$RUN/$k.key")
		[ "$(echo "$enc" | wc -l)" -eq 2 ] || atf_fail "could not find the private part of $k.key's DER and PEM"
		secrets="$secrets $s $enc"
		publics="$publics $(e2e_public "$RUN/$k.key")"
	done

	# Control 1: frontd's memory can be read, and key material is seen in it (the certificates' public values).
	# shellcheck disable=SC2086
	"$MEMSCAN" "$FRONTD_WORKER" $publics >"$RUN/scan-public.out" 2>&1
	rc=$?
	cat "$RUN/scan-public.out"
	if [ $rc -eq 2 ]; then
		[ "$(id -u)" -eq 0 ] && e2e_fail "root cannot read frontd's memory: $(cat "$RUN/scan-public.out")"
		atf_skip "frontd's memory cannot be read as this user (frontd is not dumpable): run as root"
	fi
	[ $rc -eq 1 ] || e2e_fail "control: the public values are not found in frontd's memory: the scan proves nothing"

	# Control 2: a process that loaded the keys holds the private values, and the scan finds them.
	for k in $keys; do
		openssl s_server -accept 0 -cert "$RUN/$k.pem" -key "$RUN/$k.key" -www </dev/null \
			>"$RUN/holder-$k.out" 2>&1 &
		holder=$!
		e2e_track s_server "$holder"
		wait_line "$RUN/holder-$k.out" '^ACCEPT' || e2e_fail "openssl s_server with $k.key did not start"
		# shellcheck disable=SC2046 # one argument per secret value
		"$MEMSCAN" "$holder" $(e2e_secret "$RUN/$k.key") $(e2e_secret_encoded "$RUN/$k.key") \
			>"$RUN/scan-holder-$k.out" 2>&1
		rc=$?
		kill "$holder"
		[ $rc -eq 1 ] || e2e_fail "control: $k's private values not found in a process that loaded it (memscan: $rc): $(cat "$RUN/scan-holder-$k.out")"
	done

	# Control 2b: the encoded forms are found where they are, in a process
	# holding the key file's text, or its DER bytes (awk, reading a whole
	# file as one record, then waiting).
	for k in $keys; do
		sed '/^-----/d' "$RUN/$k.key" | base64 -d >"$RUN/$k.der" || atf_fail "cannot decode $k.key"
		line=1
		for form in der key; do
			awk 'BEGIN { RS = "\001\002\003"; while ((getline r < ARGV[1]) > 0) t = t r; system("sleep 30") }' \
				"$RUN/$k.$form" &
			holder=$!
			e2e_track awk "$holder"
			sleep 0.2
			"$MEMSCAN" -q "$holder" "$(e2e_secret_encoded "$RUN/$k.key" | sed -n "${line}p")"
			rc=$?
			kill "$holder"
			[ $rc -eq 1 ] || e2e_fail "control: $k's private $form encoding not found in a process holding it (memscan: $rc)"
			line=2
		done
	done

	# Control 3: keyd holds them (readable as root even though keyd is not dumpable).
	# shellcheck disable=SC2086
	"$MEMSCAN" "$KEYD_PID" $secrets >"$RUN/scan-keyd.out" 2>&1
	rc=$?
	cat "$RUN/scan-keyd.out"
	case $rc in
	1) ;;
	2) [ "$(id -u)" -ne 0 ] || e2e_fail "root cannot read keyd's memory: $(cat "$RUN/scan-keyd.out")"
	   echo "keyd's memory cannot be read as this user (not dumpable): control 3 skipped" ;;
	*) e2e_fail "control: the private values are not found in keyd's memory" ;;
	esac

	# The check: frontd holds no piece of any private value, in the worker that served the
	# handshakes or in the master that loaded the certificates.
	for p in "$FRONTD_WORKER" "$FRONTD_PID"; do
		# shellcheck disable=SC2086
		"$MEMSCAN" "$p" $secrets >"$RUN/scan-frontd.out" 2>&1
		rc=$?
		cat "$RUN/scan-frontd.out"
		[ $rc -eq 0 ] || e2e_fail "frontd's ($p) memory holds private key material (memscan: $rc): $(head -n 5 "$RUN/scan-frontd.out")"
	done
	frontd_alive
}
frontd_memory_holds_no_key_cleanup()
{
	e2e_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case key_unreadable_to_frontd
	atf_add_test_case frontd_memory_holds_no_key
}
