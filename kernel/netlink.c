// SPDX-License-Identifier: GPL-2.0
/*
 * The "netpolicy" generic netlink family. The protocol is specified in
 * include/uapi/linux/netpolicy.h.
 */

#include <linux/etherdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "netpolicy.h"

static struct genl_family np_family;

/* Large enough for the largest object message (64 + 64 selectors, 32 tags). */
#define NP_DUMP_MIN_ALLOC	SZ_16K

static const char * const np_reasons[] = {
	[NETPOLICY_R_NONE] = "",
	[NETPOLICY_R_NO_VIF_OBJECT] = "no VIF object matches the interface",
	[NETPOLICY_R_NO_BRIDGE] = "bridge does not exist:",
	[NETPOLICY_R_NOT_A_BRIDGE] = "device is not a bridge:",
	[NETPOLICY_R_ATTACH_FAILED] = "bridge refused the port:",
	[NETPOLICY_R_MOVED] = "moved off its bridge by another agent:",
};

const char *np_reason_text(u8 reason)
{
	if (reason >= ARRAY_SIZE(np_reasons))
		return "?";
	return np_reasons[reason];
}

static const struct nla_policy np_sel_policy[NETPOLICY_A_SEL_MAX + 1] = {
	[NETPOLICY_A_SEL_TYPE] = NLA_POLICY_RANGE(NLA_U8, NETPOLICY_SEL_TAG,
						  NETPOLICY_SEL_MAX),
	[NETPOLICY_A_SEL_VALUE] = { .type = NLA_NUL_STRING,
				    .len = NETPOLICY_NAME_MAX - 1 },
};

static const struct nla_policy np_pol_policy[NETPOLICY_A_POLICY_MAX + 1] = {
	[NETPOLICY_A_POLICY_NAME] = { .type = NLA_NUL_STRING,
				      .len = NETPOLICY_NAME_MAX - 1 },
	[NETPOLICY_A_POLICY_ALLOW_CROSS_SERVER] = NLA_POLICY_MAX(NLA_U8, 1),
	[NETPOLICY_A_POLICY_REQUIRE_ENCRYPTION] = NLA_POLICY_MAX(NLA_U8, 1),
	[NETPOLICY_A_POLICY_PHYSICAL_IFS_ALLOWED] =
		NLA_POLICY_NESTED_ARRAY(np_sel_policy),
	[NETPOLICY_A_POLICY_ISOLATE_FROM] =
		NLA_POLICY_NESTED_ARRAY(np_sel_policy),
};

static const struct nla_policy np_net_policy[NETPOLICY_A_NET_MAX + 1] = {
	[NETPOLICY_A_NET_NAME] = { .type = NLA_NUL_STRING,
				   .len = NETPOLICY_NAME_MAX - 1 },
	[NETPOLICY_A_NET_BRIDGE] = { .type = NLA_NUL_STRING,
				     .len = IFNAMSIZ - 1 },
	[NETPOLICY_A_NET_POLICY] = NLA_POLICY_NESTED(np_pol_policy),
};

static const struct nla_policy np_vif_policy[NETPOLICY_A_VIF_MAX + 1] = {
	[NETPOLICY_A_VIF_NAME] = { .type = NLA_NUL_STRING,
				   .len = NETPOLICY_NAME_MAX - 1 },
	[NETPOLICY_A_VIF_IFNAME] = { .type = NLA_NUL_STRING,
				     .len = IFNAMSIZ - 1 },
	[NETPOLICY_A_VIF_MAC] = NLA_POLICY_ETH_ADDR,
	[NETPOLICY_A_VIF_NETWORK] = { .type = NLA_NUL_STRING,
				      .len = NETPOLICY_NAME_MAX - 1 },
	[NETPOLICY_A_VIF_VM_NAME] = { .type = NLA_NUL_STRING,
				      .len = NETPOLICY_NAME_MAX - 1 },
	[NETPOLICY_A_VIF_VM_UUID] = NLA_POLICY_EXACT_LEN(NETPOLICY_UUID_LEN),
	[NETPOLICY_A_VIF_VM_TAGS] = { .type = NLA_NESTED },
};

static const struct nla_policy np_policy[NETPOLICY_A_MAX + 1] = {
	[NETPOLICY_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, __NETPOLICY_LOAD_F_ALL),
	[NETPOLICY_A_NETS] = NLA_POLICY_NESTED_ARRAY(np_net_policy),
	[NETPOLICY_A_VIFS] = NLA_POLICY_NESTED_ARRAY(np_vif_policy),
	[NETPOLICY_A_NET] = NLA_POLICY_NESTED(np_net_policy),
	[NETPOLICY_A_VIF] = NLA_POLICY_NESTED(np_vif_policy),
	[NETPOLICY_A_PORT] = { .type = NLA_REJECT },
	[NETPOLICY_A_GENERATION] = { .type = NLA_REJECT },
	[NETPOLICY_A_EVENT] = { .type = NLA_REJECT },
};

/*
 * Give back the unused tail of an array allocated at its maximum size
 * (freeing it when nothing is used): objects live as long as their table.
 */
static void np_shrink(void **arr, size_t used)
{
	void *smaller;

	if (!used) {
		kfree(*arr);
		*arr = NULL;
		return;
	}
	smaller = krealloc(*arr, used, GFP_KERNEL);
	if (smaller)
		*arr = smaller;
}

/* Parse an array of selector nests into @out[*n...]. */
static int np_parse_sels(const struct nlattr *array, struct np_selector *out,
			 u8 *n, unsigned int room, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NETPOLICY_A_SEL_MAX + 1];
	const struct nlattr *e;
	int rem, err;

	nla_for_each_nested(e, array, rem) {
		if (*n >= room) {
			NL_SET_ERR_MSG_ATTR(extack, e, "too many selectors");
			return -E2BIG;
		}
		err = nla_parse_nested(tb, NETPOLICY_A_SEL_MAX, e,
				       np_sel_policy, extack);
		if (err)
			return err;
		if (NL_REQ_ATTR_CHECK(extack, e, tb, NETPOLICY_A_SEL_TYPE) ||
		    NL_REQ_ATTR_CHECK(extack, e, tb, NETPOLICY_A_SEL_VALUE))
			return -EINVAL;
		out[*n].type = nla_get_u8(tb[NETPOLICY_A_SEL_TYPE]);
		nla_strscpy(out[*n].value, tb[NETPOLICY_A_SEL_VALUE],
			    sizeof(out[*n].value));
		if (!out[*n].value[0]) {
			NL_SET_ERR_MSG_ATTR(extack, e, "empty selector value");
			return -EINVAL;
		}
		(*n)++;
	}
	return 0;
}

static int np_parse_policy(const struct nlattr *nest, struct np_policy *pol,
			   struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NETPOLICY_A_POLICY_MAX + 1];
	struct nlattr *a;
	u8 n = 0;
	int err;

	err = nla_parse_nested(tb, NETPOLICY_A_POLICY_MAX, nest, np_pol_policy,
			       extack);
	if (err)
		return err;
	if (tb[NETPOLICY_A_POLICY_NAME])
		nla_strscpy(pol->name, tb[NETPOLICY_A_POLICY_NAME],
			    sizeof(pol->name));
	a = tb[NETPOLICY_A_POLICY_ALLOW_CROSS_SERVER];
	if (a) {
		pol->present |= NP_POL_CROSS_SERVER;
		pol->allow_cross_server = nla_get_u8(a);
	}
	a = tb[NETPOLICY_A_POLICY_REQUIRE_ENCRYPTION];
	if (a) {
		pol->present |= NP_POL_ENCRYPTION;
		pol->require_encryption = nla_get_u8(a);
	}
	pol->sels = kcalloc(2 * NETPOLICY_SELECTORS_MAX, sizeof(*pol->sels),
			    GFP_KERNEL);
	if (!pol->sels)
		return -ENOMEM;
	a = tb[NETPOLICY_A_POLICY_PHYSICAL_IFS_ALLOWED];
	if (a) {
		pol->present |= NP_POL_PHYS;
		err = np_parse_sels(a, pol->sels, &n, NETPOLICY_SELECTORS_MAX,
				    extack);
		if (err)
			return err;
	}
	pol->n_phys = n;
	a = tb[NETPOLICY_A_POLICY_ISOLATE_FROM];
	if (a) {
		pol->present |= NP_POL_ISOLATE;
		err = np_parse_sels(a, pol->sels, &n,
				    pol->n_phys + NETPOLICY_SELECTORS_MAX,
				    extack);
		if (err)
			return err;
	}
	pol->n_isolate = n - pol->n_phys;
	np_shrink((void **)&pol->sels, n * sizeof(*pol->sels));
	return 0;
}

static struct np_network *np_parse_net(const struct nlattr *nest,
				       struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NETPOLICY_A_NET_MAX + 1];
	struct np_network *net;
	int err;

	err = nla_parse_nested(tb, NETPOLICY_A_NET_MAX, nest, np_net_policy,
			       extack);
	if (err)
		return ERR_PTR(err);
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, NETPOLICY_A_NET_NAME) ||
	    NL_REQ_ATTR_CHECK(extack, nest, tb, NETPOLICY_A_NET_BRIDGE))
		return ERR_PTR(-EINVAL);

	net = kzalloc(sizeof(*net), GFP_KERNEL);
	if (!net)
		return ERR_PTR(-ENOMEM);
	net->origin = nest;
	nla_strscpy(net->name, tb[NETPOLICY_A_NET_NAME], sizeof(net->name));
	nla_strscpy(net->bridge, tb[NETPOLICY_A_NET_BRIDGE],
		    sizeof(net->bridge));
	err = -EINVAL;
	if (!net->name[0]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NETPOLICY_A_NET_NAME],
				    "empty network object name");
		goto fail;
	}
	if (!dev_valid_name(net->bridge)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NETPOLICY_A_NET_BRIDGE],
				    "invalid bridge name");
		goto fail;
	}
	if (tb[NETPOLICY_A_NET_POLICY]) {
		err = np_parse_policy(tb[NETPOLICY_A_NET_POLICY], &net->policy,
				      extack);
		if (err)
			goto fail;
	}
	return net;

fail:
	np_network_free(net);
	return ERR_PTR(err);
}

static int np_parse_tags(const struct nlattr *array, struct np_vif *vif,
			 struct netlink_ext_ack *extack)
{
	const struct nlattr *e;
	int rem, n = 0;

	vif->tags = kcalloc(NETPOLICY_TAGS_MAX, sizeof(*vif->tags), GFP_KERNEL);
	if (!vif->tags)
		return -ENOMEM;
	nla_for_each_nested(e, array, rem) {
		int len = nla_len(e);

		if (n >= NETPOLICY_TAGS_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, e, "too many VM tags");
			return -E2BIG;
		}
		if (len < 2 || len > NETPOLICY_NAME_MAX ||
		    ((const char *)nla_data(e))[len - 1] ||
		    strnlen(nla_data(e), len) != len - 1) {
			NL_SET_ERR_MSG_ATTR(extack, e,
					    "a VM tag must be a non-empty NUL-terminated string of at most 63 bytes");
			return -EINVAL;
		}
		memcpy(vif->tags[n++], nla_data(e), len);
	}
	if (rem) {
		NL_SET_ERR_MSG_ATTR(extack, array, "trailing bytes in VM tags");
		return -EINVAL;
	}
	vif->n_tags = n;
	np_shrink((void **)&vif->tags, n * sizeof(*vif->tags));
	return 0;
}

static struct np_vif *np_parse_vif(const struct nlattr *nest,
				   struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NETPOLICY_A_VIF_MAX + 1];
	struct np_vif *vif;
	int err;

	err = nla_parse_nested(tb, NETPOLICY_A_VIF_MAX, nest, np_vif_policy,
			       extack);
	if (err)
		return ERR_PTR(err);
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, NETPOLICY_A_VIF_NAME) ||
	    NL_REQ_ATTR_CHECK(extack, nest, tb, NETPOLICY_A_VIF_NETWORK))
		return ERR_PTR(-EINVAL);
	if (!tb[NETPOLICY_A_VIF_IFNAME] && !tb[NETPOLICY_A_VIF_MAC]) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "a VIF object needs an interface name or a MAC address");
		return ERR_PTR(-EINVAL);
	}

	vif = kzalloc(sizeof(*vif), GFP_KERNEL);
	if (!vif)
		return ERR_PTR(-ENOMEM);
	vif->origin = nest;
	nla_strscpy(vif->name, tb[NETPOLICY_A_VIF_NAME], sizeof(vif->name));
	nla_strscpy(vif->network_name, tb[NETPOLICY_A_VIF_NETWORK],
		    sizeof(vif->network_name));
	err = -EINVAL;
	if (!vif->name[0]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NETPOLICY_A_VIF_NAME],
				    "empty VIF object name");
		goto fail;
	}
	if (tb[NETPOLICY_A_VIF_IFNAME]) {
		nla_strscpy(vif->ifname, tb[NETPOLICY_A_VIF_IFNAME],
			    sizeof(vif->ifname));
		if (!np_glob_valid(vif->ifname)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[NETPOLICY_A_VIF_IFNAME],
					    "invalid interface name or glob");
			goto fail;
		}
		vif->prefix_len = np_glob_prefix_len(vif->ifname);
		vif->is_glob = vif->ifname[vif->prefix_len] != '\0';
	}
	if (tb[NETPOLICY_A_VIF_MAC]) {
		vif->has_mac = true;
		memcpy(vif->mac, nla_data(tb[NETPOLICY_A_VIF_MAC]), ETH_ALEN);
		if (!is_valid_ether_addr(vif->mac)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[NETPOLICY_A_VIF_MAC],
					    "MAC address is multicast or zero");
			goto fail;
		}
	}
	if (tb[NETPOLICY_A_VIF_VM_NAME])
		nla_strscpy(vif->vm_name, tb[NETPOLICY_A_VIF_VM_NAME],
			    sizeof(vif->vm_name));
	if (tb[NETPOLICY_A_VIF_VM_UUID]) {
		vif->has_uuid = true;
		memcpy(vif->vm_uuid, nla_data(tb[NETPOLICY_A_VIF_VM_UUID]),
		       NETPOLICY_UUID_LEN);
	}
	if (tb[NETPOLICY_A_VIF_VM_TAGS]) {
		err = np_parse_tags(tb[NETPOLICY_A_VIF_VM_TAGS], vif, extack);
		if (err)
			goto fail;
	}
	return vif;

fail:
	np_vif_free(vif);
	return ERR_PTR(err);
}

static int np_parse_array(struct np_txn *txn, const struct nlattr *array,
			  bool vifs, struct netlink_ext_ack *extack)
{
	const struct nlattr *e;
	int rem, err;

	nla_for_each_nested(e, array, rem) {
		if (vifs) {
			struct np_vif *vif = np_parse_vif(e, extack);

			if (IS_ERR(vif))
				return PTR_ERR(vif);
			err = np_txn_add_vif(txn, vif);
			if (err)
				np_vif_free(vif);
		} else {
			struct np_network *net = np_parse_net(e, extack);

			if (IS_ERR(net))
				return PTR_ERR(net);
			err = np_txn_add_net(txn, net);
			if (err)
				np_network_free(net);
		}
		if (err)
			return err;
	}
	return 0;
}

/*
 * Publish @t (or fail with @t's error) and re-evaluate every port. Caller
 * holds RTNL.
 */
static int np_publish(struct net *net, struct np_table *t)
{
	struct np_net *pn = np_net(net);
	struct np_table *old;

	ASSERT_RTNL();
	if (IS_ERR(t))
		return PTR_ERR(t);
	old = rtnl_dereference(pn->table);
	pn->next_gen = t->gen;
	rcu_assign_pointer(pn->table, t);
	np_ports_reconcile(net);
	np_table_free_rcu(old);
	return 0;
}

static int np_nl_load(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct np_txn txn = {};
	struct np_net *pn;
	struct np_table *t;
	bool replace = false;
	int err = 0;

	if (info->attrs[NETPOLICY_A_FLAGS])
		replace = nla_get_u32(info->attrs[NETPOLICY_A_FLAGS]) &
			  NETPOLICY_LOAD_F_REPLACE;
	if (info->attrs[NETPOLICY_A_NETS])
		err = np_parse_array(&txn, info->attrs[NETPOLICY_A_NETS], false,
				     info->extack);
	if (!err && info->attrs[NETPOLICY_A_VIFS])
		err = np_parse_array(&txn, info->attrs[NETPOLICY_A_VIFS], true,
				     info->extack);
	if (err) {
		np_txn_destroy(&txn);
		return err;
	}

	rtnl_lock();
	pn = np_net(net);
	t = np_table_build(rtnl_dereference(pn->table), !replace, &txn,
			   pn->next_gen + 1, info->extack);
	err = np_publish(net, t);
	rtnl_unlock();
	np_txn_destroy(&txn);
	return err;
}

static int np_nl_del(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[NETPOLICY_A_VIF_MAX + 1];
	const char *net_name = NULL, *vif_name = NULL;
	struct net *net = genl_info_net(info);
	struct nlattr *nest;
	struct np_net *pn;
	int err;

	nest = info->attrs[NETPOLICY_A_NET];
	if (nest) {
		err = nla_parse_nested(tb, NETPOLICY_A_NET_MAX, nest,
				       np_net_policy, info->extack);
		if (err)
			return err;
		if (NL_REQ_ATTR_CHECK(info->extack, nest, tb,
				      NETPOLICY_A_NET_NAME))
			return -EINVAL;
		net_name = nla_data(tb[NETPOLICY_A_NET_NAME]);
	} else {
		nest = info->attrs[NETPOLICY_A_VIF];
		if (!nest) {
			GENL_SET_ERR_MSG(info, "name a network or a VIF object");
			return -EINVAL;
		}
		err = nla_parse_nested(tb, NETPOLICY_A_VIF_MAX, nest,
				       np_vif_policy, info->extack);
		if (err)
			return err;
		if (NL_REQ_ATTR_CHECK(info->extack, nest, tb,
				      NETPOLICY_A_VIF_NAME))
			return -EINVAL;
		vif_name = nla_data(tb[NETPOLICY_A_VIF_NAME]);
	}
	if (info->attrs[NETPOLICY_A_NET] && info->attrs[NETPOLICY_A_VIF]) {
		GENL_SET_ERR_MSG(info, "delete one object at a time");
		return -EINVAL;
	}

	rtnl_lock();
	pn = np_net(net);
	err = np_publish(net, np_table_without(rtnl_dereference(pn->table),
					       net_name, vif_name,
					       pn->next_gen + 1, info->extack));
	rtnl_unlock();
	return err;
}

static int np_nl_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct np_txn txn = {};
	struct np_net *pn;
	int err;

	rtnl_lock();
	pn = np_net(net);
	err = np_publish(net, np_table_build(NULL, false, &txn,
					     pn->next_gen + 1, info->extack));
	rtnl_unlock();
	return err;
}

static int np_put_sels(struct sk_buff *skb, int type,
		       const struct np_selector *sels, unsigned int n)
{
	struct nlattr *array, *e;
	unsigned int i;

	array = nla_nest_start(skb, type);
	if (!array)
		return -EMSGSIZE;
	for (i = 0; i < n; i++) {
		e = nla_nest_start(skb, i + 1);
		if (!e || nla_put_u8(skb, NETPOLICY_A_SEL_TYPE, sels[i].type) ||
		    nla_put_string(skb, NETPOLICY_A_SEL_VALUE, sels[i].value))
			return -EMSGSIZE;
		nla_nest_end(skb, e);
	}
	nla_nest_end(skb, array);
	return 0;
}

static int np_put_net(struct sk_buff *skb, const struct np_network *net)
{
	const struct np_policy *pol = &net->policy;
	struct nlattr *nest, *pnest;

	nest = nla_nest_start(skb, NETPOLICY_A_NET);
	if (!nest || nla_put_string(skb, NETPOLICY_A_NET_NAME, net->name) ||
	    nla_put_string(skb, NETPOLICY_A_NET_BRIDGE, net->bridge))
		return -EMSGSIZE;
	if (pol->name[0] || pol->present) {
		pnest = nla_nest_start(skb, NETPOLICY_A_NET_POLICY);
		if (!pnest)
			return -EMSGSIZE;
		if (pol->name[0] &&
		    nla_put_string(skb, NETPOLICY_A_POLICY_NAME, pol->name))
			return -EMSGSIZE;
		if ((pol->present & NP_POL_CROSS_SERVER) &&
		    nla_put_u8(skb, NETPOLICY_A_POLICY_ALLOW_CROSS_SERVER,
			       pol->allow_cross_server))
			return -EMSGSIZE;
		if ((pol->present & NP_POL_ENCRYPTION) &&
		    nla_put_u8(skb, NETPOLICY_A_POLICY_REQUIRE_ENCRYPTION,
			       pol->require_encryption))
			return -EMSGSIZE;
		if ((pol->present & NP_POL_PHYS) &&
		    np_put_sels(skb, NETPOLICY_A_POLICY_PHYSICAL_IFS_ALLOWED,
				pol->sels, pol->n_phys))
			return -EMSGSIZE;
		if ((pol->present & NP_POL_ISOLATE) &&
		    np_put_sels(skb, NETPOLICY_A_POLICY_ISOLATE_FROM,
				pol->sels + pol->n_phys, pol->n_isolate))
			return -EMSGSIZE;
		nla_nest_end(skb, pnest);
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int np_put_vif(struct sk_buff *skb, const struct np_vif *vif)
{
	struct nlattr *nest, *tags;
	unsigned int i;

	nest = nla_nest_start(skb, NETPOLICY_A_VIF);
	if (!nest || nla_put_string(skb, NETPOLICY_A_VIF_NAME, vif->name) ||
	    nla_put_string(skb, NETPOLICY_A_VIF_NETWORK, vif->network_name))
		return -EMSGSIZE;
	if (vif->ifname[0] &&
	    nla_put_string(skb, NETPOLICY_A_VIF_IFNAME, vif->ifname))
		return -EMSGSIZE;
	if (vif->has_mac && nla_put(skb, NETPOLICY_A_VIF_MAC, ETH_ALEN, vif->mac))
		return -EMSGSIZE;
	if (vif->vm_name[0] &&
	    nla_put_string(skb, NETPOLICY_A_VIF_VM_NAME, vif->vm_name))
		return -EMSGSIZE;
	if (vif->has_uuid && nla_put(skb, NETPOLICY_A_VIF_VM_UUID,
				     NETPOLICY_UUID_LEN, vif->vm_uuid))
		return -EMSGSIZE;
	if (vif->n_tags) {
		tags = nla_nest_start(skb, NETPOLICY_A_VIF_VM_TAGS);
		if (!tags)
			return -EMSGSIZE;
		for (i = 0; i < vif->n_tags; i++)
			if (nla_put_string(skb, i + 1, vif->tags[i]))
				return -EMSGSIZE;
		nla_nest_end(skb, tags);
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int np_put_port(struct sk_buff *skb, const struct np_port *port)
{
	const struct net_device *dev = port->dev;
	struct nlattr *nest;
	char msg[96];

	if (port->reason == NETPOLICY_R_NONE ||
	    port->reason == NETPOLICY_R_NO_VIF_OBJECT)
		strscpy(msg, np_reason_text(port->reason), sizeof(msg));
	else if (port->err)
		snprintf(msg, sizeof(msg), "%s %s (error %d)",
			 np_reason_text(port->reason), port->bridge, port->err);
	else
		snprintf(msg, sizeof(msg), "%s %s",
			 np_reason_text(port->reason), port->bridge);

	nest = nla_nest_start(skb, NETPOLICY_A_PORT);
	if (!nest ||
	    nla_put_u32(skb, NETPOLICY_A_PORT_IFINDEX, dev->ifindex) ||
	    nla_put_string(skb, NETPOLICY_A_PORT_IFNAME, dev->name) ||
	    nla_put(skb, NETPOLICY_A_PORT_MAC, ETH_ALEN, dev->dev_addr) ||
	    nla_put_u8(skb, NETPOLICY_A_PORT_KIND, port->kind) ||
	    nla_put_u8(skb, NETPOLICY_A_PORT_STATE, port->state) ||
	    nla_put_u8(skb, NETPOLICY_A_PORT_REASON, port->reason) ||
	    nla_put_string(skb, NETPOLICY_A_PORT_MESSAGE, msg))
		return -EMSGSIZE;
	if (port->vif[0] &&
	    (nla_put_string(skb, NETPOLICY_A_PORT_VIF, port->vif) ||
	     nla_put_string(skb, NETPOLICY_A_PORT_NETWORK, port->network) ||
	     nla_put_string(skb, NETPOLICY_A_PORT_BRIDGE, port->bridge)))
		return -EMSGSIZE;
	if (port->err && nla_put_u32(skb, NETPOLICY_A_PORT_ERRNO, port->err))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/**
 * np_genl_port_event - tell listeners in @net what happened to @port
 * @net: the port's namespace
 * @port: the port, with its new state
 * @ev: enum netpolicy_event
 *
 * Caller holds RTNL (process context). Best effort: a listener that misses
 * an event sees ENOBUFS on its socket and re-reads the state dump.
 */
void np_genl_port_event(struct net *net, const struct np_port *port, u8 ev)
{
	struct sk_buff *skb;
	void *hdr;

	if (!genl_has_listeners(&np_family, net, 0))
		return;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &np_family, 0, NETPOLICY_CMD_EVENT);
	if (!hdr || nla_put_u8(skb, NETPOLICY_A_EVENT, ev) ||
	    np_put_port(skb, port)) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&np_family, net, skb, 0, 0, GFP_KERNEL);
}

struct np_dump_ctx {
	u32 idx;
};

static int np_dump_start(struct netlink_callback *cb)
{
	BUILD_BUG_ON(sizeof(struct np_dump_ctx) > sizeof(cb->ctx));
	cb->min_dump_alloc = NP_DUMP_MIN_ALLOC;
	return 0;
}

/* End a dump step: an object too large for an empty buffer is an error. */
static int np_dump_ret(struct sk_buff *skb, int put_err)
{
	if (put_err && !skb->len)
		return -EMSGSIZE;
	return skb->len;
}

static int np_dump_objects(struct sk_buff *skb, struct netlink_callback *cb,
			   bool vifs)
{
	struct np_dump_ctx *ctx = (struct np_dump_ctx *)cb->ctx;
	struct np_net *pn = np_net(sock_net(skb->sk));
	const struct np_table *t;
	int err = 0;
	void *hdr;

	rcu_read_lock();
	t = rcu_dereference(pn->table);
	if (!t)
		goto out;
	cb->seq = t->gen;
	while (ctx->idx < (vifs ? t->n_vifs : t->n_nets)) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &np_family, NLM_F_MULTI,
				  vifs ? NETPOLICY_CMD_GET_VIF :
					 NETPOLICY_CMD_GET_NET);
		if (!hdr) {
			err = -EMSGSIZE;
			break;
		}
		genl_dump_check_consistent(cb, hdr);
		if (vifs)
			err = np_put_vif(skb, t->vifs[ctx->idx]);
		else
			err = np_put_net(skb, t->nets[ctx->idx]);
		if (!err)
			err = nla_put_u32(skb, NETPOLICY_A_GENERATION, t->gen);
		if (err) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		ctx->idx++;
	}
out:
	rcu_read_unlock();
	return np_dump_ret(skb, err);
}

static int np_nl_dump_nets(struct sk_buff *skb, struct netlink_callback *cb)
{
	return np_dump_objects(skb, cb, false);
}

static int np_nl_dump_vifs(struct sk_buff *skb, struct netlink_callback *cb)
{
	return np_dump_objects(skb, cb, true);
}

static int np_nl_dump_ports(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct np_dump_ctx *ctx = (struct np_dump_ctx *)cb->ctx;
	struct np_net *pn = np_net(sock_net(skb->sk));
	const struct np_port *port;
	u32 i = 0;
	int err = 0;
	void *hdr;

	/* Port state changes under RTNL only: read it under RTNL too. */
	rtnl_lock();
	cb->seq = pn->ports_gen;
	list_for_each_entry(port, &pn->ports, list) {
		if (i++ < ctx->idx)
			continue;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &np_family, NLM_F_MULTI,
				  NETPOLICY_CMD_GET_PORT);
		if (!hdr) {
			err = -EMSGSIZE;
			break;
		}
		genl_dump_check_consistent(cb, hdr);
		err = np_put_port(skb, port);
		if (err) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		ctx->idx++;
	}
	rtnl_unlock();
	return np_dump_ret(skb, err);
}

static const struct genl_ops np_ops[] = {
	{
		.cmd = NETPOLICY_CMD_LOAD,
		.doit = np_nl_load,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = NETPOLICY_CMD_DEL,
		.doit = np_nl_del,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = NETPOLICY_CMD_FLUSH,
		.doit = np_nl_flush,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = NETPOLICY_CMD_GET_NET,
		.start = np_dump_start,
		.dumpit = np_nl_dump_nets,
	},
	{
		.cmd = NETPOLICY_CMD_GET_VIF,
		.start = np_dump_start,
		.dumpit = np_nl_dump_vifs,
	},
	{
		.cmd = NETPOLICY_CMD_GET_PORT,
		.start = np_dump_start,
		.dumpit = np_nl_dump_ports,
	},
};

static const struct genl_multicast_group np_mcgrps[] = {
	{ .name = NETPOLICY_MCGRP_EVENTS },
};

static struct genl_family np_family __ro_after_init = {
	.name = NETPOLICY_GENL_NAME,
	.version = NETPOLICY_GENL_VERSION,
	.maxattr = NETPOLICY_A_MAX,
	.policy = np_policy,
	.netnsok = true,
	.module = THIS_MODULE,
	.ops = np_ops,
	.n_ops = ARRAY_SIZE(np_ops),
	.mcgrps = np_mcgrps,
	.n_mcgrps = ARRAY_SIZE(np_mcgrps),
};

int __init np_genl_init(void)
{
	return genl_register_family(&np_family);
}

void np_genl_uninit(void)
{
	genl_unregister_family(&np_family);
}
