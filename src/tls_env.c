/*
 * tls_env.c: what the handler is told about its TLS session.  The names
 * shared with the PROXY path (proxied.c) come first, then mod_ssl's names
 * for the client's certificate, which only a TLS end can give.  Every
 * value follows the PROXY path's rule: one with a control byte (a NUL
 * would cut it, a newline forge a line) is left out, as an empty one is.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "compat.h"
#include "tls_env.h"
#include "tls_vars.h"

struct blob {
	char	*p;
	size_t	 len, size;
};

static void	add(struct blob *, const char *, const char *, size_t);
static void	add_str(struct blob *, const char *, const char *);
static void	add_cert(struct blob *, X509 *);
static void	add_dn(struct blob *, const char *, const X509_NAME *);
static void	add_cn(struct blob *, const X509_NAME *);
static void	add_serial(struct blob *, X509 *);
static void	add_sha256(struct blob *, X509 *);
static int	named_in(const char *, const char *const *);

/* The session's variables in out; their length. */
size_t
tls_env_session(SSL *ssl, char *out, size_t size)
{
	struct blob b = { out, 0, size };
	const unsigned char *alpn;
	unsigned int alpnlen;
	X509 *peer;

	add_str(&b, "SSL_PROTOCOL", SSL_get_version(ssl));
	add_str(&b, "SSL_CIPHER", SSL_get_cipher_name(ssl));
	add_str(&b, "SSL_TLS_SNI_SERVERNAME",
	    SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name));
	SSL_get0_alpn_selected(ssl, &alpn, &alpnlen);
	add(&b, "PROXY_ALPN", (const char *)alpn, alpnlen);
	if ((peer = SSL_get0_peer_certificate(ssl)) == NULL)
		add_str(&b, "SSL_CLIENT_VERIFY", "NONE");
	else
		add_cert(&b, peer);
	return b.len;
}

/*
 * The handler's environment: base without any TLS name, then the
 * session's (len bytes of strings).  Allocated once; the process execs.
 */
char **
tls_env_handler(char *const *base, char *vars, size_t len)
{
	size_t n = 0, nvars = 0, i;
	char **env;

	for (i = 0; i < len; i += strlen(vars + i) + 1)
		nvars++;
	for (i = 0; base[i] != NULL; i++)
		;
	if ((env = reallocarray(NULL, i + nvars + 1, sizeof(*env))) == NULL)
		return NULL;
	for (i = 0; base[i] != NULL; i++)
		if (!named_in(base[i], tls_var_names))
			env[n++] = base[i];
	for (i = 0; i < len; i += strlen(vars + i) + 1)
		env[n++] = vars + i;
	env[n] = NULL;
	return env;
}

/* Only a verified certificate gets this far: a failed one is refused. */
static void
add_cert(struct blob *b, X509 *x)
{
	add_str(b, "SSL_CLIENT_VERIFY", "SUCCESS");
	add_cn(b, X509_get_subject_name(x));
	add_dn(b, "SSL_CLIENT_S_DN", X509_get_subject_name(x));
	add_dn(b, "SSL_CLIENT_I_DN", X509_get_issuer_name(x));
	add_serial(b, x);
	add_sha256(b, x);
}

/* RFC 2253, with its escapes (and non-ASCII bytes as \XX). */
static void
add_dn(struct blob *b, const char *name, const X509_NAME *dn)
{
	BIO *mem;
	char *text;
	long len;

	if ((mem = BIO_new(BIO_s_mem())) == NULL)
		return;
	if (X509_NAME_print_ex(mem, dn, 0, XN_FLAG_RFC2253) >= 0 &&
	    (len = BIO_get_mem_data(mem, &text)) > 0)
		add(b, name, text, len);
	BIO_free(mem);
}

/* The subject's (first) common name, in UTF-8, under both names. */
static void
add_cn(struct blob *b, const X509_NAME *dn)
{
	unsigned char *utf8;
	int i, len;

	if ((i = X509_NAME_get_index_by_NID(dn, NID_commonName, -1)) < 0)
		return;
	len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(
	    X509_NAME_get_entry(dn, i)));
	if (len < 0)
		return;
	add(b, "SSL_PEER_CERT_CN", (char *)utf8, len);
	add(b, "SSL_CLIENT_S_DN_CN", (char *)utf8, len);
	OPENSSL_free(utf8);
}

/* Upper-case hex, as mod_ssl gives it. */
static void
add_serial(struct blob *b, X509 *x)
{
	BIGNUM *bn;
	char *hex;

	if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL)) ==
	    NULL)
		return;
	if ((hex = BN_bn2hex(bn)) != NULL)
		add_str(b, "SSL_CLIENT_M_SERIAL", hex);
	OPENSSL_free(hex);
	BN_free(bn);
}

/* SHA-256 of the DER certificate, lower-case hex: what to match on. */
static void
add_sha256(struct blob *b, X509 *x)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	char hex[2 * EVP_MAX_MD_SIZE + 1];
	unsigned int len, i;

	if (X509_digest(x, EVP_sha256(), md, &len) != 1)
		return;
	for (i = 0; i < len; i++) {
		hex[2 * i] = "0123456789abcdef"[md[i] >> 4];
		hex[2 * i + 1] = "0123456789abcdef"[md[i] & 15];
	}
	add(b, "SSL_CLIENT_CERT_SHA256", hex, 2 * len);
}

static void
add_str(struct blob *b, const char *name, const char *value)
{
	if (value != NULL)
		add(b, name, value, strlen(value));
}

/* NAME=value and its NUL, if value is not empty, clean, and fits. */
static void
add(struct blob *b, const char *name, const char *value, size_t len)
{
	size_t i, nlen = strlen(name);

	if (len == 0 || b->len + nlen + 1 + len + 1 > b->size)
		return;
	for (i = 0; i < len; i++)
		if ((unsigned char)value[i] < 0x20 ||
		    (unsigned char)value[i] == 0x7f)
			return;
	memcpy(b->p + b->len, name, nlen);
	b->p[b->len + nlen] = '=';
	memcpy(b->p + b->len + nlen + 1, value, len);
	b->len += nlen + 1 + len;
	b->p[b->len++] = '\0';
}

static int
named_in(const char *entry, const char *const *names)
{
	size_t len = strcspn(entry, "=");

	for (; *names != NULL; names++)
		if (strlen(*names) == len && strncmp(entry, *names, len) == 0)
			return 1;
	return 0;
}
