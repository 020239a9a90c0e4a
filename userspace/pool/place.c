// SPDX-License-Identifier: GPL-2.0
/*
 * npmgr place: which host of the pool a VM should start on (or move to),
 * by the network policies of its interfaces, from what the store holds
 * (Documentation/netpolicy.rst, "Placing a VM"). Every live host is
 * judged; a host that cannot satisfy the policies is never chosen, and
 * the first reason it cannot is said in the words `explain` uses. With
 * --record, the choice is written in one transaction that holds only if
 * nothing it was decided on changed: two placements racing cannot
 * together break a constraint.
 */

#define _GNU_SOURCE
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../config.h"
#include "../graph.h"
#include "../util.h"
#include "pool.h"

/* Rewritten by every recorded placement: its revision orders them. */
#define PLACED_KEY POOL_PREFIX "placed"
#define PLACE_TRIES 10

/* One host of the pool: its spec, parsed, and whether it is alive. */
struct phost {
	const char *name;		/* the spec's */
	struct np_config spec;		/* its host block and NICs */
	const struct etcd_kv *spec_kv, *alive_kv;
	size_t n_placed;		/* VMs placed on it */
	size_t n_vms;			/* the same, the one placed aside */
	char *reason;			/* why not, or NULL: eligible */
};

/* What a decision reads of every VIF, looked up once. */
struct vif_info {
	const struct np_vm_def *vm;	/* its VM's object, or NULL */
	long hi;			/* the host its VM is placed on, or -1 */
	const char *where;		/* that host's name, or NULL: not placed */
	struct np_applied ap[3];	/* its policies */
	size_t n;
	bool local;			/* one of them keeps it on one host */
};

/* A recorded placement: VM -> host (hi: its index in hosts, or -1). */
struct pplace {
	const char *vm;
	char *host;
	long hi;
	char *vm_own;			/* vm, when this run recorded it */
};

struct place_ctx {
	struct pool_state st;
	struct np_config cfg;		/* the store's objects */
	struct phost *hosts;
	size_t n_hosts;
	struct pplace *pl;		/* sorted by VM */
	size_t n_pl;
	/* indexes, so that a decision costs the VM's networks, not the pool */
	const struct etcd_kv **kv_by_key;
	size_t *vif_by_net, *vif_by_vm;	/* into cfg.vifs, then by position */
	struct vif_info *vi;		/* one per cfg.vifs[] */
	const char *vm;
	bool words;			/* say why each host is refused */
	int64_t placed_rev;		/* PLACED_KEY's mod revision after this
					 * run's own record (0: as read) */
	const char *current;		/* where the VM is placed, or NULL */
	const struct phost *chosen;
	bool stays;			/* chosen: where it is placed */
};

/* a refusal whose words nobody will read (place_decide for the benchmark) */
static char refused_wordless[] = "refused";

static char *why_words(bool words, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static char *why_words(bool words, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (!words)
		return refused_wordless;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	return s;
}

static void reason_free(char *r)
{
	if (r != refused_wordless)
		free(r);
}

static int kv_ptr_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct etcd_kv *const *)a)->key,
		      (*(const struct etcd_kv *const *)b)->key);
}

static const struct etcd_kv *kv_find(const struct place_ctx *c, const char *key)
{
	const struct etcd_kv k = { .key = (char *)key }, *kp = &k, **r;

	r = bsearch(&kp, c->kv_by_key, c->st.kvs.n, sizeof(*c->kv_by_key), kv_ptr_cmp);
	return r ? *r : NULL;
}

static int pplace_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pplace *)a)->vm, ((const struct pplace *)b)->vm);
}

static const struct pplace *placement_of(const struct place_ctx *c, const char *vm)
{
	const struct pplace k = { .vm = vm };

	return vm && c->n_pl ? bsearch(&k, c->pl, c->n_pl, sizeof(*c->pl), pplace_cmp) : NULL;
}

static const char *placed_on(const struct place_ctx *c, const char *vm)
{
	const struct pplace *p = placement_of(c, vm);

	return p ? p->host : NULL;
}

/* The VIFs sorted by network (or by VM), and by position among equals. */
static const struct np_config *sort_cfg;

static int vif_net_cmp(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int r = strcmp(sort_cfg->vifs[x].network, sort_cfg->vifs[y].network);

	return r ? r : (x > y) - (x < y);
}

static int vif_vm_cmp(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	const char *p = sort_cfg->vifs[x].vm, *q = sort_cfg->vifs[y].vm;
	int r = strcmp(p ? p : "", q ? q : "");

	return r ? r : (x > y) - (x < y);
}

/* [*lo, *hi) of @idx whose VIF's field (network or VM) is @name. */
static void vif_range(const struct place_ctx *c, const size_t *idx, bool by_vm,
		      const char *name, size_t *lo, size_t *hi)
{
	size_t a = 0, b = c->cfg.n_vifs, m;
	const char *f;

	while (a < b) {		/* the first not below @name */
		m = a + (b - a) / 2;
		f = by_vm ? c->cfg.vifs[idx[m]].vm : c->cfg.vifs[idx[m]].network;
		if (strcmp(f ? f : "", name) < 0)
			a = m + 1;
		else
			b = m;
	}
	*lo = a;
	b = c->cfg.n_vifs;
	while (a < b) {		/* the first above it */
		m = a + (b - a) / 2;
		f = by_vm ? c->cfg.vifs[idx[m]].vm : c->cfg.vifs[idx[m]].network;
		if (strcmp(f ? f : "", name) <= 0)
			a = m + 1;
		else
			b = m;
	}
	*hi = a;
}

static const struct phost *sort_hosts;

static int host_idx_cmp(const void *a, const void *b)
{
	return strcmp(sort_hosts[*(const size_t *)a].name,
		      sort_hosts[*(const size_t *)b].name);
}

static int host_key_cmp(const void *key, const void *b)
{
	return strcmp(key, sort_hosts[*(const size_t *)b].name);
}

static size_t policies_of(const struct np_config *cfg,
			  const struct np_vif_def *v, struct np_applied ap[3]);
static bool any_local_only(const struct np_applied *ap, size_t n);

static int hosts_read(struct place_ctx *c)
{
	size_t i, *by_name;
	char key[512];

	c->kv_by_key = xcalloc(c->st.kvs.n + 1, sizeof(*c->kv_by_key));
	for (i = 0; i < c->st.kvs.n; i++)
		c->kv_by_key[i] = &c->st.kvs.kv[i];
	qsort(c->kv_by_key, c->st.kvs.n, sizeof(*c->kv_by_key), kv_ptr_cmp);
	c->vif_by_net = xcalloc(c->cfg.n_vifs + 1, sizeof(size_t));
	c->vif_by_vm = xcalloc(c->cfg.n_vifs + 1, sizeof(size_t));
	for (i = 0; i < c->cfg.n_vifs; i++)
		c->vif_by_net[i] = c->vif_by_vm[i] = i;
	sort_cfg = &c->cfg;
	qsort(c->vif_by_net, c->cfg.n_vifs, sizeof(size_t), vif_net_cmp);
	qsort(c->vif_by_vm, c->cfg.n_vifs, sizeof(size_t), vif_vm_cmp);
	sort_cfg = NULL;
	for (i = 0; i < c->st.n_specs; i++) {
		const struct pool_spec *sp = &c->st.specs[i];
		struct phost *h;
		struct np_diags d = { 0 };
		struct np_config spec;

		/* a spec that is not one host block is not a host (as agents) */
		if (config_parse("etcd spec", sp->text, strlen(sp->text), &spec, &d) ||
		    spec.n_pool != 1 || strcmp(spec.pool[0].name, sp->name)) {
			config_free(&spec);
			diags_free(&d);
			continue;
		}
		diags_free(&d);
		config_sort(&spec);
		h = xpush((void **)&c->hosts, &c->n_hosts, sizeof(*h));
		h->name = sp->name;
		h->spec = spec;
		snprintf(key, sizeof(key), POOL_PREFIX "hosts/%s/spec", sp->name);
		h->spec_kv = kv_find(c, key);
		snprintf(key, sizeof(key), POOL_PREFIX "hosts/%s/alive", sp->name);
		h->alive_kv = kv_find(c, key);
	}
	for (i = 0; i < c->st.kvs.n; i++) {
		const struct etcd_kv *kv = &c->st.kvs.kv[i];
		struct pplace *p;
		char *host;

		if (strncmp(kv->key, PLACEMENTS, strlen(PLACEMENTS)))
			continue;
		host = pool_placement_host(kv->value);
		if (!host)
			continue;
		p = xpush((void **)&c->pl, &c->n_pl, sizeof(*p));
		p->vm = kv->key + strlen(PLACEMENTS);
		p->host = host;
	}
	if (c->n_pl)
		qsort(c->pl, c->n_pl, sizeof(*c->pl), pplace_cmp);
	/* hosts stay in the specs' order; a placement finds its by name */
	by_name = xcalloc(c->n_hosts + 1, sizeof(*by_name));
	for (i = 0; i < c->n_hosts; i++)
		by_name[i] = i;
	sort_hosts = c->hosts;
	qsort(by_name, c->n_hosts, sizeof(*by_name), host_idx_cmp);
	for (i = 0; i < c->n_pl; i++) {
		const size_t *j = bsearch(c->pl[i].host, by_name, c->n_hosts,
					  sizeof(*by_name), host_key_cmp);

		c->pl[i].hi = j ? (long)*j : -1;
		if (j)
			c->hosts[*j].n_placed++;
	}
	sort_hosts = NULL;
	free(by_name);
	c->vi = xcalloc(c->cfg.n_vifs + 1, sizeof(*c->vi));
	for (i = 0; i < c->cfg.n_vifs; i++) {
		const struct np_vif_def *w = &c->cfg.vifs[i];
		const struct pplace *pl = placement_of(c, w->vm);
		struct vif_info *vi = &c->vi[i];

		vi->vm = w->vm ? config_vm(&c->cfg, w->vm) : NULL;
		vi->hi = pl ? pl->hi : -1;
		vi->where = pl ? pl->host : NULL;
		vi->n = policies_of(&c->cfg, w, vi->ap);
		vi->local = any_local_only(vi->ap, vi->n);
	}
	return 0;
}

static void ctx_free(struct place_ctx *c)
{
	size_t i;

	for (i = 0; i < c->n_hosts; i++) {
		config_free(&c->hosts[i].spec);
		reason_free(c->hosts[i].reason);
	}
	free(c->hosts);
	for (i = 0; i < c->n_pl; i++) {
		free(c->pl[i].host);
		free(c->pl[i].vm_own);
	}
	free(c->pl);
	free(c->kv_by_key);
	free(c->vif_by_net);
	free(c->vif_by_vm);
	free(c->vi);
	config_free(&c->cfg);
	pool_state_free(&c->st);
	memset(c, 0, sizeof(*c));
}

static const struct np_policy_def *lookup_policy(const void *cfg,
						 const char *name)
{
	return config_policy(cfg, name);
}

static size_t policies_of(const struct np_config *cfg,
			  const struct np_vif_def *v, struct np_applied ap[3])
{
	return np_applied_policies(config_net(cfg, v->network),
				   v->vm ? config_vm(cfg, v->vm) : NULL, v,
				   lookup_policy, cfg, ap);
}

static bool vm_matches(const struct np_sel *s, const struct np_vm_def *vm)
{
	size_t i;

	if (!vm)
		return false;
	if (s->type == NETPOLICY_SEL_NAME)
		return !strcmp(s->value, vm->name);
	for (i = 0; i < vm->n_tags; i++)
		if (!strcmp(vm->tags[i], s->value))
			return true;
	return false;
}

static const char *sel_kind(const struct np_sel *s)
{
	return s->type == NETPOLICY_SEL_TAG ? "TAG" : "NAME";
}

/* An ISOLATE_FROM selector of @ap[0..n) that matches @vm, or NULL. */
static const struct np_sel *isolates(const struct np_applied *ap, size_t n,
				     const struct np_vm_def *vm)
{
	const struct np_sel *s;
	size_t i, j, k;

	for (i = 0; i < n; i++) {
		s = pol_sel_list(ap[i].pol, PA_ISOLATE_FROM, &k);
		for (j = 0; j < k; j++)
			if (vm_matches(&s[j], vm))
				return &s[j];
	}
	return NULL;
}

/* Whether the network of @v stays on one host, by any of its policies. */
static bool any_local_only(const struct np_applied *ap, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (pol_local_only(ap[i].pol))
			return true;
	return false;
}

/* Another VM's interface on the network of one of the judged VM's. */
struct other {
	const struct np_vif_def *w;
	const char *where;		/* the host its VM is placed on */
	long hi;			/* that host's index, or -1: no spec */
	bool pins;			/* a local-only network: by either side */
};

#define NONE ((size_t)-1)

/*
 * What one interface @v of the VM asks, the same on every host: computed
 * once a decision, so that judging a host costs O(1) here whatever the
 * number of VMs on the network.
 */
struct vif_pre {
	const struct np_vif_def *v;
	const struct np_net_def *net;
	struct np_applied ap[3];
	size_t n;
	const struct np_sel *self;	/* an ISOLATE_FROM matching the VM */
	bool local;
	struct other *o;		/* placed VMs on the network, in order */
	size_t n_o;
	size_t pin0, pin_other;		/* the first pinning one; the first
					 * pinning one on another host */
	size_t *conflict;		/* per host: the first VM placed there
					 * that isolates or is isolated */
};

static void pre_free(struct vif_pre *p)
{
	free(p->o);
	free(p->conflict);
}

static void pre_build(const struct place_ctx *c, const struct np_vm_def *vm,
		      size_t idx, struct vif_pre *p)
{
	const struct np_config *cfg = &c->cfg;
	const struct vif_info *me = &c->vi[idx];
	size_t lo, hi, i;

	memset(p, 0, sizeof(*p));
	p->v = &cfg->vifs[idx];
	p->net = config_net(cfg, p->v->network);
	p->n = me->n;
	memcpy(p->ap, me->ap, sizeof(p->ap));
	p->self = isolates(p->ap, p->n, vm);
	p->local = me->local;
	p->pin0 = p->pin_other = NONE;
	p->conflict = xcalloc(c->n_hosts + 1, sizeof(*p->conflict));
	for (i = 0; i < c->n_hosts; i++)
		p->conflict[i] = NONE;
	vif_range(c, c->vif_by_net, false, p->v->network, &lo, &hi);
	for (; lo < hi; lo++) {
		size_t wi = c->vif_by_net[lo];
		const struct np_vif_def *w = &cfg->vifs[wi];
		const struct vif_info *wv = &c->vi[wi];
		struct other *o;

		if (!wv->where || !strcmp(w->vm, vm->name))
			continue;
		o = xpush((void **)&p->o, &p->n_o, sizeof(*o));
		*o = (struct other){ w, wv->where, wv->hi, p->local || wv->local };
		if (o->pins && p->pin0 == NONE)
			p->pin0 = p->n_o - 1;
		else if (o->pins && p->pin_other == NONE && o->hi != p->o[p->pin0].hi)
			p->pin_other = p->n_o - 1;
		if (o->hi >= 0 && p->conflict[o->hi] == NONE &&
		    (isolates(p->ap, p->n, wv->vm) || isolates(wv->ap, wv->n, vm)))
			p->conflict[o->hi] = p->n_o - 1;
	}
}

/*
 * Why @vm may not run on host @hi by the interface of @p, or NULL. The
 * checks follow the kernel's order (np_decide): the VM isolated from
 * itself; the host the network is restricted to; a local-only network
 * carried elsewhere; the VMs already placed there that isolate, or are
 * isolated from, this one on the network (of these two, the first such VM
 * on the network says why); the NICs a crossing network may leave
 * through, and whether the host can encrypt it.
 */
static char *vif_refuses(const struct place_ctx *c, size_t hi,
			 const struct np_vm_def *vm, const struct vif_pre *p,
			 bool words)
{
	const struct np_config *cfg = &c->cfg;
	const struct phost *h = &c->hosts[hi];
	const struct np_applied *ap = p->ap;
	const struct np_vif_def *v = p->v;
	struct np_applied wap[3];
	const struct np_sel *s;
	size_t n = p->n, i, j, k, wn, first;
	const struct other *o;
	char *why;

	if (p->self)
		return why_words(words, "ISOLATE_FROM %s(%s) matches the VM itself",
				 sel_kind(p->self), p->self->value);
	for (i = 0; i < n; i++) {
		const char *only = ap[i].pol->restrict_to_host;

		if (pol_has(ap[i].pol, PA_RESTRICT_TO_HOST) && strcmp(only, h->name))
			return why_words(words, "RESTRICT_TO_HOST %s (policy %s of %s %s)",
					 only, ap[i].pol->name, ap[i].kind,
					 ap[i].owner);
	}
	if (p->net && !net_carried_by(p->net, h->name))
		return why_words(words, "network %s is not carried here (its hosts list)",
				 p->net->name);
	/* the other VMs on this network: where they run, what they ask */
	first = p->pin0;
	if (first != NONE && p->o[first].hi == (long)hi)
		first = p->pin_other;
	if (p->conflict[hi] != NONE && (first == NONE || p->conflict[hi] < first))
		first = p->conflict[hi];
	if (first != NONE) {
		o = &p->o[first];
		if (o->hi != (long)hi)
			return why_words(words, "ALLOW_CROSS_SERVER = false: network %s is carried by %s (VM %s)",
					 v->network, o->where, o->w->vm);
		s = isolates(ap, n, config_vm(cfg, o->w->vm));
		if (s)
			return why_words(words, "ISOLATE_FROM %s(%s): %s runs here on network %s",
					 sel_kind(s), s->value, o->w->vm, v->network);
		wn = policies_of(cfg, o->w, wap);
		s = isolates(wap, wn, vm);
		return why_words(words, "ISOLATE_FROM %s(%s) of VM %s, which runs here on network %s, matches this VM",
				 sel_kind(s), s->value, o->w->vm, v->network);
	}
	if (p->local)
		return NULL;
	/* a network that crosses hosts leaves through an allowed NIC */
	for (i = 0; i < n; i++) {
		const struct np_policy_def *pol = ap[i].pol;
		const struct np_sel *sels;
		char *want = NULL;
		size_t len = 0;
		FILE *f;

		if (!pol_has(pol, PA_PHYSICAL_IFS_ALLOWED))
			continue;
		for (j = 0; j < h->spec.n_nics; j++)
			if (pol_nic_allowed(&h->spec, pol, h->spec.nics[j].name))
				break;
		if (j < h->spec.n_nics)
			continue;
		if (!words)
			return refused_wordless;
		f = open_memstream(&want, &len);
		sels = pol_sel_list(pol, PA_PHYSICAL_IFS_ALLOWED, &k);
		for (j = 0; f && j < k; j++)
			fprintf(f, "%s %s %s", j ? (j + 1 == k ? " or" : ",") : "",
				sels[j].type == NETPOLICY_SEL_TAG ? "tagged" : "named",
				sels[j].value);
		if (f)
			fclose(f);
		why = xasprintf("PHYSICAL_IFS_ALLOWED (policy %s): no NIC%s",
				pol->name, want ? want : "");
		free(want);
		return why;
	}
	/* and is encrypted there: the host must be able to */
	for (i = 0; i < n && h->spec.pool[0].no_macsec; i++)
		if (pol_requires_encryption(ap[i].pol))
			return why_words(words, "REQUIRE_ENCRYPTION (policy %s): the host's spec says macsec = false",
					 ap[i].pol->name);
	return NULL;
}

/*
 * Judge every host for c->vm; choose. 0, or 1 (said) if no such VM. May be
 * called again for another c->vm: it starts afresh.
 */
static int judge(struct place_ctx *c, bool migrate)
{
	const struct np_vm_def *vm = config_vm(&c->cfg, c->vm);
	struct np_vm_def bare = { .name = (char *)c->vm };
	struct vif_pre *pre = NULL;
	size_t i, j, lo, hi, n_pre = 0;
	const struct pplace *cur;

	c->chosen = NULL;
	c->stays = false;
	for (i = 0; i < c->n_hosts; i++) {
		reason_free(c->hosts[i].reason);
		c->hosts[i].reason = NULL;
		c->hosts[i].n_vms = c->hosts[i].n_placed;
	}
	vif_range(c, c->vif_by_vm, true, c->vm, &lo, &hi);
	if (!vm && lo == hi) {
		fprintf(stderr, "npmgr: place: the pool has no VM %s (no vm object, no VIF naming it)\n",
			c->vm);
		return 1;
	}
	if (!vm)
		vm = &bare;
	cur = placement_of(c, c->vm);
	c->current = cur ? cur->host : NULL;
	if (cur && cur->hi >= 0)
		c->hosts[cur->hi].n_vms--;
	pre = xcalloc(hi - lo + 1, sizeof(*pre));
	for (; lo < hi; lo++)
		pre_build(c, vm, c->vif_by_vm[lo], &pre[n_pre++]);
	for (i = 0; i < c->n_hosts; i++) {
		struct phost *h = &c->hosts[i];

		if (!h->alive_kv) {
			h->reason = why_words(c->words, "not alive (no agent holds its lease)");
			continue;
		}
		if (migrate && cur && cur->hi == (long)i) {
			h->reason = why_words(c->words, "the VM is placed here (--migrate)");
			continue;
		}
		for (j = 0; j < n_pre && !h->reason; j++)
			h->reason = vif_refuses(c, i, vm, &pre[j], c->words);
		/* fewest VMs, then the first name */
		if (!h->reason && (!c->chosen || h->n_vms < c->chosen->n_vms))
			c->chosen = h;
	}
	for (j = 0; j < n_pre; j++)
		pre_free(&pre[j]);
	free(pre);
	/* a placed VM stays where it is while that host can take it */
	if (!migrate && cur && cur->hi >= 0 && !c->hosts[cur->hi].reason) {
		c->chosen = &c->hosts[cur->hi];
		c->stays = true;
	}
	return 0;
}

/* The objects, hosts and placements of c->st, ready to judge. */
static int ctx_build(struct place_ctx *c)
{
	if (pool_state_config(&c->st, &c->cfg))
		return -1;
	config_sort(&c->cfg);
	return hosts_read(c);
}

static int ctx_read(struct etcd *e, struct place_ctx *c, const char *vm)
{
	memset(c, 0, sizeof(*c));
	c->vm = vm;
	c->words = true;
	if (pool_state_read(e, &c->st))
		return -1;
	return ctx_build(c);
}

struct place_ctx *place_open_kvs(struct etcd_kvs *kvs)
{
	struct place_ctx *c = xcalloc(1, sizeof(*c));

	pool_state_from(&c->st, kvs);
	if (ctx_build(c)) {
		place_close(c);
		return NULL;
	}
	return c;
}

int place_decide(struct place_ctx *c, const char *vm, bool migrate,
		 char **eligible, const char **chosen)
{
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f;
	int rc;

	c->vm = vm;
	c->words = eligible != NULL;
	rc = judge(c, migrate);
	*chosen = !rc && c->chosen ? c->chosen->name : NULL;
	if (!eligible || rc)
		return rc;
	f = open_memstream(&buf, &len);
	for (i = 0; f && i < c->n_hosts; i++)
		if (!c->hosts[i].reason)
			fprintf(f, " %s", c->hosts[i].name);
	if (f)
		fclose(f);
	*eligible = buf ? buf : xstrdup("");
	return 0;
}

void place_close(struct place_ctx *c)
{
	if (!c)
		return;
	ctx_free(c);
	free(c);
}

static void print_text(const struct place_ctx *c)
{
	size_t i, w = 4;

	for (i = 0; i < c->n_hosts; i++)
		if (strlen(c->hosts[i].name) > w)
			w = strlen(c->hosts[i].name);
	printf("# VM %s, the pool at revision %lld; placed on %s\n", c->vm,
	       (long long)c->st.kvs.revision, c->current ? c->current : "no host");
	for (i = 0; i < c->n_hosts; i++) {
		const struct phost *h = &c->hosts[i];

		if (h->reason)
			printf("%-*s  refused   %s\n", (int)w, h->name, h->reason);
		else
			printf("%-*s  eligible  %zu VM%s\n", (int)w, h->name,
			       h->n_vms, h->n_vms == 1 ? "" : "s");
	}
	if (c->chosen)
		printf("chosen: %s (%s)\n", c->chosen->name,
		       c->stays ? "where it is placed, and it can stay" :
		       "the eligible host with the fewest VMs placed");
	else
		printf("chosen: none: no live host satisfies the VM's policies\n");
}

/* --quiet and no host: why, on stderr, for the script's log. */
static void print_reasons(const struct place_ctx *c)
{
	size_t i;

	fprintf(stderr, "npmgr: place: no live host can take VM %s:\n", c->vm);
	for (i = 0; i < c->n_hosts; i++)
		fprintf(stderr, "npmgr: place:   %s: %s\n", c->hosts[i].name,
			c->hosts[i].reason);
}

static void print_json(const struct place_ctx *c, int64_t recorded)
{
	struct json_object *o = json_object_new_object(), *a = json_object_new_array();
	size_t i;

	json_object_object_add(o, "vm", json_object_new_string(c->vm));
	json_object_object_add(o, "revision", json_object_new_int64(c->st.kvs.revision));
	json_object_object_add(o, "placed", c->current ? json_object_new_string(c->current) : NULL);
	for (i = 0; i < c->n_hosts; i++) {
		const struct phost *h = &c->hosts[i];
		struct json_object *x = json_object_new_object();

		json_object_object_add(x, "host", json_object_new_string(h->name));
		json_object_object_add(x, "eligible", json_object_new_boolean(!h->reason));
		json_object_object_add(x, "vms", json_object_new_int64((int64_t)h->n_vms));
		json_object_object_add(x, "reason", h->reason ? json_object_new_string(h->reason) : NULL);
		json_object_array_add(a, x);
	}
	json_object_object_add(o, "hosts", a);
	json_object_object_add(o, "chosen", c->chosen ? json_object_new_string(c->chosen->name) : NULL);
	json_object_object_add(o, "recorded", recorded ? json_object_new_int64(recorded) : NULL);
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
}

/*
 * Write c->vm -> c->chosen if nothing the choice read changed: the
 * objects (applied), every placement (placed, rewritten by each), the
 * chosen host's spec and liveness (the same lease's key). 1: written
 * (*rev its revision), 0: something changed, -1: etcd failed (said).
 */
static int record(struct etcd *e, const struct place_ctx *c, int64_t *rev)
{
	const struct etcd_kv *applied = kv_find(c, POOL_PREFIX "applied");
	const struct etcd_kv *placed = kv_find(c, PLACED_KEY);
	const char *keys[4] = { POOL_PREFIX "applied", PLACED_KEY,
				c->chosen->spec_kv->key, c->chosen->alive_kv->key };
	int64_t revs[4] = { applied ? applied->mod_rev : 0,
			    c->placed_rev ? c->placed_rev : placed ? placed->mod_rev : 0,
			    c->chosen->spec_kv->mod_rev,
			    c->chosen->alive_kv->mod_rev };
	struct json_object *o = json_object_new_object();
	struct etcd_op ops[2];
	char key[512], at[32], by[256] = "", *val, *err = NULL;
	time_t now = time(NULL);
	struct tm tm;
	int ok = 0;

	gethostname(by, sizeof(by) - 1);
	gmtime_r(&now, &tm);
	strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_object_add(o, "host", json_object_new_string(c->chosen->name));
	json_object_object_add(o, "vm", json_object_new_string(c->vm));
	json_object_object_add(o, "by", json_object_new_string(by));
	json_object_object_add(o, "at", json_object_new_string(at));
	val = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	snprintf(key, sizeof(key), PLACEMENTS "%s", c->vm);
	ops[0] = (struct etcd_op){ ETCD_PUT, key, val, strlen(val) };
	ops[1] = (struct etcd_op){ ETCD_PUT, PLACED_KEY, val, strlen(val) };
	if (etcd_txn(e, keys, revs, 4, ops, 2, &ok, rev, &err)) {
		fprintf(stderr, "npmgr: place: %s; the placement may or may not be written (see npmgr place %s)\n",
			err ? err : "etcd failed", c->vm);
		free(err);
		free(val);
		return -1;
	}
	free(val);
	return ok ? 1 : 0;
}

/*
 * After record() wrote c->vm -> c->chosen at @rev: the same in what this
 * run holds, without reading the pool again, so that the next VM's
 * decision sees it and its compare of "placed" holds.
 */
static void note_placed(struct place_ctx *c, int64_t rev)
{
	long to = c->chosen - c->hosts;
	struct pplace *p = (struct pplace *)placement_of(c, c->vm);
	size_t i, lo, hi;

	c->placed_rev = rev;
	if (p) {
		if (p->hi >= 0)
			c->hosts[p->hi].n_placed--;
		free(p->host);
	} else {
		size_t at = 0;

		while (at < c->n_pl && strcmp(c->pl[at].vm, c->vm) < 0)
			at++;
		xpush((void **)&c->pl, &c->n_pl, sizeof(*c->pl));
		memmove(&c->pl[at + 1], &c->pl[at], (c->n_pl - 1 - at) * sizeof(*c->pl));
		p = &c->pl[at];
		p->vm_own = xstrdup(c->vm);
		p->vm = p->vm_own;
	}
	p->host = xstrdup(c->chosen->name);
	p->hi = to;
	c->hosts[to].n_placed++;
	vif_range(c, c->vif_by_vm, true, c->vm, &lo, &hi);
	for (i = lo; i < hi; i++) {
		c->vi[c->vif_by_vm[i]].hi = to;
		c->vi[c->vif_by_vm[i]].where = p->host;
	}
}

static int usage(void)
{
	fprintf(stderr, "usage: npmgr [-j] place [ETCD OPTIONS] [--record] [--migrate] [--quiet] VM [VM...]\n");
	return 2;
}

/* What one VM's decision prints, as `npmgr place` says it. */
static void place_print(const struct place_ctx *c, bool json, bool quiet,
			bool rec, bool several, int64_t rev)
{
	if (json)
		print_json(c, rev);
	else if (quiet && c->chosen && several)
		printf("%s %s\n", c->vm, c->chosen->name);
	else if (quiet && c->chosen)
		printf("%s\n", c->chosen->name);
	else if (quiet)
		print_reasons(c);
	else
		print_text(c);
	if (rec && c->chosen && !json && !quiet)
		printf("recorded: %s on %s at revision %lld\n", c->vm,
		       c->chosen->name, (long long)rev);
}

int place_main(int argc, char **argv, bool json)
{
	struct etcd_opts o = { .endpoints = getenv("NPMGR_ETCD") };
	bool rec = false, migrate = false, quiet = false, have = false, several;
	struct place_ctx c;
	struct etcd *e;
	int64_t rev = 0;
	int i = 1, rc = 0, tries, w = 0;

	while (i < argc && !strncmp(argv[i], "--", 2)) {
		if (!strcmp(argv[i], "--record")) {
			rec = true;
			i++;
		} else if (!strcmp(argv[i], "--migrate")) {
			migrate = true;
			i++;
		} else if (!strcmp(argv[i], "--quiet")) {
			quiet = true;
			i++;
		} else if (pool_etcd_opt(argc, argv, &i, &o)) {
			return usage();
		}
	}
	if (i >= argc)
		return usage();
	several = argc - i > 1;
	e = pool_open(&o, "place");
	if (!e)
		return 1;
	/*
	 * The pool is read once; each VM recorded is noted in what this run
	 * holds. A compare that fails (someone else changed the pool) reads
	 * it again and decides that VM again.
	 */
	for (; i < argc; i++) {
		for (tries = 0, w = 0; tries < PLACE_TRIES; tries++) {
			if (!have && ctx_read(e, &c, argv[i])) {
				ctx_free(&c);
				w = -1;
				break;
			}
			have = true;
			c.vm = argv[i];
			rev = 0;
			if (judge(&c, migrate)) {
				w = -1;
				break;
			}
			w = !rec || !c.chosen ? 1 : record(e, &c, &rev);
			if (w)
				break;
			ctx_free(&c);	/* the pool changed: judge it again */
			have = false;
		}
		if (w == 1) {
			place_print(&c, json, quiet, rec, several, rev);
			if (rec && c.chosen)
				note_placed(&c, rev);
			rc |= c.chosen ? 0 : 1;
			continue;
		}
		if (w == 0)
			fprintf(stderr, "npmgr: place: %s: the pool changed during each of %d tries; nothing written\n",
				argv[i], PLACE_TRIES);
		/* etcd failed or no such VM (said): the next VM may do */
		rc = 1;
	}
	if (have)
		ctx_free(&c);
	etcd_close(e);
	return rc;
}

/*
 * npmgr pool show --graph: the pool as a picture (DOT). One box per host
 * (dashed, "down", when its lease is gone) holding the VMs placed on it;
 * one node per network with its policy in words; an edge from each VM to
 * the networks its VIFs name; from a network that crosses hosts to every
 * host that carries it (its hosts list, or all), labelled with how it
 * crosses them; from one that does not to the hosts its placed VMs are
 * on. A VM with no placement stands outside every host.
 */
static const struct phost *host_of(const struct place_ctx *c, const char *name)
{
	size_t i;

	for (i = 0; name && i < c->n_hosts; i++)
		if (!strcmp(c->hosts[i].name, name))
			return &c->hosts[i];
	return NULL;
}

/* The VMs of the pool: VM objects, then names only VIFs give. */
static const char **pool_vms(const struct np_config *cfg, size_t *n)
{
	const char **v = NULL;
	size_t i, j;

	*n = 0;
	for (i = 0; i < cfg->n_vms; i++)
		*(const char **)xpush((void **)&v, n, sizeof(*v)) = cfg->vms[i].name;
	for (i = 0; i < cfg->n_vifs; i++) {
		const char *vm = cfg->vifs[i].vm;

		for (j = 0; vm && j < *n && strcmp(v[j], vm); j++)
			;
		if (vm && j == *n)
			*(const char **)xpush((void **)&v, n, sizeof(*v)) = vm;
	}
	return v;
}

static void graph_host(FILE *f, const struct place_ctx *c,
		       const struct phost *h, const char **vms, size_t n_vms)
{
	const struct np_host_def *hd = &h->spec.pool[0];
	char *label, *t;
	size_t i, j;

	fputs("\tsubgraph ", f);
	label = xasprintf("cluster_host:%s", h->name);
	dot_str(f, label);
	free(label);
	fprintf(f, " {\n\t\tlabel=\"\";\n\t\tstyle=%s;\n",
		h->alive_kv ? "rounded" : "\"rounded,dashed\"");
	label = xasprintf("host %s\n%s%s%s", h->name, hd->address ?: "",
			  hd->no_macsec ? "\ncannot encrypt" : "",
			  h->alive_kv ? "" : "\ndown");
	for (i = 0; i < h->spec.n_nics; i++) {
		const struct np_nic_def *nic = &h->spec.nics[i];

		t = xasprintf("%s\nNIC %s%s", label, nic->name,
			      nic->n_tags ? ":" : "");
		free(label);
		label = t;
		for (j = 0; j < nic->n_tags; j++) {
			t = xasprintf("%s%s %s", label, j ? "," : "",
				      nic->tags[j]);
			free(label);
			label = t;
		}
	}
	dot_node(f, "\t\t", "host", h->name, label, h->alive_kv ?
		 "shape=box3d" : "shape=box3d, style=dashed, color=gray");
	for (i = 0; i < n_vms; i++)
		if (host_of(c, placed_on(c, vms[i])) == h)
			dot_node(f, "\t\t", "vm", vms[i],
				 xasprintf("VM %s", vms[i]), "");
	fputs("\t}\n", f);
}

/* How network @n crosses hosts, for its edges: "vxlan 100 + MACsec". */
static char *crossing_words(const struct np_config *cfg,
			    const struct np_net_def *n)
{
	const struct np_policy_def *p = n->policy ?
		config_policy(cfg, n->policy) : NULL;
	char id[16] = "";

	if (!p || !pol_crosses_hosts(p))
		return NULL;
	if (n->has_id)
		snprintf(id, sizeof(id), " %u", n->id);
	return xasprintf("%s%s%s",
			 tunnel_name(n->tunnel ?: NETPOLICY_TUNNEL_VXLAN), id,
			 pol_requires_encryption(p) ? " + MACsec" : "");
}

/* Whether a VM placed on @h has an interface on network @n. */
static bool used_on(const struct place_ctx *c, const struct np_net_def *n,
		    const struct phost *h)
{
	size_t i;

	for (i = 0; i < c->cfg.n_vifs; i++) {
		const struct np_vif_def *v = &c->cfg.vifs[i];

		if (v->vm && !strcmp(v->network, n->name) &&
		    host_of(c, placed_on(c, v->vm)) == h)
			return true;
	}
	return false;
}

static void graph_text(FILE *f, const struct place_ctx *c)
{
	const struct np_config *cfg = &c->cfg;
	size_t n_vms, i, j, k;
	const char **vms = pool_vms(cfg, &n_vms);
	char *label;

	label = xasprintf("pool at revision %lld (npmgr pool show --graph)",
			  (long long)c->st.kvs.revision);
	fputs("digraph pool {\n\tgraph [rankdir=LR, labelloc=t, fontname=\"sans-serif\", label=", f);
	dot_str(f, label);
	free(label);
	fputs("];\n\tnode [shape=box, fontname=\"sans-serif\", fontsize=10];\n"
	      "\tedge [fontname=\"sans-serif\", fontsize=9];\n", f);
	for (i = 0; i < c->n_hosts; i++)
		graph_host(f, c, &c->hosts[i], vms, n_vms);
	for (i = 0; i < n_vms; i++)
		if (!host_of(c, placed_on(c, vms[i])))
			dot_node(f, "\t", "vm", vms[i],
				 xasprintf("VM %s\nnot placed", vms[i]),
				 "style=dashed");
	for (i = 0; i < cfg->n_nets; i++) {
		const struct np_net_def *n = &cfg->nets[i];
		char *words = graph_policy_words(cfg, n);

		dot_node(f, "\t", "net", n->name,
			 xasprintf("network %s\nbridge %s\n%s", n->name,
				   n->bridge ?: "-", words),
			 "shape=ellipse");
		free(words);
	}
	/* VM -> network, once per pair */
	for (i = 0; i < cfg->n_vifs; i++) {
		const struct np_vif_def *v = &cfg->vifs[i];

		for (j = 0; j < i; j++)
			if (cfg->vifs[j].vm && v->vm &&
			    !strcmp(cfg->vifs[j].vm, v->vm) &&
			    !strcmp(cfg->vifs[j].network, v->network))
				break;
		if (v->vm && j == i)
			dot_edge(f, "vm", v->vm, "net", v->network, NULL, "");
	}
	/* network -> the hosts that carry it */
	for (i = 0; i < cfg->n_nets; i++) {
		const struct np_net_def *n = &cfg->nets[i];
		const struct np_policy_def *p = n->policy ?
			config_policy(cfg, n->policy) : NULL;
		bool enc = p && pol_requires_encryption(p);
		char *words = crossing_words(cfg, n);

		for (k = 0; k < c->n_hosts; k++) {
			const struct phost *h = &c->hosts[k];
			bool cannot = enc && h->spec.pool[0].no_macsec;

			if (words ? !net_carried_by(n, h->name) : !used_on(c, n, h))
				continue;
			dot_edge(f, "net", n->name, "host", h->name,
				 cannot ? xstrdup("cannot encrypt: no VM of it here") :
				 xstrdup(words ?: "local"),
				 !h->alive_kv ? "arrowhead=none, style=dashed, color=gray" :
				 cannot ? "arrowhead=none, style=dashed, color=red, fontcolor=red" :
				 "arrowhead=none");
		}
		free(words);
	}
	fputs("}\n", f);
	free(vms);
}

/* npmgr pool show --graph [--svg FILE] */
int pool_graph(struct etcd *e, const char *svg)
{
	struct place_ctx c;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int rc = 1;

	if (ctx_read(e, &c, NULL))
		goto out;
	f = svg ? open_memstream(&text, &len) : stdout;
	if (!f)
		goto out;
	graph_text(f, &c);
	if (svg) {
		rc = fclose(f) || graph_render_svg(text, len, svg) ? 1 : 0;
		free(text);
	} else {
		rc = fflush(stdout) ? 1 : 0;
	}
out:
	ctx_free(&c);
	return rc;
}
