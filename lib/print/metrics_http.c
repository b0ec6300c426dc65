// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The metrics' HTTP server: libmicrohttpd does the HTTP, this file decides
 * what a request gets and runs the daemon from the caller's loop.
 *
 * libmicrohttpd is opened with dlopen() when --metrics asks for it, not
 * linked: build/probekit is static, and Debian's libmicrohttpd.a needs
 * GnuTLS, whose own dependency p11-kit has no static library in Debian;
 * a tool without --metrics then maps none of it (nor GnuTLS). Only
 * functions of libmicrohttpd's stable ABI (soname 12) are used, through
 * the prototypes of its own header.
 *
 * No thread: the daemon runs in "external select" mode with its epoll set
 * (MHD_USE_EPOLL), which goes into an epoll set of ours together with a
 * timerfd armed from MHD_get_timeout(), so that the one event loop of the
 * tool wakes for a request or a connection's timeout and never polls. A
 * scrape reads the maps in the loop, between two batches of events.
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <microhttpd.h>

#include "print.h"

#define MHD_SONAME "libmicrohttpd.so.12"
/* a client idle this long (a half-open or slowloris one) is dropped */
#define CONNECTION_TIMEOUT_S 10
#define CONNECTION_LIMIT     64
/* request line and headers of a connection: longer ones get 431 */
#define CONNECTION_MEMORY 32768

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
static const char index_page[] =
    "<html><head><title>probekit</title></head><body>"
    "<h1>probekit</h1><p><a href=\"/metrics\">Metrics</a></p></body></html>\n";

#define MHD_FUNCTIONS(X)                                                                           \
	X(MHD_start_daemon)                                                                        \
	X(MHD_stop_daemon)                                                                         \
	X(MHD_run)                                                                                 \
	X(MHD_get_daemon_info)                                                                     \
	X(MHD_get_timeout)                                                                         \
	X(MHD_create_response_from_buffer)                                                         \
	X(MHD_create_response_from_buffer_with_free_callback)                                      \
	X(MHD_add_response_header)                                                                 \
	X(MHD_queue_response)                                                                      \
	X(MHD_destroy_response)

static struct {
#define DECLARE(fn) __typeof__(fn) *fn;
	MHD_FUNCTIONS(DECLARE)
#undef DECLARE
} mhd;

struct pk__http {
	struct MHD_Daemon *daemon;
	int epfd, timerfd;
	int (*write)(void *ctx, FILE *out);
	void *ctx;
	FILE *log;
	char address[80];
};

static int load_mhd(char *why, size_t why_size)
{
	static void *handle;
	const char *missing = NULL;

	if (handle)
		return 0;
	handle = pk__dlopen(MHD_SONAME);
	if (!handle) {
		pk__why(why, why_size,
			"--metrics needs libmicrohttpd (%s): install Debian's libmicrohttpd12",
			MHD_SONAME);
		return -ENOENT;
	}
#define LOOKUP(fn)                                                                                 \
	if (!(mhd.fn = (__typeof__(fn) *)dlsym(handle, #fn)) && !missing)                          \
		missing = #fn;
	MHD_FUNCTIONS(LOOKUP)
#undef LOOKUP
	if (missing) {
		pk__why(why, why_size, "%s has no %s: too old for --metrics", MHD_SONAME, missing);
		handle = NULL;
		return -ENOENT;
	}
	return 0;
}

/* Routing ------------------------------------------------------------------------ */

enum pk__http_route pk__http_route(const char *method, const char *url)
{
	bool known = url && (!strcmp(url, "/metrics") || !strcmp(url, "/"));

	if (!known)
		return PK__HTTP_NOT_FOUND;
	if (!method || (strcmp(method, "GET") && strcmp(method, "HEAD")))
		return PK__HTTP_BAD_METHOD;
	return strcmp(url, "/") ? PK__HTTP_METRICS : PK__HTTP_INDEX;
}

static enum MHD_Result queue_text(struct MHD_Connection *c, unsigned int status, const char *text,
				  const char *type, const char *allow)
{
	struct MHD_Response *r =
	    mhd.MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	mhd.MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (allow)
		mhd.MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	ret = mhd.MHD_queue_response(c, status, r);
	mhd.MHD_destroy_response(r);
	return ret;
}

static void free_buffer(void *buf)
{
	free(buf);
}

static enum MHD_Result queue_metrics(struct pk__http *s, struct MHD_Connection *c)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int err = f ? s->write(s->ctx, f) : -ENOMEM;

	if (f && fclose(f) && !err)
		err = -ENOMEM;
	if (err) {
		free(buf);
		if (s->log)
			fprintf(s->log, "metrics: scrape failed: %s\n", strerror(-err));
		return queue_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot read the maps\n",
				  "text/plain; charset=utf-8", NULL);
	}
	/* the buffer is ours (our malloc), so our free() gives it back */
	r = mhd.MHD_create_response_from_buffer_with_free_callback(len, buf, free_buffer);
	if (!r) {
		free(buf);
		return MHD_NO;
	}
	mhd.MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE);
	ret = mhd.MHD_queue_response(c, MHD_HTTP_OK, r);
	mhd.MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **state)
{
	(void)version;
	(void)upload;
	/* a body is never read: the answer goes out before it */
	*upload_size = 0;
	*state = cls;
	switch (pk__http_route(method, url)) {
	case PK__HTTP_METRICS: return queue_metrics(cls, c);
	case PK__HTTP_INDEX:
		return queue_text(c, MHD_HTTP_OK, index_page, "text/html; charset=utf-8", NULL);
	case PK__HTTP_BAD_METHOD:
		return queue_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET\n",
				  "text/plain; charset=utf-8", "GET, HEAD");
	case PK__HTTP_NOT_FOUND: break;
	}
	return queue_text(c, MHD_HTTP_NOT_FOUND, "not found: try /metrics\n",
			  "text/plain; charset=utf-8", NULL);
}

static void on_log(void *cls, const char *fmt, va_list ap)
{
	FILE *log = cls;

	if (!log)
		return;
	fprintf(log, "metrics: ");
	vfprintf(log, fmt, ap);
}

/* Addresses ------------------------------------------------------------------------ */

static int parse_port(const char *s, in_port_t *port)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 65535)
		return -EINVAL;
	*port = htons((uint16_t)v);
	return 0;
}

int pk__http_parse_addr(const char *s, void *storage, unsigned int *len)
{
	struct sockaddr_in *in = storage;
	struct sockaddr_in6 *in6 = storage;
	const char *colon = strrchr(s, ':');
	char host[64];
	size_t hlen;

	memset(storage, 0, sizeof(struct sockaddr_storage));
	in->sin_family = AF_INET;
	in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	*len = sizeof(*in);
	if (!colon)
		return parse_port(s, &in->sin_port);
	hlen = colon - s;
	if (hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (parse_port(colon + 1, &in->sin_port))
		return -EINVAL;
	if (!hlen)
		return 0;
	if (host[0] == '[' && hlen > 2 && host[hlen - 1] == ']') {
		in_port_t port = in->sin_port;

		host[hlen - 1] = '\0';
		memset(storage, 0, sizeof(struct sockaddr_storage));
		in6->sin6_family = AF_INET6;
		in6->sin6_port = port;
		*len = sizeof(*in6);
		return inet_pton(AF_INET6, host + 1, &in6->sin6_addr) == 1 ? 0 : -EINVAL;
	}
	return inet_pton(AF_INET, host, &in->sin_addr) == 1 ? 0 : -EINVAL;
}

static void name_address(struct pk__http *s, const struct sockaddr_storage *sa)
{
	const union MHD_DaemonInfo *port =
	    mhd.MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	char host[INET6_ADDRSTRLEN] = "?";
	bool v6 = sa->ss_family == AF_INET6;

	if (v6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, host,
			  sizeof(host));
	else
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, host, sizeof(host));
	snprintf(s->address, sizeof(s->address), "%s%s%s:%u", v6 ? "[" : "", host, v6 ? "]" : "",
		 port ? port->port : 0);
}

/* The daemon ----------------------------------------------------------------------- */

static struct MHD_Daemon *start_daemon(struct pk__http *s, const struct sockaddr_storage *sa)
{
	unsigned int flags = MHD_USE_EPOLL | (sa->ss_family == AF_INET6 ? MHD_USE_IPv6 : 0) |
			     (s->log ? MHD_USE_ERROR_LOG : 0);

	return mhd.MHD_start_daemon(
	    flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, on_log, s->log,
	    MHD_OPTION_SOCK_ADDR, sa, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned int)CONNECTION_TIMEOUT_S, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned int)CONNECTION_LIMIT, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)CONNECTION_MEMORY, MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned int)1,
	    MHD_OPTION_END);
}

static int watch(struct pk__http *s)
{
	const union MHD_DaemonInfo *info =
	    mhd.MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_EPOLL_FD);
	struct epoll_event e = {.events = EPOLLIN};

	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	s->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (!info || s->epfd < 0 || s->timerfd < 0)
		return -errno ?: -EINVAL;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, info->epoll_fd, &e) ||
	    epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->timerfd, &e))
		return -errno;
	return 0;
}

struct pk__http *pk__http_start(const char *addr, int (*write)(void *ctx, FILE *out), void *ctx,
				FILE *log, char *why, size_t why_size)
{
	struct sockaddr_storage sa;
	struct pk__http *s;
	unsigned int len;
	int err;

	if (pk__http_parse_addr(addr, &sa, &len)) {
		pk__why(why, why_size,
			"invalid --metrics address '%s': give [ADDR:]PORT, ADDR numeric "
			"(0.0.0.0, [::1])",
			addr);
		errno = EINVAL;
		return NULL;
	}
	err = load_mhd(why, why_size);
	s = err ? NULL : calloc(1, sizeof(*s));
	if (!s) {
		errno = err ? -err : ENOMEM;
		return NULL;
	}
	*s = (struct pk__http){.epfd = -1, .timerfd = -1, .write = write, .ctx = ctx, .log = log};
	s->daemon = start_daemon(s, &sa);
	if (!s->daemon) {
		/* libmicrohttpd does not say why: binding is what fails in practice */
		err = errno ?: EADDRINUSE;
		pk__why(why, why_size, "cannot serve metrics on %s: %s", addr, strerror(err));
		free(s);
		errno = err;
		return NULL;
	}
	err = watch(s);
	if (err) {
		pk__why(why, why_size, "cannot watch the metrics server: %s", strerror(-err));
		pk__http_stop(s);
		errno = -err;
		return NULL;
	}
	name_address(s, &sa);
	return s;
}

/* Wakes the loop when the next connection times out. */
static void arm_timer(struct pk__http *s)
{
	MHD_UNSIGNED_LONG_LONG ms = 0;
	struct itimerspec its = {0};

	if (mhd.MHD_get_timeout(s->daemon, &ms) == MHD_YES) {
		ms = ms ? ms : 1;
		its.it_value.tv_sec = ms / 1000;
		its.it_value.tv_nsec = (ms % 1000) * 1000000;
	}
	timerfd_settime(s->timerfd, 0, &its, NULL);
}

int pk__http_process(struct pk__http *s)
{
	__u64 ticks;

	if (read(s->timerfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		return -errno;
	/* a client's failure is the client's: tracing goes on */
	mhd.MHD_run(s->daemon);
	arm_timer(s);
	return 0;
}

int pk__http_fd(const struct pk__http *s)
{
	return s->epfd;
}

const char *pk__http_address(const struct pk__http *s)
{
	return s->address;
}

void pk__http_stop(struct pk__http *s)
{
	if (!s)
		return;
	if (s->daemon)
		mhd.MHD_stop_daemon(s->daemon);
	if (s->epfd >= 0)
		close(s->epfd);
	if (s->timerfd >= 0)
		close(s->timerfd);
	free(s);
}
