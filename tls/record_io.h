/*
 * Buffered record I/O over caller-supplied transport callbacks, in the
 * manner of s2n-tls's custom I/O (s2n_connection_set_recv_cb/send_cb).
 *
 * The connection never talks to a socket directly: it reads and writes
 * through two callbacks, so the same code serves a plain fd, a test harness
 * that returns one byte at a time, or a transport that is not a socket at
 * all. Two buffers sit between the callbacks and the record layer:
 *
 *  - in: bytes received. Reads ask for large chunks to keep syscalls few,
 *    but the buffer never holds more than two maximum-size records (the one
 *    being returned plus read-ahead), so a peer cannot make us buffer more.
 *    Records are opened in place; their plaintext stays valid until the next
 *    moat_record_io_read.
 *  - out: whole records appended by the connection (moat_record_write into
 *    &io->out) and sent by moat_record_io_flush, which may take several
 *    calls on a non-blocking transport without losing or repeating a byte.
 *
 * "Would block" is an error of type BLOCKED (MOAT_ERR_IO_BLOCKED), as in the
 * s2n usage guide: the caller waits for readiness and calls again.
 */
#ifndef MOAT_TLS_RECORD_IO_H
#define MOAT_TLS_RECORD_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/error.h"
#include "tls/record.h"

/*
 * Receive buffer: the record being returned plus at most one maximum record
 * of read-ahead, sized for TLS 1.3's bound. It still holds a whole TLS 1.2
 * record (2^14 + 2048, moat_record_set_version) with room to read ahead:
 * compaction keeps a free tail of the layer's own maximum record.
 */
#define MOAT_RECORD_IO_IN_MAX (2 * MOAT_RECORD_MAX_WIRE_LEN)
/* Default cap on queued output; callers may change io->out.max after init. */
#define MOAT_RECORD_IO_OUT_MAX (1024 * 1024)

/*
 * recv/send return bytes moved, 0 for EOF (recv), or -1 with errno set;
 * EAGAIN/EWOULDBLOCK means "would block"; EINTR is retried. They must not
 * move more than len (MOAT_ERR_CALLBACK_FAILED otherwise).
 */
typedef int (*moat_recv_fn)(void *io_context, uint8_t *buf, uint32_t len);
typedef int (*moat_send_fn)(void *io_context, const uint8_t *buf, uint32_t len);

struct moat_record_io {
	moat_recv_fn recv;
	void *recv_ctx;
	moat_send_fn send;
	void *send_ctx;
	struct moat_buf in;
	size_t in_start;                 /* bytes received, not yet consumed, start here */
	struct moat_buf out;
	size_t out_sent;                 /* records waiting to be sent start here */
	bool eof;                        /* recv reported end of stream */
	uint8_t last_type;               /* outer content type of the record last consumed, opened or not */
	size_t last_len;                 /* ... and its length on the wire */
};

void moat_record_io_init(struct moat_record_io *io);
/* Wipes and frees both buffers; the callbacks are left as they were. */
void moat_record_io_free(struct moat_record_io *io);

/* fd transport: the io context is a pointer to an int fd. EINTR is retried. */
int moat_fd_recv(void *ctx, uint8_t *buf, uint32_t len);
/* Uses send(MSG_NOSIGNAL) so a closed peer is EPIPE, not SIGPIPE; falls back to write() for non-sockets. */
int moat_fd_send(void *ctx, const uint8_t *buf, uint32_t len);

/*
 * Send everything in io->out. Would block → MOAT_ERR_IO_BLOCKED (nothing
 * lost; call again); error → MOAT_ERR_IO (errno preserved). On completion
 * io->out is reset (capacity kept).
 */
MOAT_MUST_USE int moat_record_io_flush(struct moat_record_io *io);

/* Bytes queued in io->out and not yet sent. */
size_t moat_record_io_pending_out(const struct moat_record_io *io);

/*
 * Read until one complete record is buffered, then open it with rl (in
 * place). Would block → MOAT_ERR_IO_BLOCKED; EOF before a complete record →
 * MOAT_ERR_CLOSED (EOF mid-record is still CLOSED but io->in then holds
 * partial bytes: moat_record_io_has_buffered); I/O error → MOAT_ERR_IO.
 * Protocol errors are moat_record_open's; a record that fails to open is
 * consumed all the same, so a caller that may skip it (rejected 0-RTT,
 * RFC 8446 §4.2.10) can read on; io->last_type and io->last_len say what it
 * was. The returned plaintext stays valid until the
 * next call (which discards the consumed record).
 */
MOAT_MUST_USE int moat_record_io_read(struct moat_record_io *io, struct moat_record_layer *rl,
				      uint8_t *content_type, uint8_t **plain, size_t *plain_len);

/* True if a complete or partial record is already buffered (for peek / pending). */
bool moat_record_io_has_buffered(const struct moat_record_io *io);

/*
 * Give back the memory of idle buffers (s2n's release_buffers); fails with
 * MOAT_ERR_INVALID_STATE if received or queued bytes are pending. Plaintext
 * returned by the last read becomes invalid.
 */
MOAT_MUST_USE int moat_record_io_release(struct moat_record_io *io);

#endif
