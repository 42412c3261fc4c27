/*
 * Error codes, names and messages. The table lives in error_codes.h so the
 * enum and these lookups can never drift apart.
 */
#include "common/error.h"

#include <stddef.h>
#include <string.h>

_Thread_local int moat_errno;
_Thread_local const char *moat_debug_str;

struct error_row {
	const char *name;
	const char *message;
	moat_alert alert;
};

#define ROW_(name, type, alert, msg) { "MOAT_ERR_" #name, msg, MOAT_ALERT_##alert },
static const struct error_row ok_rows[] = { MOAT_ERROR_LIST_OK(ROW_) };
static const struct error_row io_rows[] = { MOAT_ERROR_LIST_IO(ROW_) };
static const struct error_row closed_rows[] = { MOAT_ERROR_LIST_CLOSED(ROW_) };
static const struct error_row blocked_rows[] = { MOAT_ERROR_LIST_BLOCKED(ROW_) };
static const struct error_row alert_rows[] = { MOAT_ERROR_LIST_ALERT(ROW_) };
static const struct error_row proto_rows[] = { MOAT_ERROR_LIST_PROTO(ROW_) };
static const struct error_row internal_rows[] = { MOAT_ERROR_LIST_INTERNAL(ROW_) };
static const struct error_row usage_rows[] = { MOAT_ERROR_LIST_USAGE(ROW_) };
#undef ROW_

#define TABLE_(rows) { rows, sizeof(rows) / sizeof(rows[0]) }
static const struct {
	const struct error_row *rows;
	size_t count;
} tables[] = {
	[MOAT_ERR_T_OK] = TABLE_(ok_rows),
	[MOAT_ERR_T_IO] = TABLE_(io_rows),
	[MOAT_ERR_T_CLOSED] = TABLE_(closed_rows),
	[MOAT_ERR_T_BLOCKED] = TABLE_(blocked_rows),
	[MOAT_ERR_T_ALERT] = TABLE_(alert_rows),
	[MOAT_ERR_T_PROTO] = TABLE_(proto_rows),
	[MOAT_ERR_T_INTERNAL] = TABLE_(internal_rows),
	[MOAT_ERR_T_USAGE] = TABLE_(usage_rows),
};
#undef TABLE_

static const struct error_row unknown_row = {
	"MOAT_ERR_UNKNOWN", "unknown error code", MOAT_ALERT_INTERNAL_ERROR
};

static const struct error_row *lookup(int error)
{
	if (error < 0)
		return NULL;
	unsigned type = (unsigned)error >> MOAT_ERR_TYPE_SHIFT;
	unsigned index = (unsigned)error & ((1u << MOAT_ERR_TYPE_SHIFT) - 1);
	if (type >= sizeof(tables) / sizeof(tables[0]) || index >= tables[type].count)
		return NULL;
	return &tables[type].rows[index];
}

int *moat_errno_location(void)
{
	return &moat_errno;
}

moat_error_type moat_error_get_type(int error)
{
	if (lookup(error) == NULL)
		return MOAT_ERR_T_INTERNAL;
	return (moat_error_type)((unsigned)error >> MOAT_ERR_TYPE_SHIFT);
}

moat_alert moat_error_get_alert(int error)
{
	const struct error_row *row = lookup(error);
	return row ? row->alert : unknown_row.alert;
}

const char *moat_strerror(int error, const char *lang)
{
	if (lang != NULL && strcmp(lang, "EN") != 0)
		return "language not supported for error messages";
	const struct error_row *row = lookup(error);
	return row ? row->message : unknown_row.message;
}

const char *moat_strerror_name(int error)
{
	const struct error_row *row = lookup(error);
	return row ? row->name : unknown_row.name;
}

const char *moat_strerror_debug(int error, const char *lang)
{
	(void)error;
	if (lang != NULL && strcmp(lang, "EN") != 0)
		return "language not supported for error messages";
	return moat_debug_str ? moat_debug_str : "";
}

const char *moat_alert_name(int alert)
{
	switch (alert) {
#define A_(v, s) case MOAT_ALERT_##v: return s;
	A_(CLOSE_NOTIFY, "close_notify")
	A_(UNEXPECTED_MESSAGE, "unexpected_message")
	A_(BAD_RECORD_MAC, "bad_record_mac")
	A_(RECORD_OVERFLOW, "record_overflow")
	A_(HANDSHAKE_FAILURE, "handshake_failure")
	A_(BAD_CERTIFICATE, "bad_certificate")
	A_(UNSUPPORTED_CERTIFICATE, "unsupported_certificate")
	A_(CERTIFICATE_REVOKED, "certificate_revoked")
	A_(CERTIFICATE_EXPIRED, "certificate_expired")
	A_(CERTIFICATE_UNKNOWN, "certificate_unknown")
	A_(ILLEGAL_PARAMETER, "illegal_parameter")
	A_(UNKNOWN_CA, "unknown_ca")
	A_(ACCESS_DENIED, "access_denied")
	A_(DECODE_ERROR, "decode_error")
	A_(DECRYPT_ERROR, "decrypt_error")
	A_(PROTOCOL_VERSION, "protocol_version")
	A_(INSUFFICIENT_SECURITY, "insufficient_security")
	A_(INTERNAL_ERROR, "internal_error")
	A_(INAPPROPRIATE_FALLBACK, "inappropriate_fallback")
	A_(USER_CANCELED, "user_canceled")
	A_(MISSING_EXTENSION, "missing_extension")
	A_(UNSUPPORTED_EXTENSION, "unsupported_extension")
	A_(UNRECOGNIZED_NAME, "unrecognized_name")
	A_(BAD_CERTIFICATE_STATUS_RESPONSE, "bad_certificate_status_response")
	A_(UNKNOWN_PSK_IDENTITY, "unknown_psk_identity")
	A_(CERTIFICATE_REQUIRED, "certificate_required")
	A_(NO_APPLICATION_PROTOCOL, "no_application_protocol")
#undef A_
	default:
		return "unknown_alert";
	}
}

void moat_error_raise(int error, const char *where)
{
	moat_errno = error;
	moat_debug_str = where;
}

void moat_error_clear(void)
{
	moat_errno = MOAT_ERR_OK;
	moat_debug_str = NULL;
}
