#ifndef SOCKBRIDGE_PRIVILEGES_H
#define SOCKBRIDGE_PRIVILEGES_H

#include <sys/types.h>

/* --user USER[:GROUP], looked up once. */
struct credentials {
	char	name[256];
	uid_t	uid;
	gid_t	gid;
};

void	find_credentials(const char *, struct credentials *);
void	drop_privileges(const char *, const struct credentials *);

#endif
