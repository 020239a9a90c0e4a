/* SPDX-License-Identifier: GPL-2.0 */
/*
 * npmgr and libvirt: what a domain's XML says that netpolicy needs
 * (domxml.c), and the watcher that describes running domains to the
 * kernel (virtwatch.c).
 */
#ifndef NPMGR_DOMXML_H
#define NPMGR_DOMXML_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/netpolicy.h>

#include "../util.h"

/* netpolicy's metadata element's namespace in a domain's XML */
#define LV_NS "urn:netpolicy:libvirt:1"
/* longer domain XML is refused (libvirt's own are a few KiB) */
#define LV_XML_MAX (4 << 20)
#define LV_XML_MAX_STR "4194304"

/* One <interface> of a domain. */
struct lv_if {
	char *type;			/* "bridge", "ethernet", "network", ... */
	char *dev;			/* <target dev>, or NULL */
	char *bridge;			/* type='bridge': <source bridge> */
	bool has_mac;			/* the guest's, from <mac address> */
	uint8_t mac[6];
};

struct lvdom {
	char *name;
	bool has_uuid;
	uint8_t uuid[NETPOLICY_UUID_LEN];
	char **tags;			/* <np:tag> */
	size_t n_tags;
	char *network;			/* <np:network>, or NULL */
	struct lv_if *ifs;
	size_t n_ifs;
};

/*
 * Read domain XML @xml (@len bytes): 0, or -1 with the reason in @why
 * (nothing kept). Values are checked: names as netpolicy names, devices
 * as interface names, MACs unicast.
 */
int lvdom_parse(const char *xml, size_t len, struct lvdom *d, char *why,
		size_t why_len);
void lvdom_free(struct lvdom *d);

#endif
