#ifndef SOCKBRIDGE_GRACE_H
#define SOCKBRIDGE_GRACE_H

/*
 * After SIGTERM (a timeout or the drain's cut-off), how long a handler has
 * before SIGKILL: the same in the loop (children.c) and, with --once, in
 * the watchdog (watchdog.c).
 */
#define KILL_GRACE_SECONDS	3

#endif
