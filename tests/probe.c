/*
 * probe: a test handler that reports what it was given, and a helper that
 * hands a prepared socket to a command.
 *
 * probe
 *	Writes to stdout (the client) one line per open descriptor
 *	("fd 0 socket:[1234]", the readlink(2) target; found without
 *	reading a directory), whether fds 0 and 1
 *	are non-blocking ("nonblock 0 no"), the SigBlk, SigIgn and SigCgt
 *	lines of /proc/self/status and the environment ("env NAME=VALUE"),
 *	then writes "probe-stderr-marker" to fd 2.
 *
 * probe --make KIND FD [ADDRESS] -- command [arg ...]
 *	Creates a socket on descriptor FD (not close-on-exec) and execs the
 *	command with it.  KIND is one of:
 *	    udp              a UDP socket bound to 127.0.0.1
 *	    unbound          a TCP socket, neither bound nor listening
 *	    connected        a TCP socket connected to a peer that stays open
 *	                     until the exec
 *	    listen           a listener on ADDRESS
 *	    listen-nonblock  a listener on ADDRESS with O_NONBLOCK set
 *	ADDRESS is IPV4:PORT or a unix socket path (anything with a '/'); a
 *	unix socket file is left behind when the listener goes away.
 *
 * probe --sockopts
 *	Writes to stdout one line "nodelay=N keepalive=N": TCP_NODELAY and
 *	SO_KEEPALIVE of fd 0 (getsockopt), "-" for an option fd 0 does not
 *	have (TCP_NODELAY on a unix socket).
 *
 * probe --rcvopts
 *	Writes to stdout one line "rcvlowat=N rcvtimeo=MS sndtimeo=MS
 *	nonblock=yes|no": what fd 0 would make a reading handler wait for
 *	(SO_RCVLOWAT, SO_RCVTIMEO, SO_SNDTIMEO in milliseconds, O_NONBLOCK).
 */
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <err.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testsock.h"

extern char **environ;

static int	high(int);
static int	listener(const char *);
static int	make(const char *, const char *);
static void	report(void);
static const char *sockopt(int, int);
static int	sockopts(void);
static int	rcvopts(void);
static long	timeo_ms(int);
static __attribute__((noreturn)) void usage(void);

static void
usage(void)
{
	fprintf(stderr, "usage: probe\n"
	    "       probe --make KIND FD [ADDRESS] -- command [arg ...]\n"
	    "       probe --sockopts\n"
	    "       probe --rcvopts\n");
	exit(2);
}

/* Move fd out of the way of the target descriptor, close-on-exec. */
static int
high(int fd)
{
	int nfd;

	if ((nfd = fcntl(fd, F_DUPFD_CLOEXEC, 64)) == -1)
		err(1, "fcntl F_DUPFD_CLOEXEC");
	close(fd);
	return nfd;
}

static int
listener(const char *address)
{
	struct sockaddr_in sin;
	struct sockaddr_un sun;
	struct sockaddr *sa;
	socklen_t len;
	char host[INET_ADDRSTRLEN], *colon;
	const char *errstr;

	if (strchr(address, '/') != NULL) {
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		if (strlcpy(sun.sun_path, address, sizeof(sun.sun_path)) >=
		    sizeof(sun.sun_path))
			errx(1, "%s: path too long", address);
		sa = (struct sockaddr *)&sun;
		len = sizeof(sun);
	} else {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		if ((colon = strrchr(address, ':')) == NULL ||
		    (size_t)(colon - address) >= sizeof(host))
			errx(1, "%s: not IPV4:PORT", address);
		memcpy(host, address, colon - address);
		host[colon - address] = '\0';
		if (inet_pton(AF_INET, host, &sin.sin_addr) != 1)
			errx(1, "%s: not an IPv4 address", host);
		sin.sin_port = htons(strtonum(colon + 1, 0, 65535, &errstr));
		if (errstr != NULL)
			errx(1, "%s: port is %s", address, errstr);
		sa = (struct sockaddr *)&sin;
		len = sizeof(sin);
	}
	return listen_on(sa, len, 16, address);
}

static int
make(const char *kind, const char *address)
{
	struct sockaddr_in sin;
	socklen_t len;
	int fd, l;

	if (strcmp(kind, "udp") == 0) {
		if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1)
			err(1, "socket");
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
			err(1, "bind");
	} else if (strcmp(kind, "unbound") == 0) {
		if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
			err(1, "socket");
	} else if (strcmp(kind, "connected") == 0) {
		/* The peer and its listener are close-on-exec: gone at exec. */
		l = high(listener("127.0.0.1:0"));
		len = sizeof(sin);
		if (getsockname(l, (struct sockaddr *)&sin, &len) == -1)
			err(1, "getsockname");
		if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
			err(1, "socket");
		if (connect(fd, (struct sockaddr *)&sin, len) == -1)
			err(1, "connect");
		fd = high(fd);
		if (high(accept(l, NULL, NULL)) == -1)
			err(1, "accept");
	} else if (strcmp(kind, "listen") == 0 ||
	    strcmp(kind, "listen-nonblock") == 0) {
		if (address == NULL)
			usage();
		fd = listener(address);
		if (strcmp(kind, "listen-nonblock") == 0)
			set_nonblock(fd);
	} else
		usage();
	return high(fd);
}

/*
 * The highest descriptor is below FDSize, the size of the descriptor table
 * (/proc/self/status).  Asking each one with fcntl rather than listing
 * /proc/self/fd keeps the probe working where getdents64(2) is denied
 * (tests/nosys -g), as it is for every process a filtered bridge starts.
 */
static void
report(void)
{
	FILE *f;
	char path[64], target[PATH_MAX], line[256], sigs[3][256];
	const char *errstr;
	ssize_t n;
	char **ep;
	int fd, flags, fdsize = -1, nsigs = 0, i;

	if ((f = fopen("/proc/self/status", "re")) == NULL)
		err(1, "/proc/self/status");
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "FDSize:", 7) == 0) {
			line[strcspn(line, "\n")] = '\0';
			fdsize = strtonum(line + 7 + strspn(line + 7, " \t"),
			    1, INT_MAX, &errstr);
			if (errstr != NULL)
				errx(1, "FDSize %s: %s", line + 7, errstr);
		} else if (nsigs < 3 && (strncmp(line, "SigBlk:", 7) == 0 ||
		    strncmp(line, "SigIgn:", 7) == 0 ||
		    strncmp(line, "SigCgt:", 7) == 0))
			strlcpy(sigs[nsigs++], line, sizeof(sigs[0]));
	}
	if (fdsize == -1)
		errx(1, "/proc/self/status: no FDSize");
	/* stdio's descriptor for the file is still open: skip it */
	for (fd = 0; fd < fdsize; fd++) {
		if (fd == fileno(f) || fcntl(fd, F_GETFD) == -1)
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if ((n = readlink(path, target, sizeof(target) - 1)) == -1)
			err(1, "readlink %s", path);
		target[n] = '\0';
		printf("fd %d %s\n", fd, target);
	}
	fclose(f);

	for (fd = 0; fd <= 1; fd++) {
		if ((flags = fcntl(fd, F_GETFL)) == -1)
			printf("nonblock %d closed\n", fd);
		else
			printf("nonblock %d %s\n", fd,
			    flags & O_NONBLOCK ? "yes" : "no");
	}

	for (i = 0; i < nsigs; i++)
		fputs(sigs[i], stdout);

	for (ep = environ; *ep != NULL; ep++)
		printf("env %s\n", *ep);

	if (fflush(stdout) == EOF)
		err(1, "stdout");
	fprintf(stderr, "probe-stderr-marker\n");
}

int
main(int argc, char *argv[])
{
	const char *errstr, *kind, *address = NULL;
	int fd, target;

	if (argc == 1) {
		report();
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--sockopts") == 0)
		return sockopts();
	if (argc == 2 && strcmp(argv[1], "--rcvopts") == 0)
		return rcvopts();
	if (argc < 6 || strcmp(argv[1], "--make") != 0)
		usage();
	kind = argv[2];
	target = strtonum(argv[3], 0, INT_MAX, &errstr);
	if (errstr != NULL)
		errx(1, "fd %s: %s", argv[3], errstr);
	if (strcmp(argv[4], "--") != 0) {
		address = argv[4];
		if (strcmp(argv[5], "--") != 0 || argc < 7)
			usage();
		argv += 6;
	} else
		argv += 5;

	fd = make(kind, address);
	if (dup2(fd, target) == -1)
		err(1, "dup2");
	close(fd);
	execvp(argv[0], argv);
	err(127, "%s", argv[0]);
}

/* One socket option of fd 0 as text: "0", "1", or "-" if it has none. */
static const char *
sockopt(int level, int name)
{
	socklen_t len;
	int on;

	len = sizeof(on);
	if (getsockopt(0, level, name, &on, &len) == -1)
		return "-";
	return on ? "1" : "0";
}

static int
sockopts(void)
{
	printf("nodelay=%s", sockopt(IPPROTO_TCP, TCP_NODELAY));
	printf(" keepalive=%s\n", sockopt(SOL_SOCKET, SO_KEEPALIVE));
	if (fflush(stdout) == EOF)
		err(1, "stdout");
	return 0;
}

/* SO_RCVTIMEO or SO_SNDTIMEO of fd 0 in milliseconds, -1 if unknown. */
static long
timeo_ms(int name)
{
	struct timeval tv;
	socklen_t len = sizeof(tv);

	if (getsockopt(0, SOL_SOCKET, name, &tv, &len) == -1)
		return -1;
	return tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static int
rcvopts(void)
{
	socklen_t len;
	int lowat = -1, flags;

	len = sizeof(lowat);
	if (getsockopt(0, SOL_SOCKET, SO_RCVLOWAT, &lowat, &len) == -1)
		lowat = -1;
	flags = fcntl(0, F_GETFL);
	printf("rcvlowat=%d rcvtimeo=%ld sndtimeo=%ld nonblock=%s\n", lowat,
	    timeo_ms(SO_RCVTIMEO), timeo_ms(SO_SNDTIMEO),
	    flags == -1 ? "closed" : flags & O_NONBLOCK ? "yes" : "no");
	if (fflush(stdout) == EOF)
		err(1, "stdout");
	return 0;
}
