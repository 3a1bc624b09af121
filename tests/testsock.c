/*
 * testsock: the socket helpers that tests/client.c, tests/hostile.c,
 * tests/upstart-model.c, tests/probe.c and tests/freeport.c share.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <netinet/in.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include "testsock.h"

/* Seconds on the monotonic clock, which every deadline here is on. */
double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Wait until fd has events or deadline passes: 1 ready, 0 timeout. */
int
wait_fd(int fd, short events, double deadline)
{
	struct pollfd pfd;
	double left;
	int n;

	pfd.fd = fd;
	pfd.events = events;
	for (;;) {
		if ((left = deadline - now()) <= 0)
			return 0;
		n = poll(&pfd, 1, (int)(left * 1000) + 1);
		if (n > 0)
			return 1;
		if (n == -1 && errno != EINTR)
			err(1, "poll");
	}
}

/*
 * Send all of buf on a non-blocking socket within the deadline: 0, or an
 * errno (ETIMEDOUT when the deadline passed).
 */
int
send_all(int fd, const char *buf, size_t len, double deadline)
{
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		n = send(fd, buf + off, len - off, MSG_NOSIGNAL);
		if (n >= 0) {
			off += n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return errno;
		if (!wait_fd(fd, POLLOUT, deadline))
			return ETIMEDOUT;
	}
	return 0;
}

/*
 * Read a non-blocking socket until end-of-file, into buf of size bytes,
 * within the deadline; *got is what came.  0, or an errno: ETIMEDOUT when
 * the deadline passed, EMSGSIZE when buf filled up before end-of-file (so
 * size 1 waits for the first byte).
 */
int
read_all(int fd, double deadline, char *buf, size_t size, size_t *got)
{
	ssize_t n;

	*got = 0;
	for (;;) {
		if (*got == size)
			return EMSGSIZE;
		n = recv(fd, buf + *got, size - *got, 0);
		if (n > 0) {
			*got += n;
			continue;
		}
		if (n == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return errno;
		if (!wait_fd(fd, POLLIN, deadline))
			return ETIMEDOUT;
	}
}

/*
 * The address of the unix socket path; "@NAME" is the abstract NAME
 * (Linux).  0, or -1 (ENAMETOOLONG) when it does not fit in sun_path.
 */
int
unix_address(const char *path, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)ss;
	size_t n = strlen(path);

	if (n >= sizeof(sun->sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memset(ss, 0, sizeof(*ss));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, n);
	*len = offsetof(struct sockaddr_un, sun_path) + n;
	/* an abstract name is its bytes, a path ends with its NUL */
	if (path[0] == '@')
		sun->sun_path[0] = '\0';
	else
		(*len)++;
	return 0;
}

/*
 * The first stream address getaddrinfo(3) gives for host and port, of
 * family (AF_UNSPEC: either) with the AI_ flags: 0, or its EAI_ error.
 */
int
inet_address(const char *host, const char *port, int family, int flags,
    struct sockaddr_storage *ss, socklen_t *len)
{
	struct addrinfo hints, *res;
	int e;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = flags;
	if ((e = getaddrinfo(host, port, &hints, &res)) != 0)
		return e;
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/*
 * A close-on-exec stream listener on sa with the backlog; name is the
 * address in error messages.  SO_REUSEADDR, as servers set it (Linux
 * ignores it on unix sockets).
 */
int
listen_on(const struct sockaddr *sa, socklen_t len, int backlog,
    const char *name)
{
	int fd, on = 1;

	if ((fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		err(1, "socket");
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
		err(1, "setsockopt SO_REUSEADDR");
	if (bind(fd, sa, len) == -1)
		err(1, "bind %s", name);
	if (listen(fd, backlog) == -1)
		err(1, "listen");
	return fd;
}

/* The port an IPv4 or IPv6 socket is bound to. */
int
local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		err(1, "getsockname");
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

void
set_nonblock(int fd)
{
	int flags;

	if ((flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1)
		err(1, "fcntl O_NONBLOCK");
}

/*
 * Bound blocking sends, and a blocking connect (unix sockets honour it
 * too), to seconds; at least a microsecond, as 0 means forever.
 */
void
set_send_timeout(int fd, double seconds)
{
	struct timeval tv;

	tv.tv_sec = (time_t)seconds;
	tv.tv_usec = (suseconds_t)((seconds - tv.tv_sec) * 1e6);
	if (tv.tv_sec == 0 && tv.tv_usec == 0)
		tv.tv_usec = 1;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1)
		err(1, "setsockopt SO_SNDTIMEO");
}
