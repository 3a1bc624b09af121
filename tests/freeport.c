/*
 * freeport: print a TCP port that is free on the given loopback address
 * (127.0.0.1 by default, or ::1), for tests that must hand a port to an
 * activator.  The kernel picks it; the small race until the activator
 * binds it is accepted by every test suite that does this.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char *argv[])
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	const char *host = argc > 1 ? argv[1] : "127.0.0.1";
	int fd;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		len = sizeof(*sin6);
	} else
		errx(1, "%s: not an IP address", host);
	if ((fd = socket(ss.ss_family, SOCK_STREAM, 0)) == -1)
		err(1, "socket");
	if (bind(fd, (struct sockaddr *)&ss, len) == -1)
		err(1, "bind %s", host);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		err(1, "getsockname");
	printf("%u\n", ntohs(ss.ss_family == AF_INET ? sin->sin_port :
	    sin6->sin6_port));
	close(fd);
	return 0;
}
