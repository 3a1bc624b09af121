/*
 * serve.c: accept clients on every listener and start a handler for each,
 * until the bridge has been idle long enough or is told to stop.
 *
 * The path of one connection, stage by stage (serve.c but where named):
 *
 *   arrives       handle_events, accept_client: accept_one (accept.c);
 *                 arrive: its token, accept_tune (accept.c)
 *   gone?         gone: gone_now (gone.c); then turn_away
 *   its header    pending_add ... pending_events (pending.c), on_header
 *   enters        enter: the one way in, with a header or without
 *   admitted?     admit: describe_client (describe.c), admission_decide
 *                 (admission.c); or turn_away (turnaway.c: one table row
 *                 per reason; closing.c lets the client go)
 *   starts        start: the banner, describe_env (describe.c),
 *                 handoff_spawn (handoff.c), children_add (children.c);
 *                 --once: become_handler, handoff_exec (handoff.c)
 *   ends          children_ended (children.c); police: drain_cut_off
 *                 (drain.c), children_police (children.c)
 *   lingers       --lingering-close: after its handler's group, the
 *                 connection holds its slot until the client closes or
 *                 its time is up (linger.c)
 *
 * Whatever the reason a client gets no handler, it leaves through
 * turn_away(): counted, logged, sent its line and end-of-file, or closed
 * at once if it is gone.  With --once that is the bridge's end too, the
 * same for every reason.  The record that follows a connection (struct
 * arrival) is small and copied by value; what its handler is told is
 * built at admission, in one place.
 *
 * The loop, in serve(): take the signals' requests, reap, stop (drain.c),
 * answer SIGHUP and SIGUSR1, police the handlers, exit if drained or
 * idle, plan the wait, wait (watch.c), handle what woke us.
 *
 * Under upstart-socket-bridge a bridge that exits while clients wait
 * strands them: upstart's watch is edge-triggered and it drops the
 * events that came while the job ran.  So the bridge keeps accepting while
 * clients come, and before it exits for idleness it looks once more.
 *
 * SIGCHLD, SIGTERM and SIGINT are blocked except inside ppoll(), so a
 * signal can only interrupt the wait, never the code around it
 * (signals.c).
 *
 * The handler table is never overfilled: the limit is checked before each
 * accept, however many listeners one wake-up finds ready.  Connections
 * that get no handler leave through closing.c, but for those whose
 * client is already gone (gone.c): nobody is there, they are closed.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <err.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "accept.h"
#include "admission.h"
#include "arrival.h"
#include "children.h"
#include "clock.h"
#include "closing.h"
#include "compat.h"
#include "conn.h"
#include "describe.h"
#include "drain.h"
#include "gone.h"
#include "linger.h"
#include "log.h"
#include "notify.h"
#include "pending.h"
#include "quiesce.h"
#include "serve.h"
#include "signals.h"
#include "stats.h"
#include "status.h"
#include "turnaway.h"
#include "watch.h"
#include "watchdog.h"

/* how much of a bad PROXY header the log shows */
#define PROXY_SHOWN	32

struct server {
	const struct serve_options *opts;
	struct listeners *ls;
	struct env	*env;
	struct handoff	*handoff;
	struct watch	 watch;		/* the poll table */
	/* a listener bound to one address: every client's local address */
	struct sockaddr_storage local[MAX_LISTENERS];
	struct children	 children;
	struct closing	 closing;	/* refused clients on their way out */
	struct lingering linger;	/* served clients on their way out */
	struct pending	 pending;	/* clients whose PROXY header is due */
	struct admission *admission;	/* may a client have a handler? */
	struct acceptor	 acceptor;	/* back-off, --max-accept-rate */
	struct stats	 stats;
	struct status	 status;	/* systemd's STATUS=, throttled */
	struct gone_log	 gone_log;	/* when "gone" was last logged */
	struct signal_requests asked;	/* by signals, this loop pass */
	char		*banner;	/* TEXT\n, or NULL */
	char		*line[TURNAWAY_LINES];	/* TEXT\n, or NULL */
	struct exits	 exits;		/* for the turned away (turnaway.c) */
	long long	 idle_since;	/* ms, when the last handler ended */
	struct drain	 drain;		/* after SIGTERM or SIGINT */
	long long	 police_due;	/* ms, a handler's next signal; -1 */
};

static void	server_init(struct server *, const struct serve_options *,
		    struct listeners *, struct env *, struct handoff *);
static int	server_free(struct server *);
static char    *with_newline(const char *);
static void	handle_stop(struct server *, long long);
static void	handle_requests(struct server *, long long);
static void	police(struct server *, long long);
static int	drained(const struct server *);
static int	idle_exit(struct server *, long long);
static int	idle_counts(const struct server *);
static int	listeners_to_watch(struct server *, long long);
static int	may_accept(struct server *, long long);
static struct timespec *plan_wait(struct server *, long long,
		    struct timespec *);
static long long earliest(long long, long long);
static void	handle_events(struct server *);
static void	take_queued(struct server *);
static int	take_from(struct server *, size_t);
static int	accept_client(struct server *, size_t);
static void	arrive(struct server *, const struct arrival *);
static void	on_header(void *, struct pending_conn *,
		    const struct proxy_result *, const char *);
static int	past_cut_off(const struct server *, long long);
static int	gone(struct server *, const struct arrival *,
		    const struct origin *);
static void	enter(struct server *, const struct arrival *,
		    const struct proxy_result *);
static int	admit(struct server *, const struct arrival *,
		    const struct proxy_result *, struct client *);
static void	start(struct server *, const struct arrival *,
		    struct client *);
static void	started(struct server *, pid_t, const struct client *);
static int	send_line(int, const char *);
static __dead void become_handler(struct server *, const struct arrival *,
		    char **);

/*
 * Serve until idle (exit status 0) or until stopped: then drain, and
 * return 0 if every handler finished on its own, 1 if some were cut off.
 */
int
serve(const struct serve_options *opts, struct listeners *ls,
    struct env *env, struct handoff *handoff)
{
	struct server sv;
	struct timespec ts;
	sigset_t waitmask;

	server_init(&sv, opts, ls, env, handoff);
	signals_catch(&waitmask);
	sv.idle_since = now_ms();
	notify_send("READY=1");
	for (;;) {
		signals_take(&sv.asked);
		if ((sv.asked.child || sv.children.leaderless > 0) &&
		    children_ended(&sv.children, &sv.stats))
			sv.idle_since = now_ms();
		handle_stop(&sv, now_ms());
		handle_requests(&sv, now_ms());
		police(&sv, now_ms());
		if (drained(&sv) || idle_exit(&sv, now_ms()))
			break;
		watch_wait(&sv.watch, sv.ls, listeners_to_watch(&sv, now_ms()),
		    &sv.pending, &sv.closing, plan_wait(&sv, now_ms(), &ts),
		    &waitmask);
		handle_events(&sv);
	}
	notify_flush();		/* a last chance for STOPPING=1 */
	return server_free(&sv);
}

static void
server_init(struct server *sv, const struct serve_options *opts,
    struct listeners *ls, struct env *env, struct handoff *handoff)
{
	size_t i;

	memset(sv, 0, sizeof(*sv));
	sv->opts = opts;
	sv->ls = ls;
	sv->env = env;
	sv->handoff = handoff;
	sv->banner = with_newline(opts->banner);
	sv->line[LINE_REFUSAL] = with_newline(opts->refuse_message);
	sv->line[LINE_DENIAL] = with_newline(opts->deny_message);
	children_init(&sv->children, opts->max_connections);
	closing_init(&sv->closing, CLOSING_MAX, CLOSING_MS);
	linger_init(&sv->linger, opts->max_connections, opts->linger,
	    &sv->stats);
	if (opts->linger > 0)
		sv->children.linger = &sv->linger;
	if (opts->proxy.versions != 0)
		pending_init(&sv->pending, opts->max_connections,
		    &opts->proxy, on_header, sv);
	watch_init(&sv->watch, opts->max_connections, &sv->linger);
	sv->admission = opts->admission;
	sv->stats.started = now_ms();
	sv->stats.max_running = opts->max_connections;
	accept_init(&sv->acceptor, &opts->max_accept_rate, sv->stats.started);
	for (i = 0; i < ls->n; i++)
		accept_fixed_local(ls->l[i].fd, &sv->local[i]);
	sv->police_due = -1;
	sv->drain.seconds = opts->drain_timeout;
	sv->exits.stats = &sv->stats;
	sv->exits.closing = &sv->closing;
	sv->exits.ls = ls;
	sv->exits.line = sv->line;
	sv->exits.once = opts->once;
}

/* Returns serve()'s exit status: 1 if the drain cut handlers off. */
static int
server_free(struct server *sv)
{
	size_t i;

	pending_free(&sv->pending);
	closing_free(&sv->closing);
	children_free(&sv->children);
	linger_free(&sv->linger);
	watch_free(&sv->watch);
	free(sv->banner);
	for (i = 0; i < nitems(sv->line); i++)
		free(sv->line[i]);
	return sv->drain.cut_off ? 1 : 0;
}

/* TEXT as a line, or NULL for no TEXT. */
static char *
with_newline(const char *text)
{
	char *line;

	if (text == NULL)
		return NULL;
	if (asprintf(&line, "%s\n", text) == -1)
		err(EXIT_TEMPFAIL, "asprintf");
	return line;
}

/*
 * SIGTERM or SIGINT (drain.c).  No PROXY header is waited for past the
 * drain's end.  The clients already queued on our own listeners are
 * taken (quiesce.c).
 */
static void
handle_stop(struct server *sv, long long now)
{
	drain_stops(&sv->drain, sv->asked.stops, sv->ls, sv->children.n, now);
	if (sv->drain.until == 0)
		return;
	if (sv->drain.until != DRAIN_NO_CUT_OFF)
		pending_due_by(&sv->pending, sv->drain.until);
	take_queued(sv);
}

/*
 * Stopping: whoever is queued on a listener still open comes in, while
 * the slots and --max-accept-rate allow, and is turned away after the
 * drain's cut-off (arrive).  A listener is closed once it has nobody
 * left (quiesce.c); after the cut-off once it has been emptied, or when
 * accept() fails and no connection on its way out will free a
 * descriptor: nothing may outlast the drain for long.  No poll() is
 * asked: a unix listener shut down for reading always looks ready.
 */
static void
take_queued(struct server *sv)
{
	struct listener *l;
	long long now;
	size_t i;
	int got;

	for (i = 0; i < sv->ls->n; i++) {
		l = &sv->ls->l[i];
		if (l->fd == -1)
			continue;
		got = take_from(sv, i);
		now = now_ms();
		if (past_cut_off(sv, now) ? got == 0 || (got == -1 &&
		    sv->closing.n == 0 && sv->linger.cl.n == 0) :
		    quiesce_done(l, got == 0, now))
			quiesce_close(l);
	}
}

/*
 * Take clients from listener n while the limits allow: 0 when accept()
 * found nobody left, 1 when the limits stop it, -1 when accept() fails
 * (backing off, accept.c).  A failure that is one client's (it reset) is
 * passed over; past the cut-off any failure ends it, and the back-off
 * is not waited for: the last try decides whether the listener closes.
 */
static int
take_from(struct server *sv, size_t n)
{
	long long now;
	int got;

	for (;;) {
		now = now_ms();
		if (past_cut_off(sv, now))
			;	/* whoever is there is turned away */
		else if (accept_backoff_left(&sv->acceptor, now) > 0)
			return -1;
		else if (!may_accept(sv, now))
			return 1;
		if ((got = accept_client(sv, n)) == 0)
			return 0;
		if (got == -1 && past_cut_off(sv, now))
			return -1;
	}
}

/*
 * SIGHUP: read the rules file again; SIGUSR1: a stats line.  Then tell
 * systemd how things stand, if that changed.
 */
static void
handle_requests(struct server *sv, long long now)
{
	if (sv->asked.reload)
		admission_reload(sv->admission);
	status_report(&sv->status, &sv->stats, &sv->children,
	    sv->asked.stats, now);
	if (notify_waiting())	/* READY=1 and the like, queue was full */
		notify_flush();
}

/*
 * Handlers past their time get their signals: at the drain's cut-off
 * every one still running, past --timeout each one (SIGTERM, SIGKILL
 * after the grace).  The next one due bounds the wait.  Lingering
 * connections past their time, or the drain's, are closed: the last
 * one's end starts the idle clock.
 */
static void
police(struct server *sv, long long now)
{
	int lingering = sv->linger.cl.n;

	if (linger_police(&sv->linger, now, past_cut_off(sv, now)))
		sv->idle_since = now;
	/* stopping: a slot that came free goes to a client queued */
	if (sv->linger.cl.n < lingering && sv->drain.until != 0)
		take_queued(sv);
	drain_cut_off(&sv->drain, &sv->children, now);
	sv->police_due = children_police(&sv->children, now,
	    sv->opts->timeout * 1000);
}

/*
 * Stopped, and nothing left: no handler, no header, no closing or
 * lingering client.
 */
static int
drained(const struct server *sv)
{
	return sv->drain.until != 0 && sv->children.n == 0 &&
	    sv->pending.n == 0 && sv->closing.n == 0 && sv->linger.cl.n == 0 &&
	    quiesce_open(sv->ls) == 0;
}

/*
 * Idle for --idle-timeout: time to exit, unless a client waits.  That last
 * look is for upstart, which would not start us again for a client that
 * came meanwhile.  A refused client is no work: it neither resets the idle
 * clock nor holds the exit; one still on its way out has had its line and
 * end-of-file, and is closed with the rest (else a peer refused every
 * second would keep the bridge alive for ever).  Listeners of our own
 * would reset the clients queued when they close: the bridge stops as
 * on SIGTERM instead (drain.c), and exits once their queues are taken.
 */
static int
idle_exit(struct server *sv, long long now)
{
	if (!idle_counts(sv) ||
	    now < sv->idle_since + sv->opts->idle_timeout * 1000)
		return 0;
	if (sv->ls->origin == FROM_LISTEN) {
		drain_idle(&sv->drain, sv->ls, now);
		take_queued(sv);
		return drained(sv);
	}
	return !watch_clients_waiting(&sv->watch, sv->ls);
}

/*
 * No handler, no header awaited, no lingering client (work, but bounded
 * by --lingering-close), not draining, and an --idle-timeout.
 */
static int
idle_counts(const struct server *sv)
{
	return sv->children.n == 0 && sv->pending.n == 0 &&
	    sv->linger.cl.n == 0 && sv->opts->idle_timeout > 0 &&
	    sv->drain.until == 0;
}

/*
 * How many listeners to watch: none while every handler slot is taken
 * (clients wait in the backlog), while backing off or while draining.
 */
static int
listeners_to_watch(struct server *sv, long long now)
{
	if (!may_accept(sv, now) || sv->drain.until != 0 ||
	    accept_backoff_left(&sv->acceptor, now) > 0)
		return 0;
	return sv->ls->n;
}

/*
 * Below --max-connections (a client waiting for its PROXY header holds a
 * slot too, and so does a lingering one; with --once, one client is all),
 * and --max-accept-rate allows one more now?
 */
static int
may_accept(struct server *sv, long long now)
{
	if (sv->opts->once && sv->pending.n > 0)
		return 0;
	return sv->children.n + sv->pending.n + sv->linger.cl.n <
	    sv->opts->max_connections && accept_rate_allows(&sv->acceptor, now);
}

/*
 * Until when to wait: the idle deadline, the end of an accept pause or
 * back-off, a handler's next signal, the drain's end, a closing or
 * lingering connection's or a header's time, a STATUS= held back, the
 * look at groups outliving their leader.  NULL: no deadline.
 */
static struct timespec *
plan_wait(struct server *sv, long long now, struct timespec *ts)
{
	long long due, left = -1;

	/*
	 * Past the deadline a client waits (idle_exit looked): its listener
	 * wakes us, or the accept pause's end does.  A zero wait would spin.
	 */
	if (idle_counts(sv) &&
	    now < sv->idle_since + sv->opts->idle_timeout * 1000)
		left = sv->idle_since + sv->opts->idle_timeout * 1000 - now;
	if (accept_rate_pause(&sv->acceptor, now) > 0)	/* clients wait */
		left = earliest(left, accept_rate_pause(&sv->acceptor, now));
	if (accept_backoff_left(&sv->acceptor, now) > 0)
		left = earliest(left, accept_backoff_left(&sv->acceptor, now));
	due = sv->police_due;
	if (sv->drain.until > now && sv->drain.until != DRAIN_NO_CUT_OFF)
		due = earliest(due, sv->drain.until);
	due = earliest(due, closing_next_due(&sv->closing));
	due = earliest(due, linger_next_due(&sv->linger));
	due = earliest(due, pending_next_due(&sv->pending));
	due = earliest(due, quiesce_next_due(sv->ls, now));
	due = earliest(due, status_due(&sv->status));
	if (sv->children.leaderless > 0)
		due = earliest(due, now + GROUP_CHECK_MS);
	if (notify_waiting())
		due = earliest(due, now + NOTIFY_RETRY_MS);
	if (due != -1)
		left = earliest(left, due > now ? due - now : 0);
	if (left == -1)
		return NULL;
	ts->tv_sec = left / 1000;
	ts->tv_nsec = left % 1000 * 1000000;
	return ts;
}

/* The earlier of two deadlines, -1 meaning none. */
static long long
earliest(long long a, long long b)
{
	return a == -1 || (b != -1 && b < a) ? b : a;
}

/*
 * What woke us: closing and lingering connections go on, headers come in
 * (and those complete enter), and each ready listener gives one client
 * while the limits allow.
 */
static void
handle_events(struct server *sv)
{
	const struct watch *w = &sv->watch;
	struct pollfd *pending_pfd = w->pfd + w->listeners;
	int i;

	/* first: handing a client on may add to the closing ones */
	closing_events(&sv->closing, pending_pfd + w->pending, w->closing,
	    now_ms());
	if (linger_events(&sv->linger, pending_pfd + w->pending + w->closing,
	    w->lingering, now_ms()))
		sv->idle_since = now_ms();
	pending_events(&sv->pending, pending_pfd, w->pending, now_ms());
	for (i = 0; i < w->listeners; i++) {
		if (w->pfd[i].revents & POLLNVAL)
			errx(EXIT_TEMPFAIL, "fd %d: listening socket "
			    "was closed", w->pfd[i].fd);
		/* the limits hold whatever else was ready */
		if (w->pfd[i].revents != 0 && may_accept(sv, now_ms()))
			accept_client(sv, i);
	}
}

/*
 * Accept one client from listener n, if one is still there: 1 if one
 * was, 0 if its queue is empty, -1 for another failure (accept.c).
 */
static int
accept_client(struct server *sv, size_t n)
{
	struct arrival a;

	a.listener = n;
	a.remotelen = sizeof(a.remote);
	a.fd = accept_one(&sv->acceptor, sv->ls->l[n].fd, &a.remote,
	    &a.remotelen);
	if (a.fd == -1)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	sv->stats.accepted++;
	arrive(sv, &a);
	return 1;
}

/*
 * A client has arrived.  Unless it is gone already, it takes its
 * --max-accept-rate token (whatever becomes of it), and either enters or
 * waits for its PROXY header.
 */
static void
arrive(struct server *sv, const struct arrival *a)
{
	struct turnaway_facts f;
	struct origin o;
	struct source src;

	describe_origin(&sv->local[a->listener], a, NULL, &o);
	if (gone(sv, a, &o))
		return;
	memset(&f, 0, sizeof(f));
	if (past_cut_off(sv, now_ms())) {
		/* queued when the bridge stopped, and no time is left */
		turn_away(&sv->exits, a->fd, &o, NULL, TURN_STOPPING, &f);
		return;
	}
	accept_take_token(&sv->acceptor, now_ms());
	accept_tune(a->fd, a->remote.ss_family, sv->opts->nodelay,
	    sv->opts->keepalive);
	if (!pending_wanted(&sv->opts->proxy, sv->opts->proxy_from, a, &src))
		enter(sv, a, NULL);
	else if (!pending_has_room(&sv->pending, &src)) {
		/* its source's share is waiting: nothing read, a FIN */
		f.why = "too-many-waiting";
		f.first = "";
		turn_away(&sv->exits, a->fd, &o, NULL, TURN_PROXY_ERROR, &f);
	} else if (pending_add(&sv->pending, a, &src, now_ms()) == -1)
		turn_away(&sv->exits, a->fd, &o, NULL, TURN_NO_MEMORY, &f);
}

/*
 * A PROXY header came (pending.c), or none that could be used (hdr NULL:
 * refused for reason, closed without a word; the log shows what the peer
 * sent first).  A health check that sent its header and reset is gone.
 */
static void
on_header(void *arg, struct pending_conn *pc, const struct proxy_result *hdr,
    const char *reason)
{
	struct server *sv = arg;
	struct turnaway_facts f;
	struct origin o;
	char first[LOG_ESCAPED_SIZE(PROXY_SHOWN)];

	describe_origin(&sv->local[pc->a.listener], &pc->a, hdr, &o);
	if (hdr != NULL && past_cut_off(sv, now_ms())) {
		/* due by the drain's end (handle_stop): not in time */
		hdr = NULL;
		reason = "timeout";
	}
	if (hdr != NULL) {
		if (!gone(sv, &pc->a, &o))
			enter(sv, &pc->a, hdr);
		return;
	}
	memset(&f, 0, sizeof(f));
	f.why = reason;
	f.first = log_escape(first, sizeof(first), pc->buf,
	    pc->seen < PROXY_SHOWN ? pc->seen : PROXY_SHOWN);
	turn_away(&sv->exits, pc->a.fd, &o, NULL, TURN_PROXY_ERROR, &f);
}

/*
 * Has the drain reached its cut-off?  Then no handler starts: nothing
 * would signal it, and the bridge would outlive its drain.
 */
static int
past_cut_off(const struct server *sv, long long now)
{
	return sv->drain.until != 0 && now >= sv->drain.until;
}

/*
 * Is the client already gone, with nothing left to read (gone.c)?  Then
 * its connection is closed at once: no handler, no banner, no refusal,
 * no rate token, no per-source count; a plain close, as nobody is there
 * to read a line.  The log says so at most every GONE_LOG_MS, with the
 * count since the line before.
 */
static int
gone(struct server *sv, const struct arrival *a, const struct origin *o)
{
	struct turnaway_facts f;

	if (!gone_now(a->fd))
		return 0;
	memset(&f, 0, sizeof(f));
	f.count = gone_note(&sv->gone_log, now_ms());
	f.throttled = f.count == 0;
	turn_away(&sv->exits, a->fd, o, NULL, TURN_GONE, &f);
	return 1;
}

/*
 * The one way in, whether the client was just accepted or its header
 * just came: admitted and started, or turned away.
 */
static void
enter(struct server *sv, const struct arrival *a,
    const struct proxy_result *hdr)
{
	struct client c;

	if (admit(sv, a, hdr, &c))
		start(sv, a, &c);
}

/*
 * May the client have a handler?  Describes it (describe.c: what its
 * handler will be told is built here, and only here), asks admission.c,
 * and turns the refused away (0); 1 when it is welcome.
 */
static int
admit(struct server *sv, const struct arrival *a,
    const struct proxy_result *hdr, struct client *c)
{
	struct turnaway_facts f;
	char peer[CONN_TEXT_SIZE], text[1024];

	describe_client(&sv->local[a->listener], a, hdr, c);
	admission_decide(sv->admission, &c->remote, &c->src, c->ci.uid,
	    c->ci.gid, &sv->children, now_ms(), &c->d);
	memset(&f, 0, sizeof(f));
	f.rule = rules_name(c->d.rule);
	f.max_per_source = sv->opts->admit.max_per_source;
	f.count = c->d.rate.refused;
	f.throttled = c->d.verdict == RATE_LIMITED && !c->d.rate.log;
	if (c->d.verdict != ADMIT) {
		turn_away(&sv->exits, a->fd, NULL, &c->ci,
		    turnaway_of(c->d.verdict), &f);
		return 0;
	}
	/* admitted, and the refusals of its source since are told */
	if (c->d.rate.log && log_verbose()) {
		conn_peer_text(&c->ci, peer, sizeof(peer));
		f.peer = peer;
		turnaway_text(TURN_RATE_LIMITED, &f, text, sizeof(text));
		log_info("%s", text);
	}
	return 1;
}

/*
 * An admitted client: its banner, then its handler, a process of its own
 * (--once: this one).  The client fd is closed here once the handler has
 * it, or kept in its handler's entry for --lingering-close.
 */
static void
start(struct server *sv, const struct arrival *a, struct client *c)
{
	struct turnaway_facts f;
	char **envp;
	pid_t pid;
	int error;

	memset(&f, 0, sizeof(f));
	if (!send_line(a->fd, sv->banner)) {
		turn_away(&sv->exits, a->fd, NULL, &c->ci, TURN_BANNER_FAILED,
		    &f);
		return;
	}
	envp = describe_env(c, sv->env,
	    admission_tracks_sources(sv->admission));
	if (sv->opts->once)
		become_handler(sv, a, envp);
	error = envp == NULL ? ENOMEM :
	    handoff_spawn(sv->handoff, a->fd, envp, &pid);
	if (error != 0) {
		f.why = sv->handoff->argv[0];
		f.error = error;
		turn_away(&sv->exits, a->fd, NULL, &c->ci, TURN_SPAWN_ERROR,
		    &f);
		return;
	}
	if (sv->opts->linger == 0)
		close(a->fd);
	children_add(&sv->children, pid, now_ms(),
	    admission_tracks_sources(sv->admission) ? &c->src : NULL,
	    sv->opts->linger > 0 ? a->fd : -1);
	started(sv, pid, c);
}

/* The start line: who, through which balancer, to where, how many now. */
static void
started(struct server *sv, pid_t pid, const struct client *c)
{
	char peer[CONN_TEXT_SIZE], here[CONN_TEXT_SIZE];

	if (!log_verbose())
		return;
	conn_peer_text(&c->ci, peer, sizeof(peer));
	conn_local_text(&c->ci, here, sizeof(here));
	log_info("start pid=%ld remote=%s%s%s local=%s handlers=%d/%d",
	    (long)pid, peer, *c->via != '\0' ? " via=" : "", c->via, here,
	    sv->children.n, sv->opts->max_connections);
}

/* Send a banner or refusal; a client already gone makes it fail. */
static int
send_line(int fd, const char *line)
{
	return line == NULL ||
	    send(fd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT) >= 0;
}

/* --once: this process becomes the handler; nothing is left to clean. */
static __dead void
become_handler(struct server *sv, const struct arrival *a, char **envp)
{
	listeners_remove_files(sv->ls);
	if (envp == NULL)
		err(EXIT_TEMPFAIL, "environment");
	if (sv->opts->timeout > 0)
		watchdog_start(sv->opts->timeout);
	handoff_exec(sv->handoff, a->fd, envp);
}
