/*
 * testsock: what the C test programs do with sockets: build an address,
 * listen, set a socket up, and send or read with a deadline on the
 * monotonic clock.  Failures of the system that a test cannot go on
 * without end the program (err(1)); the rest are returned.
 */
#ifndef TESTSOCK_H
#define TESTSOCK_H

#include <sys/types.h>
#include <sys/socket.h>

double	now(void);
int	wait_fd(int, short, double);
int	send_all(int, const char *, size_t, double);
int	read_all(int, double, char *, size_t, size_t *);
int	unix_address(const char *, struct sockaddr_storage *, socklen_t *);
int	inet_address(const char *, const char *, int, int,
	    struct sockaddr_storage *, socklen_t *);
int	listen_on(const struct sockaddr *, socklen_t, int, const char *);
int	local_port(int);
void	set_nonblock(int);
void	set_send_timeout(int, double);

#endif
