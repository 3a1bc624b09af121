/*
 * proxied.c: the environment of a handler whose client came through a
 * balancer that sent a PROXY header.  The client's own addresses are in
 * the usual UCSPI variables (conn.c, from the header); here is what the
 * balancer adds.  An empty TLV value means the header had none.
 */
#include "config.h"

#include <stdio.h>

#include "proxied.h"

/* Every name proxied_vars may set: the environment drops stale copies. */
const char *const proxied_var_names[] = {
	"PROXYREMOTEIP", "PROXYREMOTEPORT", "PROXY_ALPN", "PROXY_UNIQUE_ID",
	"SSL_TLS_SNI_SERVERNAME", "SSL_PROTOCOL", "SSL_PEER_CERT_CN",
	"SSL_CIPHER", NULL
};

static void	add(struct proxied *, const char *, const char *);

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
