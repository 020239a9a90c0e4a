/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Key agreement sessions (MKA through wpa_supplicant): the pure parts
 * (mka.c), the control socket (ctrl.c), the supervisor (supervise.c) and
 * what realization starts and stops (sessions.c).
 */
#ifndef NPMGR_MKA_H
#define NPMGR_MKA_H

#include "rz.h"

#define RZ_CKN_LEN	16		/* bytes; 32 hex digits */
#define RZ_HOST_DIR_MAX	24		/* longer host names are hashed */
#define RZ_PATH_MAX	128
#define RZ_MKA_SESSION	"# netpolicy-session: "
#define RZ_MKA_NETWORK	"# netpolicy-network: "
#define RZ_MKA_PEER	"# netpolicy-peer: "

/*
 * The CAK's name of the session of hosts @a and @b on @network: hex of
 * SHA-256("netpolicy-ckn" NUL network NUL host NUL host), hosts sorted.
 */
void rz_mka_ckn(const char *network, const char *a, const char *b,
		char out[2 * RZ_CKN_LEN + 1]);
/* The directory of host @host's sessions (under NPMGR_RUN_DIR). */
void rz_mka_host_dir(const char *host, char *out, size_t size);
/*
 * A file of host @host: DIR/NAME.EXT; NAME is a session's (conf, wpa,
 * pid, state, log, ctrl) or a tunnel's (sci).
 */
void rz_mka_path(const char *host, const char *name, const char *ext,
		 char *out, size_t size);
/*
 * The wpa_supplicant configuration of session @m (malloc'ed; it holds the
 * CAK: wipe and free it). Its first lines say which tunnel, bridge,
 * network and peer it is for (rz_mka_config_names() reads them back).
 */
char *rz_mka_config(const struct rz_mka *m, const char *ctrl_dir,
		    const uint8_t cak[RZ_CAK_LEN]);
/* @config with its SCI port set (what wpa_supplicant reads): malloc'ed. */
char *rz_mka_with_port(const char *config, unsigned int port);

struct rz_mka_names {
	char tunnel[IFNAMSIZ_NP];
	char bridge[IFNAMSIZ_NP];
	bool isolated;
	char network[NETPOLICY_NAME_MAX];
	char peer[NETPOLICY_NAME_MAX];
};

int rz_mka_config_names(const char *text, struct rz_mka_names *out);

/* What wpa_supplicant's STATUS reply says about the session. */
struct rz_mka_status {
	bool secured;			/* a SAK is in use */
	bool key_server;		/* this host distributes the SAKs */
	char actor_sci[32];		/* "62:f4:0a:4a:16:54@1" */
	char key_server_sci[32];
	unsigned int live_peers, potential_peers;
	unsigned int keys_distributed, keys_received;
};

void rz_mka_parse_status(const char *text, struct rz_mka_status *st);

/* A supervisor's state file (@text, cut into lines) into @si. */
void rz_session_state_parse(char *text, struct np_session_info *si);

#endif
