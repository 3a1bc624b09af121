/*
 * testprog: the command-line and reporting helpers that tests/client.c,
 * tests/hostile.c and tests/upstart-model.c share.
 */
#include "config.h"

#include <err.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "testprog.h"

#define MAX_REPORTED	5	/* failures described on stderr */

/* The number arg of option -opt, from lo to hi; bad usage (exit 2) else. */
long long
number_option(int opt, const char *arg, long long lo, long long hi)
{
	const char *errstr;
	long long n;

	n = strtonum(arg, lo, hi, &errstr);
	if (errstr != NULL)
		errx(2, "-%c %s: number is %s", opt, arg, errstr);
	return n;
}

/*
 * Describe a failure on stderr, "PROGRAM: why"; after MAX_REPORTED of
 * them, one line says that more are not shown.  Threads may call it.
 */
void
report_failure(const char *why)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static int reported;
	int n;

	pthread_mutex_lock(&lock);
	n = reported++;
	if (n < MAX_REPORTED)
		fprintf(stderr, "%s: %s\n", getprogname(), why);
	else if (n == MAX_REPORTED)
		fprintf(stderr, "%s: more failures not shown\n", getprogname());
	pthread_mutex_unlock(&lock);
}
