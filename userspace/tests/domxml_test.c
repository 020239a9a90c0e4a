// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of what npmgr reads from a libvirt domain's XML: the name,
 * UUID, interfaces and netpolicy's metadata of a domain as libvirt 9.0
 * writes it, and the refusals of values netpolicy cannot carry. The
 * libvirt side (a real libvirtd describing real domains) runs in the VM.
 * Prints "N passed, N failed"; non-zero exit on any failure.
 */

#include <stdio.h>
#include <string.h>

#include "../libvirt/domxml.h"
#include "expect.h"

/* A domain as `virsh dumpxml` of a running libvirt 9.0 domain gives it. */
static const char dom_web[] =
	"<domain type='qemu' id='3'>\n"
	"  <name>web</name>\n"
	"  <uuid>6c8f6f0e-2a43-4f3e-9a58-0d6e2d8f1c11</uuid>\n"
	"  <metadata>\n"
	"    <other:thing xmlns:other='urn:example:other'><other:tag>x</other:tag></other:thing>\n"
	"    <np:netpolicy xmlns:np='urn:netpolicy:libvirt:1'>\n"
	"      <np:tag>web</np:tag>\n"
	"      <np:tag> frontend </np:tag>\n"
	"      <np:network>front</np:network>\n"
	"    </np:netpolicy>\n"
	"  </metadata>\n"
	"  <memory unit='KiB'>65536</memory>\n"
	"  <devices>\n"
	"    <emulator>/usr/bin/qemu-system-x86_64</emulator>\n"
	"    <interface type='bridge'>\n"
	"      <mac address='52:54:00:aa:00:01'/>\n"
	"      <source bridge='br-front'/>\n"
	"      <target dev='vnet0'/>\n"
	"      <model type='virtio'/>\n"
	"      <alias name='net0'/>\n"
	"    </interface>\n"
	"    <interface type='ethernet'>\n"
	"      <mac address='52:54:00:aa:00:02'/>\n"
	"      <target dev='vnweb1' managed='yes'/>\n"
	"    </interface>\n"
	"    <interface type='network'>\n"
	"      <source network='default' bridge='virbr0'/>\n"
	"    </interface>\n"
	"  </devices>\n"
	"</domain>\n";

static void test_domain(void)
{
	struct lvdom d;
	char why[256] = "";

	EXPECT(!lvdom_parse(dom_web, strlen(dom_web), &d, why, sizeof(why)),
	       "a libvirt domain: %s", why);
	EXPECT(d.name && !strcmp(d.name, "web"), "name %s", d.name);
	EXPECT(d.has_uuid && d.uuid[0] == 0x6c && d.uuid[15] == 0x11, "uuid");
	EXPECT(d.n_tags == 2 && !strcmp(d.tags[0], "web") &&
	       !strcmp(d.tags[1], "frontend"),
	       "our tags only, trimmed: %zu", d.n_tags);
	EXPECT(d.network && !strcmp(d.network, "front"), "network");
	EXPECT(d.n_ifs == 3, "%zu interfaces", d.n_ifs);
	if (d.n_ifs == 3) {
		EXPECT(!strcmp(d.ifs[0].type, "bridge") &&
		       !strcmp(d.ifs[0].dev, "vnet0") &&
		       !strcmp(d.ifs[0].bridge, "br-front") &&
		       d.ifs[0].has_mac && d.ifs[0].mac[5] == 1,
		       "the bridge interface");
		EXPECT(!strcmp(d.ifs[1].type, "ethernet") &&
		       !strcmp(d.ifs[1].dev, "vnweb1") && !d.ifs[1].bridge &&
		       d.ifs[1].mac[5] == 2, "the ethernet interface");
		EXPECT(!d.ifs[2].dev && !d.ifs[2].bridge && !d.ifs[2].has_mac,
		       "a network interface of a domain not yet started");
	}
	lvdom_free(&d);
}

static void test_refusals(void)
{
	static const struct { const char *xml, *why; } c[] = {
		{ "<domain><name>web</name>",
		  "domain XML that does not parse: line 1, column 25: no element found" },
		{ "<domain><name>web</nam></domain>",
		  "domain XML that does not parse: line 1, column 20: mismatched tag" },
		{ "<vm><name>web</name></vm>", "no <domain> element" },
		{ "<domain><uuid>x</uuid></domain>", "no domain name" },
		{ "<domain><name>a b</name></domain>",
		  "domain name 'a b' is not a valid VM name" },
		{ "<domain><name></name></domain>",
		  "domain name '' is not a valid VM name" },
		{ "<domain><name>"
		  "0123456789012345678901234567890123456789012345678901234567890123"
		  "</name></domain>",
		  "domain name '0123456789012345678901234567890123456789012345678901234567890123' is not a valid VM name" },
		{ "<domain><name>w</name><devices><interface type='ethernet'>"
		  "<target dev='a/b'/></interface></devices></domain>",
		  "interface target dev 'a/b' is not an interface name" },
		{ "<domain><name>w</name><devices><interface type='ethernet'>"
		  "<target dev='0123456789abcdef'/></interface></devices></domain>",
		  "interface target dev '0123456789abcdef' is not an interface name" },
		{ "<domain><name>w</name><devices><interface type='bridge'>"
		  "<mac address='01:00:5e:00:00:01'/></interface></devices></domain>",
		  "interface mac '01:00:5e:00:00:01' is not a unicast MAC address" },
		{ "<domain><name>w</name><metadata><np:netpolicy xmlns:np='urn:netpolicy:libvirt:1'>"
		  "<np:tag>a&#10;b</np:tag></np:netpolicy></metadata></domain>",
		  "netpolicy metadata: tag 'a\nb' is not a name" },
		{ "<domain><name>w</name><metadata><np:netpolicy xmlns:np='urn:netpolicy:libvirt:1'>"
		  "<np:network>a</np:network><np:network>b</np:network></np:netpolicy></metadata></domain>",
		  "netpolicy metadata: more than one network" },
		{ "<domain><name>w</name><metadata><np:netpolicy xmlns:np='urn:netpolicy:libvirt:1'>"
		  "<np:color>red</np:color></np:netpolicy></metadata></domain>",
		  "netpolicy metadata: unknown element <color>" },
	};
	char why[256];
	struct lvdom d;
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		why[0] = '\0';
		EXPECT(lvdom_parse(c[i].xml, strlen(c[i].xml), &d, why,
				   sizeof(why)) == -1 && !strcmp(why, c[i].why),
		       "case %zu: '%s', want '%s'", i, why, c[i].why);
		EXPECT(!d.name && !d.ifs && !d.tags, "case %zu: nothing kept", i);
	}
}

/*
 * A document type declaration is refused: no entity is declared, so none
 * is expanded (the billion laughs) or fetched (an external one).
 */
static void test_no_entities(void)
{
	static const char xml[] =
		"<!DOCTYPE domain [<!ENTITY x SYSTEM 'file:///etc/hostname'>"
		"<!ENTITY y 'injected'>]>"
		"<domain><name>w</name><metadata>"
		"<np:netpolicy xmlns:np='urn:netpolicy:libvirt:1'>"
		"<np:tag>&x;</np:tag></np:netpolicy></metadata></domain>";
	char why[256] = "";
	struct lvdom d;
	int rc = lvdom_parse(xml, strlen(xml), &d, why, sizeof(why));

	EXPECT(rc == -1 && !strcmp(why, "domain XML with a document type declaration (libvirt writes none)"),
	       "an external entity: %d '%s'", rc, why);
	if (!rc)
		lvdom_free(&d);
}

int main(void)
{
	test_domain();
	test_refusals();
	test_no_entities();
	return test_summary();
}
