// SPDX-License-Identifier: GPL-2.0
/*
 * npmgr show --graph: the DOT text for one host's state, compared whole,
 * and the escaping of what a name or a kernel message may hold.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../config.h"
#include "../graph.h"
#include "expect.h"

static const char policy[] =
	"policy secure { ALLOW_CROSS_SERVER = true REQUIRE_ENCRYPTION = true\n"
	"  ISOLATE_FROM = {NAME(my_insecure_vm)} }\n"
	"policy open { ALLOW_CROSS_SERVER = true }\n"
	"policy here { ALLOW_CROSS_SERVER = false }\n"
	"network front { bridge = br-front policy = secure }\n"
	"network back { bridge = br-back policy = here }\n"
	"network wide { bridge = br-wide policy = open }\n"
	"nic eth1 { tags = {uplink, fast} }\n"
	"vif web { ifname = \"tap-web*\" network = front vm = web }\n";

/* The file above, parsed and checked; 0 or -1. */
static int load(struct np_config *cfg)
{
	struct np_diags d = { 0 };
	int rc = config_parse("t.policy", policy, strlen(policy), cfg, &d);

	if (!rc) {
		config_check(cfg, &d);
		rc = d.count ? -1 : 0;
	}
	if (rc)
		printf("FAIL: the test's file does not check:\n%s", d.text);
	d.buf = NULL;
	diags_free(&d);
	config_sort(cfg);
	return rc;
}

static const char expected[] =
	"digraph netpolicy {\n"
	"\tgraph [rankdir=LR, labelloc=t, fontname=\"sans-serif\", label=\"host hA (npmgr show --graph)\"];\n"
	"\tnode [shape=box, fontname=\"sans-serif\", fontsize=10];\n"
	"\tedge [fontname=\"sans-serif\", fontsize=9];\n"
	"\tsubgraph \"cluster_vm:web\" {\n"
	"\t\tlabel=\"VM web\";\n"
	"\t\tstyle=rounded;\n"
	"\t\t\"port:tap-web0\" [label=\"tap-web0\\nVIF web\"];\n"
	"\t\t\"port:tap-web1\" [label=\"tap-web1\\nVIF web\"];\n"
	"\t}\n"
	"\tsubgraph \"cluster_vm:my_insecure_vm\" {\n"
	"\t\tlabel=\"VM my_insecure_vm\";\n"
	"\t\tstyle=rounded;\n"
	"\t\t\"port:tap-insecure\" [label=\"tap-insecure\\nVIF insecure\\nrefused\", color=red];\n"
	"\t}\n"
	"\t\"port:tap-db\" [label=\"tap-db\\nVIF db\\npending\", color=orange];\n"
	"\t\"port:tap-guest9\" [label=\"tap-guest9\\nunbound: no VIF object\", style=dashed];\n"
	"\t\"port:tap-web0\" -> \"bridge:br-front\";\n"
	"\t\"port:tap-web1\" -> \"bridge:br-front\";\n"
	"\t\"port:tap-insecure\" -> \"bridge:br-front\" [label=\"refused: policy 'secure' (network front): ISOLATE_FROM NAME(my_insecure_vm) matches VM \\\"my_insecure_vm\\\"\", style=dashed, color=red, fontcolor=red];\n"
	"\t\"port:tap-db\" -> \"bridge:br-back\" [label=\"pending: bridge br-back does not exist\", style=dashed, color=orange, fontcolor=orange];\n"
	"\t\"bridge:br-back\" [label=\"br-back\\nnetwork back\\npolicy here (this host only)\\n(no such bridge yet)\", style=\"rounded,dashed\", color=orange];\n"
	"\t\"bridge:br-front\" [label=\"br-front\\nnetwork front\\npolicy secure (crosses hosts, encrypted)\", style=\"rounded,bold\"];\n"
	"\t\"bridge:br-wide\" [label=\"br-wide\\nnetwork wide\\npolicy open (crosses hosts)\", style=\"rounded,bold\"];\n"
	"\t\"dev:eth1\" [label=\"eth1\\ndummy, NIC, tags uplink, fast\", shape=cds];\n"
	"\t\"bridge:br-front\" -> \"dev:eth1\";\n"
	"\t\"dev:npm1\" [label=\"npm1\\nMACsec, encrypted\", shape=box, color=darkgreen];\n"
	"\t\"dev:npv1\" [label=\"npv1\\nvxlan 100\"];\n"
	"\t\"dev:npm1\" -> \"dev:npv1\" [arrowhead=none, style=bold];\n"
	"\t\"dev:npv1\" -> \"host:hB\" [label=\"MKA secured\", color=darkgreen];\n"
	"\t\"bridge:br-front\" -> \"dev:npm1\";\n"
	"\t\"dev:npm2\" [label=\"npm2\\nMACsec, NOT encrypting\", shape=box, color=red];\n"
	"\t\"dev:npm2\" -> \"dev:npv1\" [arrowhead=none, style=bold];\n"
	"\t\"dev:npv1\" -> \"host:hC\" [label=\"MKA waiting\", style=dashed, color=red, fontcolor=red];\n"
	"\t\"bridge:br-front\" -> \"dev:npm2\";\n"
	"\t\"dev:npv9\" [label=\"npv9\\nvxlan 200\"];\n"
	"\t\"dev:npv9\" -> \"peer:10.1.0.2\";\n"
	"\t\"dev:npv9\" -> \"peer:10.1.0.3\";\n"
	"\t\"bridge:br-wide\" -> \"dev:npv9\";\n"
	"\t\"dev:eth-plain\" [label=\"eth-plain\\nno NIC object: untagged\", shape=cds];\n"
	"\t\"bridge:br-wide\" -> \"dev:eth-plain\";\n"
	"\t\"host:hB\" [label=\"host hB\", shape=box3d];\n"
	"\t\"host:hC\" [label=\"host hC\", shape=box3d];\n"
	"\t\"peer:10.1.0.2\" [label=\"peer 10.1.0.2\\nunencrypted\", shape=box3d];\n"
	"\t\"peer:10.1.0.3\" [label=\"peer 10.1.0.3\\nunencrypted\", shape=box3d];\n"
	"}\n";

static char *render(const struct np_graph *g)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	print_graph(f, g);
	fclose(f);
	return text;
}

static void test_host(void)
{
	struct np_port_info ports[] = {
		{ .ifname = "tap-web0", .state = NETPOLICY_PORT_ATTACHED,
		  .vif = "web", .network = "front", .bridge = "br-front",
		  .vm = "web" },
		{ .ifname = "tap-web1", .state = NETPOLICY_PORT_ATTACHED,
		  .vif = "web", .network = "front", .bridge = "br-front",
		  .vm = "web" },
		{ .ifname = "tap-insecure", .state = NETPOLICY_PORT_REFUSED,
		  .vif = "insecure", .network = "front", .bridge = "br-front",
		  .vm = "my_insecure_vm",
		  .message = "policy 'secure' (network front): ISOLATE_FROM NAME(my_insecure_vm) matches VM \"my_insecure_vm\"" },
		{ .ifname = "tap-db", .state = NETPOLICY_PORT_PENDING,
		  .vif = "db", .network = "back", .bridge = "br-back",
		  .message = "bridge br-back does not exist" },
		{ .ifname = "tap-guest9", .state = NETPOLICY_PORT_UNBOUND },
	};
	struct np_session_info sessions[] = {
		{ .network = "front", .peer = "hB", .tunnel = "npv1",
		  .bridge = "br-front", .macsec = "npm1", .state = "secured",
		  .running = true },
		{ .network = "front", .peer = "hC", .tunnel = "npv1",
		  .bridge = "br-front", .macsec = "npm2", .state = "waiting",
		  .running = true },
	};
	char *p10[] = { "10.1.0.2", "10.1.0.3" };
	struct np_uplink uplinks[] = {
		{ .name = "eth1", .bridge = "br-front", .type = "dummy" },
		{ .name = "npm1", .bridge = "br-front", .type = "macsec",
		  .lower = "npv1", .encrypts = true },
		{ .name = "npm2", .bridge = "br-front", .type = "macsec",
		  .lower = "npv1", .encrypts = false },
		{ .name = "npv9", .bridge = "br-wide", .type = "vxlan",
		  .peers = p10, .n_peers = 2 },
		{ .name = "eth-plain", .bridge = "br-wide", .type = "" },
	};
	struct np_bridge_seen bridges[] = {
		{ "br-back", false }, { "br-front", true }, { "br-wide", true },
	};
	struct np_config cfg = { 0 };
	struct np_graph g = {
		.cfg = &cfg, .ports = ports, .n_ports = 5,
		.sessions = sessions, .n_sessions = 2,
		.uplinks = uplinks, .n_uplinks = 5,
		.bridges = bridges, .n_bridges = 3, .host = "hA",
	};
	char *got;

	if (load(&cfg))
		return;
	config_net(&cfg, "front")->realized_tunnel = NETPOLICY_TUNNEL_VXLAN;
	config_net(&cfg, "front")->realized_id = 100;
	config_net(&cfg, "wide")->realized_tunnel = NETPOLICY_TUNNEL_VXLAN;
	config_net(&cfg, "wide")->realized_id = 200;
	got = render(&g);
	EXPECT(!strcmp(got, expected), "the graph:\n%s", got);
	free(got);
	config_free(&cfg);
}

/* What a message may hold reaches dot as text, never as DOT syntax. */
static void test_escaping(void)
{
	struct np_port_info port = {
		.ifname = "t0", .state = NETPOLICY_PORT_REFUSED, .vif = "v",
		.bridge = "b\"r", .message = "a\\b\nc\001d\"];x",
	};
	struct np_config cfg = { 0 };
	struct np_graph g = { .cfg = &cfg, .ports = &port, .n_ports = 1 };
	char *got = render(&g);

	EXPECT(strstr(got, "\t\"port:t0\" -> \"bridge:b\\\"r\" [label=\"refused: a\\\\b\\ncd\\\"];x\", "),
	       "escaped: %s", got);
	EXPECT(strstr(got, "label=\"this host (npmgr show --graph)\""),
	       "untitled: %s", got);
	EXPECT(strstr(got, "\"bridge:b\\\"r\" [label=\"b\\\"r\\nno network\""),
	       "a bridge no network names: %s", got);
	free(got);
}

int main(void)
{
	test_host();
	test_escaping();
	return test_summary();
}
