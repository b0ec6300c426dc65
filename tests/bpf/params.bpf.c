// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Parameters of every kind the parser knows, and some it must refuse. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "probekit.bpf.h"

typedef __u32 my_count_t;
enum pk_test_color { PK_RED, PK_GREEN = 5, PK_BLUE = 300 };

const volatile __u8 p_u8 = 200;
const volatile __s8 p_s8 = -5;
const volatile __u16 p_u16 = 65535;
const volatile __s16 p_s16 = -300;
const volatile __u32 p_u32 = 7;
const volatile int p_int = -42;
const volatile __u64 p_u64 = 0xffffffffffffffffULL;
const volatile __s64 p_s64 = -9223372036854775807LL - 1;
const volatile long p_long = 3;
const volatile unsigned char p_uchar = 65;
const volatile bool p_bool = true;
const volatile enum pk_test_color p_color = PK_GREEN;
const volatile char p_comm[8] = "init";
const volatile my_count_t p_typedef = 9;
const volatile struct pk_test_pair { int a, b; } p_struct = { 1, 2 };
const volatile int p_ints[2] = { 1, 2 };

SEC("raw_tp/sys_enter")
int use_params(void *ctx)
{
	return p_u8 + p_s8 + p_u16 + p_s16 + p_u32 + p_int + p_u64 + p_s64 + p_long + p_uchar +
	       p_bool + p_color + p_comm[0] + p_typedef + p_struct.a + p_ints[1] + pk_use_perfbuf;
}

char LICENSE[] SEC("license") = "GPL";
