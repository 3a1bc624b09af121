/*
 * compat.h: the few BSD-isms libbsd does not provide.  Everything else
 * (strtonum, closefrom, strlcpy, setproctitle) comes through libbsd-overlay
 * with the plain BSD includes.
 */
#ifndef SOCKBRIDGE_COMPAT_H
#define SOCKBRIDGE_COMPAT_H

#ifndef __dead
#define __dead __attribute__((__noreturn__))
#endif

#ifndef nitems
#define nitems(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/* Exit codes are an interface, documented in sockbridge(8) (s6 style). */
#define EXIT_MISUSE	100	/* bad option, bad environment, no listener */
#define EXIT_TEMPFAIL	111	/* a system call failed: maybe better later */
#define EXIT_NOEXEC	126	/* --once: the handler could not be executed */
#define EXIT_NOTFOUND	127	/* --once: the handler was not found */

#endif
