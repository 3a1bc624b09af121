/*
 * log.c: the bridge's log while it serves: one line per connection start
 * and end, refusals, timeouts and errors, on stderr or through syslog(3).
 * Start-up errors before serving use err(3) and always go to stderr.
 *
 * Each line leaves in one write(2): handlers share the bridge's stderr,
 * and their lines must not interleave with ours mid-line.  Text from
 * outside goes through log_escape first: no client can forge a line.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <vis.h>

#define SYSLOG_NAMES		/* glibc's facilitynames[] */
#include <syslog.h>

#include "log.h"

static int quiet;
static int use_syslog;

static void	log_line(int, const char *, va_list);

void
log_init(int be_quiet, int to_syslog, int facility)
{
	quiet = be_quiet;
	use_syslog = to_syslog;
	if (use_syslog)
		openlog("sockbridge", LOG_PID | LOG_NDELAY, facility);
}

/* A facility by its syslog.conf(5) name, or -1. */
int
log_facility(const char *name)
{
	CODE *c;

	for (c = facilitynames; c->c_name != NULL; c++)
		if (strcmp(c->c_name, name) == 0 && c->c_val != INTERNAL_MARK)
			return c->c_val;
	return -1;
}

/* Are start, end and refusal lines wanted?  Lets callers skip formatting. */
int
log_verbose(void)
{
	return !quiet;
}

/*
 * The one way text from outside the bridge enters a log line (a name a
 * unix client bound its socket to, an interface name): LEN bytes of IN,
 * NULs included, as a C string in OUT.  Printable ASCII stays, but for
 * space, '=', '@' and '\'; every other byte becomes '\' and three octal
 * digits (vis(3), without the locale).  So a field cannot hold a space, a
 * newline or a second "name=", an '@' in a path never looks like the mark
 * of an abstract name, and different texts are never logged alike.  Only
 * the bytes whose escapes fit in SIZE are taken: a cut escape would lie.
 */
char *
log_escape(char *out, size_t size, const void *in, size_t len)
{
	if (size == 0)
		return out;
	if (len > (size - 1) / 4)
		len = (size - 1) / 4;
	if (strsnvisx(out, size, in, len, VIS_OCTAL | VIS_WHITE | VIS_NOLOCALE,
	    "=@") == -1)
		*out = '\0';
	return out;
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	log_line(LOG_INFO, fmt, ap);
	va_end(ap);
}

/* Asked for (the stats line): logged even with --quiet. */
void
log_notice(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(LOG_NOTICE, fmt, ap);
	va_end(ap);
}

void
log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(LOG_ERR, fmt, ap);
	va_end(ap);
}

static void
log_line(int priority, const char *fmt, va_list ap)
{
	char line[1024];
	int len;

	if (use_syslog) {
		vsyslog(priority, fmt, ap);
		return;
	}
	len = snprintf(line, sizeof(line), "sockbridge: ");
	len += vsnprintf(line + len, sizeof(line) - len - 1, fmt, ap);
	if (len > (int)sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	if (write(STDERR_FILENO, line, len) == -1)
		return;		/* nowhere left to say so */
}
