#ifndef SOCKBRIDGE_HANDOFF_H
#define SOCKBRIDGE_HANDOFF_H

#include <sys/types.h>

#include <signal.h>

#include "compat.h"

/* How a client is handed to the handler; set up once, used per client. */
struct handoff {
	char *const	*argv;
	char		 path[4096];	/* argv[0] found in PATH, or "" */
	int		 stderr_to_socket;
	int		 reset[NSIG];	/* signals not at SIG_DFL in the bridge */
	int		 nreset;
};

void	handoff_init(struct handoff *, char *const *, int);
int	handoff_spawn(struct handoff *, int, char *const *, pid_t *);
__dead void handoff_exec(struct handoff *, int, char *const *);

#endif
