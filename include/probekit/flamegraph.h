/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef PROBEKIT_FLAMEGRAPH_H
#define PROBEKIT_FLAMEGRAPH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Flame graphs: stacks with counts merged into a tree, written as a
 * self-contained interactive SVG (a <rect> and a <title> per frame, click
 * to zoom, Ctrl-F or "Search" to highlight; no external resources), or
 * read from and written as folded text, the input of every flame-graph
 * tool: one "outer;inner;leaf COUNT" line per stack.
 *
 *	struct pk_flamegraph *fg = pk_flamegraph__new();
 *	const char *frames[] = { "main", "alloc_a", "malloc" };
 *	pk_flamegraph__add(fg, frames, 3, 40960);
 *	pk_flamegraph__write_svg(fg, f, NULL);
 *	pk_flamegraph__free(fg);
 *
 * Frame names are untrusted bytes: the SVG shows control characters and
 * invalid UTF-8 escaped (as pk_escape_text() does) and XML-escapes the rest.
 */
struct pk_flamegraph;

struct pk_flamegraph *pk_flamegraph__new(void);
void pk_flamegraph__free(struct pk_flamegraph *fg);
/* The reason of the last failure, "" when there was none. */
const char *pk_flamegraph__error(const struct pk_flamegraph *fg);

/* Stacks deeper than this keep their outermost frames only. */
#define PK_FLAMEGRAPH_MAX_DEPTH 1024

/*
 * Adds @count to the stack @frames[0..@nr), outermost frame first (a
 * frame may be "" but not NULL). The same stack added twice adds up.
 * Returns 0, or -ENOMEM, or -EOVERFLOW when a total would pass UINT64_MAX.
 */
int pk_flamegraph__add(struct pk_flamegraph *fg, const char *const *frames, size_t nr,
		       uint64_t count);
/*
 * Adds every line of folded text: "frame;frame;frame COUNT", the count
 * after the last space. Empty lines are skipped. Returns the number of
 * stacks added, or a negative errno with the reason (naming the line) in
 * pk_flamegraph__error(): -EINVAL for a line with no count.
 */
int pk_flamegraph__add_folded(struct pk_flamegraph *fg, const char *text, size_t len);

/*
 * Writes every distinct stack once, as a folded line "frame;frame COUNT"
 * (equal stacks added apart are one line, their counts summed), in the
 * order of the graph (by frame name at each depth). Names are escaped as
 * pk_escape_text() does, a ';' in one becomes ':'. Returns the number of
 * lines, or a negative errno.
 */
int pk_flamegraph__write_folded(const struct pk_flamegraph *fg, FILE *f);

/* The sum of every stack's count. */
uint64_t pk_flamegraph__total(const struct pk_flamegraph *fg);

struct pk_flamegraph_opts {
	size_t sz;
	/* the heading; default "Flame Graph" */
	const char *title;
	/* what the counts are, shown in titles ("bytes"); default "samples" */
	const char *unit;
	/* the image width in pixels; default 1200 */
	unsigned int width;
	size_t : 0;
};
#define pk_flamegraph_opts__last_field width

/*
 * Writes the SVG: root frame ("all") at the bottom, children above their
 * parent, left to right in name order, each as wide as its share of the
 * total. Frames narrower than 0.1 pixel are left out, as flamegraph.pl
 * does. Returns 0 or a negative errno (-EIO when writing failed).
 */
int pk_flamegraph__write_svg(const struct pk_flamegraph *fg, FILE *f,
			     const struct pk_flamegraph_opts *opts);
/*
 * Writes pk_flamegraph__write_svg() to @path (created or truncated), what
 * the stack tools' --svg does at exit. On success @why says what was
 * written ("wrote the flame graph of 40960 bytes to a.svg"), on failure
 * why not; returns 0 or a negative errno.
 */
int pk_flamegraph__save(const struct pk_flamegraph *fg, const char *path,
			const struct pk_flamegraph_opts *opts, char *why, size_t why_size);
/*
 * Whether @path can be written (it is created if missing, not truncated),
 * checked before tracing starts rather than after: 0, or a negative errno
 * with the reason in @why.
 */
int pk_flamegraph_can_save(const char *path, char *why, size_t why_size);
/*
 * One folded line, flamegraph.pl's input: @frames outermost first, ';'
 * between, a space and @count last. Names are escaped (pk_escape_text()),
 * and a ';' inside one becomes ':', since it would split the frame.
 */
void pk_print_folded(FILE *out, const char *const *frames, size_t n, uint64_t count);
/* pk_flamegraph__save() without the reason. */
int pk_flamegraph__save_svg(const struct pk_flamegraph *fg, const char *path,
			    const struct pk_flamegraph_opts *opts);

#ifdef __cplusplus
}
#endif
#endif
