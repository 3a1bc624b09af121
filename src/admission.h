#ifndef SOCKBRIDGE_ADMISSION_H
#define SOCKBRIDGE_ADMISSION_H

#include <sys/socket.h>

#include <stddef.h>

#include "children.h"
#include "conn.h"
#include "ratelimit.h"
#include "rules.h"

struct cli_rule {
	const char	*cidr;
	int		 allow;
};

struct admission_options {
	struct cli_rule	*rules;			/* --allow, --deny, in order */
	size_t		 nrules;
	const char	*rules_file;		/* --rules, or NULL */
	int		 max_per_source;	/* 0: no limit */
	struct rate	 rate_per_source;	/* n == 0: no limit */
};

struct admission {
	const struct admission_options *opts;
	struct rules	*rules;		/* NULL: everyone may connect */
	struct ratelimit *rates;	/* NULL: no --rate-per-source */
};

enum verdict {
	ADMIT,
	DENIED,			/* by a rule, or the default policy */
	PER_SOURCE,		/* --max-per-source reached */
	RATE_LIMITED		/* --rate-per-source exceeded */
};

struct decision {
	enum verdict	 verdict;
	const struct rule *rule;	/* the matching rule, or NULL */
	int		 same_source;	/* handlers running for its source */
	struct rl_verdict rate;		/* when a rate was asked */
};

void	admission_init(struct admission *, const struct admission_options *);
void	admission_use(struct admission *, const struct admission_options *,
	    struct rules *);
void	admission_free(struct admission *);
void	admission_reload(struct admission *);
int	admission_tracks_sources(const struct admission *);
void	admission_decide(struct admission *, const struct sockaddr_storage *,
	    const struct source *, long, long, const struct children *,
	    long long, struct decision *);

#endif
