#ifndef SOCKBRIDGE_LISTENER_H
#define SOCKBRIDGE_LISTENER_H

#include <sys/types.h>

#include <stdio.h>

#include "parse.h"

#define MAX_LISTENERS	64

/* Where the listening sockets came from; the first that applies wins. */
enum listener_origin {
	FROM_LISTEN,		/* --listen: bound by the bridge itself */
	FROM_FD,		/* --fd N */
	FROM_SYSTEMD,		/* LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES */
	FROM_UPSTART,		/* UPSTART_FDS */
	FROM_STDIN		/* inetd wait, xinetd wait = yes, launchd */
};

struct listener {
	int	fd;
	char	unix_path[108];	/* a socket file we made, removed at exit */
	dev_t	unix_dev;	/* and which file it is, as bound: */
	ino_t	unix_ino;	/* only that one is chowned or removed */
	int	quiet;		/* stopping: takes no new connection */
	long long quiet_since;	/* ms, since when */
	int	family;		/* stopping: its address family */
};

struct listeners {
	enum listener_origin origin;
	struct listener	l[MAX_LISTENERS];
	size_t	n;		/* a closed one stays, its fd -1 */
};

struct listener_options {
	const char	*listen[MAX_LISTENERS];	/* --listen, in order */
	size_t		 nlisten;
	int		 fd;			/* --fd, or -1 */
	const char	*fd_name;		/* --fd-name */
	int		 backlog;
	int		 reuseport;		/* SO_REUSEPORT on --listen */
	int		 streams_only;		/* --proxy-protocol: no records */
};

const char	*listener_check(int);
void		 listeners_find(const struct listener_options *,
		    struct listeners *);
void		 listeners_print(const struct listeners *, FILE *);
void		 listeners_settle(struct listeners *);
void		 listeners_remove_files(const struct listeners *);
void		 listeners_chown_files(const struct listeners *, uid_t, gid_t);

#endif
