/*
 * The list of every error moat can report, as one X-macro table.
 *
 * Each row: X(NAME, TYPE, ALERT, "message")
 *   NAME  becomes MOAT_ERR_NAME
 *   TYPE  is the moat_error_type suffix (IO, CLOSED, BLOCKED, ALERT, PROTO,
 *         INTERNAL, USAGE): callers branch on the type, not on the code.
 *   ALERT is the TLS alert to send when this error ends a connection
 *         (RFC 8446 §6.2), or NONE when no alert applies.
 *
 * Rows are grouped by type and stay in that order: the code of an error is
 * its type in the high bits and its index within the type in the low bits, so
 * adding a row never renumbers another type's errors.
 */

/* Not an error: position 0 of the table. */
#define MOAT_ERROR_LIST_OK(X) \
	X(OK, OK, NONE, "no error")

#define MOAT_ERROR_LIST_IO(X) \
	X(IO, IO, NONE, "underlying I/O operation failed, check errno") \
	X(IPC_IO, IO, NONE, "key daemon socket I/O failed")

#define MOAT_ERROR_LIST_CLOSED(X) \
	X(CLOSED, CLOSED, NONE, "connection is closed")

#define MOAT_ERROR_LIST_BLOCKED(X) \
	X(IO_BLOCKED, BLOCKED, NONE, "underlying I/O operation would block") \
	X(ASYNC_BLOCKED, BLOCKED, NONE, "blocked on an asynchronous operation") \
	X(EARLY_DATA_BLOCKED, BLOCKED, NONE, "blocked on early data")

#define MOAT_ERROR_LIST_ALERT(X) \
	X(ALERT, ALERT, NONE, "received a fatal alert from the peer")

#define MOAT_ERROR_LIST_PROTO(X) \
	X(DECODE, PROTO, DECODE_ERROR, "message is malformed or truncated") \
	X(TRAILING_DATA, PROTO, DECODE_ERROR, "message has trailing bytes") \
	X(UNEXPECTED_MESSAGE, PROTO, UNEXPECTED_MESSAGE, "message not expected in this state") \
	X(BAD_RECORD_MAC, PROTO, BAD_RECORD_MAC, "record failed authentication") \
	X(RECORD_OVERFLOW, PROTO, RECORD_OVERFLOW, "record is larger than allowed") \
	X(HANDSHAKE_FAILURE, PROTO, HANDSHAKE_FAILURE, "no acceptable set of security parameters") \
	X(BAD_CERTIFICATE, PROTO, BAD_CERTIFICATE, "certificate is corrupt or fails verification") \
	X(UNSUPPORTED_CERTIFICATE, PROTO, UNSUPPORTED_CERTIFICATE, "certificate is of an unsupported type") \
	X(CERTIFICATE_EXPIRED, PROTO, CERTIFICATE_EXPIRED, "certificate has expired or is not yet valid") \
	X(CERTIFICATE_UNKNOWN, PROTO, CERTIFICATE_UNKNOWN, "certificate cannot be accepted") \
	X(CERTIFICATE_REQUIRED, PROTO, CERTIFICATE_REQUIRED, "peer sent no certificate where one is required") \
	X(UNKNOWN_CA, PROTO, UNKNOWN_CA, "certificate chain does not lead to a trusted root") \
	X(ILLEGAL_PARAMETER, PROTO, ILLEGAL_PARAMETER, "field is out of range or inconsistent") \
	X(DECRYPT_ERROR, PROTO, DECRYPT_ERROR, "signature or Finished verification failed") \
	X(PROTOCOL_VERSION, PROTO, PROTOCOL_VERSION, "no mutually supported protocol version") \
	X(INSUFFICIENT_SECURITY, PROTO, INSUFFICIENT_SECURITY, "peer's parameters are too weak for the policy") \
	X(INAPPROPRIATE_FALLBACK, PROTO, INAPPROPRIATE_FALLBACK, "downgrade detected") \
	X(MISSING_EXTENSION, PROTO, MISSING_EXTENSION, "a required extension is missing") \
	X(UNSUPPORTED_EXTENSION, PROTO, UNSUPPORTED_EXTENSION, "extension not allowed in this message") \
	X(DUPLICATE_EXTENSION, PROTO, ILLEGAL_PARAMETER, "extension appears more than once") \
	X(UNRECOGNIZED_NAME, PROTO, UNRECOGNIZED_NAME, "no configuration for the requested server name") \
	X(NO_APPLICATION_PROTOCOL, PROTO, NO_APPLICATION_PROTOCOL, "no mutually supported application protocol") \
	X(PEER_INTERNAL, PROTO, INTERNAL_ERROR, "peer misbehaved in a way that prevents continuing") \
	X(IPC_BAD_MESSAGE, PROTO, NONE, "malformed key daemon message") \
	X(TOO_MUCH_EARLY_DATA, PROTO, UNEXPECTED_MESSAGE, "more early data than the server takes") \
	X(CERTIFICATE_REVOKED, PROTO, CERTIFICATE_REVOKED, "certificate has been revoked by its issuer") \
	X(BAD_CERTIFICATE_STATUS, PROTO, BAD_CERTIFICATE_STATUS_RESPONSE, "OCSP response is invalid or not for this certificate") \
	X(UNKNOWN_PSK_IDENTITY, PROTO, UNKNOWN_PSK_IDENTITY, "no acceptable PSK identity offered")

#define MOAT_ERROR_LIST_INTERNAL(X) \
	X(INTERNAL, INTERNAL, INTERNAL_ERROR, "internal error") \
	X(ALLOC, INTERNAL, INTERNAL_ERROR, "out of memory") \
	X(MLOCK, INTERNAL, INTERNAL_ERROR, "could not lock memory (set MOAT_DONT_MLOCK=1 to allow unlocked secrets)") \
	X(MADVISE, INTERNAL, INTERNAL_ERROR, "could not exclude memory from core dumps") \
	X(CRYPTO, INTERNAL, INTERNAL_ERROR, "libcrypto operation failed") \
	X(RANDOM, INTERNAL, INTERNAL_ERROR, "random number generator failed") \
	X(BUF_FULL, INTERNAL, INTERNAL_ERROR, "output buffer is full") \
	X(PREFIX_OVERFLOW, INTERNAL, INTERNAL_ERROR, "length does not fit its prefix") \
	X(PREFIX_NESTING, INTERNAL, INTERNAL_ERROR, "length prefixes are nested too deep or unbalanced") \
	X(CALLBACK_FAILED, INTERNAL, INTERNAL_ERROR, "application callback reported failure") \
	X(KEYD_UNAVAILABLE, INTERNAL, INTERNAL_ERROR, "key daemon is unavailable") \
	X(PKEY_OP_FAILED, INTERNAL, INTERNAL_ERROR, "the private-key operation failed")

#define MOAT_ERROR_LIST_USAGE(X) \
	X(NULL_ARG, USAGE, NONE, "required argument is NULL") \
	X(INVALID_ARG, USAGE, NONE, "argument is out of range") \
	X(INVALID_STATE, USAGE, NONE, "operation not allowed in the current state") \
	X(NOT_SUPPORTED, USAGE, NONE, "operation is not supported") \
	X(CONFIG, USAGE, NONE, "invalid configuration") \
	X(FILE, USAGE, NONE, "could not read file") \
	X(INVALID_PEM, USAGE, NONE, "invalid PEM data") \
	X(NO_SUCH_POLICY, USAGE, NONE, "unknown security policy name")

#define MOAT_ERROR_LIST(X) \
	MOAT_ERROR_LIST_OK(X) MOAT_ERROR_LIST_IO(X) MOAT_ERROR_LIST_CLOSED(X) \
	MOAT_ERROR_LIST_BLOCKED(X) MOAT_ERROR_LIST_ALERT(X) MOAT_ERROR_LIST_PROTO(X) \
	MOAT_ERROR_LIST_INTERNAL(X) MOAT_ERROR_LIST_USAGE(X)
