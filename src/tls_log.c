/*
 * tls_log.c: sockbridge-tls's log.  Lines go to stderr, each in one
 * write(2) as the bridge's do, or through syslog(3) with --syslog; never
 * to the client: when fd 2 is the client's socket (the bridge's
 * --stderr-to-socket, inetd, systemd Accept=yes) and there is no
 * --syslog, nothing is logged at all.  Text a client chose (its server
 * name) goes through the bridge's log_escape.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"
#include "tls_log.h"

static int	muted;
static int	use_syslog;

/* stderr_is_client: fd 2 is the client's socket, so must stay silent. */
void
tls_log_init(int stderr_is_client, int to_syslog, int facility)
{
	muted = stderr_is_client && !to_syslog;
	use_syslog = to_syslog;
	if (use_syslog)
		openlog("sockbridge-tls", LOG_PID | LOG_NDELAY, facility);
}

void
tls_log(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int len;

	if (muted)
		return;
	va_start(ap, fmt);
	if (use_syslog) {
		vsyslog(LOG_NOTICE, fmt, ap);
		va_end(ap);
		return;
	}
	len = snprintf(line, sizeof(line), "sockbridge-tls: ");
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
