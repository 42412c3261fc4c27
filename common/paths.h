/*
 * Where the daemons look when told nothing: configure's --sysconfdir and
 * --runstatedir, each with "/moat" appended, handed to the compiler by
 * Makefile.am (so `./configure --sysconfdir=/etc --runstatedir=/run` gives
 * /etc/moat and /run/moat). Built any other way, the build must say so
 * rather than fall back on a path nobody chose.
 */
#ifndef MOAT_COMMON_PATHS_H
#define MOAT_COMMON_PATHS_H

#if !defined(MOAT_CONFDIR) || !defined(MOAT_RUNDIR)
#error "MOAT_CONFDIR and MOAT_RUNDIR come from the build (Makefile.am)"
#endif

#endif
