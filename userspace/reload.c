// SPDX-License-Identifier: GPL-2.0
/*
 * npmgr: a reload that sends only what changed (reload.h), for `npmgr load
 * FILE` of a file that changed a little since the last load.
 *
 * After a replacing load of a regular file without a pool, npmgr keeps the
 * file's text and where its blocks start in RELOAD_DIR, one file per
 * network namespace (named by its cookie, which is never reused), with the
 * configuration generation that load made. The next `npmgr load` in that
 * namespace compares the new text with the kept one: its common prefix and
 * suffix leave a region of whole blocks that holds every difference. When
 * the kernel still holds that generation (nothing else changed the
 * configuration since), only that region is parsed, old and new, and the
 * new objects are checked as `load --update` checks them, then sent as one
 * update that the kernel refuses if the generation moved meanwhile.
 * Whatever it cannot prove gives what a full load gives (an object
 * removed, a difference that does not end between blocks, any problem in
 * the file, another host name, a module without configuration
 * generations) takes the full load, which also reports the problems.
 *
 * What a reload keeps costs what it changed: the kept text is a base (the
 * text of the last full load, or of a reload that changed much) and at
 * most one patch, which replaces a range of whole blocks of the base. A
 * reload folds its region into the patch and writes only that; a patch
 * larger than RELOAD_PATCH_MAX or a sixteenth of the text makes a new
 * base. Documentation/incremental-design.rst has the design.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "ipc.h"
#include "reload.h"

#define RELOAD_MAGIC "npmgrld2"
#define PATCH_MAGIC "npmgrlp1"
/* A patch beyond this (or a sixteenth of the text) makes a new base. */
#define RELOAD_PATCH_MAX (1u << 20)

/*
 * The base: this head, n_blocks uint32_t block starts, the text. A new
 * base has a new random nonce, so that no patch of an older one applies.
 */
struct reload_head {
	char magic[8];
	uint64_t cookie;
	uint32_t config_gen;
	uint32_t n_blocks;
	uint64_t text_len;
	uint64_t nonce;
	char host[NETPOLICY_NAME_MAX];
};

/*
 * The patch (PATH.patch): this head, n_blocks block starts (from the
 * patch text's start), the text that replaces [a, b) of the base with
 * this nonce; the kept text is then at config_gen.
 */
struct reload_patch_head {
	char magic[8];
	uint64_t cookie;
	uint64_t nonce;
	uint64_t a, b;
	uint64_t text_len;
	uint32_t config_gen;
	uint32_t n_blocks;
};

/* One file of what is kept, mapped. */
struct kept_map {
	void *map;
	size_t size;
};

/* What is kept, mapped: the base, and the patch when one applies. */
struct kept {
	struct kept_map base, patch;
	const struct reload_head *h;
	const struct reload_patch_head *ph;	/* or NULL */
	struct reload_text text;		/* base, patch, base */
	struct reload_patch was;		/* what the patch replaces */
	const uint32_t *starts;			/* of the whole text */
	uint32_t *own_starts;			/* (when built here) */
	size_t n_blocks;
	uint32_t config_gen;
};

static char *kept_path(uint64_t cookie, const char *suffix)
{
	return xasprintf("%s/loaded-%016" PRIx64 "%s", RELOAD_DIR, cookie,
			 suffix);
}

/*
 * Whether npmgr runs in the initial user namespace: the kept copies are
 * the host's, never made or read from a user namespace (whose root is
 * another user on the host, and whose files the host's root would not
 * trust).
 */
static bool initial_userns(void)
{
	unsigned long inside, outside, count;
	FILE *f = fopen("/proc/self/uid_map", "re");
	int n;

	if (!f)
		return false;
	n = fscanf(f, "%lu %lu %lu", &inside, &outside, &count);
	fclose(f);
	return n == 3 && !inside && !outside && count == 4294967295UL;
}

/* Whether @path is a directory of ours that only we may write. */
static bool private_dir(const char *path)
{
	struct stat st;

	return initial_userns() && !lstat(path, &st) && S_ISDIR(st.st_mode) &&
	       st.st_uid == geteuid() && !(st.st_mode & 022);
}

static void unmap_kept(struct kept_map *m)
{
	if (m->map)
		munmap(m->map, m->size);
	m->map = NULL;
}

static void kept_close(struct kept *k)
{
	unmap_kept(&k->base);
	unmap_kept(&k->patch);
	free(k->own_starts);
	memset(k, 0, sizeof(*k));
}

/*
 * Map file @path of what is kept, when it is ours alone, a regular file
 * of at least @min bytes: 0 or -1.
 */
static int map_kept(const char *path, size_t min, struct kept_map *m)
{
	struct stat st;
	int fd;

	m->map = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077) || (uintmax_t)st.st_size < min ||
	    (uintmax_t)st.st_size > SIZE_MAX) {
		close(fd);
		return -1;
	}
	m->size = (size_t)st.st_size;
	m->map = mmap(NULL, m->size, PROT_READ, MAP_PRIVATE | MAP_POPULATE,
		      fd, 0);
	close(fd);
	if (m->map == MAP_FAILED) {
		m->map = NULL;
		return -1;
	}
	return 0;
}

/* Whether @n block @starts rise strictly, each below @len. */
static bool starts_ok(const uint32_t *starts, size_t n, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (starts[i] >= len || (i && starts[i] <= starts[i - 1]))
			return false;
	return true;
}

/* The index of the first of @n sorted @starts that is >= @at (or @n). */
static size_t first_at_or_after(const uint32_t *starts, size_t n, size_t at)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (starts[mid] < at)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Apply the mapped patch of @k to its base, when it is the base's: the
 * text in three pieces and the block starts of the whole. 0, or -1 when
 * the patch is the base's and not sound (then nothing kept is trusted).
 */
static int kept_patch(struct kept *k, uint64_t cookie)
{
	const struct reload_patch_head *ph = k->patch.map;
	const uint32_t *ps = (const uint32_t *)(ph + 1);
	size_t before, after, n_base = k->h->n_blocks, i, w = 0;
	const char *pt;
	uint32_t *s;

	if (memcmp(ph->magic, PATCH_MAGIC, sizeof(ph->magic)) ||
	    ph->cookie != cookie || ph->nonce != k->h->nonce) {
		unmap_kept(&k->patch);		/* another base's: not ours */
		return 0;
	}
	if (ph->a > ph->b || ph->b > k->h->text_len ||
	    ph->n_blocks > (k->patch.size - sizeof(*ph)) / sizeof(uint32_t) ||
	    ph->text_len != k->patch.size - sizeof(*ph) -
			    ph->n_blocks * sizeof(uint32_t) ||
	    k->h->text_len - (ph->b - ph->a) + ph->text_len > UINT32_MAX ||
	    !starts_ok(ps, ph->n_blocks, ph->text_len))
		return -1;
	pt = (const char *)(ps + ph->n_blocks);
	k->ph = ph;
	k->was = (struct reload_patch){ .a = ph->a, .b = ph->b,
					.len = ph->text_len, .any = true };
	k->text = (struct reload_text){
		.p = { k->text.p[0], pt, k->text.p[0] + ph->b },
		.n = { ph->a, ph->text_len, k->h->text_len - ph->b },
	};
	k->text.len = k->text.n[0] + k->text.n[1] + k->text.n[2];
	before = first_at_or_after(k->starts, n_base, ph->a);
	after = first_at_or_after(k->starts, n_base, ph->b);
	k->n_blocks = before + ph->n_blocks + (n_base - after);
	s = xcalloc(k->n_blocks + 1, sizeof(*s));
	for (i = 0; i < before; i++)
		s[w++] = k->starts[i];
	for (i = 0; i < ph->n_blocks; i++)
		s[w++] = (uint32_t)(ps[i] + ph->a);
	for (i = after; i < n_base; i++)
		s[w++] = (uint32_t)(k->starts[i] - ph->b + ph->a + ph->text_len);
	k->own_starts = s;
	k->starts = s;
	k->config_gen = ph->config_gen;
	return starts_ok(s, k->n_blocks, k->text.len) ? 0 : -1;
}

/* Map and validate what the last load of namespace @cookie kept: 0 or -1. */
static int kept_open(uint64_t cookie, struct kept *k)
{
	const struct reload_head *h;
	char *path;
	int err;

	memset(k, 0, sizeof(*k));
	if (!private_dir(RELOAD_DIR))
		return -1;
	path = kept_path(cookie, "");
	err = map_kept(path, sizeof(*h), &k->base);
	free(path);
	if (err)
		return -1;
	h = k->base.map;
	k->h = h;
	k->starts = (const uint32_t *)(h + 1);
	k->n_blocks = h->n_blocks;
	k->config_gen = h->config_gen;
	if (memcmp(h->magic, RELOAD_MAGIC, sizeof(h->magic)) ||
	    h->cookie != cookie || !memchr(h->host, '\0', sizeof(h->host)) ||
	    h->n_blocks > (k->base.size - sizeof(*h)) / sizeof(uint32_t) ||
	    h->text_len != k->base.size - sizeof(*h) -
			   h->n_blocks * sizeof(uint32_t) ||
	    !starts_ok(k->starts, h->n_blocks, h->text_len))
		goto bad;
	k->text = (struct reload_text){
		.p = { (const char *)(k->starts + h->n_blocks) },
		.n = { h->text_len }, .len = h->text_len,
	};
	path = kept_path(cookie, ".patch");
	err = map_kept(path, sizeof(*k->ph), &k->patch);
	free(path);
	if (!err && kept_patch(k, cookie))
		goto bad;
	return 0;
bad:
	kept_close(k);
	return -1;
}

void reload_forget(uint64_t cookie)
{
	char *path = kept_path(cookie, ""), *patch = kept_path(cookie, ".patch");

	unlink(path);
	unlink(patch);
	free(path);
	free(patch);
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Write @n pieces (@bufs, @lens) as file @path of what is kept: to a new
 * file, renamed over it (a reader's mapping keeps what it had). 0 or -1.
 */
static int write_kept(const char *path, const void *const *bufs,
		      const size_t *lens, int n)
{
	char *tmp = xasprintf("%s.XXXXXX", path);
	int fd, err = 0, i;

	fd = mkstemp(tmp);			/* mode 0600 */
	if (fd < 0) {
		free(tmp);
		return -1;
	}
	for (i = 0; i < n && !err; i++)
		err = write_all(fd, bufs[i], lens[i]);
	err = close(fd) || err;
	if (err || rename(tmp, path)) {
		unlink(tmp);
		err = -1;
	}
	free(tmp);
	return err;
}

/* Whether what is kept may be written (and its directory is there). */
static bool may_keep(void)
{
	if (!initial_userns())
		return false;
	mkdir(RELOAD_PARENT, 0755);
	mkdir(RELOAD_DIR, 0700);
	return private_dir(RELOAD_DIR);
}

void reload_remember(uint64_t cookie, uint32_t config_gen, const char *host,
		     const char *text, size_t len, const uint32_t *starts,
		     size_t n_blocks)
{
	struct reload_head h;
	char *path, *patch;

	reload_forget(cookie);
	if (len > UINT32_MAX || n_blocks > UINT32_MAX ||
	    strlen(host) >= sizeof(h.host) || !may_keep())
		return;
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, RELOAD_MAGIC, sizeof(h.magic));
	h.cookie = cookie;
	h.config_gen = config_gen;
	h.n_blocks = (uint32_t)n_blocks;
	h.text_len = len;
	if (getrandom(&h.nonce, sizeof(h.nonce), 0) != sizeof(h.nonce))
		return;
	strcpy(h.host, host);
	path = kept_path(cookie, "");
	patch = kept_path(cookie, ".patch");
	write_kept(path, (const void *[]){ &h, starts, text },
		   (size_t[]){ sizeof(h), n_blocks * sizeof(*starts), len }, 3);
	unlink(patch);		/* (of no base now) */
	free(patch);
	free(path);
}

void reload_fold(const struct reload_patch *was,
		 const struct reload_region *rg, size_t n_old, size_t n_new,
		 struct reload_patch *out)
{
	size_t ks = rg->a, ke = rg->re_old, b = rg->re_old;

	/*
	 * In the old text, the new patch spans the old one and the region:
	 * [ks, ke). Before ks the old text is the base's; from ke on it is
	 * the base's from b; the new text's bytes for [ks, ke) are at ks.
	 */
	if (was->any) {
		if (was->a < ks)
			ks = was->a;
		if (was->a + was->len > ke)
			ke = was->a + was->len;
		b = ke - was->a - was->len + was->b;
	}
	*out = (struct reload_patch){ .a = ks, .b = b,
				      .len = ke + n_new - n_old - ks,
				      .any = true };
}

/*
 * Keep the new text @new (@n_new bytes, its block @starts) after a reload
 * that changed region @rg of what @k kept, at @config_gen: as a patch of
 * @k's base, or a new base when the patch would be large.
 */
static void keep_change(const struct kept *k, const struct reload_req *r,
			uint32_t config_gen, const struct reload_region *rg,
			const char *new, size_t n_new, const uint32_t *starts,
			size_t n_blocks)
{
	struct reload_patch_head ph;
	struct reload_patch np;
	size_t i, j, w;
	uint32_t *ps;
	char *path;

	reload_fold(&k->was, rg, k->text.len, n_new, &np);
	if (np.len > RELOAD_PATCH_MAX || np.len > n_new / 16 || !may_keep()) {
		reload_remember(r->cookie, config_gen, r->host, new, n_new,
				starts, n_blocks);
		return;
	}
	i = first_at_or_after(starts, n_blocks, np.a);
	j = first_at_or_after(starts, n_blocks, np.a + np.len);
	memset(&ph, 0, sizeof(ph));
	memcpy(ph.magic, PATCH_MAGIC, sizeof(ph.magic));
	ph.cookie = r->cookie;
	ph.nonce = k->h->nonce;
	ph.a = np.a;
	ph.b = np.b;
	ph.text_len = np.len;
	ph.config_gen = config_gen;
	ph.n_blocks = (uint32_t)(j - i);
	ps = xcalloc(j - i + 1, sizeof(*ps));
	for (w = 0; w < j - i; w++)
		ps[w] = (uint32_t)(starts[i + w] - np.a);
	path = kept_path(r->cookie, ".patch");
	if (write_kept(path, (const void *[]){ &ph, ps, new + np.a },
		       (size_t[]){ sizeof(ph), (j - i) * sizeof(*ps), np.len },
		       3))
		reload_forget(r->cookie);	/* the base alone is stale */
	free(path);
	free(ps);
}

int file_id_get(const char *path, struct file_id *id)
{
	struct stat st;

	memset(id, 0, sizeof(*id));
	if (stat(path, &st) || !S_ISREG(st.st_mode))
		return -1;
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	id->size = st.st_size;
	id->mtime = st.st_mtim;
	id->ctime = st.st_ctim;
	return 0;
}

bool file_id_still(const char *path, const struct file_id *id)
{
	struct file_id now;

	return !file_id_get(path, &now) && now.dev == id->dev &&
	       now.ino == id->ino && now.size == id->size &&
	       now.mtime.tv_sec == id->mtime.tv_sec &&
	       now.mtime.tv_nsec == id->mtime.tv_nsec &&
	       now.ctime.tv_sec == id->ctime.tv_sec &&
	       now.ctime.tv_nsec == id->ctime.tv_nsec;
}

/* The length of the common prefix of @a and @b (@n bytes each). */
static size_t common_prefix(const char *a, const char *b, size_t n)
{
	size_t i = 0;

	while (i + 4096 <= n && !memcmp(a + i, b + i, 4096))
		i += 4096;
	while (i < n && a[i] == b[i])
		i++;
	return i;
}

/* The length of the common suffix of @a and @b, at most @n bytes. */
static size_t common_suffix(const char *a, size_t la, const char *b,
			    size_t lb, size_t n)
{
	size_t i = 0;

	while (i + 4096 <= n && !memcmp(a + la - i - 4096, b + lb - i - 4096, 4096))
		i += 4096;
	while (i < n && a[la - i - 1] == b[lb - i - 1])
		i++;
	return i;
}

/* The length of the common prefix of @o and @b, at most @n bytes. */
static size_t text_prefix(const struct reload_text *o, const char *b,
			  size_t n)
{
	size_t at = 0, m, k;
	int i;

	for (i = 0; i < 3 && at < n; i++) {
		m = o->n[i] < n - at ? o->n[i] : n - at;
		k = common_prefix(o->p[i], b + at, m);
		at += k;
		if (k < m)
			break;
	}
	return at;
}

/* The length of the common suffix of @o and @b (@lb bytes), at most @n. */
static size_t text_suffix(const struct reload_text *o, const char *b,
			  size_t lb, size_t n)
{
	size_t done = 0, m, k;
	int i;

	for (i = 2; i >= 0 && done < n; i--) {
		m = o->n[i] < n - done ? o->n[i] : n - done;
		k = common_suffix(o->p[i], o->n[i], b, lb - done, m);
		done += k;
		if (k < m)
			break;
	}
	return done;
}

/* A copy of [@x, @y) of @o, NUL-terminated. */
static char *text_copy(const struct reload_text *o, size_t x, size_t y)
{
	char *c = xcalloc(y - x + 1, 1);
	size_t at = 0, w = 0, lo, hi;
	int i;

	for (i = 0; i < 3; at += o->n[i], i++) {
		lo = x > at ? x - at : 0;
		hi = y - at < o->n[i] ? y - at : o->n[i];
		if (y <= at)
			break;
		if (lo >= hi)
			continue;
		memcpy(c + w, o->p[i] + lo, hi - lo);
		w += hi - lo;
	}
	return c;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Whether the update @cur (the changed blocks as they are now) gives what a
 * full load would, against @was (the same blocks as they were) and @loaded
 * (what the kernel holds that the update names): no object removed, no VM
 * left without the VIF that made it exist, no added object whose name the
 * rest of the file has.
 */
static bool same_as_full(const struct np_config *was, struct np_config *cur,
			 const struct np_config *loaded)
{
	const char **vms = xcalloc(cur->n_vifs + 1, sizeof(*vms));
	size_t i, n = 0;
	bool ok = true;
	int k;

	for (k = 0; k < OBJ_COUNT && ok; k++)
		for (i = 0; i < config_count(was, k) && ok; i++)
			ok = config_find(cur, k, config_obj(was, k, i)->name);
	/* a VM named only by VIFs exists while one of them does */
	for (i = 0; i < cur->n_vifs; i++)
		if (cur->vifs[i].vm)
			vms[n++] = cur->vifs[i].vm;
	qsort(vms, n, sizeof(*vms), cmp_str);
	for (i = 0; i < was->n_vifs && ok; i++)
		ok = !was->vifs[i].vm || config_vm(cur, was->vifs[i].vm) ||
		     bsearch(&was->vifs[i].vm, vms, n, sizeof(*vms), cmp_str);
	free(vms);
	/* an added object would be defined twice in the file */
	for (k = 0; k < OBJ_COUNT && ok; k++)
		for (i = 0; i < config_count(cur, k) && ok; i++) {
			const char *name = config_obj(cur, k, i)->name;

			ok = config_find(was, k, name) || !config_find(loaded, k, name);
		}
	return ok;
}

/*
 * The block starts of the new text: @k's before @a, those of the region
 * (@cur's, from @a), @k's from @re_old on moved by the change of length.
 */
static uint32_t *new_starts(const struct kept *k, size_t a, size_t re_old,
			    const struct np_config *cur, size_t n_new,
			    size_t *n)
{
	size_t before = first_at_or_after(k->starts, k->n_blocks, a);
	size_t after = first_at_or_after(k->starts, k->n_blocks, re_old);
	size_t i, w = 0;
	uint32_t *s;

	*n = before + cur->n_blocks + (k->n_blocks - after);
	s = xcalloc(*n + 1, sizeof(*s));
	for (i = 0; i < before; i++)
		s[w++] = k->starts[i];
	for (i = 0; i < cur->n_blocks; i++)
		s[w++] = (uint32_t)(cur->block_starts[i] + a);
	for (i = after; i < k->n_blocks; i++)
		s[w++] = (uint32_t)(k->starts[i] + n_new - k->text.len);
	return s;
}

int reload_region(const struct reload_text *old, const uint32_t *starts,
		  size_t n_blocks, const char *new, size_t n_new,
		  struct reload_region *rg)
{
	size_t n_old = old->len, min = n_old < n_new ? n_old : n_new;
	size_t p, s, e_old, i;

	/*
	 * Every difference is in [p, n - s) of either text; the region of
	 * whole blocks around it is [a, re_old) of the old text, [a, re_new)
	 * of the new one (what follows is the same text in both).
	 */
	p = text_prefix(old, new, min);
	s = text_suffix(old, new, n_new, min - p);
	i = first_at_or_after(starts, n_blocks, p + 1);
	rg->a = i ? starts[i - 1] : 0;
	e_old = n_old - s;
	i = first_at_or_after(starts, n_blocks, e_old);
	rg->re_old = i < n_blocks ? starts[i] : n_old;
	if (p == n_old && n_old == n_new)
		rg->a = rg->re_old = n_old;	/* the same text: nothing */
	rg->re_new = rg->re_old + n_new - n_old;
	/*
	 * The lexer must be between blocks where the region ends in the new
	 * text too: after a newline (no comment, word or string runs on).
	 */
	return rg->re_new > rg->a && rg->re_new < n_new &&
	       new[rg->re_new - 1] != '\n' ? -1 : 0;
}

int reload_try(struct np_ipc *ipc, const struct reload_req *r)
{
	struct np_config was, cur, loaded;
	struct np_diags d = { 0 };
	size_t a, re_old, re_new, n_old, n_new, n_starts;
	struct reload_region rg;
	char *old = NULL;
	const char *new;
	uint32_t *starts;
	struct file_id id;
	struct np_text t;
	struct kept k;
	int rc = 1, err;

	memset(&was, 0, sizeof(was));
	memset(&cur, 0, sizeof(cur));
	memset(&loaded, 0, sizeof(loaded));
	if (kept_open(r->cookie, &k))
		return 1;
	if (k.config_gen != r->config_gen || strcmp(k.h->host, r->host) ||
	    file_id_get(r->file, &id) || map_text(r->file, &t)) {
		kept_close(&k);
		return 1;
	}
	n_old = k.text.len;
	new = t.buf;
	n_new = t.len;
	if (reload_region(&k.text, k.starts, k.n_blocks, new, n_new, &rg))
		goto out;
	a = rg.a;
	re_old = rg.re_old;
	re_new = rg.re_new;
	old = text_copy(&k.text, a, re_old);	/* (it may span pieces) */
	if (config_parse_packed(r->file, old, re_old - a, &was, &d) ||
	    config_parse_packed(r->file, new + a, re_new - a, &cur, &d) ||
	    d.count || was.n_pool || cur.n_pool)
		goto out;
	config_sort(&was);
	config_sort(&cur);
	if (ipc_get_for(ipc, &cur, config_governs_more(&cur, &was), &loaded))
		goto out;
	config_drop_toolstack(&loaded);
	if (!same_as_full(&was, &cur, &loaded))
		goto out;
	config_check_update(&cur, &loaded, &d);
	if (d.count)
		goto out;
	err = ipc_load(ipc, &(struct np_load){ .cfg = &cur, .update = true,
					       .if_config = true,
					       .config_gen = r->config_gen,
					       .quiet = true, .host = r->host });
	if (err)
		goto out;			/* the full load says why */
	rc = 0;
	if (!file_id_still(r->file, &id)) {
		reload_forget(r->cookie);
	} else if (a != n_old || n_old != n_new) {
		/* (the same text: what is kept still holds) */
		starts = new_starts(&k, a, re_old, &cur, n_new, &n_starts);
		keep_change(&k, r, r->config_gen + !!config_total(&cur), &rg,
			    new, n_new, starts, n_starts);
		free(starts);
	}
	if (r->log)
		fprintf(r->log, "loaded the changes to %s: %zu polic%s, %zu network%s, %zu vm%s, %zu vif%s, %zu nic%s replaced or added (host %s)\n",
			r->file, cur.n_policies, cur.n_policies == 1 ? "y" : "ies",
			cur.n_nets, cur.n_nets == 1 ? "" : "s",
			cur.n_vms, cur.n_vms == 1 ? "" : "s",
			cur.n_vifs, cur.n_vifs == 1 ? "" : "s",
			cur.n_nics, cur.n_nics == 1 ? "" : "s", r->host);
out:
	diags_free(&d);
	config_free(&was);
	config_free(&cur);
	config_free(&loaded);
	free(old);
	text_release(&t);
	kept_close(&k);
	return rc;
}
