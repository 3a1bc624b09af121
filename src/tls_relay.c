/*
 * tls_relay.c: plaintext between the TLS session and the handler's
 * socket, both ways, in one non-blocking poll loop, until the handler
 * has ended.
 *
 * Half-close: the handler's EOF becomes close_notify and a shutdown of
 * writing; the client's close_notify becomes the handler's EOF on stdin.
 * Truncation is never hidden: a client EOF without close_notify is logged;
 * a handler killed by a signal, or one that fails after the bridge told it
 * to stop (timeout, drain), gets its client reset rather than a
 * close_notify, so a cut reply cannot pass for a whole one.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>

#include "log.h"
#include "tls_handshake.h"
#include "tls_log.h"
#include "tls_relay.h"

#define CHUNK		16384
#define OUT_HIGH	(16 * CHUNK)	/* ciphertext queued for the client */
#define PF_EXITING	0x00000004	/* linux/sched.h */

#ifndef SYS_pidfd_open
#define SYS_pidfd_open	434
#endif

volatile sig_atomic_t tls_told_to_stop;

struct relay {
	struct tls_conn *c;
	int	 h;		/* our end of the handler's socketpair */
	pid_t	 pid;
	int	 pidfd;		/* readable once the handler has ended */
	int	 pid_ready;	/* and poll said so */
	int	 linger_ms;
	unsigned char toh[CHUNK];	/* plaintext for the handler */
	size_t	 toh_off, toh_len;
	int	 client_done;	/* no more plaintext will come from the client */
	int	 want_net;	/* OpenSSL needs the client's next bytes */
	int	 h_shut;	/* the handler's stdin is at EOF */
	int	 h_gone;	/* the handler reads no more: drop its input */
	int	 h_eof;		/* the handler's stdout is at EOF */
	int	 notified;	/* close_notify is queued or sent */
	int	 c_shut;	/* the client's socket is shut for writing */
	int	 ended;		/* the handler has ended, with status */
	int	 status;
	int	 cut;		/* the client was reset */
	long long linger_until;
	int	 errfd;		/* the handler's stderr, for --syslog; or -1 */
	char	 err[200];	/* a line of it, not yet logged */
	size_t	 errlen;
};

static void	from_client(struct relay *);
static void	to_handler(struct relay *);
static void	from_handler(struct relay *);
static void	to_client(struct relay *);
static void	handler_eof(struct relay *);
static void	reap(struct relay *, int);
static int	exiting(pid_t);
static void	cut(struct relay *);
static int	finished(struct relay *);
static void	wait_events(struct relay *);
static void	handler_stderr(struct relay *, int);
static void	log_stderr_line(struct relay *, size_t);

/*
 * Relay until the handler (pid, on socket h) has ended and the client is
 * done or --lingering-close has passed.  errfd, unless -1, is the read end
 * of the handler's stderr, logged line by line.  The handler's status, as
 * the shell gives it (128 + signal).
 */
int
tls_relay(struct tls_conn *c, int h, pid_t pid, int linger, int errfd)
{
	struct relay r;

	memset(&r, 0, sizeof(r));
	r.c = c;
	r.h = h;
	r.pid = pid;
	r.linger_ms = linger * 1000;
	r.linger_until = -1;
	r.errfd = errfd;
	r.pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	(void)fcntl(h, F_SETFL, O_NONBLOCK);
	if (errfd != -1)
		(void)fcntl(errfd, F_SETFL, O_NONBLOCK);
	for (;;) {
		from_client(&r);
		to_handler(&r);
		from_handler(&r);
		to_client(&r);
		if (!r.ended && r.pidfd == -1)
			reap(&r, WNOHANG);
		if (finished(&r))
			break;
		wait_events(&r);
	}
	if (r.pidfd != -1)
		close(r.pidfd);
	handler_stderr(&r, 1);
	return r.status;
}

/* The handler's status, waited for: 128 + the signal that killed it. */
int
tls_wait_status(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return 111;
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

/* Decrypt what the client sent, while the handler's buffer is empty. */
static void
from_client(struct relay *r)
{
	int n, e;

	while (!r->client_done && r->toh_len == 0) {
		ERR_clear_error();
		n = SSL_read(r->c->ssl, r->toh, sizeof(r->toh));
		if (n > 0) {
			r->toh_off = 0;
			r->toh_len = r->h_gone ? 0 : (size_t)n;
			r->want_net = 0;
			continue;
		}
		e = SSL_get_error(r->c->ssl, n);
		if (e == SSL_ERROR_WANT_READ) {
			r->want_net = 1;
			if (!r->c->eof)
				return;
			/* after our close_notify, a bare EOF is the usual end */
			if (!r->c->dead && !r->notified)
				tls_log("truncated: the client closed without "
				    "close_notify client=%s", tls_log_client());
		} else if (e != SSL_ERROR_ZERO_RETURN) {
			tls_log("TLS error from the client: %s client=%s",
			    ERR_reason_error_string(ERR_peek_last_error()) ?
			    ERR_reason_error_string(ERR_peek_last_error()) :
			    "-", tls_log_client());
			r->c->eof = 1;
			if (!r->c->dead)
				cut(r);
		}
		r->client_done = 1;
	}
}

static void
to_handler(struct relay *r)
{
	ssize_t n;

	while (r->toh_len > 0) {
		n = write(r->h, r->toh + r->toh_off, r->toh_len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			/* the handler no longer reads: what comes is dropped */
			r->h_gone = 1;
			r->toh_len = 0;
			break;
		}
		r->toh_off += n;
		r->toh_len -= n;
	}
	if (r->client_done && !r->h_shut) {
		(void)shutdown(r->h, SHUT_WR);
		r->h_shut = 1;
	}
}

/* Encrypt what the handler wrote, while the client keeps up. */
static void
from_handler(struct relay *r)
{
	char buf[4 * CHUNK];
	ssize_t n;

	while (!r->h_eof && !r->c->dead &&
	    BIO_ctrl_pending(r->c->wbio) < OUT_HIGH) {
		n = read(r->h, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n > 0) {
			if (SSL_write(r->c->ssl, buf, (int)n) != (int)n)
				cut(r);
			continue;
		}
		r->h_eof = 1;
		handler_eof(r);
	}
	if (r->c->dead && !r->h_eof) {
		/* no one to write to: the handler's writes fail (EPIPE) */
		(void)shutdown(r->h, SHUT_RDWR);
		r->h_eof = r->h_shut = r->h_gone = 1;
		r->toh_len = 0;
	}
}

/*
 * The handler's stdout is at EOF: it closed it (a half-close, passed on
 * as close_notify), or it is ending.  Which one is told by the kernel's
 * PF_EXITING, set before an ending process closes its descriptors; an
 * ending handler is waited for, and its end decides.
 */
static void
handler_eof(struct relay *r)
{
	if (!r->ended && exiting(r->pid))
		reap(r, 0);
	if (r->cut || r->c->dead)
		return;
	(void)SSL_shutdown(r->c->ssl);
	r->notified = 1;
}

static void
to_client(struct relay *r)
{
	if (r->c->dead)
		return;
	if (tls_conn_flush(r->c) != 0)
		return;
	if (r->notified && !r->c_shut) {
		(void)shutdown(r->c->out, SHUT_WR);
		r->c_shut = 1;
	}
}

/*
 * Wait for the handler (flags 0 or WNOHANG).  A handler killed by a
 * signal, or failing after we too were told to stop, gets its client
 * reset: its reply may be cut.
 */
static void
reap(struct relay *r, int flags)
{
	int st;
	pid_t p;

	while ((p = waitpid(r->pid, &st, flags)) == -1 && errno == EINTR)
		;
	if (p != r->pid)
		return;
	r->ended = 1;
	r->status = WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
	if (WIFSIGNALED(st) || (tls_told_to_stop && r->status != 0)) {
		if (!r->cut && !r->c->dead)
			tls_log("handler ended with status %d: client reset "
			    "client=%s", r->status, tls_log_client());
		cut(r);
	}
}

/* Is the process ending (a zombie, or PF_EXITING in /proc/PID/stat)? */
static int
exiting(pid_t pid)
{
	char path[64], buf[1024], *p, state;
	unsigned long flags;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 1;
	buf[n] = '\0';
	/* after the command's ')': state ppid pgrp session tty tpgid flags */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 1, " %c %*d %*d %*d %*d %*d %lu", &state, &flags) != 2)
		return 1;
	return state == 'Z' || state == 'X' || (flags & PF_EXITING) != 0;
}

static void
cut(struct relay *r)
{
	if (!r->c->dead)
		tls_conn_reset(r->c);
	r->cut = 1;
}

/*
 * Done once the handler has ended and its output is through, and the
 * client has closed too or has had --lingering-close to do so.
 */
static int
finished(struct relay *r)
{
	if (!r->ended && r->pid_ready)
		reap(r, 0);
	if (!r->ended || !(r->h_eof || r->c->dead))
		return 0;
	if (r->c->dead || r->client_done)
		return 1;
	if (BIO_ctrl_pending(r->c->wbio) > 0)
		return 0;
	if (r->linger_until == -1)
		r->linger_until = tls_now_ms() + r->linger_ms;
	return tls_remaining(r->linger_until) == 0;
}

static void
wait_events(struct relay *r)
{
	struct pollfd p[5];
	int n = 0, timeout = -1, in = -1, pidx = -1, eidx = -1;

	if (!r->client_done && r->toh_len == 0) {
		if (!r->want_net)
			timeout = 0;	/* records already read wait */
		else if (!r->c->eof) {
			in = n;
			p[n].fd = r->c->in;
			p[n++].events = POLLIN;
		}
	}
	if (!r->c->dead && BIO_ctrl_pending(r->c->wbio) > 0) {
		p[n].fd = r->c->out;
		p[n++].events = POLLOUT;
	}
	p[n].fd = r->h;
	p[n].events = (r->toh_len > 0 ? POLLOUT : 0) |
	    (!r->h_eof && BIO_ctrl_pending(r->c->wbio) < OUT_HIGH ? POLLIN : 0);
	n += p[n].events != 0;
	if (!r->ended && r->pidfd != -1) {
		pidx = n;
		p[n].fd = r->pidfd;
		p[n++].events = POLLIN;
	} else if (!r->ended && timeout != 0)
		timeout = 100;
	if (r->errfd != -1) {
		eidx = n;
		p[n].fd = r->errfd;
		p[n++].events = POLLIN;
	}
	if (r->linger_until != -1 && timeout != 0)
		timeout = tls_remaining(r->linger_until);
	if (poll(p, n, timeout) <= 0)
		return;
	if (in != -1 && (p[in].revents & (POLLIN | POLLHUP | POLLERR)))
		(void)tls_conn_fill(r->c);
	if (pidx != -1 && p[pidx].revents != 0)
		r->pid_ready = 1;
	if (eidx != -1 && p[eidx].revents != 0)
		handler_stderr(r, 0);
}

/*
 * Log what the handler wrote to its stderr, a line at a time (a longer
 * one in pieces); at the end (last), the rest of a line too.
 */
static void
handler_stderr(struct relay *r, int last)
{
	char *nl;
	size_t len;
	ssize_t n;

	while (r->errfd != -1) {
		n = read(r->errfd, r->err + r->errlen,
		    sizeof(r->err) - r->errlen);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0) {
				close(r->errfd);
				r->errfd = -1;
				last = 1;
			}
			break;
		}
		r->errlen += n;
		while ((nl = memchr(r->err, '\n', r->errlen)) != NULL) {
			len = nl - r->err;
			log_stderr_line(r, len);
			memmove(r->err, nl + 1, r->errlen - len - 1);
			r->errlen -= len + 1;
		}
		if (r->errlen == sizeof(r->err)) {
			log_stderr_line(r, r->errlen);
			r->errlen = 0;
		}
	}
	if (last && r->errlen > 0) {
		log_stderr_line(r, r->errlen);
		r->errlen = 0;
	}
}

/* Escaped as the bridge escapes text from outside: no forged line. */
static void
log_stderr_line(struct relay *r, size_t len)
{
	char esc[LOG_ESCAPED_SIZE(sizeof(r->err))];

	log_escape(esc, sizeof(esc), r->err, len);
	tls_log("handler: %s", esc);
}
