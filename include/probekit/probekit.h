/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef PROBEKIT_PROBEKIT_H
#define PROBEKIT_PROBEKIT_H

#include <probekit/attach.h>
#include <probekit/btfvalue.h>
#include <probekit/cli.h>
#include <probekit/compile.h>
#include <probekit/events.h>
#include <probekit/eventtable.h>
#include <probekit/features.h>
#include <probekit/flamegraph.h>
#include <probekit/hist.h>
#include <probekit/ksyms.h>
#include <probekit/mapprint.h>
#include <probekit/maptable.h>
#include <probekit/maps.h>
#include <probekit/object.h>
#include <probekit/output.h>
#include <probekit/parse.h>
#include <probekit/privileges.h>
#include <probekit/params.h>
#include <probekit/printf.h>
#include <probekit/probespec.h>
#include <probekit/stackid.h>
#include <probekit/stackprint.h>
#include <probekit/objprint.h>
#include <probekit/suggest.h>
#include <probekit/syscalls.h>
#include <probekit/targets.h>
#include <probekit/tracefs.h>
#include <probekit/tracepipe.h>
#include <probekit/uprobe.h>
#include <probekit/usyms.h>
#include <probekit/verifier.h>

#endif
