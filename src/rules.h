#ifndef SOCKBRIDGE_RULES_H
#define SOCKBRIDGE_RULES_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdio.h>

#include "cidr.h"

/* The longest line a rules file may have, newline not counted. */
#define RULES_LINE_MAX	1024

/* One access rule, from --allow/--deny or a line of a --rules file. */
struct rule {
	struct cidr	cidr;
	int		allow;
	char		text[CIDR_TEXT_MAX];	/* canonical: 10.0.0.0/8 */
	char		**env;			/* NAME=VALUE, allow only */
	size_t		nenv;
	const char	*file;			/* NULL: the command line */
	long		line;
};

struct rules;

struct rules	*rules_new(void);
void		 rules_free(struct rules *);
int		 rules_add(struct rules *, const char *, int, char *, size_t);
int		 rules_load_file(struct rules *, const char *, char *, size_t);
int		 rules_reload_file(struct rules *, const char *, char *,
		    size_t);
int		 rules_load_stream(struct rules *, FILE *, const char *, char *,
		    size_t);
const struct rule *rules_match(const struct rules *,
		    const struct sockaddr_storage *, long, long);
int		 rules_any_allow(const struct rules *);
int		 rules_allows(const struct rules *, const struct rule *);
const char	*rules_name(const struct rule *);
size_t		 rules_count(const struct rules *);
const struct rule *rules_at(const struct rules *, size_t);
int		 rule_format(const struct rule *, char *, size_t);

#endif
