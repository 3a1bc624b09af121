/*
 * parse.c: turn strings from the command line and the environment into
 * numbers, names and addresses, with a reason when they are wrong.
 * Nothing here prints, exits or makes a system call, so the Check suites
 * and the fuzz targets (tests/fuzz) can try every case.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/un.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

static int	split_port(const char *, struct listen_spec *, const char **);

/*
 * strtonum(3) with its reason kept: "invalid", "too small" or "too large".
 * strtonum rejects trailing garbage ("7x") and leading blanks are harmless.
 */
long long
parse_number(const char *s, long long min, long long max, const char **why)
{
	const char *errstr;
	long long n;

	n = strtonum(s, min, max, &errstr);
	if (errstr != NULL) {
		*why = errstr;
		return -1;
	}
	*why = NULL;
	return n;
}

/*
 * A space-separated list of descriptor numbers, as upstart puts in
 * UPSTART_FDS.  Every entry must be a number; at most max are stored.
 * Returns 0, or -1 with *why set.
 */
int
parse_fd_list(const char *list, int *fds, size_t max, size_t *count,
    const char **why)
{
	char buf[1024], *word, *rest;

	*count = 0;
	if (strlcpy(buf, list, sizeof(buf)) >= sizeof(buf)) {
		*why = "too long";
		return -1;
	}
	rest = buf;
	while ((word = strsep(&rest, " \t")) != NULL) {
		if (*word == '\0')
			continue;
		if (*count == max) {
			*why = "too many descriptors";
			return -1;
		}
		fds[*count] = parse_number(word, 0, INT_MAX, why);
		if (*why != NULL)
			return -1;
		(*count)++;
	}
	if (*count == 0) {
		*why = "empty";
		return -1;
	}
	return 0;
}

/*
 * The name LISTEN_FDNAMES gives descriptor 3 + index: the index'th of its
 * colon-separated names, *len bytes from the pointer returned.  systemd
 * names an unnamed descriptor "unknown"; so is a missing or empty name.
 * names may be NULL (no LISTEN_FDNAMES).
 */
const char *
parse_fd_name(const char *names, size_t index, size_t *len)
{
	const char *colon;

	for (; names != NULL && index > 0; index--)
		names = (colon = strchr(names, ':')) != NULL ? colon + 1 : NULL;
	if (names == NULL || *names == '\0' || *names == ':') {
		*len = strlen("unknown");
		return "unknown";
	}
	*len = strcspn(names, ":");
	return names;
}

static int
split_port(const char *s, struct listen_spec *spec, const char **why)
{
	long long port;

	if (*s != ':') {
		*why = "missing :PORT";
		return -1;
	}
	s++;
	port = parse_number(s, 0, 65535, why);
	if (*why != NULL) {
		*why = strcmp(*why, "too large") == 0 ? "port is too large" :
		    strcmp(*why, "too small") == 0 ? "port is too small" :
		    "port is invalid";
		return -1;
	}
	/* the number, not the text: "0000080" does not fit in port[] */
	snprintf(spec->port, sizeof(spec->port), "%lld", port);
	return 0;
}

/*
 * --listen ADDRESS: "@name" (abstract), anything with a '/' (a path),
 * "[v6]:port", or "host:port" (an empty host means every address).
 */
int
parse_listen_address(const char *s, struct listen_spec *spec,
    const char **why)
{
	const char *end;
	size_t len;

	memset(spec, 0, sizeof(*spec));
	*why = NULL;
	if (*s == '@' || strchr(s, '/') != NULL) {
		spec->kind = *s == '@' ? LISTEN_UNIX_ABSTRACT :
		    LISTEN_UNIX_PATH;
		if (*s == '@')
			s++;
		if (*s == '\0') {
			*why = "empty socket name";
			return -1;
		}
		/* The abstract name loses one byte to the leading NUL. */
		if (strlcpy(spec->path, s, sizeof(spec->path)) >=
		    sizeof(spec->path) - (spec->kind == LISTEN_UNIX_ABSTRACT)) {
			*why = "socket path is too long";
			return -1;
		}
		return 0;
	}
	spec->kind = LISTEN_INET;
	if (*s == '[') {
		if ((end = strchr(s, ']')) == NULL) {
			*why = "missing ] after IPv6 address";
			return -1;
		}
		s++;
	} else if ((end = strrchr(s, ':')) == NULL) {
		*why = "missing :PORT";
		return -1;
	}
	len = end - s;
	if (len >= sizeof(spec->host)) {
		*why = "host name is too long";
		return -1;
	}
	memcpy(spec->host, s, len);
	spec->host[len] = '\0';
	if (*end == ']')
		end++;
	return split_port(end, spec, why);
}
