// SPDX-License-Identifier: GPL-2.0
/*
 * The "netpolicy" generic netlink family. The protocol is specified in
 * include/uapi/linux/netpolicy.h.
 */

#include <linux/bsearch.h>
#include <linux/etherdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "glob.h"
#include "netlink.h"
#include "netpolicy.h"
#include "port.h"
#include "txn.h"

static struct genl_family np_family;

/*
 * How many objects a namespace may hold. A namespace owned by the initial
 * user namespace (the host's, and those root creates) is the host
 * administrator's: a high ceiling against mistakes. One created inside a
 * user namespace can be anybody's (`unshare -Urn`): a table is built in
 * O(objects) and its memory, charged to the caller's memory cgroup, is
 * bounded here too.
 */
static unsigned int max_objects = 1048576;
module_param(max_objects, uint, 0644);
MODULE_PARM_DESC(max_objects,
		 "Objects a namespace of the initial user namespace may hold (default 1048576)");

static unsigned int max_objects_userns = 4096;
module_param(max_objects_userns, uint, 0644);
MODULE_PARM_DESC(max_objects_userns,
		 "Objects a namespace owned by another user namespace may hold (default 4096)");

#define NP_TOO_MANY \
	"more objects than this namespace may hold (module parameters max_objects, max_objects_userns)"

static u32 np_objects_limit(const struct net *net)
{
	return net->user_ns == &init_user_ns ? READ_ONCE(max_objects) :
					       READ_ONCE(max_objects_userns);
}

/* Large enough for the largest object message (64 + 64 selectors, 32 tags). */
#define NP_DUMP_MIN_ALLOC	SZ_16K

/*
 * Every name, reference, glob, tag and host is printable ASCII (0x20 to
 * 0x7e) and NUL-terminated: names reach the kernel log and other users'
 * terminals, and a namespace's administrator may be anybody. Checked as
 * binary with a function (6.1 calls validation functions for NLA_BINARY
 * only); .len bounds the length with the NUL.
 */
static int np_validate_text(const struct nlattr *attr,
			    struct netlink_ext_ack *extack)
{
	const unsigned char *p = nla_data(attr);
	int i, len = nla_len(attr);

	if (len < 1 || p[len - 1]) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "a name must be a NUL-terminated string");
		return -EINVAL;
	}
	for (i = 0; i < len - 1 && p[i]; i++) {
		if (p[i] < 0x20 || p[i] > 0x7e) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "a name may hold printable ASCII characters only");
			return -EINVAL;
		}
	}
	return 0;
}

#define NP_TEXT_POLICY(max) \
	NLA_POLICY_VALIDATE_FN(NLA_BINARY, np_validate_text, (max))
#define NP_NAME_POLICY NP_TEXT_POLICY(NETPOLICY_NAME_MAX)
#define NP_IFNAME_POLICY NP_TEXT_POLICY(IFNAMSIZ)

static const struct nla_policy np_sel_policy[NETPOLICY_A_SEL_MAX + 1] = {
	[NETPOLICY_A_SEL_TYPE] = NLA_POLICY_RANGE(NLA_U8, NETPOLICY_SEL_TAG,
						  NETPOLICY_SEL_MAX),
	[NETPOLICY_A_SEL_VALUE] = NP_NAME_POLICY,
};

static const struct nla_policy np_pol_policy[NETPOLICY_A_POLICY_MAX + 1] = {
	[NETPOLICY_A_POLICY_NAME] = NP_NAME_POLICY,
	[NETPOLICY_A_POLICY_ALLOW_CROSS_SERVER] = NLA_POLICY_MAX(NLA_U8, 1),
	[NETPOLICY_A_POLICY_REQUIRE_ENCRYPTION] = NLA_POLICY_MAX(NLA_U8, 1),
	[NETPOLICY_A_POLICY_PHYSICAL_IFS_ALLOWED] =
		NLA_POLICY_NESTED_ARRAY(np_sel_policy),
	[NETPOLICY_A_POLICY_ISOLATE_FROM] =
		NLA_POLICY_NESTED_ARRAY(np_sel_policy),
	[NETPOLICY_A_POLICY_ENCRYPTION_ALG] =
		NLA_POLICY_RANGE(NLA_U8, NETPOLICY_ENC_GCM_AES_128,
				 NETPOLICY_ENC_MAX),
	[NETPOLICY_A_POLICY_COMPRESS] = NLA_POLICY_MAX(NLA_U8, 1),
	[NETPOLICY_A_POLICY_HOST] = NP_NAME_POLICY,
};

static const struct nla_policy np_net_policy[NETPOLICY_A_NET_MAX + 1] = {
	[NETPOLICY_A_NET_NAME] = NP_NAME_POLICY,
	[NETPOLICY_A_NET_BRIDGE] = NP_IFNAME_POLICY,
	[NETPOLICY_A_NET_POLICY] = NP_NAME_POLICY,
	[NETPOLICY_A_NET_TUNNEL] = NLA_POLICY_RANGE(NLA_U8, NETPOLICY_TUNNEL_VXLAN,
						    NETPOLICY_TUNNEL_MAX),
	[NETPOLICY_A_NET_TUNNEL_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};

static const struct nla_policy np_vm_policy[NETPOLICY_A_VM_MAX + 1] = {
	[NETPOLICY_A_VM_NAME] = NP_NAME_POLICY,
	[NETPOLICY_A_VM_UUID] = NLA_POLICY_EXACT_LEN(NETPOLICY_UUID_LEN),
	[NETPOLICY_A_VM_TAGS] = { .type = NLA_NESTED },
	[NETPOLICY_A_VM_POLICY] = NP_NAME_POLICY,
	[NETPOLICY_A_VM_SOURCE] = NLA_POLICY_MAX(NLA_U8, NETPOLICY_SOURCE_MAX),
};

static const struct nla_policy np_vif_policy[NETPOLICY_A_VIF_MAX + 1] = {
	[NETPOLICY_A_VIF_NAME] = NP_NAME_POLICY,
	[NETPOLICY_A_VIF_IFNAME] = NP_IFNAME_POLICY,
	[NETPOLICY_A_VIF_MAC] = NLA_POLICY_ETH_ADDR,
	[NETPOLICY_A_VIF_NETWORK] = NP_NAME_POLICY,
	[NETPOLICY_A_VIF_VM] = NP_NAME_POLICY,
	[NETPOLICY_A_VIF_POLICY] = NP_NAME_POLICY,
	[NETPOLICY_A_VIF_SOURCE] = NLA_POLICY_MAX(NLA_U8, NETPOLICY_SOURCE_MAX),
};

static const struct nla_policy np_nic_policy[NETPOLICY_A_NIC_MAX + 1] = {
	[NETPOLICY_A_NIC_NAME] = NP_IFNAME_POLICY,
	[NETPOLICY_A_NIC_TAGS] = { .type = NLA_NESTED },
};

/*
 * One policy per command (each is strict: an attribute a command does not
 * take is refused, not ignored).
 */
static const struct nla_policy np_load_policy[NETPOLICY_A_MAX + 1] = {
	[NETPOLICY_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, __NETPOLICY_LOAD_F_ALL),
	[NETPOLICY_A_POLICIES] = NLA_POLICY_NESTED_ARRAY(np_pol_policy),
	[NETPOLICY_A_NICS] = NLA_POLICY_NESTED_ARRAY(np_nic_policy),
	[NETPOLICY_A_NETS] = NLA_POLICY_NESTED_ARRAY(np_net_policy),
	[NETPOLICY_A_VMS] = NLA_POLICY_NESTED_ARRAY(np_vm_policy),
	[NETPOLICY_A_VIFS] = NLA_POLICY_NESTED_ARRAY(np_vif_policy),
	[NETPOLICY_A_HOST] = NP_NAME_POLICY,
	[NETPOLICY_A_TXN] = { .type = NLA_U32 },
	[NETPOLICY_A_CONFIG_GEN] = { .type = NLA_U32 },
	/* a source belongs to each object, not to the request */
	[NETPOLICY_A_SOURCE] = {
		.type = NLA_REJECT,
		.reject_message = "NETPOLICY_A_SOURCE is for DEL; give each VIF and VM its own",
	},
};

static const struct nla_policy np_txn_begin_policy[NETPOLICY_A_MAX + 1] = {
	[NETPOLICY_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, __NETPOLICY_LOAD_F_ALL),
	[NETPOLICY_A_CONFIG_GEN] = { .type = NLA_U32 },
};

static const struct nla_policy np_txn_policy[NETPOLICY_A_MAX + 1] = {
	[NETPOLICY_A_TXN] = { .type = NLA_U32 },
	[NETPOLICY_A_TXN_OBJECTS] = { .type = NLA_U32 },
};

static const struct nla_policy np_del_policy[NETPOLICY_A_MAX + 1] = {
	[NETPOLICY_A_POLICY] = NLA_POLICY_NESTED(np_pol_policy),
	[NETPOLICY_A_NIC] = NLA_POLICY_NESTED(np_nic_policy),
	[NETPOLICY_A_NET] = NLA_POLICY_NESTED(np_net_policy),
	[NETPOLICY_A_VM] = NLA_POLICY_NESTED(np_vm_policy),
	[NETPOLICY_A_VIF] = NLA_POLICY_NESTED(np_vif_policy),
	[NETPOLICY_A_SOURCE] = NLA_POLICY_MAX(NLA_U8, NETPOLICY_SOURCE_MAX),
};

static const struct nla_policy np_port_set_policy[NETPOLICY_A_PORT_MAX + 1] = {
	[NETPOLICY_A_PORT_IFNAME] = NP_IFNAME_POLICY,
	[NETPOLICY_A_PORT_GUEST_MAC] = NLA_POLICY_ETH_ADDR,
};

static const struct nla_policy np_set_port_policy[NETPOLICY_A_MAX + 1] = {
	[NETPOLICY_A_PORT] = NLA_POLICY_NESTED(np_port_set_policy),
};

static const struct nla_policy np_port_predict_policy[NETPOLICY_A_PORT_MAX + 1] = {
	[NETPOLICY_A_PORT_IFNAME] = NP_IFNAME_POLICY,
	[NETPOLICY_A_PORT_GUEST_MAC] = NLA_POLICY_ETH_ADDR,
};

static const struct nla_policy np_predict_policy[NETPOLICY_A_MAX + 1] = {
	[NETPOLICY_A_PORT] = NLA_POLICY_NESTED(np_port_predict_policy),
};

/* FLUSH takes no attribute at all. */
static const struct nla_policy np_no_attrs_policy[NETPOLICY_A_MAX + 1] = {};

/* A port dump may select one port, by its device's name. */
static const struct nla_policy np_port_key_policy[NETPOLICY_A_PORT_MAX + 1] = {
	[NETPOLICY_A_PORT_IFNAME] = NP_IFNAME_POLICY,
};

static const struct nla_policy np_get_port_policy[NETPOLICY_A_MAX + 1] = {
	[NETPOLICY_A_PORT] = NLA_POLICY_NESTED(np_port_key_policy),
};

/*
 * What an object dump may select by (see GET_* in the uapi header): the
 * name, for VIFs the MAC and the exact interface name, and the objects
 * a network, VM or VIF points to.
 */
static const struct nla_policy np_pol_key_policy[NETPOLICY_A_POLICY_MAX + 1] = {
	[NETPOLICY_A_POLICY_NAME] = NP_NAME_POLICY,
};

static const struct nla_policy np_nic_key_policy[NETPOLICY_A_NIC_MAX + 1] = {
	[NETPOLICY_A_NIC_NAME] = NP_IFNAME_POLICY,
};

static const struct nla_policy np_net_key_policy[NETPOLICY_A_NET_MAX + 1] = {
	[NETPOLICY_A_NET_NAME] = NP_NAME_POLICY,
	[NETPOLICY_A_NET_POLICY] = NP_NAME_POLICY,
};

static const struct nla_policy np_vm_key_policy[NETPOLICY_A_VM_MAX + 1] = {
	[NETPOLICY_A_VM_NAME] = NP_NAME_POLICY,
	[NETPOLICY_A_VM_POLICY] = NP_NAME_POLICY,
};

static const struct nla_policy np_vif_key_policy[NETPOLICY_A_VIF_MAX + 1] = {
	[NETPOLICY_A_VIF_NAME] = NP_NAME_POLICY,
	[NETPOLICY_A_VIF_IFNAME] = NP_IFNAME_POLICY,
	[NETPOLICY_A_VIF_MAC] = NLA_POLICY_ETH_ADDR,
	[NETPOLICY_A_VIF_NETWORK] = NP_NAME_POLICY,
	[NETPOLICY_A_VIF_VM] = NP_NAME_POLICY,
	[NETPOLICY_A_VIF_POLICY] = NP_NAME_POLICY,
};

static const struct nla_policy np_get_pol_policy[NETPOLICY_A_MAX + 1] = {
	[NETPOLICY_A_POLICY] = NLA_POLICY_NESTED(np_pol_key_policy),
};

static const struct nla_policy np_get_nic_policy[NETPOLICY_A_MAX + 1] = {
	[NETPOLICY_A_NIC] = NLA_POLICY_NESTED(np_nic_key_policy),
};

static const struct nla_policy np_get_net_policy[NETPOLICY_A_MAX + 1] = {
	[NETPOLICY_A_NET] = NLA_POLICY_NESTED(np_net_key_policy),
};

static const struct nla_policy np_get_vm_policy[NETPOLICY_A_MAX + 1] = {
	[NETPOLICY_A_VM] = NLA_POLICY_NESTED(np_vm_key_policy),
};

static const struct nla_policy np_get_vif_policy[NETPOLICY_A_MAX + 1] = {
	[NETPOLICY_A_VIF] = NLA_POLICY_NESTED(np_vif_key_policy),
};

/*
 * The elements of selector array @array (NULL: none), counted up to one
 * more than a set may hold.
 */
static unsigned int np_sels_sent(const struct nlattr *array)
{
	const struct nlattr *e;
	unsigned int n = 0;
	int rem;

	if (!array)
		return 0;
	nla_for_each_nested(e, array, rem)
		if (++n > NETPOLICY_SELECTORS_MAX)
			break;
	return n;
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

/*
 * Index the attributes of an object nest that the genl core validated
 * already, with the family policy (every nest of a request is reached
 * from it): validating 100,000 objects twice is not free.
 */
static int np_parse_validated(struct nlattr **tb, int maxtype,
			      const struct nlattr *nest,
			      struct netlink_ext_ack *extack)
{
	return nla_parse_nested(tb, maxtype, nest, NULL, extack);
}

/* Require a non-empty NUL-terminated name attribute. */
static const char *np_name(struct nlattr **tb, int type,
			   const struct nlattr *nest,
			   struct netlink_ext_ack *extack)
{
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, type))
		return NULL;
	if (!*(const char *)nla_data(tb[type])) {
		NL_SET_ERR_MSG_ATTR(extack, tb[type], "empty name");
		return NULL;
	}
	return nla_data(tb[type]);
}

/* An optional reference: a name pointing into the request. */
static const char *np_ref(struct nlattr **tb, int type)
{
	return tb[type] ? nla_data(tb[type]) : NULL;
}

/*
 * The policy attributes that are one u8 each (a flag or an enum): where
 * each lives in struct np_policy and which NP_POL_* bit says it was
 * written. The netlink policy above bounds their values.
 */
static const struct {
	u16 attr;
	u8 bit;
	u16 offset;
} np_pol_u8s[] = {
	{ NETPOLICY_A_POLICY_ALLOW_CROSS_SERVER, NP_POL_CROSS_SERVER,
	  offsetof(struct np_policy, allow_cross_server) },
	{ NETPOLICY_A_POLICY_REQUIRE_ENCRYPTION, NP_POL_ENCRYPTION,
	  offsetof(struct np_policy, require_encryption) },
	{ NETPOLICY_A_POLICY_ENCRYPTION_ALG, NP_POL_ENC_ALG,
	  offsetof(struct np_policy, enc_alg) },
	{ NETPOLICY_A_POLICY_COMPRESS, NP_POL_COMPRESS,
	  offsetof(struct np_policy, compress) },
};

static_assert(sizeof(bool) == sizeof(u8));

static u8 *np_pol_u8(struct np_policy *pol, unsigned int i)
{
	return (u8 *)pol + np_pol_u8s[i].offset;
}

static u8 np_pol_u8_get(const struct np_policy *pol, unsigned int i)
{
	return *((const u8 *)pol + np_pol_u8s[i].offset);
}

static void *np_parse_policy(const struct nlattr *nest,
			     struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NETPOLICY_A_POLICY_MAX + 1];
	unsigned int i, room;
	struct np_policy *pol;
	const char *name;
	struct nlattr *a;
	u8 n = 0;
	int err;

	err = np_parse_validated(tb, NETPOLICY_A_POLICY_MAX, nest, extack);
	if (err)
		return ERR_PTR(err);
	name = np_name(tb, NETPOLICY_A_POLICY_NAME, nest, extack);
	if (!name)
		return ERR_PTR(-EINVAL);
	pol = kzalloc(sizeof(*pol), GFP_KERNEL_ACCOUNT);
	if (!pol)
		return ERR_PTR(-ENOMEM);
	strscpy(pol->name, name, sizeof(pol->name));
	np_obj_init(&pol->o, pol->name);
	pol->o.origin = nest;
	for (i = 0; i < ARRAY_SIZE(np_pol_u8s); i++) {
		a = tb[np_pol_u8s[i].attr];
		if (!a)
			continue;
		pol->present |= np_pol_u8s[i].bit;
		*np_pol_u8(pol, i) = nla_get_u8(a);
	}
	a = tb[NETPOLICY_A_POLICY_HOST];
	if (a) {
		pol->present |= NP_POL_HOST;
		nla_strscpy(pol->host, a, sizeof(pol->host));
		err = -EINVAL;
		if (!pol->host[0]) {
			NL_SET_ERR_MSG_ATTR(extack, a, "empty host name");
			goto fail;
		}
	}
	if (tb[NETPOLICY_A_POLICY_PHYSICAL_IFS_ALLOWED])
		pol->present |= NP_POL_PHYS;
	if (tb[NETPOLICY_A_POLICY_ISOLATE_FROM])
		pol->present |= NP_POL_ISOLATE;
	if (!(pol->present & (NP_POL_PHYS | NP_POL_ISOLATE)))
		return pol;
	/*
	 * Room for the selectors sent, up to the most each set may have (the
	 * parse refuses one more): no scratch array of the most two sets may
	 * hold, which for each of 10,000 policies meant fresh zeroed pages.
	 */
	room = np_sels_sent(tb[NETPOLICY_A_POLICY_PHYSICAL_IFS_ALLOWED]) +
	       np_sels_sent(tb[NETPOLICY_A_POLICY_ISOLATE_FROM]);
	if (room) {
		pol->sels = kcalloc(room, sizeof(*pol->sels), GFP_KERNEL_ACCOUNT);
		err = -ENOMEM;
		if (!pol->sels)
			goto fail;
	}
	a = tb[NETPOLICY_A_POLICY_PHYSICAL_IFS_ALLOWED];
	err = a ? np_parse_sels(a, pol->sels, &n, NETPOLICY_SELECTORS_MAX,
				extack) : 0;
	pol->n_phys = n;
	a = tb[NETPOLICY_A_POLICY_ISOLATE_FROM];
	if (!err && a)
		err = np_parse_sels(a, pol->sels, &n,
				    pol->n_phys + NETPOLICY_SELECTORS_MAX, extack);
	pol->n_isolate = n - pol->n_phys;
	if (err)
		goto fail;
	return pol;

fail:
	np_obj_free(NP_POLICY, pol);
	return ERR_PTR(err);
}

static void *np_parse_net(const struct nlattr *nest,
			  struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NETPOLICY_A_NET_MAX + 1];
	struct np_network *net;
	const char *name;
	int err;

	err = np_parse_validated(tb, NETPOLICY_A_NET_MAX, nest, extack);
	if (err)
		return ERR_PTR(err);
	name = np_name(tb, NETPOLICY_A_NET_NAME, nest, extack);
	if (!name || NL_REQ_ATTR_CHECK(extack, nest, tb, NETPOLICY_A_NET_BRIDGE))
		return ERR_PTR(-EINVAL);

	net = kzalloc(sizeof(*net), GFP_KERNEL_ACCOUNT);
	if (!net)
		return ERR_PTR(-ENOMEM);
	strscpy(net->name, name, sizeof(net->name));
	np_obj_init(&net->o, net->name);
	net->o.origin = nest;
	nla_strscpy(net->bridge, tb[NETPOLICY_A_NET_BRIDGE],
		    sizeof(net->bridge));
	net->policy_ref = np_ref(tb, NETPOLICY_A_NET_POLICY);
	if (!dev_valid_name(net->bridge)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NETPOLICY_A_NET_BRIDGE],
				    "invalid bridge name");
		goto err;
	}
	if (!!tb[NETPOLICY_A_NET_TUNNEL] != !!tb[NETPOLICY_A_NET_TUNNEL_ID]) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "a tunnel needs both its kind and its identifier");
		goto err;
	}
	if (tb[NETPOLICY_A_NET_TUNNEL]) {
		net->tunnel = nla_get_u8(tb[NETPOLICY_A_NET_TUNNEL]);
		net->tunnel_id = nla_get_u32(tb[NETPOLICY_A_NET_TUNNEL_ID]);
		if (net->tunnel != NETPOLICY_TUNNEL_GRETAP &&
		    net->tunnel_id > NP_VNI_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, tb[NETPOLICY_A_NET_TUNNEL_ID],
					    "a VNI is at most 2^24 - 1");
			goto err;
		}
	}
	return net;

err:
	np_obj_free(NP_NET, net);
	return ERR_PTR(-EINVAL);
}

/* Parse an array of tag strings into a packed list. */
static int np_parse_tags(const struct nlattr *array, char **tags, u8 *n_tags,
			 struct netlink_ext_ack *extack)
{
	const struct nlattr *e;
	size_t size = 0;
	int rem, n = 0;
	char *p;

	nla_for_each_nested(e, array, rem) {
		int len = nla_len(e);

		if (n >= NETPOLICY_TAGS_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, e, "too many tags");
			return -E2BIG;
		}
		if (len < 2 || len > NETPOLICY_NAME_MAX ||
		    ((const char *)nla_data(e))[len - 1] ||
		    strnlen(nla_data(e), len) != len - 1) {
			NL_SET_ERR_MSG_ATTR(extack, e,
					    "a tag must be a non-empty NUL-terminated string of at most 63 bytes");
			return -EINVAL;
		}
		if (np_validate_text(e, extack))
			return -EINVAL;
		size += len;
		n++;
	}
	if (rem) {
		NL_SET_ERR_MSG_ATTR(extack, array, "trailing bytes in tags");
		return -EINVAL;
	}
	if (!n)
		return 0;
	*tags = kmalloc(size, GFP_KERNEL_ACCOUNT);
	if (!*tags)
		return -ENOMEM;
	p = *tags;
	nla_for_each_nested(e, array, rem) {
		memcpy(p, nla_data(e), nla_len(e));
		p += nla_len(e);
	}
	*n_tags = n;
	return 0;
}

static void *np_parse_vm(const struct nlattr *nest,
			 struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NETPOLICY_A_VM_MAX + 1];
	const char *name;
	struct np_vm *vm;
	int err;

	err = np_parse_validated(tb, NETPOLICY_A_VM_MAX, nest, extack);
	if (err)
		return ERR_PTR(err);
	name = np_name(tb, NETPOLICY_A_VM_NAME, nest, extack);
	if (!name)
		return ERR_PTR(-EINVAL);
	vm = np_vm_alloc(name);
	if (!vm)
		return ERR_PTR(-ENOMEM);
	vm->o.origin = nest;
	vm->policy_ref = np_ref(tb, NETPOLICY_A_VM_POLICY);
	if (tb[NETPOLICY_A_VM_SOURCE])
		vm->source = nla_get_u8(tb[NETPOLICY_A_VM_SOURCE]);
	if (tb[NETPOLICY_A_VM_UUID]) {
		vm->has_uuid = true;
		memcpy(vm->uuid, nla_data(tb[NETPOLICY_A_VM_UUID]),
		       NETPOLICY_UUID_LEN);
	}
	if (tb[NETPOLICY_A_VM_TAGS]) {
		err = np_parse_tags(tb[NETPOLICY_A_VM_TAGS], &vm->tags,
				    &vm->n_tags, extack);
		if (err) {
			np_obj_free(NP_VM, vm);
			return ERR_PTR(err);
		}
	}
	return vm;
}

static void *np_parse_nic(const struct nlattr *nest,
			  struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NETPOLICY_A_NIC_MAX + 1];
	struct np_nic *nic;
	const char *name;
	int err;

	err = np_parse_validated(tb, NETPOLICY_A_NIC_MAX, nest, extack);
	if (err)
		return ERR_PTR(err);
	name = np_name(tb, NETPOLICY_A_NIC_NAME, nest, extack);
	if (!name)
		return ERR_PTR(-EINVAL);
	if (!dev_valid_name(name)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NETPOLICY_A_NIC_NAME],
				    "invalid interface name");
		return ERR_PTR(-EINVAL);
	}
	nic = kzalloc(sizeof(*nic), GFP_KERNEL_ACCOUNT);
	if (!nic)
		return ERR_PTR(-ENOMEM);
	strscpy(nic->name, name, sizeof(nic->name));
	np_obj_init(&nic->o, nic->name);
	nic->o.origin = nest;
	if (tb[NETPOLICY_A_NIC_TAGS]) {
		err = np_parse_tags(tb[NETPOLICY_A_NIC_TAGS], &nic->tags,
				    &nic->n_tags, extack);
		if (err) {
			np_obj_free(NP_NIC, nic);
			return ERR_PTR(err);
		}
	}
	return nic;
}

static void *np_parse_vif(const struct nlattr *nest,
			  struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NETPOLICY_A_VIF_MAX + 1];
	struct np_vif *vif;
	const char *name;
	int err;

	err = np_parse_validated(tb, NETPOLICY_A_VIF_MAX, nest, extack);
	if (err)
		return ERR_PTR(err);
	name = np_name(tb, NETPOLICY_A_VIF_NAME, nest, extack);
	if (!name || NL_REQ_ATTR_CHECK(extack, nest, tb, NETPOLICY_A_VIF_NETWORK))
		return ERR_PTR(-EINVAL);
	if (!tb[NETPOLICY_A_VIF_IFNAME] && !tb[NETPOLICY_A_VIF_MAC]) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "a VIF object needs an interface name or a MAC address");
		return ERR_PTR(-EINVAL);
	}

	vif = np_vif_alloc(name);
	if (!vif)
		return ERR_PTR(-ENOMEM);
	vif->o.origin = nest;
	vif->network_ref = nla_data(tb[NETPOLICY_A_VIF_NETWORK]);
	vif->vm_ref = np_ref(tb, NETPOLICY_A_VIF_VM);
	vif->policy_ref = np_ref(tb, NETPOLICY_A_VIF_POLICY);
	if (tb[NETPOLICY_A_VIF_SOURCE])
		vif->source = nla_get_u8(tb[NETPOLICY_A_VIF_SOURCE]);
	err = -EINVAL;
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
	return vif;

fail:
	np_obj_free(NP_VIF, vif);
	return ERR_PTR(err);
}

typedef void *(*np_parse_fn)(const struct nlattr *nest,
			     struct netlink_ext_ack *extack);

static const struct {
	int array_attr;
	int attr;				/* the nest of one, for DEL */
	int name_attr;
	int maxattr;
	np_parse_fn parse;
} np_kinds[NP_NKINDS] = {
	[NP_POLICY] = { NETPOLICY_A_POLICIES, NETPOLICY_A_POLICY,
			NETPOLICY_A_POLICY_NAME, NETPOLICY_A_POLICY_MAX,
			np_parse_policy },
	[NP_NIC] = { NETPOLICY_A_NICS, NETPOLICY_A_NIC, NETPOLICY_A_NIC_NAME,
		     NETPOLICY_A_NIC_MAX, np_parse_nic },
	[NP_NET] = { NETPOLICY_A_NETS, NETPOLICY_A_NET, NETPOLICY_A_NET_NAME,
		     NETPOLICY_A_NET_MAX, np_parse_net },
	[NP_VM] = { NETPOLICY_A_VMS, NETPOLICY_A_VM, NETPOLICY_A_VM_NAME,
		    NETPOLICY_A_VM_MAX, np_parse_vm },
	[NP_VIF] = { NETPOLICY_A_VIFS, NETPOLICY_A_VIF, NETPOLICY_A_VIF_NAME,
		     NETPOLICY_A_VIF_MAX, np_parse_vif },
};

static_assert(NETPOLICY_A_NET_MAX <= NETPOLICY_A_POLICY_MAX);
static_assert(NETPOLICY_A_VM_MAX <= NETPOLICY_A_POLICY_MAX);
static_assert(NETPOLICY_A_VIF_MAX <= NETPOLICY_A_POLICY_MAX);
static_assert(NETPOLICY_A_NIC_MAX <= NETPOLICY_A_POLICY_MAX);

static int np_parse_array(struct np_txn *txn, enum np_kind kind,
			  const struct nlattr *array, u32 *room,
			  struct netlink_ext_ack *extack)
{
	const struct nlattr *e;
	int rem, err;
	void *obj;

	nla_for_each_nested(e, array, rem) {
		if (!*room) {
			NL_SET_ERR_MSG_ATTR(extack, e, NP_TOO_MANY);
			return -ENOSPC;
		}
		(*room)--;
		obj = np_kinds[kind].parse(e, extack);
		if (IS_ERR(obj))
			return PTR_ERR(obj);
		err = np_txn_add(txn, kind, obj);
		if (err) {
			np_obj_free(kind, obj);
			return err;
		}
	}
	return 0;
}

/*
 * Every object array of the request: each may appear many times (one
 * attribute holds at most 64 KiB). The genl core validated them all. At
 * most @room objects: a request cannot allocate more than a namespace
 * may hold.
 */
static int np_parse_load(struct np_txn *txn, u32 room,
			 struct genl_info *info)
{
	const struct nlattr *a;
	int rem, err, k;

	nlmsg_for_each_attr(a, info->nlhdr, GENL_HDRLEN, rem) {
		for (k = 0; k < NP_NKINDS; k++) {
			if (nla_type(a) != np_kinds[k].array_attr)
				continue;
			err = np_parse_array(txn, k, a, &room, info->extack);
			if (err)
				return err;
		}
	}
	if (info->attrs[NETPOLICY_A_HOST]) {
		txn->set_host = true;
		nla_strscpy(txn->host, info->attrs[NETPOLICY_A_HOST],
			    sizeof(txn->host));
	}
	return 0;
}

/* The published table, for a writer (which holds np_net.lock). */
static struct np_table *np_writer_table(struct np_net *pn)
{
	return rcu_dereference_protected(pn->table, lockdep_is_held(&pn->lock));
}

/*
 * Publish @t (or fail with @t's error) and re-evaluate the ports it can
 * affect (np_ports_reconcile()); @config:
 * the change is of the configuration's objects (the configuration
 * generation moves). Caller holds np_net.lock; the publish takes RTNL, the
 * build before it did not.
 */
static int np_publish(struct net *net, struct np_table *t, bool config,
		      struct netlink_ext_ack *extack)
{
	struct np_net *pn = np_net(net);
	struct np_table *old;

	lockdep_assert_held(&pn->lock);
	if (IS_ERR(t))
		return PTR_ERR(t);
	if (np_table_count(t) > np_objects_limit(net)) {
		NL_SET_ERR_MSG(extack, NP_TOO_MANY);
		np_table_free(t);
		return -ENOSPC;
	}
	/* (read without the lock by a dump of an empty namespace) */
	WRITE_ONCE(pn->config_gen, pn->config_gen + config);
	t->config_gen = pn->config_gen;
	rtnl_lock();
	old = rtnl_dereference(pn->table);
	pn->next_gen = t->gen;
	rcu_assign_pointer(pn->table, t);
	np_ports_reconcile(net, old);
	rtnl_unlock();
	np_table_put(old);
	return 0;
}

/*
 * The table a load gives: for an adding load of what a toolstack sends
 * (a guest's VM and VIF objects) or a small update, @old's objects
 * shared and its indexes copied; else built in full. Caller holds
 * np_net.lock.
 */
static struct np_table *np_load_table(struct np_net *pn, bool replace,
				      struct np_txn *txn,
				      struct netlink_ext_ack *extack)
{
	struct np_table *old = np_writer_table(pn), *t = NULL;

	if (!replace)
		t = np_table_add(old, txn, pn->next_gen + 1);
	if (!t)
		t = np_table_build(old, !replace, txn, pn->next_gen + 1, extack);
	return t;
}

/* A LOAD's or TXN_BEGIN's flags (the policy allows only known ones). */
static int np_load_flags(struct genl_info *info, u32 *flags)
{
	const struct nlattr *attr = info->attrs[NETPOLICY_A_FLAGS];

	*flags = attr ? nla_get_u32(attr) : 0;
	if ((*flags & NETPOLICY_LOAD_F_REPLACE) &&
	    (*flags & NETPOLICY_LOAD_F_UPDATE)) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "a load replaces everything or updates some objects, not both");
		return -EINVAL;
	}
	return 0;
}

/*
 * A load that names the configuration generation it was prepared against
 * (@want, when @given) finds it, or changes nothing. Caller holds
 * np_net.lock.
 */
static int np_config_gen_check(struct np_net *pn, bool given, u32 want,
			       struct netlink_ext_ack *extack)
{
	lockdep_assert_held(&pn->lock);
	if (!given || want == pn->config_gen)
		return 0;
	NL_SET_ERR_MSG(extack,
		       "the configuration changed since it was read (NETPOLICY_A_CONFIG_GEN)");
	return -ESTALE;
}

static int np_nl_load(struct sk_buff *skb, struct genl_info *info)
{
	const struct nlattr *want = info->attrs[NETPOLICY_A_CONFIG_GEN];
	struct net *net = genl_info_net(info);
	struct np_net *pn = np_net(net);
	struct np_txn txn = {};
	struct np_table *t;
	bool config;
	u32 flags = 0;
	int err = 0;

	if (info->attrs[NETPOLICY_A_TXN] &&
	    (info->attrs[NETPOLICY_A_FLAGS] || want)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[NETPOLICY_A_FLAGS] ?: want,
				    "a transaction's flags and generation are given when it begins");
		err = -EINVAL;
	} else {
		err = np_load_flags(info, &flags) ?:
		      np_parse_load(&txn, np_objects_limit(net), info);
	}
	if (info->attrs[NETPOLICY_A_TXN]) {
		u32 id = nla_get_u32(info->attrs[NETPOLICY_A_TXN]);

		/* dropped on any error: a commit never publishes a part */
		if (err)
			np_pending_free(np_pending_take(pn, id, info->snd_portid));
		else
			err = np_pending_add(pn, id, info->snd_portid, &txn,
					     np_objects_limit(net), info->extack);
		np_txn_destroy(&txn);
		return err;
	}
	if (err) {
		np_txn_destroy(&txn);
		return err;
	}

	txn.update = flags & NETPOLICY_LOAD_F_UPDATE;
	config = (flags & NETPOLICY_LOAD_F_REPLACE) || np_txn_configures(&txn);
	mutex_lock(&pn->lock);
	err = np_config_gen_check(pn, want, want ? nla_get_u32(want) : 0,
				  info->extack);
	if (!err) {
		t = np_load_table(pn, flags & NETPOLICY_LOAD_F_REPLACE, &txn,
				  info->extack);
		err = np_publish(net, t, config, info->extack);
	}
	mutex_unlock(&pn->lock);
	np_txn_destroy(&txn);
	return err;
}

static int np_nl_txn_begin(struct sk_buff *skb, struct genl_info *info)
{
	struct np_net *pn = np_net(genl_info_net(info));
	struct sk_buff *msg;
	u32 id, flags;
	void *hdr;
	int err;

	err = np_load_flags(info, &flags);
	if (err)
		return err;
	msg = genlmsg_new(nla_total_size(sizeof(u32)), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &np_family, 0,
				NETPOLICY_CMD_TXN_BEGIN);
	err = -EMSGSIZE;
	if (!hdr)
		goto fail;
	err = np_pending_begin(pn, info->snd_portid, flags,
			       info->attrs[NETPOLICY_A_CONFIG_GEN] ?
			       &(u32){ nla_get_u32(info->attrs[NETPOLICY_A_CONFIG_GEN]) } :
			       NULL, &id, info->extack);
	if (err)
		goto fail;
	if (nla_put_u32(msg, NETPOLICY_A_TXN, id)) {
		err = -EMSGSIZE;
		goto abort;
	}
	genlmsg_end(msg, hdr);
	err = genlmsg_reply(msg, info);
	if (!err)
		return 0;
	msg = NULL;			/* freed by genlmsg_reply() */
abort:
	/* a transaction its sender cannot name is of no use */
	np_pending_free(np_pending_take(pn, id, info->snd_portid));
fail:
	nlmsg_free(msg);
	return err;
}

/* The transaction a COMMIT or ABORT names, taken off its namespace. */
static struct np_pending *np_txn_of(struct genl_info *info)
{
	struct np_pending *p;

	if (NL_REQ_ATTR_CHECK(info->extack, NULL, info->attrs, NETPOLICY_A_TXN))
		return NULL;
	p = np_pending_take(np_net(genl_info_net(info)),
			    nla_get_u32(info->attrs[NETPOLICY_A_TXN]),
			    info->snd_portid);
	if (!p)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[NETPOLICY_A_TXN],
				    "no such transaction of this socket (committed, aborted, failed or idle too long)");
	return p;
}

static int np_nl_txn_commit(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct np_net *pn = np_net(net);
	struct netlink_ext_ack why = {};
	struct np_pending *p;
	struct np_table *t;
	bool config;
	int err;

	p = np_txn_of(info);
	if (!p)
		return info->attrs[NETPOLICY_A_TXN] ? -ENOENT : -EINVAL;
	if (NL_REQ_ATTR_CHECK(info->extack, NULL, info->attrs,
			      NETPOLICY_A_TXN_OBJECTS)) {
		np_pending_free(p);
		return -EINVAL;
	}
	if (nla_get_u32(info->attrs[NETPOLICY_A_TXN_OBJECTS]) != p->n_objs) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[NETPOLICY_A_TXN_OBJECTS],
				    "the transaction lacks objects its sender counted: one of its LOADs was refused");
		np_pending_free(p);
		return -EINVAL;
	}
	/*
	 * The objects' origins point at no message of this request: keep
	 * the build's message, never its attribute.
	 */
	config = p->replace || np_txn_configures(&p->txn);
	mutex_lock(&pn->lock);
	err = np_config_gen_check(pn, p->if_config, p->config_gen, &why);
	if (!err) {
		t = np_load_table(pn, p->replace, &p->txn, &why);
		err = np_publish(net, t, config, &why);
	}
	mutex_unlock(&pn->lock);
	np_pending_free(p);
	if (err && why._msg && info->extack)
		info->extack->_msg = why._msg;
	return err;
}

static int np_nl_txn_abort(struct sk_buff *skb, struct genl_info *info)
{
	struct np_pending *p = np_txn_of(info);

	if (!p)
		return info->attrs[NETPOLICY_A_TXN] ? -ENOENT : -EINVAL;
	np_pending_free(p);
	return 0;
}

static int np_nl_del(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	/* the largest object nest; np_kinds[] says how many each parses */
	struct nlattr *tb[NETPOLICY_A_POLICY_MAX + 1];
	struct np_table *t, *old;
	const char *name = NULL;
	const void *victim;
	struct np_net *pn;
	int err, k, found = -1, source = -1;

	for (k = 0; k < NP_NKINDS; k++) {
		struct nlattr *nest = info->attrs[np_kinds[k].attr];

		if (!nest)
			continue;
		if (found >= 0) {
			GENL_SET_ERR_MSG(info, "delete one object at a time");
			return -EINVAL;
		}
		found = k;
		err = np_parse_validated(tb, np_kinds[k].maxattr, nest,
					 info->extack);
		if (err)
			return err;
		name = np_name(tb, np_kinds[k].name_attr, nest, info->extack);
		if (!name)
			return -EINVAL;
	}
	if (found < 0) {
		GENL_SET_ERR_MSG(info, "name the object to delete");
		return -EINVAL;
	}
	if (info->attrs[NETPOLICY_A_SOURCE]) {
		if (found != NP_VM && found != NP_VIF) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    info->attrs[NETPOLICY_A_SOURCE],
					    "only VIF and VM objects have a source");
			return -EINVAL;
		}
		source = nla_get_u8(info->attrs[NETPOLICY_A_SOURCE]);
	}

	pn = np_net(net);
	mutex_lock(&pn->lock);
	old = np_writer_table(pn);
	victim = old ? np_table_find(old, found, name) : NULL;
	/* one object goes: the others shared, else built in full */
	t = np_table_drop(old, found, name, source, pn->next_gen + 1);
	if (!t)
		t = np_table_without(old, found, name, source,
				     pn->next_gen + 1, info->extack);
	err = np_publish(net, t, victim && np_obj_source(found, victim) ==
			 NETPOLICY_SOURCE_CONFIG, info->extack);
	mutex_unlock(&pn->lock);
	return err;
}

static int np_nl_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct np_txn txn = {};
	struct np_net *pn;
	int err;

	pn = np_net(net);
	mutex_lock(&pn->lock);
	err = np_publish(net, np_table_build(NULL, false, &txn,
					     pn->next_gen + 1, info->extack),
			 true, info->extack);
	mutex_unlock(&pn->lock);
	return err;
}

/* The NETPOLICY_A_PORT nest of a SET_PORT or PREDICT request, in @tb. */
static int np_parse_port_req(struct genl_info *info, struct nlattr **tb)
{
	if (GENL_REQ_ATTR_CHECK(info, NETPOLICY_A_PORT))
		return -EINVAL;
	return nla_parse_nested(tb, NETPOLICY_A_PORT_MAX,
				info->attrs[NETPOLICY_A_PORT], NULL,
				info->extack);
}

/* The guest's MAC a port request carries (*@mac NULL: none): unicast. */
static int np_req_guest_mac(struct genl_info *info, struct nlattr **tb,
			    const u8 **mac)
{
	struct nlattr *a = tb[NETPOLICY_A_PORT_GUEST_MAC];

	*mac = a ? nla_data(a) : NULL;
	if (*mac && !is_valid_ether_addr(*mac)) {
		NL_SET_ERR_MSG_ATTR(info->extack, a,
				    "a guest's MAC is a unicast, non-zero address");
		return -EINVAL;
	}
	return 0;
}

static int np_nl_set_port(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[NETPOLICY_A_PORT_MAX + 1];
	struct nlattr *nest = info->attrs[NETPOLICY_A_PORT];
	const u8 *mac;
	int err;

	err = np_parse_port_req(info, tb);
	if (err)
		return err;
	if (NL_REQ_ATTR_CHECK(info->extack, nest, tb, NETPOLICY_A_PORT_IFNAME) ||
	    NL_REQ_ATTR_CHECK(info->extack, nest, tb,
			      NETPOLICY_A_PORT_GUEST_MAC))
		return -EINVAL;
	err = np_req_guest_mac(info, tb, &mac);
	if (err)
		return err;
	return np_port_set_guest_mac(genl_info_net(info),
				     nla_data(tb[NETPOLICY_A_PORT_IFNAME]), mac,
				     info->extack);
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

static int np_put_policy(struct sk_buff *skb, const struct np_policy *pol)
{
	struct nlattr *nest;
	unsigned int i;

	nest = nla_nest_start(skb, NETPOLICY_A_POLICY);
	if (!nest || nla_put_string(skb, NETPOLICY_A_POLICY_NAME, pol->name))
		return -EMSGSIZE;
	for (i = 0; i < ARRAY_SIZE(np_pol_u8s); i++)
		if ((pol->present & np_pol_u8s[i].bit) &&
		    nla_put_u8(skb, np_pol_u8s[i].attr, np_pol_u8_get(pol, i)))
			return -EMSGSIZE;
	if ((pol->present & NP_POL_HOST) &&
	    nla_put_string(skb, NETPOLICY_A_POLICY_HOST, pol->host))
		return -EMSGSIZE;
	if ((pol->present & NP_POL_PHYS) &&
	    np_put_sels(skb, NETPOLICY_A_POLICY_PHYSICAL_IFS_ALLOWED,
			pol->sels, pol->n_phys))
		return -EMSGSIZE;
	if ((pol->present & NP_POL_ISOLATE) &&
	    np_put_sels(skb, NETPOLICY_A_POLICY_ISOLATE_FROM,
			pol->sels + pol->n_phys, pol->n_isolate))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* The name of the policy @slot of @t, as an attribute @type; none for 0 */
static int np_put_policy_ref(struct sk_buff *skb, int type,
			     const struct np_table *t, u32 slot)
{
	const struct np_policy *pol = np_table_policy(t, slot);

	return pol ? nla_put_string(skb, type, pol->name) : 0;
}

static int np_put_net(struct sk_buff *skb, const struct np_table *t,
		      const struct np_network *net)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, NETPOLICY_A_NET);
	if (!nest || nla_put_string(skb, NETPOLICY_A_NET_NAME, net->name) ||
	    nla_put_string(skb, NETPOLICY_A_NET_BRIDGE, net->bridge))
		return -EMSGSIZE;
	if (np_put_policy_ref(skb, NETPOLICY_A_NET_POLICY, t, net->policy_slot))
		return -EMSGSIZE;
	if (net->tunnel &&
	    (nla_put_u8(skb, NETPOLICY_A_NET_TUNNEL, net->tunnel) ||
	     nla_put_u32(skb, NETPOLICY_A_NET_TUNNEL_ID, net->tunnel_id)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int np_put_tags(struct sk_buff *skb, int type, const char *tags,
		       unsigned int n)
{
	struct nlattr *nest;
	unsigned int i;

	if (!n)
		return 0;
	nest = nla_nest_start(skb, type);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < n; i++) {
		if (nla_put_string(skb, i + 1, tags))
			return -EMSGSIZE;
		tags += strlen(tags) + 1;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int np_put_vm(struct sk_buff *skb, const struct np_table *t,
		     const struct np_vm *vm)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, NETPOLICY_A_VM);
	if (!nest || nla_put_string(skb, NETPOLICY_A_VM_NAME, vm->name))
		return -EMSGSIZE;
	if (vm->has_uuid && nla_put(skb, NETPOLICY_A_VM_UUID,
				    NETPOLICY_UUID_LEN, vm->uuid))
		return -EMSGSIZE;
	if (np_put_tags(skb, NETPOLICY_A_VM_TAGS, vm->tags, vm->n_tags))
		return -EMSGSIZE;
	if (np_put_policy_ref(skb, NETPOLICY_A_VM_POLICY, t, vm->policy_slot))
		return -EMSGSIZE;
	if (vm->source && nla_put_u8(skb, NETPOLICY_A_VM_SOURCE, vm->source))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int np_put_nic(struct sk_buff *skb, const struct np_nic *nic)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, NETPOLICY_A_NIC);
	if (!nest || nla_put_string(skb, NETPOLICY_A_NIC_NAME, nic->name) ||
	    np_put_tags(skb, NETPOLICY_A_NIC_TAGS, nic->tags, nic->n_tags))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int np_put_vif(struct sk_buff *skb, const struct np_table *t,
		      const struct np_vif *vif)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, NETPOLICY_A_VIF);
	if (!nest || nla_put_string(skb, NETPOLICY_A_VIF_NAME, vif->name) ||
	    nla_put_string(skb, NETPOLICY_A_VIF_NETWORK, vif->network->name))
		return -EMSGSIZE;
	if (vif->ifname[0] &&
	    nla_put_string(skb, NETPOLICY_A_VIF_IFNAME, vif->ifname))
		return -EMSGSIZE;
	if (vif->has_mac && nla_put(skb, NETPOLICY_A_VIF_MAC, ETH_ALEN, vif->mac))
		return -EMSGSIZE;
	if (vif->vm && nla_put_string(skb, NETPOLICY_A_VIF_VM, vif->vm->name))
		return -EMSGSIZE;
	if (np_put_policy_ref(skb, NETPOLICY_A_VIF_POLICY, t, vif->policy_slot))
		return -EMSGSIZE;
	if (vif->source && nla_put_u8(skb, NETPOLICY_A_VIF_SOURCE, vif->source))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int np_put_obj(struct sk_buff *skb, const struct np_table *t,
		      enum np_kind kind, const void *obj)
{
	switch (kind) {
	case NP_POLICY:
		return np_put_policy(skb, obj);
	case NP_NIC:
		return np_put_nic(skb, obj);
	case NP_NET:
		return np_put_net(skb, t, obj);
	case NP_VM:
		return np_put_vm(skb, t, obj);
	default:
		return np_put_vif(skb, t, obj);
	}
}

/*
 * What a port message says of the device: read from it under RTNL, or
 * from a dump's snapshot after RTNL was dropped.
 */
struct np_port_id {
	int ifindex;
	char ifname[IFNAMSIZ];
	u8 mac[ETH_ALEN];
};

static void np_port_id_get(struct np_port_id *id, const struct np_port *port)
{
	const struct net_device *dev = port->dev;

	id->ifindex = dev->ifindex;
	strscpy(id->ifname, dev->name, sizeof(id->ifname));
	ether_addr_copy(id->mac, dev->dev_addr);
}

static int np_put_port(struct sk_buff *skb, const struct np_port_id *id,
		       const struct np_port *port)
{
	struct nlattr *nest;
	char msg[NP_MSG_LEN];

	if (port->msg[0])
		strscpy(msg, port->msg, sizeof(msg));
	else if (port->reason == NETPOLICY_R_NONE ||
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
	    nla_put_u32(skb, NETPOLICY_A_PORT_IFINDEX, id->ifindex) ||
	    nla_put_string(skb, NETPOLICY_A_PORT_IFNAME, id->ifname) ||
	    nla_put(skb, NETPOLICY_A_PORT_MAC, ETH_ALEN, id->mac) ||
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
	if (port->vm[0] && nla_put_string(skb, NETPOLICY_A_PORT_VM, port->vm))
		return -EMSGSIZE;
	if (port->policy[0] &&
	    nla_put_string(skb, NETPOLICY_A_PORT_POLICY, port->policy))
		return -EMSGSIZE;
	if (port->err && nla_put_u32(skb, NETPOLICY_A_PORT_ERRNO, port->err))
		return -EMSGSIZE;
	if (port->has_guest_mac &&
	    nla_put(skb, NETPOLICY_A_PORT_GUEST_MAC, ETH_ALEN, port->guest_mac))
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
	struct np_port_id id;
	struct sk_buff *skb;
	void *hdr;

	if (!genl_has_listeners(&np_family, net, 0))
		return;
	np_port_id_get(&id, port);
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &np_family, 0, NETPOLICY_CMD_EVENT);
	if (!hdr || nla_put_u8(skb, NETPOLICY_A_EVENT, ev) ||
	    np_put_port(skb, &id, port)) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&np_family, net, skb, 0, 0, GFP_KERNEL);
}

/*
 * Every dump reads one state from its first message to its last, so it is
 * never interrupted, however busy the host: an object dump holds a
 * reference to the table that was published when it started (tables are
 * immutable), a port dump a copy of the ports taken then under RTNL.
 */
struct np_port_snap {
	struct np_port_id id;
	struct np_port port;		/* list, hnode and dev cleared */
};

struct np_dump_ctx {
	struct np_table *t;		/* object dumps: a reference */
	union {
		struct np_port_snap *ports;	/* port dumps: the copy */
		u32 *sel;		/* object dumps that select: indexes */
	};
	u32 n;				/* ports in the copy, or selected */
	u32 idx;			/* the next message to write */
};

static struct np_dump_ctx *np_dump_ctx(struct netlink_callback *cb)
{
	BUILD_BUG_ON(sizeof(struct np_dump_ctx) > sizeof(cb->ctx));
	return (struct np_dump_ctx *)cb->ctx;
}

static const u8 np_dump_cmds[NP_NKINDS] = {
	[NP_POLICY] = NETPOLICY_CMD_GET_POLICY,
	[NP_NIC] = NETPOLICY_CMD_GET_NIC,
	[NP_NET] = NETPOLICY_CMD_GET_NET,
	[NP_VM] = NETPOLICY_CMD_GET_VM,
	[NP_VIF] = NETPOLICY_CMD_GET_VIF,
};

static int np_cmp_u32(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

/*
 * The object a reference key of a @kind dump names (the objects that
 * point to it are selected), or NULL; ERR_PTR(-EINVAL): not a reference.
 */
static const void *np_key_target(const struct np_table *t, enum np_kind kind,
				 const struct nlattr *key)
{
	enum np_kind to = NP_POLICY;
	int type = nla_type(key);

	if (kind == NP_VIF && type == NETPOLICY_A_VIF_NETWORK)
		to = NP_NET;
	else if (kind == NP_VIF && type == NETPOLICY_A_VIF_VM)
		to = NP_VM;
	else if (!(kind == NP_VIF && type == NETPOLICY_A_VIF_POLICY) &&
		 !(kind == NP_NET && type == NETPOLICY_A_NET_POLICY) &&
		 !(kind == NP_VM && type == NETPOLICY_A_VM_POLICY))
		return ERR_PTR(-EINVAL);
	return t ? np_table_find(t, to, nla_data(key)) : NULL;
}

static int np_cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(void * const *)a;
	uintptr_t y = (uintptr_t)*(void * const *)b;

	return x < y ? -1 : x > y;
}

/* Whether @obj, of @kind in @t, points to one of @to (@n, sorted). */
static bool np_points_to(const struct np_table *t, enum np_kind kind,
			 const void *obj, const void **to, u32 n)
{
	const void *refs[NP_OBJ_REFS];
	int i;

	np_obj_refs(t, kind, obj, refs);
	for (i = 0; i < NP_OBJ_REFS; i++)
		if (refs[i] && bsearch(&refs[i], to, n, sizeof(*to), np_cmp_ptr))
			return true;
	return false;
}

/* The index in @t of the object a selection key names, or -1. */
static s32 np_key_pos(const struct np_table *t, enum np_kind kind,
		      const struct nlattr *key)
{
	const struct np_vif *vif;

	if (kind != NP_VIF || nla_type(key) == NETPOLICY_A_VIF_NAME)
		return np_table_pos(t, kind, nla_data(key));
	if (nla_type(key) == NETPOLICY_A_VIF_MAC)
		vif = np_table_by_mac(t, nla_data(key));
	else
		vif = np_table_by_ifname(t, nla_data(key));
	return vif ? np_table_pos(t, NP_VIF, vif->o.name) : -1;
}

/*
 * The objects of @kind a dump request selects: the indexes in ctx->t of
 * those that exist, sorted and each once, in ctx->sel (ctx->n of them).
 * A reference key selects every object that points to the object it
 * names: one pass over the kind, whatever the number of such keys. The
 * genl core validated every nest and key against the op's policy (only
 * keys of @kind get through). No selection: ctx->sel stays NULL.
 */
static int np_dump_select(struct netlink_callback *cb, enum np_kind kind)
{
	struct np_dump_ctx *ctx = np_dump_ctx(cb);
	const struct np_table *t = ctx->t;
	const struct nlattr *nest, *key;
	u32 n = 0, n_to = 0, n_ref = 0, i, w;
	struct np_seq_iter it;
	const void *obj;
	const void **to = NULL, *target;
	int rem, krem;
	s32 pos;

	nlmsg_for_each_attr(nest, cb->nlh, GENL_HDRLEN, rem)
		if (nla_type(nest) == np_kinds[kind].attr)
			nla_for_each_nested(key, nest, krem)
				n++;
	if (!n)
		return 0;
	to = kvmalloc_array(n, sizeof(*to), GFP_KERNEL_ACCOUNT);
	if (!to)
		return -ENOMEM;
	nlmsg_for_each_attr(nest, cb->nlh, GENL_HDRLEN, rem) {
		if (nla_type(nest) != np_kinds[kind].attr)
			continue;
		nla_for_each_nested(key, nest, krem) {
			target = np_key_target(t, kind, key);
			if (!IS_ERR(target)) {
				n--;
				if (target)
					to[n_to++] = target;
			}
		}
	}
	if (n_to) {
		sort(to, n_to, sizeof(*to), np_cmp_ptr, NULL);
		np_seq_iter_init(&it, t->objs[kind]);
		while ((obj = np_seq_next(&it)))
			n_ref += np_points_to(t, kind, obj, to, n_to);
	}
	ctx->sel = kvmalloc_array(max(n + n_ref, 1U), sizeof(*ctx->sel),
				  GFP_KERNEL_ACCOUNT);
	if (!ctx->sel) {
		kvfree(to);
		return -ENOMEM;
	}
	np_seq_iter_init(&it, n_ref ? t->objs[kind] : NULL);
	for (i = 0; (obj = np_seq_next(&it)); i++)
		if (np_points_to(t, kind, obj, to, n_to))
			ctx->sel[ctx->n++] = i;
	kvfree(to);
	nlmsg_for_each_attr(nest, cb->nlh, GENL_HDRLEN, rem) {
		if (nla_type(nest) != np_kinds[kind].attr)
			continue;
		nla_for_each_nested(key, nest, krem) {
			if (!IS_ERR(np_key_target(t, kind, key)))
				continue;
			pos = t ? np_key_pos(t, kind, key) : -1;
			if (pos >= 0)
				ctx->sel[ctx->n++] = pos;
		}
	}
	sort(ctx->sel, ctx->n, sizeof(*ctx->sel), np_cmp_u32, NULL);
	for (i = 0, w = 0; i < ctx->n; i++)
		if (!w || ctx->sel[w - 1] != ctx->sel[i])
			ctx->sel[w++] = ctx->sel[i];
	ctx->n = w;
	return 0;
}

static int np_objects_dump_start(struct netlink_callback *cb)
{
	struct np_net *pn = np_net(sock_net(cb->skb->sk));
	const struct genlmsghdr *ghdr = nlmsg_data(cb->nlh);
	struct np_dump_ctx *ctx = np_dump_ctx(cb);
	enum np_kind kind;
	int err;

	for (kind = 0; kind < NP_VIF && np_dump_cmds[kind] != ghdr->cmd; kind++)
		;
	cb->min_dump_alloc = NP_DUMP_MIN_ALLOC;
	ctx->t = np_table_get_rcu(&pn->table);
	err = np_dump_select(cb, kind);
	if (err) {
		/* a failed start is not done(): undo it here */
		kvfree(ctx->sel);
		np_table_put(ctx->t);
	}
	return err;
}

static int np_objects_dump_done(struct netlink_callback *cb)
{
	kvfree(np_dump_ctx(cb)->sel);
	np_table_put(np_dump_ctx(cb)->t);
	return 0;
}

/* End a dump step: an object too large for an empty buffer is an error. */
static int np_dump_ret(struct sk_buff *skb, int put_err)
{
	if (put_err && !skb->len)
		return -EMSGSIZE;
	return skb->len;
}

/* What GET_POLICY's first message says of the whole table. */
static int np_put_config(struct sk_buff *skb, const struct np_table *t)
{
	if (t->host[0] && nla_put_string(skb, NETPOLICY_A_HOST, t->host))
		return -EMSGSIZE;
	return nla_put_u32(skb, NETPOLICY_A_CONFIG_GEN, t->config_gen);
}

/*
 * The message that stands for no object: the generation (and, for
 * policies, the host name) of a kind with no objects, so that a reader of
 * several kinds knows which generation each one came from.
 */
static int np_put_empty(struct sk_buff *skb, struct netlink_callback *cb,
			enum np_kind kind, const struct np_table *t)
{
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &np_family, NLM_F_MULTI, np_dump_cmds[kind]);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, NETPOLICY_A_GENERATION, t ? t->gen : 0) ||
	    (kind == NP_POLICY && t && np_put_config(skb, t)) ||
	    (kind == NP_POLICY && !t &&
	     nla_put_u32(skb, NETPOLICY_A_CONFIG_GEN,
			 READ_ONCE(np_net(sock_net(cb->skb->sk))->config_gen)))) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int np_dump_objects(struct sk_buff *skb, struct netlink_callback *cb,
			   enum np_kind kind)
{
	struct np_dump_ctx *ctx = np_dump_ctx(cb);
	const struct np_table *t = ctx->t;
	u32 n = ctx->sel ? ctx->n : t ? np_seq_n(t->objs[kind]) : 0;
	int err = 0;
	void *hdr;

	if (!n) {
		if (!ctx->idx++)
			err = np_put_empty(skb, cb, kind, t);
		return np_dump_ret(skb, err);
	}
	while (ctx->idx < n) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &np_family, NLM_F_MULTI,
				  np_dump_cmds[kind]);
		if (!hdr) {
			err = -EMSGSIZE;
			break;
		}
		err = np_put_obj(skb, t, kind,
				 np_seq_at(t->objs[kind],
					   ctx->sel ? ctx->sel[ctx->idx] : ctx->idx));
		if (!err)
			err = nla_put_u32(skb, NETPOLICY_A_GENERATION, t->gen);
		if (!err && kind == NP_POLICY && !ctx->idx)
			err = np_put_config(skb, t);
		if (err) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		ctx->idx++;
	}
	return np_dump_ret(skb, err);
}

static int np_nl_dump_nets(struct sk_buff *skb, struct netlink_callback *cb)
{
	return np_dump_objects(skb, cb, NP_NET);
}

static int np_nl_dump_vifs(struct sk_buff *skb, struct netlink_callback *cb)
{
	return np_dump_objects(skb, cb, NP_VIF);
}

static int np_nl_dump_vms(struct sk_buff *skb, struct netlink_callback *cb)
{
	return np_dump_objects(skb, cb, NP_VM);
}

static int np_nl_dump_policies(struct sk_buff *skb,
			       struct netlink_callback *cb)
{
	return np_dump_objects(skb, cb, NP_POLICY);
}

static int np_nl_dump_nics(struct sk_buff *skb, struct netlink_callback *cb)
{
	return np_dump_objects(skb, cb, NP_NIC);
}

static u32 np_ports_count(const struct np_net *pn)
{
	const struct np_port *port;
	u32 n = 0;

	list_for_each_entry(port, &pn->ports, list)
		n++;
	return n;
}

static void np_port_snap_fill(struct np_port_snap *snap,
			      const struct np_port *port)
{
	np_port_id_get(&snap->id, port);
	snap->port = *port;
	INIT_LIST_HEAD(&snap->port.list);
	INIT_HLIST_NODE(&snap->port.hnode);
	snap->port.dev = NULL;
}

/*
 * Whether a port dump selects one port, and its device's name into
 * @ifname: the request's NETPOLICY_A_PORT nest (of several, the last, as
 * netlink reads a repeated attribute), whose NETPOLICY_A_PORT_IFNAME names
 * the device (none: an empty name, which selects nothing). The genl core
 * validated the nest against the op's policy. Nothing here can fail: a
 * dump's start has no extack to say why on 6.1.
 */
static bool np_ports_dump_sel(struct netlink_callback *cb, char *ifname)
{
	const struct nlattr *attr, *nest = NULL;
	int rem;

	nlmsg_for_each_attr(attr, cb->nlh, GENL_HDRLEN, rem)
		if (nla_type(attr) == NETPOLICY_A_PORT)
			nest = attr;
	if (!nest)
		return false;
	ifname[0] = '\0';
	nla_for_each_nested(attr, nest, rem)
		if (nla_type(attr) == NETPOLICY_A_PORT_IFNAME)
			nla_strscpy(ifname, attr, IFNAMSIZ);
	return true;
}

/*
 * Copy the namespace's ports. The copy is allocated outside RTNL (it can
 * be large) and charged to the reader; if ports came meanwhile, again.
 * A dump that selects a port copies that one only: a toolstack waiting
 * for one interface's decision does not copy every port under RTNL.
 */
static int np_ports_dump_start(struct netlink_callback *cb)
{
	struct net *net = sock_net(cb->skb->sk);
	struct np_dump_ctx *ctx = np_dump_ctx(cb);
	struct np_net *pn = np_net(net);
	struct np_port_snap *snap;
	const struct np_port *port;
	char ifname[IFNAMSIZ];
	u32 n, cap;

	cb->min_dump_alloc = NP_DUMP_MIN_ALLOC;
	if (np_ports_dump_sel(cb, ifname)) {
		ctx->ports = kvmalloc(sizeof(*ctx->ports), GFP_KERNEL_ACCOUNT);
		if (!ctx->ports)
			return -ENOMEM;
		rtnl_lock();
		port = ifname[0] ? np_port_named(net, ifname) : NULL;
		if (port)
			np_port_snap_fill(ctx->ports, port);
		rtnl_unlock();
		ctx->n = port ? 1 : 0;
		return 0;
	}
	rtnl_lock();
	n = np_ports_count(pn);
	for (;;) {
		rtnl_unlock();
		/* a little room, so that a busy host rarely needs a second try */
		cap = n + n / 8 + 1;
		ctx->ports = kvmalloc_array(cap, sizeof(*ctx->ports),
					    GFP_KERNEL_ACCOUNT);
		if (!ctx->ports)
			return -ENOMEM;
		rtnl_lock();
		n = np_ports_count(pn);
		if (n <= cap)
			break;
		kvfree(ctx->ports);
	}
	snap = ctx->ports;
	list_for_each_entry(port, &pn->ports, list)
		np_port_snap_fill(snap++, port);
	rtnl_unlock();
	ctx->n = n;
	return 0;
}

static int np_ports_dump_done(struct netlink_callback *cb)
{
	kvfree(np_dump_ctx(cb)->ports);
	return 0;
}

static int np_nl_dump_ports(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct np_dump_ctx *ctx = np_dump_ctx(cb);
	const struct np_port_snap *snap;
	int err = 0;
	void *hdr;

	while (ctx->idx < ctx->n) {
		snap = &ctx->ports[ctx->idx];
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &np_family, NLM_F_MULTI,
				  NETPOLICY_CMD_GET_PORT);
		if (!hdr) {
			err = -EMSGSIZE;
			break;
		}
		err = np_put_port(skb, &snap->id, &snap->port);
		if (err) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		ctx->idx++;
	}
	return np_dump_ret(skb, err);
}

static int np_nl_predict(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[NETPOLICY_A_PORT_MAX + 1];
	struct net *net = genl_info_net(info);
	struct np_port_id id = {};
	struct np_port *port;
	struct sk_buff *msg;
	const u8 *mac;
	void *hdr;
	int err;

	err = np_parse_port_req(info, tb);
	if (err)
		return err;
	if (!tb[NETPOLICY_A_PORT_IFNAME] && !tb[NETPOLICY_A_PORT_GUEST_MAC]) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[NETPOLICY_A_PORT],
				    "a prediction needs the tap's name, its guest's MAC or both");
		return -EINVAL;
	}
	err = np_req_guest_mac(info, tb, &mac);
	if (err)
		return err;
	if (mac)
		ether_addr_copy(id.mac, mac);
	if (tb[NETPOLICY_A_PORT_IFNAME])
		nla_strscpy(id.ifname, tb[NETPOLICY_A_PORT_IFNAME],
			    sizeof(id.ifname));

	port = kzalloc(sizeof(*port), GFP_KERNEL);
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!port || !msg) {
		err = -ENOMEM;
		goto out;
	}
	rtnl_lock();
	if (id.ifname[0] && __dev_get_by_name(net, id.ifname)) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[NETPOLICY_A_PORT_IFNAME],
				    "a device of that name exists: its state is in GET_PORT");
		err = -EEXIST;
	} else {
		err = np_port_predict(net, id.ifname, mac, port);
	}
	rtnl_unlock();
	if (err)
		goto out;
	hdr = genlmsg_put_reply(msg, info, &np_family, 0, NETPOLICY_CMD_PREDICT);
	if (!hdr || np_put_port(msg, &id, port)) {
		err = -EMSGSIZE;
		goto out;
	}
	genlmsg_end(msg, hdr);
	kfree(port);
	return genlmsg_reply(msg, info);
out:
	nlmsg_free(msg);
	kfree(port);
	return err;
}

static const struct genl_ops np_ops[] = {
	{
		.cmd = NETPOLICY_CMD_LOAD,
		.doit = np_nl_load,
		.flags = GENL_UNS_ADMIN_PERM,
		.policy = np_load_policy,
		.maxattr = NETPOLICY_A_MAX,
	},
	{
		.cmd = NETPOLICY_CMD_TXN_BEGIN,
		.doit = np_nl_txn_begin,
		.flags = GENL_UNS_ADMIN_PERM,
		.policy = np_txn_begin_policy,
		.maxattr = NETPOLICY_A_MAX,
	},
	{
		.cmd = NETPOLICY_CMD_TXN_COMMIT,
		.doit = np_nl_txn_commit,
		.flags = GENL_UNS_ADMIN_PERM,
		.policy = np_txn_policy,
		.maxattr = NETPOLICY_A_MAX,
	},
	{
		.cmd = NETPOLICY_CMD_TXN_ABORT,
		.doit = np_nl_txn_abort,
		.flags = GENL_UNS_ADMIN_PERM,
		.policy = np_txn_policy,
		.maxattr = NETPOLICY_A_MAX,
	},
	{
		.cmd = NETPOLICY_CMD_DEL,
		.doit = np_nl_del,
		.flags = GENL_UNS_ADMIN_PERM,
		.policy = np_del_policy,
		.maxattr = NETPOLICY_A_MAX,
	},
	{
		.cmd = NETPOLICY_CMD_FLUSH,
		.doit = np_nl_flush,
		.flags = GENL_UNS_ADMIN_PERM,
		.policy = np_no_attrs_policy,
		.maxattr = NETPOLICY_A_MAX,
	},
	{
		.cmd = NETPOLICY_CMD_GET_NET,
		.start = np_objects_dump_start,
		.flags = GENL_UNS_ADMIN_PERM,
		.dumpit = np_nl_dump_nets,
		.done = np_objects_dump_done,
		.policy = np_get_net_policy,
		.maxattr = NETPOLICY_A_MAX,
	},
	{
		.cmd = NETPOLICY_CMD_GET_VIF,
		.start = np_objects_dump_start,
		.flags = GENL_UNS_ADMIN_PERM,
		.dumpit = np_nl_dump_vifs,
		.done = np_objects_dump_done,
		.policy = np_get_vif_policy,
		.maxattr = NETPOLICY_A_MAX,
	},
	{
		.cmd = NETPOLICY_CMD_GET_PORT,
		.start = np_ports_dump_start,
		.flags = GENL_UNS_ADMIN_PERM,
		.dumpit = np_nl_dump_ports,
		.done = np_ports_dump_done,
		.policy = np_get_port_policy,
		.maxattr = NETPOLICY_A_MAX,
	},
	{
		.cmd = NETPOLICY_CMD_GET_VM,
		.start = np_objects_dump_start,
		.flags = GENL_UNS_ADMIN_PERM,
		.dumpit = np_nl_dump_vms,
		.done = np_objects_dump_done,
		.policy = np_get_vm_policy,
		.maxattr = NETPOLICY_A_MAX,
	},
	{
		.cmd = NETPOLICY_CMD_GET_POLICY,
		.start = np_objects_dump_start,
		.flags = GENL_UNS_ADMIN_PERM,
		.dumpit = np_nl_dump_policies,
		.done = np_objects_dump_done,
		.policy = np_get_pol_policy,
		.maxattr = NETPOLICY_A_MAX,
	},
	{
		.cmd = NETPOLICY_CMD_SET_PORT,
		.doit = np_nl_set_port,
		.flags = GENL_UNS_ADMIN_PERM,
		.policy = np_set_port_policy,
		.maxattr = NETPOLICY_A_MAX,
	},
	{
		.cmd = NETPOLICY_CMD_PREDICT,
		.doit = np_nl_predict,
		.flags = GENL_UNS_ADMIN_PERM,
		.policy = np_predict_policy,
		.maxattr = NETPOLICY_A_MAX,
	},
	{
		.cmd = NETPOLICY_CMD_GET_NIC,
		.start = np_objects_dump_start,
		.flags = GENL_UNS_ADMIN_PERM,
		.dumpit = np_nl_dump_nics,
		.done = np_objects_dump_done,
		.policy = np_get_nic_policy,
		.maxattr = NETPOLICY_A_MAX,
	},
};

/*
 * Reading is an administrator's, like writing: the objects are the VM
 * inventory (names, tags, MACs, who is isolated from whom) and the events
 * follow every guest. CAP_NET_ADMIN in the namespace's user namespace
 * dumps and subscribes (an unprivileged user's own namespaces included).
 */
static const struct genl_multicast_group np_mcgrps[] = {
	{ .name = NETPOLICY_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_NET_ADMIN },
};

static struct genl_family np_family __ro_after_init = {
	.name = NETPOLICY_GENL_NAME,
	.version = NETPOLICY_GENL_VERSION,
	.maxattr = NETPOLICY_A_MAX,
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
