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
 * Expat reads the text as a stream (no network, no DTD: a document type
 * declaration is refused, so no entity is ever declared, let alone
 * expanded); the handlers below keep what netpolicy needs and check every
 * value before it is kept. The text comes from libvirtd, but the metadata
 * is whatever an operator or a management layer wrote: it is checked as
 * input (fuzz_domxml.c). Expat rather than libxml2: libvirt's qemu hook
 * links this, and libvirtd starts the hook several times per domain start;
 * libxml2 brings ICU and libstdc++, whose loading cost each start of the
 * hook more than all the rest of its work (Documentation/libvirt-design.rst,
 * "What the hook costs").
 */

#define _GNU_SOURCE
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "domxml.h"

/*
 * Expat gives a namespaced element's name as URI, NS_SEP, local name;
 * \x01 cannot occur in an XML 1.0 document, so it cannot be part of
 * either.
 */
#define NS_SEP '\x01'

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

/* Where an element is: the elements netpolicy reads, and the rest. */
enum lv_where {
	AT_OTHER,
	AT_DOMAIN,		/* <domain> */
	AT_METADATA,		/* <domain><metadata> */
	AT_NETPOLICY,		/* <metadata><np:netpolicy> */
	AT_DEVICES,		/* <domain><devices> */
	AT_INTERFACE,		/* <devices><interface> */
};

/* An element whose text is kept, once it ends. */
enum lv_text { TEXT_NONE, TEXT_NAME, TEXT_UUID, TEXT_TAG, TEXT_NETWORK };

/* The deepest element netpolicy reads: <domain><devices><interface><mac> */
#define LV_DEPTH 4

struct lv_walk {
	XML_Parser p;
	struct lvdom *d;
	char *why;
	size_t why_len;
	bool failed;
	unsigned int depth;		/* of the element being read; 0: none */
	enum lv_where at[LV_DEPTH + 1];	/* at[depth], for depth <= LV_DEPTH */
	enum lv_text text;		/* the text being gathered */
	unsigned int text_depth;	/* of its element */
	char *buf;			/* its text so far: len bytes */
	size_t len, cap;
};

/* Stop with the reason in @w->why. */
static void walk_fail(struct lv_walk *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void walk_fail(struct lv_walk *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->why, w->why_len, fmt, ap);
	va_end(ap);
	w->failed = true;
	XML_StopParser(w->p, XML_FALSE);
}

/*
 * @name (as expat gives it) is element @local: in netpolicy's namespace
 * with @ns, in none without.
 */
static bool is_elem(const char *name, const char *local, bool ns)
{
	const char *sep = strchr(name, NS_SEP);

	if (!ns)
		return !sep && !strcmp(name, local);
	return sep && (size_t)(sep - name) == strlen(LV_NS) &&
	       !strncmp(name, LV_NS, sep - name) && !strcmp(sep + 1, local);
}

/* An element's local name: without its namespace. */
static const char *local_name(const char *name)
{
	const char *sep = strchr(name, NS_SEP);

	return sep ? sep + 1 : name;
}

/* Attribute @name (in no namespace) of @atts, or NULL; the caller frees it. */
static char *attr(const char **atts, const char *name)
{
	for (; atts[0]; atts += 2)
		if (!strcmp(atts[0], name))
			return xstrdup(atts[1]);
	return NULL;
}

static void read_interface_child(struct lv_walk *w, const char *name,
				 const char **atts)
{
	struct lv_if *f = &w->d->ifs[w->d->n_ifs - 1];
	char *mac;

	if (is_elem(name, "target", false) && !f->dev) {
		f->dev = attr(atts, "dev");
		if (f->dev && !ifname_ok(f->dev))
			walk_fail(w, "interface target dev '%.64s' is not an interface name",
				  f->dev);
	} else if (is_elem(name, "source", false) && !f->bridge &&
		   !strcmp(f->type, "bridge")) {
		f->bridge = attr(atts, "bridge");
		if (f->bridge && !ifname_ok(f->bridge))
			walk_fail(w, "interface source bridge '%.64s' is not an interface name",
				  f->bridge);
	} else if (is_elem(name, "mac", false) && !f->has_mac) {
		mac = attr(atts, "address");
		f->has_mac = mac && parse_mac(mac, f->mac) && !(f->mac[0] & 1);
		if (mac && !f->has_mac)
			walk_fail(w, "interface mac '%.64s' is not a unicast MAC address",
				  mac);
		free(mac);
	}
}

/* What element @name, in @parent, is; its text may start being gathered. */
static enum lv_where element(struct lv_walk *w, enum lv_where parent,
			     const char *name, const char **atts)
{
	struct lvdom *d = w->d;
	enum lv_text text = TEXT_NONE;
	struct lv_if *f;

	switch (parent) {
	case AT_DOMAIN:
		if (is_elem(name, "name", false) && !d->name)
			text = TEXT_NAME;
		else if (is_elem(name, "uuid", false) && !d->has_uuid)
			text = TEXT_UUID;
		else if (is_elem(name, "metadata", false))
			return AT_METADATA;
		else if (is_elem(name, "devices", false))
			return AT_DEVICES;
		break;
	case AT_METADATA:
		if (is_elem(name, "netpolicy", true))
			return AT_NETPOLICY;
		break;
	case AT_NETPOLICY:
		if (is_elem(name, "tag", true)) {
			text = TEXT_TAG;
		} else if (is_elem(name, "network", true)) {
			if (d->network)
				walk_fail(w, "netpolicy metadata: %s",
					  "more than one network");
			text = TEXT_NETWORK;
		} else {
			walk_fail(w, "netpolicy metadata: unknown element <%.64s>",
				  local_name(name));
		}
		break;
	case AT_DEVICES:
		if (!is_elem(name, "interface", false))
			break;
		f = xpush((void **)&d->ifs, &d->n_ifs, sizeof(*f));
		f->type = attr(atts, "type");
		if (!f->type)
			f->type = xstrdup("");
		return AT_INTERFACE;
	case AT_INTERFACE:
		read_interface_child(w, name, atts);
		break;
	case AT_OTHER:
		break;
	}
	if (text != TEXT_NONE) {
		w->text = text;
		w->text_depth = w->depth;
		w->len = 0;
	}
	return AT_OTHER;
}

static void XMLCALL on_start(void *data, const XML_Char *name,
			     const XML_Char **atts)
{
	struct lv_walk *w = data;
	enum lv_where parent, at = AT_OTHER;

	if (w->failed)
		return;
	parent = w->depth <= LV_DEPTH ? w->at[w->depth] : AT_OTHER;
	w->depth++;
	if (w->depth == 1) {
		if (!is_elem(name, "domain", false))
			walk_fail(w, "%s", "no <domain> element");
		at = AT_DOMAIN;
	} else if (w->text == TEXT_NONE) {
		at = element(w, parent, name, atts);
	}
	if (w->depth <= LV_DEPTH)
		w->at[w->depth] = at;
}

/* The gathered text, trimmed of surrounding white space. */
static char *gathered(const struct lv_walk *w)
{
	size_t b = 0, e = w->len;

	if (!e)
		return xstrdup("");	/* and w->buf may be NULL */
	while (b < e && isspace((unsigned char)w->buf[b]))
		b++;
	while (e > b && isspace((unsigned char)w->buf[e - 1]))
		e--;
	return xstrndup(w->buf + b, e - b);
}

static void text_done(struct lv_walk *w)
{
	struct lvdom *d = w->d;
	char *v = gathered(w);

	switch (w->text) {
	case TEXT_NAME:
		d->name = v;
		if (!name_ok(v))
			walk_fail(w, "domain name '%.64s' is not a valid VM name", v);
		break;
	case TEXT_UUID:
		d->has_uuid = parse_uuid(v, d->uuid);
		free(v);
		break;
	case TEXT_TAG:
		*(char **)xpush((void **)&d->tags, &d->n_tags, sizeof(char *)) = v;
		if (!name_ok(v))
			walk_fail(w, "netpolicy metadata: tag '%.64s' is not a name", v);
		break;
	case TEXT_NETWORK:
		d->network = v;
		if (!name_ok(v))
			walk_fail(w, "netpolicy metadata: network '%.64s' is not a name", v);
		break;
	case TEXT_NONE:
		free(v);
		break;
	}
	w->text = TEXT_NONE;
}

static void XMLCALL on_end(void *data, const XML_Char *name)
{
	struct lv_walk *w = data;

	(void)name;
	if (w->failed)
		return;
	if (w->text != TEXT_NONE && w->depth == w->text_depth)
		text_done(w);
	w->depth--;
}

static void XMLCALL on_text(void *data, const XML_Char *s, int len)
{
	struct lv_walk *w = data;

	if (w->failed || w->text == TEXT_NONE || len <= 0)
		return;
	if (w->cap - w->len < (size_t)len) {
		while (w->cap - w->len < (size_t)len)
			w->cap = w->cap ? w->cap * 2 : 256;
		w->buf = xrealloc(w->buf, w->cap);
	}
	memcpy(w->buf + w->len, s, len);
	w->len += len;
}

/* libvirt writes no document type declaration: one is refused. */
static void XMLCALL on_doctype(void *data, const XML_Char *name,
			       const XML_Char *sysid, const XML_Char *pubid,
			       int has_internal_subset)
{
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal_subset;
	walk_fail(data, "%s",
		  "domain XML with a document type declaration (libvirt writes none)");
}

int lvdom_parse(const char *xml, size_t len, struct lvdom *d, char *why,
		size_t why_len)
{
	struct lv_walk w = { .d = d, .why = why, .why_len = why_len };
	enum XML_Status st;
	int rc = -1;

	memset(d, 0, sizeof(*d));
	if (len > LV_XML_MAX)
		return bad(why, why_len, "domain XML longer than %s bytes",
			   LV_XML_MAX_STR);
	w.p = XML_ParserCreateNS(NULL, NS_SEP);
	if (!w.p)
		return bad(why, why_len, "%s", "out of memory for an XML parser");
	XML_SetUserData(w.p, &w);
	XML_SetElementHandler(w.p, on_start, on_end);
	XML_SetCharacterDataHandler(w.p, on_text);
	XML_SetStartDoctypeDeclHandler(w.p, on_doctype);
	st = XML_Parse(w.p, xml, (int)len, XML_TRUE);
	if (w.failed)
		goto out;
	if (st != XML_STATUS_OK) {
		bad(why, why_len,
		    "domain XML that does not parse: line %lu, column %lu: %s",
		    (unsigned long)XML_GetCurrentLineNumber(w.p),
		    (unsigned long)XML_GetCurrentColumnNumber(w.p) + 1,
		    XML_ErrorString(XML_GetErrorCode(w.p)));
		goto out;
	}
	if (!d->name) {
		bad(why, why_len, "%s", "no domain name");
		goto out;
	}
	rc = 0;
out:
	XML_ParserFree(w.p);
	free(w.buf);
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
