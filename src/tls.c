/*
 * sockbridge-tls: TLS in front of an inetd-style handler.  The client is
 * on fds 0 and 1, as for any handler; sockbridge-tls peeks at its
 * ClientHello, forks the process that will be the handler, reads the one
 * key it needs, drops to --tls-user, does the handshake, lets the handler
 * run as --user, relays plaintext, and exits with the handler's status.
 *
 * main() reads top to bottom: options, checks, the peek, the handler's
 * process, the context, the handshake, the relay.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "handoff.h"
#include "tls_child.h"
#include "tls_ctx.h"
#include "tls_env.h"
#include "tls_handshake.h"
#include "tls_hello.h"
#include "tls_keys.h"
#include "tls_log.h"
#include "tls_options.h"
#include "tls_relay.h"

extern char **environ;

/* What main() made, freed at exit (a leak checker counts it otherwise). */
static struct {
	struct handoff	*h;
	SSL_CTX		*ctx;
	SSL		*ssl;
} made;

/* What the start-up settled, for the steps after it. */
struct setup {
	struct tls_options o;
	struct handoff	 h;
	int		 quiet;		/* fd 2 was the client: /dev/null now */
	int		 dirfd;		/* --cert-dir, or -1 */
};

/* The client's first bytes, read before any process or crypto. */
struct peeked {
	unsigned char	 early[HELLO_MAX];
	size_t		 len;
	struct hello	 hello;
};

static void	set_up(struct setup *, int, char *[]);
static void	await_hello(struct peeked *, long long);
static int	start_handler(struct tls_child *, struct setup *);
static SSL_CTX	*new_context(struct tls_child *, struct setup *,
		    const struct hello *);
static void	shake_hands(struct tls_conn *, SSL_CTX *, struct tls_child *,
		    struct peeked *, long long);
static int	relay(struct tls_conn *, struct tls_child *,
		    const struct tls_options *, int);
static int	stderr_is_client(void);
static int	open_cert_dir(const struct tls_options *);
static void	check_config(const struct tls_options *, int);
static void	set_signals(void);
static void	on_stop(int);
static int	peek_hello(unsigned char *, size_t *, struct hello *,
		    long long);
static __dead void refused(const char *, const struct hello *, int);
static __dead void refused_child(struct tls_child *, const char *,
		    const struct hello *, int);
static void	free_made(void);

int
main(int argc, char *argv[])
{
	static struct setup s;	/* free_made() frees its handoff after main() */
	static struct peeked p;
	struct tls_child child;
	struct tls_conn conn;
	long long deadline;
	SSL_CTX *ctx;
	int errfd;

	set_up(&s, argc, argv);
	deadline = tls_now_ms() + s.o.handshake_timeout * 1000LL;
	await_hello(&p, deadline);
	errfd = start_handler(&child, &s);
	ctx = new_context(&child, &s, &p.hello);
	/* the one key is read: the client's handshake runs as --tls-user */
	if (s.o.tls_user != NULL)
		tls_become(s.o.tls_user, &s.o.tls_cred);
	shake_hands(&conn, ctx, &child, &p, deadline);
	return relay(&conn, &child, &s.o, errfd);
}

/*
 * The options, the log and every check that needs no client; --check
 * exits here.  Before anything could be said on fd 2: is it the client?
 * Then it becomes /dev/null, and what would have gone there, a bad
 * option's message as much as a refusal, goes to syslog.
 */
static void
set_up(struct setup *s, int argc, char *argv[])
{
	if ((s->quiet = stderr_is_client()))
		tls_log_stderr_to_syslog();
	tls_options_parse(argc, argv, &s->o);
	tls_log_init(s->quiet, s->o.use_syslog, s->o.facility);
	tls_keys_init(&s->o);
	s->dirfd = open_cert_dir(&s->o);
	tls_keys_check_startup(&s->o, s->dirfd);
	if (s->o.check)
		check_config(&s->o, s->dirfd);
	handoff_init(&s->h, s->o.argv, 0, NULL);
	made.h = &s->h;
	atexit(free_made);
	set_signals();
}

/* A whole ClientHello by the deadline, or the refusal that says why not. */
static void
await_hello(struct peeked *p, long long deadline)
{
	switch (peek_hello(p->early, &p->len, &p->hello, deadline)) {
	case HELLO_DONE:
		break;
	case HELLO_MORE:
		refused(p->len == 0 ? "no-client-hello" : "handshake-timeout",
		    &p->hello, EXIT_TLS_TIMEOUT);
	case HELLO_NOT_TLS:
		refused("not-tls", &p->hello, EXIT_TLS_REFUSED);
	default:
		refused(p->len == 0 ? "closed" : "bad-client-hello",
		    &p->hello, EXIT_TLS_REFUSED);
	}
}

/*
 * The handler's process, still waiting for its go.  Its stderr: ours
 * (the log), or, when ours is /dev/null because fd 2 was the client, a
 * pipe the relay logs with --syslog; the pipe's read end is returned
 * (-1: none).
 */
static int
start_handler(struct tls_child *child, struct setup *s)
{
	int errp[2] = { -1, -1 };

	if (s->quiet && s->o.use_syslog && pipe2(errp, O_CLOEXEC) == -1)
		errp[0] = errp[1] = -1;
	if (tls_child_start(child, &s->o, &s->h, environ,
	    errp[1] != -1 ? errp[1] : STDERR_FILENO) == -1) {
		tls_log("cannot start the handler: %s", strerror(errno));
		exit(EXIT_TEMPFAIL);
	}
	if (errp[1] != -1)
		close(errp[1]);
	return errp[0];
}

/* The context for this ClientHello; the key files are read by now. */
static SSL_CTX *
new_context(struct tls_child *child, struct setup *s,
    const struct hello *hello)
{
	struct tls_refusal why;
	SSL_CTX *ctx;

	tls_ctx_init();
	if ((made.ctx = ctx = tls_ctx_new(&s->o, s->dirfd, hello, &why)) ==
	    NULL)
		refused_child(child, why.reason, hello, why.status);
	if (s->dirfd != -1)
		close(s->dirfd);
	return ctx;
}

/* The handshake on fds 0 and 1, from the bytes already peeked. */
static void
shake_hands(struct tls_conn *conn, SSL_CTX *ctx, struct tls_child *child,
    struct peeked *p, long long deadline)
{
	struct tls_refusal why;

	memset(conn, 0, sizeof(*conn));
	conn->in = STDIN_FILENO;
	conn->out = STDOUT_FILENO;
	if (tls_conn_start(conn, ctx, p->early, p->len) == -1)
		refused_child(child, "no-memory", &p->hello, EXIT_TEMPFAIL);
	made.ssl = conn->ssl;
	if (tls_handshake(conn, deadline, &why) == -1)
		refused_child(child, why.reason, &p->hello, why.status);
	tls_conn_quickack(conn);
}

/* The handler's go, with the session's variables; its exit status. */
static int
relay(struct tls_conn *conn, struct tls_child *child,
    const struct tls_options *o, int errfd)
{
	static char vars[TLS_ENV_MAX];
	size_t nvars;

	nvars = tls_env_session(conn->ssl, vars, sizeof(vars));
	tls_child_go(child, vars, nvars);
	return tls_relay(conn, child->sock, child->pid, o->lingering_close,
	    errfd);
}

static void
free_made(void)
{
	SSL_free(made.ssl);	/* and its BIOs */
	SSL_CTX_free(made.ctx);
	if (made.h != NULL)
		handoff_free(made.h);
}

/*
 * Is fd 2 the client's socket (the bridge's --stderr-to-socket, inetd,
 * systemd's Accept=yes)?  Then nothing may be written to it: not a word
 * of ours, not a byte of the handler's stderr, in cleartext.
 */
static int
stderr_is_client(void)
{
	struct stat in, out, e;

	if (fstat(STDERR_FILENO, &e) == -1 || !S_ISSOCK(e.st_mode))
		return 0;
	return (fstat(STDIN_FILENO, &in) == 0 && in.st_dev == e.st_dev &&
	    in.st_ino == e.st_ino) ||
	    (fstat(STDOUT_FILENO, &out) == 0 && out.st_dev == e.st_dev &&
	    out.st_ino == e.st_ino);
}

/* --cert-dir, opened once: names are opened relative to it. */
static int
open_cert_dir(const struct tls_options *o)
{
	int fd;

	if (o->cert_dir == NULL)
		return -1;
	if ((fd = open(o->cert_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1)
		err(EXIT_MISUSE, "--cert-dir %s", o->cert_dir);
	return fd;
}

/*
 * --check: the default certificate and key load and match, and so does
 * every pair under --cert-dir (tls_keys.c has checked that no key there
 * is the handler's to read); the first bad one is named; exit.
 */
static void
check_config(const struct tls_options *o, int dirfd)
{
	struct tls_refusal why;
	struct hello none;
	struct dirent *e;
	SSL_CTX *ctx;
	DIR *d;
	int dup;

	memset(&none, 0, sizeof(none));
	tls_ctx_init();
	if (o->cert != NULL) {
		struct tls_options plain = *o;

		plain.sni_strict = 0;
		if ((ctx = tls_ctx_new(&plain, -1, &none, &why)) == NULL)
			errx(EXIT_MISUSE, "%s: %s", o->cert, why.reason);
		SSL_CTX_free(ctx);
	}
	if (dirfd == -1)
		exit(0);
	if ((dup = fcntl(dirfd, F_DUPFD_CLOEXEC, 3)) == -1 ||
	    (d = fdopendir(dup)) == NULL)
		err(EXIT_TEMPFAIL, "--cert-dir %s", o->cert_dir);
	rewinddir(d);		/* the offset is dirfd's, read to its end */
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.' &&
		    tls_ctx_check_pair(dirfd, e->d_name, &why) == -1)
			errx(EXIT_MISUSE, "--cert-dir %s: %s: %s", o->cert_dir,
			    e->d_name, why.reason);
	closedir(d);
	exit(0);
}

/*
 * SIGPIPE is ignored: a write to a gone peer fails instead.  SIGTERM
 * (the bridge's timeout or drain, sent to the process group) reaches
 * the handler too; the relay goes on until the handler ends.
 */
static void
set_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

static void
on_stop(int sig)
{
	(void)sig;
	tls_told_to_stop = 1;
}

/*
 * Read the client's first bytes until they hold a whole ClientHello,
 * are not one, or the deadline passes.  No crypto, no process: a client
 * that sends nothing costs a poll.
 */
static int
peek_hello(unsigned char *buf, size_t *len, struct hello *hello,
    long long deadline)
{
	enum hello_status st = HELLO_MORE;
	struct pollfd pfd = { STDIN_FILENO, POLLIN, 0 };
	ssize_t n;

	*len = 0;
	memset(hello, 0, sizeof(*hello));
	if (fcntl(STDIN_FILENO, F_SETFL,
	    fcntl(STDIN_FILENO, F_GETFL) | O_NONBLOCK) == -1 ||
	    fcntl(STDOUT_FILENO, F_SETFL,
	    fcntl(STDOUT_FILENO, F_GETFL) | O_NONBLOCK) == -1) {
		tls_log("fds 0 and 1 are not the client: %s", strerror(errno));
		exit(EXIT_MISUSE);
	}
	while (st == HELLO_MORE && *len < HELLO_MAX) {
		if (poll(&pfd, 1, tls_remaining(deadline)) == 0)
			return HELLO_MORE;
		n = read(STDIN_FILENO, buf + *len, HELLO_MAX - *len);
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return HELLO_BAD;
		*len += n;
		st = hello_parse(buf, *len, hello);
	}
	return st == HELLO_MORE ? HELLO_BAD : st;
}

static void
refused(const char *reason, const struct hello *hello, int status)
{
	tls_log_refused(reason, hello->name, hello->namelen);
	exit(status);
}

/* As refused(), the handler's process told to exit first. */
static void
refused_child(struct tls_child *child, const char *reason,
    const struct hello *hello, int status)
{
	tls_child_go(child, NULL, 0);
	tls_log_refused(reason, hello->name, hello->namelen);
	(void)tls_wait_status(child->pid);
	exit(status);
}
