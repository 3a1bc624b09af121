/*
 * bench/tlsload: the TLS load for bench/tls.sh.  THREADS threads, each one
 * connection at a time to 127.0.0.1:PORT for SECONDS: a TLS 1.3
 * handshake (no session resumption: every connection is new), "hello\n",
 * the whole reply up to the server's close, checked.  Prints
 * "ok=N failed=N seconds=S".  With -d, one connection that only reads,
 * and prints "bytes=N seconds=S" (the relay's throughput).  With -k N,
 * opens N connections, says "held", and keeps them until stdin closes.
 *
 *   tlsload -p PORT [-t THREADS] [-s SECONDS] [-e REPLY] [-d] [-k N]
 */
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <err.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ssl.h>

static SSL_CTX	*ctx;
static int	 port, seconds = 1;
static const char *reply = "I got your message: hello\n";
static double	 stop_at;
static long	 nok, nfailed;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static SSL *
dial(int *fdp)
{
	struct sockaddr_in sin;
	SSL *ssl;
	int fd;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return NULL;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    (ssl = SSL_new(ctx)) == NULL) {
		close(fd);
		return NULL;
	}
	SSL_set_fd(ssl, fd);
	SSL_set_tlsext_host_name(ssl, "localhost");
	if (SSL_connect(ssl) != 1) {
		SSL_free(ssl);
		close(fd);
		return NULL;
	}
	*fdp = fd;
	return ssl;
}

static int
one(void)
{
	char buf[256];
	size_t have = 0;
	SSL *ssl;
	int fd, n, ok;

	if ((ssl = dial(&fd)) == NULL)
		return 0;
	SSL_write(ssl, "hello\n", 6);
	while (have < sizeof(buf) - 1 &&
	    (n = SSL_read(ssl, buf + have, sizeof(buf) - 1 - have)) > 0)
		have += n;
	buf[have] = '\0';
	ok = strcmp(buf, reply) == 0;
	SSL_shutdown(ssl);
	SSL_free(ssl);
	close(fd);
	return ok;
}

static void *
worker(void *arg)
{
	long ok = 0, failed = 0;

	(void)arg;
	while (now() < stop_at) {
		if (one())
			ok++;
		else
			failed++;
	}
	pthread_mutex_lock(&lock);
	nok += ok;
	nfailed += failed;
	pthread_mutex_unlock(&lock);
	return NULL;
}

static void
download(void)
{
	static char buf[1 << 16];
	double t0 = now();
	long long bytes = 0;
	SSL *ssl;
	int fd, n;

	if ((ssl = dial(&fd)) == NULL)
		errx(1, "cannot connect");
	SSL_write(ssl, "hello\n", 6);
	while ((n = SSL_read(ssl, buf, sizeof(buf))) > 0)
		bytes += n;
	printf("bytes=%lld seconds=%.3f\n", bytes, now() - t0);
	SSL_free(ssl);
	close(fd);
}

static void
hold(int n)
{
	char c;
	int i, fd;

	for (i = 0; i < n; i++)
		if (dial(&fd) == NULL)
			errx(1, "connection %d failed", i);
	printf("held\n");
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
}

int
main(int argc, char *argv[])
{
	pthread_t t[256];
	int ch, i, threads = 4, down = 0, keep = 0;
	double t0;

	while ((ch = getopt(argc, argv, "de:k:p:s:t:")) != -1) {
		switch (ch) {
		case 'd': down = 1; break;
		case 'e': reply = optarg; break;
		case 'k': keep = atoi(optarg); break;
		case 'p': port = atoi(optarg); break;
		case 's': seconds = atoi(optarg); break;
		case 't': threads = atoi(optarg); break;
		default: errx(2, "usage: tlsload -p PORT [-t N] [-s S] [-d] [-k N]");
		}
	}
	if (port <= 0 || threads < 1 || threads > 256)
		errx(2, "bad -p or -t");
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		errx(1, "SSL_CTX_new");
	SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	if (down) {
		download();
		return 0;
	}
	if (keep) {
		hold(keep);
		return 0;
	}
	t0 = now();
	stop_at = t0 + seconds;
	for (i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	printf("ok=%ld failed=%ld seconds=%.3f\n", nok, nfailed, now() - t0);
	return nfailed != 0;
}
