/*
 * env.c: build the handler's environment.  Variables that describe the
 * activator's sockets are removed: a handler that understands socket
 * activation would otherwise take fd 3 (or UPSTART_FDS) for its own.
 * Stale per-connection variables from an outer server are removed too,
 * so that every one a handler sees describes its own client: the TLS
 * names as well, which sockbridge-tls sets.
 */
#include "config.h"

#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "env.h"
#include "proxied.h"
#include "tls_vars.h"

static const char *const activator_vars[] = {
	"LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "NOTIFY_SOCKET",
	"UPSTART_FDS", "UPSTART_EVENTS", NULL
};

/* upstart's socket event also sets these; PROTO=inet is in conn's list. */
static const char *const upstart_event_vars[] = {
	"PORT", "ADDR", "SOCKET_PATH", NULL
};

static int	named_in(const char *, const char *const *);
static int	same_name(const char *, const char *);
static size_t	last_of_each(char **, size_t);
static void	put(char **, size_t *, char *);

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
	env->out = NULL;
	env->outcap = 0;
	for (i = 0; i < n; i++) {
		if (named_in(environ[i], activator_vars) ||
		    named_in(environ[i], conn_var_names) ||
		    named_in(environ[i], proxied_var_names) ||
		    named_in(environ[i], tls_var_names) ||
		    (strip_upstart && named_in(environ[i],
		    upstart_event_vars)))
			continue;
		env->vars[env->nbase++] = environ[i];
	}
	env->nbase = last_of_each(env->vars, env->nbase);
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

/*
 * As env_for_conn, plus extra NAME=VALUE entries (TCPCONNNUM, an access
 * rule's variables, a PROXY header's).  No name is ever there twice: a
 * later entry replaces an earlier one of the same name, in this order:
 * the base, the client's variables, then extra in its order.  Valid while
 * ci, extra and env live.
 */
char **
env_for_conn_with(struct env *env, const struct conn_info *ci,
    char *const *extra, size_t nextra)
{
	size_t i, n = 0, need;
	char **out;

	if (nextra == 0)
		return env_for_conn(env, ci);
	need = env->nbase + ci->nvars + nextra + 1;
	if (need > env->outcap) {
		if ((out = reallocarray(env->out, need, sizeof(*out))) == NULL)
			return NULL;
		env->out = out;
		env->outcap = need;
	}
	for (i = 0; i < env->nbase; i++)
		env->out[n++] = env->vars[i];
	for (i = 0; i < (size_t)ci->nvars; i++)
		put(env->out, &n, (char *)ci->vars[i]);
	for (i = 0; i < nextra; i++)
		put(env->out, &n, extra[i]);
	env->out[n] = NULL;
	return env->out;
}

void
env_free(struct env *env)
{
	free(env->vars);
	free(env->out);
	env->vars = env->out = NULL;
	env->outcap = 0;
}

/*
 * Keep the last entry of each name among vars[0..n), in their order, and
 * return how many are left: an environment that names a variable twice
 * is read one way by getenv(3) (the first) and another by the shells (the
 * last), so a handler sees it once, as a shell would.
 */
static size_t
last_of_each(char **vars, size_t n)
{
	size_t i, j, kept = 0;

	for (i = 0; i < n; i++) {
		for (j = i + 1; j < n; j++)
			if (same_name(vars[i], vars[j]))
				break;
		if (j == n)
			vars[kept++] = vars[i];
	}
	return kept;
}

/* Add entry to out[0..*n), in the place of an entry of the same name. */
static void
put(char **out, size_t *n, char *entry)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (same_name(out[i], entry)) {
			out[i] = entry;
			return;
		}
	out[(*n)++] = entry;
}

/* Do "NAME=..." and "NAME=..." name the same variable? */
static int
same_name(const char *a, const char *b)
{
	size_t len = strcspn(a, "=");

	return strncmp(a, b, len) == 0 && (b[len] == '=' || b[len] == '\0');
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
