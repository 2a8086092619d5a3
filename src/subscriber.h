/*  =========================================================================
    subscriber.h - the subscriber's state, between the sources that make
    it up: subscriber.c (sockets, receiving, delivering) and catch_up.c
    (catching up from the broker's journal) (private to the library)

    Not installed. Non-static internals are named jb__<name> (STYLE.md).
    ========================================================================= */

#ifndef JBUS_SUBSCRIBER_PRIVATE_H_INCLUDED
#define JBUS_SUBSCRIBER_PRIVATE_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>
#include <czmq.h>

#include "jbus/subscriber.h"
#include "filters.h"
#include "sequence.h"

//  Frames kept of one message. The binding uses 2 or 3; a 4th lets the
//  decoder name the mode a 4-frame message was meant to be. Frames beyond
//  are received and dropped, so the socket stays on message boundaries.
#define JB__SUBSCRIBER_FRAMES_MAX 4

//  Longest filter quoted in an error message.
#define JB__SUBSCRIBER_QUOTE_MAX 200

struct jb_subscriber {
    zsock_t *socket;            //  SUB
    void *handle;               //  its libzmq socket, for the receive path
    char *endpoint;             //  as given, or the bound endpoint
    const jb_extension_def_t *known;    //  borrowed from the options
    uint64_t max_bytes;         //  largest message decoded; UINT64_MAX for any
    zmq_msg_t parts [JB__SUBSCRIBER_FRAMES_MAX];     //  frames of the message being read
    jb_frame_t frames [JB__SUBSCRIBER_FRAMES_MAX];   //  the same, as the decoder takes them

    jb__filters_t *filters;     //  every filter, and the handlers on them
    bool in_callback;           //  a handler or a callback is running
    bool unsubscribed;          //  an unsubscribe since the last message read
    bool check_exactly;         //  the last message read needs exact matching

    jb_reject_fn *reject;       //  on_reject callback, or NULL
    void *reject_arg;
    jb_gap_fn *gap;             //  on_gap callback, or NULL
    void *gap_arg;
    char curve_key [JB_CURVE_KEY_SIZE];     //  our public key with CURVE,
                                //  for the broker's refusals; else ""
    jb__gaps_t *gaps;           //  last sequence number per (publisher, type)
    jb_subscriber_stats_t stats;

    //  Catching up from the broker's journal (docs/replay.md), before the
    //  first live event: one replay per filter, in the order subscribed
    char *replay_endpoint;      //  NULL: live only
    char *replay_start;         //  "first", "seq:N" or "time:MS"
    zlistx_t *filter_texts;     //  every filter subscribed, in order (char *)
    zsock_t *replay;            //  DEALER while catching up, else NULL
    bool caught_up;             //  catching up is over, or was never asked
    char *replaying;            //  the filter being replayed, borrowed
    uint32_t credit_owed;       //  events taken and not yet credited
    int64_t replay_heard;       //  when the replay endpoint last answered
    int replay_round;           //  1: from replay_start; 2: the seam's
    int64_t replay_began;       //  when round 1 was asked for
    uint64_t round_head;        //  the lowest head round 1's ENDs gave
    char seam_start [32];       //  round 2's start: "seq:HEAD+1"
    char curve_server [JB_CURVE_KEY_SIZE];  //  CURVE keys for the replay
    char curve_public [JB_CURVE_KEY_SIZE];  //  endpoint, "" without
    char curve_secret [JB_CURVE_KEY_SIZE];
};

//  An event decoded, live or replayed, with its stamp: drop it when it was
//  had already (with a replay endpoint: the seam between the replay and
//  the live stream), note its number, and keep it when a filter wants it.
//  Returns 1 with it in *event_p, 0 when it was dropped, or JB_ENOMEM.
//  Takes event in every case.
int
    jb__subscriber_deliver(jb_subscriber_t *self, jb_event_t *event,
                           const jb__received_stamp_t *stamp, size_t *calls_p,
                           jb_event_t **event_p, bool replayed);

//  Count and report a message that is no event, of kept frames.
void
    jb__subscriber_reject(jb_subscriber_t *self, const jb_frame_t *frames, size_t kept,
                          const jb_error_t *reason);

//  catch_up.c: the next event of catching up that a filter wants, waiting
//  up to deadline (ms of zclock_mono, -1 for none; timeout_ms for the
//  message). Returns 1 with it, 0 when catching up is over (go live),
//  JB_ETIMEDOUT, JB_EINTR, or an error that ends a filter's replay or
//  catching up (JB_ECONNECT, JB_EDENIED, JB_EIO, JB_ENOMEM).
int
    jb__catch_up(jb_subscriber_t *self, int64_t deadline, int timeout_ms, jb_event_t **event_p,
                 size_t *calls_p, jb_error_t *error);

#endif
