#ifndef SOCKBRIDGE_ARRIVAL_H
#define SOCKBRIDGE_ARRIVAL_H

#include <sys/socket.h>

#include <stddef.h>

/*
 * A connection as it arrived: the small record that follows it along the
 * path (serve.c), waits for its PROXY header in pending.c, and is copied
 * by value, so that whoever keeps the connection after its handler
 * started may keep this too.  What the handler is told is built from it
 * at admission.
 */
struct arrival {
	int		 fd;
	size_t		 listener;	/* the listener it came to */
	struct sockaddr_storage remote;	/* the socket's peer */
	socklen_t	 remotelen;
};

#endif
