/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * All of libprobekit's API. The headers stay where they are
 * (<probekit/NAME.h>, each usable alone); here they are grouped by the
 * library's layers (lib/README.md), from the bottom.
 */
#ifndef PROBEKIT_PROBEKIT_H
#define PROBEKIT_PROBEKIT_H

/* base: parsers, privileges, escaped text and JSON lines */
#include <probekit/output.h>
#include <probekit/parse.h>
#include <probekit/privileges.h>

/* sym: kernel and user symbols */
#include <probekit/ksyms.h>
#include <probekit/usyms.h>

/* kernel: what this kernel has */
#include <probekit/features.h>
#include <probekit/probespec.h>
#include <probekit/suggest.h>
#include <probekit/syscalls.h>
#include <probekit/targets.h>
#include <probekit/tracefs.h>

/* load: compiling, loading with fallback, attaching, the verifier's reasons */
#include <probekit/attach.h>
#include <probekit/compile.h>
#include <probekit/object.h>
#include <probekit/params.h>
#include <probekit/uprobe.h>
#include <probekit/verifier.h>

/* data: events, maps, trace_pipe, pk_printf() records, stack ids */
#include <probekit/events.h>
#include <probekit/maps.h>
#include <probekit/printf.h>
#include <probekit/stackid.h>
#include <probekit/tracepipe.h>

/* print: BTF values, event tables, maps, histograms, flame graphs, stacks, metrics */
#include <probekit/btfvalue.h>
#include <probekit/eventtable.h>
#include <probekit/flamegraph.h>
#include <probekit/hist.h>
#include <probekit/mapprint.h>
#include <probekit/maptable.h>
#include <probekit/metrics.h>
#include <probekit/objprint.h>
#include <probekit/stackprint.h>

/* runtime: struct pk_tool, the runtime every tool runs on */
#include <probekit/cli.h>

#endif
