/*  =========================================================================
    jbus/subscriber.h - receive CloudEvents from the bus by type

    A subscriber connects to the broker's subscriber side (its XPUB socket),
    or binds for use without a broker. It subscribes by filter:

      - a type prefix, "jerry.work_tracking." (bytes, as ZeroMQ matches them:
        "jerry.work" matches "jerry.work_tracking.task.created" too), or "" for
        every event;
      - a segment pattern, "jerry.*.task.completed" or "jerry.work_tracking.>",
        where "*" is exactly one segment and ">" one or more trailing segments.
        The broker-side subscription is the prefix up to the first wildcard;
        the exact match is made here, on receipt.

    jb_subscriber_recv() returns the next event that matches a filter;
    handlers registered with jb_subscriber_on() are called by
    jb_subscriber_dispatch(), each event to every matching handler. A
    malformed message never stops the subscriber: it is counted, reported
    through the on_reject callback with its reason, and skipped.

    To wait on a subscriber beside other sockets, give jb_subscriber_socket()
    to zpoller_new() or zloop_reader(), or poll jb_subscriber_fd() (edge-
    triggered, as ZMQ_FD is: after it signals, call recv or dispatch with
    timeout 0 until it returns JB_ETIMEDOUT).

    Callbacks (handlers and on_reject) may subscribe, unsubscribe and add
    handlers: a handler removed during a dispatch is not called for that
    event, one added is called from the next event on. They must not call
    recv, dispatch or destroy on their own subscriber (asserted).

    With CURVE (docs/security.md), set curve_server_key, curve_public_key
    and curve_secret_key in the options. The broker then forwards only the
    subscriptions its rules give this subscriber's key: one outside them,
    or shorter than an allowed prefix ("jerry." where the rules allow
    "jerry.work_tracking."), is refused at the broker and brings nothing.
    The broker tells the subscriber so (docs/zeromq-binding.md 3.5), and
    recv or dispatch returns JB_EDENIED once for each refusal, naming the
    subscription ("Permissions Violation for Subscription to ..."); the
    other subscriptions go on working. Subscribe to the allowed prefixes,
    or to longer ones or patterns under them
    ("jerry.work_tracking.*.completed").

    With a broker that keeps a journal, set replay_endpoint in the options
    (docs/replay.md 6):
      - a live event that shows a gap in its publisher's numbers is held
        while the missing events are fetched from the journal and
        delivered, in order, before it (repair; turn it off with
        repair = false). Only what the journal does not hold is reported
        as lost, through on_gap and the unrecoverable count;
      - with replay_start too, the first recv or dispatch catches up: it
        replays what each filter subscribed so far matches, then goes on
        with the live events, dropping those the replay gave already (by
        their stamp, or, for a foreign publisher's unstamped events, by
        source and id among the last 65,536);
      - with durable, a name, the subscriber is a durable consumer: it
        reads every event from the journal, never live, starting after
        the last one acknowledged under that name, so a restart under
        the same name loses nothing (at least once, in order). Events
        are acknowledged as they are handed over (ack_every) or when
        jb_subscriber_ack says so.

    Connecting happens in the background, as in ZeroMQ: a broker that is
    not there yet is tried again every 100 ms or so, without a word. To
    learn at once that it is not there, or that it refused our key, set
    connect_timeout_ms: jb_subscriber_new then waits for the connection
    and fails with the reason.

    Threads: one thread at a time, like the ZeroMQ socket inside.
    ========================================================================= */

#ifndef JBUS_SUBSCRIBER_H_INCLUDED
#define JBUS_SUBSCRIBER_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "jbus/export.h"
#include "jbus/error.h"
#include "jbus/event.h"
#include "jbus/filter.h"         //  jb_filter_matches, the rules below
#include "jbus/json.h"
#include "jbus/message.h"
#include "jbus/curve.h"         //  keys for the curve_ options

#ifdef __cplusplus
extern "C" {
#endif

//  The broker's default endpoint for subscribers.
#define JB_DEFAULT_SUBSCRIBE_ENDPOINT "tcp://127.0.0.1:7781"

typedef struct jb_subscriber jb_subscriber_t;

//  Called with each matching event; event is borrowed for the call.
typedef void (jb_handler_fn) (const jb_event_t *event, void *arg);

//  Called with each message that is not a valid event under the binding:
//  its frames (borrowed for the call; at most the first 4 of a longer
//  message, which is rejected for its frame count) and why it was rejected.
typedef void (jb_reject_fn) (const jb_frame_t *frames, size_t count,
                             const jb_error_t *reason, void *arg);

//  Called when events were missed: count events of type from publisher (an
//  instance id) did not arrive before the one just received, or before the
//  number a quiet publisher announced (the tail of a stream). With repair,
//  only those the journal did not hold either. Publishers
//  number their events per type (see jb_publisher_options_t.sequence); a
//  restarted publisher is a new instance, not a gap. Strings are borrowed
//  for the call.
typedef void (jb_gap_fn) (const char *publisher, const char *type, uint32_t count,
                          void *arg);

typedef struct {
    int rcvhwm;                 //  queued messages before ZeroMQ drops; default
                                //  100000, 0 = unlimited
    bool bind;                  //  bind the endpoint instead of connecting
    const jb_extension_def_t *known;
                                //  extension types for structured-mode events, as
                                //  for jb_json_decode; NULL for none (borrowed:
                                //  must outlive the subscriber)
    const char *curve_server_key;       //  CURVE: the broker's public key, Z85
                                //  (jb_curve_key_read); NULL (default): no CURVE
    const char *curve_public_key;       //  CURVE: this subscriber's key pair,
    const char *curve_secret_key;       //  Z85 (jb_curve_cert_load); all three
                                //  or none, else jb_subscriber_new fails.
                                //  Borrowed for the call to jb_subscriber_new
    int64_t max_message_bytes;  //  a message of more bytes, all frames
                                //  together, is rejected undecoded (a
                                //  broker bounds messages the same way);
                                //  default 1048576, -1 = no limit. Frames
                                //  are bounded by the binding: a message
                                //  of more than 3 is rejected
    int connect_timeout_ms;     //  more than 0: jb_subscriber_new waits up
                                //  to this long until the connection to
                                //  the broker is up (with CURVE, our key
                                //  let in), and fails with JB_ECONNECT or
                                //  JB_EDENIED and the reason when it is
                                //  not. Default 0: connect in the
                                //  background, never fail for the broker's
                                //  absence. Not for bind or inproc://
    const char *replay_endpoint;        //  the broker's replay endpoint
                                //  (docs/replay.md), to catch up from its
                                //  journal; NULL (default): live only
    const char *replay_start;   //  with replay_endpoint: where catching up
                                //  starts, "first", "seq:N" or "time:MS"
                                //  (ms since the epoch). Then the first
                                //  recv or dispatch replays each filter
                                //  subscribed so far, in order, before the
                                //  live events, and drops the live events
                                //  that the replay gave already. Both
                                //  borrowed for the call to _new
    bool repair;                //  with replay_endpoint: fetch the events a
                                //  live gap or an announcement shows missing
                                //  from the journal (default true)
    const char *durable;        //  with replay_endpoint: read from the
                                //  journal as durable consumer NAME (1 to
                                //  128 printable ASCII characters, no
                                //  space), from after its last acknowledged
                                //  event (for a new name, from
                                //  replay_start, or the first held), then
                                //  follow the journal's head; nothing is
                                //  read live. Borrowed for the call
    uint32_t ack_every;         //  durable: acknowledge after this many
                                //  events were handed over (an event is
                                //  handed over when recv or dispatch is
                                //  called again, or the subscriber is
                                //  destroyed), and before waiting for
                                //  more; default 100. 0: only when
                                //  jb_subscriber_ack is called. A restart
                                //  gets again what was handed over and not
                                //  acknowledged: at most ack_every events
} jb_subscriber_options_t;

typedef struct {
    uint64_t received;          //  messages taken off the socket
    uint64_t delivered;         //  events returned by recv or given to handlers
    uint64_t filtered;          //  valid events that matched no filter (they
                                //  arrived through a pattern's broader prefix)
    uint64_t rejected;          //  malformed messages
    uint64_t gaps;              //  jumps in a publisher's sequence numbers
    uint64_t missed;            //  events those jumps skipped (repaired +
                                //  unrecoverable, once repairs are done)
    uint64_t announcements;     //  publishers' announcements of how far a
                                //  stream has got (docs/zeromq-binding.md
                                //  4.2), not in received; they report the
                                //  loss of a stream's tail as a gap
    uint64_t refused;           //  subscriptions the broker refused (CURVE
                                //  rules), each returned as JB_EDENIED
    uint64_t replayed;          //  events delivered from the journal while
                                //  catching up (in delivered too)
    uint64_t duplicates;        //  events dropped for having been delivered
                                //  already: the seam between replay and live
    uint64_t repaired;          //  missed events fetched from the journal and
                                //  delivered (in delivered and replayed too)
    uint64_t unrecoverable;     //  missed events the journal did not give:
                                //  losses, each reported through on_gap
} jb_subscriber_stats_t;

//  Fill options with the defaults.
JB_EXPORT void
    jb_subscriber_options_defaults(jb_subscriber_options_t *options);

//  Create a subscriber on endpoint; options NULL means the defaults. It
//  receives nothing until it subscribes. Returns NULL with JB_EINVAL for
//  a malformed endpoint ("tcp://127.0.0.1" without a port) or bad options
//  (a CURVE key that is not one, some keys but not all three, CURVE with
//  bind), JB_ESOCKET when the endpoint cannot be bound, and, with
//  connect_timeout_ms, JB_ECONNECT (no broker there, or a peer that is
//  not a broker's subscriber endpoint), JB_EDENIED (the broker refused
//  our key: "Authorization Violation") or JB_EINTR; details in error.
JB_EXPORT jb_subscriber_t *
    jb_subscriber_new(const char *endpoint, const jb_subscriber_options_t *options,
                      jb_error_t *error);

//  Close the subscriber; set *self_p to NULL. Does nothing when it is NULL.
JB_EXPORT void
    jb_subscriber_destroy(jb_subscriber_t **self_p);

//  The endpoint, with the actual port for a bound "tcp://...:*". Borrowed.
JB_EXPORT const char *
    jb_subscriber_endpoint(const jb_subscriber_t *self);

//  Subscribe to filter (a prefix or a pattern, see above). Subscribing to
//  the same filter twice needs two unsubscribes. Returns 0, JB_EINVAL for
//  a malformed pattern ("jerry.wor*", "jerry.>.x") with the reason,
//  JB_ENOMEM, or JB_ESOCKET.
JB_EXPORT int
    jb_subscriber_subscribe(jb_subscriber_t *self, const char *filter, jb_error_t *error);

//  Undo one jb_subscriber_subscribe or jb_subscriber_on of filter; when
//  that was the last, the handlers registered on filter go too. Returns 0,
//  JB_ENOTFOUND when not subscribed, or JB_ESOCKET.
JB_EXPORT int
    jb_subscriber_unsubscribe(jb_subscriber_t *self, const char *filter, jb_error_t *error);

//  Subscribe to filter and call handler(event, arg) for each event that
//  matches it. Returns as jb_subscriber_subscribe.
JB_EXPORT int
    jb_subscriber_on(jb_subscriber_t *self, const char *filter, jb_handler_fn *handler,
                     void *arg, jb_error_t *error);

//  Set the callback for rejected (malformed) messages; NULL for none.
JB_EXPORT void
    jb_subscriber_on_reject(jb_subscriber_t *self, jb_reject_fn *reject, void *arg);

//  Set the callback for detected losses; NULL for none. Losses are counted
//  in the stats either way. The sequence attributes (jbuspub, jbusseq) are
//  taken off every event before it is returned or dispatched.
JB_EXPORT void
    jb_subscriber_on_gap(jb_subscriber_t *self, jb_gap_fn *gap, void *arg);

//  Durable consumer: acknowledge every event recv or dispatch has handed
//  over so far (with ack_every 0, the only acknowledgement). The broker
//  records it with its journal's next commit. Returns 0, JB_EINVAL for a
//  subscriber that is not durable, or JB_ESOCKET.
JB_EXPORT int
    jb_subscriber_ack(jb_subscriber_t *self, jb_error_t *error);

//  Receive the next event that matches a filter, waiting up to timeout_ms
//  (0: do not wait, -1: for ever). Malformed messages are reported and
//  skipped. Returns 0 and a new event in *event_p (free with
//  jb_event_destroy), JB_ETIMEDOUT, JB_EINTR (a signal arrived, e.g.
//  Ctrl-C: the wait ends so that the caller can stop), JB_EDENIED (the
//  broker refused a subscription, named in error; call again to go on
//  with the others) or JB_ESOCKET.
JB_EXPORT int
    jb_subscriber_recv(jb_subscriber_t *self, int timeout_ms, jb_event_t **event_p,
                       jb_error_t *error);

//  Receive the next event that matches a handler's filter, waiting up to
//  timeout_ms, and call every handler whose filter matches it, in the order
//  they were registered; the event is destroyed when they return. Events
//  that match only subscriptions without a handler count as filtered.
//  Returns 0 when an event was dispatched, JB_ETIMEDOUT, JB_EINTR,
//  JB_EDENIED (as for recv), JB_ESOCKET, or JB_ENOMEM.
JB_EXPORT int
    jb_subscriber_dispatch(jb_subscriber_t *self, int timeout_ms, jb_error_t *error);

//  The zsock_t inside, for zpoller_new() or zloop_reader(). Borrowed.
JB_EXPORT void *
    jb_subscriber_socket(jb_subscriber_t *self);

//  The socket's file descriptor (ZMQ_FD) for poll/epoll/libuv.
JB_EXPORT int
    jb_subscriber_fd(jb_subscriber_t *self);

//  Counters since the subscriber was created.
JB_EXPORT void
    jb_subscriber_stats(const jb_subscriber_t *self, jb_subscriber_stats_t *stats);

#ifdef __cplusplus
}
#endif

#endif
