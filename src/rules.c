/*
 * rules.c: the access rules table (--allow, --deny, --rules FILE) and the
 * question asked of it once per connection: which rule covers this client?
 *
 * The longest matching prefix decides, whatever the order the rules were
 * given in, and a uid rule beats a gid rule.  Each family keeps its rules
 * in a path-compressed binary trie (a node only where rules branch or
 * end): a lookup follows the client's address down from the root, once,
 * and the last rule it passes is the longest prefix.  That is at most 33
 * or 129 steps whatever the number of rules, and about log2(rules) for a
 * client no long prefix covers.
 *
 * Nothing here prints or exits: a rules file that is wrong anywhere leaves
 * an error "FILE:LINE: reason" and a half-built table for the caller to
 * free, so a reload can keep the table it had.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vis.h>

#include "cidr.h"
#include "conn.h"
#include "proxied.h"
#include "rules.h"

/* Longest a word from the file may be when quoted in an error. */
#define QUOTE_MAX	40

#define STR(x)		#x
#define XSTR(x)		STR(x)

/*
 * A trie node: the network net, a rule for it or none (a branch point
 * only), and the longer networks under it, by their next bit.
 */
struct node {
	struct node		*child[2];
	struct cidr		net;
	struct rule		*rule;
};

struct rules {
	struct node		*root[CIDR_NFAMILIES];
	struct rule		**all;		/* in the order given */
	size_t			n, cap;
	char			**files;	/* the names rules point to */
	size_t			nfiles;
	size_t			nallow;
};

static int	add_rule(struct rules *, const struct cidr *, int, char **,
		    size_t, const char *, long, char *, size_t);
static struct rule **insert(struct node **, const struct cidr *);
static struct node *new_node(const struct cidr *, int);
static void	free_trie(struct node *);
static void	free_rule(struct rule *);
static const struct rule *find(const struct node *, const struct cidr *);
static int	parse_line(struct rules *, char *, const char *, long, char *,
		    size_t);
static int	parse_env(char **, size_t, char **, char *, size_t);
static int	read_line(FILE *, char *, size_t, const char **);
static int	valid_name(const char *, size_t);
static int	set_by_bridge(const char *, size_t);
static int	named(const char *const *, const char *, size_t);
static void	quote(char *, size_t, const char *);

/* An empty table, or NULL when out of memory. */
struct rules *
rules_new(void)
{
	return calloc(1, sizeof(struct rules));
}

void
rules_free(struct rules *r)
{
	size_t i;
	int f;

	if (r == NULL)
		return;
	for (f = 0; f < CIDR_NFAMILIES; f++)
		free_trie(r->root[f]);
	for (i = 0; i < r->n; i++)
		free_rule(r->all[i]);
	for (i = 0; i < r->nfiles; i++)
		free(r->files[i]);
	free(r->all);
	free(r->files);
	free(r);
}

static void
free_trie(struct node *n)
{
	if (n == NULL)
		return;
	free_trie(n->child[0]);
	free_trie(n->child[1]);
	free(n);
}

static void
free_rule(struct rule *rule)
{
	size_t i;

	for (i = 0; i < rule->nenv; i++)
		free(rule->env[i]);
	free(rule->env);
	free(rule);
}

/*
 * A rule from the command line: --allow CIDR (allow 1) or --deny CIDR.
 * Returns 0, or -1 with the reason in why.
 */
int
rules_add(struct rules *r, const char *text, int allow, char *why,
    size_t whylen)
{
	struct cidr c;

	if (cidr_parse(text, &c, why, whylen) == -1)
		return -1;
	return add_rule(r, &c, allow, NULL, 0, NULL, 0, why, whylen);
}

/*
 * Put a rule into the table, taking over env (NAME=VALUE strings) only
 * when it succeeds.  A second rule for the same network is an error: with
 * two, which one decides would depend on the order, and it must not.
 */
static int
add_rule(struct rules *r, const struct cidr *c, int allow, char **env,
    size_t nenv, const char *file, long line, char *why, size_t whylen)
{
	struct rule *rule, **slot, **all;
	const struct rule *first;

	if (r->n == r->cap) {
		all = reallocarray(r->all, r->cap ? r->cap * 2 : 16,
		    sizeof(*all));
		if (all == NULL)
			goto nomem;
		r->all = all;
		r->cap = r->cap ? r->cap * 2 : 16;
	}
	if ((slot = insert(&r->root[c->family], c)) == NULL)
		goto nomem;
	if ((first = *slot) != NULL) {
		if (first->file == NULL)
			snprintf(why, whylen, "duplicate rule for %s (first "
			    "given as --%s %s)", first->text, first->allow ?
			    "allow" : "deny", first->text);
		else if (first->file == file)
			snprintf(why, whylen, "duplicate rule for %s (first "
			    "at line %ld)", first->text, first->line);
		else
			snprintf(why, whylen, "duplicate rule for %s (first "
			    "at %s:%ld)", first->text, first->file,
			    first->line);
		return -1;
	}
	if ((rule = calloc(1, sizeof(*rule))) == NULL)
		goto nomem;
	rule->cidr = *c;
	rule->allow = allow;
	cidr_text(c, rule->text, sizeof(rule->text));
	rule->env = env;
	rule->nenv = nenv;
	rule->file = file;
	rule->line = line;
	*slot = rule;
	r->all[r->n++] = rule;
	if (allow)
		r->nallow++;
	return 0;
nomem:
	strlcpy(why, "out of memory", whylen);
	return -1;
}

/*
 * The trie node for network c, made (and the trie split above it) if
 * need be: returns where its rule goes, or NULL when out of memory.  A
 * node made for nothing stays, harmless: an empty branch point.
 */
static struct rule **
insert(struct node **link, const struct cidr *c)
{
	struct node *n, *up;
	int common;

	while ((n = *link) != NULL) {
		common = cidr_common(&n->net, c, n->net.len < c->len ?
		    n->net.len : c->len);
		if (common == n->net.len) {
			/* n is c, or a shorter network that holds it */
			if (n->net.len == c->len)
				return &n->rule;
			link = &n->child[cidr_bit(c, n->net.len)];
			continue;
		}
		/* c parts from n's path at bit common: a node goes there */
		if ((up = new_node(c, common)) == NULL)
			return NULL;
		up->child[cidr_bit(&n->net, common)] = n;
		*link = up;
		if (common == c->len)
			return &up->rule;	/* c holds n */
		link = &up->child[cidr_bit(c, common)];
	}
	if ((n = new_node(c, c->len)) == NULL)
		return NULL;
	*link = n;
	return &n->rule;
}

static struct node *
new_node(const struct cidr *c, int len)
{
	struct node *n;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
	cidr_mask(c, len, &n->net);
	return n;
}

/*
 * Add the rules of a file: "CIDR allow|deny [NAME=VALUE ...]" a line,
 * '#' comments, blank lines.  Returns 0, or -1 with "FILE:LINE: reason"
 * (or "FILE: reason") in err, leaving the table partly filled: the caller
 * frees it and keeps the table it had.
 */
int
rules_load_file(struct rules *r, const char *path, char *err,
    size_t errlen)
{
	FILE *fp;
	int rv;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	rv = rules_load_stream(r, fp, path, err, errlen);
	fclose(fp);
	return rv;
}

/*
 * As rules_load_file, for SIGHUP, inside the serving loop: opening must
 * not wait (a FIFO put in the file's place would block open until a
 * writer comes, and the loop with it), and only a regular file is read (a
 * FIFO or a device could block or never end).  At start-up a pipe is
 * fine (--rules <(...)): rules_load_file reads it.
 */
int
rules_reload_file(struct rules *r, const char *path, char *err,
    size_t errlen)
{
	struct stat st;
	FILE *fp;
	int fd, rv;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file, not read again",
		    path);
		close(fd);
		return -1;
	}
	if ((fp = fdopen(fd, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	rv = rules_load_stream(r, fp, path, err, errlen);
	fclose(fp);
	return rv;
}

/* As rules_load_file, from an open stream, with name for the messages. */
int
rules_load_stream(struct rules *r, FILE *fp, const char *name, char *err,
    size_t errlen)
{
	char buf[RULES_LINE_MAX + 1], why[512], *copy, **files;
	const char *what;
	long line = 0;
	int got;

	files = reallocarray(r->files, r->nfiles + 1, sizeof(*files));
	if (files == NULL || (copy = strdup(name)) == NULL) {
		if (files != NULL)
			r->files = files;
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	r->files = files;
	r->files[r->nfiles++] = copy;
	for (;;) {
		line++;
		if ((got = read_line(fp, buf, sizeof(buf), &what)) == 0)
			return 0;
		if (got == -1 && ferror(fp)) {
			snprintf(err, errlen, "%s: %s", name, what);
			return -1;
		}
		if (got == -1) {
			snprintf(err, errlen, "%s:%ld: %s", name, line, what);
			return -1;
		}
		if (parse_line(r, buf, copy, line, why, sizeof(why)) == -1) {
			snprintf(err, errlen, "%s:%ld: %s", name, line, why);
			return -1;
		}
	}
}

/*
 * One line, without its newline (nor a CR before it), into buf.  Returns
 * 1, 0 at the end of the file, or -1 with *why set.  A line is never cut
 * short silently: one that does not fit, or holds a NUL that would end
 * the string early, is an error.
 */
static int
read_line(FILE *fp, char *buf, size_t size, const char **why)
{
	size_t len = 0;
	int ch;

	for (;;) {
		ch = getc(fp);
		if (ch == EOF && ferror(fp)) {
			*why = strerror(errno);
			return -1;
		}
		if (ch == EOF && len == 0)
			return 0;
		if (ch == EOF || ch == '\n')
			break;
		if (ch == '\0') {
			*why = "NUL byte in the line";
			return -1;
		}
		if (len == size - 1) {
			*why = "line too long (more than " XSTR(RULES_LINE_MAX)
			    " bytes)";
			return -1;
		}
		buf[len++] = ch;
	}
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	buf[len] = '\0';
	return 1;
}

/*
 * "CIDR allow|deny [NAME=VALUE ...]", words separated by blanks; a word
 * that starts with '#' starts a comment.  VALUE runs to the next blank
 * and may be empty.
 */
static int
parse_line(struct rules *r, char *line, const char *file, long lineno,
    char *why, size_t whylen)
{
	char *words[RULES_LINE_MAX / 2 + 2], *p, **env, q[4 * QUOTE_MAX + 1];
	struct cidr c;
	size_t n = 0, nenv, i;
	int allow;

	for (p = line; *p != '\0'; p++)
		if ((iscntrl((unsigned char)*p) && *p != '\t')) {
			snprintf(why, whylen, "control character \\%03o",
			    (unsigned char)*p);
			return -1;
		}
	while ((p = strsep(&line, " \t")) != NULL) {
		if (*p == '#')
			break;
		if (*p != '\0')
			words[n++] = p;
	}
	if (n == 0)
		return 0;
	if (cidr_parse(words[0], &c, why, whylen) == -1)
		return -1;
	if (n == 1) {
		strlcpy(why, "allow or deny is missing", whylen);
		return -1;
	}
	if (strcmp(words[1], "allow") != 0 && strcmp(words[1], "deny") != 0) {
		quote(q, sizeof(q), words[1]);
		snprintf(why, whylen, "expected allow or deny, not \"%s\"", q);
		return -1;
	}
	allow = strcmp(words[1], "allow") == 0;
	nenv = n - 2;
	if (nenv > 0 && !allow) {
		strlcpy(why, "NAME=VALUE on a deny rule: a denied client "
		    "runs no handler", whylen);
		return -1;
	}
	env = NULL;
	if (nenv > 0) {
		if ((env = calloc(nenv, sizeof(*env))) == NULL) {
			strlcpy(why, "out of memory", whylen);
			return -1;
		}
		if (parse_env(words + 2, nenv, env, why, whylen) == -1 ||
		    add_rule(r, &c, allow, env, nenv, file, lineno, why,
		    whylen) == -1) {
			for (i = 0; i < nenv; i++)
				free(env[i]);
			free(env);
			return -1;
		}
		return 0;
	}
	return add_rule(r, &c, allow, NULL, 0, file, lineno, why, whylen);
}

/* Check and copy the NAME=VALUE words of an allow rule into env. */
static int
parse_env(char **words, size_t n, char **env, char *why, size_t whylen)
{
	char q[4 * QUOTE_MAX + 1];
	size_t i, j, len;
	const char *eq;

	for (i = 0; i < n; i++) {
		quote(q, sizeof(q), words[i]);
		if ((eq = strchr(words[i], '=')) == NULL) {
			snprintf(why, whylen, "\"%s\" is not NAME=VALUE", q);
			return -1;
		}
		len = eq - words[i];
		if (!valid_name(words[i], len)) {
			snprintf(why, whylen, "invalid variable name in "
			    "\"%s\"", q);
			return -1;
		}
		if (set_by_bridge(words[i], len)) {
			snprintf(why, whylen, "%.*s is set by sockbridge "
			    "for each client", (int)len, words[i]);
			return -1;
		}
		for (j = 0; j < i; j++)
			if (strncmp(env[j], words[i], len + 1) == 0) {
				snprintf(why, whylen, "%.*s is given twice",
				    (int)len, words[i]);
				return -1;
			}
		if ((env[i] = strdup(words[i])) == NULL) {
			strlcpy(why, "out of memory", whylen);
			return -1;
		}
	}
	return 0;
}

/* [A-Za-z_][A-Za-z0-9_]*, as a shell can name it. */
static int
valid_name(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || isdigit((unsigned char)s[0]))
		return 0;
	for (i = 0; i < len; i++)
		if (!isascii((unsigned char)s[i]) ||
		    (!isalnum((unsigned char)s[i]) && s[i] != '_'))
			return 0;
	return 1;
}

/*
 * A rule must not pass off its own value as the client's address, nor as
 * what its balancer's PROXY header said: the handler would get the name
 * twice, and which value it sees would depend on how it reads it.
 */
static int
set_by_bridge(const char *name, size_t len)
{
	return named(conn_var_names, name, len) ||
	    named(proxied_var_names, name, len);
}

/* Is the name of len bytes at name one of names? */
static int
named(const char *const *names, const char *name, size_t len)
{
	for (; *names != NULL; names++)
		if (strlen(*names) == len && strncmp(*names, name, len) == 0)
			return 1;
	return 0;
}

/* A word from the file, cut short and made safe for a log line. */
static void
quote(char *out, size_t size, const char *word)
{
	char cut[QUOTE_MAX + 1];

	strlcpy(cut, word, sizeof(cut));
	strnvis(out, cut, size, VIS_OCTAL | VIS_CSTYLE | VIS_NL | VIS_TAB |
	    VIS_DQ);
}

/*
 * The rule that covers a client, or NULL when none does.  remote is an
 * IP client's address (an IPv4-mapped one matches IPv4 rules); for a unix
 * client its peer's uid and gid decide (-1: unknown), the uid first.
 */
const struct rule *
rules_match(const struct rules *r, const struct sockaddr_storage *remote,
    long uid, long gid)
{
	const struct rule *rule = NULL;
	struct cidr c;

	if (remote->ss_family == AF_UNIX) {
		if (uid >= 0 && uid <= CIDR_ID_MAX) {
			cidr_of_id(CIDR_UID, uid, &c);
			rule = find(r->root[CIDR_UID], &c);
		}
		if (rule == NULL && gid >= 0 && gid <= CIDR_ID_MAX) {
			cidr_of_id(CIDR_GID, gid, &c);
			rule = find(r->root[CIDR_GID], &c);
		}
		return rule;
	}
	if (cidr_of_peer(remote, &c) == -1)
		return NULL;
	return find(r->root[c.family], &c);
}

/* The longest network of the trie with a rule that holds address c. */
static const struct rule *
find(const struct node *n, const struct cidr *c)
{
	const struct rule *best = NULL;

	while (n != NULL && cidr_common(&n->net, c, n->net.len) ==
	    n->net.len) {
		if (n->rule != NULL)
			best = n->rule;
		if (n->net.len == c->len)
			break;
		n = n->child[cidr_bit(c, n->net.len)];
	}
	return best;
}

/* With an allow rule anywhere, a client no rule covers is denied. */
int
rules_any_allow(const struct rules *r)
{
	return r->nallow > 0;
}

/* The verdict for a client that rules_match found the rule for. */
int
rules_allows(const struct rules *r, const struct rule *rule)
{
	return rule != NULL ? rule->allow : !rules_any_allow(r);
}

/* For the log line: the rule's canonical text, or "default". */
const char *
rules_name(const struct rule *rule)
{
	return rule != NULL ? rule->text : "default";
}

size_t
rules_count(const struct rules *r)
{
	return r->n;
}

/* The i-th rule in the order given (command line first, then files). */
const struct rule *
rules_at(const struct rules *r, size_t i)
{
	return i < r->n ? r->all[i] : NULL;
}

/*
 * The rule as a rules file line, "10.0.0.0/8 allow NAME=VALUE": what
 * snprintf returns (at least size when it did not fit).
 */
int
rule_format(const struct rule *rule, char *buf, size_t size)
{
	size_t i, len;
	int n;

	n = snprintf(buf, size, "%s %s", rule->text, rule->allow ? "allow" :
	    "deny");
	for (i = 0; i < rule->nenv && n >= 0; i++) {
		len = (size_t)n < size ? (size_t)n : size;
		n += snprintf(buf + len, size - len, " %s", rule->env[i]);
	}
	return n;
}
