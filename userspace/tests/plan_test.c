// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of realization planning (userspace/realize/plan.c), on the
 * host, no kernel: which devices a host gets for each network (bridge,
 * VXLAN with its peers, one GRE or Geneve device per peer, MACsec on top),
 * their names, the underlay PHYSICAL_IFS_ALLOWED picks among the links
 * that exist, what the kernel is told (claims), the keys, and every
 * planning error with its exact message. Prints "N passed, N failed".
 */

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../config.h"
#include "../realize/rz.h"
#include "expect.h"

/* One planning: the file, its parse, the plan and its diagnostics. */
struct run {
	struct np_config cfg;
	struct np_diags d;
	struct rz_plan *pl;
	int rc;
};

static const char pool3[] =
	"host hA { address = 10.1.0.1 }\n"
	"host hB { address = 10.1.0.2 }\n"
	"host hC { address = 10.1.0.3 }\n";

/*
 * Plan @src (after the three-host pool when @with_pool) on @self, with the
 * links @links (space separated) existing.
 */
static void plan(struct run *r, const char *src, const char *self,
		 const char *links)
{
	char *text = xcalloc(strlen(pool3) + strlen(src) + 1, 1);
	char *names[16], *copy = xstrdup(links), *tok, *save = NULL;
	size_t n = 0;

	strcpy(text, pool3);
	strcat(text, src);
	memset(r, 0, sizeof(*r));
	for (tok = strtok_r(copy, " ", &save); tok && n < 16;
	     tok = strtok_r(NULL, " ", &save))
		names[n++] = tok;
	/* the caller gives them sorted, as rz_host_have_links() does */
	if (config_parse("t.policy", text, strlen(text), &r->cfg, &r->d) ||
	    (config_check(&r->cfg, &r->d), r->d.count)) {
		printf("FAIL: the test's file does not check:\n%s", r->d.text);
		failed++;
		r->rc = -1;
	} else {
		config_sort(&r->cfg);
		r->rc = rz_plan_make(&r->cfg, self, names, n, &r->d, &r->pl);
	}
	r->d.buf = NULL;		/* @text goes now */
	free(copy);
	free(text);
}

static void done(struct run *r)
{
	rz_plan_free(r->pl);
	config_free(&r->cfg);
	diags_free(&r->d);
}

static const struct rz_dev *dev(const struct run *r, size_t i)
{
	return r->pl && i < r->pl->n ? &r->pl->devs[i] : NULL;
}

static const char *ip(struct in_addr a, char buf[INET_ADDRSTRLEN])
{
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

/* The first line of the diagnostics, without the quoted source. */
static const char *first_error(const struct run *r, char *buf, size_t n)
{
	const char *nl;

	if (!r->d.text)
		return "";
	nl = strchr(r->d.text, '\n');
	snprintf(buf, n, "%.*s", (int)(nl ? nl - r->d.text : 0), r->d.text);
	return buf;
}

static bool is_hex_name(const char *name, const char *prefix)
{
	size_t i;

	if (strncmp(name, prefix, 3) || strlen(name) != 11)
		return false;
	for (i = 3; i < 11; i++)
		if (!strchr("0123456789abcdef", name[i]))
			return false;
	return true;
}

static void test_vxlan(void)
{
	const struct rz_dev *br, *vx;
	const struct np_claim *c;
	char a[INET_ADDRSTRLEN];
	struct run r;
	size_t n;

	plan(&r, "policy cross { ALLOW_CROSS_SERVER = true }\n"
		 "network front { bridge = br-front policy = cross id = 100 }\n",
	     "hA", "eth0 lo");
	EXPECT(!r.rc && r.pl && r.pl->n == 2, "vxlan: two devices (rc %d)",
	       r.rc);
	br = dev(&r, 0);
	vx = dev(&r, 1);
	EXPECT(br && br->kind == RZ_BRIDGE && !strcmp(br->name, "br-front") &&
	       !strcmp(br->alias, "netpolicy:front:bridge"),
	       "vxlan: the bridge first, marked as the network's");
	EXPECT(vx && vx->kind == RZ_VXLAN && is_hex_name(vx->name, "npv") &&
	       vx->id == 100 && !strcmp(vx->master, "br-front") &&
	       !vx->lower[0] && !vx->isolated,
	       "vxlan: one VXLAN device npvXXXXXXXX, VNI 100, port of the bridge, no fixed underlay (%s)",
	       vx ? vx->name : "-");
	EXPECT(vx && !strcmp(ip(vx->local, a), "10.1.0.1"),
	       "vxlan: local address is this host's");
	EXPECT(vx && vx->n_peers == 2 &&
	       !strcmp(ip(vx->peers[0], a), "10.1.0.2") &&
	       !strcmp(ip(vx->peers[1], a), "10.1.0.3"),
	       "vxlan: one flooding peer per other host, in name order");
	EXPECT(vx && !strncmp(vx->alias, "netpolicy:front:", 16) &&
	       strlen(vx->alias) == 16 + 16, "vxlan: alias %s",
	       vx ? vx->alias : "-");
	c = rz_plan_claims(r.pl, &n);
	EXPECT(n == 1 && !strcmp(c[0].network, "front") &&
	       c[0].tunnel == NETPOLICY_TUNNEL_VXLAN && c[0].id == 100,
	       "vxlan: the kernel is told front is realized as vxlan 100");
	EXPECT(!rz_plan_caks(r.pl) && !rz_plan_sessions(r.pl),
	       "vxlan: a plain network needs no key and no session");
	done(&r);

	/* the same network planned on another host: same names, same alias */
	{
		struct run s;

		plan(&r, "policy cross { ALLOW_CROSS_SERVER = true }\n"
			 "network front { bridge = br-front policy = cross id = 100 }\n",
		     "hA", "");
		plan(&s, "policy cross { ALLOW_CROSS_SERVER = true }\n"
			 "network front { bridge = br-front policy = cross id = 100 }\n",
		     "hB", "");
		EXPECT(dev(&r, 1) && dev(&s, 1) &&
		       !strcmp(dev(&r, 1)->name, dev(&s, 1)->name),
		       "vxlan: every host names the network's device alike");
		EXPECT(dev(&s, 1) && dev(&s, 1)->n_peers == 2 &&
		       !strcmp(ip(dev(&s, 1)->peers[0], a), "10.1.0.1"),
		       "vxlan: hB's peers are hA and hC");
		done(&r);
		done(&s);
	}
}

static void test_point_to_point(void)
{
	const struct rz_dev *g1, *g2;
	char a[INET_ADDRSTRLEN];
	struct run r;

	plan(&r, "policy cross { ALLOW_CROSS_SERVER = true }\n"
		 "network back { bridge = br-back policy = cross tunnel = gretap id = 7 }\n",
	     "hB", "");
	g1 = dev(&r, 1);
	g2 = dev(&r, 2);
	EXPECT(!r.rc && r.pl && r.pl->n == 3, "gretap: a bridge and one device per peer");
	EXPECT(g1 && g2 && g1->kind == RZ_GRETAP && g2->kind == RZ_GRETAP &&
	       is_hex_name(g1->name, "npg") && is_hex_name(g2->name, "npg") &&
	       strcmp(g1->name, g2->name),
	       "gretap: npgXXXXXXXX, a name per peer");
	EXPECT(g1 && g2 && !strcmp(ip(g1->remote, a), "10.1.0.1") &&
	       !strcmp(ip(g2->remote, a), "10.1.0.3") &&
	       !strcmp(ip(g1->local, a), "10.1.0.2") && g1->id == 7,
	       "gretap: remote per peer, key 7");
	EXPECT(g1 && g2 && g1->isolated && g2->isolated,
	       "gretap: two or more per-peer ports are isolated (no loop)");
	done(&r);

	plan(&r, "policy cross { ALLOW_CROSS_SERVER = true }\n"
		 "network back { bridge = br-back policy = cross tunnel = geneve id = 7 hosts = {hA, hB} }\n",
	     "hA", "");
	g1 = dev(&r, 1);
	EXPECT(!r.rc && r.pl && r.pl->n == 2 && g1 && g1->kind == RZ_GENEVE &&
	       is_hex_name(g1->name, "npe") && !g1->isolated &&
	       !strcmp(ip(g1->remote, a), "10.1.0.2"),
	       "geneve: hosts = {hA, hB}: one peer, one port, not isolated");
	done(&r);
}

static void test_underlay(void)
{
	static const char src[] =
		"nic eth2 { tags = {t1} }\n"
		"nic eth1 { tags = {t1, x} }\n"
		"nic eth0 { tags = {t2} }\n"
		"policy p { ALLOW_CROSS_SERVER = true PHYSICAL_IFS_ALLOWED = {TAG(t1), NAME(eth9)} }\n"
		"network front { bridge = br-front policy = p id = 100 }\n";
	char err[512];
	struct run r;

	const char **names;
	size_t n;

	plan(&r, src, "hA", "eth0 eth1 eth2 eth9 lo");
	EXPECT(dev(&r, 1) && !strcmp(dev(&r, 1)->lower, "eth1"),
	       "underlay: the first allowed NIC by name (%s)",
	       dev(&r, 1) ? dev(&r, 1)->lower : "-");
	/* what npmgr asks the kernel about: these, and no other link */
	names = rz_plan_link_names(&r.cfg, &n);
	EXPECT(n == 4 && !strcmp(names[0], "eth0") &&
	       !strcmp(names[1], "eth1") && !strcmp(names[2], "eth2") &&
	       !strcmp(names[3], "eth9"),
	       "underlay: the names planning may ask about, sorted (%zu)", n);
	free(names);
	done(&r);
	plan(&r, src, "hA", "eth0 eth2 eth9 lo");
	EXPECT(dev(&r, 1) && !strcmp(dev(&r, 1)->lower, "eth2"),
	       "underlay: a tagged NIC that does not exist is passed over");
	done(&r);
	plan(&r, src, "hA", "eth0 eth9");
	EXPECT(dev(&r, 1) && !strcmp(dev(&r, 1)->lower, "eth9"),
	       "underlay: NAME(eth9) when no tagged NIC exists");
	done(&r);
	plan(&r, src, "hA", "eth0 lo");
	EXPECT(r.rc == -1 && !r.pl &&
	       !strcmp(first_error(&r, err, sizeof(err)),
		       "t.policy:8:9: error: network 'front': no interface of host 'hA' is allowed by PHYSICAL_IFS_ALLOWED of policy 'p' (declare it with a nic block and its tags)"),
	       "underlay: none allowed exists: %s", err);
	done(&r);
	plan(&r, "policy p { ALLOW_CROSS_SERVER = true PHYSICAL_IFS_ALLOWED = {NAME(eth1)} }\n"
		 "network front { bridge = br-front policy = p tunnel = geneve id = 100 }\n",
	     "hA", "eth1");
	EXPECT(r.rc == -1 &&
	       !strcmp(first_error(&r, err, sizeof(err)),
		       "t.policy:5:55: error: network 'front': a geneve tunnel cannot be bound to a physical interface, which PHYSICAL_IFS_ALLOWED of policy 'p' needs (use vxlan or gretap)"),
	       "underlay: geneve cannot be bound: %s", err);
	done(&r);
}

static void test_local(void)
{
	const struct np_claim *c;
	struct run r;
	size_t n;

	plan(&r, "policy local { ALLOW_CROSS_SERVER = false }\n"
		 "policy cross { ALLOW_CROSS_SERVER = true }\n"
		 "policy host { RESTRICT_TO_HOST = hA }\n"
		 "network a { bridge = br-a policy = local }\n"
		 "network b { bridge = br-b }\n"
		 "network c { bridge = br-c policy = host }\n"
		 "network d { bridge = br-d policy = cross hosts = {hA} id = 4 }\n"
		 "network e { bridge = br-e policy = cross hosts = {hB, hC} id = 5 }\n",
	     "hA", "");
	EXPECT(!r.rc && r.pl && r.pl->n == 4 && dev(&r, 0)->kind == RZ_BRIDGE &&
	       dev(&r, 1)->kind == RZ_BRIDGE && dev(&r, 2)->kind == RZ_BRIDGE &&
	       dev(&r, 3)->kind == RZ_BRIDGE && !strcmp(dev(&r, 3)->name, "br-d"),
	       "local: local-only, policy-less and single-host networks get a bridge only; one this host does not carry gets nothing");
	c = rz_plan_claims(r.pl, &n);
	EXPECT(n == 0 && !c, "local: no claims");
	done(&r);
}

static void test_errors(void)
{
	static const struct {
		const char *name, *src, *self, *want;
	} cases[] = {
		{ "no id",
		  "policy cross { ALLOW_CROSS_SERVER = true }\n"
		  "network front { bridge = br policy = cross }\n", "hA",
		  "t.policy:5:9: error: network 'front' crosses hosts (policy 'cross': ALLOW_CROSS_SERVER = true) and needs an 'id' (its VNI, the same on every host)" },
		{ "no GRE key",
		  "policy cross { ALLOW_CROSS_SERVER = true }\n"
		  "network front { bridge = br policy = cross tunnel = gretap }\n", "hA",
		  "t.policy:5:9: error: network 'front' crosses hosts (policy 'cross': ALLOW_CROSS_SERVER = true) and needs an 'id' (its GRE key, the same on every host)" },
		{ "COMPRESS",
		  "policy squeeze { ALLOW_CROSS_SERVER = true COMPRESS = true }\n"
		  "network front { bridge = br policy = squeeze id = 1 }\n", "hA",
		  "t.policy:4:8: error: policy 'squeeze': COMPRESS = true cannot be realized (netpolicy encrypts with MACsec, which has no compression; see Documentation, \"Realization\")" },
		{ "a tunnel for a local network",
		  "policy local { ALLOW_CROSS_SERVER = false }\n"
		  "network front { bridge = br policy = local tunnel = gretap }\n", "hA",
		  "t.policy:5:53: error: network 'front' has no tunnel to realize: its policy does not say ALLOW_CROSS_SERVER = true" },
		{ "an id without a policy",
		  "network front { bridge = br id = 3 }\n", "hA",
		  "t.policy:4:34: error: network 'front' has no tunnel to realize: it has no policy (ALLOW_CROSS_SERVER = true makes it cross hosts)" },
		{ "this host is not in the pool",
		  "network front { bridge = br }\n", "hZ",
		  "t.policy:1:6: error: this host is 'hZ', which no host block names: the pool's hosts must include it (or use --host NAME)" },
		{ "two networks, one bridge",
		  "network a { bridge = br }\nnetwork b { bridge = br }\n", "hA",
		  "t.policy:5:9: error: networks 'a' and 'b' both need device br: a realized network needs a bridge of its own" },
	};
	char err[512];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct run r;

		plan(&r, cases[i].src, cases[i].self, "");
		EXPECT(r.rc == -1 && !r.pl &&
		       !strcmp(first_error(&r, err, sizeof(err)), cases[i].want),
		       "error: %s:\n  want %s\n  got  %s", cases[i].name,
		       cases[i].want, err);
		done(&r);
	}
}

static void test_no_pool(void)
{
	struct np_config cfg;
	struct np_diags d = { 0 };
	struct rz_plan *pl = (struct rz_plan *)&cfg;
	static const char src[] = "network n { bridge = br }\n";

	config_parse("t.policy", src, strlen(src), &cfg, &d);
	EXPECT(!rz_plan_make(&cfg, "h", NULL, 0, &d, &pl) && !pl && !d.count,
	       "no pool: nothing to plan, no error");
	config_free(&cfg);
	diags_free(&d);
}

static const char secure[] =
	"policy secure { ALLOW_CROSS_SERVER = true REQUIRE_ENCRYPTION = true }\n"
	"network front { bridge = br-front policy = secure id = 100 }\n"
	"network back { bridge = br-back policy = secure tunnel = gretap id = 7 }\n";

static void test_sessions(void)
{
	const struct rz_mka *m;
	const struct rz_dev *vx;
	struct np_pos pos;
	struct run r;
	char err[512];
	size_t i;

	plan(&r, secure, "hA", "");
	EXPECT(!r.rc && r.pl && r.pl->n == 5, "sessions: two bridges, a VXLAN, two GRE devices (%zu)",
	       r.pl ? r.pl->n : 0);
	EXPECT(rz_plan_sessions(r.pl) == 4,
	       "sessions: one per peer and network: two on the VXLAN device, one per GRE device (%zu)",
	       r.pl ? rz_plan_sessions(r.pl) : 0);
	EXPECT(rz_plan_caks(r.pl) == 2 &&
	       !strcmp(rz_plan_cak_network(r.pl, 0, &pos), "back") &&
	       /* line 4 (after pool3), column 8: the policy's name */
	       pos.at == strlen(pool3) + strlen("policy ") + 1 &&
	       !strcmp(rz_plan_cak_network(r.pl, 1, &pos), "front"),
	       "sessions: one CAK per encrypted network, asked for at its policy");
	vx = dev(&r, 4);
	for (i = 2; r.pl && i < 4; i++) {
		m = &r.pl->mkas[i];
		EXPECT(vx && vx->kind == RZ_VXLAN &&
		       !strcmp(m->tunnel, vx->name) &&
		       !strcmp(m->bridge, "br-front") && !vx->master[0] &&
		       m->isolated && !strcmp(m->net->name, "front") &&
		       !strcmp(m->self, "hA") &&
		       !strcmp(m->peer, i == 2 ? "hB" : "hC"),
		       "sessions: the VXLAN device is no bridge port: its sessions' MACsec devices are, isolated");
	}
	EXPECT(r.pl && strcmp(r.pl->mkas[2].sid, r.pl->mkas[3].sid) &&
	       !strncmp(r.pl->mkas[2].sid, vx->name, strlen(vx->name)) &&
	       r.pl->mkas[2].sid[strlen(vx->name)] == '-' &&
	       strlen(r.pl->mkas[2].sid) == strlen(vx->name) + 9,
	       "sessions: a session's id is its tunnel and its peer's hash (%s)",
	       r.pl ? r.pl->mkas[2].sid : "");
	m = r.pl ? &r.pl->mkas[0] : NULL;
	EXPECT(m && !strncmp(m->tunnel, "npg", 3) && m->isolated &&
	       !strcmp(m->peer, "hB") && !strcmp(m->bridge, "br-back") &&
	       dev(&r, 1) && !dev(&r, 1)->master[0] && !dev(&r, 1)->isolated,
	       "sessions: a per-peer GRE device's MACsec device is the isolated port");
	done(&r);

	/* two hosts: one peer, one port, nothing to isolate from */
	plan(&r, "policy p { ALLOW_CROSS_SERVER = true REQUIRE_ENCRYPTION = true }\n"
		 "network front { bridge = br policy = p id = 1 hosts = {hA, hC} }\n",
		 "hC", "");
	EXPECT(!r.rc && rz_plan_sessions(r.pl) == 1 &&
	       !r.pl->mkas[0].isolated && !strcmp(r.pl->mkas[0].peer, "hA"),
	       "sessions: two hosts, one session, its port not isolated");
	done(&r);

	plan(&r, "policy p { ALLOW_CROSS_SERVER = true REQUIRE_ENCRYPTION = true ENCRYPTION_ALGORITHM = gcm-aes-256 }\n"
		 "network front { bridge = br policy = p id = 1 }\n", "hA", "");
	EXPECT(r.rc == -1 &&
	       !strcmp(first_error(&r, err, sizeof(err)),
		       "t.policy:4:8: error: policy 'p': ENCRYPTION_ALGORITHM = gcm-aes-256 cannot be realized: the key agreement (MKA in Debian 12's wpa_supplicant 2.10) agrees on gcm-aes-128 only (see Documentation, \"Encryption: key agreement\")"),
	       "sessions: gcm-aes-256 is refused, not weakened: %s", err);
	done(&r);
	plan(&r, "policy p { ALLOW_CROSS_SERVER = true REQUIRE_ENCRYPTION = true ENCRYPTION_ALGORITHM = gcm-aes-128 }\n"
		 "network front { bridge = br policy = p id = 1 }\n", "hA", "");
	EXPECT(!r.rc && rz_plan_sessions(r.pl) == 2,
	       "sessions: gcm-aes-128 is what MKA agrees on");
	done(&r);
}

int main(void)
{
	test_vxlan();
	test_point_to_point();
	test_underlay();
	test_local();
	test_errors();
	test_no_pool();
	test_sessions();
	return test_summary();
}
