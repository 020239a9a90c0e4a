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
	size_t n_vms;			/* VMs placed on it, the one placed aside */
	char *reason;			/* why not, or NULL: eligible */
};

/* A recorded placement: VM -> host. */
struct pplace {
	const char *vm;
	char *host;
};

struct place_ctx {
	struct pool_state st;
	struct np_config cfg;		/* the store's objects */
	struct phost *hosts;
	size_t n_hosts;
	struct pplace *pl;
	size_t n_pl;
	const char *vm;
	const char *current;		/* where the VM is placed, or NULL */
	const struct phost *chosen;
	bool stays;			/* chosen: where it is placed */
};

static const struct etcd_kv *kv_find(const struct pool_state *st,
				     const char *key)
{
	size_t i;

	for (i = 0; i < st->kvs.n; i++)
		if (!strcmp(st->kvs.kv[i].key, key))
			return &st->kvs.kv[i];
	return NULL;
}

static const char *placed_on(const struct place_ctx *c, const char *vm)
{
	size_t i;

	for (i = 0; i < c->n_pl; i++)
		if (!strcmp(c->pl[i].vm, vm))
			return c->pl[i].host;
	return NULL;
}

static int hosts_read(struct place_ctx *c)
{
	size_t i;
	char key[512];

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
		h->spec_kv = kv_find(&c->st, key);
		snprintf(key, sizeof(key), POOL_PREFIX "hosts/%s/alive", sp->name);
		h->alive_kv = kv_find(&c->st, key);
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
	return 0;
}

static void ctx_free(struct place_ctx *c)
{
	size_t i;

	for (i = 0; i < c->n_hosts; i++) {
		config_free(&c->hosts[i].spec);
		free(c->hosts[i].reason);
	}
	free(c->hosts);
	for (i = 0; i < c->n_pl; i++)
		free(c->pl[i].host);
	free(c->pl);
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

/*
 * Why @vm may not run on @h by the interface @v, or NULL. The checks follow
 * the kernel's order (np_decide): the VM isolated from itself; the host
 * the network is restricted to; a local-only network carried elsewhere;
 * the VMs already placed there that isolate, or are isolated from, this
 * one on the network; the NICs a crossing network may leave through, and
 * whether the host can encrypt it.
 */
static char *vif_refuses(const struct place_ctx *c, const struct phost *h,
			 const struct np_vm_def *vm, const struct np_vif_def *v)
{
	const struct np_config *cfg = &c->cfg;
	const struct np_net_def *net = config_net(cfg, v->network);
	struct np_applied ap[3], wap[3];
	const struct np_sel *s;
	size_t n = policies_of(cfg, v, ap), i, j, k, wn;
	char *why;
	bool local;

	s = isolates(ap, n, vm);
	if (s)
		return xasprintf("ISOLATE_FROM %s(%s) matches the VM itself",
				 sel_kind(s), s->value);
	for (i = 0; i < n; i++) {
		const char *only = ap[i].pol->restrict_to_host;

		if (pol_has(ap[i].pol, PA_RESTRICT_TO_HOST) && strcmp(only, h->name))
			return xasprintf("RESTRICT_TO_HOST %s (policy %s of %s %s)",
					 only, ap[i].pol->name, ap[i].kind,
					 ap[i].owner);
	}
	if (net && !net_carried_by(net, h->name))
		return xasprintf("network %s is not carried here (its hosts list)",
				 net->name);
	local = any_local_only(ap, n);
	/* the other VMs on this network: where they run, what they ask */
	for (i = 0; i < cfg->n_vifs; i++) {
		const struct np_vif_def *w = &cfg->vifs[i];
		const struct np_vm_def *wvm;
		const char *where;

		if (!w->vm || !strcmp(w->vm, vm->name) ||
		    strcmp(w->network, v->network))
			continue;
		where = placed_on(c, w->vm);
		if (!where)
			continue;
		wn = policies_of(cfg, w, wap);
		if ((local || any_local_only(wap, wn)) && strcmp(where, h->name))
			return xasprintf("ALLOW_CROSS_SERVER = false: network %s is carried by %s (VM %s)",
					 v->network, where, w->vm);
		if (strcmp(where, h->name))
			continue;
		wvm = config_vm(cfg, w->vm);
		s = isolates(ap, n, wvm);
		if (s)
			return xasprintf("ISOLATE_FROM %s(%s): %s runs here on network %s",
					 sel_kind(s), s->value, w->vm, v->network);
		s = isolates(wap, wn, vm);
		if (s)
			return xasprintf("ISOLATE_FROM %s(%s) of VM %s, which runs here on network %s, matches this VM",
					 sel_kind(s), s->value, w->vm, v->network);
	}
	if (local)
		return NULL;
	/* a network that crosses hosts leaves through an allowed NIC */
	for (i = 0; i < n; i++) {
		const struct np_policy_def *p = ap[i].pol;
		const struct np_sel *sels;
		char *want = NULL;
		size_t len = 0;
		FILE *f;

		if (!pol_has(p, PA_PHYSICAL_IFS_ALLOWED))
			continue;
		for (j = 0; j < h->spec.n_nics; j++)
			if (pol_nic_allowed(&h->spec, p, h->spec.nics[j].name))
				break;
		if (j < h->spec.n_nics)
			continue;
		f = open_memstream(&want, &len);
		sels = pol_sel_list(p, PA_PHYSICAL_IFS_ALLOWED, &k);
		for (j = 0; f && j < k; j++)
			fprintf(f, "%s %s %s", j ? (j + 1 == k ? " or" : ",") : "",
				sels[j].type == NETPOLICY_SEL_TAG ? "tagged" : "named",
				sels[j].value);
		if (f)
			fclose(f);
		why = xasprintf("PHYSICAL_IFS_ALLOWED (policy %s): no NIC%s",
				p->name, want ? want : "");
		free(want);
		return why;
	}
	/* and is encrypted there: the host must be able to */
	for (i = 0; i < n && h->spec.pool[0].no_macsec; i++)
		if (pol_requires_encryption(ap[i].pol))
			return xasprintf("REQUIRE_ENCRYPTION (policy %s): the host's spec says macsec = false",
					 ap[i].pol->name);
	return NULL;
}

/* Judge every host for c->vm; choose. 0, or 1 (said) if no such VM. */
static int judge(struct place_ctx *c, bool migrate)
{
	const struct np_vm_def *vm = config_vm(&c->cfg, c->vm);
	struct np_vm_def bare = { .name = (char *)c->vm };
	size_t i, j, n_vifs = 0;

	for (i = 0; i < c->cfg.n_vifs; i++)
		if (c->cfg.vifs[i].vm && !strcmp(c->cfg.vifs[i].vm, c->vm))
			n_vifs++;
	if (!vm && !n_vifs) {
		fprintf(stderr, "npmgr: place: the pool has no VM %s (no vm object, no VIF naming it)\n",
			c->vm);
		return 1;
	}
	if (!vm)
		vm = &bare;
	c->current = placed_on(c, c->vm);
	for (i = 0; i < c->n_pl; i++) {
		struct phost *h = NULL;

		for (j = 0; j < c->n_hosts; j++)
			if (!strcmp(c->hosts[j].name, c->pl[i].host))
				h = &c->hosts[j];
		if (h && strcmp(c->pl[i].vm, c->vm))
			h->n_vms++;
	}
	for (i = 0; i < c->n_hosts; i++) {
		struct phost *h = &c->hosts[i];

		if (!h->alive_kv) {
			h->reason = xstrdup("not alive (no agent holds its lease)");
			continue;
		}
		if (migrate && c->current && !strcmp(c->current, h->name)) {
			h->reason = xstrdup("the VM is placed here (--migrate)");
			continue;
		}
		for (j = 0; j < c->cfg.n_vifs && !h->reason; j++) {
			const struct np_vif_def *v = &c->cfg.vifs[j];

			if (v->vm && !strcmp(v->vm, c->vm))
				h->reason = vif_refuses(c, h, vm, v);
		}
		/* fewest VMs, then the first name */
		if (!h->reason && (!c->chosen || h->n_vms < c->chosen->n_vms))
			c->chosen = h;
	}
	/* a placed VM stays where it is while that host can take it */
	for (i = 0; !migrate && c->current && i < c->n_hosts; i++)
		if (!c->hosts[i].reason && !strcmp(c->hosts[i].name, c->current)) {
			c->chosen = &c->hosts[i];
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
	if (pool_state_read(e, &c->st))
		return -1;
	return ctx_build(c);
}

int place_judge_kvs(struct etcd_kvs *kvs, const char *vm, bool migrate,
		    char **eligible, char **chosen)
{
	struct place_ctx c = { .vm = vm };
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f;
	int rc;

	*eligible = NULL;
	*chosen = NULL;
	pool_state_from(&c.st, kvs);
	rc = ctx_build(&c);
	if (!rc)
		rc = judge(&c, migrate);
	if (!rc) {
		f = open_memstream(&buf, &len);
		for (i = 0; f && i < c.n_hosts; i++)
			if (!c.hosts[i].reason)
				fprintf(f, " %s", c.hosts[i].name);
		if (f)
			fclose(f);
		*eligible = buf ? buf : xstrdup("");
		*chosen = c.chosen ? xstrdup(c.chosen->name) : NULL;
	}
	ctx_free(&c);
	return rc;
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
	const struct etcd_kv *applied = kv_find(&c->st, POOL_PREFIX "applied");
	const struct etcd_kv *placed = kv_find(&c->st, PLACED_KEY);
	const char *keys[4] = { POOL_PREFIX "applied", PLACED_KEY,
				c->chosen->spec_kv->key, c->chosen->alive_kv->key };
	int64_t revs[4] = { applied ? applied->mod_rev : 0,
			    placed ? placed->mod_rev : 0,
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

static int usage(void)
{
	fprintf(stderr, "usage: npmgr [-j] place [ETCD OPTIONS] [--record] [--migrate] [--quiet] VM\n");
	return 2;
}

int place_main(int argc, char **argv, bool json)
{
	struct etcd_opts o = { .endpoints = getenv("NPMGR_ETCD") };
	bool rec = false, migrate = false, quiet = false;
	struct place_ctx c;
	struct etcd *e;
	int64_t rev = 0;
	int i = 1, rc = 1, tries, w = 0;

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
	if (i + 1 != argc)
		return usage();
	e = pool_open(&o, "place");
	if (!e)
		return 1;
	for (tries = 0; tries < PLACE_TRIES; tries++) {
		if (ctx_read(e, &c, argv[i]) || judge(&c, migrate)) {
			ctx_free(&c);
			break;
		}
		if (!rec || !c.chosen)
			w = 1;
		else
			w = record(e, &c, &rev);
		if (w)
			break;
		ctx_free(&c);	/* the pool changed: judge it again */
	}
	if (w == 1) {
		if (json)
			print_json(&c, rev);
		else if (quiet && c.chosen)
			printf("%s\n", c.chosen->name);
		else if (quiet)
			print_reasons(&c);
		else
			print_text(&c);
		if (rec && c.chosen && !json && !quiet)
			printf("recorded: %s on %s at revision %lld\n", c.vm,
			       c.chosen->name, (long long)rev);
		rc = c.chosen ? 0 : 1;
		ctx_free(&c);
	} else if (w == 0 && tries == PLACE_TRIES) {
		fprintf(stderr, "npmgr: place: the pool changed during each of %d tries; nothing written\n",
			PLACE_TRIES);
	} else if (w < 0) {
		ctx_free(&c);
	}
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
