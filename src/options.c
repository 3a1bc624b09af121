/*
 * options.c: the command line, parsed and checked into one struct options
 * (as relayd's parse_config() fills one struct), so that main() only wires.
 *
 * Errors come in this order, each "sockbridge: ..." and exit 100:
 *  1. an option's own value, in command-line order, as getopt meets it
 *     (--allow and --deny CIDRs included: they go into the rules table at
 *     once, so a duplicate is named where it is given);
 *  2. options that need or exclude each other, once all are known (and
 *     whether the descriptor limit carries --lingering-close);
 *  3. --user, looked up in the system's user and group databases;
 *  4. the --rules file, read once, after the command line's rules: its
 *     rules follow theirs in the table, and its duplicates name them.
 * -h and -V answer at once, where they stand, and exit 0.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <err.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "compat.h"
#include "linger.h"
#include "log.h"
#include "options.h"
#include "parse.h"

#define DEFAULT_HANDLER		"sockbridge-echo"
#define DEFAULT_IDLE_TIMEOUT	30	/* seconds, for inherited listeners */
#define DEFAULT_MAX_CONNECTIONS	40	/* as tcpserver and s6-tcpserver */
#define DEFAULT_DRAIN_TIMEOUT	10	/* seconds */
#define DEFAULT_PROXY_TIMEOUT	5	/* seconds for a PROXY header */

static __dead void usage(FILE *, int);
static void	defaults(struct options *);
static void	take_option(struct options *, int, char *, char *[]);
static int	number_option(struct options *, int, const char *);
static int	checked_option(struct options *, int, const char *);
static void	plain_option(struct options *, int, const char *, char *[]);
static long long number(const char *, const char *, long long, long long);
static void	add_rule(struct options *, const char *, int);
static void	rate_option(const char *, const char *, struct rate *);
static int	proxy_versions(const char *);
static void	proxy_from(struct serve_options *, const char *);
static void	check_together(struct options *);
static void	need_listen(const struct listener_options *, int,
		    const char *);
static void	proxy_defaults(struct serve_options *);
static void	read_rules_file(struct options *);
static char   **default_handler(void);

enum {
	OPT_ALLOW = 256, OPT_BACKLOG, OPT_BANNER, OPT_DENY, OPT_DENY_MESSAGE,
	OPT_DRAIN_TIMEOUT, OPT_FD, OPT_FD_NAME, OPT_IDLE_TIMEOUT,
	OPT_KEEPALIVE, OPT_LINGERING_CLOSE, OPT_LISTEN, OPT_MAX_ACCEPT_RATE,
	OPT_MAX_CONNECTIONS,
	OPT_MAX_PER_SOURCE, OPT_NODELAY, OPT_ONCE, OPT_PRINT_ADDRESS,
	OPT_PROXY_FROM, OPT_PROXY_HEADER_MAX, OPT_PROXY_PROTOCOL,
	OPT_PROXY_TIMEOUT, OPT_QUIET, OPT_RATE_PER_SOURCE, OPT_REFUSE_MESSAGE,
	OPT_REUSEPORT, OPT_RULES, OPT_STDERR_TO_SOCKET, OPT_SYSLOG,
	OPT_TIMEOUT, OPT_USER
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
	{ "lingering-close",	required_argument, NULL, OPT_LINGERING_CLOSE },
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

/* Fill o from the command line, or exit as the comment on top says. */
void
options_parse(struct options *o, int argc, char *argv[])
{
	int ch;

	defaults(o);
	/*
	 * '+': the handler's own options are not ours, even without "--";
	 * ':': we say what is wrong ourselves, as "sockbridge: ...".
	 */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:hV", longopts, NULL)) != -1)
		take_option(o, ch, optarg, argv);
	argc -= optind;
	argv += optind;
	o->handler = argc > 0 ? argv : default_handler();
	check_together(o);
	if (o->user != NULL)
		find_credentials(o->user, &o->cred);
	read_rules_file(o);
}

/* The rules table, for admission to own from now on (NULL: no rules). */
struct rules *
options_take_rules(struct options *o)
{
	struct rules *r = o->rules;

	o->rules = NULL;
	return r;
}

/* A standalone server runs until stopped; an activated one idles out. */
void
options_idle_default(struct options *o, enum listener_origin origin)
{
	if (o->serve.idle_timeout == -1)
		o->serve.idle_timeout = origin == FROM_LISTEN ? 0 :
		    DEFAULT_IDLE_TIMEOUT;
}

void
options_free(struct options *o)
{
	free(o->serve.admit.rules);
	if (o->serve.proxy_from != NULL)
		rules_free(o->serve.proxy_from);
	if (o->rules != NULL)
		rules_free(o->rules);
	memset(o, 0, sizeof(*o));
}

static void
defaults(struct options *o)
{
	memset(o, 0, sizeof(*o));
	o->listen.fd = -1;
	o->listen.backlog = -1;
	o->serve.idle_timeout = -1;	/* options_idle_default decides */
	o->serve.max_connections = DEFAULT_MAX_CONNECTIONS;
	o->serve.drain_timeout = DEFAULT_DRAIN_TIMEOUT;
	o->facility = LOG_DAEMON;
}

/* One option as getopt_long returned it. */
static void
take_option(struct options *o, int ch, char *arg, char *argv[])
{
	if (number_option(o, ch, arg) || checked_option(o, ch, arg))
		return;
	plain_option(o, ch, arg, argv);
}

/* The options whose value is a number in a range; 0 if ch is not one. */
static int
number_option(struct options *o, int ch, const char *arg)
{
	struct serve_options *s = &o->serve;

	switch (ch) {
	case OPT_BACKLOG:
		o->listen.backlog = number("--backlog", arg, 1, 65535);
		break;
	case OPT_DRAIN_TIMEOUT:
		s->drain_timeout = number("--drain-timeout", arg, 0,
		    MAX_SECONDS);
		break;
	case OPT_FD:
		o->listen.fd = number("--fd", arg, 0, INT_MAX);
		break;
	case OPT_IDLE_TIMEOUT:
		s->idle_timeout = number("--idle-timeout", arg, 0, MAX_SECONDS);
		break;
	case OPT_LINGERING_CLOSE:
		s->linger = number("--lingering-close", arg, 0, MAX_SECONDS);
		break;
	case OPT_MAX_CONNECTIONS:
		s->max_connections = number("--max-connections", arg, 1,
		    MAX_CONNECTIONS_LIMIT);
		break;
	case OPT_MAX_PER_SOURCE:
		s->admit.max_per_source = number("--max-per-source", arg, 1,
		    MAX_CONNECTIONS_LIMIT);
		break;
	case OPT_PROXY_HEADER_MAX:
		s->proxy.header_max = number("--proxy-header-max", arg,
		    PROXY_HEADER_MAX_MIN, PROXY_HEADER_MAX_LIMIT);
		break;
	case OPT_PROXY_TIMEOUT:
		s->proxy.timeout_ms = number("--proxy-timeout", arg, 1,
		    3600) * 1000;
		break;
	case OPT_TIMEOUT:
		s->timeout = number("--timeout", arg, 0, MAX_SECONDS);
		break;
	default:
		return 0;
	}
	return 1;
}

/* The other options whose value is checked; 0 if ch is not one. */
static int
checked_option(struct options *o, int ch, const char *arg)
{
	struct serve_options *s = &o->serve;

	switch (ch) {
	case OPT_ALLOW:
	case OPT_DENY:
		add_rule(o, arg, ch == OPT_ALLOW);
		break;
	case OPT_LISTEN:
		if (o->listen.nlisten == MAX_LISTENERS)
			errx(EXIT_MISUSE, "too many --listen");
		o->listen.listen[o->listen.nlisten++] = arg;
		break;
	case OPT_MAX_ACCEPT_RATE:
		rate_option("--max-accept-rate", arg, &s->max_accept_rate);
		break;
	case OPT_PROXY_FROM:
		proxy_from(s, arg);
		break;
	case OPT_PROXY_PROTOCOL:
		s->proxy.versions = proxy_versions(arg);
		break;
	case OPT_RATE_PER_SOURCE:
		rate_option("--rate-per-source", arg,
		    &s->admit.rate_per_source);
		break;
	case OPT_RULES:
		/* a second file must not silently replace the first */
		if (s->admit.rules_file != NULL)
			errx(EXIT_MISUSE, "--rules %s: only one --rules "
			    "file may be given", arg);
		s->admit.rules_file = arg;
		break;
	case OPT_SYSLOG:
		o->use_syslog = 1;
		if (arg != NULL && (o->facility = log_facility(arg)) == -1)
			errx(EXIT_MISUSE, "--syslog=%s: unknown facility", arg);
		break;
	default:
		return 0;
	}
	return 1;
}

/* Flags, texts, -h, -V, and what getopt_long could not make sense of. */
static void
plain_option(struct options *o, int ch, const char *arg, char *argv[])
{
	struct serve_options *s = &o->serve;

	switch (ch) {
	case OPT_BANNER:
		s->banner = arg;
		break;
	case OPT_DENY_MESSAGE:
		s->deny_message = arg;
		break;
	case OPT_FD_NAME:
		o->listen.fd_name = arg;
		break;
	case OPT_KEEPALIVE:
		s->keepalive = 1;
		break;
	case OPT_NODELAY:
		s->nodelay = 1;
		break;
	case OPT_ONCE:
		s->once = 1;
		break;
	case OPT_PRINT_ADDRESS:
		o->print_address = 1;
		break;
	case OPT_QUIET:
		o->quiet = 1;
		break;
	case OPT_REFUSE_MESSAGE:
		s->refuse_message = arg;
		break;
	case OPT_REUSEPORT:
		o->listen.reuseport = 1;
		break;
	case OPT_STDERR_TO_SOCKET:
		o->stderr_to_socket = 1;
		break;
	case OPT_USER:
		o->user = arg;
		break;
	case 'h':
		usage(stdout, 0);
	case 'V':
		printf("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
		exit(0);
	case ':':
		warnx("%s: needs a value", argv[optind - 1]);
		usage(stderr, EXIT_MISUSE);
	default:
		warnx("%s: unknown option", argv[optind - 1]);
		usage(stderr, EXIT_MISUSE);
	}
}

static long long
number(const char *name, const char *value, long long min, long long max)
{
	const char *why;
	long long n;

	n = parse_number(value, min, max, &why);
	if (why != NULL)
		errx(EXIT_MISUSE, "%s %s: number is %s", name, value, why);
	return n;
}

/*
 * --allow or --deny CIDR: into the rules table now, so that a bad one is
 * named in its turn; and into the list a SIGHUP builds the table from
 * again (admission_reload).
 */
static void
add_rule(struct options *o, const char *cidr, int allow)
{
	struct admission_options *admit = &o->serve.admit;
	struct cli_rule *rules;
	char why[512];

	rules = reallocarray(admit->rules, admit->nrules + 1, sizeof(*rules));
	if (rules == NULL)
		err(EXIT_TEMPFAIL, "--allow, --deny");
	admit->rules = rules;
	admit->rules[admit->nrules].cidr = cidr;
	admit->rules[admit->nrules].allow = allow;
	admit->nrules++;
	if (o->rules == NULL && (o->rules = rules_new()) == NULL)
		err(EXIT_TEMPFAIL, "--allow, --deny");
	if (rules_add(o->rules, cidr, allow, why, sizeof(why)) == -1)
		errx(EXIT_MISUSE, "%s %s: %s", allow ? "--allow" : "--deny",
		    cidr, why);
}

/* N/SECONDS */
static void
rate_option(const char *name, const char *value, struct rate *rate)
{
	const char *why;

	if (rate_parse(value, rate, &why) == -1)
		errx(EXIT_MISUSE, "%s %s: %s", name, value, why);
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
proxy_from(struct serve_options *s, const char *cidr)
{
	char why[512];

	if (s->proxy_from == NULL && (s->proxy_from = rules_new()) == NULL)
		err(EXIT_TEMPFAIL, "--proxy-from");
	if (rules_add(s->proxy_from, cidr, 1, why, sizeof(why)) == -1)
		errx(EXIT_MISUSE, "--proxy-from %s: %s", cidr, why);
}

/* What one option needs of, or forbids to, the others. */
static void
check_together(struct options *o)
{
	struct listener_options *l = &o->listen;

	if (l->nlisten > 0 && l->fd != -1)
		errx(EXIT_MISUSE, "--listen and --fd exclude each other");
	need_listen(l, l->backlog != -1, "--backlog");
	need_listen(l, l->reuseport, "--reuseport");
	need_listen(l, o->print_address, "--print-address");
	if (l->backlog == -1)
		l->backlog = SOMAXCONN;
	proxy_defaults(&o->serve);
	l->streams_only = o->serve.proxy.versions != 0;
	/* with --once the bridge becomes the handler: nothing is kept */
	if (o->serve.once && o->serve.linger > 0)
		errx(EXIT_MISUSE, "--once and --lingering-close exclude "
		    "each other");
	if (o->serve.linger > 0) {
		linger_check_limit(o->serve.max_connections, &o->nofile);
		o->nofile_raised = 1;
	}
}

static void
need_listen(const struct listener_options *l, int given, const char *name)
{
	if (given && l->nlisten == 0)
		errx(EXIT_MISUSE, "%s needs --listen", name);
}

/* The PROXY options go together; the defaults of the ones not given. */
static void
proxy_defaults(struct serve_options *s)
{
	if (s->proxy.versions == 0) {
		if (s->proxy_from != NULL)
			errx(EXIT_MISUSE, "--proxy-from needs --proxy-protocol");
		if (s->proxy.header_max != 0)
			errx(EXIT_MISUSE,
			    "--proxy-header-max needs --proxy-protocol");
		if (s->proxy.timeout_ms != 0)
			errx(EXIT_MISUSE, "--proxy-timeout needs --proxy-protocol");
		return;
	}
	if (s->proxy.header_max == 0)
		s->proxy.header_max = PROXY_HEADER_MAX_DEFAULT;
	if (s->proxy.timeout_ms == 0)
		s->proxy.timeout_ms = DEFAULT_PROXY_TIMEOUT * 1000;
}

/* --rules FILE, once, into the table after the command line's rules. */
static void
read_rules_file(struct options *o)
{
	const char *file = o->serve.admit.rules_file;
	char why[1024];

	if (file == NULL)
		return;
	if (o->rules == NULL && (o->rules = rules_new()) == NULL)
		errx(EXIT_MISUSE, "rules: out of memory");
	if (rules_load_file(o->rules, file, why, sizeof(why)) == -1)
		errx(EXIT_MISUSE, "%s", why);
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
	    "[--lingering-close SECONDS]\n"
	    "                  [--max-accept-rate N/SECONDS] "
	    "[--max-connections N]\n"
	    "                  [--max-per-source N]\n"
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
