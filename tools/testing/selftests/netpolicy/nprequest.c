// SPDX-License-Identifier: GPL-2.0
/*
 * nprequest: a LOAD request npmgr would never send, to see the kernel's
 * own checks (npmgr's parser refuses the same input earlier).
 *
 *   nprequest vm NAME [GEN]
 *                          load one VM object named NAME, as given
 *                          (C escapes such as \x1b are decoded); with GEN,
 *                          only at that configuration generation
 *   nprequest config-gen   print the configuration generation
 *                          (NETPOLICY_A_CONFIG_GEN; -1: none reported)
 *   nprequest vms N [P]    load N VM objects, P0 ... PN-1 (P: "vm"), in one
 *                          request
 *
 *   nprequest policy NAME P I
 *                          load one policy NAME with P selectors
 *                          PHYSICAL_IFS_ALLOWED TAG(t1)... and I selectors
 *                          ISOLATE_FROM NAME(v1)... (the kernel takes at
 *                          most NETPOLICY_SELECTORS_MAX in each; a set of
 *                          0 is left out)
 *
 *   nprequest guest-mac IFNAME MAC
 *                          tell the guest's MAC of port IFNAME (SET_PORT)
 *
 *   nprequest txn OP...    a load transaction on one socket, one line per OP:
 *                          begin, begin-replace (TXN_BEGIN), vms N PREFIX
 *                          (LOAD of N VMs in it), vms-flags N PREFIX (the
 *                          same with NETPOLICY_A_FLAGS), commit, abort,
 *                          commit-other (another id), with the number of
 *                          VMs sent so far, sleep SECONDS, hold
 *                          (print "held", then wait for end of input)
 *
 *   nprequest get KIND KEY=VALUE...
 *                          a GET_NET, _VIF, _VM, _POLICY or _NIC dump (KIND
 *                          net, vif, vm, policy, nic) selecting by each
 *                          KEY (name; for vif ifname, mac, network, vm
 *                          and policy; for net and vm policy; and bridge,
 *                          which the module must refuse); prints the
 *                          names it returns, one per line, then
 *                          "generation N". KIND port: a GET_PORT dump
 *                          selecting by ifname (none=: a nest without
 *                          a key); prints the ports' device names
 *
 * Prints "ok", or "error N: MESSAGE" with the errno and the extack message
 * (exit status 1). Runs in the caller's network namespace.
 */
#include <errno.h>
#include <stdbool.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include <linux/netpolicy.h>

static char extack[512];
static uint32_t txn_id;
static uint32_t txn_objs;		/* VMs sent in the transaction */

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *h = (struct nlmsghdr *)e - 1;
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t skip = sizeof(*e);
	int *err = arg;

	(void)nla;
	*err = e->error;
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		skip += e->msg.nlmsg_len - sizeof(e->msg);
	if (h->nlmsg_flags & NLM_F_ACK_TLVS &&
	    h->nlmsg_len > NLMSG_HDRLEN + skip &&
	    !nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)e + skip),
		       (int)(h->nlmsg_len - NLMSG_HDRLEN - skip), NULL) &&
	    tb[NLMSGERR_ATTR_MSG])
		snprintf(extack, sizeof(extack), "%s",
			 (char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
	return NL_STOP;
}

static int on_reply(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[NETPOLICY_A_MAX + 1];

	(void)arg;
	if (!genlmsg_parse(nlmsg_hdr(msg), 0, tb, NETPOLICY_A_MAX, NULL) &&
	    tb[NETPOLICY_A_TXN])
		txn_id = nla_get_u32(tb[NETPOLICY_A_TXN]);
	return NL_OK;
}

/* GET dumps: the kind's nest attribute, and the one that names it */
static int get_nest;
static int get_name = 1;
static uint32_t get_gen;
static long long get_config = -1;	/* NETPOLICY_A_CONFIG_GEN, if sent */
static bool get_quiet;			/* print only the config generation */

static int on_object(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[NETPOLICY_A_MAX + 1], *o[3];

	(void)arg;
	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, NETPOLICY_A_MAX, NULL))
		return NL_SKIP;
	if (tb[NETPOLICY_A_GENERATION])
		get_gen = nla_get_u32(tb[NETPOLICY_A_GENERATION]);
	if (tb[NETPOLICY_A_CONFIG_GEN])
		get_config = nla_get_u32(tb[NETPOLICY_A_CONFIG_GEN]);
	if (!get_quiet && tb[get_nest] &&
	    !nla_parse_nested(o, 2, tb[get_nest], NULL) && o[get_name])
		printf("%s\n", (char *)nla_data(o[get_name]));
	return NL_OK;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	(void)msg;
	*(int *)arg = 0;
	return NL_STOP;
}

/* Decode \xHH and \\ in @in. */
static size_t unescape(const char *in, char *out)
{
	size_t n = 0;

	while (*in) {
		if (in[0] == '\\' && in[1] == 'x' && in[2] && in[3]) {
			char hex[3] = { in[2], in[3], 0 };

			out[n++] = (char)strtol(hex, NULL, 16);
			in += 4;
		} else {
			out[n++] = *in++;
		}
	}
	out[n] = '\0';
	return n;
}

static int put_vm(struct nl_msg *msg, const char *name, size_t len)
{
	struct nlattr *e = nla_nest_start(msg, 0);

	if (!e || nla_put(msg, NETPOLICY_A_VM_NAME, (int)len + 1, name))
		return -1;
	nla_nest_end(msg, e);
	return 0;
}

/* A selector array of @n elements of @type, values @prefix1... */
static int put_sels(struct nl_msg *msg, int attr, long n, int type,
		    const char *prefix)
{
	struct nlattr *arr, *e;
	char value[32];
	long i;

	if (!n)
		return 0;
	arr = nla_nest_start(msg, attr);
	if (!arr)
		return -1;
	for (i = 0; i < n; i++) {
		snprintf(value, sizeof(value), "%s%ld", prefix, i + 1);
		e = nla_nest_start(msg, (int)i + 1);
		if (!e || nla_put_u8(msg, NETPOLICY_A_SEL_TYPE, (uint8_t)type) ||
		    nla_put_string(msg, NETPOLICY_A_SEL_VALUE, value))
			return -1;
		nla_nest_end(msg, e);
	}
	nla_nest_end(msg, arr);
	return 0;
}

static int put_policy(struct nl_msg *msg, const char *name, long phys,
		      long isolate)
{
	struct nlattr *e = nla_nest_start(msg, 1);

	if (!e || nla_put_string(msg, NETPOLICY_A_POLICY_NAME, name) ||
	    put_sels(msg, NETPOLICY_A_POLICY_PHYSICAL_IFS_ALLOWED, phys,
		     NETPOLICY_SEL_TAG, "t") ||
	    put_sels(msg, NETPOLICY_A_POLICY_ISOLATE_FROM, isolate,
		     NETPOLICY_SEL_NAME, "v"))
		return -1;
	nla_nest_end(msg, e);
	return 0;
}

/* Send @msg; print "ok" or the error and the extack message. */
static int send_and_report(struct nl_sock *sk, struct nl_msg *msg)
{
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int err = 1;

	if (!cb)
		return 2;
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &err);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &err);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_reply, NULL);
	extack[0] = '\0';
	if (nl_send_auto(sk, msg) < 0) {
		fprintf(stderr, "nprequest: cannot send\n");
		return 2;
	}
	while (err == 1 && nl_recvmsgs(sk, cb) >= 0)
		;
	nl_cb_put(cb);
	nlmsg_free(msg);
	if (!err) {
		puts("ok");
		return 0;
	}
	printf("error %d: %s\n", -err, extack);
	return 1;
}

/* nprequest get KIND KEY=VALUE... */
static int run_get(struct nl_sock *sk, int family, int argc, char **argv)
{
	static const struct {
		const char *kind;
		int cmd, nest;
	} kinds[] = {
		{ "net", NETPOLICY_CMD_GET_NET, NETPOLICY_A_NET },
		{ "vif", NETPOLICY_CMD_GET_VIF, NETPOLICY_A_VIF },
		{ "vm", NETPOLICY_CMD_GET_VM, NETPOLICY_A_VM },
		{ "policy", NETPOLICY_CMD_GET_POLICY, NETPOLICY_A_POLICY },
		{ "nic", NETPOLICY_CMD_GET_NIC, NETPOLICY_A_NIC },
		{ "port", NETPOLICY_CMD_GET_PORT, NETPOLICY_A_PORT },
	};
	struct nl_msg *msg = nlmsg_alloc();
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	unsigned int k, m[6];
	struct nlattr *nest;
	int i, err = 1, type;
	uint8_t mac[6];

	for (k = 0; k < 6 && strcmp(argv[0], kinds[k].kind); k++)
		;
	if (k == 6 || !msg || !cb)
		return 2;
	get_nest = kinds[k].nest;
	/* a port's name is its device's, NETPOLICY_A_PORT_IFNAME */
	get_name = get_nest == NETPOLICY_A_PORT ? NETPOLICY_A_PORT_IFNAME : 1;
	genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0,
		    NLM_F_DUMP | NLM_F_ACK, kinds[k].cmd,
		    NETPOLICY_GENL_VERSION);
	for (i = 1; i < argc; i++) {
		char *v = strchr(argv[i], '=');

		if (!v)
			return 2;
		*v++ = '\0';
		nest = nla_nest_start(msg, get_nest);
		if (!strcmp(argv[i], "mac")) {
			if (sscanf(v, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2],
				   &m[3], &m[4], &m[5]) != 6)
				return 2;
			for (k = 0; k < 6; k++)
				mac[k] = (uint8_t)m[k];
			if (nla_put(msg, NETPOLICY_A_VIF_MAC, 6, mac))
				return 2;
		} else if (get_nest == NETPOLICY_A_PORT) {
			if (!strcmp(argv[i], "ifname") &&
			    nla_put_string(msg, NETPOLICY_A_PORT_IFNAME, v))
				return 2;
			if (strcmp(argv[i], "ifname") && strcmp(argv[i], "none"))
				return 2;
			/* libnl drops an empty nest: put it as it is */
			if (!strcmp(argv[i], "none")) {
				nla_nest_cancel(msg, nest);
				if (nla_put(msg, get_nest | NLA_F_NESTED, 0, NULL))
					return 2;
				continue;
			}
		} else {
			type = !strcmp(argv[i], "name") ? 1 :
			       !strcmp(argv[i], "ifname") ? NETPOLICY_A_VIF_IFNAME :
			       !strcmp(argv[i], "network") ? NETPOLICY_A_VIF_NETWORK :
			       !strcmp(argv[i], "vm") ? NETPOLICY_A_VIF_VM :
			       !strcmp(argv[i], "bridge") ? NETPOLICY_A_NET_BRIDGE :
			       strcmp(argv[i], "policy") ? -1 :
			       get_nest == NETPOLICY_A_NET ? NETPOLICY_A_NET_POLICY :
			       get_nest == NETPOLICY_A_VM ? NETPOLICY_A_VM_POLICY :
			       NETPOLICY_A_VIF_POLICY;
			if (type < 0 || nla_put_string(msg, type, v))
				return 2;
		}
		nla_nest_end(msg, nest);
	}
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &err);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &err);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_ack, &err);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_object, NULL);
	if (nl_send_auto(sk, msg) < 0)
		return 2;
	while (err == 1 && nl_recvmsgs(sk, cb) >= 0)
		;
	nl_cb_put(cb);
	nlmsg_free(msg);
	if (err) {
		printf("error %d: %s\n", -err, extack);
		return 1;
	}
	if (get_quiet)
		printf("%lld\n", get_config);
	else if (get_nest != NETPOLICY_A_PORT)
		printf("generation %u\n", get_gen);
	return 0;
}

/* A LOAD of @n VM objects PREFIX0 ... PREFIXn-1, in transaction @txn. */
static struct nl_msg *load_vms(int family, long n, const char *prefix,
			       uint32_t txn, bool flags)
{
	struct nl_msg *msg = nlmsg_alloc_size(64 << 20);
	struct nlattr *vms;
	char name[96];
	long i;

	if (!msg)
		return NULL;
	genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, NLM_F_ACK,
		    NETPOLICY_CMD_LOAD, NETPOLICY_GENL_VERSION);
	if ((txn && nla_put_u32(msg, NETPOLICY_A_TXN, txn)) ||
	    (flags && nla_put_u32(msg, NETPOLICY_A_FLAGS, 0)))
		goto fail;
	vms = nla_nest_start(msg, NETPOLICY_A_VMS);
	for (i = 0; i < n; i++) {
		/* one array attribute holds at most 64 KiB */
		if (i && !(i % 1000)) {
			nla_nest_end(msg, vms);
			vms = nla_nest_start(msg, NETPOLICY_A_VMS);
		}
		snprintf(name, sizeof(name), "%.64s%ld", prefix, i);
		if (put_vm(msg, name, strlen(name)))
			goto fail;
	}
	nla_nest_end(msg, vms);
	return msg;
fail:
	nlmsg_free(msg);
	return NULL;
}

static struct nl_msg *txn_cmd(int family, int cmd, uint32_t txn, bool replace)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, NLM_F_ACK, cmd,
		    NETPOLICY_GENL_VERSION);
	if ((txn && nla_put_u32(msg, NETPOLICY_A_TXN, txn)) ||
	    (cmd == NETPOLICY_CMD_TXN_COMMIT &&
	     nla_put_u32(msg, NETPOLICY_A_TXN_OBJECTS, txn_objs)) ||
	    (replace && nla_put_u32(msg, NETPOLICY_A_FLAGS,
				    NETPOLICY_LOAD_F_REPLACE))) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/* Run the OPs of "nprequest txn" in turn. */
static int run_txn(struct nl_sock *sk, int family, int argc, char **argv)
{
	struct nl_msg *msg;
	int i;

	for (i = 0; i < argc; i++) {
		const char *op = argv[i];

		if (!strcmp(op, "begin") || !strcmp(op, "begin-replace")) {
			msg = txn_cmd(family, NETPOLICY_CMD_TXN_BEGIN, 0,
				      !strcmp(op, "begin-replace"));
		} else if ((!strcmp(op, "vms") || !strcmp(op, "vms-flags")) &&
			   i + 2 < argc) {
			long n = strtol(argv[i + 1], NULL, 10);

			msg = load_vms(family, n, argv[i + 2], txn_id,
				       !strcmp(op, "vms-flags"));
			txn_objs += (uint32_t)n;
			i += 2;
		} else if (!strcmp(op, "commit") || !strcmp(op, "abort") ||
			   !strcmp(op, "commit-other")) {
			msg = txn_cmd(family, strcmp(op, "abort") ?
				      NETPOLICY_CMD_TXN_COMMIT :
				      NETPOLICY_CMD_TXN_ABORT,
				      txn_id + !strcmp(op, "commit-other"),
				      false);
		} else if (!strcmp(op, "sleep") && i + 1 < argc) {
			sleep((unsigned int)strtoul(argv[++i], NULL, 10));
			continue;
		} else if (!strcmp(op, "hold")) {
			puts("held");
			fflush(stdout);
			while (getchar() != EOF)
				;
			continue;
		} else {
			fprintf(stderr, "nprequest: txn: bad operation %s\n", op);
			return 2;
		}
		if (!msg)
			return 2;
		send_and_report(sk, msg);
		fflush(stdout);
	}
	return 0;
}

int main(int argc, char **argv)
{
	int id, one = 1;
	struct nlattr *vms;
	struct nl_sock *sk;
	struct nl_msg *msg;
	char *name;

	if (!(((argc == 3 || argc == 4) && !strcmp(argv[1], "vm")) ||
	      (argc == 2 && !strcmp(argv[1], "config-gen")) ||
	      ((argc == 3 || argc == 4) && !strcmp(argv[1], "vms")) ||
	      (argc == 4 && !strcmp(argv[1], "guest-mac")) ||
	      (argc == 5 && !strcmp(argv[1], "policy")) ||
	      (argc >= 3 && !strcmp(argv[1], "txn")) ||
	      (argc >= 3 && !strcmp(argv[1], "get")))) {
		fprintf(stderr, "usage: nprequest vm NAME [GEN] | vms N [PREFIX] | policy NAME P I | guest-mac IFNAME MAC | txn OP... | get KIND KEY=VALUE... | config-gen\n");
		return 2;
	}
	sk = nl_socket_alloc();
	if (!sk || genl_connect(sk))
		return 2;
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one,
		   sizeof(one));
	nl_socket_set_msg_buf_size(sk, 64 << 20);
	nl_socket_set_buffer_size(sk, 1 << 20, 64 << 20);
	id = genl_ctrl_resolve(sk, NETPOLICY_GENL_NAME);
	msg = nlmsg_alloc_size(64 << 20);
	name = malloc(strlen(argv[argc - 1]) + 32);
	if (id < 0 || !msg || !name) {
		fprintf(stderr, "nprequest: no netpolicy family\n");
		return 2;
	}
	if (!strcmp(argv[1], "txn"))
		return run_txn(sk, id, argc - 2, argv + 2);
	if (!strcmp(argv[1], "get"))
		return run_get(sk, id, argc - 2, argv + 2);
	if (!strcmp(argv[1], "config-gen")) {
		char kind[] = "policy", key[] = "name=-";
		char *get[] = { kind, key, NULL };

		get_quiet = true;
		return run_get(sk, id, 2, get);
	}
	if (!strcmp(argv[1], "guest-mac")) {
		unsigned int m[6];
		uint8_t mac[6];
		int k;

		if (sscanf(argv[3], "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2],
			   &m[3], &m[4], &m[5]) != 6)
			return 2;
		for (k = 0; k < 6; k++)
			mac[k] = (uint8_t)m[k];
		genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, id, 0, NLM_F_ACK,
			    NETPOLICY_CMD_SET_PORT, NETPOLICY_GENL_VERSION);
		vms = nla_nest_start(msg, NETPOLICY_A_PORT);
		if (nla_put_string(msg, NETPOLICY_A_PORT_IFNAME, argv[2]) ||
		    nla_put(msg, NETPOLICY_A_PORT_GUEST_MAC, 6, mac))
			return 2;
		nla_nest_end(msg, vms);
		return send_and_report(sk, msg);
	}
	if (!strcmp(argv[1], "vms")) {
		nlmsg_free(msg);
		msg = load_vms(id, strtol(argv[2], NULL, 10),
			       argc == 4 ? argv[3] : "vm", 0, false);
		return msg ? send_and_report(sk, msg) : 2;
	}
	genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, id, 0, NLM_F_ACK,
		    NETPOLICY_CMD_LOAD, NETPOLICY_GENL_VERSION);
	if (!strcmp(argv[1], "policy")) {
		vms = nla_nest_start(msg, NETPOLICY_A_POLICIES);
		if (!vms || put_policy(msg, argv[2], strtol(argv[3], NULL, 10),
				       strtol(argv[4], NULL, 10)))
			return 2;
		nla_nest_end(msg, vms);
		return send_and_report(sk, msg);
	}
	vms = nla_nest_start(msg, NETPOLICY_A_VMS);
	if (put_vm(msg, name, unescape(argv[2], name)))
		return 2;
	nla_nest_end(msg, vms);
	if (argc == 4 && nla_put_u32(msg, NETPOLICY_A_CONFIG_GEN,
				     (uint32_t)strtoul(argv[3], NULL, 10)))
		return 2;
	return send_and_report(sk, msg);
}
