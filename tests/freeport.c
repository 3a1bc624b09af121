/*
 * freeport: print a TCP port that is free on the given loopback address
 * (127.0.0.1 by default, or ::1), for tests that must hand a port to an
 * activator.  The kernel picks it; the small race until the activator
 * binds it is accepted by every test suite that does this.
 */
#include <sys/socket.h>
#include <netdb.h>

#include <err.h>
#include <stdio.h>
#include <unistd.h>

#include "testsock.h"

int
main(int argc, char *argv[])
{
	struct sockaddr_storage ss;
	socklen_t len;
	const char *host = argc > 1 ? argv[1] : "127.0.0.1";
	int fd;

	if (inet_address(host, "0", AF_UNSPEC, AI_NUMERICHOST |
	    AI_NUMERICSERV, &ss, &len) != 0)
		errx(1, "%s: not an IP address", host);
	if ((fd = socket(ss.ss_family, SOCK_STREAM, 0)) == -1)
		err(1, "socket");
	if (bind(fd, (struct sockaddr *)&ss, len) == -1)
		err(1, "bind %s", host);
	printf("%d\n", local_port(fd));
	close(fd);
	return 0;
}
