# Every program's command line: -V/--version prints moat's and libcrypto's
# versions, -h/--help the usage on standard output, both exit 0 with nothing
# on standard error; an unknown option or a stray argument prints the usage
# on standard error only and exits 2.

TOP="$(atf_get_srcdir)/../.."
. "$(atf_get_srcdir)/build.env"

PROGRAMS="frontd/moat-frontd keyd/moat-keyd keyd/moat-keyctl tls/examples/moat-tls-client tls/examples/moat-tls-server"

atf_test_case version
version_head()
{
	atf_set "descr" "-V and --version: 'PROGRAM (moat) VERSION', then the libcrypto in use and the one built with"
}
version_body()
{
	for p in $PROGRAMS; do
		name=${p##*/}
		for opt in -V --version; do
			atf_check -s exit:0 -o save:out -e empty "$TOP/$p" "$opt"
			[ "$(wc -l <out)" -eq 2 ] || atf_fail "$name $opt: not two lines: $(cat out)"
			[ "$(head -n 1 out)" = "$name (moat) $MOAT_VERSION" ] ||
				atf_fail "$name $opt: first line is '$(head -n 1 out)'"
			grep -Eq '^libcrypto: OpenSSL [0-9]+\.[0-9]+\.[0-9]+.* \(built with OpenSSL [0-9]+\.[0-9]+\.[0-9]+.*\)$' out ||
				atf_fail "$name $opt: no libcrypto line: $(cat out)"
		done
	done
}

atf_test_case help
help_head()
{
	atf_set "descr" "-h and --help: the usage on standard output, exit 0; it lists -h and -V"
}
help_body()
{
	for p in $PROGRAMS; do
		name=${p##*/}
		for opt in -h --help; do
			atf_check -s exit:0 -o save:out -e empty "$TOP/$p" "$opt"
			head -n 1 out | grep -q "^usage: $name " || atf_fail "$name $opt: no usage line: $(cat out)"
			grep -q -- "-V" out || atf_fail "$name $opt: the usage does not mention -V"
			grep -q -- "-h" out || atf_fail "$name $opt: the usage does not mention -h"
		done
	done
}

atf_test_case bad_usage
bad_usage_head()
{
	atf_set "descr" "an unknown option (short or long) or a stray argument: usage on standard error only, exit 2"
}
bad_usage_body()
{
	for p in $PROGRAMS; do
		name=${p##*/}
		# -Z is no program's option; "stray" is an argument none takes (for moat-keyctl, an unknown command).
		for args in -Z --no-such-option --version=1 stray; do
			atf_check -s exit:2 -o empty -e save:err "$TOP/$p" "$args"
			grep -q "usage: $name " err || atf_fail "$name $args: no usage on stderr: $(cat err)"
		done
	done
	# moat-keyctl: an unknown command, or none, is bad usage too.
	atf_check -s exit:2 -o empty -e match:"unknown command" "$TOP/keyd/moat-keyctl" rotate
	atf_check -s exit:2 -o empty -e match:"usage: moat-keyctl" "$TOP/keyd/moat-keyctl"
}

atf_init_test_cases()
{
	atf_add_test_case version
	atf_add_test_case help
	atf_add_test_case bad_usage
}
