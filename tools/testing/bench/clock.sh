#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The benches' clock, sourced by each: bash's own $EPOCHREALTIME (bash 5,
# seconds since the epoch to the microsecond), read without starting a
# program: t0=$EPOCHREALTIME. Timing with `date` measured its start too:
# 45 to 75 ms in the test VM under QEMU TCG, in every interval, a quarter
# of a reload's time, and enough to move a ratio of two short runs.

LC_NUMERIC=C			# "1733480000.123456", whatever the locale

# ms_between T0 T1: the whole milliseconds from T0 to T1 (both have six
# decimals: without the point, they are microseconds)
ms_between() {
	echo $(((10#${2/./} - 10#${1/./}) / 1000))
}

# secs_between T0 T1: the seconds from T0 to T1, to the hundredth
secs_between() {
	local ms
	ms=$(ms_between "$1" "$2")
	printf '%d.%02d' $((ms / 1000)) $((ms % 1000 / 10))
}
