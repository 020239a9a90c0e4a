// SPDX-License-Identifier: GPL-2.0
/*
 * npmgr: the object model. Tables that say how each kind of object and
 * each policy attribute is stored, so that the parser, the printers and
 * the netlink layer walk them instead of repeating one arm per kind; the
 * names of the protocol's enums; and the one rule for which policies
 * govern an interface.
 */

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

static const char *const enc_algs[] = {
	[NETPOLICY_ENC_GCM_AES_128] = "gcm-aes-128",
	[NETPOLICY_ENC_GCM_AES_256] = "gcm-aes-256",
};

#define SCALAR(k, t, nl, field, ...)					\
	{ .key = k, .type = t, .nl_attr = nl,				\
	  .off = offsetof(struct np_policy_def, field), __VA_ARGS__ }
#define SELECTORS(k, nl, field)						\
	{ .key = k, .type = PA_T_SELECTORS, .nl_attr = nl,		\
	  .off = offsetof(struct np_policy_def, field),			\
	  .n_off = offsetof(struct np_policy_def, n_##field) }

const struct pol_attr_desc pol_attrs[PA_COUNT] = {
	[PA_ALLOW_CROSS_SERVER] =
		SCALAR("ALLOW_CROSS_SERVER", PA_T_BOOL,
		       NETPOLICY_A_POLICY_ALLOW_CROSS_SERVER,
		       allow_cross_server),
	[PA_REQUIRE_ENCRYPTION] =
		SCALAR("REQUIRE_ENCRYPTION", PA_T_BOOL,
		       NETPOLICY_A_POLICY_REQUIRE_ENCRYPTION,
		       require_encryption),
	[PA_PHYSICAL_IFS_ALLOWED] =
		SELECTORS("PHYSICAL_IFS_ALLOWED",
			  NETPOLICY_A_POLICY_PHYSICAL_IFS_ALLOWED,
			  physical_ifs_allowed),
	[PA_ISOLATE_FROM] =
		SELECTORS("ISOLATE_FROM", NETPOLICY_A_POLICY_ISOLATE_FROM,
			  isolate_from),
	[PA_ENCRYPTION_ALGORITHM] =
		SCALAR("ENCRYPTION_ALGORITHM", PA_T_ENUM,
		       NETPOLICY_A_POLICY_ENCRYPTION_ALG, encryption_algorithm,
		       .what = "an encryption algorithm", .names = enc_algs,
		       .max = NETPOLICY_ENC_MAX),
	[PA_COMPRESS] =
		SCALAR("COMPRESS", PA_T_BOOL, NETPOLICY_A_POLICY_COMPRESS,
		       compress),
	[PA_RESTRICT_TO_HOST] =
		SCALAR("RESTRICT_TO_HOST", PA_T_NAME, NETPOLICY_A_POLICY_HOST,
		       restrict_to_host, .what = "a host name"),
};


enum pol_attr pol_printed(int i)
{
	int sets, a;

	for (sets = 0; sets < 2; sets++)
		for (a = 0; a < PA_COUNT; a++)
			if ((pol_attrs[a].type == PA_T_SELECTORS) == sets && !i--)
				return a;
	return PA_COUNT;
}

static void *field(struct np_policy_def *p, size_t off)
{
	return (char *)p + off;
}

static const void *cfield(const struct np_policy_def *p, size_t off)
{
	return (const char *)p + off;
}

bool *pol_bool(struct np_policy_def *p, enum pol_attr a)
{
	return field(p, pol_attrs[a].off);
}

int *pol_enum(struct np_policy_def *p, enum pol_attr a)
{
	return field(p, pol_attrs[a].off);
}

char **pol_name(struct np_policy_def *p, enum pol_attr a)
{
	return field(p, pol_attrs[a].off);
}

struct np_sel **pol_sels(struct np_policy_def *p, enum pol_attr a,
			 size_t **n)
{
	*n = field(p, pol_attrs[a].n_off);
	return field(p, pol_attrs[a].off);
}

int pol_scalar(const struct np_policy_def *p, enum pol_attr a)
{
	if (pol_attrs[a].type == PA_T_BOOL)
		return *(const bool *)cfield(p, pol_attrs[a].off);
	return *(const int *)cfield(p, pol_attrs[a].off);
}

const struct np_sel *pol_sel_list(const struct np_policy_def *p,
				  enum pol_attr a, size_t *n)
{
	*n = *(const size_t *)cfield(p, pol_attrs[a].n_off);
	return *(struct np_sel *const *)cfield(p, pol_attrs[a].off);
}

static const char *enum_name(const char *const *names, int max, int v)
{
	return v >= 1 && v <= max ? names[v] : "?";
}

/* The value named @s, or 0. */
static int enum_parse(const char *const *names, int max, const char *s)
{
	int i;

	for (i = 1; i <= max; i++)
		if (!strcmp(names[i], s))
			return i;
	return 0;
}

int pol_enum_parse(enum pol_attr a, const char *s)
{
	return enum_parse(pol_attrs[a].names, pol_attrs[a].max, s);
}

const char *pol_value_text(const struct np_policy_def *p, enum pol_attr a)
{
	const struct pol_attr_desc *d = &pol_attrs[a];

	switch (d->type) {
	case PA_T_BOOL:
		return pol_scalar(p, a) ? "true" : "false";
	case PA_T_ENUM:
		return enum_name(d->names, d->max, pol_scalar(p, a));
	case PA_T_NAME:
		return *(char *const *)cfield(p, d->off);
	default:
		return NULL;
	}
}

bool pol_nic_allowed(const struct np_config *cfg,
		     const struct np_policy_def *pol, const char *ifname)
{
	const struct np_nic_def *nic = config_nic(cfg, ifname);
	const struct np_sel *sels;
	size_t i, j, n;

	sels = pol_sel_list(pol, PA_PHYSICAL_IFS_ALLOWED, &n);
	for (i = 0; i < n; i++) {
		const struct np_sel *s = &sels[i];

		if (s->type == NETPOLICY_SEL_NAME && !strcmp(s->value, ifname))
			return true;
		for (j = 0; s->type == NETPOLICY_SEL_TAG && nic &&
			    j < nic->n_tags; j++)
			if (!strcmp(nic->tags[j], s->value))
				return true;
	}
	return false;
}

bool pol_local_only(const struct np_policy_def *p)
{
	return pol_has(p, PA_RESTRICT_TO_HOST) ||
	       (pol_has(p, PA_ALLOW_CROSS_SERVER) && !p->allow_cross_server);
}

/* ALLOW_CROSS_SERVER = true, and nothing keeps it on one host. */
bool pol_crosses_hosts(const struct np_policy_def *p)
{
	return pol_has(p, PA_ALLOW_CROSS_SERVER) && p->allow_cross_server &&
	       !pol_has(p, PA_RESTRICT_TO_HOST);
}

bool net_carried_by(const struct np_net_def *n, const char *host)
{
	size_t i;

	if (!n->hosts)
		return true;
	for (i = 0; i < n->n_hosts; i++)
		if (!strcmp(n->hosts[i], host))
			return true;
	return false;
}

bool pol_requires_encryption(const struct np_policy_def *p)
{
	return pol_has(p, PA_REQUIRE_ENCRYPTION) && p->require_encryption;
}

static bool in_strs(const struct np_config *cfg, const char *s)
{
	uintptr_t p = (uintptr_t)s, base;

	if (!cfg || !cfg->strs)
		return false;
	base = (uintptr_t)cfg->strs;
	return p >= base && p - base < cfg->strs_size;
}

char *config_strndup(struct np_config *cfg, const char *s, size_t n)
{
	char *out;
	size_t i;

	if (cfg->strs && cfg->strs_size - cfg->strs_used > n) {
		out = cfg->strs + cfg->strs_used;
		cfg->strs_used += n + 1;
	} else {
		out = xrealloc(NULL, n + 1);
	}
	/* names are short: a loop, not a call to memcpy() */
	for (i = 0; i < n; i++)
		out[i] = s[i];
	out[n] = '\0';
	return out;
}

void config_str_free(const struct np_config *cfg, char *s)
{
	if (!in_strs(cfg, s))
		free(s);
}

static void free_strs(const struct np_config *cfg, char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		config_str_free(cfg, v[i]);
	free(v);
}

static void free_sels(const struct np_config *cfg, struct np_sel *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		config_str_free(cfg, s[i].value);
	free(s);
}

static void policy_free(const struct np_config *cfg, void *obj)
{
	struct np_policy_def *p = obj;

	config_str_free(cfg, p->restrict_to_host);
	free_sels(cfg, p->physical_ifs_allowed, p->n_physical_ifs_allowed);
	free_sels(cfg, p->isolate_from, p->n_isolate_from);
}

static void nic_free(const struct np_config *cfg, void *obj)
{
	struct np_nic_def *c = obj;

	free_strs(cfg, c->tags, c->n_tags);
}

static void host_free(const struct np_config *cfg, void *obj)
{
	config_str_free(cfg, ((struct np_host_def *)obj)->address);
}

static void net_free(const struct np_config *cfg, void *obj)
{
	struct np_net_def *n = obj;

	config_str_free(cfg, n->bridge);
	config_str_free(cfg, n->policy);
	free_strs(cfg, n->hosts, n->n_hosts);
}

static void vm_free(const struct np_config *cfg, void *obj)
{
	struct np_vm_def *m = obj;

	config_str_free(cfg, m->policy);
	free_strs(cfg, m->tags, m->n_tags);
}

static void vif_free(const struct np_config *cfg, void *obj)
{
	struct np_vif_def *v = obj;

	config_str_free(cfg, v->ifname);
	config_str_free(cfg, v->network);
	config_str_free(cfg, v->vm);
	config_str_free(cfg, v->policy);
}

#define KIND(kw, arr, n, type, fn, ...)					\
	{ .name = kw, .arr_off = offsetof(struct np_config, arr),	\
	  .n_off = offsetof(struct np_config, n), .size = sizeof(type),	\
	  .free = fn, __VA_ARGS__ }

const struct obj_kind_desc obj_kinds[OBJ_COUNT] = {
	[OBJ_POLICY] = KIND("policy", policies, n_policies,
			    struct np_policy_def, policy_free),
	[OBJ_NIC] = KIND("nic", nics, n_nics, struct np_nic_def, nic_free),
	[OBJ_HOST] = KIND("host", pool, n_pool, struct np_host_def, host_free),
	[OBJ_NET] = KIND("network", nets, n_nets, struct np_net_def, net_free),
	[OBJ_VM] = KIND("vm", vms, n_vms, struct np_vm_def, vm_free,
			.source_off = offsetof(struct np_vm_def, source)),
	[OBJ_VIF] = KIND("vif", vifs, n_vifs, struct np_vif_def, vif_free,
			 .source_off = offsetof(struct np_vif_def, source)),
};

static void **kind_arr(const struct np_config *cfg, enum obj_kind kind)
{
	return (void **)((char *)cfg + obj_kinds[kind].arr_off);
}

static size_t *kind_n(const struct np_config *cfg, enum obj_kind kind)
{
	return (size_t *)((char *)cfg + obj_kinds[kind].n_off);
}

struct named *config_push(struct np_config *cfg, enum obj_kind kind)
{
	return xpush(kind_arr(cfg, kind), kind_n(cfg, kind),
		     obj_kinds[kind].size);
}

size_t config_count(const struct np_config *cfg, enum obj_kind kind)
{
	return *kind_n(cfg, kind);
}

struct named *config_obj(const struct np_config *cfg, enum obj_kind kind,
			 size_t i)
{
	return (struct named *)((char *)*kind_arr(cfg, kind) +
				i * obj_kinds[kind].size);
}

struct named *config_take_last(struct np_config *cfg, enum obj_kind kind)
{
	size_t n = config_count(cfg, kind);
	struct named *o;

	/* its strings must be its own: not from a packed parse */
	assert(!cfg->strs);
	if (!n)
		return NULL;
	o = xcalloc(1, obj_kinds[kind].size);
	memcpy(o, config_obj(cfg, kind, n - 1), obj_kinds[kind].size);
	(*kind_n(cfg, kind))--;
	return o;
}

void config_view(struct np_config *cfg, enum obj_kind kind, struct named *obj)
{
	memset(cfg, 0, sizeof(*cfg));
	*kind_arr(cfg, kind) = obj;
	*kind_n(cfg, kind) = 1;
}

void obj_free(enum obj_kind kind, struct named *obj)
{
	if (!obj)
		return;
	free(obj->name);
	obj_kinds[kind].free(NULL, obj);
	free(obj);
}

void config_free(struct np_config *cfg)
{
	size_t i;
	int k;

	for (k = 0; k < OBJ_COUNT; k++) {
		for (i = 0; i < config_count(cfg, k); i++) {
			struct named *o = config_obj(cfg, k, i);

			config_str_free(cfg, o->name);
			obj_kinds[k].free(cfg, o);
		}
		free(*kind_arr(cfg, k));
	}
	free(cfg->host);
	free(cfg->strs);
	free(cfg->block_starts);
	memset(cfg, 0, sizeof(*cfg));
}

int obj_source(enum obj_kind kind, const struct named *o)
{
	if (!obj_kinds[kind].source_off)
		return NETPOLICY_SOURCE_CONFIG;
	return *(const int *)((const char *)o + obj_kinds[kind].source_off);
}

static bool from_toolstack(void *ctx, enum obj_kind kind,
			   const struct named *o)
{
	(void)ctx;
	return obj_source(kind, o) != NETPOLICY_SOURCE_CONFIG;
}

void config_drop_toolstack(struct np_config *cfg)
{
	config_drop_if(cfg, from_toolstack, NULL);
}

void config_drop_if(struct np_config *cfg,
		    bool (*drop)(void *ctx, enum obj_kind kind,
				 const struct named *o),
		    void *ctx)
{
	size_t i, n, size;
	int k;

	for (k = 0; k < OBJ_COUNT; k++) {
		size = obj_kinds[k].size;
		for (i = n = 0; i < config_count(cfg, k); i++) {
			struct named *o = config_obj(cfg, k, i);

			if (drop(ctx, k, o)) {
				config_str_free(cfg, o->name);
				obj_kinds[k].free(cfg, o);
			} else if (n++ != i) {
				memcpy(config_obj(cfg, k, n - 1), o, size);
			}
		}
		*kind_n(cfg, k) = n;
	}
}

static int cmp_named(const void *a, const void *b)
{
	return strcmp(((const struct named *)a)->name,
		      ((const struct named *)b)->name);
}

void config_sort(struct np_config *cfg)
{
	int k;

	for (k = 0; k < OBJ_COUNT; k++)
		if (config_count(cfg, k))
			qsort(*kind_arr(cfg, k), config_count(cfg, k),
			      obj_kinds[k].size, cmp_named);
}

static void *find_sorted(const struct np_config *cfg, enum obj_kind kind,
			 const char *name)
{
	struct named key = { .name = (char *)name };

	if (!config_count(cfg, kind) || !name)
		return NULL;
	return bsearch(&key, *kind_arr(cfg, kind), config_count(cfg, kind),
		       obj_kinds[kind].size, cmp_named);
}

struct named *config_find(const struct np_config *cfg, enum obj_kind kind,
			  const char *name)
{
	return find_sorted(cfg, kind, name);
}

size_t config_total(const struct np_config *cfg)
{
	size_t n = 0;
	int k;

	for (k = 0; k < OBJ_COUNT; k++)
		n += config_count(cfg, k);
	return n;
}

struct np_policy_def *config_policy(const struct np_config *cfg,
				    const char *name)
{
	return find_sorted(cfg, OBJ_POLICY, name);
}

struct np_net_def *config_net(const struct np_config *cfg, const char *name)
{
	return find_sorted(cfg, OBJ_NET, name);
}

struct np_vm_def *config_vm(const struct np_config *cfg, const char *name)
{
	return find_sorted(cfg, OBJ_VM, name);
}

struct np_vif_def *config_vif(const struct np_config *cfg, const char *name)
{
	return find_sorted(cfg, OBJ_VIF, name);
}

struct np_nic_def *config_nic(const struct np_config *cfg, const char *name)
{
	return find_sorted(cfg, OBJ_NIC, name);
}

struct np_host_def *config_host(const struct np_config *cfg,
				const char *name)
{
	return find_sorted(cfg, OBJ_HOST, name);
}

static size_t add_applied(struct np_applied *out, size_t n,
			  policy_lookup_fn lookup, const void *ctx,
			  const char *policy, const char *kind,
			  const char *owner)
{
	const struct np_policy_def *p = policy ? lookup(ctx, policy) : NULL;

	if (!p)
		return n;
	out[n].pol = p;
	out[n].kind = kind;
	out[n].owner = owner;
	return n + 1;
}

size_t np_applied_policies(const struct np_net_def *net,
			   const struct np_vm_def *vm,
			   const struct np_vif_def *vif,
			   policy_lookup_fn lookup, const void *ctx,
			   struct np_applied out[3])
{
	size_t n = 0;

	if (net)
		n = add_applied(out, n, lookup, ctx, net->policy, "network",
				net->name);
	if (vm)
		n = add_applied(out, n, lookup, ctx, vm->policy, "VM", vm->name);
	return add_applied(out, n, lookup, ctx, vif->policy, "VIF", vif->name);
}

void port_free(struct np_port_info *p)
{
	free(p->ifname);
	free(p->message);
	free(p->vif);
	free(p->network);
	free(p->bridge);
	free(p->vm);
	free(p->policy);
}

static const char *const tunnels[] = {
	[NETPOLICY_TUNNEL_VXLAN] = "vxlan",
	[NETPOLICY_TUNNEL_GRETAP] = "gretap",
	[NETPOLICY_TUNNEL_GENEVE] = "geneve",
};

const char *tunnel_name(int tunnel)
{
	return enum_name(tunnels, NETPOLICY_TUNNEL_MAX, tunnel);
}

int tunnel_parse(const char *s)
{
	return enum_parse(tunnels, NETPOLICY_TUNNEL_MAX, s);
}

const char *enc_alg_name(int alg)
{
	return enum_name(enc_algs, NETPOLICY_ENC_MAX, alg);
}

/* @v's name in @names[1..max], or "unknown". */
static const char *name_or_unknown(const char *const *names, int max, int v)
{
	return v >= 1 && v <= max && names[v] ? names[v] : "unknown";
}

const char *state_name(int state)
{
	static const char *const names[] = {
		[NETPOLICY_PORT_UNBOUND] = "unbound",
		[NETPOLICY_PORT_PENDING] = "pending",
		[NETPOLICY_PORT_ATTACHED] = "attached",
		[NETPOLICY_PORT_REFUSED] = "refused",
		[NETPOLICY_PORT_STUCK] = "stuck",
	};

	return name_or_unknown(names, NETPOLICY_PORT_MAX, state);
}

const char *kind_name(int kind)
{
	static const char *const names[] = {
		[NETPOLICY_KIND_TAP] = "tap",
		[NETPOLICY_KIND_XEN_VIF] = "xen-vif",
	};

	return name_or_unknown(names, NETPOLICY_KIND_MAX, kind);
}

const char *event_name(int ev)
{
	static const char *const names[] = {
		[NETPOLICY_EV_ATTACHED] = "attached",
		[NETPOLICY_EV_DETACHED] = "detached",
		[NETPOLICY_EV_PENDING] = "pending",
		[NETPOLICY_EV_REFUSED] = "refused",
		[NETPOLICY_EV_UNBOUND] = "unbound",
		[NETPOLICY_EV_REMOVED] = "removed",
		[NETPOLICY_EV_STUCK] = "stuck",
	};

	return name_or_unknown(names, NETPOLICY_EV_MAX, ev);
}

/* A toolstack's name; NULL for the configuration (the default). */
const char *source_name(int source)
{
	switch (source) {
	case NETPOLICY_SOURCE_XENSTORE:
		return "xenstore";
	case NETPOLICY_SOURCE_LIBVIRT:
		return "libvirt";
	default:
		return NULL;
	}
}

static bool asks_isolation(const struct np_policy_def *p)
{
	return pol_has(p, PA_ISOLATE_FROM);
}

static bool asks_host(const struct np_policy_def *p)
{
	return pol_has(p, PA_RESTRICT_TO_HOST);
}

static bool asks_physical_ifs(const struct np_policy_def *p)
{
	return pol_has(p, PA_PHYSICAL_IFS_ALLOWED);
}

/* The words of every reason; the kernel's own are in kernel/decide.c. */
static const struct reason_desc reasons[] = {
	[NETPOLICY_R_NONE] = { .name = "none" },
	[NETPOLICY_R_NO_VIF_OBJECT] = { .name = "no-vif-object" },
	[NETPOLICY_R_NO_BRIDGE] = { .name = "no-bridge" },
	[NETPOLICY_R_NOT_A_BRIDGE] = { .name = "not-a-bridge" },
	[NETPOLICY_R_ATTACH_FAILED] = { .name = "attach-failed" },
	[NETPOLICY_R_MOVED] = { .name = "moved" },
	[NETPOLICY_R_TAP_DOWN] = { .name = "tap-down" },
	[NETPOLICY_R_ISOLATED] = { .name = "isolated",
		.check = "ISOLATE_FROM does not match this VM",
		.asks = asks_isolation },
	[NETPOLICY_R_WRONG_HOST] = { .name = "wrong-host",
		.check = "RESTRICT_TO_HOST names this host",
		.asks = asks_host },
	[NETPOLICY_R_CROSS_SERVER] = { .name = "cross-server",
		.check = "local only: the bridge has no uplink",
		.asks = pol_local_only },
	[NETPOLICY_R_PHYSICAL_IF] = { .name = "physical-if",
		.check = "PHYSICAL_IFS_ALLOWED allows every uplink's NIC",
		.asks = asks_physical_ifs },
	[NETPOLICY_R_NOT_ENCRYPTED] = { .name = "not-encrypted",
		.check = "REQUIRE_ENCRYPTION: every uplink is encrypted",
		.asks = pol_requires_encryption },
	[NETPOLICY_R_ISOLATED_PEER] = { .name = "isolated-peer",
		.check = "ISOLATE_FROM: no isolated VM on the bridge, either way",
		.asks = asks_isolation },
	[NETPOLICY_R_NOT_REALIZED] = { .name = "not-realized",
		.check = "realized: the network's tunnel is on the bridge" },
};

_Static_assert(sizeof(reasons) / sizeof(reasons[0]) == __NETPOLICY_R_MAX,
	       "one row per enum netpolicy_reason");

const struct reason_desc *reason_desc(int reason)
{
	if (reason < 0 || reason > NETPOLICY_R_MAX)
		return NULL;
	return &reasons[reason];
}

const char *reason_name(int reason)
{
	const struct reason_desc *r = reason_desc(reason);

	return r ? r->name : "unknown";
}
