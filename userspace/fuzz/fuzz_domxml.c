// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the libvirt domain XML npmgr virtwatch reads
 * (libvirt/domxml.c). Nothing may crash or leak, and what it keeps holds
 * the checks it promises: names netpolicy can carry, interface names the
 * kernel could have made, unicast MACs.
 */

#include <stdlib.h>
#include <string.h>

#include "../libvirt/domxml.h"

static void name_holds(const char *s)
{
	size_t n = strlen(s), i;

	if (!n || n >= NETPOLICY_NAME_MAX)
		abort();
	for (i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~')
			abort();
}

static void ifname_holds(const char *s)
{
	if (s && (!*s || strlen(s) >= IFNAMSIZ || strchr(s, '/')))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lvdom d;
	char why[256];
	size_t i;

	if (lvdom_parse((const char *)data, size, &d, why, sizeof(why)))
		return 0;
	name_holds(d.name);
	for (i = 0; i < d.n_tags; i++)
		name_holds(d.tags[i]);
	if (d.network)
		name_holds(d.network);
	for (i = 0; i < d.n_ifs; i++) {
		ifname_holds(d.ifs[i].dev);
		ifname_holds(d.ifs[i].bridge);
		if (d.ifs[i].has_mac && (d.ifs[i].mac[0] & 1))
			abort();
	}
	lvdom_free(&d);
	return 0;
}
