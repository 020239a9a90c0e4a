// SPDX-License-Identifier: GPL-2.0
/*
 * npmgr: the policy file parser.
 *
 *   file   := { block }
 *   block  := ( "policy" | "network" | "vm" | "vif" | "nic" | "host" ) name
 *             "{" { stmt } "}"
 *   stmt   := key "=" value [ ";" ]
 *   value  := word | string | "{" [ item { "," item } [ "," ] ] "}"
 *   item   := word | string | ( "TAG" | "NAME" ) "(" ( word | string ) ")"
 *
 * A word is a run of letters, digits and _ . - : * ? + @; a string is
 * "double quoted" with \" and \\ escapes, on one line. '#' starts a comment
 * that runs to the end of the line. The keys of each block are listed in
 * the tables below (a policy block's in model.c's pol_attrs[]); anything
 * else is an error. Documentation/netpolicy.rst and npmgr(8) describe the
 * format for users. The checks that need the whole file are in check.c.
 */

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

enum tok_type {
	T_EOF, T_WORD, T_STRING, T_LBRACE, T_RBRACE, T_EQ, T_COMMA,
	T_LPAREN, T_RPAREN, T_SEMI, T_BAD,
};

/*
 * A word's text is where it is in the file, not NUL-terminated: compare it
 * with tok_is() and print it with "%.*s". A string's (its escapes undone)
 * and a T_BAD's message are the token's own, NUL-terminated.
 */
struct tok {
	enum tok_type type;
	const char *text;		/* T_WORD, T_STRING, T_BAD */
	size_t len;			/* of text: T_WORD, T_STRING */
	char *owned;			/* text, when the token allocated it */
	size_t start;			/* where it starts in the buffer */
};

struct parser {
	const char *buf;
	size_t len, i;
	struct np_config *cfg;		/* what is parsed into */
	struct tok tok;			/* the lookahead */
	bool words_end;			/* the last byte is not a word's */
	struct np_diags *d;
};

/*
 * The lexer's classes of bytes, looked up once per byte: a 100,000-VIF
 * file is 9 MB, and this loop is most of what parsing it costs. A byte of
 * a one-byte token is of its token's class (below C_WORD).
 */
enum {
	C_OTHER,
	/* T_LBRACE ... T_SEMI */
	C_WORD = T_BAD + 1, C_QUOTE,
	/* what lies between tokens: above every class a token starts with */
	C_SPACE, C_HASH,
};

static const unsigned char byte_class[256] = {
	['a' ... 'z'] = C_WORD, ['A' ... 'Z'] = C_WORD,
	['0' ... '9'] = C_WORD, ['_'] = C_WORD, ['.'] = C_WORD,
	['-'] = C_WORD, [':'] = C_WORD, ['*'] = C_WORD, ['?'] = C_WORD,
	['+'] = C_WORD, ['@'] = C_WORD,
	[' '] = C_SPACE, ['\t'] = C_SPACE, ['\r'] = C_SPACE,
	['\v'] = C_SPACE, ['\f'] = C_SPACE, ['\n'] = C_SPACE,
	['#'] = C_HASH, ['"'] = C_QUOTE,
	['{'] = T_LBRACE, ['}'] = T_RBRACE, ['='] = T_EQ, [','] = T_COMMA,
	['('] = T_LPAREN, [')'] = T_RPAREN, [';'] = T_SEMI,
};

static char peekc(struct parser *p)
{
	return p->i < p->len ? p->buf[p->i] : '\0';
}

/* Past one byte of a string (which holds no newline). */
static void advance(struct parser *p)
{
	p->i++;
}

/* Make the lookahead a T_BAD token: @msg is its message, allocated. */
static void bad_token(struct parser *p, char *msg)
{
	p->tok.type = T_BAD;
	p->tok.text = p->tok.owned = msg;
}

/* A "string" (p->i at its opening quote) into p->tok. */
static void lex_string(struct parser *p)
{
	size_t cap = 16, n = 0;
	char *out = xcalloc(cap, 1);
	char c;

	advance(p);
	for (;;) {
		c = peekc(p);
		if (p->i >= p->len || c == '\n') {
			free(out);
			bad_token(p, xstrdup("unterminated string"));
			return;
		}
		advance(p);
		if (c == '"')
			break;
		if (c == '\\') {
			c = peekc(p);
			if (p->i >= p->len || (c != '"' && c != '\\')) {
				free(out);
				bad_token(p, xstrdup("only \\\" and \\\\ escapes exist in strings"));
				return;
			}
			advance(p);
		}
		if (c == '\0') {
			free(out);
			bad_token(p, xstrdup("NUL byte in string"));
			return;
		}
		/* names reach logs and terminals (the kernel agrees) */
		if ((unsigned char)c < 0x20 || (unsigned char)c > 0x7e) {
			free(out);
			out = xcalloc(64, 1);
			snprintf(out, 64, "byte 0x%02x in string: printable ASCII only",
				 (unsigned char)c);
			bad_token(p, out);
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
	p->tok.text = p->tok.owned = out;
	p->tok.len = n;
}

/* A byte no token starts with, into a T_BAD token. */
static void __attribute__((noinline)) lex_bad(struct parser *p,
					       unsigned char c)
{
	char *msg = xcalloc(48, 1);

	if (isprint(c))
		snprintf(msg, 48, "unexpected character '%c'", c);
	else
		snprintf(msg, 48, "unexpected byte 0x%02x", c);
	bad_token(p, msg);
}

/* The lookahead owned its text: the lexer moves on from it. */
static void __attribute__((noinline)) drop_owned(struct parser *p)
{
	free(p->tok.owned);
	p->tok.owned = NULL;
}

/* A token at @i (class @k) that is not a word or a one-byte token. */
static void __attribute__((noinline)) lex_rest(struct parser *p, size_t i,
					       unsigned char k)
{
	p->i = i;
	if (k == C_QUOTE)
		lex_string(p);
	else if (i < p->len)
		lex_bad(p, (unsigned char)p->buf[i]);
	else
		p->tok.type = T_EOF;
}

/*
 * Read the next token into p->tok, past white space and comments. A
 * 100,000-VIF file is two million tokens, most of them words: a word costs
 * the scan of its bytes and four stores, and calls nothing (so this saves
 * no registers). Lines are not counted: a position is a byte offset
 * (struct np_pos), which the diagnostics turn into a line.
 */
static void lex(struct parser *p)
{
	const unsigned char *buf = (const unsigned char *)p->buf;
	size_t i = p->i, j, len = p->len;
	unsigned char k = C_OTHER;

	for (; i < len; i++) {
		k = byte_class[buf[i]];
		if (k < C_SPACE)
			break;
		if (k == C_HASH) {
			while (i + 1 < len && buf[i + 1] != '\n')
				i++;
		}
		k = C_OTHER;
	}
	p->tok.start = i;
	p->tok.text = (const char *)buf + i;
	if (k == C_WORD) {
		j = i + 1;
		if (p->words_end)	/* a word ends before the buffer does */
			while (byte_class[buf[j]] == C_WORD)
				j++;
		else
			while (j < len && byte_class[buf[j]] == C_WORD)
				j++;
		p->tok.type = T_WORD;
		p->tok.len = j - i;
		p->i = j;
	} else if (k > C_OTHER && k < C_WORD) {
		p->tok.type = k;
		p->i = i + 1;
	} else {
		lex_rest(p, i, k);
	}
}

static inline void next(struct parser *p)
{
	if (p->tok.owned)
		drop_owned(p);
	lex(p);
}

/* Where the lookahead starts. */
static struct np_pos tok_pos(const struct parser *p)
{
	return np_pos_at(p->tok.start);
}

static size_t min_len(size_t a, size_t b)
{
	return a < b ? a : b;
}

/*
 * Whether the @len bytes at @w (a word: no NUL among them) are the string
 * @s. Keys and keywords are short: a loop beats a call to strncmp().
 */
static bool word_eq(const char *w, size_t len, const char *s)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (w[i] != s[i])	/* also where @s ends first */
			return false;
	return !s[len];
}

/* Whether the lookahead is the word @w. */
static bool tok_is(const struct parser *p, const char *w)
{
	return p->tok.type == T_WORD && word_eq(p->tok.text, p->tok.len, w);
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
		snprintf(out, n, "'%.*s'", (int)min_len(t->len, 40), t->text);
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
		diag_add(p->d, tok_pos(p), "%s", p->tok.text);
		return -1;
	}
	describe(&p->tok, found, sizeof(found));
	diag_add(p->d, tok_pos(p), "expected %s, found %s", what, found);
	return -1;
}

static int expect(struct parser *p, enum tok_type type, const char *what)
{
	if (p->tok.type != type)
		return fail_expect(p, what);
	next(p);
	return 0;
}

/*
 * config_strndup() of the lookahead's text, inline: a 100,000-VIF file has
 * 600,000 names. One that fits in 8 bytes is copied as one 8-byte word
 * when both ends have the room (the bytes past its NUL are overwritten by
 * the next string).
 */
static char *tok_copy(struct parser *p)
{
	struct np_config *cfg = p->cfg;
	const char *s = p->tok.text;
	size_t n = p->tok.len, i;
	char *out;

	if (!cfg->strs || cfg->strs_size - cfg->strs_used <= n)
		return config_strndup(cfg, s, n);
	out = cfg->strs + cfg->strs_used;
	if (n < 8 && cfg->strs_size - cfg->strs_used >= 8 &&
	    (size_t)(p->buf + p->len - s) >= 8) {
		__builtin_memcpy(out, s, 8);
	} else {
		for (i = 0; i < n; i++)
			out[i] = s[i];
	}
	out[n] = '\0';
	cfg->strs_used += n + 1;
	return out;
}

/*
 * A word or string value; returns it (config_str_free() it, or give it to
 * an object of p->cfg) or NULL.
 */
static char *take_text(struct parser *p, const char *what, struct np_pos *pos)
{
	char *s;

	if (p->tok.type != T_WORD && p->tok.type != T_STRING) {
		fail_expect(p, what);
		return NULL;
	}
	if (pos)
		*pos = tok_pos(p);
	s = tok_copy(p);
	next(p);
	return s;
}

static int take_name(struct parser *p, const char *what, char **out,
		     struct np_pos *pos)
{
	struct np_pos at = tok_pos(p);
	size_t len = p->tok.len;
	char *s = take_text(p, what, &at);

	if (!s)
		return -1;
	if (!len || len >= NETPOLICY_NAME_MAX) {
		diag_add(p->d, at, "%s must be 1 to %d characters long", what,
			 NETPOLICY_NAME_MAX - 1);
		config_str_free(p->cfg, s);
		return -1;
	}
	*out = s;
	if (pos)
		*pos = at;
	return 0;
}

static int take_bool(struct parser *p, bool *out)
{
	if (tok_is(p, "true"))
		*out = true;
	else if (tok_is(p, "false"))
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
		struct np_pos at = tok_pos(p);
		char *value;
		int type = 0;

		if (*n >= max) {
			diag_add(p->d, at, "%s holds at most %zu items", what, max);
			return -1;
		}
		if (sel) {
			if (tok_is(p, "TAG"))
				type = NETPOLICY_SEL_TAG;
			else if (tok_is(p, "NAME"))
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
	config_str_free(p->cfg, s);
	return err;
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
		config_str_free(p->cfg, s);
		return -1;
	}
	config_str_free(p->cfg, s);
	*out = (uint32_t)v;
	return 0;
}


/* "a host name" -> "host name", for "unsupported ..." */
static const char *noun(const char *what)
{
	if (!strncmp(what, "an ", 3))
		return what + 3;
	return strncmp(what, "a ", 2) ? what : what + 2;
}

/* A policy block's keys are the policy attributes. */
static int policy_stmt(struct parser *p, void *obj, int key)
{
	const struct pol_attr_desc *a = &pol_attrs[key];
	struct np_policy_def *pol = obj;
	struct np_sel **sels;
	struct np_pos at;
	size_t *n;
	char *s;
	int *v;

	pol->present |= PA_BIT(key);
	switch (a->type) {
	case PA_T_BOOL:
		return take_bool(p, pol_bool(pol, key));
	case PA_T_NAME:
		return take_name(p, a->what, pol_name(pol, key), NULL);
	case PA_T_SELECTORS:
		sels = pol_sels(pol, key, &n);
		return take_set(p, true, (void **)sels, n,
				NETPOLICY_SELECTORS_MAX, a->key);
	case PA_T_ENUM:
		break;
	}
	s = take_text(p, a->what, &at);
	if (!s)
		return -1;
	v = pol_enum(pol, key);
	*v = pol_enum_parse(key, s);
	if (!*v) {
		char list[128] = "";
		int i;

		for (i = 1; i <= a->max; i++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list),
				 "%s%s", i > 1 ? ", " : "", a->names[i]);
		diag_add(p->d, at, "unsupported %s '%.64s' (supported: %s)",
			 noun(a->what), s, list);
	}
	config_str_free(p->cfg, s);
	return *v ? 0 : -1;
}

enum net_key { NK_BRIDGE, NK_POLICY, NK_TUNNEL, NK_ID, NK_HOSTS, NK_COUNT };

static const char *const net_keys[NK_COUNT] = {
	[NK_BRIDGE] = "bridge", [NK_POLICY] = "policy", [NK_TUNNEL] = "tunnel",
	[NK_ID] = "id", [NK_HOSTS] = "hosts",
};

static int network_stmt(struct parser *p, void *obj, int key)
{
	struct np_net_def *net = obj;
	struct np_pos at;
	char *s;

	switch ((enum net_key)key) {
	case NK_POLICY:
		return take_name(p, "a policy name", &net->policy,
				 &net->policy_pos);
	case NK_TUNNEL:
		s = take_text(p, "a tunnel kind", &at);
		if (!s)
			return -1;
		net->tunnel_pos = at;
		net->tunnel = tunnel_parse(s);
		if (!net->tunnel)
			diag_add(p->d, at,
				 "unknown tunnel kind '%.64s' (known: vxlan, gretap, geneve)",
				 s);
		config_str_free(p->cfg, s);
		return net->tunnel ? 0 : -1;
	case NK_ID:
		net->has_id = true;
		return take_u32(p, "a tunnel identifier", UINT32_MAX, &net->id,
				&net->id_pos);
	case NK_HOSTS:
		net->hosts_pos = tok_pos(p);
		return take_set(p, false, (void **)&net->hosts, &net->n_hosts,
				NETPOLICY_SELECTORS_MAX, "hosts");
	case NK_BRIDGE:
	case NK_COUNT:
		break;
	}
	s = take_text(p, "a bridge name", &at);
	if (!s)
		return -1;
	net->bridge = s;
	net->bridge_pos = at;
	if (!glob_valid(s) || has_wildcard(s)) {
		diag_add(p->d, at, "'%.64s' is not a valid bridge name", s);
		return -1;
	}
	return 0;
}

enum vm_key { VK_UUID, VK_TAGS, VK_POLICY, VK_COUNT };

static const char *const vm_keys[VK_COUNT] = {
	[VK_UUID] = "uuid", [VK_TAGS] = "tags", [VK_POLICY] = "policy",
};

static int vm_stmt(struct parser *p, void *obj, int key)
{
	struct np_vm_def *vm = obj;

	switch ((enum vm_key)key) {
	case VK_UUID:
		return take_uuid(p, &vm->has_uuid, vm->uuid);
	case VK_TAGS:
		return take_set(p, false, (void **)&vm->tags, &vm->n_tags,
				NETPOLICY_TAGS_MAX, "tags");
	case VK_POLICY:
	case VK_COUNT:
		break;
	}
	return take_name(p, "a policy name", &vm->policy, &vm->policy_pos);
}

enum vif_key { FK_IFNAME, FK_MAC, FK_NETWORK, FK_VM, FK_POLICY, FK_COUNT };

static const char *const vif_keys[FK_COUNT] = {
	[FK_IFNAME] = "ifname", [FK_MAC] = "mac", [FK_NETWORK] = "network",
	[FK_VM] = "vm", [FK_POLICY] = "policy",
};

static int vif_ifname(struct parser *p, struct np_vif_def *vif)
{
	vif->ifname = take_text(p, "an interface name or glob",
				&vif->ifname_pos);
	if (!vif->ifname)
		return -1;
	if (!glob_valid(vif->ifname)) {
		diag_add(p->d, vif->ifname_pos,
			 "'%.64s' is not a valid interface name or glob (1 to 15 characters, no '/', ':' or spaces)",
			 vif->ifname);
		return -1;
	}
	return 0;
}

static int vif_mac(struct parser *p, struct np_vif_def *vif)
{
	char *s = take_text(p, "a MAC address", &vif->mac_pos);
	const uint8_t *m = vif->mac;
	int err = 0;

	if (!s)
		return -1;
	vif->has_mac = true;
	if (!parse_mac(s, vif->mac)) {
		diag_add(p->d, vif->mac_pos,
			 "'%.64s' is not a MAC address (xx:xx:xx:xx:xx:xx)", s);
		err = -1;
	} else if ((m[0] & 1) || !(m[0] | m[1] | m[2] | m[3] | m[4] | m[5])) {
		diag_add(p->d, vif->mac_pos,
			 "'%.64s' is a multicast or zero MAC address", s);
		err = -1;
	} else if (m[0] == 0xfe && (m[1] & m[2] & m[3] & m[4] & m[5]) == 0xff) {
		/* it could never tell one guest from another */
		diag_add(p->d, vif->mac_pos,
			 "'%.64s' is the address of every Xen netback vif: bind a Xen guest by its own MAC (the vif's mac=, which npmgr passes on) or by name",
			 s);
		err = -1;
	}
	config_str_free(p->cfg, s);
	return err;
}

static int vif_stmt(struct parser *p, void *obj, int key)
{
	struct np_vif_def *vif = obj;

	switch ((enum vif_key)key) {
	case FK_IFNAME:
		return vif_ifname(p, vif);
	case FK_MAC:
		return vif_mac(p, vif);
	case FK_NETWORK:
		return take_name(p, "a network name", &vif->network,
				 &vif->network_pos);
	case FK_VM:
		return take_name(p, "a VM name", &vif->vm, &vif->vm_pos);
	case FK_POLICY:
	case FK_COUNT:
		break;
	}
	return take_name(p, "a policy name", &vif->policy, &vif->policy_pos);
}

static const char *const nic_keys[] = { "tags" };

static int nic_stmt(struct parser *p, void *obj, int key)
{
	struct np_nic_def *nic = obj;

	(void)key;
	return take_set(p, false, (void **)&nic->tags, &nic->n_tags,
			NETPOLICY_TAGS_MAX, "tags");
}

static const char *const host_keys[] = { "address", "macsec" };

static int host_stmt(struct parser *p, void *obj, int key)
{
	struct np_host_def *h = obj;
	struct in_addr a;
	bool macsec;

	if (key == 1) {
		if (take_bool(p, &macsec))
			return -1;
		h->no_macsec = !macsec;
		return 0;
	}
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

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/*
 * The blocks of a policy file. A block's keys are an array whose elements
 * start with the key's name (stride: the element's size); the statement
 * function gets the index of the key that was written.
 */
static const struct block {
	enum obj_kind kind;		/* its keyword: obj_kinds[].name */
	const char *what;		/* what its name is, in messages */
	const void *keys;
	size_t stride;
	int n_keys;
	int (*stmt)(struct parser *p, void *obj, int key);
	bool ifname;			/* the name is an interface's */
} blocks[] = {
	{ .kind = OBJ_POLICY, .what = "a policy name", .keys = pol_attrs,
	  .stride = sizeof(pol_attrs[0]), .n_keys = PA_COUNT,
	  .stmt = policy_stmt },
	{ .kind = OBJ_NET, .what = "a network name", .keys = net_keys,
	  .stride = sizeof(net_keys[0]), .n_keys = NK_COUNT,
	  .stmt = network_stmt },
	{ .kind = OBJ_VM, .what = "a VM name", .keys = vm_keys,
	  .stride = sizeof(vm_keys[0]), .n_keys = VK_COUNT, .stmt = vm_stmt },
	{ .kind = OBJ_VIF, .what = "a VIF name", .keys = vif_keys,
	  .stride = sizeof(vif_keys[0]), .n_keys = FK_COUNT, .stmt = vif_stmt },
	{ .kind = OBJ_NIC, .what = "an interface name", .keys = nic_keys,
	  .stride = sizeof(nic_keys[0]), .n_keys = ARRAY_LEN(nic_keys),
	  .stmt = nic_stmt, .ifname = true },
	{ .kind = OBJ_HOST, .what = "a host name", .keys = host_keys,
	  .stride = sizeof(host_keys[0]), .n_keys = ARRAY_LEN(host_keys),
	  .stmt = host_stmt },
};

static const char *block_name(const struct block *b)
{
	return obj_kinds[b->kind].name;
}

static const char *key_name(const struct block *b, int i)
{
	return *(const char *const *)((const char *)b->keys + i * b->stride);
}

/* The index of the key @key (@len bytes, not NUL-terminated), or -1. */
static int key_index(const struct block *b, const char *key, size_t len)
{
	int i;

	for (i = 0; i < b->n_keys; i++) {
		const char *k = key_name(b, i);

		if (k[0] == key[0] && word_eq(key, len, k))
			return i;
	}
	return -1;
}

static void unknown_key(struct parser *p, const struct block *b,
			const char *key, size_t len, struct np_pos pos)
{
	char list[256] = "";
	int i;

	if (b->kind == OBJ_VIF &&
	    (word_eq(key, len, "uuid") || word_eq(key, len, "tags"))) {
		diag_add(p->d, pos,
			 "'%.*s' describes the VM, not the interface: write it in a 'vm NAME { }' block and set 'vm = NAME' here",
			 (int)len, key);
		return;
	}
	for (i = 0; i < b->n_keys; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
			 "%s%s", i ? ", " : "", key_name(b, i));
	diag_add(p->d, pos, "unknown key '%.*s' in a %s block (known keys: %s)",
		 (int)min_len(len, 64), key, block_name(b), list);
}

static int unknown_block(struct parser *p)
{
	char list[128] = "";
	size_t i;

	for (i = 0; i < ARRAY_LEN(blocks); i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
			 "%s'%s'", !i ? "" : i + 1 < ARRAY_LEN(blocks) ? ", " :
			 " or ", block_name(&blocks[i]));
	return fail_expect(p, list);
}

static int parse_block(struct parser *p, struct np_config *cfg)
{
	const struct block *b = NULL;
	struct np_pos name_pos;
	unsigned int seen = 0;
	struct named *obj;
	char *name;
	size_t i;

	for (i = 0; i < ARRAY_LEN(blocks) && !b && p->tok.type == T_WORD; i++)
		if (block_name(&blocks[i])[0] == p->tok.text[0] &&
		    word_eq(p->tok.text, p->tok.len, block_name(&blocks[i])))
			b = &blocks[i];
	if (!b)
		return unknown_block(p);
	next(p);
	if (take_name(p, b->what, &name, &name_pos))
		return -1;
	if (b->ifname && (strlen(name) >= IFNAMSIZ_NP || !glob_valid(name) ||
			  has_wildcard(name))) {
		diag_add(p->d, name_pos, "'%.64s' is not a valid interface name",
			 name);
		config_str_free(p->cfg, name);
		return -1;
	}
	obj = config_push(cfg, b->kind);
	obj->name = name;
	obj->pos = name_pos;

	if (expect(p, T_LBRACE, "'{'"))
		return -1;
	while (p->tok.type != T_RBRACE) {
		struct np_pos key_pos = tok_pos(p);
		int key;

		if (p->tok.type != T_WORD)
			return fail_expect(p, "a key or '}'");
		key = key_index(b, p->tok.text, p->tok.len);
		if (key < 0) {
			unknown_key(p, b, p->tok.text, p->tok.len, key_pos);
			return -1;
		}
		if (seen & (1U << key)) {
			diag_add(p->d, key_pos, "'%.*s' is set twice in this block",
				 (int)p->tok.len, p->tok.text);
			return -1;
		}
		seen |= 1U << key;
		next(p);
		if (expect(p, T_EQ, "'='"))
			return -1;
		/* (only this block pushes objects of its kind: @obj stays) */
		if (b->stmt(p, obj, key))
			return -1;
		if (p->tok.type == T_SEMI)
			next(p);
	}
	next(p);
	return 0;
}

static int parse(const char *file, const char *buf, size_t len,
		 struct np_config *cfg, struct np_diags *d, bool packed)
{
	struct parser p = { .buf = buf, .len = len, .cfg = cfg, .d = d };
	int rc = 0;

	memset(cfg, 0, sizeof(*cfg));
	d->file = file;
	d->buf = buf;
	d->buf_len = len;
	if (len > NP_TEXT_MAX) {
		diag_add(d, (struct np_pos){ 0 },
			 "the text is %zu bytes: a policy text is at most %u bytes (4 GiB)",
			 len, NP_TEXT_MAX);
		return -1;
	}
	if (packed) {
		/*
		 * Every string is a token's text and a NUL: a word's NUL is
		 * paid by the byte that ends it, a string's by its quotes, so
		 * len + 1 bytes hold them all (the pages never written cost
		 * nothing).
		 */
		cfg->strs_size = len + 1;
		cfg->strs = xrealloc(NULL, cfg->strs_size);
	}
	p.words_end = len && byte_class[(unsigned char)buf[len - 1]] != C_WORD;
	next(&p);
	while (p.tok.type != T_EOF) {
		/* (a block's first token is a word, which points into @buf) */
		if (p.tok.type == T_WORD)
			*(uint32_t *)xpush((void **)&cfg->block_starts,
					   &cfg->n_blocks, sizeof(uint32_t)) =
				(uint32_t)(p.tok.text - buf);
		rc = parse_block(&p, cfg);
		if (rc)
			break;
	}
	free(p.tok.owned);
	return rc;
}

int config_parse(const char *file, const char *buf, size_t len,
		 struct np_config *cfg, struct np_diags *d)
{
	return parse(file, buf, len, cfg, d, false);
}

int config_parse_packed(const char *file, const char *buf, size_t len,
			struct np_config *cfg, struct np_diags *d)
{
	return parse(file, buf, len, cfg, d, true);
}
