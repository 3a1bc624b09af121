/*
 * cidr.c: the networks and unix credentials an access rule names, read
 * strictly (a typo must not silently become a different network) and
 * written back in one canonical form, the one log lines show.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cidr.h"
#include "parse.h"

static int	parse_digits(const char *, long long, long long, long long *,
		    const char **);
static int	parse_id(const char *, int, struct cidr *, char *, size_t);
static int	parse_net(const char *, struct cidr *, char *, size_t);
static int	is_v4mapped(const unsigned char *);

/*
 * Read a rule's address: a.b.c.d[/N], an IPv6 address[/N], uid:N or
 * gid:N.  A bare address is a /32 or /128.  Returns 0, or -1 with the
 * reason in why.
 */
int
cidr_parse(const char *s, struct cidr *c, char *why, size_t whylen)
{
	memset(c, 0, sizeof(*c));
	if (*s == '\0') {
		strlcpy(why, "empty address", whylen);
		return -1;
	}
	if (strncmp(s, "uid:", 4) == 0)
		return parse_id(s + 4, CIDR_UID, c, why, whylen);
	if (strncmp(s, "gid:", 4) == 0)
		return parse_id(s + 4, CIDR_GID, c, why, whylen);
	return parse_net(s, c, why, whylen);
}

/*
 * Decimal digits and nothing else: strtonum alone would also take " 8",
 * "+8" and "-0", and libbsd's calls "99999999999999999999x" too large
 * rather than invalid.
 */
static int
parse_digits(const char *s, long long min, long long max, long long *n,
    const char **errstr)
{
	const char *p;

	for (p = s; isdigit((unsigned char)*p); p++)
		;
	if (p == s || *p != '\0') {
		*errstr = *s == '\0' ? "missing" : "invalid";
		return -1;
	}
	*n = parse_number(s, min, max, errstr);
	return *errstr == NULL ? 0 : -1;
}

static int
parse_id(const char *s, int family, struct cidr *c, char *why,
    size_t whylen)
{
	const char *errstr, *what = family == CIDR_UID ? "uid" : "gid";
	long long id;

	if (parse_digits(s, 0, CIDR_ID_MAX, &id, &errstr) == -1) {
		snprintf(why, whylen, "%s is %s", what, errstr);
		return -1;
	}
	cidr_of_id(family, id, c);
	return 0;
}

static int
parse_net(const char *s, struct cidr *c, char *why, size_t whylen)
{
	char addr[INET6_ADDRSTRLEN], text[CIDR_TEXT_MAX];
	const char *slash, *errstr;
	long long len;
	struct cidr net;
	size_t alen;

	slash = strchr(s, '/');
	alen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	c->family = memchr(s, ':', alen) != NULL ? CIDR_INET6 : CIDR_INET;
	if (alen >= sizeof(addr))
		goto bad;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (inet_pton(c->family == CIDR_INET ? AF_INET : AF_INET6, addr,
	    c->key) != 1)
		goto bad;
	c->len = cidr_bits(c->family);
	if (slash != NULL) {
		if (parse_digits(slash + 1, 0, c->len, &len, &errstr) == -1) {
			if (strcmp(errstr, "too large") == 0)
				snprintf(why, whylen, "prefix length /%s is "
				    "too large (at most /%d)", slash + 1,
				    c->len);
			else
				snprintf(why, whylen, "prefix length is %s",
				    errstr);
			return -1;
		}
		c->len = len;
	}
	if (c->family == CIDR_INET6 && c->len >= 96 && is_v4mapped(c->key)) {
		/* such clients are matched as the IPv4 clients they are */
		net.family = CIDR_INET;
		net.len = c->len - 96;
		memset(net.key, 0, sizeof(net.key));
		memcpy(net.key, c->key + 12, 4);
		cidr_mask(&net, net.len, &net);
		cidr_text(&net, text, sizeof(text));
		snprintf(why, whylen, "IPv4-mapped address: write it as %s",
		    text);
		return -1;
	}
	cidr_mask(c, c->len, &net);
	if (memcmp(net.key, c->key, sizeof(c->key)) != 0) {
		cidr_text(&net, text, sizeof(text));
		snprintf(why, whylen, "host bits are set beyond /%d "
		    "(did you mean %s?)", c->len, text);
		return -1;
	}
	return 0;
bad:
	strlcpy(why, c->family == CIDR_INET6 ? "invalid IPv6 address" :
	    "not an address (a.b.c.d[/N], IPv6[/N], uid:N or gid:N)", whylen);
	return -1;
}

static int
is_v4mapped(const unsigned char *key)
{
	static const unsigned char prefix[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};

	return memcmp(key, prefix, sizeof(prefix)) == 0;
}

/* The canonical text: 10.0.0.0/8, 2001:db8::/32, uid:1000, gid:100. */
void
cidr_text(const struct cidr *c, char *buf, size_t size)
{
	char addr[INET6_ADDRSTRLEN];
	unsigned long id;

	switch (c->family) {
	case CIDR_INET:
	case CIDR_INET6:
		inet_ntop(c->family == CIDR_INET ? AF_INET : AF_INET6, c->key,
		    addr, sizeof(addr));
		snprintf(buf, size, "%s/%d", addr, c->len);
		break;
	default:
		id = (unsigned long)c->key[0] << 24 | c->key[1] << 16 |
		    c->key[2] << 8 | c->key[3];
		snprintf(buf, size, "%s:%lu", c->family == CIDR_UID ? "uid" :
		    "gid", id);
		break;
	}
}

/*
 * A client's address as a full-length network.  An IPv4 client of a
 * dual-stack listener (::ffff:a.b.c.d) is the IPv4 client it is, so that
 * IPv4 rules cover it.  Returns -1 for an address that is not IP.
 */
int
cidr_of_peer(const struct sockaddr_storage *ss, struct cidr *c)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

	memset(c, 0, sizeof(*c));
	if (ss->ss_family == AF_INET) {
		c->family = CIDR_INET;
		memcpy(c->key, &sin->sin_addr, 4);
	} else if (ss->ss_family == AF_INET6 &&
	    is_v4mapped(sin6->sin6_addr.s6_addr)) {
		c->family = CIDR_INET;
		memcpy(c->key, &sin6->sin6_addr.s6_addr[12], 4);
	} else if (ss->ss_family == AF_INET6) {
		c->family = CIDR_INET6;
		memcpy(c->key, &sin6->sin6_addr, 16);
	} else
		return -1;
	c->len = cidr_bits(c->family);
	return 0;
}

/* A uid or gid (0 .. 2^32-2) as the key of a CIDR_UID or CIDR_GID rule. */
void
cidr_of_id(int family, long id, struct cidr *c)
{
	uint32_t v = id;

	memset(c, 0, sizeof(*c));
	c->family = family;
	c->len = 32;
	c->key[0] = v >> 24;
	c->key[1] = v >> 16;
	c->key[2] = v >> 8;
	c->key[3] = v;
}

/* How many bits a full key of the family has. */
int
cidr_bits(int family)
{
	return family == CIDR_INET6 ? 128 : 32;
}

/* out = c cut to its first len bits (out may be c). */
void
cidr_mask(const struct cidr *c, int len, struct cidr *out)
{
	int i;

	*out = *c;
	out->len = len;
	for (i = 0; i < (int)sizeof(out->key); i++) {
		if (len >= 8)
			len -= 8;
		else {
			out->key[i] &= (unsigned char)(0xff00 >> len);
			len = 0;
		}
	}
}

/* Is addr (a network or a full address) inside net? */
int
cidr_contains(const struct cidr *net, const struct cidr *addr)
{
	if (net->family != addr->family || addr->len < net->len)
		return 0;
	return cidr_common(net, addr, net->len) == net->len;
}

/* How many leading bits a and b share, up to max. */
int
cidr_common(const struct cidr *a, const struct cidr *b, int max)
{
	int i, n = 0;
	unsigned char x;

	for (i = 0; n < max; i++, n += 8)
		if ((x = a->key[i] ^ b->key[i]) != 0) {
			while (!(x & 0x80)) {
				x <<= 1;
				n++;
			}
			break;
		}
	return n < max ? n : max;
}

/* Bit i of the key, 0 being the first (the most significant). */
int
cidr_bit(const struct cidr *c, int i)
{
	return c->key[i / 8] >> (7 - i % 8) & 1;
}
