/*  =========================================================================
    broker_stats.c - the broker's counters as JSON and as a log line

    Formatting only: the forwarder owns and counts; this says it. jbus
    stats, tests and operators read the JSON's names, so a name once
    published stays. One broke before any release (0.1.0, issue 12):
    backend.subscriptions counted subscribe messages passed to publishers,
    and now counts the subscriptions held, one per subscriber and prefix;
    backend.unsubscriptions went with it.
    ========================================================================= */

#include <assert.h>
#include <czmq.h>
#include <inttypes.h>

#include "jbus.h"
#include "broker_stats.h"

//  --------------------------------------------------------------------------

int
jb__broker_stats_json(const jb_broker_stats_t *stats, size_t retained, bool strict, bool curve,
                      char *reply, size_t capacity)
{
    assert(stats);
    assert(reply && capacity >= JB__BROKER_STATS_JSON_MAX);
    char journal [400] = "\"journal\":null";
    if (stats->journal)
        snprintf(journal, sizeof journal, "\"journal\":{\"committed\":%" PRIu64 ","
                 "\"dropped\":%" PRIu64 ",\"lost\":%" PRIu64 ",\"commits\":%" PRIu64 ","
                 "\"trimmed\":%" PRIu64 ",\"last\":%" PRIu64 ",\"replays\":%" PRIu64 ","
                 "\"replayed\":%" PRIu64 "}",
                 stats->journal_committed, stats->journal_dropped, stats->journal_lost,
                 stats->journal_commits, stats->journal_trimmed, stats->journal_last,
                 stats->replays, stats->replayed);
    int size = snprintf(reply, capacity,
        "{\"frontend\":{\"messages_in\":%" PRIu64 ",\"bytes_in\":%" PRIu64 ","
        "\"publishers\":%" PRIu64 ",\"rejected\":%" PRIu64 ",\"disconnects\":%" PRIu64 ","
        "\"oversized\":%" PRIu64 ",\"forbidden\":%" PRIu64 ","
        "\"announcements\":%" PRIu64 "},"
        "\"backend\":{\"messages_out\":%" PRIu64 ",\"bytes_out\":%" PRIu64 ","
        "\"deliveries\":%" PRIu64 ",\"bytes_delivered\":%" PRIu64 ","
        "\"subscribers\":%" PRIu64 ",\"subscriptions\":%" PRIu64 ",\"prefixes\":%" PRIu64 ","
        "\"disconnects\":%" PRIu64 ",\"forbidden\":%" PRIu64 ",\"reannounced\":%" PRIu64 ","
        "\"retained\":%zu},"
        "\"strict\":%s,\"curve\":%s,\"auth_failures\":%" PRIu64 ",\"cut\":%" PRIu64 ","
        "\"uptime_ms\":%" PRIu64 ",%s}",
        stats->messages_in, stats->bytes_in, stats->publishers, stats->rejected,
        stats->disconnects, stats->oversized, stats->forbidden_messages, stats->announcements,
        stats->messages_out, stats->bytes_out, stats->deliveries, stats->bytes_delivered,
        stats->subscribers, stats->subscriptions, stats->prefixes, stats->subscriber_disconnects,
        stats->forbidden_subscriptions, stats->reannounced, retained,
        strict? "true": "false", curve? "true": "false", stats->auth_failures, stats->cut,
        stats->uptime_ms, journal);
    assert(size > 0 && (size_t) size < capacity);
    return size;
}

//  --------------------------------------------------------------------------

void
jb__broker_stats_log(const jb_broker_stats_t *stats, const char *what, bool strict, bool curve,
                     size_t peers, bool peers_full)
{
    assert(stats);
    assert(what);
    char inspected [128] = "";
    if (strict || curve)
        snprintf(inspected, sizeof inspected, ", %s: rejected %" PRIu64 " messages from %zu%s "
                 "peers", strict? "strict": "curve", stats->rejected, peers,
                 peers_full? " or more": "");
    char keys [160] = "";
    if (curve)
        snprintf(keys, sizeof keys, ", curve: refused %" PRIu64 " handshakes, dropped %" PRIu64
                 " messages, refused %" PRIu64 " subscriptions", stats->auth_failures,
                 stats->forbidden_messages, stats->forbidden_subscriptions);
    char journal [200] = "";
    if (stats->journal)
        snprintf(journal, sizeof journal, ", journal: %" PRIu64 " committed (last %" PRIu64 "), "
                 "%" PRIu64 " dropped at a full queue, %" PRIu64 " lost to write failures, "
                 "%" PRIu64 " trimmed", stats->journal_committed, stats->journal_last,
                 stats->journal_dropped, stats->journal_lost, stats->journal_trimmed);
    jb_log(JB_LOG_INFO, "jbus broker %s: %" PRIu64 " publishers, %" PRIu64 " subscribers "
              "(%" PRIu64 " subscriptions to %" PRIu64 " prefixes); in %" PRIu64 " messages "
              "%" PRIu64 " bytes, forwarded %" PRIu64 " messages %" PRIu64 " bytes, "
              "%" PRIu64 " deliveries; uptime %" PRIu64 " ms; disconnects: %" PRIu64
              " publishers, %" PRIu64 " subscribers, %" PRIu64 " cut by the broker; "
              "%" PRIu64 " oversized messages, %" PRIu64 " announcements in, %" PRIu64
              " sent again%s%s%s",
              what, stats->publishers, stats->subscribers, stats->subscriptions,
              stats->prefixes, stats->messages_in, stats->bytes_in, stats->messages_out,
              stats->bytes_out, stats->deliveries, stats->uptime_ms, stats->disconnects,
              stats->subscriber_disconnects, stats->cut, stats->oversized, stats->announcements,
              stats->reannounced, inspected, keys, journal);
}
