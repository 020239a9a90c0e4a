// SPDX-License-Identifier: GPL-2.0
/*
 * The attach decision.
 *
 * A pure function of the compiled table, the VIF object that binds a
 * device, and the facts about the target bridge that port.c gathers
 * under RTNL (its uplinks and the VM interfaces on it). It takes no lock
 * and touches no device, so KUnit checks it against a naive model.
 *
 * The constraints are checked in the order of enum netpolicy_reason; the
 * policies of a VIF in the order network, VM, VIF; and within one policy,
 * uplinks and peers in the order given. The first failure is the verdict.
 *
 * The words of every verdict live here too: the refusal messages, and
 * np_reason_text() for the reasons that are not a policy's.
 */

#include <linux/kernel.h>
#include <linux/string.h>

#include "decide.h"

static const char * const np_reasons[] = {
	[NETPOLICY_R_NONE] = "",
	[NETPOLICY_R_NO_VIF_OBJECT] = "no VIF object matches the interface",
	[NETPOLICY_R_NO_BRIDGE] = "bridge does not exist:",
	[NETPOLICY_R_NOT_A_BRIDGE] = "device is not a bridge:",
	[NETPOLICY_R_ATTACH_FAILED] = "bridge refused the port:",
	[NETPOLICY_R_MOVED] = "moved off its bridge by another agent:",
	[NETPOLICY_R_ISOLATED] = "isolated from this VM by policy:",
	[NETPOLICY_R_WRONG_HOST] = "network restricted to another host:",
	[NETPOLICY_R_CROSS_SERVER] = "local-only network has an uplink:",
	[NETPOLICY_R_PHYSICAL_IF] = "uplink over a physical interface not allowed:",
	[NETPOLICY_R_NOT_ENCRYPTED] = "uplink not encrypted:",
	[NETPOLICY_R_ISOLATED_PEER] = "bridge carries an isolated VM:",
	[NETPOLICY_R_NOT_REALIZED] = "network's tunnel is missing:",
	[NETPOLICY_R_TAP_DOWN] = "waiting for the tap to come up:",
};

static_assert(ARRAY_SIZE(np_reasons) == __NETPOLICY_R_MAX);

/**
 * np_reason_text - a reason in words, as ports report it
 * @reason: enum netpolicy_reason
 *
 * A policy refusal is reported by its own message (np_verdict.msg); this
 * is the prefix for the others, which the caller completes with the
 * bridge's name.
 */
const char *np_reason_text(u8 reason)
{
	if (reason >= ARRAY_SIZE(np_reasons))
		return "?";
	return np_reasons[reason];
}

struct np_applied {
	const struct np_policy *pol;
	const char *kind;			/* whose policy it is: */
	const char *owner;			/* "network", "web" */
};

/* The policies of @t that govern @vif, in the documented order. */
static unsigned int np_applicable(const struct np_table *t,
				  const struct np_vif *vif,
				  struct np_applied ap[3])
{
	const struct np_policy *pol;
	unsigned int n = 0;

	pol = np_table_policy(t, vif->network->policy_slot);
	if (pol)
		ap[n++] = (struct np_applied){ pol, "network",
					       vif->network->name };
	pol = vif->vm ? np_table_policy(t, vif->vm->policy_slot) : NULL;
	if (pol)
		ap[n++] = (struct np_applied){ pol, "VM", vif->vm->name };
	pol = np_table_policy(t, vif->policy_slot);
	if (pol)
		ap[n++] = (struct np_applied){ pol, "VIF", vif->name };
	return n;
}

static bool np_sel_match_nic(const struct np_table *t,
			     const struct np_selector *sel, const char *ifname)
{
	const struct np_nic *nic;

	if (sel->type == NETPOLICY_SEL_NAME)
		return !strcmp(sel->value, ifname);
	nic = np_table_find(t, NP_NIC, ifname);
	return nic && np_tags_have(nic->tags, nic->n_tags, sel->value);
}

static const char *sel_kind(const struct np_selector *sel)
{
	return sel->type == NETPOLICY_SEL_NAME ? "NAME" : "TAG";
}

/**
 * np_decide_needs - which facts np_decide() needs for @vif
 * @t: the table
 * @vif: the VIF object
 *
 * Return: NP_NEED_LINKS and/or NP_NEED_PEERS; 0 means the decision needs
 * no walk over the bridge's ports.
 */
unsigned int np_decide_needs(const struct np_table *t,
			     const struct np_vif *vif)
{
	struct np_applied ap[3];
	unsigned int i, n, needs = 0;

	n = np_applicable(t, vif, ap);
	for (i = 0; i < n; i++)
		if (np_policy_needs_links(ap[i].pol))
			needs |= NP_NEED_LINKS;
	if (vif->network->tunnel)
		needs |= NP_NEED_LINKS;
	/* another port's policy may isolate from this one's VM */
	if (t->any_isolate)
		needs |= NP_NEED_PEERS;
	return needs;
}

static __printf(4, 5) u8 refuse(struct np_verdict *v, u8 reason,
				const struct np_applied *a, const char *fmt, ...)
{
	va_list args;
	int len;

	v->reason = reason;
	v->policy = a->pol;
	len = scnprintf(v->msg, sizeof(v->msg),
			"network configuration cannot be satisfied: policy '%s' (%s %s): ",
			a->pol->name, a->kind, a->owner);
	va_start(args, fmt);
	vscnprintf(v->msg + len, sizeof(v->msg) - len, fmt, args);
	va_end(args);
	return reason;
}

static const char *np_tunnel_name(u8 tunnel)
{
	switch (tunnel) {
	case NETPOLICY_TUNNEL_VXLAN:
		return "vxlan";
	case NETPOLICY_TUNNEL_GRETAP:
		return "gretap";
	default:
		return "geneve";
	}
}

static const char *np_enc_alg_name(u8 alg)
{
	switch (alg) {
	case NETPOLICY_ENC_GCM_AES_128:
		return "gcm-aes-128";
	case NETPOLICY_ENC_GCM_AES_256:
		return "gcm-aes-256";
	default:
		return "another cipher suite";
	}
}

/*
 * The network's realization claims a tunnel: one of the bridge's uplinks
 * must be (or sit on) a tunnel of that kind and identifier.
 */
static u8 np_check_realized(const struct np_network *net,
			    const struct np_facts *f, struct np_verdict *v)
{
	unsigned int k;

	for (k = 0; k < f->n_links; k++)
		if (f->links[k].tunnel == net->tunnel &&
		    f->links[k].tunnel_id == net->tunnel_id)
			return NETPOLICY_R_NONE;
	v->reason = NETPOLICY_R_NOT_REALIZED;
	v->policy = NULL;
	scnprintf(v->msg, sizeof(v->msg),
		  "network configuration cannot be satisfied: network '%s' is realized as %s %u, but bridge %s has no such tunnel port",
		  net->name, np_tunnel_name(net->tunnel), net->tunnel_id,
		  f->bridge);
	return v->reason;
}

/* A policy of a peer on the bridge that isolates from @vm, if any. */
static bool np_peer_isolates(const struct np_table *t,
			     const struct np_vif *peer, const struct np_vm *vm,
			     struct np_applied *out, const struct np_selector **sel)
{
	struct np_applied ap[3];
	unsigned int i, j, n;

	n = np_applicable(t, peer, ap);
	for (i = 0; i < n; i++) {
		const struct np_policy *q = ap[i].pol;

		for (j = 0; j < q->n_isolate; j++) {
			if (np_sel_match_vm(&q->sels[q->n_phys + j], vm)) {
				*out = ap[i];
				*sel = &q->sels[q->n_phys + j];
				return true;
			}
		}
	}
	return false;
}

/**
 * np_decide - may the device bound by @vif attach to its network's bridge
 * @t: the table @vif belongs to
 * @vif: the VIF object
 * @f: the bridge's uplinks and peers (what np_decide_needs() asked for)
 * @v: the verdict: NETPOLICY_R_NONE, or the reason, policy and message
 *
 * Return: @v->reason.
 */
u8 np_decide(const struct np_table *t, const struct np_vif *vif,
	     const struct np_facts *f, struct np_verdict *v)
{
	const struct np_vm *vm = vif->vm;
	const struct np_selector *sel;
	struct np_applied ap[3], pa;
	unsigned int i, j, k, n;

	v->reason = NETPOLICY_R_NONE;
	v->policy = NULL;
	v->msg[0] = '\0';
	n = np_applicable(t, vif, ap);

	/* 1. the interface's own VM is isolated from */
	for (i = 0; i < n; i++) {
		const struct np_policy *p = ap[i].pol;

		for (j = 0; j < p->n_isolate; j++) {
			sel = &p->sels[p->n_phys + j];
			if (np_sel_match_vm(sel, vm))
				return refuse(v, NETPOLICY_R_ISOLATED, &ap[i],
					      "ISOLATE_FROM %s(%s) matches VM '%s'",
					      sel_kind(sel), sel->value, vm->name);
		}
	}

	/* 2. the network lives on another host */
	for (i = 0; i < n; i++) {
		const struct np_policy *p = ap[i].pol;

		if (!(p->present & NP_POL_HOST) || !strcmp(p->host, t->host))
			continue;
		if (!t->host[0])
			return refuse(v, NETPOLICY_R_WRONG_HOST, &ap[i],
				      "RESTRICT_TO_HOST %s, but this host's name was never loaded",
				      p->host);
		return refuse(v, NETPOLICY_R_WRONG_HOST, &ap[i],
			      "RESTRICT_TO_HOST %s, but this host is %s",
			      p->host, t->host);
	}

	/* 3. a local-only network with an uplink */
	for (i = 0; i < n && f->n_links; i++) {
		const struct np_policy *p = ap[i].pol;

		if (!np_policy_local_only(p))
			continue;
		if (p->present & NP_POL_HOST)
			return refuse(v, NETPOLICY_R_CROSS_SERVER, &ap[i],
				      "RESTRICT_TO_HOST %s (local only), but bridge %s has uplink %s",
				      p->host, f->bridge, f->links[0].name);
		return refuse(v, NETPOLICY_R_CROSS_SERVER, &ap[i],
			      "ALLOW_CROSS_SERVER = false, but bridge %s has uplink %s",
			      f->bridge, f->links[0].name);
	}

	/* 4. an uplink over a physical interface the policy does not allow */
	for (i = 0; i < n; i++) {
		const struct np_policy *p = ap[i].pol;

		if (!(p->present & NP_POL_PHYS))
			continue;
		for (k = 0; k < f->n_links; k++) {
			const struct np_uplink *l = &f->links[k];

			if (!l->underlay)
				return refuse(v, NETPOLICY_R_PHYSICAL_IF, &ap[i],
					      "PHYSICAL_IFS_ALLOWED, but uplink %s of bridge %s has no fixed underlay device",
					      l->name, f->bridge);
			for (j = 0; j < p->n_phys; j++)
				if (np_sel_match_nic(t, &p->sels[j], l->underlay))
					break;
			if (j == p->n_phys)
				return refuse(v, NETPOLICY_R_PHYSICAL_IF, &ap[i],
					      "PHYSICAL_IFS_ALLOWED does not allow %s (the underlay of uplink %s of bridge %s)",
					      l->underlay, l->name, f->bridge);
		}
	}

	/* 5. an unencrypted uplink */
	for (i = 0; i < n; i++) {
		const struct np_policy *p = ap[i].pol;

		if (!(p->present & NP_POL_ENCRYPTION) || !p->require_encryption)
			continue;
		for (k = 0; k < f->n_links; k++) {
			const struct np_uplink *l = &f->links[k];

			if (!l->encrypted)
				return refuse(v, NETPOLICY_R_NOT_ENCRYPTED, &ap[i],
					      "REQUIRE_ENCRYPTION = true, but uplink %s of bridge %s is not encrypted",
					      l->name, f->bridge);
			if (!l->replay_protected)
				return refuse(v, NETPOLICY_R_NOT_ENCRYPTED, &ap[i],
					      "REQUIRE_ENCRYPTION = true, but uplink %s of bridge %s accepts replayed frames (MACsec replay protection off, or a window above 0)",
					      l->name, f->bridge);
			if ((p->present & NP_POL_ENC_ALG) &&
			    l->enc_alg != p->enc_alg)
				return refuse(v, NETPOLICY_R_NOT_ENCRYPTED, &ap[i],
					      "ENCRYPTION_ALGORITHM = %s, but uplink %s of bridge %s uses %s",
					      np_enc_alg_name(p->enc_alg),
					      l->name, f->bridge,
					      np_enc_alg_name(l->enc_alg));
		}
	}

	/* 6. the bridge carries a VM isolated from this one, or vice versa */
	for (i = 0; i < n; i++) {
		const struct np_policy *p = ap[i].pol;

		for (j = 0; j < p->n_isolate; j++) {
			sel = &p->sels[p->n_phys + j];
			for (k = 0; k < f->n_peers; k++)
				if (np_sel_match_vm(sel, f->peers[k]->vm))
					return refuse(v, NETPOLICY_R_ISOLATED_PEER,
						      &ap[i],
						      "ISOLATE_FROM %s(%s) matches VM '%s' of interface %s on bridge %s",
						      sel_kind(sel), sel->value,
						      f->peers[k]->vm->name,
						      f->peer_ifnames[k], f->bridge);
		}
	}
	for (k = 0; k < f->n_peers && vm; k++) {
		if (np_peer_isolates(t, f->peers[k], vm, &pa, &sel))
			return refuse(v, NETPOLICY_R_ISOLATED_PEER, &pa,
				      "ISOLATE_FROM %s(%s) of interface %s on bridge %s matches this VM '%s'",
				      sel_kind(sel), sel->value,
				      f->peer_ifnames[k], f->bridge, vm->name);
	}

	/* 7. the tunnel the network was realized with is there */
	if (vif->network->tunnel)
		return np_check_realized(vif->network, f, v);
	return NETPOLICY_R_NONE;
}
