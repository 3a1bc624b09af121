/*
 * check_turnaway: every way a client is turned away, row by row of
 * turnaway.c's table: its counter, its log line and when it is written,
 * what the client gets (its line and end-of-file, or a plain close), and
 * with --once the same ending for every reason: exit 0, the client let
 * go and waited for.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "closing.h"
#include "listener.h"
#include "stats.h"
#include "turnaway.h"
#include "check_run.h"

/* Per reason: the counter, the log line, and what the client reads. */
static const struct {
	enum turnaway_reason r;
	const char	*text;		/* "": none */
	int		 quiet;		/* logged with --quiet too */
	const char	*reads;		/* what the client gets, then EOF */
} rows[] = {
	{ TURN_REFUSED,
	    "refused remote=PEER per-source=3/3", 0, "full\n" },
	{ TURN_DENIED, "denied remote=PEER rule=RULE", 0, "no\n" },
	{ TURN_RATE_LIMITED, "rate-limited remote=PEER refused=7", 0,
	    "full\n" },
	{ TURN_PROXY_ERROR,
	    "proxy-error remote=PEER reason=WHY first=FIRST", 1, "" },
	{ TURN_SPAWN_ERROR, "WHY: No such file or directory", 1, "" },
	{ TURN_BANNER_FAILED, "", 0, "" },
	{ TURN_NO_MEMORY, "PROXY header: Cannot allocate memory", 1,
	    "" },
	{ TURN_GONE, "gone remote=PEER gone=7", 0, "" },
	{ TURN_STOPPING, "refused remote=PEER stopping", 0, "full\n" },
};

/* Which counter each reason counts in, or NULL. */
static unsigned long long *
counter_of(struct stats *st, enum turnaway_reason r)
{
	switch (r) {
	case TURN_REFUSED:
	case TURN_STOPPING:	return &st->refused;
	case TURN_DENIED:	return &st->denied;
	case TURN_RATE_LIMITED:	return &st->rate_limited;
	case TURN_PROXY_ERROR:	return &st->proxy_errors;
	case TURN_SPAWN_ERROR:	return &st->spawn_errors;
	case TURN_GONE:		return &st->gone;
	default:		return NULL;
	}
}

static void
facts(struct turnaway_facts *f)
{
	memset(f, 0, sizeof(*f));
	f->peer = "PEER";
	f->rule = "RULE";
	f->max_per_source = 3;
	f->count = 7;
	f->why = "WHY";
	f->first = "FIRST";
	f->error = ENOENT;
}

/* What the client's end reads until end-of-file. */
static void
read_all(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t got;

	while (len < size - 1 && (got = read(fd, buf + len,
	    size - 1 - len)) > 0)
		len += got;
	buf[len] = '\0';
}

START_TEST(counted_once_in_its_counter)
{
	struct stats st, zero;
	unsigned long long *c;

	memset(&st, 0, sizeof(st));
	memset(&zero, 0, sizeof(zero));
	turnaway_count(rows[_i].r, &st);
	c = counter_of(&st, rows[_i].r);
	if (c != NULL) {
		ck_assert_uint_eq(*c, 1);
		*c = 0;
	}
	ck_assert_mem_eq(&st, &zero, sizeof(st));
}
END_TEST

START_TEST(its_log_line)
{
	struct turnaway_facts f;
	char text[256];

	facts(&f);
	turnaway_text(rows[_i].r, &f, text, sizeof(text));
	ck_assert_str_eq(text, rows[_i].text);
	ck_assert_int_eq(turnaway_logged(rows[_i].r, &f, 1),
	    *rows[_i].text != '\0');
	ck_assert_int_eq(turnaway_logged(rows[_i].r, &f, 0),
	    *rows[_i].text != '\0' && rows[_i].quiet);
	f.throttled = 1;
	ck_assert_int_eq(turnaway_logged(rows[_i].r, &f, 1), 0);
}
END_TEST

/* The exits of a loop with --refuse-message full, --deny-message no. */
static void
exits(struct exits *x, struct stats *st, struct closing *cl,
    struct listeners *ls, char **line, int once)
{
	memset(st, 0, sizeof(*st));
	memset(ls, 0, sizeof(*ls));
	closing_init(cl, CLOSING_MAX, CLOSING_MS);
	line[LINE_NONE] = NULL;
	line[LINE_REFUSAL] = "full\n";
	line[LINE_DENIAL] = "no\n";
	x->stats = st;
	x->closing = cl;
	x->ls = ls;
	x->line = line;
	x->once = once;
}

START_TEST(the_client_gets_its_line_and_eof)
{
	struct exits x;
	struct stats st;
	struct closing cl;
	struct listeners ls;
	struct turnaway_facts f;
	char *line[TURNAWAY_LINES], got[64];
	int sv[2];

	exits(&x, &st, &cl, &ls, line, 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	facts(&f);
	f.throttled = 1;	/* no log line in the test's output */
	turn_away(&x, sv[0], NULL, NULL, rows[_i].r, &f);
	read_all(sv[1], got, sizeof(got));
	ck_assert_str_eq(got, rows[_i].reads);
	/* a gone client is closed at once; the others wait for its close */
	ck_assert_int_eq(cl.n, rows[_i].r == TURN_GONE ? 0 : 1);
	close(sv[1]);
	closing_free(&cl);
}
END_TEST

/* --once: exit 0 after the client got its line and closed its end. */
START_TEST(once_the_same_ending)
{
	struct exits x;
	struct stats st;
	struct closing cl;
	struct listeners ls;
	struct turnaway_facts f;
	char *line[TURNAWAY_LINES], got[64];
	int sv[2], status;
	pid_t pid;

	exits(&x, &st, &cl, &ls, line, 1);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	facts(&f);
	f.throttled = 1;
	if ((pid = fork()) == 0) {
		close(sv[1]);
		turn_away(&x, sv[0], NULL, NULL, rows[_i].r, &f);
		_exit(99);	/* not reached */
	}
	ck_assert_int_ne(pid, -1);
	close(sv[0]);
	read_all(sv[1], got, sizeof(got));
	ck_assert_str_eq(got, rows[_i].reads);
	close(sv[1]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	closing_free(&cl);
}
END_TEST

START_TEST(verdicts_name_their_reason)
{
	ck_assert_int_eq(turnaway_of(DENIED), TURN_DENIED);
	ck_assert_int_eq(turnaway_of(PER_SOURCE), TURN_REFUSED);
	ck_assert_int_eq(turnaway_of(RATE_LIMITED), TURN_RATE_LIMITED);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("turnaway");
	TCase *tc = tcase_create("rows");
	int n = sizeof(rows) / sizeof(rows[0]);

	if (n != TURN_REASONS) {
		fprintf(stderr, "check_turnaway: %d rows for %d reasons\n", n,
		    TURN_REASONS);
		return EXIT_FAILURE;
	}
	tcase_add_loop_test(tc, counted_once_in_its_counter, 0, n);
	tcase_add_loop_test(tc, its_log_line, 0, n);
	tcase_add_loop_test(tc, the_client_gets_its_line_and_eof, 0, n);
	tcase_add_loop_test(tc, once_the_same_ending, 0, n);
	tcase_add_test(tc, verdicts_name_their_reason);
	suite_add_tcase(s, tc);
	return check_run(s);
}
