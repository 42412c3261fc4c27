/*
 * Buffered record I/O over a real socketpair and over mock transports that
 * misbehave in every way a non-blocking transport may: one byte at a time,
 * EAGAIN between bytes, a stream split at every byte boundary, EOF in the
 * middle of a record, hard errors, partial writes. In each case every record
 * must come out exactly once and in order, and nothing queued may be lost.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/buf.h"
#include "tests/moat_test.h"
#include "tests/record/record_test_util.h"
#include "tls/iana.h"
#include "tls/record.h"
#include "tls/record_io.h"

/* ---- mock transport ---- */

struct mock_in {
	const uint8_t *data;
	size_t len, pos;
	size_t limit;          /* bytes beyond this are "not yet arrived": EAGAIN */
	size_t max_chunk;      /* 0: no limit per call */
	bool eagain_between;   /* every other call fails with EAGAIN */
	bool toggle;
	bool eof_at_end;       /* at the end: EOF (else EAGAIN) */
	int fail_errno;        /* at the end: fail with this errno (if non-zero) */
	size_t calls, min_ask, max_ask;
};

static int mock_recv(void *ctx, uint8_t *buf, uint32_t len)
{
	struct mock_in *m = ctx;
	m->calls++;
	if (len < m->min_ask || m->min_ask == 0)
		m->min_ask = len;
	if (len > m->max_ask)
		m->max_ask = len;
	if (m->eagain_between) {
		m->toggle = !m->toggle;
		if (m->toggle) {
			errno = EAGAIN;
			return -1;
		}
	}
	size_t end = m->limit < m->len ? m->limit : m->len;
	if (m->pos >= end) {
		if (m->pos == m->len && m->fail_errno != 0) {
			errno = m->fail_errno;
			return -1;
		}
		if (m->pos == m->len && m->eof_at_end)
			return 0;
		errno = EWOULDBLOCK;
		return -1;
	}
	size_t n = end - m->pos;
	if (n > len)
		n = len;
	if (m->max_chunk != 0 && n > m->max_chunk)
		n = m->max_chunk;
	memcpy(buf, m->data + m->pos, n);
	m->pos += n;
	return (int)n;
}

static void mock_in_init(struct mock_in *m, const uint8_t *data, size_t len)
{
	memset(m, 0, sizeof(*m));
	m->data = data;
	m->len = len;
	m->limit = SIZE_MAX;
}

struct mock_out {
	uint8_t *buf;
	size_t len, cap;
	size_t max_chunk;
	bool eagain_between;
	bool toggle;
	int fail_errno;
	size_t calls;
};

static int mock_send(void *ctx, const uint8_t *buf, uint32_t len)
{
	struct mock_out *m = ctx;
	m->calls++;
	if (m->fail_errno != 0) {
		errno = m->fail_errno;
		return -1;
	}
	if (m->eagain_between) {
		m->toggle = !m->toggle;
		if (m->toggle) {
			errno = EAGAIN;
			return -1;
		}
	}
	size_t n = len;
	if (m->max_chunk != 0 && n > m->max_chunk)
		n = m->max_chunk;
	ATF_REQUIRE(m->len + n <= m->cap);
	memcpy(m->buf + m->len, buf, n);
	m->len += n;
	return (int)n;
}

/* ---- a stream of records to feed through ---- */

struct stream {
	struct moat_buf wire;
	uint8_t types[16];
	size_t lens[16];
	size_t n;
};

static const uint8_t *payload(void)
{
	static uint8_t p[16384];
	static bool done;
	if (!done) {
		for (size_t i = 0; i < sizeof(p); i++)
			p[i] = (uint8_t)(i * 31 + 7);
		done = true;
	}
	return p;
}

/* Padding of record i: some records padded by one byte where protection and the size limit allow. */
static size_t stream_padding(bool prot, size_t i, size_t len)
{
	return prot && len < MOAT_MAX_PLAINTEXT ? i % 2 : 0;
}

/* Records of the given sizes, protected with the fixed secret of suites[0] if prot. */
static void stream_build(struct stream *s, bool prot, const size_t *lens, size_t n)
{
	struct moat_record_layer w;
	moat_record_layer_init(&w);
	if (prot)
		EXPECT_OK(moat_record_set_traffic_secret(&w, true, suites[0].hash, suites[0].aead, fixed_secret));
	moat_buf_init(&s->wire, 1 << 20);
	ATF_REQUIRE(n <= 16);
	s->n = n;
	for (size_t i = 0; i < n; i++) {
		/* Empty records must be application data (RFC 8446 §5.4), which needs protection. */
		s->types[i] = prot && (i % 3 == 2 || lens[i] == 0) ? MOAT_CT_APPLICATION_DATA : MOAT_CT_HANDSHAKE;
		s->lens[i] = lens[i];
		EXPECT_OK(moat_record_write(&w, s->types[i], payload(), lens[i], stream_padding(prot, i, lens[i]), &s->wire));
	}
	moat_record_layer_free(&w);
}

static void reader_init(struct moat_record_layer *r, bool prot)
{
	moat_record_layer_init(r);
	if (prot)
		EXPECT_OK(moat_record_set_traffic_secret(r, false, suites[0].hash, suites[0].aead, fixed_secret));
}

static void check_record(const struct stream *s, size_t i, uint8_t type, const uint8_t *plain, size_t plain_len)
{
	ATF_REQUIRE_MSG(i < s->n, "more records than were sent");
	ATF_REQUIRE_EQ_MSG(type, s->types[i], "record %zu", i);
	ATF_REQUIRE_EQ_MSG(plain_len, s->lens[i], "record %zu", i);
	ATF_REQUIRE_MSG(plain_len == 0 || memcmp(plain, payload(), plain_len) == 0, "record %zu content", i);
}

/*
 * Read every record of s through io, retrying on BLOCKED (at most max_blocks
 * times in a row, so a transport bug cannot hang the test). Returns how many
 * records came out before CLOSED or the end.
 */
static size_t read_all(struct moat_record_io *io, struct moat_record_layer *r, const struct stream *s,
		       void (*on_block)(void *), void *arg)
{
	size_t got = 0, blocks = 0;
	while (got < s->n) {
		uint8_t type, *plain;
		size_t plain_len;
		moat_error_clear();
		if (moat_record_io_read(io, r, &type, &plain, &plain_len) == MOAT_SUCCESS) {
			check_record(s, got, type, plain, plain_len);
			got++;
			blocks = 0;
			ATF_REQUIRE(io->in.len <= MOAT_RECORD_IO_IN_MAX);
			continue;
		}
		ATF_REQUIRE_MSG(moat_errno == MOAT_ERR_IO_BLOCKED, "unexpected %s at %s", moat_strerror_name(moat_errno),
				moat_strerror_debug(moat_errno, NULL));
		ATF_REQUIRE_MSG(++blocks < 1000000, "transport never delivered");
		if (on_block != NULL)
			on_block(arg);
	}
	return got;
}

/* ---- tests ---- */

static const size_t mixed_lens[] = { 100, 1, 16384, 0, 300, 16384, 16384, 5, 2000 };
#define N_MIXED (sizeof(mixed_lens) / sizeof(mixed_lens[0]))

ATF_TC_WITHOUT_HEAD(one_byte_at_a_time_with_eagain);
ATF_TC_BODY(one_byte_at_a_time_with_eagain, tc)
{
	for (int prot = 0; prot <= 1; prot++) {
		struct stream s;
		/* Unprotected handshake records may not be empty: use 1 byte there. */
		size_t lens[N_MIXED];
		for (size_t i = 0; i < N_MIXED; i++)
			lens[i] = (mixed_lens[i] == 0 && !prot) ? 1 : mixed_lens[i];
		stream_build(&s, prot, lens, N_MIXED);
		struct mock_in m;
		mock_in_init(&m, s.wire.data, s.wire.len);
		m.max_chunk = 1;
		m.eagain_between = true;
		m.eof_at_end = true;

		struct moat_record_io io;
		struct moat_record_layer r;
		moat_record_io_init(&io);
		reader_init(&r, prot);
		io.recv = mock_recv;
		io.recv_ctx = &m;
		ATF_REQUIRE_EQ(read_all(&io, &r, &s, NULL, NULL), N_MIXED);
		ATF_REQUIRE_EQ(m.pos, s.wire.len);
		/* Nothing left: the next read sees EOF at a record boundary. */
		uint8_t type, *plain;
		size_t plain_len;
		ATF_REQUIRE(!moat_record_io_has_buffered(&io));
		int rc;
		do {
			moat_error_clear();
			rc = moat_record_io_read(&io, &r, &type, &plain, &plain_len);
		} while (rc != MOAT_SUCCESS && moat_errno == MOAT_ERR_IO_BLOCKED);
		ATF_REQUIRE(rc == MOAT_FAILURE && moat_errno == MOAT_ERR_CLOSED);
		ATF_REQUIRE(io.eof);
		EXPECT_ERR(moat_record_io_read(&io, &r, &type, &plain, &plain_len), MOAT_ERR_CLOSED);
		ATF_REQUIRE(!moat_record_io_has_buffered(&io));
		moat_record_io_free(&io);
		moat_record_layer_free(&r);
		moat_buf_free(&s.wire);
	}
}

static void raise_limit(void *arg)
{
	struct mock_in *m = arg;
	m->limit = SIZE_MAX;
}

ATF_TC_WITHOUT_HEAD(split_at_every_byte_boundary);
ATF_TC_BODY(split_at_every_byte_boundary, tc)
{
	/* Three protected records; the transport delivers k bytes, blocks, then the rest, for every k. */
	static const size_t lens[] = { 20, 0, 33 };
	struct stream s;
	stream_build(&s, true, lens, 3);
	for (size_t k = 0; k <= s.wire.len; k++) {
		struct mock_in m;
		struct moat_record_io io;
		struct moat_record_layer r;
		mock_in_init(&m, s.wire.data, s.wire.len);
		m.limit = k;
		moat_record_io_init(&io);
		reader_init(&r, true);
		io.recv = mock_recv;
		io.recv_ctx = &m;
		ATF_REQUIRE_EQ(read_all(&io, &r, &s, raise_limit, &m), 3);
		ATF_REQUIRE_EQ(r.read.seq, 3);
		ATF_REQUIRE(!moat_record_io_has_buffered(&io));
		moat_record_io_free(&io);
		moat_record_layer_free(&r);
	}
	moat_buf_free(&s.wire);
}

ATF_TC_WITHOUT_HEAD(large_reads_bounded_buffer);
ATF_TC_BODY(large_reads_bounded_buffer, tc)
{
	/* A fast peer: everything is available at once. Reads are big, the buffer stays bounded. */
	static const size_t lens[] = { 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 10 };
	struct stream s;
	stream_build(&s, true, lens, 10);
	struct mock_in m;
	struct moat_record_io io;
	struct moat_record_layer r;
	mock_in_init(&m, s.wire.data, s.wire.len);
	moat_record_io_init(&io);
	reader_init(&r, true);
	io.recv = mock_recv;
	io.recv_ctx = &m;
	ATF_REQUIRE_EQ(read_all(&io, &r, &s, NULL, NULL), 10);
	/* Every recv asked for at least one whole maximum record ... */
	ATF_REQUIRE_MSG(m.min_ask >= MOAT_RECORD_MAX_WIRE_LEN, "min ask %zu", m.min_ask);
	/* ... and never for more than the buffer's bound. */
	ATF_REQUIRE(m.max_ask <= MOAT_RECORD_IO_IN_MAX);
	/* About one recv per record, not one per header and one per body. */
	ATF_REQUIRE_MSG(m.calls <= 10, "%zu recv calls", m.calls);
	moat_record_io_free(&io);
	moat_record_layer_free(&r);
	moat_buf_free(&s.wire);
}

ATF_TC_WITHOUT_HEAD(eof_mid_record);
ATF_TC_BODY(eof_mid_record, tc)
{
	static const size_t lens[] = { 40, 50 };
	struct stream s;
	stream_build(&s, true, lens, 2);
	size_t first = 5 + 40 + 0 + 1 + 16;
	/* EOF after the first record and part of the second: header only, and header + some body. */
	const size_t cuts[] = { first + 3, first + 5, first + 20, s.wire.len - 1 };
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		struct mock_in m;
		struct moat_record_io io;
		struct moat_record_layer r;
		uint8_t type, *plain;
		size_t plain_len;
		mock_in_init(&m, s.wire.data, cuts[i]);
		m.eof_at_end = true;
		moat_record_io_init(&io);
		reader_init(&r, true);
		io.recv = mock_recv;
		io.recv_ctx = &m;
		EXPECT_OK(moat_record_io_read(&io, &r, &type, &plain, &plain_len));
		check_record(&s, 0, type, plain, plain_len);
		EXPECT_ERR(moat_record_io_read(&io, &r, &type, &plain, &plain_len), MOAT_ERR_CLOSED);
		/* The caller can tell a truncated record from a clean close. */
		ATF_REQUIRE(moat_record_io_has_buffered(&io));
		EXPECT_ERR(moat_record_io_read(&io, &r, &type, &plain, &plain_len), MOAT_ERR_CLOSED);
		size_t calls = m.calls;
		EXPECT_ERR(moat_record_io_read(&io, &r, &type, &plain, &plain_len), MOAT_ERR_CLOSED);
		ATF_REQUIRE_EQ(m.calls, calls); /* no recv after EOF */
		EXPECT_ERR(moat_record_io_release(&io), MOAT_ERR_INVALID_STATE);
		moat_record_io_free(&io);
		moat_record_layer_free(&r);
	}

	/* Records completed before EOF are still delivered after it. */
	struct mock_in m;
	struct moat_record_io io;
	struct moat_record_layer r;
	mock_in_init(&m, s.wire.data, s.wire.len);
	m.eof_at_end = true;
	moat_record_io_init(&io);
	reader_init(&r, true);
	io.recv = mock_recv;
	io.recv_ctx = &m;
	ATF_REQUIRE_EQ(read_all(&io, &r, &s, NULL, NULL), 2);
	uint8_t type, *plain;
	size_t plain_len;
	EXPECT_ERR(moat_record_io_read(&io, &r, &type, &plain, &plain_len), MOAT_ERR_CLOSED);
	ATF_REQUIRE(!moat_record_io_has_buffered(&io));
	moat_record_io_free(&io);
	moat_record_layer_free(&r);
	moat_buf_free(&s.wire);
}

ATF_TC_WITHOUT_HEAD(recv_error_and_protocol_errors);
ATF_TC_BODY(recv_error_and_protocol_errors, tc)
{
	static const size_t lens[] = { 10, 10 };
	struct stream s;
	stream_build(&s, true, lens, 2);
	struct mock_in m;
	struct moat_record_io io;
	struct moat_record_layer r;
	uint8_t type, *plain;
	size_t plain_len;

	/* A hard error is IO with errno preserved. */
	mock_in_init(&m, s.wire.data, 10);
	m.fail_errno = ECONNRESET;
	moat_record_io_init(&io);
	reader_init(&r, true);
	io.recv = mock_recv;
	io.recv_ctx = &m;
	errno = 0;
	EXPECT_ERR(moat_record_io_read(&io, &r, &type, &plain, &plain_len), MOAT_ERR_IO);
	ATF_REQUIRE_EQ(errno, ECONNRESET);
	ATF_REQUIRE_EQ(moat_error_get_type(MOAT_ERR_IO), MOAT_ERR_T_IO);
	moat_record_io_free(&io);

	/*
	 * A record that fails to open is consumed, so the next one can be read (a server skipping
	 * rejected 0-RTT, RFC 8446 §4.2.10). Both records are sealed at seq 0: the failure must not
	 * advance the reader's sequence number.
	 */
	struct moat_record_layer w;
	struct moat_buf two;
	moat_record_layer_init(&w);
	moat_buf_init(&two, 1 << 16);
	EXPECT_OK(moat_record_set_traffic_secret(&w, true, suites[0].hash, suites[0].aead, fixed_secret));
	EXPECT_OK(moat_record_write(&w, MOAT_CT_APPLICATION_DATA, payload(), 10, 0, &two));
	two.data[10] ^= 1;
	w.write.seq = 0;
	EXPECT_OK(moat_record_write(&w, MOAT_CT_HANDSHAKE, payload(), 10, 0, &two));
	mock_in_init(&m, two.data, two.len);
	moat_record_io_init(&io);
	io.recv = mock_recv;
	io.recv_ctx = &m;
	EXPECT_ERR(moat_record_io_read(&io, &r, &type, &plain, &plain_len), MOAT_ERR_BAD_RECORD_MAC);
	EXPECT_OK(moat_record_io_read(&io, &r, &type, &plain, &plain_len));
	ATF_REQUIRE(type == MOAT_CT_HANDSHAKE && plain_len == 10);
	moat_record_io_free(&io);

	/* An oversized header is refused after five bytes, before the body is awaited. */
	static const uint8_t big[] = { 0x17, 0x03, 0x03, 0x41, 0x01 };
	mock_in_init(&m, big, sizeof(big));
	moat_record_io_init(&io);
	io.recv = mock_recv;
	io.recv_ctx = &m;
	EXPECT_ERR(moat_record_io_read(&io, &r, &type, &plain, &plain_len), MOAT_ERR_RECORD_OVERFLOW);
	moat_record_io_free(&io);

	/* No transport configured. */
	moat_record_io_init(&io);
	EXPECT_ERR(moat_record_io_read(&io, &r, &type, &plain, &plain_len), MOAT_ERR_INVALID_STATE);
	moat_record_io_free(&io);

	moat_buf_free(&two);
	moat_record_layer_free(&w);
	moat_record_layer_free(&r);
	moat_buf_free(&s.wire);
}

ATF_TC_WITHOUT_HEAD(flush_partial_writes_and_eagain);
ATF_TC_BODY(flush_partial_writes_and_eagain, tc)
{
	static const size_t lens[] = { 16384, 5, 700, 16384, 1 };
	struct stream s;
	stream_build(&s, true, lens, 5);

	static const size_t chunks[] = { 1, 7, 1000, 0 };
	for (size_t ci = 0; ci < sizeof(chunks) / sizeof(chunks[0]); ci++) {
		struct moat_record_io io;
		struct mock_out sink;
		memset(&sink, 0, sizeof(sink));
		sink.cap = s.wire.len;
		sink.buf = malloc(sink.cap);
		ATF_REQUIRE(sink.buf != NULL);
		sink.max_chunk = chunks[ci];
		sink.eagain_between = true;
		moat_record_io_init(&io);
		io.send = mock_send;
		io.send_ctx = &sink;
		EXPECT_OK(moat_buf_put_bytes(&io.out, s.wire.data, s.wire.len));

		size_t blocked = 0;
		for (;;) {
			moat_error_clear();
			if (moat_record_io_flush(&io) == MOAT_SUCCESS)
				break;
			ATF_REQUIRE_EQ(moat_errno, MOAT_ERR_IO_BLOCKED);
			ATF_REQUIRE(moat_record_io_pending_out(&io) > 0);
			ATF_REQUIRE(++blocked < 10000000);
		}
		ATF_REQUIRE(blocked > 0);
		ATF_REQUIRE_EQ(sink.len, s.wire.len);
		ATF_REQUIRE(memcmp(sink.buf, s.wire.data, s.wire.len) == 0);
		/* Completed: reset, capacity kept, nothing pending. */
		ATF_REQUIRE_EQ(io.out.len, 0);
		ATF_REQUIRE_EQ(io.out_sent, 0);
		ATF_REQUIRE(io.out.cap >= s.wire.len);
		ATF_REQUIRE_EQ(moat_record_io_pending_out(&io), 0);
		/* An empty flush does not call the transport. */
		size_t calls = sink.calls;
		EXPECT_OK(moat_record_io_flush(&io));
		ATF_REQUIRE_EQ(sink.calls, calls);
		moat_record_io_free(&io);
		free(sink.buf);
	}

	/* A hard error keeps the unsent bytes and errno. */
	struct moat_record_io io;
	struct mock_out sink;
	uint8_t buf[64];
	memset(&sink, 0, sizeof(sink));
	sink.buf = buf;
	sink.cap = sizeof(buf);
	sink.max_chunk = 4;
	moat_record_io_init(&io);
	io.send = mock_send;
	io.send_ctx = &sink;
	EXPECT_OK(moat_buf_put_bytes(&io.out, "0123456789", 10));
	sink.eagain_between = true;
	EXPECT_ERR(moat_record_io_flush(&io), MOAT_ERR_IO_BLOCKED);
	EXPECT_ERR(moat_record_io_flush(&io), MOAT_ERR_IO_BLOCKED);
	ATF_REQUIRE_EQ(io.out_sent, 4);
	sink.fail_errno = EPIPE;
	errno = 0;
	EXPECT_ERR(moat_record_io_flush(&io), MOAT_ERR_IO);
	ATF_REQUIRE_EQ(errno, EPIPE);
	ATF_REQUIRE_EQ(moat_record_io_pending_out(&io), 6);
	EXPECT_ERR(moat_record_io_release(&io), MOAT_ERR_INVALID_STATE);
	sink.fail_errno = 0;
	sink.eagain_between = false;
	EXPECT_OK(moat_record_io_flush(&io));
	ATF_REQUIRE(sink.len == 10 && memcmp(buf, "0123456789", 10) == 0);
	moat_record_io_free(&io);
	moat_buf_free(&s.wire);
}

ATF_TC_WITHOUT_HEAD(release_buffers);
ATF_TC_BODY(release_buffers, tc)
{
	static const size_t lens[] = { 10, 10 };
	struct stream s;
	stream_build(&s, false, lens, 2);
	struct mock_in m;
	struct moat_record_io io;
	struct moat_record_layer r;
	uint8_t type, *plain;
	size_t plain_len;
	mock_in_init(&m, s.wire.data, s.wire.len);
	moat_record_io_init(&io);
	reader_init(&r, false);
	io.recv = mock_recv;
	io.recv_ctx = &m;

	/* Both records arrive in one recv; the second is still buffered after the first read. */
	EXPECT_OK(moat_record_io_read(&io, &r, &type, &plain, &plain_len));
	ATF_REQUIRE(moat_record_io_has_buffered(&io));
	EXPECT_ERR(moat_record_io_release(&io), MOAT_ERR_INVALID_STATE);
	EXPECT_OK(moat_record_io_read(&io, &r, &type, &plain, &plain_len));
	ATF_REQUIRE(!moat_record_io_has_buffered(&io));
	ATF_REQUIRE(io.in.data != NULL);
	EXPECT_OK(moat_record_io_release(&io));
	ATF_REQUIRE(io.in.data == NULL && io.in.cap == 0);
	ATF_REQUIRE(io.out.data == NULL);
	/* Still usable afterwards. */
	m.pos = 0;
	EXPECT_OK(moat_record_io_read(&io, &r, &type, &plain, &plain_len));
	check_record(&s, 0, type, plain, plain_len);
	moat_record_io_free(&io);
	moat_record_layer_free(&r);
	moat_buf_free(&s.wire);
}

static void set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	ATF_REQUIRE(fl >= 0);
	ATF_REQUIRE(fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0);
}

struct duplex {
	struct moat_record_io *tx;
};

static void flush_some(void *arg)
{
	struct duplex *d = arg;
	moat_error_clear();
	if (moat_record_io_flush(d->tx) != MOAT_SUCCESS)
		ATF_REQUIRE_MSG(moat_errno == MOAT_ERR_IO_BLOCKED, "flush: %s", moat_strerror_name(moat_errno));
}

ATF_TC_WITHOUT_HEAD(socketpair_round_trip);
ATF_TC_BODY(socketpair_round_trip, tc)
{
	int sv[2];
	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	set_nonblock(sv[0]);
	set_nonblock(sv[1]);

	/* Writer: 16 records (~200 KiB), more than a socket buffer holds, so flush and read interleave. */
	struct moat_record_layer w, r;
	struct moat_record_io tx, rx;
	struct stream s;
	size_t lens[16];
	for (size_t i = 0; i < 16; i++)
		lens[i] = i % 4 == 3 ? 17 : 16384;
	stream_build(&s, true, lens, 16);

	moat_record_layer_init(&w);
	EXPECT_OK(moat_record_set_traffic_secret(&w, true, suites[0].hash, suites[0].aead, fixed_secret));
	reader_init(&r, true);
	moat_record_io_init(&tx);
	moat_record_io_init(&rx);
	tx.send = moat_fd_send;
	tx.send_ctx = &sv[0];
	rx.recv = moat_fd_recv;
	rx.recv_ctx = &sv[1];
	for (size_t i = 0; i < 16; i++)
		EXPECT_OK(moat_record_write(&w, s.types[i], payload(), lens[i], stream_padding(true, i, lens[i]), &tx.out));
	ATF_REQUIRE_EQ(tx.out.len, s.wire.len);

	struct duplex d = { &tx };
	flush_some(&d);
	ATF_REQUIRE_EQ(read_all(&rx, &r, &s, flush_some, &d), 16);
	ATF_REQUIRE_EQ(moat_record_io_pending_out(&tx), 0);

	/* Peer closes: CLOSED; sending to a closed peer is EPIPE (MSG_NOSIGNAL: no SIGPIPE). */
	uint8_t type, *plain;
	size_t plain_len;
	ATF_REQUIRE(close(sv[0]) == 0);
	EXPECT_ERR(moat_record_io_read(&rx, &r, &type, &plain, &plain_len), MOAT_ERR_CLOSED);
	rx.send = moat_fd_send;
	rx.send_ctx = &sv[1];
	EXPECT_OK(moat_buf_put_bytes(&rx.out, "x", 1));
	errno = 0;
	EXPECT_ERR(moat_record_io_flush(&rx), MOAT_ERR_IO);
	ATF_REQUIRE_EQ(errno, EPIPE);
	ATF_REQUIRE(close(sv[1]) == 0);

	moat_record_io_free(&tx);
	moat_record_io_free(&rx);
	moat_record_layer_free(&w);
	moat_record_layer_free(&r);
	moat_buf_free(&s.wire);
}

ATF_TC_WITHOUT_HEAD(fd_helpers_on_a_pipe);
ATF_TC_BODY(fd_helpers_on_a_pipe, tc)
{
	/* send() fails with ENOTSOCK on a pipe; moat_fd_send falls back to write(). */
	int p[2];
	uint8_t buf[8];
	ATF_REQUIRE(pipe(p) == 0);
	ATF_REQUIRE_EQ(moat_fd_send(&p[1], (const uint8_t *)"hello", 5), 5);
	ATF_REQUIRE_EQ(moat_fd_recv(&p[0], buf, sizeof(buf)), 5);
	ATF_REQUIRE(memcmp(buf, "hello", 5) == 0);
	set_nonblock(p[0]);
	errno = 0;
	ATF_REQUIRE_EQ(moat_fd_recv(&p[0], buf, sizeof(buf)), -1);
	ATF_REQUIRE(errno == EAGAIN || errno == EWOULDBLOCK);
	ATF_REQUIRE(close(p[1]) == 0);
	ATF_REQUIRE_EQ(moat_fd_recv(&p[0], buf, sizeof(buf)), 0);
	ATF_REQUIRE(close(p[0]) == 0);
}

ATF_TP_ADD_TCS(tp)
{
	/* Keep SIGPIPE fatal, so that a missing MSG_NOSIGNAL fails the EPIPE check loudly. */
	signal(SIGPIPE, SIG_DFL);
	ATF_TP_ADD_TC(tp, one_byte_at_a_time_with_eagain);
	ATF_TP_ADD_TC(tp, split_at_every_byte_boundary);
	ATF_TP_ADD_TC(tp, large_reads_bounded_buffer);
	ATF_TP_ADD_TC(tp, eof_mid_record);
	ATF_TP_ADD_TC(tp, recv_error_and_protocol_errors);
	ATF_TP_ADD_TC(tp, flush_partial_writes_and_eagain);
	ATF_TP_ADD_TC(tp, release_buffers);
	ATF_TP_ADD_TC(tp, socketpair_round_trip);
	ATF_TP_ADD_TC(tp, fd_helpers_on_a_pipe);
	return atf_no_error();
}
