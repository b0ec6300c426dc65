/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * User space of pk_printf() (bpf/probekit.bpf.h), a printf private to one
 * BPF object: its records arrive through the object's event buffer with
 * the program's own events, and are told apart and formatted here.
 *
 *	struct pk_printf *pf = pk_printf__new(obj);	(after load)
 *	...in the pk_events callback:
 *	n = pk_printf__format(pf, data, size, line, sizeof(line));
 *	if (n >= 0) puts(line); else if (n == -ENOMSG) my_event(data, size);
 *
 * The formats are read from the object alone: each call site's format is
 * a .rodata string named pk__fmt_<N>, found through the BTF DATASEC. A
 * record is recognized by the random cookie pk_events_configure() set in
 * the object before load (without that call, a fixed one). Records are
 * untrusted: sizes, counts, string slots and conversions are all checked.
 * Conversions: %d %i %u %x %X %o %c %p %s %% with the length modifiers
 * hh h l ll z j t, the flags "-0+ #", width and precision (both at most
 * 64, a '*' is not supported); anything else is copied as it stands.
 * The line is text for a terminal: control characters in %s strings, in
 * %c and in the format itself are escaped (pk_escape_text()), and one
 * trailing newline of the format is dropped.
 */
#ifndef PROBEKIT_PRINTF_H
#define PROBEKIT_PRINTF_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct bpf_object;
struct pk_printf;

/* After load. NULL with errno ENOENT when the object never calls pk_printf(). */
struct pk_printf *pk_printf__new(struct bpf_object *obj);
/*
 * If @data is a pk_printf record: formats the line (no newline) into @buf,
 * returns its length (as snprintf). -ENOMSG if it is not a pk_printf
 * record; -EINVAL if malformed (unknown format, sizes that do not add up).
 */
int pk_printf__format(struct pk_printf *p, const void *data, size_t size, char *buf, size_t bufsz);
/* Accepts NULL. */
void pk_printf__free(struct pk_printf *p);

#ifdef __cplusplus
}
#endif
#endif
