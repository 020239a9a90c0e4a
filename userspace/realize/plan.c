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
 *  - with REQUIRE_ENCRYPTION = true: a MACsec device on each tunnel, which
 *    is the bridge port instead of the tunnel, keyed from the pool secret
 *    (rz_plan_key()).
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

/* HMAC(secret, label \0 net \0 host): per network and sending host. */
static void derive(const uint8_t *secret, size_t secret_len,
		   const char *label, const char *net, const char *host,
		   uint8_t out[SHA256_LEN])
{
	size_t ll = strlen(label) + 1, nl = strlen(net) + 1;
	size_t hl = strlen(host) + 1;
	char *msg = xcalloc(1, ll + nl + hl);

	memcpy(msg, label, ll);
	memcpy(msg + ll, net, nl);
	memcpy(msg + ll + nl, host, hl);
	hmac_sha256(secret, secret_len, msg, ll + nl + hl, out);
	free(msg);
}

/* The MACsec device of @host for @net: a locally administered address. */
static void macsec_mac(const char *net, const char *host, uint8_t mac[6])
{
	uint8_t h[SHA256_LEN];
	struct sha256 c;

	sha256_init(&c);
	sha256_update(&c, "netpolicy-macsec-mac", 21);
	sha256_update(&c, net, strlen(net) + 1);
	sha256_update(&c, host, strlen(host) + 1);
	sha256_final(&c, h);
	memcpy(mac, h, 6);
	mac[0] = (uint8_t)((mac[0] & 0xfe) | 0x02);
}

static void sci_of(const uint8_t mac[6], uint8_t sci[8])
{
	memcpy(sci, mac, 6);
	sci[6] = 0;
	sci[7] = 1;			/* port 1: the kernel's default */
}

static void keys_of(const uint8_t *secret, size_t secret_len,
		    const char *net, const char *host, size_t key_len,
		    struct rz_keys *k)
{
	uint8_t h[SHA256_LEN];
	struct sha256 c;

	derive(secret, secret_len, "netpolicy-macsec-key", net, host, h);
	memcpy(k->key, h, key_len);
	/* the key id names the key without revealing it */
	sha256_init(&c);
	sha256_update(&c, "netpolicy-macsec-keyid", 23);
	sha256_update(&c, h, sizeof(h));
	sha256_final(&c, h);
	memcpy(k->keyid, h, RZ_KEYID_LEN);
	derive(secret, secret_len, "netpolicy-macsec-salt", net, host, h);
	memcpy(k->salt, h, sizeof(k->salt));
	k->ssci = (uint32_t)h[12] << 24 | (uint32_t)h[13] << 16 |
		  (uint32_t)h[14] << 8 | h[15];
	memset(h, 0, sizeof(h));
}

static bool carries(const struct np_net_def *n, const char *host)
{
	size_t i;

	if (!n->hosts)
		return true;
	for (i = 0; i < n->n_hosts; i++)
		if (!strcmp(n->hosts[i], host))
			return true;
	return false;
}

static bool nic_allowed(const struct np_config *cfg,
			const struct np_policy_def *pol, const char *ifname)
{
	const struct np_nic_def *nic = config_nic(cfg, ifname);
	const struct np_sel *sels;
	size_t i, j, n;

	sels = pol_sel_list(pol, PA_PHYSICAL_IFS_ALLOWED, &n);
	for (i = 0; i < n; i++) {
		const struct np_sel *s = &sels[i];

		if (s->type == NETPOLICY_SEL_NAME && !strcmp(s->value, ifname))
			return true;
		for (j = 0; s->type == NETPOLICY_SEL_TAG && nic &&
			    j < nic->n_tags; j++)
			if (!strcmp(nic->tags[j], s->value))
				return true;
	}
	return false;
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

		if (nic_allowed(cfg, pol, c) && link_exists(links, c) &&
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
	size_t i;

	h = fnv64(h, &d->kind, sizeof(d->kind));
	h = fnv64(h, d->master, sizeof(d->master));
	h = fnv64(h, d->lower, sizeof(d->lower));
	h = fnv64(h, &d->id, sizeof(d->id));
	h = fnv64(h, &d->local, sizeof(d->local));
	h = fnv64(h, &d->remote, sizeof(d->remote));
	h = fnv64(h, &d->isolated, sizeof(d->isolated));
	h = fnv64(h, &d->alg, sizeof(d->alg));
	h = fnv64(h, d->mac, sizeof(d->mac));
	h = fnv64(h, d->tx.keyid, sizeof(d->tx.keyid));
	for (i = 0; i < d->n_rx; i++) {
		h = fnv64(h, d->rx[i].sci, sizeof(d->rx[i].sci));
		h = fnv64(h, d->rx[i].k.keyid, sizeof(d->rx[i].k.keyid));
	}
	snprintf(d->alias, sizeof(d->alias), RZ_ALIAS_PREFIX "%s:%016llx",
		 d->net->name, (unsigned long long)h);
}

struct net_ctx {
	const struct np_net_def *n;
	const struct np_host_def *self;
	const char *underlay;
	bool encrypt;
	int alg;
};

/*
 * The MACsec device on tunnel @t, receiving from the hosts @peers; sealed
 * once rz_plan_key() gave it its keys.
 */
static void plan_macsec(struct rz_plan *pl, const struct net_ctx *c,
			struct rz_dev *t, const struct np_host_def **peers,
			size_t n_peers)
{
	char name[IFNAMSIZ_NP];
	struct rz_dev *m;
	size_t i;

	snprintf(name, sizeof(name), "nps%s", t->name + 3);
	m = add_dev(pl, RZ_MACSEC, c->n, name);
	/* add_dev() may move the array: find the tunnel again */
	t = &pl->devs[pl->n - 2];
	snprintf(m->master, sizeof(m->master), "%s", t->master);
	snprintf(m->lower, sizeof(m->lower), "%s", t->name);
	t->master[0] = '\0';
	m->isolated = t->isolated;
	t->isolated = false;
	m->alg = c->alg;
	m->key_len = c->alg == NETPOLICY_ENC_GCM_AES_256 ? 32 : 16;
	macsec_mac(c->n->name, c->self->name, m->mac);
	m->rx = xcalloc(n_peers, sizeof(*m->rx));
	m->n_rx = n_peers;
	for (i = 0; i < n_peers; i++) {
		uint8_t mac[6];

		m->rx[i].host = peers[i]->name;
		macsec_mac(c->n->name, peers[i]->name, mac);
		sci_of(mac, m->rx[i].sci);
	}
	seal(t);
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
		if (c->encrypt)
			plan_macsec(pl, c, t, peers, n_peers);
		else
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
		if (c->encrypt)
			plan_macsec(pl, c, t, &peers[i], 1);
		else
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

	if (!carries(n, self->name))
		return;
	br = add_dev(pl, RZ_BRIDGE, n, n->bridge);
	snprintf(br->alias, sizeof(br->alias), RZ_ALIAS_PREFIX "%s:bridge",
		 n->name);
	peers = xcalloc(cfg->n_pool + 1, sizeof(*peers));
	for (i = 0; i < cfg->n_pool; i++)
		if (&cfg->pool[i] != self && carries(n, cfg->pool[i].name))
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
	c.alg = pol_has(pol, PA_ENCRYPTION_ALGORITHM) ?
		pol->encryption_algorithm : NETPOLICY_ENC_GCM_AES_128;
	if (c.encrypt && !pl->wants_secret) {
		pl->wants_secret = true;
		pl->secret_pos = pol->pos;
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

bool rz_plan_wants_secret(const struct rz_plan *pl, struct np_pos *pos)
{
	if (!pl || !pl->wants_secret)
		return false;
	*pos = pl->secret_pos;
	return true;
}

void rz_plan_key(struct rz_plan *pl, const uint8_t *secret, size_t len)
{
	size_t i, j;

	for (i = 0; i < pl->n; i++) {
		struct rz_dev *m = &pl->devs[i];

		if (m->kind != RZ_MACSEC)
			continue;
		keys_of(secret, len, m->net->name, pl->self, m->key_len, &m->tx);
		for (j = 0; j < m->n_rx; j++)
			keys_of(secret, len, m->net->name, m->rx[j].host,
				m->key_len, &m->rx[j].k);
		seal(m);
	}
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
	for (i = 0; i < pl->n; i++) {
		memset(&pl->devs[i].tx, 0, sizeof(pl->devs[i].tx));
		if (pl->devs[i].rx)
			memset(pl->devs[i].rx, 0,
			       pl->devs[i].n_rx * sizeof(*pl->devs[i].rx));
		free(pl->devs[i].rx);
		free(pl->devs[i].peers);
	}
	free(pl->devs);
	free(pl->claims);
	free(pl);
}
