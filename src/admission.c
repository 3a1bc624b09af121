/*
 * admission.c: may this client have a handler?  One decision per
 * connection, asked by the serving loop with the client's address, in
 * this order: the access rules (--allow, --deny, --rules), the handlers
 * already running for its source (--max-per-source), then its rate
 * (--rate-per-source).  Rules come first so that a denied client takes no
 * place in the rate table; a client refused for its source's concurrency
 * is not counted against its rate either.
 *
 * The address may be the socket's peer or, later, one a trusted proxy
 * names: nothing here looks at the socket.
 */
#include "config.h"

#include <sys/types.h>

#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "admission.h"
#include "compat.h"
#include "log.h"

static struct rules *build_rules(const struct admission_options *, int,
		    char *, size_t);

/*
 * Set up from the options alone, building the rules table from them;
 * exits 100 with "sockbridge: ..." when a rule or the rules file is
 * wrong, as every bad option does.  sockbridge itself has options.c
 * build the table, in command-line order, and calls admission_use.
 */
void
admission_init(struct admission *ad, const struct admission_options *opts)
{
	struct rules *rules = NULL;
	char why[1024];

	if (opts->nrules > 0 || opts->rules_file != NULL) {
		if ((rules = build_rules(opts, 0, why, sizeof(why))) == NULL)
			errx(EXIT_MISUSE, "%s", why);
	}
	admission_use(ad, opts, rules);
}

/*
 * Set up with the rules table built from opts already (NULL: no rules),
 * which ad owns from now on: a reload replaces it, admission_free frees it.
 */
void
admission_use(struct admission *ad, const struct admission_options *opts,
    struct rules *rules)
{
	memset(ad, 0, sizeof(*ad));
	ad->opts = opts;
	ad->rules = rules;
	if (opts->rate_per_source.n > 0 &&
	    (ad->rates = ratelimit_new(&opts->rate_per_source,
	    RATELIMIT_DEFAULT_SIZE)) == NULL)
		err(EXIT_TEMPFAIL, "--rate-per-source");
}

void
admission_free(struct admission *ad)
{
	if (ad->rules != NULL)
		rules_free(ad->rules);
	if (ad->rates != NULL)
		ratelimit_free(ad->rates);
	ad->rules = NULL;
	ad->rates = NULL;
}

/* Does the loop need each handler's source (for limits or TCPCONNNUM)? */
int
admission_tracks_sources(const struct admission *ad)
{
	return ad->opts->max_per_source > 0 || ad->rates != NULL;
}

/*
 * SIGHUP: read --rules FILE again.  The new table replaces the old one
 * only when it is valid as a whole; else the old one stays and the log
 * says "FILE:LINE: what is wrong".  Only a regular file is read again,
 * opened without waiting (rules_reload_file).
 */
void
admission_reload(struct admission *ad)
{
	struct rules *fresh;
	char why[1024];

	if (ad->opts->rules_file == NULL) {
		log_error("SIGHUP: no --rules file to read again");
		return;
	}
	if ((fresh = build_rules(ad->opts, 1, why, sizeof(why))) == NULL) {
		log_error("%s", why);
		return;
	}
	if (ad->rules != NULL)
		rules_free(ad->rules);
	ad->rules = fresh;
	log_info("rules reloaded from %s", ad->opts->rules_file);
}

/*
 * The command-line rules, then the file's, in one new table; or NULL.
 * reload: inside the serving loop, where reading the file must not block.
 */
static struct rules *
build_rules(const struct admission_options *o, int reload, char *why,
    size_t whylen)
{
	struct rules *r;
	char reason[512];
	size_t i;

	if ((r = rules_new()) == NULL) {
		strlcpy(why, "rules: out of memory", whylen);
		return NULL;
	}
	for (i = 0; i < o->nrules; i++)
		if (rules_add(r, o->rules[i].cidr, o->rules[i].allow, reason,
		    sizeof(reason)) == -1) {
			snprintf(why, whylen, "%s %s: %s", o->rules[i].allow ?
			    "--allow" : "--deny", o->rules[i].cidr, reason);
			rules_free(r);
			return NULL;
		}
	if (o->rules_file != NULL && (reload ?
	    rules_reload_file(r, o->rules_file, why, whylen) :
	    rules_load_file(r, o->rules_file, why, whylen)) == -1) {
		rules_free(r);
		return NULL;
	}
	return r;
}

/*
 * The decision for one client: its source src (conn_source), its unix
 * credentials (-1 when unknown) and the handlers running now.
 */
void
admission_decide(struct admission *ad, const struct sockaddr_storage *remote,
    const struct source *src, long uid, long gid,
    const struct children *running, long long now, struct decision *d)
{
	memset(d, 0, sizeof(*d));
	d->verdict = ADMIT;
	if (ad->rules != NULL) {
		d->rule = rules_match(ad->rules, remote, uid, gid);
		if (!rules_allows(ad->rules, d->rule)) {
			d->verdict = DENIED;
			return;
		}
	}
	if (admission_tracks_sources(ad))
		d->same_source = children_from(running, src);
	if (ad->opts->max_per_source > 0 &&
	    d->same_source >= ad->opts->max_per_source) {
		d->verdict = PER_SOURCE;
		return;
	}
	if (ad->rates != NULL) {
		ratelimit_check(ad->rates, src, now, &d->rate);
		if (!d->rate.allow)
			d->verdict = RATE_LIMITED;
	}
}
