// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the attach decision.
 *
 * Each case is a small model (plain arrays: policies, VMs with tags, NICs,
 * the bridge's uplinks and peers). The model is compiled into a real table
 * with np_table_build(), decided by np_decide(), and compared with a
 * deliberately naive reference that evaluates the model itself: it lists
 * every violated constraint with its position in the documented order and
 * takes the smallest. Any disagreement prints the model.
 */

#include <kunit/test.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "decide.h"

#define M_POLS	4
#define M_VMS	4
#define M_PEERS	3
#define M_LINKS	2
#define M_SELS	3

struct m_sel {
	u8 type;
	const char *value;
};

struct m_pol {
	u8 present;
	bool cross, enc;
	u8 alg;					/* ENCRYPTION_ALGORITHM, or 0 */
	const char *host;
	int n_phys, n_iso;
	struct m_sel phys[M_SELS], iso[M_SELS];
};

struct m_vm {
	int n_tags;
	const char *tags[2];
	int pol;				/* -1: none */
};

struct m_vif {
	int vm;					/* -1: none */
	int pol;
};

struct model {
	struct m_pol pols[M_POLS];
	struct m_vm vms[M_VMS];
	int net_pol;
	struct m_vif self;
	struct m_vif peers[M_PEERS];
	int n_peers;
	struct np_uplink links[M_LINKS];
	int n_links;
	const char *host;
	u8 tunnel;				/* the network's realization */
	u32 tunnel_id;
};

static const char * const vm_names[M_VMS] = { "vm0", "vm1", "vm2", "vm3" };
static const char * const pol_names[M_POLS] = { "p0", "p1", "p2", "p3" };
static const char * const peer_names[M_PEERS] = { "q0", "q1", "q2" };

/* ---- the reference ---- */

static bool m_vm_matches(const struct model *m, int vm, const struct m_sel *s)
{
	int i;

	if (vm < 0)
		return false;
	if (s->type == NETPOLICY_SEL_NAME)
		return !strcmp(s->value, vm_names[vm]);
	for (i = 0; i < m->vms[vm].n_tags; i++)
		if (!strcmp(m->vms[vm].tags[i], s->value))
			return true;
	return false;
}

/* NICs of the model: eth0 tagged a, eth1 tagged b, eth2 untagged. */
static bool m_nic_matches(const char *nic, const struct m_sel *s)
{
	if (s->type == NETPOLICY_SEL_NAME)
		return !strcmp(s->value, nic);
	return (!strcmp(nic, "eth0") && !strcmp(s->value, "a")) ||
	       (!strcmp(nic, "eth1") && !strcmp(s->value, "b"));
}

/* Policies of a VIF, in the order network, VM, VIF (-1 where none). */
static void m_applied(const struct model *m, const struct m_vif *v, int out[3])
{
	out[0] = m->net_pol;
	out[1] = v->vm >= 0 ? m->vms[v->vm].pol : -1;
	out[2] = v->pol;
}

struct m_verdict {
	u8 reason;
	int pol;
};

static void consider(struct m_verdict *best, int *best_key, u8 reason,
		     int key, int pol)
{
	int k = reason * 100 + key;

	if (!best->reason || k < *best_key) {
		best->reason = reason;
		best->pol = pol;
		*best_key = k;
	}
}

static struct m_verdict reference(const struct model *m)
{
	struct m_verdict best = { 0, -1 };
	int key = 0, ap[3], i, j, k, l;

	m_applied(m, &m->self, ap);
	for (i = 0; i < 3; i++) {
		const struct m_pol *p;
		bool local;

		if (ap[i] < 0)
			continue;
		p = &m->pols[ap[i]];
		for (j = 0; j < p->n_iso; j++) {
			if (m_vm_matches(m, m->self.vm, &p->iso[j]))
				consider(&best, &key, NETPOLICY_R_ISOLATED, i, ap[i]);
			for (k = 0; k < m->n_peers; k++)
				if (m_vm_matches(m, m->peers[k].vm, &p->iso[j]))
					consider(&best, &key,
						 NETPOLICY_R_ISOLATED_PEER, i, ap[i]);
		}
		if (p->host && strcmp(p->host, m->host))
			consider(&best, &key, NETPOLICY_R_WRONG_HOST, i, ap[i]);
		local = p->host || ((p->present & NP_POL_CROSS_SERVER) && !p->cross);
		if (local && m->n_links)
			consider(&best, &key, NETPOLICY_R_CROSS_SERVER, i, ap[i]);
		for (l = 0; l < m->n_links; l++) {
			const struct np_uplink *u = &m->links[l];
			bool ok = false;

			if (p->present & NP_POL_PHYS) {
				for (j = 0; u->underlay && j < p->n_phys; j++)
					ok |= m_nic_matches(u->underlay, &p->phys[j]);
				if (!ok)
					consider(&best, &key,
						 NETPOLICY_R_PHYSICAL_IF, i, ap[i]);
			}
			if ((p->present & NP_POL_ENCRYPTION) && p->enc &&
			    (!u->encrypted || !u->replay_protected ||
			     (p->alg && u->enc_alg != p->alg)))
				consider(&best, &key, NETPOLICY_R_NOT_ENCRYPTED,
					 i, ap[i]);
		}
	}
	/* the realized tunnel must be among the uplinks */
	if (m->tunnel) {
		bool found = false;

		for (l = 0; l < m->n_links; l++)
			found |= m->links[l].tunnel == m->tunnel &&
				 m->links[l].tunnel_id == m->tunnel_id;
		if (!found)
			consider(&best, &key, NETPOLICY_R_NOT_REALIZED, 0, -1);
	}
	/* peers whose own policies isolate from this VM */
	for (k = 0; k < m->n_peers; k++) {
		int pap[3];

		m_applied(m, &m->peers[k], pap);
		for (i = 0; i < 3; i++) {
			if (pap[i] < 0)
				continue;
			for (j = 0; j < m->pols[pap[i]].n_iso; j++)
				if (m_vm_matches(m, m->self.vm,
						 &m->pols[pap[i]].iso[j]))
					consider(&best, &key,
						 NETPOLICY_R_ISOLATED_PEER,
						 3 + k * 3 + i, pap[i]);
		}
	}
	return best;
}

/* ---- compiling the model into a real table ---- */

static char *pack_tags(struct kunit *test, const char * const *tags, int n)
{
	size_t size = 0, off = 0;
	char *p;
	int i;

	for (i = 0; i < n; i++)
		size += strlen(tags[i]) + 1;
	if (!n)
		return NULL;
	p = kmalloc(size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	for (i = 0; i < n; i++) {
		strcpy(p + off, tags[i]);
		off += strlen(tags[i]) + 1;
	}
	return p;
}

static void add(struct kunit *test, struct np_txn *txn, enum np_kind k,
		void *obj)
{
	KUNIT_ASSERT_NOT_NULL(test, obj);
	KUNIT_ASSERT_EQ(test, np_txn_add(txn, k, obj), 0);
}

static struct np_vif *m_vif(struct kunit *test, const struct m_vif *v,
			    const char *name)
{
	struct np_vif *vif = np_vif_alloc(name);

	KUNIT_ASSERT_NOT_NULL(test, vif);
	strscpy(vif->ifname, name, sizeof(vif->ifname));
	vif->prefix_len = strlen(name);
	vif->network_ref = "n";
	vif->vm_ref = v->vm >= 0 ? vm_names[v->vm] : NULL;
	vif->policy_ref = v->pol >= 0 ? pol_names[v->pol] : NULL;
	return vif;
}

static struct np_table *m_compile(struct kunit *test, const struct model *m)
{
	static const char * const tag_a[] = { "a" }, * const tag_b[] = { "b" };
	struct np_txn txn = {};
	struct np_network *net;
	struct np_table *t;
	struct np_nic *nic;
	int i, j;

	for (i = 0; i < M_POLS; i++) {
		const struct m_pol *mp = &m->pols[i];
		struct np_policy *p = kzalloc(sizeof(*p), GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, p);
		strscpy(p->name, pol_names[i], sizeof(p->name));
		np_obj_init(&p->o, p->name);
		p->present = mp->present;
		p->allow_cross_server = mp->cross;
		p->require_encryption = mp->enc;
		if (mp->alg) {
			p->present |= NP_POL_ENC_ALG;
			p->enc_alg = mp->alg;
		}
		if (mp->host) {
			p->present |= NP_POL_HOST;
			strscpy(p->host, mp->host, sizeof(p->host));
		}
		p->n_phys = mp->n_phys;
		p->n_isolate = mp->n_iso;
		p->sels = kcalloc(2 * M_SELS, sizeof(*p->sels), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p->sels);
		for (j = 0; j < mp->n_phys; j++) {
			p->sels[j].type = mp->phys[j].type;
			strscpy(p->sels[j].value, mp->phys[j].value,
				sizeof(p->sels[j].value));
		}
		for (j = 0; j < mp->n_iso; j++) {
			p->sels[mp->n_phys + j].type = mp->iso[j].type;
			strscpy(p->sels[mp->n_phys + j].value, mp->iso[j].value,
				sizeof(p->sels[j].value));
		}
		add(test, &txn, NP_POLICY, p);
	}
	for (i = 0; i < 2; i++) {
		nic = kzalloc(sizeof(*nic), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, nic);
		strscpy(nic->name, i ? "eth1" : "eth0", sizeof(nic->name));
		np_obj_init(&nic->o, nic->name);
		nic->tags = pack_tags(test, i ? tag_b : tag_a, 1);
		nic->n_tags = 1;
		add(test, &txn, NP_NIC, nic);
	}
	net = kzalloc(sizeof(*net), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, net);
	strscpy(net->name, "n", sizeof(net->name));
	np_obj_init(&net->o, net->name);
	strscpy(net->bridge, "br0", sizeof(net->bridge));
	net->policy_ref = m->net_pol >= 0 ? pol_names[m->net_pol] : NULL;
	net->tunnel = m->tunnel;
	net->tunnel_id = m->tunnel_id;
	add(test, &txn, NP_NET, net);
	for (i = 0; i < M_VMS; i++) {
		struct np_vm *vm = np_vm_alloc(vm_names[i]);

		KUNIT_ASSERT_NOT_NULL(test, vm);
		vm->tags = pack_tags(test, m->vms[i].tags, m->vms[i].n_tags);
		vm->n_tags = m->vms[i].n_tags;
		vm->policy_ref = m->vms[i].pol >= 0 ?
				 pol_names[m->vms[i].pol] : NULL;
		add(test, &txn, NP_VM, vm);
	}
	add(test, &txn, NP_VIF, m_vif(test, &m->self, "self"));
	for (i = 0; i < m->n_peers; i++)
		add(test, &txn, NP_VIF, m_vif(test, &m->peers[i], peer_names[i]));
	txn.set_host = true;
	strscpy(txn.host, m->host, sizeof(txn.host));
	t = np_table_build(NULL, false, &txn, 1, NULL);
	np_txn_destroy(&txn);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	return t;
}

static const char refusal_prefix[] =
	"network configuration cannot be satisfied: policy '";
static const char realized_prefix[] =
	"network configuration cannot be satisfied: network 'n' is realized as ";

static void m_check(struct kunit *test, const struct model *m,
		    const char *what)
{
	struct np_table *t = m_compile(test, m);
	const struct np_vif *peers[M_PEERS];
	const char *peer_ifnames[M_PEERS];
	struct np_facts f = {
		.bridge = "br0",
		.links = (struct np_uplink *)m->links,
		.n_links = m->n_links,
		.peers = peers,
		.peer_ifnames = peer_ifnames,
		.n_peers = m->n_peers,
	};
	struct np_verdict *v = kunit_kzalloc(test, sizeof(*v), GFP_KERNEL);
	const struct np_vif *self = np_table_find(t, NP_VIF, "self");
	struct m_verdict want = reference(m);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, v);
	for (i = 0; i < m->n_peers; i++) {
		peers[i] = np_table_find(t, NP_VIF, peer_names[i]);
		peer_ifnames[i] = peer_names[i];
	}
	np_decide(t, self, &f, v);
	KUNIT_EXPECT_EQ_MSG(test, v->reason, want.reason,
			    "%s: decide says %u (%s), reference %u (policy %d)",
			    what, v->reason, v->msg, want.reason, want.pol);
	if (want.reason && v->reason == want.reason && want.pol >= 0)
		KUNIT_EXPECT_STREQ_MSG(test, v->policy->name,
				       pol_names[want.pol], "%s: %s", what,
				       v->msg);
	if (v->reason == NETPOLICY_R_NOT_REALIZED)
		KUNIT_EXPECT_NOT_NULL(test, strstr(v->msg, realized_prefix));
	else if (v->reason)
		KUNIT_EXPECT_NOT_NULL(test, strstr(v->msg, refusal_prefix));
	/* the needs hint never hides a fact the verdict depends on */
	if (!(np_decide_needs(t, self) & NP_NEED_LINKS) && m->n_links) {
		struct np_facts nolinks = f;

		nolinks.n_links = 0;
		np_decide(t, self, &nolinks, v);
		KUNIT_EXPECT_EQ_MSG(test, v->reason, want.reason,
				    "%s: result depends on links not asked for",
				    what);
	}
	if (!(np_decide_needs(t, self) & NP_NEED_PEERS) && m->n_peers) {
		struct np_facts nopeers = f;

		nopeers.n_peers = 0;
		np_decide(t, self, &nopeers, v);
		KUNIT_EXPECT_EQ_MSG(test, v->reason, want.reason,
				    "%s: result depends on peers not asked for",
				    what);
	}
	np_table_free(t);
}

/* ---- one failing constraint, alone and in pairs ---- */

/* Make constraint @reason fail through policy slot @pol of @m. */
static void m_break(struct model *m, u8 reason, int pol)
{
	struct m_pol *p = &m->pols[pol];

	switch (reason) {
	case NETPOLICY_R_ISOLATED:
		p->iso[p->n_iso++] = (struct m_sel){ NETPOLICY_SEL_NAME, "vm0" };
		break;
	case NETPOLICY_R_WRONG_HOST:
		p->host = "hv2";
		break;
	case NETPOLICY_R_CROSS_SERVER:
		p->present |= NP_POL_CROSS_SERVER;
		p->cross = false;
		break;
	case NETPOLICY_R_PHYSICAL_IF:
		p->present |= NP_POL_PHYS;
		p->phys[p->n_phys++] = (struct m_sel){ NETPOLICY_SEL_TAG, "b" };
		break;
	case NETPOLICY_R_NOT_ENCRYPTED:
		p->present |= NP_POL_ENCRYPTION;
		p->enc = true;
		break;
	case NETPOLICY_R_ISOLATED_PEER:
		p->iso[p->n_iso++] = (struct m_sel){ NETPOLICY_SEL_TAG, "red" };
		break;
	}
}

static void m_base(struct model *m)
{
	int i;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < M_VMS; i++)
		m->vms[i].pol = -1;
	m->vms[1].n_tags = 1;
	m->vms[1].tags[0] = "red";
	m->net_pol = 0;				/* p0: the network's */
	m->vms[0].pol = 1;			/* p1: the VM's */
	m->self = (struct m_vif){ .vm = 0, .pol = 2 };	/* p2: the VIF's */
	m->peers[0] = (struct m_vif){ .vm = 1, .pol = -1 };
	m->n_peers = 1;
	m->links[0] = (struct np_uplink){ "vx0", "eth0", false };
	m->n_links = 1;
	m->host = "hv1";
}

static void np_decide_single_test(struct kunit *test)
{
	char what[64];
	struct model m;
	u8 r;
	int pol;

	m_base(&m);
	m_check(test, &m, "no constraint");
	for (r = NETPOLICY_R_ISOLATED; r <= NETPOLICY_R_ISOLATED_PEER; r++) {
		for (pol = 0; pol < 3; pol++) {
			m_base(&m);
			m_break(&m, r, pol);
			snprintf(what, sizeof(what), "reason %u via p%d", r, pol);
			m_check(test, &m, what);
		}
	}
}

static void np_decide_pairs_test(struct kunit *test)
{
	char what[64];
	struct model m;
	u8 a, b;
	int pa, pb;

	for (a = NETPOLICY_R_ISOLATED; a <= NETPOLICY_R_ISOLATED_PEER; a++)
		for (b = NETPOLICY_R_ISOLATED; b <= NETPOLICY_R_ISOLATED_PEER; b++)
			for (pa = 0; pa < 3; pa++)
				for (pb = 0; pb < 3; pb++) {
					m_base(&m);
					m_break(&m, a, pa);
					m_break(&m, b, pb);
					snprintf(what, sizeof(what),
						 "reasons %u via p%d + %u via p%d",
						 a, pa, b, pb);
					m_check(test, &m, what);
				}
}

/* A few verdicts spelled out, so that the reference itself is checked. */
static void np_decide_examples_test(struct kunit *test)
{
	struct model m;

	m_base(&m);
	m_break(&m, NETPOLICY_R_CROSS_SERVER, 0);
	m.n_links = 0;				/* no uplink: local is fine */
	KUNIT_EXPECT_EQ(test, reference(&m).reason, 0);
	m_check(test, &m, "local-only without uplink");

	m_base(&m);
	m_break(&m, NETPOLICY_R_PHYSICAL_IF, 0);
	m.links[0].underlay = "eth1";		/* tagged b: allowed */
	KUNIT_EXPECT_EQ(test, reference(&m).reason, 0);
	m_check(test, &m, "allowed NIC");
	m.links[0].underlay = NULL;		/* unbound tunnel */
	KUNIT_EXPECT_EQ(test, reference(&m).reason, NETPOLICY_R_PHYSICAL_IF);
	m_check(test, &m, "tunnel without underlay");

	m_base(&m);
	m_break(&m, NETPOLICY_R_NOT_ENCRYPTED, 2);
	m.links[0].encrypted = true;
	KUNIT_EXPECT_EQ(test, reference(&m).reason, NETPOLICY_R_NOT_ENCRYPTED);
	m_check(test, &m, "encrypted uplink that accepts replays");
	m.links[0].replay_protected = true;
	KUNIT_EXPECT_EQ(test, reference(&m).reason, 0);
	m_check(test, &m, "encrypted uplink");

	/* the peer's VM policy isolates from tag blue; self VM0 gets blue */
	m_base(&m);
	m.vms[1].pol = 3;
	m.pols[3].iso[m.pols[3].n_iso++] =
		(struct m_sel){ NETPOLICY_SEL_TAG, "blue" };
	m.vms[0].n_tags = 1;
	m.vms[0].tags[0] = "blue";
	KUNIT_EXPECT_EQ(test, reference(&m).reason, NETPOLICY_R_ISOLATED_PEER);
	KUNIT_EXPECT_EQ(test, reference(&m).pol, 3);
	m_check(test, &m, "a peer isolates from this VM");
}

/* The realization checks, with the messages an operator reads. */
static void np_decide_realization_test(struct kunit *test)
{
	struct np_verdict *v = kunit_kzalloc(test, sizeof(*v), GFP_KERNEL);
	struct np_facts f = { .bridge = "br0" };
	struct np_table *t;
	struct model m;

	KUNIT_ASSERT_NOT_NULL(test, v);
	m_base(&m);
	m.tunnel = NETPOLICY_TUNNEL_VXLAN;
	m.tunnel_id = 100;
	m.n_links = 1;
	m.links[0] = (struct np_uplink){ .name = "vx0", .underlay = "eth0",
					 .tunnel = NETPOLICY_TUNNEL_GENEVE,
					 .tunnel_id = 100 };
	KUNIT_EXPECT_EQ(test, reference(&m).reason, NETPOLICY_R_NOT_REALIZED);
	m_check(test, &m, "a tunnel of another kind");
	t = m_compile(test, &m);
	f.links = m.links;
	f.n_links = 1;
	np_decide(t, np_table_find(t, NP_VIF, "self"), &f, v);
	KUNIT_EXPECT_STREQ(test, v->msg,
			   "network configuration cannot be satisfied: network 'n' is realized as vxlan 100, but bridge br0 has no such tunnel port");
	KUNIT_EXPECT_NULL(test, v->policy);
	np_table_free(t);
	m.links[0].tunnel = NETPOLICY_TUNNEL_VXLAN;
	KUNIT_EXPECT_EQ(test, reference(&m).reason, 0);
	m_check(test, &m, "the realized tunnel");

	/* REQUIRE_ENCRYPTION with gcm-aes-256 over a gcm-aes-128 MACsec */
	m.pols[0].present |= NP_POL_ENCRYPTION;
	m.pols[0].enc = true;
	m.pols[0].alg = NETPOLICY_ENC_GCM_AES_256;
	m.net_pol = 0;
	m.links[0].encrypted = true;
	m.links[0].enc_alg = NETPOLICY_ENC_GCM_AES_128;
	KUNIT_EXPECT_EQ(test, reference(&m).reason, NETPOLICY_R_NOT_ENCRYPTED);
	m_check(test, &m, "no replay protection");
	t = m_compile(test, &m);
	np_decide(t, np_table_find(t, NP_VIF, "self"), &f, v);
	KUNIT_EXPECT_STREQ(test, v->msg,
			   "network configuration cannot be satisfied: policy 'p0' (network n): REQUIRE_ENCRYPTION = true, but uplink vx0 of bridge br0 accepts replayed frames (MACsec replay protection off, or a window above 0)");
	np_table_free(t);
	m.links[0].replay_protected = true;
	KUNIT_EXPECT_EQ(test, reference(&m).reason, NETPOLICY_R_NOT_ENCRYPTED);
	m_check(test, &m, "another cipher suite");
	t = m_compile(test, &m);
	np_decide(t, np_table_find(t, NP_VIF, "self"), &f, v);
	KUNIT_EXPECT_STREQ(test, v->msg,
			   "network configuration cannot be satisfied: policy 'p0' (network n): ENCRYPTION_ALGORITHM = gcm-aes-256, but uplink vx0 of bridge br0 uses gcm-aes-128");
	np_table_free(t);
	m.links[0].enc_alg = NETPOLICY_ENC_GCM_AES_256;
	KUNIT_EXPECT_EQ(test, reference(&m).reason, 0);
	m_check(test, &m, "the policy's cipher suite");
}

static const char * const r_hosts[] = { "hv1", "hv2" };
static const char * const r_tags[] = { "red", "blue" };
static const char * const r_nic_vals[] = { "a", "b", "eth0", "eth2" };
static const char * const r_underlays[] = { "eth0", "eth1", "eth2" };

static void np_decide_random_test(struct kunit *test)
{
	struct rnd_state rnd;
	struct model m;
	char what[32];
	int round, i, j;

#define R(n) ((int)(prandom_u32_state(&rnd) % (n)))
	prandom_seed_state(&rnd, 2026);
	for (round = 0; round < 3000; round++) {
		memset(&m, 0, sizeof(m));
		for (i = 0; i < M_POLS; i++) {
			struct m_pol *p = &m.pols[i];

			if (R(2)) {
				p->present |= NP_POL_CROSS_SERVER;
				p->cross = R(2);
			}
			if (R(3) == 0) {
				p->present |= NP_POL_ENCRYPTION;
				p->enc = R(2);
				if (p->enc && R(2))
					p->alg = 1 + R(NETPOLICY_ENC_MAX);
			}
			if (R(4) == 0)
				p->host = r_hosts[R(2)];
			if (R(3) == 0) {
				p->present |= NP_POL_PHYS;
				p->n_phys = R(M_SELS + 1);
				for (j = 0; j < p->n_phys; j++) {
					int v = R(4);

					p->phys[j] = (struct m_sel){
						v < 2 ? NETPOLICY_SEL_TAG :
							NETPOLICY_SEL_NAME,
						r_nic_vals[v] };
				}
			}
			if (R(3) == 0) {
				p->present |= NP_POL_ISOLATE;
				p->n_iso = R(M_SELS + 1);
				for (j = 0; j < p->n_iso; j++)
					p->iso[j] = R(2) ?
						(struct m_sel){ NETPOLICY_SEL_NAME,
								vm_names[R(M_VMS)] } :
						(struct m_sel){ NETPOLICY_SEL_TAG,
								r_tags[R(2)] };
			}
		}
		for (i = 0; i < M_VMS; i++) {
			m.vms[i].pol = R(3) ? -1 : R(M_POLS);
			m.vms[i].n_tags = R(3);
			for (j = 0; j < m.vms[i].n_tags; j++)
				m.vms[i].tags[j] = r_tags[j ? 1 - R(1) : R(2)];
			if (m.vms[i].n_tags == 2)
				m.vms[i].tags[1] = m.vms[i].tags[0][0] == 'r' ?
						   "blue" : "red";
		}
		m.net_pol = R(2) ? R(M_POLS) : -1;
		m.self = (struct m_vif){ R(M_VMS + 1) - 1,
					 R(2) ? R(M_POLS) : -1 };
		m.n_peers = R(M_PEERS + 1);
		for (i = 0; i < m.n_peers; i++)
			m.peers[i] = (struct m_vif){ R(M_VMS + 1) - 1,
						     R(3) ? -1 : R(M_POLS) };
		m.n_links = R(M_LINKS + 1);
		for (i = 0; i < m.n_links; i++) {
			m.links[i] = (struct np_uplink){
				i ? "up1" : "up0",
				R(4) ? r_underlays[R(3)] : NULL, R(2) };
			m.links[i].enc_alg = m.links[i].encrypted ?
					     R(NETPOLICY_ENC_MAX + 1) : 0;
			m.links[i].replay_protected = m.links[i].encrypted &&
						      R(4);
			m.links[i].tunnel = R(NETPOLICY_TUNNEL_MAX + 1);
			m.links[i].tunnel_id = 100 + R(2);
		}
		if (R(3) == 0) {
			m.tunnel = 1 + R(NETPOLICY_TUNNEL_MAX);
			m.tunnel_id = 100 + R(2);
		}
		m.host = r_hosts[R(2)];
		snprintf(what, sizeof(what), "random round %d", round);
		m_check(test, &m, what);
		if (test->status == KUNIT_FAILURE)
			break;
	}
#undef R
}

static struct kunit_case np_decide_cases[] = {
	KUNIT_CASE(np_decide_single_test),
	KUNIT_CASE(np_decide_pairs_test),
	KUNIT_CASE(np_decide_examples_test),
	KUNIT_CASE(np_decide_realization_test),
	KUNIT_CASE(np_decide_random_test),
	{}
};

static struct kunit_suite np_decide_suite = {
	.name = "netpolicy-decide",
	.test_cases = np_decide_cases,
};

kunit_test_suite(np_decide_suite);
