/*
 * handler: the benchmark's inetd-style handler, the same binary under every
 * server.  Reads the client's line (up to and including the first newline,
 * end of input, or 1024 bytes) from stdin, writes a fixed reply to stdout,
 * exits 0.  bench/bench.sh sends "hello" and expects this reply.
 *
 * Deliberately tiny: plain read(2) and write(2), no stdio, no libbsd, so it
 * links statically and starts as fast as a program can; the servers, not
 * the handler, are what the benchmark measures.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#define REPLY	"I got your message: hello\n"

int
main(void)
{
	char buf[1024];
	size_t got = 0, off = 0, len = sizeof(REPLY) - 1;
	ssize_t n;

	while (got < sizeof(buf)) {
		n = read(STDIN_FILENO, buf + got, sizeof(buf) - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return 1;
		if (n == 0 || memchr(buf + got, '\n', n) != NULL)
			break;
		got += n;
	}
	while (off < len) {
		n = write(STDOUT_FILENO, REPLY + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return 1;
		off += n;
	}
	return 0;
}
