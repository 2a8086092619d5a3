/*  =========================================================================
    broker_stats.h - the broker's counters as the world reads them: the
    JSON object that answers "STATS", and the periodic log line (private
    to the library)

    Not installed. Non-static internals are named jb__<name> (STYLE.md).
    ========================================================================= */

#ifndef JBUS_BROKER_STATS_PRIVATE_H_INCLUDED
#define JBUS_BROKER_STATS_PRIVATE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "jbus/broker.h"

//  Room for the JSON: some twenty-five 20-digit numbers and their names.
#define JB__BROKER_STATS_JSON_MAX 2048

//  Write stats as STATS answers them into reply (capacity bytes, at least
//  JB__BROKER_STATS_JSON_MAX), with retained (final announcements kept),
//  and whether strict mode and CURVE are on. Returns the length written.
int
    jb__broker_stats_json(const jb_broker_stats_t *stats, size_t retained, bool strict,
                          bool curve, char *reply, size_t capacity);

//  Log stats as one line (zsys_info); what says why ("stats", "stopped").
//  With strict or curve, rejections are put as from peers peer addresses,
//  "or more" when peers_full.
void
    jb__broker_stats_log(const jb_broker_stats_t *stats, const char *what, bool strict,
                         bool curve, size_t peers, bool peers_full);

#endif
