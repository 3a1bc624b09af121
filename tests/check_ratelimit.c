/*
 * check_ratelimit: N/SECONDS values, the token bucket, and the
 * per-source table behind --rate-per-source, on a clock the tests drive.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "compat.h"
#include "conn.h"
#include "ratelimit.h"
#include "siphash.h"
#include "check_run.h"

static struct source
src4(uint32_t n)
{
	struct source s;

	memset(&s, 0, sizeof(s));
	s.family = AF_INET;
	memcpy(s.key, &n, sizeof(n));
	return s;
}

static struct source
src6(uint64_t n)
{
	struct source s;

	memset(&s, 0, sizeof(s));
	s.family = AF_INET6;
	memcpy(s.key, &n, sizeof(n));
	return s;
}

static struct source
srcunix(long uid)
{
	struct source s;

	memset(&s, 0, sizeof(s));
	s.family = AF_UNIX;
	memcpy(s.key, &uid, sizeof(uid));
	return s;
}

static struct rate
rate_of(const char *text)
{
	struct rate rate;
	const char *why;

	ck_assert_msg(rate_parse(text, &rate, &why) == 0, "%s: %s", text, why);
	return rate;
}

/* One attempt: 1 allowed, 0 refused. */
static int
try(struct ratelimit *rl, struct source s, long long now)
{
	struct rl_verdict v;

	ratelimit_check(rl, &s, now, &v);
	return v.allow;
}

START_TEST(rate_values)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "10", "missing /SECONDS" },
		{ "", "missing /SECONDS" },
		{ "/60", "N is missing" },
		{ "10/", "SECONDS is missing" },
		{ "0/60", "N must be at least 1" },
		{ "10/0", "SECONDS must be at least 1" },
		{ "x/60", "N is invalid" },
		{ "+10/60", "N is invalid" },
		{ " 10/60", "N is invalid" },
		{ "-1/60", "N is invalid" },
		{ "10/ 60", "SECONDS is invalid" },
		{ "10/60x", "SECONDS is invalid" },
		{ "10/60/2", "SECONDS is invalid" },
		{ "10/1.5", "SECONDS is invalid" },
		{ "1000001/1", "N is too large" },
		{ "99999999999999999999999/1", "N is too large" },
		{ "10/86401", "SECONDS is too large" },
		{ "10/99999999999999999999999", "SECONDS is too large" },
		{ "10/99999999999999999999999x", "SECONDS is invalid" },
	};
	struct rate rate;
	const char *why;
	size_t i;

	rate = rate_of("10/60");
	ck_assert_int_eq(rate.n, 10);
	ck_assert_int_eq(rate.ms, 60000);
	rate = rate_of("1000000/86400");
	ck_assert_int_eq(rate.n, RATE_N_MAX);
	ck_assert_int_eq(rate.ms, 86400000LL);
	rate = rate_of("007/1");
	ck_assert_int_eq(rate.n, 7);
	for (i = 0; i < nitems(bad); i++) {
		ck_assert_msg(rate_parse(bad[i].text, &rate, &why) == -1,
		    "%s", bad[i].text);
		ck_assert_str_eq(why, bad[i].why);
	}
}
END_TEST

/* The reference vectors of the SipHash paper (key 00..0f, message 00..). */
START_TEST(siphash_vectors)
{
	unsigned char key[16], msg[16];
	int i;

	for (i = 0; i < 16; i++)
		key[i] = msg[i] = i;
	ck_assert_uint_eq(siphash24(key, msg, 0), 0x726fdb47dd0e0e31ULL);
	ck_assert_uint_eq(siphash24(key, msg, 1), 0x74f839c593dc67fdULL);
	ck_assert_uint_eq(siphash24(key, msg, 8), 0x93f5f5799a932462ULL);
	ck_assert_uint_eq(siphash24(key, msg, 15), 0xa129ca6149be45e5ULL);
}
END_TEST

START_TEST(bucket_delays)
{
	struct rate rate = rate_of("3/1");
	struct bucket b;
	int i;

	bucket_init(&b, 1000);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(bucket_delay(&b, &rate, 1000), 0);
		bucket_take(&b, &rate, 1000);
	}
	/* a token every 333.3 ms: the next is due in 334 */
	ck_assert_int_eq(bucket_delay(&b, &rate, 1000), 334);
	ck_assert_int_eq(bucket_delay(&b, &rate, 1333), 1);
	ck_assert_int_eq(bucket_delay(&b, &rate, 1334), 0);
	/* time going backwards changes nothing */
	ck_assert_int_eq(bucket_delay(&b, &rate, 0), 334);

	rate = rate_of("10/60");
	bucket_init(&b, 0);
	for (i = 0; i < 10; i++)
		bucket_take(&b, &rate, 0);
	ck_assert_int_eq(bucket_delay(&b, &rate, 0), 6000);
	ck_assert_int_eq(bucket_delay(&b, &rate, 5999), 1);
	ck_assert_int_eq(bucket_delay(&b, &rate, 6000), 0);
	/* after SECONDS of quiet, a whole burst again */
	for (i = 0; i < 10; i++) {
		ck_assert_int_eq(bucket_delay(&b, &rate, 60000), 0);
		bucket_take(&b, &rate, 60000);
	}
	ck_assert_int_gt(bucket_delay(&b, &rate, 60000), 0);
}
END_TEST

/* --max-accept-rate: a loop that waits as told accepts at the rate. */
START_TEST(accept_pacing)
{
	struct rate rate = rate_of("100/1");
	struct bucket b;
	long long now, delay;
	int accepted = 0, waits = 0;

	bucket_init(&b, 0);
	for (now = 0; now <= 10000; ) {
		if ((delay = bucket_delay(&b, &rate, now)) > 0) {
			ck_assert_int_le(delay, 10);
			now += delay;
			waits++;
			continue;
		}
		bucket_take(&b, &rate, now);
		accepted++;
	}
	/* the burst of 100, then 100 a second for 10 seconds */
	ck_assert_int_eq(accepted, 100 + 1000);
	ck_assert_int_gt(waits, 900);
}
END_TEST

static uint64_t rng = 88172645463325252ULL;

static uint32_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng >> 32;
}

/*
 * No source that keeps to N per SECONDS (at most N in any SECONDS-long
 * window) is ever refused, whatever its pattern: bursts, steady, random.
 */
START_TEST(within_rate_never_refused)
{
	static const char *const rates[] = {
		"10/60", "1/1", "1/60", "3/7", "1000/1", "7/86400", "25/3"
	};
	struct ratelimit *rl;
	struct rate rate;
	long long t[1000], now;
	size_t r;
	int i, n;

	for (r = 0; r < nitems(rates); r++) {
		rate = rate_of(rates[r]);
		n = rate.n;
		ck_assert_ptr_nonnull(rl = ratelimit_new(&rate, 64));
		memset(t, 0, sizeof(t));
		now = 0;
		for (i = 0; i < 20000; i++) {
			/* random gaps, bursts, but never N+1 in a window */
			now += next() % 4 == 0 ? 0 : next() % (2 * rate.ms /
			    rate.n + 1);
			if (i >= n && now < t[i % n] + rate.ms)
				now = t[i % n] + rate.ms;
			t[i % n] = now;
			ck_assert_msg(try(rl, src4(1), now), "%s: attempt %d "
			    "at %lld refused", rates[r], i, now);
		}
		/* exactly N at once, every SECONDS */
		for (i = 0; i < 50 * rate.n && i < 20000; i++)
			ck_assert(try(rl, src4(2), i / rate.n * rate.ms));
		ratelimit_free(rl);
	}
}
END_TEST

/* Faster than the rate: refused, and kept refused while it goes on. */
START_TEST(hammering_stays_refused)
{
	struct rate rate = rate_of("10/60");
	struct ratelimit *rl = ratelimit_new(&rate, 4096);
	long long now;
	int i;

	for (i = 0; i < 10; i++)
		ck_assert(try(rl, src4(7), 0));
	for (now = 0; now < 600000; now += 100)
		ck_assert_msg(!try(rl, src4(7), now), "at %lld", now);
	/* just a little faster than the rate (one per 6 s) is still over it */
	for (i = 0; i < 1000; i++, now += 5999)
		ck_assert_msg(!try(rl, src4(7), now), "at %lld", now);
	ratelimit_free(rl);
}
END_TEST

/* Below the rate again, it is served again within SECONDS. */
START_TEST(recovery_after_slowing)
{
	static const char *const rates[] = { "10/60", "1/5", "100/1", "3/7" };
	struct ratelimit *rl;
	struct rate rate;
	long long now, gap;
	size_t r;
	int i;

	for (r = 0; r < nitems(rates); r++) {
		rate = rate_of(rates[r]);
		ck_assert_ptr_nonnull(rl = ratelimit_new(&rate, 4096));
		for (now = 0; now < 10 * rate.ms; now += 1 + next() % 3)
			try(rl, src4(1), now);
		ck_assert(!try(rl, src4(1), now));
		/*
		 * One attempt every SECONDS/N + 1 ms, just below the rate:
		 * served from the first, SECONDS/N + 1 ms after the last
		 * refused one (within SECONDS, as promised, for N > 1).
		 */
		gap = rate.ms / rate.n + 1;
		for (i = 0; i < 1000; i++) {
			now += gap;
			ck_assert_msg(try(rl, src4(1), now), "%s: attempt %d "
			    "refused", rates[r], i);
		}
		/* and after going quiet for SECONDS, a whole burst */
		now += rate.ms;
		for (i = 0; i < rate.n; i++)
			ck_assert(try(rl, src4(1), now));
		ck_assert(!try(rl, src4(1), now));
		ratelimit_free(rl);
	}
}
END_TEST

START_TEST(other_sources_unaffected)
{
	struct rate rate = rate_of("5/10");
	struct ratelimit *rl = ratelimit_new(&rate, 4096);
	long long now;
	int i;

	for (now = 0; now < 20000; now += 10) {
		try(rl, src4(1), now);
		try(rl, src6(1), now);
		try(rl, srcunix(1000), now);
	}
	ck_assert(!try(rl, src4(1), now));
	ck_assert(!try(rl, src6(1), now));
	ck_assert(!try(rl, srcunix(1000), now));
	for (i = 0; i < 5; i++) {
		ck_assert(try(rl, src4(2), now));
		ck_assert(try(rl, src6(2), now));
		ck_assert(try(rl, srcunix(1001), now));
		/* same key bytes, another family: another source */
		ck_assert(try(rl, srcunix(1), now));
	}
	ratelimit_free(rl);
}
END_TEST

/* A million sources: the table stays its size and never refuses one. */
START_TEST(bounded_table)
{
	struct rate rate = rate_of("10/60");
	struct ratelimit *rl = ratelimit_new(&rate, 4096);
	uint32_t i;

	for (i = 0; i < 1000000; i++) {
		ck_assert(try(rl, src6(i), i / 10));
		if (i % 997 == 0)
			ck_assert_uint_le(ratelimit_entries(rl), 4096);
	}
	ck_assert_uint_le(ratelimit_entries(rl), 4096);
	ck_assert_uint_gt(ratelimit_entries(rl), 4000);
	ck_assert_uint_gt(ratelimit_evictions(rl), 900000);
	/* 4096 entries of 40 bytes for each of IPv4, IPv6 and unix */
	ck_assert_uint_eq(ratelimit_bytes(rl), 3 * 4096 * 40);
	printf("check_ratelimit: 1000000 sources through 4096 entries: "
	    "%zu held, %llu evicted\n", ratelimit_entries(rl),
	    ratelimit_evictions(rl));
	ratelimit_free(rl);
}
END_TEST

/* An IPv6 flood does not push an IPv4 source out of the table. */
START_TEST(families_apart)
{
	struct rate rate = rate_of("1/60");
	struct ratelimit *rl = ratelimit_new(&rate, 8);
	uint32_t i;

	ck_assert(try(rl, src4(1), 0));
	ck_assert(!try(rl, src4(1), 0));
	for (i = 0; i < 10000; i++)
		ck_assert(try(rl, src6(i), 1));
	ck_assert(!try(rl, src4(1), 2));
	ck_assert_uint_eq(ratelimit_entries(rl), 9);
	ratelimit_free(rl);
}
END_TEST

/*
 * Size 8 is one window, so every source competes for the same slots.  A
 * new source takes the place of an entry without state first, then that
 * of the least recently seen source within its rate, and only when every
 * other is over its rate (refused, and it would be again) the least
 * recently seen of all; the last two count as evictions.  A source whose
 * entry was kept has spent its burst; a forgotten one starts with a full
 * bucket: that is how the test tells them apart.
 */
START_TEST(eviction_order)
{
	struct rate rate = rate_of("2/60");	/* a token per 30 s */
	struct ratelimit *rl = ratelimit_new(&rate, 8);
	long long d = 31000;
	int i;

	/* 0: spent and refused at 0; owes, but is not blocked, at d */
	for (i = 0; i < 3; i++)
		try(rl, src4(0), 0);
	/* 1..6: refused at 1..6 and again at 20001..20006: blocked at d */
	for (i = 1; i <= 6; i++) {
		try(rl, src4(i), i);
		try(rl, src4(i), i);
		ck_assert(!try(rl, src4(i), i));
		ck_assert(!try(rl, src4(i), 20000 + i));
	}
	/* 7: one connection at 1000, paid for by d: no state left */
	ck_assert(try(rl, src4(7), 1000));
	ck_assert_uint_eq(ratelimit_entries(rl), 8);

	/* 8 takes 7's place although 0 was seen longer ago */
	ck_assert(try(rl, src4(8), d));
	ck_assert_uint_eq(ratelimit_evictions(rl), 0);
	ck_assert_uint_eq(ratelimit_entries(rl), 8);
	ck_assert(try(rl, src4(0), d));		/* 0 was kept: one token */
	ck_assert(!try(rl, src4(0), d));	/* and over its rate again */

	/*
	 * 9: no entry without state; 8, within its rate, goes, though 1..6
	 * were seen long before it: they are over their rate, and kept.
	 */
	ck_assert(try(rl, src4(9), d));
	ck_assert_uint_eq(ratelimit_evictions(rl), 1);
	for (i = 1; i <= 6; i++)
		ck_assert(!try(rl, src4(i), d + i));
	ck_assert_uint_eq(ratelimit_evictions(rl), 1);
	/* 9 spends its burst and goes over: now all 8 are over their rate */
	ck_assert(try(rl, src4(9), d + 10));
	ck_assert(!try(rl, src4(9), d + 10));

	/* 10: then the least recently seen of all goes, 0 (seen at d) */
	ck_assert(try(rl, src4(10), d + 20));
	ck_assert_uint_eq(ratelimit_evictions(rl), 2);
	ck_assert(try(rl, src4(0), d + 20));	/* forgotten: a full burst */
	ck_assert(try(rl, src4(0), d + 20));
	ck_assert(!try(rl, src4(0), d + 20));
	ck_assert_uint_eq(ratelimit_evictions(rl), 3);	/* 10 went for it */
	/* 1..6 and 9 are still blocked */
	for (i = 1; i <= 6; i++)
		ck_assert(!try(rl, src4(i), d + 30));
	ck_assert(!try(rl, src4(9), d + 30));
	ck_assert_uint_eq(ratelimit_evictions(rl), 3);
	ck_assert_uint_eq(ratelimit_entries(rl), 8);
	ratelimit_free(rl);
}
END_TEST

/*
 * A source at 3 times its rate, under a flood of 300 new sources a second
 * that each keep within theirs, for 20 minutes: the flood runs through
 * the 4096 entries every 14 s or so, 85 times over.  Once refused, the
 * source stays refused: never served again, as the manual says, though
 * at 1/60 (an attempt every 20 s) it is seen less often than the flood
 * turns the table over.  Before its first refusal the table may forget
 * its spent bucket (the manual's bound): at 1/60 it may go on being
 * served, so only the faster rates must be refused at all.  Every source
 * of the flood is served.
 */
START_TEST(over_rate_source_outlasts_flood)
{
	static const struct {
		const char	*rate;
		int		 refused;	/* must be refused at all */
	} cases[] = {
		{ "1/10", 1 }, { "1/30", 1 }, { "3/60", 1 }, { "1/60", 0 },
	};
	struct ratelimit *rl;
	struct rate rate;
	long long now, at, gap, first, span = 20 * 60 * 1000;
	uint32_t k;
	size_t c;
	int tries, served, after;

	for (c = 0; c < nitems(cases); c++) {
		rate = rate_of(cases[c].rate);
		ck_assert_ptr_nonnull(rl = ratelimit_new(&rate, 4096));
		gap = rate.ms / rate.n / 3;
		tries = served = after = 0;
		first = -1;
		for (k = 0, now = at = 0; now < span; k++) {
			now = k * 1000LL / 300;
			for (; at <= now; at += gap, tries++)
				if (!try(rl, src4(1), at)) {
					if (first == -1)
						first = at;
				} else if (first != -1)
					after++;
				else
					served++;
			ck_assert_msg(try(rl, src4(1000000 + k), now),
			    "%s: new source %u refused", cases[c].rate, k);
		}
		printf("check_ratelimit: %s at 3x, %u new sources in %lld s, "
		    "%llu evictions: %d tries, first refused at %lld ms, "
		    "served %d before, %d after\n", cases[c].rate, k,
		    span / 1000, ratelimit_evictions(rl), tries, first, served,
		    after);
		fflush(stdout);
		ck_assert_uint_gt(ratelimit_evictions(rl), 10 * 4096);
		ck_assert_msg(after == 0, "%s: served %d times after its first "
		    "refusal", cases[c].rate, after);
		if (cases[c].refused)
			ck_assert_msg(first != -1, "%s: never refused",
			    cases[c].rate);
		ratelimit_free(rl);
	}
}
END_TEST

/*
 * One "rate-limited" line at the first refusal, then at most one every
 * RATELIMIT_LOG_MS per source, each with the refusals since the last; the
 * last count comes out with the first connection served after it.
 */
START_TEST(log_throttling)
{
	struct rate rate = rate_of("1/10");
	struct ratelimit *rl = ratelimit_new(&rate, 4096);
	struct source a = src4(1), b = src4(2);
	struct rl_verdict v;
	unsigned long refused = 0, logged = 0;
	long long now, last = -1;
	int lines = 0;

	ratelimit_check(rl, &a, 0, &v);
	ck_assert(v.allow && !v.log);
	for (now = 100; now < 30000; now += 100) {
		ratelimit_check(rl, &a, now, &v);
		ck_assert(!v.allow);
		refused++;
		if (now == 100) {
			ck_assert(v.log);
			ck_assert_uint_eq(v.refused, 1);
		}
		if (v.log) {
			ck_assert(last == -1 || now - last >= RATELIMIT_LOG_MS);
			logged += v.refused;
			last = now;
			lines++;
		} else
			ck_assert(last != -1 && now - last < RATELIMIT_LOG_MS);
		/* another source's line is not held back by this one's */
		if (now == 1000) {
			ratelimit_check(rl, &b, now, &v);
			ck_assert(v.allow && !v.log);
			ratelimit_check(rl, &b, now, &v);
			ck_assert(!v.allow && v.log);
			ck_assert_uint_eq(v.refused, 1);
		}
	}
	ck_assert_int_eq(lines, 6);		/* 0.1, 5.1, ... 25.1 s */
	ck_assert_uint_lt(logged, refused);	/* some since the last line */
	now += rate.ms;
	ratelimit_check(rl, &a, now, &v);
	ck_assert(v.allow && v.log);
	ck_assert_uint_eq(logged + v.refused, refused);
	ratelimit_check(rl, &a, now + 10 * rate.ms, &v);
	ck_assert(v.allow && !v.log);
	ratelimit_free(rl);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ratelimit");
	TCase *tc = tcase_create("ratelimit");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, rate_values);
	tcase_add_test(tc, siphash_vectors);
	tcase_add_test(tc, bucket_delays);
	tcase_add_test(tc, accept_pacing);
	tcase_add_test(tc, within_rate_never_refused);
	tcase_add_test(tc, hammering_stays_refused);
	tcase_add_test(tc, recovery_after_slowing);
	tcase_add_test(tc, other_sources_unaffected);
	tcase_add_test(tc, bounded_table);
	tcase_add_test(tc, families_apart);
	tcase_add_test(tc, eviction_order);
	tcase_add_test(tc, log_throttling);
	tcase_add_test(tc, over_rate_source_outlasts_flood);
	suite_add_tcase(s, tc);
	return check_run(s);
}
