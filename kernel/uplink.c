// SPDX-License-Identifier: GPL-2.0
/*
 * Uplinks: what the path below a bridge port that is not a VM interface
 * tells the decision. The underlay device its frames leave the host
 * through, whether a MACsec device on the way encrypts them (and with
 * which cipher suite), and which tunnel carries them. Every fact comes
 * from the drivers' own fill_info() (what `ip -d link show` prints),
 * never from their private structures.
 */

#include <linux/if_link.h>
#include <linux/if_macsec.h>
#include <linux/if_tunnel.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>
#include <net/rtnetlink.h>

#include "uplink.h"

static bool np_kind_is(const struct net_device *dev, const char *kind)
{
	return dev->rtnl_link_ops && !strcmp(dev->rtnl_link_ops->kind, kind);
}

/* Tunnels carry frames to other hosts over an underlay device. */
static bool np_is_tunnel(const struct net_device *dev)
{
	static const char * const kinds[] = {
		"vxlan", "geneve", "gretap", "ip6gretap", "erspan", "ip6erspan",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		if (np_kind_is(dev, kinds[i]))
			return true;
	return false;
}

/* Room for the driver attributes np_link_facts() reads. */
#define NP_INFO_MAX 40
static_assert(NP_INFO_MAX >= IFLA_MACSEC_MAX);
static_assert(NP_INFO_MAX >= IFLA_VXLAN_MAX);
static_assert(NP_INFO_MAX >= IFLA_GENEVE_MAX);
static_assert(NP_INFO_MAX >= IFLA_GRE_MAX);

/*
 * The attributes @dev's driver reports about itself (what `ip -d link
 * show` prints), parsed into @tb. Asking the driver's own fill_info()
 * keeps us off its private structures. Caller holds RTNL and frees the
 * returned buffer; NULL if the driver reports nothing.
 */
static struct sk_buff *np_link_info(struct net_device *dev,
				    struct nlattr **tb)
{
	const struct rtnl_link_ops *ops = dev->rtnl_link_ops;
	struct sk_buff *skb;
	size_t size;

	ASSERT_RTNL();
	if (!ops || !ops->fill_info)
		return NULL;
	size = ops->get_size ? ops->get_size(dev) : 0;
	skb = alloc_skb(max_t(size_t, size, NLMSG_GOODSIZE), GFP_KERNEL);
	if (!skb)
		return NULL;
	if (ops->fill_info(skb, dev) ||
	    nla_parse_deprecated(tb, NP_INFO_MAX, (struct nlattr *)skb->data,
				 skb->len, NULL, NULL)) {
		kfree_skb(skb);
		return NULL;
	}
	return skb;
}

static u8 np_macsec_alg(const struct nlattr *cs)
{
	/* XPN: the same cipher and key, with 64-bit packet numbers */
	switch (cs ? nla_get_u64(cs) : 0) {
	case MACSEC_CIPHER_ID_GCM_AES_128:
	case MACSEC_DEFAULT_CIPHER_ID:
	case MACSEC_CIPHER_ID_GCM_AES_XPN_128:
		return NETPOLICY_ENC_GCM_AES_128;
	case MACSEC_CIPHER_ID_GCM_AES_256:
	case MACSEC_CIPHER_ID_GCM_AES_XPN_256:
		return NETPOLICY_ENC_GCM_AES_256;
	default:
		return 0;			/* unknown */
	}
}

static bool np_flag(const struct nlattr *a)
{
	return a && nla_get_u8(a);
}

/*
 * What one device on an uplink's path tells about the path: a MACsec
 * device that protects, encrypts and drops unprotected frames (validate
 * strict) encrypts it, with its cipher suite, and protects it against
 * replay if it drops every frame it accepted before (replay on, window 0); a VXLAN, Geneve or GRE
 * device is its tunnel, with its VNI or key. Returns the ifindex of the
 * device below @d (its own ifindex, or 0, when there is none).
 */
static int np_link_facts(struct net_device *d, struct np_uplink *l)
{
	struct nlattr *tb[NP_INFO_MAX + 1];
	struct sk_buff *skb;
	int lower = dev_get_iflink(d);
	u8 tunnel = 0;
	u32 id = 0;

	if (!netif_is_macsec(d) && !np_is_tunnel(d))
		return lower;
	skb = np_link_info(d, tb);
	if (!skb)
		return np_is_tunnel(d) ? 0 : lower;
	if (netif_is_macsec(d)) {
		if (!l->encrypted && np_flag(tb[IFLA_MACSEC_ENCRYPT]) &&
		    np_flag(tb[IFLA_MACSEC_PROTECT]) &&
		    tb[IFLA_MACSEC_VALIDATION] &&
		    nla_get_u8(tb[IFLA_MACSEC_VALIDATION]) ==
		    MACSEC_VALIDATE_STRICT) {
			l->encrypted = true;
			l->enc_alg = np_macsec_alg(tb[IFLA_MACSEC_CIPHER_SUITE]);
			/* window 0: no frame is accepted twice */
			l->replay_protected =
				np_flag(tb[IFLA_MACSEC_REPLAY_PROTECT]) &&
				tb[IFLA_MACSEC_WINDOW] &&
				!nla_get_u32(tb[IFLA_MACSEC_WINDOW]);
		}
	} else if (np_kind_is(d, "vxlan")) {
		tunnel = NETPOLICY_TUNNEL_VXLAN;
		id = tb[IFLA_VXLAN_ID] ? nla_get_u32(tb[IFLA_VXLAN_ID]) : 0;
		lower = tb[IFLA_VXLAN_LINK] ? nla_get_u32(tb[IFLA_VXLAN_LINK]) : 0;
	} else if (np_kind_is(d, "geneve")) {
		tunnel = NETPOLICY_TUNNEL_GENEVE;
		id = tb[IFLA_GENEVE_ID] ? nla_get_u32(tb[IFLA_GENEVE_ID]) : 0;
	} else if (np_kind_is(d, "gretap")) {
		tunnel = NETPOLICY_TUNNEL_GRETAP;
		if (tb[IFLA_GRE_OFLAGS] && tb[IFLA_GRE_OKEY] &&
		    (nla_get_be16(tb[IFLA_GRE_OFLAGS]) & GRE_KEY))
			id = be32_to_cpu(nla_get_be32(tb[IFLA_GRE_OKEY]));
	}
	if (tunnel && !l->tunnel) {
		l->tunnel = tunnel;
		l->tunnel_id = id;
	}
	kfree_skb(skb);
	return lower;
}

/* The namespace the device below @dev lives in (its link net). */
static struct net *np_link_net(const struct net_device *dev)
{
	const struct rtnl_link_ops *ops = dev->rtnl_link_ops;

	if (ops && ops->get_link_net)
		return ops->get_link_net(dev);
	return dev_net(dev);
}

/**
 * np_uplink_facts - what np_decide() needs to know about an uplink
 * @net: the namespace of the bridge
 * @up: the uplink, a port of the bridge
 * @l: filled in: its name, underlay, encryption and tunnel
 *
 * Follow @up down to the device its frames leave the host through: a
 * VLAN's or MACsec device's parent, a GRE tunnel's link, a VXLAN tunnel's
 * dev. A tunnel without a fixed underlay has none (NULL), nor has a path
 * that leaves the bridge's namespace (the lower device of a VXLAN, VLAN
 * or MACsec device moved into it from elsewhere). On the way,
 * note the encryption and the tunnel the path has (np_link_facts()).
 * Caller holds RTNL.
 */
void np_uplink_facts(struct net *net, struct net_device *up,
		     struct np_uplink *l)
{
	struct net_device *d = up;
	int depth, lower;

	memset(l, 0, sizeof(*l));
	l->name = up->name;
	for (depth = 0; depth < 8; depth++) {
		lower = np_link_facts(d, l);
		if (np_kind_is(d, "veth"))
			break;			/* its iflink is its peer */
		if (np_is_tunnel(d) && (!lower || lower == d->ifindex))
			return;			/* no fixed underlay */
		if (!lower || lower == d->ifindex)
			break;
		/*
		 * The index is one of the lower device's namespace, which the
		 * driver reports (IFLA_LINK_NETNSID): a device there is no NIC
		 * this namespace's objects describe. Unknown: fail closed.
		 */
		if (np_link_net(d) != net)
			return;
		up = __dev_get_by_index(net, lower);
		if (!up)
			return;			/* gone: unknown */
		d = up;
	}
	l->underlay = d->name;
}

/**
 * np_uplink_unknown - an uplink whose path we cannot see
 * @dev: a tap or vif that no VIF object binds
 * @l: filled in: its name; no underlay, no encryption, no tunnel
 *
 * Its frames go to a program (OpenVPN, tinc, a QEMU socket backend) or a
 * guest nobody described: fail closed, as a path with no known underlay.
 */
void np_uplink_unknown(const struct net_device *dev, struct np_uplink *l)
{
	memset(l, 0, sizeof(*l));
	l->name = dev->name;
}

/**
 * np_uplink_dev_watched - whether a change of @dev can change an uplink
 * @dev: a device that is not a VM interface
 *
 * MACsec and tunnel devices carry the facts np_uplink_facts() reads.
 */
bool np_uplink_dev_watched(const struct net_device *dev)
{
	return netif_is_macsec(dev) || np_is_tunnel(dev);
}
