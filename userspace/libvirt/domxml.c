// SPDX-License-Identifier: GPL-2.0
/*
 * What a libvirt domain's XML (virDomainGetXMLDesc()) says that netpolicy
 * needs: the domain's name and UUID, its interfaces (type, target device,
 * guest MAC, source bridge), and netpolicy's own metadata element, where
 * an operator tags the VM and names the network of interfaces that do not
 * name a bridge:
 *
 *   <metadata>
 *     <np:netpolicy xmlns:np="urn:netpolicy:libvirt:1">
 *       <np:tag>web</np:tag>
 *       <np:network>front</np:network>
 *     </np:netpolicy>
 *   </metadata>
 *
 * libxml2 parses (no network, no DTD, no entity substitution); this walks
 * the tree and checks every value before it is kept. The text comes from
 * libvirtd, but the metadata is whatever an operator or a management
 * layer wrote: it is checked as input (fuzz_domxml.c).
 */

#define _GNU_SOURCE
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "domxml.h"

/* An element's name is @name (and, with @ns, its namespace is ours). */
static bool is_elem(const xmlNode *n, const char *name, bool ns)
{
	if (n->type != XML_ELEMENT_NODE ||
	    strcmp((const char *)n->name, name))
		return false;
	if (!ns)
		return !n->ns;
	return n->ns && n->ns->href &&
	       !strcmp((const char *)n->ns->href, LV_NS);
}

/* Attribute @name of @n (no namespace), or NULL; the caller frees it. */
static char *attr(const xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
	char *s;

	if (!v)
		return NULL;
	s = xstrdup((const char *)v);
	xmlFree(v);
	return s;
}

/* @n's text, trimmed of surrounding white space; the caller frees it. */
static char *text(const xmlNode *n)
{
	xmlChar *v = xmlNodeGetContent(n);
	const char *b, *e;
	char *s;

	if (!v)
		return xstrdup("");
	b = (const char *)v;
	while (isspace((unsigned char)*b))
		b++;
	e = b + strlen(b);
	while (e > b && isspace((unsigned char)e[-1]))
		e--;
	s = xstrndup(b, e - b);
	xmlFree(v);
	return s;
}

/*
 * A name netpolicy can carry: 1 to NETPOLICY_NAME_MAX - 1 bytes, printable
 * ASCII without space (names reach the kernel log and npmgr's tables).
 */
static bool name_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (!n || n >= NETPOLICY_NAME_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return false;
	return true;
}

/* An interface name the kernel could have made. */
static bool ifname_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (!n || n >= IFNAMSIZ || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~' || s[i] == '/' || s[i] == ':')
			return false;
	return true;
}

/* The reason in @why; -1. */
static int bad(char *why, size_t why_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int bad(char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, why_len, fmt, ap);
	va_end(ap);
	return -1;
}

static int read_interface(const xmlNode *n, struct lvdom *d, char *why,
			  size_t why_len)
{
	struct lv_if *f = xpush((void **)&d->ifs, &d->n_ifs, sizeof(*f));
	const xmlNode *c;
	char *mac;

	f->type = attr(n, "type");
	if (!f->type)
		f->type = xstrdup("");
	for (c = n->children; c; c = c->next) {
		if (is_elem(c, "target", false) && !f->dev) {
			f->dev = attr(c, "dev");
			if (f->dev && !ifname_ok(f->dev))
				return bad(why, why_len,
					   "interface target dev '%.64s' is not an interface name",
					   f->dev);
		} else if (is_elem(c, "source", false) && !f->bridge &&
			   !strcmp(f->type, "bridge")) {
			f->bridge = attr(c, "bridge");
			if (f->bridge && !ifname_ok(f->bridge))
				return bad(why, why_len,
					   "interface source bridge '%.64s' is not an interface name",
					   f->bridge);
		} else if (is_elem(c, "mac", false) && !f->has_mac) {
			mac = attr(c, "address");
			f->has_mac = mac && parse_mac(mac, f->mac) &&
				     !(f->mac[0] & 1);
			if (mac && !f->has_mac) {
				bad(why, why_len,
				    "interface mac '%.64s' is not a unicast MAC address",
				    mac);
				free(mac);
				return -1;
			}
			free(mac);
		}
	}
	return 0;
}

static int read_metadata(const xmlNode *n, struct lvdom *d, char *why,
			 size_t why_len)
{
	const xmlNode *m, *c;
	char *v;

	for (m = n->children; m; m = m->next) {
		if (!is_elem(m, "netpolicy", true))
			continue;
		for (c = m->children; c; c = c->next) {
			if (is_elem(c, "tag", true)) {
				v = text(c);
				*(char **)xpush((void **)&d->tags, &d->n_tags,
						sizeof(char *)) = v;
				if (!name_ok(v))
					return bad(why, why_len,
						   "netpolicy metadata: tag '%.64s' is not a name",
						   v);
			} else if (is_elem(c, "network", true)) {
				if (d->network)
					return bad(why, why_len,
						   "netpolicy metadata: %s", "more than one network");
				d->network = text(c);
				if (!name_ok(d->network))
					return bad(why, why_len,
						   "netpolicy metadata: network '%.64s' is not a name",
						   d->network);
			} else if (c->type == XML_ELEMENT_NODE) {
				return bad(why, why_len,
					   "netpolicy metadata: unknown element <%.64s>",
					   (const char *)c->name);
			}
		}
	}
	return 0;
}

int lvdom_parse(const char *xml, size_t len, struct lvdom *d, char *why,
		size_t why_len)
{
	const xmlNode *root, *n, *c;
	xmlDoc *doc;
	char *v;
	int rc = -1;

	memset(d, 0, sizeof(*d));
	if (len > LV_XML_MAX)
		return bad(why, why_len, "domain XML longer than %s bytes",
			   LV_XML_MAX_STR);
	doc = xmlReadMemory(xml, (int)len, "domain.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR |
			    XML_PARSE_NOWARNING);
	if (!doc)
		return bad(why, why_len, "%s", "domain XML that does not parse");
	root = xmlDocGetRootElement(doc);
	if (!root || !is_elem(root, "domain", false)) {
		bad(why, why_len, "%s", "no <domain> element");
		goto out;
	}
	for (n = root->children; n; n = n->next) {
		if (is_elem(n, "name", false) && !d->name) {
			d->name = text(n);
			if (!name_ok(d->name)) {
				bad(why, why_len,
				    "domain name '%.64s' is not a valid VM name",
				    d->name);
				goto out;
			}
		} else if (is_elem(n, "uuid", false) && !d->has_uuid) {
			v = text(n);
			d->has_uuid = parse_uuid(v, d->uuid);
			free(v);
		} else if (is_elem(n, "metadata", false)) {
			if (read_metadata(n, d, why, why_len))
				goto out;
		} else if (is_elem(n, "devices", false)) {
			for (c = n->children; c; c = c->next)
				if (is_elem(c, "interface", false) &&
				    read_interface(c, d, why, why_len))
					goto out;
		}
	}
	if (!d->name) {
		bad(why, why_len, "%s", "no domain name");
		goto out;
	}
	rc = 0;
out:
	xmlFreeDoc(doc);
	if (rc)
		lvdom_free(d);
	return rc;
}

void lvdom_free(struct lvdom *d)
{
	size_t i;

	free(d->name);
	for (i = 0; i < d->n_tags; i++)
		free(d->tags[i]);
	free(d->tags);
	free(d->network);
	for (i = 0; i < d->n_ifs; i++) {
		free(d->ifs[i].type);
		free(d->ifs[i].dev);
		free(d->ifs[i].bridge);
	}
	free(d->ifs);
	memset(d, 0, sizeof(*d));
}
