/*
 * sockbridge-echo: the default responder, an ordinary inetd-style program.
 * It reads one message on stdin (up to the first newline, end of input or
 * 1024 bytes) and answers "I got your message: <message>" on stdout, as
 * the Ruby service behind upstart-socket-bridge that started the project.
 */
#include "config.h"

#include <sys/types.h>

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "compat.h"

#define MESSAGE_MAX	1024
#define DEFAULT_PREFIX	"I got your message: "
#define DEFAULT_TIMEOUT	10	/* seconds: a silent client can't hold us */
#define TIMEOUT_MAX	(86400 * 365)

static __dead void usage(FILE *, int);
static size_t	read_message(char *, size_t, long long);
static void	write_all(int, const char *, size_t);
static __dead void die(int, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static const struct option longopts[] = {
	{ "help",	no_argument,		NULL, 'h' },
	{ "prefix",	required_argument,	NULL, 'p' },
	{ "timeout",	required_argument,	NULL, 't' },
	{ NULL,		0,			NULL, 0 }
};

int
main(int argc, char *argv[])
{
	const char *prefix = DEFAULT_PREFIX, *why;
	char message[MESSAGE_MAX], *reply;
	long long timeout = DEFAULT_TIMEOUT;
	size_t len, plen;
	int ch;

	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(stdout, 0);
		case 'p':
			prefix = optarg;
			break;
		case 't':
			timeout = strtonum(optarg, 0, TIMEOUT_MAX, &why);
			if (why != NULL)
				errx(EXIT_MISUSE, "--timeout %s: number is %s",
				    optarg, why);
			break;
		default:
			usage(stderr, EXIT_MISUSE);
		}
	}
	if (optind != argc)
		usage(stderr, EXIT_MISUSE);

	len = read_message(message, sizeof(message), timeout);
	/* one write, so the answer leaves in one piece */
	plen = strlen(prefix);
	if ((reply = malloc(plen + len)) == NULL)
		die(1, "%s", strerror(errno));
	memcpy(reply, prefix, plen);
	memcpy(reply + plen, message, len);
	write_all(STDOUT_FILENO, reply, plen + len);
	free(reply);
	return 0;
}

/*
 * Read up to and including the first newline, to end of input, or size
 * bytes.  After timeout seconds (0: never) what came is the message; if
 * nothing came, give up.
 */
static size_t
read_message(char *buf, size_t size, long long timeout)
{
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	long long deadline = now_ms() + timeout * 1000, left;
	size_t len = 0;
	ssize_t n;
	char *nl;

	while (len < size) {
		left = timeout == 0 ? -1 : deadline - now_ms();
		if (timeout != 0 && left < 0)
			left = 0;
		n = poll(&pfd, 1, left > 1000000 ? 1000000 : (int)left);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			die(1, "poll: %s", strerror(errno));
		if (n == 0)
			break;		/* timed out */
		n = read(STDIN_FILENO, buf + len, size - len);
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n == -1)
			die(1, "read: %s", strerror(errno));
		if (n == 0)
			return len;	/* end of input */
		if ((nl = memchr(buf + len, '\n', n)) != NULL)
			return nl - buf + 1;
		len += n;
	}
	if (len == 0 && len < size)
		die(1, "no message within %lld seconds", timeout);
	return len;
}

static void
write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			die(1, "write: %s", strerror(errno));
		}
		buf += n;
		len -= n;
	}
}

static void
usage(FILE *out, int status)
{
	fprintf(out, "usage: sockbridge-echo [--prefix TEXT] "
	    "[--timeout SECONDS]\n");
	exit(status);
}

/*
 * err(3) for what happens while serving: our stderr is usually the
 * bridge's log, shared with other writers, and stdio may write a line in
 * pieces that their lines cut into; this line leaves in one write(2).
 */
static void
die(int status, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int len;

	len = snprintf(line, sizeof(line), "sockbridge-echo: ");
	va_start(ap, fmt);
	len += vsnprintf(line + len, sizeof(line) - len - 1, fmt, ap);
	va_end(ap);
	if (len > (int)sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	if (write(STDERR_FILENO, line, len) == -1)
		_exit(status);		/* nowhere left to say so */
	exit(status);
}
