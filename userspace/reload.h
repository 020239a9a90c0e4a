/* SPDX-License-Identifier: GPL-2.0 */
/*
 * npmgr: a reload that sends only what changed (reload.c).
 */
#ifndef NPMGR_RELOAD_H
#define NPMGR_RELOAD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

#include "util.h"

struct np_ipc;

/* Where the last load of each network namespace is kept (mode 0700). */
#define RELOAD_PARENT	"/run/netpolicy"
#define RELOAD_DIR	RELOAD_PARENT "/loaded"

struct reload_req {
	const char *file;		/* what `npmgr load` loads */
	const char *host;		/* this host's name */
	uint64_t cookie;		/* the network namespace's */
	uint32_t config_gen;		/* what the kernel holds now */
	FILE *log;			/* a line on success, or NULL */
};

/*
 * Load @r->file by sending only what changed since the last load kept for
 * the namespace, when that gives exactly what a full load would: 0 when it
 * did (and the new text is kept), else 1 (nothing changed, nothing
 * printed: do the full load).
 */
int reload_try(struct np_ipc *ipc, const struct reload_req *r);
/*
 * Keep @text (@len bytes, its blocks at @starts) as what namespace
 * @cookie holds at configuration generation @config_gen, for host @host.
 * Best effort: nothing is kept when that cannot be done safely.
 */
void reload_remember(uint64_t cookie, uint32_t config_gen, const char *host,
		     const char *text, size_t len, const uint32_t *starts,
		     size_t n_blocks);
/* A text in up to three pieces (what is kept: base, patch, base). */
struct reload_text {
	const char *p[3];
	size_t n[3];
	size_t len;			/* n[0] + n[1] + n[2] */
};

/*
 * Where two texts differ, in whole blocks of the old one (@starts, @n_blocks
 * sorted offsets below @old->len): [a, re_old) of @old and [a, re_new) of
 * @new hold every difference; before and after them both texts are the
 * same. -1 when the new region would not end between tokens (take the
 * full load).
 */
struct reload_region {
	size_t a, re_old, re_new;
};

int reload_region(const struct reload_text *old, const uint32_t *starts,
		  size_t n_blocks, const char *new, size_t n_new,
		  struct reload_region *rg);

/*
 * A patch of a base text: the text is base[0, a) + the patch's @len bytes
 * + base[b, end). (@any false: no patch, the text is the base.)
 */
struct reload_patch {
	size_t a, b, len;
	bool any;
};

/*
 * The patch @out of the same base that gives the new text (@n_new bytes),
 * when @was gave the old one (@n_old bytes) and @rg is where they differ:
 * it spans @was and the region. Its text is the new text's bytes from
 * @out->a on (@out->len of them).
 */
void reload_fold(const struct reload_patch *was,
		 const struct reload_region *rg, size_t n_old, size_t n_new,
		 struct reload_patch *out);
/* Keep nothing for namespace @cookie. */
void reload_forget(uint64_t cookie);

/* Which file a path names, and its version. */
struct file_id {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};

/* @path's identity: 0, or -1 (then it is no one's). */
int file_id_get(const char *path, struct file_id *id);
/* Whether @path is still the file, unchanged, that @id describes. */
bool file_id_still(const char *path, const struct file_id *id);

#endif
