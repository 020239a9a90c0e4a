/* SPDX-License-Identifier: GPL-2.0 */
/*
 * npmgr: output (print.c, explain.c). The human form of objects is the
 * policy file format itself; `-j` prints JSON.
 */
#ifndef NPMGR_PRINT_H
#define NPMGR_PRINT_H

#include <stdio.h>

#include "model.h"

void print_config(FILE *f, const struct np_config *cfg);
void print_ports(FILE *f, const struct np_port_info *ports, size_t n);
/*
 * Objects when @cfg is set; interfaces when @with_ports; key agreement
 * sessions when @sessions is set (or @n_sessions).
 */
void print_json(FILE *f, const struct np_config *cfg, bool with_ports,
		const struct np_port_info *ports, size_t n_ports,
		const struct np_session_info *sessions, size_t n_sessions);
void print_sessions(FILE *f, const struct np_session_info *s, size_t n,
		    long long now);
void print_event(FILE *f, int ev, const struct np_port_info *p, bool json);

/* The decision path of an interface, VM or VIF object: 1 if none. */
int explain(FILE *f, const struct np_config *cfg,
	    const struct np_port_info *ports, size_t n_ports, const char *what);

#endif
