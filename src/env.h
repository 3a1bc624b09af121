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
};

void	env_init(struct env *, char *const *, int);
char  **env_for_conn(struct env *, const struct conn_info *);
void	env_free(struct env *);

#endif
