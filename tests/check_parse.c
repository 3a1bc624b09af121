/*
 * check_parse: numbers, descriptor lists, LISTEN_FDNAMES and --listen
 * addresses.
 */
#include "config.h"

#include <check.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "check_run.h"

START_TEST(number_in_range)
{
	const char *why;

	ck_assert_int_eq(parse_number("42", 0, 100, &why), 42);
	ck_assert_ptr_null(why);
	ck_assert_int_eq(parse_number("0", 0, 100, &why), 0);
	ck_assert_ptr_null(why);
}
END_TEST

START_TEST(number_rejected)
{
	const char *why;

	parse_number("abc", 0, 100, &why);
	ck_assert_str_eq(why, "invalid");
	parse_number("7x", 0, 100, &why);
	ck_assert_str_eq(why, "invalid");
	parse_number("", 0, 100, &why);
	ck_assert_str_eq(why, "invalid");
	parse_number("-1", 0, 100, &why);
	ck_assert_str_eq(why, "too small");
	parse_number("101", 0, 100, &why);
	ck_assert_str_eq(why, "too large");
	parse_number("99999999999999999999999", 0, INT_MAX, &why);
	ck_assert_str_eq(why, "too large");
}
END_TEST

START_TEST(fd_list_one_and_many)
{
	int fds[4];
	size_t n;
	const char *why;

	ck_assert_int_eq(parse_fd_list("9", fds, 4, &n, &why), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(fds[0], 9);
	ck_assert_int_eq(parse_fd_list(" 7  12 ", fds, 4, &n, &why), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(fds[0], 7);
	ck_assert_int_eq(fds[1], 12);
}
END_TEST

START_TEST(fd_list_rejected)
{
	int fds[2];
	size_t n;
	const char *why;

	ck_assert_int_eq(parse_fd_list("abc", fds, 2, &n, &why), -1);
	ck_assert_str_eq(why, "invalid");
	ck_assert_int_eq(parse_fd_list("-1", fds, 2, &n, &why), -1);
	ck_assert_str_eq(why, "too small");
	ck_assert_int_eq(parse_fd_list("7x", fds, 2, &n, &why), -1);
	ck_assert_str_eq(why, "invalid");
	ck_assert_int_eq(parse_fd_list("99999999999", fds, 2, &n, &why), -1);
	ck_assert_str_eq(why, "too large");
	ck_assert_int_eq(parse_fd_list("3 x", fds, 2, &n, &why), -1);
	ck_assert_str_eq(why, "invalid");
	ck_assert_int_eq(parse_fd_list("", fds, 2, &n, &why), -1);
	ck_assert_str_eq(why, "empty");
	ck_assert_int_eq(parse_fd_list("   ", fds, 2, &n, &why), -1);
	ck_assert_str_eq(why, "empty");
	ck_assert_int_eq(parse_fd_list("3 4 5", fds, 2, &n, &why), -1);
	ck_assert_str_eq(why, "too many descriptors");
}
END_TEST

START_TEST(listen_inet)
{
	struct listen_spec s;
	const char *why;

	ck_assert_int_eq(parse_listen_address("127.0.0.1:34567", &s, &why), 0);
	ck_assert_int_eq(s.kind, LISTEN_INET);
	ck_assert_str_eq(s.host, "127.0.0.1");
	ck_assert_str_eq(s.port, "34567");
	ck_assert_int_eq(parse_listen_address("localhost:0", &s, &why), 0);
	ck_assert_str_eq(s.host, "localhost");
	ck_assert_str_eq(s.port, "0");
	ck_assert_int_eq(parse_listen_address("[::1]:8080", &s, &why), 0);
	ck_assert_str_eq(s.host, "::1");
	ck_assert_str_eq(s.port, "8080");
	ck_assert_int_eq(parse_listen_address(":80", &s, &why), 0);
	ck_assert_str_eq(s.host, "");
}
END_TEST

/* The port is the number: leading zeros or a sign do not cut it short. */
START_TEST(listen_port_is_the_number)
{
	struct listen_spec s;
	const char *why;

	ck_assert_int_eq(parse_listen_address("127.0.0.1:0000080", &s, &why),
	    0);
	ck_assert_str_eq(s.port, "80");
	ck_assert_int_eq(parse_listen_address("[::1]:+0000000443", &s, &why),
	    0);
	ck_assert_str_eq(s.port, "443");
	ck_assert_int_eq(parse_listen_address(":010", &s, &why), 0);
	ck_assert_str_eq(s.port, "10");
}
END_TEST

START_TEST(listen_unix)
{
	struct listen_spec s;
	const char *why;

	ck_assert_int_eq(parse_listen_address("/run/x.sock", &s, &why), 0);
	ck_assert_int_eq(s.kind, LISTEN_UNIX_PATH);
	ck_assert_str_eq(s.path, "/run/x.sock");
	ck_assert_int_eq(parse_listen_address("./rel", &s, &why), 0);
	ck_assert_int_eq(s.kind, LISTEN_UNIX_PATH);
	ck_assert_int_eq(parse_listen_address("@bridge", &s, &why), 0);
	ck_assert_int_eq(s.kind, LISTEN_UNIX_ABSTRACT);
	ck_assert_str_eq(s.path, "bridge");
}
END_TEST

START_TEST(listen_rejected)
{
	struct listen_spec s;
	char longpath[200];
	const char *why;

	ck_assert_int_eq(parse_listen_address("127.0.0.1", &s, &why), -1);
	ck_assert_str_eq(why, "missing :PORT");
	ck_assert_int_eq(parse_listen_address("127.0.0.1:99999", &s, &why),
	    -1);
	ck_assert_str_eq(why, "port is too large");
	ck_assert_int_eq(parse_listen_address("127.0.0.1:http", &s, &why), -1);
	ck_assert_str_eq(why, "port is invalid");
	ck_assert_int_eq(parse_listen_address("127.0.0.1:-1", &s, &why), -1);
	ck_assert_str_eq(why, "port is too small");
	ck_assert_int_eq(parse_listen_address("[::1:80", &s, &why), -1);
	ck_assert_str_eq(why, "missing ] after IPv6 address");
	ck_assert_int_eq(parse_listen_address("[::1]80", &s, &why), -1);
	ck_assert_str_eq(why, "missing :PORT");
	ck_assert_int_eq(parse_listen_address("@", &s, &why), -1);
	ck_assert_str_eq(why, "empty socket name");
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	ck_assert_int_eq(parse_listen_address(longpath, &s, &why), -1);
	ck_assert_str_eq(why, "socket path is too long");
}
END_TEST

/* name N of LISTEN_FDNAMES, as a string */
static const char *
fd_name(const char *names, size_t index)
{
	static char buf[64];
	const char *name;
	size_t len;

	name = parse_fd_name(names, index, &len);
	ck_assert_uint_lt(len, sizeof(buf));
	memcpy(buf, name, len);
	buf[len] = '\0';
	return buf;
}

/* LISTEN_FDNAMES: colon separated; a missing or empty name is "unknown". */
START_TEST(fd_names_split)
{
	ck_assert_str_eq(fd_name("web:admin", 0), "web");
	ck_assert_str_eq(fd_name("web:admin", 1), "admin");
	ck_assert_str_eq(fd_name("web:admin", 2), "unknown");
	ck_assert_str_eq(fd_name("web::admin", 1), "unknown");
	ck_assert_str_eq(fd_name("web::admin", 2), "admin");
	ck_assert_str_eq(fd_name(":x", 0), "unknown");
	ck_assert_str_eq(fd_name("x:", 1), "unknown");
	ck_assert_str_eq(fd_name("", 0), "unknown");
	ck_assert_str_eq(fd_name(NULL, 0), "unknown");
	ck_assert_str_eq(fd_name(NULL, 5), "unknown");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("parse");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, number_in_range);
	tcase_add_test(tc, number_rejected);
	tcase_add_test(tc, fd_list_one_and_many);
	tcase_add_test(tc, fd_list_rejected);
	tcase_add_test(tc, listen_inet);
	tcase_add_test(tc, listen_port_is_the_number);
	tcase_add_test(tc, listen_unix);
	tcase_add_test(tc, listen_rejected);
	tcase_add_test(tc, fd_names_split);
	suite_add_tcase(s, tc);
	return check_run(s);
}
