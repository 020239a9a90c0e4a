// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's incremental share (pool/share.c) against the whole check:
 * written cases with their exact words; random sequences of puts and
 * deletes, after each of which the share must fail exactly when the
 * store's objects do not check as one file (pool_state_config's way), say
 * the same problems, and count what a model built from scratch counts;
 * and what a one-policy change costs in a pool of 20,000 VIFs.
 *
 * usage: share_test [SEED STEPS]
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../config.h"
#include "../pool/pool.h"
#include "../pool/share.h"
#include "../util.h"
#include "expect.h"

#define OBJ POOL_PREFIX "objects/"

static char *problems(struct share_model *m, struct share_check *r)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	*r = share_check(m, f);
	fclose(f);
	return text;
}

static void put(struct share_model *m, const char *key, const char *value)
{
	share_put(m, key, value, value ? strlen(value) : 0);
}

/*
 * Check what the puts since the last step changed: @failing objects fail,
 * @checked were checked again (-1: any), the problems include @words
 * (NULL: there are none).
 */
#define STEP(m, failing, checked, words) \
	step(m, failing, checked, words, __LINE__)

static void step(struct share_model *m, size_t failing, long checked,
		 const char *words, int line)
{
	struct share_check r;
	char *t = problems(m, &r);

	EXPECT(r.failing == failing && (checked < 0 || r.checked == (size_t)checked) &&
	       (words ? strstr(t, words) != NULL : !*t),
	       "step at line %d: %zu failing, %zu checked, said: %s", line,
	       r.failing, r.checked, t);
	free(t);
}

static void written_cases(void)
{
	struct share_model *m = share_new();

	put(m, OBJ "policy/open", "policy open {\n    ALLOW_CROSS_SERVER = true\n}\n");
	put(m, OBJ "network/front", "network front {\n    bridge = br-front\n    policy = open\n}\n");
	put(m, OBJ "vif/web", "vif web {\n    ifname = vweb\n    network = front\n    vm = web\n}\n");
	STEP(m, 0, 3, NULL);
	EXPECT(share_count(m) == 3, "3 objects, not %zu", share_count(m));

	/* a name that is not defined, then defined */
	put(m, OBJ "network/bad", "network bad { bridge = br-x  policy = nosuch }");
	STEP(m, 1, 1, OBJ "network/bad:1:39: error: network 'bad' names policy 'nosuch', which is not defined\n");
	put(m, OBJ "policy/nosuch", "policy nosuch { }");
	STEP(m, 0, 2, NULL);
	EXPECT(!share_put(m, OBJ "policy/nosuch", "policy nosuch { }", 17),
	       "the same value again is no change");

	/* a value smuggling a host block, and one naming another object */
	put(m, OBJ "vm/x", "vm x {\n}\nhost evil {\n    address = 10.1.0.66\n}\n");
	put(m, OBJ "vm/y", "vm z { }");
	STEP(m, 2, 2, "npmgr: pool: " OBJ "vm/x does not hold exactly the one object its key names\n"
	     "npmgr: pool: " OBJ "vm/y does not hold exactly the one object its key names\n");
	put(m, OBJ "vm/x", NULL);
	put(m, OBJ "vm/y", "vm y { }");
	STEP(m, 0, -1, NULL);
	EXPECT(share_count(m) == 6, "6 objects, not %zu", share_count(m));

	/* one interface name twice: both say so; one goes: fine */
	put(m, OBJ "vif/db", "vif db { ifname = vweb network = front }");
	STEP(m, 2, 2, "error: vif 'db' has the same interface name as vif 'web'");
	put(m, OBJ "vif/db", "vif db { ifname = vweb network = front policy = open }");
	STEP(m, 2, 2, "error: vif 'web' has the same interface name as vif 'db'");
	put(m, OBJ "vif/db", "vif db { ifname = vdb network = front }");
	STEP(m, 0, 2, NULL);

	/* one VNI twice */
	put(m, OBJ "network/a", "network a { bridge = br-a id = 7 }");
	put(m, OBJ "network/b", "network b { bridge = br-b id = 7 }");
	STEP(m, 2, 2, "error: network 'b' has the vxlan identifier 7 of network 'a'");
	put(m, OBJ "network/a", NULL);
	STEP(m, 0, 1, NULL);

	/* a policy change that contradicts the VM's policy of a VIF */
	put(m, OBJ "policy/local", "policy local { ALLOW_CROSS_SERVER = false }");
	put(m, OBJ "vm/web", "vm web { policy = local }");
	STEP(m, 1, -1, "error: vif 'web': contradictory policies: ALLOW_CROSS_SERVER = true in policy 'open'");
	/* the policy, the VM naming it, the VIF of that VM */
	put(m, OBJ "policy/local", "policy local { REQUIRE_ENCRYPTION = false }");
	STEP(m, 0, 3, NULL);
	put(m, OBJ "policy/local", NULL);
	STEP(m, 1, -1, "error: vm 'web' names policy 'local', which is not defined");
	share_free(m);
}

/* --- random sequences against the whole check --- */

#define N_POL 4
#define N_NET 4
#define N_VM 4
#define N_VIF 8
#define N_KEYS (N_POL + N_NET + N_VM + N_VIF)

static char *keys[N_KEYS], *vals[N_KEYS];

static enum obj_kind key_kind(int k)
{
	return k < N_POL ? OBJ_POLICY : k < N_POL + N_NET ? OBJ_NET :
	       k < N_POL + N_NET + N_VM ? OBJ_VM : OBJ_VIF;
}

/* A value for key @k: mostly its object, with random attributes. */
static char *rnd_value(int k)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int r = rand() % 600;

	if (r == 0)
		return xstrdup("vm smuggler { }\nvm second { }\n");
	if (r == 1)
		return xstrdup("policy {");
	f = open_memstream(&text, &len);
	switch (key_kind(k)) {
	case OBJ_POLICY:
		fprintf(f, "policy p%d {", k);
		if (rand() % 3 == 0)
			fprintf(f, " ALLOW_CROSS_SERVER = %s", rand() % 2 ? "true" : "false");
		if (rand() % 4 == 0)
			fprintf(f, " REQUIRE_ENCRYPTION = true");
		if (rand() % 12 == 0)
			fprintf(f, " RESTRICT_TO_HOST = h1");
		break;
	case OBJ_NET:
		fprintf(f, "network n%d {", k - N_POL);
		if (rand() % 60)
			fprintf(f, " bridge = br0");
		fprintf(f, " policy = p%d", rand() % 60 ? rand() % 2 : N_POL);
		if (rand() % 3 == 0)
			fprintf(f, " id = %d", 1 + rand() % 3);
		else if (rand() % 40 == 0)
			fprintf(f, " id = 20000000");
		break;
	case OBJ_VM:
		fprintf(f, "vm m%d {", k - N_POL - N_NET);
		if (rand() % 2)
			fprintf(f, " policy = p%d", rand() % 60 ? rand() % N_POL : N_POL);
		break;
	default:
		fprintf(f, "vif v%d {", k - N_POL - N_NET - N_VM);
		if (rand() % 2)
			fprintf(f, " ifname = t%d", rand() % 12);
		else if (rand() % 40)
			fprintf(f, " mac = 52:54:00:00:00:%02d", rand() % 12);
		fprintf(f, " network = n%d vm = m%d", rand() % 60 ? rand() % 2 : N_NET,
			rand() % (N_VM + 1));
		if (rand() % 3 == 0)
			fprintf(f, " policy = p%d", rand() % 60 ? rand() % N_POL : N_POL);
		break;
	}
	fprintf(f, " }\n");
	fclose(f);
	return text;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The problem bodies (after "error: ") that do not name a twin, sorted. */
static char *bodies(const char *text)
{
	char **v = NULL, *out = NULL, *copy = xstrdup(text ? text : ""), *line, *save;
	size_t n = 0, len = 0, i;
	FILE *f;

	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *b = strstr(line, ": error: ");

		if (!b || strstr(b, "has the same") || strstr(b, "identifier"))
			continue;
		*(char **)xpush((void **)&v, &n, sizeof(*v)) = (char *)b;
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_str);
	f = open_memstream(&out, &len);
	for (i = 0; i < n; i++)
		fprintf(f, "%s\n", v[i]);
	fclose(f);
	free(v);
	free(copy);
	return out;
}

/* The whole store as pool_state_config() checks it: failing or not, its words. */
static bool whole_check(char **words)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct np_diags d = { 0 };
	struct np_config cfg;
	bool bad = false;
	int i;

	for (i = 0; i < N_KEYS; i++) {
		struct np_diags one = { 0 };
		struct np_config c;
		size_t n = 0;
		int k;

		if (!vals[i])
			continue;
		fputs(vals[i], f);
		/* exactly one object, of the key's kind and name */
		if (config_parse("k", vals[i], strlen(vals[i]), &c, &one)) {
			bad = true;
		} else {
			for (k = 0; k < OBJ_COUNT; k++)
				n += config_count(&c, k);
			bad |= n != 1 || config_count(&c, key_kind(i)) != 1 ||
			       strcmp(config_obj(&c, key_kind(i), 0)->name,
				      strrchr(keys[i], '/') + 1);
		}
		config_free(&c);
		diags_free(&one);
	}
	fclose(f);
	*words = NULL;
	if (bad) {
		free(text);
		return false;
	}
	if (!config_parse("all", text, len, &cfg, &d)) {
		cfg.hosts_from_pool = true;
		config_check(&cfg, &d);
	}
	*words = bodies(d.text);
	bad = d.count;
	config_free(&cfg);
	diags_free(&d);
	free(text);
	return !bad;
}

static void random_sequences(unsigned int seed, int steps)
{
	struct share_model *m = share_new();
	int i, s, mismatches = 0, fails = 0;

	srand(seed);
	for (i = 0; i < N_KEYS; i++) {
		keys[i] = i < N_POL ? xasprintf(OBJ "policy/p%d", i) :
			  i < N_POL + N_NET ? xasprintf(OBJ "network/n%d", i - N_POL) :
			  i < N_POL + N_NET + N_VM ? xasprintf(OBJ "vm/m%d", i - N_POL - N_NET) :
			  xasprintf(OBJ "vif/v%d", i - N_POL - N_NET - N_VM);
		vals[i] = rnd_value(i);
		put(m, keys[i], vals[i]);
	}
	for (s = 0; s < steps; s++) {
		struct share_model *fresh = share_new();
		struct share_check r, rf;
		char *ref_words, *t, *ours;
		bool ok;
		int n = 1 + rand() % 3;

		while (n--) {
			int k = rand() % N_KEYS;

			free(vals[k]);
			/* what others name goes more rarely */
			vals[k] = rand() % (key_kind(k) == OBJ_VIF ? 6 : 40) ?
				  rnd_value(k) : NULL;
			put(m, keys[k], vals[k]);
		}
		r = share_check(m, NULL);
		for (i = 0; i < N_KEYS; i++)
			if (vals[i])
				put(fresh, keys[i], vals[i]);
		t = problems(fresh, &rf);
		ok = whole_check(&ref_words);
		ours = bodies(t);
		fails += !ok;
		if (ok != !r.failing || r.failing != rf.failing ||
		    (ref_words && strcmp(ref_words, ours))) {
			if (mismatches++ < 3) {
				printf("seed %u step %d: whole check %s, share %zu failing, from scratch %zu\n",
				       seed, s, ok ? "ok" : "fails", r.failing, rf.failing);
				for (i = 0; i < N_KEYS; i++)
					if (vals[i])
						printf("  %s", vals[i]);
				printf("whole:\n%sshare:\n%s", ref_words ? ref_words : "(bad keys)\n", ours);
			}
		}
		free(ref_words);
		free(ours);
		free(t);
		share_free(fresh);
	}
	EXPECT(!mismatches, "seed %u: %d of %d steps disagree with the whole check", seed, mismatches, steps);
	EXPECT(fails > steps / 20 && fails < steps - steps / 20,
	       "seed %u: the sequence should both fail and pass often (%d of %d fail)", seed, fails, steps);
	printf("share: seed %u, %d steps, %d of them not checking, all agreeing\n", seed, steps, fails);
	for (i = 0; i < N_KEYS; i++) {
		free(keys[i]);
		free(vals[i]);
	}
	share_free(m);
}

/* A change costs what it touches: the bench's pool shape, 20,000 VIFs. */
static void cost_of_a_change(void)
{
	struct share_model *m = share_new();
	struct share_check r;
	char key[128], *v;
	int i;

	for (i = 0; i < 2000; i++) {
		snprintf(key, sizeof(key), OBJ "policy/p%d", i);
		v = xasprintf("policy p%d { ALLOW_CROSS_SERVER = %s }", i, i % 2 ? "true" : "false");
		put(m, key, v);
		free(v);
		snprintf(key, sizeof(key), OBJ "network/n%d", i);
		v = xasprintf("network n%d { bridge = brn%d policy = p%d }", i, i % 1000, i);
		put(m, key, v);
		free(v);
	}
	for (i = 0; i < 20000; i++) {
		if (i % 2 == 0) {
			snprintf(key, sizeof(key), OBJ "vm/vm%d", i / 2);
			v = xasprintf("vm vm%d { tags = {t%d} }", i / 2, i % 100);
			put(m, key, v);
			free(v);
		}
		snprintf(key, sizeof(key), OBJ "vif/v%d", i);
		v = xasprintf("vif v%d { ifname = vt%d network = n%d vm = vm%d }", i, i, i % 2000, i / 2);
		put(m, key, v);
		free(v);
	}
	r = share_check(m, NULL);
	EXPECT(!r.failing && r.checked == 34000, "the pool: %zu failing, %zu checked", r.failing, r.checked);
	put(m, OBJ "policy/p1", "policy p1 { ALLOW_CROSS_SERVER = false ISOLATE_FROM = {NAME(x)} }");
	r = share_check(m, NULL);
	/* the policy, its network, the 10 VIFs on it */
	EXPECT(!r.failing && r.checked == 12, "one policy changed: %zu checked, not 12", r.checked);
	put(m, OBJ "vif/v5", "vif v5 { ifname = vt5 network = n6 vm = vm2 }");
	r = share_check(m, NULL);
	EXPECT(!r.failing && r.checked == 1, "one VIF moved: %zu checked, not 1", r.checked);
	put(m, OBJ "network/n7", NULL);
	r = share_check(m, NULL);
	EXPECT(r.failing == 10 && r.checked == 10, "a network gone: %zu failing, %zu checked",
	       r.failing, r.checked);
	share_free(m);
}

int main(int argc, char **argv)
{
	unsigned int seed = argc > 2 ? (unsigned int)strtoul(argv[1], NULL, 0) : 20261203;
	int steps = argc > 2 ? atoi(argv[2]) : 3000;

	written_cases();
	random_sequences(seed, steps);
	if (argc <= 2)
		random_sequences(seed + 1, steps);
	cost_of_a_change();
	return test_summary();
}
