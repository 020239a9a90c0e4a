// SPDX-License-Identifier: GPL-2.0
/*
 * npmgr show --graph: what `show` says, as a picture, in Graphviz DOT.
 * Left to right: VMs (one cluster each) and their interfaces; the
 * networks' bridges; the bridges' uplinks (NICs with their tags, tunnels,
 * MACsec devices and the tunnel each runs on); the other hosts the
 * tunnels reach: by name where a key agreement session names them, else
 * by the address the tunnel sends to (the kernel holds no host blocks).
 * An interface's edge to its bridge is its state: solid when attached,
 * dashed and labelled with the kernel's reason when it is pending,
 * refused or stuck; an unbound interface has none. --svg renders
 * the text with Graphviz's dot.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netlink/route/link.h>
#include <netlink/route/link/geneve.h>
#include <netlink/route/link/ipgre.h>
#include <netlink/route/link/macsec.h>

#include "graph.h"
#include "realize/realize.h"

/* A DOT string: quoted, " and \ escaped, a newline as \n. */
void dot_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s >= 0x20)
			fputc(*s, f);
	}
	fputc('"', f);
}

static void put_id(FILE *f, const char *kind, const char *name)
{
	char *id = xasprintf("%s:%s", kind, name);

	dot_str(f, id);
	free(id);
}

/* node KIND:NAME [label=LABEL, ATTRS]; @label is freed */
void dot_node(FILE *f, const char *indent, const char *kind,
	      const char *name, char *label, const char *attrs)
{
	fprintf(f, "%s", indent);
	put_id(f, kind, name);
	fputs(" [label=", f);
	dot_str(f, label);
	fprintf(f, "%s%s];\n", *attrs ? ", " : "", attrs);
	free(label);
}

/* edge A -> B [label=LABEL, ATTRS]; @label (may be NULL) is freed */
void dot_edge(FILE *f, const char *ka, const char *a, const char *kb,
	      const char *b, char *label, const char *attrs)
{
	fputc('\t', f);
	put_id(f, ka, a);
	fputs(" -> ", f);
	put_id(f, kb, b);
	if (label || *attrs) {
		fputs(" [", f);
		if (label) {
			fputs("label=", f);
			dot_str(f, label);
		}
		fprintf(f, "%s%s]", label && *attrs ? ", " : "", attrs);
	}
	fputs(";\n", f);
	free(label);
}

static const struct np_net_def *net_of_bridge(const struct np_config *cfg,
					      const char *bridge)
{
	size_t i;

	for (i = 0; i < cfg->n_nets; i++)
		if (cfg->nets[i].bridge && !strcmp(cfg->nets[i].bridge, bridge))
			return &cfg->nets[i];
	return NULL;
}

/* "policy NAME (crosses hosts, encrypted)": what a network asks, in words */
char *graph_policy_words(const struct np_config *cfg,
			 const struct np_net_def *net)
{
	const struct np_policy_def *p = net->policy ?
		config_policy(cfg, net->policy) : NULL;

	if (!p)
		return xstrdup(net->policy ? "policy (not loaded)" : "no policy");
	return xasprintf("policy %s (%s%s)", p->name,
			 pol_local_only(p) ? "this host only" :
			 pol_crosses_hosts(p) ? "crosses hosts" :
			 "no cross-host rule",
			 pol_requires_encryption(p) ? ", encrypted" : "");
}

static bool bridge_exists(const struct np_graph *g, const char *name)
{
	size_t i;

	for (i = 0; i < g->n_bridges; i++)
		if (!strcmp(g->bridges[i].name, name))
			return g->bridges[i].exists;
	return true;		/* not looked at: say nothing */
}

static void put_bridges(FILE *f, const struct np_graph *g)
{
	const struct np_config *cfg = g->cfg;
	size_t i, j;

	for (i = 0; i < cfg->n_nets; i++) {
		const struct np_net_def *n = &cfg->nets[i];
		bool exists;
		char *words;

		if (!n->bridge || net_of_bridge(cfg, n->bridge) != n)
			continue;	/* drawn with the first network on it */
		exists = bridge_exists(g, n->bridge);
		words = graph_policy_words(cfg, n);
		dot_node(f, "\t", "bridge", n->bridge,
			 xasprintf("%s\nnetwork %s\n%s%s", n->bridge, n->name,
				   words, exists ? "" : "\n(no such bridge yet)"),
			 exists ? "style=\"rounded,bold\"" :
			 "style=\"rounded,dashed\", color=orange");
		free(words);
	}
	/* a port may name a bridge no network names any more */
	for (i = 0; i < g->n_ports; i++) {
		const char *b = g->ports[i].bridge;

		if (!b || net_of_bridge(cfg, b))
			continue;
		for (j = 0; j < i; j++)
			if (g->ports[j].bridge && !strcmp(g->ports[j].bridge, b))
				break;
		if (j == i)
			dot_node(f, "\t", "bridge", b, xasprintf("%s\nno network", b),
				 "style=rounded");
	}
}

static const char *vm_of(const struct np_port_info *p)
{
	return p->vm && *p->vm ? p->vm : NULL;
}

static void put_port(FILE *f, const char *indent, const struct np_port_info *p)
{
	const char *st = state_name(p->state);

	if (p->state == NETPOLICY_PORT_UNBOUND)
		dot_node(f, indent, "port", p->ifname,
			 xasprintf("%s\nunbound: no VIF object", p->ifname),
			 "style=dashed");
	else if (p->state == NETPOLICY_PORT_ATTACHED)
		dot_node(f, indent, "port", p->ifname,
			 xasprintf("%s\nVIF %s", p->ifname, p->vif ?: "-"), "");
	else
		dot_node(f, indent, "port", p->ifname,
			 xasprintf("%s\nVIF %s\n%s", p->ifname, p->vif ?: "-", st),
			 p->state == NETPOLICY_PORT_PENDING ? "color=orange" :
			 "color=red");
}

static void put_ports(FILE *f, const struct np_graph *g)
{
	size_t i, j;

	/* one cluster per VM, in the order its first interface comes */
	for (i = 0; i < g->n_ports; i++) {
		const char *vm = vm_of(&g->ports[i]);
		char *cl;

		if (!vm)
			continue;
		for (j = 0; j < i; j++)
			if (vm_of(&g->ports[j]) && !strcmp(vm_of(&g->ports[j]), vm))
				break;
		if (j < i)
			continue;
		cl = xasprintf("cluster_vm:%s", vm);
		fputs("\tsubgraph ", f);
		dot_str(f, cl);
		fputs(" {\n\t\tlabel=", f);
		free(cl);
		cl = xasprintf("VM %s", vm);
		dot_str(f, cl);
		free(cl);
		fputs(";\n\t\tstyle=rounded;\n", f);
		for (j = i; j < g->n_ports; j++)
			if (vm_of(&g->ports[j]) && !strcmp(vm_of(&g->ports[j]), vm))
				put_port(f, "\t\t", &g->ports[j]);
		fputs("\t}\n", f);
	}
	for (i = 0; i < g->n_ports; i++)
		if (!vm_of(&g->ports[i]))
			put_port(f, "\t", &g->ports[i]);
	for (i = 0; i < g->n_ports; i++) {
		const struct np_port_info *p = &g->ports[i];
		const char *msg = p->message && *p->message ? p->message : NULL;

		if (!p->bridge || p->state == NETPOLICY_PORT_UNBOUND)
			continue;
		if (p->state == NETPOLICY_PORT_ATTACHED)
			dot_edge(f, "port", p->ifname, "bridge", p->bridge, NULL, "");
		else
			dot_edge(f, "port", p->ifname, "bridge", p->bridge,
				 msg ? xasprintf("%s: %s", state_name(p->state), msg) :
				 xstrdup(state_name(p->state)),
				 p->state == NETPOLICY_PORT_PENDING ?
				 "style=dashed, color=orange, fontcolor=orange" :
				 "style=dashed, color=red, fontcolor=red");
	}
}

static const struct np_uplink *uplink(const struct np_graph *g,
				      const char *name)
{
	size_t i;

	for (i = 0; i < g->n_uplinks; i++)
		if (!strcmp(g->uplinks[i].name, name))
			return &g->uplinks[i];
	return NULL;
}

/* Whether an uplink before @i runs on @lower too (its node is drawn). */
static bool lower_drawn(const struct np_graph *g, size_t i, const char *lower)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (!strcmp(g->uplinks[j].lower, lower))
			return true;
	return false;
}

static bool is_tunnel_type(const char *type)
{
	return !strcmp(type, "vxlan") || !strcmp(type, "gretap") ||
	       !strcmp(type, "geneve");
}

/* "vxlan 100 (network front)", from the network on @bridge */
static char *tunnel_words(const struct np_graph *g, const char *type,
			  const char *bridge)
{
	const struct np_net_def *n = net_of_bridge(g->cfg, bridge);

	if (n && n->realized_tunnel)
		return xasprintf("%s %u", tunnel_name(n->realized_tunnel),
				 n->realized_id);
	return xstrdup(type);
}

static char *nic_words(const struct np_config *cfg, const char *name)
{
	const struct np_nic_def *nic = config_nic(cfg, name);
	char *s, *t;
	size_t i;

	if (!nic)
		return xstrdup("no NIC object: untagged");
	if (!nic->n_tags)
		return xstrdup("NIC, no tags");
	s = xstrdup("NIC, tags");
	for (i = 0; i < nic->n_tags; i++) {
		t = xasprintf("%s%s %s", s, i ? "," : "", nic->tags[i]);
		free(s);
		s = t;
	}
	return s;
}

static const struct np_session_info *session_on(const struct np_graph *g,
						const char *macsec)
{
	size_t i;

	for (i = 0; i < g->n_sessions; i++)
		if (!strcmp(g->sessions[i].macsec, macsec))
			return &g->sessions[i];
	return NULL;
}

static void put_uplinks(FILE *f, const struct np_graph *g)
{
	const struct np_config *cfg = g->cfg;
	size_t i, j;

	for (i = 0; i < g->n_uplinks; i++) {
		const struct np_uplink *u = &g->uplinks[i];
		const struct np_session_info *s;
		char *w;

		if (!strcmp(u->type, "macsec")) {
			dot_node(f, "\t", "dev", u->name,
				 xasprintf("%s\nMACsec, %s", u->name,
					   u->encrypts ? "encrypted" :
					   "NOT encrypting"),
				 u->encrypts ? "shape=box, color=darkgreen" :
				 "shape=box, color=red");
			if (*u->lower && !uplink(g, u->lower) &&
			    !lower_drawn(g, i, u->lower)) {
				w = tunnel_words(g, "tunnel", u->bridge);
				dot_node(f, "\t", "dev", u->lower,
					 xasprintf("%s\n%s", u->lower, w), "");
				free(w);
			}
			if (*u->lower)
				dot_edge(f, "dev", u->name, "dev", u->lower, NULL,
					 "arrowhead=none, style=bold");
			s = session_on(g, u->name);
			if (s)
				dot_edge(f, "dev", *u->lower ? u->lower : u->name,
					 "host", s->peer,
					 xasprintf("MKA %s", s->state),
					 s->running && !strcmp(s->state, "secured") ?
					 "color=darkgreen" :
					 "style=dashed, color=red, fontcolor=red");
		} else if (is_tunnel_type(u->type)) {
			w = tunnel_words(g, u->type, u->bridge);
			dot_node(f, "\t", "dev", u->name,
				 xasprintf("%s\n%s", u->name, w), "");
			free(w);
			/* in the clear: named by the addresses it sends to */
			for (j = 0; j < u->n_peers; j++)
				dot_edge(f, "dev", u->name, "peer", u->peers[j],
					 NULL, "");
		} else {
			w = nic_words(cfg, u->name);
			dot_node(f, "\t", "dev", u->name,
				 xasprintf("%s\n%s%s%s", u->name, u->type,
					   *u->type ? ", " : "", w),
				 "shape=cds");
			free(w);
		}
		dot_edge(f, "bridge", u->bridge, "dev", u->name, NULL, "");
	}
}

/* The other hosts the edges reach, once each. */
static void put_hosts(FILE *f, const struct np_graph *g)
{
	size_t i, j, k;

	for (i = 0; i < g->n_sessions; i++) {
		for (j = 0; j < i; j++)
			if (!strcmp(g->sessions[j].peer, g->sessions[i].peer))
				break;
		if (j == i)
			dot_node(f, "\t", "host", g->sessions[i].peer,
				 xasprintf("host %s", g->sessions[i].peer),
				 "shape=box3d");
	}
	for (i = 0; i < g->n_uplinks; i++) {
		const struct np_uplink *u = &g->uplinks[i];

		if (!strcmp(u->type, "macsec"))
			continue;
		for (k = 0; k < u->n_peers; k++) {
			bool drawn = false;

			for (j = 0; j < i && !drawn; j++) {
				const struct np_uplink *v = &g->uplinks[j];
				size_t m;

				for (m = 0; strcmp(v->type, "macsec") &&
				     m < v->n_peers; m++)
					drawn |= !strcmp(v->peers[m], u->peers[k]);
			}
			for (j = 0; j < k && !drawn; j++)
				drawn = !strcmp(u->peers[j], u->peers[k]);
			if (!drawn)
				dot_node(f, "\t", "peer", u->peers[k],
					 xasprintf("peer %s\nunencrypted", u->peers[k]),
					 "shape=box3d");
		}
	}
}

void print_graph(FILE *f, const struct np_graph *g)
{
	char *title = g->host && *g->host ?
		xasprintf("host %s (npmgr show --graph)", g->host) :
		xstrdup("this host (npmgr show --graph)");

	fputs("digraph netpolicy {\n\tgraph [rankdir=LR, labelloc=t, fontname=\"sans-serif\", label=", f);
	dot_str(f, title);
	free(title);
	fputs("];\n\tnode [shape=box, fontname=\"sans-serif\", fontsize=10];\n"
	      "\tedge [fontname=\"sans-serif\", fontsize=9];\n", f);
	put_ports(f, g);
	put_bridges(f, g);
	put_uplinks(f, g);
	put_hosts(f, g);
	fputs("}\n", f);
}

static bool named_port(const struct np_port_info *ports, size_t n,
		       const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(ports[i].ifname, name))
			return true;
	return false;
}

static const struct np_bridge_seen *seen(const struct np_bridge_seen *b,
					 size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(b[i].name, name))
			return &b[i];
	return NULL;
}

static void push_peer(struct np_uplink *u, struct in_addr a)
{
	char ip[INET_ADDRSTRLEN];

	if (!a.s_addr || !inet_ntop(AF_INET, &a, ip, sizeof(ip)))
		return;
	*(char **)xpush((void **)&u->peers, &u->n_peers,
			sizeof(*u->peers)) = xstrdup(ip);
}

/* The addresses tunnel @l sends to: its remote, or a VXLAN's flood list. */
static void tunnel_peers(struct np_uplink *u, struct rtnl_link *l)
{
	struct nl_addr *remote = NULL;
	struct in_addr a = { 0 }, *fdb;
	size_t i, n;

	if (!strcmp(u->type, "vxlan")) {
		if (rz_fdb_peers(rtnl_link_get_ifindex(l), &fdb, &n))
			return;
		for (i = 0; i < n; i++)
			push_peer(u, fdb[i]);
		free(fdb);
	} else if (!strcmp(u->type, "gretap")) {
		a.s_addr = rtnl_link_ipgre_get_remote(l);
		push_peer(u, a);
	} else if (!strcmp(u->type, "geneve") &&
		   !rtnl_link_geneve_get_remote(l, &remote) && remote) {
		if (nl_addr_get_family(remote) == AF_INET &&
		    nl_addr_get_len(remote) == sizeof(a))
			memcpy(&a, nl_addr_get_binary_addr(remote), sizeof(a));
		nl_addr_put(remote);
		push_peer(u, a);
	}
}

void graph_links_free(struct np_uplink *uplinks, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < uplinks[i].n_peers; j++)
			free(uplinks[i].peers[j]);
		free(uplinks[i].peers);
	}
	free(uplinks);
}

int graph_read_links(const struct np_config *cfg,
		     const struct np_port_info *ports, size_t n_ports,
		     struct np_uplink **uplinks, size_t *n_uplinks,
		     struct np_bridge_seen **bridges, size_t *n_bridges)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_cache *links = NULL;
	struct nl_object *o;
	size_t i;
	int err = -1;

	*uplinks = NULL;
	*n_uplinks = 0;
	*bridges = NULL;
	*n_bridges = 0;
	if (!sk || nl_connect(sk, NETLINK_ROUTE) ||
	    rtnl_link_alloc_cache(sk, AF_UNSPEC, &links)) {
		fprintf(stderr, "npmgr: cannot read this host's links (rtnetlink)\n");
		goto out;
	}
	for (i = 0; i < cfg->n_nets; i++) {
		const char *b = cfg->nets[i].bridge;
		struct np_bridge_seen *s;

		if (!b || seen(*bridges, *n_bridges, b))
			continue;
		s = xpush((void **)bridges, n_bridges, sizeof(**bridges));
		snprintf(s->name, sizeof(s->name), "%s", b);
		s->exists = rtnl_link_name2i(links, b) > 0;
	}
	for (o = nl_cache_get_first(links); o; o = nl_cache_get_next(o)) {
		struct rtnl_link *l = (struct rtnl_link *)o;
		const char *name = rtnl_link_get_name(l), *type;
		char master[IFNAMSIZ_NP] = "", lower[IFNAMSIZ_NP] = "";
		struct np_uplink *u;
		uint8_t enc = 0;

		if (!rtnl_link_get_master(l) ||
		    !rtnl_link_i2name(links, rtnl_link_get_master(l), master,
				      sizeof(master)) ||
		    !seen(*bridges, *n_bridges, master) ||
		    named_port(ports, n_ports, name))
			continue;
		type = rtnl_link_get_type(l) ?: "";
		if (!strcmp(type, "macsec")) {
			if (rtnl_link_get_link(l))
				rtnl_link_i2name(links, rtnl_link_get_link(l),
						 lower, sizeof(lower));
			rtnl_link_macsec_get_encrypt(l, &enc);
		}
		u = xpush((void **)uplinks, n_uplinks, sizeof(**uplinks));
		snprintf(u->name, sizeof(u->name), "%s", name);
		snprintf(u->bridge, sizeof(u->bridge), "%s", master);
		snprintf(u->type, sizeof(u->type), "%s", type);
		snprintf(u->lower, sizeof(u->lower), "%s", lower);
		u->encrypts = enc;
		if (is_tunnel_type(type))
			tunnel_peers(u, l);
	}
	err = 0;
out:
	nl_cache_free(links);
	nl_socket_free(sk);
	return err;
}

int graph_render_svg(const char *text, size_t len, const char *path)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	int fd[2], status = 0;
	size_t off = 0;
	ssize_t n;
	pid_t pid;

	if (pipe2(fd, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	if (!pid) {
		dup2(fd[0], 0);
		execlp("dot", "dot", "-Tsvg", "-o", path, (char *)NULL);
		_exit(errno == ENOENT ? 127 : 126);
	}
	close(fd[0]);
	sigaction(SIGPIPE, &ign, &old);	/* dot may stop reading */
	while (off < len && (n = write(fd[1], text + off, len - off)) != 0) {
		if (n < 0 && errno != EINTR)
			break;
		if (n > 0)
			off += (size_t)n;
	}
	close(fd[1]);
	sigaction(SIGPIPE, &old, NULL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		fprintf(stderr, "npmgr: --svg needs Graphviz's dot, which is not installed (apt-get install graphviz); --graph alone prints the DOT text\n");
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "npmgr: dot could not render %s\n", path);
		return -1;
	}
	return 0;
}
