// SPDX-License-Identifier: GPL-2.0
/*
 * A VXLAN device's flooding list: one all-zeros forwarding entry per peer
 * (what `bridge fdb append 00:00:00:00:00:00 dev X dst PEER` adds), kept
 * equal to the plan's peers entry by entry.
 */

#include <arpa/inet.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <string.h>
#include <sys/socket.h>

#include "host.h"

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
static int fdb_change(struct rz_host *h, int ifindex, struct in_addr peer,
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
	return nl_send_sync(h->sk, msg);
}

static bool have_addr(const struct in_addr *v, size_t n, struct in_addr a)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].s_addr == a.s_addr)
			return true;
	return false;
}

int rz_fdb_peers(int ifindex, struct in_addr **peers, size_t *n)
{
	struct fdb_dump f = { .ifindex = ifindex };
	struct nl_sock *sk = nl_socket_alloc();
	int err = -NLE_NOMEM;

	if (sk) {
		err = nl_connect(sk, NETLINK_ROUTE);
		/*
		 * Without strict checking the kernel ignores the device of an
		 * fdb dump request and answers with the entries of every
		 * device: a tap's multicast addresses included, thousands on a
		 * busy host, for each VXLAN device. (A kernel before 4.20
		 * refuses the option: it then answers with all, as before.)
		 */
		if (!err)
			setsockopt(nl_socket_get_fd(sk), SOL_NETLINK,
				   NETLINK_GET_STRICT_CHK, &(int){ 1 },
				   sizeof(int));
		if (!err)
			err = nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM,
						  fdb_entry, &f);
		if (!err)
			err = fdb_dump_request(sk, ifindex);
		if (!err)
			err = nl_recvmsgs_default(sk);
		nl_socket_free(sk);
	}
	if (err) {
		free(f.have);
		f.have = NULL;
		f.n = 0;
	}
	*peers = f.have;
	*n = f.n;
	return err;
}

int rz_fdb_sync(struct rz_host *h, const struct rz_dev *d, int ifindex)
{
	struct fdb_dump f = { .ifindex = ifindex };
	char ip[INET_ADDRSTRLEN];
	int err;
	size_t i;

	err = rz_fdb_peers(ifindex, &f.have, &f.n);
	for (i = 0; !err && i < d->n_peers; i++) {
		if (have_addr(f.have, f.n, d->peers[i]))
			continue;
		err = fdb_change(h, ifindex, d->peers[i], true);
		inet_ntop(AF_INET, &d->peers[i], ip, sizeof(ip));
		h->changes += !err;
		if (!err && !d->created)
			fprintf(h->log, "network %s: %s floods to peer %s\n",
				d->net->name, d->name, ip);
	}
	for (i = 0; !err && i < f.n; i++) {
		if (have_addr(d->peers, d->n_peers, f.have[i]))
			continue;
		err = fdb_change(h, ifindex, f.have[i], false);
		inet_ntop(AF_INET, &f.have[i], ip, sizeof(ip));
		h->changes += !err;
		if (!err)
			fprintf(h->log, "network %s: %s no longer floods to %s\n",
				d->net->name, d->name, ip);
	}
	free(f.have);
	return err ? rz_nl_fail(d, "set the peers of", err) : 0;
}
