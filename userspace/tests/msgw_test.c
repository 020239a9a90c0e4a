// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the load's attribute writer (msgw.h): the bytes it writes
 * are the bytes libnl's nla_put() and nla_nest_start() write for the same
 * attributes (libnl is the reference the kernel has always accepted), but
 * for empty nests, which msgw keeps and libnl drops; and
 * a put that does not fit writes nothing and is remembered.
 * Prints "N passed, N failed"; non-zero exit on any failure.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "../msgw.h"
#include "expect.h"

#define ROOM 8192

/* The same attributes through libnl and through msgw, compared. */
static void same_bytes(void)
{
	static const char *strs[] = { "", "a", "ab", "abc", "abcd", "abcde",
				      "abcdef", "abcdefg", "abcdefgh" };
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 9 };
	struct nl_msg *ref = nlmsg_alloc_size(ROOM);
	struct nlmsghdr *h = calloc(1, ROOM);
	struct nlattr *outer, *inner;
	size_t o, in, i;
	struct msgw w;

	if (!ref || !h) {
		EXPECT(0, "out of memory");
		return;
	}
	/* garbage where msgw writes: padding must be zeroed, not left */
	memset(h, 0xa5, ROOM);
	h->nlmsg_len = NLMSG_HDRLEN;
	msgw_init(&w, h, ROOM);
	nlmsg_reserve(ref, 0, 0);

	outer = nla_nest_start(ref, 7);
	o = msgw_nest(&w, 7);
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		nla_put_string(ref, (int)i + 1, strs[i]);
		msgw_str(&w, (int)i + 1, strs[i]);
	}
	inner = nla_nest_start(ref, 20);
	in = msgw_nest(&w, 20);
	nla_put_u8(ref, 1, 0x7f);
	msgw_u8(&w, 1, 0x7f);
	nla_put_u32(ref, 2, 0xdeadbeef);
	msgw_u32(&w, 2, 0xdeadbeef);
	nla_put(ref, 3, sizeof(mac), mac);
	msgw_put(&w, 3, mac, sizeof(mac));
	nla_put(ref, 4, 0, NULL);
	msgw_put(&w, 4, NULL, 0);
	nla_nest_end(ref, inner);
	msgw_nest_end(&w, in);
	nla_nest_end(ref, outer);
	msgw_nest_end(&w, o);

	EXPECT(!w.full, "nothing should be full");
	EXPECT(h->nlmsg_len == nlmsg_hdr(ref)->nlmsg_len,
	       "length %u, libnl's %u", h->nlmsg_len, nlmsg_hdr(ref)->nlmsg_len);
	EXPECT(h->nlmsg_len == nlmsg_hdr(ref)->nlmsg_len &&
	       !memcmp((char *)h + NLMSG_HDRLEN,
		       (char *)nlmsg_hdr(ref) + NLMSG_HDRLEN,
		       h->nlmsg_len - NLMSG_HDRLEN),
	       "the attributes differ from libnl's");
	EXPECT(msgw_since(&w, o) == h->nlmsg_len - NLMSG_HDRLEN,
	       "the outer nest holds %zu bytes", msgw_since(&w, o));
	nlmsg_free(ref);
	free(h);
}

/*
 * An empty nest stays: `PHYSICAL_IFS_ALLOWED = {}` (no physical interface
 * allowed) is an empty selector array, which libnl's nla_nest_end() drops
 * (and with it the restriction).
 */
static void empty_nest_kept(void)
{
	struct nlmsghdr *h = calloc(1, 64);
	struct nlattr *a;
	struct msgw w;
	size_t n;

	if (!h) {
		EXPECT(0, "out of memory");
		return;
	}
	h->nlmsg_len = NLMSG_HDRLEN;
	msgw_init(&w, h, 64);
	n = msgw_nest(&w, 9);
	msgw_nest_end(&w, n);
	a = (struct nlattr *)((char *)h + n);
	EXPECT(h->nlmsg_len == NLMSG_HDRLEN + NLA_HDRLEN && a->nla_len == NLA_HDRLEN &&
	       a->nla_type == (9 | NLA_F_NESTED),
	       "empty nest: length %u, nla_len %u, type %#x", h->nlmsg_len,
	       a->nla_len, a->nla_type);
	free(h);
}

/* Room runs out: that put writes nothing, and so does every later one. */
static void full_stays_full(void)
{
	struct nlmsghdr *h = calloc(1, 64);
	size_t n, len;
	struct msgw w;

	if (!h) {
		EXPECT(0, "out of memory");
		return;
	}
	h->nlmsg_len = NLMSG_HDRLEN;
	msgw_init(&w, h, 64);
	n = msgw_nest(&w, 1);
	msgw_str(&w, 1, "0123456789");		/* 4 + 11 + 1 pad */
	len = h->nlmsg_len;
	EXPECT(len == NLMSG_HDRLEN + 4 + 16 && !w.full, "length %zu", len);
	msgw_str(&w, 2, "0123456789012345678901234567890123456789");
	EXPECT(w.full && h->nlmsg_len == len,
	       "an attribute past the room: full %d, length %u",
	       w.full, h->nlmsg_len);
	msgw_u8(&w, 3, 1);
	EXPECT(h->nlmsg_len == len, "a put after full wrote: length %u",
	       h->nlmsg_len);
	msgw_nest_end(&w, n);
	EXPECT(((struct nlattr *)((char *)h + n))->nla_len == 4,
	       "a full message's nest was closed");
	/* exactly the room left fits */
	h->nlmsg_len = NLMSG_HDRLEN;
	msgw_init(&w, h, NLMSG_HDRLEN + 8);
	msgw_u32(&w, 1, 5);
	EXPECT(!w.full && h->nlmsg_len == NLMSG_HDRLEN + 8,
	       "the last 8 bytes: full %d, length %u", w.full, h->nlmsg_len);
	free(h);
}

/* A nest longer than an attribute's 16-bit length cannot be closed. */
static void nest_too_long(void)
{
	size_t room = 80000, n, i;
	struct nlmsghdr *h = calloc(1, room);
	static char blob[1000];
	struct msgw w;

	if (!h) {
		EXPECT(0, "out of memory");
		return;
	}
	h->nlmsg_len = NLMSG_HDRLEN;
	msgw_init(&w, h, room);
	n = msgw_nest(&w, 1);
	for (i = 0; i < 70; i++)
		msgw_put(&w, 1, blob, sizeof(blob));
	EXPECT(!w.full, "70 KB should fit the buffer");
	msgw_nest_end(&w, n);
	EXPECT(w.full, "a 70 KB nest was closed");
	msgw_init(&w, h, room);
	h->nlmsg_len = NLMSG_HDRLEN;
	msgw_put(&w, 1, h, 65532);
	EXPECT(w.full, "a 65532-byte payload was put");
	free(h);
}

int main(void)
{
	same_bytes();
	empty_nest_kept();
	full_stays_full();
	nest_too_long();
	return test_summary();
}
