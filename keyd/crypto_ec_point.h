/*
 * Whether the public value inside a TLS 1.2 ServerECDHParams is a point of
 * its named group (RFC 8422 §5.4, RFC 8446 §4.2.8.2 for the checks).
 *
 * Why keyd checks it: the shape check (ipc_sign_input.c) proves lengths
 * and the uncompressed-form byte, but any 64 bytes after 0x04 pass it. keyd
 * signing params whose "point" is not on the curve would vouch for bytes no
 * honest server ever sends, and a client that does not validate the point
 * could be led into an invalid-curve attack under this certificate's name.
 * So for P-256, P-384 and P-521 the point must decode, lie on the curve and
 * not be the point at infinity (libcrypto's public-key check); X25519 and
 * X448 public values are any string of their exact length (RFC 7748 §5),
 * which the shape check already enforces.
 */
#ifndef MOAT_KEYD_CRYPTO_EC_POINT_H
#define MOAT_KEYD_CRYPTO_EC_POINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* group is a TLS NamedGroup code point; false for a group keyd does not know. */
bool keyd_ecdh_point_valid(uint16_t group, const uint8_t *point, size_t len);

#endif
