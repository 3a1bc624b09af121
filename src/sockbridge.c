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
#include <syslog.h>
#include <unistd.h>

#include "admission.h"
#include "compat.h"
#include "env.h"
#include "listener.h"
#include "parse.h"
#include "serve.h"
#include "handoff.h"
#include "log.h"
#include "notify.h"
#include "privileges.h"

#define DEFAULT_HANDLER		"sockbridge-echo"
#define DEFAULT_IDLE_TIMEOUT	30	/* seconds, for inherited listeners */
#define DEFAULT_MAX_CONNECTIONS	40	/* as tcpserver and s6-tcpserver */
#define DEFAULT_DRAIN_TIMEOUT	10	/* seconds */
#define DEFAULT_PROXY_TIMEOUT	5	/* seconds for a PROXY header */

extern char **environ;

static __dead void usage(FILE *, int);
static long long number_option(const char *, const char *, long long,
		    long long);
static char   **default_handler(void);
static void	need_listen(const struct listener_options *, int,
		    const char *);
static void	add_rule(struct admission_options *, const char *, int);
static void	rate_option(const char *, const char *, struct rate *);
static int	proxy_versions(const char *);
static void	proxy_from(struct serve_options *, const char *);
static void	proxy_defaults(struct serve_options *);

enum {
	OPT_ALLOW = 256, OPT_BACKLOG, OPT_BANNER, OPT_DENY, OPT_DENY_MESSAGE,
	OPT_DRAIN_TIMEOUT, OPT_FD, OPT_FD_NAME, OPT_IDLE_TIMEOUT,
	OPT_KEEPALIVE, OPT_LISTEN, OPT_MAX_ACCEPT_RATE, OPT_MAX_CONNECTIONS,
	OPT_MAX_PER_SOURCE, OPT_NODELAY, OPT_ONCE, OPT_PRINT_ADDRESS,
	OPT_PROXY_FROM, OPT_PROXY_HEADER_MAX, OPT_PROXY_PROTOCOL,
	OPT_PROXY_TIMEOUT, OPT_QUIET, OPT_RATE_PER_SOURCE, OPT_REFUSE_MESSAGE, OPT_REUSEPORT,
	OPT_RULES, OPT_STDERR_TO_SOCKET, OPT_SYSLOG, OPT_TIMEOUT, OPT_USER
};

static const struct option longopts[] = {
	{ "allow",		required_argument, NULL, OPT_ALLOW },
	{ "backlog",		required_argument, NULL, OPT_BACKLOG },
	{ "banner",		required_argument, NULL, OPT_BANNER },
	{ "deny",		required_argument, NULL, OPT_DENY },
	{ "deny-message",	required_argument, NULL, OPT_DENY_MESSAGE },
	{ "drain-timeout",	required_argument, NULL, OPT_DRAIN_TIMEOUT },
	{ "fd",			required_argument, NULL, OPT_FD },
	{ "fd-name",		required_argument, NULL, OPT_FD_NAME },
	{ "help",		no_argument,	   NULL, 'h' },
	{ "idle-timeout",	required_argument, NULL, OPT_IDLE_TIMEOUT },
	{ "keepalive",		no_argument,	   NULL, OPT_KEEPALIVE },
	{ "listen",		required_argument, NULL, OPT_LISTEN },
	{ "max-accept-rate",	required_argument, NULL, OPT_MAX_ACCEPT_RATE },
	{ "max-connections",	required_argument, NULL, OPT_MAX_CONNECTIONS },
	{ "max-per-source",	required_argument, NULL, OPT_MAX_PER_SOURCE },
	{ "nodelay",		no_argument,	   NULL, OPT_NODELAY },
	{ "once",		no_argument,	   NULL, OPT_ONCE },
	{ "print-address",	no_argument,	   NULL, OPT_PRINT_ADDRESS },
	{ "proxy-from",		required_argument, NULL, OPT_PROXY_FROM },
	{ "proxy-header-max",	required_argument, NULL, OPT_PROXY_HEADER_MAX },
	{ "proxy-protocol",	optional_argument, NULL, OPT_PROXY_PROTOCOL },
	{ "proxy-timeout",	required_argument, NULL, OPT_PROXY_TIMEOUT },
	{ "quiet",		no_argument,	   NULL, OPT_QUIET },
	{ "rate-per-source",	required_argument, NULL, OPT_RATE_PER_SOURCE },
	{ "refuse-message",	required_argument, NULL, OPT_REFUSE_MESSAGE },
	{ "reuseport",		no_argument,	   NULL, OPT_REUSEPORT },
	{ "rules",		required_argument, NULL, OPT_RULES },
	{ "stderr-to-socket",	no_argument,	   NULL, OPT_STDERR_TO_SOCKET },
	{ "syslog",		optional_argument, NULL, OPT_SYSLOG },
	{ "timeout",		required_argument, NULL, OPT_TIMEOUT },
	{ "user",		required_argument, NULL, OPT_USER },
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
	struct credentials cred;
	struct admission admission;
	const char *user = NULL;
	int ch, stderr_to_socket = 0, print_address = 0, quiet = 0;
	int use_syslog = 0, facility = LOG_DAEMON, status;

	memset(&lopts, 0, sizeof(lopts));
	lopts.fd = -1;
	lopts.backlog = -1;
	memset(&sopts, 0, sizeof(sopts));
	sopts.idle_timeout = -1;
	sopts.max_connections = DEFAULT_MAX_CONNECTIONS;
	sopts.drain_timeout = DEFAULT_DRAIN_TIMEOUT;

	/*
	 * '+': the handler's own options are not ours, even without "--";
	 * ':': we say what is wrong ourselves, as "sockbridge: ...".
	 */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_ALLOW:
			add_rule(&sopts.admit, optarg, 1);
			break;
		case OPT_BACKLOG:
			lopts.backlog = number_option("--backlog", optarg, 1,
			    65535);
			break;
		case OPT_BANNER:
			sopts.banner = optarg;
			break;
		case OPT_DENY:
			add_rule(&sopts.admit, optarg, 0);
			break;
		case OPT_DENY_MESSAGE:
			sopts.deny_message = optarg;
			break;
		case OPT_DRAIN_TIMEOUT:
			sopts.drain_timeout = number_option("--drain-timeout",
			    optarg, 0, MAX_SECONDS);
			break;
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
		case OPT_KEEPALIVE:
			sopts.keepalive = 1;
			break;
		case OPT_LISTEN:
			if (lopts.nlisten == MAX_LISTENERS)
				errx(EXIT_MISUSE, "too many --listen");
			lopts.listen[lopts.nlisten++] = optarg;
			break;
		case OPT_MAX_ACCEPT_RATE:
			rate_option("--max-accept-rate", optarg,
			    &sopts.max_accept_rate);
			break;
		case OPT_MAX_CONNECTIONS:
			sopts.max_connections = number_option(
			    "--max-connections", optarg, 1,
			    MAX_CONNECTIONS_LIMIT);
			break;
		case OPT_MAX_PER_SOURCE:
			sopts.admit.max_per_source = number_option(
			    "--max-per-source", optarg, 1,
			    MAX_CONNECTIONS_LIMIT);
			break;
		case OPT_NODELAY:
			sopts.nodelay = 1;
			break;
		case OPT_ONCE:
			sopts.once = 1;
			break;
		case OPT_PRINT_ADDRESS:
			print_address = 1;
			break;
		case OPT_PROXY_FROM:
			proxy_from(&sopts, optarg);
			break;
		case OPT_PROXY_HEADER_MAX:
			sopts.proxy.header_max = number_option(
			    "--proxy-header-max", optarg,
			    PROXY_HEADER_MAX_MIN, PROXY_HEADER_MAX_LIMIT);
			break;
		case OPT_PROXY_PROTOCOL:
			sopts.proxy.versions = proxy_versions(optarg);
			break;
		case OPT_PROXY_TIMEOUT:
			sopts.proxy.timeout_ms = number_option(
			    "--proxy-timeout", optarg, 1, 3600) * 1000;
			break;
		case OPT_QUIET:
			quiet = 1;
			break;
		case OPT_RATE_PER_SOURCE:
			rate_option("--rate-per-source", optarg,
			    &sopts.admit.rate_per_source);
			break;
		case OPT_REFUSE_MESSAGE:
			sopts.refuse_message = optarg;
			break;
		case OPT_REUSEPORT:
			lopts.reuseport = 1;
			break;
		case OPT_RULES:
			/* a second file must not silently replace the first */
			if (sopts.admit.rules_file != NULL)
				errx(EXIT_MISUSE, "--rules %s: only one --rules "
				    "file may be given", optarg);
			sopts.admit.rules_file = optarg;
			break;
		case OPT_STDERR_TO_SOCKET:
			stderr_to_socket = 1;
			break;
		case OPT_SYSLOG:
			use_syslog = 1;
			if (optarg != NULL &&
			    (facility = log_facility(optarg)) == -1)
				errx(EXIT_MISUSE, "--syslog=%s: unknown "
				    "facility", optarg);
			break;
		case OPT_TIMEOUT:
			sopts.timeout = number_option("--timeout", optarg, 0,
			    MAX_SECONDS);
			break;
		case OPT_USER:
			user = optarg;
			break;
		case 'V':
			printf("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
			return 0;
		case ':':
			warnx("%s: needs a value", argv[optind - 1]);
			usage(stderr, EXIT_MISUSE);
		default:
			warnx("%s: unknown option", argv[optind - 1]);
			usage(stderr, EXIT_MISUSE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		argv = default_handler();
	if (lopts.nlisten > 0 && lopts.fd != -1)
		errx(EXIT_MISUSE, "--listen and --fd exclude each other");
	need_listen(&lopts, lopts.backlog != -1, "--backlog");
	need_listen(&lopts, lopts.reuseport, "--reuseport");
	need_listen(&lopts, print_address, "--print-address");
	if (lopts.backlog == -1)
		lopts.backlog = SOMAXCONN;
	proxy_defaults(&sopts);

	if (user != NULL)
		find_credentials(user, &cred);
	/* a bad rule is a bad option: before anything is bound */
	admission_init(&admission, &sopts.admit);
	sopts.admission = &admission;

	listeners_find(&lopts, &ls);
	if (print_address)
		listeners_print(&ls, stdout);
	listeners_settle(&ls);
	/* after settle: the log's socket must not land on fds 0-2 */
	log_init(quiet, use_syslog, facility);
	if (user != NULL) {
		listeners_chown_files(&ls, cred.uid, cred.gid);
		drop_privileges(user, &cred);
	}
	/* A standalone server runs until stopped; an activated one idles out. */
	if (sopts.idle_timeout == -1)
		sopts.idle_timeout = ls.origin == FROM_LISTEN ? 0 :
		    DEFAULT_IDLE_TIMEOUT;
	notify_init();
	env_init(&env, environ, ls.origin == FROM_UPSTART);
	handoff_init(&handoff, argv, stderr_to_socket);

	status = serve(&sopts, &ls, &env, &handoff);
	admission_free(&admission);
	free(sopts.admit.rules);
	if (sopts.proxy_from != NULL)
		rules_free(sopts.proxy_from);
	listeners_remove_files(&ls);
	handoff_free(&handoff);
	env_free(&env);
	return status;
}

static void
need_listen(const struct listener_options *lopts, int given, const char *name)
{
	if (given && lopts->nlisten == 0)
		errx(EXIT_MISUSE, "%s needs --listen", name);
}

static void
add_rule(struct admission_options *admit, const char *cidr, int allow)
{
	struct cli_rule *rules;

	rules = reallocarray(admit->rules, admit->nrules + 1, sizeof(*rules));
	if (rules == NULL)
		err(EXIT_TEMPFAIL, "--allow, --deny");
	admit->rules = rules;
	admit->rules[admit->nrules].cidr = cidr;
	admit->rules[admit->nrules].allow = allow;
	admit->nrules++;
}

/* --proxy-protocol[=v1|v2] */
static int
proxy_versions(const char *value)
{
	if (value == NULL)
		return PROXY_V1 | PROXY_V2;
	if (strcmp(value, "v1") == 0)
		return PROXY_V1;
	if (strcmp(value, "v2") == 0)
		return PROXY_V2;
	errx(EXIT_MISUSE, "--proxy-protocol=%s: not v1 or v2", value);
}

/* --proxy-from CIDR: one more peer that must send a header. */
static void
proxy_from(struct serve_options *sopts, const char *cidr)
{
	char why[512];

	if (sopts->proxy_from == NULL &&
	    (sopts->proxy_from = rules_new()) == NULL)
		err(EXIT_TEMPFAIL, "--proxy-from");
	if (rules_add(sopts->proxy_from, cidr, 1, why, sizeof(why)) == -1)
		errx(EXIT_MISUSE, "--proxy-from %s: %s", cidr, why);
}

/* The PROXY options go together; the defaults of the ones not given. */
static void
proxy_defaults(struct serve_options *sopts)
{
	if (sopts->proxy.versions == 0) {
		if (sopts->proxy_from != NULL)
			errx(EXIT_MISUSE, "--proxy-from needs --proxy-protocol");
		if (sopts->proxy.header_max != 0)
			errx(EXIT_MISUSE,
			    "--proxy-header-max needs --proxy-protocol");
		if (sopts->proxy.timeout_ms != 0)
			errx(EXIT_MISUSE, "--proxy-timeout needs --proxy-protocol");
		return;
	}
	if (sopts->proxy.header_max == 0)
		sopts->proxy.header_max = PROXY_HEADER_MAX_DEFAULT;
	if (sopts->proxy.timeout_ms == 0)
		sopts->proxy.timeout_ms = DEFAULT_PROXY_TIMEOUT * 1000;
}

/* N/SECONDS */
static void
rate_option(const char *name, const char *value, struct rate *rate)
{
	const char *why;

	if (rate_parse(value, rate, &why) == -1)
		errx(EXIT_MISUSE, "%s %s: %s", name, value, why);
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
	    "usage: sockbridge [--keepalive] [--nodelay] [--once] "
	    "[--print-address] [--quiet]\n"
	    "                  [--reuseport] [--stderr-to-socket] "
	    "[--syslog[=FACILITY]]\n"
	    "                  [--allow CIDR] [--backlog N] [--banner TEXT] "
	    "[--deny CIDR]\n"
	    "                  [--deny-message TEXT] "
	    "[--drain-timeout SECONDS]\n"
	    "                  [--fd N | --listen ADDRESS] [--fd-name NAME]\n"
	    "                  [--idle-timeout SECONDS] "
	    "[--max-accept-rate N/SECONDS]\n"
	    "                  [--max-connections N] [--max-per-source N]\n"
	    "                  [--proxy-from CIDR] [--proxy-header-max BYTES]\n"
	    "                  [--proxy-protocol[=v1|v2]] "
	    "[--proxy-timeout SECONDS]\n"
	    "                  [--rate-per-source N/SECONDS] "
	    "[--refuse-message TEXT]\n"
	    "                  [--rules FILE] [--timeout SECONDS] "
	    "[--user USER[:GROUP]]\n"
	    "                  [--] [handler [arg ...]]\n");
	exit(status);
}
