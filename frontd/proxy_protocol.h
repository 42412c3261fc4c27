/*
 * The PROXY protocol, versions 1 and 2 (the HAProxy specification, "The
 * PROXY protocol", sections 2.1 and 2.2): the header that tells the
 * receiver of a relayed TCP connection who the original client was.
 *
 * frontd speaks it in both directions:
 *   - towards a site's backend (`proxy-protocol v1|v2` in the site block),
 *     as the first bytes after connect, so the backend sees the client's
 *     address, and with v2 what TLS settled (ALPN, SNI, version, suite);
 *   - on a listener (`listen ADDR proxy-protocol FROM...`), from the load
 *     balancers in the listener's trusted list, when frontd itself sits
 *     behind one.
 * This header holds the types both share; proxy_protocol_write.c builds a
 * header, proxy_protocol_read.c parses one (untrusted bytes).
 */
#ifndef MOAT_FRONTD_PROXY_PROTOCOL_H
#define MOAT_FRONTD_PROXY_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/buf.h"
#include "common/error.h"

/* Spec §2.1: the longest v1 line, CRLF included ("PROXY UNKNOWN" with two IPv6 addresses). */
#define FRONTD_PP_V1_MAX 107
/* Spec §2.2: the fixed part of a v2 header (signature, ver/cmd, family, length). */
#define FRONTD_PP_V2_FIXED 16
/*
 * The longest v2 header frontd accepts: an address block and TLVs
 * (spec §2.2 allows 65535 bytes after the fixed part; a load balancer's
 * TLVs are a few hundred). A longer one is refused rather than buffered.
 */
#define FRONTD_PP_V2_MAX 2048
/* Spec §2.2: the 12 bytes a v2 header starts with. */
extern const uint8_t frontd_pp_v2_signature[12];
/* What a receiver may need to see at once, at most. */
#define FRONTD_PP_MAX FRONTD_PP_V2_MAX

/* The v2 TLV types and SSL sub-types frontd sends (spec §2.2.1-2.2.6). */
#define FRONTD_PP2_TYPE_ALPN 0x01
#define FRONTD_PP2_TYPE_AUTHORITY 0x02
#define FRONTD_PP2_TYPE_SSL 0x20
#define FRONTD_PP2_SUBTYPE_SSL_VERSION 0x21
#define FRONTD_PP2_SUBTYPE_SSL_CN 0x22
#define FRONTD_PP2_SUBTYPE_SSL_CIPHER 0x23
#define FRONTD_PP2_SUBTYPE_SSL_GROUP 0x26
#define FRONTD_PP2_CLIENT_SSL 0x01
#define FRONTD_PP2_CLIENT_CERT_CONN 0x02
#define FRONTD_PP2_CLIENT_CERT_SESS 0x04

enum frontd_pp_version { FRONTD_PP_OFF = 0, FRONTD_PP_V1 = 1, FRONTD_PP_V2 = 2 };

/*
 * The original connection's endpoints. A length of 0 means unknown; src
 * and dst of different families (or not IP) are sent as "unknown"
 * (v1 UNKNOWN, v2 AF_UNSPEC).
 */
struct frontd_pp_addrs {
	struct sockaddr_storage src, dst;
	socklen_t src_len, dst_len;
};

/* What the TLS handshake settled, for the v2 TLVs; a NULL string is left out. */
struct frontd_pp_tls {
	const char *alpn;    /* PP2_TYPE_ALPN */
	const char *sni;     /* PP2_TYPE_AUTHORITY: the server name the client asked for */
	const char *version; /* PP2_SUBTYPE_SSL_VERSION, "TLSv1.3" */
	const char *cipher;  /* PP2_SUBTYPE_SSL_CIPHER */
	const char *group;   /* PP2_SUBTYPE_SSL_GROUP */
	const char *client_cn; /* PP2_SUBTYPE_SSL_CN; NULL: no client certificate */
	bool client_cert_verified;
};

/*
 * Append the header for addrs to out: v1 (tls is ignored) or v2 with the
 * TLVs from tls (NULL: none). MOAT_ERR_INVALID_ARG for a version that is
 * not 1 or 2 or a string longer than a TLV can hold.
 */
MOAT_MUST_USE int frontd_pp_write(struct moat_buf *out, enum frontd_pp_version version,
				  const struct frontd_pp_addrs *addrs, const struct frontd_pp_tls *tls);

/* The OpenSSL-style name of a TLS version (MOAT_TLS13 -> "TLSv1.3"), as backends expect it; NULL if unknown. */
const char *frontd_pp_tls_version_name(int version);

/* A parsed incoming header. */
struct frontd_pp_header {
	enum frontd_pp_version version;
	size_t len;    /* bytes the header takes on the wire: consume exactly these */
	bool local;    /* v1 UNKNOWN, v2 LOCAL, or an address family frontd does not use: keep the socket's own addresses */
	struct frontd_pp_addrs addrs; /* set when !local */
};

/*
 * Parse the start of what a trusted peer sent (data, len: what has arrived
 * so far; nothing is consumed). Returns MOAT_SUCCESS with *hdr filled;
 * MOAT_FAILURE with MOAT_ERR_IO_BLOCKED when the bytes so far are a valid
 * beginning but not a whole header (wait for more); any other error when
 * they are not a PROXY header, or not one frontd accepts (MOAT_ERR_DECODE;
 * spec §2: the connection must then be closed). Never reads past len.
 */
MOAT_MUST_USE int frontd_pp_parse(const uint8_t *data, size_t len, struct frontd_pp_header *hdr);

#endif
