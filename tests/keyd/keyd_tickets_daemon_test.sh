# Session-ticket keys in a running moat-keyd, driven by moat-keyctl tickets
# and the ipc-client's seal and open steps: list and rotate, imported keys
# from a file and from standard input, removal, two keyds holding the same
# imported key opening each other's tickets, a key past its decrypt-only
# lifetime, tickets off, and a uid that may not change keys.

. "$(atf_get_srcdir)/keyd_lib"

# A name and a secret the tests import (hex).
FLEET_NAME=f1ee7000000000000000000000000001
FLEET_SECRET=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f

tickets()
{
	"$KEYCTL" -s "$(ctl_sock)" tickets "$@"
}

atf_test_case list_and_rotate
list_and_rotate_head()
{
	atf_set "descr" "keyd makes its own ticket key; rotate makes the next; a ticket of the old key resumes and is re-issued"
}
list_and_rotate_body()
{
	make_keys p256
	write_conf p256
	start_keyd
	tickets list >list1.out || atf_fail "tickets list failed"
	atf_check -o inline:"mode generating\n" head -n 1 list1.out
	atf_check -o match:"^[0-9a-f]{32} encrypt generated [0-9T:Z-]+ [0-9T:Z-]+ [0-9T:Z-]+ seals 0 opens 0$" \
		sed -n 2p list1.out
	[ "$(wc -l <list1.out)" = 2 ] || atf_fail "more than one key at startup"
	_old=$(sed -n '2s/ .*//p' list1.out)
	atf_check -o ignore grep "ticket key $_old made by keyd" keyd.log

	atf_check -o inline:"hello ok version=1 max_inflight=64 max_message=8192\nseal ok 54\nopen ok reissue=0 00112233445566778899\n" \
		"$CLIENT" -s "$(data_sock)" hello seal 00112233445566778899 t1 open t1
	atf_check -o inline:"$_old\n" sh -c "head -c 16 t1 | od -An -tx1 | tr -d ' \n'; echo"

	tickets rotate >rotate.out || atf_fail "tickets rotate failed"
	_new=$(sed -n 's/^ticket key \([0-9a-f]*\) seals from now on$/\1/p' rotate.out)
	[ -n "$_new" ] && [ "$_new" != "$_old" ] || atf_fail "rotate printed no new key: $(cat rotate.out)"
	atf_check -o ignore grep "ticket key $_new made by rotation, asked by uid $(id -u)" keyd.log
	tickets list >list2.out
	atf_check -o match:"^$_old decrypt-only generated .* seals 1 opens 1$" grep "^$_old " list2.out
	atf_check -o match:"^$_new encrypt generated .* seals 0 opens 0$" grep "^$_new " list2.out
	# The old key's ticket still opens, flagged for re-issue; the next ticket is sealed under the new key.
	atf_check -o inline:"hello ok version=1 max_inflight=64 max_message=8192\nopen ok reissue=1 00112233445566778899\nseal ok 46\nopen ok reissue=0 aabb\n" \
		"$CLIENT" -s "$(data_sock)" hello open t1 seal aabb t2 open t2
	atf_check -o inline:"$_new\n" sh -c "head -c 16 t2 | od -An -tx1 | tr -d ' \n'; echo"
	# Tampered: a flipped byte in the name is an unknown key, anywhere else a bad ticket; keyd says no more.
	atf_check -o inline:"hello ok version=1 max_inflight=64 max_message=8192\nopen unknown_key\nopen bad_ticket\nopen bad_ticket\n" \
		"$CLIENT" -s "$(data_sock)" hello open t1 3 open t1 20 open t1 53
	"$KEYCTL" -s "$(ctl_sock)" stats >stats.out
	for _s in "ticket_seals 2" "ticket_opens 6" "ticket_opens_reissue 1" "ticket_opens_unknown_key 1" \
		"ticket_opens_bad 2" "errors 0"; do
		grep -qx "$_s" stats.out || atf_fail "stats: expected $_s, got $(grep "^${_s% *} " stats.out)"
	done
	# The control socket's requests are not served on the data socket, and the reverse.
	atf_check -o inline:"hello ok version=1 max_inflight=64 max_message=8192\nraw reply opcode=0xa8 id=9 status=not_permitted\n" \
		"$CLIENT" -s "$(data_sock)" hello raw 012800000000000900000000
	atf_check -o inline:"hello ok version=1 max_inflight=4 max_message=8192\nseal not_permitted\n" \
		"$CLIENT" -s "$(ctl_sock)" hello seal 00 t3
	stop_keyd
}

atf_test_case early_data_single_use
early_data_single_use_head()
{
	atf_set "descr" "TICKET_OPEN for 0-RTT: keyd allows a ticket's early data once, across connections (frontd workers); an open without the flag is unchanged; early-data-record 0 allows none"
}
early_data_single_use_body()
{
	make_keys p256
	write_conf p256
	start_keyd
	atf_check -o inline:"hello ok version=1 max_inflight=64 max_message=8192\nseal ok 46\nopen-early ok reissue=0 early=1\nopen-early ok reissue=0 early=0\n" \
		"$CLIENT" -s "$(data_sock)" hello seal aabb t1 open-early t1 open-early t1
	# Another connection, as another frontd worker would be: still the ticket's second use.
	atf_check -o inline:"hello ok version=1 max_inflight=64 max_message=8192\nopen-early ok reissue=0 early=0\nopen ok reissue=0 aabb\n" \
		"$CLIENT" -s "$(data_sock)" hello open-early t1 open t1
	"$KEYCTL" -s "$(ctl_sock)" stats >stats.out
	for _s in "ticket_opens 4" "ticket_opens_early_ok 1" "ticket_opens_early_refused 2" "errors 0"; do
		grep -qx "$_s" stats.out || atf_fail "stats: expected $_s, got $(grep "^${_s% *} " stats.out)"
	done
	stop_keyd

	# A record of 0 entries: no ticket may carry early data.
	write_conf p256 -- "tickets { early-data-record 0 }"
	start_keyd
	atf_check -o inline:"hello ok version=1 max_inflight=64 max_message=8192\nseal ok 46\nopen-early ok reissue=0 early=0\n" \
		"$CLIENT" -s "$(data_sock)" hello seal aabb t2 open-early t2
	stop_keyd
}

atf_test_case add_and_remove
add_and_remove_head()
{
	atf_set "descr" "tickets add from a file and from standard input, refusals, remove; keyd stops making keys while imported keys are held"
}
add_and_remove_body()
{
	make_keys p256
	write_conf p256
	start_keyd
	printf '# the fleet key\n%s %s 0 1h 30m\n\n' "$FLEET_NAME" "$FLEET_SECRET" >fleet.keys
	chmod 600 fleet.keys
	atf_check -o inline:"ticket key $FLEET_NAME added\n" "$KEYCTL" -s "$(ctl_sock)" tickets add fleet.keys
	atf_check -o ignore grep "ticket key $FLEET_NAME added by uid $(id -u) (pid [0-9]*), intro [0-9]*, seals until [0-9]*, opens until [0-9]*; keyd makes no ticket keys of its own while imported keys are held" keyd.log
	tickets list >list.out
	atf_check -o inline:"mode imported\n" head -n 1 list.out
	atf_check -o match:"^$FLEET_NAME encrypt imported " grep "^$FLEET_NAME " list.out
	atf_check -o match:" decrypt-only generated " sed -n 2p list.out
	# The secret is never shown.
	if grep -q "$FLEET_SECRET" list.out keyd.log; then atf_fail "the secret was printed"; fi
	atf_check -o inline:"hello ok version=1 max_inflight=64 max_message=8192\nseal ok 45\n" "$CLIENT" -s "$(data_sock)" hello seal 01 t1
	atf_check -o inline:"$FLEET_NAME\n" sh -c "head -c 16 t1 | od -An -tx1 | tr -d ' \n'; echo"

	# Refusals, each with the reason; nothing changes.
	atf_check -s exit:1 -e match:"refused ticket_add: bad_input \(a key with that name is held already" "$KEYCTL" -s "$(ctl_sock)" tickets add fleet.keys
	atf_check -s exit:1 -e match:"refused ticket_rotate: not_permitted \(tickets are off, or the keys are imported" "$KEYCTL" -s "$(ctl_sock)" tickets rotate
	chmod 604 fleet.keys
	atf_check -s exit:2 -e match:"fleet.keys: readable or writable by every user" "$KEYCTL" -s "$(ctl_sock)" tickets add fleet.keys
	atf_check -s exit:2 -e match:"standard input: line 2: the secret must be 64 hex digits" \
		sh -c "printf '\n$FLEET_NAME 0011 0\n' | \"$KEYCTL\" -s \"$(ctl_sock)\" tickets add -"
	atf_check -s exit:2 -e match:"a ticket key name is 32 hex digits" "$KEYCTL" -s "$(ctl_sock)" tickets remove xyz
	atf_check -s exit:2 -e match:"unknown command \"tickets frobnicate\"" "$KEYCTL" -s "$(ctl_sock)" tickets frobnicate
	# Standard input, a key introduced in an hour: pending, it opens but does not seal.
	_later=$(( $(date +%s) + 3600 ))
	atf_check -o inline:"ticket key f1ee7000000000000000000000000002 added\n" \
		sh -c "echo 'f1ee7000000000000000000000000002 $FLEET_SECRET $_later' | \"$KEYCTL\" -s \"$(ctl_sock)\" tickets add -"
	atf_check -o match:"^f1ee7000000000000000000000000002 pending imported " "$KEYCTL" -s "$(ctl_sock)" tickets list

	# Remove: the key's tickets no longer open; the last imported key gone, keyd makes its own again.
	atf_check -o inline:"ticket key $FLEET_NAME removed\n" "$KEYCTL" -s "$(ctl_sock)" tickets remove "$FLEET_NAME"
	atf_check -o ignore grep "ticket key $FLEET_NAME removed and wiped by uid $(id -u)" keyd.log
	atf_check -s exit:1 -e match:"refused ticket_remove: unknown_key \(no ticket key with that name\)" "$KEYCTL" -s "$(ctl_sock)" tickets remove "$FLEET_NAME"
	atf_check -o inline:"hello ok version=1 max_inflight=64 max_message=8192\nopen unknown_key\n" "$CLIENT" -s "$(data_sock)" hello open t1
	atf_check -o inline:"ticket key f1ee7000000000000000000000000002 removed\n" "$KEYCTL" -s "$(ctl_sock)" tickets remove f1ee7000000000000000000000000002
	atf_check -o inline:"mode generating\n" sh -c "\"$KEYCTL\" -s \"$(ctl_sock)\" tickets list | head -n 1"
	atf_check -o match:" encrypt generated " "$KEYCTL" -s "$(ctl_sock)" tickets list
	keyd_alive 64
	stop_keyd
}

atf_test_case fleet
fleet_head()
{
	atf_set "descr" "two keyds holding the same imported key open each other's tickets; a keyd without it does not"
}
fleet_body()
{
	make_keys p256
	echo "$FLEET_NAME $FLEET_SECRET 0" >fleet.keys
	chmod 600 fleet.keys
	for _h in a b; do
		mkdir "$_h"
		(cd "$_h" && write_conf ../p256)
		"$KEYD" -d -f "$(pwd)/$_h/keyd.conf" >"$_h/keyd.log" 2>&1 &
		eval "_pid_$_h=\$!"
		bg_track "$!"
	done
	for _h in a b; do
		eval "_pid=\$_pid_$_h"
		(cd "$_h" && wait_ready "$_pid")
	done
	# Before the import each keyd seals under its own key: the other cannot open it.
	"$CLIENT" -s "$(pwd)/a/keyd.sock" hello seal 0a0b0c own >/dev/null
	atf_check -o inline:"hello ok version=1 max_inflight=64 max_message=8192\nopen unknown_key\n" \
		"$CLIENT" -s "$(pwd)/b/keyd.sock" hello open own
	for _h in a b; do
		atf_check -o ignore "$KEYCTL" -s "$(pwd)/$_h/ctl.sock" tickets add fleet.keys
	done
	atf_check -o inline:"hello ok version=1 max_inflight=64 max_message=8192\nseal ok 55\n" \
		"$CLIENT" -s "$(pwd)/a/keyd.sock" hello seal 0102030405060708090a0b fromA
	atf_check -o inline:"hello ok version=1 max_inflight=64 max_message=8192\nseal ok 55\n" \
		"$CLIENT" -s "$(pwd)/b/keyd.sock" hello seal 1112131415161718191a1b fromB
	atf_check -o inline:"hello ok version=1 max_inflight=64 max_message=8192\nopen ok reissue=0 0102030405060708090a0b\n" \
		"$CLIENT" -s "$(pwd)/b/keyd.sock" hello open fromA
	atf_check -o inline:"hello ok version=1 max_inflight=64 max_message=8192\nopen ok reissue=0 1112131415161718191a1b\n" \
		"$CLIENT" -s "$(pwd)/a/keyd.sock" hello open fromB
	# a's own key's ticket still opens on a, and is re-issued under the fleet key.
	atf_check -o inline:"hello ok version=1 max_inflight=64 max_message=8192\nopen ok reissue=1 0a0b0c\n" \
		"$CLIENT" -s "$(pwd)/a/keyd.sock" hello open own
	for _h in a b; do
		eval "kill -TERM \$_pid_$_h"
	done
}

atf_test_case decrypt_only_lifetime
decrypt_only_lifetime_head()
{
	atf_set "descr" "a ticket opens (re-issued) in its key's decrypt-only lifetime and is an unknown key after it"
}
decrypt_only_lifetime_body()
{
	make_keys p256
	write_conf p256
	start_keyd
	# Seals for 1 s, then opens for 2 s more.
	echo "$FLEET_NAME $FLEET_SECRET 0 1 2" | "$KEYCTL" -s "$(ctl_sock)" tickets add - >/dev/null ||
		atf_fail "tickets add failed"
	client hello seal 99 t1 >/dev/null
	atf_check -o inline:"$FLEET_NAME\n" sh -c "head -c 16 t1 | od -An -tx1 | tr -d ' \n'; echo"
	sleep 1.5
	# Decrypt-only: nothing seals (the only other key was keyd's own, retired by the import)...
	atf_check -o match:"^$FLEET_NAME decrypt-only imported " "$KEYCTL" -s "$(ctl_sock)" tickets list
	atf_check -o inline:"hello ok version=1 max_inflight=64 max_message=8192\nopen ok reissue=1 99\n" "$CLIENT" -s "$(data_sock)" hello open t1
	sleep 2.5
	# ...and after the decrypt-only lifetime the key is wiped: the ticket is not one of ours any more.
	atf_check -o inline:"hello ok version=1 max_inflight=64 max_message=8192\nopen unknown_key\n" "$CLIENT" -s "$(data_sock)" hello open t1
	atf_check -o ignore grep "ticket key $FLEET_NAME expired and was wiped" keyd.log
	atf_check -o ignore grep "no imported ticket key left: keyd makes its own again" keyd.log
	atf_check -o inline:"mode generating\n" sh -c "\"$KEYCTL\" -s \"$(ctl_sock)\" tickets list | head -n 1"
	stop_keyd
}

atf_test_case tickets_off
tickets_off_head()
{
	atf_set "descr" "tickets off: SEAL and OPEN are not permitted, keys cannot be added, list says off"
}
tickets_off_body()
{
	make_keys p256
	write_conf p256 -- "tickets off"
	start_keyd
	atf_check -o ignore grep "session tickets off" keyd.log
	echo 00 >t1
	atf_check -o inline:"hello ok version=1 max_inflight=64 max_message=8192\nseal not_permitted\nopen not_permitted\n" \
		"$CLIENT" -s "$(data_sock)" hello seal 01 t2 open t1
	atf_check -o inline:"mode off\n" "$KEYCTL" -s "$(ctl_sock)" tickets list
	echo "$FLEET_NAME $FLEET_SECRET 0" >fleet.keys
	chmod 600 fleet.keys
	atf_check -s exit:1 -e match:"refused ticket_add: not_permitted \(tickets are off" "$KEYCTL" -s "$(ctl_sock)" tickets add fleet.keys
	atf_check -s exit:1 -e match:"refused ticket_rotate: not_permitted" "$KEYCTL" -s "$(ctl_sock)" tickets rotate
	stop_keyd
}

atf_test_case config_lifetimes
config_lifetimes_head()
{
	atf_set "descr" "tickets { encrypt-lifetime decrypt-lifetime } set the keys keyd makes; bad values are config errors"
}
config_lifetimes_body()
{
	make_keys p256
	write_conf p256 -- "tickets { encrypt-lifetime 10m" "decrypt-lifetime 1h }"
	start_keyd
	atf_check -o ignore grep "keyd makes its own keys (seal 600 s, then open 3600 s more)" keyd.log
	stop_keyd
	write_conf p256 -- "tickets { encrypt-lifetime 0s }"
	atf_check -s exit:1 -e match:"keyd.conf:[0-9]+: encrypt-lifetime: whole seconds from 1s to 2592000s" \
		"$KEYD" -t -f "$(pwd)/keyd.conf"
	write_conf p256 -- "tickets off { decrypt-lifetime 1h }"
	atf_check -s exit:1 -e match:"keyd.conf:[0-9]+: tickets off takes no block" "$KEYD" -t -f "$(pwd)/keyd.conf"
	write_conf p256 -- "tickets { lifetime 1h }"
	atf_check -s exit:1 -e match:"keyd.conf:[0-9]+: .*lifetime" "$KEYD" -t -f "$(pwd)/keyd.conf"
}

atf_test_case unauthorised_uid
unauthorised_uid_head()
{
	atf_set "descr" "a uid other than root and keyd's own cannot list or change ticket keys"
	atf_set "require.user" "root"
	atf_set "require.progs" "setpriv"
}
unauthorised_uid_body()
{
	use_sockdir "$(mktemp -d /tmp/moat-keyd.XXXXXX)"
	chmod 755 "$SOCKDIR"
	setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups "$KEYCTL" -h >/dev/null 2>&1
	_rc=$?
	[ $_rc -ne 126 ] && [ $_rc -ne 127 ] || atf_skip "nobody cannot run moat-keyctl from this build directory"
	_run_as_nobody="setpriv --reuid=nobody --regid=$(id -g nobody) --clear-groups"
	make_keys p256
	write_conf p256
	start_keyd
	chmod 666 "$(ctl_sock)"
	tickets list >before.out
	atf_check -s exit:1 -e match:"keyd closed the connection" $_run_as_nobody "$KEYCTL" -s "$(ctl_sock)" tickets rotate
	atf_check -s exit:1 -e match:"keyd closed the connection" $_run_as_nobody "$KEYCTL" -s "$(ctl_sock)" tickets list
	atf_check -o ignore grep "refused control-socket peer (pid [0-9]*, uid $(id -u nobody)" keyd.log
	atf_check -o file:before.out "$KEYCTL" -s "$(ctl_sock)" tickets list
	stop_keyd
}

atf_init_test_cases()
{
	atf_add_test_case list_and_rotate
	atf_add_test_case early_data_single_use
	atf_add_test_case add_and_remove
	atf_add_test_case fleet
	atf_add_test_case decrypt_only_lifetime
	atf_add_test_case tickets_off
	atf_add_test_case config_lifetimes
	atf_add_test_case unauthorised_uid
}
