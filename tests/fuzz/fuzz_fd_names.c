/*
 * fuzz_fd_names: LISTEN_FDNAMES.  parse_fd_name gives, for every index,
 * the name strsep(3) would split off (the code it replaced), or "unknown"
 * where there is none or it is empty; each a span of the input without a
 * colon.
 */
#include "config.h"

#include <stdlib.h>

#include "parse.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *name, *want;
	char *s, *copy, *rest;
	size_t i, len, n;

	s = fuzz_string(data, size);
	n = 0;
	for (i = 0; s[i] != '\0'; i++)
		n += s[i] == ':';
	if ((copy = strdup(s)) == NULL)
		abort();
	rest = copy;
	/* every name there is, and two past the end */
	for (i = 0; i < n + 3; i++) {
		want = rest != NULL ? strsep(&rest, ":") : NULL;
		if (want == NULL || *want == '\0')
			want = "unknown";
		name = parse_fd_name(s, i, &len);
		CHECK(len == strlen(want) && memcmp(name, want, len) == 0);
		CHECK(memchr(name, ':', len) == NULL);
		CHECK(strcmp(want, "unknown") == 0 ||
		    (name >= s && name + len <= s + strlen(s)));
	}
	name = parse_fd_name(NULL, size > 0 ? data[0] : 0, &len);
	CHECK(len == 7 && memcmp(name, "unknown", 7) == 0);
	free(copy);
	free(s);
	return 0;
}
