/*
 * tls_ctx.c: the TLS context of one connection, made once the
 * ClientHello's first bytes are in.  The certificate is the one for the
 * server name the peek found (tls_name.c), read from its files now, so a
 * renewal takes effect at the next connection; the key is read while
 * still privileged and must be hidden from the handler (tls_keys.c).
 * No openssl.cnf is read: a fresh process pays for every byte of set-up,
 * and this one needs nothing from it; the protocol floor and security
 * level Debian's openssl.cnf sets are set here instead.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "compat.h"
#include "tls_ctx.h"
#include "tls_keys.h"
#include "tls_log.h"
#include "tls_name.h"

#define PEM_FILE_MAX	(1024 * 1024)

static int	pick(const struct tls_options *, int, const struct hello *,
		    char *, int *, int *, struct tls_refusal *);
static int	load_pair(SSL_CTX *, int, int, struct tls_refusal *);
static int	use_pem(SSL_CTX *, int, int);
static BIO     *read_file(int);
static int	set_verify(SSL_CTX *, const struct tls_options *);
static int	alpn_select(SSL *, const unsigned char **, unsigned char *,
		    const unsigned char *, unsigned int, void *);
static void	refuse(struct tls_refusal *, const char *, int);

void
tls_ctx_init(void)
{
	if (!OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_CONFIG |
	    OPENSSL_INIT_NO_ATEXIT, NULL)) {
		tls_log("OpenSSL could not be initialised");
		exit(EXIT_TEMPFAIL);
	}
}

/*
 * The context for a client whose ClientHello said hello; dirfd is
 * --cert-dir's, or -1.  NULL with why filled in when the client is refused
 * or the files cannot be read.
 */
SSL_CTX *
tls_ctx_new(const struct tls_options *o, int dirfd, const struct hello *hello,
    struct tls_refusal *why)
{
	char name[TLS_NAME_SIZE];
	int certfd, keyfd, tries, r;
	SSL_CTX *ctx;

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		refuse(why, "no-memory", EXIT_TEMPFAIL);
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, o->min_version);
	SSL_CTX_set_security_level(ctx, 2);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET |
	    SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_num_tickets(ctx, 0);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	if (o->alpn_len > 0)
		SSL_CTX_set_alpn_select_cb(ctx, alpn_select, (void *)o);
	/*
	 * certbot replaces its links one at a time: a key that does not
	 * match its certificate is looked up and read once more.
	 */
	for (tries = 0, r = -2; tries < 2 && r == -2; tries++) {
		if (pick(o, dirfd, hello, name, &certfd, &keyfd, why) == -1)
			goto fail;
		r = load_pair(ctx, certfd, keyfd, why);
		close(certfd);
		if (keyfd != certfd)
			close(keyfd);
	}
	if (r != 0)
		goto fail;
	if (o->sni_strict &&
	    X509_check_host(SSL_CTX_get0_certificate(ctx), name, 0, 0,
	    NULL) != 1) {
		refuse(why, "name-not-served", EXIT_TLS_REFUSED);
		goto fail;
	}
	if (o->ca != NULL && set_verify(ctx, o) == -1) {
		refuse(why, "bad-ca-or-crl", EXIT_TEMPFAIL);
		goto fail;
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

/*
 * For --check: the pair in --cert-dir's entry NAME loads and matches.
 * 0 yes; 1 NAME holds no fullchain.pem (certbot's README, say): nothing
 * to check; -1 no, with why filled in.
 */
int
tls_ctx_check_pair(int dirfd, const char *name, struct tls_refusal *why)
{
	char path[TLS_NAME_PATH_SIZE + 256];
	int certfd, keyfd, r;
	SSL_CTX *ctx;

	snprintf(path, sizeof(path), "%s/%s", name, TLS_NAME_CERT);
	if ((certfd = openat(dirfd, path, O_RDONLY | O_CLOEXEC)) == -1)
		return 1;
	snprintf(path, sizeof(path), "%s/%s", name, TLS_NAME_KEY);
	if ((keyfd = openat(dirfd, path, O_RDONLY | O_CLOEXEC)) == -1)
		keyfd = certfd;
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		refuse(why, "no-memory", EXIT_TEMPFAIL);
		r = -1;
	} else
		r = load_pair(ctx, certfd, keyfd, why) == 0 ? 0 : -1;
	SSL_CTX_free(ctx);
	close(certfd);
	if (keyfd != certfd)
		close(keyfd);
	return r;
}

/*
 * Open the certificate and key files for the name: --cert-dir's NAME,
 * then its "*." parent, else the default (--cert, --key); the key is in
 * the certificate's file when there is no key file.  name gets the clean
 * name, or "".  With --sni-strict a client without a good name is refused
 * here; whether the certificate covers it is checked once it is read.
 */
static int
pick(const struct tls_options *o, int dirfd, const struct hello *hello,
    char *name, int *certfd, int *keyfd, struct tls_refusal *why)
{
	char path[TLS_NAME_PATH_SIZE];
	int wild, clean;

	clean = hello->has_name && !hello->name_too_long &&
	    tls_name_clean(hello->name, hello->namelen, name) == 0;
	if (!clean)
		*name = '\0';
	if (o->sni_strict && !clean) {
		refuse(why, hello->has_name ? "bad-name" : "no-name",
		    EXIT_TLS_REFUSED);
		return -1;
	}
	*certfd = *keyfd = -1;
	for (wild = 0; clean && dirfd != -1 && wild <= 1; wild++) {
		if (tls_name_paths(name, wild, TLS_NAME_CERT, path,
		    sizeof(path)) == -1)
			continue;
		if ((*certfd = openat(dirfd, path, O_RDONLY | O_CLOEXEC)) ==
		    -1)
			continue;
		tls_name_paths(name, wild, TLS_NAME_KEY, path, sizeof(path));
		if ((*keyfd = openat(dirfd, path, O_RDONLY | O_CLOEXEC)) == -1)
			*keyfd = *certfd;
		break;
	}
	if (*certfd == -1) {
		if (o->cert == NULL) {
			refuse(why, "name-not-served", EXIT_TLS_REFUSED);
			return -1;
		}
		if ((*certfd = open(o->cert, O_RDONLY | O_CLOEXEC)) == -1) {
			refuse(why, "no-certificate", EXIT_TEMPFAIL);
			return -1;
		}
		*keyfd = *certfd;
		if (o->key != NULL &&
		    (*keyfd = open(o->key, O_RDONLY | O_CLOEXEC)) == -1) {
			close(*certfd);
			refuse(why, "no-key", EXIT_TEMPFAIL);
			return -1;
		}
	}
	return 0;
}

/* The chain and the key: 0, -1, or -2 when they do not match. */
static int
load_pair(SSL_CTX *ctx, int certfd, int keyfd, struct tls_refusal *why)
{
	int r;

	if (!tls_key_hidden(keyfd)) {
		refuse(why, "key-readable-by-handler", EXIT_TEMPFAIL);
		return -1;
	}
	if ((r = use_pem(ctx, certfd, keyfd)) == 0 &&
	    SSL_CTX_check_private_key(ctx) == 1)
		return 0;
	ERR_clear_error();
	refuse(why, r == -1 ? "bad-certificate-or-key" : "key-does-not-match",
	    EXIT_TEMPFAIL);
	return r == -1 ? -1 : -2;
}

/* 0; -1 when a file holds no certificate or key; -2 when they differ. */
static int
use_pem(SSL_CTX *ctx, int certfd, int keyfd)
{
	EVP_PKEY *key = NULL;
	X509 *x = NULL, *ca;
	BIO *b;
	int r = -1;

	if ((b = read_file(certfd)) == NULL)
		goto done;
	if ((x = PEM_read_bio_X509_AUX(b, NULL, NULL, NULL)) == NULL ||
	    SSL_CTX_use_certificate(ctx, x) != 1)
		goto done;
	SSL_CTX_clear_chain_certs(ctx);
	while ((ca = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
		if (SSL_CTX_add0_chain_cert(ctx, ca) != 1) {
			X509_free(ca);
			goto done;
		}
	ERR_clear_error();	/* the end of the file */
	/* the key's file from its start, be it the same one */
	BIO_free(b);
	if ((b = read_file(keyfd)) == NULL ||
	    (key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL)) == NULL)
		goto done;
	r = SSL_CTX_use_PrivateKey(ctx, key) == 1 ? 0 : -2;
done:
	X509_free(x);
	EVP_PKEY_free(key);
	BIO_free(b);
	return r;
}

/* The whole file from its start, as a memory BIO: one read, no stdio. */
static BIO *
read_file(int fd)
{
	struct stat st;
	char *buf;
	ssize_t n;
	size_t have = 0;
	BIO *b;

	if (fstat(fd, &st) == -1 || st.st_size <= 0 ||
	    st.st_size > PEM_FILE_MAX ||
	    (buf = malloc(st.st_size)) == NULL)
		return NULL;
	while (have < (size_t)st.st_size) {
		n = pread(fd, buf + have, st.st_size - have, have);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += n;
	}
	b = have > 0 ? BIO_new(BIO_s_mem()) : NULL;
	if (b != NULL && BIO_write(b, buf, (int)have) != (int)have) {
		BIO_free(b);
		b = NULL;
	}
	free(buf);
	return b;
}

/*
 * --ca (that file only, never the system's paths), --crl, and
 * --verify-client: "optional" takes a client without a certificate, as
 * HAProxy and mod_ssl do; a certificate that fails is refused either way.
 */
static int
set_verify(SSL_CTX *ctx, const struct tls_options *o)
{
	STACK_OF(X509_NAME) *names;
	X509_STORE *store;
	X509_CRL *crl;
	BIO *b;
	int fd;

	if (SSL_CTX_load_verify_locations(ctx, o->ca, NULL) != 1)
		return -1;
	if ((names = SSL_load_client_CA_file(o->ca)) != NULL)
		SSL_CTX_set_client_CA_list(ctx, names);
	if (o->crl != NULL) {
		store = SSL_CTX_get_cert_store(ctx);
		if ((fd = open(o->crl, O_RDONLY | O_CLOEXEC)) == -1)
			return -1;
		b = read_file(fd);
		close(fd);
		if (b == NULL)
			return -1;
		while ((crl = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL)) !=
		    NULL) {
			X509_STORE_add_crl(store, crl);
			X509_CRL_free(crl);
		}
		ERR_clear_error();
		BIO_free(b);
		X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
	    (o->verify == VERIFY_REQUIRE ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
	    NULL);
	return 0;
}

/*
 * The first of --alpn's names the client offers too; a client that
 * offers only others gets no_application_protocol (RFC 7301 3.2).
 */
static int
alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned int inlen, void *arg)
{
	const struct tls_options *o = arg;
	unsigned char *sel;

	(void)ssl;
	if (SSL_select_next_proto(&sel, outlen, o->alpn, o->alpn_len, in,
	    inlen) != OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	*out = sel;
	return SSL_TLSEXT_ERR_OK;
}

static void
refuse(struct tls_refusal *why, const char *reason, int status)
{
	why->reason = reason;
	why->status = status;
}
