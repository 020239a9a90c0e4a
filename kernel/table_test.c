// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites for the compiled tables and globs.
 *
 * The clever code (hashed prefixes, iterative globs) is checked against a
 * deliberately naive reference: a recursive glob matcher and a linear scan
 * over every VIF object that applies the documented precedence literally.
 */

#include <kunit/test.h>
#include <linux/etherdevice.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "glob.h"
#include "table.h"

/* ---- globs ---- */

struct glob_case {
	const char *pattern;
	const char *name;
	bool match;
};

static const struct glob_case glob_cases[] = {
	{ "tap0", "tap0", true },
	{ "tap0", "tap01", false },
	{ "tap*", "tap", true },
	{ "tap*", "tap-web-1", true },
	{ "tap*", "ta", false },
	{ "*", "x", true },
	{ "*0", "tap0", true },
	{ "*0", "tap01", false },
	{ "t?p*", "tip9", true },
	{ "t?p*", "tp9", false },
	{ "vif*.0", "vif12.0", true },
	{ "vif*.0", "vif12.1", false },
	{ "a*b*c", "aXXbYYc", true },
	{ "a*b*c", "aXXbYY", false },
	{ "a*a*a*a*b", "aaaaaaaaaaaaaaa", false },
	{ "**", "", true },
	{ "?", "", false },
	{ "vif?.?-emu", "vif3.0-emu", true },
};

static void glob_case_desc(const struct glob_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s ~ %s", c->pattern, c->name);
}

KUNIT_ARRAY_PARAM(glob, glob_cases, glob_case_desc);

static void np_glob_table_test(struct kunit *test)
{
	const struct glob_case *c = test->param_value;

	KUNIT_EXPECT_EQ_MSG(test, np_glob_match(c->pattern, c->name), c->match,
			    "pattern %s name %s", c->pattern, c->name);
}

/* The reference: the definition of a glob, recursively. */
static bool naive_glob(const char *p, const char *n)
{
	if (!*p)
		return !*n;
	if (*p == '*')
		return naive_glob(p + 1, n) || (*n && naive_glob(p, n + 1));
	if (!*n)
		return false;
	return (*p == '?' || *p == *n) && naive_glob(p + 1, n + 1);
}

static void random_word(struct rnd_state *rnd, char *out, int max_len,
			const char *alphabet)
{
	int len = prandom_u32_state(rnd) % (max_len + 1);
	int k = strlen(alphabet), i;

	for (i = 0; i < len; i++)
		out[i] = alphabet[prandom_u32_state(rnd) % k];
	out[len] = '\0';
}

static void np_glob_random_test(struct kunit *test)
{
	struct rnd_state rnd;
	char p[IFNAMSIZ], n[IFNAMSIZ];
	int i;

	prandom_seed_state(&rnd, 20261125);
	for (i = 0; i < 20000; i++) {
		random_word(&rnd, p, 8, "ab*?");
		random_word(&rnd, n, 10, "ab");
		KUNIT_ASSERT_EQ_MSG(test, np_glob_match(p, n), naive_glob(p, n),
				    "counterexample: pattern \"%s\" name \"%s\"",
				    p, n);
	}
}

/* ---- tables ---- */

static struct np_network *mk_net(struct kunit *test, const char *name,
				 const char *bridge)
{
	struct np_network *net = kzalloc(sizeof(*net), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, net);
	strscpy(net->name, name, sizeof(net->name));
	np_obj_init(&net->o, net->name);
	strscpy(net->bridge, bridge, sizeof(net->bridge));
	return net;
}

static struct np_vif *mk_vif(struct kunit *test, const char *name,
			     const char *ifname, const u8 *mac, const char *net)
{
	struct np_vif *vif = np_vif_alloc(name);

	KUNIT_ASSERT_NOT_NULL(test, vif);
	vif->network_ref = net;
	if (ifname) {
		strscpy(vif->ifname, ifname, sizeof(vif->ifname));
		vif->prefix_len = np_glob_prefix_len(ifname);
		vif->is_glob = ifname[vif->prefix_len] != '\0';
	}
	if (mac) {
		vif->has_mac = true;
		ether_addr_copy(vif->mac, mac);
	}
	return vif;
}

static void add_net(struct kunit *test, struct np_txn *txn,
		    struct np_network *net)
{
	KUNIT_ASSERT_EQ(test, np_txn_add(txn, NP_NET, net), 0);
}

static void add_vif(struct kunit *test, struct np_txn *txn, struct np_vif *vif)
{
	KUNIT_ASSERT_EQ(test, np_txn_add(txn, NP_VIF, vif), 0);
}

static const char *lookup_name(const struct np_table *t, const char *ifname,
			       const u8 *mac)
{
	const struct np_vif *v = np_table_lookup(t, ifname, mac);

	return v ? v->name : "(none)";
}

static const u8 mac1[ETH_ALEN] = { 0x52, 0x54, 0, 0, 0, 1 };
static const u8 mac2[ETH_ALEN] = { 0x52, 0x54, 0, 0, 0, 2 };

static struct np_table *sample_table(struct kunit *test)
{
	struct np_txn txn = {};
	struct np_table *t;

	add_net(test, &txn, mk_net(test, "front", "br0"));
	add_net(test, &txn, mk_net(test, "back", "br1"));
	add_vif(test, &txn, mk_vif(test, "all-taps", "tap*", NULL, "back"));
	add_vif(test, &txn, mk_vif(test, "web-taps", "tap-web*", NULL, "front"));
	add_vif(test, &txn, mk_vif(test, "web-b", "tap-web?", NULL, "back"));
	add_vif(test, &txn, mk_vif(test, "exact", "tap-web1", NULL, "back"));
	add_vif(test, &txn, mk_vif(test, "by-mac", NULL, mac1, "front"));
	add_vif(test, &txn, mk_vif(test, "mac-and-name", "vif1.*", mac2, "front"));
	t = np_table_build(NULL, false, &txn, 1, NULL);
	np_txn_destroy(&txn);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	return t;
}

static void np_table_precedence_test(struct kunit *test)
{
	struct np_table *t = sample_table(test);
	static const u8 other[ETH_ALEN] = { 0x52, 0x54, 0, 0, 0, 9 };

	KUNIT_EXPECT_STREQ(test, lookup_name(t, "tap0", other), "all-taps");
	/* longest literal prefix wins; equal prefixes: smaller name */
	KUNIT_EXPECT_STREQ(test, lookup_name(t, "tap-web22", other), "web-taps");
	KUNIT_EXPECT_STREQ(test, lookup_name(t, "tap-web2", other), "web-b");
	/* exact name beats every glob */
	KUNIT_EXPECT_STREQ(test, lookup_name(t, "tap-web1", other), "exact");
	/* MAC beats exact name */
	KUNIT_EXPECT_STREQ(test, lookup_name(t, "tap-web1", mac1), "by-mac");
	/* MAC plus name: both must hold, else the name rules decide */
	KUNIT_EXPECT_STREQ(test, lookup_name(t, "vif1.0", mac2), "mac-and-name");
	KUNIT_EXPECT_STREQ(test, lookup_name(t, "tap7", mac2), "all-taps");
	KUNIT_EXPECT_STREQ(test, lookup_name(t, "eth0", other), "(none)");
	KUNIT_EXPECT_STREQ(test, lookup_name(t, "vif1.0", NULL), "(none)");
	KUNIT_EXPECT_STREQ(test, np_table_lookup(t, "tap0", NULL)->network->bridge,
			   "br1");
	np_table_free(t);
}

/*
 * A dump holds the table it started on while writers publish others: the
 * reference keeps it whole until the dump's last put.
 */
static void np_table_reference_test(struct kunit *test)
{
	struct np_table __rcu *slot = NULL;
	struct np_table *t1, *t2, *held, *now;

	KUNIT_EXPECT_NULL(test, np_table_get_rcu(&slot));
	np_table_put(NULL);
	t1 = sample_table(test);
	t2 = sample_table(test);
	rcu_assign_pointer(slot, t1);
	held = np_table_get_rcu(&slot);
	KUNIT_ASSERT_PTR_EQ(test, held, t1);
	KUNIT_EXPECT_EQ(test, refcount_read(&t1->ref), 2);
	/* a writer publishes t2 and drops the namespace's reference to t1 */
	rcu_assign_pointer(slot, t2);
	np_table_put(t1);
	synchronize_rcu();
	KUNIT_EXPECT_EQ(test, refcount_read(&held->ref), 1);
	KUNIT_EXPECT_STREQ(test, lookup_name(held, "tap0", NULL), "all-taps");
	now = np_table_get_rcu(&slot);
	KUNIT_EXPECT_PTR_EQ(test, now, t2);
	np_table_put(now);
	np_table_put(held);
	/* the namespace's reference: the last one */
	KUNIT_EXPECT_EQ(test, refcount_read(&t2->ref), 1);
	np_table_put(t2);
	rcu_barrier();
}

struct build_err_case {
	const char *desc;
	int err;
	void (*fill)(struct kunit *test, struct np_txn *txn);
};

static void fill_dup_net(struct kunit *test, struct np_txn *txn)
{
	add_net(test, txn, mk_net(test, "front", "br9"));
}

static void fill_dup_vif(struct kunit *test, struct np_txn *txn)
{
	add_vif(test, txn, mk_vif(test, "exact", "tap77", NULL, "front"));
}

static void fill_unknown_net(struct kunit *test, struct np_txn *txn)
{
	add_vif(test, txn, mk_vif(test, "orphan", "tap77", NULL, "nowhere"));
}

static void fill_dup_mac(struct kunit *test, struct np_txn *txn)
{
	add_vif(test, txn, mk_vif(test, "mac-again", NULL, mac1, "front"));
}

static void fill_dup_ifname(struct kunit *test, struct np_txn *txn)
{
	add_vif(test, txn, mk_vif(test, "zz", "tap-web1", NULL, "front"));
}

static const struct build_err_case build_err_cases[] = {
	{ "duplicate network name", -EEXIST, fill_dup_net },
	{ "duplicate VIF name", -EEXIST, fill_dup_vif },
	{ "VIF names unknown network", -ENOENT, fill_unknown_net },
	{ "duplicate MAC", -EEXIST, fill_dup_mac },
	{ "duplicate exact interface name", -EEXIST, fill_dup_ifname },
};

static void build_err_desc(const struct build_err_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(build_err, build_err_cases, build_err_desc);

/* A failing load leaves the published table exactly as it was. */
static void np_table_rollback_test(struct kunit *test)
{
	const struct build_err_case *c = test->param_value;
	struct np_table *old = sample_table(test), *t;
	struct np_txn txn = {};

	add_vif(test, &txn, mk_vif(test, "fine", "fine0", NULL, "front"));
	c->fill(test, &txn);
	t = np_table_build(old, true, &txn, 2, NULL);
	np_txn_destroy(&txn);
	KUNIT_ASSERT_TRUE(test, IS_ERR(t));
	KUNIT_EXPECT_EQ(test, PTR_ERR(t), (long)c->err);

	KUNIT_EXPECT_EQ(test, old->gen, 1U);
	KUNIT_EXPECT_EQ(test, np_seq_n(old->objs[NP_NET]), 2U);
	KUNIT_EXPECT_EQ(test, np_seq_n(old->objs[NP_VIF]), 6U);
	KUNIT_EXPECT_STREQ(test, lookup_name(old, "fine0", NULL), "(none)");
	KUNIT_EXPECT_STREQ(test, lookup_name(old, "tap-web1", mac1), "by-mac");
	KUNIT_EXPECT_STREQ(test,
			   ((struct np_network *)np_seq_at(old->objs[NP_NET], 0))->name,
			   "back");
	np_table_free(old);
}

static void np_table_merge_and_delete_test(struct kunit *test)
{
	struct np_table *old = sample_table(test), *t, *t2;
	struct np_txn txn = {};

	add_vif(test, &txn, mk_vif(test, "new", "new0", NULL, "back"));
	t = np_table_build(old, true, &txn, 2, NULL);
	np_txn_destroy(&txn);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_EXPECT_EQ(test, np_seq_n(t->objs[NP_VIF]), 7U);
	KUNIT_EXPECT_STREQ(test, lookup_name(t, "new0", NULL), "new");
	KUNIT_EXPECT_STREQ(test, lookup_name(t, "tap0", NULL), "all-taps");

	/* a network still named by a VIF object cannot go */
	t2 = np_table_without(t, NP_NET, "back", -1, 3, NULL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(t2), -EBUSY);
	t2 = np_table_without(t, NP_VIF, "nosuch", -1, 3, NULL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(t2), -ENOENT);
	t2 = np_table_without(t, NP_VIF, "all-taps", -1, 3, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t2));
	KUNIT_EXPECT_STREQ(test, lookup_name(t2, "tap0", NULL), "(none)");
	KUNIT_EXPECT_STREQ(test, lookup_name(t2, "new0", NULL), "new");
	KUNIT_EXPECT_EQ(test, t2->gen, 3U);

	/* replace: the old objects are gone */
	np_table_free(t);
	add_net(test, &txn, mk_net(test, "only", "br7"));
	t = np_table_build(old, false, &txn, 4, NULL);
	np_txn_destroy(&txn);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_EXPECT_EQ(test, np_seq_n(t->objs[NP_VIF]), 0U);
	KUNIT_EXPECT_STREQ(test, lookup_name(t, "tap0", NULL), "(none)");
	np_table_free(t);
	np_table_free(t2);
	np_table_free(old);
}

/* What a toolstack watcher sends: from the request, of source xenstore. */
static const struct nlattr np_test_req_attr;

static struct np_vm *mk_vm(struct kunit *test, const char *name, u8 source,
			   const char *tag)
{
	struct np_vm *vm = np_vm_alloc(name);

	KUNIT_ASSERT_NOT_NULL(test, vm);
	vm->source = source;
	vm->o.origin = &np_test_req_attr;
	if (tag) {
		vm->tags = kstrdup(tag, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, vm->tags);
		vm->n_tags = 1;
	}
	return vm;
}

static struct np_vif *mk_xs_vif(struct kunit *test, const char *ifname,
				const u8 *mac, const char *net, const char *vm)
{
	struct np_vif *vif = mk_vif(test, ifname, ifname, mac, net);

	vif->source = NETPOLICY_SOURCE_XENSTORE;
	vif->vm_ref = vm;
	vif->o.origin = &np_test_req_attr;
	return vif;
}

static struct np_table *build(struct kunit *test, const struct np_table *old,
			      bool keep_old, struct np_txn *txn, u32 gen)
{
	struct np_table *t = np_table_build(old, keep_old, txn, gen, NULL);

	np_txn_destroy(txn);
	return t;
}

static const struct np_vm *vm_of(const struct np_table *t, const char *name)
{
	const struct np_vif *vif = np_table_find(t, NP_VIF, name);

	return vif ? vif->vm : NULL;
}

/*
 * A load transaction's messages, merged: the table is the one a single
 * request of all the objects gives, the merged-from set is emptied, and a
 * merge grows past the first array's capacity.
 */
static void np_txn_merge_test(struct kunit *test)
{
	struct np_txn all = {}, part = {};
	char name[16], ifname[IFNAMSIZ];
	struct np_table *t;
	int i;

	add_net(test, &part, mk_net(test, "n1", "br1"));
	KUNIT_ASSERT_EQ(test, np_txn_merge(&all, &part), 0);
	KUNIT_EXPECT_EQ(test, part.objs[NP_NET].n, 0U);
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "v%d", i);
		snprintf(ifname, sizeof(ifname), "tap%d", i);
		add_vif(test, &part, mk_vif(test, name, ifname, NULL, "n1"));
		if (i % 30 == 29) {
			KUNIT_ASSERT_EQ(test, np_txn_merge(&all, &part), 0);
			KUNIT_EXPECT_EQ(test, part.objs[NP_VIF].n, 0U);
		}
	}
	part.set_host = true;
	strscpy(part.host, "h1", sizeof(part.host));
	KUNIT_ASSERT_EQ(test, np_txn_merge(&all, &part), 0);
	np_txn_destroy(&part);
	KUNIT_EXPECT_EQ(test, all.objs[NP_VIF].n, 100U);
	t = build(test, NULL, false, &all, 1);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_EXPECT_STREQ(test, t->host, "h1");
	KUNIT_EXPECT_EQ(test, np_table_count(t), 101U);
	KUNIT_EXPECT_STREQ(test, lookup_name(t, "tap0", NULL), "v0");
	KUNIT_EXPECT_STREQ(test, lookup_name(t, "tap99", NULL), "v99");
	np_table_free(t);
}

/* The rules between configuration and toolstack objects (uapi header). */
static void np_table_sources_test(struct kunit *test)
{
	const u8 xs = NETPOLICY_SOURCE_XENSTORE, cf = NETPOLICY_SOURCE_CONFIG;
	struct np_table *t0, *t1, *t2, *t3, *t4;
	struct np_txn txn = {};
	const struct np_vm *vm;

	/* the administrator's set: a network, VM "g" tagged, a VIF */
	add_net(test, &txn, mk_net(test, "n1", "br1"));
	KUNIT_ASSERT_EQ(test, np_txn_add(&txn, NP_VM, mk_vm(test, "g", cf, "dmz")), 0);
	add_vif(test, &txn, mk_vif(test, "c", "tap-c", NULL, "n1"));
	t0 = build(test, NULL, false, &txn, 1);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t0));

	/* the watcher adds guest g: the configuration's VM "g" stays */
	KUNIT_ASSERT_EQ(test, np_txn_add(&txn, NP_VM, mk_vm(test, "g", xs, NULL)), 0);
	add_vif(test, &txn, mk_xs_vif(test, "vif1.0", NULL, "n1", "g"));
	t1 = build(test, t0, true, &txn, 2);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t1));
	vm = vm_of(t1, "vif1.0");
	KUNIT_ASSERT_NOT_NULL(test, vm);
	KUNIT_EXPECT_EQ(test, vm->source, cf);
	KUNIT_EXPECT_EQ(test, vm->n_tags, 1);

	/* re-reading it is idempotent: the newer toolstack object wins */
	KUNIT_ASSERT_EQ(test, np_txn_add(&txn, NP_VM, mk_vm(test, "g", xs, NULL)), 0);
	add_vif(test, &txn, mk_xs_vif(test, "vif1.0", mac1, "n1", "g"));
	t2 = build(test, t1, true, &txn, 3);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t2));
	KUNIT_EXPECT_EQ(test, np_seq_n(t2->objs[NP_VIF]), 2U);
	KUNIT_EXPECT_TRUE(test, (bool)((const struct np_vif *)
				       np_table_find(t2, NP_VIF, "vif1.0"))->has_mac);

	/* a replacing load without VM "g" keeps the guest's VIF and gives it
	 * an empty VM of its source; the configuration's VIF is gone
	 */
	add_net(test, &txn, mk_net(test, "n1", "br1"));
	t3 = build(test, t2, false, &txn, 4);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t3));
	KUNIT_EXPECT_EQ(test, np_seq_n(t3->objs[NP_VIF]), 1U);
	vm = vm_of(t3, "vif1.0");
	KUNIT_ASSERT_NOT_NULL(test, vm);
	KUNIT_EXPECT_EQ(test, vm->source, xs);
	KUNIT_EXPECT_EQ(test, vm->n_tags, 0);
	KUNIT_EXPECT_STREQ(test, lookup_name(t3, "tap-c", NULL), "(none)");

	/* ... but one without the guest's network fails */
	add_net(test, &txn, mk_net(test, "n2", "br2"));
	t4 = build(test, t3, false, &txn, 5);
	KUNIT_EXPECT_EQ(test, PTR_ERR(t4), -ENOENT);

	/* a configuration VIF of the same name wins over the guest's */
	add_vif(test, &txn, mk_vif(test, "vif1.0", "vif1.0", NULL, "n1"));
	t4 = build(test, t3, true, &txn, 5);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t4));
	KUNIT_EXPECT_EQ(test, (u8)((const struct np_vif *)
				   np_table_find(t4, NP_VIF, "vif1.0"))->source,
			cf);

	/* a watcher deletes only its own objects */
	KUNIT_EXPECT_EQ(test, PTR_ERR(np_table_without(t4, NP_VIF, "vif1.0",
						       xs, 6, NULL)), -ENOENT);
	np_table_free(t4);
	t4 = np_table_without(t3, NP_VIF, "vif1.0", xs, 6, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t4));
	KUNIT_EXPECT_EQ(test, np_seq_n(t4->objs[NP_VIF]), 0U);

	/* two configuration objects of one name are still an error */
	KUNIT_ASSERT_EQ(test, np_txn_add(&txn, NP_VM, mk_vm(test, "g", cf, NULL)), 0);
	KUNIT_ASSERT_EQ(test, np_txn_add(&txn, NP_VM, mk_vm(test, "g", cf, NULL)), 0);
	KUNIT_EXPECT_EQ(test, PTR_ERR(build(test, t4, true, &txn, 7)), -EEXIST);

	np_table_free(t4);
	np_table_free(t3);
	np_table_free(t2);
	np_table_free(t1);
	np_table_free(t0);
}

/* The reference lookup: scan everything, apply the precedence literally. */
static const struct np_vif *naive_lookup(const struct np_table *t,
					 const char *ifname, const u8 *mac)
{
	const struct np_vif *best = NULL;
	int best_rank = 0, best_prefix = -1;
	u32 i;

	for (i = 0; i < np_seq_n(t->objs[NP_VIF]); i++) {
		const struct np_vif *v = np_seq_at(t->objs[NP_VIF], i);
		int rank = 0;

		if (v->has_mac) {
			if (mac && ether_addr_equal(v->mac, mac) &&
			    (!v->ifname[0] || naive_glob(v->ifname, ifname)))
				rank = 3;
		} else if (!v->is_glob) {
			if (!strcmp(v->ifname, ifname))
				rank = 2;
		} else if (naive_glob(v->ifname, ifname)) {
			rank = 1;
		}
		if (!rank)
			continue;
		if (rank > best_rank ||
		    (rank == 1 && best_rank == 1 && v->prefix_len > best_prefix)) {
			best = v;
			best_rank = rank;
			best_prefix = v->prefix_len;
		}
	}
	return best;
}

static void np_table_random_test(struct kunit *test)
{
	struct rnd_state rnd;
	int round;

	prandom_seed_state(&rnd, 42);
	for (round = 0; round < 20; round++) {
		struct np_txn txn = {};
		struct np_table *t;
		char name[16], ifname[IFNAMSIZ];
		u8 mac[ETH_ALEN] = { 0x52, 0x54, 0, 0, 0, 0 };
		int i, n = 1 + prandom_u32_state(&rnd) % 200;
		u8 used_macs[16] = {};
		char (*exact)[IFNAMSIZ];
		int n_exact = 0, j;

		exact = kunit_kcalloc(test, n, IFNAMSIZ, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, exact);

		add_net(test, &txn, mk_net(test, "n", "br0"));
		for (i = 0; i < n; i++) {
			bool want_mac = prandom_u32_state(&rnd) % 5 == 0;
			struct np_vif *v;

			snprintf(name, sizeof(name), "v%03d", i);
			random_word(&rnd, ifname, 6, "ab*?");
			if (!ifname[0] || !strcmp(ifname, "?"))
				strscpy(ifname, "a*", sizeof(ifname));
			/* exact names must be unique: make a repeat a glob */
			if (!strpbrk(ifname, "*?")) {
				for (j = 0; j < n_exact; j++)
					if (!strcmp(exact[j], ifname))
						break;
				if (j < n_exact)
					strlcat(ifname, "*", sizeof(ifname));
				else
					strscpy(exact[n_exact++], ifname, IFNAMSIZ);
			}
			mac[5] = prandom_u32_state(&rnd) % 16;
			if (want_mac && !used_macs[mac[5]]) {
				used_macs[mac[5]] = 1;
				v = mk_vif(test, name,
					   prandom_u32_state(&rnd) % 2 ? ifname : NULL,
					   mac, "n");
			} else {
				v = mk_vif(test, name, ifname, NULL, "n");
			}
			add_vif(test, &txn, v);
		}
		t = np_table_build(NULL, false, &txn, 1, NULL);
		np_txn_destroy(&txn);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
		for (i = 0; i < 500; i++) {
			const struct np_vif *a, *b;

			random_word(&rnd, ifname, 8, "ab");
			mac[5] = prandom_u32_state(&rnd) % 16;
			a = np_table_lookup(t, ifname, mac);
			b = naive_lookup(t, ifname, mac);
			KUNIT_ASSERT_PTR_EQ_MSG(test, a, b,
						"round %d: %s/%pM: table %s, reference %s",
						round, ifname, mac,
						a ? a->name : "-", b ? b->name : "-");
		}
		np_table_free(t);
	}
}

/* A policy as a decision reads it: its name and what it says. */
static const char *pol_text(char *buf, size_t len, const struct np_policy *p)
{
	if (!p)
		return "-";
	snprintf(buf, len, "%s/%x/%u", p->name, p->present, p->n_isolate);
	return buf;
}

/* What a test compares of an object of @t: everything a decision reads. */
static void describe(char *buf, size_t len, const struct np_table *t,
		     enum np_kind k, const void *obj)
{
	const struct np_network *n = obj;
	const struct np_vif *f = obj;
	const struct np_vm *m = obj;
	char pa[48], pb[48], pc[48];

	if (k == NP_NET)
		snprintf(buf, len, "%s br=%s tun%u pol=%s", n->name, n->bridge,
			 n->tunnel,
			 pol_text(pa, sizeof(pa), np_table_policy(t, n->policy_slot)));
	else if (k == NP_VM)
		snprintf(buf, len, "%s src%u tags%u:%s pol=%s", m->name,
			 m->source, m->n_tags, m->n_tags ? m->tags : "",
			 pol_text(pa, sizeof(pa), np_table_policy(t, m->policy_slot)));
	else if (k == NP_VIF)
		snprintf(buf, len, "%s src%u if=%s mac%d=%pM net=%s/%s/%s vm=%s/%s pol=%s",
			 f->name, f->source, f->ifname, f->has_mac, f->mac,
			 f->network->name, f->network->bridge,
			 pol_text(pa, sizeof(pa),
				  np_table_policy(t, f->network->policy_slot)),
			 f->vm ? f->vm->name : "-",
			 f->vm ? pol_text(pb, sizeof(pb),
					  np_table_policy(t, f->vm->policy_slot)) : "-",
			 pol_text(pc, sizeof(pc), np_table_policy(t, f->policy_slot)));
	else if (k == NP_POLICY)
		pol_text(buf, len, obj);
	else
		snprintf(buf, len, "%s", ((const struct np_obj *)obj)->name);
}

/* The object of @t that @ref points to must be @t's own of its name. */
static bool held_ref(const struct np_table *t, enum np_kind kind,
		     const void *ref)
{
	return !ref ||
	       np_table_find(t, kind, ((const struct np_obj *)ref)->name) == ref;
}

/*
 * Every reference of @t points to an object of @t: none to an object a
 * shared path replaced (freed with the table before); a slot names a
 * policy of @t (a reference to a deleted one would be NULL: @t's slots
 * hold its policies, each at its own slot, and nothing else).
 */
static void expect_refs_held(struct kunit *test, int step,
			     const struct np_table *t)
{
	const struct np_seq *pols = t->objs[NP_POLICY];
	u32 i, n = 0;

	for (i = 0; i < t->pol_slot.n; i++)
		n += !!t->pol_slot.v[i];
	KUNIT_ASSERT_EQ_MSG(test, n, np_seq_n(pols), "step %d", step);
	for (i = 0; i < np_seq_n(pols); i++) {
		const struct np_policy *p = np_seq_at(pols, i);

		KUNIT_ASSERT_TRUE_MSG(test, p->slot && p->slot <= t->pol_slot.n &&
				      t->pol_slot.v[p->slot - 1] == p,
				      "step %d policy %s", step, p->name);
	}
	for (i = 0; i < np_seq_n(t->objs[NP_NET]); i++) {
		const struct np_network *n = np_seq_at(t->objs[NP_NET], i);

		KUNIT_ASSERT_TRUE_MSG(test, !n->policy_slot ||
				      np_table_policy(t, n->policy_slot),
				      "step %d network %s", step, n->name);
	}
	for (i = 0; i < np_seq_n(t->objs[NP_VM]); i++) {
		const struct np_vm *m = np_seq_at(t->objs[NP_VM], i);

		KUNIT_ASSERT_TRUE_MSG(test, !m->policy_slot ||
				      np_table_policy(t, m->policy_slot),
				      "step %d VM %s", step, m->name);
	}
	for (i = 0; i < np_seq_n(t->objs[NP_VIF]); i++) {
		const struct np_vif *f = np_seq_at(t->objs[NP_VIF], i);

		KUNIT_ASSERT_TRUE_MSG(test, held_ref(t, NP_NET, f->network) &&
				      held_ref(t, NP_VM, f->vm) &&
				      (!f->policy_slot ||
				       np_table_policy(t, f->policy_slot)),
				      "step %d VIF %s", step, f->name);
	}
}

/* One object of a random adding load, made twice alike. */
struct add_spec {
	bool vm;
	u8 source;
	u8 mac;					/* 0: none */
	char name[8];
	char ifname[8];
	char net[4];
	char ref[8];				/* VIF: its VM; VM: a tag */
	char pol[4];				/* VM: its policy, or "" */
};

static void random_spec(struct rnd_state *rnd, struct add_spec *a)
{
	u32 r = prandom_u32_state(rnd);

	memset(a, 0, sizeof(*a));
	a->vm = r % 5 < 2;
	a->source = (r >> 3) % 3 ? NETPOLICY_SOURCE_XENSTORE :
				   NETPOLICY_SOURCE_CONFIG;
	r = prandom_u32_state(rnd);
	if (a->vm) {
		snprintf(a->name, sizeof(a->name), "m%u", r % 12);
		if ((r >> 8) % 3)
			snprintf(a->ref, sizeof(a->ref), "t%u", (r >> 10) % 2);
		if ((r >> 12) % 3 == 0)
			snprintf(a->pol, sizeof(a->pol), "p%u", (r >> 14) % 3);
		return;
	}
	snprintf(a->name, sizeof(a->name), "v%u", r % 40);
	if ((r >> 6) % 3 == 0)
		a->mac = 1 + (r >> 8) % 30;
	if (!a->mac || (r >> 13) % 2)
		snprintf(a->ifname, sizeof(a->ifname), (r >> 14) % 20 ? "i%u" : "i%u*",
			 (r >> 16) % 40);
	snprintf(a->net, sizeof(a->net), "%s",
		 (r >> 22) % 20 ? ((r >> 23) % 2 ? "n1" : "n2") : "nx");
	if ((r >> 24) % 3)
		snprintf(a->ref, sizeof(a->ref), "m%u", (r >> 26) % 12);
}

static void add_from_spec(struct kunit *test, struct np_txn *txn,
			  const struct add_spec *a)
{
	u8 mac[ETH_ALEN] = { 0x52, 0x54, 0, 0, 0, a->mac };
	struct np_vif *vif;

	if (a->vm) {
		struct np_vm *vm = mk_vm(test, a->name, a->source,
					 a->ref[0] ? a->ref : NULL);

		vm->policy_ref = a->pol[0] ? a->pol : NULL;
		KUNIT_ASSERT_EQ(test, np_txn_add(txn, NP_VM, vm), 0);
		return;
	}
	vif = mk_vif(test, a->name, a->ifname[0] ? a->ifname : NULL,
		     a->mac ? mac : NULL, a->net);
	vif->source = a->source;
	vif->vm_ref = a->ref[0] ? a->ref : NULL;
	vif->o.origin = &np_test_req_attr;
	add_vif(test, txn, vif);
}

static void expect_same_tables(struct kunit *test, int step,
			       const struct np_table *a,
			       const struct np_table *b)
{
	char da[256], db[256], ifname[IFNAMSIZ];
	u8 mac[ETH_ALEN] = { 0x52, 0x54, 0, 0, 0, 0 };
	u32 i;
	int k;

	KUNIT_ASSERT_EQ_MSG(test, a->any_isolate, b->any_isolate, "step %d", step);
	KUNIT_ASSERT_EQ_MSG(test, a->any_uplink_rule, b->any_uplink_rule,
			    "step %d", step);
	/* the counts a change keeps, against the full build's */
	KUNIT_ASSERT_EQ_MSG(test, a->n_isolate, b->n_isolate, "step %d", step);
	KUNIT_ASSERT_EQ_MSG(test, a->n_uplink_rule, b->n_uplink_rule,
			    "step %d", step);
	for (k = 0; k < NP_NKINDS; k++) {
		KUNIT_ASSERT_EQ_MSG(test, np_seq_n(a->objs[k]), np_seq_n(b->objs[k]),
				    "step %d kind %d", step, k);
		for (i = 0; i < np_seq_n(a->objs[k]); i++) {
			describe(da, sizeof(da), a, k, np_seq_at(a->objs[k], i));
			describe(db, sizeof(db), b, k, np_seq_at(b->objs[k], i));
			KUNIT_ASSERT_STREQ_MSG(test, da, db, "step %d", step);
		}
	}
	/* what an index gives, whole: a slot left at a replaced VIF fails */
	for (i = 0; i < 80; i++) {
		const struct np_vif *va, *vb;

		snprintf(ifname, sizeof(ifname), "i%u", i / 2);
		mac[5] = i / 2;
		va = np_table_lookup(a, ifname, i % 2 ? mac : NULL);
		vb = np_table_lookup(b, ifname, i % 2 ? mac : NULL);
		KUNIT_ASSERT_EQ_MSG(test, !va, !vb, "step %d %s", step, ifname);
		if (!va)
			continue;
		describe(da, sizeof(da), a, NP_VIF, va);
		describe(db, sizeof(db), b, NP_VIF, vb);
		KUNIT_ASSERT_STREQ_MSG(test, da, db, "step %d %s %pM", step,
				       ifname, mac);
	}
}

static struct np_policy *mk_policy(struct kunit *test, const char *name,
				   bool isolate, bool local)
{
	struct np_policy *pol = kzalloc(sizeof(*pol), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, pol);
	strscpy(pol->name, name, sizeof(pol->name));
	np_obj_init(&pol->o, pol->name);
	if (isolate) {
		pol->sels = kzalloc(sizeof(*pol->sels), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, pol->sels);
		pol->sels->type = NETPOLICY_SEL_TAG;
		strscpy(pol->sels->value, "t0", sizeof(pol->sels->value));
		pol->n_isolate = 1;
		pol->present |= NP_POL_ISOLATE;
	}
	if (local)
		pol->present |= NP_POL_CROSS_SERVER;
	return pol;
}

static struct np_nic *mk_nic(struct kunit *test, const char *name)
{
	struct np_nic *nic = kzalloc(sizeof(*nic), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, nic);
	strscpy(nic->name, name, sizeof(nic->name));
	np_obj_init(&nic->o, nic->name);
	return nic;
}

/*
 * The configuration's objects of the random test that its steps may
 * delete, given again to both tables (built in full) now and then: those
 * missing from @t go into @txn.
 */
static void add_base(struct kunit *test, const struct np_table *t,
		     struct np_txn *txn)
{
	static const char * const nets[] = { "n1", "n2", "n3" };
	struct np_network *net;
	int i;

	for (i = 0; i < 3; i++) {
		char name[4];

		snprintf(name, sizeof(name), "p%d", i);
		if (!t || !np_table_find(t, NP_POLICY, name))
			KUNIT_ASSERT_EQ(test, np_txn_add(txn, NP_POLICY,
							 mk_policy(test, name, i == 1,
								   i == 2)), 0);
		snprintf(name, sizeof(name), "e%d", i);
		if (!t || !np_table_find(t, NP_NIC, name))
			KUNIT_ASSERT_EQ(test, np_txn_add(txn, NP_NIC,
							 mk_nic(test, name)), 0);
		if (t && np_table_find(t, NP_NET, nets[i]))
			continue;
		net = mk_net(test, nets[i], nets[i]);
		if (i == 2) {			/* a tunnel, its policy p2 */
			net->tunnel = NETPOLICY_TUNNEL_VXLAN;
			net->tunnel_id = 42;
			net->policy_ref = "p2";
		}
		add_net(test, txn, net);
	}
}

/*
 * np_table_add() and np_table_drop() against the full build: thousands of
 * seeded adding loads (a guest's VM and VIFs, of the configuration or a
 * toolstack, names and MACs that repeat, so that a toolstack's objects
 * are replaced, now and then a glob, a missing network, VM or policy)
 * and deletes of objects of every kind, applied to two tables, one
 * through the shared paths where they apply (as LOAD and DEL do), the
 * other always built in full. Every step must give both the same
 * objects, the same lookups, the same flags and the same error. The
 * configuration's policies, NICs and networks come back every 40 steps.
 */
static u32 txn_count(const struct np_txn *txn)
{
	u32 n = 0;
	int k;

	for (k = 0; k < NP_NKINDS; k++)
		n += txn->objs[k].n;
	return n;
}

/*
 * The objects allocated since the test's start (@base) and not freed
 * are those @t holds and @extra more (a transaction's, another
 * table's): the tables before @t freed what they alone held, each
 * object once, and none leaked.
 */
static void expect_live(struct kunit *test, int step, int base,
			const struct np_table *t, u32 extra)
{
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&np_objs_live) - base,
			    (int)(np_table_count(t) + extra), "step %d", step);
}

/*
 * A toolstack's VM replaced while NP_ADD_MAX of its VIFs point to it:
 * np_table_add() copies them; one more, and it gives up, every reference
 * it took given back, for np_table_build().
 */
static void np_table_add_many_deps_test(struct kunit *test)
{
	static const char *const tags[] = { "t1", "t2", "t3" };
	int base = atomic_read(&np_objs_live);
	struct np_table *t, *nt;
	struct np_txn txn = {};
	char name[16];
	int n, i;

	for (n = NP_ADD_MAX; n <= NP_ADD_MAX + 1; n++) {
		add_net(test, &txn, mk_net(test, "n1", "br1"));
		KUNIT_ASSERT_EQ(test, np_txn_add(&txn, NP_VM,
						 mk_vm(test, "big", NETPOLICY_SOURCE_XENSTORE,
						       tags[0])), 0);
		for (i = 0; i < n; i++) {
			snprintf(name, sizeof(name), "vif%d.0", i);
			add_vif(test, &txn, mk_xs_vif(test, name, NULL, "n1", "big"));
		}
		t = build(test, NULL, false, &txn, 1);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));

		for (i = 1; i < 3; i++) {
			KUNIT_ASSERT_EQ(test, np_txn_add(&txn, NP_VM,
							 mk_vm(test, "big",
							       NETPOLICY_SOURCE_XENSTORE,
							       tags[i])), 0);
			nt = np_table_add(t, &txn, i + 1);
			KUNIT_ASSERT_FALSE(test, IS_ERR(nt));
			if (n > NP_ADD_MAX) {
				KUNIT_EXPECT_NULL(test, nt);
				expect_live(test, i, base, t, txn_count(&txn));
				nt = build(test, t, true, &txn, i + 1);
				KUNIT_ASSERT_FALSE(test, IS_ERR(nt));
			} else {
				KUNIT_ASSERT_NOT_NULL(test, nt);
			}
			np_table_free(t);
			t = nt;
			expect_live(test, i, base, t, 0);
			KUNIT_EXPECT_STREQ(test, vm_of(t, "vif0.0")->tags, tags[i]);
			snprintf(name, sizeof(name), "vif%d.0", n - 1);
			KUNIT_EXPECT_STREQ(test, vm_of(t, name)->tags, tags[i]);
			KUNIT_EXPECT_STREQ(test, lookup_name(t, name, NULL), name);
		}
		np_table_free(t);
	}
}

/*
 * One configuration object of a random update, from @r (called twice
 * with one @r, it makes two alike): a policy that may isolate or be
 * local only, a NIC, a network (another bridge, policy or tunnel), or a
 * guest's VM or VIF of the configuration.
 */
static void add_update_obj(struct kunit *test, struct np_txn *txn, u32 r)
{
	static const char * const nets[] = { "n1", "n2", "n3", "nx" };
	static const char * const pols[] = { "p0", "p1", "p2", "p3" };
	struct np_network *net;
	struct add_spec spec;
	struct rnd_state rnd;
	char name[4];

	switch (r % 6) {
	case 0:
		snprintf(name, sizeof(name), "p%u", (r >> 3) % 4);
		KUNIT_ASSERT_EQ(test, np_txn_add(txn, NP_POLICY,
						 mk_policy(test, name, (r >> 5) % 3 == 0,
							   (r >> 7) % 3 == 0)), 0);
		break;
	case 1:
		snprintf(name, sizeof(name), "e%u", (r >> 3) % 4);
		KUNIT_ASSERT_EQ(test, np_txn_add(txn, NP_NIC, mk_nic(test, name)),
				0);
		break;
	case 2:
		net = mk_net(test, nets[(r >> 3) % 4], (r >> 5) % 2 ? "bA" : "bB");
		if ((r >> 6) % 2)
			net->policy_ref = pols[(r >> 7) % 4];
		if ((r >> 9) % 4 == 0) {
			net->tunnel = NETPOLICY_TUNNEL_VXLAN;
			net->tunnel_id = 7;
		}
		add_net(test, txn, net);
		break;
	default:
		prandom_seed_state(&rnd, r);
		random_spec(&rnd, &spec);
		spec.source = NETPOLICY_SOURCE_CONFIG;
		add_from_spec(test, txn, &spec);
	}
}

static void np_table_add_random_test(struct kunit *test)
{
	int base = atomic_read(&np_objs_live);
	int step, i, k, n, fast = 0, replacing = 0, failed = 0, updates = 0;
	int dropped[NP_NKINDS] = {};
	struct np_table *a, *b, *na, *nb;
	struct np_txn ta = {}, tb = {};
	struct add_spec spec[4];
	struct rnd_state rnd;
	bool had;

	prandom_seed_state(&rnd, 17);
	add_base(test, NULL, &ta);
	add_vif(test, &ta, mk_vif(test, "g", "i1*", NULL, "n1"));
	a = build(test, NULL, false, &ta, 1);
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	add_base(test, NULL, &tb);
	add_vif(test, &tb, mk_vif(test, "g", "i1*", NULL, "n1"));
	b = build(test, NULL, false, &tb, 1);
	KUNIT_ASSERT_FALSE(test, IS_ERR(b));

	for (step = 0; step < 3000; step++) {
		u32 r = prandom_u32_state(&rnd);

		k = r % 16 ? NP_VIF : NP_VM;
		if (r % 7 == 0)
			k = (r >> 4) % 3;	/* policy, NIC or network */
		if (step % 40 == 39) {
			add_base(test, a, &ta);
			add_base(test, b, &tb);
			na = build(test, a, true, &ta, step + 2);
			nb = build(test, b, true, &tb, step + 2);
		} else if ((r >> 8) % 5 == 0) {
			/* the administrator updates a few objects */
			ta.update = true;
			tb.update = true;
			n = 1 + prandom_u32_state(&rnd) % 3;
			for (i = 0; i < n; i++) {
				u32 o = prandom_u32_state(&rnd);

				add_update_obj(test, &ta, o);
				add_update_obj(test, &tb, o);
			}
			na = np_table_add(a, &ta, step + 2);
			if (na)
				updates++;
			else
				na = np_table_build(a, true, &ta, step + 2, NULL);
			np_txn_destroy(&ta);
			nb = build(test, b, true, &tb, step + 2);
		} else if ((prandom_u32_state(&rnd) % 6 == 0 ||
			    k < NP_VM) && np_seq_n(b->objs[k]) > 1) {
			/* a guest goes, or the administrator deletes one */
			const struct np_obj *v =
				np_seq_at(b->objs[k], prandom_u32_state(&rnd) %
					     np_seq_n(b->objs[k]));
			int source = k < NP_VM || prandom_u32_state(&rnd) % 4 ?
				     -1 : NETPOLICY_SOURCE_XENSTORE;

			na = np_table_drop(a, k, v->name, source, step + 2);
			if (na)
				dropped[k]++;
			else
				na = np_table_without(a, k, v->name, source,
						      step + 2, NULL);
			nb = np_table_without(b, k, v->name, source, step + 2,
					      NULL);
		} else {
			n = 1 + prandom_u32_state(&rnd) % ARRAY_SIZE(spec);
			had = false;
			for (i = 0; i < n; i++) {
				random_spec(&rnd, &spec[i]);
				had |= !!np_table_find(a, spec[i].vm ? NP_VM : NP_VIF,
						       spec[i].name);
				add_from_spec(test, &ta, &spec[i]);
				add_from_spec(test, &tb, &spec[i]);
			}
			na = np_table_add(a, &ta, step + 2);
			if (na) {
				fast++;
				replacing += had;
			} else {
				na = np_table_build(a, true, &ta, step + 2, NULL);
			}
			np_txn_destroy(&ta);
			nb = build(test, b, true, &tb, step + 2);
		}
		KUNIT_ASSERT_EQ_MSG(test, IS_ERR(na), IS_ERR(nb), "step %d", step);
		if (IS_ERR(na)) {
			failed++;
			expect_live(test, step, base, a, np_table_count(b));
			continue;
		}
		expect_same_tables(test, step, na, nb);
		np_table_free(a);
		np_table_free(b);
		a = na;
		b = nb;
		expect_live(test, step, base, a, np_table_count(b));
		expect_refs_held(test, step, a);
	}
	kunit_info(test, "%d steps: %d through np_table_add() (%d naming a loaded object), %d updates through it, through np_table_drop() %d VIFs, %d VMs, %d networks, %d policies, %d NICs; %d refused\n",
		   step, fast, replacing, updates, dropped[NP_VIF],
		   dropped[NP_VM], dropped[NP_NET], dropped[NP_POLICY],
		   dropped[NP_NIC], failed);
	KUNIT_EXPECT_GT(test, updates, 200);
	KUNIT_EXPECT_GT(test, fast, 500);
	KUNIT_EXPECT_GT(test, replacing, 100);
	KUNIT_EXPECT_GT(test, dropped[NP_VIF], 100);
	KUNIT_EXPECT_GT(test, dropped[NP_VM], 2);
	for (k = 0; k < NP_VM; k++)
		KUNIT_EXPECT_GT(test, dropped[k], 10);
	KUNIT_EXPECT_GT(test, failed, 50);
	np_table_free(a);
	np_table_free(b);
}

/*
 * An update replaces the configuration's policy a network names: through
 * np_table_add() (the network and its VIF kept, the new policy in the old
 * one's slot) and through the full build alike, the network reads the
 * new policy, and the isolation flag goes with the old policy. Without
 * the flag the same name is a clash.
 */
static void np_table_update_test(struct kunit *test)
{
	int base = atomic_read(&np_objs_live);
	const struct np_policy *pol;
	struct np_table *t, *nt;
	struct np_txn txn = {};
	const struct np_vif *v;
	int fast;

	for (fast = 0; fast < 2; fast++) {
		KUNIT_ASSERT_EQ(test, np_txn_add(&txn, NP_POLICY,
						 mk_policy(test, "p", true, false)), 0);
		add_net(test, &txn, mk_net(test, "n", "br0"));
		((struct np_network *)txn.objs[NP_NET].v[0])->policy_ref = "p";
		add_vif(test, &txn, mk_vif(test, "v", "tap0", NULL, "n"));
		t = build(test, NULL, false, &txn, 1);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
		KUNIT_EXPECT_TRUE(test, t->any_isolate);

		KUNIT_ASSERT_EQ(test, np_txn_add(&txn, NP_POLICY,
						 mk_policy(test, "p", false, true)), 0);
		nt = build(test, t, true, &txn, 2);
		KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(nt), -EEXIST);

		KUNIT_ASSERT_EQ(test, np_txn_add(&txn, NP_POLICY,
						 mk_policy(test, "p", false, true)), 0);
		txn.update = true;
		nt = fast ? np_table_add(t, &txn, 2) : NULL;
		KUNIT_EXPECT_EQ(test, !!nt, fast);
		if (!nt)
			nt = np_table_build(t, true, &txn, 2, NULL);
		np_txn_destroy(&txn);
		KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(nt));
		np_table_free(t);
		v = np_table_find(nt, NP_VIF, "v");
		KUNIT_ASSERT_NOT_NULL(test, v);
		KUNIT_EXPECT_PTR_EQ(test, v->network, np_table_find(nt, NP_NET, "n"));
		pol = np_table_policy(nt, v->network->policy_slot);
		KUNIT_EXPECT_PTR_EQ(test, pol, np_table_find(nt, NP_POLICY, "p"));
		KUNIT_EXPECT_EQ(test, pol->present, NP_POL_CROSS_SERVER);
		KUNIT_EXPECT_FALSE(test, nt->any_isolate);
		KUNIT_EXPECT_TRUE(test, nt->any_uplink_rule);
		KUNIT_EXPECT_STREQ(test, lookup_name(nt, "tap0", NULL), "v");
		expect_live(test, fast, base, nt, 0);
		np_table_free(nt);
	}
}

/*
 * Whether every object of @t reads whole: found by its name in @t, a VIF
 * by its MAC or exact name too (through the index pages @t shares).
 */
static void expect_whole(struct kunit *test, int step, const struct np_table *t)
{
	const struct np_vif *vif, *found;
	u32 i;
	int k;

	for (k = 0; k < NP_NKINDS; k++)
		for (i = 0; i < np_seq_n(t->objs[k]); i++) {
			const struct np_obj *o = np_seq_at(t->objs[k], i);

			KUNIT_ASSERT_PTR_EQ_MSG(test, np_table_find(t, k, o->name),
						(const void *)o, "step %d kind %d #%u",
						step, k, i);
		}
	for (i = 0; i < np_seq_n(t->objs[NP_VIF]); i++) {
		vif = np_seq_at(t->objs[NP_VIF], i);
		if (!vif->has_mac && vif->is_glob)
			continue;
		found = vif->has_mac ? np_table_by_mac(t, vif->mac) :
				       np_table_by_ifname(t, vif->ifname);
		KUNIT_ASSERT_PTR_EQ_MSG(test, found, vif, "step %d VIF %s",
					step, vif->name);
	}
	expect_refs_held(test, step, t);
}

/*
 * A change of @t through the shared paths, from @r: a guest's VM or VIF
 * added or replaced, an update of the configuration's objects (networks,
 * VMs and VIFs that point to one it replaces are copied), or an object
 * deleted. NULL when the shared path does not apply or refuses.
 */
static struct np_table *chain_change(struct kunit *test, struct rnd_state *rnd,
				     struct np_table *t, u32 gen)
{
	u32 r = prandom_u32_state(rnd), i, n;
	struct np_txn txn = {};
	struct np_table *nt;
	struct add_spec spec;
	int k = r % 8 ? NP_VIF : r % 3;

	switch ((r >> 3) % 3) {
	case 0:
		n = 1 + (r >> 5) % 3;
		for (i = 0; i < n; i++) {
			random_spec(rnd, &spec);
			add_from_spec(test, &txn, &spec);
		}
		break;
	case 1:
		txn.update = true;
		n = 1 + (r >> 5) % 3;
		for (i = 0; i < n; i++)
			add_update_obj(test, &txn, prandom_u32_state(rnd));
		break;
	default:
		if (!np_seq_n(t->objs[k]))
			return NULL;
		i = prandom_u32_state(rnd) % np_seq_n(t->objs[k]);
		nt = np_table_drop(t, k, ((struct np_obj *)np_seq_at(t->objs[k], i))->name,
				   -1, gen);
		KUNIT_ASSERT_FALSE(test, IS_ERR(nt));
		return nt;
	}
	nt = np_table_add(t, &txn, gen);
	np_txn_destroy(&txn);
	KUNIT_ASSERT_FALSE(test, IS_ERR(nt));
	return nt;
}

#define CHAIN_TABLES	6

/*
 * The tables of a chain ended in any order, as when dumps hold old
 * tables while newer ones are published and replaced: every table still
 * alive reads whole (the suite poisons what is freed: its kunitconfig
 * sets CONFIG_SLUB_DEBUG_ON), one table left alone holds every object
 * alive, and none is left once all are gone. Tables made and dropped
 * before being published, and tables built in full (a new chain), come
 * in between.
 */
static void np_table_chain_test(struct kunit *test)
{
	int base = atomic_read(&np_objs_live), step, i, n = 0;
	int made = 0, ended_inside = 0, alone = 0;
	struct np_table *tabs[CHAIN_TABLES], *nt;
	struct np_txn txn = {};
	struct rnd_state rnd;
	u32 r;

	prandom_seed_state(&rnd, 23);
	for (step = 0; step < 4000; step++) {
		r = prandom_u32_state(&rnd);
		if (!n || (r % 50 == 0 && n < CHAIN_TABLES)) {
			/* built in full, from the newest table or from nothing */
			add_base(test, n ? tabs[n - 1] : NULL, &txn);
			nt = build(test, n ? tabs[n - 1] : NULL, true, &txn,
				   step + 1);
			KUNIT_ASSERT_FALSE(test, IS_ERR(nt));
		} else if ((r >> 6) % 3 == 0 || n == CHAIN_TABLES) {
			i = (r >> 8) % n;
			ended_inside += i && i < n - 1;
			np_table_free(tabs[i]);
			n--;
			memmove(&tabs[i], &tabs[i + 1], (n - i) * sizeof(*tabs));
			nt = NULL;
		} else {
			nt = chain_change(test, &rnd, tabs[n - 1], step + 1);
			if (nt && (r >> 10) % 6 == 0) {
				expect_whole(test, step, nt);
				np_table_free(nt);	/* never published */
				nt = NULL;
			}
			made += !!nt;
		}
		if (nt)
			tabs[n++] = nt;
		for (i = 0; i < n; i++)
			expect_whole(test, step, tabs[i]);
		if (n == 1) {
			alone++;
			expect_live(test, step, base, tabs[0], 0);
		}
	}
	while (n)
		np_table_free(tabs[--n]);
	KUNIT_EXPECT_EQ(test, atomic_read(&np_objs_live), base);
	kunit_info(test, "%d steps: %d tables made from the newest, %d ended between two others, %d times one table left\n",
		   step, made, ended_inside, alone);
	KUNIT_EXPECT_GT(test, made, 500);
	KUNIT_EXPECT_GT(test, ended_inside, 150);
	KUNIT_EXPECT_GT(test, alone, 200);
}

/*
 * The leaves of a table's sequences (struct np_seq): VIFs added one at a
 * time into full leaves (each split in two) and deleted at random, then
 * deleted in name order until none is left (each leaf emptied and taken
 * out of the spine), then added again from nothing. Each change is made
 * from the newest table while the one before it is still held; after
 * each, the new table holds the model's VIFs in name order, every leaf
 * holds 1 to NP_LEAF_MAX of them, the spine says where each ends,
 * np_seq_at() agrees with the walk, and the table before holds exactly
 * what it held.
 */
#define LEAF_NAMES	2000

static u32 walk_seq(struct kunit *test, int step, const struct np_seq *s,
		    const void **walk)
{
	u32 l, j, at = 0;

	for (l = 0; s && l < s->n_leaf; l++) {
		const struct np_leaf *lf = s->e[l].leaf;

		KUNIT_ASSERT_TRUE_MSG(test, lf->n >= 1 && lf->n <= NP_LEAF_MAX,
				      "step %d leaf %u holds %u", step, l, lf->n);
		for (j = 0; j < lf->n; j++)
			walk[at++] = lf->v[j];
		KUNIT_ASSERT_EQ_MSG(test, s->e[l].end, at, "step %d leaf %u", step, l);
	}
	KUNIT_ASSERT_EQ_MSG(test, np_seq_n(s), at, "step %d", step);
	return at;
}

static void expect_model(struct kunit *test, int step, const struct np_seq *s,
			 const unsigned long *model, const void **walk)
{
	u32 n = walk_seq(test, step, s, walk), at = 0;
	unsigned long i;
	char name[8];

	KUNIT_ASSERT_EQ_MSG(test, n, (u32)bitmap_weight(model, LEAF_NAMES),
			    "step %d", step);
	for_each_set_bit(i, model, LEAF_NAMES) {
		snprintf(name, sizeof(name), "v%04lu", i);
		KUNIT_ASSERT_STREQ_MSG(test, ((const struct np_obj *)walk[at])->name,
				       name, "step %d #%u", step, at);
		KUNIT_ASSERT_PTR_EQ_MSG(test, np_seq_at(s, at), walk[at],
					"step %d #%u", step, at);
		at++;
	}
}

static void np_table_leaves_test(struct kunit *test)
{
	int base = atomic_read(&np_objs_live), step = 0, phase = 0;
	int splits = 0, emptied = 0, adds = 0, drops = 0;
	const void **walk, **was, **chk, **tmp;
	struct np_table *t, *prev = NULL, *nt;
	struct np_txn txn = {};
	unsigned long *model;
	struct rnd_state rnd;
	u32 i, n_was, nl;
	char name[8];
	bool add;

	model = kunit_kcalloc(test, BITS_TO_LONGS(LEAF_NAMES), sizeof(long),
			      GFP_KERNEL);
	walk = kunit_kcalloc(test, LEAF_NAMES, sizeof(*walk), GFP_KERNEL);
	was = kunit_kcalloc(test, LEAF_NAMES, sizeof(*was), GFP_KERNEL);
	chk = kunit_kcalloc(test, LEAF_NAMES, sizeof(*chk), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, model && walk && was && chk);
	prandom_seed_state(&rnd, 29);
	add_base(test, NULL, &txn);
	for (i = 0; i < LEAF_NAMES; i += 3) {	/* leaves of 254, 254, 159 */
		snprintf(name, sizeof(name), "v%04u", i);
		add_vif(test, &txn, mk_vif(test, name, name, NULL, "n1"));
		__set_bit(i, model);
	}
	t = build(test, NULL, false, &txn, 1);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	expect_model(test, step, t->objs[NP_VIF], model, was);
	KUNIT_ASSERT_EQ(test, t->objs[NP_VIF]->n_leaf, 3U);

	/* 0: 3 adds to 1 delete; 1: deletes in order; 2: adds from none */
	for (step = 1; phase < 3; step++) {
		u32 r = prandom_u32_state(&rnd) % LEAF_NAMES;

		if (phase == 0 && step == 1500)
			phase = 1;
		if (phase == 1 && bitmap_empty(model, LEAF_NAMES))
			phase = 2;
		if (phase == 2 && bitmap_weight(model, LEAF_NAMES) == 300)
			phase = 3;
		add = phase == 2 || (phase == 0 && r % 4);
		i = add ? find_next_zero_bit(model, LEAF_NAMES, r) :
		      phase == 1 ? find_first_bit(model, LEAF_NAMES) :
				   find_next_bit(model, LEAF_NAMES, r);
		if (i >= LEAF_NAMES)
			i = add ? find_first_zero_bit(model, LEAF_NAMES) :
				  find_first_bit(model, LEAF_NAMES);
		if (i >= LEAF_NAMES)
			continue;
		snprintf(name, sizeof(name), "v%04u", i);
		nl = t->objs[NP_VIF] ? t->objs[NP_VIF]->n_leaf : 0;
		if (add) {
			add_vif(test, &txn, mk_vif(test, name, name, NULL, "n1"));
			nt = np_table_add(t, &txn, step + 1);
			np_txn_destroy(&txn);
			__set_bit(i, model);
			adds++;
		} else {
			nt = np_table_drop(t, NP_VIF, name, -1, step + 1);
			__clear_bit(i, model);
			drops++;
		}
		KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_OR_NULL(nt), "step %d", step);
		/* the table before holds what it held (@was: its walk) */
		n_was = walk_seq(test, step, t->objs[NP_VIF], chk);
		KUNIT_ASSERT_EQ_MSG(test, n_was + (add ? 1 : -1),
				    (u32)bitmap_weight(model, LEAF_NAMES),
				    "step %d", step);
		KUNIT_ASSERT_TRUE_MSG(test, !memcmp(chk, was, n_was * sizeof(*chk)),
				      "step %d", step);
		expect_model(test, step, nt->objs[NP_VIF], model, walk);
		tmp = was;
		was = walk;
		walk = tmp;
		np_table_free(prev);
		prev = t;
		t = nt;
		splits += (t->objs[NP_VIF] ? t->objs[NP_VIF]->n_leaf : 0) > nl;
		emptied += (t->objs[NP_VIF] ? t->objs[NP_VIF]->n_leaf : 0) < nl;
	}
	np_table_free(prev);
	expect_live(test, step, base, t, 0);
	np_table_free(t);
	KUNIT_EXPECT_EQ(test, atomic_read(&np_objs_live), base);
	kunit_info(test, "%d steps: %d adds, %d deletes; %d leaves split, %d emptied\n",
		   step, adds, drops, splits, emptied);
	KUNIT_EXPECT_GT(test, splits, 5);
	KUNIT_EXPECT_GT(test, emptied, 5);
}

static struct kunit_case np_table_cases[] = {
	KUNIT_CASE_PARAM(np_glob_table_test, glob_gen_params),
	KUNIT_CASE(np_glob_random_test),
	KUNIT_CASE(np_table_precedence_test),
	KUNIT_CASE(np_table_reference_test),
	KUNIT_CASE_PARAM(np_table_rollback_test, build_err_gen_params),
	KUNIT_CASE(np_table_merge_and_delete_test),
	KUNIT_CASE(np_table_sources_test),
	KUNIT_CASE(np_txn_merge_test),
	KUNIT_CASE(np_table_add_many_deps_test),
	KUNIT_CASE(np_table_update_test),
	KUNIT_CASE(np_table_add_random_test),
	KUNIT_CASE(np_table_chain_test),
	KUNIT_CASE(np_table_leaves_test),
	KUNIT_CASE(np_table_random_test),
	{}
};

/* np_table_put() frees on the module's workqueue: the module did not start */
static int np_table_suite_init(struct kunit_suite *suite)
{
	return np_tables_init();
}

static struct kunit_suite np_table_suite = {
	.name = "netpolicy_table",
	.suite_init = np_table_suite_init,
	.test_cases = np_table_cases,
};

kunit_test_suite(np_table_suite);

MODULE_LICENSE("GPL");
