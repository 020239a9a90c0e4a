/* SPDX-License-Identifier: GPL-2.0 */
/*
 * npmgr show --graph: the host's networks as a Graphviz DOT graph (graph.c).
 */
#ifndef NPMGR_GRAPH_H
#define NPMGR_GRAPH_H

#include <stdbool.h>
#include <stdio.h>

#include "model.h"

/* A port of a network's bridge that is not a VM interface. */
struct np_uplink {
	char name[IFNAMSIZ_NP];
	char bridge[IFNAMSIZ_NP];
	char type[16];			/* rtnetlink's kind: "vxlan", "macsec"; "" */
	char lower[IFNAMSIZ_NP];	/* the device it runs on (MACsec); "" */
	bool encrypts;			/* MACsec with encryption on */
	char **peers;			/* a tunnel's remote addresses */
	size_t n_peers;
};

/* A bridge some network names, as the host has it. */
struct np_bridge_seen {
	char name[IFNAMSIZ_NP];
	bool exists;
};

struct np_graph {
	const struct np_config *cfg;
	const struct np_port_info *ports;
	size_t n_ports;
	const struct np_session_info *sessions;
	size_t n_sessions;
	const struct np_uplink *uplinks;
	size_t n_uplinks;
	const struct np_bridge_seen *bridges;
	size_t n_bridges;
	const char *host;		/* this host's name, for the title */
};

/*
 * The uplinks of the bridges @cfg's networks name, and which of those
 * bridges exist, read from rtnetlink in this network namespace. Ports
 * named in @ports (VM interfaces) are not uplinks.
 */
int graph_read_links(const struct np_config *cfg,
		     const struct np_port_info *ports, size_t n_ports,
		     struct np_uplink **uplinks, size_t *n_uplinks,
		     struct np_bridge_seen **bridges, size_t *n_bridges);
void graph_links_free(struct np_uplink *uplinks, size_t n);

/* DOT output: a quoted string; a node "KIND:NAME"; an edge between two. */
void dot_str(FILE *f, const char *s);
/* @label is freed; @attrs ("" or "shape=box, ...") follow it */
void dot_node(FILE *f, const char *indent, const char *kind,
	      const char *name, char *label, const char *attrs);
/* @label (or NULL) is freed */
void dot_edge(FILE *f, const char *ka, const char *a, const char *kb,
	      const char *b, char *label, const char *attrs);
/* "policy NAME (crosses hosts, encrypted)": what a network asks, in words */
char *graph_policy_words(const struct np_config *cfg,
			 const struct np_net_def *net);
void print_graph(FILE *f, const struct np_graph *g);
/* Render DOT @text as SVG into @path with Graphviz's dot. */
int graph_render_svg(const char *text, size_t len, const char *path);

#endif
