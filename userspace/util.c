// SPDX-License-Identifier: GPL-2.0
/* npmgr: small helpers: allocation, diagnostics, files, addresses. */

#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static void oom(void)
{
	fputs("npmgr: out of memory\n", stderr);
	exit(1);
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size ? size : 1);
	if (!p)
		oom();
	return p;
}

/*
 * Append a zeroed element to a growing array and return it. The capacity
 * is the next power of two of the count (an array must only grow through
 * here), so 100,000 elements cost 17 reallocations, not 100,000.
 */
void *xpush_grow(void **arr, size_t n, size_t size)
{
	*arr = xrealloc(*arr, (n ? 2 * n : 4) * size);
	return *arr;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xvasprintf(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		oom();
	return s;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (!p)
		oom();
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static void diag_append(struct np_diags *d, const char *s, size_t n)
{
	if (d->len + n + 1 > d->cap) {
		d->cap = (d->len + n + 1) * 2;
		d->text = xrealloc(d->text, d->cap);
	}
	memcpy(d->text + d->len, s, n);
	d->len += n;
	d->text[d->len] = '\0';
}

static void diag_printf(struct np_diags *d, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return;
	if (d->len + (size_t)n + 1 > d->cap) {
		d->cap = (d->len + n + 1) * 2;
		d->text = xrealloc(d->text, d->cap);
	}
	vsnprintf(d->text + d->len, n + 1, fmt, ap);
	d->len += n;
}

static void diag_fmt(struct np_diags *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_printf(d, fmt, ap);
	va_end(ap);
}

/*
 * Where each line of the text of @d starts: made once per text, when a
 * position is first turned into a line (a file with thousands of problems
 * is read once, not once per problem).
 */
static void diag_index_lines(struct np_diags *d)
{
	size_t i, n = 1;

	if (d->lines && d->lines_of == d->buf && d->lines_len == d->buf_len)
		return;
	for (i = 0; i < d->buf_len; i++)
		n += d->buf[i] == '\n';
	free(d->lines);
	d->lines = xcalloc(n, sizeof(*d->lines));
	d->n_lines = 0;
	d->lines[d->n_lines++] = 0;
	for (i = 0; i < d->buf_len; i++)
		if (d->buf[i] == '\n')
			d->lines[d->n_lines++] = (uint32_t)(i + 1);
	d->lines_of = d->buf;
	d->lines_len = d->buf_len;
}

/* The line (from 1) and column (from 1) of @pos; false: not known. */
static bool diag_line_col(struct np_diags *d, struct np_pos pos, int *line,
			  int *col)
{
	size_t lo = 0, hi, off = (size_t)pos.at - 1;

	if (!pos.at || !d->buf || off > d->buf_len)
		return false;
	diag_index_lines(d);
	/* the last line that starts at or before @off */
	hi = d->n_lines;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->lines[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	*line = (int)lo + 1;
	*col = (int)(off - d->lines[lo]) + 1;
	return true;
}

/*
 * The file of the line @line of the text of @d, and the line's number in
 * it: several files are read as one text (the policy files of a directory).
 */
static const char *diag_file_line(const struct np_diags *d, int line, int *at)
{
	size_t k;

	*at = line;
	for (k = d->n_parts; k-- > 0;) {
		if (line >= d->parts[k].first_line) {
			*at = line - d->parts[k].first_line + 1;
			return d->parts[k].file;
		}
	}
	return d->file ? d->file : "<input>";
}

char *diag_where(struct np_diags *d, struct np_pos pos)
{
	int line, col, at;
	const char *file;

	if (!diag_line_col(d, pos, &line, &col))
		return xstrdup("an unknown line");
	file = diag_file_line(d, line, &at);
	return d->n_parts ? xasprintf("line %d of %s", at, file) :
			    xasprintf("line %d", at);
}

/*
 * Add "file:line:col: error: message", then the source line and a caret
 * under the column (when the position is known and the source is at hand).
 */
void diag_add(struct np_diags *d, struct np_pos pos, const char *fmt, ...)
{
	int at = 0, line = 0, col = 0;
	size_t start = d->len;
	const char *file;
	va_list ap;

	d->ents = xrealloc(d->ents, (d->count + 1) * sizeof(*d->ents));
	d->ents[d->count].pos = pos;
	d->ents[d->count].start = start;
	d->ents[d->count].len = 0;
	d->count++;
	file = d->file ? d->file : "<input>";
	if (diag_line_col(d, pos, &line, &col))
		file = diag_file_line(d, line, &at);
	if (line)
		diag_fmt(d, "%s:%d:%d: error: ", file, at, col);
	else
		diag_fmt(d, "%s: error: ", file);
	va_start(ap, fmt);
	diag_printf(d, fmt, ap);
	va_end(ap);
	diag_append(d, "\n", 1);

	if (line) {
		const char *p = d->buf + d->lines[line - 1];
		const char *end = d->buf + d->buf_len, *eol;
		int i;

		if (p >= end)
			goto out;	/* end of file: no line to quote */
		eol = memchr(p, '\n', end - p);
		if (!eol)
			eol = end;
		diag_append(d, "  ", 2);
		for (const char *c = p; c < eol; c++)
			diag_append(d, (*c == '\t') ? " " :
				    (isprint((unsigned char)*c) ? c : "?"), 1);
		diag_append(d, "\n  ", 3);
		for (i = 1; i < col; i++)
			diag_append(d, " ", 1);
		diag_append(d, "^\n", 2);
	}
out:
	d->ents[d->count - 1].len = d->len - start;
}

static int cmp_ent(const void *a, const void *b)
{
	const struct np_diag_ent *x = a, *y = b;

	if (x->pos.at != y->pos.at)
		return x->pos.at < y->pos.at ? -1 : 1;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* Order the messages by file position (equal positions: as added). */
void diags_sort(struct np_diags *d)
{
	char *sorted;
	size_t off = 0;
	int i;

	if (d->count < 2)
		return;
	qsort(d->ents, d->count, sizeof(*d->ents), cmp_ent);
	sorted = xcalloc(d->len + 1, 1);
	for (i = 0; i < d->count; i++) {
		memcpy(sorted + off, d->text + d->ents[i].start, d->ents[i].len);
		d->ents[i].start = off;
		off += d->ents[i].len;
	}
	free(d->text);
	d->text = sorted;
	d->cap = d->len + 1;
}

void diags_free(struct np_diags *d)
{
	size_t i;

	for (i = 0; i < d->n_parts; i++)
		free(d->parts[i].file);
	free(d->parts);
	d->parts = NULL;
	d->n_parts = 0;
	free(d->text);
	free(d->ents);
	free(d->lines);
	d->text = NULL;
	d->ents = NULL;
	d->lines = NULL;
	d->n_lines = 0;
	d->lines_of = NULL;
	d->lines_len = 0;
	d->len = d->cap = 0;
	d->count = 0;
}

int read_file(const char *path, char **buf, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	size_t cap = 4096, n = 0, r;
	struct stat st;
	char *b;

	if (!f)
		return -errno;
	/* a regular file is read in one piece (a large one: no copies) */
	if (!fstat(fileno(f), &st) && S_ISREG(st.st_mode) && st.st_size > 0)
		cap = (size_t)st.st_size + 2;
	b = xrealloc(NULL, cap);
	while ((r = fread(b + n, 1, cap - n - 1, f)) > 0) {
		n += r;
		if (n + 1 >= cap) {
			cap *= 2;
			b = xrealloc(b, cap);
		}
	}
	if (ferror(f)) {
		int err = errno ? -errno : -EIO;

		if (f != stdin)
			fclose(f);
		free(b);
		return err;
	}
	if (f != stdin)
		fclose(f);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

/*
 * A file mapped by map_text() that shrinks under it (another process
 * truncating it while npmgr parses) raises SIGBUS at the first byte past
 * its new end: say so and exit, rather than die of a bare "Bus error".
 * npmgr parses and checks a file before it changes anything, so nothing
 * has changed then.
 */
static char *bus_msg;
static struct sigaction bus_saved;

static void on_sigbus(int sig)
{
	ssize_t n = write(STDERR_FILENO, bus_msg, strlen(bus_msg));

	(void)sig;
	(void)n;
	_exit(1);
}

int map_text(const char *path, struct np_text *t)
{
	struct sigaction sa = { .sa_handler = on_sigbus };
	struct stat st;
	void *map;
	int fd, err;

	memset(t, 0, sizeof(*t));
	if (!strcmp(path, "-"))
		return -ESPIPE;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		close(fd);
		return err;
	}
	if (S_ISDIR(st.st_mode) || !S_ISREG(st.st_mode) || !st.st_size ||
	    (uintmax_t)st.st_size > SIZE_MAX) {
		close(fd);
		return S_ISDIR(st.st_mode) ? -EISDIR : -ESPIPE;
	}
	/* the page cache's own pages: no copy, no zeroed pages to fill */
	map = mmap(NULL, (size_t)st.st_size, PROT_READ,
		   MAP_PRIVATE | MAP_POPULATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return -ESPIPE;		/* a file system that cannot: read it */
	free(bus_msg);
	bus_msg = xasprintf("npmgr: %s: the file shrank while npmgr read it\n",
			    path);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &bus_saved);
	t->buf = map;
	t->len = (size_t)st.st_size;
	t->mapped = true;
	return 0;
}

void text_release(struct np_text *t)
{
	if (t->mapped) {
		munmap(t->buf, t->len);
		sigaction(SIGBUS, &bus_saved, NULL);
		free(bus_msg);
		bus_msg = NULL;
	} else {
		free(t->buf);
	}
	memset(t, 0, sizeof(*t));
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

bool parse_mac(const char *s, uint8_t mac[6])
{
	int i;

	for (i = 0; i < 6; i++) {
		int hi = hexval(s[0]), lo = hi < 0 ? -1 : hexval(s[1]);

		if (hi < 0 || lo < 0)
			return false;
		mac[i] = (uint8_t)(hi << 4 | lo);
		s += 2;
		if (i < 5 && *s++ != ':')
			return false;
	}
	return *s == '\0';
}

bool parse_uuid(const char *s, uint8_t uuid[16])
{
	int i;

	for (i = 0; i < 16; i++) {
		int hi, lo;

		if (i == 4 || i == 6 || i == 8 || i == 10) {
			if (*s++ != '-')
				return false;
		}
		hi = hexval(s[0]);
		lo = hi < 0 ? -1 : hexval(s[1]);
		if (hi < 0 || lo < 0)
			return false;
		uuid[i] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	return *s == '\0';
}

void format_mac(const uint8_t mac[6], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

void format_uuid(const uint8_t u[16], char out[37])
{
	snprintf(out, 37,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
		 u[10], u[11], u[12], u[13], u[14], u[15]);
}

/* The kernel's rule (kernel/glob.c): what an interface name may hold. */
bool glob_valid(const char *p)
{
	size_t len;

	/* every VIF's name goes through here: no calls into libc */
	for (len = 0; p[len]; len++) {
		char c = p[len];

		if (len + 1 >= IFNAMSIZ_NP || c == '/' || c == ':' || c == ' ' ||
		    (c >= '\t' && c <= '\r'))	/* isspace() of the C locale */
			return false;
	}
	return len && !(p[0] == '.' && (!p[1] || (p[1] == '.' && !p[2])));
}

int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int policy_file(const struct dirent *e)
{
	size_t n = strlen(e->d_name);

	return e->d_name[0] != '.' && n > 7 && !strcmp(e->d_name + n - 7, ".policy");
}

int read_policy_dir(const char *dir, char **buf, size_t *len,
		    struct np_src_part **parts, size_t *n_parts)
{
	struct dirent **names;
	char *text = NULL, *one, *path;
	size_t tlen = 0, olen;
	int n, i, err = 0, line = 1;
	FILE *f;

	*parts = NULL;
	*n_parts = 0;
	n = scandir(dir, &names, policy_file, alphasort);
	if (n < 0)
		return -errno;
	f = open_memstream(&text, &tlen);
	if (!f) {
		fprintf(stderr, "npmgr: out of memory\n");
		exit(1);
	}
	for (i = 0; i < n; i++) {
		path = xasprintf("%s/%s", dir, names[i]->d_name);
		if (!err) {
			err = read_file(path, &one, &olen);
			if (err)
				fprintf(stderr, "npmgr: %s: %s\n", path, strerror(-err));
		}
		if (err) {
			free(path);
			continue;
		}
		*(struct np_src_part *)xpush((void **)parts, n_parts,
					     sizeof(**parts)) =
			(struct np_src_part){ path, line };
		fwrite(one, 1, olen, f);
		if (olen && one[olen - 1] != '\n') {
			fputc('\n', f);
			line++;
		}
		for (size_t c = 0; c < olen; c++)
			line += one[c] == '\n';
		free(one);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	fclose(f);
	if (!err && !*n_parts)
		err = -ENOENT;
	if (err) {
		for (size_t k = 0; k < *n_parts; k++)
			free((*parts)[k].file);
		free(*parts);
		*parts = NULL;
		*n_parts = 0;
		free(text);
		return err;
	}
	*buf = text;
	*len = tlen;
	return 0;
}
