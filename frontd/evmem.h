/* libevent's small allocations in a pool of their own (evmem.c says why). */
#ifndef MOAT_FRONTD_EVMEM_H
#define MOAT_FRONTD_EVMEM_H

/* Before anything else of libevent's is used. */
void frontd_evmem_install(void);

#endif
