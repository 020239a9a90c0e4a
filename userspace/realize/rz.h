/* SPDX-License-Identifier: GPL-2.0 */
/* Realization's parts: the plan as plan.c makes it and apply.c reads it. */
#ifndef NPMGR_RZ_H
#define NPMGR_RZ_H

#include <netinet/in.h>
#include <linux/if_macsec.h>

#include "realize.h"

#define RZ_ALIAS_PREFIX	"netpolicy:"
#define RZ_KEYID_LEN	MACSEC_KEYID_LEN

enum rz_kind { RZ_BRIDGE, RZ_VXLAN, RZ_GRETAP, RZ_GENEVE, RZ_MACSEC };

extern const char *const rz_kind_names[];

/* The keys one host sends with on one network (XPN: 64-bit PNs). */
struct rz_keys {
	uint8_t key[32];
	uint8_t keyid[RZ_KEYID_LEN];
	uint8_t salt[MACSEC_SALT_LEN];
	uint32_t ssci;
};

/* What a MACsec device receives from one peer. */
struct rz_rx {
	const char *host;		/* the peer */
	uint8_t sci[8];
	struct rz_keys k;
};

/* One device this host needs. */
struct rz_dev {
	enum rz_kind kind;
	char name[IFNAMSIZ_NP];
	const struct np_net_def *net;
	char alias[128];
	char master[IFNAMSIZ_NP];	/* the bridge it joins, or "" */
	char lower[IFNAMSIZ_NP];	/* its underlay / tunnel, or "" */
	uint32_t id;			/* VNI or GRE key */
	struct in_addr local, remote;	/* remote: GRE and Geneve */
	struct in_addr *peers;		/* VXLAN: one FDB entry each */
	size_t n_peers;
	bool isolated;			/* a port isolated from the other
					 * tunnel ports (split horizon) */
	/* MACsec */
	int alg;			/* enum netpolicy_enc_alg */
	size_t key_len;
	uint8_t mac[6];			/* its SCI is MAC, port 1 */
	struct rz_keys tx;
	struct rz_rx *rx;
	size_t n_rx;
	bool created;			/* by this run (rollback) */
};

struct rz_plan {
	struct rz_dev *devs;
	size_t n;
	struct np_claim *claims;	/* sorted by network name */
	size_t n_claims;
	const char *self;
	bool wants_secret;
	struct np_pos secret_pos;	/* the first policy that needs it */
};

/* The MACsec cipher suite of @d: the XPN variant of its policy's. */
uint64_t rz_cipher_suite(const struct rz_dev *d);

#endif
