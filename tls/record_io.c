/*
 * Buffered record I/O over transport callbacks.
 *
 * Receive side: the buffer is filled at its tail and consumed from in_start.
 * A returned record is consumed at once (in_start moves past it) but its
 * bytes are left where they are, which is what keeps the plaintext valid
 * until the next read. Unconsumed bytes are moved to the front only when the
 * free tail is smaller than a maximum record, so every recv can ask for at
 * least a whole record and most records are never moved at all.
 *
 * Send side: io->out collects whole records; out_sent marks how far the
 * transport has taken them, so a partial write or EAGAIN resumes exactly
 * where it stopped.
 *
 * errno is left as the callback set it: raising a moat error does not touch
 * it, and nothing runs between the failing callback and the return.
 */
#include "tls/record_io.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/secmem.h"

void moat_record_io_init(struct moat_record_io *io)
{
	memset(io, 0, sizeof(*io));
	moat_buf_init(&io->in, MOAT_RECORD_IO_IN_MAX);
	moat_buf_init(&io->out, MOAT_RECORD_IO_OUT_MAX);
}

/* Buffers carry decrypted application data: wipe it before the memory goes back to the heap. */
static void wipe_free(struct moat_buf *b)
{
	if (b->data != NULL)
		moat_wipe(b->data, b->len);
	size_t max = b->max;
	moat_buf_free(b);
	moat_buf_init(b, max);
}

void moat_record_io_free(struct moat_record_io *io)
{
	if (io == NULL)
		return;
	wipe_free(&io->in);
	wipe_free(&io->out);
	io->in_start = 0;
	io->out_sent = 0;
	io->eof = false;
}

static uint32_t clamp_len(uint32_t len)
{
	return len > INT_MAX ? INT_MAX : len;
}

int moat_fd_recv(void *ctx, uint8_t *buf, uint32_t len)
{
	int fd = *(const int *)ctx;
	ssize_t n;
	do
		n = read(fd, buf, clamp_len(len));
	while (n < 0 && errno == EINTR);
	return (int)n;
}

int moat_fd_send(void *ctx, const uint8_t *buf, uint32_t len)
{
	int fd = *(const int *)ctx;
	size_t n_len = clamp_len(len);
	ssize_t n;
	do
		n = send(fd, buf, n_len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == ENOTSOCK) {
		do
			n = write(fd, buf, n_len);
		while (n < 0 && errno == EINTR);
	}
	return (int)n;
}

static bool would_block(int err)
{
	return err == EAGAIN || err == EWOULDBLOCK;
}

size_t moat_record_io_pending_out(const struct moat_record_io *io)
{
	return io->out.len - io->out_sent;
}

int moat_record_io_flush(struct moat_record_io *io)
{
	ENSURE_REF(io);
	while (io->out_sent < io->out.len) {
		ENSURE(io->send != NULL, MOAT_ERR_INVALID_STATE);
		size_t left = io->out.len - io->out_sent;
		uint32_t chunk = left > INT_MAX ? INT_MAX : (uint32_t)left;
		int n = io->send(io->send_ctx, io->out.data + io->out_sent, chunk);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ENSURE(!would_block(errno), MOAT_ERR_IO_BLOCKED);
			BAIL(MOAT_ERR_IO);
		}
		/* A transport that takes nothing from a non-empty buffer would spin us forever. */
		ENSURE(n > 0, MOAT_ERR_IO);
		ENSURE((uint32_t)n <= chunk, MOAT_ERR_CALLBACK_FAILED);
		io->out_sent += (size_t)n;
	}
	moat_buf_reset(&io->out);
	io->out_sent = 0;
	return MOAT_SUCCESS;
}

bool moat_record_io_has_buffered(const struct moat_record_io *io)
{
	return io->in.len > io->in_start;
}

/* Make the free tail of io->in at least one maximum record long, moving unconsumed bytes to the front. */
static void compact_in(struct moat_record_io *io, size_t max_record)
{
	if (io->in_start == io->in.len) {
		io->in.len = 0;
		io->in_start = 0;
		return;
	}
	if (io->in_start == 0 || io->in.max - io->in.len >= max_record)
		return;
	size_t keep = io->in.len - io->in_start;
	memmove(io->in.data, io->in.data + io->in_start, keep);
	io->in.len = keep;
	io->in_start = 0;
}

/* One recv into the free tail of io->in. */
static int fill_in(struct moat_record_io *io, size_t max_record)
{
	ENSURE(io->recv != NULL, MOAT_ERR_INVALID_STATE);
	compact_in(io, max_record);
	size_t old_len = io->in.len;
	size_t room = io->in.max - old_len;
	uint8_t *tail;
	TRY(moat_buf_reserve(&io->in, room, &tail));
	uint32_t ask = room > INT_MAX ? INT_MAX : (uint32_t)room;
	int n;
	do
		n = io->recv(io->recv_ctx, tail, ask);
	while (n < 0 && errno == EINTR);
	/* Give back the unfilled tail before looking at the result; truncate does not touch errno. */
	size_t got = n > 0 ? (size_t)n : 0;
	if (got > ask)
		got = 0;
	TRY(moat_buf_truncate(&io->in, old_len + got));
	if (n < 0) {
		ENSURE(!would_block(errno), MOAT_ERR_IO_BLOCKED);
		BAIL(MOAT_ERR_IO);
	}
	ENSURE((uint32_t)n <= ask, MOAT_ERR_CALLBACK_FAILED);
	if (n == 0)
		io->eof = true;
	return MOAT_SUCCESS;
}

int moat_record_io_read(struct moat_record_io *io, struct moat_record_layer *rl, uint8_t *content_type,
			uint8_t **plain, size_t *plain_len)
{
	ENSURE_REF(io);
	ENSURE_REF(rl);
	for (;;) {
		size_t avail = io->in.len - io->in_start;
		if (avail >= MOAT_RECORD_HEADER_LEN) {
			size_t total;
			TRY(moat_record_layer_total_len(rl, io->in.data + io->in_start, &total));
			if (avail >= total) {
				uint8_t *rec = io->in.data + io->in_start;
				/* Consumed whether or not it opens: see the header on skipping records. */
				io->in_start += total;
				io->last_type = rec[0];
				io->last_len = total;
				return moat_record_open(rl, rec, total, content_type, plain, plain_len);
			}
		}
		ENSURE(!io->eof, MOAT_ERR_CLOSED);
		TRY(fill_in(io, moat_record_max_wire_len(rl)));
	}
}

int moat_record_io_release(struct moat_record_io *io)
{
	ENSURE_REF(io);
	ENSURE(!moat_record_io_has_buffered(io), MOAT_ERR_INVALID_STATE);
	ENSURE(moat_record_io_pending_out(io) == 0, MOAT_ERR_INVALID_STATE);
	wipe_free(&io->in);
	wipe_free(&io->out);
	io->in_start = 0;
	io->out_sent = 0;
	return MOAT_SUCCESS;
}
