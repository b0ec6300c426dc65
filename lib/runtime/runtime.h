/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The runtime layer's internals (lib/runtime/): the tool runtime. It has
 * none of its own yet; its files include this for the layers below
 * (lib/README.md).
 */
#ifndef PROBEKIT_RUNTIME_H
#define PROBEKIT_RUNTIME_H

#include "../print/print.h"

#endif
