/*
 * The extension rows, the per-message lists and the walks over them
 * (ext_rows.h says why the behaviour is data).
 *
 * A row's columns are designated by message, so what the handshake does
 * with server_name in an EncryptedExtensions is one line below what it does
 * with it in a ClientHello. The lists keep the order the handshake has
 * always used on the wire: the second ClientHello is written from the same
 * list as the first, so its extensions come in the same order (RFC 8446
 * §4.1.2 allows no reordering; the cookie, added, comes last).
 */
#include "tls/ext_rows.h"

#include "tls/ext_handlers.h"

/* Column number of a MOAT_MSG_* bit. */
#define COL_CH 0
#define COL_SH 1
#define COL_HRR 2
#define COL_EE 3
#define COL_CT 4
#define COL_CR 5
#define COL_NST 6
#define COL_SH12 7
_Static_assert(MOAT_MSG_CH == 1u << COL_CH && MOAT_MSG_SH == 1u << COL_SH && MOAT_MSG_HRR == 1u << COL_HRR &&
		       MOAT_MSG_EE == 1u << COL_EE && MOAT_MSG_CT == 1u << COL_CT && MOAT_MSG_CR == 1u << COL_CR &&
		       MOAT_MSG_NST == 1u << COL_NST && MOAT_MSG_SH12 == 1u << COL_SH12 &&
		       COL_SH12 + 1 == MOAT_EXT_COLUMNS,
	       "one column per MOAT_MSG_* bit");

int moat_ext_missing_extension(struct moat_connection *conn)
{
	(void)conn;
	BAIL(MOAT_ERR_MISSING_EXTENSION);
}

/*
 * Rows without a column here are recognised by the codec (so their
 * placement is checked) and otherwise left alone: padding and the
 * TLS 1.2-era ones wait for the features that use them.
 */
const struct moat_ext_row moat_ext_rows[MOAT_EXTI_COUNT] = {
	[MOAT_EXTI_SERVER_NAME] = { .on = {
		[COL_CH] = { .should_send = moat_ext_server_name_ch_should_send,
			     .write = moat_ext_server_name_ch_write,
			     .recv = moat_ext_server_name_ch_recv },
		[COL_EE] = { .should_send = moat_ext_server_name_ee_should_send,
			     .write = moat_ext_server_name_ee_write,
			     .recv = moat_ext_server_name_ee_recv },
		/* RFC 6066 §3: in TLS 1.2 the empty acknowledgement rides in the ServerHello. */
		[COL_SH12] = { .should_send = moat_ext_server_name_ee_should_send,
			       .write = moat_ext_server_name_ee_write,
			       .recv = moat_ext_server_name_ee_recv },
	} },
	[MOAT_EXTI_MAX_FRAGMENT_LENGTH] = { .on = {
		[COL_CH] = { .recv = moat_ext_max_fragment_length_ch_recv },
		[COL_EE] = { .should_send = moat_ext_max_fragment_length_ee_should_send,
			     .write = moat_ext_max_fragment_length_ee_write },
		/* RFC 6066 §4: echoed in the TLS 1.2 ServerHello, the same byte. */
		[COL_SH12] = { .should_send = moat_ext_max_fragment_length_ee_should_send,
			       .write = moat_ext_max_fragment_length_ee_write },
	} },
	/* A server staples the selected certificate's OCSP response when asked (ocsp_staple.c). */
	[MOAT_EXTI_STATUS_REQUEST] = { .on = {
		[COL_CH] = { .recv = moat_ext_status_request_ch_recv },
		/* RFC 6066 §8: TLS 1.2's answer is empty; the response follows in a CertificateStatus. */
		[COL_SH12] = { .should_send = moat_ext_status_request_sh12_should_send,
			       .write = moat_ext_status_request_sh12_write },
	} },
	/* RFC 6962 §3.3.1: the chain's SCT list to a client that asks (sct_list.c); in TLS 1.3 in the leaf's entry. */
	[MOAT_EXTI_SCT] = { .on = {
		[COL_CH] = { .recv = moat_ext_sct_ch_recv },
		[COL_SH12] = { .should_send = moat_ext_sct_sh12_should_send, .write = moat_ext_sct_sh12_write },
	} },
	[MOAT_EXTI_SUPPORTED_GROUPS] = { .on = {
		[COL_CH] = { .write = moat_ext_supported_groups_ch_write,
			     .recv = moat_ext_supported_groups_ch_recv,
			     .if_missing = moat_ext_missing_extension },
		[COL_EE] = { .recv = moat_ext_supported_groups_ee_recv },
	} },
	[MOAT_EXTI_SIGNATURE_ALGORITHMS] = { .on = {
		[COL_CH] = { .write = moat_ext_signature_algorithms_ch_write,
			     .recv = moat_ext_signature_algorithms_ch_recv,
			     .if_missing = moat_ext_missing_extension },
		[COL_CR] = { .write = moat_ext_signature_algorithms_cr_write,
			     .recv = moat_ext_signature_algorithms_cr_recv,
			     .if_missing = moat_ext_missing_extension },
	} },
	[MOAT_EXTI_ALPN] = { .on = {
		[COL_CH] = { .should_send = moat_ext_alpn_ch_should_send,
			     .write = moat_ext_alpn_ch_write,
			     .recv = moat_ext_alpn_ch_recv },
		[COL_EE] = { .should_send = moat_ext_alpn_ee_should_send,
			     .write = moat_ext_alpn_ee_write,
			     .recv = moat_ext_alpn_ee_recv },
		/* RFC 7301 §3.1: TLS 1.2's answer is in the ServerHello. */
		[COL_SH12] = { .should_send = moat_ext_alpn_ee_should_send,
			       .write = moat_ext_alpn_ee_write,
			       .recv = moat_ext_alpn_ee_recv },
	} },
	[MOAT_EXTI_RECORD_SIZE_LIMIT] = { .on = {
		[COL_CH] = { .recv = moat_ext_record_size_limit_ch_recv },
		[COL_EE] = { .should_send = moat_ext_record_size_limit_ee_should_send,
			     .write = moat_ext_record_size_limit_ee_write },
		[COL_SH12] = { .should_send = moat_ext_record_size_limit_ee_should_send,
			       .write = moat_ext_record_size_limit_sh12_write },
	} },
	[MOAT_EXTI_EARLY_DATA] = { .on = {
		[COL_CH] = { .should_send = moat_ext_early_data_ch_should_send,
			     .write = moat_ext_early_data_ch_write,
			     .recv = moat_ext_early_data_ch_recv },
		[COL_EE] = { .should_send = moat_ext_early_data_ee_should_send,
			     .write = moat_ext_early_data_ee_write,
			     .recv = moat_ext_early_data_ee_recv },
	} },
	[MOAT_EXTI_SUPPORTED_VERSIONS] = { .on = {
		[COL_CH] = { .should_send = moat_ext_offer_tls13,
			     .write = moat_ext_supported_versions_ch_write,
			     .recv = moat_ext_supported_versions_ch_recv,
			     .if_missing = moat_ext_supported_versions_ch_missing },
		/* Read by the version choice (moat_hs_server_hello_version), before any list. */
		[COL_SH] = { .write = moat_ext_supported_versions_sh_write },
		[COL_HRR] = { .write = moat_ext_supported_versions_sh_write },
	} },
	[MOAT_EXTI_COOKIE] = { .on = {
		[COL_CH] = { .should_send = moat_ext_cookie_ch_should_send,
			     .write = moat_ext_cookie_write,
			     .recv = moat_ext_cookie_ch_recv,
			     .if_missing = moat_ext_missing_extension },
		[COL_HRR] = { .write = moat_ext_cookie_write,
			      .recv = moat_ext_cookie_hrr_recv,
			      .unsolicited = true },
	} },
	[MOAT_EXTI_CERTIFICATE_AUTHORITIES] = { .on = {
		[COL_CR] = { .recv = moat_ext_certificate_authorities_cr_recv },
	} },
	/* The TLS 1.2-era rows: read in a ClientHello that chose TLS 1.2, answered in its ServerHello. */
	[MOAT_EXTI_EC_POINT_FORMATS] = { .on = {
		[COL_CH] = { .should_send = moat_ext_offer_tls12,
			     .write = moat_ext_ec_point_formats_ch_write,
			     .recv = moat_ext_ec_point_formats_ch_recv },
		[COL_SH12] = { .should_send = moat_ext_ec_point_formats_sh12_should_send,
			       .write = moat_ext_ec_point_formats_sh12_write,
			       .recv = moat_ext_ec_point_formats_sh12_recv },
	} },
	[MOAT_EXTI_EXTENDED_MASTER_SECRET] = { .on = {
		[COL_CH] = { .should_send = moat_ext_offer_tls12,
			     .write = moat_ext_extended_master_secret_ch_write,
			     .recv = moat_ext_extended_master_secret_ch_recv,
			     .if_missing = moat_ext_extended_master_secret_ch_missing },
		[COL_SH12] = { .write = moat_ext_extended_master_secret_sh12_write,
			       .recv = moat_ext_extended_master_secret_sh12_recv,
			       .if_missing = moat_ext_extended_master_secret_sh12_missing },
	} },
	[MOAT_EXTI_RENEGOTIATION_INFO] = { .on = {
		[COL_CH] = { .should_send = moat_ext_offer_tls12,
			     .write = moat_ext_renegotiation_info_ch_write,
			     .recv = moat_ext_renegotiation_info_ch_recv },
		[COL_SH12] = { .should_send = moat_ext_renegotiation_info_sh12_should_send,
			       .write = moat_ext_renegotiation_info_sh12_write,
			       .recv = moat_ext_renegotiation_info_sh12_recv,
			       .if_missing = moat_ext_renegotiation_info_sh12_missing },
	} },
	/* The ClientHello's ticket is read before the suite is chosen, as it may wait (tls12_resume.c). */
	[MOAT_EXTI_SESSION_TICKET] = { .on = {
		[COL_SH12] = { .should_send = moat_ext_session_ticket_sh12_should_send,
			       .write = moat_ext_session_ticket_sh12_write },
	} },
	/*
	 * The server reads a ClientHello's PSK offer itself (tls13_psk.c), not
	 * through a list: it is settled before the suite is chosen, and may
	 * wait for the ticket callback. pre_shared_key is last in our
	 * ClientHello (§4.2.11), its binder filled in once the rest is written.
	 */
	[MOAT_EXTI_PSK_KEY_EXCHANGE_MODES] = { .on = {
		[COL_CH] = { .should_send = moat_ext_psk_modes_ch_should_send,
			     .write = moat_ext_psk_modes_ch_write },
	} },
	[MOAT_EXTI_PRE_SHARED_KEY] = { .on = {
		[COL_CH] = { .should_send = moat_ext_pre_shared_key_ch_should_send,
			     .write = moat_ext_pre_shared_key_ch_write },
		[COL_SH] = { .should_send = moat_ext_pre_shared_key_sh_should_send,
			     .write = moat_ext_pre_shared_key_sh_write,
			     .recv = moat_ext_pre_shared_key_sh_recv },
	} },
	[MOAT_EXTI_KEY_SHARE] = { .on = {
		[COL_CH] = { .should_send = moat_ext_offer_tls13,
			     .write = moat_ext_key_share_ch_write,
			     .recv = moat_ext_key_share_ch_recv,
			     .if_missing = moat_ext_missing_extension },
		[COL_SH] = { .write = moat_ext_key_share_sh_write,
			     .recv = moat_ext_key_share_sh_recv,
			     .if_missing = moat_ext_missing_extension },
		[COL_HRR] = { .write = moat_ext_key_share_hrr_write,
			      .recv = moat_ext_key_share_hrr_recv,
			      .if_missing = moat_ext_key_share_hrr_missing },
	} },
};

#define LIST(var, lname, bit, resp, ...)                                                                   \
	static const uint8_t var##_exts[] = { __VA_ARGS__ };                                               \
	const struct moat_ext_list var = { lname, bit, resp, var##_exts, sizeof(var##_exts) }

/* Sent: the order on the wire. */
LIST(moat_ext_ch_send, "ClientHello (sent)", MOAT_MSG_CH, false, MOAT_EXTI_SERVER_NAME,
     MOAT_EXTI_SUPPORTED_VERSIONS, MOAT_EXTI_SUPPORTED_GROUPS, MOAT_EXTI_SIGNATURE_ALGORITHMS, MOAT_EXTI_KEY_SHARE,
     MOAT_EXTI_ALPN, MOAT_EXTI_COOKIE, MOAT_EXTI_EC_POINT_FORMATS, MOAT_EXTI_EXTENDED_MASTER_SECRET,
     MOAT_EXTI_RENEGOTIATION_INFO, MOAT_EXTI_PSK_KEY_EXCHANGE_MODES, MOAT_EXTI_EARLY_DATA,
     MOAT_EXTI_PRE_SHARED_KEY);
LIST(moat_ext_sh_send, "ServerHello (sent)", MOAT_MSG_SH, false, MOAT_EXTI_SUPPORTED_VERSIONS,
     MOAT_EXTI_KEY_SHARE, MOAT_EXTI_PRE_SHARED_KEY);
LIST(moat_ext_hrr_send, "HelloRetryRequest (sent)", MOAT_MSG_HRR, false, MOAT_EXTI_SUPPORTED_VERSIONS,
     MOAT_EXTI_KEY_SHARE, MOAT_EXTI_COOKIE);
/* RFC 8449: record_size_limit wins over max_fragment_length; at most one of them is sent. */
LIST(moat_ext_ee_send, "EncryptedExtensions (sent)", MOAT_MSG_EE, false, MOAT_EXTI_SERVER_NAME, MOAT_EXTI_ALPN,
     MOAT_EXTI_RECORD_SIZE_LIMIT, MOAT_EXTI_MAX_FRAGMENT_LENGTH, MOAT_EXTI_EARLY_DATA);
LIST(moat_ext_cr_send, "CertificateRequest (sent)", MOAT_MSG_CR, false, MOAT_EXTI_SIGNATURE_ALGORITHMS);
/* RFC 5746 §3.6 first: a client's renegotiation_info is checked before anything is answered. */
LIST(moat_ext_sh12_send, "ServerHello (TLS 1.2, sent)", MOAT_MSG_SH12, false, MOAT_EXTI_RENEGOTIATION_INFO,
     MOAT_EXTI_EXTENDED_MASTER_SECRET, MOAT_EXTI_EC_POINT_FORMATS, MOAT_EXTI_SERVER_NAME, MOAT_EXTI_ALPN,
     MOAT_EXTI_STATUS_REQUEST, MOAT_EXTI_SCT, MOAT_EXTI_RECORD_SIZE_LIMIT, MOAT_EXTI_MAX_FRAGMENT_LENGTH,
     MOAT_EXTI_SESSION_TICKET);

/*
 * Received: the order the handlers run in. The hello stage reads what
 * chooses the version and what the client hello callback may look at;
 * TLS 1.3 then reads the rest with the config the callback left in force.
 * key_share comes after supported_groups (§4.2.8: every share must be for a
 * listed group) and record_size_limit before max_fragment_length (RFC 8449:
 * the former takes precedence).
 */
LIST(moat_ext_ch_hello_recv, "ClientHello (hello stage)", MOAT_MSG_CH, false, MOAT_EXTI_SUPPORTED_VERSIONS,
     MOAT_EXTI_SERVER_NAME, MOAT_EXTI_EARLY_DATA);
LIST(moat_ext_ch13_recv, "ClientHello (TLS 1.3)", MOAT_MSG_CH, false, MOAT_EXTI_SUPPORTED_GROUPS,
     MOAT_EXTI_KEY_SHARE, MOAT_EXTI_SIGNATURE_ALGORITHMS, MOAT_EXTI_ALPN, MOAT_EXTI_RECORD_SIZE_LIMIT,
     MOAT_EXTI_MAX_FRAGMENT_LENGTH, MOAT_EXTI_STATUS_REQUEST, MOAT_EXTI_SCT);
/* §4.1.2: our cookie checked before the new share is used. */
LIST(moat_ext_ch13_retry_recv, "ClientHello after HelloRetryRequest (TLS 1.3)", MOAT_MSG_CH, false,
     MOAT_EXTI_COOKIE, MOAT_EXTI_KEY_SHARE);
/*
 * TLS 1.2 chosen: renegotiation_info (RFC 5746 §3.6) and
 * extended_master_secret (RFC 7627 §5.2) decide whether the handshake goes
 * on at all. supported_groups, signature_algorithms and the suites are read
 * together by the suite choice (tls12_server.c), which needs all three.
 */
LIST(moat_ext_ch12_recv, "ClientHello (TLS 1.2)", MOAT_MSG_CH, false, MOAT_EXTI_RENEGOTIATION_INFO,
     MOAT_EXTI_EXTENDED_MASTER_SECRET, MOAT_EXTI_EC_POINT_FORMATS, MOAT_EXTI_ALPN, MOAT_EXTI_STATUS_REQUEST,
     MOAT_EXTI_SCT, MOAT_EXTI_RECORD_SIZE_LIMIT, MOAT_EXTI_MAX_FRAGMENT_LENGTH);
/*
 * A client's TLS 1.2-or-older ServerHello: renegotiation_info and
 * extended_master_secret first, each required (tls12_ext_client.c).
 */
LIST(moat_ext_sh12_recv, "ServerHello (TLS 1.2)", MOAT_MSG_SH12, true, MOAT_EXTI_RENEGOTIATION_INFO,
     MOAT_EXTI_EXTENDED_MASTER_SECRET, MOAT_EXTI_EC_POINT_FORMATS, MOAT_EXTI_SERVER_NAME, MOAT_EXTI_ALPN);
LIST(moat_ext_sh13_recv, "ServerHello (TLS 1.3)", MOAT_MSG_SH, true, MOAT_EXTI_KEY_SHARE, MOAT_EXTI_PRE_SHARED_KEY);
LIST(moat_ext_hrr13_recv, "HelloRetryRequest (TLS 1.3)", MOAT_MSG_HRR, true, MOAT_EXTI_KEY_SHARE,
     MOAT_EXTI_COOKIE);
LIST(moat_ext_ee13_recv, "EncryptedExtensions (TLS 1.3)", MOAT_MSG_EE, true, MOAT_EXTI_SERVER_NAME,
     MOAT_EXTI_SUPPORTED_GROUPS, MOAT_EXTI_ALPN, MOAT_EXTI_EARLY_DATA);
LIST(moat_ext_cr13_recv, "CertificateRequest (TLS 1.3)", MOAT_MSG_CR, false, MOAT_EXTI_SIGNATURE_ALGORITHMS,
     MOAT_EXTI_CERTIFICATE_AUTHORITIES);

const struct moat_ext_list *const moat_ext_lists[] = {
	&moat_ext_ch_send,       &moat_ext_sh_send,   &moat_ext_hrr_send,        &moat_ext_ee_send,
	&moat_ext_cr_send,       &moat_ext_ch_hello_recv, &moat_ext_ch13_recv, &moat_ext_ch13_retry_recv,
	&moat_ext_sh13_recv,     &moat_ext_hrr13_recv, &moat_ext_ee13_recv,     &moat_ext_cr13_recv,
	&moat_ext_sh12_send,     &moat_ext_ch12_recv, &moat_ext_sh12_recv,
	NULL,
};

static unsigned column_number(unsigned msg)
{
	unsigned col = 0;
	while (col < MOAT_EXT_COLUMNS && msg != 1u << col)
		col++;
	return col;
}

const struct moat_ext_column *moat_ext_column_of(moat_ext_index i, unsigned msg)
{
	unsigned col = column_number(msg);
	if ((unsigned)i >= MOAT_EXTI_COUNT || col >= MOAT_EXT_COLUMNS)
		return NULL;
	return &moat_ext_rows[i].on[col];
}

int moat_ext_write_list(struct moat_connection *conn, const struct moat_ext_list *list, struct moat_buf *out,
			moat_ext_set *written)
{
	ENSURE_REF(list);
	unsigned col = column_number(list->msg);
	ENSURE(col < MOAT_EXT_COLUMNS, MOAT_ERR_INTERNAL);
	moat_ext_set set = 0;
	for (size_t k = 0; k < list->count; k++) {
		const struct moat_ext_column *c = &moat_ext_rows[list->exts[k]].on[col];
		ENSURE(c->write != NULL, MOAT_ERR_INTERNAL);
		if (c->should_send != NULL && !c->should_send(conn))
			continue;
		TRY(c->write(conn, out));
		set |= MOAT_EXT_BIT(list->exts[k]);
	}
	if (written != NULL)
		*written = set;
	return MOAT_SUCCESS;
}

int moat_ext_recv_missing(struct moat_connection *conn, const struct moat_ext_list *list,
			  const struct moat_ext_block *blk, moat_ext_set offered)
{
	ENSURE_REF(list);
	ENSURE_REF(blk);
	unsigned col = column_number(list->msg);
	ENSURE(col < MOAT_EXT_COLUMNS, MOAT_ERR_INTERNAL);
	if (list->response) {
		/* RFC 8446 §4.2: a response holds only what we asked for (the parser refused unknown types). */
		moat_ext_set unasked = blk->present & ~offered;
		for (unsigned i = 0; unasked != 0 && i < MOAT_EXTI_COUNT; i++)
			if (moat_ext_set_has(unasked, (moat_ext_index)i))
				ENSURE(moat_ext_rows[i].on[col].unsolicited, MOAT_ERR_UNSUPPORTED_EXTENSION);
	}
	for (size_t k = 0; k < list->count; k++) {
		const struct moat_ext_column *c = &moat_ext_rows[list->exts[k]].on[col];
		if (!moat_ext_set_has(blk->present, (moat_ext_index)list->exts[k]) && c->if_missing != NULL)
			TRY(c->if_missing(conn));
	}
	return MOAT_SUCCESS;
}

int moat_ext_recv_present(struct moat_connection *conn, const struct moat_ext_list *list,
			  const struct moat_ext_block *blk)
{
	ENSURE_REF(list);
	ENSURE_REF(blk);
	unsigned col = column_number(list->msg);
	ENSURE(col < MOAT_EXT_COLUMNS, MOAT_ERR_INTERNAL);
	for (size_t k = 0; k < list->count; k++) {
		const struct moat_ext_column *c = &moat_ext_rows[list->exts[k]].on[col];
		ENSURE(c->recv != NULL, MOAT_ERR_INTERNAL);
		if (moat_ext_set_has(blk->present, (moat_ext_index)list->exts[k]))
			TRY(c->recv(conn, blk));
	}
	return MOAT_SUCCESS;
}

int moat_ext_recv_list(struct moat_connection *conn, const struct moat_ext_list *list,
		       const struct moat_ext_block *blk, moat_ext_set offered)
{
	TRY(moat_ext_recv_missing(conn, list, blk, offered));
	return moat_ext_recv_present(conn, list, blk);
}
