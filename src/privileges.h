#ifndef SOCKBRIDGE_PRIVILEGES_H
#define SOCKBRIDGE_PRIVILEGES_H

void	drop_privileges(const char *);

#endif
