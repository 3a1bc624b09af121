/*
 * describe.c: what a handler is told about its client, built once, at
 * admission: the addresses and credentials (conn.c), the source that
 * --max-per-source counts, the balancer and what its PROXY header said,
 * and from all that the environment.  Before admission a connection is
 * only its small record (arrival.h).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <stdio.h>
#include <string.h>

#include "compat.h"
#include "describe.h"
#include "rules.h"

/*
 * Who the client is: the one the PROXY header names, or, for a health
 * check or an UNKNOWN one, the balancer itself; without a header, the
 * socket's peer.  fixed: the listener's own address, if it has one.
 */
void
describe_origin(const struct sockaddr_storage *fixed, const struct arrival *a,
    const struct proxy_result *hdr, struct origin *o)
{
	if (hdr != NULL && !hdr->local) {
		o->local = &hdr->dst;
		o->remote = &hdr->src;
		o->remotelen = sizeof(hdr->src);
		return;
	}
	o->local = fixed;
	o->remote = &a->remote;
	o->remotelen = a->remotelen;
}

/* The connection's addresses and credentials, for the environment. */
void
describe_conn(int fd, const struct origin *o, struct conn_info *ci)
{
	struct sockaddr_storage local;
	socklen_t len = sizeof(local);

	if (o->local->ss_family != AF_UNSPEC)
		local = *o->local;
	else if (o->remote->ss_family == AF_UNIX ||
	    getsockname(fd, (struct sockaddr *)&local, &len) == -1) {
		memset(&local, 0, sizeof(local));
		local.ss_family = o->remote->ss_family;
	}
	conn_describe(fd, &local, len, o->remote, o->remotelen, ci);
}

/*
 * The client that arrived as a (to the listener whose own address is
 * fixed), with the PROXY header hdr or NULL: everything but the decision.
 */
void
describe_client(const struct sockaddr_storage *fixed, const struct arrival *a,
    const struct proxy_result *hdr, struct client *c)
{
	struct conn_info balancer;
	struct origin o, via;

	describe_origin(fixed, a, hdr, &o);
	describe_conn(a->fd, &o, &c->ci);
	c->via[0] = '\0';
	c->px.nvars = 0;
	if (hdr != NULL) {
		describe_origin(fixed, a, NULL, &via);
		via.local = o.local;
		describe_conn(a->fd, &via, &balancer);
		conn_peer_text(&balancer, c->via, sizeof(c->via));
		proxied_vars(&balancer, hdr, &c->px);
	}
	c->remote = *o.remote;
	conn_source(o.remote, &c->ci, &c->src);
}

/*
 * The handler's environment: the client's variables, TCPCONNNUM when
 * sources are tracked (s6-tcpserver's name: its source's handlers, this
 * one included), the variables of the access rule that let it in, and
 * what its balancer's PROXY header said.
 */
char **
describe_env(struct client *c, struct env *env, int tracks_sources)
{
	/* a rules file line of RULES_LINE_MAX holds fewer pairs than this */
	char *extra[1 + RULES_LINE_MAX / 2 + PROXIED_MAX_VARS];
	const struct rule *rule = c->d.rule;
	size_t i, n = 0;

	if (tracks_sources) {
		snprintf(c->connnum, sizeof(c->connnum), "TCPCONNNUM=%d",
		    c->d.same_source + 1);
		extra[n++] = c->connnum;
	}
	for (i = 0; rule != NULL && i < rule->nenv && n < nitems(extra); i++)
		extra[n++] = rule->env[i];
	for (i = 0; i < c->px.nvars && n < nitems(extra); i++)
		extra[n++] = c->px.var[i];
	return env_for_conn_with(env, &c->ci, extra, n);
}
