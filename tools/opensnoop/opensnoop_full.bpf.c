// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* opensnoop -F: the same programs, with the opener's directory in each event. */
#define OPENSNOOP_FULL_PATH 1
#include "opensnoop.bpf.c"
