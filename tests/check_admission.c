/*
 * check_admission: the order of one admission decision (admission.c):
 * the access rules, then the handlers running for the client's source
 * (--max-per-source), then its rate (--rate-per-source).  A client the
 * rules deny takes no place in the rate table, and one refused for its
 * source's concurrency uses no rate token.  The clock is the tests'.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <check.h>
#include <string.h>

#include "admission.h"
#include "children.h"
#include "compat.h"
#include "conn.h"
#include "check_run.h"

#define NOW	1000000LL	/* ms: any time; the tests drive the clock */

/* The address ip (IPv4) and its source key, as the loop makes them. */
static void
client(const char *ip, struct sockaddr_storage *ss, struct source *src)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct conn_info ci;

	memset(ss, 0, sizeof(*ss));
	memset(&ci, 0, sizeof(ci));
	sin->sin_family = AF_INET;
	ck_assert_int_eq(inet_pton(AF_INET, ip, &sin->sin_addr), 1);
	conn_source(ss, &ci, src);
}

/* --deny 10.99.0.0/16, --max-per-source 1, --rate-per-source 1/60. */
static void
setup(struct admission *ad, struct admission_options *o, struct cli_rule *r)
{
	const char *why;

	memset(o, 0, sizeof(*o));
	r->cidr = "10.99.0.0/16";
	r->allow = 0;
	o->rules = r;
	o->nrules = 1;
	o->max_per_source = 1;
	ck_assert_int_eq(rate_parse("1/60", &o->rate_per_source, &why), 0);
	admission_init(ad, o);
	ck_assert_ptr_nonnull(ad->rates);
}

static enum verdict
decide(struct admission *ad, const char *ip, const struct children *running,
    long long now, struct decision *d)
{
	struct sockaddr_storage ss;
	struct source src;

	client(ip, &ss, &src);
	admission_decide(ad, &ss, &src, -1, -1, running, now, d);
	return d->verdict;
}

/* A denied client: the rules decide first, and its rate is never asked. */
START_TEST(test_rules_first)
{
	struct admission ad;
	struct admission_options o;
	struct cli_rule r;
	struct children running;
	struct sockaddr_storage ss;
	struct source src;
	struct decision d;

	setup(&ad, &o, &r);
	children_init(&running, 4);
	/* its source is over --max-per-source too: the rule still decides */
	client("10.99.1.1", &ss, &src);
	children_add(&running, 4242, NOW, &src, -1);
	ck_assert_int_eq(decide(&ad, "10.99.1.1", &running, NOW, &d), DENIED);
	ck_assert_ptr_nonnull(d.rule);
	ck_assert_int_eq(ratelimit_entries(ad.rates), 0);
	ck_assert_int_eq(decide(&ad, "10.99.1.1", &running, NOW + 1, &d),
	    DENIED);
	ck_assert_int_eq(ratelimit_entries(ad.rates), 0);
	children_free(&running);
	admission_free(&ad);
}
END_TEST

/*
 * Over its source's concurrency: refused before its rate is asked, so
 * the refusal uses no token and makes no entry; once its handler has
 * ended, its one token of the minute is still there.
 */
START_TEST(test_per_source_before_rate)
{
	struct admission ad;
	struct admission_options o;
	struct cli_rule r;
	struct children running, none;
	struct sockaddr_storage ss;
	struct source src;
	struct decision d;
	int i;

	setup(&ad, &o, &r);
	children_init(&running, 4);
	children_init(&none, 4);
	client("192.0.2.7", &ss, &src);
	children_add(&running, 4242, NOW, &src, -1);
	for (i = 0; i < 5; i++) {
		ck_assert_int_eq(decide(&ad, "192.0.2.7", &running, NOW + i,
		    &d), PER_SOURCE);
		ck_assert_int_eq(d.same_source, 1);
	}
	ck_assert_int_eq(ratelimit_entries(ad.rates), 0);
	ck_assert_int_eq(decide(&ad, "192.0.2.7", &none, NOW + 10, &d),
	    ADMIT);
	ck_assert_int_eq(ratelimit_entries(ad.rates), 1);
	/* 1/60: the next one within the minute is over its rate */
	ck_assert_int_eq(decide(&ad, "192.0.2.7", &none, NOW + 20, &d),
	    RATE_LIMITED);
	children_free(&none);
	children_free(&running);
	admission_free(&ad);
}
END_TEST

/* Rate last: an allowed source under its concurrency limit, too fast. */
START_TEST(test_rate_last)
{
	struct admission ad;
	struct admission_options o;
	struct cli_rule r;
	struct children none;
	struct decision d;

	setup(&ad, &o, &r);
	children_init(&none, 4);
	ck_assert_int_eq(decide(&ad, "198.51.100.1", &none, NOW, &d), ADMIT);
	ck_assert_ptr_null(d.rule);
	ck_assert_int_eq(decide(&ad, "198.51.100.1", &none, NOW + 1, &d),
	    RATE_LIMITED);
	ck_assert_int_eq(d.rate.allow, 0);
	/* another source has a bucket of its own */
	ck_assert_int_eq(decide(&ad, "198.51.100.2", &none, NOW + 2, &d),
	    ADMIT);
	/* and the first one's token is back after the minute */
	ck_assert_int_eq(decide(&ad, "198.51.100.1", &none, NOW + 60001,
	    &d), ADMIT);
	children_free(&none);
	admission_free(&ad);
}
END_TEST

static Suite *
admission_suite(void)
{
	Suite *s = suite_create("admission");
	TCase *tc = tcase_create("order");

	tcase_add_test(tc, test_rules_first);
	tcase_add_test(tc, test_per_source_before_rate);
	tcase_add_test(tc, test_rate_last);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(admission_suite());
}
