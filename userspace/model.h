/* SPDX-License-Identifier: GPL-2.0 */
/*
 * npmgr: the object model (model.c), shared by the parser, the checker,
 * the netlink layer, the printers and realization: the objects of a policy
 * file or of the kernel, the table of policy attributes that drives
 * parsing, printing and sending them, the names of the protocol's enums,
 * and the rule that says which policies govern an interface.
 *
 * A new policy attribute: a PA_* value and a field in struct
 * np_policy_def here, a row of pol_attrs[] in model.c; the parser, both
 * printers, the netlink layer and the contradiction check follow the row.
 */
#ifndef NPMGR_MODEL_H
#define NPMGR_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/netpolicy.h>

#include "util.h"

struct np_sel {
	int type;			/* NETPOLICY_SEL_TAG or _NAME */
	char *value;
};

/*
 * The attributes of a policy block, in the order the language lists them
 * (the four of the original policy block, then the others). Printers
 * write the scalar attributes first, then the selector sets, each in this
 * order.
 */
enum pol_attr {
	PA_ALLOW_CROSS_SERVER,
	PA_REQUIRE_ENCRYPTION,
	PA_PHYSICAL_IFS_ALLOWED,
	PA_ISOLATE_FROM,
	PA_ENCRYPTION_ALGORITHM,
	PA_COMPRESS,
	PA_RESTRICT_TO_HOST,
	PA_COUNT
};

#define PA_BIT(a) (1U << (a))

struct np_policy_def {
	char *name;
	struct np_pos pos;
	unsigned int present;		/* PA_BIT() of each attribute written */
	bool allow_cross_server;
	bool require_encryption;
	int encryption_algorithm;	/* enum netpolicy_enc_alg */
	bool compress;
	char *restrict_to_host;
	struct np_sel *physical_ifs_allowed;
	size_t n_physical_ifs_allowed;
	struct np_sel *isolate_from;
	size_t n_isolate_from;
};

enum pa_type {
	PA_T_BOOL,			/* true | false: a bool */
	PA_T_ENUM,			/* a name of an enum: an int */
	PA_T_NAME,			/* a name: a char * */
	PA_T_SELECTORS,			/* {TAG(x), NAME(y)}: np_sel * + count */
};

/* How one policy attribute is written, stored and sent. */
struct pol_attr_desc {
	const char *key;		/* in policy files and JSON */
	enum pa_type type;
	int nl_attr;			/* NETPOLICY_A_POLICY_* */
	size_t off;			/* the value in struct np_policy_def */
	size_t n_off;			/* PA_T_SELECTORS: the count */
	const char *what;		/* ENUM, NAME: what the value is */
	const char *const *names;	/* ENUM: names of 1..max */
	int max;
};

extern const struct pol_attr_desc pol_attrs[PA_COUNT];

bool *pol_bool(struct np_policy_def *p, enum pol_attr a);
int *pol_enum(struct np_policy_def *p, enum pol_attr a);
char **pol_name(struct np_policy_def *p, enum pol_attr a);
struct np_sel **pol_sels(struct np_policy_def *p, enum pol_attr a,
			 size_t **n);
/* The @i-th attribute in the order printers write them: scalars, then sets. */
enum pol_attr pol_printed(int i);
/* The value of a PA_T_BOOL or PA_T_ENUM attribute, to read. */
int pol_scalar(const struct np_policy_def *p, enum pol_attr a);
/* The selectors of PA_T_SELECTORS attribute @a, and how many, to read. */
const struct np_sel *pol_sel_list(const struct np_policy_def *p,
				  enum pol_attr a, size_t *n);
/* The value of PA_T_ENUM attribute @a named @s, or 0. */
int pol_enum_parse(enum pol_attr a, const char *s);
/* The value of a scalar attribute as text ("true", "gcm-aes-128", "hv1"). */
const char *pol_value_text(const struct np_policy_def *p, enum pol_attr a);

static inline bool pol_has(const struct np_policy_def *p, enum pol_attr a)
{
	return p->present & PA_BIT(a);
}

/* What a policy says, as the kernel reads it (kernel/object.c). */
bool pol_local_only(const struct np_policy_def *p);
bool pol_crosses_hosts(const struct np_policy_def *p);
bool pol_requires_encryption(const struct np_policy_def *p);

/* (the fields of an object are ordered so that it has no holes) */
struct np_net_def {
	char *name;
	struct np_pos pos;
	struct np_pos bridge_pos;
	char *bridge;
	char *policy;			/* policy name, or NULL */
	/* how to realize it across the pool (host blocks) */
	char **hosts;			/* the hosts carrying it; NULL: all */
	size_t n_hosts;
	struct np_pos hosts_pos;
	struct np_pos policy_pos;
	int tunnel;			/* enum netpolicy_tunnel, 0: unset */
	struct np_pos tunnel_pos;
	uint32_t id;			/* VNI or GRE key */
	struct np_pos id_pos;
	/* as the kernel reports it: the tunnel it was told realizes it */
	int realized_tunnel;
	uint32_t realized_id;
	bool has_id;
};

/* A member of the pool: a host that may carry networks. */
/* Whether host @host carries network @n: its hosts list, or every host. */
bool net_carried_by(const struct np_net_def *n, const char *host);

struct np_host_def {
	char *name;
	struct np_pos pos;
	char *address;			/* its IPv4 underlay address */
	struct np_pos address_pos;
	bool no_macsec;			/* macsec = false: it cannot encrypt */
};

struct np_vm_def {
	char *name;
	struct np_pos pos;
	struct np_pos policy_pos;
	char **tags;
	size_t n_tags;
	char *policy;
	int source;			/* enum netpolicy_source */
	bool has_uuid;
	uint8_t uuid[NETPOLICY_UUID_LEN];
};

/* 80 bytes: a 100,000-VIF file's are most of what npmgr holds of it */
struct np_vif_def {
	char *name;
	struct np_pos pos;
	struct np_pos ifname_pos;
	char *ifname;
	char *network;
	char *vm;
	char *policy;
	struct np_pos network_pos;
	struct np_pos vm_pos;
	struct np_pos policy_pos;
	struct np_pos mac_pos;
	int source;			/* enum netpolicy_source */
	bool has_mac;
	uint8_t mac[6];
};

struct np_nic_def {
	char *name;
	struct np_pos pos;
	char **tags;
	size_t n_tags;
};

/* Every object starts with its name and where it was defined. */
struct named {
	char *name;
	struct np_pos pos;
};

enum obj_kind {
	OBJ_POLICY,
	OBJ_NIC,
	OBJ_HOST,
	OBJ_NET,
	OBJ_VM,
	OBJ_VIF,
	OBJ_COUNT
};

struct np_config {
	struct np_policy_def *policies;
	size_t n_policies;
	struct np_nic_def *nics;
	size_t n_nics;
	struct np_host_def *pool;	/* host blocks: the file's only */
	size_t n_pool;
	struct np_net_def *nets;
	size_t n_nets;
	struct np_vm_def *vms;
	size_t n_vms;
	struct np_vif_def *vifs;
	size_t n_vifs;
	char *host;			/* as loaded in the kernel */
	/* read from the kernel: the generation of the table read */
	uint32_t generation;
	bool has_generation;
	/* and the configuration generation (NETPOLICY_A_CONFIG_GEN) */
	uint32_t config_gen;
	bool has_config_gen;
	/*
	 * The pool is in etcd (npmgr pool, the agent): its hosts are not all
	 * here (a pool file has none, an agent's share the live ones), so a
	 * network may say how it crosses hosts and name hosts not declared.
	 */
	bool hosts_from_pool;
	/*
	 * The strings of a file's objects, in one block (config_parse_packed():
	 * a 100,000-object file costs no malloc per string). A string outside
	 * it belongs to its object and is freed with it.
	 */
	char *strs;
	size_t strs_size, strs_used;
	/*
	 * Where each top-level block of the parsed text starts (byte
	 * offsets, in order): what a reload compares by (reload.c).
	 */
	uint32_t *block_starts;
	size_t n_blocks;
};

/* The array of one kind of objects in a config. */
struct obj_kind_desc {
	const char *name;		/* its block keyword: "policy" */
	size_t arr_off, n_off;		/* in struct np_config */
	size_t size;			/* of one object */
	/* what the object owns (@cfg its config, or NULL: a lone object) */
	void (*free)(const struct np_config *cfg, void *obj);
	size_t source_off;		/* its enum netpolicy_source, or 0 */
};

extern const struct obj_kind_desc obj_kinds[OBJ_COUNT];

/*
 * A copy of @s (@n bytes, then a NUL) in @cfg's block of strings when it
 * has one with room, else on the heap; config_str_free() frees either.
 */
char *config_strndup(struct np_config *cfg, const char *s, size_t n);
void config_str_free(const struct np_config *cfg, char *s);

/* A new zeroed object of @kind at the end of its array. */
struct named *config_push(struct np_config *cfg, enum obj_kind kind);
size_t config_count(const struct np_config *cfg, enum obj_kind kind);
/* The objects of every kind. */
size_t config_total(const struct np_config *cfg);
struct named *config_obj(const struct np_config *cfg, enum obj_kind kind,
			 size_t i);
void config_free(struct np_config *cfg);
/*
 * The last object of @kind moved out of @cfg (NULL if none): obj_free() it.
 * Not for a config_parse_packed() config: its strings are not its objects'.
 */
struct named *config_take_last(struct np_config *cfg, enum obj_kind kind);
/* @cfg holding only @obj (not a copy: never config_free() the view). */
void config_view(struct np_config *cfg, enum obj_kind kind, struct named *obj);
/* An object apart from any config (config_take_last()), and what it owns. */
void obj_free(enum obj_kind kind, struct named *obj);
/* An object's enum netpolicy_source (VMs and VIFs may have another). */
int obj_source(enum obj_kind kind, const struct named *o);
/*
 * Whether PHYSICAL_IFS_ALLOWED of @pol lets a network leave through the
 * interface @ifname: NAME(ifname), or TAG(t) of @cfg's nic object of
 * that name.
 */
bool pol_nic_allowed(const struct np_config *cfg,
		     const struct np_policy_def *pol, const char *ifname);

/*
 * Drop the objects a toolstack watcher made: they lose a name clash to a
 * file's (see the uapi header), so a file is checked without them.
 */
void config_drop_toolstack(struct np_config *cfg);
/* Drop (and free) the objects of @cfg for which @drop says true. */
void config_drop_if(struct np_config *cfg,
		    bool (*drop)(void *ctx, enum obj_kind kind,
				 const struct named *o),
		    void *ctx);
/* Sort every kind by name, for printing and for the lookups below. */
void config_sort(struct np_config *cfg);
/* After config_sort(): binary search by name, NULL if absent. */
struct named *config_find(const struct np_config *cfg, enum obj_kind kind,
			  const char *name);
struct np_policy_def *config_policy(const struct np_config *cfg,
				    const char *name);
struct np_net_def *config_net(const struct np_config *cfg, const char *name);
struct np_vm_def *config_vm(const struct np_config *cfg, const char *name);
struct np_vif_def *config_vif(const struct np_config *cfg, const char *name);
struct np_nic_def *config_nic(const struct np_config *cfg, const char *name);
struct np_host_def *config_host(const struct np_config *cfg,
				const char *name);

/* One policy that governs a VIF, and whose it is. */
struct np_applied {
	const struct np_policy_def *pol;
	const char *kind;		/* "network", "VM", "VIF" */
	const char *owner;		/* its name */
};

typedef const struct np_policy_def *(*policy_lookup_fn)(const void *ctx,
							const char *name);

/*
 * The policies that govern @vif, in the order the kernel applies and
 * reports them (network, VM, VIF); @net and @vm may be NULL, names
 * @lookup does not know are left out. Returns how many (at most 3).
 */
size_t np_applied_policies(const struct np_net_def *net,
			   const struct np_vm_def *vm,
			   const struct np_vif_def *vif,
			   policy_lookup_fn lookup, const void *ctx,
			   struct np_applied out[3]);

/* A network's realization on this host, as the kernel is told it. */
struct np_claim {
	const char *network;
	int tunnel;			/* enum netpolicy_tunnel */
	uint32_t id;
};

/* An interface the kernel tracks, as a dump or an event reports it. */
struct np_port_info {
	uint32_t ifindex;
	char *ifname;
	uint8_t mac[6];
	bool has_guest_mac;		/* the toolstack told the guest's MAC */
	uint8_t guest_mac[6];
	int kind, state, reason;
	uint32_t err;
	char *message;
	char *vif, *network, *bridge, *vm, *policy;
};

void port_free(struct np_port_info *p);

/* A key agreement session, as its supervisor last reported it. */
struct np_session_info {
	char network[NETPOLICY_NAME_MAX];
	char peer[NETPOLICY_NAME_MAX];	/* the other host of the session */
	char tunnel[IFNAMSIZ_NP];
	char bridge[IFNAMSIZ_NP];
	char macsec[IFNAMSIZ_NP];	/* its MACsec device, or "" */
	char state[16];			/* secured, waiting, restarting, down */
	char key_server[40];		/* "this host", the peer's SCI, or "" */
	char key_id[40];		/* the transmit SA's key identifier */
	unsigned int live_peers, key_number, restarts;
	long long key_since;		/* when this key came (Unix time) */
	long long last_rekey;		/* the last key change, or 0 */
	long long updated;		/* when the supervisor wrote this */
	bool running;			/* the supervisor runs */
};

/* The names of the protocol's enums ("?" or "unknown" when out of range). */
const char *tunnel_name(int tunnel);
int tunnel_parse(const char *s);
const char *enc_alg_name(int alg);
const char *state_name(int state);
const char *kind_name(int kind);
const char *event_name(int ev);
const char *source_name(int source);

/*
 * The reasons of enum netpolicy_reason: a name for scripts and, for the
 * policy checks, what passing the check means and whether a policy asks
 * for it (npmgr explain).
 */
struct reason_desc {
	const char *name;		/* "isolated" */
	const char *check;		/* "ISOLATE_FROM does not match..." */
	bool (*asks)(const struct np_policy_def *p);
};

const char *reason_name(int reason);
const struct reason_desc *reason_desc(int reason);

#endif
