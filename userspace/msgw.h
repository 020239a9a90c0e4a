/* SPDX-License-Identifier: GPL-2.0 */
/*
 * npmgr: a netlink attribute writer for the load's objects.
 *
 * A load of the 100,000-VIF set puts about 400,000 attributes. libnl's
 * nla_put() costs each one a chain of calls through the PLT (reserve,
 * sizes, tail, padding); in the TCG VM that was 15% of the load's time.
 * These inline puts write the attribute where the message ends, with one
 * bounds check each. The bytes are the same as libnl's (msgw_test checks
 * them against it): header, payload, zeroed padding, nests flagged
 * NLA_F_NESTED. One difference: an empty nest is kept, where libnl's
 * nla_nest_end() removes it. An empty selector set is a restriction
 * (`PHYSICAL_IFS_ALLOWED = {}`: no physical interface), not its absence.
 *
 * A put that does not fit writes nothing and sets @full, which stays set:
 * a caller may put a whole object and test @full once.
 */
#ifndef NPMGR_MSGW_H
#define NPMGR_MSGW_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <linux/netlink.h>

struct msgw {
	struct nlmsghdr *h;	/* the message, its nlmsg_len kept current */
	size_t room;		/* bytes from @h the buffer holds */
	bool full;
};

static inline void msgw_init(struct msgw *w, struct nlmsghdr *h, size_t room)
{
	w->h = h;
	w->room = room;
	w->full = false;
}

/* The attribute @type of @len payload bytes, its padding zeroed. */
static inline struct nlattr *msgw_reserve(struct msgw *w, int type, size_t len)
{
	size_t at = NLMSG_ALIGN(w->h->nlmsg_len);
	size_t total = NLA_ALIGN(NLA_HDRLEN + len);
	struct nlattr *a;

	if (w->full || at > w->room || total > w->room - at ||
	    NLA_HDRLEN + len > UINT16_MAX) {
		w->full = true;
		return NULL;
	}
	a = (struct nlattr *)((char *)w->h + at);
	/* the last word first: it holds the padding, if any */
	memset((char *)a + total - NLA_ALIGNTO, 0, NLA_ALIGNTO);
	a->nla_type = (uint16_t)type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	w->h->nlmsg_len = (uint32_t)(at + total);
	return a;
}

static inline void msgw_put(struct msgw *w, int type, const void *data,
			    size_t len)
{
	struct nlattr *a = msgw_reserve(w, type, len);

	if (a && len)
		memcpy((char *)a + NLA_HDRLEN, data, len);
}

static inline void msgw_str(struct msgw *w, int type, const char *s)
{
	msgw_put(w, type, s, strlen(s) + 1);
}

static inline void msgw_u8(struct msgw *w, int type, uint8_t v)
{
	msgw_put(w, type, &v, sizeof(v));
}

static inline void msgw_u32(struct msgw *w, int type, uint32_t v)
{
	msgw_put(w, type, &v, sizeof(v));
}

/* Open a nest: its offset in the message, for msgw_nest_end(); 0 if full. */
static inline size_t msgw_nest(struct msgw *w, int type)
{
	struct nlattr *a = msgw_reserve(w, type | NLA_F_NESTED, 0);

	return a ? (size_t)((char *)a - (char *)w->h) : 0;
}

static inline void msgw_nest_end(struct msgw *w, size_t at)
{
	struct nlattr *a = (struct nlattr *)((char *)w->h + at);
	size_t len = w->h->nlmsg_len - at;

	if (!at || w->full)
		return;
	if (len > UINT16_MAX) {
		w->full = true;
		return;
	}
	a->nla_len = (uint16_t)len;
}

/* Bytes written since the nest at @at began. */
static inline size_t msgw_since(const struct msgw *w, size_t at)
{
	return w->h->nlmsg_len - at;
}

#endif
