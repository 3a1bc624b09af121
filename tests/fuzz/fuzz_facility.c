/*
 * fuzz_facility: --syslog=FACILITY.  Exactly the syslog.conf(5) names are
 * known, each with its own value (listed here on their own, not taken
 * from the table log.c reads); anything else, "mark" included, is -1.
 */
#include "config.h"

#include <syslog.h>

#include "log.h"
#include "fuzz.h"

static const struct {
	const char	*name;
	int		 value;
} known[] = {
	{ "auth", LOG_AUTH }, { "authpriv", LOG_AUTHPRIV },
	{ "cron", LOG_CRON }, { "daemon", LOG_DAEMON }, { "ftp", LOG_FTP },
	{ "kern", LOG_KERN }, { "lpr", LOG_LPR }, { "mail", LOG_MAIL },
	{ "news", LOG_NEWS }, { "security", LOG_AUTH },
	{ "syslog", LOG_SYSLOG }, { "user", LOG_USER }, { "uucp", LOG_UUCP },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;
	int value, want;
	size_t i;

	s = fuzz_string(data, size);
	want = -1;
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(s, known[i].name) == 0)
			want = known[i].value;
	value = log_facility(s);
	CHECK(value == want);
	CHECK(value == -1 || (value & ~LOG_FACMASK) == 0);
	free(s);
	return 0;
}
