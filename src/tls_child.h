#ifndef SOCKBRIDGE_TLS_CHILD_H
#define SOCKBRIDGE_TLS_CHILD_H

#include <sys/types.h>

#include "handoff.h"
#include "tls_options.h"

/* The handler's process, started before the handshake, waiting on go. */
struct tls_child {
	pid_t	pid;
	int	sock;		/* the relay's end of the handler's socketpair */
	int	go;		/* the relay writes the session's variables here */
};

int	tls_child_start(struct tls_child *, const struct tls_options *,
	    struct handoff *, char *const *, int);
void	tls_child_go(struct tls_child *, const char *, size_t);

#endif
