/*
 * Names for the code points keyd and moat-keyctl print: signature schemes
 * (RFC 8446 §4.2.3 spelling) and the list of schemes keyd can ever sign with.
 *
 * Why a table of our own: logs and `moat-keyctl list` must name schemes the
 * way operators read them in RFCs and OpenSSL output, and the set keyd
 * considers for a key is exactly the SIGN scheme table of moat-ipc(7), which
 * the ipc codec checks per kind but does not enumerate.
 */
#ifndef MOAT_KEYD_NAMES_H
#define MOAT_KEYD_NAMES_H

#include <stddef.h>
#include <stdint.h>

/* Every scheme of moat-ipc(7) "Schemes", strongest first within a family. */
extern const uint16_t keyd_ipc_schemes[];
extern const size_t keyd_ipc_scheme_count;

/* "rsa_pss_rsae_sha256", ...; "unknown_scheme" for other values. */
const char *keyd_scheme_name(uint16_t scheme);

/* Lower-case hex of len bytes into out (2 * len + 1 bytes), NUL-terminated. */
void keyd_hex(char *out, const uint8_t *in, size_t len);

#endif
