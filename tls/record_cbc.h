/*
 * The constant-time heart of the CBC record protection (tls/record_cbc.c),
 * exposed on its own so that a test can run it with the decrypted bytes
 * marked secret (tests/record/cbc_ct_check.sh) and so the fuzz target can
 * reach it directly.
 */
#ifndef MOAT_TLS_RECORD_CBC_H
#define MOAT_TLS_RECORD_CBC_H

#include <stddef.h>
#include <stdint.h>

#include "tls/crypto/hmac_ct.h"

/*
 * p[0..n) is a decrypted GenericBlockCipher without its IV: content, MAC
 * (mac_len bytes), padding, padding_length (RFC 5246 §6.2.3.2); n > mac_len
 * is public. prefix holds seq_num || type || version (11 bytes, §6.2.3.1);
 * the length is filled in from the padding. Returns all ones if the padding
 * is well formed and the MAC matches, else 0, and in *content_len the
 * content length (meaningful only when all ones). Neither branches nor
 * indexes memory on any byte of p: see the file comment of record_cbc.c.
 */
size_t moat_record_cbc_check(const struct moat_hmac_ct *mac, size_t mac_len, const uint8_t prefix[11],
			     const uint8_t *p, size_t n, size_t *content_len);

#endif
