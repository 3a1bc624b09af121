/*
 * tls_child.c: the process that becomes the handler.  It is forked while
 * sockbridge-tls is still privileged (only then can it become --user, a
 * uid the relay is not) and before any key is read or any OpenSSL work is
 * done, so it never holds a key.  It lets go of the client's socket at
 * once and waits, touching no client byte, until the relay sends the
 * session's variables; an EOF instead means no session: it exits.  Then it
 * becomes --user and runs the handler on its end of a socketpair, in the
 * relay's process group (the bridge's SIGTERM reaches both), with
 * sockbridge-tls's stderr: the log, never the client.
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "compat.h"
#include "privileges.h"
#include "tls_child.h"
#include "tls_env.h"

static __dead void become_handler(const struct tls_options *,
		    struct handoff *, char *const *, int, int);
static size_t	read_all(int, char *, size_t);

/*
 * Fork the handler's process.  stderr_fd is what it gets as fd 2.  0, or
 * -1 (errno set) when no process or descriptor could be made.
 */
int
tls_child_start(struct tls_child *c, const struct tls_options *o,
    struct handoff *h, char *const *environ, int stderr_fd)
{
	int sp[2], go[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1)
		return -1;
	if (pipe2(go, O_CLOEXEC) == -1) {
		close(sp[0]);
		close(sp[1]);
		return -1;
	}
	if ((c->pid = fork()) == -1) {
		close(sp[0]);
		close(sp[1]);
		close(go[0]);
		close(go[1]);
		return -1;
	}
	if (c->pid == 0) {
		close(sp[0]);
		close(go[1]);
		if (stderr_fd != STDERR_FILENO &&
		    dup2(stderr_fd, STDERR_FILENO) == -1)
			_exit(EXIT_TEMPFAIL);
		become_handler(o, h, environ, sp[1], go[0]);
	}
	close(sp[1]);
	close(go[0]);
	c->sock = sp[0];
	c->go = go[1];
	return 0;
}

/* Let the handler run, with these variables; len 0: it exits instead. */
void
tls_child_go(struct tls_child *c, const char *vars, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(c->go, vars, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		vars += n;
		len -= n;
	}
	close(c->go);
	c->go = -1;
}

static void
become_handler(const struct tls_options *o, struct handoff *h,
    char *const *environ, int sock, int go)
{
	static char vars[TLS_ENV_MAX];
	char **env;
	size_t len;
	int null;

	/* the client is the relay's alone: a reset must not wait for us */
	if ((null = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1 ||
	    dup2(null, STDIN_FILENO) == -1 || dup2(null, STDOUT_FILENO) == -1)
		_exit(EXIT_TEMPFAIL);
	if ((len = read_all(go, vars, sizeof(vars))) == 0)
		_exit(0);
	close(go);
	if (o->user != NULL)
		drop_privileges(o->user, &o->user_cred);
	if ((env = tls_env_handler(environ, vars, len)) == NULL)
		_exit(EXIT_TEMPFAIL);
	handoff_exec(h, sock, env);
}

static size_t
read_all(int fd, char *buf, size_t size)
{
	size_t have = 0;
	ssize_t n;

	while (have < size) {
		n = read(fd, buf + have, size - have);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += n;
	}
	return have;
}
