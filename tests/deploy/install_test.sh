# make install into a DESTDIR: every file lands in the directory configure
# was given (--prefix, --sbindir, --sysconfdir, --mandir), the programs'
# compiled-in defaults are those directories, and the example configurations
# installed pass `moat-frontd -t` and `moat-keyd -t` once the certificate and
# key they name exist. The test installs the build it runs in, so a build
# configured with, say, --sysconfdir=/opt/moat/etc checks that directory.

TOP="$(atf_get_srcdir)/../.."
. "$(atf_get_srcdir)/build.env"

# install_here: make install of this build into ./dest (DESTDIR), quietly.
install_here()
{
	# Run from make check: the parent make's job server is not ours to use.
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$TOP" install DESTDIR="$(pwd)/dest" \
		>install.log 2>&1 || { cat install.log >&2; atf_fail "make install failed"; }
	D="$(pwd)/dest"
}

atf_test_case layout
layout_head()
{
	atf_set "descr" "the programs go to sbindir, the example configurations to sysconfdir/moat, the pages to mandir, the systemd units and snippets to the directories configure chose, nothing elsewhere"
	atf_set "require.progs" "make"
}
layout_body()
{
	install_here
	for f in "$MOAT_SBINDIR/moat-frontd" "$MOAT_SBINDIR/moat-keyd" "$MOAT_SBINDIR/moat-keyctl"; do
		[ -x "$D$f" ] || atf_fail "$f not installed"
	done
	for f in moat-frontd.conf.example moat-keyd.conf.example; do
		[ -f "$D$MOAT_SYSCONFDIR/moat/$f" ] || atf_fail "$MOAT_SYSCONFDIR/moat/$f not installed"
	done
	for f in man8/moat-frontd.8 man8/moat-keyd.8 man8/moat-keyctl.8 man5/moat-frontd.conf.5 \
		man5/moat-keyd.conf.5 man7/moat-ipc.7; do
		[ -f "$D$MOAT_MANDIR/$f" ] || atf_fail "$MOAT_MANDIR/$f not installed"
	done
	# The systemd files, where configure was told (none for a directory that is "no").
	if [ "$MOAT_SYSTEMDUNITDIR" != no ]; then
		for f in moat-keyd.service moat-frontd.service moat-frontd.socket; do
			[ -f "$D$MOAT_SYSTEMDUNITDIR/$f" ] || atf_fail "$MOAT_SYSTEMDUNITDIR/$f not installed"
		done
		grep -q "^ExecStart=$MOAT_SBINDIR/moat-keyd -d\$" "$D$MOAT_SYSTEMDUNITDIR/moat-keyd.service" ||
			atf_fail "moat-keyd.service does not start $MOAT_SBINDIR/moat-keyd"
	fi
	[ "$MOAT_SYSUSERSDIR" = no ] || [ -f "$D$MOAT_SYSUSERSDIR/moat.conf" ] || atf_fail "$MOAT_SYSUSERSDIR/moat.conf not installed"
	if [ "$MOAT_TMPFILESDIR" != no ]; then
		grep -q "^d $MOAT_RUNSTATEDIR/moat 0755 root root -\$" "$D$MOAT_TMPFILESDIR/moat.conf" ||
			atf_fail "$MOAT_TMPFILESDIR/moat.conf does not make $MOAT_RUNSTATEDIR/moat"
	fi
	# moat-keyctl is an administrator's tool (section 8): not in bindir.
	[ ! -e "$D$MOAT_BINDIR/moat-keyctl" ] || atf_fail "moat-keyctl installed in $MOAT_BINDIR"
	# Nothing outside the directories asked for; nothing at all in runstatedir (sockets are made at run time).
	(cd "$D" && find . -type f | sed 's|^\.||') >files
	while read -r f; do
		case "$f" in
		"$MOAT_SBINDIR"/* | "$MOAT_SYSCONFDIR"/moat/* | "$MOAT_MANDIR"/man[1-9]/*) ;;
		"$MOAT_LIBDIR"/libmoat.so.* | "$MOAT_LIBDIR"/pkgconfig/moat.pc | "$MOAT_INCLUDEDIR"/moat/*) ;;
		"$MOAT_SYSTEMDUNITDIR"/moat-* | "$MOAT_SYSUSERSDIR"/moat.conf | "$MOAT_TMPFILESDIR"/moat.conf) ;;
		*) atf_fail "installed outside the configured directories: $f" ;;
		esac
	done <files
	[ ! -e "$D$MOAT_RUNSTATEDIR/moat" ] || atf_fail "make install created $MOAT_RUNSTATEDIR/moat"
}

atf_test_case defaults
defaults_head()
{
	atf_set "descr" "the installed programs' default paths are sysconfdir/moat and runstatedir/moat, as their pages say"
	atf_set "require.progs" "make"
}
defaults_body()
{
	install_here
	atf_check -s exit:0 -o match:"default $MOAT_SYSCONFDIR/moat/moat-frontd.conf\)" -e empty \
		"$D$MOAT_SBINDIR/moat-frontd" --help
	atf_check -s exit:0 -o match:"default $MOAT_SYSCONFDIR/moat/moat-keyd.conf\)" -e empty \
		"$D$MOAT_SBINDIR/moat-keyd" --help
	atf_check -s exit:0 -o match:"default $MOAT_RUNSTATEDIR/moat/keyctl.sock\)" -e empty \
		"$D$MOAT_SBINDIR/moat-keyctl" --help
	grep -q "^\.It Pa $MOAT_SYSCONFDIR/moat/moat-frontd.conf\$" "$D$MOAT_MANDIR/man8/moat-frontd.8" ||
		atf_fail "the installed moat-frontd(8) names another configuration file"
	# Without -f, moat-frontd -t reads that file (absent here, so it names it).
	if [ ! -e "$MOAT_SYSCONFDIR/moat/moat-frontd.conf" ]; then
		atf_check -s exit:1 -o empty -e match:"$MOAT_SYSCONFDIR/moat/moat-frontd.conf" \
			"$D$MOAT_SBINDIR/moat-frontd" -t
	fi
}

atf_test_case examples
examples_head()
{
	atf_set "descr" "the installed example configurations pass -t once the certificate and key they name are in place"
	atf_set "require.progs" "make openssl"
}
examples_body()
{
	install_here
	conf="$D$MOAT_SYSCONFDIR/moat"
	# The examples name moat's own users (the sysusers.d snippet's); where they do not exist, two that do.
	fuser=moat-frontd kuser=moat-keyd
	id moat-frontd >/dev/null 2>&1 || fuser=nobody
	id moat-keyd >/dev/null 2>&1 || kuser=daemon
	id "$fuser" >/dev/null 2>&1 && id "$kuser" >/dev/null 2>&1 || atf_skip "neither moat's users nor nobody and daemon exist"
	grep -q '^user "moat-frontd"$' "$conf/moat-frontd.conf.example" || atf_fail "moat-frontd.conf.example: user is not moat-frontd"
	grep -q '^user "moat-keyd"$' "$conf/moat-keyd.conf.example" || atf_fail "moat-keyd.conf.example: user is not moat-keyd"
	grep -q '^allow user "moat-frontd"$' "$conf/moat-keyd.conf.example" ||
		atf_fail "moat-keyd.conf.example: the data socket is not for moat-frontd"
	# Both examples name this build's paths, and only the certificate and key need replacing.
	grep -q "^keyd \"$MOAT_RUNSTATEDIR/moat/keyd.sock\"\$" "$conf/moat-frontd.conf.example" ||
		atf_fail "moat-frontd.conf.example: keyd is not $MOAT_RUNSTATEDIR/moat/keyd.sock"
	grep -q "^socket \"$MOAT_RUNSTATEDIR/moat/keyd.sock\"\$" "$conf/moat-keyd.conf.example" ||
		atf_fail "moat-keyd.conf.example: socket is not $MOAT_RUNSTATEDIR/moat/keyd.sock"
	atf_check -s exit:0 -o ignore -e ignore openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		-nodes -keyout key.pem -out cert.pem -days 2 -subj /CN=example.com
	chmod 0600 key.pem
	sed -e "s|\"$MOAT_SYSCONFDIR/moat/certs/example.com.pem\"|\"$(pwd)/cert.pem\"|" \
		-e "s|\"moat-frontd\"|\"$fuser\"|" "$conf/moat-frontd.conf.example" >frontd.conf
	sed -e "s|\"$MOAT_SYSCONFDIR/moat/keys/example.com.key\"|\"$(pwd)/key.pem\"|" \
		-e "s|\"moat-frontd\"|\"$fuser\"|" -e "s|\"moat-keyd\"|\"$kuser\"|" "$conf/moat-keyd.conf.example" >keyd.conf
	cmp -s frontd.conf "$conf/moat-frontd.conf.example" && atf_fail "moat-frontd.conf.example names no certificate"
	cmp -s keyd.conf "$conf/moat-keyd.conf.example" && atf_fail "moat-keyd.conf.example names no key"
	# keyd is not running: -t warns that it did not ask it; the socket's directory must exist (moat-frontd(8)).
	if [ -d "$MOAT_RUNSTATEDIR/moat" ]; then
		atf_check -s exit:0 -o inline:"configuration OK\n" -e match:"keyd not reachable at .*: keys not checked" \
			"$D$MOAT_SBINDIR/moat-frontd" -t -f "$(pwd)/frontd.conf"
	else
		atf_check -s exit:1 -o empty -e match:"keyd socket \"$MOAT_RUNSTATEDIR/moat/keyd.sock\": directory .* does not exist" \
			"$D$MOAT_SBINDIR/moat-frontd" -t -f "$(pwd)/frontd.conf"
	fi
	atf_check -s exit:0 -o inline:"configuration OK\n" -e empty "$D$MOAT_SBINDIR/moat-keyd" -t -f "$(pwd)/keyd.conf"
	# As installed (but for the users), each names a certificate or key to put in place: -t says which.
	sed -e "s|\"moat-frontd\"|\"$fuser\"|" "$conf/moat-frontd.conf.example" >frontd-asis.conf
	sed -e "s|\"moat-frontd\"|\"$fuser\"|" -e "s|\"moat-keyd\"|\"$kuser\"|" "$conf/moat-keyd.conf.example" >keyd-asis.conf
	atf_check -s exit:1 -o empty -e match:"certs/example.com.pem" \
		"$D$MOAT_SBINDIR/moat-frontd" -t -f "$(pwd)/frontd-asis.conf"
	atf_check -s exit:1 -o empty -e match:"keys/example.com.key" \
		"$D$MOAT_SBINDIR/moat-keyd" -t -f "$(pwd)/keyd-asis.conf"
}

atf_test_case library
library_head()
{
	atf_set "descr" "libmoat.so, <moat.h> and moat.pc are installed; the library exports the moat_ API the headers declare and nothing else; the example programs build from the installed copy alone and complete a handshake with it"
	atf_set "require.progs" "make openssl pkg-config nm"
}
library_body()
{
	install_here
	lib="$D$MOAT_LIBDIR"
	[ -f "$lib/libmoat.so.$MOAT_VERSION" ] || atf_fail "libmoat.so.$MOAT_VERSION not installed"
	[ "$(readlink "$lib/libmoat.so.0")" = "libmoat.so.$MOAT_VERSION" ] || atf_fail "libmoat.so.0 does not name the library"
	[ "$(readlink "$lib/libmoat.so")" = "libmoat.so.0" ] || atf_fail "libmoat.so does not name libmoat.so.0"
	inc="$D$MOAT_INCLUDEDIR/moat"
	[ -f "$inc/moat.h" ] || atf_fail "moat.h not installed"

	# Exported: exactly what the installed headers declare.
	nm -D --defined-only "$lib/libmoat.so.$MOAT_VERSION" | awk '{ print $3 }' | sort -u >exported
	sed -n 's/^[^ #\t/*].*[ *]\(moat_[a-z0-9_]*\)(.*/\1/p; s/^extern .*[ *]\(moat_[a-z0-9_]*\);$/\1/p' \
		"$inc/moat.h" "$inc/common/error_public.h" | sort -u >declared
	[ "$(wc -l <declared)" -gt 50 ] || atf_fail "found only $(wc -l <declared) declarations in the headers"
	if ! cmp -s exported declared; then
		diff declared exported >&2
		atf_fail "exported symbols differ from the declarations (< declared only, > exported only)"
	fi

	# The examples, built as an application is: the installed header and library through pkg-config.
	export PKG_CONFIG_PATH="$lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$D"
	atf_check -s exit:0 -o match:"^$MOAT_VERSION\$" -e empty pkg-config --modversion moat
	flags="$(pkg-config --cflags --libs moat)" || atf_fail "pkg-config moat failed"
	ex="$MOAT_TOP_SRCDIR/tls/examples"
	# The server's test ticket sealer (--tickets) and session ID cache (--session-cache) are application code
	# on libcrypto.
	for prog in moat-tls-server moat-tls-client; do
		extra=""
		[ $prog = moat-tls-server ] && extra="$ex/ticket_sealer.c $ex/id_cache.c -lcrypto"
		# shellcheck disable=SC2086 # flags are words
		atf_check -s exit:0 -o ignore -e ignore ${MOAT_CC:-cc} $MOAT_SANITIZER_CFLAGS -std=c11 -D_GNU_SOURCE \
			-o "$prog" "$ex/$prog.c" "$ex/example_common.c" $extra $flags -lpthread
	done
	export LD_LIBRARY_PATH="$lib"
	ldd ./moat-tls-server | grep -q "libmoat.so.0 => $lib/libmoat.so.0" || atf_fail "the server does not load the installed libmoat.so.0: $(ldd ./moat-tls-server)"
	atf_check -s exit:0 -o match:"^moat-tls-client \(moat\) $MOAT_VERSION\$" -o match:"^libcrypto: OpenSSL" -e empty \
		./moat-tls-client --version

	atf_check -s exit:0 -o ignore -e ignore openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		-nodes -keyout key.pem -out cert.pem -days 2 -subj /CN=example.com
	./moat-tls-server --listen 127.0.0.1:0 --cert cert.pem --key key.pem --echo --count 1 >server.out 2>server.err &
	spid=$!
	port=""
	for _ in $(seq 100); do
		port="$(sed -n 's/^listening on \([0-9]*\)$/\1/p' server.out)"
		[ -n "$port" ] && break
		sleep 0.1
	done
	[ -n "$port" ] || { kill "$spid"; atf_fail "the server built on the installed library did not start: $(cat server.err)"; }
	echo "hello through the installed libmoat" >msg
	atf_check -s exit:0 -o ignore -e match:"^handshake: ok" -e match:"^echo: [0-9]+ bytes ok" \
		./moat-tls-client --connect "127.0.0.1:$port" --server-name example.com --ca cert.pem --echo-check <msg
	wait "$spid" || atf_fail "the server exited with an error: $(cat server.err)"
}

atf_init_test_cases()
{
	atf_add_test_case layout
	atf_add_test_case defaults
	atf_add_test_case examples
	atf_add_test_case library
}
