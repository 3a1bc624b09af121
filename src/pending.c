/*
 * pending.c: connections waiting for their PROXY protocol header.
 *
 * A balancer's connection must start with the header, and the bridge may
 * not start the handler before the whole header is in (a server that
 * speaks first would answer the wrong client).  Waiting for it must never
 * block the bridge: a connection stays here, watched by the serving
 * loop's poll, until its header is complete, is wrong, or its time runs
 * out; a slow or silent peer costs one handler slot, nothing more.
 * One source (as --max-per-source counts it: an IPv4 address, an IPv6
 * /64, a unix peer's uid) may hold at most a quarter of the slots with
 * headers still due, so that silent connections from one peer leave the
 * rest to everyone else; a balancer sends its header with the
 * connection, and each header whole on arrival frees its place at once.
 *
 * Nothing past the header is ever read, so the client's first bytes reach
 * the handler intact even when they came in the same segment: the bytes
 * are peeked, proxy_header_need() tells whether they hold the whole
 * header, and only header bytes are taken (see proxy_header.h).  The
 * socket's flags and options are never changed (every read says
 * MSG_DONTWAIT), so there is nothing to restore for the handler.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pending.h"
#include "rules.h"

static int	step(struct pending *, struct pending_conn *,
		    struct proxy_result *, const char **);
static void	finish(struct pending *, int, const struct proxy_result *,
		    const char *);

void
pending_init(struct pending *p, int max, const struct pending_options *opts,
    pending_done_fn done, void *arg)
{
	memset(p, 0, sizeof(*p));
	p->max = max;
	p->opts = opts;
	p->done = done;
	p->arg = arg;
	p->share = max / 4 > 1 ? max / 4 : 1;
	if ((p->c = reallocarray(NULL, max, sizeof(*p->c))) == NULL)
		p->max = 0;
}

void
pending_free(struct pending *p)
{
	while (p->n > 0) {
		close(p->c[p->n - 1].a.fd);
		free(p->c[p->n - 1].buf);
		p->n--;
	}
	free(p->c);
	p->c = NULL;
}

/* May one more connection from src wait for its header (its share)? */
int
pending_has_room(const struct pending *p, const struct source *src)
{
	int i, n = 0;

	for (i = 0; i < p->n; i++)
		if (p->c[i].src.family == src->family &&
		    memcmp(p->c[i].src.key, src->key, sizeof(src->key)) == 0)
			n++;
	return n < p->share;
}

/*
 * Wait for the header of the client that arrived as a, from src.
 * Returns 0, or -1 when there is no room or memory: the fd is still the
 * caller's then.
 * What has already come is read at once: a balancer sends its header
 * with the connection, so most headers are whole by the time they are
 * accepted, and done is called before this returns, without a trip
 * through the poll.
 */
int
pending_add(struct pending *p, const struct arrival *a,
    const struct source *src, long long now)
{
	struct pending_conn *pc;
	struct proxy_result result;
	const char *reason;
	int rv;

	if (p->n >= p->max)
		return -1;
	pc = &p->c[p->n];
	memset(pc, 0, sizeof(*pc));
	if ((pc->buf = malloc(p->opts->header_max)) == NULL)
		return -1;
	pc->a = *a;
	pc->src = *src;
	pc->until = now + p->opts->timeout_ms;
	p->n++;
	if ((rv = step(p, pc, &result, &reason)) != 0)
		finish(p, p->n - 1, rv > 0 ? &result : NULL, reason);
	return 0;
}

int
pending_pollfds(const struct pending *p, struct pollfd *pfd)
{
	int i;

	for (i = 0; i < p->n; i++) {
		pfd[i].fd = p->c[i].a.fd;
		pfd[i].events = POLLIN;
		pfd[i].revents = 0;
	}
	return p->n;
}

/*
 * After the poll: read what came for each ready connection, and hand on
 * (through done) those whose header is complete or wrong or whose time
 * is up.  pfd is what pending_pollfds filled, npfd entries.
 */
void
pending_events(struct pending *p, const struct pollfd *pfd, int npfd,
    long long now)
{
	struct proxy_result result;
	const char *reason;
	int i, rv;

	/* backwards, so that finish() moving the last entry is harmless */
	for (i = npfd - 1; i >= 0; i--) {
		if (pfd[i].revents == 0)
			continue;
		if ((rv = step(p, &p->c[i], &result, &reason)) != 0)
			finish(p, i, rv > 0 ? &result : NULL, reason);
	}
	for (i = p->n - 1; i >= 0; i--)
		if (now >= p->c[i].until)
			finish(p, i, NULL, "timeout");
}

/*
 * No header may be waited for past until (ms): the drain is over then,
 * and a late header must not hold the bridge for --proxy-timeout.
 */
void
pending_due_by(struct pending *p, long long until)
{
	int i;

	for (i = 0; i < p->n; i++)
		if (p->c[i].until > until)
			p->c[i].until = until;
}

long long
pending_next_due(const struct pending *p)
{
	long long due = -1;
	int i;

	for (i = 0; i < p->n; i++)
		if (due == -1 || p->c[i].until < due)
			due = p->c[i].until;
	return due;
}

/*
 * Take what the client sent so far.  0: the header is not complete yet;
 * 1: it is, in *result, and consumed; -1: it is wrong (*reason).
 */
static int
step(struct pending *p, struct pending_conn *pc, struct proxy_result *result,
    const char **reason)
{
	const struct pending_options *o = p->opts;
	ssize_t got;
	int need;

	got = recv(pc->a.fd, pc->buf + pc->len, o->header_max - pc->len,
	    MSG_PEEK | MSG_DONTWAIT);
	if (got == -1 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (got <= 0) {
		*reason = got == 0 ? "truncated" : "connection-error";
		return -1;
	}
	pc->seen = pc->len + got;
	need = proxy_header_need(pc->buf, pc->seen, o->versions,
	    o->header_max, reason);
	if (need < 0)
		return -1;
	if (need > 0) {
		/* all of it is header: take it, or poll would say "ready" */
		got = recv(pc->a.fd, pc->buf + pc->len, got, MSG_DONTWAIT);
		if (got <= 0) {
			*reason = "connection-error";
			return -1;
		}
		pc->len += got;
		return 0;
	}
	if (proxy_header_parse(pc->buf, pc->seen, o->versions,
	    o->header_max, result, reason) == -1)
		return -1;
	got = recv(pc->a.fd, pc->buf + pc->len, result->length - pc->len,
	    MSG_DONTWAIT);
	if (got != (ssize_t)(result->length - pc->len)) {
		*reason = "connection-error";
		return -1;
	}
	pc->len = result->length;
	return 1;
}

/* Hand entry i on (result NULL: wrong, with reason) and drop it. */
static void
finish(struct pending *p, int i, const struct proxy_result *result,
    const char *reason)
{
	struct pending_conn pc = p->c[i];

	p->c[i] = p->c[--p->n];
	p->done(p->arg, &pc, result, reason);
	free(pc.buf);
}

/*
 * Must this peer send a PROXY header (--proxy-protocol, --proxy-from
 * rules "from")?  A unix peer is matched by its credentials (uid:N,
 * gid:N), taken here as they are nowhere else before the header.  *src:
 * the peer's source, for its share of the connections waiting for a
 * header.
 */
int
pending_wanted(const struct pending_options *opts, const struct rules *from,
    const struct arrival *a, struct source *src)
{
	struct conn_info ci;
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (opts->versions == 0)
		return 0;
	ci.uid = ci.gid = -1;
	if (a->remote.ss_family == AF_UNIX &&
	    getsockopt(a->fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
		ci.uid = cred.uid;
		ci.gid = cred.gid;
	}
	conn_source(&a->remote, &ci, src);
	return from == NULL || rules_match(from, &a->remote, ci.uid, ci.gid) !=
	    NULL;
}
