#ifndef SOCKBRIDGE_PARSE_H
#define SOCKBRIDGE_PARSE_H

#include <sys/socket.h>

#include <stddef.h>

/* Upper bounds on the numbers a user can give. */
#define MAX_CONNECTIONS_LIMIT	100000
#define MAX_SECONDS		(86400 * 365)

long long	parse_number(const char *, long long, long long, const char **);
int		parse_fd_list(const char *, int *, size_t, size_t *,
		    const char **);
const char	*parse_fd_name(const char *, size_t, size_t *);

/* A --listen ADDRESS, split but not yet resolved. */
enum listen_kind {
	LISTEN_INET,		/* host:port or [v6]:port */
	LISTEN_UNIX_PATH,	/* contains a '/' */
	LISTEN_UNIX_ABSTRACT	/* @name */
};

struct listen_spec {
	enum listen_kind kind;
	char	host[256];	/* LISTEN_INET; empty means any address */
	char	port[6];	/* LISTEN_INET, decimal */
	char	path[108];	/* LISTEN_UNIX_*: the path, or the name */
};

int	parse_listen_address(const char *, struct listen_spec *,
	    const char **);

#endif
