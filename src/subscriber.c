/*  =========================================================================
    subscriber.c - receive CloudEvents from the bus by type

    A SUB socket read through its raw libzmq handle: each frame is received
    into a zmq_msg_t kept in the subscriber and decoded in place, so the
    receive path copies nothing and allocates only the decoded event.

    The filters and the handlers on them are a jb__filters_t (filters.c).

    ZeroMQ does the prefix filtering itself: the SUB socket holds one
    subscription per jb_subscriber_subscribe call, to the filter itself or,
    for a pattern, to the text before its first wildcard. While there are no
    patterns those subscriptions are exactly our prefix filters, so recv
    trusts ZeroMQ and skips the matching; patterns need the exact match here.
    ========================================================================= */


#include <czmq.h>
#include <errno.h>
#include <limits.h>

#include "jbus.h"
#include "announce.h"
#include "connection.h"
#include "error.h"
#include "event.h"
#include "filters.h"
#include "heartbeat.h"
#include "message.h"
#include "refusal.h"
#include "replay_request.h"
#include "sequence.h"
#include "subscriber.h"
#include "text.h"

//  What a subscriber must reach, for jb__connection_wait's messages.
#define s_PEER "a broker's subscriber endpoint (its backend, an XPUB socket; publishers " \
               "connect to the other one)"



//  --------------------------------------------------------------------------

void
jb_subscriber_options_defaults(jb_subscriber_options_t *options)
{
    assert(options);
    options->rcvhwm = 100000;
    options->bind = false;
    options->known = NULL;
    options->curve_server_key = NULL;
    options->curve_public_key = NULL;
    options->curve_secret_key = NULL;
    options->max_message_bytes = 1024 * 1024;
    options->connect_timeout_ms = 0;
    options->replay_endpoint = NULL;
    options->replay_start = NULL;
    options->repair = true;
    options->durable = NULL;
    options->ack_every = 100;
}

//  --------------------------------------------------------------------------

jb_subscriber_t *
jb_subscriber_new(const char *endpoint, const jb_subscriber_options_t *options,
                  jb_error_t *error)
{
    assert(endpoint);
    jb_subscriber_options_t defaults;
    if (!options) {
        jb_subscriber_options_defaults(&defaults);
        options = &defaults;
    }
    if (options->rcvhwm < 0) {
        jb__error(error, JB_EINVAL, NULL, "the receive high-water mark cannot be negative (%d)",
                  options->rcvhwm);
        return NULL;
    }
    if (options->connect_timeout_ms < 0) {
        jb__error(error, JB_EINVAL, NULL, "connect_timeout_ms cannot be negative (%d)",
                  options->connect_timeout_ms);
        return NULL;
    }
    if (options->max_message_bytes < -1) {
        jb__error(error, JB_EINVAL, NULL, "max_message_bytes is -1 (no limit) or more (%lld)",
                  (long long) options->max_message_bytes);
        return NULL;
    }
    if ((options->curve_server_key || options->curve_public_key || options->curve_secret_key)
    &&  options->bind) {
        jb__error(error, JB_EINVAL, NULL, "CURVE keys are for a subscriber that connects to a "
                  "broker, not one that binds");
        return NULL;
    }
    if (options->durable && !options->replay_endpoint) {
        jb__error(error, JB_EINVAL, NULL, "a durable consumer reads the broker's journal: it "
                  "needs replay_endpoint");
        return NULL;
    }
    if (options->durable && !jb__replay_name_valid(options->durable)) {
        jb__error(error, JB_EINVAL, NULL, "a durable consumer's name is 1 to %d printable ASCII "
                  "characters without spaces", JB__REPLAY_NAME_MAX);
        return NULL;
    }
    jb_subscriber_t *self = (jb_subscriber_t *) calloc(1, sizeof(jb_subscriber_t));
    if (!self) {
        jb__error(error, JB_ENOMEM, NULL, "out of memory");
        return NULL;
    }
    self->known = options->known;
    self->caught_up = !options->replay_endpoint || !options->replay_start || options->durable;
    bool journal_wanted = options->replay_endpoint != NULL;
    if (journal_wanted) {
        self->replay_endpoint = jb__strndup(options->replay_endpoint,
                                            strlen(options->replay_endpoint));
        //  a durable consumer's: where a new name starts
        if (options->replay_start)
            self->replay_start = jb__strndup(options->replay_start,
                                             strlen(options->replay_start));
        if (options->durable)
            self->durable = jb__strndup(options->durable, strlen(options->durable));
        self->ack_every = options->ack_every;
        self->repair = options->repair && !options->durable;
        self->seen = jb__seen_new();
        self->filter_texts = zlistx_new();
        if (self->filter_texts)
            zlistx_set_destructor(self->filter_texts, (zlistx_destructor_fn *) zstr_free);
        if (options->curve_server_key && options->curve_public_key
        &&  options->curve_secret_key) {
            snprintf(self->curve_server, sizeof self->curve_server, "%s",
                     options->curve_server_key);
            snprintf(self->curve_public, sizeof self->curve_public, "%s",
                     options->curve_public_key);
            snprintf(self->curve_secret, sizeof self->curve_secret, "%s",
                     options->curve_secret_key);
        }
    }
    self->max_bytes = options->max_message_bytes < 0? UINT64_MAX
                    : (uint64_t) options->max_message_bytes;
    self->gaps = jb__gaps_new();
    self->filters = jb__filters_new();
    self->socket = zsock_new(ZMQ_SUB);
    if (!self->gaps || !self->filters || !self->socket
    ||  (journal_wanted && (!self->replay_endpoint || !self->filter_texts || !self->seen
                            || (options->replay_start && !self->replay_start)
                            || (options->durable && !self->durable)))) {
        jb__error(error, JB_ESOCKET, NULL, "cannot create a SUB socket: %s",
                  zmq_strerror(zmq_errno()));
        jb_subscriber_destroy(&self);
        return NULL;
    }
    self->handle = zsock_resolve(self->socket);
    zsock_set_rcvhwm(self->socket, options->rcvhwm);
    zsock_set_linger(self->socket, 0);      //  a SUB has nothing to flush
    zsock_set_heartbeat_ivl(self->socket, JB__HEARTBEAT_IVL_MS);
    zsock_set_heartbeat_timeout(self->socket, JB__HEARTBEAT_TIMEOUT_MS);
    //  all a SUB sends is subscriptions, and libzmq drops those, unlike
    //  data, silently at the high-water mark: 10,000 filters set in a loop
    //  would lose some
    zsock_set_sndhwm(self->socket, 0);
    if (jb_curve_client_apply(self->handle, options->curve_server_key, options->curve_public_key,
                              options->curve_secret_key, error)) {
        jb_subscriber_destroy(&self);
        return NULL;
    }
    //  with CURVE the broker may refuse a subscription, and says so on our
    //  key's notice topic, which only a subscription lets through our SUB
    if (options->curve_public_key) {
        snprintf(self->curve_key, sizeof self->curve_key, "%s", options->curve_public_key);
        char topic [JB__REFUSAL_KEY_TOPIC_SIZE];
        jb__refusal_topic(topic, self->curve_key);
        zmq_setsockopt(self->handle, ZMQ_SUBSCRIBE, topic, sizeof topic);
    }
    //  blocks only where asked to: connect_timeout_ms
    if (jb__connection_open(self->socket, endpoint, options->bind, options->connect_timeout_ms,
                            s_PEER, options->curve_public_key != NULL, error)) {
        jb_subscriber_destroy(&self);
        return NULL;
    }
    self->endpoint = options->bind? zsock_last_endpoint(self->socket)
                                  : jb__strndup(endpoint, strlen(endpoint));
    if (!self->endpoint) {
        jb__error(error, JB_ENOMEM, NULL, "out of memory");
        jb_subscriber_destroy(&self);
    }
    return self;
}

//  --------------------------------------------------------------------------

void
jb_subscriber_destroy(jb_subscriber_t **self_p)
{
    assert(self_p);
    jb_subscriber_t *self = *self_p;
    if (!self)
        return;
    assert(!self->in_callback);     //  not from inside a handler
    jb__follow_close(self);
    jb__repair_close(self);
    zsock_destroy(&self->socket);
    zsock_destroy(&self->replay);
    zlistx_destroy(&self->filter_texts);
    free(self->replay_endpoint);
    free(self->replay_start);
    free(self->durable);
    //  the secret key is no one's business once we are gone
    memset(self->curve_secret, 0, sizeof self->curve_secret);
    jb__gaps_destroy(&self->gaps);
    jb__seen_destroy(&self->seen);
    jb__filters_destroy(&self->filters);
    free(self->endpoint);
    free(self);
    *self_p = NULL;
}

const char *
jb_subscriber_endpoint(const jb_subscriber_t *self)
{
    assert(self);
    return self->endpoint;
}

//  --------------------------------------------------------------------------
//  One subscription to filter, and handler on it when not NULL.

static int
s_subscribe(jb_subscriber_t *self, const char *filter, jb_handler_fn *handler, void *arg,
            jb_error_t *error)
{
    size_t subscription_size;
    int rc = jb__filters_add(self->filters, filter, handler, arg, &subscription_size, error);
    if (rc)
        return rc;
    //  one ZeroMQ subscription per call: libzmq counts them as we do; a
    //  durable consumer reads the journal, never the live stream
    if (!self->durable
    &&  zmq_setsockopt(self->handle, ZMQ_SUBSCRIBE, filter, subscription_size) == -1) {
        int errnum = zmq_errno();
        jb__filters_undo_add(self->filters, filter, handler != NULL);
        return jb__error(error, JB_ESOCKET, NULL, "cannot subscribe to \"%.*s\": %s",
                         JB__SUBSCRIBER_QUOTE_MAX, filter, zmq_strerror(errnum));
    }
    //  to catch up on or follow from the journal
    if (self->filter_texts) {
        char *copy = jb__strndup(filter, strlen(filter));
        if (!copy || !zlistx_add_end(self->filter_texts, copy)) {
            free(copy);
            jb__filters_undo_add(self->filters, filter, handler != NULL);
            if (!self->durable)
                zmq_setsockopt(self->handle, ZMQ_UNSUBSCRIBE, filter, subscription_size);
            return jb__error(error, JB_ENOMEM, NULL, "out of memory");
        }
        self->follow_stale = true;
    }
    return 0;
}

int
jb_subscriber_subscribe(jb_subscriber_t *self, const char *filter, jb_error_t *error)
{
    assert(self);
    assert(filter);
    return s_subscribe(self, filter, NULL, NULL, error);
}

int
jb_subscriber_on(jb_subscriber_t *self, const char *filter, jb_handler_fn *handler, void *arg,
                 jb_error_t *error)
{
    assert(self);
    assert(filter);
    assert(handler);
    return s_subscribe(self, filter, handler, arg, error);
}

int
jb_subscriber_unsubscribe(jb_subscriber_t *self, const char *filter, jb_error_t *error)
{
    assert(self);
    assert(filter);
    size_t subscription_size;
    if (!jb__filters_find(self->filters, filter, &subscription_size))
        return jb__error(error, JB_ENOTFOUND, NULL, "not subscribed to \"%.*s\"",
                         JB__SUBSCRIBER_QUOTE_MAX, filter);
    if (!self->durable
    &&  zmq_setsockopt(self->handle, ZMQ_UNSUBSCRIBE, filter, subscription_size) == -1)
        return jb__error(error, JB_ESOCKET, NULL, "cannot unsubscribe from \"%.*s\": %s",
                         JB__SUBSCRIBER_QUOTE_MAX, filter, zmq_strerror(zmq_errno()));
    jb__filters_remove(self->filters, filter);
    for (char *text = self->filter_texts? (char *) zlistx_first(self->filter_texts): NULL; text;
         text = (char *) zlistx_next(self->filter_texts))
        if (streq(text, filter)) {
            zlistx_delete(self->filter_texts, zlistx_cursor(self->filter_texts));
            self->follow_stale = true;
            break;
        }
    self->unsubscribed = true;
    return 0;
}

void
jb_subscriber_on_reject(jb_subscriber_t *self, jb_reject_fn *reject, void *arg)
{
    assert(self);
    self->reject = reject;
    self->reject_arg = arg;
}

//  --------------------------------------------------------------------------

void
jb_subscriber_on_gap(jb_subscriber_t *self, jb_gap_fn *gap, void *arg)
{
    assert(self);
    self->gap = gap;
    self->gap_arg = arg;
}

//  --------------------------------------------------------------------------
//  Receiving, in phases: read a message off the socket (s_read_message),
//  or wait for one (s_wait); take an announcement aside (s_announcement);
//  decode it (s_decode), which reports what is
//  not an event; note its sequence number (s_check_sequence); and keep it
//  when a filter wants it (s_wanted).

//  Take one whole message off the socket without waiting: its first frames
//  into self->parts (and self->frames), the rest received and dropped.
//  Returns the frame count, *kept_p the frames kept and *bytes_p the size
//  of all frames, or -1 with
//  zmq_errno() set (EAGAIN when no message is waiting).

static int
s_read_message(jb_subscriber_t *self, size_t *kept_p, uint64_t *bytes_p)
{
    zmq_msg_t *part = &self->parts[0];
    zmq_msg_init(part);
    if (zmq_msg_recv(part, self->handle, ZMQ_DONTWAIT) == -1) {
        zmq_msg_close(part);
        return -1;
    }
    size_t kept = 1;
    int total = 1;
    uint64_t bytes = zmq_msg_size(part);
    bool more = zmq_msg_more(part);
    zmq_msg_t extra;
    while (more) {
        //  a message arrives whole, so its later frames never need a wait
        part = kept < JB__SUBSCRIBER_FRAMES_MAX? &self->parts[kept]: &extra;
        zmq_msg_init(part);
        if (zmq_msg_recv(part, self->handle, ZMQ_DONTWAIT) == -1) {
            int errnum = zmq_errno();
            zmq_msg_close(part);
            while (kept > 0)
                zmq_msg_close(&self->parts[--kept]);
            errno = errnum == EAGAIN? EPROTO: errnum;
            return -1;
        }
        more = zmq_msg_more(part);
        bytes += zmq_msg_size(part);
        if (part == &extra)
            zmq_msg_close(part);
        else
            kept++;
        if (total < INT_MAX)
            total++;
    }
    for (size_t index = 0; index < kept; index++) {
        self->frames[index].data = zmq_msg_data(&self->parts[index]);
        self->frames[index].size = zmq_msg_size(&self->parts[index]);
    }
    *kept_p = kept;
    *bytes_p = bytes;
    return total;
}

//  Wait until a message may be waiting or the deadline (ms on zclock_mono,
//  -1 for none) passes. 0, JB_ETIMEDOUT or JB_ESOCKET.

int
jb__subscriber_poll(jb_subscriber_t *self, void *handle, long wait_ms, int64_t deadline,
                    int timeout_ms, jb_error_t *error)
{
    if (deadline >= 0) {
        int64_t now = zclock_mono();
        long left = deadline > now? (long) (deadline - now): 0;
        if (wait_ms < 0 || left < wait_ms)
            wait_ms = left;
    }
    //  a signal that came just before the wait would not end it
    if (zsys_interrupted)
        return jb__error(error, JB_EINTR, NULL, "interrupted by a signal");
    zmq_pollitem_t item = { handle, 0, ZMQ_POLLIN, 0 };
    int ready = zmq_poll(&item, handle? 1: 0, wait_ms);
    if (ready == -1)
        return zmq_errno() == EINTR
             ? jb__error(error, JB_EINTR, NULL, "interrupted by a signal")
             : jb__error(error, JB_ESOCKET, NULL, "poll: %s", zmq_strerror(zmq_errno()));
    if (ready > 0)
        return 1;
    if (deadline >= 0 && zclock_mono() >= deadline)
        return jb__error(error, JB_ETIMEDOUT, NULL, "no event from %.*s within %d ms",
                         JB__SUBSCRIBER_QUOTE_MAX, self->endpoint, timeout_ms);
    return 0;
}

//  Decode the message just read, of total frames (kept of them in
//  self->frames), and close its frames. Returns the event and its stamp in
//  *stamp, or NULL for a message that is none, counted and reported.

//  Count and report a message that is no event, of kept frames.
void
jb__subscriber_reject(jb_subscriber_t *self, const jb_frame_t *frames, size_t kept,
                      const jb_error_t *reason)
{
    self->stats.rejected++;
    if (self->reject) {
        self->in_callback = true;
        self->reject(frames, kept, reason, self->reject_arg);
        self->in_callback = false;
    }
}

static void
s_frames_close(jb_subscriber_t *self, size_t kept)
{
    for (size_t index = 0; index < kept; index++)
        zmq_msg_close(&self->parts[index]);
}

//  Count and report what a stream missed for good (transport, like a
//  frame: never part of the event).
void
jb__subscriber_lost(jb_subscriber_t *self, uint32_t missed, const char *publisher,
                    const char *type)
{
    self->stats.unrecoverable += missed;
    if (self->gap) {
        self->in_callback = true;
        self->gap(publisher, type, missed, self->gap_arg);
        self->in_callback = false;
    }
}

//  Decode the message just read, of total frames (kept of them in
//  self->frames) and bytes, and close its frames. Returns the event and
//  its stamp in *stamp, or NULL for a message that is none, counted and
//  reported.

static jb_event_t *
s_decode(jb_subscriber_t *self, size_t kept, int total, uint64_t bytes,
         jb__received_stamp_t *stamp)
{
    self->stats.received++;
    self->check_exactly = self->unsubscribed;
    self->unsubscribed = false;
    jb_event_t *event = NULL;
    jb_error_t reason;
    int rc = (size_t) total > kept
        ? jb__error(&reason, JB_EFRAME, NULL, "too many frames: a jbus message has 2 "
                    "(binary mode) or 3 (structured mode), this one has %d", total)
        : bytes > self->max_bytes
        ? jb__error(&reason, JB_EFRAME, NULL, "a message of %llu bytes, more than "
                    "max_message_bytes (%llu)", (unsigned long long) bytes,
                    (unsigned long long) self->max_bytes)
        : jb__message_decode_stamped(self->frames, kept, self->known, &event, stamp, &reason);
    if (rc)
        jb__subscriber_reject(self, self->frames, kept, &reason);
    s_frames_close(self, kept);
    return event;
}

//  An announcement just read (3 frames in self->frames): a quiet
//  publisher's latest number of a type. When a filter wants the type, a
//  number past the last one seen is a loss of the stream's tail. Closes
//  its frames.

static void
s_announcement(jb_subscriber_t *self)
{
    self->stats.announcements++;
    jb__announcement_t announcement;
    jb_error_t reason;
    char *type = NULL;
    if (jb__announce_parse(self->frames[2].data, self->frames[2].size, &announcement, &reason))
        jb__subscriber_reject(self, self->frames, 3, &reason);
    else
    if ((type = jb__strndup((const char *) self->frames[0].data, self->frames[0].size))
    &&  jb__filters_match_any(self->filters, type)) {
        uint32_t missed = jb__gaps_announced(self->gaps, announcement.publisher,
                                             announcement.publisher_size,
                                             announcement.sequence, type, strlen(type));
        if (missed) {
            self->stats.gaps++;
            self->stats.missed += missed;
        }
        if (missed && self->repair)
            jb__repair_begin(self, announcement.publisher, announcement.publisher_size, type,
                             strlen(type), (int64_t) announcement.sequence - missed + 1,
                             announcement.sequence, NULL);
        else
        if (missed)
            jb__subscriber_lost(self, missed, announcement.publisher, type);
    }
    free(type);
    s_frames_close(self, 3);
}

//  A broker's notice just read (3 frames in self->frames: a notice topic,
//  the notices' media type): with CURVE, a subscription of our key was
//  refused. Closes its frames. Returns JB_EDENIED with the subscription in
//  error when it is one of ours; 0 when it is not (another connection of
//  our key asked for it, or, as a subscriber to everything sees every
//  key's notices, another key's), which is skipped.

static int
s_refusal(jb_subscriber_t *self, jb_error_t *error)
{
    const char *prefix;
    size_t prefix_size;
    int rc = 0;
    if (self->curve_key[0]
    &&  jb__refusal_is_topic_of(self->frames[0].data, self->frames[0].size, self->curve_key)
    &&  jb__refusal_for(self->frames[2].data, self->frames[2].size, self->curve_key, &prefix,
                        &prefix_size)
    &&  jb__filters_subscribed(self->filters, prefix, prefix_size)) {
        self->stats.refused++;
        rc = jb__error(error, JB_EDENIED, NULL, "Permissions Violation for Subscription to "
                       "\"%.*s\": the broker's rules do not let our key subscribe to it "
                       "(docs/security.md)", (int) (prefix_size < JB__SUBSCRIBER_QUOTE_MAX? prefix_size
                                                                            : JB__SUBSCRIBER_QUOTE_MAX),
                       prefix);
    }
    s_frames_close(self, 3);
    return rc;
}

//  True when a filter wants event: for recv (calls NULL) any filter, for
//  dispatch one with handlers, which are then collected and *calls_p says
//  how many. 0 or JB_ENOMEM.

static int
s_wanted(jb_subscriber_t *self, const jb_event_t *event, size_t *calls_p, bool *wanted_p)
{
    const char *type = jb_event_type(event);
    if (calls_p) {
        int rc = jb__filters_collect(self->filters, type, calls_p);
        *wanted_p = rc == 0 && *calls_p > 0;
        return rc;
    }
    //  Without patterns, ZeroMQ's subscriptions are exactly our prefix
    //  filters and it has matched already. Except once after an unsubscribe:
    //  libzmq may hold one message that it matched before (prefetched by a
    //  poll), and it returns that one without matching it again.
    *wanted_p = (!jb__filters_has_patterns(self->filters) && !self->check_exactly)
             || jb__filters_match_any(self->filters, type);
    return 0;
}

//  --------------------------------------------------------------------------
//  An event decoded, live or replayed, with its stamp: drop it when it was
//  had already (with a replay endpoint: the seam between the replay and
//  the live stream), note its number, and keep it when a filter wants it.
//  Returns 1 with it in *event_p, 0 when it was dropped, or JB_ENOMEM.

int
jb__subscriber_deliver(jb_subscriber_t *self, jb_event_t *event,
                       const jb__received_stamp_t *stamp, size_t *calls_p, jb_event_t **event_p,
                       bool replayed)
{
    size_t type_size;
    const char *type = jb__event_core(event, JB__TYPE, &type_size);
    //  what the event's stream missed before it, by its stamp, and whether
    //  it was had already (then nothing changed): with a replay endpoint, a
    //  duplicate at the seam, by the stamp or, without one, source and id
    bool repeated = false;
    uint32_t missed = jb__gaps_observe(self->gaps, stamp, type, type_size, &repeated);
    if (self->replay_endpoint
    &&  (stamp->stamped? repeated: jb__seen_repeated(self->seen, jb_event_source(event),
                                                     jb_event_id(event)))) {
        self->stats.duplicates++;
        jb_event_destroy(&event);
        return 0;
    }
    if (missed) {
        self->stats.gaps++;
        self->stats.missed += missed;
        //  a live gap: the journal may have what the live stream lost, so
        //  the event waits until the repair has handed that over
        if (self->repair && !replayed) {
            jb__repair_begin(self, stamp->publisher, stamp->publisher_size, type, type_size,
                             (int64_t) stamp->sequence - missed, (int64_t) stamp->sequence - 1,
                             event);
            return 0;
        }
        jb__subscriber_lost(self, missed, stamp->publisher, type);
    }
    return jb__subscriber_hand_over(self, event, calls_p, event_p, replayed);
}

int
jb__subscriber_hand_over(jb_subscriber_t *self, jb_event_t *event, size_t *calls_p,
                         jb_event_t **event_p, bool replayed)
{
    bool wanted;
    if (s_wanted(self, event, calls_p, &wanted)) {
        jb_event_destroy(&event);
        return JB_ENOMEM;
    }
    if (!wanted) {
        self->stats.filtered++;
        jb_event_destroy(&event);
        return 0;
    }
    self->stats.delivered++;
    if (replayed)
        self->stats.replayed++;
    *event_p = event;
    return 1;
}

//  --------------------------------------------------------------------------
//  The broker's replay endpoint, for catch_up.c, repair.c and follow.c.

zsock_t *
jb__subscriber_replay_open(jb_subscriber_t *self, jb_error_t *error)
{
    zsock_t *socket = zsock_new(ZMQ_DEALER);
    if (!socket) {
        jb__error(error, JB_ESOCKET, NULL, "cannot create the replay socket");
        return NULL;
    }
    zsock_set_linger(socket, 0);
    if (self->curve_public[0]
    &&  jb_curve_client_apply(socket, self->curve_server, self->curve_public,
                              self->curve_secret, error)) {
        zsock_destroy(&socket);
        return NULL;
    }
    if (zsock_connect(socket, "%s", self->replay_endpoint) == -1) {
        jb__error(error, JB_EINVAL, NULL, "cannot connect to the replay endpoint \"%.*s\": %s",
                  JB__SUBSCRIBER_QUOTE_MAX, self->replay_endpoint, zmq_strerror(zmq_errno()));
        zsock_destroy(&socket);
    }
    return socket;
}

jb_event_t *
jb__subscriber_replayed_event(jb_subscriber_t *self, zmsg_t *message,
                              jb__received_stamp_t *stamp)
{
    jb_frame_t frames [JB__SUBSCRIBER_FRAMES_MAX];
    size_t count = 0;
    uint64_t bytes = 0;
    for (zframe_t *frame = zmsg_first(message); frame && count < JB__SUBSCRIBER_FRAMES_MAX;
         frame = zmsg_next(message)) {
        frames[count++] = (jb_frame_t) { zframe_data(frame), zframe_size(frame) };
        bytes += zframe_size(frame);
    }
    jb_event_t *event = NULL;
    jb_error_t reason;
    self->stats.received++;
    int rc = zmsg_size(message) != count
        ? jb__error(&reason, JB_EFRAME, NULL, "too many frames: a jbus message has 2 "
                    "(binary mode) or 3 (structured mode), this one has %zu",
                    zmsg_size(message))
        : bytes > self->max_bytes
        ? jb__error(&reason, JB_EFRAME, NULL, "a message of %llu bytes, more than "
                    "max_message_bytes (%llu)", (unsigned long long) bytes,
                    (unsigned long long) self->max_bytes)
        : jb__message_decode_stamped(frames, count, self->known, &event, stamp, &reason);
    if (rc)
        jb__subscriber_reject(self, frames, count, &reason);
    return event;
}

//  --------------------------------------------------------------------------
//  The receive loop of recv and dispatch: the next event that a filter
//  wants (see s_wanted), waiting up to timeout_ms. Malformed messages are
//  counted, reported and skipped. 0, JB_ETIMEDOUT, JB_EINTR, JB_EDENIED,
//  JB_ESOCKET or JB_ENOMEM.

static int
s_receive(jb_subscriber_t *self, int timeout_ms, jb_event_t **event_p, size_t *calls_p,
          jb_error_t *error)
{
    assert(timeout_ms >= -1);
    int64_t deadline = timeout_ms < 0? -1: zclock_mono() + timeout_ms;
    if (self->durable) {
        int rc = jb__follow_next(self, deadline, timeout_ms, event_p, calls_p, error);
        return rc == 1? 0: rc;
    }
    if (!self->caught_up) {
        int rc = jb__catch_up(self, deadline, timeout_ms, event_p, calls_p, error);
        if (rc == 1)
            return 0;
        if (rc)
            return rc;
    }
    while (true) {
        //  a repair under way hands over what it fetches first
        if (self->repairing) {
            int rc = jb__repair_next(self, deadline, timeout_ms, event_p, calls_p, error);
            if (rc == 1)
                return 0;
            if (rc)
                return rc;
            continue;
        }
        size_t kept;
        uint64_t bytes;
        int total = s_read_message(self, &kept, &bytes);
        if (total == -1) {
            int errnum = zmq_errno();
            if (errnum == EINTR)
                return jb__error(error, JB_EINTR, NULL, "interrupted by a signal");
            if (errnum != EAGAIN)
                return jb__error(error, JB_ESOCKET, NULL, "receive: %s", zmq_strerror(errnum));
            int rc = jb__subscriber_poll(self, self->handle, -1, deadline, timeout_ms, error);
            if (rc < 0)
                return rc;
            continue;
        }
        if (total == 3 && jb__announce_marks(self->frames[1].data, self->frames[1].size)) {
            s_announcement(self);
            continue;
        }
        if (total == 3 && jb__refusal_marks(self->frames[1].data, self->frames[1].size)
        &&  jb__refusal_is_topic(self->frames[0].data, self->frames[0].size)) {
            int rc = s_refusal(self, error);
            if (rc)
                return rc;
            continue;
        }
        jb__received_stamp_t stamp;
        jb_event_t *event = s_decode(self, kept, total, bytes, &stamp);
        if (!event)
            continue;
        int rc = jb__subscriber_deliver(self, event, &stamp, calls_p, event_p, false);
        if (rc == JB_ENOMEM)
            return jb__error(error, JB_ENOMEM, NULL, "out of memory");
        if (rc == 1)
            return 0;
    }
}

//  --------------------------------------------------------------------------

int
jb_subscriber_recv(jb_subscriber_t *self, int timeout_ms, jb_event_t **event_p,
                   jb_error_t *error)
{
    assert(self);
    assert(event_p);
    assert(!self->in_callback);     //  callbacks must not receive
    return s_receive(self, timeout_ms, event_p, NULL, error);
}

//  --------------------------------------------------------------------------

int
jb_subscriber_dispatch(jb_subscriber_t *self, int timeout_ms, jb_error_t *error)
{
    assert(self);
    assert(!self->in_callback);     //  callbacks must not dispatch
    jb_event_t *event = NULL;
    size_t calls = 0;
    int rc = s_receive(self, timeout_ms, &event, &calls, error);
    if (rc)
        return rc;
    self->in_callback = true;
    jb__filters_call(self->filters, event, calls);
    self->in_callback = false;
    jb_event_destroy(&event);
    return 0;
}

//  --------------------------------------------------------------------------

int
jb_subscriber_ack(jb_subscriber_t *self, jb_error_t *error)
{
    assert(self);
    if (!self->durable)
        return jb__error(error, JB_EINVAL, NULL, "only a durable consumer acknowledges");
    self->follow_handed = self->follow_taken;
    return jb__follow_ack(self, error);
}

//  --------------------------------------------------------------------------

void *
jb_subscriber_socket(jb_subscriber_t *self)
{
    assert(self);
    return self->socket;
}

int
jb_subscriber_fd(jb_subscriber_t *self)
{
    assert(self);
    return (int) zsock_fd(self->socket);
}

void
jb_subscriber_stats(const jb_subscriber_t *self, jb_subscriber_stats_t *stats)
{
    assert(self);
    assert(stats);
    *stats = self->stats;
}
