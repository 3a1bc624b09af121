/*
 * proxy_header.h: the PROXY protocol v1/v2 header (HAProxy's
 * doc/proxy-protocol.txt) read from the start of a connection.  Pure:
 * bytes in, a result out; no system calls, no allocation, no state.
 *
 * Reading it without blocking and without ever reading past it
 * ------------------------------------------------------------
 * The header has no fixed length (v1 is a line ending in CRLF, v2 says
 * its length in bytes 15-16) and TCP may deliver it in pieces, so the
 * caller keeps the bytes seen so far in buf[0..len) (room for max bytes)
 * and asks proxy_header_need() how many more it may read:
 *
 *	> 0	read at most this many more bytes: the header is at least
 *		len + n bytes long, so they cannot belong to the payload.
 *		len + n never exceeds max.
 *	0	buf[0..len) holds a whole header (and maybe payload after
 *		it): call proxy_header_parse(), which says how long it is.
 *	-1	not a valid header of an allowed version: refuse the
 *		connection and log *reason.  Decided as early as the bytes
 *		allow (an HTTP request fails on its first byte), and never
 *		reversed by more bytes: an invalid prefix stays invalid.
 *
 * Two ways to drive it, both byte-exact:
 *
 *  1. Exact reads (any stream: sockets, pipes, inetd's stdin).  Loop:
 *	n = need(); n > 0: read(fd, buf + len, n), len += what came (EAGAIN:
 *	wait for POLLIN; 0: the peer closed, "truncated").  The first call
 *	asks for 15 bytes (the shortest v1 line) or 16 (v2 only), then v2
 *	asks for exactly the rest, and v1, which has no length field, for
 *	what the shortest TCP4 (32) or TCP6 (22) line still needs, then
 *	for one byte at a time until LF, as s6's proxy-server reads.
 *
 *  2. Peek, then take (sockets; fewer system calls).  recv(fd, buf + len,
 *	max - len, MSG_PEEK) gives k bytes.  If need(buf, len + k) is 0,
 *	parse, then recv exactly length - len bytes; if it is > 0, all k
 *	bytes are header bytes, so recv those k and wait for POLLIN.  Never
 *	wait with peeked bytes left unread: the socket would stay readable
 *	and poll() would spin.
 *
 * Either way the bytes after the header stay in the socket for the
 * handler.  The caller owns the deadline (the spec says at least 3 s)
 * and says "truncated" itself when the peer closes mid-header.
 *
 * What the result means
 * ---------------------
 * local is set when the real endpoints (getpeername/getsockname) stand:
 * v1 UNKNOWN (short or long form), v2 LOCAL (whatever its family and
 * length: AWS NLB health checks send LOCAL with TCPv4 and dummy
 * addresses, and all of its length is skipped), v2 PROXY UNSPEC, and
 * v2 PROXY UNIX stream.  UNIX: the spec lets a receiver fall back to
 * UNSPEC for what it does not support, and a path on the proxy's host
 * means nothing here, so the paths are not exported (s6's proxy-server
 * sets IPCREMOTEPATH; we do not); its TLVs are still read and checked.
 * Otherwise src and dst are AF_INET or AF_INET6 with ports.
 *
 * TLVs (v2 PROXY only; a LOCAL or UNSPEC block is skipped unread): each
 * must fit in the header, and the header must end on a TLV boundary.
 * Unknown types, NOOP and the vendor ranges are skipped.  CRC32C, if
 * present, must be 4 bytes and match (RFC 4960 appendix B, over the
 * whole header with the field zeroed, stored in network order).  The
 * SSL TLV is client (1 byte), verify (4 bytes), then sub-TLVs, read only
 * when client has PROXY_SSL_CLIENT_SSL.  A second copy of any type read
 * here (ALPN, AUTHORITY, CRC32C, UNIQUE_ID, SSL, and the SSL sub-types
 * VERSION, CN, CIPHER) makes the header invalid: which one counts would
 * be a guess.
 *
 * The values are meant for the handler's environment (ALPN ->
 * PROXY_ALPN, AUTHORITY -> SSL_TLS_SNI_SERVERNAME, UNIQUE_ID ->
 * PROXY_UNIQUE_ID, SSL_VERSION -> SSL_PROTOCOL, SSL_CN ->
 * SSL_PEER_CERT_CN, SSL_CIPHER -> SSL_CIPHER; the SSL TLV's client bits
 * and verify word -> SSL_CLIENT_VERIFY, in proxied.c).  They are copied into
 * the result, NUL-terminated, so the result outlives buf.  A value
 * longer than its buffer, or holding a byte below 0x20 or 0x7f (NUL
 * would truncate it, a newline would forge lines in whatever the handler
 * writes), is not copied: its field stays empty and its PROXY_DROP_ bit
 * is set in dropped, and the header is still valid, because these values
 * (SNI, a client certificate's CN) come from the client, not the proxy.
 * Bytes from 0x80 up (UTF-8) are kept.  An empty field means "absent".
 */
#ifndef SOCKBRIDGE_PROXY_HEADER_H
#define SOCKBRIDGE_PROXY_HEADER_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

/* versions: which headers are accepted (--proxy-protocol[=v1|v2]) */
#define PROXY_V1		0x01
#define PROXY_V2		0x02
#define PROXY_ANY		(PROXY_V1 | PROXY_V2)	/* also what 0 means */

/* max: the cap on a header's total size; 0 means the default */
#define PROXY_HEADER_MAX_DEFAULT 4096	/* nginx's cap */
#define PROXY_HEADER_MAX_MIN	232	/* v2 UNIX addresses, no TLVs */
#define PROXY_HEADER_MAX_LIMIT	65551	/* 16 + 65535 */
#define PROXY_V1_MAX		107	/* the longest v1 line, with CRLF */

/* The longest value copied from each TLV (without the NUL). */
#define PROXY_ALPN_MAX		255	/* RFC 7301: 1..255 bytes */
#define PROXY_AUTHORITY_MAX	255	/* a host name */
#define PROXY_UNIQUE_ID_MAX	128	/* the spec's limit */
#define PROXY_SSL_VERSION_MAX	63	/* "TLSv1.3" */
#define PROXY_SSL_CN_MAX	255	/* 64 characters of UTF-8, and more */
#define PROXY_SSL_CIPHER_MAX	127	/* "ECDHE-RSA-AES128-GCM-SHA256" */

/* proxy_result.dropped: values found but not copied (see above) */
#define PROXY_DROP_ALPN		0x01
#define PROXY_DROP_AUTHORITY	0x02
#define PROXY_DROP_UNIQUE_ID	0x04
#define PROXY_DROP_SSL_VERSION	0x08
#define PROXY_DROP_SSL_CN	0x10
#define PROXY_DROP_SSL_CIPHER	0x20

/* proxy_result.ssl_client bits (the spec's PP2_CLIENT_*) */
#define PROXY_SSL_CLIENT_SSL	0x01
#define PROXY_SSL_CLIENT_CERT_CONN 0x02
#define PROXY_SSL_CLIENT_CERT_SESS 0x04

/* The reason the caller logs itself when the peer closes mid-header. */
#define PROXY_REASON_TRUNCATED	"truncated"

struct proxy_result {
	size_t		length;		/* header bytes: consume exactly these */
	int		version;	/* 1 or 2 */
	int		local;		/* keep the real endpoints */
	const char     *what;		/* TCP4 TCP6 UNKNOWN LOCAL UNSPEC UNIX */
	struct sockaddr_storage src;	/* the client, when !local */
	struct sockaddr_storage dst;	/* the address it connected to */

	int		crc32c;		/* a CRC32C TLV was there and matched */
	int		ssl;		/* an SSL TLV was there */
	unsigned int	ssl_client;	/* its PROXY_SSL_CLIENT_ bits */
	uint32_t	ssl_verify;	/* 0: a client certificate verified */
	unsigned int	dropped;	/* PROXY_DROP_ bits */
	char		alpn[PROXY_ALPN_MAX + 1];
	char		authority[PROXY_AUTHORITY_MAX + 1];
	char		unique_id[PROXY_UNIQUE_ID_MAX + 1];
	char		ssl_version[PROXY_SSL_VERSION_MAX + 1];
	char		ssl_cn[PROXY_SSL_CN_MAX + 1];
	char		ssl_cipher[PROXY_SSL_CIPHER_MAX + 1];
};

/*
 * Both return -1 with *reason set to one of these words (no spaces, so
 * it logs as one field, e.g. "proxy-error remote=PEER reason=bad-crc32c"):
 *
 *	bad-signature	neither "PROXY " nor the v2 signature
 *	v1-not-allowed	a v1 line, but only v2 is accepted
 *	v2-not-allowed	a v2 header, but only v1 is accepted
 *	bad-v1-line	not "PROXY TCP4|TCP6|UNKNOWN ...", a space too many
 *			or too few, a CR or LF alone, something after dport
 *	v1-too-long	no CRLF in the first 107 bytes
 *	bad-address	not an IPv4 (no leading zeros) or IPv6 address
 *	bad-port	not 0..65535 in decimal without leading zeros
 *	bad-version	v2 with a version other than 2
 *	bad-command	v2 with a command other than LOCAL or PROXY
 *	bad-family	v2 PROXY with a family byte the spec does not list
 *	dgram		v2 PROXY for a UDP or unix datagram connection
 *	too-big		v2 longer than max
 *	bad-length	v2 address block shorter than its family needs
 *	bad-tlv		a TLV runs past the header, a CRC32C or SSL TLV of
 *			the wrong size, a type read here given twice
 *	bad-crc32c	the CRC32C TLV does not match
 *	truncated	(parse only) buf ends before the header does
 */
int	proxy_header_need(const unsigned char *buf, size_t len, int versions,
	    size_t max, const char **reason);

/*
 * Returns the header's length (also in out->length, at most len), or -1.
 * Reads nothing past the header, so what follows it in buf is irrelevant.
 */
int	proxy_header_parse(const unsigned char *buf, size_t len, int versions,
	    size_t max, struct proxy_result *out, const char **reason);

/*
 * CRC32C (Castagnoli, reflected 0x82F63B78), zlib style: start with 0
 * and pass the previous result to continue.  "123456789" -> 0xE3069283.
 */
uint32_t proxy_crc32c(uint32_t crc, const unsigned char *p, size_t n);

#endif
