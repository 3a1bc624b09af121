#ifndef SOCKBRIDGE_TLS_RELAY_H
#define SOCKBRIDGE_TLS_RELAY_H

#include <sys/types.h>

#include <signal.h>

#include "tls_io.h"

extern volatile sig_atomic_t tls_told_to_stop;

int	tls_relay(struct tls_conn *, int, pid_t, int, int);
int	tls_wait_status(pid_t);

#endif
