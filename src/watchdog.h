#ifndef SOCKBRIDGE_WATCHDOG_H
#define SOCKBRIDGE_WATCHDOG_H

void	watchdog_start(long long);

#endif
