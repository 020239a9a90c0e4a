// SPDX-License-Identifier: GPL-2.0
/*
 * Small rtnetlink changes that apply.c and the supervisor both make, and
 * the narrow reads of links they both do.
 */

#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "host.h"

/*
 * Make @l a port of @master (ifindex, 0: of nothing), and with @up, up.
 * (A session's MACsec device is up when wpa_supplicant says so.)
 */
int rz_link_set_master(struct nl_sock *sk, struct rtnl_link *l, int master,
		       bool up)
{
	struct rtnl_link *c = rtnl_link_alloc();
	int err;

	if (!c)
		return -NLE_NOMEM;
	rtnl_link_set_master(c, master);
	if (up)
		rtnl_link_set_flags(c, IFF_UP);
	err = rtnl_link_change(sk, l, c, 0);
	rtnl_link_put(c);
	return err;
}

/*
 * Make bridge port @ifindex isolated (IFLA_BRPORT_ISOLATED): it forwards
 * to no other isolated port, so per-peer tunnels form no loop.
 */
int rz_link_isolate(struct nl_sock *sk, int ifindex)
{
	struct ifinfomsg ifi = { .ifi_family = AF_BRIDGE, .ifi_index = ifindex };
	struct nlattr *nest;
	struct nl_msg *msg;

	msg = nlmsg_alloc_simple(RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK);
	if (!msg)
		return -NLE_NOMEM;
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0)
		goto fail;
	nest = nla_nest_start(msg, IFLA_PROTINFO | NLA_F_NESTED);
	if (!nest || nla_put_u8(msg, IFLA_BRPORT_ISOLATED, 1) < 0)
		goto fail;
	nla_nest_end(msg, nest);
	return nl_send_sync(sk, msg);
fail:
	nlmsg_free(msg);
	return -NLE_NOMEM;
}

int rz_link_set_mac(struct nl_sock *sk, struct rtnl_link *l,
		    const uint8_t mac[6])
{
	struct rtnl_link *c = rtnl_link_alloc();
	struct nl_addr *a = nl_addr_build(AF_LLC, mac, 6);
	int err = -NLE_NOMEM;

	if (c && a) {
		rtnl_link_set_addr(c, a);
		err = rtnl_link_change(sk, l, c, 0);
	}
	nl_addr_put(a);
	if (c)
		rtnl_link_put(c);
	return err;
}

/*
 * Whether @module is loaded or built in. No device of a kind exists
 * without its driver; and the kernel ignores a kind filter it has no
 * driver for, answering with every link.
 */
bool rz_module_present(const char *module)
{
	struct utsname u;
	char path[sizeof(u.release) + 64], *line = NULL;
	size_t size = 0, n = strlen(module);
	bool found = false;
	ssize_t len;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/%s", module);
	if (!access(path, F_OK))
		return true;
	if (uname(&u))
		return true;		/* cannot tell: dump, and look */
	snprintf(path, sizeof(path), "/lib/modules/%s/modules.builtin",
		 u.release);
	f = fopen(path, "re");
	if (!f)
		return true;
	while (!found && (len = getline(&line, &size, f)) > 0) {
		line[strcspn(line, "\n")] = '\0';
		len = (ssize_t)strlen(line);
		/* ".../MODULE.ko" */
		found = (size_t)len >= n + 3 && !strcmp(line + len - 3, ".ko") &&
			!strncmp(line + len - 3 - n, module, n) &&
			((size_t)len == n + 3 || line[len - 4 - n] == '/');
	}
	free(line);
	fclose(f);
	return found;
}

/* Dump the links of @kind into @c (a kernel-filtered dump, no stats). */
int rz_dump_kind(struct nl_sock *sk, struct nl_cache *c, const char *kind)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nl_msg *m = nlmsg_alloc_simple(RTM_GETLINK, NLM_F_DUMP);
	struct nlattr *info;
	int err = -NLE_NOMEM;

	if (!m)
		return err;
	if (nlmsg_append(m, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    nla_put_u32(m, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS) < 0)
		goto out;
	info = nla_nest_start(m, IFLA_LINKINFO);
	if (!info || nla_put_string(m, IFLA_INFO_KIND, kind) < 0)
		goto out;
	nla_nest_end(m, info);
	err = nl_send_auto(sk, m);
	if (err >= 0)
		err = nl_cache_pickup(sk, c);
out:
	nlmsg_free(m);
	return err;
}

/*
 * Read link @name again into @c, and only it (gone: out of @c). What a
 * change of one device needs: a host's thousands of taps are not dumped
 * for it.
 */
int rz_reread_link(struct nl_sock *sk, struct nl_cache *c, const char *name)
{
	struct rtnl_link *l = rtnl_link_get_by_name(c, name);
	int err;

	if (l) {
		nl_cache_remove((struct nl_object *)l);
		rtnl_link_put(l);
		l = NULL;
	}
	err = rtnl_link_get_kernel(sk, 0, name, &l);
	if (err == -NLE_NODEV || err == -NLE_OBJ_NOTFOUND)
		return 0;
	if (!err)
		err = nl_cache_add(c, (struct nl_object *)l);
	if (l)
		rtnl_link_put(l);
	return err;
}
