/*
 * testprog: what the C test programs share around their work: numbers on
 * the command line, and failures described on stderr without flooding it.
 */
#ifndef TESTPROG_H
#define TESTPROG_H

long long	number_option(int, const char *, long long, long long);
void		report_failure(const char *);

#endif
