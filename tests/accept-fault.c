/*
 * accept-fault.so: an LD_PRELOAD shim that makes accept(2) and accept4(2)
 * misbehave the way a loaded or hostile system does, for the tests of the
 * serving loop.  Without its variables it changes nothing.
 *
 *   ACCEPT_FAULT_FILE=PATH      while PATH exists, every accept fails with
 *                               EPERM, as when a firewall or a security
 *                               module refuses each one, and appends a
 *                               line to PATH: the CLOCK_MONOTONIC time of
 *                               the failing call in microseconds; the test
 *                               creates PATH to start a fault, and renames
 *                               it to end the fault and keep its schedule
 *   ACCEPT_FAULT_DELAY_MS=N     sleep N milliseconds (1 to 10000) before
 *                               each accept, so that another process on
 *                               the same listening socket takes the client
 *                               first: this one then accepts on an empty
 *                               queue
 *
 * The real functions are found with dlsym(RTLD_NEXT), so under ASan its
 * interceptors still run (the bridge then needs
 * ASAN_OPTIONS=verify_asan_link_order=0, as the shim is loaded first).
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/socket.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

typedef int	(*accept4_fn)(int, struct sockaddr *, socklen_t *, int);
typedef int	(*accept_fn)(int, struct sockaddr *, socklen_t *);

int	accept4(int, struct sockaddr *, socklen_t *, int);
int	accept(int, struct sockaddr *, socklen_t *);

static int	fault(void);
static int	failing(const char *);

int
accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	static accept4_fn real;

	if (fault())
		return -1;
	if (real == NULL &&
	    (real = (accept4_fn)dlsym(RTLD_NEXT, "accept4")) == NULL) {
		errno = ENOSYS;
		return -1;
	}
	return real(fd, addr, len, flags);
}

int
accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	static accept_fn real;

	if (fault())
		return -1;
	if (real == NULL &&
	    (real = (accept_fn)dlsym(RTLD_NEXT, "accept")) == NULL) {
		errno = ENOSYS;
		return -1;
	}
	return real(fd, addr, len);
}

/*
 * The delay, then the fault: 1 (errno set) if this accept is to fail.  A
 * signal that cuts the delay short ends it, as it would end the accept.
 */
static int
fault(void)
{
	struct timespec ts;
	const char *path, *delay;
	long ms;
	int saved = errno;

	if ((delay = getenv("ACCEPT_FAULT_DELAY_MS")) != NULL &&
	    (ms = strtol(delay, NULL, 10)) > 0 && ms <= 10000) {
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = ms % 1000 * 1000000;
		if (nanosleep(&ts, NULL) == -1)
			return 1;	/* EINTR, as accept would have */
	}
	if ((path = getenv("ACCEPT_FAULT_FILE")) != NULL && failing(path)) {
		errno = EPERM;
		return 1;
	}
	errno = saved;
	return 0;
}

/*
 * 1 if the fault file PATH exists, and then its time appended to it.  One
 * open both checks and logs, so a renamed file keeps every failing call
 * of its fault, and one write per line keeps lines whole.
 */
static int
failing(const char *path)
{
	struct timespec ts;
	char line[32];
	int fd, n;

	if ((fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)) == -1)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	n = snprintf(line, sizeof(line), "%lld\n",
	    (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
	if (write(fd, line, n) != n) {
		/* the test then sees a call missing from the schedule */
	}
	close(fd);
	return 1;
}
