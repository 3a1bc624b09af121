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
	char	unix_path[4 * 108 + 1];		/* its bound path, escaped */
	char	vars[CONN_MAX_VARS][64];	/* NAME=value */
	int	nvars;
};

/*
 * Whom --max-per-source counts together: an IPv4 address, an IPv6 /64
 * prefix (one site's hosts), or a unix peer's uid.  Compared bytewise.
 */
struct source {
	int		family;
	unsigned char	key[8];
};

void	conn_source(const struct sockaddr_storage *,
	    const struct conn_info *, struct source *);
void	conn_peer_text(const struct conn_info *, char *, size_t);
void	conn_local_text(const struct conn_info *, char *, size_t);
void	conn_describe(int, const struct sockaddr_storage *,
	    const struct sockaddr_storage *, struct conn_info *);

extern const char *const conn_var_names[];

#endif
