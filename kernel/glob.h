/* SPDX-License-Identifier: GPL-2.0 */
/* Interface name globs: '*' and '?' (glob.c). */
#ifndef _NP_GLOB_H
#define _NP_GLOB_H

#include <linux/types.h>

bool np_glob_match(const char *pattern, const char *name);
unsigned int np_glob_prefix_len(const char *pattern);
bool np_glob_valid(const char *pattern);

#endif /* _NP_GLOB_H */
