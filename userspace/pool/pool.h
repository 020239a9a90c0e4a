/* SPDX-License-Identifier: GPL-2.0 */
/*
 * npmgr pool: the pool's objects in etcd (Documentation/netpolicy.rst,
 * "The pool"): apply a policy file to the store, show it, diff a file
 * against it.
 */
#ifndef NPMGR_POOL_H
#define NPMGR_POOL_H

#include <stdbool.h>
#include <stddef.h>

#include "etcd.h"

/* The key prefix of layout version 1. */
#define POOL_PREFIX "/netpolicy/v1/"
/* placements/VM: {"host":"NAME","vm":"VM","by":...,"at":...} */
#define PLACEMENTS POOL_PREFIX "placements/"

/* The host a placement value names, or NULL (the caller frees it). */
char *pool_placement_host(const char *value);

/* npmgr pool [OPTIONS] apply FILE | diff FILE | show; exit status */
int pool_main(int argc, char **argv, bool json);

/*
 * npmgr agent [OPTIONS] --host NAME --spec FILE, or npmgr agent status
 * (agent.c, status.c); exit status
 */
int agent_main(int argc, char **argv, bool json);

/* One object of a file or of the store: its key and its text. */
struct pobj {
	char *key;
	char *text;
};

struct pset {
	struct pobj *o;
	size_t n;
};

/* A host's spec: its host block and its NICs, as its agent put them. */
struct pool_spec {
	char *name;
	const char *text;	/* belongs to the state's kvs */
};

/* What the store holds, read at one revision (kvs.revision). */
struct pool_state {
	struct etcd_kvs kvs;
	struct pset objs;		/* sorted by key; texts in kvs */
	const struct etcd_kv *applied;
	char **alive;			/* hosts whose lease holds their alive key */
	size_t n_alive;
	struct pool_spec *specs;
	size_t n_specs;
};

/* Read the whole prefix; -1 (said on stderr) if etcd did not answer. */
int pool_state_read(struct etcd *e, struct pool_state *st);
/* The same from the prefix's keys (a range, or a copy kept by a watch;
 * @kvs is moved into @st). */
void pool_state_from(struct pool_state *st, struct etcd_kvs *kvs);
void pool_state_free(struct pool_state *st);
/*
 * Each object key holds exactly the one object it names (a value with a
 * host block or a second object in it would smuggle them past the key's
 * meaning): -1, and each bad key said on stderr, if not.
 */
int pool_objects_valid(const struct pool_state *st);
/*
 * The store's objects as one config, parsed and checked as a file would
 * be: -1 (every problem said on stderr) if they do not check.
 */
int pool_state_config(const struct pool_state *st, struct np_config *cfg);
/* etcd_open(), or NULL with why said on stderr as "npmgr: CMD: ..." */
struct etcd *pool_open(const struct etcd_opts *o, const char *cmd);
/* npmgr place [OPTIONS] [--record] [--migrate] VM (place.c); exit status */
int place_main(int argc, char **argv, bool json);
/*
 * What `npmgr place [--migrate] VM` decides, for the tests and the
 * benchmark: the pool whose keys are @kvs (moved), read once
 * (place_open_kvs: NULL if its objects do not check), then any number of
 * decisions: 0 and *eligible (the eligible hosts, " hA hC" in the specs'
 * order, the caller frees it; NULL @eligible: not wanted), *chosen (the
 * chosen host, valid until the next decision, or NULL); 1 if the pool has
 * no such VM.
 */
struct place_ctx;
struct place_ctx *place_open_kvs(struct etcd_kvs *kvs);
int place_decide(struct place_ctx *c, const char *vm, bool migrate,
		 char **eligible, const char **chosen);
void place_close(struct place_ctx *c);
/* npmgr pool show --graph [--svg FILE] (place.c); exit status */
int pool_graph(struct etcd *e, const char *svg);

/*
 * The options every command that talks to etcd takes (--etcd, --cacert,
 * --cert, --key, --user, --password-file), from argv[*i] on: 0 and *i past
 * them, 1 on argv[*i] not one of them, -1 on a missing value.
 */
int pool_etcd_opt(int argc, char **argv, int *i, struct etcd_opts *o);

#endif
