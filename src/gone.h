#ifndef SOCKBRIDGE_GONE_H
#define SOCKBRIDGE_GONE_H

/* At most one "gone" log line this often. */
#define GONE_LOG_MS	5000

/* When the last "gone" line was logged, and how many came since. */
struct gone_log {
	long long	 logged;	/* ms; 0: never */
	unsigned long	 since;		/* gone, not yet in a line */
};

int		gone_now(int);
unsigned long	gone_note(struct gone_log *, long long);

#endif
