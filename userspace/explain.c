// SPDX-License-Identifier: GPL-2.0
/*
 * npmgr explain: the decision path of an interface, from the kernel's
 * state: VIF object -> network -> VM -> policies -> each constraint in the
 * kernel's order (see "What the kernel checks" in
 * Documentation/netpolicy.rst) -> result. The kernel reports which
 * constraint refused a port; the ones before it passed, the ones after it
 * were not reached.
 */

#include <string.h>

#include "npmgr.h"

struct source {
	const struct np_policy_def *pol;
	const char *kind;
	const char *owner;
};

static size_t add_source(struct source *src, size_t n,
			 const struct np_config *cfg, const char *policy,
			 const char *kind, const char *owner)
{
	const struct np_policy_def *pol = policy ? config_policy(cfg, policy) : NULL;

	if (!pol)
		return n;
	src[n].pol = pol;
	src[n].kind = kind;
	src[n].owner = owner;
	return n + 1;
}

/* The policies that govern @v, in the kernel's order: network, VM, VIF. */
static size_t sources(const struct np_config *cfg, const struct np_vif_def *v,
		      struct source src[3])
{
	const struct np_net_def *net = config_net(cfg, v->network);
	const struct np_vm_def *vm = v->vm ? config_vm(cfg, v->vm) : NULL;
	size_t n = 0;

	if (net)
		n = add_source(src, n, cfg, net->policy, "network", net->name);
	if (vm)
		n = add_source(src, n, cfg, vm->policy, "VM", vm->name);
	return add_source(src, n, cfg, v->policy, "VIF", v->name);
}

static bool writes(const struct np_policy_def *p, int check)
{
	switch (check) {
	case NETPOLICY_R_ISOLATED:
	case NETPOLICY_R_ISOLATED_PEER:
		return p->has_iso;
	case NETPOLICY_R_WRONG_HOST:
		return p->host;
	case NETPOLICY_R_CROSS_SERVER:
		return p->host || (p->has_cross && !p->cross);
	case NETPOLICY_R_PHYSICAL_IF:
		return p->has_phys;
	case NETPOLICY_R_NOT_REALIZED:
		return false;
	default:
		return p->has_enc && p->enc;
	}
}

static const char *const check_text[] = {
	[NETPOLICY_R_ISOLATED] = "ISOLATE_FROM does not match this VM",
	[NETPOLICY_R_WRONG_HOST] = "RESTRICT_TO_HOST names this host",
	[NETPOLICY_R_CROSS_SERVER] = "local only: the bridge has no uplink",
	[NETPOLICY_R_PHYSICAL_IF] = "PHYSICAL_IFS_ALLOWED allows every uplink's NIC",
	[NETPOLICY_R_NOT_ENCRYPTED] = "REQUIRE_ENCRYPTION: every uplink is encrypted",
	[NETPOLICY_R_ISOLATED_PEER] = "ISOLATE_FROM: no isolated VM on the bridge, either way",
	[NETPOLICY_R_NOT_REALIZED] = "realized: the network's tunnel is on the bridge",
};

static bool any_isolate(const struct np_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->n_policies; i++)
		if (cfg->policies[i].has_iso)
			return true;
	return false;
}

static void explain_vif(FILE *f, const struct np_config *cfg,
			const struct np_vif_def *v,
			const struct np_port_info *p)
{
	const struct np_net_def *net = config_net(cfg, v->network);
	const struct np_vm_def *vm = v->vm ? config_vm(cfg, v->vm) : NULL;
	bool by_policy = p && p->state == NETPOLICY_PORT_REFUSED &&
			 p->reason >= NETPOLICY_R_ISOLATED &&
			 p->reason <= NETPOLICY_R_NOT_REALIZED;
	struct source src[3];
	size_t n = sources(cfg, v, src), i, j;
	char mac[18];
	int c;

	if (v->has_mac)
		format_mac(v->mac, mac);
	fprintf(f, "  vif object  %s (matched by %s%s%s)\n", v->name,
		v->has_mac ? "MAC " : v->ifname && strpbrk(v->ifname, "*?") ?
		"glob " : "name ", v->has_mac ? mac : v->ifname,
		v->has_mac && v->ifname ? " and name" : "");
	fprintf(f, "  network     %s, bridge %s\n", v->network,
		net && net->bridge ? net->bridge : "?");
	if (vm) {
		fprintf(f, "  vm          %s", vm->name);
		for (j = 0; j < vm->n_tags; j++)
			fprintf(f, "%s%s", j ? ", " : " (tags ", vm->tags[j]);
		fputs(vm->n_tags ? ")\n" : "\n", f);
	} else {
		fputs("  vm          -\n", f);
	}
	fputs("  policies   ", f);
	for (i = 0; i < n; i++)
		fprintf(f, "%s %s (%s %s)", i ? "," : "", src[i].pol->name,
			src[i].kind, src[i].owner);
	fputs(n ? "\n" : " none\n", f);
	fputs("  checks\n", f);
	for (c = NETPOLICY_R_ISOLATED; c <= NETPOLICY_R_NOT_REALIZED; c++) {
		bool applies = (c == NETPOLICY_R_ISOLATED_PEER && any_isolate(cfg)) ||
			       (c == NETPOLICY_R_NOT_REALIZED && net &&
				net->rz_tunnel);
		const char *result;

		for (i = 0; i < n; i++)
			applies |= writes(src[i].pol, c);
		if (!applies)
			result = "not set";
		else if (!p)
			result = "not checked (no interface)";
		else if (!by_policy)
			result = "passed";
		else if (c < p->reason)
			result = "passed";
		else if (c == p->reason)
			result = "FAILED";
		else
			result = "not reached";
		fprintf(f, "    %d. %-54s  %s\n", c - NETPOLICY_R_ISOLATED + 1,
			check_text[c], result);
	}
	if (!p) {
		fputs("  result      no such interface exists now\n", f);
		return;
	}
	fprintf(f, "  result      %s (%s)%s%s\n", state_name(p->state),
		reason_name(p->reason), p->message && *p->message ? ": " : "",
		p->message ? p->message : "");
}

/**
 * explain - print the decision path for @what
 * @what: an interface name, a VM name or a VIF object name
 *
 * Return: 0, or 1 when nothing is known by that name.
 */
int explain(FILE *f, const struct np_config *cfg,
	    const struct np_port_info *ports, size_t n_ports, const char *what)
{
	const struct np_vif_def *v;
	bool found = false;
	size_t i;

	for (i = 0; i < n_ports; i++) {
		const struct np_port_info *p = &ports[i];

		if (strcmp(p->ifname, what) && (!p->vm || strcmp(p->vm, what)) &&
		    (!p->vif || strcmp(p->vif, what)))
			continue;
		found = true;
		fprintf(f, "interface %s (%s, ifindex %u)\n", p->ifname,
			kind_name(p->kind), p->ifindex);
		v = p->vif ? config_vif(cfg, p->vif) : NULL;
		if (v)
			explain_vif(f, cfg, v, p);
		else
			fprintf(f, "  vif object  none matches: netpolicy leaves it alone\n  result      %s\n",
				state_name(p->state));
	}
	if (found)
		return 0;
	/* objects without a live interface */
	for (i = 0; i < cfg->n_vifs; i++) {
		v = &cfg->vifs[i];
		if (strcmp(v->name, what) && (!v->vm || strcmp(v->vm, what)))
			continue;
		found = true;
		fprintf(f, "vif object %s (no interface)\n", v->name);
		explain_vif(f, cfg, v, NULL);
	}
	if (!found)
		fprintf(stderr, "npmgr: explain: no interface, VM or VIF object named '%s'\n",
			what);
	return found ? 0 : 1;
}
