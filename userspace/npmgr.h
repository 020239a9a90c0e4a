/* SPDX-License-Identifier: GPL-2.0 */
/*
 * npmgr: the netpolicy manager. Object model shared by the parser, the
 * netlink layer and the printers.
 */
#ifndef NPMGR_H
#define NPMGR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/netpolicy.h>

#define IFNAMSIZ_NP 16

struct np_sel {
	int type;			/* NETPOLICY_SEL_TAG or _NAME */
	char *value;
};

struct np_pos {
	int line;
	int col;
};

struct np_policy_def {
	char *name;
	struct np_pos pos;
	bool has_cross, cross;
	bool has_enc, enc;
	bool has_alg;
	int alg;			/* enum netpolicy_enc_alg */
	bool has_compress, compress;
	char *host;			/* RESTRICT_TO_HOST, or NULL */
	bool has_phys, has_iso;
	struct np_sel *phys;
	size_t n_phys;
	struct np_sel *iso;
	size_t n_iso;
};

struct np_net_def {
	char *name;
	struct np_pos pos;
	char *bridge;
	struct np_pos bridge_pos;
	char *policy;			/* policy name, or NULL */
	struct np_pos policy_pos;
	/* how to realize it across the pool (host blocks) */
	int tunnel;			/* enum netpolicy_tunnel, 0: unset */
	struct np_pos tunnel_pos;
	bool has_id;
	uint32_t id;			/* VNI or GRE key */
	struct np_pos id_pos;
	char **hosts;			/* the hosts carrying it; NULL: all */
	size_t n_hosts;
	struct np_pos hosts_pos;
	/* the tunnel it is realized with on this host: sent to the kernel */
	int rz_tunnel;
	uint32_t rz_id;
};

/* A member of the pool: a host that may carry networks. */
struct np_host_def {
	char *name;
	struct np_pos pos;
	char *address;			/* its IPv4 underlay address */
	struct np_pos address_pos;
};

struct np_vm_def {
	char *name;
	struct np_pos pos;
	bool has_uuid;
	uint8_t uuid[NETPOLICY_UUID_LEN];
	char **tags;
	size_t n_tags;
	char *policy;
	struct np_pos policy_pos;
	int source;			/* enum netpolicy_source */
};

struct np_vif_def {
	char *name;
	struct np_pos pos;
	char *ifname;
	struct np_pos ifname_pos;
	bool has_mac;
	uint8_t mac[6];
	struct np_pos mac_pos;
	char *network;
	struct np_pos network_pos;
	char *vm;
	struct np_pos vm_pos;
	char *policy;
	struct np_pos policy_pos;
	int source;			/* enum netpolicy_source */
};

struct np_nic_def {
	char *name;
	struct np_pos pos;
	char **tags;
	size_t n_tags;
};

struct np_config {
	struct np_policy_def *policies;
	size_t n_policies;
	struct np_net_def *nets;
	size_t n_nets;
	struct np_vm_def *vms;
	size_t n_vms;
	struct np_vif_def *vifs;
	size_t n_vifs;
	struct np_nic_def *nics;
	size_t n_nics;
	struct np_host_def *pool;	/* host blocks: the file's only */
	size_t n_pool;
	char *host;			/* as loaded in the kernel */
};

struct np_port_info {
	uint32_t ifindex;
	char *ifname;
	uint8_t mac[6];
	int kind, state, reason;
	uint32_t err;
	char *message;
	char *vif, *network, *bridge, *vm, *policy;
};

/* Diagnostics: "file:line:col: error: message" plus the source line. */
struct np_diag_ent {
	struct np_pos pos;
	size_t start, len;		/* its text in np_diags.text */
};

struct np_diags {
	char *text;			/* all messages, newline separated */
	size_t len, cap;
	int count;
	struct np_diag_ent *ents;	/* one per message, in order added */
	const char *file;
	const char *buf;		/* the source, to quote lines */
	size_t buf_len;
};

/* util.c */
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
void *xpush(void **arr, size_t *n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
void diag_add(struct np_diags *d, struct np_pos pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void diags_free(struct np_diags *d);
void diags_sort(struct np_diags *d);	/* by position in the file */
int read_file(const char *path, char **buf, size_t *len);
bool parse_mac(const char *s, uint8_t mac[6]);
bool parse_uuid(const char *s, uint8_t uuid[16]);
void format_mac(const uint8_t mac[6], char out[18]);
void format_uuid(const uint8_t uuid[16], char out[37]);
bool glob_valid(const char *pattern);

/* config.c */
int config_parse(const char *file, const char *buf, size_t len,
		 struct np_config *cfg, struct np_diags *d);
void config_check(struct np_config *cfg, struct np_diags *d);
void config_check_with(struct np_config *cfg, const struct np_config *loaded,
		       struct np_diags *d);
void config_free(struct np_config *cfg);
void config_sort(struct np_config *cfg);
/* After config_sort(): binary search by name, NULL if absent. */
struct np_policy_def *config_policy(const struct np_config *cfg,
				    const char *name);
struct np_net_def *config_net(const struct np_config *cfg, const char *name);
struct np_vm_def *config_vm(const struct np_config *cfg, const char *name);
struct np_vif_def *config_vif(const struct np_config *cfg, const char *name);
struct np_nic_def *config_nic(const struct np_config *cfg, const char *name);
const char *enc_alg_name(int alg);
int enc_alg_parse(const char *s);
const char *tunnel_name(int tunnel);
void port_free(struct np_port_info *p);

/* print.c */
void print_config(FILE *f, const struct np_config *cfg);
void print_ports(FILE *f, const struct np_port_info *ports, size_t n);
/* Objects when @cfg is set; interfaces when @with_ports. */
void print_json(FILE *f, const struct np_config *cfg, bool with_ports,
		const struct np_port_info *ports, size_t n_ports);
void print_event(FILE *f, int ev, const struct np_port_info *p, bool json);
const char *state_name(int state);
const char *kind_name(int kind);
const char *event_name(int ev);
const char *reason_name(int reason);
/* explain.c */
int explain(FILE *f, const struct np_config *cfg,
	    const struct np_port_info *ports, size_t n_ports, const char *what);

/* ipc.c */
struct np_ipc;
struct np_ipc *ipc_open(void);
void ipc_close(struct np_ipc *ipc);
int ipc_load(struct np_ipc *ipc, const struct np_config *cfg, bool replace,
	     const char *host);
/*
 * @what: "network", "vif", "vm", "policy" or "nic"; @source: delete only an
 * object of that enum netpolicy_source (-1: any). @quiet: print no error.
 */
int ipc_del(struct np_ipc *ipc, const char *what, const char *name,
	    int source, bool quiet);
int ipc_flush(struct np_ipc *ipc);
int ipc_get_config(struct np_ipc *ipc, struct np_config *cfg);
int ipc_get_ports(struct np_ipc *ipc, struct np_port_info **ports, size_t *n);
/* @p is the callback's to keep: it may move fields out (and NULL them). */
typedef void (*ipc_event_fn)(int ev, struct np_port_info *p, void *arg);
int ipc_monitor(struct np_ipc *ipc, ipc_event_fn fn, void *arg);
/*
 * Wait until the interface @ifname has a decision (attached, refused, or
 * pending on a missing bridge) and fill @out with its state. -ETIMEDOUT
 * after @timeout_ms.
 */
int ipc_wait_port(struct np_ipc *ipc, const char *ifname, int timeout_ms,
		  struct np_port_info *out);

/* xen.c */
int cmd_xenwatch(int argc, char **argv);
int cmd_xen_hotplug(int argc, char **argv);

#endif
