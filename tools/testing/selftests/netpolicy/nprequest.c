// SPDX-License-Identifier: GPL-2.0
/*
 * nprequest: a LOAD request npmgr would never send, to see the kernel's
 * own checks (npmgr's parser refuses the same input earlier).
 *
 *   nprequest vm NAME      load one VM object named NAME, as given
 *                          (C escapes such as \x1b are decoded)
 *   nprequest vms N [P]    load N VM objects, P0 ... PN-1 (P: "vm"), in one
 *                          request
 *
 *   nprequest guest-mac IFNAME MAC
 *                          tell the guest's MAC of port IFNAME (SET_PORT)
 *
 * Prints "ok", or "error N: MESSAGE" with the errno and the extack message
 * (exit status 1). Runs in the caller's network namespace.
 */
#include <errno.h>
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

/* Send @msg; print "ok" or the error and the extack message. */
static int send_and_report(struct nl_sock *sk, struct nl_msg *msg)
{
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int err = 1;

	if (!cb)
		return 2;
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &err);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &err);
	if (nl_send_auto(sk, msg) < 0) {
		fprintf(stderr, "nprequest: cannot send\n");
		return 2;
	}
	while (err == 1 && nl_recvmsgs(sk, cb) >= 0)
		;
	nl_cb_put(cb);
	if (!err) {
		puts("ok");
		return 0;
	}
	printf("error %d: %s\n", -err, extack);
	return 1;
}

int main(int argc, char **argv)
{
	int id, one = 1;
	struct nlattr *vms;
	struct nl_sock *sk;
	struct nl_msg *msg;
	char *name;
	long i, n;

	if (!((argc == 3 && !strcmp(argv[1], "vm")) ||
	      ((argc == 3 || argc == 4) && !strcmp(argv[1], "vms")) ||
	      (argc == 4 && !strcmp(argv[1], "guest-mac")))) {
		fprintf(stderr, "usage: nprequest vm NAME | vms N [PREFIX] | guest-mac IFNAME MAC\n");
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
	genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, id, 0, NLM_F_ACK,
		    NETPOLICY_CMD_LOAD, NETPOLICY_GENL_VERSION);
	vms = nla_nest_start(msg, NETPOLICY_A_VMS);
	if (!strcmp(argv[1], "vm")) {
		if (put_vm(msg, name, unescape(argv[2], name)))
			return 2;
	} else {
		n = strtol(argv[2], NULL, 10);
		for (i = 0; i < n; i++) {
			/* one array attribute holds at most 64 KiB */
			if (i && !(i % 1000)) {
				nla_nest_end(msg, vms);
				vms = nla_nest_start(msg, NETPOLICY_A_VMS);
			}
			sprintf(name, "%s%ld", argc == 4 ? argv[3] : "vm", i);
			if (put_vm(msg, name, strlen(name)))
				return 2;
		}
	}
	nla_nest_end(msg, vms);
	return send_and_report(sk, msg);
}
