/*
 * TLS protocol code points (IANA registries) for tls/ and policy/: versions,
 * content and handshake types, extensions, signalling suites, record limits.
 * Values are the wire values.
 *
 * The code points the crypto layer needs (groups, signature schemes, the
 * TLS 1.3 suites) are in tls/crypto/iana.h, which this header includes: the
 * protocol code sees one registry, and ipc/ and keyd/ see only the part
 * they may use.
 */
#ifndef MOAT_TLS_IANA_H
#define MOAT_TLS_IANA_H

#include "tls/crypto/iana.h"

/* ProtocolVersion: the two bytes as one number (RFC 8446 §4.1.2, RFC 5246 §6.2.1). */
#define MOAT_TLS10 0x0301
#define MOAT_TLS11 0x0302
#define MOAT_TLS12 0x0303
#define MOAT_TLS13 0x0304

/* ContentType, RFC 8446 §5.1. */
#define MOAT_CT_CHANGE_CIPHER_SPEC 20
#define MOAT_CT_ALERT 21
#define MOAT_CT_HANDSHAKE 22
#define MOAT_CT_APPLICATION_DATA 23

/* HandshakeType, RFC 8446 §4. */
#define MOAT_HS_HELLO_REQUEST 0
#define MOAT_HS_CLIENT_HELLO 1
#define MOAT_HS_SERVER_HELLO 2
#define MOAT_HS_NEW_SESSION_TICKET 4
#define MOAT_HS_END_OF_EARLY_DATA 5
#define MOAT_HS_ENCRYPTED_EXTENSIONS 8
#define MOAT_HS_CERTIFICATE 11
#define MOAT_HS_SERVER_KEY_EXCHANGE 12
#define MOAT_HS_CERTIFICATE_REQUEST 13
#define MOAT_HS_SERVER_HELLO_DONE 14
#define MOAT_HS_CERTIFICATE_VERIFY 15
#define MOAT_HS_CLIENT_KEY_EXCHANGE 16
#define MOAT_HS_FINISHED 20
#define MOAT_HS_CERTIFICATE_STATUS 22
#define MOAT_HS_KEY_UPDATE 24
#define MOAT_HS_MESSAGE_HASH 254

/* ExtensionType, RFC 8446 §4.2 and the RFCs named. */
#define MOAT_EXT_SERVER_NAME 0                 /* RFC 6066 */
#define MOAT_EXT_MAX_FRAGMENT_LENGTH 1         /* RFC 6066 */
#define MOAT_EXT_STATUS_REQUEST 5              /* RFC 6066 */
#define MOAT_EXT_SUPPORTED_GROUPS 10           /* RFC 8422, 7919 */
#define MOAT_EXT_EC_POINT_FORMATS 11           /* RFC 8422 (TLS 1.2) */
#define MOAT_EXT_SIGNATURE_ALGORITHMS 13       /* RFC 8446 */
#define MOAT_EXT_ALPN 16                       /* RFC 7301 */
#define MOAT_EXT_SCT 18                        /* RFC 6962 */
#define MOAT_EXT_PADDING 21                    /* RFC 7685 */
#define MOAT_EXT_EXTENDED_MASTER_SECRET 23     /* RFC 7627 (TLS 1.2) */
#define MOAT_EXT_RECORD_SIZE_LIMIT 28          /* RFC 8449 */
#define MOAT_EXT_SESSION_TICKET 35             /* RFC 5077 (TLS 1.2) */
#define MOAT_EXT_PRE_SHARED_KEY 41
#define MOAT_EXT_EARLY_DATA 42
#define MOAT_EXT_SUPPORTED_VERSIONS 43
#define MOAT_EXT_COOKIE 44
#define MOAT_EXT_PSK_KEY_EXCHANGE_MODES 45
#define MOAT_EXT_CERTIFICATE_AUTHORITIES 47
#define MOAT_EXT_OID_FILTERS 48
#define MOAT_EXT_POST_HANDSHAKE_AUTH 49
#define MOAT_EXT_SIGNATURE_ALGORITHMS_CERT 50
#define MOAT_EXT_KEY_SHARE 51
#define MOAT_EXT_RENEGOTIATION_INFO 0xff01     /* RFC 5746 (TLS 1.2) */

/* Signalling values. */
#define MOAT_TLS_EMPTY_RENEGOTIATION_INFO_SCSV 0x00ff /* RFC 5746 */
#define MOAT_TLS_FALLBACK_SCSV 0x5600                 /* RFC 7507 */

/* Limits, RFC 8446 §5.1, §5.2. */
#define MOAT_MAX_PLAINTEXT 16384
#define MOAT_MAX_CIPHERTEXT_13 (16384 + 256)
#define MOAT_RECORD_HEADER_LEN 5
#define MOAT_HS_HEADER_LEN 4
#define MOAT_MAX_SESSION_ID_LEN 32

#endif
