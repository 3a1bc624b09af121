#ifndef SOCKBRIDGE_ENV_H
#define SOCKBRIDGE_ENV_H

#include "conn.h"

/*
 * The handler's environment: the bridge's own, cleaned once at start-up,
 * with room at the end for one connection's variables.
 */
struct env {
	char	**vars;
	size_t	  nbase;
	char	**out;		/* env_for_conn_with builds here */
	size_t	  outcap;
};

void	env_init(struct env *, char *const *, int);
char  **env_for_conn(struct env *, const struct conn_info *);
char  **env_for_conn_with(struct env *, const struct conn_info *,
	    char *const *, size_t);
void	env_free(struct env *);

#endif
