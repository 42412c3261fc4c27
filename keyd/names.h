/*
 * Names for the code points keyd and moat-keyctl print: signature schemes
 * (RFC 8446 §4.2.3 spelling) and the list of schemes keyd can ever sign with.
 *
 * Logs and `moat-keyctl list` must name schemes the way operators read them
 * in RFCs and OpenSSL output; the set keyd considers for a key is exactly
 * the SIGN scheme table of moat-ipc(7). Neither is a list of keyd's own: the
 * names come from the crypto layer's scheme table, the set from the ipc
 * codec's rule, walked in the table's order.
 */
#ifndef MOAT_KEYD_NAMES_H
#define MOAT_KEYD_NAMES_H

#include <stddef.h>
#include <stdint.h>

/*
 * Walk every scheme of moat-ipc(7) "Schemes": start with *i = 0; each call
 * returns the next one and advances *i, and 0 (no scheme) at the end.
 */
uint16_t keyd_ipc_scheme_at(size_t *i);

/* "rsa_pss_rsae_sha256", ...; "unknown_scheme" for other values. */
const char *keyd_scheme_name(uint16_t scheme);

/* Lower-case hex of len bytes into out (2 * len + 1 bytes), NUL-terminated. */
void keyd_hex(char *out, const uint8_t *in, size_t len);

#endif
