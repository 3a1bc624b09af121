/*
 * check_run.h: the main() every Check suite here ends with: run the
 * suite, print Check's summary, exit 0 only if every test passed.
 */
#ifndef SOCKBRIDGE_CHECK_RUN_H
#define SOCKBRIDGE_CHECK_RUN_H

#include <check.h>
#include <stdlib.h>

static int
check_run(Suite *s)
{
	SRunner *sr;
	int failed;

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
