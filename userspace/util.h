/* SPDX-License-Identifier: GPL-2.0 */
/*
 * npmgr: small helpers (util.c): allocation that never returns NULL,
 * diagnostics that name file:line:col and quote the line, reading files,
 * MAC addresses and UUIDs.
 */
#ifndef NPMGR_UTIL_H
#define NPMGR_UTIL_H

#define NPMGR_VERSION "0.1"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IFNAMSIZ_NP 16

/*
 * A position in a policy text: its byte offset + 1; 0: none. Four bytes,
 * not a line and a column: the objects of a 100,000-VIF file hold 700,000
 * of them. The diagnostics (np_diags, which know the text) turn it into a
 * line and a column. A text is less than 4 GiB (config_parse()).
 */
struct np_pos {
	uint32_t at;
};

/* The largest text a position can point into (its end included) */
#define NP_TEXT_MAX	(UINT32_MAX - 1)

/* The position @off bytes into the text. */
static inline struct np_pos np_pos_at(size_t off)
{
	return (struct np_pos){ .at = (uint32_t)off + 1 };
}

/* Diagnostics: "file:line:col: error: message" plus the source line. */
struct np_diag_ent {
	struct np_pos pos;
	size_t start, len;		/* its text in np_diags.text */
};

/*
 * One file of several read as one text (the policy files of a directory):
 * its name and the line of the text where it starts.
 */
struct np_src_part {
	char *file;
	int first_line;
};

struct np_diags {
	char *text;			/* all messages, newline separated */
	size_t len, cap;
	int count;
	struct np_diag_ent *ents;	/* one per message, in order added */
	const char *file;
	const char *buf;		/* the source, to quote lines */
	size_t buf_len;
	/* where each line of buf starts (made when first needed) */
	uint32_t *lines;
	size_t n_lines;
	const char *lines_of;		/* the buf they are of, */
	size_t lines_len;		/* and its length */
	/* the source is these files one after the other (owned; or none) */
	struct np_src_part *parts;
	size_t n_parts;
};

void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
void *xpush_grow(void **arr, size_t n, size_t size);

/*
 * A zeroed element of @size bytes appended to the array @arr of @n; grows
 * it (exits if memory is exhausted). Room for 4 at first (a VM's tags, a
 * policy's selectors: one allocation for most), then doubled when 4, 8,
 * 16, ... are full. Inline: a parser appends a few hundred thousand
 * times, and a constant @size makes the zeroing a store or two.
 */
static inline void *xpush(void **arr, size_t *n, size_t size)
{
	char *at;

	if (!*n || (*n >= 4 && !(*n & (*n - 1))))
		xpush_grow(arr, *n, size);
	at = (char *)*arr + *n * size;
	__builtin_memset(at, 0, size);
	(*n)++;
	return at;
}
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* A formatted string; like the others, exits if memory is exhausted. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
/*
 * Where @pos is, for a message about another place: "line 4", or "line 4
 * of FILE" when @d's text is several files. Free it.
 */
char *diag_where(struct np_diags *d, struct np_pos pos);
void diag_add(struct np_diags *d, struct np_pos pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void diags_free(struct np_diags *d);
void diags_sort(struct np_diags *d);	/* by position in the file */
int read_file(const char *path, char **buf, size_t *len);

/* A file's text: read (malloc()ed) or mapped; text_release() it. */
struct np_text {
	char *buf;
	size_t len;
	bool mapped;
};

/*
 * Map the regular file @path read-only into @t, for a command that reads
 * it once and exits: 0, -ESPIPE when it is not one that can be mapped
 * (stdin, an empty or special file, a file system without mmap: read it
 * instead), -EISDIR, or another -errno. While it is mapped, a SIGBUS (the
 * file truncated under npmgr) ends the process with a message.
 */
int map_text(const char *path, struct np_text *t);
void text_release(struct np_text *t);
/*
 * The files DIR/ *.policy in name order as one text, each ending with a
 * newline, and where each starts (for np_diags.parts): 0, or -errno (and
 * -ENOENT if there is none).
 */
int read_policy_dir(const char *dir, char **buf, size_t *len,
		    struct np_src_part **parts, size_t *n_parts);
bool parse_mac(const char *s, uint8_t mac[6]);
bool parse_uuid(const char *s, uint8_t uuid[16]);
void format_mac(const uint8_t mac[6], char out[18]);
void format_uuid(const uint8_t uuid[16], char out[37]);
bool glob_valid(const char *pattern);

/* Whether an interface name is a glob (holds '*' or '?'). */
static inline bool has_wildcard(const char *s)
{
	for (; *s; s++)
		if (*s == '*' || *s == '?')
			return true;
	return false;
}
/* The monotonic clock in milliseconds, for deadlines; a sleep of @ms. */
int64_t mono_ms(void);
void sleep_ms(long ms);

#endif
