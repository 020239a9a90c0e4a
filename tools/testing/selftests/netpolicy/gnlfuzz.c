// SPDX-License-Identifier: GPL-2.0
/*
 * gnlfuzz: a generic netlink fuzzer that learns a family from the kernel.
 *
 *   gnlfuzz [-n REQUESTS] [-t SECONDS] [-s SEED] [-b BATCH] [-r BYTES]
 *           [-w WORD]... FAMILY
 *
 * It asks the controller for FAMILY's id, its commands and, per command,
 * the attribute policies the kernel validates against (CTRL_CMD_GETPOLICY:
 * types, ranges, lengths, nested policies). Then it sends REQUESTS
 * requests (default 100000), BATCH to a sendmsg (default 32), each one
 * built from a command's policy:
 *   - about half are well formed: attributes of the right type, integers
 *     inside their range, strings from a small vocabulary (the -w words,
 *     which the caller chooses to match object names that exist, so that
 *     some requests reach the family's own logic, not only the validator);
 *   - the others are mutated: out-of-range values, wrong lengths, unknown
 *     or duplicated attributes, nests where none belong, random bytes,
 *     truncated or overlong headers, unknown commands, dump flags on
 *     do-only commands, and bit flips anywhere in the message.
 * -r sets the socket's receive buffer (default 8 MiB, as far as the caller
 * may: a user namespace's admin gets net.core.rmem_max); a small one makes
 * the kernel drop replies and report overruns, a path worth fuzzing too.
 * With -t it stops after the batch that ends SECONDS in, if that comes
 * first (a time budget, as a coverage fuzzer's). It subscribes to the
 * family's multicast groups and drains every reply.
 *
 * Prints a progress line every 100,000 requests, then one line: requests,
 * how many were acknowledged, errors by errno, and exits 0 unless a
 * request went unanswered (exit 1: no reply for 30 s, replies lost to an
 * overrun the kernel reported aside; a probe of the controller then tells
 * a family that dropped replies from a kernel that stopped answering) or
 * setup failed (exit 2).
 * Works as root and as the admin of a user namespace; runs in the caller's
 * network namespace.
 */
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_DEPTH 4

struct attr_pol {
	uint32_t type;		/* NL_ATTR_TYPE_*; 0: not in the policy */
	int64_t min_s, max_s;
	uint64_t min_u, max_u;
	uint64_t mask;
	uint32_t min_len, max_len;
	int nested;		/* policy index, -1: none */
	int has_range_s, has_range_u, has_len, has_mask;
};

struct policy {
	int maxtype;
	struct attr_pol *attrs;	/* [0 .. maxtype] */
};

struct op {
	uint32_t cmd;
	uint32_t flags;
	int do_pol, dump_pol;	/* policy index, -1: none */
};

static uint16_t family_id;
static struct op *ops;
static int n_ops;
static struct policy *pols;
static int n_pols;
static uint32_t *groups;
static int n_groups;
static const char **words;
static int n_words;

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("gnlfuzz: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory");
	return p;
}

/* xorshift64*: reproducible from the seed */
static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static uint32_t below(uint32_t n)
{
	return n ? (uint32_t)(rnd() % n) : 0;
}

static int chance(unsigned int percent)
{
	return below(100) < percent;
}

/* A growing message buffer; nests are patched when they close. */
struct buf {
	unsigned char *p;
	size_t len, cap;
};

static void *put(struct buf *b, size_t n)
{
	size_t need = b->len + NLA_ALIGN(n);
	void *at;

	if (need > b->cap) {
		b->cap = need * 2 + 256;
		b->p = xrealloc(b->p, b->cap);
	}
	at = b->p + b->len;
	memset(at, 0, NLA_ALIGN(n));
	b->len = need;
	return at;
}

static size_t attr_open(struct buf *b, uint16_t type)
{
	size_t at = b->len;
	struct nlattr *a = put(b, NLA_HDRLEN);

	a->nla_type = type;
	return at;
}

static void attr_close(struct buf *b, size_t at)
{
	struct nlattr *a = (struct nlattr *)(b->p + at);

	a->nla_len = (uint16_t)(b->len - at);
}

static void attr_put(struct buf *b, uint16_t type, const void *data, size_t n)
{
	size_t at = attr_open(b, type);
	struct nlattr *a;

	if (n)
		memcpy(put(b, n), data, n);
	a = (struct nlattr *)(b->p + at);
	a->nla_len = (uint16_t)(NLA_HDRLEN + n);
}

/* ---- learning the family from the controller ---- */

static int nl_sock(int sz)
{
	int one = 1;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);

	if (fd < 0)
		die("socket: %s", strerror(errno));
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	return fd;
}

static void ctrl_send(int fd, uint8_t cmd, uint16_t flags, struct buf *attrs,
		      uint32_t seq)
{
	struct buf m = { 0 };
	struct nlmsghdr *h;
	struct genlmsghdr *g;

	put(&m, NLMSG_HDRLEN + GENL_HDRLEN);
	if (attrs->len)
		memcpy(put(&m, attrs->len), attrs->p, attrs->len);
	h = (struct nlmsghdr *)m.p;
	h->nlmsg_len = (uint32_t)m.len;
	h->nlmsg_type = GENL_ID_CTRL;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	h->nlmsg_seq = seq;
	g = (struct genlmsghdr *)NLMSG_DATA(h);
	g->cmd = cmd;
	g->version = 2;
	if (send(fd, m.p, m.len, 0) < 0)
		die("send to the controller: %s", strerror(errno));
	free(m.p);
}

typedef void (*attr_fn)(const struct nlattr *a);

/* Receive the controller's answer; call fn on each top-level attribute. */
static void ctrl_recv(int fd, attr_fn fn)
{
	size_t cap = 1 << 16;
	char *rb = xrealloc(NULL, cap);

	for (;;) {
		ssize_t n = recv(fd, rb, cap, MSG_PEEK | MSG_TRUNC);
		struct nlmsghdr *h;
		int len;

		if (n < 0)
			die("recv from the controller: %s", strerror(errno));
		if ((size_t)n > cap) {
			cap = (size_t)n;
			rb = xrealloc(rb, cap);
		}
		n = recv(fd, rb, cap, 0);
		if (n < 0)
			die("recv from the controller: %s", strerror(errno));
		len = (int)n;
		for (h = (struct nlmsghdr *)rb; NLMSG_OK(h, len);
		     h = NLMSG_NEXT(h, len)) {
			struct nlattr *a;
			int alen;

			if (h->nlmsg_type == NLMSG_DONE)
				goto out;
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);

				if (e->error)
					die("the controller: %s", strerror(-e->error));
				goto out;
			}
			a = (struct nlattr *)((char *)NLMSG_DATA(h) + GENL_HDRLEN);
			alen = (int)h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
			while (alen >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
			       a->nla_len <= alen) {
				fn(a);
				alen -= NLA_ALIGN(a->nla_len);
				a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len));
			}
		}
	}
out:
	free(rb);
}

#define for_each_nested(pos, parent, rem)					\
	for (pos = (struct nlattr *)((char *)(parent) + NLA_HDRLEN),		\
	     rem = (int)(parent)->nla_len - NLA_HDRLEN;				\
	     rem >= NLA_HDRLEN && pos->nla_len >= NLA_HDRLEN &&		\
	     pos->nla_len <= rem;						\
	     rem -= NLA_ALIGN(pos->nla_len),					\
	     pos = (struct nlattr *)((char *)pos + NLA_ALIGN(pos->nla_len)))

static uint32_t get_u32(const struct nlattr *a)
{
	uint32_t v = 0;

	memcpy(&v, (const char *)a + NLA_HDRLEN, sizeof(v));
	return v;
}

static uint64_t get_u64(const struct nlattr *a)
{
	uint64_t v = 0;

	memcpy(&v, (const char *)a + NLA_HDRLEN, sizeof(v));
	return v;
}

static struct op *op_get(uint32_t cmd)
{
	int i;

	for (i = 0; i < n_ops; i++)
		if (ops[i].cmd == cmd)
			return &ops[i];
	ops = xrealloc(ops, sizeof(*ops) * (n_ops + 1));
	ops[n_ops] = (struct op){ .cmd = cmd, .do_pol = -1, .dump_pol = -1 };
	return &ops[n_ops++];
}

static void on_family(const struct nlattr *a)
{
	const struct nlattr *o, *f;
	int rem, rem2;

	switch (a->nla_type & NLA_TYPE_MASK) {
	case CTRL_ATTR_FAMILY_ID:
		family_id = (uint16_t)get_u32(a);
		break;
	case CTRL_ATTR_OPS:
		for_each_nested(o, a, rem) {
			uint32_t id = 0, fl = 0;

			for_each_nested(f, o, rem2) {
				if (f->nla_type == CTRL_ATTR_OP_ID)
					id = get_u32(f);
				else if (f->nla_type == CTRL_ATTR_OP_FLAGS)
					fl = get_u32(f);
			}
			op_get(id)->flags = fl;
		}
		break;
	case CTRL_ATTR_MCAST_GROUPS:
		for_each_nested(o, a, rem)
			for_each_nested(f, o, rem2)
				if (f->nla_type == CTRL_ATTR_MCAST_GRP_ID) {
					groups = xrealloc(groups, sizeof(*groups) *
							  (n_groups + 1));
					groups[n_groups++] = get_u32(f);
				}
		break;
	}
}

static struct attr_pol *pol_attr(int idx, int type)
{
	struct policy *p;

	if (idx < 0 || idx > 1024 || type < 0 || type > 4096)
		die("the controller describes policy %d attribute %d", idx, type);
	if (idx >= n_pols) {
		pols = xrealloc(pols, sizeof(*pols) * (idx + 1));
		memset(pols + n_pols, 0, sizeof(*pols) * (idx + 1 - n_pols));
		n_pols = idx + 1;
	}
	p = &pols[idx];
	if (type > p->maxtype || !p->attrs) {
		int old = p->attrs ? p->maxtype + 1 : 0;
		int i;

		if (type > p->maxtype)
			p->maxtype = type;
		p->attrs = xrealloc(p->attrs, sizeof(*p->attrs) * (p->maxtype + 1));
		memset(p->attrs + old, 0, sizeof(*p->attrs) * (p->maxtype + 1 - old));
		for (i = old; i <= p->maxtype; i++)
			p->attrs[i].nested = -1;
	}
	return &p->attrs[type];
}

static void on_policy(const struct nlattr *a)
{
	const struct nlattr *pi, *at, *f;
	int rem, rem2, rem3;

	switch (a->nla_type & NLA_TYPE_MASK) {
	case CTRL_ATTR_POLICY:
		for_each_nested(pi, a, rem)
			for_each_nested(at, pi, rem2) {
				struct attr_pol *ap = pol_attr(pi->nla_type & NLA_TYPE_MASK,
							       at->nla_type & NLA_TYPE_MASK);

				for_each_nested(f, at, rem3) {
					switch (f->nla_type) {
					case NL_POLICY_TYPE_ATTR_TYPE:
						ap->type = get_u32(f);
						break;
					case NL_POLICY_TYPE_ATTR_MIN_VALUE_S:
						ap->min_s = (int64_t)get_u64(f);
						ap->has_range_s = 1;
						break;
					case NL_POLICY_TYPE_ATTR_MAX_VALUE_S:
						ap->max_s = (int64_t)get_u64(f);
						break;
					case NL_POLICY_TYPE_ATTR_MIN_VALUE_U:
						ap->min_u = get_u64(f);
						ap->has_range_u = 1;
						break;
					case NL_POLICY_TYPE_ATTR_MAX_VALUE_U:
						ap->max_u = get_u64(f);
						break;
					case NL_POLICY_TYPE_ATTR_MIN_LENGTH:
						ap->min_len = get_u32(f);
						ap->has_len = 1;
						break;
					case NL_POLICY_TYPE_ATTR_MAX_LENGTH:
						ap->max_len = get_u32(f);
						ap->has_len = 1;
						break;
					case NL_POLICY_TYPE_ATTR_POLICY_IDX:
						ap->nested = (int)get_u32(f);
						break;
					case NL_POLICY_TYPE_ATTR_MASK:
						ap->mask = get_u64(f);
						ap->has_mask = 1;
						break;
					}
				}
			}
		break;
	case CTRL_ATTR_OP_POLICY:
		for_each_nested(pi, a, rem) {
			struct op *op = op_get(pi->nla_type & NLA_TYPE_MASK);

			for_each_nested(f, pi, rem2) {
				if (f->nla_type == CTRL_ATTR_POLICY_DO)
					op->do_pol = (int)get_u32(f);
				else if (f->nla_type == CTRL_ATTR_POLICY_DUMP)
					op->dump_pol = (int)get_u32(f);
			}
		}
		break;
	}
}

static void learn(int fd, const char *name)
{
	struct buf a = { 0 };
	uint32_t id;

	attr_put(&a, CTRL_ATTR_FAMILY_NAME, name, strlen(name) + 1);
	ctrl_send(fd, CTRL_CMD_GETFAMILY, 0, &a, 1);
	ctrl_recv(fd, on_family);
	if (!family_id)
		die("no family %s", name);
	a.len = 0;
	id = family_id;
	attr_put(&a, CTRL_ATTR_FAMILY_ID, &id, sizeof(uint16_t));
	ctrl_send(fd, CTRL_CMD_GETPOLICY, NLM_F_DUMP, &a, 2);
	ctrl_recv(fd, on_policy);
	free(a.p);
}

/* ---- building requests ---- */

static void put_word(struct buf *b, uint16_t type, int nul)
{
	const char *w = words[below(n_words)];

	attr_put(b, type, w, strlen(w) + (nul ? 1 : 0));
}

static void put_random(struct buf *b, uint16_t type, size_t maxlen)
{
	size_t n = below((uint32_t)maxlen + 1), i;
	size_t at = attr_open(b, type);
	unsigned char *p = put(b, n);

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)rnd();
	b->len = at + NLA_HDRLEN + n;	/* unaligned on purpose, then pad */
	attr_close(b, at);
	b->len = NLA_ALIGN(b->len);
}

static uint64_t pick_uint(const struct attr_pol *ap, uint64_t limit)
{
	uint64_t lo = 0, hi = limit, v;

	if (ap->has_range_u) {
		lo = ap->min_u;
		hi = ap->max_u < limit ? ap->max_u : limit;
	} else if (ap->has_range_s) {
		lo = ap->min_s > 0 ? (uint64_t)ap->min_s : 0;
		hi = ap->max_s >= 0 && (uint64_t)ap->max_s < limit ?
			(uint64_t)ap->max_s : limit;
	}
	if (hi < lo)
		hi = lo;
	v = lo + (hi - lo < 64 ? below((uint32_t)(hi - lo + 1)) : rnd() % 64);
	if (ap->has_mask)
		v &= ap->mask;
	return v;
}

static void gen_attrs(struct buf *b, int pidx, int depth, int mutate);

static void gen_attr(struct buf *b, int pidx, int type, int depth, int mutate)
{
	const struct attr_pol *ap = &pols[pidx].attrs[type];
	int bad = mutate && chance(15);
	size_t at;
	uint64_t v;
	int i, n;

	if (bad) {
		switch (below(4)) {
		case 0:
			put_random(b, (uint16_t)type, 24);
			return;
		case 1:	/* a nest of rubbish where a value belongs */
			at = attr_open(b, (uint16_t)(type | NLA_F_NESTED));
			put_random(b, (uint16_t)below(8), 16);
			attr_close(b, at);
			return;
		case 2:	/* a value off its range, of the right size */
			v = rnd();
			if (ap->type == NL_ATTR_TYPE_U8)
				attr_put(b, (uint16_t)type, &v, 1);
			else if (ap->type == NL_ATTR_TYPE_U16)
				attr_put(b, (uint16_t)type, &v, 2);
			else if (ap->type == NL_ATTR_TYPE_U32)
				attr_put(b, (uint16_t)type, &v, 4);
			else
				attr_put(b, (uint16_t)type, &v, 8);
			return;
		default:	/* an overlong string */
			n = 1 + (int)below(300);
			at = attr_open(b, (uint16_t)type);
			memset(put(b, (size_t)n), 'a' + (int)below(26), (size_t)n);
			attr_close(b, at);
			return;
		}
	}
	switch (ap->type) {
	case NL_ATTR_TYPE_FLAG:
		attr_put(b, (uint16_t)type, NULL, 0);
		break;
	case NL_ATTR_TYPE_U8:
		v = pick_uint(ap, 0xff);
		attr_put(b, (uint16_t)type, &v, 1);
		break;
	case NL_ATTR_TYPE_U16:
		v = pick_uint(ap, 0xffff);
		attr_put(b, (uint16_t)type, &v, 2);
		break;
	case NL_ATTR_TYPE_U32:
		v = pick_uint(ap, 0xffffffffu);
		attr_put(b, (uint16_t)type, &v, 4);
		break;
	case NL_ATTR_TYPE_U64:
		v = pick_uint(ap, ~0ULL);
		attr_put(b, (uint16_t)type, &v, 8);
		break;
	case NL_ATTR_TYPE_STRING:
		put_word(b, (uint16_t)type, chance(80));
		break;
	case NL_ATTR_TYPE_NUL_STRING:
		put_word(b, (uint16_t)type, 1);
		break;
	case NL_ATTR_TYPE_BINARY:
		if (ap->has_len && ap->min_len && ap->min_len == ap->max_len) {
			unsigned char raw[64];
			uint32_t k;

			for (k = 0; k < sizeof(raw); k++)
				raw[k] = (unsigned char)rnd();
			raw[0] &= 0xfe;	/* MACs: unicast */
			attr_put(b, (uint16_t)type, raw,
				 ap->min_len < sizeof(raw) ? ap->min_len : sizeof(raw));
		} else {
			put_word(b, (uint16_t)type, 0);
		}
		break;
	case NL_ATTR_TYPE_NESTED:
		at = attr_open(b, (uint16_t)(type | NLA_F_NESTED));
		if (ap->nested >= 0 && depth < MAX_DEPTH)
			gen_attrs(b, ap->nested, depth + 1, mutate);
		else	/* an array of strings the family checks itself */
			for (i = 0, n = (int)below(4); i < n; i++)
				put_word(b, (uint16_t)(i + 1), 1);
		attr_close(b, at);
		break;
	case NL_ATTR_TYPE_NESTED_ARRAY:
		at = attr_open(b, (uint16_t)(type | NLA_F_NESTED));
		for (i = 0, n = 1 + (int)below(3); i < n && depth < MAX_DEPTH; i++) {
			size_t el = attr_open(b, (uint16_t)(i + 1) | NLA_F_NESTED);

			if (ap->nested >= 0)
				gen_attrs(b, ap->nested, depth + 1, mutate);
			attr_close(b, el);
		}
		attr_close(b, at);
		break;
	default:
		put_random(b, (uint16_t)type, 16);
		break;
	}
}

static void gen_attrs(struct buf *b, int pidx, int depth, int mutate)
{
	const struct policy *p;
	int t;

	if (pidx < 0 || pidx >= n_pols || !pols[pidx].attrs)
		return;
	p = &pols[pidx];
	for (t = 1; t <= p->maxtype; t++) {
		if (!p->attrs[t].type || !chance(depth ? 70 : 50))
			continue;
		gen_attr(b, pidx, t, depth, mutate);
		if (mutate && chance(3))	/* twice */
			gen_attr(b, pidx, t, depth, mutate);
	}
	if (mutate && chance(10))	/* one the policy does not know */
		put_random(b, (uint16_t)(p->maxtype + 1 + below(4)), 8);
}

static uint32_t seq;

/* Append one request, with NLM_F_ACK, to the batch. */
static void gen_request(struct buf *b, int mutate)
{
	size_t start = b->len;
	const struct op *op = &ops[below(n_ops)];
	struct nlmsghdr *h;
	struct genlmsghdr *g;
	uint16_t flags = NLM_F_REQUEST | NLM_F_ACK;
	int dump = (op->flags & GENL_CMD_CAP_DUMP) &&
		   (!(op->flags & GENL_CMD_CAP_DO) || chance(50));
	size_t i;

	put(b, NLMSG_HDRLEN + GENL_HDRLEN);
	gen_attrs(b, dump ? op->dump_pol : op->do_pol, 0, mutate);
	if (dump)
		flags |= NLM_F_DUMP;
	h = (struct nlmsghdr *)(b->p + start);
	g = (struct genlmsghdr *)NLMSG_DATA(h);
	h->nlmsg_len = (uint32_t)(b->len - start);
	h->nlmsg_type = family_id;
	h->nlmsg_flags = flags;
	h->nlmsg_seq = ++seq;
	g->cmd = (uint8_t)op->cmd;
	g->version = 1 + (uint8_t)below(2);
	if (!mutate)
		return;
	switch (below(8)) {
	case 0:	/* flip bits past the headers */
		for (i = 0; i < 1 + below(4); i++) {
			size_t off = start + NLMSG_HDRLEN + GENL_HDRLEN;

			if (b->len > off)
				b->p[off + below((uint32_t)(b->len - off))] ^=
					(unsigned char)(1u << below(8));
		}
		break;
	case 1:	/* a command the family may not have */
		g->cmd = (uint8_t)below(256);
		break;
	case 2:	/* the other of do/dump */
		h->nlmsg_flags ^= NLM_F_DUMP;
		break;
	case 3:	/* cut the last attribute short */
		if (h->nlmsg_len > NLMSG_HDRLEN + GENL_HDRLEN + 4)
			h->nlmsg_len -= 1 + below(4);
		break;
	}
	/* stay inside the batch whatever the header now says */
	if (h->nlmsg_len < NLMSG_HDRLEN)
		h->nlmsg_len = NLMSG_HDRLEN;
	if (h->nlmsg_len > b->len - start)
		h->nlmsg_len = (uint32_t)(b->len - start);
	b->len = start + NLMSG_ALIGN(h->nlmsg_len);
}

/* ---- the run ---- */

static unsigned long n_acked, n_err[4096], n_lost_bufs, n_events, n_dump_parts;
/* the command of each request in flight, by sequence number from base */
static uint8_t *cmd_of;
static uint32_t base_seq, n_in_flight;
static unsigned long ok_by_cmd[256];

static void count_ok(uint32_t s)
{
	n_acked++;
	if (s >= base_seq && s - base_seq < n_in_flight)
		ok_by_cmd[cmd_of[s - base_seq]]++;
}

/*
 * Replies. The kernel never blocks to deliver one: when the socket's
 * receive buffer is full it drops the reply, marks the socket congested
 * and reports ENOBUFS once; until the queue has been read empty, every
 * later reply is dropped without another report. So after an ENOBUFS the
 * socket is read until it is empty, and the requests in flight count as
 * answered (their replies may be gone). Anything else missing is a reply
 * the family never sent.
 */
static uint32_t answered;

/* One recv: 1 a message or more, 0 nothing queued, -1 an overrun. */
static int take(int fd, char **rb, size_t *cap, int *progress)
{
	struct nlmsghdr *h;
	ssize_t n;
	int len;

	n = recv(fd, *rb, *cap, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
	if (n < 0 && errno == ENOBUFS) {
		n_lost_bufs++;
		return -1;
	}
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n < 0)
		die("recv: %s", strerror(errno));
	if ((size_t)n > *cap) {
		*cap = (size_t)n;
		*rb = xrealloc(*rb, *cap);
	}
	n = recv(fd, *rb, *cap, MSG_DONTWAIT);
	if (n <= 0)
		return 1;
	len = (int)n;
	for (h = (struct nlmsghdr *)*rb; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
		if (!h->nlmsg_seq) {
			n_events++;
			continue;
		}
		*progress = 1;
		if (h->nlmsg_type == NLMSG_ERROR) {
			struct nlmsgerr *e = NLMSG_DATA(h);

			if (!e->error)
				count_ok(e->msg.nlmsg_seq);
			else if (-e->error > 0 && -e->error < 4096)
				n_err[-e->error]++;
			if (e->msg.nlmsg_seq > answered)
				answered = e->msg.nlmsg_seq;
		} else if (h->nlmsg_type == NLMSG_DONE) {
			count_ok(h->nlmsg_seq);
			if (h->nlmsg_seq > answered)
				answered = h->nlmsg_seq;
		} else {
			n_dump_parts++;
		}
	}
	return 1;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/*
 * Read until request want_seq has been answered (or its reply lost to an
 * overrun). 0, or -1 if no reply to any request came for 30 s: events
 * (the family's multicast, from whoever else changes things) do not count.
 */
static int drain(int fd, char **rb, size_t *cap, uint32_t want_seq)
{
	double deadline = now() + 30;

	while (answered < want_seq) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		double left = deadline - now();
		int progress = 0;

		if (left <= 0 || poll(&pfd, 1, (int)(left * 1000) + 1) <= 0)
			return -1;
		if (take(fd, rb, cap, &progress) < 0) {
			while (take(fd, rb, cap, &progress))
				;
			answered = want_seq;
		}
		if (progress)
			deadline = now() + 30;
	}
	return 0;
}

/*
 * No reply for 30 s: is the kernel still answering at all? Ask the
 * controller for the family (a request every kernel answers) and wait for
 * that reply as for any other. 0 if it came.
 */
static int probe(int fd, char **rb, size_t *cap, const char *name)
{
	struct buf a = { 0 };

	attr_put(&a, CTRL_ATTR_FAMILY_NAME, name, strlen(name) + 1);
	ctrl_send(fd, CTRL_CMD_GETFAMILY, 0, &a, ++seq);
	free(a.p);
	return drain(fd, rb, cap, seq);
}

int main(int argc, char **argv)
{
	unsigned long total = 100000, sent = 0, valid = 0, batch = 32;
	double budget = 0, elapsed = 0;
	uint64_t seed = (uint64_t)time(NULL);
	struct buf b = { 0 };
	size_t cap = 1 << 16;
	char *rb = xrealloc(NULL, cap);
	struct timespec t0, t1;
	int fd, opt, i, rcvbuf = 8 << 20;

	while ((opt = getopt(argc, argv, "n:s:b:r:t:w:")) != -1) {
		switch (opt) {
		case 'n':
			total = strtoul(optarg, NULL, 0);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'b':
			batch = strtoul(optarg, NULL, 0);
			break;
		case 'r':
			rcvbuf = atoi(optarg);
			break;
		case 't':
			budget = strtod(optarg, NULL);
			break;
		case 'w':
			words = xrealloc(words, sizeof(*words) * (n_words + 1));
			words[n_words++] = optarg;
			break;
		default:
			fprintf(stderr, "usage: gnlfuzz [-n N] [-t SECONDS] [-s SEED] [-b BATCH] [-r BYTES] [-w WORD]... FAMILY\n");
			return 2;
		}
	}
	if (optind + 1 != argc || !batch) {
		fprintf(stderr, "usage: gnlfuzz [-n N] [-t SECONDS] [-s SEED] [-b BATCH] [-r BYTES] [-w WORD]... FAMILY\n");
		return 2;
	}
	if (!n_words) {
		static const char *dflt[] = { "a", "x0", "*" };

		words = dflt;
		n_words = 3;
	}
	rng_state = seed ? seed : 1;
	cmd_of = xrealloc(NULL, batch);
	fd = nl_sock(rcvbuf);
	learn(fd, argv[optind]);
	if (!n_ops)
		die("family %s has no commands", argv[optind]);
	for (i = 0; i < n_groups; i++)
		setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
			   &groups[i], sizeof(groups[i]));
	printf("gnlfuzz: %s: family %u, %d commands, %d policies, %d groups, seed %llu\n",
	       argv[optind], family_id, n_ops, n_pols, n_groups,
	       (unsigned long long)seed);
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (sent < total) {
		unsigned long k;

		b.len = 0;
		base_seq = seq + 1;
		for (k = 0; k < batch && sent < total; k++, sent++) {
			int mutate = chance(50);
			size_t at = b.len;

			valid += !mutate;
			gen_request(&b, mutate);
			cmd_of[k] = ((struct genlmsghdr *)NLMSG_DATA((struct nlmsghdr *)(b.p + at)))->cmd;
		}
		n_in_flight = (uint32_t)k;
		if (send(fd, b.p, b.len, 0) < 0 && errno != ENOBUFS)
			die("send: %s", strerror(errno));
		if (drain(fd, &rb, &cap, seq)) {
			uint32_t last = seq, first = answered + 1;

			if (probe(fd, &rb, &cap, argv[optind]))
				printf("gnlfuzz: no reply to requests %u-%u for 30 s, none to a probe of the controller for 30 s more: the kernel stopped answering\n",
				       first, last);
			else
				printf("gnlfuzz: requests %u-%u were never answered (and no overrun was reported), but the controller answers: replies the family never sent\n",
				       first, last);
			return 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		elapsed = (double)(t1.tv_sec - t0.tv_sec) +
			  (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		if (sent % 100000 < k && sent < total) {
			printf("gnlfuzz: %lu sent, %.1f s\n", sent, elapsed);
			fflush(stdout);
		}
		if (budget > 0 && elapsed >= budget)
			break;
	}
	printf("gnlfuzz: %lu requests (%lu well formed) in %.1f s: %lu acked, %lu dump parts, %lu events, %lu overruns; errors:",
	       sent, valid, elapsed, n_acked, n_dump_parts,
	       n_events, n_lost_bufs);
	for (i = 1; i < 4096; i++)
		if (n_err[i])
			printf(" %s %lu;", strerror(i), n_err[i]);
	printf("\ngnlfuzz: succeeded, by command:");
	for (i = 0; i < 256; i++)
		if (ok_by_cmd[i])
			printf(" %d:%lu", i, ok_by_cmd[i]);
	printf("\n");
	free(b.p);
	free(rb);
	free(cmd_of);
	return 0;
}
