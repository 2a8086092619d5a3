/*  =========================================================================
    publisher.c - publish CloudEvents on the bus

    An XPUB socket rather than a PUB: it sends exactly like PUB, and it also
    hands us the subscriptions that the broker forwards, which is what
    jb_publisher_wait_ready() waits for. Sends go straight to libzmq with
    zmq_send on the raw handle: the frames are encoded into a reused
    jb_message_t, so the publish path allocates nothing in steady state.

    Announcements (docs/zeromq-binding.md, 4.2) make a publisher that has
    gone quiet say, once a second, how far each of its types has got, so
    that a subscriber that lost the tail of a stream hears of it. They must
    travel behind the events they count, so they go on the one socket the
    events use: an announcer actor ticks and, holding the publisher's lock,
    sends on it. This is the one place where the library shares a socket
    between threads; the alternatives cost more. A second socket would let
    an announcement overtake the events it counts and report false gaps,
    and an actor that owns the socket would put an inproc hop on every
    event. Every use of the socket takes the lock (uncontended, tens of
    instructions against thousands per event), and the announcer only
    runs once a tick. With sequence numbers off there is nothing to
    announce, no actor and no lock.
    ========================================================================= */


#include <czmq.h>
#include <pthread.h>

#include "jbus.h"
#include "announce.h"
#include "connection.h"
#include "error.h"
#include "heartbeat.h"
#include "message.h"
#include "sequence.h"
#include "text.h"

//  How many publishes between two drains of the subscription messages that
//  queue up on the XPUB socket (each drain is a non-blocking receive).
#define s_DRAIN_EVERY 256

//  Longest a wait for subscriptions holds the lock before it lets the
//  announcer in.
#define s_WAIT_SLICE_MS 50

//  What a publisher must reach, for jb__connection_wait's messages.
#define s_PEER "a broker's publisher endpoint (its frontend, an XSUB socket; subscribers " \
               "connect to the other one)"

//  Longest the final announcements may wait for room in a full queue when
//  the publisher closes, at most its linger.
#define s_FINAL_WAIT_MS 1000

struct jb_publisher {
    zsock_t *socket;            //  XPUB, connected to the broker or bound
    void *handle;               //  its libzmq socket, for the hot path
    char *endpoint;             //  as given, or the bound endpoint
    jb_mode_t mode;             //  how events are encoded
    jb_message_t *message;      //  encoder for single events, reused
    jb_message_t **batch;       //  encoders for batches, reused
    size_t batch_capacity;
    zhashx_t *subscriptions;    //  active subscription prefixes (key) seen
    jb__sequencer_t *sequencer; //  sequence numbers per type, or NULL when off
    unsigned publishes_since_drain;
    jb_publisher_stats_t stats;
    int linger_ms;
    int announce_ivl_ms;        //  0: no announcements
    zactor_t *announcer;        //  ticks the announcements, or NULL
    bool closing_failed;        //  a final announcement was not sent
    int send_flags;             //  ZMQ_DONTWAIT, or 0 with wait_when_full
    pthread_mutex_t lock;       //  with an announcer: held by whoever uses
                                //  the socket, the sequencer or stats
};

//  The lock, taken only where there is an announcer to share with.
static inline void
s_lock(jb_publisher_t *self)
{
    if (self->announcer)
        pthread_mutex_lock(&self->lock);
}

static inline void
s_unlock(jb_publisher_t *self)
{
    if (self->announcer)
        pthread_mutex_unlock(&self->lock);
}


//  --------------------------------------------------------------------------
//  Announcements. Each is sent without waiting, as events are: one lost at
//  a full queue is sent again a second later.

static bool
s_announce_send(jb_publisher_t *self, const char *type, int32_t sequence, bool final, int flags)
{
    const char *publisher = jb__sequencer_publisher(self->sequencer);
    char text [JB__ANNOUNCE_TEXT_MAX];
    size_t size = jb__announce_format(text, publisher, strlen(publisher), sequence, final);
    bool sent = zmq_send(self->handle, type, strlen(type), flags | ZMQ_SNDMORE) != -1
             && zmq_send(self->handle, JB__ANNOUNCE_MEDIA_TYPE, JB__ANNOUNCE_MEDIA_TYPE_SIZE,
                         flags | ZMQ_SNDMORE) != -1
             && zmq_send(self->handle, text, size, flags) != -1;
    if (sent)
        self->stats.announcements++;
    return sent;
}

static void
s_announce_quiet(const char *type, int32_t sequence, void *arg)
{
    s_announce_send((jb_publisher_t *) arg, type, sequence, false, ZMQ_DONTWAIT);
}

//  A final announcement that failed (no room in time) may have left a
//  message half sent: nothing more goes after it, and closing the socket
//  drops the half.
static void
s_announce_closing(const char *type, int32_t sequence, void *arg)
{
    jb_publisher_t *self = (jb_publisher_t *) arg;
    if (!self->closing_failed && !s_announce_send(self, type, sequence, true, 0))
        self->closing_failed = true;
}

//  The announcer actor: a tick of a quarter of the interval, so that a
//  type is announced between one and two ticks after it went quiet, then
//  once an interval. Any message on the pipe ("$TERM") stops it. It does
//  not stop on Ctrl-C: the publisher's owner decides when it ends.

static void
s_announcer(zsock_t *pipe, void *args)
{
    jb_publisher_t *self = (jb_publisher_t *) args;
    int tick_ms = self->announce_ivl_ms / 4 > 10? self->announce_ivl_ms / 4: 10;
    zpoller_t *poller = zpoller_new(pipe, NULL);
    zsock_signal(pipe, 0);
    if (poller)
        zpoller_set_nonstop(poller, true);
    while (poller) {
        if (zpoller_wait(poller, tick_ms) == pipe)
            break;
        if (zpoller_terminated(poller) && !zpoller_expired(poller))
            break;                          //  the context is ending
        pthread_mutex_lock(&self->lock);
        jb__sequencer_quiet(self->sequencer, zclock_mono(), self->announce_ivl_ms,
                            s_announce_quiet, self);
        pthread_mutex_unlock(&self->lock);
    }
    zpoller_destroy(&poller);
}

//  On close, every type's last number, marked final, so that a broker
//  keeps announcing it for subscribers that are behind (4.2). Unlike
//  events these wait for room in a full queue (ZMQ_XPUB_NODROP), for a
//  bounded time: they are the last word on the stream.

static void
s_announce_final(jb_publisher_t *self)
{
    int nodrop = 1;
    int wait_ms = self->linger_ms >= 0 && self->linger_ms < s_FINAL_WAIT_MS
                ? self->linger_ms: s_FINAL_WAIT_MS;
    zmq_setsockopt(self->handle, ZMQ_XPUB_NODROP, &nodrop, sizeof nodrop);
    zmq_setsockopt(self->handle, ZMQ_SNDTIMEO, &wait_ms, sizeof wait_ms);
    jb__sequencer_each(self->sequencer, s_announce_closing, self);
}
//  --------------------------------------------------------------------------

void
jb_publisher_options_defaults(jb_publisher_options_t *options)
{
    assert(options);
    options->mode = JB_MODE_BINARY;
    options->sndhwm = 100000;
    options->linger_ms = 2000;
    options->bind = false;
    options->sequence = true;
    options->announce_ivl_ms = 1000;
    options->connect_timeout_ms = 0;
    options->wait_when_full = false;
    options->curve_server_key = NULL;
    options->curve_public_key = NULL;
    options->curve_secret_key = NULL;
}

//  --------------------------------------------------------------------------

jb_publisher_t *
jb_publisher_new(const char *endpoint, const jb_publisher_options_t *options, jb_error_t *error)
{
    assert(endpoint);
    jb_publisher_options_t defaults;
    if (!options) {
        jb_publisher_options_defaults(&defaults);
        options = &defaults;
    }
    if (options->mode != JB_MODE_BINARY && options->mode != JB_MODE_STRUCTURED) {
        jb__error(error, JB_EINVAL, NULL, "unknown publisher mode %d", (int) options->mode);
        return NULL;
    }
    if (options->sndhwm < 0 || options->linger_ms < -1 || options->announce_ivl_ms < 0
    ||  options->connect_timeout_ms < 0) {
        jb__error(error, JB_EINVAL, NULL, "high-water mark, linger, announcement interval and "
                  "connect timeout cannot be negative");
        return NULL;
    }
    bool curve = options->curve_server_key || options->curve_public_key
              || options->curve_secret_key;
    if (curve && options->bind) {
        jb__error(error, JB_EINVAL, NULL, "CURVE keys are for a publisher that connects to a "
                  "broker, not one that binds");
        return NULL;
    }
    jb_publisher_t *self = (jb_publisher_t *) calloc(1, sizeof(jb_publisher_t));
    if (!self) {
        jb__error(error, JB_ENOMEM, NULL, "out of memory");
        return NULL;
    }
    self->mode = options->mode;
    self->linger_ms = options->linger_ms;
    self->announce_ivl_ms = options->sequence? options->announce_ivl_ms: 0;
    pthread_mutex_init(&self->lock, NULL);
    self->message = jb_message_new();
    self->subscriptions = zhashx_new();
    self->socket = zsock_new(ZMQ_XPUB);
    if (options->sequence)
        self->sequencer = jb__sequencer_new();
    if (!self->message || !self->subscriptions || !self->socket
    ||  (options->sequence && !self->sequencer)) {
        jb__error(error, self->socket? JB_ENOMEM: JB_ESOCKET, NULL,
                  "cannot create the publisher: %s", zmq_strerror(zmq_errno()));
        jb_publisher_destroy(&self);
        return NULL;
    }
    self->handle = zsock_resolve(self->socket);
    zsock_set_sndhwm(self->socket, options->sndhwm);
    zsock_set_linger(self->socket, options->linger_ms);
    if (options->wait_when_full) {
        //  a full queue then fails a send (EAGAIN) instead of dropping it,
        //  and a send without ZMQ_DONTWAIT waits for room
        int nodrop = 1;
        zmq_setsockopt(self->handle, ZMQ_XPUB_NODROP, &nodrop, sizeof nodrop);
        self->send_flags = 0;
    }
    else
        self->send_flags = ZMQ_DONTWAIT;
    zsock_set_heartbeat_ivl(self->socket, JB__HEARTBEAT_IVL_MS);
    zsock_set_heartbeat_timeout(self->socket, JB__HEARTBEAT_TIMEOUT_MS);
    if (jb_curve_client_apply(self->handle, options->curve_server_key, options->curve_public_key,
                              options->curve_secret_key, error)) {
        jb_publisher_destroy(&self);
        return NULL;
    }
    //  blocks only where asked to: connect_timeout_ms
    if (jb__connection_open(self->socket, endpoint, options->bind, options->connect_timeout_ms,
                            s_PEER, curve, error)) {
        jb_publisher_destroy(&self);
        return NULL;
    }
    const char *actual = options->bind? zsock_endpoint(self->socket): endpoint;
    self->endpoint = jb__strndup(actual, strlen(actual));
    //  last: from here on another thread uses the socket
    if (self->endpoint && self->announce_ivl_ms > 0)
        self->announcer = zactor_new(s_announcer, self);
    if (!self->endpoint || (self->announce_ivl_ms > 0 && !self->announcer)) {
        jb__error(error, JB_ENOMEM, NULL, "out of memory");
        jb_publisher_destroy(&self);
    }
    return self;
}

//  --------------------------------------------------------------------------

void
jb_publisher_destroy(jb_publisher_t **self_p)
{
    assert(self_p);
    jb_publisher_t *self = *self_p;
    if (!self)
        return;
    //  the announcer first: from here on this thread alone has the socket
    zactor_destroy(&self->announcer);
    if (self->socket && self->sequencer && self->announce_ivl_ms > 0)
        s_announce_final(self);
    //  zsock_destroy closes the socket; libzmq keeps sending what is queued
    //  for up to the linger period, and the context's end waits for it
    zsock_destroy(&self->socket);
    jb_message_destroy(&self->message);
    for (size_t index = 0; index < self->batch_capacity; index++)
        jb_message_destroy(&self->batch[index]);
    free(self->batch);
    zhashx_destroy(&self->subscriptions);
    jb__sequencer_destroy(&self->sequencer);
    free(self->endpoint);
    pthread_mutex_destroy(&self->lock);
    free(self);
    *self_p = NULL;
}

const char *
jb_publisher_endpoint(const jb_publisher_t *self)
{
    assert(self);
    return self->endpoint;
}

//  --------------------------------------------------------------------------
//  Read the subscription messages waiting on the XPUB socket: one frame,
//  byte 1 (subscribe) or 0 (unsubscribe) followed by the prefix. XPUB passes
//  on only the first subscribe and the last unsubscribe of each prefix, so a
//  set of prefixes is the whole state. Returns how many were read.

static size_t
s_drain_subscriptions(jb_publisher_t *self)
{
    size_t count = 0;
    zmq_msg_t frame;
    zmq_msg_init(&frame);
    while (zmq_msg_recv(&frame, self->handle, ZMQ_DONTWAIT) >= 0) {
        size_t size = zmq_msg_size(&frame);
        const char *bytes = (const char *) zmq_msg_data(&frame);
        if (size >= 1 && (bytes[0] == 0 || bytes[0] == 1)) {
            char *prefix = jb__strndup(bytes + 1, size - 1);
            if (prefix) {
                if (bytes[0] == 1)
                    zhashx_update(self->subscriptions, prefix, self);     //  any non-NULL item
                else
                    zhashx_delete(self->subscriptions, prefix);
                free(prefix);
            }
        }
        count++;
    }
    zmq_msg_close(&frame);
    self->publishes_since_drain = 0;
    return count;
}

size_t
jb_publisher_subscription_count(jb_publisher_t *self)
{
    assert(self);
    s_lock(self);
    s_drain_subscriptions(self);
    size_t count = zhashx_size(self->subscriptions);
    s_unlock(self);
    return count;
}

//  --------------------------------------------------------------------------

//  True when a subscription that reached us matches type (NULL: any).
static bool
s_has_subscription_for(jb_publisher_t *self, const char *type)
{
    if (!type)
        return zhashx_size(self->subscriptions) > 0;
    for (void *item = zhashx_first(self->subscriptions); item;
         item = zhashx_next(self->subscriptions)) {
        const char *prefix = (const char *) zhashx_cursor(self->subscriptions);
        if (strncmp(type, prefix, strlen(prefix)) == 0)
            return true;
    }
    return false;
}

int
jb_publisher_wait_for(jb_publisher_t *self, const char *type, int timeout_ms, jb_error_t *error)
{
    assert(self);
    int64_t deadline = timeout_ms < 0? -1: zclock_mono() + timeout_ms;
    while (true) {
        s_lock(self);
        s_drain_subscriptions(self);
        bool found = s_has_subscription_for(self, type);
        int64_t remaining = deadline < 0? -1: deadline - zclock_mono();
        //  the announcer waits while we poll: poll in slices
        if (self->announcer && (remaining < 0 || remaining > s_WAIT_SLICE_MS))
            remaining = s_WAIT_SLICE_MS;
        int rc = 0;
        if (!found && !(deadline >= 0 && remaining <= 0)) {
            //  a signal (Ctrl-C) ends the wait: the library keeps no global
            //  flag of its own and reads none, the EINTR is the signal
            zmq_pollitem_t item = { self->handle, 0, ZMQ_POLLIN, 0 };
            rc = zmq_poll(&item, 1, (long) remaining);
        }
        int errnum = zmq_errno();
        s_unlock(self);
        if (found)
            return 0;
        if (deadline >= 0 && deadline - zclock_mono() <= 0)
            return jb__error(error, JB_ETIMEDOUT, NULL, "no subscriber%s%s reached %s within %d ms",
                             type? " for ": "", type? type: "", self->endpoint, timeout_ms);
        if (rc == -1) {
            if (errnum == EINTR)
                return jb__error(error, JB_EINTR, NULL, "interrupted by a signal");
            return jb__error(error, JB_ESOCKET, NULL, "poll: %s", zmq_strerror(errnum));
        }
    }
}

int
jb_publisher_wait_ready(jb_publisher_t *self, int timeout_ms, jb_error_t *error)
{
    return jb_publisher_wait_for(self, NULL, timeout_ms, error);
}

//  --------------------------------------------------------------------------
//  Send the frames of one encoded message. An XPUB socket never blocks on
//  send (it drops at the high-water mark), so an error here is a closed or
//  broken socket; with wait_when_full (ZMQ_XPUB_NODROP) a send waits for
//  room, and a signal may end the wait. A message's later frames never
//  wait: libzmq takes a message whole or not at all.

static int
s_send(jb_publisher_t *self, const jb_message_t *message, jb_error_t *error)
{
    size_t count = jb_message_frame_count(message);
    for (size_t index = 0; index < count; index++) {
        jb_frame_t frame = jb_message_frame(message, index);
        int flags = self->send_flags | (index + 1 < count? ZMQ_SNDMORE: 0);
        if (zmq_send(self->handle, frame.data, frame.size, flags) == -1)
            return zmq_errno() == EINTR
                 ? jb__error(error, JB_EINTR, NULL, "interrupted by a signal while the queue "
                             "was full")
                 : jb__error(error, JB_ESOCKET, NULL, "send: %s", zmq_strerror(zmq_errno()));
        self->stats.bytes += frame.size;
    }
    self->stats.events++;
    if (++self->publishes_since_drain >= s_DRAIN_EVERY)
        s_drain_subscriptions(self);
    return 0;
}

//  Encode event into message, stamped when sequences are on. A number
//  taken for an event that fails to encode is given back.
static int
s_encode(jb_publisher_t *self, jb_message_t *message, const jb_event_t *event, jb_error_t *error)
{
    jb__stamp_t stamp;
    jb__stamp_t *stamped = NULL;
    const char *type = jb_event_type(event);
    if (self->sequencer && type) {
        if (jb__sequencer_next(self->sequencer, type, &stamp))
            return jb__error(error, JB_ENOMEM, NULL, "out of memory");
        stamped = &stamp;
    }
    int rc = jb__message_encode(message, event, self->mode, stamped, error);
    if (rc) {
        if (stamped)
            jb__sequencer_undo(self->sequencer, type);
        if (rc == JB_EINVALID)
            self->stats.rejected++;
    }
    return rc;
}

int
jb_publisher_publish(jb_publisher_t *self, const jb_event_t *event, jb_error_t *error)
{
    assert(self);
    assert(event);
    s_lock(self);
    int rc = s_encode(self, self->message, event, error);
    if (rc == 0) {
        rc = s_send(self, self->message, error);
        //  not sent (a signal while the queue was full): its number is
        //  given back, or subscribers would count it lost
        if (rc && self->sequencer)
            jb__sequencer_undo(self->sequencer, jb_event_type(event));
    }
    s_unlock(self);
    return rc;
}

//  --------------------------------------------------------------------------

static int
s_batch_reserve(jb_publisher_t *self, size_t count)
{
    if (count <= self->batch_capacity)
        return 0;
    jb_message_t **grown = (jb_message_t **) realloc(self->batch, count * sizeof(jb_message_t *));
    if (!grown)
        return JB_ENOMEM;
    self->batch = grown;
    for (; self->batch_capacity < count; self->batch_capacity++) {
        self->batch[self->batch_capacity] = jb_message_new();
        if (!self->batch[self->batch_capacity])
            return JB_ENOMEM;
    }
    return 0;
}

//  publish_batch's work, under the lock.
static int
s_publish_batch(jb_publisher_t *self, const jb_batch_t *batch, jb_error_t *error)
{
    size_t count = jb_batch_size(batch);
    if (s_batch_reserve(self, count))
        return jb__error(error, JB_ENOMEM, NULL, "out of memory for a batch of %zu", count);
    //  everything is encoded before anything is sent: all or nothing
    for (size_t index = 0; index < count; index++) {
        int rc = s_encode(self, self->batch[index], jb_batch_at(batch, index), error);
        if (rc) {
            //  nothing of the batch goes out: give back the numbers taken
            for (size_t taken = 0; self->sequencer && taken < index; taken++)
                jb__sequencer_undo(self->sequencer, jb_event_type(jb_batch_at(batch, taken)));
            if (error) {
                size_t used = strlen(error->message);
                snprintf(error->message + used, sizeof error->message - used,
                         " (event %zu of the batch)", index + 1);
            }
            return rc;
        }
    }
    for (size_t index = 0; index < count; index++) {
        int rc = s_send(self, self->batch[index], error);
        if (rc) {
            //  the events not sent give their numbers back, last first
            for (size_t unsent = count; self->sequencer && unsent > index; unsent--)
                jb__sequencer_undo(self->sequencer, jb_event_type(jb_batch_at(batch, unsent - 1)));
            return rc;
        }
    }
    return 0;
}

int
jb_publisher_publish_batch(jb_publisher_t *self, const jb_batch_t *batch, jb_error_t *error)
{
    assert(self);
    assert(batch);
    s_lock(self);
    int rc = s_publish_batch(self, batch, error);
    s_unlock(self);
    return rc;
}

void
jb_publisher_stats(const jb_publisher_t *self, jb_publisher_stats_t *stats)
{
    assert(self);
    assert(stats);
    jb_publisher_t *shared = (jb_publisher_t *) self;       //  the lock changes
    s_lock(shared);
    *stats = self->stats;
    s_unlock(shared);
}
