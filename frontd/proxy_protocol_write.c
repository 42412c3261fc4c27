/*
 * PROXY protocol headers towards a backend (the format: proxy_protocol.h).
 *
 * The header describes the client's connection to frontd, whatever the
 * backend is reached by: a Unix-socket backend gets the client's TCP
 * addresses too (spec §2.2: the addresses are "the original connection
 * endpoints"; AF_UNIX in a header would describe a client that came in
 * over a Unix socket, which frontd never has). Only when the endpoints are
 * unknown or of two families does frontd send "unknown": v1 UNKNOWN, v2
 * PROXY with AF_UNSPEC, which receivers accept and read as "use the
 * socket's own addresses". v2 LOCAL is not used: it says the connection
 * is the proxy's own (a health check), which a relayed client is not.
 *
 * v2 TLVs say what the TLS handshake settled (spec §2.2.1, §2.2.2,
 * §2.2.6). PP2_TYPE_SSL's <verify> is zero only "if the client presented
 * a certificate and it was successfully verified": without a client
 * certificate it is non-zero, and neither PP2_CLIENT_CERT_* bit is set.
 */
#include "frontd/proxy_protocol.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "tls/moat.h"

const uint8_t frontd_pp_v2_signature[12] = { 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A };

const char *frontd_pp_tls_version_name(int version)
{
	switch (version) {
	case MOAT_TLS13:
		return "TLSv1.3";
	case MOAT_TLS12:
		return "TLSv1.2";
	case MOAT_TLS11:
		return "TLSv1.1";
	case MOAT_TLS10:
		return "TLSv1";
	default:
		return NULL;
	}
}

/* The address family both endpoints share (AF_INET or AF_INET6), or AF_UNSPEC. */
static sa_family_t common_family(const struct frontd_pp_addrs *a)
{
	if (a == NULL || a->src_len == 0 || a->dst_len == 0 || a->src.ss_family != a->dst.ss_family)
		return AF_UNSPEC;
	if (a->src.ss_family == AF_INET && a->src_len >= (socklen_t)sizeof(struct sockaddr_in) &&
	    a->dst_len >= (socklen_t)sizeof(struct sockaddr_in))
		return AF_INET;
	if (a->src.ss_family == AF_INET6 && a->src_len >= (socklen_t)sizeof(struct sockaddr_in6) &&
	    a->dst_len >= (socklen_t)sizeof(struct sockaddr_in6))
		return AF_INET6;
	return AF_UNSPEC;
}

static const void *in_addr_of(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return &((const struct sockaddr_in *)ss)->sin_addr;
	return &((const struct sockaddr_in6 *)ss)->sin6_addr;
}

static uint16_t port_of(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

/* Spec §2.1: "PROXY TCP4 src dst sport dport\r\n" (inet_ntop writes the canonical forms it asks for). */
static int write_v1(struct moat_buf *out, const struct frontd_pp_addrs *a)
{
	char line[FRONTD_PP_V1_MAX + 1], src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	sa_family_t fam = common_family(a);
	int n;
	if (fam == AF_UNSPEC) {
		n = snprintf(line, sizeof(line), "PROXY UNKNOWN\r\n");
	} else {
		ENSURE(inet_ntop(fam, in_addr_of(&a->src), src, sizeof(src)) != NULL, MOAT_ERR_INVALID_ARG);
		ENSURE(inet_ntop(fam, in_addr_of(&a->dst), dst, sizeof(dst)) != NULL, MOAT_ERR_INVALID_ARG);
		n = snprintf(line, sizeof(line), "PROXY %s %s %s %u %u\r\n", fam == AF_INET ? "TCP4" : "TCP6", src, dst,
			     (unsigned)port_of(&a->src), (unsigned)port_of(&a->dst));
	}
	ENSURE(n > 0 && (size_t)n <= FRONTD_PP_V1_MAX, MOAT_ERR_INTERNAL);
	return moat_buf_put_bytes(out, line, (size_t)n);
}

/* One TLV: type, 16-bit length, value (spec §2.2). A NULL value is left out. */
static int put_tlv(struct moat_buf *out, uint8_t type, const char *value)
{
	if (value == NULL)
		return MOAT_SUCCESS;
	size_t n = strlen(value);
	ENSURE(n <= UINT16_MAX, MOAT_ERR_INVALID_ARG);
	TRY(moat_buf_put_u8(out, type));
	return moat_buf_put_prefixed(out, 2, value, n);
}

static int write_ssl_tlv(struct moat_buf *out, const struct frontd_pp_tls *t)
{
	bool cert = t->client_cn != NULL;
	TRY(moat_buf_put_u8(out, FRONTD_PP2_TYPE_SSL));
	TRY(moat_buf_open_prefixed(out, 2));
	TRY(moat_buf_put_u8(out, (uint8_t)(FRONTD_PP2_CLIENT_SSL | (cert ? FRONTD_PP2_CLIENT_CERT_CONN : 0))));
	TRY(moat_buf_put_u32(out, cert && t->client_cert_verified ? 0u : 1u));
	TRY(put_tlv(out, FRONTD_PP2_SUBTYPE_SSL_VERSION, t->version));
	TRY(put_tlv(out, FRONTD_PP2_SUBTYPE_SSL_CIPHER, t->cipher));
	TRY(put_tlv(out, FRONTD_PP2_SUBTYPE_SSL_GROUP, t->group));
	TRY(put_tlv(out, FRONTD_PP2_SUBTYPE_SSL_CN, t->client_cn));
	return moat_buf_close_prefixed(out);
}

static int write_v2(struct moat_buf *out, const struct frontd_pp_addrs *a, const struct frontd_pp_tls *t)
{
	sa_family_t fam = common_family(a);
	size_t start = out->len;
	TRY(moat_buf_put_bytes(out, frontd_pp_v2_signature, sizeof(frontd_pp_v2_signature)));
	TRY(moat_buf_put_u8(out, 0x21)); /* version 2, PROXY */
	TRY(moat_buf_put_u8(out, fam == AF_INET ? 0x11 : fam == AF_INET6 ? 0x21 : 0x00));
	TRY(moat_buf_open_prefixed(out, 2));
	if (fam != AF_UNSPEC) {
		size_t alen = fam == AF_INET ? 4 : 16;
		TRY(moat_buf_put_bytes(out, in_addr_of(&a->src), alen));
		TRY(moat_buf_put_bytes(out, in_addr_of(&a->dst), alen));
		TRY(moat_buf_put_u16(out, port_of(&a->src)));
		TRY(moat_buf_put_u16(out, port_of(&a->dst)));
	}
	if (t != NULL) {
		TRY(put_tlv(out, FRONTD_PP2_TYPE_ALPN, t->alpn));
		TRY(put_tlv(out, FRONTD_PP2_TYPE_AUTHORITY, t->sni));
		TRY(write_ssl_tlv(out, t));
	}
	TRY(moat_buf_close_prefixed(out));
	/* Our own receivers' limit: a header frontd would refuse is not one to send. */
	ENSURE(out->len - start <= FRONTD_PP_V2_MAX, MOAT_ERR_INVALID_ARG);
	return MOAT_SUCCESS;
}

int frontd_pp_write(struct moat_buf *out, enum frontd_pp_version version, const struct frontd_pp_addrs *addrs,
		    const struct frontd_pp_tls *tls)
{
	ENSURE_REF(out);
	if (version == FRONTD_PP_V1)
		return write_v1(out, addrs);
	if (version == FRONTD_PP_V2)
		return write_v2(out, addrs, tls);
	BAIL(MOAT_ERR_INVALID_ARG);
}
