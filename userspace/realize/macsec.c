// SPDX-License-Identifier: GPL-2.0
/*
 * What the kernel says about the MACsec devices key agreement sessions
 * create: their settings (rtnetlink, what `ip -d link` prints) and the
 * transmit SA in use (the macsec generic netlink family, what `ip macsec
 * show` prints). npmgr reads, never writes, the SAs: wpa_supplicant owns
 * them.
 */

#include <net/if.h>
#include <string.h>

#include <linux/if_macsec.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/route/link/macsec.h>

#include "host.h"

/* Its settings into @m. */
static void macsec_read(struct rtnl_link *l, struct rz_macsec *m)
{
	enum macsec_validation_type val = 0;
	uint32_t u32 = 0;
	uint64_t u64 = 0;
	uint8_t u8 = 0;

	memset(m, 0, sizeof(*m));
	m->ifindex = rtnl_link_get_ifindex(l);
	snprintf(m->name, sizeof(m->name), "%s", rtnl_link_get_name(l));
	m->master = rtnl_link_get_master(l);
	m->up = rtnl_link_get_flags(l) & IFF_UP;
	if (!rtnl_link_macsec_get_sci(l, &u64))
		m->sci = u64;
	if (!rtnl_link_macsec_get_encrypt(l, &u8))
		m->encrypt = u8;
	if (!rtnl_link_macsec_get_protect(l, &u8))
		m->protect = u8;
	if (!rtnl_link_macsec_get_replay_protect(l, &u8))
		m->replay = u8;
	if (!rtnl_link_macsec_get_window(l, &u32))
		m->window = u32;
	if (!rtnl_link_macsec_get_validation_type(l, &val))
		m->validate = (int)val;
	if (!rtnl_link_macsec_get_cipher_suite(l, &u64))
		m->cipher = u64;
}

static bool is_macsec_on(struct rtnl_link *l, int lower)
{
	const char *type = rtnl_link_get_type(l);

	return type && !strcmp(type, "macsec") && lower > 0 &&
	       rtnl_link_get_link(l) == lower;
}

struct by_sci {
	int lower;
	uint64_t sci;
	struct rz_macsec *out;
	bool found;
};

static void sci_one(struct nl_object *o, void *arg)
{
	struct rtnl_link *l = (struct rtnl_link *)o;
	struct by_sci *f = arg;
	uint64_t sci;

	if (!f->found && is_macsec_on(l, f->lower) &&
	    !rtnl_link_macsec_get_sci(l, &sci) && sci == f->sci) {
		macsec_read(l, f->out);
		f->found = true;
	}
}

bool rz_macsec_by_sci(struct nl_cache *links, int lower, uint64_t sci,
		      struct rz_macsec *out)
{
	struct by_sci f = { lower, sci, out, false };

	nl_cache_foreach(links, sci_one, &f);
	return f.found;
}

bool rz_macsec_by_name(struct nl_cache *links, int lower, const char *name,
		       struct rz_macsec *out)
{
	struct rtnl_link *l = rtnl_link_get_by_name(links, name);
	bool found = l && is_macsec_on(l, lower);

	if (found)
		macsec_read(l, out);
	if (l)
		rtnl_link_put(l);
	return found;
}

const char *rz_macsec_drift(const struct rz_macsec *m)
{
	if (!m->encrypt || !m->protect || m->validate != MACSEC_VALIDATE_STRICT)
		return "encryption was switched off or weakened";
	if (!m->replay || m->window)
		return "replay protection was switched off or widened";
	if (m->cipher != MACSEC_CIPHER_ID_GCM_AES_128 &&
	    m->cipher != MACSEC_DEFAULT_CIPHER_ID)
		return "its cipher suite changed";
	return NULL;
}

struct txsa_dump {
	int ifindex;
	struct rz_txsa *out;
};

static int txsa_msg(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[MACSEC_ATTR_MAX + 1], *secy[MACSEC_SECY_ATTR_MAX + 1];
	struct nlattr *sa[MACSEC_SA_ATTR_MAX + 1], *e;
	struct txsa_dump *d = arg;
	int rem, an = -1;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, MACSEC_ATTR_MAX, NULL) < 0 ||
	    !tb[MACSEC_ATTR_IFINDEX] ||
	    (int)nla_get_u32(tb[MACSEC_ATTR_IFINDEX]) != d->ifindex)
		return NL_OK;
	if (tb[MACSEC_ATTR_SECY] &&
	    !nla_parse_nested(secy, MACSEC_SECY_ATTR_MAX, tb[MACSEC_ATTR_SECY],
			      NULL) && secy[MACSEC_SECY_ATTR_ENCODING_SA])
		an = nla_get_u8(secy[MACSEC_SECY_ATTR_ENCODING_SA]);
	if (!tb[MACSEC_ATTR_TXSA_LIST])
		return NL_OK;
	nla_for_each_nested(e, tb[MACSEC_ATTR_TXSA_LIST], rem) {
		struct rz_txsa *t = d->out;

		if (nla_parse_nested(sa, MACSEC_SA_ATTR_MAX, e, NULL) < 0 ||
		    !sa[MACSEC_SA_ATTR_AN] ||
		    nla_get_u8(sa[MACSEC_SA_ATTR_AN]) != an)
			continue;
		t->found = true;
		t->an = (uint8_t)an;
		t->active = sa[MACSEC_SA_ATTR_ACTIVE] &&
			    nla_get_u8(sa[MACSEC_SA_ATTR_ACTIVE]);
		if (sa[MACSEC_SA_ATTR_PN] && nla_len(sa[MACSEC_SA_ATTR_PN]) == 8)
			t->pn = nla_get_u64(sa[MACSEC_SA_ATTR_PN]);
		else if (sa[MACSEC_SA_ATTR_PN])
			t->pn = nla_get_u32(sa[MACSEC_SA_ATTR_PN]);
		if (sa[MACSEC_SA_ATTR_KEYID] &&
		    nla_len(sa[MACSEC_SA_ATTR_KEYID]) == MACSEC_KEYID_LEN)
			memcpy(t->keyid, nla_data(sa[MACSEC_SA_ATTR_KEYID]),
			       MACSEC_KEYID_LEN);
	}
	return NL_OK;
}

int rz_macsec_txsa(struct nl_sock *gs, int family, int ifindex,
		   struct rz_txsa *out)
{
	struct txsa_dump d = { ifindex, out };
	struct nl_msg *msg = nlmsg_alloc();
	int err = -NLE_NOMEM;

	memset(out, 0, sizeof(*out));
	if (!msg)
		return err;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, NLM_F_DUMP,
			 MACSEC_CMD_GET_TXSC, MACSEC_GENL_VERSION)) {
		nlmsg_free(msg);
		return err;
	}
	err = nl_send_auto(gs, msg);
	nlmsg_free(msg);
	if (err < 0)
		return err;
	nl_socket_modify_cb(gs, NL_CB_VALID, NL_CB_CUSTOM, txsa_msg, &d);
	return nl_recvmsgs_default(gs);
}

int rz_macsec_family(struct nl_sock **gs)
{
	int family;

	*gs = nl_socket_alloc();
	if (!*gs || genl_connect(*gs)) {
		nl_socket_free(*gs);
		*gs = NULL;
		return -1;
	}
	family = genl_ctrl_resolve(*gs, MACSEC_GENL_NAME);
	if (family < 0) {
		nl_socket_free(*gs);
		*gs = NULL;
	}
	return family;
}
