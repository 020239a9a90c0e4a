// SPDX-License-Identifier: GPL-2.0
/*
 * npmgr: the policy file parser and checker.
 *
 *   file   := { block }
 *   block  := ( "policy" | "network" | "vm" | "vif" | "nic" ) name
 *             "{" { stmt } "}"
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

#include <arpa/inet.h>
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
	bool owned;			/* else text is the parser's word buffer */
	struct np_pos pos;
};

struct parser {
	const char *buf;
	size_t len, i;
	int line, col;
	struct tok tok;			/* the lookahead */
	struct np_diags *d;
	char *word;			/* T_WORD text, reused: no malloc per word */
	size_t word_cap;
};

static bool is_word_char(char c)
{
	unsigned char u = (unsigned char)c;

	/* the hot loop of the parser: no strchr() per character */
	return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') ||
	       (u >= '0' && u <= '9') || u == '_' || u == '.' || u == '-' ||
	       u == ':' || u == '*' || u == '?' || u == '+' || u == '@';
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

	if (p->tok.owned)
		free(p->tok.text);
	memset(&p->tok, 0, sizeof(p->tok));
	p->tok.owned = true;
	for (;;) {
		c = peekc(p);
		if (p->i < p->len && (c == ' ' || c == '\n' || c == '\t' ||
				      c == '\r' || c == '\v' || c == '\f')) {
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
	if ((c == '{' || c == '}' || c == '=' || c == ',' || c == '(' ||
	     c == ')' || c == ';') && (s = strchr(singles, c))) {
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
		size_t start = p->i, n;

		while (p->i < p->len && is_word_char(p->buf[p->i])) {
			p->i++;
			p->col++;	/* a word holds no newline */
		}
		n = p->i - start;
		if (n + 1 > p->word_cap) {
			p->word_cap = 2 * (n + 1);
			p->word = xrealloc(p->word, p->word_cap);
		}
		memcpy(p->word, p->buf + start, n);
		p->word[n] = '\0';
		p->tok.type = T_WORD;
		p->tok.text = p->word;
		p->tok.owned = false;
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
	s = p->tok.owned ? p->tok.text : xstrdup(p->tok.text);
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
			struct np_sel *s = xpush(items, n, sizeof(*s));

			s->type = type;
			s->value = value;
			if (expect(p, T_RPAREN, "')'"))
				return -1;
		} else {
			char **t = xpush(items, n, sizeof(*t));

			*t = value;
		}
		if (p->tok.type == T_COMMA)
			next(p);
		else if (p->tok.type != T_RBRACE)
			return fail_expect(p, "',' or '}'");
	}
	next(p);
	return 0;
}

enum block_kind { B_POLICY, B_NETWORK, B_VM, B_VIF, B_NIC, B_HOST, B_COUNT };

static const char *const policy_keys[] = {
	"ALLOW_CROSS_SERVER", "REQUIRE_ENCRYPTION", "PHYSICAL_IFS_ALLOWED",
	"ISOLATE_FROM", "ENCRYPTION_ALGORITHM", "COMPRESS", "RESTRICT_TO_HOST",
	NULL,
};
static const char *const network_keys[] = {
	"bridge", "policy", "tunnel", "id", "hosts", NULL,
};
static const char *const vm_keys[] = { "uuid", "tags", "policy", NULL };
static const char *const vif_keys[] = {
	"ifname", "mac", "network", "vm", "policy", NULL,
};
static const char *const nic_keys[] = { "tags", NULL };
static const char *const host_keys[] = { "address", NULL };
static const char *const *const block_keys[] = {
	[B_POLICY] = policy_keys, [B_NETWORK] = network_keys,
	[B_VM] = vm_keys, [B_VIF] = vif_keys, [B_NIC] = nic_keys,
	[B_HOST] = host_keys,
};
static const char *const block_names[] = {
	[B_POLICY] = "policy", [B_NETWORK] = "network", [B_VM] = "vm",
	[B_VIF] = "vif", [B_NIC] = "nic", [B_HOST] = "host",
};

/* Names of enum values 1..max, for printing and parsing. */
static const char *const tunnels[] = {
	[NETPOLICY_TUNNEL_VXLAN] = "vxlan",
	[NETPOLICY_TUNNEL_GRETAP] = "gretap",
	[NETPOLICY_TUNNEL_GENEVE] = "geneve",
};
static const char *const enc_algs[] = {
	[NETPOLICY_ENC_GCM_AES_128] = "gcm-aes-128",
	[NETPOLICY_ENC_GCM_AES_256] = "gcm-aes-256",
};

static const char *enum_name(const char *const *names, int max, int v)
{
	return v >= 1 && v <= max ? names[v] : "?";
}

/* The value named @s, or 0. */
static int enum_parse(const char *const *names, int max, const char *s)
{
	int i;

	for (i = 1; i <= max; i++)
		if (!strcmp(names[i], s))
			return i;
	return 0;
}

const char *tunnel_name(int tunnel)
{
	return enum_name(tunnels, NETPOLICY_TUNNEL_MAX, tunnel);
}

const char *enc_alg_name(int alg)
{
	return enum_name(enc_algs, NETPOLICY_ENC_MAX, alg);
}

int enc_alg_parse(const char *s)
{
	return enum_parse(enc_algs, NETPOLICY_ENC_MAX, s);
}

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

	if (kind == B_VIF && (!strcmp(key, "uuid") || !strcmp(key, "tags"))) {
		diag_add(p->d, pos,
			 "'%s' describes the VM, not the interface: write it in a 'vm NAME { }' block and set 'vm = NAME' here",
			 key);
		return;
	}
	for (i = 0; block_keys[kind][i]; i++) {
		strncat(list, i ? ", " : "", sizeof(list) - strlen(list) - 1);
		strncat(list, block_keys[kind][i], sizeof(list) - strlen(list) - 1);
	}
	diag_add(p->d, pos, "unknown key '%.64s' in a %s block (known keys: %s)",
		 key, block_names[kind], list);
}

static int take_uuid(struct parser *p, bool *has, uint8_t uuid[16])
{
	struct np_pos at;
	char *s = take_text(p, "a UUID", &at);
	int err = 0;

	if (!s)
		return -1;
	*has = true;
	if (!parse_uuid(s, uuid)) {
		diag_add(p->d, at,
			 "'%.64s' is not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
			 s);
		err = -1;
	}
	free(s);
	return err;
}

static int policy_stmt(struct parser *p, struct np_policy_def *pol, int key)
{
	struct np_pos at;
	char *s;

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
	case 3:
		pol->has_iso = true;
		return take_set(p, true, (void **)&pol->iso, &pol->n_iso,
				NETPOLICY_SELECTORS_MAX, "ISOLATE_FROM");
	case 4:
		s = take_text(p, "an encryption algorithm", &at);
		if (!s)
			return -1;
		pol->has_alg = true;
		pol->alg = enc_alg_parse(s);
		if (!pol->alg)
			diag_add(p->d, at,
				 "unsupported encryption algorithm '%.64s' (supported: gcm-aes-128, gcm-aes-256)",
				 s);
		free(s);
		return pol->alg ? 0 : -1;
	case 5:
		pol->has_compress = true;
		return take_bool(p, &pol->compress);
	default:
		return take_name(p, "a host name", &pol->host, NULL);
	}
}

/* A decimal number from 1 to @max, digits only. */
static int take_u32(struct parser *p, const char *what, uint32_t max,
		    uint32_t *out, struct np_pos *pos)
{
	char *s = take_text(p, what, pos);
	unsigned long long v = 0;
	const char *c;

	if (!s)
		return -1;
	for (c = s; *c >= '0' && *c <= '9' && v <= max; c++)
		v = v * 10 + (unsigned long long)(*c - '0');
	if (c == s || *c || !v || v > max) {
		diag_add(p->d, *pos, "'%.64s' is not %s (1 to %u)", s, what, max);
		free(s);
		return -1;
	}
	free(s);
	*out = (uint32_t)v;
	return 0;
}

static int network_stmt(struct parser *p, struct np_net_def *net, int key)
{
	struct np_pos at;
	char *s;

	switch (key) {
	case 1:
		return take_name(p, "a policy name", &net->policy,
				 &net->policy_pos);
	case 2:
		s = take_text(p, "a tunnel kind", &at);
		if (!s)
			return -1;
		net->tunnel_pos = at;
		net->tunnel = enum_parse(tunnels, NETPOLICY_TUNNEL_MAX, s);
		if (!net->tunnel)
			diag_add(p->d, at,
				 "unknown tunnel kind '%.64s' (known: vxlan, gretap, geneve)",
				 s);
		free(s);
		return net->tunnel ? 0 : -1;
	case 3:
		net->has_id = true;
		return take_u32(p, "a tunnel identifier", UINT32_MAX, &net->id,
				&net->id_pos);
	case 4:
		net->hosts_pos = p->tok.pos;
		return take_set(p, false, (void **)&net->hosts, &net->n_hosts,
				NETPOLICY_SELECTORS_MAX, "hosts");
	}
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

static int vm_stmt(struct parser *p, struct np_vm_def *vm, int key)
{
	switch (key) {
	case 0:
		return take_uuid(p, &vm->has_uuid, vm->uuid);
	case 1:
		return take_set(p, false, (void **)&vm->tags, &vm->n_tags,
				NETPOLICY_TAGS_MAX, "tags");
	default:
		return take_name(p, "a policy name", &vm->policy,
				 &vm->policy_pos);
	}
}

static int nic_stmt(struct parser *p, struct np_nic_def *nic, int key)
{
	(void)key;
	return take_set(p, false, (void **)&nic->tags, &nic->n_tags,
			NETPOLICY_TAGS_MAX, "tags");
}

static int host_stmt(struct parser *p, struct np_host_def *h, int key)
{
	struct in_addr a;

	(void)key;
	h->address = take_text(p, "an IPv4 address", &h->address_pos);
	if (!h->address)
		return -1;
	if (inet_pton(AF_INET, h->address, &a) != 1) {
		diag_add(p->d, h->address_pos,
			 "'%.64s' is not an IPv4 address (a.b.c.d)", h->address);
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
		return take_name(p, "a VM name", &vif->vm, &vif->vm_pos);
	case 4:
		return take_name(p, "a policy name", &vif->policy,
				 &vif->policy_pos);
	}
	s = take_text(p, key == 0 ? "an interface name or glob" :
			 "a MAC address", &at);
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
	vif->has_mac = true;
	vif->mac_pos = at;
	if (!parse_mac(s, vif->mac)) {
		diag_add(p->d, at,
			 "'%.64s' is not a MAC address (xx:xx:xx:xx:xx:xx)", s);
		err = -1;
	} else if ((vif->mac[0] & 1) ||
		   !(vif->mac[0] | vif->mac[1] | vif->mac[2] |
		     vif->mac[3] | vif->mac[4] | vif->mac[5])) {
		diag_add(p->d, at, "'%.64s' is a multicast or zero MAC address",
			 s);
		err = -1;
	}
	free(s);
	return err;
}

static int parse_block(struct parser *p, struct np_config *cfg)
{
	static const char *const what[] = {
		[B_POLICY] = "a policy name", [B_NETWORK] = "a network name",
		[B_VM] = "a VM name", [B_VIF] = "a VIF name",
		[B_NIC] = "an interface name", [B_HOST] = "a host name",
	};
	enum block_kind kind;
	struct np_pos name_pos;
	unsigned int seen = 0;
	char *name;
	void *obj;
	int rc;

	for (kind = 0; kind < B_COUNT; kind++)
		if (p->tok.type == T_WORD && !strcmp(p->tok.text, block_names[kind]))
			break;
	if (kind == B_COUNT)
		return fail_expect(p, "'policy', 'network', 'vm', 'vif', 'nic' or 'host'");
	next(p);
	if (take_name(p, what[kind], &name, &name_pos))
		return -1;
	if (kind == B_NIC && (strlen(name) >= IFNAMSIZ_NP || !glob_valid(name) ||
			      strpbrk(name, "*?"))) {
		diag_add(p->d, name_pos, "'%.64s' is not a valid interface name",
			 name);
		free(name);
		return -1;
	}

	switch (kind) {
	case B_POLICY: {
		struct np_policy_def *d = xpush((void **)&cfg->policies,
					       &cfg->n_policies, sizeof(*d));
		d->name = name;
		d->pos = name_pos;
		obj = d;
		break;
	}
	case B_NETWORK: {
		struct np_net_def *d = xpush((void **)&cfg->nets, &cfg->n_nets,
					    sizeof(*d));
		d->name = name;
		d->pos = name_pos;
		obj = d;
		break;
	}
	case B_VM: {
		struct np_vm_def *d = xpush((void **)&cfg->vms, &cfg->n_vms,
					   sizeof(*d));
		d->name = name;
		d->pos = name_pos;
		obj = d;
		break;
	}
	case B_VIF: {
		struct np_vif_def *d = xpush((void **)&cfg->vifs, &cfg->n_vifs,
					    sizeof(*d));
		d->name = name;
		d->pos = name_pos;
		obj = d;
		break;
	}
	case B_HOST: {
		struct np_host_def *d = xpush((void **)&cfg->pool, &cfg->n_pool,
					     sizeof(*d));
		d->name = name;
		d->pos = name_pos;
		obj = d;
		break;
	}
	default: {
		struct np_nic_def *d = xpush((void **)&cfg->nics, &cfg->n_nics,
					    sizeof(*d));
		d->name = name;
		d->pos = name_pos;
		obj = d;
		break;
	}
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
		switch (kind) {
		case B_POLICY:
			rc = policy_stmt(p, obj, key);
			break;
		case B_NETWORK:
			rc = network_stmt(p, obj, key);
			break;
		case B_VM:
			rc = vm_stmt(p, obj, key);
			break;
		case B_VIF:
			rc = vif_stmt(p, obj, key);
			break;
		case B_HOST:
			rc = host_stmt(p, obj, key);
			break;
		default:
			rc = nic_stmt(p, obj, key);
			break;
		}
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
	if (p.tok.owned)
		free(p.tok.text);
	free(p.word);
	return rc;
}

/* Objects of every kind start with their name and its position. */
struct named {
	char *name;
	struct np_pos pos;
};

/*
 * A hash set of byte-string keys (names, interface names, MACs) mapping to
 * the object that has the key first. Open addressing, load <= 1/2: the
 * checker costs O(n) for n objects, which matters at 100,000 VIFs.
 */
struct keyset {
	struct slot {
		const void *key;
		size_t len;
		const void *obj;
	} *slots;
	size_t mask;
	size_t count;
};

static uint32_t hash_bytes(const void *p, size_t len)
{
	const unsigned char *c = p;
	uint32_t h = 2166136261u;	/* FNV-1a */

	while (len--)
		h = (h ^ *c++) * 16777619u;
	return h;
}

static void keyset_init(struct keyset *ks, size_t n)
{
	size_t slots = 16;

	while (slots < 2 * n)
		slots *= 2;
	ks->slots = xcalloc(slots, sizeof(*ks->slots));
	ks->mask = slots - 1;
	ks->count = 0;
}

static void keyset_put(struct keyset *ks, const struct slot *e)
{
	size_t i = hash_bytes(e->key, e->len) & ks->mask;

	while (ks->slots[i].key)
		i = (i + 1) & ks->mask;
	ks->slots[i] = *e;
	ks->count++;
}

/* Double the slots when half are used: the set never fills. */
static void keyset_grow(struct keyset *ks)
{
	struct keyset bigger;
	size_t i;

	keyset_init(&bigger, ks->mask + 1);
	for (i = 0; i <= ks->mask; i++)
		if (ks->slots[i].key)
			keyset_put(&bigger, &ks->slots[i]);
	free(ks->slots);
	*ks = bigger;
}

/* The object that has @key already, else NULL after adding @obj. */
static const void *keyset_add(struct keyset *ks, const void *key, size_t len,
			      const void *obj)
{
	struct slot e = { key, len, obj };
	size_t i = hash_bytes(key, len) & ks->mask;

	for (; ks->slots[i].key; i = (i + 1) & ks->mask)
		if (ks->slots[i].len == len && !memcmp(ks->slots[i].key, key, len))
			return ks->slots[i].obj;
	if (2 * (ks->count + 1) > ks->mask + 1) {
		keyset_grow(ks);
		keyset_put(ks, &e);
	} else {
		ks->slots[i] = e;
		ks->count++;
	}
	return NULL;
}

static const void *keyset_get(const struct keyset *ks, const char *name)
{
	size_t len = strlen(name) + 1, i;

	for (i = hash_bytes(name, len) & ks->mask; ks->slots[i].key;
	     i = (i + 1) & ks->mask)
		if (ks->slots[i].len == len && !memcmp(ks->slots[i].key, name, len))
			return ks->slots[i].obj;
	return NULL;
}

/*
 * Index @n objects of @size bytes by name, with room for @room more;
 * report names defined twice.
 */
static void index_names(struct keyset *ks, const void *arr, size_t n,
			size_t size, size_t room, struct np_diags *d,
			const char *kind)
{
	const struct named *first;
	size_t i;

	keyset_init(ks, n + room);
	for (i = 0; i < n; i++) {
		const struct named *o = (const void *)((const char *)arr + i * size);

		first = keyset_add(ks, o->name, strlen(o->name) + 1, o);
		if (first)
			diag_add(d, o->pos,
				 "%s '%s' is defined twice (first at line %d)",
				 kind, o->name, first->pos.line);
	}
}

/*
 * MACs, and exact interface names of VIFs without a MAC, are unique, also
 * against the VIFs of @loaded (those come first: the file's are reported).
 */
static void check_vif_keys(struct np_config *cfg,
			   const struct np_config *loaded, struct np_diags *d)
{
	size_t n_old = loaded ? loaded->n_vifs : 0, i;
	struct keyset macs, names;
	const struct np_vif_def *w;

	keyset_init(&macs, n_old + cfg->n_vifs);
	keyset_init(&names, n_old + cfg->n_vifs);
	for (i = 0; i < n_old + cfg->n_vifs; i++) {
		const struct np_vif_def *v = i < n_old ? &loaded->vifs[i] :
					     &cfg->vifs[i - n_old];

		if (v->has_mac) {
			w = keyset_add(&macs, v->mac, sizeof(v->mac), v);
			if (w)
				diag_add(d, v->mac_pos,
					 "vif '%s' has the same MAC address as vif '%s'",
					 v->name, w->name);
		} else if (v->ifname && !strpbrk(v->ifname, "*?")) {
			w = keyset_add(&names, v->ifname, strlen(v->ifname) + 1, v);
			if (w)
				diag_add(d, v->ifname_pos,
					 "vif '%s' has the same interface name as vif '%s'",
					 v->name, w->name);
		}
	}
	free(macs.slots);
	free(names.slots);
}

/* One policy that governs a VIF, and where it comes from. */
struct applied {
	const struct np_policy_def *pol;
	const char *kind;
	const char *owner;
};

static void contradiction(struct np_diags *d, const struct np_vif_def *v,
			  const struct applied *a, const struct applied *b,
			  const char *attr, const char *va, const char *vb)
{
	diag_add(d, v->pos,
		 "vif '%s': contradictory policies: %s = %s in policy '%s' (%s %s) but %s in policy '%s' (%s %s)",
		 v->name, attr, va, a->pol->name, a->kind, a->owner, vb,
		 b->pol->name, b->kind, b->owner);
}

static const char *tf(bool b)
{
	return b ? "true" : "false";
}

/* Two policies of one VIF must not say opposite things. */
static void check_pair(struct np_diags *d, const struct np_vif_def *v,
		       const struct applied *a, const struct applied *b)
{
	const struct np_policy_def *p = a->pol, *q = b->pol;

	if (p == q)
		return;
	if (p->has_cross && q->has_cross && p->cross != q->cross)
		contradiction(d, v, a, b, "ALLOW_CROSS_SERVER", tf(p->cross),
			      tf(q->cross));
	if (p->has_cross && p->cross && q->host)
		contradiction(d, v, a, b, "ALLOW_CROSS_SERVER", "true",
			      "local only (RESTRICT_TO_HOST)");
	if (q->has_cross && q->cross && p->host)
		contradiction(d, v, b, a, "ALLOW_CROSS_SERVER", "true",
			      "local only (RESTRICT_TO_HOST)");
	if (p->has_enc && q->has_enc && p->enc != q->enc)
		contradiction(d, v, a, b, "REQUIRE_ENCRYPTION", tf(p->enc),
			      tf(q->enc));
	if (p->has_alg && q->has_alg && p->alg != q->alg)
		contradiction(d, v, a, b, "ENCRYPTION_ALGORITHM",
			      enc_alg_name(p->alg), enc_alg_name(q->alg));
	if (p->has_compress && q->has_compress && p->compress != q->compress)
		contradiction(d, v, a, b, "COMPRESS", tf(p->compress),
			      tf(q->compress));
	if (p->host && q->host && strcmp(p->host, q->host))
		contradiction(d, v, a, b, "RESTRICT_TO_HOST", p->host, q->host);
}

static void check_policy(struct np_diags *d, const struct np_policy_def *p)
{
	if (p->has_alg && !(p->has_enc && p->enc))
		diag_add(d, p->pos,
			 "policy '%s' sets ENCRYPTION_ALGORITHM without REQUIRE_ENCRYPTION = true",
			 p->name);
	if (p->host && p->has_cross && p->cross)
		diag_add(d, p->pos,
			 "policy '%s' is contradictory: RESTRICT_TO_HOST makes the network local only, but ALLOW_CROSS_SERVER = true",
			 p->name);
}

/*
 * How networks cross hosts: only with a pool (host blocks); a network's
 * hosts exist; its identifier fits its tunnel and no other network of
 * that kind has it.
 */
static void check_tunnels(const struct np_config *cfg, const struct keyset *hi,
			  struct np_diags *d)
{
	uint32_t (*keys)[2] = xcalloc(cfg->n_nets + 1, sizeof(*keys));
	struct keyset ids;
	size_t i, j;

	keyset_init(&ids, cfg->n_nets);
	for (i = 0; i < cfg->n_nets; i++) {
		const struct np_net_def *n = &cfg->nets[i];
		int kind = n->tunnel ?: NETPOLICY_TUNNEL_VXLAN;
		const struct np_net_def *first;

		if (!cfg->n_pool && (n->tunnel || n->has_id || n->hosts)) {
			diag_add(d, n->tunnel ? n->tunnel_pos :
				 n->has_id ? n->id_pos : n->hosts_pos,
				 "network '%s' says how to cross hosts, but the file declares no host blocks (the pool)",
				 n->name);
			continue;
		}
		for (j = 0; j < n->n_hosts; j++)
			if (!keyset_get(hi, n->hosts[j]))
				diag_add(d, n->hosts_pos,
					 "network '%s' names host '%s', which is not defined",
					 n->name, n->hosts[j]);
		if (!n->has_id)
			continue;
		if (kind != NETPOLICY_TUNNEL_GRETAP && n->id > (1U << 24) - 1) {
			diag_add(d, n->id_pos,
				 "network '%s': a %s VNI is 1 to 16777215",
				 n->name, tunnel_name(kind));
			continue;
		}
		keys[i][0] = (uint32_t)kind;
		keys[i][1] = n->id;
		first = keyset_add(&ids, keys[i], sizeof(keys[i]), n);
		if (first)
			diag_add(d, n->id_pos,
				 "network '%s' has the %s identifier %u of network '%s' (line %d)",
				 n->name, tunnel_name(kind), n->id, first->name,
				 first->pos.line);
	}
	free(ids.slots);
	free(keys);
}

static size_t add_applied(struct applied *ap, size_t n,
			  const struct keyset *pi, const char *policy,
			  const char *kind, const char *owner)
{
	const struct np_policy_def *p;

	if (!policy)
		return n;
	p = keyset_get(pi, policy);
	if (!p)
		return n;
	ap[n].pol = p;
	ap[n].kind = kind;
	ap[n].owner = owner;
	return n + 1;
}

/* An empty VM object for every VM name that only VIFs mention. */
static void add_implicit_vms(struct np_config *cfg, struct keyset *vi)
{
	const struct np_vif_def **need = xcalloc(cfg->n_vifs + 1, sizeof(*need));
	size_t i, n = 0;

	/* new names go into @vi too, so each is added once */
	for (i = 0; i < cfg->n_vifs; i++) {
		const char *vm = cfg->vifs[i].vm;

		if (vm && !keyset_add(vi, vm, strlen(vm) + 1, &cfg->vifs[i]))
			need[n++] = &cfg->vifs[i];
	}
	/* (pushing moves cfg->vms: @vi is not used after this) */
	for (i = 0; i < n; i++) {
		struct np_vm_def *m = xpush((void **)&cfg->vms, &cfg->n_vms,
					   sizeof(*m));

		m->name = xstrdup(need[i]->vm);
		m->pos = need[i]->vm_pos;
	}
	free(need);
}

/* The objects of @arr already loaded count as defined; the file's clash. */
static void index_loaded(struct keyset *ks, const void *arr, size_t n,
			 size_t size, struct np_diags *d, const char *kind)
{
	const struct named *mine;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct named *o = (const void *)((const char *)arr + i * size);

		mine = keyset_add(ks, o->name, strlen(o->name) + 1, o);
		if (mine)
			diag_add(d, mine->pos,
				 "%s '%s' is loaded already (load without --add replaces what is loaded)",
				 kind, mine->name);
	}
}

/* Index one kind of objects of the file (cfg), then those of @loaded. */
#define INDEX(ks, arr, n, kind)						\
	do {								\
		index_names((ks), cfg->arr, cfg->n, sizeof(*cfg->arr),	\
			    loaded ? loaded->n : 0, d, (kind));		\
		if (loaded)						\
			index_loaded((ks), loaded->arr, loaded->n,	\
				     sizeof(*loaded->arr), d, (kind));	\
	} while (0)

/**
 * config_check_with - everything the kernel would refuse, and every
 * contradiction between policies, found before sending
 * @cfg: the file's objects
 * @loaded: the objects already loaded, for `load --add` (or NULL): names
 *	may refer to them, and must not repeat them
 * @d: where the problems go
 *
 * Reports every problem (not only the first) into @d, sorted by position.
 * A VIF's VM with no block of its own is added as an empty VM object.
 * O(n) in the number of objects (hash sets), plus sorting the messages.
 */
void config_check_with(struct np_config *cfg, const struct np_config *loaded,
		       struct np_diags *d)
{
	struct keyset pi, ni, vi, fi, ci, hi;
	size_t i, j, k;

	INDEX(&pi, policies, n_policies, "policy");
	INDEX(&ni, nets, n_nets, "network");
	INDEX(&vi, vms, n_vms, "vm");
	INDEX(&fi, vifs, n_vifs, "vif");
	INDEX(&ci, nics, n_nics, "nic");
	index_names(&hi, cfg->pool, cfg->n_pool, sizeof(*cfg->pool), 0, d,
		    "host");
	for (i = 0; i < cfg->n_policies; i++)
		check_policy(d, &cfg->policies[i]);
	check_tunnels(cfg, &hi, d);
	for (i = 0; i < cfg->n_nets; i++) {
		struct np_net_def *n = &cfg->nets[i];

		if (!n->bridge)
			diag_add(d, n->pos, "network '%s' has no bridge", n->name);
		if (n->policy && !keyset_get(&pi, n->policy))
			diag_add(d, n->policy_pos,
				 "network '%s' names policy '%s', which is not defined",
				 n->name, n->policy);
	}
	for (i = 0; i < cfg->n_vms; i++) {
		struct np_vm_def *m = &cfg->vms[i];

		if (m->policy && !keyset_get(&pi, m->policy))
			diag_add(d, m->policy_pos,
				 "vm '%s' names policy '%s', which is not defined",
				 m->name, m->policy);
	}
	check_vif_keys(cfg, loaded, d);
	for (i = 0; i < cfg->n_vifs; i++) {
		const struct np_vif_def *v = &cfg->vifs[i];
		const struct np_net_def *net = NULL;
		const struct np_vm_def *vm = NULL;
		struct applied ap[3];
		size_t n_ap = 0;

		if (!v->network)
			diag_add(d, v->pos, "vif '%s' has no network", v->name);
		else if (!(net = keyset_get(&ni, v->network)))
			diag_add(d, v->network_pos,
				 "vif '%s' names network '%s', which is not defined",
				 v->name, v->network);
		if (!v->ifname && !v->has_mac)
			diag_add(d, v->pos,
				 "vif '%s' needs an ifname or a mac to recognise its interface",
				 v->name);
		if (v->policy && !keyset_get(&pi, v->policy))
			diag_add(d, v->policy_pos,
				 "vif '%s' names policy '%s', which is not defined",
				 v->name, v->policy);
		if (v->vm)
			vm = keyset_get(&vi, v->vm);

		/* the policies that will govern it, as the kernel combines them */
		if (net)
			n_ap = add_applied(ap, n_ap, &pi, net->policy, "network",
					   net->name);
		if (vm)
			n_ap = add_applied(ap, n_ap, &pi, vm->policy, "VM",
					   vm->name);
		n_ap = add_applied(ap, n_ap, &pi, v->policy, "VIF", v->name);
		for (j = 0; j < n_ap; j++)
			for (k = j + 1; k < n_ap; k++)
				check_pair(d, v, &ap[j], &ap[k]);
	}
	/* VMs named only by a VIF become objects of their own */
	add_implicit_vms(cfg, &vi);
	free(pi.slots);
	free(ni.slots);
	free(vi.slots);
	free(fi.slots);
	free(ci.slots);
	free(hi.slots);
	diags_sort(d);
}

void config_check(struct np_config *cfg, struct np_diags *d)
{
	config_check_with(cfg, NULL, d);
}

static void free_strs(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void policy_free(struct np_policy_def *pol)
{
	size_t i;

	free(pol->name);
	free(pol->host);
	for (i = 0; i < pol->n_phys; i++)
		free(pol->phys[i].value);
	for (i = 0; i < pol->n_iso; i++)
		free(pol->iso[i].value);
	free(pol->phys);
	free(pol->iso);
}

void config_free(struct np_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->n_policies; i++)
		policy_free(&cfg->policies[i]);
	for (i = 0; i < cfg->n_nets; i++) {
		free(cfg->nets[i].name);
		free(cfg->nets[i].bridge);
		free(cfg->nets[i].policy);
		free_strs(cfg->nets[i].hosts, cfg->nets[i].n_hosts);
	}
	for (i = 0; i < cfg->n_pool; i++) {
		free(cfg->pool[i].name);
		free(cfg->pool[i].address);
	}
	free(cfg->pool);
	for (i = 0; i < cfg->n_vms; i++) {
		free(cfg->vms[i].name);
		free(cfg->vms[i].policy);
		free_strs(cfg->vms[i].tags, cfg->vms[i].n_tags);
	}
	for (i = 0; i < cfg->n_vifs; i++) {
		struct np_vif_def *v = &cfg->vifs[i];

		free(v->name);
		free(v->ifname);
		free(v->network);
		free(v->vm);
		free(v->policy);
	}
	for (i = 0; i < cfg->n_nics; i++) {
		free(cfg->nics[i].name);
		free_strs(cfg->nics[i].tags, cfg->nics[i].n_tags);
	}
	free(cfg->policies);
	free(cfg->nets);
	free(cfg->vms);
	free(cfg->vifs);
	free(cfg->nics);
	free(cfg->host);
	memset(cfg, 0, sizeof(*cfg));
}

static int cmp_named(const void *a, const void *b)
{
	return strcmp(((const struct named *)a)->name,
		      ((const struct named *)b)->name);
}

static void sort_named(void *arr, size_t n, size_t size)
{
	if (n)
		qsort(arr, n, size, cmp_named);
}

/* Sort every kind by name, for printing and for config_*() lookups. */
void config_sort(struct np_config *cfg)
{
	sort_named(cfg->policies, cfg->n_policies, sizeof(*cfg->policies));
	sort_named(cfg->nets, cfg->n_nets, sizeof(*cfg->nets));
	sort_named(cfg->vms, cfg->n_vms, sizeof(*cfg->vms));
	sort_named(cfg->vifs, cfg->n_vifs, sizeof(*cfg->vifs));
	sort_named(cfg->nics, cfg->n_nics, sizeof(*cfg->nics));
	sort_named(cfg->pool, cfg->n_pool, sizeof(*cfg->pool));
}

static void *find_sorted(const void *arr, size_t n, size_t size,
			 const char *name)
{
	struct named key = { .name = (char *)name };

	if (!n || !name)
		return NULL;
	return bsearch(&key, arr, n, size, cmp_named);
}

struct np_policy_def *config_policy(const struct np_config *cfg,
				    const char *name)
{
	return find_sorted(cfg->policies, cfg->n_policies,
			   sizeof(*cfg->policies), name);
}

struct np_net_def *config_net(const struct np_config *cfg, const char *name)
{
	return find_sorted(cfg->nets, cfg->n_nets, sizeof(*cfg->nets), name);
}

struct np_vm_def *config_vm(const struct np_config *cfg, const char *name)
{
	return find_sorted(cfg->vms, cfg->n_vms, sizeof(*cfg->vms), name);
}

struct np_vif_def *config_vif(const struct np_config *cfg, const char *name)
{
	return find_sorted(cfg->vifs, cfg->n_vifs, sizeof(*cfg->vifs), name);
}

struct np_nic_def *config_nic(const struct np_config *cfg, const char *name)
{
	return find_sorted(cfg->nics, cfg->n_nics, sizeof(*cfg->nics), name);
}

void port_free(struct np_port_info *p)
{
	free(p->ifname);
	free(p->message);
	free(p->vif);
	free(p->network);
	free(p->bridge);
	free(p->vm);
	free(p->policy);
}
