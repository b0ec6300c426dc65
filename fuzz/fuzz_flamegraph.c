// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The folded-stack reader and the flame-graph SVG writer on any bytes. The
 * SVG must stay well-formed whatever the frame names hold: valid UTF-8, no
 * control characters but newlines, no markup inside a title or a label.
 */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <probekit/flamegraph.h>

static size_t utf8_seq(const unsigned char *s, size_t len)
{
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 && s[0] < 0xe0 ? 2 : 0;
	if (!n || n > len)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	}
	return n;
}

static void check_svg(const char *svg, size_t len)
{
	const unsigned char *s = (const unsigned char *)svg;
	size_t i = 0, n;
	const char *p;

	while (i < len) {
		assert(s[i] >= 0x20 || s[i] == '\n');
		n = utf8_seq(s + i, len - i);
		assert(n);
		i += n;
	}
	/* inside <title> and <text>, markup characters are always escaped */
	for (p = strstr(svg, "<title>"); p; p = strstr(p, "<title>")) {
		p += 7;
		assert(strcspn(p, "<>\"") == (size_t)(strstr(p, "</title>") - p));
	}
	assert(strstr(svg, "</svg>\n"));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pk_flamegraph *fg = pk_flamegraph__new();
	struct pk_flamegraph_opts opts = { .sz = sizeof(opts), .unit = "bytes" };
	char *frames[3], *svg = NULL;
	size_t svg_len = 0;
	FILE *f;

	if (!fg)
		return 0;
	if (pk_flamegraph__add_folded(fg, (const char *)data, size) < 0)
		assert(pk_flamegraph__error(fg)[0]);
	/* the same bytes as one stack of three frames, through the array API */
	frames[0] = strndup((const char *)data, size / 3);
	frames[1] = strndup((const char *)data + size / 3, size / 3);
	frames[2] = strndup((const char *)data + 2 * (size / 3), size - 2 * (size / 3));
	if (frames[0] && frames[1] && frames[2])
		pk_flamegraph__add(fg, (const char *const *)frames, 3, size + 1);
	f = open_memstream(&svg, &svg_len);
	if (f) {
		assert(pk_flamegraph__write_svg(fg, f, &opts) == 0);
		fclose(f);
		check_svg(svg, svg_len);
	}
	free(svg);
	/* folded out: one line a distinct stack, each "frames COUNT", no control bytes */
	svg = NULL;
	f = open_memstream(&svg, &svg_len);
	if (f) {
		int n = pk_flamegraph__write_folded(fg, f);
		size_t i, lines = 0;

		fclose(f);
		assert(n >= 0);
		for (i = 0; i < svg_len; i++) {
			assert((unsigned char)svg[i] >= 0x20 || svg[i] == '\n');
			lines += svg[i] == '\n';
		}
		assert(lines == (size_t)n);
	}
	free(svg);
	free(frames[0]);
	free(frames[1]);
	free(frames[2]);
	pk_flamegraph__free(fg);
	return 0;
}
