/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The unit tests' one assertion: EXPECT(cond, printf-args) counts a pass
 * or prints where and why it failed; test_summary() prints the count line
 * `make check` adds up ("N passed, N failed") and gives the exit code.
 */
#ifndef NPMGR_TEST_EXPECT_H
#define NPMGR_TEST_EXPECT_H

#include <stdio.h>

static int passed, failed;

#define EXPECT(cond, ...)						\
	do {								\
		if (cond) {						\
			passed++;					\
		} else {						\
			failed++;					\
			printf("FAIL %s:%d: ", __FILE__, __LINE__);	\
			printf(__VA_ARGS__);				\
			putchar('\n');					\
		}							\
	} while (0)

static inline int test_summary(void)
{
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

#endif
