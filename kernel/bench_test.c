// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmarks of the decision path, run by `make bench` (KUnit on UML with
 * netpolicy_kunit.bench=1; skipped otherwise, so `make check` never times
 * anything).
 *
 * A table of the size the policy engine is specified for (100,000 VIF
 * objects, 50,000 VMs, 10,000 networks, 10,000 policies) is built with
 * np_table_build(), then a decision (np_table_lookup() + np_decide() for a
 * random interface name) is timed against the same on a table of 10
 * objects. The table's memory is counted exactly with ksize().
 */

#include <kunit/test.h>
#include <linux/ktime.h>
#include <linux/moduleparam.h>
#include <linux/prandom.h>
#include <linux/slab.h>

#include "decide.h"

static bool bench;
static u64 build_ns;			/* of the last big_table() */
module_param(bench, bool, 0444);
MODULE_PARM_DESC(bench, "run the netpolicy benchmarks");

static void *alloc_policy(int i)
{
	struct np_policy *p = kzalloc(sizeof(*p), GFP_KERNEL);

	if (!p)
		return NULL;
	snprintf(p->name, sizeof(p->name), "p%d", i);
	np_obj_init(&p->o, p->name);
	if (i % 3 == 0) {
		p->present |= NP_POL_ENCRYPTION;
		p->require_encryption = true;
	}
	if (i % 3 == 1)
		p->present |= NP_POL_CROSS_SERVER;
	p->n_isolate = i % 4 == 0;
	p->n_phys = (i % 5 == 0) * 2;
	if (p->n_isolate + p->n_phys) {
		p->sels = kcalloc(p->n_isolate + p->n_phys, sizeof(*p->sels),
				  GFP_KERNEL);
		if (!p->sels) {
			kfree(p);
			return NULL;
		}
		if (p->n_phys) {
			p->present |= NP_POL_PHYS;
			p->sels[0].type = NETPOLICY_SEL_TAG;
			snprintf(p->sels[0].value, NETPOLICY_NAME_MAX,
				 "uplink%d", i % 7);
			p->sels[1].type = NETPOLICY_SEL_NAME;
			snprintf(p->sels[1].value, NETPOLICY_NAME_MAX, "eth%d",
				 i % 4);
		}
		if (p->n_isolate) {
			p->present |= NP_POL_ISOLATE;
			p->sels[p->n_phys].type = NETPOLICY_SEL_NAME;
			snprintf(p->sels[p->n_phys].value, NETPOLICY_NAME_MAX,
				 "nobody%d", i);
		}
	}
	return p;
}

/* The same shape as tools/testing/bench/gen_policy.awk. */
static struct np_table *big_table(struct kunit *test, int vifs, int nets,
				  int pols)
{
	struct np_txn txn = {};
	struct np_table *t;
	char name[32];
	u64 start;
	int i;

	/* names live in the kunit arena until the table resolved them */
	char (*refs)[16] = kunit_kcalloc(test, nets + vifs / 2 + pols + 1,
					 16, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, refs);
	for (i = 0; i < pols; i++) {
		void *p = alloc_policy(i);

		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_ASSERT_EQ(test, np_txn_add(&txn, NP_POLICY, p), 0);
		snprintf(refs[i], 16, "p%d", i);
	}
	for (i = 0; i < nets; i++) {
		struct np_network *n = kzalloc(sizeof(*n), GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, n);
		snprintf(n->name, sizeof(n->name), "n%d", i);
		np_obj_init(&n->o, n->name);
		snprintf(n->bridge, sizeof(n->bridge), "brn%d", i % 1000);
		n->policy_ref = refs[i % pols];
		KUNIT_ASSERT_EQ(test, np_txn_add(&txn, NP_NET, n), 0);
		snprintf(refs[pols + i], 16, "n%d", i);
	}
	for (i = 0; i < vifs / 2; i++) {
		struct np_vm *vm;
		int len;

		snprintf(name, sizeof(name), "vm%d", i);
		vm = np_vm_alloc(name);
		KUNIT_ASSERT_NOT_NULL(test, vm);
		vm->tags = kmalloc(24, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, vm->tags);
		len = snprintf(vm->tags, 24, "t%d", i % 100) + 1;
		snprintf(vm->tags + len, 24 - len, "tier%d", i % 3);
		vm->n_tags = 2;
		KUNIT_ASSERT_EQ(test, np_txn_add(&txn, NP_VM, vm), 0);
		snprintf(refs[pols + nets + i], 16, "vm%d", i);
	}
	for (i = 0; i < vifs; i++) {
		struct np_vif *vif;

		snprintf(name, sizeof(name), "v%d", i);
		vif = np_vif_alloc(name);
		KUNIT_ASSERT_NOT_NULL(test, vif);
		snprintf(vif->ifname, sizeof(vif->ifname), "vt%d", i);
		vif->prefix_len = strlen(vif->ifname);
		vif->network_ref = refs[pols + i % nets];
		vif->vm_ref = vifs > 1 ? refs[pols + nets + i / 2] : NULL;
		KUNIT_ASSERT_EQ(test, np_txn_add(&txn, NP_VIF, vif), 0);
	}
	start = ktime_get_ns();
	t = np_table_build(NULL, false, &txn, 1, NULL);
	build_ns = ktime_get_ns() - start;
	np_txn_destroy(&txn);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	return t;
}

static size_t arr_bytes(const void *p, size_t n)
{
	return is_vmalloc_addr(p) ? PAGE_ALIGN(n) : ksize(p);
}

/* An index's pages and its array of them. */
static size_t index_bytes(const struct np_index *ix)
{
	return arr_bytes(ix, struct_size(ix, page, ix->n_pages)) +
	       (size_t)ix->n_pages * PAGE_SIZE;
}

/* Every byte the table holds: objects, their parts, arrays, indexes. */
static size_t table_bytes(const struct np_table *t)
{
	size_t b = ksize(t);
	struct np_seq_iter it;
	void *o;
	u32 l;
	int k;

	for (k = 0; k < NP_NKINDS; k++) {
		const struct np_seq *s = t->objs[k];

		if (s) {
			b += arr_bytes(s, struct_size(s, e, s->cap));
			for (l = 0; l < s->n_leaf; l++)
				b += ksize(s->e[l].leaf);
		}
		np_seq_iter_init(&it, s);
		while ((o = np_seq_next(&it))) {
			b += ksize(o);
			if (k == NP_POLICY && ((struct np_policy *)o)->sels)
				b += ksize(((struct np_policy *)o)->sels);
			if (k == NP_VM && ((struct np_vm *)o)->tags)
				b += ksize(((struct np_vm *)o)->tags);
			if (k == NP_NIC && ((struct np_nic *)o)->tags)
				b += ksize(((struct np_nic *)o)->tags);
		}
	}
	if (t->pol_slot.v)
		b += arr_bytes(objv_vec(&t->pol_slot),
			       struct_size(objv_vec(&t->pol_slot), v,
					   t->pol_slot.cap));
	b += index_bytes(t->by_mac);
	b += index_bytes(t->by_name);
	b += index_bytes(t->by_prefix);
	return b;
}

/*
 * ns per decision: lookup by name, then np_decide() with no uplinks, for
 * interfaces drawn at random from @span VIF objects spread over the table
 * (a small @span stays in the CPU caches; @span = @vifs does not).
 */
static u64 time_decisions(struct kunit *test, const struct np_table *t,
			  int vifs, int span, int rounds)
{
	struct np_verdict *v = kunit_kzalloc(test, sizeof(*v), GFP_KERNEL);
	struct np_facts f = { .bridge = "brn0" };
	struct rnd_state rnd;
	char ifname[IFNAMSIZ];
	u64 start, best = U64_MAX;
	int r, i;

	KUNIT_ASSERT_NOT_NULL(test, v);
	prandom_seed_state(&rnd, 7);
	for (r = 0; r < 5; r++) {
		start = ktime_get_ns();
		for (i = 0; i < rounds; i++) {
			const struct np_vif *vif;

			snprintf(ifname, sizeof(ifname), "vt%u",
				 prandom_u32_state(&rnd) % span * (vifs / span));
			vif = np_table_lookup(t, ifname, NULL);
			KUNIT_ASSERT_NOT_NULL(test, vif);
			np_decide(t, vif, &f, v);
		}
		best = min(best, ktime_get_ns() - start);
	}
	return best / rounds;
}

static void np_bench_decision(struct kunit *test)
{
	static const int sizes[] = { 1000, 10000, 100000 };
	struct np_table *small, *big, *mid;
	u64 ns_small, ns_warm;
	size_t bytes;
	int s;

	if (!bench)
		kunit_skip(test, "a benchmark: make bench runs it");
	small = big_table(test, 10, 10, 10);
	big = big_table(test, 100000, 10000, 10000);
	kunit_info(test, "BENCH np_table_build of 170000 objects: %llu ms\n",
		   build_ns / 1000000);
	ns_small = time_decisions(test, small, 10, 10, 200000);
	ns_warm = time_decisions(test, big, 100000, 10, 200000);
	bytes = table_bytes(big);
	kunit_info(test, "BENCH decision ns, 10 interfaces deciding: 10-object table %llu, 100000-VIF table %llu (ratio %llu.%02llu)\n",
		   ns_small, ns_warm, ns_warm / ns_small,
		   (ns_warm * 100 / ns_small) % 100);
	for (s = 0; s < ARRAY_SIZE(sizes); s++) {
		mid = sizes[s] == 100000 ? big :
		      big_table(test, sizes[s], sizes[s] / 10, sizes[s] / 10);
		kunit_info(test, "BENCH decision ns, all %d VIFs of a %d-VIF table deciding at random: %llu\n",
			   sizes[s], sizes[s],
			   time_decisions(test, mid, sizes[s], sizes[s], 200000));
		if (mid != big)
			np_table_free(mid);
	}
	kunit_info(test, "BENCH table bytes: %zu for 100000 VIFs + 50000 VMs + 10000 networks + 10000 policies = %zu per VIF object\n",
		   bytes, bytes / 100000);
	np_table_free(small);
	np_table_free(big);
}

static u64 median_ns(u64 *ns, int runs)
{
	int i, j;

	for (i = 1; i < runs; i++)		/* insertion sort, runs <= 21 */
		for (j = i; j && ns[j - 1] > ns[j]; j--)
			swap(ns[j - 1], ns[j]);
	return ns[runs / 2];
}

/* A guest as a toolstack adds it: its VM and one VIF, from xenstore. */
static void guest_txn(struct kunit *test, struct np_txn *txn, int i)
{
	char name[32];
	struct np_vif *vif;
	struct np_vm *vm;

	snprintf(name, sizeof(name), "guest%d", i);
	vm = np_vm_alloc(name);
	KUNIT_ASSERT_NOT_NULL(test, vm);
	vm->source = NETPOLICY_SOURCE_XENSTORE;
	KUNIT_ASSERT_EQ(test, np_txn_add(txn, NP_VM, vm), 0);
	snprintf(name, sizeof(name), "vif%d.0", i);
	vif = np_vif_alloc(name);
	KUNIT_ASSERT_NOT_NULL(test, vif);
	strscpy(vif->ifname, name, sizeof(vif->ifname));
	vif->prefix_len = strlen(vif->ifname);
	vif->network_ref = "n1";
	vif->vm_ref = vm->name;
	vif->source = NETPOLICY_SOURCE_XENSTORE;
	KUNIT_ASSERT_EQ(test, np_txn_add(txn, NP_VIF, vif), 0);
}

/* Where a request's objects come from: a replacing one wins its clash. */
static const struct nlattr np_bench_req;

/* One change of the table of kinds below. */
enum np_bench_op {
	NP_BENCH_ADD,				/* a guest: VM + VIF */
	NP_BENCH_REPLACE,			/* a toolstack's object, changed */
	NP_BENCH_DELETE,
	NP_BENCH_UPDATE,			/* the configuration's, changed */
};

/*
 * The configuration object of @kind an update of big_table() + spare_table()
 * sends, run @r: policy p7 (network n7 and its 10 VIFs point to it),
 * network n7 on another bridge (its 10 VIFs point to it), NIC spare.
 */
static void update_txn(struct kunit *test, struct np_txn *txn,
		       enum np_kind kind, int r)
{
	struct np_network *net;
	struct np_nic *nic;
	void *obj;

	txn->update = true;
	if (kind == NP_POLICY) {
		obj = alloc_policy(7);
	} else if (kind == NP_NET) {
		net = kzalloc(sizeof(*net), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, net);
		obj = net;
		strscpy(net->name, "n7", sizeof(net->name));
		np_obj_init(&net->o, net->name);
		snprintf(net->bridge, sizeof(net->bridge), "brr%d", r);
		net->policy_ref = "p7";
	} else {
		nic = kzalloc(sizeof(*nic), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, nic);
		obj = nic;
		strscpy(nic->name, "spare", sizeof(nic->name));
		np_obj_init(&nic->o, nic->name);
	}
	KUNIT_ASSERT_NOT_NULL(test, obj);
	KUNIT_ASSERT_EQ(test, np_txn_add(txn, kind, obj), 0);
}

/*
 * The objects the changes below touch, on top of @t: a guest from
 * xenstore (VM guest0, VIF vif0.0 on it), and a VM, a network, a policy
 * and a NIC that nothing names.
 */
static struct np_table *spare_table(struct kunit *test,
				    const struct np_table *t)
{
	struct np_network *net = kzalloc(sizeof(*net), GFP_KERNEL);
	struct np_policy *pol = kzalloc(sizeof(*pol), GFP_KERNEL);
	struct np_nic *nic = kzalloc(sizeof(*nic), GFP_KERNEL);
	struct np_vm *vm = np_vm_alloc("spare");
	struct np_txn txn = {};
	struct np_table *n;

	KUNIT_ASSERT_TRUE(test, net && pol && nic && vm);
	strscpy(net->name, "spare", sizeof(net->name));
	np_obj_init(&net->o, net->name);
	strscpy(net->bridge, "brspare", sizeof(net->bridge));
	strscpy(pol->name, "spare", sizeof(pol->name));
	np_obj_init(&pol->o, pol->name);
	strscpy(nic->name, "spare", sizeof(nic->name));
	np_obj_init(&nic->o, nic->name);
	KUNIT_ASSERT_EQ(test, np_txn_add(&txn, NP_NET, net), 0);
	KUNIT_ASSERT_EQ(test, np_txn_add(&txn, NP_POLICY, pol), 0);
	KUNIT_ASSERT_EQ(test, np_txn_add(&txn, NP_NIC, nic), 0);
	KUNIT_ASSERT_EQ(test, np_txn_add(&txn, NP_VM, vm), 0);
	guest_txn(test, &txn, 0);
	n = np_table_build(t, true, &txn, 1, NULL);
	np_txn_destroy(&txn);
	KUNIT_ASSERT_FALSE(test, IS_ERR(n));
	return n;
}

/*
 * Median ns of @runs changes @op of @t (a spare_table()), of an object
 * of @kind; @full: built in full (np_table_build(), np_table_without()).
 */
static u64 time_change(struct kunit *test, struct np_table *t,
		       enum np_bench_op op, enum np_kind kind, bool full,
		       int runs)
{
	u64 ns[21], start;
	struct np_table *n;
	char name[32];
	int r;

	for (r = 0; r < runs; r++) {
		struct np_txn txn = {};

		if (op == NP_BENCH_ADD) {
			guest_txn(test, &txn, r + 1);
		} else if (op == NP_BENCH_REPLACE && kind == NP_VM) {
			struct np_vm *vm = np_vm_alloc("guest0");

			KUNIT_ASSERT_NOT_NULL(test, vm);
			vm->source = NETPOLICY_SOURCE_XENSTORE;
			vm->tags = kasprintf(GFP_KERNEL, "r%d", r);
			KUNIT_ASSERT_NOT_NULL(test, vm->tags);
			vm->n_tags = 1;
			vm->o.origin = &np_bench_req;
			KUNIT_ASSERT_EQ(test, np_txn_add(&txn, NP_VM, vm), 0);
		} else if (op == NP_BENCH_UPDATE) {
			update_txn(test, &txn, kind, r);
		} else if (op == NP_BENCH_REPLACE) {
			struct np_vif *vif = np_vif_alloc("vif0.0");

			KUNIT_ASSERT_NOT_NULL(test, vif);
			snprintf(vif->ifname, sizeof(vif->ifname), "vifr%d", r);
			vif->prefix_len = strlen(vif->ifname);
			vif->network_ref = "n2";
			vif->vm_ref = "guest0";
			vif->source = NETPOLICY_SOURCE_XENSTORE;
			vif->o.origin = &np_bench_req;
			KUNIT_ASSERT_EQ(test, np_txn_add(&txn, NP_VIF, vif), 0);
		} else {
			strscpy(name, kind == NP_VIF ? "vif0.0" : "spare",
				sizeof(name));
		}
		start = ktime_get_ns();
		if (op == NP_BENCH_DELETE) {
			n = full ? NULL : np_table_drop(t, kind, name, -1, 2);
			if (!n)
				n = np_table_without(t, kind, name, -1, 2, NULL);
		} else {
			n = full ? NULL : np_table_add(t, &txn, 2);
			if (!n)
				n = np_table_build(t, true, &txn, 2, NULL);
		}
		ns[r] = ktime_get_ns() - start;
		np_txn_destroy(&txn);
		KUNIT_ASSERT_FALSE(test, IS_ERR(n));
		KUNIT_ASSERT_EQ(test, np_table_count(n),
				np_table_count(t) + (op == NP_BENCH_ADD) * 2 -
				(op == NP_BENCH_DELETE));
		np_table_free(n);
	}
	return median_ns(ns, runs);
}

/*
 * What one change costs the kernel, for each kind of change that
 * LOAD and DEL take through the shared paths (np_table_add(),
 * np_table_drop()): on the 170,000-object table, shared and built in
 * full, and shared on a 30-object table.
 */
static void np_bench_add(struct kunit *test)
{
	static const struct {
		const char *what;
		enum np_bench_op op;
		enum np_kind kind;
	} rows[] = {
		{ "add a guest (VM + VIF)", NP_BENCH_ADD, NP_VIF },
		{ "replace a VM (its VIF copied)", NP_BENCH_REPLACE, NP_VM },
		{ "replace a VIF", NP_BENCH_REPLACE, NP_VIF },
		{ "delete a VIF", NP_BENCH_DELETE, NP_VIF },
		{ "delete a VM", NP_BENCH_DELETE, NP_VM },
		{ "delete a network", NP_BENCH_DELETE, NP_NET },
		{ "delete a policy", NP_BENCH_DELETE, NP_POLICY },
		{ "delete a NIC", NP_BENCH_DELETE, NP_NIC },
		{ "update a policy (net + 10 VIFs)", NP_BENCH_UPDATE, NP_POLICY },
		{ "update a network (10 VIFs)", NP_BENCH_UPDATE, NP_NET },
		{ "update a NIC", NP_BENCH_UPDATE, NP_NIC },
	};
	struct np_table *small, *big, *t;
	u64 shared_big, shared_small, full_big;
	int i;

	if (!bench)
		kunit_skip(test, "a benchmark: make bench runs it");
	t = big_table(test, 10, 10, 10);
	small = spare_table(test, t);
	np_table_free(t);
	t = big_table(test, 100000, 10000, 10000);
	big = spare_table(test, t);
	np_table_free(t);
	kunit_info(test, "BENCH one change, us: 170000-object table shared | built in full | ratio | 30-object table shared\n");
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		shared_small = time_change(test, small, rows[i].op,
					   rows[i].kind, false, 21);
		shared_big = time_change(test, big, rows[i].op, rows[i].kind,
					 false, 21);
		full_big = time_change(test, big, rows[i].op, rows[i].kind,
				       true, 3);
		kunit_info(test, "BENCH   %-30s %6llu | %6llu | %4llu | %4llu\n",
			   rows[i].what, shared_big / 1000, full_big / 1000,
			   full_big / max(shared_big, 1ULL),
			   shared_small / 1000);
	}
	np_table_free(small);
	np_table_free(big);
}

static struct kunit_case np_bench_cases[] = {
	KUNIT_CASE(np_bench_decision),
	KUNIT_CASE(np_bench_add),
	{}
};

static struct kunit_suite np_bench_suite = {
	.name = "netpolicy-bench",
	.test_cases = np_bench_cases,
};

kunit_test_suite(np_bench_suite);
