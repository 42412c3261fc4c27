# The systemd files this build makes (man/systemd.mk): the units pass
# `systemd-analyze verify` without a word and `systemd-analyze security
# --offline=true` within the exposure the README promises (1.5 for keyd,
# 2.5 for frontd); the sysusers.d and tmpfiles.d snippets make the users and
# the socket directory in a scratch root; and the units, the snippets and
# the example configurations name the same users, directory and addresses.
# Each check that needs a systemd program skips without it (Debian: the
# systemd package); none needs systemd running.

TOP="$(atf_get_srcdir)/../.."
. "$(atf_get_srcdir)/build.env"

UNITS="moat-keyd.service moat-frontd.service moat-frontd.socket"

# unit NAME: the generated unit's path in the build tree.
unit()
{
	case $1 in
	moat-keyd.*) echo "$TOP/keyd/$1" ;;
	*) echo "$TOP/frontd/$1" ;;
	esac
}

# units_here: the units in ./units, starting the programs of this build tree
# (verify checks that ExecStart names an executable, and nothing is installed).
units_here()
{
	mkdir -p units
	for u in $UNITS; do
		[ -f "$(unit "$u")" ] || atf_fail "$(unit "$u") was not made"
		sed -e "s|^ExecStart=$MOAT_SBINDIR/moat-keyd |ExecStart=$TOP/keyd/moat-keyd |" \
			-e "s|^ExecStart=$MOAT_SBINDIR/moat-frontd |ExecStart=$TOP/frontd/moat-frontd |" \
			"$(unit "$u")" >"units/$u"
	done
	grep -q "^ExecStart=$TOP/keyd/moat-keyd -d\$" units/moat-keyd.service || atf_fail "moat-keyd.service: ExecStart"
	grep -q "^ExecStart=$TOP/frontd/moat-frontd -d\$" units/moat-frontd.service || atf_fail "moat-frontd.service: ExecStart"
}

# value FILE KEY: the value of KEY= in FILE (the last one).
value()
{
	sed -n "s/^$2=//p" "$1" | tail -n 1
}

atf_test_case verify
verify_head()
{
	atf_set "descr" "systemd-analyze verify finds nothing to say about the three units"
	atf_set "require.progs" "systemd-analyze"
}
verify_body()
{
	units_here
	# --man=no: the pages are not installed here (Documentation= names them).
	atf_check -s exit:0 -o empty -e empty systemd-analyze verify --man=no \
		units/moat-keyd.service units/moat-frontd.service units/moat-frontd.socket
}

# exposure UNIT THRESHOLD: systemd-analyze security's overall exposure of
# UNIT must be at most THRESHOLD tenths (15 is 1.5); the score goes to the
# test's output, the full table to UNIT.security.
exposure()
{
	systemd-analyze security --offline=true --threshold="$2" "units/$1" >"$1.security" 2>&1
	rc=$?
	score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' "$1.security")
	[ -n "$score" ] || { cat "$1.security" >&2; atf_fail "$1: no exposure level"; }
	echo "$1: exposure $score (at most $(($2 / 10)).$(($2 % 10)))"
	[ $rc -eq 0 ] || { grep '✗' "$1.security" >&2; atf_fail "$1: exposure $score is above $2 tenths"; }
}

atf_test_case security
security_head()
{
	atf_set "descr" "systemd-analyze security --offline=true rates moat-keyd.service at most 1.5 and moat-frontd.service at most 2.5"
	atf_set "require.progs" "systemd-analyze"
}
security_body()
{
	units_here
	exposure moat-keyd.service 15
	exposure moat-frontd.service 25
	# keyd: no network at all, and only the capabilities its privilege drop takes.
	grep -q '^PrivateNetwork=yes$' units/moat-keyd.service || atf_fail "moat-keyd.service: network"
	[ "$(value units/moat-keyd.service RestrictAddressFamilies)" = AF_UNIX ] || atf_fail "moat-keyd.service: address families"
	[ "$(value units/moat-keyd.service CapabilityBoundingSet)" = "CAP_SETUID CAP_SETGID CAP_CHOWN CAP_IPC_LOCK" ] ||
		atf_fail "moat-keyd.service: capabilities"
}

atf_test_case snippets
snippets_head()
{
	atf_set "descr" "in a scratch root, systemd-sysusers makes the users moat-keyd and moat-frontd and systemd-tmpfiles makes the socket directory, root's, mode 0755"
	atf_set "require.progs" "systemd-sysusers systemd-tmpfiles"
}
snippets_body()
{
	r="$(pwd)/root"
	mkdir -p "$r/etc" "$r/usr/lib/sysusers.d" "$r/usr/lib/tmpfiles.d"
	cp "$MOAT_TOP_SRCDIR/keyd/moat.sysusers" "$r/usr/lib/sysusers.d/moat.conf"
	cp "$TOP/keyd/moat.tmpfiles" "$r/usr/lib/tmpfiles.d/moat.conf"
	atf_check -s exit:0 -o ignore -e ignore systemd-sysusers --root="$r" moat.conf
	for u in moat-keyd moat-frontd; do
		grep -q "^$u:x:[0-9]*:[0-9]*:[^:]*:/:/usr/sbin/nologin\$" "$r/etc/passwd" || atf_fail "no user $u"
		grep -q "^$u:x:" "$r/etc/group" || atf_fail "no group $u"
	done
	atf_check -s exit:0 -o ignore -e ignore systemd-tmpfiles --root="$r" --create moat.conf
	[ -d "$r$MOAT_RUNSTATEDIR/moat" ] || atf_fail "no $MOAT_RUNSTATEDIR/moat"
	atf_check -o inline:"755 0 0\n" stat -c '%a %u %g' "$r$MOAT_RUNSTATEDIR/moat"
}

atf_test_case consistent
consistent_head()
{
	atf_set "descr" "the units, the snippets and the example configurations name the same users, socket directory and listening addresses"
}
consistent_body()
{
	conf="$TOP/man/examples"
	[ -f "$conf/moat-frontd.conf.example" ] || atf_fail "the example configurations were not made"
	keyd="$(unit moat-keyd.service)" frontd="$(unit moat-frontd.service)" sock="$(unit moat-frontd.socket)"
	# frontd's user: the unit's, the configuration's, the one keyd lets in, one the snippet makes.
	[ "$(value "$frontd" User)" = moat-frontd ] || atf_fail "moat-frontd.service: User= is not moat-frontd"
	grep -q '^user "moat-frontd"$' "$conf/moat-frontd.conf.example" || atf_fail "moat-frontd.conf: user"
	grep -q '^allow user "moat-frontd"$' "$conf/moat-keyd.conf.example" || atf_fail "moat-keyd.conf: allow user"
	grep -q '^u moat-frontd ' "$MOAT_TOP_SRCDIR/keyd/moat.sysusers" || atf_fail "sysusers: moat-frontd"
	# keyd's user: the configuration's, one the snippet makes; the unit starts it as root (it drops itself).
	grep -q '^user "moat-keyd"$' "$conf/moat-keyd.conf.example" || atf_fail "moat-keyd.conf: user"
	grep -q '^u moat-keyd ' "$MOAT_TOP_SRCDIR/keyd/moat.sysusers" || atf_fail "sysusers: moat-keyd"
	grep -q '^User=' "$keyd" && atf_fail "moat-keyd.service sets User=: keyd must start as root to read the keys"
	# The socket directory: where keyd's sockets are, what tmpfiles makes, the one path keyd may write.
	run="$MOAT_RUNSTATEDIR/moat"
	grep -q "^socket \"$run/keyd.sock\"\$" "$conf/moat-keyd.conf.example" || atf_fail "moat-keyd.conf: socket"
	grep -q "^control-socket \"$run/keyctl.sock\"\$" "$conf/moat-keyd.conf.example" || atf_fail "moat-keyd.conf: control-socket"
	grep -q "^d $run 0755 root root -\$" "$TOP/keyd/moat.tmpfiles" || atf_fail "tmpfiles: $run"
	[ "$(value "$keyd" ReadWritePaths)" = "$run" ] || atf_fail "moat-keyd.service: ReadWritePaths= is not $run"
	# Every address the socket unit binds is a listen line of the example (0.0.0.0 is "*").
	sed -n 's/^ListenStream=//p' "$sock" >streams
	[ -s streams ] || atf_fail "moat-frontd.socket binds nothing"
	while read -r a; do
		case $a in
		0.0.0.0:*) line="listen *:${a#0.0.0.0:}" ;;
		\[*) line="listen \"$a\"" ;;
		*) line="listen $a" ;;
		esac
		grep -qxF "$line" "$conf/moat-frontd.conf.example" ||
			atf_fail "moat-frontd.socket binds $a, which moat-frontd.conf.example does not listen on"
	done <streams
}

atf_init_test_cases()
{
	atf_add_test_case verify
	atf_add_test_case security
	atf_add_test_case snippets
	atf_add_test_case consistent
}
