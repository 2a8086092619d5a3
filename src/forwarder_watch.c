/*  =========================================================================
    forwarder_watch.c - what the broker's actor learns of its sockets and
    says of itself

    The socket monitors' events (connections accepted and ended, into the
    roster and the counters; handshakes refused, into the counters and the
    guard's log), the counters as of now, the periodic line, and the
    answers to STATS, CONNZ and SUBSZ on the control endpoint and the
    monitoring endpoint's inproc socket. The forwarder's loop calls these;
    they run in the actor's thread.
    ========================================================================= */

#include <inttypes.h>

#include "jbus.h"
#include "forwarder_watch.h"
#include "broker_stats.h"
#include "text.h"

//  Room for the JSON answer to "STATS".
#define s_REPLY_MAX JB__BROKER_STATS_JSON_MAX

//  Requests answered before the loop polls again: as many as messages are
//  moved (forwarder.c's s_BATCH), so that neither starves the other.
#define s_REQUESTS 1000

//  --------------------------------------------------------------------------
//  A connection to the socket of role ended, as end says: counted by how.
//  A refused one was counted when its handshake failed.

static void
s_connection_ended(jb__forwarder_t *self, jb__role_t role, jb__roster_end_t end)
{
    if (end == JB__ROSTER_CUT)
        self->stats.cut++;
    else
    if (end != JB__ROSTER_REFUSED && end != JB__ROSTER_DISPLACED) {
        if (role == JB__ROLE_PUBLISHERS)
            self->stats.disconnects++;
        else
        if (role == JB__ROLE_SUBSCRIBERS)
            self->stats.subscriber_disconnects++;
    }
}

//  --------------------------------------------------------------------------
//  Read what a socket monitor (monitor, of the socket of role) has
//  reported, until nothing is left: the loop polls the frontend monitor's
//  ZMQ_FD, which signals again only once the socket has been read dry.
//  That is at most the monitor's and the PAIR's high-water marks of
//  events. An event is two frames: 6 bytes (uint16 event, uint32 value),
//  then the endpoint. Connections accepted and ended go to the roster;
//  failed handshakes are counted, and go to the guard. A failed
//  handshake's event carries no descriptor, but libzmq reports it just
//  before the end of its connection, from the same I/O thread: the next
//  end on that socket is the refused one.

void
jb__forwarder_monitor_read(jb__forwarder_t *self, void *monitor, jb__role_t role, zmq_msg_t *msg)
{
    const int failed = ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                     | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;
    while (true) {
        if (jb__forwarder_recv(msg, monitor, ZMQ_DONTWAIT) == -1)
            return;
        uint16_t kind = 0;
        uint32_t value = 0;
        if (zmq_msg_size(msg) >= sizeof kind + sizeof value) {
            memcpy(&kind, zmq_msg_data(msg), sizeof kind);
            memcpy(&value, (const uint8_t *) zmq_msg_data(msg) + sizeof kind, sizeof value);
        }
        if (kind == ZMQ_EVENT_ACCEPTED) {
            jb__roster_end_t displaced = jb__roster_accepted(self->roster, (int) value, role,
                                                             zclock_time());
            if (displaced != JB__ROSTER_UNKNOWN)
                s_connection_ended(self, role == JB__ROLE_PUBLISHERS? JB__ROLE_SUBSCRIBERS
                                                                   : JB__ROLE_PUBLISHERS,
                                   displaced);
        }
        else
        if (kind == ZMQ_EVENT_DISCONNECTED) {
            if (self->handshake_failed[role])
                jb__roster_refused(self->roster, (int) value);
            self->handshake_failed[role] = false;
            s_connection_ended(self, role, jb__roster_disconnected(self->roster, (int) value,
                                                                   role));
        }
        else
        if (kind & failed) {
            self->handshake_failed[role] = true;
            if (!self->zap || jb__zap_handshake_failed(self->zap, role, kind, value))
                self->stats.auth_failures++;
        }
        while (zmq_msg_more(msg))
            if (jb__forwarder_recv(msg, monitor, ZMQ_DONTWAIT) == -1)
                return;
    }
}

//  Every monitor: the frontend's, the backend's and, with CURVE, the
//  control socket's.
void
jb__forwarder_monitors_read(jb__forwarder_t *self, zmq_msg_t *msg)
{
    jb__forwarder_monitor_read(self, self->monitor_handle, JB__ROLE_PUBLISHERS, msg);
    jb__forwarder_monitor_read(self, zsock_resolve(self->backend_monitor), JB__ROLE_SUBSCRIBERS, msg);
    if (self->control_monitor)
        jb__forwarder_monitor_read(self, zsock_resolve(self->control_monitor), JB__ROLE_CONTROL, msg);
}


//  --------------------------------------------------------------------------
//  The counters as of now. Disconnects and refused handshakes that the
//  monitors have reported are counted first, so that a peer's disconnect
//  that happened before the request is in the answer.

jb_broker_stats_t
jb__forwarder_stats(jb__forwarder_t *self)
{
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    jb__forwarder_monitors_read(self, &msg);
    zmq_msg_close(&msg);
    jb_broker_stats_t stats = self->stats;
    jb__roster_counts_t counts = jb__roster_counts(self->roster);
    stats.publishers = counts.publishers;
    stats.subscribers = counts.subscribers;
    stats.subscriptions = counts.subscriptions;
    stats.prefixes = counts.prefixes;
    stats.uptime_ms = (uint64_t) (zclock_mono() - self->started_ms);
    if (self->recorder) {
        const jb__recorder_counters_t *counters = jb__recorder_counters(self->recorder);
        stats.journal = true;
        stats.journal_committed = atomic_load(&counters->journaled);
        stats.journal_lost = atomic_load(&counters->lost);
        stats.journal_commits = atomic_load(&counters->commits);
        stats.journal_trimmed = atomic_load(&counters->trimmed);
        stats.journal_last = atomic_load(&counters->last);
    }
    if (self->replay_counters) {
        stats.replays = atomic_load(&self->replay_counters->replays);
        stats.replayed = atomic_load(&self->replay_counters->events);
    }
    return stats;
}

//  --------------------------------------------------------------------------
//  One log line with every counter; what says why ("stats", "stopped").

void
jb__forwarder_stats_log(jb__forwarder_t *self, const char *what)
{
    jb_broker_stats_t stats = jb__forwarder_stats(self);
    jb__broker_stats_log(&stats, what, self->strict, self->guard != NULL,
                         self->peers? jb__log_once_size(self->peers): 0,
                         self->peers && jb__log_once_full(self->peers));
}

//  --------------------------------------------------------------------------
//  The answer to a request of size bytes: STATS (the counters), CONNZ
//  (the connections) or SUBSZ (the subscriptions), as JSON, freshly
//  allocated, or NULL when out of memory.

static char *
s_answer(jb__forwarder_t *self, const void *request, size_t size)
{
    if (size == 5 && memcmp(request, "STATS", 5) == 0) {
        jb_broker_stats_t stats = jb__forwarder_stats(self);
        char *reply = (char *) malloc(s_REPLY_MAX);
        if (reply)
            jb__broker_stats_json(&stats, self->retained? jb__retained_size(self->retained): 0,
                                  self->strict, self->guard != NULL, reply, s_REPLY_MAX);
        return reply;
    }
    bool connections = size == 5 && memcmp(request, "CONNZ", 5) == 0;
    if (connections || (size == 5 && memcmp(request, "SUBSZ", 5) == 0)) {
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        jb__forwarder_monitors_read(self, &msg);        //  who came and went till now
        zmq_msg_close(&msg);
        return connections?
            jb__roster_connections_json(self->roster, self->guard? jb__guard_rules(self->guard)
                                                                 : NULL, zclock_time()):
            jb__roster_subscriptions_json(self->roster, zclock_time());
    }
    static const char unknown [] = "{\"error\":\"unknown request\"}";
    return jb__strndup(unknown, sizeof unknown - 1);
}

//  Answer up to s_REQUESTS requests on socket, a REP: the control endpoint,
//  or the monitoring endpoint's inproc socket. REP strips the envelope and
//  drops requests without one; what reaches us is the body. Every frame
//  is read, so that the socket is ready for the reply, whatever a peer
//  sent; a request of more than one frame is unknown.

void
jb__forwarder_requests_serve(jb__forwarder_t *self, void *socket, zmq_msg_t *msg)
{
    for (int request = 0; request < s_REQUESTS; request++) {
        if (jb__forwarder_recv(msg, socket, ZMQ_DONTWAIT) == -1)
            return;
        bool single = !zmq_msg_more(msg);
        char *reply = s_answer(self, zmq_msg_data(msg), single? zmq_msg_size(msg): 0);
        while (zmq_msg_more(msg))
            if (jb__forwarder_recv(msg, socket, ZMQ_DONTWAIT) == -1) {
                free(reply);
                return;
            }
        static const char no_memory [] = "{\"error\":\"out of memory\"}";
        const char *text = reply? reply: no_memory;
        int rc;
        do
            rc = zmq_send(socket, text, strlen(text), ZMQ_DONTWAIT);
        while (rc == -1 && zmq_errno() == EINTR);
        free(reply);
    }
}

