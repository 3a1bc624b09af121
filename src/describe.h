#ifndef SOCKBRIDGE_DESCRIBE_H
#define SOCKBRIDGE_DESCRIBE_H

#include <sys/socket.h>

#include "admission.h"
#include "arrival.h"
#include "conn.h"
#include "env.h"
#include "proxied.h"
#include "proxy_header.h"

/* Where a client is: the PROXY header's say, or the socket's. */
struct origin {
	const struct sockaddr_storage *local;	/* AF_UNSPEC: ask the socket */
	const struct sockaddr_storage *remote;	/* the client */
	socklen_t	 remotelen;
};

/* What the bridge learns of a client at admission (see describe.c). */
struct client {
	struct sockaddr_storage remote;	/* whom the rules are asked about */
	struct conn_info ci;
	struct source	 src;
	struct decision	 d;		/* admission.c's, by the caller */
	struct proxied	 px;		/* from the PROXY header */
	char		 via[CONN_TEXT_SIZE];	/* the balancer, for the log */
	char		 connnum[32];	/* TCPCONNNUM=N */
};

void	describe_origin(const struct sockaddr_storage *, const struct arrival *,
	    const struct proxy_result *, struct origin *);
void	describe_conn(int, const struct origin *, struct conn_info *);
void	describe_client(const struct sockaddr_storage *,
	    const struct arrival *, const struct proxy_result *,
	    struct client *);
char  **describe_env(struct client *, struct env *, int);

#endif
