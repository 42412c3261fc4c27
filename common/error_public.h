/*
 * The part of moat's error model an application sees: the return
 * convention, the error codes and their types, TLS alert numbers, the
 * thread-local moat_errno and the functions that describe an error.
 *
 * Every fallible function returns int: MOAT_SUCCESS (0) or MOAT_FAILURE (-1),
 * marked MOAT_MUST_USE so a dropped result is a compiler warning. On failure
 * the thread-local moat_errno holds the error code and moat_strerror_debug
 * says the "file:line" where it was raised. Callers branch on
 * moat_error_get_type(moat_errno), as in the s2n-tls usage guide.
 *
 * tls/moat.h, the library's public header, includes this and nothing else
 * of the error model: the guard macros that raise errors (TRY, ENSURE, BAIL,
 * ...) are the library's own way of writing code, in common/error.h, and
 * would only collide with an application's names.
 */
#ifndef MOAT_COMMON_ERROR_PUBLIC_H
#define MOAT_COMMON_ERROR_PUBLIC_H

#include <stdint.h>

#include "common/error_codes.h"

/*
 * libmoat.so is built with -fvisibility=hidden: only what the public headers
 * declare between push and pop is exported, so the library's internals
 * (cursor, buffers, crypto layer) are not an ABI applications can bind to.
 */
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC visibility push(default)
#endif

#define MOAT_SUCCESS 0
#define MOAT_FAILURE (-1)

#if defined(__GNUC__) || defined(__clang__)
#define MOAT_MUST_USE __attribute__((warn_unused_result))
#else
#define MOAT_MUST_USE
#endif

typedef enum {
	MOAT_ERR_T_OK = 0,
	MOAT_ERR_T_IO,
	MOAT_ERR_T_CLOSED,
	MOAT_ERR_T_BLOCKED,
	MOAT_ERR_T_ALERT,
	MOAT_ERR_T_PROTO,
	MOAT_ERR_T_INTERNAL,
	MOAT_ERR_T_USAGE,
} moat_error_type;

#define MOAT_ERR_TYPE_SHIFT 16

/* TLS alert descriptions, RFC 8446 §6. */
typedef enum {
	MOAT_ALERT_CLOSE_NOTIFY = 0,
	MOAT_ALERT_UNEXPECTED_MESSAGE = 10,
	MOAT_ALERT_BAD_RECORD_MAC = 20,
	MOAT_ALERT_RECORD_OVERFLOW = 22,
	MOAT_ALERT_HANDSHAKE_FAILURE = 40,
	MOAT_ALERT_BAD_CERTIFICATE = 42,
	MOAT_ALERT_UNSUPPORTED_CERTIFICATE = 43,
	MOAT_ALERT_CERTIFICATE_REVOKED = 44,
	MOAT_ALERT_CERTIFICATE_EXPIRED = 45,
	MOAT_ALERT_CERTIFICATE_UNKNOWN = 46,
	MOAT_ALERT_ILLEGAL_PARAMETER = 47,
	MOAT_ALERT_UNKNOWN_CA = 48,
	MOAT_ALERT_ACCESS_DENIED = 49,
	MOAT_ALERT_DECODE_ERROR = 50,
	MOAT_ALERT_DECRYPT_ERROR = 51,
	MOAT_ALERT_PROTOCOL_VERSION = 70,
	MOAT_ALERT_INSUFFICIENT_SECURITY = 71,
	MOAT_ALERT_INTERNAL_ERROR = 80,
	MOAT_ALERT_INAPPROPRIATE_FALLBACK = 86,
	MOAT_ALERT_USER_CANCELED = 90,
	MOAT_ALERT_NO_RENEGOTIATION = 100, /* TLS 1.2 only, always a warning (RFC 5246 §7.2.2) */
	MOAT_ALERT_MISSING_EXTENSION = 109,
	MOAT_ALERT_UNSUPPORTED_EXTENSION = 110,
	MOAT_ALERT_UNRECOGNIZED_NAME = 112,
	MOAT_ALERT_BAD_CERTIFICATE_STATUS_RESPONSE = 113,
	MOAT_ALERT_UNKNOWN_PSK_IDENTITY = 115,
	MOAT_ALERT_CERTIFICATE_REQUIRED = 116,
	MOAT_ALERT_NO_APPLICATION_PROTOCOL = 120,
	/* Not a wire value: the error sends no alert. */
	MOAT_ALERT_NONE = 255,
} moat_alert;

/* Error codes: each type's errors count up from (type << MOAT_ERR_TYPE_SHIFT). */
#define MOAT_ERR_ENUM_ROW_(name, type, alert, msg) MOAT_ERR_##name,
#define MOAT_ERR_ENUM_BLOCK_(TYPE) \
	enum { MOAT_ERR_##TYPE##_BASE_ = (MOAT_ERR_T_##TYPE << MOAT_ERR_TYPE_SHIFT) - 1, \
	       MOAT_ERROR_LIST_##TYPE(MOAT_ERR_ENUM_ROW_) MOAT_ERR_##TYPE##_END_ };
enum { MOAT_ERROR_LIST_OK(MOAT_ERR_ENUM_ROW_) };
MOAT_ERR_ENUM_BLOCK_(IO)
MOAT_ERR_ENUM_BLOCK_(CLOSED)
MOAT_ERR_ENUM_BLOCK_(BLOCKED)
MOAT_ERR_ENUM_BLOCK_(ALERT)
MOAT_ERR_ENUM_BLOCK_(PROTO)
MOAT_ERR_ENUM_BLOCK_(INTERNAL)
MOAT_ERR_ENUM_BLOCK_(USAGE)
#undef MOAT_ERR_ENUM_BLOCK_
#undef MOAT_ERR_ENUM_ROW_

extern _Thread_local int moat_errno;
extern _Thread_local const char *moat_debug_str;

/* Address of this thread's moat_errno, for bindings that cannot use TLS variables. */
int *moat_errno_location(void);

/* Type of an error code; MOAT_ERR_T_INTERNAL for codes that do not exist. */
moat_error_type moat_error_get_type(int error);

/* The TLS alert an error maps to (MOAT_ALERT_NONE if it sends none). */
moat_alert moat_error_get_alert(int error);

/* English message, e.g. "message is malformed or truncated". lang must be NULL or "EN". */
const char *moat_strerror(int error, const char *lang);
/* Symbolic name, e.g. "MOAT_ERR_DECODE". */
const char *moat_strerror_name(int error);
/* "file:line" where the current thread's last error was raised, or "" if none. */
const char *moat_strerror_debug(int error, const char *lang);
/* Name of an alert description ("decode_error"), or "unknown_alert". */
const char *moat_alert_name(int alert);

/* Reset moat_errno to MOAT_ERR_OK. */
void moat_error_clear(void);

#if defined(__GNUC__) || defined(__clang__)
#pragma GCC visibility pop
#endif

#endif
