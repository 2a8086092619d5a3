/*  =========================================================================
    forwarder.c - the broker's actor: forward until told to stop

    The actor's loop is zmq_proxy's, made cheaper: zmq_poll over the raw
    handles, and for each readable socket up to s_BATCH messages moved with
    ZMQ_DONTWAIT before polling again, so that under load one poll pays for
    many messages. Frames move with zmq_msg_recv/zmq_msg_send into reused
    zmq_msg_ts: libzmq hands the buffer over, nothing is copied.

    A message from publishers is held, frame by frame, until its last
    frame is in, then sent whole, so that one past its bounds (max_frames,
    max_message_bytes) is refused whole, never sent in part: frames
    already sent with ZMQ_SNDMORE cannot be called back. Holding costs
    nothing: libzmq hands over a message's first frame only once its last
    has arrived (its pipes publish whole messages), so the frames are all
    in memory anyway, and the calls are those of relaying. A refused
    message's publisher is disconnected (the roster shuts its descriptor down).

    Messages from publishers take one of two paths, chosen once per batch:
    the fast path looks at nothing but the bounds and the roster's
    accounting (who sent it, how many subscribers it reached: about 400
    instructions a message, most of them libzmq's metadata lookup, against
    some 4,400 for the broker's whole path; callgrind, issue 12), so that
    it costs little more than zmq_proxy does; the inspected path, for
    strict mode and CURVE, applies a check to each message and drops or
    forwards it on the check's decision. Its
    checks are the CURVE publish rule (the guard's, on frame 0) and strict
    mode's binding check, which receives the frames of a message into
    zmq_msg_ts, decodes them in place (jb_frame_t views into the received
    buffers) and then has them sent all or dropped all.

    Publishers' announcements (docs/zeromq-binding.md 4.2) take the same
    paths as events; sending one looks at its frame 1 to count it apart,
    and keeps a closing publisher's final ones, which a tick sends again
    once a second (retained.c).

    Socket monitors on the frontend and the backend report each
    connection accepted and ended on inproc PAIRs, which the loop polls
    beside the other sockets and forwarder_watch.c reads into the roster
    (roster.c). The answers to STATS, CONNZ and SUBSZ are forwarder_watch.c's
    too.

    With CURVE, the loop polls the guard's ZAP handler (zap.c) and the
    control socket's monitor too. The backend is then an XPUB in manual
    mode, which applies only the subscriptions granted: the guard's ledger
    (ledger.c) decides on each, and the loop applies the decision, counts,
    and forwards to publishers what the ledger says they must hear.

    The loop is a short list of phases: poll, serve the sockets that are
    readable, serve the pipe, write the periodic line.
    ========================================================================= */

#include <errno.h>
#include <inttypes.h>

#include "jbus.h"
#include "forwarder.h"
#include "forwarder_watch.h"
#include "announce.h"
#include "broker_config.h"
#include "broker_stats.h"
#include "inspect.h"
#include "refusal.h"
#include "text.h"

//  Messages moved from one socket before the loop polls again: enough to
//  amortize zmq_poll, few enough that the other direction, the pipe and
//  the control socket are never starved for long.
#define s_BATCH 1000

//  Items the actor polls at most: the pipe, the frontend, the backend, the
//  frontend's monitor, control, ZAP, two more monitors and the monitoring
//  endpoint's socket.
#define s_ITEMS_MAX 9

//  What the actor polls: the fixed items first, then the optional ones,
//  where they exist, at the indices named (-1 where they do not).
enum { s_PIPE, s_FRONTEND, s_BACKEND, s_MONITOR };
typedef struct {
    zmq_pollitem_t items [s_ITEMS_MAX];
    int count;
    int control, zap, backend_monitor, control_monitor, monitoring;
} s_poller_t;

//  --------------------------------------------------------------------------

jb__forwarder_t *
jb__forwarder_new(void)
{
    jb__forwarder_t *self = (jb__forwarder_t *) calloc(1, sizeof *self);
    if (self && !(self->roster = jb__roster_new())) {
        free(self);
        self = NULL;
    }
    if (self) {
        zmq_msg_init(&self->msg);
        for (size_t index = 0; index < JB_BROKER_FRAMES_MAX + 1; index++)
            zmq_msg_init(&self->frames[index]);
    }
    return self;
}

//  --------------------------------------------------------------------------

void
jb__forwarder_destroy(jb__forwarder_t **self_p)
{
    assert(self_p);
    jb__forwarder_t *self = *self_p;
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
        zsock_destroy(&self->monitoring);
        //  Last: while a CURVE socket is open, its handler must be there
        jb__guard_destroy(&self->guard);
        jb__log_once_destroy(&self->peers);
        jb__log_once_destroy(&self->oversized_peers);
        jb__retained_destroy(&self->retained);
        zsock_destroy(&self->journal_feed);
        free(self->journal_filters);
        jb__roster_destroy(&self->roster);
        zmq_msg_close(&self->msg);
        for (size_t index = 0; index < JB_BROKER_FRAMES_MAX + 1; index++)
            zmq_msg_close(&self->frames[index]);
        free(self);
        *self_p = NULL;
    }
}

//  --------------------------------------------------------------------------
//  Send, retrying when a signal interrupts the call (receive is
//  forwarder.h's jb__forwarder_recv): an embedding program's signal
//  handlers must not cost a message.

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
//  by frame: subscriptions, which XPUB bounds by max_message_size per
//  frame. *bytes gets the size of all frames, *sent false when the sink
//  refused the message (XPUB and XSUB never do, short of a terminated
//  context). Returns -1 when the context is gone.

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
        if (jb__forwarder_recv(msg, source, ZMQ_DONTWAIT) == -1)
            return -1;
    }
}

//  --------------------------------------------------------------------------
//  Receive the frames of a message after its first, which is in frames[0],
//  holding the first max_frames of them in frames; frames past the bound
//  all land in the spare, frames[max_frames], and go as they come. libzmq
//  hands over the first frame of a message only once its last is in, so
//  this never waits. *count_p gets its frames, *bytes_p their size.
//  Counts the message in: an event in messages_in, a publisher's
//  announcement (*announcement_p true) in announcements, whatever becomes
//  of it. Returns -1 when the context is gone.

static inline int
s_message_receive(jb__forwarder_t *self, zmq_msg_t *frames, size_t *count_p, uint64_t *bytes_p,
                  bool *announcement_p)
{
    size_t count = 1;
    uint64_t bytes = zmq_msg_size(&frames[0]);
    bool more = zmq_msg_more(&frames[0]);
    while (more) {
        zmq_msg_t *frame = &frames[count < self->max_frames? count: self->max_frames];
        if (jb__forwarder_recv(frame, self->frontend_handle, ZMQ_DONTWAIT) == -1)
            return -1;
        count++;
        bytes += zmq_msg_size(frame);
        more = zmq_msg_more(frame);
    }
    if (!jb__roster_published(self->roster, &frames[0], bytes)) {
        //  A new publisher's accept not read yet
        jb__forwarder_monitor_read(self, self->monitor_handle, JB__ROLE_PUBLISHERS, &self->msg);
        jb__roster_published(self->roster, &frames[0], bytes);
    }
    *announcement_p = count == 3 && self->max_frames >= 3
                   && jb__announce_marks(zmq_msg_data(&frames[1]), zmq_msg_size(&frames[1]));
    if (*announcement_p)
        self->stats.announcements++;
    else {
        self->stats.messages_in++;
        self->stats.bytes_in += bytes;
    }
    *count_p = count;
    *bytes_p = bytes;
    return 0;
}

//  True when a message of count frames and bytes is past a bound.
static inline bool
s_oversized(const jb__forwarder_t *self, size_t count, uint64_t bytes)
{
    return count > self->max_frames || bytes > self->max_bytes;
}

//  A closing publisher's final announcement, in frames, about to be
//  forwarded, is kept to be sent again. Only what is forwarded is kept:
//  with CURVE, what the publisher's rule let through.
static void
s_announcement_keep(jb__forwarder_t *self, zmq_msg_t *frames)
{
    jb__announcement_t announcement;
    if (jb__announce_parse(zmq_msg_data(&frames[2]), zmq_msg_size(&frames[2]), &announcement,
                           NULL) == 0
    &&  announcement.final)
        jb__retained_keep(self->retained, zmq_msg_data(&frames[0]), zmq_msg_size(&frames[0]),
                          zmq_msg_data(&frames[2]), zmq_msg_size(&frames[2]), zclock_mono());
}

//  Send one retained announcement to subscribers.
static void
s_reannounce(const void *topic, size_t topic_size, const void *text, size_t text_size, void *arg)
{
    jb__forwarder_t *self = (jb__forwarder_t *) arg;
    if (zmq_send(self->backend_handle, topic, topic_size, ZMQ_DONTWAIT | ZMQ_SNDMORE) != -1
    &&  zmq_send(self->backend_handle, JB__ANNOUNCE_MEDIA_TYPE, JB__ANNOUNCE_MEDIA_TYPE_SIZE,
                 ZMQ_DONTWAIT | ZMQ_SNDMORE) != -1
    &&  zmq_send(self->backend_handle, text, text_size, ZMQ_DONTWAIT) != -1)
        self->stats.reannounced++;
}

//  An event forwarded but not journaled: the journal's queue was full.
//  Counted, and logged at most once a minute, so that a journal that cannot
//  keep up is never silent and its log never floods.
static void
s_journal_dropped(jb__forwarder_t *self)
{
    self->stats.journal_dropped++;
    int64_t now = zclock_mono();
    if (self->journal_drop_logged && now - self->journal_drop_logged < 60000)
        return;
    self->journal_drop_logged = now;
    jb_log(JB_LOG_WARN, "journal: its queue is full, the events it cannot take are "
                 "forwarded but not journaled (%" PRIu64 " so far, journal.dropped); raise "
                 "journal_queue, or journal_commit_count for larger groups",
                 self->stats.journal_dropped);
}

//  True when an event of topic (frame 0) is to be journaled.
static bool
s_journaled(const jb__forwarder_t *self, zmq_msg_t *topic)
{
    if (!self->journal_filters)
        return true;
    const char *filter = self->journal_filters;
    for (size_t index = 0; index < self->journal_filter_count; index++) {
        size_t size = strlen(filter);
        if (size <= zmq_msg_size(topic) && memcmp(zmq_msg_data(topic), filter, size) == 0)
            return true;
        filter += size + 1;
    }
    return false;
}

//  Send the count frames of a message held whole (at most max_frames), of
//  bytes in all, to subscribers and count them out: an event in
//  messages_out, and in deliveries once for each subscriber it matches; an announcement is not counted again, and a final one
//  is kept. An event to journal goes to the recorder first, as a copy
//  (sending empties the frames), never waiting: a full queue costs the
//  journal the event, counted, not the subscribers. Returns -1 when the
//  context is gone.
static inline int
s_message_send(jb__forwarder_t *self, zmq_msg_t *frames, size_t count, uint64_t bytes,
               bool announcement)
{
    if (announcement && self->retained)
        s_announcement_keep(self, frames);
    if (self->journal_feed_handle && !announcement && s_journaled(self, &frames[0])
    &&  !jb__recorder_record(self->journal_feed_handle, frames, count))
        s_journal_dropped(self);
    //  Before sending, which empties the frames
    uint64_t matched = jb__roster_delivered(self->roster, zmq_msg_data(&frames[0]),
                                            zmq_msg_size(&frames[0]), bytes);
    for (size_t index = 0; index < count; index++)
        if (s_send(&frames[index], self->backend_handle,
                   ZMQ_DONTWAIT | (index + 1 < count? ZMQ_SNDMORE: 0)) == -1)
            return zmq_errno() == ETERM? -1: 0;
    if (!announcement) {
        self->stats.messages_out++;
        self->stats.bytes_out += bytes;
        self->stats.deliveries += matched;
        self->stats.bytes_delivered += matched * bytes;
    }
    return 0;
}

//  --------------------------------------------------------------------------
//  Refuse a message past a bound, of count frames and bytes, whose frames
//  are held in frames: count it, disconnect its publisher, log the first
//  from each peer address, and let its frames go now rather than when
//  the next message takes their place.
static void
s_oversized_refuse(jb__forwarder_t *self, zmq_msg_t *frames, size_t count, uint64_t bytes)
{
    self->stats.oversized++;
    bool disconnected = jb__roster_disconnect(self->roster, &frames[0]);
    const char *peer = zmq_msg_gets(&frames[0], "Peer-Address");
    if (!peer)
        peer = "";
    if (jb__log_once_first(self->oversized_peers, peer)) {
        char topic [JB__LOG_SHOWN_MAX + 4];
        jb__log_printable(zmq_msg_data(&frames[0]), zmq_msg_size(&frames[0]), topic);
        char bound [64] = "no limit";
        if (self->max_bytes != UINT64_MAX)
            snprintf(bound, sizeof bound, "%" PRIu64, self->max_bytes);
        jb_log(JB_LOG_WARN, "refused a message of %zu frames, %" PRIu64 " bytes from %s%s "
                     "(topic \"%s\"): the bounds are max_frames %zu, max_message_bytes %s; %s; "
                     "later ones from this peer are counted, not logged",
                     count, bytes, *peer? "": "an inproc peer", peer, topic, self->max_frames,
                     bound, disconnected? "disconnected it": "could not disconnect it");
    }
    for (size_t index = 0; index <= self->max_frames && index < count; index++) {
        zmq_msg_close(&frames[index]);
        zmq_msg_init(&frames[index]);
    }
}

//  --------------------------------------------------------------------------
//  The fast path: forward up to s_BATCH messages from publishers to
//  subscribers without looking into them, only at their bounds. frames
//  holds max_frames + 1 initialised messages. Returns -1 when the context
//  is gone.

static int
s_forward_messages(jb__forwarder_t *self, zmq_msg_t *frames)
{
    for (int message = 0; message < s_BATCH; message++) {
        if (jb__forwarder_recv(&frames[0], self->frontend_handle, ZMQ_DONTWAIT) == -1)
            return zmq_errno() == ETERM? -1: 0;
        size_t count;
        uint64_t bytes;
        bool announcement;
        if (s_message_receive(self, frames, &count, &bytes, &announcement))
            return -1;
        if (s_oversized(self, count, bytes))
            s_oversized_refuse(self, frames, count, bytes);
        else
        if (s_message_send(self, frames, count, bytes, announcement))
            return -1;
    }
    return 0;
}

//  --------------------------------------------------------------------------
//  Count a message that does not fit the binding; log it when it is the
//  first from its peer. first is its frame 0, which carries the
//  connection's metadata.
static void
s_binding_reject(jb__forwarder_t *self, zmq_msg_t *first, const jb_error_t *error)
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
    jb_log(JB_LOG_WARN, "%s: rejected a message from %s%s (topic \"%s\"): %s; "
                 "later ones from this peer are counted, not logged",
                 self->strict? "strict": "curve", *peer? "": "an inproc peer", peer, topic,
                 error->message);
}

//  --------------------------------------------------------------------------
//  The inspected path, one message whose first frame is in frames[0],
//  received whole. The checks decide, the forwarder drops or forwards:
//  a message past a bound is refused as on the fast path; with CURVE, a
//  structured message whose JSON type is not its topic is rejected, and
//  one whose publisher may not publish its type is dropped (the guard has
//  logged it); in strict mode a message that does not fit the
//  binding is dropped. Returns -1 when the context is gone.

static int
s_message_inspect(jb__forwarder_t *self, zmq_msg_t *frames)
{
    size_t count;
    uint64_t bytes;
    bool announcement;
    if (s_message_receive(self, frames, &count, &bytes, &announcement))
        return -1;
    if (s_oversized(self, count, bytes)) {
        s_oversized_refuse(self, frames, count, bytes);
        return 0;
    }
    jb_error_t error;
    if (self->guard && jb__inspect_type(frames, count, &error)) {
        s_binding_reject(self, &frames[0], &error);
        return 0;
    }
    if (self->guard && !jb__guard_may_publish(self->guard, &frames[0])) {
        if (!announcement)
            self->stats.forbidden_messages++;
        return 0;
    }
    if (self->strict && jb__inspect_binding(frames, count, &error)) {
        s_binding_reject(self, &frames[0], &error);
        return 0;
    }
    return s_message_send(self, frames, count, bytes, announcement);
}

//  The inspected path's s_forward_messages, for strict mode and CURVE.
//  Returns -1 when the context is gone.
static int
s_forward_inspected(jb__forwarder_t *self, zmq_msg_t *frames)
{
    for (int message = 0; message < s_BATCH; message++) {
        if (jb__forwarder_recv(&frames[0], self->frontend_handle, ZMQ_DONTWAIT) == -1)
            return zmq_errno() == ETERM? -1: 0;
        if (s_message_inspect(self, frames))
            return -1;
    }
    return 0;
}

//  --------------------------------------------------------------------------
//  Forward up to s_BATCH subscription messages from subscribers to
//  publishers. The XPUB passes every subscription (ZMQ_XPUB_VERBOSE) and
//  the last unsubscription from a prefix; the roster counts subscribers,
//  and publishers hear of a prefix only when its first subscriber comes
//  and its last goes, as they would from a plain XPUB.

static int
s_forward_subscriptions(jb__forwarder_t *self, zmq_msg_t *msg)
{
    for (int message = 0; message < s_BATCH; message++) {
        if (jb__forwarder_recv(msg, self->backend_handle, ZMQ_DONTWAIT) == -1)
            return zmq_errno() == ETERM? -1: 0;
        //  Byte 0 is 1 for subscribe, 0 for unsubscribe
        const uint8_t *data = (const uint8_t *) zmq_msg_data(msg);
        size_t size = zmq_msg_size(msg);
        int kind = size > 0 && !zmq_msg_more(msg)? data[0]: -1;
        if (kind == 1 && !jb__roster_subscribe(self->roster, msg, data + 1, size - 1))
            continue;           //  publishers have heard of it
        //  The XPUB passes only a prefix's last unsubscription, and one
        //  from a prefix its connection never held
        if (kind == 0 && !jb__roster_unsubscribe(self->roster, msg, data + 1, size - 1, true))
            continue;
        uint64_t bytes;
        bool sent;
        if (s_relay(msg, self->backend_handle, self->frontend_handle, &bytes, &sent))
            return -1;
    }
    return 0;
}

//  --------------------------------------------------------------------------
//  CURVE: publish the notice that the subscription to prefix of the
//  connection of user_id ("KEY N", zap.c) was refused, on the topic of its
//  key (refusal.h), without waiting: a subscriber whose queue is full at
//  that moment goes without.

static void
s_refusal_notify(jb__forwarder_t *self, const void *prefix, size_t prefix_size,
                 const char *user_id)
{
    char topic [JB__REFUSAL_KEY_TOPIC_SIZE];
    jb__refusal_topic(topic, user_id);
    zmq_msg_t notice;
    if (zmq_msg_init_size(&notice, JB__REFUSAL_KEY_SIZE + 1 + prefix_size) == -1)
        return;
    char *text = (char *) zmq_msg_data(&notice);
    memcpy(text, user_id, JB__REFUSAL_KEY_SIZE);
    text[JB__REFUSAL_KEY_SIZE] = ' ';
    memcpy(text + JB__REFUSAL_KEY_SIZE + 1, prefix, prefix_size);
    void *backend = self->backend_handle;
    if (zmq_send(backend, topic, sizeof topic, ZMQ_DONTWAIT | ZMQ_SNDMORE) != -1
    &&  zmq_send(backend, JB__REFUSAL_MEDIA_TYPE, JB__REFUSAL_MEDIA_TYPE_SIZE,
                 ZMQ_DONTWAIT | ZMQ_SNDMORE) != -1)
        zmq_msg_send(&notice, backend, ZMQ_DONTWAIT);
    zmq_msg_close(&notice);
}

//  CURVE: one message read from the XPUB, which is in manual mode and
//  passes every subscription and unsubscription. The ledger decides; the
//  broker applies the decision to the XPUB at once (any other call on it
//  could move its notion of the last connection read), counts, and tells
//  publishers of the first subscription and the last unsubscription of
//  each prefix. Returns -1 when the context is gone.

static int
s_subscription_inspect(jb__forwarder_t *self, zmq_msg_t *msg)
{
    const uint8_t *data = (const uint8_t *) zmq_msg_data(msg);
    size_t size = zmq_msg_size(msg);
    jb__ledger_decision_t decision = jb__ledger_decide(self->ledger, data, size,
                                                       zmq_msg_gets(msg, "User-Id"));
    if (decision.option) {
        zmq_setsockopt(self->backend_handle, decision.option, data + 1, size - 1);
        if (decision.option == ZMQ_SUBSCRIBE)
            jb__roster_subscribe(self->roster, msg, data + 1, size - 1);
        else
            jb__roster_unsubscribe(self->roster, msg, data + 1, size - 1, decision.forward);
    }
    if (decision.refused)
        self->stats.forbidden_subscriptions++;
    if (decision.notify)
        s_refusal_notify(self, data + 1, size - 1, zmq_msg_gets(msg, "User-Id"));
    if (!decision.forward)
        return 0;
    int rc;
    do
        rc = zmq_send(self->frontend_handle, data, size, ZMQ_DONTWAIT);
    while (rc == -1 && zmq_errno() == EINTR);
    if (rc == -1)
        return zmq_errno() == ETERM? -1: 0;
    return 0;
}

//  CURVE's s_forward_subscriptions: up to s_BATCH messages, each
//  inspected. Returns -1 when the context is gone.
static int
s_forward_subscriptions_inspected(jb__forwarder_t *self, zmq_msg_t *msg)
{
    for (int message = 0; message < s_BATCH; message++) {
        if (jb__forwarder_recv(msg, self->backend_handle, ZMQ_DONTWAIT) == -1) {
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
//  A reload's policy for connections already made: a key still in the
//  clients directory, with a right on its side, and a subscriber's every
//  prefix still allowed (a refusal notice topic is the broker's own).

static bool
s_key_kept(const char *key, jb__role_t role, void *arg)
{
    jb__forwarder_t *self = (jb__forwarder_t *) arg;
    const jb__rule_t *rule = jb__rules_find(jb__guard_rules(self->guard), key);
    return jb__zap_knows(self->zap, key)
        && jb__rule_has_right(rule, role == JB__ROLE_PUBLISHERS? JB_BROKER_PUBLISH
                                                               : JB_BROKER_SUBSCRIBE);
}

static bool
s_prefix_kept(const char *key, const void *prefix, size_t size, void *arg)
{
    jb__forwarder_t *self = (jb__forwarder_t *) arg;
    return jb__refusal_is_topic(prefix, size)
        || jb__rule_allows(jb__rules_find(jb__guard_rules(self->guard), key),
                           JB_BROKER_SUBSCRIBE, prefix, size);
}

//  A command from the owner on the actor pipe. Returns false on "$TERM".
//  A reload's rules reach the guard, and connections they no longer allow
//  are cut.

static bool
s_pipe_serve(jb__forwarder_t *self, zsock_t *pipe)
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
        jb_broker_stats_t stats = jb__forwarder_stats(self);
        zframe_t *reply = zframe_new(&stats, sizeof stats);
        if (reply)
            zframe_send(&reply, pipe, 0);
    }
    else
    if (command && streq(command, "RELOAD")) {
        //  RELOAD, then the new rules (taken); answered with a signal
        zframe_t *frame = zmsg_pop(request);
        jb__rules_t *rules = NULL;
        if (frame && zframe_size(frame) == sizeof rules)
            memcpy(&rules, zframe_data(frame), sizeof rules);
        zframe_destroy(&frame);
        if (rules && self->guard) {
            jb__guard_reload(self->guard, &rules);
            //  Who is still connected, so that no descriptor is stale
            zmq_msg_t msg;
            zmq_msg_init(&msg);
            jb__forwarder_monitors_read(self, &msg);
            zmq_msg_close(&msg);
            jb__roster_policy_t policy = { s_key_kept, s_prefix_kept, self };
            size_t cut = jb__roster_cut_unkept(self->roster, &policy);
            if (cut)
                jb_log(JB_LOG_INFO, "reload: cut %zu connections whose keys left curve_clients "
                       "or lost a right they used; they may connect again under the new rules",
                       cut);
        }
        jb__rules_destroy(&rules);
        zsock_signal(pipe, 0);
    }
    else
        jb_log(JB_LOG_ERROR, "unknown command \"%s\" on the actor pipe", command? command: "");
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
s_poller_init(s_poller_t *poller, jb__forwarder_t *self, zsock_t *pipe)
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
        .control = -1, .zap = -1, .backend_monitor = -1, .control_monitor = -1,
        .monitoring = -1
    };
    void *optional [] = {
        self->control_handle, self->zap? jb__zap_handle(self->zap): NULL,
        zsock_resolve(self->backend_monitor),
        self->control_monitor? zsock_resolve(self->control_monitor): NULL,
        self->monitoring? zsock_resolve(self->monitoring): NULL
    };
    int *index [] = {
        &poller->control, &poller->zap, &poller->backend_monitor, &poller->control_monitor,
        &poller->monitoring
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
//  Wait until a socket is readable or the next periodic line or
//  re-announcement is due,
//  trying again when a signal interrupts the wait. Returns 0, or -1 when
//  polling failed (logged).

static int
s_poll(jb__forwarder_t *self, s_poller_t *poller)
{
    while (true) {
        int64_t due = self->stats_interval_ms > 0? self->next_stats_ms: -1;
        int64_t retained = self->retained? jb__retained_next_tick(self->retained): -1;
        if (retained >= 0 && (due < 0 || retained < due))
            due = retained;
        long timeout = -1;
        if (due >= 0) {
            int64_t now = zclock_mono();
            timeout = due > now? (long) (due - now): 0;
        }
        if (zmq_poll(poller->items, poller->count, timeout) != -1)
            return 0;
        if (zmq_errno() != EINTR) {
            jb_log(JB_LOG_ERROR, "poll failed: %s", zmq_strerror(zmq_errno()));
            return -1;
        }
    }
}

//  Serve each readable socket but the pipe: subscriptions first, as they
//  open the way for messages, then messages, monitors, ZAP and control.
//  Returns -1 when the context is gone.
static int
s_sockets_serve(jb__forwarder_t *self, const s_poller_t *poller)
{
    //  A connection's accept is reported before anything it sends can be
    //  read: the monitor first, so that the roster knows the subscriber
    //  (for a publisher, s_message_receive reads it when needed)
    if (s_readable(poller, s_BACKEND))
        jb__forwarder_monitor_read(self, poller->items[poller->backend_monitor].socket,
                       JB__ROLE_SUBSCRIBERS, &self->msg);
    if (s_readable(poller, s_BACKEND)
    &&  (self->ledger? s_forward_subscriptions_inspected(self, &self->msg)
                     : s_forward_subscriptions(self, &self->msg)) == -1)
        return -1;
    if (s_readable(poller, s_FRONTEND)
    &&  (self->inspected? s_forward_inspected(self, self->frames)
                        : s_forward_messages(self, self->frames)) == -1)
        return -1;
    if (s_readable(poller, s_MONITOR))
        jb__forwarder_monitor_read(self, self->monitor_handle, JB__ROLE_PUBLISHERS, &self->msg);
    if (s_readable(poller, poller->zap))
        self->stats.auth_failures += jb__zap_serve(self->zap);
    if (s_readable(poller, poller->backend_monitor))
        jb__forwarder_monitor_read(self, poller->items[poller->backend_monitor].socket,
                       JB__ROLE_SUBSCRIBERS, &self->msg);
    if (s_readable(poller, poller->control_monitor))
        jb__forwarder_monitor_read(self, poller->items[poller->control_monitor].socket, JB__ROLE_CONTROL,
                       &self->msg);
    if (s_readable(poller, poller->control))
        jb__forwarder_requests_serve(self, self->control_handle, &self->msg);
    if (s_readable(poller, poller->monitoring))
        jb__forwarder_requests_serve(self, poller->items[poller->monitoring].socket, &self->msg);
    return 0;
}

//  The periodic line, when it is due. A late tick does not cause a burst
//  of lines to catch up.
static void
s_stats_tick(jb__forwarder_t *self)
{
    if (self->stats_interval_ms <= 0 || zclock_mono() < self->next_stats_ms)
        return;
    jb__forwarder_stats_log(self, "stats");
    self->next_stats_ms += self->stats_interval_ms;
    if (self->next_stats_ms <= zclock_mono())
        self->next_stats_ms = zclock_mono() + self->stats_interval_ms;
}

//  --------------------------------------------------------------------------

void
jb__forwarder_actor(zsock_t *pipe, void *args)
{
    jb__forwarder_t *self = (jb__forwarder_t *) args;
    zsock_signal(pipe, 0);
    s_poller_t poller;
    s_poller_init(&poller, self, pipe);
    jb__forwarder_monitors_read(self, &self->msg);          //  arms the descriptor
    bool running = true;
    while (running) {
        if (s_poll(self, &poller) == -1 || s_sockets_serve(self, &poller) == -1)
            break;
        if (s_readable(&poller, s_PIPE))
            running = s_pipe_serve(self, pipe);
        s_stats_tick(self);
        if (self->retained)
            jb__retained_tick(self->retained, zclock_mono(), s_reannounce, self);
    }
    jb__forwarder_stats_log(self, "stopped");
    jb__forwarder_destroy(&self);
}
