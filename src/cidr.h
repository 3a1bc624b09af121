#ifndef SOCKBRIDGE_CIDR_H
#define SOCKBRIDGE_CIDR_H

#include <sys/socket.h>
#include <netinet/in.h>

#include <stddef.h>

/* What a rule names: a network, or a unix peer's user or group. */
enum cidr_family {
	CIDR_INET,		/* 192.0.2.0/24 */
	CIDR_INET6,		/* 2001:db8::/32 */
	CIDR_UID,		/* uid:1000 */
	CIDR_GID,		/* gid:100 */
	CIDR_NFAMILIES
};

/*
 * The key is the address in network byte order (IPv4 in its first 4
 * bytes), or the id as 4 big-endian bytes with len 32; the bytes past len
 * are always zero, so two equal networks compare equal bytewise.
 */
struct cidr {
	int		family;
	int		len;		/* prefix length in bits */
	unsigned char	key[16];
};

/* The largest id a rule may name: (uid_t)-1 means "no user". */
#define CIDR_ID_MAX	4294967294LL

/* "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128" and its NUL */
#define CIDR_TEXT_MAX	(INET6_ADDRSTRLEN + 4)

int	cidr_parse(const char *, struct cidr *, char *, size_t);
void	cidr_text(const struct cidr *, char *, size_t);
int	cidr_of_peer(const struct sockaddr_storage *, struct cidr *);
void	cidr_of_id(int, long, struct cidr *);
int	cidr_bits(int);
void	cidr_mask(const struct cidr *, int, struct cidr *);
int	cidr_contains(const struct cidr *, const struct cidr *);
int	cidr_common(const struct cidr *, const struct cidr *, int);
int	cidr_bit(const struct cidr *, int);

#endif
