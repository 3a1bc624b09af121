#ifndef SOCKBRIDGE_CONN_H
#define SOCKBRIDGE_CONN_H

#include <sys/socket.h>
#include <sys/un.h>
#include <net/if.h>
#include <netinet/in.h>

#define CONN_MAX_VARS	7

/* An address as text; IPv6 may end in %SCOPE: fe80::1%eth0, fe80::1%2. */
#define CONN_IP_SIZE	(INET6_ADDRSTRLEN + IF_NAMESIZE)
/* NAME=value, the longest being TCPREMOTEIP=, TCPLOCALIP=, REMOTE_ADDR=. */
#define CONN_VAR_SIZE	(sizeof("TCPREMOTEIP=") + CONN_IP_SIZE)
/*
 * Room for conn_peer_text and conn_local_text of any connection: a unix
 * peer's ids and its escaped name (4 bytes a byte) is the longest.
 */
#define CONN_TEXT_SIZE	512

/*
 * What a handler is told about its client, as UCSPI (tcpserver,
 * s6-tcpserver, ucspi-unix) and systemd/CGI name it.
 */
struct conn_info {
	char	proto[5];			/* TCP, TCP6 or UNIX */
	char	local_ip[CONN_IP_SIZE];
	char	local_port[6];
	char	remote_ip[CONN_IP_SIZE];
	char	remote_port[6];
	long	uid, gid, pid;			/* unix peers; -1 unknown */
	/* the name a unix peer bound to, raw; abstract ones start with NUL */
	char	unix_name[sizeof(((struct sockaddr_un *)0)->sun_path)];
	size_t	unix_namelen;			/* 0: unnamed */
	char	vars[CONN_MAX_VARS][CONN_VAR_SIZE];	/* NAME=value */
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

/* if_indextoname(3), or a stand-in for it. */
typedef char	*(*conn_ifname_fn)(unsigned int, char *);

void	conn_source(const struct sockaddr_storage *,
	    const struct conn_info *, struct source *);
void	conn_peer_text(const struct conn_info *, char *, size_t);
void	conn_local_text(const struct conn_info *, char *, size_t);
void	conn_addresses(const struct sockaddr_storage *, socklen_t,
	    const struct sockaddr_storage *, socklen_t, conn_ifname_fn,
	    struct conn_info *);
void	conn_describe(int, const struct sockaddr_storage *, socklen_t,
	    const struct sockaddr_storage *, socklen_t, struct conn_info *);

extern const char *const conn_var_names[];

#endif
