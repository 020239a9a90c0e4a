// SPDX-License-Identifier: GPL-2.0
/*
 * Realization: build on this host the devices the file's networks need,
 * through rtnetlink (libnl-route-3) and the macsec generic netlink family.
 *
 * For every network this host carries (see Documentation, "Realization"):
 *  - its bridge (created when missing; an administrator's bridge is used
 *    as it is and never deleted);
 *  - when its policy says ALLOW_CROSS_SERVER = true and other hosts of the
 *    pool carry it: a tunnel to them (one VXLAN device with a forwarding
 *    entry per peer, or one GRE / Geneve device per peer), bound to the
 *    NIC PHYSICAL_IFS_ALLOWED selects;
 *  - with REQUIRE_ENCRYPTION = true: a MACsec device on each tunnel, which
 *    is the bridge port instead of the tunnel, keyed from the pool secret.
 *
 * Every device we create carries the alias "netpolicy:NETWORK:FINGERPRINT",
 * where the fingerprint hashes everything the device was created with.
 * That makes the work idempotent: a device whose alias and live settings
 * match is left alone; one that differs (the file changed, or someone
 * changed it) is replaced; a device with our alias that no network needs
 * any more is deleted (pruning), and nothing without our alias ever is.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/if_macsec.h>
#include <linux/if_tunnel.h>
#include <linux/neighbour.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/geneve.h>
#include <netlink/route/link/ipgre.h>
#include <netlink/route/link/macsec.h>
#include <netlink/route/link/vxlan.h>
#include <netlink/route/neighbour.h>

#include "npmgr.h"
#include "realize.h"
#include "sha256.h"

#define ALIAS_PREFIX	"netpolicy:"
#define SECRET_MIN	32
#define KEYID_LEN	MACSEC_KEYID_LEN

enum rz_kind { RZ_BRIDGE, RZ_VXLAN, RZ_GRETAP, RZ_GENEVE, RZ_MACSEC };

static const char *const kind_names[] = {
	[RZ_BRIDGE] = "bridge", [RZ_VXLAN] = "vxlan", [RZ_GRETAP] = "gretap",
	[RZ_GENEVE] = "geneve", [RZ_MACSEC] = "macsec",
};

/* The keys one host sends with on one network (XPN: 64-bit PNs). */
struct rz_keys {
	uint8_t key[32];
	uint8_t keyid[KEYID_LEN];
	uint8_t salt[MACSEC_SALT_LEN];
	uint32_t ssci;
};

/* What a MACsec device receives from one peer. */
struct rz_rx {
	uint8_t sci[8];
	struct rz_keys k;
};

/* One device this host needs. */
struct rz_dev {
	enum rz_kind kind;
	char name[IFNAMSIZ_NP];
	const struct np_net_def *net;
	char alias[128];
	char master[IFNAMSIZ_NP];	/* the bridge it joins, or "" */
	char lower[IFNAMSIZ_NP];	/* its underlay / tunnel, or "" */
	uint32_t id;			/* VNI or GRE key */
	struct in_addr local, remote;	/* remote: GRE and Geneve */
	struct in_addr *peers;		/* VXLAN: one FDB entry each */
	size_t n_peers;
	bool isolated;			/* a port isolated from the other
					 * tunnel ports (split horizon) */
	/* MACsec */
	int alg;
	size_t key_len;
	uint8_t mac[6];			/* its SCI is MAC, port 1 */
	struct rz_keys tx;
	struct rz_rx *rx;
	size_t n_rx;
	bool created;			/* by this run (rollback) */
};

struct rz_plan {
	struct rz_dev *devs;
	size_t n;
	struct nl_sock *sk;
	struct nl_cache *links;
	FILE *log;
	size_t changes;			/* lines logged: what was done */
	struct nl_sock *gs;		/* the macsec family, when needed */
	int macsec_family;
	uint8_t *secret;
	size_t secret_len;
};

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
static void derive(const struct rz_plan *pl, const char *label,
		   const char *net, const char *host, uint8_t out[SHA256_LEN])
{
	size_t ll = strlen(label) + 1, nl = strlen(net) + 1;
	size_t hl = strlen(host) + 1;
	char *msg = xcalloc(1, ll + nl + hl);

	memcpy(msg, label, ll);
	memcpy(msg + ll, net, nl);
	memcpy(msg + ll + nl, host, hl);
	hmac_sha256(pl->secret, pl->secret_len, msg, ll + nl + hl, out);
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

static void keys_of(const struct rz_plan *pl, const char *net,
		    const char *host, size_t key_len, struct rz_keys *k)
{
	uint8_t h[SHA256_LEN];
	struct sha256 c;

	derive(pl, "netpolicy-macsec-key", net, host, h);
	memcpy(k->key, h, key_len);
	/* the key id names the key without revealing it */
	sha256_init(&c);
	sha256_update(&c, "netpolicy-macsec-keyid", 23);
	sha256_update(&c, h, sizeof(h));
	sha256_final(&c, h);
	memcpy(k->keyid, h, KEYID_LEN);
	derive(pl, "netpolicy-macsec-salt", net, host, h);
	memcpy(k->salt, h, sizeof(k->salt));
	k->ssci = (uint32_t)h[12] << 24 | (uint32_t)h[13] << 16 |
		  (uint32_t)h[14] << 8 | h[15];
	memset(h, 0, sizeof(h));
}

/*
 * Read the pool secret: a regular file of at least SECRET_MIN bytes that
 * only its owner (root, or whoever runs npmgr) may read or write.
 */
static int read_secret(struct rz_plan *pl, const char *path,
		       struct np_diags *d, struct np_pos pos)
{
	struct stat st;
	char *buf;
	size_t len;
	int fd, err;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		diag_add(d, pos, "REQUIRE_ENCRYPTION needs the pool secret %s: %s",
			 path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077) ||
	    (st.st_uid != 0 && st.st_uid != geteuid())) {
		diag_add(d, pos,
			 "the pool secret %s must be a regular file of mode 0600 owned by root (it is mode %04o, owner %u)",
			 path, (unsigned int)(st.st_mode & 07777),
			 (unsigned int)st.st_uid);
		return -1;
	}
	err = read_file(path, &buf, &len);
	if (err) {
		diag_add(d, pos, "the pool secret %s: %s", path, strerror(-err));
		return -1;
	}
	if (len < SECRET_MIN) {
		diag_add(d, pos,
			 "the pool secret %s holds %zu bytes; it needs at least %d (e.g. head -c 64 /dev/urandom)",
			 path, len, SECRET_MIN);
		memset(buf, 0, len);
		free(buf);
		return -1;
	}
	pl->secret = (uint8_t *)buf;
	pl->secret_len = len;
	return 0;
}

static const struct np_host_def *pool_host(const struct np_config *cfg,
					   const char *name)
{
	size_t i;

	for (i = 0; i < cfg->n_pool; i++)
		if (!strcmp(cfg->pool[i].name, name))
			return &cfg->pool[i];
	return NULL;
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
	size_t i, j;

	for (i = 0; i < pol->n_phys; i++) {
		const struct np_sel *s = &pol->phys[i];

		if (s->type == NETPOLICY_SEL_NAME && !strcmp(s->value, ifname))
			return true;
		for (j = 0; s->type == NETPOLICY_SEL_TAG && nic &&
			    j < nic->n_tags; j++)
			if (!strcmp(nic->tags[j], s->value))
				return true;
	}
	return false;
}

/*
 * The interface the tunnel of @n leaves through: the first (by name) that
 * exists on this host and that PHYSICAL_IFS_ALLOWED of its policy allows.
 * Candidates are the nic objects and the NAME(...) selectors.
 */
static const char *pick_underlay(const struct rz_plan *pl,
				 const struct np_config *cfg,
				 const struct np_policy_def *pol)
{
	const char *best = NULL;
	size_t i;

	for (i = 0; i < cfg->n_nics; i++) {
		const char *c = cfg->nics[i].name;

		if (nic_allowed(cfg, pol, c) &&
		    rtnl_link_name2i(pl->links, c) > 0 &&
		    (!best || strcmp(c, best) < 0))
			best = c;
	}
	for (i = 0; i < pol->n_phys; i++) {
		const char *c = pol->phys[i].value;

		if (pol->phys[i].type == NETPOLICY_SEL_NAME &&
		    rtnl_link_name2i(pl->links, c) > 0 &&
		    (!best || strcmp(c, best) < 0))
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
	snprintf(d->alias, sizeof(d->alias), ALIAS_PREFIX "%s:%016llx",
		 d->net->name, (unsigned long long)h);
}

struct net_ctx {
	const struct np_config *cfg;
	const struct np_net_def *n;
	const struct np_policy_def *pol;
	const struct np_host_def *self;
	const char *underlay;
	bool encrypt;
	int alg;
};

/* The MACsec device on tunnel @t, receiving from the hosts @peers. */
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
	keys_of(pl, c->n->name, c->self->name, m->key_len, &m->tx);
	m->rx = xcalloc(n_peers, sizeof(*m->rx));
	m->n_rx = n_peers;
	for (i = 0; i < n_peers; i++) {
		uint8_t mac[6];

		macsec_mac(c->n->name, peers[i]->name, mac);
		sci_of(mac, m->rx[i].sci);
		keys_of(pl, c->n->name, peers[i]->name, m->key_len,
			&m->rx[i].k);
	}
	seal(t);
	seal(m);
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
		     struct np_net_def *n, const struct np_host_def *self,
		     const char *secret_path, struct np_diags *d)
{
	const struct np_policy_def *pol = n->policy ?
		config_policy(cfg, n->policy) : NULL;
	const struct np_host_def **peers;
	struct net_ctx c = { cfg, n, pol, self, NULL, false, 0 };
	bool cross = pol && pol->has_cross && pol->cross && !pol->host;
	size_t i, n_peers = 0;
	struct rz_dev *br;
	int kind = n->tunnel ?: NETPOLICY_TUNNEL_VXLAN;

	if (!carries(n, self->name))
		return;
	br = add_dev(pl, RZ_BRIDGE, n, n->bridge);
	snprintf(br->alias, sizeof(br->alias), ALIAS_PREFIX "%s:bridge", n->name);
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
	if (pol->has_compress && pol->compress) {
		diag_add(d, pol->pos,
			 "policy '%s': COMPRESS = true cannot be realized (netpolicy encrypts with MACsec, which has no compression; see Documentation, \"Realization\")",
			 pol->name);
		goto out;
	}
	if (pol->has_phys) {
		if (kind == NETPOLICY_TUNNEL_GENEVE) {
			diag_add(d, n->tunnel_pos,
				 "network '%s': a geneve tunnel cannot be bound to a physical interface, which PHYSICAL_IFS_ALLOWED of policy '%s' needs (use vxlan or gretap)",
				 n->name, pol->name);
			goto out;
		}
		c.underlay = pick_underlay(pl, cfg, pol);
		if (!c.underlay) {
			diag_add(d, n->pos,
				 "network '%s': no interface of host '%s' is allowed by PHYSICAL_IFS_ALLOWED of policy '%s' (declare it with a nic block and its tags)",
				 n->name, self->name, pol->name);
			goto out;
		}
	}
	c.encrypt = pol->has_enc && pol->enc;
	c.alg = pol->has_alg ? pol->alg : NETPOLICY_ENC_GCM_AES_128;
	if (c.encrypt && !pl->secret &&
	    read_secret(pl, secret_path, d, pol->pos))
		goto out;
	plan_tunnels(pl, &c, peers, n_peers);
	n->rz_tunnel = kind;
	n->rz_id = n->id;
out:
	free(peers);
}

static int open_route(struct rz_plan *pl)
{
	int err;

	pl->sk = nl_socket_alloc();
	if (!pl->sk)
		return -ENOMEM;
	err = nl_connect(pl->sk, NETLINK_ROUTE);
	if (!err)
		err = rtnl_link_alloc_cache(pl->sk, AF_UNSPEC, &pl->links);
	if (err) {
		fprintf(stderr, "npmgr: rtnetlink: %s\n", nl_geterror(err));
		return -1;
	}
	return 0;
}

int realize_plan(struct np_config *cfg, const char *self_name,
		 const char *secret_path, struct np_diags *d,
		 struct rz_plan **out)
{
	const struct np_host_def *self;
	struct rz_plan *pl;
	size_t i, j;

	*out = NULL;
	if (!cfg->n_pool)
		return 0;
	config_sort(cfg);
	self = pool_host(cfg, self_name);
	if (!self) {
		diag_add(d, cfg->pool[0].pos,
			 "this host is '%s', which no host block names: the pool's hosts must include it (or use --host NAME)",
			 self_name);
		return -1;
	}
	pl = xcalloc(1, sizeof(*pl));
	pl->log = stdout;
	if (open_route(pl)) {
		realize_free(pl);
		return -1;
	}
	for (i = 0; i < cfg->n_nets; i++)
		plan_net(pl, cfg, &cfg->nets[i], self, secret_path, d);
	for (i = 0; i < pl->n; i++)
		for (j = i + 1; j < pl->n; j++)
			if (!strcmp(pl->devs[i].name, pl->devs[j].name))
				diag_add(d, pl->devs[j].net->pos,
					 "networks '%s' and '%s' both need device %s: a realized network needs a bridge of its own",
					 pl->devs[i].net->name,
					 pl->devs[j].net->name, pl->devs[j].name);
	if (d->count) {
		realize_free(pl);
		return -1;
	}
	*out = pl;
	return 0;
}

void realize_free(struct rz_plan *pl)
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
	if (pl->secret) {
		memset(pl->secret, 0, pl->secret_len);
		free(pl->secret);
	}
	if (pl->links)
		nl_cache_free(pl->links);
	nl_socket_free(pl->sk);
	nl_socket_free(pl->gs);
	free(pl);
}

/* ------------------------------------------------------------------ */

static int refill(struct rz_plan *pl)
{
	int err = nl_cache_refill(pl->sk, pl->links);

	if (err)
		fprintf(stderr, "npmgr: rtnetlink: %s\n", nl_geterror(err));
	return err ? -1 : 0;
}

static int ifindex_of(struct rz_plan *pl, const char *name)
{
	return *name ? rtnl_link_name2i(pl->links, name) : 0;
}

static bool ours(struct rtnl_link *l)
{
	const char *a = rtnl_link_get_ifalias(l);

	return a && !strncmp(a, ALIAS_PREFIX, strlen(ALIAS_PREFIX));
}

static struct nl_addr *v4(struct in_addr a)
{
	return nl_addr_build(AF_INET, &a, sizeof(a));
}

static int nl_fail(const struct rz_dev *d, const char *what, int err)
{
	fprintf(stderr, "npmgr: network %s: cannot %s %s %s: %s\n",
		d->net->name, what, kind_names[d->kind], d->name,
		nl_geterror(err));
	return -1;
}

/*
 * The XPN variant of the policy's cipher: the same AES-GCM with the same
 * key length, but 64-bit packet numbers, so that static keys never run
 * out (a 32-bit PN is spent by 2^32 frames: 72 minutes at 1 Mpps).
 */
static uint64_t cipher_suite(const struct rz_dev *d)
{
	return d->alg == NETPOLICY_ENC_GCM_AES_256 ?
		MACSEC_CIPHER_ID_GCM_AES_XPN_256 :
		MACSEC_CIPHER_ID_GCM_AES_XPN_128;
}

/* A new link object describing @d, for creating it. */
static struct rtnl_link *describe(struct rz_plan *pl, const struct rz_dev *d)
{
	int lower = ifindex_of(pl, d->lower), master = ifindex_of(pl, d->master);
	struct rtnl_link *l = NULL;
	struct nl_addr *a;

	switch (d->kind) {
	case RZ_BRIDGE:
		l = rtnl_link_bridge_alloc();
		break;
	case RZ_VXLAN:
		l = rtnl_link_vxlan_alloc();
		if (!l)
			break;
		rtnl_link_vxlan_set_id(l, d->id);
		a = v4(d->local);
		rtnl_link_vxlan_set_local(l, a);
		nl_addr_put(a);
		rtnl_link_vxlan_set_port(l, 4789);
		if (lower)
			rtnl_link_vxlan_set_link(l, (uint32_t)lower);
		break;
	case RZ_GRETAP:
		l = rtnl_link_ipgretap_alloc();
		if (!l)
			break;
		rtnl_link_ipgre_set_local(l, d->local.s_addr);
		rtnl_link_ipgre_set_remote(l, d->remote.s_addr);
		rtnl_link_ipgre_set_ikey(l, htonl(d->id));
		rtnl_link_ipgre_set_okey(l, htonl(d->id));
		rtnl_link_ipgre_set_iflags(l, GRE_KEY);
		rtnl_link_ipgre_set_oflags(l, GRE_KEY);
		if (lower)
			rtnl_link_ipgre_set_link(l, (uint32_t)lower);
		break;
	case RZ_GENEVE:
		l = rtnl_link_geneve_alloc();
		if (!l)
			break;
		rtnl_link_geneve_set_id(l, d->id);
		a = v4(d->remote);
		rtnl_link_geneve_set_remote(l, a);
		nl_addr_put(a);
		break;
	case RZ_MACSEC:
		l = rtnl_link_macsec_alloc();
		if (!l)
			break;
		rtnl_link_set_link(l, lower);
		a = nl_addr_build(AF_LLC, d->mac, sizeof(d->mac));
		rtnl_link_set_addr(l, a);
		nl_addr_put(a);
		rtnl_link_macsec_set_cipher_suite(l, cipher_suite(d));
		rtnl_link_macsec_set_icv_len(l, MACSEC_STD_ICV_LEN);
		rtnl_link_macsec_set_encrypt(l, 1);
		rtnl_link_macsec_set_protect(l, 1);
		rtnl_link_macsec_set_validation_type(l, MACSEC_VALIDATE_STRICT);
		rtnl_link_macsec_set_replay_protect(l, 0);
		rtnl_link_macsec_set_send_sci(l, 1);
		rtnl_link_macsec_set_encoding_sa(l, 0);
		break;
	}
	if (!l)
		return NULL;
	rtnl_link_set_name(l, d->name);
	if (master)
		rtnl_link_set_master(l, master);
	rtnl_link_set_flags(l, IFF_UP);
	return l;
}

/*
 * What in the live device @l differs from @d in a way its alias cannot
 * show (someone changed it after we created it), or NULL.
 */
static const char *drift(struct rtnl_link *l, const struct rz_dev *d)
{
	const char *type = rtnl_link_get_type(l);
	uint8_t enc = 0, prot = 0;
	uint64_t cs = 0;
	uint32_t id = 0;
	int val = 0;

	if (!type || strcmp(type, kind_names[d->kind]))
		return "another kind of device";
	switch (d->kind) {
	case RZ_MACSEC:
		rtnl_link_macsec_get_encrypt(l, &enc);
		rtnl_link_macsec_get_protect(l, &prot);
		rtnl_link_macsec_get_validation_type(l,
			(enum macsec_validation_type *)&val);
		rtnl_link_macsec_get_cipher_suite(l, &cs);
		if (!enc || !prot || val != MACSEC_VALIDATE_STRICT)
			return "encryption was switched off or weakened";
		if (cs != cipher_suite(d))
			return "its cipher suite changed";
		break;
	case RZ_VXLAN:
		if (rtnl_link_vxlan_get_id(l, &id) || id != d->id)
			return "its VNI changed";
		break;
	case RZ_GENEVE:
		if (rtnl_link_geneve_get_id(l, &id) || id != d->id)
			return "its VNI changed";
		break;
	case RZ_GRETAP:
		if (rtnl_link_ipgre_get_okey(l) != htonl(d->id))
			return "its key changed";
		break;
	default:
		break;
	}
	/* (a MACsec device cannot move: it dies with its lower device) */
	return NULL;
}

static int set_isolated(struct rz_plan *pl, int ifindex)
{
	struct ifinfomsg ifi = { .ifi_family = AF_BRIDGE, .ifi_index = ifindex };
	struct nlattr *nest;
	struct nl_msg *msg;
	int err = -NLE_NOMEM;

	msg = nlmsg_alloc_simple(RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK);
	if (!msg)
		return err;
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0)
		goto out;
	nest = nla_nest_start(msg, IFLA_PROTINFO | NLA_F_NESTED);
	if (!nest || nla_put_u8(msg, IFLA_BRPORT_ISOLATED, 1) < 0)
		goto out;
	nla_nest_end(msg, nest);
	err = nl_send_sync(pl->sk, msg);
	return err;
out:
	nlmsg_free(msg);
	return err;
}

/* One request to the macsec family; -EEXIST counts as done. */
static int macsec_sa(struct nl_sock *gs, int family, int cmd, int ifindex,
		     const uint8_t *rx_sci, const struct rz_keys *k,
		     size_t key_len)
{
	struct nlattr *nest;
	struct nl_msg *msg = nlmsg_alloc();
	int err = -NLE_NOMEM;

	if (!msg)
		return err;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0,
			 NLM_F_ACK, (uint8_t)cmd, MACSEC_GENL_VERSION) ||
	    nla_put_u32(msg, MACSEC_ATTR_IFINDEX, (uint32_t)ifindex) < 0)
		goto out;
	if (rx_sci) {
		nest = nla_nest_start(msg, MACSEC_ATTR_RXSC_CONFIG);
		if (!nest || nla_put(msg, MACSEC_RXSC_ATTR_SCI, 8, rx_sci) < 0 ||
		    (cmd == MACSEC_CMD_ADD_RXSC &&
		     nla_put_u8(msg, MACSEC_RXSC_ATTR_ACTIVE, 1) < 0))
			goto out;
		nla_nest_end(msg, nest);
	}
	if (k) {
		nest = nla_nest_start(msg, MACSEC_ATTR_SA_CONFIG);
		if (!nest || nla_put_u8(msg, MACSEC_SA_ATTR_AN, 0) < 0 ||
		    nla_put_u64(msg, MACSEC_SA_ATTR_PN, 1) < 0 ||
		    nla_put(msg, MACSEC_SA_ATTR_KEY, (int)key_len, k->key) < 0 ||
		    nla_put(msg, MACSEC_SA_ATTR_KEYID, KEYID_LEN, k->keyid) < 0 ||
		    nla_put_u32(msg, MACSEC_SA_ATTR_SSCI, k->ssci) < 0 ||
		    nla_put(msg, MACSEC_SA_ATTR_SALT, MACSEC_SALT_LEN,
			    k->salt) < 0 ||
		    nla_put_u8(msg, MACSEC_SA_ATTR_ACTIVE, 1) < 0)
			goto out;
		nla_nest_end(msg, nest);
	}
	err = nl_send_sync(gs, msg);
	msg = NULL;
	/* the macsec family says EBUSY for an SA or channel that exists */
	if (err == -NLE_EXIST || err == -NLE_BUSY)
		err = 1;			/* there already */
out:
	if (msg)
		nlmsg_free(msg);
	return err;
}

/*
 * The SAs of MACsec device @d: its transmit SA, and a receive channel and
 * SA per peer. Adding what exists is a no-op, so this also repairs an SA
 * someone deleted. Returns how many were added, or -1.
 */
/* The macsec family's socket, opened once per run. */
static int macsec_open(struct rz_plan *pl)
{
	if (pl->gs)
		return 0;
	pl->gs = nl_socket_alloc();
	if (!pl->gs || genl_connect(pl->gs)) {
		fprintf(stderr, "npmgr: generic netlink: cannot connect\n");
		return -1;
	}
	pl->macsec_family = genl_ctrl_resolve(pl->gs, MACSEC_GENL_NAME);
	if (pl->macsec_family < 0) {
		fprintf(stderr, "npmgr: the macsec module is not loaded: %s\n",
			nl_geterror(pl->macsec_family));
		nl_socket_free(pl->gs);
		pl->gs = NULL;
		return -1;
	}
	return 0;
}

static int macsec_keys(struct rz_plan *pl, const struct rz_dev *d,
		       int ifindex)
{
	struct nl_sock *gs = pl->gs;
	int family = pl->macsec_family, err, added = 0;
	size_t i;

	err = macsec_sa(gs, family, MACSEC_CMD_ADD_TXSA, ifindex, NULL, &d->tx,
			d->key_len);
	added += err == 0;
	for (i = 0; err >= 0 && i < d->n_rx; i++) {
		err = macsec_sa(gs, family, MACSEC_CMD_ADD_RXSC, ifindex,
				d->rx[i].sci, NULL, 0);
		added += err == 0;
		if (err >= 0)
			err = macsec_sa(gs, family, MACSEC_CMD_ADD_RXSA, ifindex,
					d->rx[i].sci, &d->rx[i].k, d->key_len);
		added += err == 0;
	}
	if (err < 0) {
		fprintf(stderr, "npmgr: network %s: cannot key %s: %s\n",
			d->net->name, d->name, nl_geterror(err));
		return -1;
	}
	return added;
}

struct fdb_dump {
	int ifindex;
	struct in_addr *have;
	size_t n;
};

static int fdb_entry(struct nl_msg *msg, void *arg)
{
	static const uint8_t zero[6];
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[NDA_MAX + 1];
	struct fdb_dump *f = arg;
	struct ndmsg *ndm;

	if (nlh->nlmsg_type != RTM_NEWNEIGH ||
	    nlmsg_parse(nlh, sizeof(*ndm), tb, NDA_MAX, NULL) < 0)
		return NL_SKIP;
	ndm = nlmsg_data(nlh);
	if (ndm->ndm_ifindex == f->ifindex && tb[NDA_LLADDR] && tb[NDA_DST] &&
	    nla_len(tb[NDA_LLADDR]) == 6 &&
	    !memcmp(nla_data(tb[NDA_LLADDR]), zero, 6) &&
	    nla_len(tb[NDA_DST]) == sizeof(struct in_addr)) {
		struct in_addr *a = xpush((void **)&f->have, &f->n, sizeof(*a));

		memcpy(a, nla_data(tb[NDA_DST]), sizeof(*a));
	}
	return NL_OK;
}

/* Ask for the forwarding entries of the device @ifindex itself. */
static int fdb_dump_request(struct nl_sock *sk, int ifindex)
{
	struct ndmsg ndm = { .ndm_family = AF_BRIDGE, .ndm_ifindex = ifindex };
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETNEIGH,
						NLM_F_REQUEST | NLM_F_DUMP);
	int err;

	if (!msg)
		return -NLE_NOMEM;
	err = nlmsg_append(msg, &ndm, sizeof(ndm), NLMSG_ALIGNTO);
	if (!err)
		err = nl_send_auto(sk, msg);
	nlmsg_free(msg);
	return err < 0 ? err : 0;
}

/* Add or delete the flooding entry 00:00:00:00:00:00 -> @peer. */
static int fdb_change(struct rz_plan *pl, int ifindex, struct in_addr peer,
		      bool add)
{
	static const uint8_t zero[6];
	struct ndmsg ndm = {
		.ndm_family = AF_BRIDGE,
		.ndm_ifindex = ifindex,
		.ndm_state = NUD_PERMANENT | NUD_NOARP,
		.ndm_flags = NTF_SELF,
	};
	struct nl_msg *msg;

	msg = nlmsg_alloc_simple(add ? RTM_NEWNEIGH : RTM_DELNEIGH,
				 NLM_F_REQUEST | NLM_F_ACK |
				 (add ? NLM_F_CREATE | NLM_F_APPEND : 0));
	if (!msg)
		return -NLE_NOMEM;
	if (nlmsg_append(msg, &ndm, sizeof(ndm), NLMSG_ALIGNTO) < 0 ||
	    nla_put(msg, NDA_LLADDR, sizeof(zero), zero) < 0 ||
	    nla_put(msg, NDA_DST, sizeof(peer), &peer) < 0) {
		nlmsg_free(msg);
		return -NLE_NOMEM;
	}
	return nl_send_sync(pl->sk, msg);
}

static bool have_addr(const struct in_addr *v, size_t n, struct in_addr a)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].s_addr == a.s_addr)
			return true;
	return false;
}

/* The VXLAN device's flooding list is exactly the peers. */
static int fdb_sync(struct rz_plan *pl, const struct rz_dev *d, int ifindex)
{
	struct fdb_dump f = { .ifindex = ifindex };
	struct nl_sock *sk = nl_socket_alloc();
	char ip[INET_ADDRSTRLEN];
	int err = -NLE_NOMEM;
	size_t i;

	if (!sk)
		goto out;
	err = nl_connect(sk, NETLINK_ROUTE);
	if (!err)
		err = nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM,
					  fdb_entry, &f);
	if (!err)
		err = fdb_dump_request(sk, ifindex);
	if (!err)
		err = nl_recvmsgs_default(sk);
	for (i = 0; !err && i < d->n_peers; i++) {
		if (have_addr(f.have, f.n, d->peers[i]))
			continue;
		err = fdb_change(pl, ifindex, d->peers[i], true);
		inet_ntop(AF_INET, &d->peers[i], ip, sizeof(ip));
		pl->changes += !err;
		if (!err && !d->created)
			fprintf(pl->log, "network %s: %s floods to peer %s\n",
				d->net->name, d->name, ip);
	}
	for (i = 0; !err && i < f.n; i++) {
		if (have_addr(d->peers, d->n_peers, f.have[i]))
			continue;
		err = fdb_change(pl, ifindex, f.have[i], false);
		inet_ntop(AF_INET, &f.have[i], ip, sizeof(ip));
		pl->changes += !err;
		if (!err)
			fprintf(pl->log, "network %s: %s no longer floods to %s\n",
				d->net->name, d->name, ip);
	}
out:
	free(f.have);
	nl_socket_free(sk);
	return err ? nl_fail(d, "set the peers of", err) : 0;
}

static int set_alias(struct rz_plan *pl, const struct rz_dev *d)
{
	struct rtnl_link *l = rtnl_link_get_by_name(pl->links, d->name);
	struct rtnl_link *c = rtnl_link_alloc();
	int err = -NLE_NOMEM;

	if (l && c) {
		rtnl_link_set_ifalias(c, d->alias);
		err = rtnl_link_change(pl->sk, l, c, 0);
	}
	if (c)
		rtnl_link_put(c);
	if (l)
		rtnl_link_put(l);
	return err ?: refill(pl);
}

static int create(struct rz_plan *pl, struct rz_dev *d, const char *why)
{
	struct rtnl_link *l = describe(pl, d);
	char peer[INET_ADDRSTRLEN];
	size_t i;
	int err;

	if (!l)
		return nl_fail(d, "describe", -NLE_NOMEM);
	err = rtnl_link_add(pl->sk, l, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(l);
	if (err)
		return nl_fail(d, "create", err);
	d->created = true;
	if (refill(pl))
		return -1;
	/* a new link takes no alias (only a change does): mark it ours now */
	err = set_alias(pl, d);
	if (err)
		return nl_fail(d, "mark", err);
	if (d->isolated && (err = set_isolated(pl, ifindex_of(pl, d->name))))
		return nl_fail(d, "isolate the bridge port", err);
	pl->changes++;
	fprintf(pl->log, "network %s: %s %s %s", d->net->name,
		why ? "replaced" : "created", kind_names[d->kind], d->name);
	switch (d->kind) {
	case RZ_VXLAN:
		fprintf(pl->log, " (vni %u", d->id);
		break;
	case RZ_GRETAP:
	case RZ_GENEVE:
		inet_ntop(AF_INET, &d->remote, peer, sizeof(peer));
		fprintf(pl->log, " (%s %u to %s", d->kind == RZ_GRETAP ?
			"key" : "vni", d->id, peer);
		break;
	case RZ_MACSEC:
		fprintf(pl->log, " (%s, %zu peer%s",
			d->alg == NETPOLICY_ENC_GCM_AES_256 ? "gcm-aes-xpn-256" :
			"gcm-aes-xpn-128", d->n_rx, d->n_rx == 1 ? "" : "s");
		break;
	default:
		fprintf(pl->log, "%s%s\n", why ? ": " : "", why ? why : "");
		return 0;
	}
	if (d->lower[0])
		fprintf(pl->log, ", over %s", d->lower);
	if (d->master[0])
		fprintf(pl->log, ", port of %s", d->master);
	for (i = 0; i < d->n_peers; i++) {
		inet_ntop(AF_INET, &d->peers[i], peer, sizeof(peer));
		fprintf(pl->log, "%s%s", i ? " " : ", peers ", peer);
	}
	fprintf(pl->log, ")%s%s\n", why ? ": " : "", why ? why : "");
	return 0;
}

static int delete_link(struct rz_plan *pl, struct rtnl_link *l,
		       const char *net, const char *why)
{
	char name[IFNAMSIZ_NP], *type = rtnl_link_get_type(l);
	int err;

	snprintf(name, sizeof(name), "%s", rtnl_link_get_name(l));
	err = rtnl_link_delete(pl->sk, l);
	if (err && err != -NLE_NODEV) {
		fprintf(stderr, "npmgr: cannot delete %s: %s\n", name,
			nl_geterror(err));
		return -1;
	}
	pl->changes += why != NULL;
	if (why)
		fprintf(pl->log, "network %s: deleted %s %s: %s\n", net,
			type ? type : "device", name, why);
	return 0;
}

/* Make the live device match @d. */
static int apply_dev(struct rz_plan *pl, struct rz_dev *d)
{
	struct rtnl_link *l = rtnl_link_get_by_name(pl->links, d->name);
	int master = ifindex_of(pl, d->master), ifindex, err = 0;
	const char *why;

	if (!l)
		return create(pl, d, NULL);
	if (d->kind == RZ_BRIDGE) {
		const char *type = rtnl_link_get_type(l);

		if (!type || strcmp(type, "bridge")) {
			fprintf(stderr,
				"npmgr: network %s: %s exists and is not a bridge\n",
				d->net->name, d->name);
			err = -1;
		}
		rtnl_link_put(l);	/* an administrator's bridge is used as is */
		return err;
	}
	if (!ours(l)) {
		fprintf(stderr,
			"npmgr: network %s: %s exists and netpolicy did not create it: remove or rename it\n",
			d->net->name, d->name);
		rtnl_link_put(l);
		return -1;
	}
	why = strcmp(rtnl_link_get_ifalias(l), d->alias) ?
		"the configuration changed" : drift(l, d);
	if (why) {
		err = delete_link(pl, l, d->net->name, NULL);
		rtnl_link_put(l);
		if (!err)
			err = refill(pl);
		return err ? err : create(pl, d, why);
	}
	ifindex = rtnl_link_get_ifindex(l);
	if (rtnl_link_get_master(l) != master ||
	    !(rtnl_link_get_flags(l) & IFF_UP)) {
		struct rtnl_link *c = rtnl_link_alloc();

		if (!c) {
			rtnl_link_put(l);
			return -1;
		}
		rtnl_link_set_master(c, master);
		rtnl_link_set_flags(c, IFF_UP);
		err = rtnl_link_change(pl->sk, l, c, 0);
		rtnl_link_put(c);
		if (!err && master && d->isolated)
			err = set_isolated(pl, ifindex);
		if (err) {
			rtnl_link_put(l);
			return nl_fail(d, "reattach", err);
		}
		pl->changes++;
		fprintf(pl->log, "network %s: %s %s is up and a port of %s again\n",
			d->net->name, kind_names[d->kind], d->name,
			*d->master ? d->master : "nothing");
	}
	rtnl_link_put(l);
	return 0;
}

int realize_apply(struct rz_plan *pl)
{
	size_t i;
	int n;

	if (!pl)
		return 0;
	for (i = 0; i < pl->n; i++) {
		struct rz_dev *d = &pl->devs[i];
		int ifindex;

		if (apply_dev(pl, d))
			return -1;
		ifindex = ifindex_of(pl, d->name);
		if (d->kind == RZ_VXLAN && fdb_sync(pl, d, ifindex))
			return -1;
		if (d->kind == RZ_MACSEC) {
			n = macsec_open(pl) ? -1 : macsec_keys(pl, d, ifindex);
			if (n < 0)
				return -1;
			pl->changes += n && !d->created;
			if (n && !d->created)
				fprintf(pl->log,
					"network %s: macsec %s: restored %d missing key%s\n",
					d->net->name, d->name, n, n == 1 ? "" : "s");
		}
	}
	return 0;
}

void realize_rollback(struct rz_plan *pl)
{
	size_t i;

	for (i = pl ? pl->n : 0; i-- > 0;) {
		struct rtnl_link *l;

		if (!pl->devs[i].created)
			continue;
		l = rtnl_link_get_by_name(pl->links, pl->devs[i].name);
		if (l) {
			delete_link(pl, l, pl->devs[i].net->name, NULL);
			rtnl_link_put(l);
		}
	}
}

static bool planned(const struct rz_plan *pl, const char *name)
{
	size_t i;

	for (i = 0; pl && i < pl->n; i++)
		if (!strcmp(pl->devs[i].name, name))
			return true;
	return false;
}

/* The network named in our alias "netpolicy:NET:..." of @l, into @net. */
static bool alias_net(struct rtnl_link *l, char *net, size_t size)
{
	const char *a, *end;

	if (!ours(l))
		return false;
	a = rtnl_link_get_ifalias(l) + strlen(ALIAS_PREFIX);
	end = strrchr(a, ':');
	if (!end || (size_t)(end - a) >= size)
		return false;
	memcpy(net, a, (size_t)(end - a));
	net[end - a] = '\0';
	return true;
}

struct prune_ctx {
	struct rz_plan *pl;
	const char *only;
	bool bridges;			/* this pass: bridges, else the rest */
	int err;
};

static void prune_one(struct nl_object *o, void *arg)
{
	struct rtnl_link *l = (struct rtnl_link *)o;
	struct prune_ctx *p = arg;
	const char *type = rtnl_link_get_type(l);
	char net[NETPOLICY_NAME_MAX];
	bool bridge = type && !strcmp(type, "bridge");

	if (bridge != p->bridges || !alias_net(l, net, sizeof(net)) ||
	    planned(p->pl, rtnl_link_get_name(l)) ||
	    (p->only && strcmp(p->only, net)))
		return;
	if (delete_link(p->pl, l, net, "no network needs it"))
		p->err = -1;
}

int realize_prune(struct rz_plan *pl, const char *only_net)
{
	struct rz_plan tmp = { .log = stdout };
	struct prune_ctx p = { pl ? pl : &tmp, only_net, false, 0 };

	if (!pl && open_route(&tmp))
		goto out;
	/* tunnels and MACsec devices first: they are the bridges' ports */
	nl_cache_foreach(p.pl->links, prune_one, &p);
	if (!p.err && !refill(p.pl)) {
		p.bridges = true;
		nl_cache_foreach(p.pl->links, prune_one, &p);
	}
out:
	if (!pl) {
		if (tmp.links)
			nl_cache_free(tmp.links);
		nl_socket_free(tmp.sk);
		return p.err || !tmp.links ? -1 : 0;
	}
	return p.err;
}

size_t realize_changes(const struct rz_plan *pl)
{
	return pl ? pl->changes : 0;
}

size_t realize_devices(const struct rz_plan *pl)
{
	return pl ? pl->n : 0;
}
