/*
 * hostile: clients that misbehave, for tests/hostile.test and
 * tests/refusal.test.
 *
 * usage: hostile [-h HOST] [-b ADDRESS] -p PORT | -u PATH [-B NAME | -R DIR]
 *                -k KIND [-n CONNS] [-t THREADS] [-m MESSAGE] [-e EXPECTED]
 *                [-s SIZE] [-w SECONDS] [-T SECONDS]
 *
 * Each of THREADS threads (default 1) makes CONNS connections (default 1),
 * to HOST (default 127.0.0.1) port PORT from ADDRESS (-b, any port), or to
 * the unix socket PATH (@NAME: abstract), each of this KIND:
 *
 *   reset        connect and reset at once (SO_LINGER {1, 0}, close), so
 *                that the bridge accepts a connection that is already gone
 *   send-reset   send MESSAGE and a newline, then reset
 *   read-reset   send MESSAGE and a newline if -m is given, wait for the
 *                first byte the bridge or its handler sends (the banner, the
 *                refusal line, the reply), then reset; fails if nothing
 *                comes within the time limit
 *   noread       send MESSAGE and a newline if -m is given and never read:
 *                the thread's connections stay open, all at once, until -w
 *                SECONDS (default 1) after its last one, then are closed
 *   flood        send SIZE bytes (default 1048576), then close without
 *                reading; send errors (the bridge reset) are not failures
 *   flood-read   send SIZE bytes, then read until end-of-file: fails on any
 *                error (ECONNRESET above all) or if what came is not
 *                EXPECTED and a newline (default: nothing at all)
 *
 * A unix client may bind its own socket first: -B NAME binds it to NAME,
 * decoded as C escapes by strunvis(3) (so \n, \033, \377 and \000 can be
 * in it; @ first: abstract), the same name for each connection, which
 * must then be one at a time; -R DIR binds each connection to a name of
 * its own made of random bytes (control characters, bytes above 127,
 * backslashes, quotes, spaces, "=", "@" and ","; no "/"), a file in DIR,
 * or an abstract name if DIR is "@" (NUL bytes too).  Every 8th name fills
 * sun_path to its last byte.  Path names are removed again.
 *
 * -T is the time limit of each connection (default 10 s).  Prints one
 * line, "conns=N failed=N", and describes the first failures on stderr.
 * Exit 0 if no connection failed, 1 if some did, 2 on bad usage.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>

#include <err.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vis.h>

#include "testprog.h"
#include "testsock.h"

#define MAX_THREADS	256
#define MAX_HELD	4096	/* noread connections a thread holds */
#define NUMERIC		(AI_NUMERICSERV | AI_NUMERICHOST)

enum kind { RESET, SEND_RESET, READ_RESET, NOREAD, FLOOD, FLOOD_READ };

static const char *kinds[] = {
	"reset", "send-reset", "read-reset", "noread", "flood", "flood-read"
};

struct config {
	struct sockaddr_storage addr, from;
	socklen_t	 addrlen, fromlen;
	enum kind	 kind;
	char		*msg;		/* MESSAGE "\n", or NULL */
	char		*expect;	/* EXPECTED "\n", or "" */
	char		*flood;
	size_t		 floodlen;
	char		 bind_name[sizeof(((struct sockaddr_un *)0)->sun_path)];
	size_t		 bind_len;	/* 0: no -B */
	const char	*random_dir;	/* -R */
	long		 conns;
	double		 timeout;
	double		 hold;
};

struct worker {
	pthread_t	 tid;
	int		 id;
	long		 failed;
	int		*held;
	long		 nheld;
	unsigned int	 seed;
};

static struct config	cfg;

static int	bind_client(struct worker *, int, char *, size_t);
static int	connect_to(struct worker *, int *, char *, size_t);
static int	one(struct worker *, long, char *, size_t);
static void	random_name(struct worker *, long, struct sockaddr_un *,
		    socklen_t *);
static void	reset(int);
static void	usage(void);
static void    *work(void *);

static void
usage(void)
{
	fprintf(stderr, "usage: hostile [-h HOST] [-b ADDRESS] -p PORT | "
	    "-u PATH [-B NAME | -R DIR]\n"
	    "               -k KIND [-n CONNS] [-t THREADS] [-m MESSAGE] "
	    "[-e EXPECTED]\n"
	    "               [-s SIZE] [-w SECONDS] [-T SECONDS]\n");
	exit(2);
}

/* Close with RST instead of FIN. */
static void
reset(int fd)
{
	struct linger l = { 1, 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

/* A name of random bytes for connection i, in cfg.random_dir or abstract. */
static void
random_name(struct worker *w, long i, struct sockaddr_un *sun,
    socklen_t *len)
{
	static const char odd[] = "\n\t\r\b\a\033\\ =,@\"'%$";
	char *p = sun->sun_path;
	size_t room, n, k, dirlen;
	int abstract = strcmp(cfg.random_dir, "@") == 0;

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (abstract) {
		*p++ = '\0';
		room = sizeof(sun->sun_path) - 1;
	} else {
		dirlen = strlen(cfg.random_dir);
		memcpy(p, cfg.random_dir, dirlen);
		p += dirlen;
		*p++ = '/';
		room = sizeof(sun->sun_path) - dirlen - 1;
	}
	/* unique: thread and number first, then random bytes */
	n = snprintf(p, room, "%d.%ld.", w->id, i);
	/* every 8th name fills sun_path to the end, without a NUL */
	k = i % 8 == 0 ? room : n + rand_r(&w->seed) % (room - n + 1);
	for (; n < k; n++) {
		switch (rand_r(&w->seed) % 3) {
		case 0:
			p[n] = odd[rand_r(&w->seed) % (sizeof(odd) - 1)];
			break;
		case 1:
			p[n] = 128 + rand_r(&w->seed) % 128;
			break;
		default:
			p[n] = 1 + rand_r(&w->seed) % 127;
		}
		if (p[n] == '/' || (!abstract && p[n] == '\0'))
			p[n] = '_';
	}
	*len = offsetof(struct sockaddr_un, sun_path) + (p - sun->sun_path) + k;
}

/*
 * Bind the client's own unix socket (-B or -R).  The path is put in path
 * (empty: nothing to remove).  0, or -1 with why filled.
 */
static int
bind_client(struct worker *w, int fd, char *path, size_t pathlen)
{
	struct sockaddr_un sun;
	socklen_t len;
	long i;

	*path = '\0';
	if (cfg.random_dir != NULL) {
		static pthread_mutex_t serial_lock =
		    PTHREAD_MUTEX_INITIALIZER;
		static long serial;

		pthread_mutex_lock(&serial_lock);
		i = serial++;
		pthread_mutex_unlock(&serial_lock);
		random_name(w, i, &sun, &len);
	} else {
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		memcpy(sun.sun_path, cfg.bind_name, cfg.bind_len);
		len = offsetof(struct sockaddr_un, sun_path) + cfg.bind_len;
	}
	if (sun.sun_path[0] != '\0') {
		/* a path: it may be unlinked again; the kernel stops at NUL */
		size_t n = strnlen(sun.sun_path, sizeof(sun.sun_path));

		if (n >= pathlen)
			errx(1, "bind name too long");
		memcpy(path, sun.sun_path, n);
		path[n] = '\0';
		unlink(path);
	}
	if (bind(fd, (struct sockaddr *)&sun, len) == -1) {
		snprintf(path, pathlen, "bind: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Connect (blocking, bounded by the deadline's SO_SNDTIMEO for unix). */
static int
connect_to(struct worker *w, int *fdp, char *why, size_t whylen)
{
	char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
	int fd, e;

	*fdp = -1;
	if ((fd = socket(cfg.addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC,
	    0)) == -1) {
		snprintf(why, whylen, "socket: %s", strerror(errno));
		return -1;
	}
	set_send_timeout(fd, cfg.timeout);
	*path = '\0';
	if (cfg.addr.ss_family == AF_UNIX &&
	    (cfg.bind_len > 0 || cfg.random_dir != NULL) &&
	    bind_client(w, fd, path, sizeof(path)) == -1) {
		snprintf(why, whylen, "%s", path);
		close(fd);
		return -1;
	}
	if (cfg.fromlen > 0 && bind(fd, (struct sockaddr *)&cfg.from,
	    cfg.fromlen) == -1) {
		snprintf(why, whylen, "bind: %s", strerror(errno));
		close(fd);
		return -1;
	}
	while (connect(fd, (struct sockaddr *)&cfg.addr, cfg.addrlen) == -1) {
		if (errno == EINTR)
			continue;
		e = errno;
		snprintf(why, whylen, "connect: %s", strerror(e));
		if (*path != '\0')
			unlink(path);
		close(fd);
		return -1;
	}
	/* the name has served: the bridge has it from accept() */
	if (*path != '\0')
		unlink(path);
	set_nonblock(fd);
	*fdp = fd;
	return 0;
}

/* Connection i: 0, or -1 with why filled. */
static int
one(struct worker *w, long i, char *why, size_t whylen)
{
	double deadline = now() + cfg.timeout;
	char buf[4096], shown[4 * 60 + 1];
	size_t got;
	int fd, e;

	(void)i;
	if (connect_to(w, &fd, why, whylen) == -1)
		return -1;
	e = 0;
	switch (cfg.kind) {
	case RESET:
		break;
	case SEND_RESET:
		send(fd, cfg.msg, strlen(cfg.msg), MSG_NOSIGNAL);
		break;
	case READ_RESET:
		if (cfg.msg != NULL &&
		    (e = send_all(fd, cfg.msg, strlen(cfg.msg), deadline)) != 0)
			break;
		e = read_all(fd, deadline, buf, 1, &got);
		if (e == EMSGSIZE)
			e = 0;		/* the one byte came */
		else if (e == 0)
			e = ENODATA;	/* end-of-file, no byte */
		break;
	case NOREAD:
		if (cfg.msg != NULL)
			e = send_all(fd, cfg.msg, strlen(cfg.msg), deadline);
		if (e == 0 && w->nheld < MAX_HELD) {
			w->held[w->nheld++] = fd;
			return 0;
		}
		break;
	case FLOOD:
		send_all(fd, cfg.flood, cfg.floodlen, deadline);
		close(fd);
		return 0;
	case FLOOD_READ:
		if ((e = send_all(fd, cfg.flood, cfg.floodlen, deadline)) != 0)
			break;
		e = read_all(fd, deadline, buf, sizeof(buf) - 1, &got);
		if (e == 0 && (got != strlen(cfg.expect) ||
		    memcmp(buf, cfg.expect, got) != 0)) {
			buf[got < 60 ? got : 60] = '\0';
			strvis(shown, buf, VIS_CSTYLE | VIS_OCTAL | VIS_NL);
			snprintf(why, whylen, "flood-read: wrong reply, %zu "
			    "bytes: [%s]", got, shown);
			reset(fd);
			return -1;
		}
		close(fd);
		if (e != 0)
			break;
		return 0;
	}
	if (cfg.kind != FLOOD_READ)
		reset(fd);
	if (e != 0) {
		snprintf(why, whylen, "%s: %s", kinds[cfg.kind],
		    e == ENODATA ? "end-of-file before any byte" : strerror(e));
		return -1;
	}
	return 0;
}

static void *
work(void *arg)
{
	struct worker *w = arg;
	char why[512];
	double until;
	long i;

	if (cfg.kind == NOREAD &&
	    (w->held = calloc(MAX_HELD, sizeof(int))) == NULL)
		err(1, "calloc");
	for (i = 0; i < cfg.conns; i++)
		if (one(w, i, why, sizeof(why)) == -1) {
			w->failed++;
			report_failure(why);
		}
	if (cfg.kind == NOREAD) {
		until = now() + cfg.hold;
		while (now() < until)
			poll(NULL, 0, (int)((until - now()) * 1000) + 1);
		for (i = 0; i < w->nheld; i++)
			close(w->held[i]);
		free(w->held);
	}
	return NULL;
}

int
main(int argc, char *argv[])
{
	struct worker *w;
	const char *host = "127.0.0.1", *port = NULL, *path = NULL;
	const char *from = NULL, *kind = NULL, *msg = NULL, *expect = NULL;
	const char *bind_name = NULL;
	char decoded[4 * sizeof(cfg.bind_name)];
	long failed;
	int ch, i, e, threads = 1, n;

	cfg.timeout = 10;
	cfg.hold = 1;
	cfg.conns = 1;
	cfg.floodlen = 1024 * 1024;
	while ((ch = getopt(argc, argv, "b:B:e:h:k:m:n:p:R:s:t:T:u:w:")) !=
	    -1) {
		switch (ch) {
		case 'b':
			from = optarg;
			break;
		case 'B':
			bind_name = optarg;
			break;
		case 'e':
			expect = optarg;
			break;
		case 'h':
			host = optarg;
			break;
		case 'k':
			kind = optarg;
			break;
		case 'm':
			msg = optarg;
			break;
		case 'n':
			cfg.conns = number_option(ch, optarg, 1, 10000000);
			break;
		case 'p':
			port = optarg;
			break;
		case 'R':
			cfg.random_dir = optarg;
			break;
		case 's':
			cfg.floodlen = number_option(ch, optarg, 1, 1 << 30);
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
		case 'w':
			cfg.hold = number_option(ch, optarg, 0, 3600);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 0 || (port == NULL) == (path == NULL) || kind == NULL)
		usage();
	for (i = 0; i < (int)(sizeof(kinds) / sizeof(kinds[0])); i++)
		if (strcmp(kind, kinds[i]) == 0)
			break;
	if (i == (int)(sizeof(kinds) / sizeof(kinds[0])))
		errx(2, "-k %s: unknown kind", kind);
	cfg.kind = i;
	if ((bind_name != NULL || cfg.random_dir != NULL) && path == NULL)
		errx(2, "-B and -R are for unix sockets");
	if (bind_name != NULL && cfg.random_dir != NULL)
		usage();
	if (cfg.random_dir != NULL && strcmp(cfg.random_dir, "@") != 0 &&
	    strlen(cfg.random_dir) > sizeof(cfg.bind_name) - 24)
		errx(2, "-R %s: too long", cfg.random_dir);
	if (bind_name != NULL) {
		if (strlen(bind_name) >= sizeof(decoded))
			errx(2, "-B: too long");
		if ((n = strunvis(decoded, bind_name)) == -1)
			errx(2, "-B %s: bad escape", bind_name);
		if (n > (int)sizeof(cfg.bind_name) || n == 0)
			errx(2, "-B %s: %d bytes, 1 to %zu allowed", bind_name,
			    n, sizeof(cfg.bind_name));
		memcpy(cfg.bind_name, decoded, n);
		if (cfg.bind_name[0] == '@')
			cfg.bind_name[0] = '\0';
		cfg.bind_len = n;
		if (threads > 1)
			errx(2, "-B: one thread only (one name)");
	}

	if (path != NULL) {
		if (unix_address(path, &cfg.addr, &cfg.addrlen) == -1)
			errx(2, "%s: path too long", path);
	} else {
		if ((e = inet_address(host, port, AF_UNSPEC, NUMERIC,
		    &cfg.addr, &cfg.addrlen)) != 0)
			errx(2, "%s port %s: %s", host, port, gai_strerror(e));
		if (from != NULL && (e = inet_address(from, "0", AF_UNSPEC,
		    NUMERIC | AI_PASSIVE, &cfg.from, &cfg.fromlen)) != 0)
			errx(2, "-b %s: %s", from, gai_strerror(e));
	}
	if (msg != NULL && asprintf(&cfg.msg, "%s\n", msg) == -1)
		err(1, "asprintf");
	if (cfg.kind == SEND_RESET && cfg.msg == NULL)
		cfg.msg = strdup("hello\n");
	if (asprintf(&cfg.expect, "%s%s", expect ? expect : "",
	    expect ? "\n" : "") == -1)
		err(1, "asprintf");
	if (cfg.kind == FLOOD || cfg.kind == FLOOD_READ) {
		if ((cfg.flood = malloc(cfg.floodlen)) == NULL)
			err(1, "malloc");
		memset(cfg.flood, 'x', cfg.floodlen);
	}
	signal(SIGPIPE, SIG_IGN);

	if ((w = calloc(threads, sizeof(*w))) == NULL)
		err(1, "calloc");
	for (i = 0; i < threads; i++) {
		w[i].id = i;
		w[i].seed = 12345 + i;
		if ((e = pthread_create(&w[i].tid, NULL, work, &w[i])) != 0)
			errc(1, e, "pthread_create");
	}
	failed = 0;
	for (i = 0; i < threads; i++) {
		if ((e = pthread_join(w[i].tid, NULL)) != 0)
			errc(1, e, "pthread_join");
		failed += w[i].failed;
	}
	printf("conns=%ld failed=%ld\n", cfg.conns * threads, failed);
	free(w);
	free(cfg.flood);
	free(cfg.expect);
	free(cfg.msg);
	return failed == 0 ? 0 : 1;
}
