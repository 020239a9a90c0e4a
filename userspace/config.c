// SPDX-License-Identifier: GPL-2.0
/*
 * npmgr: the policy file parser and checker.
 *
 *   file   := { block }
 *   block  := ( "policy" | "network" | "vif" ) name "{" { stmt } "}"
 *   stmt   := key "=" value [ ";" ]
 *   value  := word | string | "{" [ item { "," item } [ "," ] ] "}"
 *   item   := word | string | ( "TAG" | "NAME" ) "(" ( word | string ) ")"
 *
 * A word is a run of letters, digits and _ . - : * ? + @; a string is
 * "double quoted" with \" and \\ escapes, on one line. '#' starts a comment
 * that runs to the end of the line. The keys of each block are listed in
 * the tables below; anything else is an error. Documentation/netpolicy.rst
 * and npmgr(8) describe the format for users.
 */

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "npmgr.h"

enum tok_type {
	T_EOF, T_WORD, T_STRING, T_LBRACE, T_RBRACE, T_EQ, T_COMMA,
	T_LPAREN, T_RPAREN, T_SEMI, T_BAD,
};

struct tok {
	enum tok_type type;
	char *text;			/* T_WORD, T_STRING, T_BAD */
	struct np_pos pos;
};

struct parser {
	const char *buf;
	size_t len, i;
	int line, col;
	struct tok tok;			/* the lookahead */
	struct np_diags *d;
};

static bool is_word_char(char c)
{
	return isalnum((unsigned char)c) || strchr("_.-:*?+@", c);
}

static char peekc(struct parser *p)
{
	return p->i < p->len ? p->buf[p->i] : '\0';
}

static void advance(struct parser *p)
{
	if (p->buf[p->i] == '\n') {
		p->line++;
		p->col = 1;
	} else {
		p->col++;
	}
	p->i++;
}

/* Read the next token into p->tok. */
static void next(struct parser *p)
{
	static const char singles[] = "{}=,();";
	static const enum tok_type single_types[] = {
		T_LBRACE, T_RBRACE, T_EQ, T_COMMA, T_LPAREN, T_RPAREN, T_SEMI,
	};
	const char *s;
	char c;

	free(p->tok.text);
	memset(&p->tok, 0, sizeof(p->tok));
	for (;;) {
		c = peekc(p);
		if (p->i < p->len && isspace((unsigned char)c)) {
			advance(p);
		} else if (c == '#') {
			while (p->i < p->len && peekc(p) != '\n')
				advance(p);
		} else {
			break;
		}
	}
	p->tok.pos.line = p->line;
	p->tok.pos.col = p->col;
	if (p->i >= p->len) {
		p->tok.type = T_EOF;
		return;
	}
	if (c && (s = strchr(singles, c))) {
		p->tok.type = single_types[s - singles];
		advance(p);
		return;
	}
	if (c == '"') {
		size_t cap = 16, n = 0;
		char *out = xcalloc(cap, 1);

		advance(p);
		for (;;) {
			c = peekc(p);
			if (p->i >= p->len || c == '\n') {
				free(out);
				p->tok.type = T_BAD;
				p->tok.text = xstrdup("unterminated string");
				return;
			}
			advance(p);
			if (c == '"')
				break;
			if (c == '\\') {
				c = peekc(p);
				if (p->i >= p->len || (c != '"' && c != '\\')) {
					free(out);
					p->tok.type = T_BAD;
					p->tok.text = xstrdup("only \\\" and \\\\ escapes exist in strings");
					return;
				}
				advance(p);
			}
			if (c == '\0') {
				free(out);
				p->tok.type = T_BAD;
				p->tok.text = xstrdup("NUL byte in string");
				return;
			}
			if (n + 2 > cap) {
				cap *= 2;
				out = xrealloc(out, cap);
			}
			out[n++] = c;
			out[n] = '\0';
		}
		p->tok.type = T_STRING;
		p->tok.text = out;
		return;
	}
	if (is_word_char(c)) {
		size_t start = p->i;

		while (p->i < p->len && is_word_char(peekc(p)))
			advance(p);
		p->tok.type = T_WORD;
		p->tok.text = xstrndup(p->buf + start, p->i - start);
		return;
	}
	p->tok.type = T_BAD;
	if (isprint((unsigned char)c)) {
		p->tok.text = xcalloc(32, 1);
		snprintf(p->tok.text, 32, "unexpected character '%c'", c);
	} else {
		p->tok.text = xcalloc(48, 1);
		snprintf(p->tok.text, 48, "unexpected byte 0x%02x", (unsigned char)c);
	}
}

/* How a token is named in "found ..." */
static void describe(const struct tok *t, char *out, size_t n)
{
	static const char *const names[] = {
		[T_EOF] = "end of file", [T_LBRACE] = "'{'", [T_RBRACE] = "'}'",
		[T_EQ] = "'='", [T_COMMA] = "','", [T_LPAREN] = "'('",
		[T_RPAREN] = "')'", [T_SEMI] = "';'",
	};

	if (t->type == T_WORD)
		snprintf(out, n, "'%.40s'", t->text);
	else if (t->type == T_STRING)
		snprintf(out, n, "\"%.40s\"", t->text);
	else if (t->type == T_BAD)
		snprintf(out, n, "%s", t->text);
	else
		snprintf(out, n, "%s", names[t->type]);
}

static int fail_expect(struct parser *p, const char *what)
{
	char found[96];

	if (p->tok.type == T_BAD) {
		diag_add(p->d, p->tok.pos, "%s", p->tok.text);
		return -1;
	}
	describe(&p->tok, found, sizeof(found));
	diag_add(p->d, p->tok.pos, "expected %s, found %s", what, found);
	return -1;
}

static int expect(struct parser *p, enum tok_type type, const char *what)
{
	if (p->tok.type != type)
		return fail_expect(p, what);
	next(p);
	return 0;
}

/* A word or string value; returns it (owned by the caller) or NULL. */
static char *take_text(struct parser *p, const char *what, struct np_pos *pos)
{
	char *s;

	if (p->tok.type != T_WORD && p->tok.type != T_STRING) {
		fail_expect(p, what);
		return NULL;
	}
	if (pos)
		*pos = p->tok.pos;
	s = p->tok.text;
	p->tok.text = NULL;
	next(p);
	return s;
}

static int take_name(struct parser *p, const char *what, char **out,
		     struct np_pos *pos)
{
	struct np_pos at = p->tok.pos;
	char *s = take_text(p, what, &at);

	if (!s)
		return -1;
	if (!*s || strlen(s) >= NETPOLICY_NAME_MAX) {
		diag_add(p->d, at, "%s must be 1 to %d characters long", what,
			 NETPOLICY_NAME_MAX - 1);
		free(s);
		return -1;
	}
	*out = s;
	if (pos)
		*pos = at;
	return 0;
}

static int take_bool(struct parser *p, bool *out)
{
	if (p->tok.type == T_WORD && !strcmp(p->tok.text, "true"))
		*out = true;
	else if (p->tok.type == T_WORD && !strcmp(p->tok.text, "false"))
		*out = false;
	else
		return fail_expect(p, "true or false");
	next(p);
	return 0;
}

/* "{" [ item { "," item } [","] ] "}"; sel: items are TAG(x) / NAME(x). */
static int take_set(struct parser *p, bool sel, void **items, size_t *n,
		    size_t max, const char *what)
{
	if (expect(p, T_LBRACE, "'{' to open a set"))
		return -1;
	while (p->tok.type != T_RBRACE) {
		struct np_pos at = p->tok.pos;
		char *value;
		int type = 0;

		if (*n >= max) {
			diag_add(p->d, at, "%s holds at most %zu items", what, max);
			return -1;
		}
		if (sel) {
			if (p->tok.type == T_WORD && !strcmp(p->tok.text, "TAG"))
				type = NETPOLICY_SEL_TAG;
			else if (p->tok.type == T_WORD && !strcmp(p->tok.text, "NAME"))
				type = NETPOLICY_SEL_NAME;
			else
				return fail_expect(p, "TAG(...) or NAME(...)");
			next(p);
			if (expect(p, T_LPAREN, "'('"))
				return -1;
		}
		if (take_name(p, sel ? "a selector value" : "a tag", &value, &at))
			return -1;
		if (sel) {
			struct np_sel *s;

			*items = xrealloc(*items, (*n + 1) * sizeof(*s));
			s = (struct np_sel *)*items + *n;
			s->type = type;
			s->value = value;
			(*n)++;
			if (expect(p, T_RPAREN, "')'"))
				return -1;
		} else {
			char **t;

			*items = xrealloc(*items, (*n + 1) * sizeof(*t));
			t = (char **)*items + *n;
			*t = value;
			(*n)++;
		}
		if (p->tok.type == T_COMMA)
			next(p);
		else if (p->tok.type != T_RBRACE)
			return fail_expect(p, "',' or '}'");
	}
	next(p);
	return 0;
}

enum block_kind { B_POLICY, B_NETWORK, B_VIF };

static const char *const policy_keys[] = {
	"ALLOW_CROSS_SERVER", "REQUIRE_ENCRYPTION", "PHYSICAL_IFS_ALLOWED",
	"ISOLATE_FROM", NULL,
};
static const char *const network_keys[] = { "bridge", "policy", NULL };
static const char *const vif_keys[] = {
	"ifname", "mac", "network", "vm", "uuid", "tags", NULL,
};
static const char *const *const block_keys[] = {
	[B_POLICY] = policy_keys, [B_NETWORK] = network_keys, [B_VIF] = vif_keys,
};
static const char *const block_names[] = {
	[B_POLICY] = "policy", [B_NETWORK] = "network", [B_VIF] = "vif",
};

static int key_index(enum block_kind kind, const char *key)
{
	int i;

	for (i = 0; block_keys[kind][i]; i++)
		if (!strcmp(block_keys[kind][i], key))
			return i;
	return -1;
}

static void unknown_key(struct parser *p, enum block_kind kind,
			const char *key, struct np_pos pos)
{
	char list[256] = "";
	int i;

	for (i = 0; block_keys[kind][i]; i++) {
		strncat(list, i ? ", " : "", sizeof(list) - strlen(list) - 1);
		strncat(list, block_keys[kind][i], sizeof(list) - strlen(list) - 1);
	}
	diag_add(p->d, pos, "unknown key '%.64s' in a %s block (known keys: %s)",
		 key, block_names[kind], list);
}

static int policy_stmt(struct parser *p, struct np_policy_def *pol, int key)
{
	switch (key) {
	case 0:
		pol->has_cross = true;
		return take_bool(p, &pol->cross);
	case 1:
		pol->has_enc = true;
		return take_bool(p, &pol->enc);
	case 2:
		pol->has_phys = true;
		return take_set(p, true, (void **)&pol->phys, &pol->n_phys,
				NETPOLICY_SELECTORS_MAX, "PHYSICAL_IFS_ALLOWED");
	default:
		pol->has_iso = true;
		return take_set(p, true, (void **)&pol->iso, &pol->n_iso,
				NETPOLICY_SELECTORS_MAX, "ISOLATE_FROM");
	}
}

static int network_stmt(struct parser *p, struct np_net_def *net, int key)
{
	struct np_pos at;
	char *s;

	if (key == 1)
		return take_name(p, "a policy name", &net->policy,
				 &net->policy_pos);
	s = take_text(p, "a bridge name", &at);
	if (!s)
		return -1;
	net->bridge = s;
	net->bridge_pos = at;
	if (!glob_valid(s) || strpbrk(s, "*?")) {
		diag_add(p->d, at, "'%.64s' is not a valid bridge name", s);
		return -1;
	}
	return 0;
}

static int vif_stmt(struct parser *p, struct np_vif_def *vif, int key)
{
	struct np_pos at;
	char *s;
	int err = 0;

	switch (key) {
	case 2:
		return take_name(p, "a network name", &vif->network,
				 &vif->network_pos);
	case 3:
		return take_name(p, "a VM name", &vif->vm, NULL);
	case 5:
		return take_set(p, false, (void **)&vif->tags, &vif->n_tags,
				NETPOLICY_TAGS_MAX, "tags");
	}
	s = take_text(p, key == 0 ? "an interface name or glob" :
			 key == 1 ? "a MAC address" : "a UUID", &at);
	if (!s)
		return -1;
	if (key == 0) {
		vif->ifname = s;
		vif->ifname_pos = at;
		if (!glob_valid(s)) {
			diag_add(p->d, at,
				 "'%.64s' is not a valid interface name or glob (1 to 15 characters, no '/', ':' or spaces)",
				 s);
			err = -1;
		}
		return err;
	}
	if (key == 1) {
		vif->has_mac = true;
		vif->mac_pos = at;
		if (!parse_mac(s, vif->mac)) {
			diag_add(p->d, at,
				 "'%.64s' is not a MAC address (xx:xx:xx:xx:xx:xx)",
				 s);
			err = -1;
		} else if ((vif->mac[0] & 1) ||
			   !(vif->mac[0] | vif->mac[1] | vif->mac[2] |
			     vif->mac[3] | vif->mac[4] | vif->mac[5])) {
			diag_add(p->d, at,
				 "'%.64s' is a multicast or zero MAC address", s);
			err = -1;
		}
	} else {
		vif->has_uuid = true;
		if (!parse_uuid(s, vif->uuid)) {
			diag_add(p->d, at,
				 "'%.64s' is not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
				 s);
			err = -1;
		}
	}
	free(s);
	return err;
}

static int parse_block(struct parser *p, struct np_config *cfg)
{
	enum block_kind kind;
	struct np_pos name_pos;
	unsigned int seen = 0;
	char *name;
	void *obj;
	int rc;

	if (p->tok.type == T_WORD && !strcmp(p->tok.text, "policy"))
		kind = B_POLICY;
	else if (p->tok.type == T_WORD && !strcmp(p->tok.text, "network"))
		kind = B_NETWORK;
	else if (p->tok.type == T_WORD && !strcmp(p->tok.text, "vif"))
		kind = B_VIF;
	else
		return fail_expect(p, "'policy', 'network' or 'vif'");
	next(p);
	if (take_name(p, kind == B_POLICY ? "a policy name" :
			 kind == B_NETWORK ? "a network name" : "a VIF name",
		      &name, &name_pos))
		return -1;

	if (kind == B_POLICY) {
		struct np_policy_def *d;

		cfg->policies = xrealloc(cfg->policies,
					 (cfg->n_policies + 1) * sizeof(*d));
		d = memset(&cfg->policies[cfg->n_policies++], 0, sizeof(*d));
		d->name = name;
		d->pos = name_pos;
		obj = d;
	} else if (kind == B_NETWORK) {
		struct np_net_def *d;

		cfg->nets = xrealloc(cfg->nets, (cfg->n_nets + 1) * sizeof(*d));
		d = memset(&cfg->nets[cfg->n_nets++], 0, sizeof(*d));
		d->name = name;
		d->pos = name_pos;
		obj = d;
	} else {
		struct np_vif_def *d;

		cfg->vifs = xrealloc(cfg->vifs, (cfg->n_vifs + 1) * sizeof(*d));
		d = memset(&cfg->vifs[cfg->n_vifs++], 0, sizeof(*d));
		d->name = name;
		d->pos = name_pos;
		obj = d;
	}

	if (expect(p, T_LBRACE, "'{'"))
		return -1;
	while (p->tok.type != T_RBRACE) {
		struct np_pos key_pos = p->tok.pos;
		int key;

		if (p->tok.type != T_WORD)
			return fail_expect(p, "a key or '}'");
		key = key_index(kind, p->tok.text);
		if (key < 0) {
			unknown_key(p, kind, p->tok.text, key_pos);
			return -1;
		}
		if (seen & (1U << key)) {
			diag_add(p->d, key_pos, "'%s' is set twice in this block",
				 p->tok.text);
			return -1;
		}
		seen |= 1U << key;
		next(p);
		if (expect(p, T_EQ, "'='"))
			return -1;
		if (kind == B_POLICY)
			rc = policy_stmt(p, obj, key);
		else if (kind == B_NETWORK)
			rc = network_stmt(p, obj, key);
		else
			rc = vif_stmt(p, obj, key);
		if (rc)
			return -1;
		if (p->tok.type == T_SEMI)
			next(p);
	}
	next(p);
	return 0;
}

/**
 * config_parse - parse a policy file held in memory
 *
 * Stops at the first syntax error. Returns 0, or -1 with the error in @d.
 * @cfg holds whatever was parsed either way: free it with config_free().
 */
int config_parse(const char *file, const char *buf, size_t len,
		 struct np_config *cfg, struct np_diags *d)
{
	struct parser p = { .buf = buf, .len = len, .line = 1, .col = 1, .d = d };
	int rc = 0;

	memset(cfg, 0, sizeof(*cfg));
	d->file = file;
	d->buf = buf;
	d->buf_len = len;
	next(&p);
	while (p.tok.type != T_EOF) {
		rc = parse_block(&p, cfg);
		if (rc)
			break;
	}
	free(p.tok.text);
	return rc;
}

static struct np_policy_def *find_policy(struct np_config *cfg, const char *n)
{
	size_t i;

	for (i = 0; i < cfg->n_policies; i++)
		if (!strcmp(cfg->policies[i].name, n))
			return &cfg->policies[i];
	return NULL;
}

static struct np_net_def *find_net(struct np_config *cfg, const char *n)
{
	size_t i;

	for (i = 0; i < cfg->n_nets; i++)
		if (!strcmp(cfg->nets[i].name, n))
			return &cfg->nets[i];
	return NULL;
}

/**
 * config_check - everything the kernel would refuse, found before sending
 *
 * Reports every problem (not only the first) into @d. Resolves each
 * network's policy.
 */
void config_check(struct np_config *cfg, struct np_diags *d)
{
	size_t i, j;

	for (i = 0; i < cfg->n_policies; i++)
		for (j = 0; j < i; j++)
			if (!strcmp(cfg->policies[i].name, cfg->policies[j].name))
				diag_add(d, cfg->policies[i].pos,
					 "policy '%s' is defined twice (first at line %d)",
					 cfg->policies[i].name,
					 cfg->policies[j].pos.line);
	for (i = 0; i < cfg->n_nets; i++) {
		struct np_net_def *n = &cfg->nets[i];

		for (j = 0; j < i; j++)
			if (!strcmp(n->name, cfg->nets[j].name))
				diag_add(d, n->pos,
					 "network '%s' is defined twice (first at line %d)",
					 n->name, cfg->nets[j].pos.line);
		if (!n->bridge)
			diag_add(d, n->pos, "network '%s' has no bridge", n->name);
		if (n->policy) {
			n->pol = find_policy(cfg, n->policy);
			if (!n->pol)
				diag_add(d, n->policy_pos,
					 "network '%s' names policy '%s', which is not defined",
					 n->name, n->policy);
		}
	}
	for (i = 0; i < cfg->n_vifs; i++) {
		struct np_vif_def *v = &cfg->vifs[i];

		for (j = 0; j < i; j++) {
			const struct np_vif_def *w = &cfg->vifs[j];

			if (!strcmp(v->name, w->name))
				diag_add(d, v->pos,
					 "vif '%s' is defined twice (first at line %d)",
					 v->name, w->pos.line);
			if (v->has_mac && w->has_mac &&
			    !memcmp(v->mac, w->mac, sizeof(v->mac)))
				diag_add(d, v->mac_pos,
					 "vif '%s' has the same MAC address as vif '%s'",
					 v->name, w->name);
			if (!v->has_mac && !w->has_mac && v->ifname &&
			    w->ifname && !strpbrk(v->ifname, "*?") &&
			    !strcmp(v->ifname, w->ifname))
				diag_add(d, v->ifname_pos,
					 "vif '%s' has the same interface name as vif '%s'",
					 v->name, w->name);
		}
		if (!v->network)
			diag_add(d, v->pos, "vif '%s' has no network", v->name);
		else if (!find_net(cfg, v->network))
			diag_add(d, v->network_pos,
				 "vif '%s' names network '%s', which is not defined",
				 v->name, v->network);
		if (!v->ifname && !v->has_mac)
			diag_add(d, v->pos,
				 "vif '%s' needs an ifname or a mac to recognise its interface",
				 v->name);
	}
}

static void policy_free(struct np_policy_def *pol)
{
	size_t i;

	free(pol->name);
	for (i = 0; i < pol->n_phys; i++)
		free(pol->phys[i].value);
	for (i = 0; i < pol->n_iso; i++)
		free(pol->iso[i].value);
	free(pol->phys);
	free(pol->iso);
}

void config_free(struct np_config *cfg)
{
	size_t i, j;

	for (i = 0; i < cfg->n_policies; i++)
		policy_free(&cfg->policies[i]);
	for (i = 0; i < cfg->n_nets; i++) {
		free(cfg->nets[i].name);
		free(cfg->nets[i].bridge);
		free(cfg->nets[i].policy);
	}
	for (i = 0; i < cfg->n_vifs; i++) {
		struct np_vif_def *v = &cfg->vifs[i];

		free(v->name);
		free(v->ifname);
		free(v->network);
		free(v->vm);
		for (j = 0; j < v->n_tags; j++)
			free(v->tags[j]);
		free(v->tags);
	}
	free(cfg->policies);
	free(cfg->nets);
	free(cfg->vifs);
	memset(cfg, 0, sizeof(*cfg));
}

static int cmp_policy(const void *a, const void *b)
{
	return strcmp(((const struct np_policy_def *)a)->name,
		      ((const struct np_policy_def *)b)->name);
}

static int cmp_net(const void *a, const void *b)
{
	return strcmp(((const struct np_net_def *)a)->name,
		      ((const struct np_net_def *)b)->name);
}

static int cmp_vif(const void *a, const void *b)
{
	return strcmp(((const struct np_vif_def *)a)->name,
		      ((const struct np_vif_def *)b)->name);
}

/* Sort by name; re-resolves each network's policy pointer. */
void config_sort(struct np_config *cfg)
{
	size_t i;

	if (cfg->n_policies)
		qsort(cfg->policies, cfg->n_policies, sizeof(*cfg->policies),
		      cmp_policy);
	if (cfg->n_nets)
		qsort(cfg->nets, cfg->n_nets, sizeof(*cfg->nets), cmp_net);
	if (cfg->n_vifs)
		qsort(cfg->vifs, cfg->n_vifs, sizeof(*cfg->vifs), cmp_vif);
	for (i = 0; i < cfg->n_nets; i++)
		cfg->nets[i].pol = cfg->nets[i].policy ?
				   find_policy(cfg, cfg->nets[i].policy) : NULL;
}

void port_free(struct np_port_info *p)
{
	free(p->ifname);
	free(p->message);
	free(p->vif);
	free(p->network);
	free(p->bridge);
}
