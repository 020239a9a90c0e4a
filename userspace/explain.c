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

#include "print.h"

static const struct np_policy_def *lookup_policy(const void *cfg,
						 const char *name)
{
	return config_policy(cfg, name);
}

static bool any_isolate(const struct np_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->n_policies; i++)
		if (pol_has(&cfg->policies[i], PA_ISOLATE_FROM))
			return true;
	return false;
}

static void explain_vif(FILE *f, const struct np_config *cfg,
			const struct np_vif_def *v,
			const struct np_port_info *p)
{
	const struct np_net_def *net = config_net(cfg, v->network);
	const struct np_vm_def *vm = v->vm ? config_vm(cfg, v->vm) : NULL;
	bool by_policy = p && (p->state == NETPOLICY_PORT_REFUSED ||
			       p->state == NETPOLICY_PORT_STUCK) &&
			 p->reason >= NETPOLICY_R_ISOLATED &&
			 p->reason <= NETPOLICY_R_NOT_REALIZED;
	struct np_applied src[3];
	size_t n = np_applied_policies(net, vm, v, lookup_policy, cfg, src);
	size_t i, j;
	char mac[18];
	int c;

	if (v->has_mac)
		format_mac(v->mac, mac);
	fprintf(f, "  vif object  %s (matched by %s%s%s)\n", v->name,
		v->has_mac ? "MAC " : v->ifname && has_wildcard(v->ifname) ?
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
		const struct reason_desc *r = reason_desc(c);
		bool applies = (c == NETPOLICY_R_ISOLATED_PEER && any_isolate(cfg)) ||
			       (c == NETPOLICY_R_NOT_REALIZED && net &&
				net->realized_tunnel);
		const char *result;

		for (i = 0; i < n && r->asks; i++)
			applies |= r->asks(src[i].pol);
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
			r->check, result);
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
