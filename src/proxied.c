/*
 * proxied.c: the environment of a handler whose client came through a
 * balancer that sent a PROXY header.  The client's own addresses are in
 * the usual UCSPI variables (conn.c, from the header); here is what the
 * balancer adds.  An empty TLV value means the header had none.
 *
 * SSL_CLIENT_VERIFY takes mod_ssl's words from the SSL TLV, for a client
 * that came over TLS (PP2_CLIENT_SSL): a certificate (the _CERT_CONN or
 * _CERT_SESS flag) whose verify word is 0 is SUCCESS, one whose word is
 * not 0 is FAILED (mod_ssl's "FAILED:reason"; the header gives no
 * reason), no certificate flag is NONE.  Without an SSL TLV, or for a
 * client that came in cleartext, it is not set, as mod_ssl sets no SSL_
 * variable without TLS.
 */
#include "config.h"

#include <stdio.h>

#include "proxied.h"

/* Every name proxied_vars may set: the environment drops stale copies. */
const char *const proxied_var_names[] = {
	"PROXYREMOTEIP", "PROXYREMOTEPORT", "PROXY_ALPN", "PROXY_UNIQUE_ID",
	"SSL_TLS_SNI_SERVERNAME", "SSL_PROTOCOL", "SSL_PEER_CERT_CN",
	"SSL_CIPHER", "SSL_CLIENT_VERIFY", NULL
};

static void	add(struct proxied *, const char *, const char *);
static const char *verify_word(const struct proxy_result *);

/* balancer: the socket's peer, described as a client would be. */
void
proxied_vars(const struct conn_info *balancer, const struct proxy_result *hdr,
    struct proxied *out)
{
	out->nvars = 0;
	add(out, "PROXYREMOTEIP", balancer->remote_ip);
	add(out, "PROXYREMOTEPORT", balancer->remote_port);
	add(out, "PROXY_ALPN", hdr->alpn);
	add(out, "PROXY_UNIQUE_ID", hdr->unique_id);
	add(out, "SSL_TLS_SNI_SERVERNAME", hdr->authority);
	add(out, "SSL_PROTOCOL", hdr->ssl_version);
	add(out, "SSL_PEER_CERT_CN", hdr->ssl_cn);
	add(out, "SSL_CIPHER", hdr->ssl_cipher);
	add(out, "SSL_CLIENT_VERIFY", verify_word(hdr));
}

/* mod_ssl's word for the SSL TLV's client certificate; "": none to set. */
static const char *
verify_word(const struct proxy_result *hdr)
{
	if (!hdr->ssl || !(hdr->ssl_client & PROXY_SSL_CLIENT_SSL))
		return "";
	if (!(hdr->ssl_client & (PROXY_SSL_CLIENT_CERT_CONN |
	    PROXY_SSL_CLIENT_CERT_SESS)))
		return "NONE";
	return hdr->ssl_verify == 0 ? "SUCCESS" : "FAILED";
}

static void
add(struct proxied *out, const char *name, const char *value)
{
	if (*value == '\0' || out->nvars == PROXIED_MAX_VARS)
		return;
	snprintf(out->vars[out->nvars], sizeof(out->vars[0]), "%s=%s", name,
	    value);
	out->var[out->nvars] = out->vars[out->nvars];
	out->nvars++;
}
