// SPDX-License-Identifier: GPL-2.0
/*
 * Applying a plan through rtnetlink (libnl-route-3): create what is
 * missing, replace what drifted, re-attach what was moved, and prune what
 * netpolicy created that no plan needs. A device is netpolicy's when its
 * alias starts with "netpolicy:"; nothing else is ever deleted, and an
 * administrator's bridge is used as it is.
 */

#include <arpa/inet.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/if_tunnel.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/inet6.h>
#include <netlink/route/link/geneve.h>
#include <netlink/route/link/ipgre.h>
#include <netlink/route/link/vxlan.h>

#include "host.h"

const char *const rz_kind_names[] = {
	[RZ_BRIDGE] = "bridge", [RZ_VXLAN] = "vxlan", [RZ_GRETAP] = "gretap",
	[RZ_GENEVE] = "geneve",
};

static int nl_failed(int err)
{
	fprintf(stderr, "npmgr: rtnetlink: %s\n", nl_geterror(err));
	return -1;
}

static int connect_sock(struct rz_host *h)
{
	int err;

	if (!h->sk)
		h->sk = nl_socket_alloc();
	if (!h->sk)
		return -1;
	if (nl_socket_get_fd(h->sk) >= 0)
		return 0;
	err = nl_connect(h->sk, NETLINK_ROUTE);
	return err ? nl_failed(err) : 0;
}

static void drop_links(struct rz_host *h)
{
	if (h->links)
		nl_cache_free(h->links);
	h->links = NULL;
	h->have = RZ_LINKS_NONE;
}

/* Connect and read every link, the first time they are needed. */
static int connect_host(struct rz_host *h)
{
	int err;

	if (h->have == RZ_LINKS_ALL)
		return 0;
	drop_links(h);
	if (connect_sock(h))
		return -1;
	err = rtnl_link_alloc_cache(h->sk, AF_UNSPEC, &h->links);
	if (err)
		return nl_failed(err);
	h->have = RZ_LINKS_ALL;
	return 0;
}

/* Each kind's driver, as /sys/module and modules.builtin name it. */
static const char *const kind_modules[] = {
	[RZ_BRIDGE] = "bridge", [RZ_VXLAN] = "vxlan", [RZ_GRETAP] = "ip_gre",
	[RZ_GENEVE] = "geneve",
};

struct kind_check {
	unsigned int dumped;		/* bit per enum rz_kind */
	bool other;			/* a link of another kind came back */
};

static void check_kind(struct nl_object *o, void *arg)
{
	const char *type = rtnl_link_get_type((struct rtnl_link *)o);
	struct kind_check *k = arg;
	unsigned int i;

	for (i = 0; type && i < RZ_N_KINDS; i++)
		if ((k->dumped & (1U << i)) && !strcmp(type, rz_kind_names[i]))
			return;
	k->other = true;
}

/*
 * Read only the links of the kinds netpolicy creates, one filtered dump
 * per kind whose driver is there. A dump that comes back unfiltered (a
 * driver unloaded meanwhile, a kernel that ignores the filter) is seen by
 * the kinds it holds; then every link is read instead.
 */
static int connect_ours(struct rz_host *h)
{
	struct kind_check k = { 0, false };
	unsigned int i;
	int err;

	if (h->have != RZ_LINKS_NONE)
		return 0;
	if (connect_sock(h))
		return -1;
	err = nl_cache_alloc_name("route/link", &h->links);
	if (err)
		return nl_failed(err);
	h->have = RZ_LINKS_OURS;
	for (i = 0; i < RZ_N_KINDS && !k.other; i++) {
		if (!rz_module_present(kind_modules[i]))
			continue;
		err = rz_dump_kind(h->sk, h->links, rz_kind_names[i]);
		if (err < 0) {
			drop_links(h);
			return nl_failed(err);
		}
		k.dumped |= 1U << i;
		nl_cache_foreach(h->links, check_kind, &k);
	}
	return k.other ? connect_host(h) : 0;
}

static int reread_ours(struct rz_host *h)
{
	drop_links(h);
	return connect_ours(h);
}

int rz_host_reread(struct rz_host *h, const char *name)
{
	int err = rz_reread_link(h->sk, h->links, name);

	return err ? nl_failed(err) : 0;
}

static int ifindex_of(struct rz_host *h, const char *name)
{
	return *name ? rtnl_link_name2i(h->links, name) : 0;
}

static bool ours(struct rtnl_link *l)
{
	const char *a = rtnl_link_get_ifalias(l);

	return a && !strncmp(a, RZ_ALIAS_PREFIX, strlen(RZ_ALIAS_PREFIX));
}

static struct nl_addr *v4(struct in_addr a)
{
	return nl_addr_build(AF_INET, &a, sizeof(a));
}

int rz_nl_fail(const struct rz_dev *d, const char *what, int err)
{
	fprintf(stderr, "npmgr: network %s: cannot %s %s %s: %s\n",
		d->net->name, what, rz_kind_names[d->kind], d->name,
		nl_geterror(err));
	return -1;
}

/* A new link object describing @d, for creating it. */
static struct rtnl_link *describe(struct rz_host *h, const struct rz_dev *d)
{
	int lower = ifindex_of(h, d->lower), master = ifindex_of(h, d->master);
	struct rtnl_link *l = NULL;
	struct nl_addr *a;

	switch (d->kind) {
	case RZ_BRIDGE:
		l = rtnl_link_bridge_alloc();
		break;
	case RZ_VXLAN:		/* add_vxlan() */
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
	}
	if (!l)
		return NULL;
	rtnl_link_set_name(l, d->name);
	if (master)
		rtnl_link_set_master(l, master);
	/* a tunnel comes up once it has no IPv6 of its own (see create()) */
	if (d->kind == RZ_BRIDGE)
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
	uint32_t id = 0;

	if (!type || strcmp(type, rz_kind_names[d->kind]))
		return "another kind of device";
	switch (d->kind) {
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
	return NULL;
}

static int set_alias(struct rz_host *h, const struct rz_dev *d)
{
	struct rtnl_link *l = rtnl_link_get_by_name(h->links, d->name);
	struct rtnl_link *c = rtnl_link_alloc();
	int err = -NLE_NOMEM;

	if (l && c) {
		rtnl_link_set_ifalias(c, d->alias);
		err = rtnl_link_change(h->sk, l, c, 0);
	}
	if (c)
		rtnl_link_put(c);
	if (l)
		rtnl_link_put(l);
	return err ?: rz_host_reread(h, d->name);
}

static int no_ipv6_then_up(struct rz_host *h, const struct rz_dev *d)
{
	struct rtnl_link *l = rtnl_link_get_by_name(h->links, d->name);
	struct rtnl_link *c = rtnl_link_alloc();
	int err = -NLE_NOMEM;

	if (l && c) {
		rtnl_link_inet6_set_addr_gen_mode(c, IN6_ADDR_GEN_MODE_NONE);
		err = rtnl_link_change(h->sk, l, c, 0);
		rtnl_link_put(c);
		c = rtnl_link_alloc();
	}
	if (!err && c) {
		rtnl_link_set_flags(c, IFF_UP);
		err = rtnl_link_change(h->sk, l, c, 0);
	}
	if (c)
		rtnl_link_put(c);
	if (l)
		rtnl_link_put(l);
	return err ?: rz_host_reread(h, d->name);
}

/*
 * Create VXLAN device @d, down, on the IANA port. The request is built
 * here rather than by libnl-route: its 3.7 writes IFLA_VXLAN_PORT in 32
 * bits where the kernel's policy says 16, so every tunnel logged
 * "netlink: 'npmgr': attribute type 15 has an invalid length" (the kernel
 * reads the first two bytes, the right port; a kernel that validated the
 * link's data strictly would refuse the request).
 */
static int add_vxlan(struct rz_host *h, const struct rz_dev *d)
{
	int lower = ifindex_of(h, d->lower), master = ifindex_of(h, d->master);
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nlattr *info, *data;
	struct nl_msg *m;

	m = nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	if (!m)
		return -NLE_NOMEM;
	if (nlmsg_append(m, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    nla_put_string(m, IFLA_IFNAME, d->name) < 0 ||
	    (master && nla_put_u32(m, IFLA_MASTER, (uint32_t)master) < 0))
		goto fail;
	info = nla_nest_start(m, IFLA_LINKINFO);
	if (!info || nla_put_string(m, IFLA_INFO_KIND, "vxlan") < 0)
		goto fail;
	data = nla_nest_start(m, IFLA_INFO_DATA);
	if (!data || nla_put_u32(m, IFLA_VXLAN_ID, d->id) < 0 ||
	    nla_put(m, IFLA_VXLAN_LOCAL, sizeof(d->local.s_addr),
		    &d->local.s_addr) < 0 ||
	    nla_put_u16(m, IFLA_VXLAN_PORT, htons(4789)) < 0 ||
	    (lower && nla_put_u32(m, IFLA_VXLAN_LINK, (uint32_t)lower) < 0))
		goto fail;
	nla_nest_end(m, data);
	nla_nest_end(m, info);
	return nl_send_sync(h->sk, m);	/* frees m */
fail:
	nlmsg_free(m);
	return -NLE_NOMEM;
}

static int create(struct rz_host *h, struct rz_dev *d, const char *why)
{
	char peer[INET_ADDRSTRLEN];
	struct rtnl_link *l;
	size_t i;
	int err;

	if (d->kind == RZ_VXLAN) {
		err = add_vxlan(h, d);
	} else {
		l = describe(h, d);
		if (!l)
			return rz_nl_fail(d, "describe", -NLE_NOMEM);
		err = rtnl_link_add(h->sk, l, NLM_F_CREATE | NLM_F_EXCL);
		rtnl_link_put(l);
	}
	if (err)
		return rz_nl_fail(d, "create", err);
	d->created = true;
	if (rz_host_reread(h, d->name))
		return -1;
	/*
	 * A tunnel carries the network's frames and nothing of the host's own:
	 * no IPv6 link-local address, so no neighbour discovery or MLD in
	 * clear on an encrypted network's underlay. (Linux 6.1 applies
	 * IFLA_AF_SPEC on a change, not on creation; the tunnel was created
	 * down so that no address came first.)
	 */
	if (d->kind != RZ_BRIDGE) {
		err = no_ipv6_then_up(h, d);
		if (err)
			return rz_nl_fail(d, "bring up", err);
	}
	/* a new link takes no alias (only a change does): mark it ours now */
	err = set_alias(h, d);
	if (err)
		return rz_nl_fail(d, "mark", err);
	if (d->isolated && (err = rz_link_isolate(h->sk, ifindex_of(h, d->name))))
		return rz_nl_fail(d, "isolate the bridge port", err);
	h->changes++;
	fprintf(h->log, "network %s: %s %s %s", d->net->name,
		why ? "replaced" : "created", rz_kind_names[d->kind], d->name);
	switch (d->kind) {
	case RZ_VXLAN:
		fprintf(h->log, " (vni %u", d->id);
		break;
	case RZ_GRETAP:
	case RZ_GENEVE:
		inet_ntop(AF_INET, &d->remote, peer, sizeof(peer));
		fprintf(h->log, " (%s %u to %s", d->kind == RZ_GRETAP ?
			"key" : "vni", d->id, peer);
		break;
	default:
		fprintf(h->log, "%s%s\n", why ? ": " : "", why ? why : "");
		return 0;
	}
	if (d->lower[0])
		fprintf(h->log, ", over %s", d->lower);
	if (d->master[0])
		fprintf(h->log, ", port of %s", d->master);
	for (i = 0; i < d->n_peers; i++) {
		inet_ntop(AF_INET, &d->peers[i], peer, sizeof(peer));
		fprintf(h->log, "%s%s", i ? " " : ", peers ", peer);
	}
	fprintf(h->log, ")%s%s\n", why ? ": " : "", why ? why : "");
	return 0;
}

static int delete_link(struct rz_host *h, struct rtnl_link *l,
		       const char *net, const char *why)
{
	char name[IFNAMSIZ_NP], *type = rtnl_link_get_type(l);
	int err;

	snprintf(name, sizeof(name), "%s", rtnl_link_get_name(l));
	err = rtnl_link_delete(h->sk, l);
	if (err && err != -NLE_NODEV) {
		fprintf(stderr, "npmgr: cannot delete %s: %s\n", name,
			nl_geterror(err));
		return -1;
	}
	h->changes += why != NULL;
	if (why)
		fprintf(h->log, "network %s: deleted %s %s: %s\n", net,
			type ? type : "device", name, why);
	return 0;
}

/* Make the live device match @d. */
static int apply_dev(struct rz_host *h, struct rz_dev *d)
{
	struct rtnl_link *l = rtnl_link_get_by_name(h->links, d->name);
	int master = ifindex_of(h, d->master), ifindex, err = 0;
	const char *why;

	if (!l) {
		/* not of the kinds read: a link of another kind may have it */
		if (rz_host_reread(h, d->name))
			return -1;
		l = rtnl_link_get_by_name(h->links, d->name);
	}
	if (!l)
		return create(h, d, NULL);
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
		err = delete_link(h, l, d->net->name, NULL);
		rtnl_link_put(l);
		if (!err)
			err = rz_host_reread(h, d->name);
		return err ? err : create(h, d, why);
	}
	ifindex = rtnl_link_get_ifindex(l);
	if (rtnl_link_get_master(l) != master ||
	    !(rtnl_link_get_flags(l) & IFF_UP)) {
		err = rz_link_set_master(h->sk, l, master, true);
		if (!err && master && d->isolated)
			err = rz_link_isolate(h->sk, ifindex);
		if (err) {
			rtnl_link_put(l);
			return rz_nl_fail(d, "reattach", err);
		}
		h->changes++;
		fprintf(h->log, "network %s: %s %s is up and a port of %s again\n",
			d->net->name, rz_kind_names[d->kind], d->name,
			*d->master ? d->master : "nothing");
	}
	rtnl_link_put(l);
	return 0;
}

/*
 * Read what a plan's devices are made from: the devices of the kinds
 * netpolicy creates (the planned ones among them, and the bridges they
 * join), and each underlay by name. A host's taps are not read; a planned
 * name that a link of another kind has is read when its device is made.
 */
static int connect_plan(struct rz_host *h, const struct rz_plan *pl)
{
	struct rtnl_link *l;
	size_t i;

	if (connect_ours(h))
		return -1;
	for (i = 0; i < pl->n; i++) {
		if (!*pl->devs[i].lower)
			continue;
		l = rtnl_link_get_by_name(h->links, pl->devs[i].lower);
		if (l)
			rtnl_link_put(l);
		else if (rz_host_reread(h, pl->devs[i].lower))
			return -1;
	}
	return 0;
}

int rz_apply(struct rz_host *h, struct rz_plan *pl)
{
	size_t i;

	if (!pl)
		return 0;
	if (connect_plan(h, pl))
		return -1;
	for (i = 0; i < pl->n; i++) {
		struct rz_dev *d = &pl->devs[i];

		if (apply_dev(h, d))
			return -1;
		if (d->kind == RZ_VXLAN &&
		    rz_fdb_sync(h, d, ifindex_of(h, d->name)))
			return -1;
	}
	return rz_sessions_apply(h, pl);
}

void rz_rollback(struct rz_host *h, struct rz_plan *pl)
{
	size_t i;

	rz_sessions_rollback(h);
	if (!pl || connect_host(h))
		return;
	for (i = pl->n; i-- > 0;) {
		struct rtnl_link *l;

		if (!pl->devs[i].created)
			continue;
		l = rtnl_link_get_by_name(h->links, pl->devs[i].name);
		if (l) {
			delete_link(h, l, pl->devs[i].net->name, NULL);
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
	a = rtnl_link_get_ifalias(l) + strlen(RZ_ALIAS_PREFIX);
	end = strrchr(a, ':');
	if (!end || (size_t)(end - a) >= size)
		return false;
	memcpy(net, a, (size_t)(end - a));
	net[end - a] = '\0';
	return true;
}

struct prune_ctx {
	struct rz_host *h;
	const struct rz_plan *pl;
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
	if (delete_link(p->h, l, net, "no network needs it"))
		p->err = -1;
}

int rz_prune(struct rz_host *h, const struct rz_plan *pl, const char *only_net)
{
	struct prune_ctx p = { h, pl, only_net, false, 0 };

	if (connect_ours(h))
		return -1;
	/* sessions first: their MACsec devices sit on the tunnels */
	if (rz_sessions_prune(h, pl, only_net))
		p.err = -1;
	/*
	 * Tunnels first: they are the bridges' ports. Then only bridges are
	 * looked at: what a load read of every link (to plan) is not read
	 * again.
	 */
	nl_cache_foreach(h->links, prune_one, &p);
	if (!p.err && !reread_ours(h)) {
		p.bridges = true;
		nl_cache_foreach(h->links, prune_one, &p);
	}
	return p.err;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_name(struct nl_object *o, void *arg)
{
	struct rz_host *h = arg;
	const char *name = rtnl_link_get_name((struct rtnl_link *)o);
	char **slot;

	if (!name)
		return;
	slot = xpush((void **)&h->names, &h->n_names, sizeof(*h->names));
	*slot = xstrdup(name);
}

/*
 * A few names are asked of the kernel one by one; more than this, and
 * every link is read in one dump instead.
 */
#define RZ_ASK_MAX	64

/*
 * Planning needs to know which of a few names exist (the nic objects and
 * NAME() selectors): asked by name, a host's thousands of taps are not
 * dumped for them.
 */
char *const *rz_host_have_links(struct rz_host *h, const char *const *cand,
				size_t n_cand, size_t *n)
{
	static char *const none[1];
	struct nl_cache *c = NULL;
	size_t i;
	int err = 0;

	while (h->n_names)
		free(h->names[--h->n_names]);
	if (n_cand > RZ_ASK_MAX) {
		if (connect_host(h))
			return NULL;
		c = h->links;
	} else if (connect_sock(h)) {
		return NULL;
	} else {
		err = nl_cache_alloc_name("route/link", &c);
		for (i = 0; !err && i < n_cand; i++)
			err = rz_reread_link(h->sk, c, cand[i]);
	}
	if (!err) {
		nl_cache_foreach(c, add_name, h);
		if (h->n_names)
			qsort(h->names, h->n_names, sizeof(*h->names), cmp_str);
	}
	if (c != h->links)
		nl_cache_free(c);
	if (err) {
		nl_failed(err);
		return NULL;
	}
	*n = h->n_names;
	return h->n_names ? h->names : none;	/* none: not an error */
}

struct rz_host *rz_host_open(FILE *log, const char *host)
{
	struct rz_host *h = xcalloc(1, sizeof(*h));

	h->log = log;
	h->name = host;
	return h;
}

size_t rz_host_changes(const struct rz_host *h)
{
	return h ? h->changes : 0;
}

void rz_host_close(struct rz_host *h)
{
	size_t i;

	if (!h)
		return;
	for (i = 0; i < h->n_names; i++)
		free(h->names[i]);
	free(h->names);
	free(h->started);
	if (h->links)
		nl_cache_free(h->links);
	nl_socket_free(h->sk);
	free(h);
}
