/*
 * The functions the extension rows (ext_rows.c) point at, by side and
 * stage: the version-neutral ClientHello stage in hello.c, TLS 1.3's server
 * in tls13_ext_server.c and its client in tls13_ext_client.c. Only the rows
 * call them; the handshake calls the walks of ext_rows.h.
 *
 * Naming: <extension>_<message>_<what>, the message being the column.
 */
#ifndef MOAT_TLS_EXT_HANDLERS_H
#define MOAT_TLS_EXT_HANDLERS_H

#include "tls/ext_rows.h"

/* Shared if_missing: the extension is required (RFC 8446 §9.2). */
MOAT_MUST_USE int moat_ext_missing_extension(struct moat_connection *conn);

/* hello.c: a ClientHello before the version is chosen. */
MOAT_MUST_USE int moat_ext_supported_versions_ch_recv(struct moat_connection *conn, const struct moat_ext_block *blk);
MOAT_MUST_USE int moat_ext_supported_versions_ch_missing(struct moat_connection *conn);
MOAT_MUST_USE int moat_ext_server_name_ch_recv(struct moat_connection *conn, const struct moat_ext_block *blk);
MOAT_MUST_USE int moat_ext_early_data_ch_recv(struct moat_connection *conn, const struct moat_ext_block *blk);
/* early_data.c: the client's offer, the server's acceptance in EncryptedExtensions. */
bool moat_ext_early_data_ch_should_send(const struct moat_connection *conn);
MOAT_MUST_USE int moat_ext_early_data_ch_write(struct moat_connection *conn, struct moat_buf *out);
bool moat_ext_early_data_ee_should_send(const struct moat_connection *conn);
MOAT_MUST_USE int moat_ext_early_data_ee_write(struct moat_connection *conn, struct moat_buf *out);
MOAT_MUST_USE int moat_ext_early_data_ee_recv(struct moat_connection *conn, const struct moat_ext_block *blk);

/* ocsp_staple.c: a server's status_request (RFC 6066 §8), read for TLS 1.3 and 1.2. */
MOAT_MUST_USE int moat_ext_status_request_ch_recv(struct moat_connection *conn, const struct moat_ext_block *blk);
/* TLS 1.2: the empty status_request in the ServerHello that promises a CertificateStatus. */
bool moat_ext_status_request_sh12_should_send(const struct moat_connection *conn);
MOAT_MUST_USE int moat_ext_status_request_sh12_write(struct moat_connection *conn, struct moat_buf *out);

/* tls12_ext_server.c: record_size_limit in a TLS 1.2 ServerHello (RFC 8449 §4: no content type byte counted). */
MOAT_MUST_USE int moat_ext_record_size_limit_sh12_write(struct moat_connection *conn, struct moat_buf *out);

/* sct_list.c: signed_certificate_timestamp (RFC 6962 §3.3.1), read for TLS 1.3 and 1.2, answered in a 1.2 ServerHello. */
MOAT_MUST_USE int moat_ext_sct_ch_recv(struct moat_connection *conn, const struct moat_ext_block *blk);
bool moat_ext_sct_sh12_should_send(const struct moat_connection *conn);
MOAT_MUST_USE int moat_ext_sct_sh12_write(struct moat_connection *conn, struct moat_buf *out);

/* tls13_ext_server.c: the ClientHello read, what we write in SH / HRR / EE / CR. */
MOAT_MUST_USE int moat_ext_supported_groups_ch_recv(struct moat_connection *conn, const struct moat_ext_block *blk);
MOAT_MUST_USE int moat_ext_key_share_ch_recv(struct moat_connection *conn, const struct moat_ext_block *blk);
MOAT_MUST_USE int moat_ext_signature_algorithms_ch_recv(struct moat_connection *conn,
							const struct moat_ext_block *blk);
MOAT_MUST_USE int moat_ext_alpn_ch_recv(struct moat_connection *conn, const struct moat_ext_block *blk);
MOAT_MUST_USE int moat_ext_record_size_limit_ch_recv(struct moat_connection *conn, const struct moat_ext_block *blk);
MOAT_MUST_USE int moat_ext_max_fragment_length_ch_recv(struct moat_connection *conn,
						       const struct moat_ext_block *blk);
MOAT_MUST_USE int moat_ext_cookie_ch_recv(struct moat_connection *conn, const struct moat_ext_block *blk);

MOAT_MUST_USE int moat_ext_supported_versions_sh_write(struct moat_connection *conn, struct moat_buf *out);
MOAT_MUST_USE int moat_ext_key_share_sh_write(struct moat_connection *conn, struct moat_buf *out);
MOAT_MUST_USE int moat_ext_key_share_hrr_write(struct moat_connection *conn, struct moat_buf *out);
MOAT_MUST_USE int moat_ext_cookie_write(struct moat_connection *conn, struct moat_buf *out);
bool moat_ext_server_name_ee_should_send(const struct moat_connection *conn);
MOAT_MUST_USE int moat_ext_server_name_ee_write(struct moat_connection *conn, struct moat_buf *out);
bool moat_ext_alpn_ee_should_send(const struct moat_connection *conn);
MOAT_MUST_USE int moat_ext_alpn_ee_write(struct moat_connection *conn, struct moat_buf *out);
bool moat_ext_record_size_limit_ee_should_send(const struct moat_connection *conn);
MOAT_MUST_USE int moat_ext_record_size_limit_ee_write(struct moat_connection *conn, struct moat_buf *out);
bool moat_ext_max_fragment_length_ee_should_send(const struct moat_connection *conn);
MOAT_MUST_USE int moat_ext_max_fragment_length_ee_write(struct moat_connection *conn, struct moat_buf *out);
MOAT_MUST_USE int moat_ext_signature_algorithms_cr_write(struct moat_connection *conn, struct moat_buf *out);

/* tls12_ext_server.c: a TLS 1.2 server's ClientHello extensions and ServerHello answers. */
MOAT_MUST_USE int moat_ext_ec_point_formats_ch_recv(struct moat_connection *conn, const struct moat_ext_block *blk);
bool moat_ext_ec_point_formats_sh12_should_send(const struct moat_connection *conn);
MOAT_MUST_USE int moat_ext_ec_point_formats_sh12_write(struct moat_connection *conn, struct moat_buf *out);
MOAT_MUST_USE int moat_ext_extended_master_secret_ch_recv(struct moat_connection *conn,
							  const struct moat_ext_block *blk);
MOAT_MUST_USE int moat_ext_extended_master_secret_ch_missing(struct moat_connection *conn);
MOAT_MUST_USE int moat_ext_extended_master_secret_sh12_write(struct moat_connection *conn, struct moat_buf *out);
MOAT_MUST_USE int moat_ext_renegotiation_info_ch_recv(struct moat_connection *conn, const struct moat_ext_block *blk);
bool moat_ext_renegotiation_info_sh12_should_send(const struct moat_connection *conn);
MOAT_MUST_USE int moat_ext_renegotiation_info_sh12_write(struct moat_connection *conn, struct moat_buf *out);
/* tls12_resume.c */
bool moat_ext_session_ticket_sh12_should_send(const struct moat_connection *conn);
MOAT_MUST_USE int moat_ext_session_ticket_sh12_write(struct moat_connection *conn, struct moat_buf *out);

/* tls13_ext_client.c: what we write in the ClientHello, what we read in SH / HRR / EE / CR. */
bool moat_ext_server_name_ch_should_send(const struct moat_connection *conn);
MOAT_MUST_USE int moat_ext_server_name_ch_write(struct moat_connection *conn, struct moat_buf *out);
MOAT_MUST_USE int moat_ext_supported_versions_ch_write(struct moat_connection *conn, struct moat_buf *out);
MOAT_MUST_USE int moat_ext_supported_groups_ch_write(struct moat_connection *conn, struct moat_buf *out);
MOAT_MUST_USE int moat_ext_signature_algorithms_ch_write(struct moat_connection *conn, struct moat_buf *out);
MOAT_MUST_USE int moat_ext_key_share_ch_write(struct moat_connection *conn, struct moat_buf *out);
bool moat_ext_alpn_ch_should_send(const struct moat_connection *conn);
MOAT_MUST_USE int moat_ext_alpn_ch_write(struct moat_connection *conn, struct moat_buf *out);
bool moat_ext_cookie_ch_should_send(const struct moat_connection *conn);

MOAT_MUST_USE int moat_ext_key_share_sh_recv(struct moat_connection *conn, const struct moat_ext_block *blk);
MOAT_MUST_USE int moat_ext_key_share_hrr_recv(struct moat_connection *conn, const struct moat_ext_block *blk);
MOAT_MUST_USE int moat_ext_key_share_hrr_missing(struct moat_connection *conn);
MOAT_MUST_USE int moat_ext_cookie_hrr_recv(struct moat_connection *conn, const struct moat_ext_block *blk);
MOAT_MUST_USE int moat_ext_server_name_ee_recv(struct moat_connection *conn, const struct moat_ext_block *blk);
MOAT_MUST_USE int moat_ext_supported_groups_ee_recv(struct moat_connection *conn, const struct moat_ext_block *blk);
MOAT_MUST_USE int moat_ext_alpn_ee_recv(struct moat_connection *conn, const struct moat_ext_block *blk);
MOAT_MUST_USE int moat_ext_signature_algorithms_cr_recv(struct moat_connection *conn,
							const struct moat_ext_block *blk);
MOAT_MUST_USE int moat_ext_certificate_authorities_cr_recv(struct moat_connection *conn,
							   const struct moat_ext_block *blk);

/* tls12_ext_client.c: a client offering TLS 1.2 or older; what it reads in a TLS 1.2 ServerHello. */
bool moat_ext_offer_tls13(const struct moat_connection *conn);
bool moat_ext_offer_tls12(const struct moat_connection *conn);
MOAT_MUST_USE int moat_ext_ec_point_formats_ch_write(struct moat_connection *conn, struct moat_buf *out);
MOAT_MUST_USE int moat_ext_extended_master_secret_ch_write(struct moat_connection *conn, struct moat_buf *out);
MOAT_MUST_USE int moat_ext_renegotiation_info_ch_write(struct moat_connection *conn, struct moat_buf *out);
MOAT_MUST_USE int moat_ext_ec_point_formats_sh12_recv(struct moat_connection *conn, const struct moat_ext_block *blk);
MOAT_MUST_USE int moat_ext_extended_master_secret_sh12_recv(struct moat_connection *conn,
							    const struct moat_ext_block *blk);
MOAT_MUST_USE int moat_ext_extended_master_secret_sh12_missing(struct moat_connection *conn);
MOAT_MUST_USE int moat_ext_renegotiation_info_sh12_recv(struct moat_connection *conn, const struct moat_ext_block *blk);
MOAT_MUST_USE int moat_ext_renegotiation_info_sh12_missing(struct moat_connection *conn);

/* tls13_psk.c: resumption PSKs (RFC 8446 §4.2.9, §4.2.11). */
bool moat_ext_psk_modes_ch_should_send(const struct moat_connection *conn);
MOAT_MUST_USE int moat_ext_psk_modes_ch_write(struct moat_connection *conn, struct moat_buf *out);
bool moat_ext_pre_shared_key_ch_should_send(const struct moat_connection *conn);
MOAT_MUST_USE int moat_ext_pre_shared_key_ch_write(struct moat_connection *conn, struct moat_buf *out);
bool moat_ext_pre_shared_key_sh_should_send(const struct moat_connection *conn);
MOAT_MUST_USE int moat_ext_pre_shared_key_sh_write(struct moat_connection *conn, struct moat_buf *out);
MOAT_MUST_USE int moat_ext_pre_shared_key_sh_recv(struct moat_connection *conn, const struct moat_ext_block *blk);

#endif
