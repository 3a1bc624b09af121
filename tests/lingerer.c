/*
 * lingerer: the handler of tests/linger.test.  Reads one line from the
 * client, waits until more input has come (the client's second line),
 * answers "reply: " and the first line, and exits without reading the
 * rest: the unread input that makes a close reset the connection.
 */
#include <poll.h>
#include <string.h>
#include <unistd.h>

int
main(void)
{
	struct pollfd pfd = { .fd = 0, .events = POLLIN };
	char line[256] = "reply: ";
	size_t n = strlen(line);

	/* one byte at a time: the second line stays unread */
	while (n < sizeof(line) - 1 && read(0, line + n, 1) == 1)
		if (line[n++] == '\n')
			break;
	if (poll(&pfd, 1, -1) == -1)
		return 1;
	return write(1, line, n) == (ssize_t)n ? 0 : 1;
}
