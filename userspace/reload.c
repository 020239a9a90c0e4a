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
 * Documentation/incremental-design.rst has the design.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "ipc.h"
#include "reload.h"

#define RELOAD_MAGIC "npmgrld1"

/* The kept file: this head, n_blocks uint32_t block starts, the text. */
struct reload_head {
	char magic[8];
	uint64_t cookie;
	uint32_t config_gen;
	uint32_t n_blocks;
	uint64_t text_len;
	char host[NETPOLICY_NAME_MAX];
};

/* A kept file, mapped. */
struct kept {
	void *map;
	size_t size;
	const struct reload_head *h;
	const uint32_t *starts;
	const char *text;
};

static char *kept_path(uint64_t cookie)
{
	return xasprintf("%s/loaded-%016" PRIx64, RELOAD_DIR, cookie);
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

static void kept_close(struct kept *k)
{
	if (k->map)
		munmap(k->map, k->size);
	memset(k, 0, sizeof(*k));
}

/* Map and validate what the last load of namespace @cookie kept: 0 or -1. */
static int kept_open(uint64_t cookie, struct kept *k)
{
	char *path = kept_path(cookie);
	const struct reload_head *h;
	struct stat st;
	uint32_t i;
	int fd;

	memset(k, 0, sizeof(*k));
	fd = private_dir(RELOAD_DIR) ?
	     open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) : -1;
	free(path);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077) || (uintmax_t)st.st_size < sizeof(*h) ||
	    (uintmax_t)st.st_size > SIZE_MAX) {
		close(fd);
		return -1;
	}
	k->size = (size_t)st.st_size;
	k->map = mmap(NULL, k->size, PROT_READ, MAP_PRIVATE | MAP_POPULATE,
		      fd, 0);
	close(fd);
	if (k->map == MAP_FAILED) {
		k->map = NULL;
		return -1;
	}
	h = k->map;
	k->h = h;
	k->starts = (const uint32_t *)(h + 1);
	k->text = (const char *)(k->starts + h->n_blocks);
	if (memcmp(h->magic, RELOAD_MAGIC, sizeof(h->magic)) ||
	    h->cookie != cookie || !memchr(h->host, '\0', sizeof(h->host)) ||
	    h->n_blocks > (k->size - sizeof(*h)) / sizeof(uint32_t) ||
	    h->text_len != k->size - sizeof(*h) - h->n_blocks * sizeof(uint32_t))
		goto bad;
	for (i = 0; i < h->n_blocks; i++)
		if (k->starts[i] >= h->text_len ||
		    (i && k->starts[i] <= k->starts[i - 1]))
			goto bad;
	return 0;
bad:
	kept_close(k);
	return -1;
}

void reload_forget(uint64_t cookie)
{
	char *path = kept_path(cookie);

	unlink(path);
	free(path);
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

void reload_remember(uint64_t cookie, uint32_t config_gen, const char *host,
		     const char *text, size_t len, const uint32_t *starts,
		     size_t n_blocks)
{
	struct reload_head h;
	char *path, *tmp;
	int fd, err;

	reload_forget(cookie);
	if (len > UINT32_MAX || n_blocks > UINT32_MAX ||
	    strlen(host) >= sizeof(h.host) || !initial_userns())
		return;
	mkdir(RELOAD_PARENT, 0755);
	mkdir(RELOAD_DIR, 0700);
	if (!private_dir(RELOAD_DIR))
		return;
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, RELOAD_MAGIC, sizeof(h.magic));
	h.cookie = cookie;
	h.config_gen = config_gen;
	h.n_blocks = (uint32_t)n_blocks;
	h.text_len = len;
	strcpy(h.host, host);
	path = kept_path(cookie);
	tmp = xasprintf("%s.XXXXXX", path);
	fd = mkstemp(tmp);			/* mode 0600 */
	if (fd < 0)
		goto out;
	err = write_all(fd, &h, sizeof(h)) ||
	      write_all(fd, starts, n_blocks * sizeof(*starts)) ||
	      write_all(fd, text, len);
	err = close(fd) || err;
	/* (a file replaced whole: a reader's mapping keeps the old one) */
	if (err || rename(tmp, path))
		unlink(tmp);
out:
	free(tmp);
	free(path);
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
	size_t before = first_at_or_after(k->starts, k->h->n_blocks, a);
	size_t after = first_at_or_after(k->starts, k->h->n_blocks, re_old);
	size_t i, w = 0;
	uint32_t *s;

	*n = before + cur->n_blocks + (k->h->n_blocks - after);
	s = xcalloc(*n + 1, sizeof(*s));
	for (i = 0; i < before; i++)
		s[w++] = k->starts[i];
	for (i = 0; i < cur->n_blocks; i++)
		s[w++] = (uint32_t)(cur->block_starts[i] + a);
	for (i = after; i < k->h->n_blocks; i++)
		s[w++] = (uint32_t)(k->starts[i] + n_new - k->h->text_len);
	return s;
}

int reload_region(const char *old, size_t n_old, const uint32_t *starts,
		  size_t n_blocks, const char *new, size_t n_new,
		  struct reload_region *rg)
{
	size_t p, s, e_old, i, min = n_old < n_new ? n_old : n_new;

	/*
	 * Every difference is in [p, n - s) of either text; the region of
	 * whole blocks around it is [a, re_old) of the old text, [a, re_new)
	 * of the new one (what follows is the same text in both).
	 */
	p = common_prefix(old, new, min);
	s = common_suffix(old, n_old, new, n_new, min - p);
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
	const char *old, *new;
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
	if (k.h->config_gen != r->config_gen || strcmp(k.h->host, r->host) ||
	    file_id_get(r->file, &id) || map_text(r->file, &t)) {
		kept_close(&k);
		return 1;
	}
	old = k.text;
	n_old = k.h->text_len;
	new = t.buf;
	n_new = t.len;
	if (reload_region(old, n_old, k.starts, k.h->n_blocks, new, n_new, &rg))
		goto out;
	a = rg.a;
	re_old = rg.re_old;
	re_new = rg.re_new;
	if (config_parse_packed(r->file, old + a, re_old - a, &was, &d) ||
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
		reload_remember(r->cookie, r->config_gen + !!config_total(&cur),
				r->host, new, n_new, starts, n_starts);
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
	text_release(&t);
	kept_close(&k);
	return rc;
}
