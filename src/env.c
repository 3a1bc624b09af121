/*
 * env.c: build the handler's environment.  Variables that describe the
 * activator's sockets are removed: a handler that understands socket
 * activation would otherwise take fd 3 (or UPSTART_FDS) for its own.
 * Stale per-connection variables from an outer server are removed too,
 * so that every one a handler sees describes its own client.
 */
#include "config.h"

#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "env.h"

static const char *const activator_vars[] = {
	"LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "NOTIFY_SOCKET",
	"UPSTART_FDS", "UPSTART_EVENTS", NULL
};

/* upstart's socket event also sets these; PROTO=inet is in conn's list. */
static const char *const upstart_event_vars[] = {
	"PORT", "ADDR", "SOCKET_PATH", NULL
};

static int	named_in(const char *, const char *const *);

/* Copy environ without the removed names; strip_upstart adds upstart's. */
void
env_init(struct env *env, char *const *environ, int strip_upstart)
{
	size_t n, i;

	for (n = 0; environ[n] != NULL; n++)
		;
	env->vars = reallocarray(NULL, n + CONN_MAX_VARS + 1,
	    sizeof(*env->vars));
	if (env->vars == NULL)
		err(EXIT_TEMPFAIL, "environment");
	env->nbase = 0;
	for (i = 0; i < n; i++) {
		if (named_in(environ[i], activator_vars) ||
		    named_in(environ[i], conn_var_names) ||
		    (strip_upstart && named_in(environ[i],
		    upstart_event_vars)))
			continue;
		env->vars[env->nbase++] = environ[i];
	}
	env->vars[env->nbase] = NULL;
}

/* The base plus ci's variables; valid while ci and env live. */
char **
env_for_conn(struct env *env, const struct conn_info *ci)
{
	int i;

	for (i = 0; i < ci->nvars; i++)
		env->vars[env->nbase + i] = (char *)ci->vars[i];
	env->vars[env->nbase + i] = NULL;
	return env->vars;
}

void
env_free(struct env *env)
{
	free(env->vars);
	env->vars = NULL;
}

/* Is "NAME=value" one of names? */
static int
named_in(const char *entry, const char *const *names)
{
	size_t len;

	len = strcspn(entry, "=");
	for (; *names != NULL; names++)
		if (strlen(*names) == len && strncmp(entry, *names, len) == 0)
			return 1;
	return 0;
}
