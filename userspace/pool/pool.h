/* SPDX-License-Identifier: GPL-2.0 */
/*
 * npmgr pool: the pool's objects in etcd (Documentation/netpolicy.rst,
 * "The pool"): apply a policy file to the store, show it, diff a file
 * against it.
 */
#ifndef NPMGR_POOL_H
#define NPMGR_POOL_H

#include <stdbool.h>

/* The key prefix of layout version 1. */
#define POOL_PREFIX "/netpolicy/v1/"

/* npmgr pool [OPTIONS] apply FILE | diff FILE | show; exit status */
int pool_main(int argc, char **argv, bool json);

#endif
