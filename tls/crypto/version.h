/*
 * What every moat program prints for -V/--version: its own name and moat's
 * version, then the libcrypto it runs with and the one it was built against.
 * Both matter to an operator: a distribution may update the shared libcrypto
 * under a built binary, and a bug report needs the one actually loaded.
 */
#ifndef MOAT_TLS_CRYPTO_VERSION_H
#define MOAT_TLS_CRYPTO_VERSION_H

#include <stdio.h>

/* Two lines on out: "PROGRAM (moat) VERSION" and "libcrypto: RUNNING (built with BUILT)". */
void moat_print_version(FILE *out, const char *program);

#endif
