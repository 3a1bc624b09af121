#ifndef SOCKBRIDGE_CONN_H
#define SOCKBRIDGE_CONN_H

#include <sys/socket.h>
#include <netinet/in.h>

#define CONN_MAX_VARS	7

/*
 * What a handler is told about its client, as UCSPI (tcpserver,
 * s6-tcpserver, ucspi-unix) and systemd/CGI name it.
 */
struct conn_info {
	char	proto[5];			/* TCP, TCP6 or UNIX */
	char	local_ip[INET6_ADDRSTRLEN];
	char	local_port[6];
	char	remote_ip[INET6_ADDRSTRLEN];
	char	remote_port[6];
	long	uid, gid, pid;			/* unix peers; -1 unknown */
	char	vars[CONN_MAX_VARS][64];	/* NAME=value */
	int	nvars;
};

void	conn_describe(int, const struct sockaddr_storage *,
	    const struct sockaddr_storage *, struct conn_info *);

extern const char *const conn_var_names[];

#endif
