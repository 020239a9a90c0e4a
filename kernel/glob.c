// SPDX-License-Identifier: GPL-2.0
/*
 * Interface name globs: '*' matches any run of characters (also none), '?'
 * matches one character, every other character matches itself. There are no
 * character classes and no escapes: interface names cannot contain the
 * characters that would need them.
 */

#include <linux/ctype.h>
#include <linux/netdevice.h>
#include <linux/string.h>

#include "glob.h"

static bool is_wild(char c)
{
	return c == '*' || c == '?';
}

/**
 * np_glob_valid - can @pattern be an interface name or glob?
 * @pattern: NUL-terminated pattern
 *
 * Return: true if it is non-empty, shorter than IFNAMSIZ and holds only
 * characters an interface name may hold (plus the wildcards).
 */
bool np_glob_valid(const char *pattern)
{
	size_t len = strnlen(pattern, IFNAMSIZ);
	size_t i;

	if (!len || len >= IFNAMSIZ)
		return false;
	if (!strcmp(pattern, ".") || !strcmp(pattern, ".."))
		return false;
	for (i = 0; i < len; i++) {
		if (pattern[i] == '/' || pattern[i] == ':' ||
		    isspace(pattern[i]))
			return false;
	}
	return true;
}

/**
 * np_glob_prefix_len - length of the literal prefix of @pattern
 * @pattern: NUL-terminated pattern
 *
 * Return: the number of characters before the first wildcard (the whole
 * length if there is none).
 */
unsigned int np_glob_prefix_len(const char *pattern)
{
	unsigned int i;

	for (i = 0; pattern[i] && !is_wild(pattern[i]); i++)
		;
	return i;
}

/**
 * np_glob_match - does @name match @pattern?
 * @pattern: NUL-terminated glob
 * @name: NUL-terminated interface name
 *
 * Iterative: on a mismatch after a '*', the star absorbs one more character
 * and matching resumes. Linear in practice, O(len(pattern) * len(name)) at
 * worst, and both are shorter than IFNAMSIZ.
 *
 * Return: true on a match.
 */
bool np_glob_match(const char *pattern, const char *name)
{
	const char *star = NULL, *resume = NULL;

	while (*name) {
		if (*pattern == '*') {
			star = pattern++;
			resume = name;
		} else if (*pattern && (*pattern == '?' || *pattern == *name)) {
			pattern++;
			name++;
		} else if (star) {
			pattern = star + 1;
			name = ++resume;
		} else {
			return false;
		}
	}
	while (*pattern == '*')
		pattern++;
	return !*pattern;
}
