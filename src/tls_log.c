/*
 * tls_log.c: sockbridge-tls's log.  Lines go to stderr, each in one
 * write(2) as the bridge's do, or through syslog(3) with --syslog; never
 * to the client: when fd 2 is the client's socket (the bridge's
 * --stderr-to-socket, inetd, systemd Accept=yes), everything goes to
 * syslog, with or without --syslog (facility daemon unless it names
 * one): even stderr, the stdio stream that err(3), errx(3) and getopt
 * write to, becomes a stream into syslog before the options are read,
 * so that a bad option (exit 100) or a failure (111) is neither lost
 * nor sent to the client in cleartext.  Text a client chose (its server
 * name) goes through the bridge's log_escape.
 */
#include "config.h"

#include <sys/types.h>

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "compat.h"

#include "log.h"
#include "tls_log.h"

#define PREFIX		"sockbridge-tls: "

static int	use_syslog;

static ssize_t	to_syslog(void *, const char *, size_t);

/*
 * fd 2 is the client's: point it at /dev/null (the handler inherits it),
 * and the stdio stream stderr at syslog, facility daemon until the
 * options say otherwise.  Called before the options are read, so that
 * even a complaint about them goes there.
 */
void
tls_log_stderr_to_syslog(void)
{
	cookie_io_functions_t io = { NULL, to_syslog, NULL, NULL };
	FILE *f;
	int fd;

	openlog("sockbridge-tls", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	if ((fd = open("/dev/null", O_WRONLY)) == -1 ||
	    dup2(fd, STDERR_FILENO) == -1) {
		syslog(LOG_ERR, "/dev/null: %m");
		exit(EXIT_TEMPFAIL);	/* fd 2 is the client: say nothing */
	}
	if (fd != STDERR_FILENO)
		close(fd);
	if ((f = fopencookie(NULL, "w", io)) == NULL) {
		syslog(LOG_ERR, "stderr: %m");
		exit(EXIT_TEMPFAIL);
	}
	setvbuf(f, NULL, _IOLBF, 0);
	stderr = f;
}

/* stderr_is_client: fd 2 is the client's socket, so must stay silent. */
void
tls_log_init(int stderr_is_client, int to_syslog, int facility)
{
	use_syslog = to_syslog || stderr_is_client;
	if (use_syslog)
		openlog("sockbridge-tls", LOG_PID | LOG_NDELAY,
		    to_syslog ? facility : LOG_DAEMON);
}

void
tls_log(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int len;

	va_start(ap, fmt);
	if (use_syslog) {
		vsyslog(LOG_NOTICE, fmt, ap);
		va_end(ap);
		return;
	}
	len = snprintf(line, sizeof(line), PREFIX);
	len += vsnprintf(line + len, sizeof(line) - len - 1, fmt, ap);
	va_end(ap);
	if (len > (int)sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	if (write(STDERR_FILENO, line, len) == -1)
		return;		/* nowhere left to say so */
}

/* The client as the bridge described it: "IP:PORT", or "-". */
const char *
tls_log_client(void)
{
	static char text[LOG_ESCAPED_SIZE(128)];
	char raw[128];
	const char *ip, *port;

	if ((ip = getenv("TCPREMOTEIP")) == NULL &&
	    (ip = getenv("REMOTE_ADDR")) == NULL)
		return "-";
	if ((port = getenv("TCPREMOTEPORT")) == NULL &&
	    (port = getenv("REMOTE_PORT")) == NULL)
		port = "-";
	snprintf(raw, sizeof(raw), "%.100s:%.20s", ip, port);
	log_escape(text, sizeof(text), raw, strlen(raw));
	return text;
}

/*
 * The one line of a connection that got no handler: why, the server
 * name it asked for (namelen raw bytes; "-" for none), and who.
 */
void
tls_log_refused(const char *reason, const char *name, size_t namelen)
{
	char esc[LOG_ESCAPED_SIZE(255)];

	if (name == NULL || namelen == 0)
		strlcpy(esc, "-", sizeof(esc));
	else
		log_escape(esc, sizeof(esc), name, namelen);
	tls_log("refused reason=%s sni=%s client=%s", reason, esc,
	    tls_log_client());
}

/*
 * stderr's writes, cut into lines: one syslog message each, without the
 * "sockbridge-tls: " of err(3) (syslog's ident says it).  The text is
 * ours and the administrator's (options, paths), not a client's; a
 * control byte in it becomes '?'.  A line longer than the buffer is cut.
 */
static ssize_t
to_syslog(void *cookie, const char *buf, size_t n)
{
	static char line[1024];
	static size_t len;
	size_t i, skip;

	(void)cookie;
	for (i = 0; i < n; i++) {
		if (buf[i] != '\n' && len < sizeof(line) - 1)
			line[len++] = (unsigned char)buf[i] < 0x20 ||
			    buf[i] == 0x7f ? '?' : buf[i];
		if (buf[i] != '\n' && len < sizeof(line) - 1)
			continue;
		line[len] = '\0';
		skip = strncmp(line, PREFIX, strlen(PREFIX)) == 0 ?
		    strlen(PREFIX) : 0;
		syslog(LOG_ERR, "%s", line + skip);
		len = 0;
	}
	return n;
}
