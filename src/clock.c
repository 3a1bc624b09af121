/* clock.c: milliseconds on the monotonic clock, for every timeout. */
#include "config.h"

#include <time.h>

#include "clock.h"

long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
