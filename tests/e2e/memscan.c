/*
 * memscan: does a running process hold any piece of a secret?
 *
 *   memscan [-w BYTES] [-q] PID HEX [HEX...]
 *
 * Reads every readable mapping of PID (/proc/PID/maps, then /proc/PID/mem;
 * root, or the same uid with the target dumpable) and looks for every
 * window of BYTES consecutive bytes (default 16) of each secret given in
 * hex. A window of 16 bytes is 128 bits: it does not turn up by chance, and
 * any copy of a secret, whole or cut, contains one.
 *
 * Each secret is looked for in both byte orders: the hex (as `openssl pkey
 * -text` prints it) is big-endian, as in DER and PEM buffers, while OpenSSL
 * keeps a BIGNUM as little-endian machine words, which on a little-endian
 * machine is the whole number byte-reversed.
 *
 * Exit status: 0 no window of any secret found; 1 found (one line per hit,
 * the first few); 2 usage error or nothing could be read (a "not found"
 * from a process we could not read would prove nothing).
 *
 * The windows are indexed by their first 8 bytes: a 64 Ki-bit filter on the
 * first two bytes rejects almost every position, a sorted table finds the
 * candidates, memcmp confirms. Memory is read in chunks that overlap by a
 * window, so a copy that straddles two chunks is still seen.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_SECRETS 64
#define MAX_SECRET_LEN 2048        /* an RSA-8192 d is 1024 bytes; an RSA-2048 key's private PEM text 1260 */
#define DEFAULT_WINDOW 16
#define MIN_WINDOW 8               /* the index key is 8 bytes */
#define READ_CHUNK (1u << 20)
#define MAX_REPORTED 10
#define MAX_REGION ((uint64_t)64 << 30) /* larger: a sanitizer's shadow reservation, not data */

struct secret {
	uint8_t fwd[MAX_SECRET_LEN];   /* as given: big-endian */
	uint8_t rev[MAX_SECRET_LEN];   /* byte-reversed: a BIGNUM's in-memory layout */
	size_t len;
};

struct window {
	uint64_t key;                  /* first 8 bytes, as memcpy'd into a u64 */
	const uint8_t *bytes;
	unsigned secret;
	size_t offset;
	bool reversed;
};

static struct secret secrets[MAX_SECRETS];
static unsigned secret_count;
static struct window *windows;
static size_t window_count;
static size_t window_len = DEFAULT_WINDOW;
static uint8_t filter[65536 / 8];
static unsigned long hits;         /* runs of consecutive windows: copies, or pieces of copies */
static bool quiet;

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Hex digits, optionally separated by ':' or whitespace; one leading 00 byte (a DER sign byte) is dropped. */
static int parse_secret(const char *hex, struct secret *s)
{
	size_t n = 0;
	int hi = -1;
	for (const char *p = hex; *p; p++) {
		if (*p == ':' || *p == ' ' || *p == '\n' || *p == '\t')
			continue;
		int v = hexval((unsigned char)*p);
		if (v < 0)
			return -1;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n == MAX_SECRET_LEN)
			return -1;
		s->fwd[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	if (hi >= 0)
		return -1;
	if (n > 1 && s->fwd[0] == 0) {
		memmove(s->fwd, s->fwd + 1, n - 1);
		n--;
	}
	if (n < MIN_WINDOW)
		return -1;
	s->len = n;
	for (size_t i = 0; i < n; i++)
		s->rev[i] = s->fwd[n - 1 - i];
	return 0;
}

static uint64_t key_of(const uint8_t *p)
{
	uint64_t k;
	memcpy(&k, p, sizeof(k));
	return k;
}

static unsigned filter_index(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static int cmp_window(const void *a, const void *b)
{
	const struct window *x = a, *y = b;
	return x->key < y->key ? -1 : x->key > y->key;
}

static int build_index(void)
{
	size_t total = 0;
	for (unsigned i = 0; i < secret_count; i++) {
		size_t w = secrets[i].len < window_len ? secrets[i].len : window_len;
		total += 2 * (secrets[i].len - w + 1);
	}
	windows = calloc(total, sizeof(*windows));
	if (windows == NULL)
		return -1;
	for (unsigned i = 0; i < secret_count; i++) {
		struct secret *s = &secrets[i];
		size_t w = s->len < window_len ? s->len : window_len;
		for (int r = 0; r < 2; r++) {
			const uint8_t *base = r ? s->rev : s->fwd;
			for (size_t off = 0; off + w <= s->len; off++) {
				struct window *win = &windows[window_count++];
				win->bytes = base + off;
				win->key = key_of(win->bytes);
				win->secret = i;
				win->offset = off;
				win->reversed = r != 0;
				unsigned f = filter_index(win->bytes);
				filter[f / 8] |= (uint8_t)(1u << (f % 8));
			}
		}
	}
	qsort(windows, window_count, sizeof(*windows), cmp_window);
	return 0;
}

static size_t window_len_of(const struct window *w)
{
	size_t len = secrets[w->secret].len;
	return len < window_len ? len : window_len;
}

/*
 * Consecutive windows of one copy are one hit: a whole 256-byte exponent
 * is reported once, as a run of its length, not as 241 windows.
 */
static struct {
	bool open;
	uint64_t first, last;
	const struct window *w;
	char region[256];
} run;

static void flush_run(void)
{
	if (!run.open)
		return;
	run.open = false;
	if (++hits <= MAX_REPORTED && !quiet)
		printf("found: %" PRIu64 " bytes of secret %u (%s) at 0x%" PRIx64 " in %s\n",
		       run.last - run.first + window_len_of(run.w), run.w->secret + 1,
		       run.w->reversed ? "little-endian" : "big-endian", run.first, run.region);
}

static void note_hit(const struct window *w, uint64_t addr, const char *region)
{
	if (run.open && addr == run.last + 1 && w->secret == run.w->secret && w->reversed == run.w->reversed) {
		run.last = addr;
		return;
	}
	flush_run();
	run.open = true;
	run.first = run.last = addr;
	run.w = w;
	snprintf(run.region, sizeof(run.region), "%s", region);
}

/* Look for windows starting at each position of buf[0..starts) (buf holds len bytes). */
static void scan(const uint8_t *buf, size_t len, size_t starts, uint64_t addr, const char *region)
{
	for (size_t i = 0; i < starts && i + MIN_WINDOW <= len; i++) {
		unsigned f = filter_index(buf + i);
		if (!(filter[f / 8] & (1u << (f % 8))))
			continue;
		uint64_t k = key_of(buf + i);
		size_t lo = 0, hi = window_count;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (windows[mid].key < k)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (size_t j = lo; j < window_count && windows[j].key == k; j++) {
			const struct window *w = &windows[j];
			size_t wl = window_len_of(w);
			if (i + wl > len || memcmp(buf + i, w->bytes, wl) != 0)
				continue;
			note_hit(w, addr + i, region);
			break;
		}
	}
}

/* The process being read, and what has been read of it. */
struct target {
	int mem;
	int pagemap;           /* -1: read every page of a region */
	uint64_t page;
	uint8_t *buf;
	uint64_t scanned;
	unsigned regions, unreadable, huge;
};

/*
 * Scan [start, stop), all of whose pages are in memory, in chunks that
 * overlap by a window less one byte, so no copy straddling two chunks is
 * missed. Returns false if the kernel refused a read.
 */
static bool scan_range(struct target *t, uint64_t start, uint64_t stop, const char *region)
{
	size_t carry = 0;
	for (uint64_t at = start; at < stop;) {
		size_t want = stop - at < READ_CHUNK ? (size_t)(stop - at) : READ_CHUNK;
		ssize_t got = pread(t->mem, t->buf + carry, want, (off_t)at);
		if (got <= 0)
			return false;
		size_t have = carry + (size_t)got;
		bool last = at + (uint64_t)got >= stop;
		size_t starts = last ? have : (have >= window_len ? have - window_len + 1 : 0);
		scan(t->buf, have, starts, at - carry, region);
		t->scanned += (uint64_t)got;
		at += (uint64_t)got;
		carry = have - starts;
		memmove(t->buf, t->buf + starts, carry);
	}
	return true;
}

/*
 * Scan the pages of a region that the process has touched. /proc/PID/pagemap
 * says which (bit 63 present, bit 62 swapped): reading an untouched page
 * through /proc/PID/mem would fault it in, and a sanitizer's reserved
 * gigabytes would take minutes. Without pagemap, every page is read.
 */
static void scan_region(struct target *t, uint64_t start, uint64_t stop, const char *region)
{
	bool ok = true;
	if (t->pagemap < 0) {
		ok = scan_range(t, start, stop, region);
	} else {
		uint64_t entries[512];
		uint64_t from = 0; /* start of the current run of touched pages, 0: none */
		for (uint64_t at = start; at < stop && ok;) {
			uint64_t pages = (stop - at) / t->page;
			size_t n = pages < 512 ? (size_t)pages : 512;
			ssize_t got = pread(t->pagemap, entries, n * sizeof(entries[0]), (off_t)(at / t->page * 8));
			if (got < (ssize_t)sizeof(entries[0])) {
				ok = false;
				break;
			}
			n = (size_t)got / sizeof(entries[0]);
			for (size_t i = 0; i < n && ok; i++, at += t->page) {
				bool touched = (entries[i] >> 62) != 0;
				if (touched && from == 0)
					from = at;
				if (!touched && from != 0) {
					ok = scan_range(t, from, at, region);
					from = 0;
				}
			}
		}
		if (ok && from != 0)
			ok = scan_range(t, from, stop, region);
	}
	if (!ok)
		t->unreadable++;
	flush_run();
}

static void usage(void)
{
	fprintf(stderr, "usage: memscan [-w BYTES] [-q] PID HEX [HEX...]\n"
			"exit 0: no %d-byte window of any secret in PID's memory; 1: found; 2: error\n",
		DEFAULT_WINDOW);
}

int main(int argc, char **argv)
{
	int opt;
	while ((opt = getopt(argc, argv, "w:q")) != -1) {
		switch (opt) {
		case 'w': {
			char *end;
			unsigned long w = strtoul(optarg, &end, 10);
			if (*end != '\0' || w < MIN_WINDOW || w > MAX_SECRET_LEN) {
				fprintf(stderr, "memscan: -w wants %d..%d\n", MIN_WINDOW, MAX_SECRET_LEN);
				return 2;
			}
			window_len = w;
			break;
		}
		case 'q':
			quiet = true;
			break;
		default:
			usage();
			return 2;
		}
	}
	if (argc - optind < 2 || argc - optind - 1 > MAX_SECRETS) {
		usage();
		return 2;
	}
	char *end;
	long pid = strtol(argv[optind], &end, 10);
	if (*end != '\0' || pid <= 0) {
		usage();
		return 2;
	}
	for (int i = optind + 1; i < argc; i++) {
		if (parse_secret(argv[i], &secrets[secret_count]) < 0) {
			fprintf(stderr, "memscan: secret %d is not hex of %d..%d bytes\n", i - optind, MIN_WINDOW,
				MAX_SECRET_LEN);
			return 2;
		}
		secret_count++;
	}
	if (build_index() < 0) {
		fprintf(stderr, "memscan: out of memory\n");
		return 2;
	}

	char path[64];
	snprintf(path, sizeof(path), "/proc/%ld/maps", pid);
	FILE *maps = fopen(path, "r");
	if (maps == NULL) {
		fprintf(stderr, "memscan: cannot open %s: %s\n", path, strerror(errno));
		return 2;
	}
	snprintf(path, sizeof(path), "/proc/%ld/mem", pid);
	struct target t = { .mem = open(path, O_RDONLY) };
	if (t.mem < 0) {
		fprintf(stderr, "memscan: cannot open %s: %s\n", path, strerror(errno));
		return 2;
	}
	snprintf(path, sizeof(path), "/proc/%ld/pagemap", pid);
	t.pagemap = open(path, O_RDONLY);
	long page = sysconf(_SC_PAGESIZE);
	t.page = page > 0 ? (uint64_t)page : 4096;
	t.buf = malloc(READ_CHUNK + MAX_SECRET_LEN);
	if (t.buf == NULL)
		return 2;

	char line[4096];
	while (fgets(line, sizeof(line), maps) != NULL) {
		uint64_t start, stop;
		char perms[8];
		int name_at = 0;
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %*s %*s %*s%n", &start, &stop, perms, &name_at) < 3)
			continue;
		if (perms[0] != 'r')
			continue;
		char *name = line + name_at;
		name += strspn(name, " ");
		name[strcspn(name, "\n")] = '\0';
		/* Kernel-provided pages: not the process's data, and [vvar] faults on read. */
		if (strcmp(name, "[vvar]") == 0 || strcmp(name, "[vsyscall]") == 0)
			continue;
		if (stop - start > MAX_REGION) {
			t.huge++;
			continue;
		}
		t.regions++;
		scan_region(&t, start, stop, *name ? name : "[anon]");
	}
	fclose(maps);
	close(t.mem);
	if (t.pagemap >= 0)
		close(t.pagemap);
	free(t.buf);
	free(windows);

	if (!quiet)
		printf("scanned %" PRIu64 " bytes in %u regions (%u unreadable, %u larger than %" PRIu64
		       " GiB skipped) of pid %ld for %u secret(s), %zu-byte windows: %lu hit(s)\n",
		       t.scanned, t.regions, t.unreadable, t.huge, MAX_REGION >> 30, pid, secret_count, window_len, hits);
	if (t.scanned == 0) {
		fprintf(stderr, "memscan: could not read any memory of pid %ld (permissions? not dumpable?)\n", pid);
		return 2;
	}
	return hits > 0 ? 1 : 0;
}
