// SPDX-License-Identifier: GPL-2.0
/*
 * The pool's objects as an agent keeps them between two changes (share.h).
 *
 * Three kinds of index, all balanced trees (<search.h>), so that a change
 * costs O(log n) per object it touches:
 * - every key of the store, by key (good or bad);
 * - the good objects of each kind, by name (what a check looks up);
 * - groups: for each name an object refers to (IX_POLICY, IX_NET, IX_VM)
 *   and each value that must be unique (IX_MAC, IX_IFNAME, IX_TID), the
 *   objects filed under it. A name is filed whether or not an object of
 *   that name exists, so that the object's arrival finds who named it.
 *
 * A put takes the object out of its groups and files it again; before and
 * after, everything whose check reads it is marked to check again (the
 * same walk of the groups: old names and new ones).
 */
#define _GNU_SOURCE
#include <search.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../config.h"
#include "../model.h"
#include "../print.h"
#include "../sha256.h"
#include "../util.h"
#include "pool.h"
#include "share.h"

#define OBJECTS POOL_PREFIX "objects/"

enum ix {
	IX_POLICY,		/* the policy it names */
	IX_NET,			/* a VIF's network */
	IX_VM,			/* a VIF's VM */
	IX_MAC,			/* a VIF's MAC */
	IX_IFNAME,		/* a VIF's exact interface name, if it has no MAC */
	IX_TID,			/* a network's tunnel kind and identifier */
	IX_COUNT
};

struct sobj {
	char *key;
	const char *name;		/* in @key */
	int kind;			/* enum obj_kind; -1: not an object kind */
	struct named *def;		/* NULL: the key is bad */
	char *bad;			/* the parser's words for a bad key */
	/* the value: its problems are found later, quoting it */
	char *text;
	size_t text_len;
	uint8_t digest[16];		/* of the value: SHA-256's first half */
	int n_problems;
	bool dirty;
	bool gone;			/* deleted: freed after the next check */
};

struct group {
	int ix;
	char *k;
	size_t n;
	struct sobj **v;	/* n > 1 */
	struct sobj *one;	/* n == 1 (most: unique values, rare names) */
};

static struct sobj **members(struct group *g)
{
	return g->n > 1 ? g->v : &g->one;
}

struct share_model {
	void *bykey;
	void *groups;
	struct sobj **dirty;
	size_t n_dirty;
	struct sobj **gone;	/* deleted, maybe still in dirty */
	size_t n_gone;
	size_t n_objects, n_bad, n_failing;
};

static int cmp_key(const void *a, const void *b)
{
	return strcmp(((const struct sobj *)a)->key, ((const struct sobj *)b)->key);
}

static int cmp_group(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	return x->ix != y->ix ? x->ix - y->ix : strcmp(x->k, y->k);
}

struct share_model *share_new(void)
{
	return xcalloc(1, sizeof(struct share_model));
}

static struct group *group_get(const struct share_model *m, int ix,
			       const char *k)
{
	struct group probe = { .ix = ix, .k = (char *)k };
	void *node;

	if (!k)
		return NULL;
	node = tfind(&probe, &m->groups, cmp_group);
	return node ? *(struct group **)node : NULL;
}

/*
 * The value @o is filed under in index @ix (NULL: none), from its object:
 * @buf holds it when it is not a string of the object.
 */
static const char *ix_key(const struct sobj *o, int ix, char buf[32])
{
	const struct np_net_def *n;
	const struct np_vif_def *v;
	struct np_diags scratch = { 0 };
	bool ok;

	if (!o->def)
		return NULL;
	switch (o->kind) {
	case OBJ_NET:
		n = (const void *)o->def;
		if (ix == IX_POLICY)
			return n->policy;
		if (ix != IX_TID || !n->has_id)
			return NULL;
		ok = check_net_id(n, &scratch);
		diags_free(&scratch);
		if (!ok)
			return NULL;
		snprintf(buf, 32, "%d/%u", n->tunnel ?: NETPOLICY_TUNNEL_VXLAN, n->id);
		return buf;
	case OBJ_VM:
		return ix == IX_POLICY ? ((const struct np_vm_def *)(const void *)o->def)->policy : NULL;
	case OBJ_VIF:
		v = (const void *)o->def;
		switch (ix) {
		case IX_POLICY:
			return v->policy;
		case IX_NET:
			return v->network;
		case IX_VM:
			return v->vm;
		case IX_MAC:
			if (!v->has_mac)
				return NULL;
			snprintf(buf, 32, "%02x:%02x:%02x:%02x:%02x:%02x", v->mac[0],
				 v->mac[1], v->mac[2], v->mac[3], v->mac[4], v->mac[5]);
			return buf;
		case IX_IFNAME:
			return !v->has_mac && v->ifname && !strpbrk(v->ifname, "*?") ?
			       v->ifname : NULL;
		}
	}
	return NULL;
}

static void file_under(struct share_model *m, struct sobj *o, int ix,
		       const char *k)
{
	struct group *g, probe = { .ix = ix, .k = (char *)k };
	void *node;

	if (!k)
		return;
	node = tsearch(&probe, &m->groups, cmp_group);
	if (!node) {
		fprintf(stderr, "npmgr: out of memory\n");
		exit(1);
	}
	if (*(struct group **)node == &probe) {
		g = xcalloc(1, sizeof(*g));
		g->ix = ix;
		g->k = xstrdup(k);
		*(struct group **)node = g;	/* the same key: the order holds */
	}
	g = *(struct group **)node;
	if (!g->n) {
		g->one = o;
	} else {
		if (g->n == 1) {
			g->v = xcalloc(2, sizeof(*g->v));
			g->v[0] = g->one;
		} else {
			g->v = xrealloc(g->v, (g->n + 1) * sizeof(*g->v));
		}
		g->v[g->n] = o;
	}
	g->n++;
}

static void unfile(struct share_model *m, struct sobj *o)
{
	struct sobj **v;
	struct group *g;
	char buf[32];
	size_t i;
	int ix;

	for (ix = 0; ix < IX_COUNT; ix++) {
		g = group_get(m, ix, ix_key(o, ix, buf));
		if (!g)
			continue;
		v = members(g);
		for (i = 0; i < g->n && v[i] != o; i++)
			;
		if (i < g->n)
			v[i] = v[g->n - 1];
		g->n--;
		if (g->n == 1) {
			g->one = g->v[0];
			free(g->v);
			g->v = NULL;
		} else if (!g->n) {
			tdelete(g, &m->groups, cmp_group);
			free(g->k);
			free(g);
		}
	}
}

/* File @o's object under its name and every name and unique value in it. */
static void file(struct share_model *m, struct sobj *o)
{
	char buf[32];
	int ix;

	if (!o->def)
		return;
	for (ix = 0; ix < IX_COUNT; ix++)
		file_under(m, o, ix, ix_key(o, ix, buf));
}

static void mark(struct share_model *m, struct sobj *o)
{
	if (o->dirty)
		return;
	o->dirty = true;
	*(struct sobj **)xpush((void **)&m->dirty, &m->n_dirty,
			       sizeof(*m->dirty)) = o;
}

static void mark_group(struct share_model *m, int ix, const char *k)
{
	struct group *g = group_get(m, ix, k);
	size_t i;

	for (i = 0; g && i < g->n; i++)
		mark(m, members(g)[i]);
}

/* @o, and every object whose check reads it, as it is filed now. */
static void mark_readers(struct share_model *m, struct sobj *o)
{
	struct sobj *r;
	struct group *g;
	char buf[32];
	size_t i;

	mark(m, o);
	if (!o->def)
		return;
	switch (o->kind) {
	case OBJ_POLICY:
		/* who names it, and the VIFs it governs through them */
		g = group_get(m, IX_POLICY, o->name);
		for (i = 0; g && i < g->n; i++) {
			r = members(g)[i];
			mark(m, r);
			if (r->kind == OBJ_NET)
				mark_group(m, IX_NET, r->name);
			else if (r->kind == OBJ_VM)
				mark_group(m, IX_VM, r->name);
		}
		break;
	case OBJ_NET:
		mark_group(m, IX_NET, o->name);
		mark_group(m, IX_TID, ix_key(o, IX_TID, buf));
		break;
	case OBJ_VM:
		mark_group(m, IX_VM, o->name);
		break;
	case OBJ_VIF:
		mark_group(m, IX_MAC, ix_key(o, IX_MAC, buf));
		mark_group(m, IX_IFNAME, ix_key(o, IX_IFNAME, buf));
		break;
	}
}

/* "KIND/NAME" after the prefix: the kind, and the name in *name. */
static int key_kind(const char *key, const char **name)
{
	const char *k = key + strlen(OBJECTS), *slash = strchr(k, '/');
	int kind;

	*name = slash ? slash + 1 : k;
	if (strncmp(key, OBJECTS, strlen(OBJECTS)) || !slash)
		return -1;
	for (kind = 0; kind < OBJ_COUNT; kind++)
		if (kind != OBJ_NIC && kind != OBJ_HOST &&
		    strlen(obj_kinds[kind].name) == (size_t)(slash - k) &&
		    !strncmp(k, obj_kinds[kind].name, (size_t)(slash - k)))
			return kind;
	return -1;
}

/* Parse @value: @o's one object, or why not in o->bad. */
static void parse(struct sobj *o, const char *value, size_t len)
{
	struct np_diags d = { 0 };
	struct np_config c;
	size_t total = 0;
	int k;

	if (!config_parse(o->key, value, len, &c, &d)) {
		for (k = 0; k < OBJ_COUNT; k++)
			total += config_count(&c, k);
		if (total == 1 && o->kind >= 0 && config_count(&c, o->kind) == 1 &&
		    !strcmp(config_obj(&c, o->kind, 0)->name, o->name))
			o->def = config_take_last(&c, o->kind);
	}
	if (!o->def)
		o->bad = xasprintf("%snpmgr: pool: %s does not hold exactly the one object its key names\n",
				   d.text ? d.text : "", o->key);
	else
		o->text = xstrndup(value, o->text_len = len);
	config_free(&c);
	diags_free(&d);
}

static void forget(struct share_model *m, struct sobj *o)
{
	unfile(m, o);
	if (o->def)
		m->n_objects--;
	else
		m->n_bad--;
	if (o->n_problems)
		m->n_failing--;
	o->n_problems = 0;
	obj_free(o->kind, o->def);
	o->def = NULL;
	free(o->bad);
	o->bad = NULL;
	free(o->text);
	o->text = NULL;
}

bool share_put(struct share_model *m, const char *key, const char *value,
	       size_t len)
{
	struct sobj probe = { .key = (char *)key }, *o = NULL;
	uint8_t digest[SHA256_LEN];
	struct sha256 h;
	void *node;

	node = tfind(&probe, &m->bykey, cmp_key);
	if (node)
		o = *(struct sobj **)node;
	if (value) {
		sha256_init(&h);
		sha256_update(&h, value, len);
		sha256_final(&h, digest);
		if (o && !memcmp(o->digest, digest, sizeof(o->digest)))
			return false;
	}
	if (!o && !value)
		return false;
	if (o) {
		mark_readers(m, o);
		forget(m, o);
	}
	if (!value) {
		tdelete(o, &m->bykey, cmp_key);
		o->gone = true;
		*(struct sobj **)xpush((void **)&m->gone, &m->n_gone,
				       sizeof(*m->gone)) = o;
		return true;
	}
	if (!o) {
		o = xcalloc(1, sizeof(*o));
		o->key = xstrdup(key);
		o->kind = key_kind(o->key, &o->name);
		tsearch(o, &m->bykey, cmp_key);
	}
	memcpy(o->digest, digest, sizeof(o->digest));
	parse(o, value, len);
	if (o->def)
		m->n_objects++;
	else
		m->n_bad++;
	file(m, o);
	mark_readers(m, o);
	return true;
}

/* The good object of @kind named @name: found by its key. */
static const void *lookup(const void *ctx, enum obj_kind kind,
			  const char *name)
{
	const struct share_model *m = ctx;
	struct sobj probe = { 0 };
	char buf[256];
	void *node;

	if ((size_t)snprintf(buf, sizeof(buf), OBJECTS "%s/%s",
			     obj_kinds[kind].name, name) < sizeof(buf)) {
		probe.key = buf;
		node = tfind(&probe, &m->bykey, cmp_key);
	} else {
		probe.key = xasprintf(OBJECTS "%s/%s", obj_kinds[kind].name, name);
		node = tfind(&probe, &m->bykey, cmp_key);
		free(probe.key);
	}
	return node ? (*(struct sobj **)node)->def : NULL;
}

/* The first other object (by key) filed with @o under @ix, or NULL. */
static const struct sobj *twin(const struct share_model *m,
			       const struct sobj *o, int ix)
{
	char buf[32];
	struct group *g = group_get(m, ix, ix_key(o, ix, buf));
	const struct sobj *t = NULL;
	size_t i;

	for (i = 0; g && i < g->n; i++)
		if (members(g)[i] != o && (!t || strcmp(members(g)[i]->key, t->key) < 0))
			t = members(g)[i];
	return t;
}

static void check_one(struct share_model *m, struct sobj *o, FILE *out)
{
	struct np_names names = { lookup, m };
	struct np_diags d = { .file = o->key, .buf = o->text,
			      .buf_len = o->text_len };
	const struct np_net_def *n;
	const struct np_vif_def *v;
	const struct sobj *t;
	int was = o->n_problems;

	if (!o->def) {
		o->n_problems = 1;
		if (out)
			fputs(o->bad, out);
		goto count;
	}
	switch (o->kind) {
	case OBJ_POLICY:
		check_policy_obj((const void *)o->def, &d);
		break;
	case OBJ_NET:
		n = (const void *)o->def;
		check_net_obj(n, &names, &d);
		check_net_id(n, &d);
		t = twin(m, o, IX_TID);
		if (t)
			diag_add(&d, n->id_pos,
				 "network '%s' has the %s identifier %u of network '%s'",
				 n->name, tunnel_name(n->tunnel ?: NETPOLICY_TUNNEL_VXLAN),
				 n->id, t->name);
		break;
	case OBJ_VM:
		check_vm_obj((const void *)o->def, &names, &d);
		break;
	case OBJ_VIF:
		v = (const void *)o->def;
		check_vif_obj(v, &names, &d);
		t = twin(m, o, IX_MAC);
		if (t)
			diag_add(&d, v->mac_pos,
				 "vif '%s' has the same MAC address as vif '%s'",
				 v->name, t->name);
		t = twin(m, o, IX_IFNAME);
		if (t)
			diag_add(&d, v->ifname_pos,
				 "vif '%s' has the same interface name as vif '%s'",
				 v->name, t->name);
		break;
	}
	o->n_problems = d.count;
	if (out && d.count)
		fputs(d.text, out);
	diags_free(&d);
count:
	if (!was != !o->n_problems)
		m->n_failing += o->n_problems ? 1 : -1;
}

static void sobj_free(void *p)
{
	struct sobj *o = p;

	obj_free(o->kind, o->def);
	free(o->bad);
	free(o->text);
	free(o->key);
	free(o);
}

struct share_check share_check(struct share_model *m, FILE *out)
{
	struct share_check r = { 0 };
	size_t i;

	for (i = 0; i < m->n_dirty; i++) {
		struct sobj *o = m->dirty[i];

		o->dirty = false;
		if (o->gone)
			continue;
		check_one(m, o, out);
		r.checked++;
	}
	m->n_dirty = 0;
	for (i = 0; i < m->n_gone; i++)
		sobj_free(m->gone[i]);
	m->n_gone = 0;
	r.bad_keys = m->n_bad;
	r.failing = m->n_failing;
	return r;
}

size_t share_count(const struct share_model *m)
{
	return m->n_objects;
}

static void print_one(const void *node, VISIT which, void *f)
{
	const struct sobj *o = *(struct sobj *const *)node;
	struct np_config one;

	if ((which != postorder && which != leaf) || !o->def)
		return;
	config_view(&one, o->kind, o->def);
	print_config(f, &one);
}

void share_print(const struct share_model *m, FILE *f)
{
	twalk_r(m->bykey, print_one, f);
}

static void group_free(void *p)
{
	struct group *g = p;

	free(g->k);
	free(g->v);
	free(g);
}

void share_free(struct share_model *m)
{
	size_t i;
	if (!m)
		return;
	tdestroy(m->groups, group_free);
	/* what the trees no longer hold, then what they do */
	for (i = 0; i < m->n_gone; i++)
		sobj_free(m->gone[i]);
	free(m->gone);
	free(m->dirty);
	tdestroy(m->bykey, sobj_free);
	free(m);
}
