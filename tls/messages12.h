/*
 * TLS 1.2, 1.1 and 1.0 handshake message codecs (RFC 5246 §7.4, RFC 4346
 * and RFC 2246 §7.4, RFC 8422 §5.4-5.8 for ECDHE, RFC 6066 §8, RFC 5077
 * §3.3), beside the TLS 1.3 ones in tls/messages.h and under the same
 * conventions: a decoder takes one message body by value, consumes it
 * exactly (leftover bytes are MOAT_ERR_TRAILING_DATA) and fills a struct of
 * views into the caller's buffer; an encoder appends a whole message and
 * checks its arguments first (MOAT_ERR_INVALID_ARG).
 *
 * The codecs still make no protocol decisions, but where the wire shape of a
 * message depends on what was negotiated, the decoder takes it as a
 * parameter: the version (MOAT_TLS10, MOAT_TLS11 or MOAT_TLS12; anything
 * else is MOAT_ERR_INVALID_ARG), because TLS 1.2 added the signature
 * algorithm to every digitally-signed element and the
 * supported_signature_algorithms to CertificateRequest; and the key exchange
 * of the negotiated suite, because ServerKeyExchange and ClientKeyExchange
 * are a select on it with no type byte of their own (RFC 5246 §7.4.3,
 * §7.4.7).
 *
 * Messages whose TLS 1.3 codec already reads the older form are not
 * repeated: moat_server_hello_decode reads a TLS 1.2-or-older ServerHello
 * (the extensions then checked as MOAT_MSG_SH12), moat_finished_decode takes
 * the verify_data length (MOAT_TLS12_VERIFY_DATA_LEN), and
 * moat_client_hello_decode/encode handle a hello without extensions.
 */
#ifndef MOAT_TLS_MESSAGES12_H
#define MOAT_TLS_MESSAGES12_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/cursor.h"
#include "common/error.h"
#include "tls/messages.h"

/* True for the three versions these codecs speak: TLS 1.0, 1.1 and 1.2. */
bool moat_tls12_codec_version(uint16_t version);

/* ---- ServerHello for TLS 1.2 and older (RFC 5246 §7.4.1.3) ---- */

/*
 * Like moat_server_hello_encode but with the negotiated version as
 * server_version (TLS 1.0..1.2; the field is the real version before TLS
 * 1.3). ext == NULL omits the extensions block, as a server answering a
 * hello without extensions must (RFC 5246 §7.4.1.4).
 */
MOAT_MUST_USE int moat_server_hello12_encode(struct moat_buf *b, uint16_t version, const uint8_t random[32],
					     const uint8_t *sid, size_t sid_len, uint16_t suite, const uint8_t *ext,
					     size_t ext_len);

/*
 * Downgrade protection in ServerHello.random (RFC 8446 §4.1.3): the last
 * eight bytes are "DOWNGRD" followed by 01 when a server able to speak TLS
 * 1.3 negotiates TLS 1.2, and by 00 when a server able to speak TLS 1.2 or
 * later negotiates TLS 1.1 or older.
 */
#define MOAT_DOWNGRADE_SENTINEL_LEN 8
extern const uint8_t moat_downgrade_tls12[MOAT_DOWNGRADE_SENTINEL_LEN];
extern const uint8_t moat_downgrade_tls11[MOAT_DOWNGRADE_SENTINEL_LEN];
/*
 * Server side: overwrite the end of random with the sentinel that applies
 * when `negotiated` was chosen by a server whose highest enabled version is
 * `highest`; leave it alone when none applies (negotiated TLS 1.3, or no
 * higher version to protect). Versions outside TLS 1.0..1.3, or negotiated
 * above highest → INVALID_ARG.
 */
MOAT_MUST_USE int moat_downgrade_sentinel_set(uint8_t random[32], uint16_t negotiated, uint16_t highest);
/*
 * Client side, for a ServerHello that negotiated `negotiated` sent to a
 * client whose highest offered version is `highest`: a TLS 1.3 client
 * refuses either sentinel when it gets TLS 1.2 or older, a TLS 1.2 client
 * the TLS 1.1 one when it gets TLS 1.1 or older → ILLEGAL_PARAMETER
 * ("MUST abort the handshake with an illegal_parameter alert").
 */
MOAT_MUST_USE int moat_downgrade_sentinel_check(const uint8_t random[32], uint16_t negotiated, uint16_t highest);

/* ---- digitally-signed (RFC 5246 §4.7; RFC 4346 and RFC 2246 §4.7) ---- */

/*
 * In TLS 1.2 a signature is a SignatureAndHashAlgorithm (two bytes, the
 * same code points as a TLS 1.3 SignatureScheme) and signature<0..2^16-1>;
 * in TLS 1.0/1.1 the algorithm is implied by the key and only the vector is
 * sent. Inner structure, read from a cursor that advances past it.
 */
struct moat_digitally_signed {
	bool has_scheme;              /* TLS 1.2 */
	uint16_t scheme;              /* 0 when !has_scheme */
	struct moat_cursor signature; /* <0..2^16-1> */
};
MOAT_MUST_USE int moat_digitally_signed_decode(struct moat_cursor *c, uint16_t version,
					       struct moat_digitally_signed *out);
/* scheme is written for TLS 1.2 and ignored before it. */
MOAT_MUST_USE int moat_digitally_signed_encode(struct moat_buf *b, uint16_t version, uint16_t scheme,
					       const uint8_t *sig, size_t len);

/* ---- ServerKeyExchange (RFC 5246 §7.4.3, RFC 8422 §5.4, RFC 7919) ---- */

/* The key exchange of the negotiated suite: which select branch the two KeyExchange messages take. */
enum moat_kx12 {
	MOAT_KX12_ECDHE = 1, /* ECDHE_RSA, ECDHE_ECDSA (RFC 8422) */
	MOAT_KX12_DHE,       /* DHE_RSA (RFC 5246, RFC 7919) */
	MOAT_KX12_RSA,       /* RSA key transport: no ServerKeyExchange */
};

/* ECCurveType (RFC 8422 §5.4): named_curve is the only value left. */
#define MOAT_EC_CURVE_TYPE_NAMED_CURVE 3

struct moat_server_key_exchange {
	enum moat_kx12 kx;
	uint16_t group;                          /* ECDHE: the NamedCurve */
	struct moat_cursor point;                /* ECDHE: ECPoint.point<1..2^8-1> */
	struct moat_cursor dh_p, dh_g, dh_ys;    /* DHE: each <1..2^16-1> */
	/*
	 * ServerECDHParams or ServerDHParams exactly as sent: the signature
	 * covers client_random + server_random + these bytes (RFC 5246 §7.4.3,
	 * RFC 8422 §5.4), built with tls/crypto/signed_content.h.
	 */
	struct moat_cursor params;
	struct moat_digitally_signed sig;
};
/*
 * kx is ECDHE or DHE (RSA has no ServerKeyExchange → INVALID_ARG). A
 * curve_type other than named_curve → ILLEGAL_PARAMETER (explicit curves are
 * deprecated, RFC 8422 §5.4); whether the group, the point and the DH
 * parameters are acceptable is the key exchange's call (moat_kex_*).
 * Anonymous (unsigned) key exchange is not supported: the signature must
 * follow the params.
 */
MOAT_MUST_USE int moat_server_key_exchange_decode(struct moat_cursor body, uint16_t version, enum moat_kx12 kx,
						  struct moat_server_key_exchange *ske);
/* ServerECDHParams (named_curve, group, point<1..255>) alone, for building the signed content. */
MOAT_MUST_USE int moat_server_ecdh_params_write(struct moat_buf *b, uint16_t group, const uint8_t *point, size_t len);
/* ServerDHParams (dh_p, dh_g, dh_Ys, each 1..2^16-1 bytes) alone. */
MOAT_MUST_USE int moat_server_dh_params_write(struct moat_buf *b, const uint8_t *p, size_t p_len, const uint8_t *g,
					      size_t g_len, const uint8_t *ys, size_t ys_len);
MOAT_MUST_USE int moat_server_key_exchange_ecdhe_encode(struct moat_buf *b, uint16_t version, uint16_t group,
							const uint8_t *point, size_t point_len, uint16_t scheme,
							const uint8_t *sig, size_t sig_len);
MOAT_MUST_USE int moat_server_key_exchange_dhe_encode(struct moat_buf *b, uint16_t version, const uint8_t *p,
						      size_t p_len, const uint8_t *g, size_t g_len, const uint8_t *ys,
						      size_t ys_len, uint16_t scheme, const uint8_t *sig,
						      size_t sig_len);

/* ---- ClientKeyExchange (RFC 5246 §7.4.7, RFC 8422 §5.7) ---- */

/*
 * The one field the message holds, by kx:
 *   ECDHE  ClientECDiffieHellmanPublic: ecdh_Yc point<1..2^8-1>
 *   DHE    ClientDiffieHellmanPublic: dh_Yc<1..2^16-1> (the implicit, empty
 *          form belongs to fixed-DH client certificates, which moat does not
 *          take: an empty body is DECODE)
 *   RSA    EncryptedPreMasterSecret: the RSA ciphertext as a vector
 *          <0..2^16-1>, with its two length bytes in every TLS version
 *          (RFC 5246 §7.4.7.1: only SSLv3 implementations left them out,
 *          and SSLv3 is not implemented). Whether the length fits the key
 *          is left to the RSA decryption (§7.4.7.1: its failures must not
 *          be distinguishable).
 */
MOAT_MUST_USE int moat_client_key_exchange_decode(struct moat_cursor body, enum moat_kx12 kx,
						  struct moat_cursor *exchange);
MOAT_MUST_USE int moat_client_key_exchange_encode(struct moat_buf *b, enum moat_kx12 kx, const uint8_t *data,
						  size_t len);

/* ---- HelloRequest, ServerHelloDone (RFC 5246 §7.4.1.1, §7.4.5): empty bodies ---- */

MOAT_MUST_USE int moat_hello_request_decode(struct moat_cursor body);
MOAT_MUST_USE int moat_hello_request_encode(struct moat_buf *b);
MOAT_MUST_USE int moat_server_hello_done_decode(struct moat_cursor body);
MOAT_MUST_USE int moat_server_hello_done_encode(struct moat_buf *b);

/* ---- CertificateRequest (RFC 5246 §7.4.4; RFC 4346, RFC 2246 §7.4.4) ---- */

/* ClientCertificateType values (RFC 5246 §7.4.4, RFC 8422 §5.5). */
#define MOAT_CLIENT_CERT_RSA_SIGN 1
#define MOAT_CLIENT_CERT_ECDSA_SIGN 64

struct moat_certificate_request12 {
	struct moat_cursor certificate_types; /* <1..2^8-1> of u8 */
	bool has_sig_algs;                    /* TLS 1.2 */
	struct moat_cursor sig_algs;          /* <2..2^16-2>, even; iterate with moat_u16_list_next */
	struct moat_cursor authorities;       /* DistinguishedName<1..2^16-1> list; iterate with moat_ca_list_next */
};
/*
 * certificate_authorities is <0..2^16-1> in every version: RFC 2246 wrote
 * <3..2^16-1>, but an empty list (any CA) is what TLS 1.0/1.1 servers send
 * when they name none, and RFC 5246 allows it.
 */
MOAT_MUST_USE int moat_certificate_request12_decode(struct moat_cursor body, uint16_t version,
						    struct moat_certificate_request12 *cr);
/*
 * authorities: the DistinguishedName entries, each with its 2-byte length
 * (NULL and 0 for none). sig_algs are written for TLS 1.2 (n_algs >= 1) and
 * must be absent (n_algs == 0) before it.
 */
MOAT_MUST_USE int moat_certificate_request12_encode(struct moat_buf *b, uint16_t version, const uint8_t *types,
						    size_t n_types, const uint16_t *sig_algs, size_t n_algs,
						    const uint8_t *authorities, size_t auth_len);

/* ---- Certificate (RFC 5246 §7.4.2, §7.4.6) ---- */

/*
 * certificate_list<0..2^24-1> of ASN.1Cert<1..2^24-1>: no context, no
 * per-entry extensions (m->context and m->ext_raw stay empty). Chain length
 * rules as moat_certificate_decode; an empty list is a client without a
 * certificate (§7.4.6), for the handshake to judge.
 */
MOAT_MUST_USE int moat_certificate12_decode(struct moat_cursor body, struct moat_certificate_msg *m);
MOAT_MUST_USE int moat_certificate12_encode(struct moat_buf *b, const uint8_t *const *der, const size_t *der_len,
					    size_t count);

/* ---- CertificateVerify (RFC 5246 §7.4.8) ---- */

/* One digitally-signed element and nothing else; the signed bytes are the handshake messages so far. */
MOAT_MUST_USE int moat_certificate_verify12_decode(struct moat_cursor body, uint16_t version,
						   struct moat_digitally_signed *cv);
MOAT_MUST_USE int moat_certificate_verify12_encode(struct moat_buf *b, uint16_t version, uint16_t scheme,
						   const uint8_t *sig, size_t len);

/* ---- Finished (RFC 5246 §7.4.9) ---- */

/* verify_data_length of every TLS 1.0-1.2 suite moat has; read with moat_finished_decode. */
#define MOAT_TLS12_VERIFY_DATA_LEN 12

/* ---- CertificateStatus (RFC 6066 §8) ---- */

/*
 * status_type ocsp(1) and OCSPResponse<1..2^24-1>; another status_type →
 * ILLEGAL_PARAMETER (we only ever ask for ocsp, and cannot frame the rest).
 */
MOAT_MUST_USE int moat_certificate_status_decode(struct moat_cursor body, struct moat_cursor *ocsp_response);
MOAT_MUST_USE int moat_certificate_status_encode(struct moat_buf *b, const uint8_t *ocsp_response, size_t len);

/* ---- NewSessionTicket (RFC 5077 §3.3) ---- */

struct moat_new_session_ticket12 {
	uint32_t lifetime_hint;    /* seconds; 0 = unspecified */
	struct moat_cursor ticket; /* <0..2^16-1>: empty when the server decided not to issue one */
};
MOAT_MUST_USE int moat_new_session_ticket12_decode(struct moat_cursor body, struct moat_new_session_ticket12 *nst);
MOAT_MUST_USE int moat_new_session_ticket12_encode(struct moat_buf *b, uint32_t lifetime_hint,
						   const uint8_t *ticket, size_t len);

#endif
