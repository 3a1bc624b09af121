/*
 * sockbridge: serve the listening socket a socket activator handed over
 * (upstart-socket-bridge, systemd, inetd or xinetd with wait) with an
 * inetd-style handler: accept each client and run the handler with the
 * client on its stdin and stdout.
 *
 * main() reads top to bottom: options, then the listener, then serving.
 */
#include "config.h"

#include <sys/types.h>

#include <err.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "env.h"
#include "listener.h"
#include "parse.h"
#include "serve.h"
#include "handoff.h"

#define DEFAULT_HANDLER		"sockbridge-echo"
#define DEFAULT_IDLE_TIMEOUT	30	/* seconds, for inherited listeners */
#define DEFAULT_MAX_CONNECTIONS	40	/* as tcpserver and s6-tcpserver */

extern char **environ;

static __dead void usage(FILE *, int);
static long long number_option(const char *, const char *, long long,
		    long long);
static char   **default_handler(void);

enum {
	OPT_FD = 256, OPT_FD_NAME, OPT_IDLE_TIMEOUT, OPT_LISTEN,
	OPT_MAX_CONNECTIONS, OPT_ONCE, OPT_STDERR_TO_SOCKET
};

static const struct option longopts[] = {
	{ "fd",			required_argument, NULL, OPT_FD },
	{ "fd-name",		required_argument, NULL, OPT_FD_NAME },
	{ "help",		no_argument,	   NULL, 'h' },
	{ "idle-timeout",	required_argument, NULL, OPT_IDLE_TIMEOUT },
	{ "listen",		required_argument, NULL, OPT_LISTEN },
	{ "max-connections",	required_argument, NULL, OPT_MAX_CONNECTIONS },
	{ "once",		no_argument,	   NULL, OPT_ONCE },
	{ "stderr-to-socket",	no_argument,	   NULL, OPT_STDERR_TO_SOCKET },
	{ "version",		no_argument,	   NULL, 'V' },
	{ NULL,			0,		   NULL, 0 }
};

int
main(int argc, char *argv[])
{
	struct listener_options lopts;
	struct serve_options sopts;
	struct listeners ls;
	struct handoff handoff;
	struct env env;
	int ch, stderr_to_socket = 0, status;

	memset(&lopts, 0, sizeof(lopts));
	lopts.fd = -1;
	lopts.backlog = SOMAXCONN;
	memset(&sopts, 0, sizeof(sopts));
	sopts.idle_timeout = -1;
	sopts.max_connections = DEFAULT_MAX_CONNECTIONS;

	/* '+': the handler's own options are not ours, even without "--" */
	while ((ch = getopt_long(argc, argv, "+hV", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_FD:
			lopts.fd = number_option("--fd", optarg, 0, INT_MAX);
			break;
		case OPT_FD_NAME:
			lopts.fd_name = optarg;
			break;
		case 'h':
			usage(stdout, 0);
		case OPT_IDLE_TIMEOUT:
			sopts.idle_timeout = number_option("--idle-timeout",
			    optarg, 0, MAX_SECONDS);
			break;
		case OPT_LISTEN:
			if (lopts.nlisten == MAX_LISTENERS)
				errx(EXIT_MISUSE, "too many --listen");
			lopts.listen[lopts.nlisten++] = optarg;
			break;
		case OPT_MAX_CONNECTIONS:
			sopts.max_connections = number_option(
			    "--max-connections", optarg, 1,
			    MAX_CONNECTIONS_LIMIT);
			break;
		case OPT_ONCE:
			sopts.once = 1;
			break;
		case OPT_STDERR_TO_SOCKET:
			stderr_to_socket = 1;
			break;
		case 'V':
			printf("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr, EXIT_MISUSE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		argv = default_handler();
	if (lopts.nlisten > 0 && lopts.fd != -1)
		errx(EXIT_MISUSE, "--listen and --fd exclude each other");

	listeners_find(&lopts, &ls);
	listeners_settle(&ls);
	/* A standalone server runs until stopped; an activated one idles out. */
	if (sopts.idle_timeout == -1)
		sopts.idle_timeout = ls.origin == FROM_LISTEN ? 0 :
		    DEFAULT_IDLE_TIMEOUT;
	env_init(&env, environ, ls.origin == FROM_UPSTART);
	handoff_init(&handoff, argv, stderr_to_socket);

	status = serve(&sopts, &ls, &env, &handoff);
	listeners_remove_files(&ls);
	env_free(&env);
	return status;
}

static long long
number_option(const char *name, const char *value, long long min,
    long long max)
{
	const char *why;
	long long n;

	n = parse_number(value, min, max, &why);
	if (why != NULL)
		errx(EXIT_MISUSE, "%s %s: number is %s", name, value, why);
	return n;
}

/*
 * sockbridge-echo from the directory this program was run from: the build
 * tree's src/ during the tests, bindir once installed.
 */
static char **
default_handler(void)
{
	static char path[PATH_MAX];
	static char *argv[2];
	char self[PATH_MAX];
	ssize_t len;

	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len > 0) {
		self[len] = '\0';
		snprintf(path, sizeof(path), "%s/%s", dirname(self),
		    DEFAULT_HANDLER);
	} else
		strlcpy(path, DEFAULT_HANDLER, sizeof(path));
	argv[0] = path;
	argv[1] = NULL;
	return argv;
}

static void
usage(FILE *out, int status)
{
	fprintf(out,
	    "usage: sockbridge [--once] [--stderr-to-socket] "
	    "[--fd N | --listen ADDRESS]\n"
	    "                  [--fd-name NAME] [--idle-timeout SECONDS] "
	    "[--max-connections N]\n"
	    "                  [--] [handler [arg ...]]\n");
	exit(status);
}
