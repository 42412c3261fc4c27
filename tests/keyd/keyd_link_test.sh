# What moat-keyd is made of: no TLS protocol code.
#
# keyd's attack surface is meant to be the IPC decoder, the signed-content
# checks and libcrypto (DESIGN, layering): it links the crypto layer
# (tls/crypto/) and never the handshake, record or message code of the TLS
# library, nor the certificate chain code it has no use for. The build
# already keeps the protocol archive off keyd's link line; this test checks
# the result, so a later change that brings a protocol object back (by
# adding the archive, or by moving a function into the wrong file) fails
# here rather than going unnoticed.
#
# The forbidden set is read from the build, not written down: every global
# symbol the TLS protocol archive (tls/libmoat.a) defines, plus those of the
# certificate objects of the crypto archive. A name list would go stale as
# files move; the archives cannot. Each check also proves it can see: the
# symbol lists must be non-empty and hold a symbol known to be there, and
# moat-frontd, which runs TLS, must show protocol symbols to the same check.

BUILD="$(atf_get_srcdir)/../.."
PROTO_ARCHIVE="${BUILD}/tls/libmoat.a"
CRYPTO_ARCHIVE="${BUILD}/tls/crypto/libmoat_crypto.a"

# Global symbols a file defines, one per line, sorted.
defined_symbols()
{
	nm --defined-only -g "$1" 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u
}

# Every symbol a program defines. Local ones count too: the library's archives are
# built with -fvisibility=hidden (tls/shared.mk), and the link turns their hidden
# globals into locals of the program.
program_symbols()
{
	nm --defined-only "$1" 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u
}

# The forbidden set into forbidden.syms, with a check that it was read.
forbidden_symbols()
{
	[ -f "$PROTO_ARCHIVE" ] || atf_fail "no protocol archive at $PROTO_ARCHIVE"
	[ -f "$CRYPTO_ARCHIVE" ] || atf_fail "no crypto archive at $CRYPTO_ARCHIVE"
	{
		defined_symbols "$PROTO_ARCHIVE"
		# nm -A names each symbol's archive member: keep the certificate objects'
		# (automake prefixes the target's name when it has flags of its own).
		nm -A --defined-only -g "$CRYPTO_ARCHIVE" 2>/dev/null |
			awk -F': *' '$2 ~ /(^|-)cert_(chain|verify|subject)\.o$/ { n = split($3, f, " "); print f[n] }'
	} | sort -u >forbidden.syms
	for s in moat_hs_begin moat_connection_new moat_certificate_verify_encode \
		moat_cert_chain_from_pem moat_trust_store_init; do
		grep -qx "$s" forbidden.syms || atf_fail "the forbidden set lacks $s: the archives did not read as expected"
	done
}

# Fails when program $1 defines any forbidden symbol; $2 is a symbol it must have (nm works on it).
check_program()
{
	[ -x "$1" ] || atf_fail "no program at $1"
	program_symbols "$1" >prog.syms
	grep -qx "$2" prog.syms || atf_fail "nm shows no $2 in $1 (stripped?)"
	comm -12 prog.syms forbidden.syms >linked.syms
	if [ -s linked.syms ]; then
		echo "$1 links TLS protocol or certificate code:" >&2
		head -n 20 linked.syms >&2
		atf_fail "$(basename "$1") defines $(wc -l <linked.syms) forbidden symbols (first: $(head -n 1 linked.syms))"
	fi
}

atf_test_case keyd_links_no_protocol
keyd_links_no_protocol_head()
{
	atf_set "descr" "moat-keyd, its test build and moat-keyctl define no symbol of the TLS protocol archive or the certificate code"
	atf_set "require.progs" "nm comm"
}
keyd_links_no_protocol_body()
{
	forbidden_symbols
	check_program "${BUILD}/keyd/moat-keyd" moat_ipc_check_sign_input
	check_program "$(atf_get_srcdir)/moat-keyd-test" moat_ipc_check_sign_input
	check_program "${BUILD}/keyd/moat-keyctl" moat_ipc_list_keys_encode
}

atf_test_case frontd_positive_control
frontd_positive_control_head()
{
	atf_set "descr" "the same check finds protocol symbols in moat-frontd, which terminates TLS"
	atf_set "require.progs" "nm comm"
}
frontd_positive_control_body()
{
	forbidden_symbols
	frontd="${BUILD}/frontd/moat-frontd"
	[ -x "$frontd" ] || atf_fail "no program at $frontd"
	program_symbols "$frontd" >prog.syms
	comm -12 prog.syms forbidden.syms >linked.syms
	grep -qx moat_hs_begin linked.syms || atf_fail "the check does not see moat_hs_begin in moat-frontd"
	grep -qx moat_cert_chain_from_pem linked.syms || atf_fail "the check does not see the chain code in moat-frontd"
}

atf_init_test_cases()
{
	atf_add_test_case keyd_links_no_protocol
	atf_add_test_case frontd_positive_control
}
