# The manual pages as installed (man/installed/, this build's paths in
# them): mandoc -T lint finds nothing at level WARNING or above, and no
# Qq quotes more than it should. Qq is an enclosure that runs to the end of
# the line, so ".It Ic user Qq Ar name | Cm uid Ar number" renders as
# user "name | uid number"; mandoc -T lint does not flag it, so the check
# reads mandoc's syntax tree: a Qq must hold one word or phrase, or one
# macro with one word (Qq Ar name), and a longer line uses Qo ... Qc.

TOP="$(atf_get_srcdir)/../.."

# pages: the installed copies, or a failure if the build made none.
pages()
{
	_pages=$(ls "$TOP"/man/installed/*.[1-9] 2>/dev/null)
	[ -n "$_pages" ] || atf_fail "no manual pages in $TOP/man/installed"
	echo "$_pages"
}

# over_quoted PAGE: one line per Qq of PAGE that quotes more than one word or macro.
over_quoted()
{
	mandoc -T tree "$1" | awk -v page="${1##*/}" '
	function indent(s) { match(s, /^ */); return RLENGTH }
	function finish() {
		if (inq && (n4 != 1 || n8 > 1 || bad))
			printf "%s:%s: Qq quotes more than one word or macro\n", page, where
		inq = 0
	}
	{
		d = indent($0)
		if (inq && d <= qind)
			finish()
		if (inq) {
			if (d == qind + 4) {
				n4++
				if ($0 !~ /\((text|elem)\)/) bad = 1
			} else if (d == qind + 8) {
				n8++
				if ($0 !~ /\(text\)/) bad = 1
			} else {
				bad = 1
			}
		}
		if ($0 ~ /^ *Qq \(body\)/) {
			inq = 1; qind = d; n4 = 0; n8 = 0; bad = 0
			where = $NF; sub(/:.*/, "", where)
		}
	}
	END { finish() }'
}

atf_test_case lint
lint_head()
{
	atf_set "descr" "mandoc -T lint -W warning reports nothing on any installed page"
	atf_set "require.progs" "mandoc"
}
lint_body()
{
	for page in $(pages); do
		atf_check -s exit:0 -o empty -e empty mandoc -T lint -W warning "$page"
	done
}

atf_test_case quoting
quoting_head()
{
	atf_set "descr" "every Qq quotes one word, phrase or macro: a synopsis line renders as written"
	atf_set "require.progs" "mandoc"
}
quoting_body()
{
	# The check itself catches the line that once rendered as 'user "name | uid number | ..."'.
	printf '.Dd 1 January 2025\n.Dt T 5\n.Os\n.Sh NAME\n.Nm t\n.Nd t\n.Sh DESCRIPTION\n.Bl -tag\n%s\n%s\n.El\n' \
		'.It Ic allow Cm user Qq Ar name | Cm uid Ar number' 'x' >bad.5
	over_quoted "$(pwd)/bad.5" >out
	grep -q "^bad.5:9: Qq quotes more" out || atf_fail "the check missed a Qq running to the end of the line"
	for page in $(pages); do
		over_quoted "$page" >>found
	done
	[ ! -s found ] || atf_fail "$(cat found)"
}

atf_test_case paths
paths_head()
{
	atf_set "descr" "the installed pages name this build's directories, not /etc/moat and /run/moat"
}
paths_body()
{
	. "$(atf_get_srcdir)/build.env"
	grep -q "^\.It Pa $MOAT_SYSCONFDIR/moat/moat-frontd.conf\$" "$TOP/man/installed/moat-frontd.8" ||
		atf_fail "moat-frontd.8 FILES does not name $MOAT_SYSCONFDIR/moat/moat-frontd.conf"
	grep -q "^\.It Pa $MOAT_RUNSTATEDIR/moat/keyd.sock\$" "$TOP/man/installed/moat-keyd.8" ||
		atf_fail "moat-keyd.8 FILES does not name $MOAT_RUNSTATEDIR/moat/keyd.sock"
	# A path of its own, not the tail of a longer one (/usr/local/etc/moat).
	if [ "$MOAT_SYSCONFDIR" != /etc ]; then
		! grep -El '(^|[^[:alnum:]_.-])/etc/moat' $(pages) || atf_fail "a page still names /etc/moat"
	fi
	if [ "$MOAT_RUNSTATEDIR" != /run ]; then
		! grep -El '(^|[^[:alnum:]_.-])/run/moat' $(pages) || atf_fail "a page still names /run/moat"
	fi
}

atf_init_test_cases()
{
	atf_add_test_case lint
	atf_add_test_case quoting
	atf_add_test_case paths
}
