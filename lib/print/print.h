/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The print layer's internals (lib/print/): BTF values, event tables, maps,
 * histograms, flame graphs. It has none of its own yet; its files include
 * this for the layers below (lib/README.md).
 */
#ifndef PROBEKIT_PRINT_H
#define PROBEKIT_PRINT_H

#include "../data/data.h"

#endif
