#ifndef SOCKBRIDGE_SERVE_H
#define SOCKBRIDGE_SERVE_H

#include "env.h"
#include "listener.h"
#include "handoff.h"

struct serve_options {
	int		once;		/* exec the handler for one client */
	long long	idle_timeout;	/* seconds with nothing to do; 0 never */
	int		max_connections;
};

int	serve(const struct serve_options *, struct listeners *,
	    struct env *, struct handoff *);

#endif
