// SPDX-License-Identifier: GPL-2.0
/*
 * Planning a host's realization: a pure function of the pool's objects,
 * this host's name and the names of the links that exist.
 *
 * For every network this host carries (see Documentation, "Realization"):
 *  - its bridge (created when missing; an administrator's bridge is used
 *    as it is and never deleted);
 *  - when its policy says ALLOW_CROSS_SERVER = true and other hosts of the
 *    pool carry it: a tunnel to them (one VXLAN device with a forwarding
 *    entry per peer, or one GRE / Geneve device per peer), bound to the
 *    NIC PHYSICAL_IFS_ALLOWED selects;
 *  - with REQUIRE_ENCRYPTION = true: a key agreement session (MKA) on each
 *    tunnel, whose MACsec device is the bridge port instead of the tunnel;
 *    the caller gives the plan each encrypted network's CAK.
 *
 * Every device netpolicy creates carries the alias
 * "netpolicy:NETWORK:FINGERPRINT", where the fingerprint hashes everything
 * the device is created with: apply.c leaves a device whose alias and live
 * settings match alone, and replaces one that differs.
 */

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../sha256.h"
#include "rz.h"

static uint64_t fnv64(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--)
		h = (h ^ *c++) * 1099511628211ULL;
	return h;
}

/* Hex of the first 4 bytes of SHA-256 over the strings @a and @b. */
static void short_hash(const char *a, const char *b, char out[9])
{
	uint8_t h[SHA256_LEN];
	struct sha256 c;

	sha256_init(&c);
	sha256_update(&c, a, strlen(a) + 1);
	sha256_update(&c, b, strlen(b) + 1);
	sha256_final(&c, h);
	snprintf(out, 9, "%02x%02x%02x%02x", h[0], h[1], h[2], h[3]);
}

static int cmp_name(const void *key, const void *elem)
{
	return strcmp(key, *(char *const *)elem);
}

/* What planning knows of the host: the links that exist. */
struct links {
	char *const *names;		/* sorted */
	size_t n;
};

static bool link_exists(const struct links *l, const char *name)
{
	return l->n && bsearch(name, l->names, l->n, sizeof(*l->names),
			       cmp_name);
}

/*
 * The interface the tunnel of a network leaves through: the first (by
 * name) that exists on this host and that PHYSICAL_IFS_ALLOWED of its
 * policy allows. Candidates are the nic objects and the NAME(...)
 * selectors.
 */
static const char *pick_underlay(const struct links *links,
				 const struct np_config *cfg,
				 const struct np_policy_def *pol)
{
	const struct np_sel *sels;
	const char *best = NULL;
	size_t i, n;

	for (i = 0; i < cfg->n_nics; i++) {
		const char *c = cfg->nics[i].name;

		if (pol_nic_allowed(cfg, pol, c) && link_exists(links, c) &&
		    (!best || strcmp(c, best) < 0))
			best = c;
	}
	sels = pol_sel_list(pol, PA_PHYSICAL_IFS_ALLOWED, &n);
	for (i = 0; i < n; i++) {
		const char *c = sels[i].value;

		if (sels[i].type == NETPOLICY_SEL_NAME &&
		    link_exists(links, c) && (!best || strcmp(c, best) < 0))
			best = c;
	}
	return best;
}

static int cmp_ptr_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * The interface names pick_underlay() may ask about, sorted, each once:
 * the nic objects, and the NAME() selectors of PHYSICAL_IFS_ALLOWED.
 */
const char **rz_plan_link_names(const struct np_config *cfg, size_t *n)
{
	const char **v = NULL;
	const struct np_sel *sels;
	size_t i, j, k, n_sels;

	*n = 0;
	for (i = 0; i < cfg->n_nics; i++)
		*(const char **)xpush((void **)&v, n, sizeof(*v)) =
			cfg->nics[i].name;
	for (i = 0; i < cfg->n_policies; i++) {
		sels = pol_sel_list(&cfg->policies[i], PA_PHYSICAL_IFS_ALLOWED,
				    &n_sels);
		for (j = 0; j < n_sels; j++)
			if (sels[j].type == NETPOLICY_SEL_NAME)
				*(const char **)xpush((void **)&v, n,
						      sizeof(*v)) = sels[j].value;
	}
	if (!*n)
		return v;
	qsort(v, *n, sizeof(*v), cmp_ptr_name);
	for (i = 1, k = 1; i < *n; i++)
		if (strcmp(v[i], v[k - 1]))
			v[k++] = v[i];
	*n = k;
	return v;
}

static struct rz_dev *add_dev(struct rz_plan *pl, enum rz_kind kind,
			      const struct np_net_def *n, const char *name)
{
	struct rz_dev *d = xpush((void **)&pl->devs, &pl->n, sizeof(*d));

	d->kind = kind;
	d->net = n;
	snprintf(d->name, sizeof(d->name), "%s", name);
	return d;
}

/* The alias: our mark, the network, and a hash of the whole intent. */
static void seal(struct rz_dev *d)
{
	uint64_t h = 14695981039346656037ULL;

	h = fnv64(h, &d->kind, sizeof(d->kind));
	h = fnv64(h, d->master, sizeof(d->master));
	h = fnv64(h, d->lower, sizeof(d->lower));
	h = fnv64(h, &d->id, sizeof(d->id));
	h = fnv64(h, &d->local, sizeof(d->local));
	h = fnv64(h, &d->remote, sizeof(d->remote));
	h = fnv64(h, &d->isolated, sizeof(d->isolated));
	h = fnv64(h, "no-ipv6", 8);	/* tunnels made before carried IPv6 */
	snprintf(d->alias, sizeof(d->alias), RZ_ALIAS_PREFIX "%s:%016llx",
		 d->net->name, (unsigned long long)h);
}

struct net_ctx {
	const struct np_net_def *n;
	const struct np_host_def *self;
	const char *underlay;
	bool encrypt;
	size_t cak;			/* with encrypt: in rz_plan.caks */
};

/*
 * Tunnel @t carries encrypted network traffic to @peer: a key agreement
 * session with it, whose MACsec device is an isolated port of the bridge
 * (the tunnel is no port: what reaches the bridge is decrypted).
 */
static void plan_session(struct rz_plan *pl, const struct net_ctx *c,
			 struct rz_dev *t, const char *bridge,
			 const struct np_host_def *peer, bool isolated)
{
	struct rz_mka *m = xpush((void **)&pl->mkas, &pl->n_mkas, sizeof(*m));
	char h[9];

	m->net = c->n;
	m->cak = c->cak;
	m->self = c->self->name;
	m->peer = peer->name;
	m->isolated = isolated;
	short_hash(peer->name, "", h);
	snprintf(m->sid, sizeof(m->sid), "%s-%s", t->name, h);
	snprintf(m->tunnel, sizeof(m->tunnel), "%s", t->name);
	snprintf(m->bridge, sizeof(m->bridge), "%s", bridge);
}

static void plan_tunnels(struct rz_plan *pl, const struct net_ctx *c,
			 const struct np_host_def **peers, size_t n_peers)
{
	int kind = c->n->tunnel ?: NETPOLICY_TUNNEL_VXLAN;
	char h[9], name[IFNAMSIZ_NP];
	struct rz_dev *t;
	size_t i;

	if (kind == NETPOLICY_TUNNEL_VXLAN) {
		short_hash(c->n->name, "", h);
		snprintf(name, sizeof(name), "npv%s", h);
		t = add_dev(pl, RZ_VXLAN, c->n, name);
		t->peers = xcalloc(n_peers, sizeof(*t->peers));
		for (i = 0; i < n_peers; i++)
			inet_pton(AF_INET, peers[i]->address, &t->peers[i]);
		t->n_peers = n_peers;
		t->id = c->n->id;
		inet_pton(AF_INET, c->self->address, &t->local);
		snprintf(t->lower, sizeof(t->lower), "%s", c->underlay ?: "");
		snprintf(t->master, sizeof(t->master), "%s", c->n->bridge);
		/* encrypted: a session per peer, all on this one device */
		for (i = 0; c->encrypt && i < n_peers; i++)
			plan_session(pl, c, t, c->n->bridge, peers[i],
				     n_peers > 1);
		if (c->encrypt)
			t->master[0] = '\0';
		seal(t);
		return;
	}
	/* point to point: one device per peer, isolated from each other */
	for (i = 0; i < n_peers; i++) {
		short_hash(c->n->name, peers[i]->name, h);
		snprintf(name, sizeof(name), "%s%s",
			 kind == NETPOLICY_TUNNEL_GRETAP ? "npg" : "npe", h);
		t = add_dev(pl, kind == NETPOLICY_TUNNEL_GRETAP ? RZ_GRETAP :
			    RZ_GENEVE, c->n, name);
		t->id = c->n->id;
		inet_pton(AF_INET, c->self->address, &t->local);
		inet_pton(AF_INET, peers[i]->address, &t->remote);
		snprintf(t->lower, sizeof(t->lower), "%s", c->underlay ?: "");
		snprintf(t->master, sizeof(t->master), "%s", c->n->bridge);
		t->isolated = n_peers > 1;
		if (c->encrypt) {
			plan_session(pl, c, t, c->n->bridge, peers[i],
				     t->isolated);
			t->master[0] = '\0';
			t->isolated = false;
		}
		seal(t);
	}
}

/* Plan network @n; problems go to @d at the line that causes them. */
static void plan_net(struct rz_plan *pl, const struct np_config *cfg,
		     const struct links *links, const struct np_net_def *n,
		     const struct np_host_def *self, struct np_diags *d)
{
	const struct np_policy_def *pol = n->policy ?
		config_policy(cfg, n->policy) : NULL;
	int kind = n->tunnel ?: NETPOLICY_TUNNEL_VXLAN;
	struct net_ctx c = { n, self, NULL, false, 0 };
	bool cross = pol && pol_crosses_hosts(pol);
	const struct np_host_def **peers;
	size_t i, n_peers = 0;
	struct np_claim *claim;
	struct rz_dev *br;

	if (!net_carried_by(n, self->name))
		return;
	br = add_dev(pl, RZ_BRIDGE, n, n->bridge);
	snprintf(br->alias, sizeof(br->alias), RZ_ALIAS_PREFIX "%s:bridge",
		 n->name);
	peers = xcalloc(cfg->n_pool + 1, sizeof(*peers));
	for (i = 0; i < cfg->n_pool; i++)
		if (&cfg->pool[i] != self && net_carried_by(n, cfg->pool[i].name))
			peers[n_peers++] = &cfg->pool[i];
	if (!cross && (n->tunnel || n->has_id)) {
		diag_add(d, n->tunnel ? n->tunnel_pos : n->id_pos,
			 "network '%s' has no tunnel to realize: %s",
			 n->name, !pol ? "it has no policy (ALLOW_CROSS_SERVER = true makes it cross hosts)" :
			 "its policy does not say ALLOW_CROSS_SERVER = true");
		goto out;
	}
	if (!cross || !n_peers)
		goto out;			/* a bridge on this host only */
	if (!n->has_id) {
		diag_add(d, n->pos,
			 "network '%s' crosses hosts (policy '%s': ALLOW_CROSS_SERVER = true) and needs an 'id' (its %s, the same on every host)",
			 n->name, pol->name,
			 kind == NETPOLICY_TUNNEL_GRETAP ? "GRE key" : "VNI");
		goto out;
	}
	if (pol_has(pol, PA_COMPRESS) && pol->compress) {
		diag_add(d, pol->pos,
			 "policy '%s': COMPRESS = true cannot be realized (netpolicy encrypts with MACsec, which has no compression; see Documentation, \"Realization\")",
			 pol->name);
		goto out;
	}
	if (pol_has(pol, PA_PHYSICAL_IFS_ALLOWED)) {
		if (kind == NETPOLICY_TUNNEL_GENEVE) {
			diag_add(d, n->tunnel_pos,
				 "network '%s': a geneve tunnel cannot be bound to a physical interface, which PHYSICAL_IFS_ALLOWED of policy '%s' needs (use vxlan or gretap)",
				 n->name, pol->name);
			goto out;
		}
		c.underlay = pick_underlay(links, cfg, pol);
		if (!c.underlay) {
			diag_add(d, n->pos,
				 "network '%s': no interface of host '%s' is allowed by PHYSICAL_IFS_ALLOWED of policy '%s' (declare it with a nic block and its tags)",
				 n->name, self->name, pol->name);
			goto out;
		}
	}
	c.encrypt = pol_requires_encryption(pol);
	if (c.encrypt && pol_has(pol, PA_ENCRYPTION_ALGORITHM) &&
	    pol->encryption_algorithm != NETPOLICY_ENC_GCM_AES_128) {
		diag_add(d, pol->pos,
			 "policy '%s': ENCRYPTION_ALGORITHM = %s cannot be realized: the key agreement (MKA in Debian 12's wpa_supplicant 2.10) agrees on gcm-aes-128 only (see Documentation, \"Encryption: key agreement\")",
			 pol->name, enc_alg_name(pol->encryption_algorithm));
		goto out;
	}
	if (c.encrypt) {
		struct rz_cak *k = xpush((void **)&pl->caks, &pl->n_caks,
					 sizeof(*k));

		k->net = n;
		k->pos = pol->pos;
		c.cak = pl->n_caks - 1;
	}
	plan_tunnels(pl, &c, peers, n_peers);
	/* networks are planned in name order: the claims come sorted */
	claim = xpush((void **)&pl->claims, &pl->n_claims, sizeof(*claim));
	claim->network = n->name;
	claim->tunnel = kind;
	claim->id = n->id;
out:
	free(peers);
}

int rz_plan_make(const struct np_config *cfg, const char *self_name,
		 char *const *link_names, size_t n_links, struct np_diags *d,
		 struct rz_plan **out)
{
	const struct links links = { link_names, n_links };
	const struct np_host_def *self;
	struct rz_plan *pl;
	size_t i, j;

	*out = NULL;
	if (!cfg->n_pool)
		return 0;
	self = config_host(cfg, self_name);
	if (!self) {
		diag_add(d, cfg->pool[0].pos,
			 "this host is '%s', which no host block names: the pool's hosts must include it (or use --host NAME)",
			 self_name);
		return -1;
	}
	pl = xcalloc(1, sizeof(*pl));
	pl->self = self->name;
	for (i = 0; i < cfg->n_nets; i++)
		plan_net(pl, cfg, &links, &cfg->nets[i], self, d);
	for (i = 0; i < pl->n; i++)
		for (j = i + 1; j < pl->n; j++)
			if (!strcmp(pl->devs[i].name, pl->devs[j].name))
				diag_add(d, pl->devs[j].net->pos,
					 "networks '%s' and '%s' both need device %s: a realized network needs a bridge of its own",
					 pl->devs[i].net->name,
					 pl->devs[j].net->name, pl->devs[j].name);
	if (d->count) {
		rz_plan_free(pl);
		return -1;
	}
	*out = pl;
	return 0;
}

size_t rz_plan_caks(const struct rz_plan *pl)
{
	return pl ? pl->n_caks : 0;
}

const char *rz_plan_cak_network(const struct rz_plan *pl, size_t i,
				struct np_pos *pos)
{
	*pos = pl->caks[i].pos;
	return pl->caks[i].net->name;
}

void rz_plan_set_cak(struct rz_plan *pl, size_t i,
		     const uint8_t key[RZ_CAK_LEN])
{
	memcpy(pl->caks[i].key, key, RZ_CAK_LEN);
	pl->caks[i].set = true;
}

size_t rz_plan_sessions(const struct rz_plan *pl)
{
	return pl ? pl->n_mkas : 0;
}

const struct np_claim *rz_plan_claims(const struct rz_plan *pl, size_t *n)
{
	*n = pl ? pl->n_claims : 0;
	return pl ? pl->claims : NULL;
}

size_t rz_plan_devices(const struct rz_plan *pl)
{
	return pl ? pl->n : 0;
}

void rz_plan_free(struct rz_plan *pl)
{
	size_t i;

	if (!pl)
		return;
	for (i = 0; i < pl->n; i++)
		free(pl->devs[i].peers);
	if (pl->caks)
		explicit_bzero(pl->caks, pl->n_caks * sizeof(*pl->caks));
	free(pl->caks);
	free(pl->mkas);
	free(pl->devs);
	free(pl->claims);
	free(pl);
}
