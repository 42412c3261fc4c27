/*
 * Scheme names and hex output (see names.h). Kept apart from the daemon so
 * moat-keyctl links only this and the ipc codec. The names and the order
 * are the crypto layer's scheme table (tls/crypto/iana.h); which schemes
 * keyd signs with is the ipc codec's rule (moat_ipc_scheme_allowed).
 */
#include "keyd/names.h"

#include "ipc/ipc.h"
#include "tls/crypto/iana.h"

uint16_t keyd_ipc_scheme_at(size_t *i)
{
	for (const struct moat_sig_scheme_info *s; (s = moat_sig_scheme_at(*i)) != NULL;) {
		++*i;
		if (moat_ipc_scheme_allowed(MOAT_IPC_SIGN_TLS13_CV, s->scheme) ||
		    moat_ipc_scheme_allowed(MOAT_IPC_SIGN_TLS12_SKE, s->scheme))
			return s->scheme;
	}
	return 0;
}

const char *keyd_scheme_name(uint16_t scheme)
{
	const char *name = moat_sig_scheme_name(scheme);
	return name != NULL ? name : "unknown_scheme";
}

void keyd_hex(char *out, const uint8_t *in, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}
