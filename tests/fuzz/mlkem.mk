# ML-KEM-768 decoders fuzz target (encapsulation key checks and decoding,
# ciphertext decoding and implicit rejection under a fixed key). With
# --enable-fuzzing (clang) it is a libFuzzer program, and `make
# fuzz-mlkem-check` runs it briefly with no corpus. Otherwise `make check`
# builds it with a small main() over built-in inputs.
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_mlkem
tests_fuzz_fuzz_mlkem_SOURCES = tests/fuzz/fuzz_mlkem.c
tests_fuzz_fuzz_mlkem_LDADD = $(MOAT_CRYPTO_LIBS)
tests_fuzz_fuzz_mlkem_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer

fuzz-mlkem-check: tests/fuzz/fuzz_mlkem
	./tests/fuzz/fuzz_mlkem -runs=20000 -max_len=1300
.PHONY: fuzz-mlkem-check
else
check_PROGRAMS += tests/fuzz/fuzz_mlkem_build_check
tests_fuzz_fuzz_mlkem_build_check_SOURCES = tests/fuzz/fuzz_mlkem.c
tests_fuzz_fuzz_mlkem_build_check_CPPFLAGS = $(AM_CPPFLAGS) -DMOAT_FUZZ_STANDALONE
tests_fuzz_fuzz_mlkem_build_check_LDADD = $(MOAT_CRYPTO_LIBS)
endif
