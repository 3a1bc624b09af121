#ifndef SOCKBRIDGE_CLOCK_H
#define SOCKBRIDGE_CLOCK_H

long long	now_ms(void);

#endif
