/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The attach decision (decide.c): a pure function of a table, the VIF
 * object that binds a device, and facts about its target bridge; and the
 * words every verdict is reported in.
 */
#ifndef _NP_DECIDE_H
#define _NP_DECIDE_H

#include "table.h"

/* A port of the target bridge that is not a VM interface. */
struct np_uplink {
	const char *name;
	const char *underlay;			/* NULL: no fixed underlay */
	bool encrypted;				/* through MACsec, see uplink.c */
	bool replay_protected;			/* that MACsec drops replays */
	u8 enc_alg;				/* its enum netpolicy_enc_alg */
	u8 tunnel;				/* the tunnel on its path, or 0 */
	u32 tunnel_id;				/* VNI or GRE key */
};

struct np_facts {
	const char *bridge;
	struct np_uplink *links;
	u32 n_links;
	const struct np_vif **peers;		/* VM interfaces on the bridge */
	const char **peer_ifnames;
	u32 n_peers;
};

/* What np_decide_needs() says a decision needs gathered. */
#define NP_NEED_LINKS	BIT(0)
#define NP_NEED_PEERS	BIT(1)

#define NP_MSG_LEN	256

struct np_verdict {
	u8 reason;				/* NETPOLICY_R_NONE: allowed */
	const struct np_policy *policy;		/* the one that refused */
	char msg[NP_MSG_LEN];
};

unsigned int np_decide_needs(const struct np_table *t,
			     const struct np_vif *vif);
u8 np_decide(const struct np_table *t, const struct np_vif *vif,
	     const struct np_facts *f, struct np_verdict *v);
const char *np_reason_text(u8 reason);

#endif /* _NP_DECIDE_H */
