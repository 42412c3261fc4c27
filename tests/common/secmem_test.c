/*
 * The secure heap: zeroed blocks, wipe on free, realloc, double-free
 * detection, and that the pages really are locked and excluded from core
 * dumps (read back from /proc/self/smaps VmFlags: "lo" locked, "dd" don't dump).
 */
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/secmem.h"
#include "tests/moat_test.h"

/* The VmFlags line of the mapping holding p, or "" if not found. */
static void vmflags_of(const void *p, char *out, size_t outlen)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	ATF_REQUIRE(f != NULL);
	char line[512];
	int inside = 0;
	uintptr_t addr = (uintptr_t)p;
	out[0] = '\0';
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {
			inside = addr >= lo && addr < hi;
			continue;
		}
		if (inside && strncmp(line, "VmFlags:", 8) == 0) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(out, outlen, "%s", line + 8);
			break;
		}
	}
	fclose(f);
}

static int has_flag(const char *flags, const char *flag)
{
	char padded[8];
	snprintf(padded, sizeof(padded), " %s", flag);
	return strstr(flags, padded) != NULL;
}

ATF_TC_WITHOUT_HEAD(blocks_are_zeroed_and_sized);
ATF_TC_BODY(blocks_are_zeroed_and_sized, tc)
{
	size_t sizes[] = { 1, 16, 17, 100, 1000, 4000, 4080, 4081, 10000, 100000 };
	void *blocks[sizeof(sizes) / sizeof(sizes[0])];
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		EXPECT_OK(moat_secmem_alloc(sizes[i], &blocks[i]));
		ATF_REQUIRE(moat_secmem_size(blocks[i]) >= sizes[i]);
		ATF_REQUIRE_EQ((uintptr_t)blocks[i] % 16, 0);
		uint8_t *b = blocks[i];
		for (size_t j = 0; j < sizes[i]; j++)
			ATF_REQUIRE_EQ(b[j], 0);
		memset(b, 0xa5, sizes[i]);
	}
	/* No two blocks overlap. */
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		for (size_t j = 0; j < sizes[i]; j++)
			ATF_REQUIRE_EQ(((uint8_t *)blocks[i])[j], 0xa5);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		moat_secmem_free(blocks[i]);
	moat_secmem_free(NULL);

	void *p;
	EXPECT_ERR(moat_secmem_alloc(0, &p), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_secmem_alloc(SIZE_MAX, &p), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_secmem_alloc(8, NULL), MOAT_ERR_NULL_ARG);
}

ATF_TC_WITHOUT_HEAD(freed_blocks_are_wiped_and_reused_zeroed);
ATF_TC_BODY(freed_blocks_are_wiped_and_reused_zeroed, tc)
{
	uint8_t *p;
	EXPECT_OK(moat_secmem_alloc(200, (void **)&p));
	memset(p, 0x5c, 200);
	moat_secmem_free(p);
	/*
	 * The slab stays mapped (the one empty slab a class keeps back), so the
	 * freed bytes can be inspected: all zero past the free-list link the
	 * heap keeps in the first word.
	 */
	for (size_t i = sizeof(void *); i < 200; i++)
		ATF_REQUIRE_EQ(p[i], 0);
	uint8_t *q;
	EXPECT_OK(moat_secmem_alloc(200, (void **)&q));
	ATF_REQUIRE(q == p); /* LIFO reuse of the same class */
	for (size_t i = 0; i < 200; i++)
		ATF_REQUIRE_EQ(q[i], 0);
	moat_secmem_free(q);
}

ATF_TC_WITHOUT_HEAD(realloc_keeps_contents);
ATF_TC_BODY(realloc_keeps_contents, tc)
{
	void *p = NULL;
	EXPECT_OK(moat_secmem_realloc(&p, 10));
	memcpy(p, "0123456789", 10);
	EXPECT_OK(moat_secmem_realloc(&p, 5000));
	ATF_REQUIRE(memcmp(p, "0123456789", 10) == 0);
	ATF_REQUIRE(moat_secmem_size(p) >= 5000);
	void *same = p;
	EXPECT_OK(moat_secmem_realloc(&p, 100));
	ATF_REQUIRE(p == same);
	moat_secmem_free(p);
}

ATF_TC_WITHOUT_HEAD(pages_locked_and_not_dumped);
ATF_TC_BODY(pages_locked_and_not_dumped, tc)
{
	char flags[512];
	void *small, *large;
	unsetenv("MOAT_DONT_MLOCK");
	ATF_REQUIRE(moat_secmem_locking());
	EXPECT_OK(moat_secmem_alloc(48, &small));
	EXPECT_OK(moat_secmem_alloc(64 * 1024, &large));
	vmflags_of(small, flags, sizeof(flags));
	ATF_REQUIRE_MSG(has_flag(flags, "lo") && has_flag(flags, "dd"), "small block flags:%s", flags);
	vmflags_of(large, flags, sizeof(flags));
	ATF_REQUIRE_MSG(has_flag(flags, "lo") && has_flag(flags, "dd"), "large block flags:%s", flags);
	moat_secmem_free(small);
	moat_secmem_free(large);
}

ATF_TC_WITHOUT_HEAD(dont_mlock_switch);
ATF_TC_BODY(dont_mlock_switch, tc)
{
	char flags[512];
	void *large;
	setenv("MOAT_DONT_MLOCK", "1", 1);
	ATF_REQUIRE(!moat_secmem_locking());
	EXPECT_OK(moat_secmem_alloc(64 * 1024, &large));
	vmflags_of(large, flags, sizeof(flags));
	/* Unlocked, but still kept out of core dumps. */
	ATF_REQUIRE_MSG(!has_flag(flags, "lo") && has_flag(flags, "dd"), "flags:%s", flags);
	moat_secmem_free(large);
	setenv("MOAT_DONT_MLOCK", "0", 1);
	ATF_REQUIRE(moat_secmem_locking());
}

ATF_TC_WITHOUT_HEAD(double_free_aborts);
ATF_TC_BODY(double_free_aborts, tc)
{
	void *p;
	EXPECT_OK(moat_secmem_alloc(32, &p));
	moat_secmem_free(p);
	atf_tc_expect_signal(SIGABRT, "a double free must abort");
	moat_secmem_free(p);
}

/*
 * Locked memory goes back when the blocks in it are freed: a thousand
 * 4000-byte blocks span many slabs, and once they are freed at most one
 * empty slab per class stays mapped.
 */
ATF_TC_WITHOUT_HEAD(empty_slabs_are_returned);
ATF_TC_BODY(empty_slabs_are_returned, tc)
{
	enum { N = 1000 };
	static void *blocks[N];
	struct moat_secmem_stats before, during, after;
	unsetenv("MOAT_DONT_MLOCK");
	moat_secmem_get_stats(&before);
	for (size_t i = 0; i < N; i++)
		EXPECT_OK(moat_secmem_alloc(i % 2 ? 4000 : 400, &blocks[i]));
	moat_secmem_get_stats(&during);
	ATF_REQUIRE_MSG(during.locked_bytes >= before.locked_bytes + N / 2 * 4096,
			"locked %zu -> %zu", before.locked_bytes, during.locked_bytes);
	for (size_t i = 0; i < N; i++)
		moat_secmem_free(blocks[i]);
	moat_secmem_get_stats(&after);
	ATF_REQUIRE_MSG(after.locked_bytes <= before.locked_bytes + 2 * 64 * 1024,
			"locked %zu before, %zu after", before.locked_bytes, after.locked_bytes);
	/* Blocks still come out zeroed from whatever slab is left. */
	uint8_t *p;
	EXPECT_OK(moat_secmem_alloc(4000, (void **)&p));
	for (size_t i = 0; i < 4000; i++)
		ATF_REQUIRE_EQ(p[i], 0);
	moat_secmem_free(p);
}

/*
 * A block between one and two pages (a connection's session ticket state
 * is one) comes from a slab that outlives it: freeing it and taking the
 * next one maps, locks and unmaps nothing, where a mapping of its own cost
 * four syscalls per handshake.
 */
ATF_TC_WITHOUT_HEAD(two_page_blocks_come_from_slabs);
ATF_TC_BODY(two_page_blocks_come_from_slabs, tc)
{
	struct moat_secmem_stats s1, s2, s3;
	void *a, *b;
	unsetenv("MOAT_DONT_MLOCK");
	EXPECT_OK(moat_secmem_alloc(4320, &a));
	ATF_REQUIRE(moat_secmem_size(a) >= 4320);
	/* Slab chunks live in 64 KiB-aligned slabs, past the slab header; a mapping of its own starts a page. */
	ATF_REQUIRE_MSG(((uintptr_t)a & 0xfff) != 16, "block at %p has a mapping of its own", a);
	moat_secmem_get_stats(&s1);
	moat_secmem_free(a);
	moat_secmem_get_stats(&s2);
	ATF_REQUIRE_MSG(s2.locked_bytes == s1.locked_bytes, "locked %zu -> %zu after the free", s1.locked_bytes,
			s2.locked_bytes);
	EXPECT_OK(moat_secmem_alloc(8000, &b));
	moat_secmem_get_stats(&s3);
	ATF_REQUIRE_EQ(s3.locked_bytes, s2.locked_bytes);
	uint8_t *p = b;
	for (size_t i = 0; i < 8000; i++)
		ATF_REQUIRE_EQ(p[i], 0);
	moat_secmem_free(b);
}

/*
 * Under a small RLIMIT_MEMLOCK: strict by default (MOAT_ERR_MLOCK), and with
 * moat_secmem_allow_unlocked the blocks come from unlocked, undumpable
 * mappings, counted. Run in a child that drops root first: CAP_IPC_LOCK
 * would ignore the limit.
 */
static int memlock_scenario(void)
{
	enum { N = 200 };
	static void *blocks[N];
	char flags[512];
	struct rlimit rl = { .rlim_cur = 64 * 1024, .rlim_max = 64 * 1024 };
	if (geteuid() == 0 && setuid(65534) != 0)
		return 10;
	if (setrlimit(RLIMIT_MEMLOCK, &rl) != 0)
		return 11;
	unsetenv("MOAT_DONT_MLOCK");
	size_t got = 0;
	bool refused = false;
	for (; got < N; got++) {
		if (moat_secmem_alloc(4000, &blocks[got]) < 0) {
			refused = moat_errno == MOAT_ERR_MLOCK;
			moat_error_clear();
			break;
		}
	}
	if (!refused)
		return 12;
	moat_secmem_allow_unlocked(true);
	for (; got < N; got++)
		if (moat_secmem_alloc(4000, &blocks[got]) < 0)
			return 13;
	struct moat_secmem_stats st;
	moat_secmem_get_stats(&st);
	if (st.unlocked_maps == 0 || st.unlocked_bytes == 0 || st.lock_failures < st.unlocked_maps)
		return 14;
	vmflags_of(blocks[N - 1], flags, sizeof(flags));
	if (has_flag(flags, "lo") || !has_flag(flags, "dd"))
		return 15;
	memset(blocks[N - 1], 0x77, 4000);
	for (size_t i = 0; i < N; i++)
		moat_secmem_free(blocks[i]);
	moat_secmem_get_stats(&st);
	if (st.unlocked_bytes > 64 * 1024)
		return 16;
	/* Back to strict: nothing changes for what is allocated from now on. */
	moat_secmem_allow_unlocked(false);
	return 0;
}

ATF_TC_WITHOUT_HEAD(unlocked_fallback_is_opt_in);
ATF_TC_BODY(unlocked_fallback_is_opt_in, tc)
{
	pid_t pid = fork();
	ATF_REQUIRE(pid >= 0);
	if (pid == 0)
		_exit(memlock_scenario());
	int status;
	ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
	ATF_REQUIRE_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "scenario step %d failed",
			WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

ATF_TC_WITHOUT_HEAD(wipe);
ATF_TC_BODY(wipe, tc)
{
	uint8_t buf[64];
	memset(buf, 0xff, sizeof(buf));
	moat_wipe(buf + 8, 48);
	for (size_t i = 0; i < sizeof(buf); i++)
		ATF_REQUIRE_EQ(buf[i], (i >= 8 && i < 56) ? 0 : 0xff);
	moat_wipe(NULL, 10);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, blocks_are_zeroed_and_sized);
	ATF_TP_ADD_TC(tp, freed_blocks_are_wiped_and_reused_zeroed);
	ATF_TP_ADD_TC(tp, realloc_keeps_contents);
	ATF_TP_ADD_TC(tp, pages_locked_and_not_dumped);
	ATF_TP_ADD_TC(tp, dont_mlock_switch);
	ATF_TP_ADD_TC(tp, double_free_aborts);
	ATF_TP_ADD_TC(tp, empty_slabs_are_returned);
	ATF_TP_ADD_TC(tp, two_page_blocks_come_from_slabs);
	ATF_TP_ADD_TC(tp, unlocked_fallback_is_opt_in);
	ATF_TP_ADD_TC(tp, wipe);
	return atf_no_error();
}
