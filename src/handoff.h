#ifndef SOCKBRIDGE_HANDOFF_H
#define SOCKBRIDGE_HANDOFF_H

#include <sys/types.h>
#include <sys/resource.h>

#include <signal.h>

#include "compat.h"

/* How a client is handed to the handler; set up once, used per client. */
struct handoff {
	char *const	*argv;
	char		 path[4096];	/* argv[0] found in PATH, or "" */
	char	       **script_argv;	/* /bin/sh path arg...: for ENOEXEC */
	int		 stderr_to_socket;
	int		 reset[NSIG];	/* signals not at SIG_DFL in the bridge */
	int		 nreset;
	struct rlimit	 nofile;	/* the handler's RLIMIT_NOFILE, */
	int		 nofile_set;	/* if ours was raised */
};

void	handoff_init(struct handoff *, char *const *, int,
	    const struct rlimit *);
void	handoff_free(struct handoff *);
int	handoff_spawn(struct handoff *, int, char *const *, pid_t *);
__dead void handoff_exec(struct handoff *, int, char *const *);

#endif
