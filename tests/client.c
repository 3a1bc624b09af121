/*
 * client: many clients at once, for the tests and the benchmark.
 *
 * usage: client [-4 | -6] [-h HOST] -p PORT | -u PATH [-t THREADS]
 *               [-n CONNS] [-d SECONDS] [-m MESSAGE] [-e EXPECTED] [-N]
 *               [-S] [-T SECONDS]
 *
 * Each of THREADS threads (default 1) makes CONNS connections (default 1)
 * one after the other, or, with -d, keeps making them until SECONDS have
 * passed; with both, it stops at whichever comes first (-d as a bound).
 * The threads start together.  Each connection: connect, send
 * MESSAGE and a newline (default "hello"), with -S shut down the sending
 * side, read until end of file, and compare what came back with EXPECTED
 * followed by a newline (default "I got your message: MESSAGE"; -N: no
 * newline is added, so -N -e '' expects nothing at all).  -T is the time
 * limit for the whole connection (default 10 seconds), a fail-safe: it is
 * multiplied by TEST_TIMEOUT_SCALE from the environment, as the tests'
 * own limits are.
 *
 * A connection fails when connect fails (refused, or no connection within
 * the limit), when the reply does not end within the limit, when a read or
 * write fails, or when the reply differs.  The first few failures are
 * described on stderr.
 *
 * One line on stdout, for scripts:
 *   ok=N failed=N seconds=S.SSS rate=R p50_ms=X p99_ms=Y
 * rate is successful connections per second; the latencies are those of
 * the successful connections, from the start of connect to end of file.
 * Exit 0 if no connection failed, 1 if some did, 2 on bad usage.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <err.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testprog.h"
#include "testsock.h"

#define MAX_THREADS	1024

enum outcome { OK, F_CONNECT, F_TIMEOUT, F_IO, F_REPLY, NOUTCOMES };

struct config {
	struct sockaddr_storage addr;
	socklen_t	 addrlen;
	char		*msg;		/* MESSAGE "\n" */
	size_t		 msglen;
	char		*expect;
	size_t		 expectlen;
	double		 timeout;	/* seconds, per connection */
	double		 end;		/* -d: when to stop, else 0 */
	long		 conns;
	int		 halfclose;
};

struct worker {
	pthread_t	 tid;
	const struct config *c;
	long		 count[NOUTCOMES];
	double		*lat;		/* ms, successful connections */
	size_t		 nlat, caplat;
	char		*buf;
	size_t		 bufsize;
};

static struct config	cfg;
static pthread_barrier_t start_line;

static int	cmp_double(const void *, const void *);
static enum outcome connect_to(const struct config *, int *, double, char *,
		    size_t);
static enum outcome one(struct worker *, char *, size_t);
static double	percentile(const double *, size_t, double);
static enum outcome read_reply(struct worker *, int, double, char *, size_t);
static enum outcome send_message(const struct config *, int, double, char *,
		    size_t);
static void	show(char *, size_t, const char *, size_t);
static long long timeout_scale(void);
static void	usage(void);
static void    *work(void *);

static void
usage(void)
{
	fprintf(stderr, "usage: client [-4 | -6] [-h HOST] -p PORT | -u PATH "
	    "[-t THREADS]\n"
	    "              [-n CONNS] [-d SECONDS] [-m MESSAGE] "
	    "[-e EXPECTED] [-N]\n"
	    "              [-S] [-T SECONDS]\n");
	exit(2);
}

/* Describe up to len bytes of s, made printable, in out. */
static void
show(char *out, size_t outlen, const char *s, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < len && o + 5 < outlen; i++) {
		unsigned char ch = s[i];

		if (ch == '\n')
			o += snprintf(out + o, outlen - o, "\\n");
		else if (ch < 32 || ch >= 127 || ch == '\\')
			o += snprintf(out + o, outlen - o, "\\x%02x", ch);
		else
			out[o++] = ch;
	}
	if (i < len && o + 4 < outlen)
		o += snprintf(out + o, outlen - o, "...");
	out[o] = '\0';
}

/*
 * Connect within the deadline; *fdp is the connected, non-blocking socket.
 * TCP: a non-blocking connect and poll.  Unix: a non-blocking connect
 * fails with EAGAIN when the backlog is full instead of waiting, so
 * connect blocking, bounded by SO_SNDTIMEO, which unix connect honours.
 */
static enum outcome
connect_to(const struct config *c, int *fdp, double deadline, char *why,
    size_t whylen)
{
	int fd, e, unix_sock = c->addr.ss_family == AF_UNIX;
	socklen_t elen = sizeof(e);

	*fdp = -1;
	fd = socket(c->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC |
	    (unix_sock ? 0 : SOCK_NONBLOCK), 0);
	if (fd == -1) {
		snprintf(why, whylen, "socket: %s", strerror(errno));
		return F_CONNECT;
	}
	if (unix_sock) {
		set_send_timeout(fd, deadline - now());
		while (connect(fd, (struct sockaddr *)&c->addr,
		    c->addrlen) == -1) {
			if (errno == EINTR && now() < deadline)
				continue;
			e = errno;
			close(fd);
			if (e == EAGAIN || e == EINPROGRESS || e == EINTR) {
				snprintf(why, whylen, "connect: no connection "
				    "within %.0f s", c->timeout);
				return F_TIMEOUT;
			}
			snprintf(why, whylen, "connect: %s", strerror(e));
			return F_CONNECT;
		}
		set_nonblock(fd);
		*fdp = fd;
		return OK;
	}
	if (connect(fd, (struct sockaddr *)&c->addr, c->addrlen) == 0) {
		*fdp = fd;
		return OK;
	}
	if (errno != EINPROGRESS && errno != EINTR) {
		snprintf(why, whylen, "connect: %s", strerror(errno));
		close(fd);
		return F_CONNECT;
	}
	if (!wait_fd(fd, POLLOUT, deadline)) {
		snprintf(why, whylen, "connect: no connection within %.0f s",
		    c->timeout);
		close(fd);
		return F_TIMEOUT;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen) == -1)
		e = errno;
	if (e != 0) {
		snprintf(why, whylen, "connect: %s", strerror(e));
		close(fd);
		return F_CONNECT;
	}
	*fdp = fd;
	return OK;
}

/* Send the message, then with -S shut the sending side down. */
static enum outcome
send_message(const struct config *c, int fd, double deadline, char *why,
    size_t whylen)
{
	int e;

	if ((e = send_all(fd, c->msg, c->msglen, deadline)) == ETIMEDOUT) {
		snprintf(why, whylen, "send: not done within %.0f s",
		    c->timeout);
		return F_TIMEOUT;
	}
	if (e != 0) {
		snprintf(why, whylen, "send: %s", strerror(e));
		return F_IO;
	}
	if (c->halfclose && shutdown(fd, SHUT_WR) == -1) {
		snprintf(why, whylen, "shutdown: %s", strerror(errno));
		return F_IO;
	}
	return OK;
}

/* Read the reply to its end and compare it with the one expected. */
static enum outcome
read_reply(struct worker *w, int fd, double deadline, char *why,
    size_t whylen)
{
	const struct config *c = w->c;
	char shown[120];
	size_t got;
	int e;

	e = read_all(fd, deadline, w->buf, w->bufsize, &got);
	if (e == 0 && got == c->expectlen &&
	    memcmp(w->buf, c->expect, got) == 0)
		return OK;
	show(shown, sizeof(shown), w->buf, got);
	if (e == EMSGSIZE) {
		snprintf(why, whylen, "reply too long: [%s]", shown);
		return F_REPLY;
	}
	if (e == ETIMEDOUT) {
		snprintf(why, whylen, "no end of reply within %.0f s, "
		    "got %zu bytes [%s]", c->timeout, got, shown);
		return F_TIMEOUT;
	}
	if (e != 0) {
		snprintf(why, whylen, "read: %s after [%s]", strerror(e),
		    shown);
		return F_IO;
	}
	snprintf(why, whylen, "wrong reply: [%s]", shown);
	return F_REPLY;
}

/* One connection, start to end.  Fills why on failure. */
static enum outcome
one(struct worker *w, char *why, size_t whylen)
{
	const struct config *c = w->c;
	double start = now(), deadline = start + c->timeout;
	enum outcome res;
	int fd;

	if ((res = connect_to(c, &fd, deadline, why, whylen)) != OK)
		return res;
	if ((res = send_message(c, fd, deadline, why, whylen)) == OK &&
	    (res = read_reply(w, fd, deadline, why, whylen)) == OK) {
		if (w->nlat == w->caplat) {
			w->caplat = w->caplat ? w->caplat * 2 : 1024;
			if ((w->lat = reallocarray(w->lat, w->caplat,
			    sizeof(double))) == NULL)
				err(1, "reallocarray");
		}
		w->lat[w->nlat++] = (now() - start) * 1000;
	}
	close(fd);
	return res;
}

static void *
work(void *arg)
{
	struct worker *w = arg;
	const struct config *c = w->c;
	enum outcome res;
	char why[256];
	long i;

	w->bufsize = c->expectlen + 4096;
	if ((w->buf = malloc(w->bufsize)) == NULL)
		err(1, "malloc");
	pthread_barrier_wait(&start_line);
	for (i = 0; (c->end == 0 || now() < c->end) &&
	    (c->conns == 0 || i < c->conns); i++) {
		res = one(w, why, sizeof(why));
		w->count[res]++;
		if (res != OK)
			report_failure(why);
	}
	free(w->buf);
	return NULL;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* TEST_TIMEOUT_SCALE, a whole number (default 1), as tests/lib.sh takes it. */
static long long
timeout_scale(void)
{
	const char *s, *errstr;
	long long n;

	if ((s = getenv("TEST_TIMEOUT_SCALE")) == NULL)
		return 1;
	n = strtonum(s, 1, 1000, &errstr);
	return errstr == NULL ? n : 1;
}

/* Nearest-rank percentile of sorted v. */
static double
percentile(const double *v, size_t n, double p)
{
	size_t rank;

	if (n == 0)
		return 0;
	rank = (size_t)(p * n);
	if (rank < p * n || rank < 1)	/* round up */
		rank++;
	return v[rank - 1];
}

int
main(int argc, char *argv[])
{
	struct worker *w;
	pthread_attr_t attr;
	const char *host = NULL, *port = NULL, *path = NULL;
	const char *msg = "hello", *expect = NULL;
	double *all, t0, secs;
	long total[NOUTCOMES], failed;
	size_t nall, k;
	int ch, i, e, family = AF_UNSPEC, threads = 1, newline = 1;
	long long duration = 0;

	cfg.timeout = 10;
	while ((ch = getopt(argc, argv, "46d:e:h:m:n:Np:St:T:u:")) != -1) {
		switch (ch) {
		case '4':
			family = AF_INET;
			break;
		case '6':
			family = AF_INET6;
			break;
		case 'd':
			duration = number_option(ch, optarg, 1, 86400);
			break;
		case 'e':
			expect = optarg;
			break;
		case 'h':
			host = optarg;
			break;
		case 'm':
			msg = optarg;
			break;
		case 'n':
			cfg.conns = number_option(ch, optarg, 1, 100000000);
			break;
		case 'N':
			newline = 0;
			break;
		case 'p':
			port = optarg;
			break;
		case 'S':
			cfg.halfclose = 1;
			break;
		case 't':
			threads = number_option(ch, optarg, 1, MAX_THREADS);
			break;
		case 'T':
			cfg.timeout = number_option(ch, optarg, 1, 3600);
			break;
		case 'u':
			path = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 0 || (port == NULL) == (path == NULL))
		usage();
	cfg.timeout *= timeout_scale();
	if (path != NULL && (host != NULL || family != AF_UNSPEC))
		usage();
	if (cfg.conns == 0 && duration == 0)
		cfg.conns = 1;

	if (path != NULL) {
		if (unix_address(path, &cfg.addr, &cfg.addrlen) == -1)
			errx(2, "%s: path too long", path);
	} else {
		if (host == NULL)
			host = family == AF_INET6 ? "::1" : "127.0.0.1";
		if ((e = inet_address(host, port, family, AI_NUMERICSERV,
		    &cfg.addr, &cfg.addrlen)) != 0)
			errx(2, "%s port %s: %s", host, port, gai_strerror(e));
	}

	if (asprintf(&cfg.msg, "%s\n", msg) == -1)
		err(1, "asprintf");
	cfg.msglen = strlen(cfg.msg);
	if (expect == NULL)
		e = asprintf(&cfg.expect, "I got your message: %s%s", msg,
		    newline ? "\n" : "");
	else
		e = asprintf(&cfg.expect, "%s%s", expect, newline ? "\n" : "");
	if (e == -1)
		err(1, "asprintf");
	cfg.expectlen = strlen(cfg.expect);
	signal(SIGPIPE, SIG_IGN);

	if ((w = calloc(threads, sizeof(*w))) == NULL)
		err(1, "calloc");
	if ((e = pthread_barrier_init(&start_line, NULL, threads + 1)) != 0)
		errc(1, e, "pthread_barrier_init");
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	for (i = 0; i < threads; i++) {
		w[i].c = &cfg;
		if ((e = pthread_create(&w[i].tid, &attr, work, &w[i])) != 0)
			errc(1, e, "pthread_create");
	}
	t0 = now();
	if (duration > 0)
		cfg.end = t0 + duration;
	pthread_barrier_wait(&start_line);
	for (i = 0; i < threads; i++)
		if ((e = pthread_join(w[i].tid, NULL)) != 0)
			errc(1, e, "pthread_join");
	secs = now() - t0;

	memset(total, 0, sizeof(total));
	nall = 0;
	for (i = 0; i < threads; i++) {
		for (k = 0; k < NOUTCOMES; k++)
			total[k] += w[i].count[k];
		nall += w[i].nlat;
	}
	if ((all = calloc(nall + 1, sizeof(double))) == NULL)
		err(1, "calloc");
	nall = 0;
	for (i = 0; i < threads; i++) {
		if (w[i].nlat > 0)	/* lat is NULL when none succeeded */
			memcpy(all + nall, w[i].lat,
			    w[i].nlat * sizeof(double));
		nall += w[i].nlat;
		free(w[i].lat);
	}
	qsort(all, nall, sizeof(double), cmp_double);
	failed = 0;
	for (k = 1; k < NOUTCOMES; k++)
		failed += total[k];
	if (failed > 0)
		fprintf(stderr, "client: failed: connect=%ld timeout=%ld "
		    "io=%ld reply=%ld\n", total[F_CONNECT], total[F_TIMEOUT],
		    total[F_IO], total[F_REPLY]);
	printf("ok=%ld failed=%ld seconds=%.3f rate=%.1f p50_ms=%.3f "
	    "p99_ms=%.3f\n", total[OK], failed, secs,
	    secs > 0 ? total[OK] / secs : 0.0, percentile(all, nall, 0.50),
	    percentile(all, nall, 0.99));
	free(all);
	free(w);
	free(cfg.expect);
	free(cfg.msg);
	return failed == 0 ? 0 : 1;
}
