/*  =========================================================================
    broker.c - the jbus broker: an XSUB/XPUB forwarder in a CZMQ actor

    jb_broker_new() makes and binds every socket in the caller's thread, so
    that a bind failure comes back as an ordinary error with the endpoint
    named, then hands the sockets to the actor thread, which alone uses
    them from then on (thread creation is the memory barrier libzmq asks
    for when a socket changes threads).

    The actor's loop is zmq_proxy's, made cheaper: zmq_poll over the raw
    handles, and for each readable socket up to s_BATCH messages moved with
    ZMQ_DONTWAIT before polling again, so that under load one poll pays for
    many messages. Frames move with zmq_msg_recv/zmq_msg_send into one
    reused zmq_msg_t: libzmq hands the buffer over, nothing is copied.

    Messages from publishers take one of two paths, chosen once per batch:
    the fast path looks into nothing, so that it costs what zmq_proxy
    does; the inspected path, for strict mode and CURVE, applies a check
    to each message and drops or forwards it on the check's decision. Its
    checks are the CURVE publish rule (the guard's, on frame 0) and strict
    mode's binding check, which receives the frames of a message into
    zmq_msg_ts, decodes them in place (jb_frame_t views into the received
    buffers) and then has them sent all or dropped all.

    A socket monitor on the frontend reports each publisher connection that
    ends on an inproc PAIR, which the loop polls beside the other sockets.

    With CURVE, the guard's ZAP handler (zap.c) is bound as the ZeroMQ
    context's authentication handler before any socket, every socket is
    made a CURVE server, and the loop polls the handler and monitors of
    every socket too. The backend is an XPUB in manual mode, so that it
    applies only the subscriptions granted: the guard's ledger (ledger.c)
    decides on each, and the loop applies the decision, counts, and
    forwards to publishers what the ledger says they must hear.

    The actor's loop is a short list of phases: poll, serve the sockets
    that are readable, serve the pipe, write the periodic line.
    ========================================================================= */

#include "internal.h"
#include "guard.h"
#include "broker_config.h"

#include <errno.h>
#include <inttypes.h>
#include <czmq.h>

//  Messages moved from one socket before the loop polls again: enough to
//  amortize zmq_poll, few enough that the other direction, the pipe and
//  the control socket are never starved for long.
#define s_BATCH 1000

//  The largest control request frame; a peer sending more is dropped by
//  libzmq. Requests are words like "STATS".
#define s_CONTROL_FRAME_MAX 4096

//  High-water marks of the control socket, which only ever has a request
//  or two in flight.
#define s_CONTROL_HWM 100

//  Room for the JSON answer to "STATS": nine 20-digit numbers and names.
#define s_REPLY_MAX 1024

//  Most frames of a message that fits the binding (structured mode).
#define s_FRAMES_MAX 3

//  Peer addresses remembered in strict mode, so that only the first
//  rejection from each is logged. Past this many, a stream of new peers
//  cannot grow the table: their rejections are counted, not logged.
#define s_PEERS_MAX 10000

//  Items the actor polls at most: the pipe, the frontend, the backend, the
//  frontend's monitor, control, ZAP and two more monitors.
#define s_ITEMS_MAX 8

//  The broker as its owner sees it: the actor and what it bound.
struct jb_broker {
    zactor_t *actor;                            //  runs s_actor
    char frontend [JB_BROKER_ENDPOINT_MAX];     //  bound endpoints, for the
    char backend [JB_BROKER_ENDPOINT_MAX];      //  accessors; control is ""
    char control [JB_BROKER_ENDPOINT_MAX];      //  when there is none
};

//  The actor's state, made by jb_broker_new and freed by the actor.
typedef struct {
    zsock_t *frontend;                  //  XSUB, publishers connect
    zsock_t *backend;                   //  XPUB, subscribers connect
    zsock_t *control;                   //  REP, or NULL
    void *frontend_handle;              //  their libzmq sockets, for the
    void *backend_handle;               //  hot loop
    void *control_handle;
    zsock_t *monitor;                   //  PAIR: the frontend's socket monitor
    void *monitor_handle;
    jb__guard_t *guard;                 //  CURVE: authentication and
                                        //  authorisation; NULL without
    jb__zap_t *zap;                     //  CURVE: the guard's ZAP handler
    jb__ledger_t *ledger;               //  and subscription ledger, borrowed
    zsock_t *backend_monitor;           //  CURVE: PAIRs, the backend's and the
    zsock_t *control_monitor;           //  control socket's monitors (NULL
                                        //  without CURVE or control)
    jb_broker_stats_t stats;            //  counters; uptime_ms filled on read
    int64_t started_ms;                 //  zclock_mono() at start
    int stats_interval_ms;              //  0 = no periodic line
    int64_t next_stats_ms;              //  when the next periodic line is due
    bool strict;                        //  check messages against the binding
    bool inspected;                     //  strict or CURVE: messages take
                                        //  the inspected path
    jb__log_once_t *peers;              //  strict: peer addresses whose first
                                        //  rejection was logged; NULL when
                                        //  not strict
    zmq_msg_t msg;                      //  the fast path's, reused
    zmq_msg_t frames [s_FRAMES_MAX + 1];        //  the inspected path's
} s_forwarder_t;

//  What the actor polls: the fixed items first, then the optional ones,
//  where they exist, at the indices named (-1 where they do not).
enum { s_PIPE, s_FRONTEND, s_BACKEND, s_MONITOR };
typedef struct {
    zmq_pollitem_t items [s_ITEMS_MAX];
    int count;
    int control, zap, backend_monitor, control_monitor;
} s_poller_t;

//  --------------------------------------------------------------------------
//  Make a socket of type, set its options and bind it to endpoint, then
//  read back the endpoint as bound (a "*" port becomes a number). role
//  says who connects there, for the error message. libzmq is called
//  directly: zsock_bind has its own idea of "*" (a scan of a port range)
//  and the zsock_set_* setters assert on a refused value. With zap, the
//  socket is a CURVE server for zap_role before it is bound, and an XPUB
//  applies only the subscriptions the broker grants (manual mode).

static zsock_t *
s_socket_bind(int type, const char *endpoint, const char *role, const jb_broker_config_t *config,
              int hwm_limit, int64_t frame_max, jb__zap_t *zap, jb__role_t zap_role,
              char *bound, jb_error_t *error)
{
    zsock_t *socket = zsock_new(type);
    if (!socket) {
        jb__broker_error(error, JB_ESOCKET, NULL,
                         "socket for %s: %s", role, zmq_strerror(zmq_errno()));
        return NULL;
    }
    void *handle = zsock_resolve(socket);
    int sndhwm = hwm_limit? hwm_limit: config->sndhwm;
    int rcvhwm = hwm_limit? hwm_limit: config->rcvhwm;
    struct {
        int option;
        const void *value;
        size_t size;
        const char *name;
    } options [] = {
        { ZMQ_LINGER, &config->linger_ms, sizeof(int), "linger" },
        { ZMQ_SNDHWM, &sndhwm, sizeof(int), "sndhwm" },
        { ZMQ_RCVHWM, &rcvhwm, sizeof(int), "rcvhwm" },
        { ZMQ_MAXMSGSIZE, &frame_max, sizeof(int64_t), "max_message_size" },
        { ZMQ_HEARTBEAT_IVL, &config->heartbeat_ivl_ms, sizeof(int), "heartbeat_ivl" },
        { ZMQ_HEARTBEAT_TIMEOUT, &config->heartbeat_timeout_ms, sizeof(int),
          "heartbeat_timeout" },
    };
    for (size_t index = 0; index < sizeof options / sizeof options[0]; index++)
        if (zmq_setsockopt(handle, options[index].option, options[index].value,
                           options[index].size) == -1) {
            jb__broker_error(error, JB_ECONFIG, options[index].name, "socket for %s: %s: %s", role,
                             options[index].name, zmq_strerror(zmq_errno()));
            zsock_destroy(&socket);
            return NULL;
        }
    if (zap) {
        int manual = 1;
        int rc = jb__zap_secure(zap, handle, zap_role, error);
        if (rc == 0 && type == ZMQ_XPUB
        &&  zmq_setsockopt(handle, ZMQ_XPUB_MANUAL, &manual, sizeof manual) == -1)
            rc = jb__broker_error(error, JB_ESOCKET, NULL, "socket for %s: %s", role,
                                  zmq_strerror(zmq_errno()));
        if (rc) {
            zsock_destroy(&socket);
            return NULL;
        }
    }
    if (zmq_bind(handle, endpoint) == -1) {
        jb__broker_error(error, JB_ESOCKET, NULL, "endpoint %s for %s: %s", endpoint, role,
                         zmq_strerror(zmq_errno()));
        zsock_destroy(&socket);
        return NULL;
    }
    size_t size = JB_BROKER_ENDPOINT_MAX;
    if (zmq_getsockopt(handle, ZMQ_LAST_ENDPOINT, bound, &size) == -1)
        snprintf(bound, JB_BROKER_ENDPOINT_MAX, "%s", endpoint);
    return socket;
}

//  --------------------------------------------------------------------------
//  A forwarder with nothing open yet, or NULL when out of memory.

static s_forwarder_t *
s_forwarder_new(void)
{
    s_forwarder_t *self = (s_forwarder_t *) calloc(1, sizeof *self);
    if (self) {
        zmq_msg_init(&self->msg);
        for (size_t index = 0; index < s_FRAMES_MAX + 1; index++)
            zmq_msg_init(&self->frames[index]);
    }
    return self;
}

static void
s_forwarder_destroy(s_forwarder_t **self_p)
{
    s_forwarder_t *self = *self_p;
    if (self) {
        if (self->monitor)
            zmq_socket_monitor(zsock_resolve(self->frontend), NULL, 0);
        if (self->backend_monitor)
            zmq_socket_monitor(zsock_resolve(self->backend), NULL, 0);
        if (self->control_monitor)
            zmq_socket_monitor(zsock_resolve(self->control), NULL, 0);
        zsock_destroy(&self->monitor);
        zsock_destroy(&self->backend_monitor);
        zsock_destroy(&self->control_monitor);
        zsock_destroy(&self->frontend);
        zsock_destroy(&self->backend);
        zsock_destroy(&self->control);
        //  Last: while a CURVE socket is open, its handler must be there
        jb__guard_destroy(&self->guard);
        jb__log_once_destroy(&self->peers);
        zmq_msg_close(&self->msg);
        for (size_t index = 0; index < s_FRAMES_MAX + 1; index++)
            zmq_msg_close(&self->frames[index]);
        free(self);
        *self_p = NULL;
    }
}

//  --------------------------------------------------------------------------
//  Receive and send, retrying when a signal interrupts the call: an
//  embedding program's signal handlers must not cost a message.

static int
s_recv(zmq_msg_t *msg, void *socket, int flags)
{
    int rc;
    do
        rc = zmq_msg_recv(msg, socket, flags);
    while (rc == -1 && zmq_errno() == EINTR);
    return rc;
}

static int
s_send(zmq_msg_t *msg, void *socket, int flags)
{
    int rc;
    do
        rc = zmq_msg_send(msg, socket, flags);
    while (rc == -1 && zmq_errno() == EINTR);
    return rc;
}

//  --------------------------------------------------------------------------
//  Relay a message whose first frame is in msg from source to sink, frame
//  by frame. The frames of a message arrive together, so once the first is
//  in, the rest are there. *bytes gets the size of all frames, *sent false
//  when the sink refused the message (XPUB and XSUB never do, short of a
//  terminated context). Returns -1 when the context is gone.

static int
s_relay(zmq_msg_t *msg, void *source, void *sink, uint64_t *bytes, bool *sent)
{
    *bytes = 0;
    *sent = true;
    while (true) {
        *bytes += zmq_msg_size(msg);
        bool more = zmq_msg_more(msg);
        if (*sent && s_send(msg, sink, ZMQ_DONTWAIT | (more? ZMQ_SNDMORE: 0)) == -1) {
            if (zmq_errno() == ETERM)
                return -1;
            *sent = false;
        }
        if (!more)
            return 0;
        if (s_recv(msg, source, ZMQ_DONTWAIT) == -1)
            return -1;
    }
}

//  Relay a message from publishers, whose first frame is in msg, to
//  subscribers and count it. Returns -1 when the context is gone.
static inline int
s_message_relay(s_forwarder_t *self, zmq_msg_t *msg)
{
    uint64_t bytes;
    bool sent;
    if (s_relay(msg, self->frontend_handle, self->backend_handle, &bytes, &sent))
        return -1;
    self->stats.messages_in++;
    self->stats.bytes_in += bytes;
    if (sent) {
        self->stats.messages_out++;
        self->stats.bytes_out += bytes;
    }
    return 0;
}

//  --------------------------------------------------------------------------
//  The fast path: forward up to s_BATCH messages from publishers to
//  subscribers without looking into them. Returns -1 when the context is
//  gone.

static int
s_forward_messages(s_forwarder_t *self, zmq_msg_t *msg)
{
    for (int message = 0; message < s_BATCH; message++) {
        if (s_recv(msg, self->frontend_handle, ZMQ_DONTWAIT) == -1)
            return zmq_errno() == ETERM? -1: 0;
        if (s_message_relay(self, msg))
            return -1;
    }
    return 0;
}

//  --------------------------------------------------------------------------
//  Receive the frames of a message after its first, which is in frames[0]:
//  frames holds s_FRAMES_MAX + 1 initialised messages, and frames past
//  s_FRAMES_MAX of a longer message all land in the last one. The frames
//  of a message arrive together: once the first is in, the rest are
//  there. Counts the message in. Returns -1 when the context is gone.

static int
s_message_receive(s_forwarder_t *self, zmq_msg_t *frames, size_t *count_p, uint64_t *bytes_p)
{
    size_t count = 1;
    uint64_t bytes = zmq_msg_size(&frames[0]);
    bool more = zmq_msg_more(&frames[0]);
    while (more) {
        zmq_msg_t *frame = &frames[count < s_FRAMES_MAX? count: s_FRAMES_MAX];
        if (s_recv(frame, self->frontend_handle, ZMQ_DONTWAIT) == -1)
            return -1;
        count++;
        bytes += zmq_msg_size(frame);
        more = zmq_msg_more(frame);
    }
    self->stats.messages_in++;
    self->stats.bytes_in += bytes;
    *count_p = count;
    *bytes_p = bytes;
    return 0;
}

//  Send the count frames of a message received whole (at most
//  s_FRAMES_MAX), of bytes in all, to subscribers and count them out.
//  Returns -1 when the context is gone.
static int
s_message_send(s_forwarder_t *self, zmq_msg_t *frames, size_t count, uint64_t bytes)
{
    assert(count <= s_FRAMES_MAX);
    for (size_t index = 0; index < count; index++)
        if (s_send(&frames[index], self->backend_handle,
                   ZMQ_DONTWAIT | (index + 1 < count? ZMQ_SNDMORE: 0)) == -1)
            return zmq_errno() == ETERM? -1: 0;
    self->stats.messages_out++;
    self->stats.bytes_out += bytes;
    return 0;
}

//  --------------------------------------------------------------------------
//  Strict mode's check, a decision: 0 when the count frames of a message
//  fit the binding, else a JB_E* code with the reason in error. They are
//  decoded where they lie (jb_frame_t views into the zmq_msg_ts) into an
//  event that is thrown away. frames holds the first s_FRAMES_MAX of count.

static int
s_binding_check(zmq_msg_t *frames, size_t count, jb_error_t *error)
{
    if (count > s_FRAMES_MAX)
        return jb__broker_error(error, JB_EFRAME, NULL,
                                "a jbus message has 2 frames (binary mode) or 3 (structured "
                                "mode), this one has %zu", count);
    jb_frame_t views [s_FRAMES_MAX];
    for (size_t index = 0; index < count; index++) {
        views[index].data = zmq_msg_data(&frames[index]);
        views[index].size = zmq_msg_size(&frames[index]);
    }
    jb_event_t *event = NULL;
    int rc = jb_message_decode(views, count, NULL, &event, error);
    jb_event_destroy(&event);
    return rc;
}

//  Count a message that does not fit the binding; log it when it is the
//  first from its peer. first is its frame 0, which carries the
//  connection's metadata.
static void
s_binding_reject(s_forwarder_t *self, zmq_msg_t *first, const jb_error_t *error)
{
    self->stats.rejected++;
    //  inproc connections have no address; they are one peer, ""
    const char *peer = zmq_msg_gets(first, "Peer-Address");
    if (!peer)
        peer = "";
    if (!jb__log_once_first(self->peers, peer))
        return;
    //  The topic is whatever the peer sent: show printable ASCII only.
    char topic [JB__LOG_SHOWN_MAX + 4];
    jb__log_printable(zmq_msg_data(first), zmq_msg_size(first), topic);
    zsys_warning("jbus broker: strict: rejected a message from %s%s (topic \"%s\"): %s; "
                 "later ones from this peer are counted, not logged",
                 *peer? "": "an inproc peer", peer, topic, error->message);
}

//  --------------------------------------------------------------------------
//  The inspected path, one message whose first frame is in frames[0]. The
//  checks decide, the forwarder drops or forwards: with CURVE, a message
//  whose publisher may not publish its type is dropped whole (the guard
//  has logged it); in strict mode a message is received whole, checked
//  against the binding, and forwarded whole or dropped whole; otherwise
//  it is relayed as on the fast path. Returns -1 when the context is gone.

static int
s_message_inspect(s_forwarder_t *self, zmq_msg_t *frames)
{
    size_t count;
    uint64_t bytes;
    if (self->guard && !jb__guard_may_publish(self->guard, &frames[0])) {
        self->stats.forbidden_messages++;
        return s_message_receive(self, frames, &count, &bytes);
    }
    if (!self->strict)
        return s_message_relay(self, &frames[0]);
    if (s_message_receive(self, frames, &count, &bytes))
        return -1;
    jb_error_t error;
    if (s_binding_check(frames, count, &error)) {
        s_binding_reject(self, &frames[0], &error);
        return 0;
    }
    return s_message_send(self, frames, count, bytes);
}

//  The inspected path's s_forward_messages, for strict mode and CURVE:
//  frames holds s_FRAMES_MAX + 1 initialised messages. Returns -1 when the
//  context is gone.
static int
s_forward_inspected(s_forwarder_t *self, zmq_msg_t *frames)
{
    for (int message = 0; message < s_BATCH; message++) {
        if (s_recv(&frames[0], self->frontend_handle, ZMQ_DONTWAIT) == -1)
            return zmq_errno() == ETERM? -1: 0;
        if (s_message_inspect(self, frames))
            return -1;
    }
    return 0;
}

//  --------------------------------------------------------------------------
//  Read what a socket monitor (monitor, of the socket of role) has
//  reported, until nothing is left: the loop polls the frontend monitor's
//  ZMQ_FD, which signals again only once the socket has been read dry.
//  That is at most the monitor's and the PAIR's high-water marks of
//  events. An event is two frames: 6 bytes (uint16 event, uint32 value),
//  then the endpoint. Publisher disconnects are counted; failed handshakes
//  go to the guard. The events are read rather than assumed.

static void
s_monitor_read(s_forwarder_t *self, void *monitor, jb__role_t role, zmq_msg_t *msg)
{
    while (true) {
        if (s_recv(msg, monitor, ZMQ_DONTWAIT) == -1)
            return;
        uint16_t kind = 0;
        uint32_t value = 0;
        if (zmq_msg_size(msg) >= sizeof kind + sizeof value) {
            memcpy(&kind, zmq_msg_data(msg), sizeof kind);
            memcpy(&value, (const uint8_t *) zmq_msg_data(msg) + sizeof kind, sizeof value);
        }
        if (kind == ZMQ_EVENT_DISCONNECTED && role == JB__ROLE_PUBLISHERS)
            self->stats.disconnects++;
        else
        if (self->zap && jb__zap_handshake_failed(self->zap, role, kind, value))
            self->stats.auth_failures++;
        while (zmq_msg_more(msg))
            if (s_recv(msg, monitor, ZMQ_DONTWAIT) == -1)
                return;
    }
}

//  Every monitor: the frontend's and, with CURVE, the others.
static void
s_monitors_read(s_forwarder_t *self, zmq_msg_t *msg)
{
    s_monitor_read(self, self->monitor_handle, JB__ROLE_PUBLISHERS, msg);
    if (self->backend_monitor)
        s_monitor_read(self, zsock_resolve(self->backend_monitor), JB__ROLE_SUBSCRIBERS, msg);
    if (self->control_monitor)
        s_monitor_read(self, zsock_resolve(self->control_monitor), JB__ROLE_CONTROL, msg);
}

//  --------------------------------------------------------------------------
//  Forward up to s_BATCH subscription messages from subscribers to
//  publishers. XPUB passes only the first subscription to a prefix and
//  the last unsubscription from it: publishers hear of a topic once.

static int
s_forward_subscriptions(s_forwarder_t *self, zmq_msg_t *msg)
{
    for (int message = 0; message < s_BATCH; message++) {
        if (s_recv(msg, self->backend_handle, ZMQ_DONTWAIT) == -1)
            return zmq_errno() == ETERM? -1: 0;
        //  Byte 0 is 1 for subscribe, 0 for unsubscribe; read it before
        //  sending empties the frame.
        int kind = zmq_msg_size(msg) > 0? *(const uint8_t *) zmq_msg_data(msg): -1;
        uint64_t bytes;
        bool sent;
        if (s_relay(msg, self->backend_handle, self->frontend_handle, &bytes, &sent))
            return -1;
        if (kind == 1)
            self->stats.subscriptions++;
        else
        if (kind == 0)
            self->stats.unsubscriptions++;
    }
    return 0;
}

//  --------------------------------------------------------------------------
//  CURVE: one message read from the XPUB, which is in manual mode and
//  passes every subscription and unsubscription. The ledger decides; the
//  broker applies the decision to the XPUB at once (any other call on it
//  could move its notion of the last connection read), counts, and tells
//  publishers of the first subscription and the last unsubscription of
//  each prefix. Returns -1 when the context is gone.

static int
s_subscription_inspect(s_forwarder_t *self, zmq_msg_t *msg)
{
    const uint8_t *data = (const uint8_t *) zmq_msg_data(msg);
    size_t size = zmq_msg_size(msg);
    jb__ledger_decision_t decision = jb__ledger_decide(self->ledger, data, size,
                                                       zmq_msg_gets(msg, "User-Id"));
    if (decision.option)
        zmq_setsockopt(self->backend_handle, decision.option, data + 1, size - 1);
    if (decision.refused)
        self->stats.forbidden_subscriptions++;
    if (!decision.forward)
        return 0;
    int rc;
    do
        rc = zmq_send(self->frontend_handle, data, size, ZMQ_DONTWAIT);
    while (rc == -1 && zmq_errno() == EINTR);
    if (rc == -1)
        return zmq_errno() == ETERM? -1: 0;
    if (data[0] == 1)
        self->stats.subscriptions++;
    else
        self->stats.unsubscriptions++;
    return 0;
}

//  CURVE's s_forward_subscriptions: up to s_BATCH messages, each
//  inspected. Returns -1 when the context is gone.
static int
s_forward_subscriptions_inspected(s_forwarder_t *self, zmq_msg_t *msg)
{
    for (int message = 0; message < s_BATCH; message++) {
        if (s_recv(msg, self->backend_handle, ZMQ_DONTWAIT) == -1) {
            if (zmq_errno() == ETERM)
                return -1;
            jb__ledger_drained(self->ledger);
            return 0;
        }
        if (s_subscription_inspect(self, msg))
            return -1;
    }
    return 0;
}

//  --------------------------------------------------------------------------
//  The counters as of now. Disconnects and refused handshakes that the
//  monitors have reported are counted first, so that a peer's disconnect
//  that happened before the request is in the answer.

static jb_broker_stats_t
s_stats_snapshot(s_forwarder_t *self)
{
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    s_monitors_read(self, &msg);
    zmq_msg_close(&msg);
    jb_broker_stats_t stats = self->stats;
    stats.uptime_ms = (uint64_t) (zclock_mono() - self->started_ms);
    return stats;
}

//  --------------------------------------------------------------------------
//  One log line with every counter; what says why ("stats", "stopped").

static void
s_log_stats(s_forwarder_t *self, const char *what)
{
    jb_broker_stats_t stats = s_stats_snapshot(self);
    char strict [128] = "";
    if (self->strict)
        snprintf(strict, sizeof strict, ", strict: rejected %" PRIu64 " messages from %zu%s peers",
                 stats.rejected, jb__log_once_size(self->peers),
                 jb__log_once_full(self->peers)? " or more": "");
    char curve [160] = "";
    if (self->guard)
        snprintf(curve, sizeof curve, ", curve: refused %" PRIu64 " handshakes, dropped %" PRIu64
                 " messages, refused %" PRIu64 " subscriptions", stats.auth_failures,
                 stats.forbidden_messages, stats.forbidden_subscriptions);
    zsys_info("jbus broker %s: in %" PRIu64 " messages %" PRIu64 " bytes, "
              "out %" PRIu64 " messages %" PRIu64 " bytes, "
              "%" PRIu64 " subscriptions, %" PRIu64 " unsubscriptions, uptime %" PRIu64 " ms, "
              "%" PRIu64 " publisher disconnects%s%s",
              what, stats.messages_in, stats.bytes_in, stats.messages_out, stats.bytes_out,
              stats.subscriptions, stats.unsubscriptions, stats.uptime_ms, stats.disconnects,
              strict, curve);
}

//  --------------------------------------------------------------------------
//  Answer up to s_BATCH control requests. REP strips the envelope and drops
//  requests without one; what reaches us is the body, which is "STATS" or
//  is answered with an error. Every frame is read, so that the socket is
//  ready for the reply, whatever a peer sent.

static void
s_control_serve(s_forwarder_t *self, zmq_msg_t *msg)
{
    for (int request = 0; request < s_BATCH; request++) {
        if (s_recv(msg, self->control_handle, ZMQ_DONTWAIT) == -1)
            return;
        bool is_stats = !zmq_msg_more(msg) && zmq_msg_size(msg) == 5
                     && memcmp(zmq_msg_data(msg), "STATS", 5) == 0;
        while (zmq_msg_more(msg))
            if (s_recv(msg, self->control_handle, ZMQ_DONTWAIT) == -1)
                return;
        char reply [s_REPLY_MAX];
        int size;
        if (is_stats) {
            jb_broker_stats_t stats = s_stats_snapshot(self);
            size = snprintf(reply, sizeof reply,
                "{\"frontend\":{\"messages_in\":%" PRIu64 ",\"bytes_in\":%" PRIu64 ","
                "\"rejected\":%" PRIu64 ",\"disconnects\":%" PRIu64 ","
                "\"forbidden\":%" PRIu64 "},"
                "\"backend\":{\"messages_out\":%" PRIu64 ",\"bytes_out\":%" PRIu64 ","
                "\"subscriptions\":%" PRIu64 ",\"unsubscriptions\":%" PRIu64 ","
                "\"forbidden\":%" PRIu64 "},"
                "\"strict\":%s,\"curve\":%s,\"auth_failures\":%" PRIu64 ","
                "\"uptime_ms\":%" PRIu64 "}",
                stats.messages_in, stats.bytes_in, stats.rejected, stats.disconnects,
                stats.forbidden_messages, stats.messages_out, stats.bytes_out,
                stats.subscriptions, stats.unsubscriptions, stats.forbidden_subscriptions,
                self->strict? "true": "false", self->guard? "true": "false",
                stats.auth_failures, stats.uptime_ms);
        }
        else
            size = snprintf(reply, sizeof reply, "{\"error\":\"unknown request\"}");
        assert(size > 0 && (size_t) size < sizeof reply);
        int rc;
        do
            rc = zmq_send(self->control_handle, reply, (size_t) size, ZMQ_DONTWAIT);
        while (rc == -1 && zmq_errno() == EINTR);
    }
}

//  --------------------------------------------------------------------------
//  A command from the owner on the actor pipe. Returns false on "$TERM".

static bool
s_pipe_serve(s_forwarder_t *self, zsock_t *pipe)
{
    zmsg_t *request = zmsg_recv(pipe);
    if (!request)
        return zmq_errno() == EINTR;    //  else the context is gone
    char *command = zmsg_popstr(request);
    bool running = true;
    if (command && streq(command, "$TERM"))
        running = false;
    else
    if (command && streq(command, "STATS")) {
        jb_broker_stats_t stats = s_stats_snapshot(self);
        zframe_t *reply = zframe_new(&stats, sizeof stats);
        if (reply)
            zframe_send(&reply, pipe, 0);
    }
    else
        zsys_error("jbus broker: unknown command \"%s\" on the actor pipe", command? command: "");
    free(command);
    zmsg_destroy(&request);
    return running;
}

//  --------------------------------------------------------------------------
//  The poll set. The frontend's monitor is polled by its file descriptor,
//  not as a socket, so that it costs the loop nothing per turn beyond one
//  more descriptor in poll(): zmq_poll asks each socket item for
//  ZMQ_EVENTS, which checks the socket's mailbox, every time it is called.
//  Without the descriptor (the context is ending), poll() skips the item
//  (-1) and disconnects are still counted whenever the counters are read.

static void
s_poller_init(s_poller_t *poller, s_forwarder_t *self, zsock_t *pipe)
{
    int monitor_fd = -1;
    size_t fd_size = sizeof monitor_fd;
    if (zmq_getsockopt(self->monitor_handle, ZMQ_FD, &monitor_fd, &fd_size) == -1)
        monitor_fd = -1;
    *poller = (s_poller_t) {
        .items = {
            [s_PIPE] = { zsock_resolve(pipe), 0, ZMQ_POLLIN, 0 },
            [s_FRONTEND] = { self->frontend_handle, 0, ZMQ_POLLIN, 0 },
            [s_BACKEND] = { self->backend_handle, 0, ZMQ_POLLIN, 0 },
            [s_MONITOR] = { NULL, monitor_fd, ZMQ_POLLIN, 0 },
        },
        .count = s_MONITOR + 1,
        .control = -1, .zap = -1, .backend_monitor = -1, .control_monitor = -1
    };
    void *optional [] = {
        self->control_handle, self->zap? jb__zap_handle(self->zap): NULL,
        self->backend_monitor? zsock_resolve(self->backend_monitor): NULL,
        self->control_monitor? zsock_resolve(self->control_monitor): NULL
    };
    int *index [] = {
        &poller->control, &poller->zap, &poller->backend_monitor, &poller->control_monitor
    };
    for (size_t item = 0; item < sizeof optional / sizeof optional[0]; item++)
        if (optional[item]) {
            *index[item] = poller->count;
            poller->items[poller->count++] = (zmq_pollitem_t) { optional[item], 0, ZMQ_POLLIN, 0 };
        }
}

//  True when the item at index (-1 for one that does not exist) is readable.
static inline bool
s_readable(const s_poller_t *poller, int index)
{
    return index >= 0 && (poller->items[index].revents & ZMQ_POLLIN);
}

//  --------------------------------------------------------------------------
//  Wait until a socket is readable or the next periodic line is due,
//  trying again when a signal interrupts the wait. Returns 0, or -1 when
//  polling failed (logged).

static int
s_poll(s_forwarder_t *self, s_poller_t *poller)
{
    while (true) {
        long timeout = -1;
        if (self->stats_interval_ms > 0) {
            int64_t now = zclock_mono();
            timeout = self->next_stats_ms > now? (long) (self->next_stats_ms - now): 0;
        }
        if (zmq_poll(poller->items, poller->count, timeout) != -1)
            return 0;
        if (zmq_errno() != EINTR) {
            zsys_error("jbus broker: poll failed: %s", zmq_strerror(zmq_errno()));
            return -1;
        }
    }
}

//  Serve each readable socket but the pipe: subscriptions first, as they
//  open the way for messages, then messages, monitors, ZAP and control.
//  Returns -1 when the context is gone.
static int
s_sockets_serve(s_forwarder_t *self, const s_poller_t *poller)
{
    if (s_readable(poller, s_BACKEND)
    &&  (self->ledger? s_forward_subscriptions_inspected(self, &self->msg)
                     : s_forward_subscriptions(self, &self->msg)) == -1)
        return -1;
    if (s_readable(poller, s_FRONTEND)
    &&  (self->inspected? s_forward_inspected(self, self->frames)
                        : s_forward_messages(self, &self->msg)) == -1)
        return -1;
    if (s_readable(poller, s_MONITOR))
        s_monitor_read(self, self->monitor_handle, JB__ROLE_PUBLISHERS, &self->msg);
    if (s_readable(poller, poller->zap))
        self->stats.auth_failures += jb__zap_serve(self->zap);
    if (s_readable(poller, poller->backend_monitor))
        s_monitor_read(self, poller->items[poller->backend_monitor].socket,
                       JB__ROLE_SUBSCRIBERS, &self->msg);
    if (s_readable(poller, poller->control_monitor))
        s_monitor_read(self, poller->items[poller->control_monitor].socket, JB__ROLE_CONTROL,
                       &self->msg);
    if (s_readable(poller, poller->control))
        s_control_serve(self, &self->msg);
    return 0;
}

//  The periodic line, when it is due. A late tick does not cause a burst
//  of lines to catch up.
static void
s_stats_tick(s_forwarder_t *self)
{
    if (self->stats_interval_ms <= 0 || zclock_mono() < self->next_stats_ms)
        return;
    s_log_stats(self, "stats");
    self->next_stats_ms += self->stats_interval_ms;
    if (self->next_stats_ms <= zclock_mono())
        self->next_stats_ms = zclock_mono() + self->stats_interval_ms;
}

//  --------------------------------------------------------------------------
//  The actor: forward until told to stop.

static void
s_actor(zsock_t *pipe, void *args)
{
    s_forwarder_t *self = (s_forwarder_t *) args;
    zsock_signal(pipe, 0);
    s_poller_t poller;
    s_poller_init(&poller, self, pipe);
    s_monitors_read(self, &self->msg);          //  arms the descriptor
    bool running = true;
    while (running) {
        if (s_poll(self, &poller) == -1 || s_sockets_serve(self, &poller) == -1)
            break;
        if (s_readable(&poller, s_PIPE))
            running = s_pipe_serve(self, pipe);
        s_stats_tick(self);
    }
    s_log_stats(self, "stopped");
    s_forwarder_destroy(&self);
}

//  --------------------------------------------------------------------------
//  Have socket report events to a new PAIR of ours, *monitor_p, on an
//  inproc endpoint unique to this broker: a UUID, because a name made from
//  an address could still be bound by a broker just destroyed (libzmq
//  closes sockets, and frees their names, asynchronously). role names the
//  socket in messages. Returns 0, JB_ENOMEM or JB_ESOCKET.

static int
s_monitor_start(zsock_t *socket, int events, const char *role, zsock_t **monitor_p,
                jb_error_t *error)
{
    zuuid_t *uuid = zuuid_new();
    if (!uuid)
        return jb__broker_error(error, JB_ENOMEM, NULL, "out of memory");
    char endpoint [64];
    snprintf(endpoint, sizeof endpoint, "inproc://jbus-broker-monitor-%s", zuuid_str(uuid));
    zuuid_destroy(&uuid);
    if (zmq_socket_monitor(zsock_resolve(socket), endpoint, events) == -1)
        return jb__broker_error(error, JB_ESOCKET, NULL, "monitor for %s: %s", role,
                                zmq_strerror(zmq_errno()));
    *monitor_p = zsock_new(ZMQ_PAIR);
    if (!*monitor_p || zmq_connect(zsock_resolve(*monitor_p), endpoint) == -1) {
        jb__broker_error(error, JB_ESOCKET, NULL,
                         "monitor for %s: %s", role, zmq_strerror(zmq_errno()));
        zmq_socket_monitor(zsock_resolve(socket), NULL, 0);
        zsock_destroy(monitor_p);
        return JB_ESOCKET;
    }
    return 0;
}

//  The monitors: the frontend's always, for disconnects; with CURVE every
//  socket's, for refused handshakes.
static int
s_monitors_start(s_forwarder_t *self, jb_error_t *error)
{
    const int refused = ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                      | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;
    int rc = s_monitor_start(self->frontend, ZMQ_EVENT_DISCONNECTED | (self->guard? refused: 0),
                             "publishers", &self->monitor, error);
    if (rc == 0 && self->guard)
        rc = s_monitor_start(self->backend, refused, "subscribers", &self->backend_monitor,
                             error);
    if (rc == 0 && self->guard && self->control)
        rc = s_monitor_start(self->control, refused, "control", &self->control_monitor, error);
    return rc;
}

//  --------------------------------------------------------------------------

//  Open what the actor will own: the guard, the authentication handler,
//  before any socket that needs it (libzmq lets every key in when there
//  is none), then the sockets, bound, with their endpoints as bound in
//  broker, then the monitors. Returns 0, or -1 with error filled; what
//  was opened is then left for s_forwarder_destroy.

static int
s_forwarder_open(s_forwarder_t *self, const jb_broker_config_t *config, jb_broker_t *broker,
                 jb_error_t *error)
{
    if (config->curve_cert && *config->curve_cert) {
        self->guard = jb__guard_new(config->curve_cert, config->curve_clients,
                                    jb__broker_config_rules(config), error);
        if (!self->guard)
            return -1;
        self->zap = jb__guard_zap(self->guard);
        self->ledger = jb__guard_ledger(self->guard);
    }
    self->frontend = s_socket_bind(ZMQ_XSUB, config->frontend, "publishers", config, 0,
                                   config->max_message_size, self->zap,
                                   JB__ROLE_PUBLISHERS, broker->frontend, error);
    if (!self->frontend)
        return -1;
    //  Subscribers send only subscriptions, which are no longer than the
    //  topics they match; the same limit keeps a peer from sending more.
    self->backend = s_socket_bind(ZMQ_XPUB, config->backend, "subscribers", config, 0,
                                  config->max_message_size, self->zap,
                                  JB__ROLE_SUBSCRIBERS, broker->backend, error);
    if (!self->backend)
        return -1;
    if (config->control && *config->control) {
        self->control = s_socket_bind(ZMQ_REP, config->control, "control", config,
                                      s_CONTROL_HWM, s_CONTROL_FRAME_MAX, self->zap,
                                      JB__ROLE_CONTROL, broker->control, error);
        if (!self->control)
            return -1;
    }
    if (s_monitors_start(self, error))
        return -1;
    if (config->strict) {
        char full_warning [200];
        snprintf(full_warning, sizeof full_warning, "jbus broker: strict: %d peers have sent "
                 "messages that do not fit the binding; those of further peers are counted, "
                 "not logged", s_PEERS_MAX);
        if (!(self->peers = jb__log_once_new(s_PEERS_MAX, full_warning))) {
            jb__broker_error(error, JB_ENOMEM, NULL, "out of memory");
            return -1;
        }
    }
    self->frontend_handle = zsock_resolve(self->frontend);
    self->backend_handle = zsock_resolve(self->backend);
    self->control_handle = self->control? zsock_resolve(self->control): NULL;
    self->monitor_handle = zsock_resolve(self->monitor);
    self->started_ms = zclock_mono();
    self->stats_interval_ms = config->stats_interval_ms;
    self->next_stats_ms = self->started_ms + self->stats_interval_ms;
    self->strict = config->strict;
    self->inspected = self->strict || self->guard;
    return 0;
}

//  --------------------------------------------------------------------------

jb_broker_t *
jb_broker_new(const jb_broker_config_t *config, jb_error_t *error)
{
    jb_broker_config_t defaults;
    jb_broker_config_defaults(&defaults);
    if (!config)
        config = &defaults;
    if (jb__broker_config_check(config, error))
        return NULL;
    jb_broker_t *self = (jb_broker_t *) calloc(1, sizeof *self);
    s_forwarder_t *forwarder = s_forwarder_new();
    if (!self || !forwarder) {
        jb__broker_error(error, JB_ENOMEM, NULL, "out of memory");
        goto failed;
    }
    if (s_forwarder_open(forwarder, config, self, error))
        goto failed;
    char curve [JB_BROKER_PATH_MAX + 64] = "";
    if (forwarder->guard) {
        char summary [JB_BROKER_PATH_MAX + 48];
        jb__guard_describe(forwarder->guard, summary, sizeof summary);
        snprintf(curve, sizeof curve, " curve (%s)", summary);
    }
    //  From here the actor owns the forwarder and its sockets.
    self->actor = zactor_new(s_actor, forwarder);
    if (!self->actor) {
        jb__broker_error(error, JB_ENOMEM, NULL, "cannot start the broker thread");
        goto failed;
    }
    zsys_info("jbus broker started: frontend=%s backend=%s control=%s%s%s",
              self->frontend, self->backend, *self->control? self->control: "none",
              config->strict? " strict": "", curve);
    return self;

failed:
    s_forwarder_destroy(&forwarder);
    free(self);
    return NULL;
}

//  --------------------------------------------------------------------------

void
jb_broker_destroy(jb_broker_t **self_p)
{
    assert(self_p);
    jb_broker_t *self = *self_p;
    if (self) {
        zactor_destroy(&self->actor);
        free(self);
        *self_p = NULL;
    }
}

//  --------------------------------------------------------------------------

const char *
jb_broker_endpoint_frontend(const jb_broker_t *self)
{
    assert(self);
    return self->frontend;
}

const char *
jb_broker_endpoint_backend(const jb_broker_t *self)
{
    assert(self);
    return self->backend;
}

const char *
jb_broker_endpoint_control(const jb_broker_t *self)
{
    assert(self);
    return self->control;
}

//  --------------------------------------------------------------------------

int
jb_broker_stats(jb_broker_t *self, jb_broker_stats_t *stats)
{
    assert(self);
    assert(stats);
    memset(stats, 0, sizeof *stats);
    if (zstr_send(self->actor, "STATS") == -1)
        return JB_ECLOSED;
    //  The reply is the struct itself; anything else is the signal the
    //  actor's thread sends as it ends.
    jb_broker_stats_t reply;
    int size;
    do
        size = zmq_recv(zsock_resolve(self->actor), &reply, sizeof reply, 0);
    while (size == -1 && zmq_errno() == EINTR);
    if (size != (int) sizeof reply)
        return JB_ECLOSED;
    *stats = reply;
    return 0;
}
