/*  =========================================================================
    roster.h - the broker's connections as they are now, between jbus
    sources

    Who is connected, and since when: each publisher and subscriber
    connection that has a descriptor (tcp://, ipc://), with its peer
    address, its CURVE key once it has spoken, what it sent or was sent,
    and, for a subscriber, its subscriptions. The forwarder feeds it from
    the socket monitors (accepted, handshake failed, disconnected) and from
    traffic; /connz, /subsz and the honest counters (connected publishers
    and subscribers, deliveries, normal disconnects apart from refusals and
    cuts) read it.

    It also holds what the broker has told publishers: a prefix is
    subscribed upstream at its first subscription, and unsubscribed when
    libzmq says its last holder has gone (the XPUB passes every
    subscription but only the last unsubscription of a prefix,
    ZMQ_XPUB_VERBOSE), as a plain XPUB would. The upstream XSUB counts
    subscriptions, so a prefix told twice would never be withdrawn: the
    set told is kept apart from the per-connection counts, which are for
    display. Subscribers in the same process (inproc://) have no
    descriptor; they are one entry, "inproc".

    The roster is the forwarder's alone: one thread. Not installed.
    ========================================================================= */

#ifndef JBUS_PRIVATE_ROSTER_H_INCLUDED
#define JBUS_PRIVATE_ROSTER_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jbus.h"
#include "rules.h"
#include "zap.h"

typedef struct jb__roster jb__roster_t;

//  How a connection ended.
typedef enum {
    JB__ROSTER_NORMAL,          //  the peer went, or its link did
    JB__ROSTER_REFUSED,         //  its handshake failed (CURVE refused it)
    JB__ROSTER_CUT,             //  the broker cut it: a limit, or its key
                                //  removed
    JB__ROSTER_UNKNOWN,         //  a connection the roster never saw accepted
    JB__ROSTER_DISPLACED        //  one whose end was told when its descriptor
                                //  was accepted again on the other socket
} jb__roster_end_t;

//  What the roster counts now.
typedef struct {
    uint64_t publishers;        //  connected to the frontend
    uint64_t subscribers;       //  connected to the backend
    uint64_t subscriptions;     //  (subscriber, prefix) pairs
    uint64_t prefixes;          //  distinct prefixes subscribed
} jb__roster_counts_t;

//  A new empty roster, or NULL when out of memory.
jb__roster_t *
    jb__roster_new(void);

//  Free the roster and set *self_p to NULL; accepts NULL.
void
    jb__roster_destroy(jb__roster_t **self_p);

//  A connection accepted on the socket of role (publishers or
//  subscribers), descriptor fd, at now_ms (wall clock): its peer address
//  is read now. When fd was still the other socket's connection (its
//  monitor has not told its end yet), that one has ended: returns how
//  (count it for the other role), else JB__ROSTER_UNKNOWN.
jb__roster_end_t
    jb__roster_accepted(jb__roster_t *self, int fd, jb__role_t role, int64_t now_ms);

//  The connection's handshake failed: its end will count as a refusal.
void
    jb__roster_refused(jb__roster_t *self, int fd);

//  Disconnect the publisher of first (a frame it sent, whose metadata names
//  its connection), as for a frame above max_message_size: its end counts
//  as a cut. Returns true when it was shut down; an inproc publisher, or
//  one whose descriptor is no longer its own, stays.
bool
    jb__roster_disconnect(jb__roster_t *self, zmq_msg_t *first);
//  The connection at fd of the socket of role ended: forget it and say how
//  it ended. A subscriber's subscriptions leave the counts of their
//  prefixes. JB__ROSTER_DISPLACED when fd is now the other socket's.
jb__roster_end_t
    jb__roster_disconnected(jb__roster_t *self, int fd, jb__role_t role);

//  A message of bytes from the publisher of first (its frame 0, whose
//  metadata names the connection: ZMQ_SRCFD). On the forwarding path:
//  one metadata lookup and an array index. Returns false when the
//  connection is one the roster has not seen accepted (yet).
bool
    jb__roster_published(jb__roster_t *self, zmq_msg_t *first, uint64_t bytes);

//  A subscription to the size bytes at prefix from the subscriber of msg
//  (a subscription message off the XPUB, whose metadata names the
//  connection). Returns true when publishers have not been told of the
//  prefix: tell them. The set of prefixes told is apart from the
//  connections' bookkeeping, so that publishers hear of a prefix exactly
//  once between its first subscription and the XPUB's last unsubscription,
//  whatever order the monitors' events are read in.
bool
    jb__roster_subscribe(jb__roster_t *self, zmq_msg_t *msg, const void *prefix, size_t size);

//  An unsubscription from prefix by the subscriber of msg; last when no
//  subscriber holds the prefix any more (libzmq's word, or the ledger's).
//  Returns true when publishers are to be told, which is when last, unless
//  the connection never held the prefix while others do (libzmq passes
//  such an unsubscription too).
bool
    jb__roster_unsubscribe(jb__roster_t *self, zmq_msg_t *msg, const void *prefix,
                           size_t size, bool last);

//  A message whose topic (frame 0) is the size bytes at topic, of bytes in
//  all, sent to subscribers: count it for each subscriber connection with
//  a matching prefix. Returns how many there are.
uint64_t
    jb__roster_delivered(jb__roster_t *self, const void *topic, size_t size, uint64_t bytes);

//  What a reload keeps: a connection with a CURVE key stays when
//  key_kept says so for its key and side, and, for a subscriber, when
//  prefix_kept says so for each of its prefixes.
typedef struct {
    bool (*key_kept)(const char *key, jb__role_t role, void *arg);
    bool (*prefix_kept)(const char *key, const void *prefix, size_t size, void *arg);
    void *arg;
} jb__roster_policy_t;

//  Shut down every connection with a CURVE key that policy does not keep;
//  their ends count as cuts. Returns how many were shut down. libzmq
//  cannot take back one subscription of one connection, so a connection
//  that holds one no longer allowed goes whole: its peer reconnects and
//  asks again, under the rules in force.
size_t
    jb__roster_cut_unkept(jb__roster_t *self, const jb__roster_policy_t *policy);

//  The counts as of now.
jb__roster_counts_t
    jb__roster_counts(const jb__roster_t *self);

//  /connz and /subsz as JSON (docs/monitoring.md), freshly allocated
//  (free() it), or NULL when out of memory. rules (may be NULL) name the
//  keys.
char *
    jb__roster_connections_json(const jb__roster_t *self, const jb__rules_t *rules,
                                int64_t now_ms);
char *
    jb__roster_subscriptions_json(const jb__roster_t *self, int64_t now_ms);

#endif
