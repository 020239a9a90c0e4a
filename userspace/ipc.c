// SPDX-License-Identifier: GPL-2.0
/*
 * npmgr: the generic netlink transport (libnl-genl-3). Everything that
 * knows about attributes lives here; the rest of npmgr sees np_config and
 * np_port_info only.
 */

#include <errno.h>
#include <poll.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "ipc.h"
#include "msgw.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif
#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

struct np_ipc {
	struct nl_sock *sk;
	int family;
	int events;			/* its events group, or -1 */
	int err;			/* negative errno from the last ack */
	int quiet;			/* an errno report() does not print */
	bool quiet_all;			/* report() prints nothing */
	size_t max_msg;			/* largest message the socket sends */
	char msg[512];			/* the kernel's extack message */
};

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct np_ipc *ipc = arg;
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t skip = sizeof(*e);
	int len;

	(void)nla;
	ipc->err = e->error;
	ipc->msg[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		skip += e->msg.nlmsg_len - NLMSG_HDRLEN;
	len = (int)nlh->nlmsg_len - NLMSG_HDRLEN - (int)skip;
	if (len <= 0)
		return NL_STOP;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)e + skip),
		      len, NULL) < 0)
		return NL_STOP;
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(ipc->msg, sizeof(ipc->msg), "%.*s",
			 nla_len(tb[NLMSGERR_ATTR_MSG]),
			 (char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	(void)msg;
	((struct np_ipc *)arg)->err = 0;
	return NL_STOP;
}

/* The end of a dump: NLMSG_DONE carries the interruption of the last batch. */
static int on_finish(struct nl_msg *msg, void *arg)
{
	((struct np_ipc *)arg)->err =
		nlmsg_hdr(msg)->nlmsg_flags & NLM_F_DUMP_INTR ? -EAGAIN : 0;
	return NL_STOP;
}

static void report(const struct np_ipc *ipc, const char *what)
{
	if (ipc->quiet_all || ipc->err == ipc->quiet)
		return;
	fprintf(stderr, "npmgr: %s: %s\n", what, strerror(-ipc->err));
	if (ipc->msg[0])
		fprintf(stderr, "npmgr: kernel says: %s\n", ipc->msg);
	if (ipc->err == -EPERM)
		fprintf(stderr, "npmgr: this needs CAP_NET_ADMIN in the network namespace\n");
}

/* Send @msg and wait for the ack; on error print it. */
static int transact(struct np_ipc *ipc, struct nl_msg *msg, const char *what,
		    nl_recvmsg_msg_cb_t valid, void *arg)
{
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int rc;

	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	ipc->err = 1;
	ipc->msg[0] = '\0';
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, ipc);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, ipc);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, ipc);
	if (valid)
		nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, valid, arg);
	rc = nl_send_auto(ipc->sk, msg);
	nlmsg_free(msg);
	if (rc < 0) {
		ipc->err = rc == -NLE_PERM ? -EPERM : -EIO;
		snprintf(ipc->msg, sizeof(ipc->msg), "send failed: %s",
			 nl_geterror(rc));
	}
	while (rc >= 0 && ipc->err > 0) {
		rc = nl_recvmsgs(ipc->sk, cb);
		/* an earlier batch of a dump that ended in this read */
		if (rc == -NLE_DUMP_INTR && !ipc->err)
			ipc->err = -EAGAIN;
		if (rc < 0 && ipc->err > 0) {
			ipc->err = rc == -NLE_DUMP_INTR ? -EAGAIN : -EIO;
			snprintf(ipc->msg, sizeof(ipc->msg), "%s", nl_geterror(rc));
		}
	}
	nl_cb_put(cb);
	if (ipc->err < 0 && what)
		report(ipc, what);
	return ipc->err;
}

/*
 * The family's id and its events group's, in one CTRL_CMD_GETFAMILY.
 * libnl's genl_ctrl_resolve() and genl_ctrl_resolve_grp() ask once each
 * and parse every operation of the family into objects: a hook or a
 * hotplug script that waits for a decision asked three times, under QEMU
 * TCG several milliseconds of each run (Documentation/libvirt-design.rst).
 */
static int on_family(struct nl_msg *msg, void *arg)
{
	static struct nla_policy pol[CTRL_ATTR_MAX + 1] = {
		[CTRL_ATTR_FAMILY_ID] = { .type = NLA_U16 },
		[CTRL_ATTR_MCAST_GROUPS] = { .type = NLA_NESTED },
	};
	static struct nla_policy gpol[CTRL_ATTR_MCAST_GRP_MAX + 1] = {
		[CTRL_ATTR_MCAST_GRP_NAME] = { .type = NLA_STRING },
		[CTRL_ATTR_MCAST_GRP_ID] = { .type = NLA_U32 },
	};
	struct nlattr *tb[CTRL_ATTR_MAX + 1], *g[CTRL_ATTR_MCAST_GRP_MAX + 1];
	struct np_ipc *ipc = arg;
	struct nlattr *grp;
	int rem;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, CTRL_ATTR_MAX, pol) < 0 ||
	    !tb[CTRL_ATTR_FAMILY_ID])
		return NL_SKIP;
	ipc->family = nla_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	if (!tb[CTRL_ATTR_MCAST_GROUPS])
		return NL_OK;
	nla_for_each_nested(grp, tb[CTRL_ATTR_MCAST_GROUPS], rem) {
		if (nla_parse_nested(g, CTRL_ATTR_MCAST_GRP_MAX, grp, gpol) < 0 ||
		    !g[CTRL_ATTR_MCAST_GRP_NAME] || !g[CTRL_ATTR_MCAST_GRP_ID])
			continue;
		if (!strcmp(nla_get_string(g[CTRL_ATTR_MCAST_GRP_NAME]),
			    NETPOLICY_MCGRP_EVENTS))
			ipc->events = (int)nla_get_u32(g[CTRL_ATTR_MCAST_GRP_ID]);
	}
	return NL_OK;
}

static int lookup_family(struct np_ipc *ipc)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, GENL_ID_CTRL,
				 0, NLM_F_ACK, CTRL_CMD_GETFAMILY, 1) ||
	    nla_put_string(msg, CTRL_ATTR_FAMILY_NAME, NETPOLICY_GENL_NAME)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	ipc->family = -1;
	ipc->events = -1;
	if (transact(ipc, msg, NULL, on_family, ipc) || ipc->family < 0)
		return -ENOENT;
	return 0;
}

/* A netlink socket, connected, of the family @family and group @events. */
static struct np_ipc *open_sock(bool quiet, int family, int events)
{
	struct np_ipc *ipc = xcalloc(1, sizeof(*ipc));
	int one = 1, fd, buf = 1 << 20;
	socklen_t len = sizeof(buf);

	ipc->family = family;
	ipc->events = events;
	ipc->sk = nl_socket_alloc();
	if (!ipc->sk) {
		fprintf(stderr, "npmgr: out of memory\n");
		goto fail;
	}
	if (genl_connect(ipc->sk)) {
		if (!quiet)
			fprintf(stderr, "npmgr: cannot open a generic netlink socket\n");
		goto fail;
	}
	fd = nl_socket_get_fd(ipc->sk);
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	/*
	 * Loads go in messages of at most 1 MiB (more in a transaction): ask
	 * for room for one (the kernel doubles what is asked), and take what
	 * is given (wmem_max, for a sender without CAP_NET_ADMIN).
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, &len) || buf < 4096)
		buf = 4096;
	ipc->max_msg = (size_t)buf - 32;	/* netlink_sendmsg()'s bound */
	nl_socket_enable_msg_peek(ipc->sk);
	return ipc;
fail:
	ipc_close(ipc);
	return NULL;
}

static struct np_ipc *open_ipc(bool quiet)
{
	struct np_ipc *ipc = open_sock(quiet, -1, -1);

	if (!ipc)
		return NULL;
	if (lookup_family(ipc)) {
		if (!quiet)
			fprintf(stderr,
			"npmgr: the netpolicy kernel module is not loaded (modprobe netpolicy, or insmod netpolicy.ko)\n");
		ipc_close(ipc);
		return NULL;
	}
	return ipc;
}

struct np_ipc *ipc_open(void)
{
	return open_ipc(false);
}

struct np_ipc *ipc_open_quiet(void)
{
	return open_ipc(true);
}

void ipc_close(struct np_ipc *ipc)
{
	if (!ipc)
		return;
	nl_socket_free(ipc->sk);
	free(ipc);
}

static struct nl_msg *new_msg(struct np_ipc *ipc, int cmd, int flags,
			      size_t size)
{
	struct nl_msg *msg = size ? nlmsg_alloc_size(size) : nlmsg_alloc();

	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, ipc->family, 0,
				 flags | NLM_F_ACK, cmd, NETPOLICY_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static void put_sels(struct msgw *w, int type, const struct np_sel *s,
		     size_t n)
{
	size_t arr = msgw_nest(w, type), e, i;

	for (i = 0; i < n; i++) {
		e = msgw_nest(w, (int)i + 1);
		msgw_u8(w, NETPOLICY_A_SEL_TYPE, (uint8_t)s[i].type);
		msgw_str(w, NETPOLICY_A_SEL_VALUE, s[i].value);
		msgw_nest_end(w, e);
	}
	msgw_nest_end(w, arr);
}

static void put_policy(struct msgw *w, int type, const void *obj,
		       const struct np_load *req)
{
	const struct np_policy_def *p = obj;
	size_t nest = msgw_nest(w, type);
	const struct pol_attr_desc *d;
	const struct np_sel *sels;
	size_t n;
	int a;

	(void)req;
	msgw_str(w, NETPOLICY_A_POLICY_NAME, p->name);
	for (a = 0; a < PA_COUNT; a++) {
		if (!pol_has(p, a))
			continue;
		d = &pol_attrs[a];
		switch (d->type) {
		case PA_T_BOOL:
		case PA_T_ENUM:
			msgw_u8(w, d->nl_attr, (uint8_t)pol_scalar(p, a));
			break;
		case PA_T_NAME:
			msgw_str(w, d->nl_attr, pol_value_text(p, a));
			break;
		case PA_T_SELECTORS:
			sels = pol_sel_list(p, a, &n);
			put_sels(w, d->nl_attr, sels, n);
			break;
		}
	}
	msgw_nest_end(w, nest);
}

static int cmp_claim(const void *key, const void *elem)
{
	return strcmp(key, ((const struct np_claim *)elem)->network);
}

static void put_net(struct msgw *w, int type, const void *obj,
		    const struct np_load *req)
{
	const struct np_net_def *n = obj;
	size_t nest = msgw_nest(w, type);
	const struct np_claim *c = NULL;

	if (req->n_claims)
		c = bsearch(n->name, req->claims, req->n_claims,
			    sizeof(*req->claims), cmp_claim);
	msgw_str(w, NETPOLICY_A_NET_NAME, n->name);
	msgw_str(w, NETPOLICY_A_NET_BRIDGE, n->bridge);
	if (n->policy)
		msgw_str(w, NETPOLICY_A_NET_POLICY, n->policy);
	if (c) {
		msgw_u8(w, NETPOLICY_A_NET_TUNNEL, (uint8_t)c->tunnel);
		msgw_u32(w, NETPOLICY_A_NET_TUNNEL_ID, c->id);
	}
	msgw_nest_end(w, nest);
}

static void put_tags(struct msgw *w, int type, char **tags, size_t n)
{
	size_t nest, i;

	if (!n)
		return;
	nest = msgw_nest(w, type);
	for (i = 0; i < n; i++)
		msgw_str(w, (int)i + 1, tags[i]);
	msgw_nest_end(w, nest);
}

static void put_vm(struct msgw *w, int type, const void *obj,
		   const struct np_load *req)
{
	const struct np_vm_def *m = obj;
	size_t nest = msgw_nest(w, type);

	(void)req;
	msgw_str(w, NETPOLICY_A_VM_NAME, m->name);
	if (m->has_uuid)
		msgw_put(w, NETPOLICY_A_VM_UUID, m->uuid, NETPOLICY_UUID_LEN);
	put_tags(w, NETPOLICY_A_VM_TAGS, m->tags, m->n_tags);
	if (m->policy)
		msgw_str(w, NETPOLICY_A_VM_POLICY, m->policy);
	if (m->source)
		msgw_u8(w, NETPOLICY_A_VM_SOURCE, m->source);
	msgw_nest_end(w, nest);
}

static void put_nic(struct msgw *w, int type, const void *obj,
		    const struct np_load *req)
{
	const struct np_nic_def *c = obj;
	size_t nest = msgw_nest(w, type);

	(void)req;
	msgw_str(w, NETPOLICY_A_NIC_NAME, c->name);
	put_tags(w, NETPOLICY_A_NIC_TAGS, c->tags, c->n_tags);
	msgw_nest_end(w, nest);
}

static void put_vif(struct msgw *w, int type, const void *obj,
		    const struct np_load *req)
{
	const struct np_vif_def *v = obj;
	size_t nest = msgw_nest(w, type);

	(void)req;
	msgw_str(w, NETPOLICY_A_VIF_NAME, v->name);
	msgw_str(w, NETPOLICY_A_VIF_NETWORK, v->network);
	if (v->ifname)
		msgw_str(w, NETPOLICY_A_VIF_IFNAME, v->ifname);
	if (v->has_mac)
		msgw_put(w, NETPOLICY_A_VIF_MAC, v->mac, 6);
	if (v->vm)
		msgw_str(w, NETPOLICY_A_VIF_VM, v->vm);
	if (v->policy)
		msgw_str(w, NETPOLICY_A_VIF_POLICY, v->policy);
	if (v->source)
		msgw_u8(w, NETPOLICY_A_VIF_SOURCE, v->source);
	msgw_nest_end(w, nest);
}

/*
 * An attribute holds at most 64 KiB (and an array at most 16383 indexed
 * elements): every object array goes in chunks of this many bytes.
 */
#define CHUNK_BYTES 48000

/*
 * A load goes in messages of at most LOAD_MSG_BYTES (or what the socket
 * sends, if less), in a transaction when there is more than one. A message
 * is sent once it passes its limit, so it holds up to one object more: the
 * largest (a policy of 128 selectors) is under 11 KiB.
 */
#define LOAD_MSG_BYTES (1U << 20)
#define LOAD_SLACK (16U << 10)

/*
 * A load on its way: the message being filled, and the transaction its
 * messages go in once one message is not enough (0: none yet).
 */
struct load_out {
	struct np_ipc *ipc;
	const struct np_load *req;
	struct nl_msg *msg;
	struct msgw w;			/* writes into @msg */
	size_t limit;
	uint32_t txn;
	uint32_t n_objs;		/* put in messages so far */
};

/* npmgr could not build a message (never the kernel's error). */
static int load_nomem(void)
{
	fprintf(stderr, "npmgr: load: out of memory building the request\n");
	return -ENOMEM;
}

static int load_msg(struct load_out *o)
{
	o->msg = new_msg(o->ipc, NETPOLICY_CMD_LOAD, 0, o->limit + LOAD_SLACK);
	if (!o->msg)
		return load_nomem();
	msgw_init(&o->w, nlmsg_hdr(o->msg), nlmsg_get_max_size(o->msg));
	return 0;
}

static int on_txn(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[NETPOLICY_A_MAX + 1];

	if (!genlmsg_parse(nlmsg_hdr(msg), 0, tb, NETPOLICY_A_MAX, NULL) &&
	    tb[NETPOLICY_A_TXN])
		*(uint32_t *)arg = nla_get_u32(tb[NETPOLICY_A_TXN]);
	return NL_OK;
}

/* A load's NETPOLICY_A_FLAGS and _CONFIG_GEN, if it has them. */
static int put_load_flags(struct nl_msg *msg, const struct np_load *req)
{
	uint32_t flags = (req->replace ? NETPOLICY_LOAD_F_REPLACE : 0) |
			 (req->update ? NETPOLICY_LOAD_F_UPDATE : 0);

	if (flags && nla_put_u32(msg, NETPOLICY_A_FLAGS, flags))
		return -ENOMEM;
	return req->if_config &&
	       nla_put_u32(msg, NETPOLICY_A_CONFIG_GEN, req->config_gen) ?
	       -ENOMEM : 0;
}

static int txn_msg(struct load_out *o, int cmd, struct nl_msg **msg)
{
	*msg = new_msg(o->ipc, cmd, 0, 0);
	if (!*msg)
		return -ENOMEM;
	if (cmd == NETPOLICY_CMD_TXN_BEGIN)
		return put_load_flags(*msg, o->req);
	if (cmd == NETPOLICY_CMD_TXN_COMMIT &&
	    nla_put_u32(*msg, NETPOLICY_A_TXN_OBJECTS, o->n_objs))
		return -ENOMEM;
	return nla_put_u32(*msg, NETPOLICY_A_TXN, o->txn) ? -ENOMEM : 0;
}

/*
 * Send the message filled so far: on its own when it is the whole load,
 * else in the transaction (begun with the first message, committed after
 * the last). Every error is printed.
 */
static int load_flush(struct load_out *o, bool last)
{
	struct nl_msg *msg = o->msg, *ctl;
	int err;

	o->msg = NULL;
	if (last && !o->txn) {
		if (put_load_flags(msg, o->req))
			goto nomem;
		return transact(o->ipc, msg, "load", NULL, NULL);
	}
	if (!o->txn) {
		if (txn_msg(o, NETPOLICY_CMD_TXN_BEGIN, &ctl)) {
			nlmsg_free(ctl);
			goto nomem;
		}
		err = transact(o->ipc, ctl, "load", on_txn, &o->txn);
		if (err == -EOPNOTSUPP)
			fprintf(stderr, "npmgr: load: this set needs several messages, and the loaded netpolicy module predates load transactions: load the module that came with this npmgr\n");
		if (!err && !o->txn) {
			fprintf(stderr, "npmgr: load: the kernel opened no transaction\n");
			err = -EPROTO;
		}
		if (err) {
			nlmsg_free(msg);
			return err;
		}
	}
	if (nla_put_u32(msg, NETPOLICY_A_TXN, o->txn))
		goto nomem;
	err = transact(o->ipc, msg, "load", NULL, NULL);
	if (err || !last)
		return err;
	if (txn_msg(o, NETPOLICY_CMD_TXN_COMMIT, &ctl)) {
		nlmsg_free(ctl);
		return load_nomem();
	}
	return transact(o->ipc, ctl, "load", NULL, NULL);
nomem:
	nlmsg_free(msg);
	return load_nomem();
}

typedef void (*put_fn)(struct msgw *w, int type, const void *obj,
		       const struct np_load *req);

/* An object larger than LOAD_SLACK: the parser's limits allow none. */
static int load_too_big(void)
{
	fprintf(stderr, "npmgr: load: an object does not fit in one message\n");
	return -EMSGSIZE;
}

static int put_array(struct load_out *o, int attr, const void *objs, size_t n,
		     size_t size, put_fn put)
{
	size_t arr = 0, i;
	int idx = 0, err;

	for (i = 0; i < n; i++) {
		if (!arr) {
			arr = msgw_nest(&o->w, attr);
			idx = 0;
		}
		put(&o->w, ++idx, (const char *)objs + i * size, o->req);
		if (o->w.full)
			return load_too_big();
		o->n_objs++;
		if (msgw_since(&o->w, arr) > CHUNK_BYTES) {
			msgw_nest_end(&o->w, arr);
			arr = 0;
		}
		if (o->w.h->nlmsg_len <= o->limit)
			continue;
		if (arr)
			msgw_nest_end(&o->w, arr);
		arr = 0;
		err = load_flush(o, false);
		if (!err)
			err = load_msg(o);
		if (err)
			return err;
	}
	if (arr)
		msgw_nest_end(&o->w, arr);
	return 0;
}

int ipc_load(struct np_ipc *ipc, const struct np_load *req)
{
	const struct np_config *cfg = req->cfg;
	struct load_out o = { .ipc = ipc, .req = req };
	int err;

	o.limit = ipc->max_msg > LOAD_MSG_BYTES + LOAD_SLACK ? LOAD_MSG_BYTES :
		  ipc->max_msg > 2 * LOAD_SLACK ? ipc->max_msg - LOAD_SLACK :
		  LOAD_SLACK;
	err = load_msg(&o);
	if (!err && req->host) {
		msgw_str(&o.w, NETPOLICY_A_HOST, req->host);
		if (o.w.full)
			err = load_too_big();
	}
	if (!err)
		err = put_array(&o, NETPOLICY_A_POLICIES, cfg->policies,
				cfg->n_policies, sizeof(*cfg->policies),
				put_policy);
	if (!err)
		err = put_array(&o, NETPOLICY_A_NICS, cfg->nics, cfg->n_nics,
				sizeof(*cfg->nics), put_nic);
	if (!err)
		err = put_array(&o, NETPOLICY_A_NETS, cfg->nets, cfg->n_nets,
				sizeof(*cfg->nets), put_net);
	if (!err)
		err = put_array(&o, NETPOLICY_A_VMS, cfg->vms, cfg->n_vms,
				sizeof(*cfg->vms), put_vm);
	if (!err)
		err = put_array(&o, NETPOLICY_A_VIFS, cfg->vifs, cfg->n_vifs,
				sizeof(*cfg->vifs), put_vif);
	/* a load against a configuration generation may find another */
	ipc->quiet = req->if_config ? -ESTALE : 0;
	ipc->quiet_all = req->quiet;
	if (!err)
		err = load_flush(&o, true);
	ipc->quiet = 0;
	ipc->quiet_all = false;
	nlmsg_free(o.msg);
	return err;
}

int ipc_del(struct np_ipc *ipc, enum obj_kind kind, const char *name,
	    int source, bool quiet)
{
	static const struct { int nest, name; } kinds[OBJ_COUNT] = {
		[OBJ_POLICY] = { NETPOLICY_A_POLICY, NETPOLICY_A_POLICY_NAME },
		[OBJ_NIC] = { NETPOLICY_A_NIC, NETPOLICY_A_NIC_NAME },
		[OBJ_NET] = { NETPOLICY_A_NET, NETPOLICY_A_NET_NAME },
		[OBJ_VM] = { NETPOLICY_A_VM, NETPOLICY_A_VM_NAME },
		[OBJ_VIF] = { NETPOLICY_A_VIF, NETPOLICY_A_VIF_NAME },
	};
	struct nl_msg *msg;
	struct nlattr *nest;
	int k = kind;

	if (k < 0 || k >= OBJ_COUNT || !kinds[k].nest)
		return -EINVAL;
	msg = new_msg(ipc, NETPOLICY_CMD_DEL, 0, 0);
	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, kinds[k].nest);
	if (!nest || nla_put_string(msg, kinds[k].name, name)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nla_nest_end(msg, nest);
	if (source >= 0 && nla_put_u8(msg, NETPOLICY_A_SOURCE, source)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return transact(ipc, msg, quiet ? NULL : "del", NULL, NULL);
}

int ipc_set_guest_mac(struct np_ipc *ipc, const char *ifname,
		      const uint8_t mac[6], bool quiet)
{
	struct nl_msg *msg = new_msg(ipc, NETPOLICY_CMD_SET_PORT, 0, 0);
	struct nlattr *nest;

	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, NETPOLICY_A_PORT);
	if (!nest || nla_put_string(msg, NETPOLICY_A_PORT_IFNAME, ifname) ||
	    nla_put(msg, NETPOLICY_A_PORT_GUEST_MAC, 6, mac)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nla_nest_end(msg, nest);
	return transact(ipc, msg, quiet ? NULL : "set the guest's MAC", NULL,
			NULL);
}

int ipc_flush(struct np_ipc *ipc)
{
	struct nl_msg *msg = new_msg(ipc, NETPOLICY_CMD_FLUSH, 0, 0);

	if (!msg)
		return -ENOMEM;
	return transact(ipc, msg, "flush", NULL, NULL);
}

static char *dup_attr(struct nlattr *a)
{
	return a ? xstrndup(nla_data(a), strnlen(nla_data(a), nla_len(a))) : NULL;
}

static void get_sels(struct nlattr *arr, struct np_sel **out, size_t *n)
{
	struct nlattr *e, *tb[NETPOLICY_A_SEL_MAX + 1];
	int rem;

	nla_for_each_nested(e, arr, rem) {
		if (nla_parse_nested(tb, NETPOLICY_A_SEL_MAX, e, NULL) < 0 ||
		    !tb[NETPOLICY_A_SEL_TYPE] || !tb[NETPOLICY_A_SEL_VALUE])
			continue;
		struct np_sel *sel = xpush((void **)out, n, sizeof(*sel));

		sel->type = nla_get_u8(tb[NETPOLICY_A_SEL_TYPE]);
		sel->value = dup_attr(tb[NETPOLICY_A_SEL_VALUE]);
	}
}

static void get_tags(struct nlattr *arr, char ***tags, size_t *n)
{
	struct nlattr *e;
	int rem;

	if (!arr)
		return;
	nla_for_each_nested(e, arr, rem) {
		char **tag = xpush((void **)tags, n, sizeof(*tag));

		*tag = dup_attr(e);
	}
}

/* Parse the object nest @type of a dump message into @t[], or NULL. */
static struct nlattr **object_nest(struct nl_msg *msg, int type,
				   struct nlattr **t, int max,
				   struct np_config *cfg)
{
	struct nlattr *tb[NETPOLICY_A_MAX + 1];

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, NETPOLICY_A_MAX, NULL) < 0)
		return NULL;
	if (tb[NETPOLICY_A_HOST] && !cfg->host)
		cfg->host = dup_attr(tb[NETPOLICY_A_HOST]);
	if (tb[NETPOLICY_A_GENERATION]) {
		cfg->generation = nla_get_u32(tb[NETPOLICY_A_GENERATION]);
		cfg->has_generation = true;
	}
	if (tb[NETPOLICY_A_CONFIG_GEN]) {
		cfg->config_gen = nla_get_u32(tb[NETPOLICY_A_CONFIG_GEN]);
		cfg->has_config_gen = true;
	}
	if (!tb[type] || nla_parse_nested(t, max, tb[type], NULL) < 0)
		return NULL;
	return t;
}

static int on_policy(struct nl_msg *msg, void *arg)
{
	struct nlattr *pt[NETPOLICY_A_POLICY_MAX + 1];
	struct np_config *cfg = arg;
	struct np_policy_def *p;
	int a;

	if (!object_nest(msg, NETPOLICY_A_POLICY, pt, NETPOLICY_A_POLICY_MAX,
			 cfg) || !pt[NETPOLICY_A_POLICY_NAME])
		return NL_SKIP;
	p = (struct np_policy_def *)config_push(cfg, OBJ_POLICY);
	p->name = dup_attr(pt[NETPOLICY_A_POLICY_NAME]);
	for (a = 0; a < PA_COUNT; a++) {
		struct nlattr *v = pt[pol_attrs[a].nl_attr];
		struct np_sel **sels;
		size_t *n;

		if (!v)
			continue;
		p->present |= PA_BIT(a);
		switch (pol_attrs[a].type) {
		case PA_T_BOOL:
			*pol_bool(p, a) = nla_get_u8(v);
			break;
		case PA_T_ENUM:
			*pol_enum(p, a) = nla_get_u8(v);
			break;
		case PA_T_NAME:
			*pol_name(p, a) = dup_attr(v);
			break;
		case PA_T_SELECTORS:
			sels = pol_sels(p, a, &n);
			get_sels(v, sels, n);
			break;
		}
	}
	return NL_OK;
}

static int on_net(struct nl_msg *msg, void *arg)
{
	struct nlattr *nt[NETPOLICY_A_NET_MAX + 1];
	struct np_config *cfg = arg;
	struct np_net_def *n;

	if (!object_nest(msg, NETPOLICY_A_NET, nt, NETPOLICY_A_NET_MAX, cfg) ||
	    !nt[NETPOLICY_A_NET_NAME])
		return NL_SKIP;
	n = xpush((void **)&cfg->nets, &cfg->n_nets, sizeof(*n));
	n->name = dup_attr(nt[NETPOLICY_A_NET_NAME]);
	n->bridge = dup_attr(nt[NETPOLICY_A_NET_BRIDGE]);
	n->policy = dup_attr(nt[NETPOLICY_A_NET_POLICY]);
	if (nt[NETPOLICY_A_NET_TUNNEL] && nt[NETPOLICY_A_NET_TUNNEL_ID]) {
		n->realized_tunnel = nla_get_u8(nt[NETPOLICY_A_NET_TUNNEL]);
		n->realized_id = nla_get_u32(nt[NETPOLICY_A_NET_TUNNEL_ID]);
	}
	return NL_OK;
}

static int on_vm(struct nl_msg *msg, void *arg)
{
	struct nlattr *mt[NETPOLICY_A_VM_MAX + 1];
	struct np_config *cfg = arg;
	struct np_vm_def *m;

	if (!object_nest(msg, NETPOLICY_A_VM, mt, NETPOLICY_A_VM_MAX, cfg) ||
	    !mt[NETPOLICY_A_VM_NAME])
		return NL_SKIP;
	m = xpush((void **)&cfg->vms, &cfg->n_vms, sizeof(*m));
	m->name = dup_attr(mt[NETPOLICY_A_VM_NAME]);
	m->policy = dup_attr(mt[NETPOLICY_A_VM_POLICY]);
	if (mt[NETPOLICY_A_VM_UUID] &&
	    nla_len(mt[NETPOLICY_A_VM_UUID]) == NETPOLICY_UUID_LEN) {
		m->has_uuid = true;
		memcpy(m->uuid, nla_data(mt[NETPOLICY_A_VM_UUID]),
		       NETPOLICY_UUID_LEN);
	}
	get_tags(mt[NETPOLICY_A_VM_TAGS], &m->tags, &m->n_tags);
	if (mt[NETPOLICY_A_VM_SOURCE])
		m->source = nla_get_u8(mt[NETPOLICY_A_VM_SOURCE]);
	return NL_OK;
}

static int on_nic(struct nl_msg *msg, void *arg)
{
	struct nlattr *ct[NETPOLICY_A_NIC_MAX + 1];
	struct np_config *cfg = arg;
	struct np_nic_def *c;

	if (!object_nest(msg, NETPOLICY_A_NIC, ct, NETPOLICY_A_NIC_MAX, cfg) ||
	    !ct[NETPOLICY_A_NIC_NAME])
		return NL_SKIP;
	c = xpush((void **)&cfg->nics, &cfg->n_nics, sizeof(*c));
	c->name = dup_attr(ct[NETPOLICY_A_NIC_NAME]);
	get_tags(ct[NETPOLICY_A_NIC_TAGS], &c->tags, &c->n_tags);
	return NL_OK;
}

static int on_vif(struct nl_msg *msg, void *arg)
{
	struct nlattr *vt[NETPOLICY_A_VIF_MAX + 1];
	struct np_config *cfg = arg;
	struct np_vif_def *v;

	if (!object_nest(msg, NETPOLICY_A_VIF, vt, NETPOLICY_A_VIF_MAX, cfg) ||
	    !vt[NETPOLICY_A_VIF_NAME])
		return NL_SKIP;
	v = xpush((void **)&cfg->vifs, &cfg->n_vifs, sizeof(*v));
	v->name = dup_attr(vt[NETPOLICY_A_VIF_NAME]);
	v->ifname = dup_attr(vt[NETPOLICY_A_VIF_IFNAME]);
	v->network = dup_attr(vt[NETPOLICY_A_VIF_NETWORK]);
	v->vm = dup_attr(vt[NETPOLICY_A_VIF_VM]);
	v->policy = dup_attr(vt[NETPOLICY_A_VIF_POLICY]);
	if (vt[NETPOLICY_A_VIF_MAC] && nla_len(vt[NETPOLICY_A_VIF_MAC]) == 6) {
		v->has_mac = true;
		memcpy(v->mac, nla_data(vt[NETPOLICY_A_VIF_MAC]), 6);
	}
	if (vt[NETPOLICY_A_VIF_SOURCE])
		v->source = nla_get_u8(vt[NETPOLICY_A_VIF_SOURCE]);
	return NL_OK;
}

static void parse_port(struct nlattr *nest, struct np_port_info *p)
{
	struct nlattr *t[NETPOLICY_A_PORT_MAX + 1];

	memset(p, 0, sizeof(*p));
	if (nla_parse_nested(t, NETPOLICY_A_PORT_MAX, nest, NULL) < 0)
		return;
	if (t[NETPOLICY_A_PORT_IFINDEX])
		p->ifindex = nla_get_u32(t[NETPOLICY_A_PORT_IFINDEX]);
	p->ifname = dup_attr(t[NETPOLICY_A_PORT_IFNAME]);
	if (!p->ifname)
		p->ifname = xstrdup("?");
	if (t[NETPOLICY_A_PORT_MAC] && nla_len(t[NETPOLICY_A_PORT_MAC]) == 6)
		memcpy(p->mac, nla_data(t[NETPOLICY_A_PORT_MAC]), 6);
	if (t[NETPOLICY_A_PORT_GUEST_MAC] &&
	    nla_len(t[NETPOLICY_A_PORT_GUEST_MAC]) == 6) {
		memcpy(p->guest_mac, nla_data(t[NETPOLICY_A_PORT_GUEST_MAC]), 6);
		p->has_guest_mac = true;
	}
	if (t[NETPOLICY_A_PORT_KIND])
		p->kind = nla_get_u8(t[NETPOLICY_A_PORT_KIND]);
	if (t[NETPOLICY_A_PORT_STATE])
		p->state = nla_get_u8(t[NETPOLICY_A_PORT_STATE]);
	if (t[NETPOLICY_A_PORT_REASON])
		p->reason = nla_get_u8(t[NETPOLICY_A_PORT_REASON]);
	if (t[NETPOLICY_A_PORT_ERRNO])
		p->err = nla_get_u32(t[NETPOLICY_A_PORT_ERRNO]);
	p->message = dup_attr(t[NETPOLICY_A_PORT_MESSAGE]);
	p->vif = dup_attr(t[NETPOLICY_A_PORT_VIF]);
	p->network = dup_attr(t[NETPOLICY_A_PORT_NETWORK]);
	p->bridge = dup_attr(t[NETPOLICY_A_PORT_BRIDGE]);
	p->vm = dup_attr(t[NETPOLICY_A_PORT_VM]);
	p->policy = dup_attr(t[NETPOLICY_A_PORT_POLICY]);
}

struct port_list {
	struct np_port_info *v;
	size_t n;
};

static int on_port(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[NETPOLICY_A_MAX + 1];
	struct port_list *l = arg;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, NETPOLICY_A_MAX, NULL) < 0 ||
	    !tb[NETPOLICY_A_PORT])
		return NL_SKIP;
	parse_port(tb[NETPOLICY_A_PORT], xpush((void **)&l->v, &l->n,
						sizeof(*l->v)));
	return NL_OK;
}

int ipc_predict(struct np_ipc *ipc, const char *ifname, const uint8_t *mac,
		struct np_port_info *out)
{
	struct nl_msg *msg = new_msg(ipc, NETPOLICY_CMD_PREDICT, 0, 0);
	struct port_list l = { 0 };
	struct nlattr *nest;
	int rc;

	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, NETPOLICY_A_PORT);
	if (!nest || (ifname && nla_put_string(msg, NETPOLICY_A_PORT_IFNAME, ifname)) ||
	    (mac && nla_put(msg, NETPOLICY_A_PORT_GUEST_MAC, 6, mac))) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nla_nest_end(msg, nest);
	rc = transact(ipc, msg, "predict", on_port, &l);
	if (!rc && l.n != 1)
		rc = -EIO;
	if (!rc)
		*out = l.v[0];
	else
		while (l.n)
			port_free(&l.v[--l.n]);
	free(l.v);
	return rc;
}

/* Run one dump; a dump interrupted by a concurrent change is retried. */
/*
 * The keys of a dump request that selects objects (see GET_* in the uapi
 * header): each in a nest of its own, of type @nest.
 */
struct sel_key {
	int type;
	const void *data;
	int len;
};

struct sel_req {
	int nest;			/* NETPOLICY_A_NET, ... */
	struct sel_key *v;
	size_t n;
	size_t bytes;			/* the attributes they take */
};

static void sel_add(struct sel_req *r, int type, const void *data, int len)
{
	struct sel_key *k = xpush((void **)&r->v, &r->n, sizeof(*k));

	k->type = type;
	k->data = data;
	k->len = len;
	r->bytes += 2 * NLA_HDRLEN + NLA_ALIGN(len);
}

static void sel_name(struct sel_req *r, int type, const char *name)
{
	if (name)
		sel_add(r, type, name, (int)strlen(name) + 1);
}

/* A dump request of @cmd: with @sel, of the objects it selects. */
static struct nl_msg *dump_msg(struct np_ipc *ipc, int cmd,
			       const struct sel_req *sel)
{
	struct nl_msg *msg = new_msg(ipc, cmd, NLM_F_DUMP,
				     sel ? sel->bytes + 256 : 0);
	struct nlattr *nest;
	size_t i;

	for (i = 0; msg && sel && i < sel->n; i++) {
		nest = nla_nest_start(msg, sel->nest);
		if (!nest || nla_put(msg, sel->v[i].type, sel->v[i].len,
				     sel->v[i].data)) {
			nlmsg_free(msg);
			return NULL;
		}
		nla_nest_end(msg, nest);
	}
	return msg;
}

/*
 * Read a dump into @arg (@reset empties it before each try), again while
 * a batch was interrupted. With @sel, only the objects it selects; a
 * module that cannot select refuses with -EINVAL, which is then not
 * printed (the caller reads everything instead).
 */
static int dump_sel(struct np_ipc *ipc, int cmd, nl_recvmsg_msg_cb_t fn,
		    void *arg, void (*reset)(void *), const struct sel_req *sel)
{
	int tries, rc = -EAGAIN;

	for (tries = 0; tries < 10 && rc == -EAGAIN; tries++) {
		struct nl_msg *msg = dump_msg(ipc, cmd, sel);

		if (!msg)
			return -ENOMEM;
		reset(arg);
		rc = transact(ipc, msg, NULL, fn, arg);
	}
	if (rc < 0 && !(sel && rc == -EINVAL))
		report(ipc, "dump");
	return rc;
}

static int dump(struct np_ipc *ipc, int cmd, nl_recvmsg_msg_cb_t fn,
		void *arg, void (*reset)(void *))
{
	return dump_sel(ipc, cmd, fn, arg, reset, NULL);
}

static void reset_config(void *arg)
{
	config_free(arg);
}

/* Move every object of @from into @to (both are dump results). */
#define MOVE(to, from, arr, n)						\
	do {								\
		(to)->arr = (from)->arr;				\
		(to)->n = (from)->n;					\
		(from)->arr = NULL;					\
		(from)->n = 0;						\
	} while (0)

/*
 * The five kinds are five dumps: 0 policies, 1 NICs, 2 networks, 3 VMs,
 * 4 VIFs (a dump that selects nothing is not made: @read says which
 * were).
 */
static const struct {
	int cmd;
	nl_recvmsg_msg_cb_t fn;
	int nest;
} kind_dumps[5] = {
	{ NETPOLICY_CMD_GET_POLICY, on_policy, NETPOLICY_A_POLICY },
	{ NETPOLICY_CMD_GET_NIC, on_nic, NETPOLICY_A_NIC },
	{ NETPOLICY_CMD_GET_NET, on_net, NETPOLICY_A_NET },
	{ NETPOLICY_CMD_GET_VM, on_vm, NETPOLICY_A_VM },
	{ NETPOLICY_CMD_GET_VIF, on_vif, NETPOLICY_A_VIF },
};

/* Whether the dumps read in @part[5] read one generation of the table. */
static bool one_generation(const struct np_config *part, const bool *read)
{
	const struct np_config *first = NULL;
	int i;

	for (i = 0; i < 5; i++) {
		if (!read[i])
			continue;
		if (!first)
			first = &part[i];
		else if (part[i].has_generation != first->has_generation ||
			 part[i].generation != first->generation)
			return false;
	}
	return true;
}

/* The five dumps' objects into @cfg, which is empty. */
static void merge_parts(struct np_config *cfg, struct np_config *part)
{
	int i;

	MOVE(cfg, &part[0], policies, n_policies);
	cfg->host = part[0].host;
	part[0].host = NULL;
	cfg->config_gen = part[0].config_gen;
	cfg->has_config_gen = part[0].has_config_gen;
	for (i = 0; i < 5 && !cfg->has_generation; i++) {
		cfg->generation = part[i].generation;
		cfg->has_generation = part[i].has_generation;
	}
	MOVE(cfg, &part[1], nics, n_nics);
	MOVE(cfg, &part[2], nets, n_nets);
	MOVE(cfg, &part[3], vms, n_vms);
	MOVE(cfg, &part[4], vifs, n_vifs);
	for (i = 0; i < 5; i++)
		config_free(&part[i]);
	config_sort(cfg);
}

/*
 * The keys of what config_check_with() reads of the loaded objects for
 * @file, except the policies of loaded networks and VMs (known only once
 * those are read): every name @file defines or refers to, and its VIFs'
 * MACs and exact interface names.
 */
static void file_keys(const struct np_config *file, bool update,
		      struct sel_req *sel)
{
	const char *ifn;
	size_t i;

	for (i = 0; i < file->n_policies; i++)
		sel_name(&sel[0], NETPOLICY_A_POLICY_NAME,
			 file->policies[i].name);
	for (i = 0; i < file->n_nics; i++)
		sel_name(&sel[1], NETPOLICY_A_NIC_NAME, file->nics[i].name);
	for (i = 0; i < file->n_nets; i++) {
		sel_name(&sel[2], NETPOLICY_A_NET_NAME, file->nets[i].name);
		sel_name(&sel[0], NETPOLICY_A_POLICY_NAME,
			 file->nets[i].policy);
	}
	for (i = 0; i < file->n_vms; i++) {
		sel_name(&sel[3], NETPOLICY_A_VM_NAME, file->vms[i].name);
		sel_name(&sel[0], NETPOLICY_A_POLICY_NAME, file->vms[i].policy);
	}
	for (i = 0; i < file->n_vifs; i++) {
		const struct np_vif_def *v = &file->vifs[i];

		sel_name(&sel[4], NETPOLICY_A_VIF_NAME, v->name);
		sel_name(&sel[2], NETPOLICY_A_NET_NAME, v->network);
		sel_name(&sel[3], NETPOLICY_A_VM_NAME, v->vm);
		sel_name(&sel[0], NETPOLICY_A_POLICY_NAME, v->policy);
		ifn = v->ifname && !has_wildcard(v->ifname) ? v->ifname : NULL;
		if (v->has_mac)
			sel_add(&sel[4], NETPOLICY_A_VIF_MAC, v->mac,
				sizeof(v->mac));
		else
			sel_name(&sel[4], NETPOLICY_A_VIF_IFNAME, ifn);
	}
	if (!update)
		return;
	/*
	 * What the objects @file replaces govern: the networks and VMs
	 * of its policies, the VIFs of its policies, networks and VMs
	 * (read_selected() adds the VIFs of those networks and VMs).
	 */
	for (i = 0; i < file->n_policies; i++) {
		sel_name(&sel[2], NETPOLICY_A_NET_POLICY, file->policies[i].name);
		sel_name(&sel[3], NETPOLICY_A_VM_POLICY, file->policies[i].name);
		sel_name(&sel[4], NETPOLICY_A_VIF_POLICY, file->policies[i].name);
	}
	for (i = 0; i < file->n_nets; i++)
		sel_name(&sel[4], NETPOLICY_A_VIF_NETWORK, file->nets[i].name);
	for (i = 0; i < file->n_vms; i++)
		sel_name(&sel[4], NETPOLICY_A_VIF_VM, file->vms[i].name);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* @v (@n strings) sorted, each once; their new number. */
static size_t sort_unique(const char **v, size_t n)
{
	size_t i, w = 0;

	qsort(v, n, sizeof(*v), cmp_str);
	for (i = 0; i < n; i++)
		if (!w || strcmp(v[w - 1], v[i]))
			v[w++] = v[i];
	return w;
}

/*
 * For an update: the VIFs of the networks and VMs read (in @part) that
 * name a policy of @file, into @vifs.
 */
static void governed_keys(const struct np_config *file,
			  const struct np_config *part, struct sel_req *vifs)
{
	const char **pols = xcalloc(file->n_policies + 1, sizeof(*pols));
	size_t i, n;

	for (i = 0; i < file->n_policies; i++)
		pols[i] = file->policies[i].name;
	n = sort_unique(pols, file->n_policies);
	for (i = 0; i < part[2].n_nets; i++)
		if (part[2].nets[i].policy &&
		    bsearch(&part[2].nets[i].policy, pols, n, sizeof(*pols),
			    cmp_str))
			sel_name(vifs, NETPOLICY_A_VIF_NETWORK, part[2].nets[i].name);
	for (i = 0; i < part[3].n_vms; i++)
		if (part[3].vms[i].policy &&
		    bsearch(&part[3].vms[i].policy, pols, n, sizeof(*pols),
			    cmp_str))
			sel_name(vifs, NETPOLICY_A_VIF_VM, part[3].vms[i].name);
	free(pols);
}

/* Append the objects of @more (a dump of @kind) to @to's; @more empty. */
static void append_part(struct np_config *to, struct np_config *more,
			enum obj_kind kind)
{
	size_t i;

	for (i = 0; i < config_count(more, kind); i++)
		memcpy(config_push(to, kind), config_obj(more, kind, i),
		       obj_kinds[kind].size);
	if (kind == OBJ_NET)
		more->n_nets = 0;
	else
		more->n_vms = 0;
	config_free(more);
}

/*
 * For an update: the networks and VMs the VIFs read name that were not
 * read (a VIF of a replaced policy may be on any network), appended to
 * @part: the check needs the policies they add. -EAGAIN when they are
 * of another generation than the first read.
 */
static int read_referred(struct np_ipc *ipc, struct np_config *part,
			 size_t limit)
{
	struct sel_req sn = { .nest = NETPOLICY_A_NET };
	struct sel_req sv = { .nest = NETPOLICY_A_VM };
	const char **nets, **vms;
	struct np_config more[2];
	size_t i, n_nets = 0, n_vms = 0;
	int rc = 0;

	memset(more, 0, sizeof(more));
	nets = xcalloc(part[4].n_vifs + 1, sizeof(*nets));
	vms = xcalloc(part[4].n_vifs + 1, sizeof(*vms));
	for (i = 0; i < part[4].n_vifs; i++) {
		const struct np_vif_def *v = &part[4].vifs[i];

		if (v->network && !config_net(&part[2], v->network))
			nets[n_nets++] = v->network;
		if (v->vm && !config_vm(&part[3], v->vm))
			vms[n_vms++] = v->vm;
	}
	n_nets = sort_unique(nets, n_nets);
	n_vms = sort_unique(vms, n_vms);
	for (i = 0; i < n_nets; i++)
		sel_name(&sn, NETPOLICY_A_NET_NAME, nets[i]);
	for (i = 0; i < n_vms; i++)
		sel_name(&sv, NETPOLICY_A_VM_NAME, vms[i]);
	if (sn.bytes > limit || sv.bytes > limit)
		rc = -E2BIG;
	if (!rc && sn.n)
		rc = dump_sel(ipc, NETPOLICY_CMD_GET_NET, on_net, &more[0],
			      reset_config, &sn);
	if (!rc && sv.n)
		rc = dump_sel(ipc, NETPOLICY_CMD_GET_VM, on_vm, &more[1],
			      reset_config, &sv);
	for (i = 0; !rc && i < 2; i++)
		if (more[i].has_generation &&
		    more[i].generation != part[4].generation)
			rc = -EAGAIN;
	append_part(&part[2], &more[0], OBJ_NET);
	append_part(&part[3], &more[1], OBJ_VM);
	free(sn.v);
	free(sv.v);
	free(nets);
	free(vms);
	return rc;
}

/*
 * One read of the selected objects into @part: NICs, networks, VMs and
 * VIFs, then the policies, with those the networks and VMs read name.
 * For an update (@update: the file), also the VIFs of the networks and
 * VMs its policies govern, and the networks and VMs of every VIF read.
 */
static int read_selected(struct np_ipc *ipc, struct sel_req *sel,
			 struct np_config *part, bool *read, size_t limit,
			 const struct np_config *update)
{
	size_t i;
	int rc = 0, k;

	for (k = 1; k < 5 && !rc; k++) {
		if (k == 4 && update) {
			governed_keys(update, part, &sel[4]);
			if (sel[4].bytes > limit)
				return -E2BIG;
		}
		read[k] = sel[k].n;
		if (read[k])
			rc = dump_sel(ipc, kind_dumps[k].cmd, kind_dumps[k].fn,
				      &part[k], reset_config, &sel[k]);
	}
	if (!rc && update)
		rc = read_referred(ipc, part, limit);
	for (i = 0; i < part[2].n_nets; i++)
		sel_name(&sel[0], NETPOLICY_A_POLICY_NAME, part[2].nets[i].policy);
	for (i = 0; i < part[3].n_vms; i++)
		sel_name(&sel[0], NETPOLICY_A_POLICY_NAME, part[3].vms[i].policy);
	for (i = 0; update && i < part[4].n_vifs; i++)
		sel_name(&sel[0], NETPOLICY_A_POLICY_NAME, part[4].vifs[i].policy);
	if (sel[0].bytes > limit)
		return -E2BIG;
	read[0] = sel[0].n;
	if (!rc && read[0])
		rc = dump_sel(ipc, kind_dumps[0].cmd, kind_dumps[0].fn,
			      &part[0], reset_config, &sel[0]);
	return rc;
}

/*
 * Read the loaded objects into @cfg: all of them, or (@file set) only
 * those ipc_get_for() reads. The five kinds are five dumps, each of one
 * generation: a load that falls between two of them would mix two sets,
 * so read until they agree.
 */
static int read_config(struct np_ipc *ipc, const struct np_config *file,
		       bool update, struct np_config *cfg)
{
	struct sel_req sel[5];
	struct np_config part[5];
	size_t n_sel[5], sel_bytes[5], limit;
	bool read[5] = { true, true, true, true, true };
	bool stale;
	int rc, k, tries = 0;

	memset(cfg, 0, sizeof(*cfg));
	memset(part, 0, sizeof(part));
	memset(sel, 0, sizeof(sel));
	for (k = 0; k < 5; k++)
		sel[k].nest = kind_dumps[k].nest;
	if (file)
		file_keys(file, update, sel);
	/* each read adds keys that point into what it read: dropped again */
	for (k = 0; k < 5; k++) {
		n_sel[k] = sel[k].n;
		sel_bytes[k] = sel[k].bytes;
	}
	/* each selection must fit one request; else read everything */
	limit = (ipc->max_msg < LOAD_MSG_BYTES ? ipc->max_msg : LOAD_MSG_BYTES) -
		1024;
	for (k = 0; file && k < 5; k++)
		if (sel[k].bytes > limit)
			file = NULL;
	do {
		for (k = 0; k < 5; k++) {
			config_free(&part[k]);
			sel[k].n = n_sel[k];
			sel[k].bytes = sel_bytes[k];
		}
		rc = 0;
		if (file)
			rc = read_selected(ipc, sel, part, read, limit,
					   update ? file : NULL);
		stale = rc == -EAGAIN;
		if (stale)
			rc = 0;
		/* too much to select, or a module from before selection */
		if (file && (rc == -E2BIG || rc == -EINVAL)) {
			file = NULL;
			memset(read, true, sizeof(read));
			for (k = 0; k < 5; k++)
				config_free(&part[k]);
			rc = 0;
		}
		for (k = 0; !file && k < 5 && !rc; k++)
			rc = dump(ipc, kind_dumps[k].cmd, kind_dumps[k].fn,
				  &part[k], reset_config);
	} while (!rc && (stale || !one_generation(part, read)) && ++tries < 10);
	if (!rc && tries == 10) {
		rc = -EAGAIN;
		fprintf(stderr, "npmgr: dump: the objects were replaced during each of 10 reads\n");
	}
	merge_parts(cfg, part);
	for (k = 0; k < 5; k++)
		free(sel[k].v);
	return rc;
}

int ipc_get_config(struct np_ipc *ipc, struct np_config *cfg)
{
	return read_config(ipc, NULL, false, cfg);
}

int ipc_get_for(struct np_ipc *ipc, const struct np_config *file,
		bool update, struct np_config *cfg)
{
	return read_config(ipc, file, update, cfg);
}

int ipc_get_kind(struct np_ipc *ipc, enum obj_kind kind, struct np_config *cfg)
{
	struct np_config part[5];
	int k = kind == OBJ_POLICY ? 0 : kind == OBJ_NIC ? 1 :
		kind == OBJ_NET ? 2 : kind == OBJ_VM ? 3 : 4;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	memset(part, 0, sizeof(part));
	rc = dump(ipc, kind_dumps[k].cmd, kind_dumps[k].fn, &part[k],
		  reset_config);
	merge_parts(cfg, part);
	return rc;
}

/*
 * The host name comes with GET_POLICY's first message, a selecting
 * dump's too: select one name, whether or not a policy has it, and read
 * at most one policy instead of all. A module from before selection
 * (EINVAL) is dumped whole.
 */
int ipc_netns_cookie(struct np_ipc *ipc, uint64_t *cookie)
{
	socklen_t len = sizeof(*cookie);

	if (getsockopt(nl_socket_get_fd(ipc->sk), SOL_SOCKET, SO_NETNS_COOKIE,
		       cookie, &len) || len != sizeof(*cookie))
		return -errno ?: -EINVAL;
	return 0;
}

int ipc_get_host(struct np_ipc *ipc, char **host)
{
	return ipc_get_state(ipc, host, NULL);
}

int ipc_get_state(struct np_ipc *ipc, char **host, int64_t *config_gen)
{
	struct sel_req sel = { .nest = NETPOLICY_A_POLICY };
	struct np_config part = { 0 };
	int rc;

	sel_name(&sel, NETPOLICY_A_POLICY_NAME, "host");
	rc = dump_sel(ipc, NETPOLICY_CMD_GET_POLICY, on_policy, &part,
		      reset_config, &sel);
	free(sel.v);
	if (rc == -EINVAL)
		rc = dump(ipc, NETPOLICY_CMD_GET_POLICY, on_policy, &part,
			  reset_config);
	*host = part.host;
	part.host = NULL;
	if (config_gen)
		*config_gen = part.has_config_gen ? (int64_t)part.config_gen : -1;
	config_free(&part);
	return rc;
}

static void reset_ports(void *arg)
{
	struct port_list *l = arg;

	while (l->n)
		port_free(&l->v[--l->n]);
}

int ipc_get_ports(struct np_ipc *ipc, struct np_port_info **ports, size_t *n)
{
	struct port_list l = { 0 };
	int rc = dump(ipc, NETPOLICY_CMD_GET_PORT, on_port, &l, reset_ports);

	*ports = l.v;
	*n = l.n;
	return rc;
}

/*
 * The port of @ifname: a dump that selects it, which holds it or nothing;
 * from a module that cannot select, every port.
 */
static int get_port_named(struct np_ipc *ipc, const char *ifname,
			  struct np_port_info **ports, size_t *n)
{
	struct sel_req sel = { .nest = NETPOLICY_A_PORT };
	struct port_list l = { 0 };
	int rc;

	sel_name(&sel, NETPOLICY_A_PORT_IFNAME, ifname);
	rc = dump_sel(ipc, NETPOLICY_CMD_GET_PORT, on_port, &l, reset_ports,
		      &sel);
	free(sel.v);
	if (rc == -EINVAL)
		rc = dump(ipc, NETPOLICY_CMD_GET_PORT, on_port, &l, reset_ports);
	*ports = l.v;
	*n = l.n;
	return rc;
}

struct monitor {
	ipc_event_fn fn;
	void *arg;
};

static int on_event(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[NETPOLICY_A_MAX + 1];
	struct monitor *m = arg;
	struct np_port_info p;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, NETPOLICY_A_MAX, NULL) < 0 ||
	    !tb[NETPOLICY_A_EVENT] || !tb[NETPOLICY_A_PORT])
		return NL_SKIP;
	parse_port(tb[NETPOLICY_A_PORT], &p);
	m->fn(nla_get_u8(tb[NETPOLICY_A_EVENT]), &p, m->arg);
	port_free(&p);
	return NL_OK;
}

int ipc_monitor(struct np_ipc *ipc, ipc_event_fn fn, void *arg)
{
	struct monitor m = { fn, arg };
	int grp = ipc->events, rc;

	if (grp < 0) {
		fprintf(stderr, "npmgr: monitor: the netpolicy family has no %s group\n",
			NETPOLICY_MCGRP_EVENTS);
		return -ENOENT;
	}
	nl_socket_disable_seq_check(ipc->sk);
	nl_socket_modify_cb(ipc->sk, NL_CB_VALID, NL_CB_CUSTOM, on_event, &m);
	rc = nl_socket_add_membership(ipc->sk, grp);
	if (rc < 0) {
		fprintf(stderr, "npmgr: monitor: %s\n", nl_geterror(rc));
		if (rc == -NLE_PERM)
			fprintf(stderr, "npmgr: this needs CAP_NET_ADMIN in the network namespace\n");
		return -EIO;
	}
	for (;;) {
		rc = nl_recvmsgs_default(ipc->sk);
		if (rc == -NLE_NOMEM) {
			fprintf(stderr, "npmgr: monitor: events were lost (socket buffer full)\n");
			continue;
		}
		if (rc < 0 && rc != -NLE_INTR && rc != -NLE_AGAIN) {
			fprintf(stderr, "npmgr: monitor: %s\n", nl_geterror(rc));
			return -EIO;
		}
	}
}

/* A port state that is a decision, as ipc_wait_port() means it. */
static bool decided(const struct np_port_info *p)
{
	return p->state == NETPOLICY_PORT_ATTACHED ||
	       p->state == NETPOLICY_PORT_REFUSED ||
	       p->state == NETPOLICY_PORT_STUCK ||
	       p->state == NETPOLICY_PORT_PENDING;
}

struct waiter {
	const char *ifname;
	struct np_port_info *out;
	bool done;
};

static void on_wait_event(int ev, struct np_port_info *p, void *arg)
{
	struct waiter *w = arg;

	if (w->done || !p->ifname || strcmp(p->ifname, w->ifname))
		return;
	if (ev == NETPOLICY_EV_REMOVED || decided(p)) {
		port_free(w->out);
		*w->out = *p;			/* take it; on_event frees the husk */
		memset(p, 0, sizeof(*p));
		if (ev == NETPOLICY_EV_REMOVED)
			w->out->state = 0;
		w->done = true;
	}
}

/* Whether @w's interface is decided now, by a dump of its port. */
static int wait_look(struct np_ipc *ipc, struct waiter *w)
{
	struct np_port_info *ports = NULL;
	size_t n = 0, i;
	int rc = get_port_named(ipc, w->ifname, &ports, &n);

	for (i = 0; !rc && i < n; i++)
		if (!w->done && !strcmp(ports[i].ifname, w->ifname) &&
		    decided(&ports[i])) {
			port_free(w->out);
			*w->out = ports[i];
			memset(&ports[i], 0, sizeof(ports[i]));
			w->done = true;
		}
	for (i = 0; i < n; i++)
		port_free(&ports[i]);
	free(ports);
	return rc;
}

int ipc_wait_port(struct np_ipc *ipc, const char *ifname, int timeout_ms,
		  struct np_port_info *out)
{
	struct waiter w = { ifname, out, false };
	struct monitor m = { on_wait_event, &w };
	int64_t deadline = mono_ms() + timeout_ms;
	struct np_ipc *ev;
	int rc;

	memset(out, 0, sizeof(*out));
	/*
	 * Mostly the decision was taken when the device registered, before
	 * a toolstack asks: look first, and listen only when it is not.
	 */
	rc = wait_look(ipc, &w);
	if (rc || w.done)
		return rc;
	if (timeout_ms <= 0)
		return -ETIMEDOUT;
	ev = open_sock(false, ipc->family, ipc->events);
	if (!ev)
		return -EIO;
	if (ev->events < 0 || nl_socket_add_membership(ev->sk, ev->events) < 0) {
		ipc_close(ev);
		return -EIO;
	}
	nl_socket_disable_seq_check(ev->sk);
	nl_socket_modify_cb(ev->sk, NL_CB_VALID, NL_CB_CUSTOM, on_event, &m);
	/* Listening now, look again: a decision between the two is not lost. */
	rc = wait_look(ipc, &w);
	while (!rc && !w.done) {
		struct pollfd pfd = { nl_socket_get_fd(ev->sk), POLLIN, 0 };
		int64_t left = deadline - mono_ms();

		if (left <= 0) {
			rc = -ETIMEDOUT;
			break;
		}
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		rc = nl_recvmsgs_default(ev->sk);
		if (rc == -NLE_NOMEM)		/* events were lost: look again */
			rc = wait_look(ipc, &w);
		else
			rc = rc < 0 ? -EIO : 0;
	}
	ipc_close(ev);
	return rc;
}
