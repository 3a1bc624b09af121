/*
 * tls_options.c: sockbridge-tls's command line.  A bad option exits 100
 * with one line, as the bridge's do; so does a combination that would
 * undo the isolation the options ask for.
 */
#include "config.h"

#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "compat.h"
#include "log.h"
#include "parse.h"
#include "tls_options.h"

#define DEFAULT_HANDSHAKE_TIMEOUT	10	/* seconds */
#define DEFAULT_LINGERING_CLOSE		5	/* seconds, as the bridge's */

static __dead void usage(FILE *, int);
static void	defaults(struct tls_options *);
static void	take_option(struct tls_options *, int, char *, char *[]);
static int	checked_option(struct tls_options *, int, const char *);
static void	plain_option(struct tls_options *, int, const char *,
		    char *[]);
static __dead void answer_or_fail(int, char *[]);
static int	min_version(const char *);
static enum tls_verify verify_client(const char *);
static int	seconds(const char *, const char *, int);
static void	alpn_option(const char *, struct tls_options *);
static void	check_combination(struct tls_options *);

enum {
	OPT_ALPN = 256, OPT_CA, OPT_CERT, OPT_CERT_DIR, OPT_CHECK, OPT_CRL,
	OPT_HANDSHAKE_TIMEOUT, OPT_KEY, OPT_LINGERING_CLOSE, OPT_MIN_VERSION,
	OPT_SNI_STRICT, OPT_SYSLOG, OPT_TLS_USER, OPT_USER, OPT_VERIFY_CLIENT
};

static const struct option longopts[] = {
	{ "alpn",		required_argument, NULL, OPT_ALPN },
	{ "ca",			required_argument, NULL, OPT_CA },
	{ "cert",		required_argument, NULL, OPT_CERT },
	{ "cert-dir",		required_argument, NULL, OPT_CERT_DIR },
	{ "check",		no_argument,	   NULL, OPT_CHECK },
	{ "crl",		required_argument, NULL, OPT_CRL },
	{ "handshake-timeout",	required_argument, NULL,
	    OPT_HANDSHAKE_TIMEOUT },
	{ "help",		no_argument,	   NULL, 'h' },
	{ "key",		required_argument, NULL, OPT_KEY },
	{ "lingering-close",	required_argument, NULL, OPT_LINGERING_CLOSE },
	{ "min-version",	required_argument, NULL, OPT_MIN_VERSION },
	{ "sni-strict",		no_argument,	   NULL, OPT_SNI_STRICT },
	{ "syslog",		optional_argument, NULL, OPT_SYSLOG },
	{ "tls-user",		required_argument, NULL, OPT_TLS_USER },
	{ "user",		required_argument, NULL, OPT_USER },
	{ "verify-client",	required_argument, NULL, OPT_VERIFY_CLIENT },
	{ "version",		no_argument,	   NULL, 'V' },
	{ NULL,			0,		   NULL, 0 }
};

/* Fill o from the command line, or exit 100 with one line. */
void
tls_options_parse(int argc, char **argv, struct tls_options *o)
{
	int ch;

	defaults(o);
	/*
	 * '+': the handler's own options are not ours, even without "--";
	 * ':': we say what is wrong ourselves, as "sockbridge-tls: ...".
	 */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:hV", longopts, NULL)) != -1)
		take_option(o, ch, optarg, argv);
	o->argv = argv + optind;
	check_combination(o);
}

static void
defaults(struct tls_options *o)
{
	memset(o, 0, sizeof(*o));
	o->min_version = TLS1_2_VERSION;
	o->handshake_timeout = DEFAULT_HANDSHAKE_TIMEOUT;
	o->lingering_close = DEFAULT_LINGERING_CLOSE;
	o->facility = LOG_DAEMON;
}

/* One option as getopt_long returned it. */
static void
take_option(struct tls_options *o, int ch, char *arg, char *argv[])
{
	if (checked_option(o, ch, arg))
		return;
	plain_option(o, ch, arg, argv);
}

/* The options whose value is checked here; 0 if ch is not one. */
static int
checked_option(struct tls_options *o, int ch, const char *arg)
{
	switch (ch) {
	case OPT_ALPN:
		alpn_option(arg, o);
		break;
	case OPT_HANDSHAKE_TIMEOUT:
		o->handshake_timeout = seconds("--handshake-timeout", arg, 1);
		break;
	case OPT_LINGERING_CLOSE:
		o->lingering_close = seconds("--lingering-close", arg, 0);
		break;
	case OPT_MIN_VERSION:
		o->min_version = min_version(arg);
		break;
	case OPT_SYSLOG:
		o->use_syslog = 1;
		if (arg != NULL && (o->facility = log_facility(arg)) == -1)
			errx(EXIT_MISUSE, "--syslog=%s: no such facility",
			    arg);
		break;
	case OPT_VERIFY_CLIENT:
		o->verify = verify_client(arg);
		break;
	default:
		return 0;
	}
	return 1;
}

/* Files, users, flags, -h, -V, and what getopt_long could not read. */
static void
plain_option(struct tls_options *o, int ch, const char *arg, char *argv[])
{
	switch (ch) {
	case OPT_CA:
		o->ca = arg;
		break;
	case OPT_CERT:
		o->cert = arg;
		break;
	case OPT_CERT_DIR:
		o->cert_dir = arg;
		break;
	case OPT_CHECK:
		o->check = 1;
		break;
	case OPT_CRL:
		o->crl = arg;
		break;
	case OPT_KEY:
		o->key = arg;
		break;
	case OPT_SNI_STRICT:
		o->sni_strict = 1;
		break;
	case OPT_TLS_USER:
		o->tls_user = arg;
		break;
	case OPT_USER:
		o->user = arg;
		break;
	default:
		answer_or_fail(ch, argv);
	}
}

/* -h and -V answer and exit 0; anything else getopt_long refused. */
static __dead void
answer_or_fail(int ch, char *argv[])
{
	switch (ch) {
	case 'h':
		usage(stdout, 0);
	case 'V':
		printf("sockbridge-tls %s\n", PACKAGE_VERSION);
		exit(0);
	case ':':
		errx(EXIT_MISUSE, "%s: needs a value", argv[optind - 1]);
	default:
		errx(EXIT_MISUSE, "%s: unknown option", argv[optind - 1]);
	}
}

static int
min_version(const char *value)
{
	if (strcmp(value, "1.2") == 0)
		return TLS1_2_VERSION;
	if (strcmp(value, "1.3") == 0)
		return TLS1_3_VERSION;
	errx(EXIT_MISUSE, "--min-version %s: not 1.2 or 1.3", value);
}

static enum tls_verify
verify_client(const char *value)
{
	if (strcmp(value, "optional") == 0)
		return VERIFY_OPTIONAL;
	if (strcmp(value, "require") == 0)
		return VERIFY_REQUIRE;
	errx(EXIT_MISUSE, "--verify-client %s: not optional or require",
	    value);
}

/* What the options say together; users looked up once, here. */
static void
check_combination(struct tls_options *o)
{
	if (o->cert == NULL)
		errx(EXIT_MISUSE, "--cert is needed (the default certificate)");
	if (*o->argv == NULL && !o->check)
		errx(EXIT_MISUSE, "no handler given (after --)");
	if (o->crl != NULL && o->ca == NULL)
		errx(EXIT_MISUSE, "--crl needs --ca");
	if ((o->verify != VERIFY_NONE) != (o->ca != NULL))
		errx(EXIT_MISUSE, "--verify-client and --ca go together");
	/* else the handler's process would fail, after the handshake */
	if ((o->user != NULL || o->tls_user != NULL) && geteuid() != 0)
		errx(EXIT_MISUSE, "--user and --tls-user need root");
	if (o->user != NULL && o->tls_user == NULL)
		errx(EXIT_MISUSE, "--user needs --tls-user: the handler's uid "
		    "must not do the TLS");
	if (o->user != NULL)
		find_credentials(o->user, &o->user_cred);
	if (o->tls_user != NULL)
		find_credentials(o->tls_user, &o->tls_cred);
	if (o->user != NULL && o->user_cred.uid == o->tls_cred.uid)
		errx(EXIT_MISUSE, "--user and --tls-user are the same uid");
}

static int
seconds(const char *name, const char *value, int min)
{
	const char *why;
	long long n;

	n = parse_number(value, min, 86400, &why);
	if (why != NULL)
		errx(EXIT_MISUSE, "%s %s: number is %s", name, value, why);
	return (int)n;
}

/* --alpn h2,http/1.1 in the wire form: each name after its length. */
static void
alpn_option(const char *value, struct tls_options *o)
{
	size_t len, at = 0;
	const char *p;

	for (p = value;; p += len + 1) {
		len = strcspn(p, ",");
		if (len == 0 || len > 255 || at + 1 + len > sizeof(o->alpn))
			errx(EXIT_MISUSE, "--alpn %s: an empty or too long "
			    "name", value);
		o->alpn[at++] = (unsigned char)len;
		memcpy(o->alpn + at, p, len);
		at += len;
		if (p[len] == '\0')
			break;
	}
	o->alpn_len = at;
}

static void
usage(FILE *out, int status)
{
	fprintf(out,
	    "usage: sockbridge-tls [--check] [--sni-strict] "
	    "[--syslog[=FACILITY]] [--alpn LIST]\n"
	    "                      [--ca FILE] --cert FILE [--cert-dir DIR] "
	    "[--crl FILE]\n"
	    "                      [--handshake-timeout SECONDS] "
	    "[--key FILE]\n"
	    "                      [--lingering-close SECONDS] "
	    "[--min-version 1.2|1.3]\n"
	    "                      [--tls-user USER[:GROUP]] "
	    "[--user USER[:GROUP]]\n"
	    "                      [--verify-client optional|require] "
	    "[--] handler [arg ...]\n");
	exit(status);
}
