/*
 * fuzz_fd_list: UPSTART_FDS, a list of descriptor numbers.  An accepted
 * list has as many numbers as words (split on spaces and tabs), each the
 * decimal value of its word, at most max of them; the first byte of the
 * input picks max.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "parse.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fds[64];
	size_t max, n, i;
	const char *why;
	char *s, *copy, *rest, *word, *end;
	long long v;

	if (size == 0)
		return 0;
	max = data[0] % (sizeof(fds) / sizeof(fds[0]) + 1);
	s = fuzz_string(data + 1, size - 1);
	if (parse_fd_list(s, fds, max, &n, &why) == -1) {
		CHECK(why != NULL && *why != '\0');
		free(s);
		return 0;
	}
	CHECK(why == NULL);
	CHECK(n >= 1 && n <= max);
	CHECK(strlen(s) < 1024);
	if ((copy = strdup(s)) == NULL)
		abort();
	rest = copy;
	i = 0;
	while ((word = strsep(&rest, " \t")) != NULL) {
		if (*word == '\0')
			continue;
		CHECK(i < n);
		errno = 0;
		v = strtoll(word, &end, 10);
		CHECK(errno == 0 && *end == '\0');
		CHECK(v >= 0 && v <= INT_MAX && fds[i] == v);
		i++;
	}
	CHECK(i == n);
	free(copy);
	free(s);
	return 0;
}
