/*  =========================================================================
    jbus/publisher.h - publish CloudEvents on the bus

    A publisher connects to the broker's publisher side (its XSUB socket), or
    binds its own endpoint for use without a broker. It validates and encodes
    each event (binary or structured mode, per publisher) and sends it as
    one ZeroMQ message whose topic is the event's type.

    Sending never blocks: like every ZeroMQ publisher it drops events when a
    subscriber's queue is at its high-water mark, and events sent before a
    subscription has reached the publisher go nowhere (the "slow joiner").
    The publisher uses an XPUB socket, so the subscriptions that the broker
    forwards arrive here: jb_publisher_wait_ready() waits, for a bounded time,
    until one has, which lets a short-lived publisher start, publish and exit
    without losing its first events to the subscribers already attached.

    With CURVE (docs/security.md), set curve_server_key, curve_public_key
    and curve_secret_key in the options: the publisher then connects only
    to the broker with that public key, encrypted, and the broker lets it
    in only when its key is allowed and it publishes only the types the
    broker's rules give it (the broker drops the rest, unseen by the
    publisher). A publisher with wrong keys is refused at every try, in
    the background: it sends nothing, and jb_publisher_wait_for() times out.

    Threads: a publisher is one ZeroMQ socket and, like it, must be used by
    one thread at a time. It may be created in one thread and handed to
    another. Publish from many threads with one publisher per thread. With
    sequence numbers and announcements on (the default), the publisher
    runs one thread of its own, which announces quiet types through the
    same socket under a lock.

    Example:
        jb_publisher_t *publisher = jb_publisher_new ("tcp://127.0.0.1:7780", NULL, &error);
        jb_publisher_wait_ready (publisher, 1000, NULL);   //  optional
        jb_publisher_publish (publisher, event, &error);
        jb_publisher_destroy (&publisher);                 //  flushes within linger
    ========================================================================= */

#ifndef JBUS_PUBLISHER_H_INCLUDED
#define JBUS_PUBLISHER_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "jbus/export.h"
#include "jbus/error.h"
#include "jbus/event.h"
#include "jbus/batch.h"
#include "jbus/message.h"
#include "jbus/curve.h"         //  keys for the curve_ options

#ifdef __cplusplus
extern "C" {
#endif

//  The broker's default endpoint for publishers.
#define JB_DEFAULT_PUBLISH_ENDPOINT "tcp://127.0.0.1:7780"

typedef struct {
    jb_mode_t mode;             //  JB_MODE_BINARY (default) or JB_MODE_STRUCTURED
    int sndhwm;                 //  queued messages per peer before dropping;
                                //  default 100000, 0 = unlimited
    int linger_ms;              //  how long closing waits to flush; default 2000
    bool bind;                  //  bind the endpoint instead of connecting (no broker)
    bool sequence;              //  stamp each event with this publisher's id and a
                                //  sequence number per type (extension attributes
                                //  jbuspub and jbusseq) so that subscribers can
                                //  detect loss; default true
    int announce_ivl_ms;        //  with sequence: while a type is quiet,
                                //  announce its latest number every this
                                //  many ms (the first within two quarters
                                //  of it), and every type's once more on
                                //  destroy, so that subscribers that lost
                                //  the tail of a stream hear of it
                                //  (docs/zeromq-binding.md 4.2). Default
                                //  1000; 0 = never
    const char *curve_server_key;       //  CURVE: the broker's public key, Z85
                                //  (jb_curve_key_read); NULL (default): no CURVE
    const char *curve_public_key;       //  CURVE: this publisher's key pair,
    const char *curve_secret_key;       //  Z85 (jb_curve_cert_load); all three
                                //  or none, else jb_publisher_new fails.
                                //  Borrowed for the call to jb_publisher_new
    int connect_timeout_ms;     //  more than 0: jb_publisher_new waits up
                                //  to this long until the connection to
                                //  the broker is up (with CURVE, our key
                                //  let in), and fails with JB_ECONNECT or
                                //  JB_EDENIED and the reason when it is
                                //  not. Default 0: connect in the
                                //  background, never fail for the broker's
                                //  absence. Not for bind or inproc://
    bool wait_when_full;        //  a full queue (sndhwm) makes publish wait
                                //  for room instead of dropping the event,
                                //  as PUB/SUB does (default false); a signal
                                //  ends the wait with JB_EINTR. For tools
                                //  and batch jobs that must not lose what
                                //  they send to a broker that is slower
} jb_publisher_options_t;

typedef struct {
    uint64_t events;            //  events sent
    uint64_t bytes;             //  bytes sent, every frame counted
    uint64_t rejected;          //  events refused by validation
    uint64_t announcements;     //  announcements sent (not in events or bytes)
} jb_publisher_stats_t;

typedef struct jb_publisher jb_publisher_t;

//  Fill options with the defaults.
JB_EXPORT void
    jb_publisher_options_defaults(jb_publisher_options_t *options);

//  Create a publisher on endpoint (e.g. "tcp://127.0.0.1:7780", "ipc://...",
//  "inproc://..."); options NULL means the defaults. Connecting succeeds even
//  while the broker is down: ZeroMQ reconnects in the background, unless
//  connect_timeout_ms asks to wait for it. Returns NULL with JB_EINVAL
//  for a malformed endpoint or bad options (a CURVE key that is not one,
//  some CURVE keys but not all three, or CURVE with bind), JB_ESOCKET when
//  the endpoint cannot be bound, and, with connect_timeout_ms,
//  JB_ECONNECT (no broker there, or a peer that is not a broker's
//  publisher endpoint), JB_EDENIED (the broker refused our key:
//  "Authorization Violation") or JB_EINTR; details in error.
JB_EXPORT jb_publisher_t *
    jb_publisher_new(const char *endpoint, const jb_publisher_options_t *options,
                     jb_error_t *error);

//  Close the publisher: queued events are flushed for up to linger_ms (in
//  the background, finished at the latest when the process's ZeroMQ context
//  ends). Sets *self_p to NULL; does nothing when it is NULL.
JB_EXPORT void
    jb_publisher_destroy(jb_publisher_t **self_p);

//  The endpoint the publisher is on; for a bound "tcp://127.0.0.1:*" the
//  actual port. Borrowed, valid while the publisher lives.
JB_EXPORT const char *
    jb_publisher_endpoint(const jb_publisher_t *self);

//  Wait up to timeout_ms (-1: for ever) until at least one subscription
//  has reached the publisher. Returns 0, JB_ETIMEDOUT (nobody is
//  subscribed yet, or the broker is not there) or JB_EINTR (a signal
//  arrived, e.g. Ctrl-C: the wait ends so that the caller can stop).
JB_EXPORT int
    jb_publisher_wait_ready(jb_publisher_t *self, int timeout_ms, jb_error_t *error);

//  Wait up to timeout_ms (-1: for ever) until a subscription that matches
//  type (is a prefix of it) has reached the publisher: on a shared bus,
//  another subscriber's subscription does not end the wait early. type NULL
//  waits for any subscription, like jb_publisher_wait_ready(). Returns 0,
//  JB_ETIMEDOUT or JB_EINTR.
JB_EXPORT int
    jb_publisher_wait_for(jb_publisher_t *self, const char *type, int timeout_ms,
                          jb_error_t *error);

//  Number of distinct subscriptions (type prefixes) that reached the
//  publisher and are still active.
JB_EXPORT size_t
    jb_publisher_subscription_count(jb_publisher_t *self);

//  Validate, encode and send one event. Returns 0, JB_EINVALID when the
//  event does not validate (nothing is sent), JB_ENOMEM, or JB_ESOCKET.
JB_EXPORT int
    jb_publisher_publish(jb_publisher_t *self, const jb_event_t *event, jb_error_t *error);

//  Send a batch all or nothing: every event is validated and encoded before
//  the first is sent, so one invalid event rejects the whole batch (the
//  error names it: "(event N of the batch)") and nothing is sent; otherwise
//  the events go out in order on this one socket. ZeroMQ PUB/SUB has no
//  transactions: a subscriber may still lose events of a sent batch at its
//  high-water mark. Returns 0, JB_EINVALID, JB_ENOMEM or JB_ESOCKET.
JB_EXPORT int
    jb_publisher_publish_batch(jb_publisher_t *self, const jb_batch_t *batch,
                               jb_error_t *error);

//  Counters since the publisher was created.
JB_EXPORT void
    jb_publisher_stats(const jb_publisher_t *self, jb_publisher_stats_t *stats);

#ifdef __cplusplus
}
#endif

#endif
