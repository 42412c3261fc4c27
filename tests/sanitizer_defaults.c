/*
 * Linked into every test program. libatf-c keeps its test-case list allocated
 * until exit, which LeakSanitizer reports as a leak in every ATF program; the
 * suppression is limited to allocations made inside libatf-c itself, so our
 * own leaks still fail the run.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libatf-c.so\n";
}

/* Kyua treats any stderr output from a test program's case listing as breakage. */
const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
	return "print_suppressions=0";
}
