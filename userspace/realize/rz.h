/* SPDX-License-Identifier: GPL-2.0 */
/* Realization's parts: the plan as plan.c makes it and the host reads it. */
#ifndef NPMGR_RZ_H
#define NPMGR_RZ_H

#include <netinet/in.h>

#include "realize.h"

#define RZ_ALIAS_PREFIX	"netpolicy:"

enum rz_kind { RZ_BRIDGE, RZ_VXLAN, RZ_GRETAP, RZ_GENEVE };
#define RZ_N_KINDS	(RZ_GENEVE + 1)

extern const char *const rz_kind_names[];

/* One device this host needs. */
struct rz_dev {
	enum rz_kind kind;
	char name[IFNAMSIZ_NP];
	const struct np_net_def *net;
	char alias[128];
	char master[IFNAMSIZ_NP];	/* the bridge it joins, or "" */
	char lower[IFNAMSIZ_NP];	/* its underlay, or "" */
	uint32_t id;			/* VNI or GRE key */
	struct in_addr local, remote;	/* remote: GRE and Geneve */
	struct in_addr *peers;		/* VXLAN: one FDB entry each */
	size_t n_peers;
	bool isolated;			/* a port isolated from the other
					 * tunnel ports (split horizon) */
	bool created;			/* by this run (rollback) */
};

/* A network's CAK, read by the caller (rz_read_cak()) for the plan. */
struct rz_cak {
	const struct np_net_def *net;
	struct np_pos pos;		/* the policy that asks for it */
	bool set;
	uint8_t key[RZ_CAK_LEN];
};

#define RZ_SID_LEN	(IFNAMSIZ_NP + 10)	/* TUNNEL-xxxxxxxx */

/*
 * A key agreement session: this host and one peer, on one encrypted
 * network (see Documentation, "Encryption: key agreement").
 */
struct rz_mka {
	const struct np_net_def *net;
	const char *self, *peer;	/* the two hosts */
	char sid[RZ_SID_LEN];		/* names its files: TUNNEL-hash(peer) */
	char tunnel[IFNAMSIZ_NP];	/* the device MKA runs on */
	char bridge[IFNAMSIZ_NP];	/* its MACsec device joins it */
	bool isolated;			/* ... as an isolated port */
	size_t cak;			/* index in rz_plan.caks */
};

struct rz_plan {
	struct rz_dev *devs;
	size_t n;
	struct rz_mka *mkas;
	size_t n_mkas;
	struct rz_cak *caks;		/* one per encrypted network */
	size_t n_caks;
	struct np_claim *claims;	/* sorted by network name */
	size_t n_claims;
	const char *self;
};

#endif
