/*
 * fuzz_listen_address: --listen ADDRESS.  What is accepted splits back
 * into the text it came from: the path, the name after '@', or the host
 * (in brackets or not) and the port, which is the decimal number of the
 * text after the colon, 0 to 65535.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "parse.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct listen_spec spec;
	const char *why, *p;
	char *s, *end, canon[16];
	long long port;
	size_t hostlen;

	s = fuzz_string(data, size);
	if (parse_listen_address(s, &spec, &why) == -1) {
		CHECK(why != NULL && *why != '\0');
		free(s);
		return 0;
	}
	CHECK(why == NULL);
	CHECK(TERMINATED(spec.host) && TERMINATED(spec.port) &&
	    TERMINATED(spec.path));
	switch (spec.kind) {
	case LISTEN_UNIX_ABSTRACT:
		CHECK(s[0] == '@' && s[1] != '\0');
		CHECK(strcmp(spec.path, s + 1) == 0);
		CHECK(strlen(spec.path) < sizeof(spec.path) - 1);
		break;
	case LISTEN_UNIX_PATH:
		CHECK(s[0] != '@' && strchr(s, '/') != NULL);
		CHECK(strcmp(spec.path, s) == 0);
		break;
	case LISTEN_INET:
		CHECK(strchr(s, '/') == NULL && s[0] != '@');
		hostlen = strlen(spec.host);
		if (s[0] == '[') {
			CHECK(strncmp(s + 1, spec.host, hostlen) == 0);
			CHECK(strchr(spec.host, ']') == NULL);
			p = s + 1 + hostlen;
			CHECK(p[0] == ']' && p[1] == ':');
			p += 2;
		} else {
			CHECK(strncmp(s, spec.host, hostlen) == 0);
			p = s + hostlen;
			CHECK(p[0] == ':' && strchr(p + 1, ':') == NULL);
			p++;
		}
		/* the port: the number the text after the colon says */
		errno = 0;
		port = strtoll(p, &end, 10);
		CHECK(errno == 0 && *end == '\0' && end != p);
		CHECK(port >= 0 && port <= 65535);
		snprintf(canon, sizeof(canon), "%lld", port);
		CHECK(strcmp(spec.port, canon) == 0);
		break;
	default:
		CHECK(!"no such kind");
	}
	free(s);
	return 0;
}
