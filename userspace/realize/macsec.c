// SPDX-License-Identifier: GPL-2.0
/*
 * MACsec keys, through the macsec generic netlink family: a transmit SA
 * per device, a receive channel and SA per peer. libnl-route-3 creates
 * the device (apply.c); it has no API for SAs.
 */

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "host.h"

/*
 * The XPN variant of the policy's cipher: the same AES-GCM with the same
 * key length, but 64-bit packet numbers, so that static keys never run
 * out (a 32-bit PN is spent by 2^32 frames: 72 minutes at 1 Mpps).
 */
uint64_t rz_cipher_suite(const struct rz_dev *d)
{
	return d->alg == NETPOLICY_ENC_GCM_AES_256 ?
		MACSEC_CIPHER_ID_GCM_AES_XPN_256 :
		MACSEC_CIPHER_ID_GCM_AES_XPN_128;
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
		    nla_put(msg, MACSEC_SA_ATTR_KEYID, RZ_KEYID_LEN, k->keyid) < 0 ||
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

/* The macsec family's socket, opened once per run. */
static int macsec_open(struct rz_host *h)
{
	if (h->gs)
		return 0;
	h->gs = nl_socket_alloc();
	if (!h->gs || genl_connect(h->gs)) {
		fprintf(stderr, "npmgr: generic netlink: cannot connect\n");
		return -1;
	}
	h->macsec_family = genl_ctrl_resolve(h->gs, MACSEC_GENL_NAME);
	if (h->macsec_family < 0) {
		fprintf(stderr, "npmgr: the macsec module is not loaded: %s\n",
			nl_geterror(h->macsec_family));
		nl_socket_free(h->gs);
		h->gs = NULL;
		return -1;
	}
	return 0;
}

int rz_macsec_keys(struct rz_host *h, const struct rz_dev *d, int ifindex)
{
	struct nl_sock *gs;
	int family, err, added = 0;
	size_t i;

	if (macsec_open(h))
		return -1;
	gs = h->gs;
	family = h->macsec_family;
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
