// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of what npmgr makes of Xen's metadata that needs no xenstore:
 * number parsing, migration names, the objects a backend vif becomes, and
 * which watch paths concern which vif. The xenstore side runs against a
 * real xenstored in the Xen test bed (tools/testing/selftests/netpolicy/
 * xen.sh). Prints "N passed, N failed"; non-zero exit on any failure.
 */

#include <stdio.h>
#include <string.h>

#include "../xen/xen.h"
#include "expect.h"

static void test_xen_uint(void)
{
	static const struct { const char *s; bool ok; unsigned int v; } c[] = {
		{ "0", true, 0 }, { "17", true, 17 },
		{ "4294967295", true, 4294967295U }, { "4294967296", false, 0 },
		{ "", false, 0 }, { "12a", false, 0 }, { "-1", false, 0 },
		{ " 1", false, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		unsigned int v = 99;
		bool ok = xen_uint(c[i].s, &v);

		EXPECT(ok == c[i].ok && (!ok || v == c[i].v),
		       "xen_uint(\"%s\") = %d, %u", c[i].s, ok, v);
	}
	EXPECT(!xen_uint(NULL, NULL), "xen_uint(NULL)");
}

static void test_migration_names(void)
{
	static const char *const c[][2] = {
		{ "web1--incoming", "web1" }, { "web1--migratedaway", "web1" },
		{ "web1", "web1" }, { "--incoming", "--incoming" },
		{ "a--incoming--x", "a--incoming--x" },
	};
	char buf[64];
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		snprintf(buf, sizeof(buf), "%s", c[i][0]);
		xen_vm_name(buf);
		EXPECT(!strcmp(buf, c[i][1]), "%s -> %s, want %s", c[i][0], buf,
		       c[i][1]);
	}
}

static void test_objects(void)
{
	struct xvif x = { .domid = 3, .ifname = (char *)"vif3.0",
			  .network = (char *)"front", .vm = (char *)"web1",
			  .has_uuid = true, .uuid = { 1, 2 }, .ioemu = true };
	struct np_config cfg;

	xvif_objects(&x, &cfg);
	EXPECT(cfg.n_vms == 1 && !strcmp(cfg.vms[0].name, "web1") &&
	       cfg.vms[0].has_uuid && cfg.vms[0].uuid[1] == 2 &&
	       cfg.vms[0].source == NETPOLICY_SOURCE_XENSTORE,
	       "the VM object");
	EXPECT(cfg.n_vifs == 2, "an HVM vif gives %zu VIF objects", cfg.n_vifs);
	EXPECT(!strcmp(cfg.vifs[0].name, "vif3.0") &&
	       !strcmp(cfg.vifs[0].ifname, "vif3.0") &&
	       !strcmp(cfg.vifs[0].network, "front") &&
	       !strcmp(cfg.vifs[0].vm, "web1") && !cfg.vifs[0].has_mac &&
	       cfg.vifs[0].source == NETPOLICY_SOURCE_XENSTORE,
	       "the netback vif's object");
	EXPECT(!strcmp(cfg.vifs[1].name, "vif3.0-emu") &&
	       !strcmp(cfg.vifs[1].ifname, "vif3.0-emu"),
	       "the emulated tap's object: %s", cfg.vifs[1].name);
	config_free(&cfg);
	x.ioemu = false;
	xvif_objects(&x, &cfg);
	EXPECT(cfg.n_vifs == 1, "a PV vif gives %zu VIF objects", cfg.n_vifs);
	config_free(&cfg);
}

int main(void)
{
	test_xen_uint();
	test_migration_names();
	test_objects();
	return test_summary();
}
