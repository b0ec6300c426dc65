// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Flame graphs: stacks merged into a tree of frames (siblings kept sorted
 * by name, so equal prefixes share nodes and the layout is stable), and
 * an SVG writer in the manner of flamegraph.pl, which Debian does not ship.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <probekit/flamegraph.h>
#include <probekit/output.h>

#include "print.h"

struct node {
	char *name;
	uint64_t count;
	/* indexes into fg->nodes, sorted by name */
	uint32_t *kids;
	uint32_t nr_kids, cap_kids;
};

struct pk_flamegraph {
	struct node *nodes; /* [0] is the root, "all" */
	uint32_t nr, cap;
	unsigned int max_depth;
	char error[128];
};

static __attribute__((format(printf, 2, 3))) void set_error(struct pk_flamegraph *fg,
							    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fg->error, sizeof(fg->error), fmt, ap);
	va_end(ap);
}

static int new_node(struct pk_flamegraph *fg, const char *name, size_t len, uint32_t *idx)
{
	struct node *grown;
	char *copy;

	if (fg->nr == fg->cap) {
		uint32_t cap = fg->cap ? fg->cap * 2 : 64;

		if (cap < fg->cap)
			return -ENOMEM;
		grown = realloc(fg->nodes, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		fg->nodes = grown;
		fg->cap = cap;
	}
	copy = strndup(name, len);
	if (!copy)
		return -ENOMEM;
	fg->nodes[fg->nr] = (struct node){ .name = copy };
	*idx = fg->nr++;
	return 0;
}

struct pk_flamegraph *pk_flamegraph__new(void)
{
	struct pk_flamegraph *fg = calloc(1, sizeof(*fg));
	uint32_t root;

	if (!fg)
		return NULL;
	if (new_node(fg, "all", 3, &root)) {
		free(fg);
		return NULL;
	}
	return fg;
}

void pk_flamegraph__free(struct pk_flamegraph *fg)
{
	uint32_t i;

	if (!fg)
		return;
	for (i = 0; i < fg->nr; i++) {
		free(fg->nodes[i].name);
		free(fg->nodes[i].kids);
	}
	free(fg->nodes);
	free(fg);
}

const char *pk_flamegraph__error(const struct pk_flamegraph *fg)
{
	return fg ? fg->error : "no flame graph";
}

uint64_t pk_flamegraph__total(const struct pk_flamegraph *fg)
{
	return fg ? fg->nodes[0].count : 0;
}

/* Folded text ----------------------------------------------------------------- */

struct folding {
	const struct pk_flamegraph *fg;
	FILE *f;
	/* the names from the root's child to the node */
	const char *path[PK_FLAMEGRAPH_MAX_DEPTH];
	int lines;
};

/* The stacks ending at node @idx (its count less its children's), then its children's. */
static void fold(struct folding *fo, uint32_t idx, size_t depth)
{
	const struct node *n = &fo->fg->nodes[idx];
	uint64_t self = n->count;
	uint32_t k;

	for (k = 0; k < n->nr_kids; k++)
		self -= fo->fg->nodes[n->kids[k]].count;
	if (self && depth) {
		pk_print_folded(fo->f, fo->path, depth, self);
		fo->lines++;
	}
	for (k = 0; k < n->nr_kids && depth < PK_FLAMEGRAPH_MAX_DEPTH; k++) {
		fo->path[depth] = fo->fg->nodes[n->kids[k]].name;
		fold(fo, n->kids[k], depth + 1);
	}
}

int pk_flamegraph__write_folded(const struct pk_flamegraph *fg, FILE *f)
{
	struct folding *fo;
	int n;

	if (!fg || !f)
		return -EINVAL;
	fo = calloc(1, sizeof(*fo));
	if (!fo)
		return -ENOMEM;
	fo->fg = fg;
	fo->f = f;
	fold(fo, 0, 0);
	n = fo->lines;
	free(fo);
	return n;
}

/* strcmp on (pointer, length) names: a name may hold any byte but NUL. */
static int name_cmp(const char *a, const char *b, size_t blen)
{
	int c = strncmp(a, b, blen);

	return c ? c : (unsigned char)a[blen];
}

/* The child of @parent named @name, made when missing. */
static int child(struct pk_flamegraph *fg, uint32_t parent, const char *name, size_t len,
		 uint32_t *out)
{
	struct node *p = &fg->nodes[parent];
	uint32_t lo = 0, hi = p->nr_kids, mid, idx, *grown;
	int c, err;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = name_cmp(fg->nodes[p->kids[mid]].name, name, len);
		if (!c) {
			*out = p->kids[mid];
			return 0;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (p->nr_kids == p->cap_kids) {
		uint32_t cap = p->cap_kids ? p->cap_kids * 2 : 4;

		grown = realloc(p->kids, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		p->kids = grown;
		p->cap_kids = cap;
	}
	err = new_node(fg, name, len, &idx);
	if (err)
		return err;
	p = &fg->nodes[parent]; /* new_node() may have moved it */
	memmove(p->kids + lo + 1, p->kids + lo, (p->nr_kids - lo) * sizeof(*p->kids));
	p->kids[lo] = idx;
	p->nr_kids++;
	*out = idx;
	return 0;
}

/* Where one frame of a stack is, as a (pointer, length) pair. */
typedef const char *(*frame_fn)(const void *arg, size_t i, size_t *len);

static int add_path(struct pk_flamegraph *fg, frame_fn frame, const void *arg, size_t nr,
		    uint64_t count)
{
	uint32_t at = 0;
	size_t i, len;
	int err;

	if (nr > PK_FLAMEGRAPH_MAX_DEPTH)
		nr = PK_FLAMEGRAPH_MAX_DEPTH;
	if (fg->nodes[0].count > UINT64_MAX - count) {
		set_error(fg, "the counts add up past 2^64");
		return -EOVERFLOW;
	}
	/* make the path first, so that a failure leaves every count as it was */
	for (i = 0; i < nr; i++) {
		const char *name = frame(arg, i, &len);

		err = child(fg, at, name, len, &at);
		if (err) {
			set_error(fg, "out of memory");
			return err;
		}
	}
	fg->nodes[0].count += count;
	for (at = 0, i = 0; i < nr; i++) {
		const char *name = frame(arg, i, &len);

		child(fg, at, name, len, &at); /* found: cannot fail */
		fg->nodes[at].count += count;
	}
	if (nr > fg->max_depth)
		fg->max_depth = nr;
	return 0;
}

static const char *array_frame(const void *arg, size_t i, size_t *len)
{
	const char *const *frames = arg;

	*len = strlen(frames[i]);
	return frames[i];
}

int pk_flamegraph__add(struct pk_flamegraph *fg, const char *const *frames, size_t nr,
		       uint64_t count)
{
	size_t i;

	if (!fg || (nr && !frames))
		return -EINVAL;
	for (i = 0; i < nr; i++) {
		if (!frames[i]) {
			set_error(fg, "frame %zu is NULL", i);
			return -EINVAL;
		}
	}
	fg->error[0] = '\0';
	return add_path(fg, array_frame, frames, nr, count);
}

/* One folded line's frames: ';'-separated, found again by index. */
struct folded {
	const char *s;
	size_t len;
	/* the last frame found, to find the next one without rescanning */
	size_t last_i, last_off;
};

static const char *folded_frame(const void *arg, size_t i, size_t *len)
{
	struct folded *f = (struct folded *)arg;
	size_t off = 0, k = 0, end;

	if (i >= f->last_i && f->last_i) {
		off = f->last_off;
		k = f->last_i;
	}
	for (; k < i; k++)
		off += strcspn(f->s + off, ";") + 1;
	end = off;
	while (end < f->len && f->s[end] != ';')
		end++;
	f->last_i = i;
	f->last_off = off;
	*len = end - off;
	return f->s + off;
}

static size_t count_frames(const char *s, size_t len)
{
	size_t i, n = 1;

	for (i = 0; i < len; i++)
		n += s[i] == ';';
	return n;
}

/* One line without its newline; NULs in it are taken as part of names. */
static int add_folded_line(struct pk_flamegraph *fg, char *line, size_t len, size_t lineno)
{
	struct folded f = { .s = line };
	uint64_t count = 0;
	size_t sp, i;

	while (len && (line[len - 1] == ' ' || line[len - 1] == '\r' || line[len - 1] == '\t'))
		len--;
	for (sp = len; sp && line[sp - 1] != ' '; sp--)
		;
	if (!sp || sp == len) {
		set_error(fg, "line %zu: no \"frame;frame COUNT\"", lineno);
		return -EINVAL;
	}
	for (i = sp; i < len; i++) {
		unsigned int d = (unsigned char)line[i] - '0';

		if (d > 9 || count > (UINT64_MAX - d) / 10) {
			set_error(fg, "line %zu: the count is not a number below 2^64", lineno);
			return -EINVAL;
		}
		count = count * 10 + d;
	}
	f.len = sp - 1;
	/* strcspn() in folded_frame() must stop at the line's end */
	line[f.len] = '\0';
	for (i = 0; i < f.len; i++) {
		if (!line[i])
			line[i] = '?';
	}
	return add_path(fg, folded_frame, &f, count_frames(line, f.len), count);
}

int pk_flamegraph__add_folded(struct pk_flamegraph *fg, const char *text, size_t len)
{
	size_t start = 0, end, lineno = 0;
	int added = 0, err;
	char *copy;

	if (!fg || (len && !text))
		return -EINVAL;
	fg->error[0] = '\0';
	copy = malloc(len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, text, len);
	copy[len] = '\0';
	for (; start < len; start = end + 1) {
		end = start;
		while (end < len && copy[end] != '\n')
			end++;
		lineno++;
		if (end == start || (end == start + 1 && copy[start] == '\r'))
			continue;
		err = add_folded_line(fg, copy + start, end - start, lineno);
		if (err) {
			free(copy);
			return err;
		}
		added++;
	}
	free(copy);
	return added;
}

/* SVG ---------------------------------------------------------------------- */

#define FRAME_H 16
#define PAD 10
#define TOP 36
#define BOTTOM 28
#define FONT 12
/* an average glyph of the font, as a fraction of its size (flamegraph.pl's) */
#define CHAR_W 0.59

struct svg {
	FILE *f;
	const struct pk_flamegraph *fg;
	const char *unit;
	double scale;
	unsigned int width, height;
	/* the escaped name of the frame being written */
	char *buf;
	size_t buf_size;
};

/* XML-escapes @s (valid UTF-8 without control characters by now). */
static void put_xml(FILE *f, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		switch (s[i]) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		default: fputc(s[i], f);
		}
	}
}

/* @s made safe for XML text: terminal escapes first, then XML's own. */
static int escape_into(struct svg *s, const char *name)
{
	size_t need = pk_escape_text(NULL, 0, name, strlen(name)) + 1;
	char *grown;

	if (need > s->buf_size) {
		grown = realloc(s->buf, need);
		if (!grown)
			return -ENOMEM;
		s->buf = grown;
		s->buf_size = need;
	}
	pk_escape_text(s->buf, s->buf_size, name, strlen(name));
	return 0;
}

/* How many bytes of UTF-8 @s make at most @chars characters. */
static size_t utf8_prefix(const char *s, size_t chars)
{
	size_t i = 0;

	while (s[i] && chars) {
		i++;
		while ((s[i] & 0xc0) == 0x80)
			i++;
		chars--;
	}
	return i;
}

static size_t utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += (*s & 0xc0) != 0x80;
	return n;
}

/* A warm colour from the name, stable across runs. */
static void color(const char *name, unsigned int *r, unsigned int *g, unsigned int *b)
{
	uint32_t h = 2166136261u;

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	*r = 205 + (h & 0xff) * 50 / 255;
	*g = ((h >> 8) & 0xff) * 230 / 255;
	*b = ((h >> 16) & 0xff) * 55 / 255;
}

static void write_label(struct svg *s, double x, double y, double w)
{
	size_t fit = w > 6 ? (size_t)((w - 6) / (FONT * CHAR_W)) : 0, n = utf8_chars(s->buf);

	fprintf(s->f, "<text x=\"%.2f\" y=\"%.2f\">", x + 3, y + FRAME_H - 5);
	if (n <= fit)
		put_xml(s->f, s->buf, strlen(s->buf));
	else if (fit >= 3) {
		put_xml(s->f, s->buf, utf8_prefix(s->buf, fit - 2));
		fputs("..", s->f);
	}
	fputs("</text>", s->f);
}

static int write_frame(struct svg *s, uint32_t idx, uint64_t start, unsigned int depth)
{
	const struct node *n = &s->fg->nodes[idx];
	double x = PAD + start * s->scale, w = n->count * s->scale;
	double y = s->height - BOTTOM - (depth + 1) * FRAME_H;
	double pct = 100.0 * n->count / s->fg->nodes[0].count;
	unsigned int r, g, b, i;
	uint64_t at = start;
	int err;

	if (w < 0.1)
		return 0;
	err = escape_into(s, n->name);
	if (err)
		return err;
	color(n->name, &r, &g, &b);
	fputs("<g class=\"f\"><title>", s->f);
	put_xml(s->f, s->buf, strlen(s->buf));
	fprintf(s->f, " (%" PRIu64 " ", n->count);
	put_xml(s->f, s->unit, strlen(s->unit));
	fprintf(s->f, ", %.2f%%)</title><rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%d\" "
		      "fill=\"rgb(%u,%u,%u)\" rx=\"2\"/>",
		pct, x, y, w, FRAME_H - 1, r, g, b);
	write_label(s, x, y, w);
	fputs("</g>\n", s->f);
	for (i = 0; i < n->nr_kids; i++) {
		err = write_frame(s, n->kids[i], at, depth + 1);
		if (err)
			return err;
		at += s->fg->nodes[n->kids[i]].count;
	}
	return 0;
}

/*
 * Click: frame g fills the width; every frame is moved by the same
 * affine map, and what falls outside is hidden (ancestors are clamped to
 * the full width). Labels are cut again for their new widths.
 */
static const char script[] =
	"var W=%u,P=%d,F=%d,C=%g,fs=[],det,mat;\n"
	"function fit(g,w){var n=Math.floor((w-6)/(F*C)),s=g.nm;\n"
	" g.t.textContent=s.length<=n?s:(n>=3?s.substring(0,n-2)+'..':'');}\n"
	"function zoom(z){var k=(W-2*P)/z.ow;fs.forEach(function(g){\n"
	" var x=P+(g.ox-z.ox)*k,w=g.ow*k,e=x+w;\n"
	" if(e<=P+0.01||x>=W-P-0.01){g.style.display='none';return;}\n"
	" g.style.display='';x=Math.max(x,P);w=Math.min(e,W-P)-x;\n"
	" g.r.setAttribute('x',x);g.r.setAttribute('width',w);\n"
	" g.t.setAttribute('x',x+3);fit(g,w);});}\n"
	"function search(){var q=prompt('Search (regular expression)'),re,iv=[],sum=0,end=-1;\n"
	" if(q===null)return;try{re=new RegExp(q);}catch(e){return;}\n"
	" fs.forEach(function(g){var m=q!==''&&re.test(g.nm);\n"
	"  g.r.setAttribute('fill',m?'rgb(230,0,230)':g.c);if(m)iv.push([g.ox,g.ox+g.ow]);});\n"
	" iv.sort(function(a,b){return a[0]-b[0];});\n"
	" iv.forEach(function(v){if(v[0]>=end){sum+=v[1]-v[0];end=v[1];}\n"
	"  else if(v[1]>end){sum+=v[1]-end;end=v[1];}});\n"
	" mat.textContent=iv.length?'Matched: '+(100*sum/fs[0].ow).toFixed(2)+'%%':'';}\n"
	"window.addEventListener('load',function(){\n"
	" det=document.getElementById('details');mat=document.getElementById('matched');\n"
	" fs=[].slice.call(document.querySelectorAll('g.f'));\n"
	" fs.forEach(function(g){var t=g.querySelector('title').textContent;\n"
	"  g.r=g.querySelector('rect');g.t=g.querySelector('text');g.c=g.r.getAttribute('fill');\n"
	"  g.ox=+g.r.getAttribute('x');g.ow=+g.r.getAttribute('width');\n"
	"  g.nm=t.substring(0,t.lastIndexOf(' ('));\n"
	"  g.onclick=function(){zoom(g);};\n"
	"  g.onmouseover=function(){det.textContent=t;};\n"
	"  g.onmouseout=function(){det.textContent=' ';};});\n"
	" document.getElementById('unzoom').onclick=function(){if(fs.length)zoom(fs[0]);};\n"
	" document.getElementById('search').onclick=search;\n"
	" window.addEventListener('keydown',function(e){\n"
	"  if(e.key==='f'&&(e.ctrlKey||e.metaKey)){e.preventDefault();search();}});});\n";

static void write_head(struct svg *s)
{
	FILE *f = s->f;

	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
		   "<svg version=\"1.1\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%u\" "
		   "height=\"%u\" viewBox=\"0 0 %u %u\">\n",
		s->width, s->height, s->width, s->height);
	fputs("<style>text{font-family:Verdana,sans-serif;font-size:12px;fill:#000}"
	      "g.f text{pointer-events:none}g.f:hover rect{stroke:#000;stroke-width:0.5}"
	      "#title{font-size:17px;text-anchor:middle}"
	      "#unzoom,#search{cursor:pointer}#search{text-anchor:end}</style>\n",
	      f);
	fputs("<script type=\"text/ecmascript\"><![CDATA[\n", f);
	fprintf(f, script, s->width, PAD, FONT, CHAR_W);
	fputs("]]></script>\n", f);
	fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%u\" height=\"%u\" fill=\"#f8f8f0\"/>\n",
		s->width, s->height);
	fprintf(f, "<text id=\"title\" x=\"%u\" y=\"24\">", s->width / 2);
	put_xml(f, s->buf, strlen(s->buf));
	fprintf(f, "</text>\n<text id=\"unzoom\" x=\"%d\" y=\"24\">Reset Zoom</text>\n"
		   "<text id=\"search\" x=\"%u\" y=\"24\">Search</text>\n"
		   "<text id=\"details\" x=\"%d\" y=\"%u\"> </text>\n"
		   "<text id=\"matched\" x=\"%u\" y=\"%u\" text-anchor=\"end\"></text>\n",
		PAD, s->width - PAD, PAD, s->height - 10, s->width - PAD, s->height - 10);
}

int pk_flamegraph__write_svg(const struct pk_flamegraph *fg, FILE *f,
			     const struct pk_flamegraph_opts *opts)
{
	struct svg s = { .f = f, .fg = fg, .unit = "samples", .width = 1200 };
	const char *title = "Flame Graph";
	int err;

	if (!fg || !f)
		return -EINVAL;
	if (!PK_OPTS_VALID(opts, pk_flamegraph_opts))
		return -EINVAL;
	if (PK_OPTS_GET(opts, unit, NULL))
		s.unit = opts->unit;
	if (PK_OPTS_GET(opts, title, NULL))
		title = opts->title;
	if (PK_OPTS_GET(opts, width, 0))
		s.width = opts->width < 200 ? 200 : opts->width > 100000 ? 100000 : opts->width;
	s.height = TOP + (fg->max_depth + 1) * FRAME_H + BOTTOM;
	s.scale = fg->nodes[0].count ? (double)(s.width - 2 * PAD) / fg->nodes[0].count : 0;
	err = escape_into(&s, title);
	if (err)
		return err;
	write_head(&s);
	if (fg->nodes[0].count)
		err = write_frame(&s, 0, 0, 0);
	fputs("</svg>\n", f);
	free(s.buf);
	if (!err && (fflush(f) || ferror(f)))
		err = -EIO;
	return err;
}

void pk_print_folded(FILE *out, const char *const *frames, size_t n, uint64_t count)
{
	char esc[4096], *c;
	size_t i;

	for (i = 0; i < n; i++) {
		pk_escape_text(esc, sizeof(esc), frames[i], strlen(frames[i]));
		for (c = esc; *c; c++) {
			if (*c == ';')
				*c = ':';
		}
		fprintf(out, "%s%s", i ? ";" : "", esc);
	}
	fprintf(out, " %llu\n", (unsigned long long)count);
}

int pk_flamegraph_can_save(const char *path, char *why, size_t why_size)
{
	int fd;

	if (!path || !path[0]) {
		pk__why(why, why_size, "no file name for the flame graph");
		return -EINVAL;
	}
	/* not truncated: what is there stays until the graph replaces it */
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		pk__why(why, why_size, "cannot write %s: %s", path, strerror(errno));
		return -errno;
	}
	close(fd);
	return 0;
}

int pk_flamegraph__save(const struct pk_flamegraph *fg, const char *path,
			const struct pk_flamegraph_opts *opts, char *why, size_t why_size)
{
	FILE *f;
	int err;

	if (!fg || !path || !path[0]) {
		pk__why(why, why_size, "no flame graph or no file name");
		return -EINVAL;
	}
	if (!PK_OPTS_VALID(opts, pk_flamegraph_opts)) {
		pk__why(why, why_size, "invalid flame graph options");
		return -EINVAL;
	}
	f = fopen(path, "we");
	err = f ? pk_flamegraph__write_svg(fg, f, opts) : -errno;
	if (f && fclose(f) && !err)
		err = -EIO;
	if (err) {
		pk__why(why, why_size, "cannot write the flame graph to %s: %s", path,
			strerror(-err));
		return err;
	}
	pk__why(why, why_size, "wrote the flame graph of %llu %s to %s",
		(unsigned long long)pk_flamegraph__total(fg),
		PK_OPTS_GET(opts, unit, NULL) ? opts->unit : "samples", path);
	return 0;
}

int pk_flamegraph__save_svg(const struct pk_flamegraph *fg, const char *path,
			    const struct pk_flamegraph_opts *opts)
{
	return pk_flamegraph__save(fg, path, opts, NULL, 0);
}
