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
#include "seen.h"
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
    jb__seen_t *seen;           //  with a replay endpoint: the last events
                                //  without a stamp, by (source, id)
    jb_subscriber_stats_t stats;

    //  The broker's journal (docs/replay.md), for catching up, repairs
    //  and a durable consumer
    char *replay_endpoint;      //  NULL: live only
    zlistx_t *filter_texts;     //  every filter subscribed, in order (char *)

    //  Catching up (catch_up.c), before the first live event: one replay
    //  per filter, in the order subscribed
    char *replay_start;         //  "first", "seq:N" or "time:MS"
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

    //  Repairing a gap from the journal (repair.c): one stream at a time,
    //  before anything else is read
    bool repair;                //  gaps are repaired
    bool repairing;             //  a repair is under way
    zsock_t *repair_socket;     //  DEALER, kept between repairs
    char repair_publisher [JB__RECEIVED_PUBLISHER_MAX];
    char *repair_type;
    int64_t repair_next;        //  the stream's numbers still wanted:
    int64_t repair_last;        //  repair_next .. repair_last
    uint32_t repair_missed;     //  how many the gap was
    jb_event_t *repair_held;    //  the live event that showed the gap, handed
                                //  over after the repair; NULL for a tail
    bool repair_asked;          //  a REPLAY is under way
    bool repair_cancelling;     //  a CANCEL is under way: what comes before
                                //  its CANCELLED is the old replay's
    bool repair_past;           //  the replay went past repair_last
    bool repair_over;           //  nothing more to fetch: hand over held
    uint32_t repair_credit_owed;
    int64_t repair_began;       //  zclock_mono
    int64_t repair_heard;
    int64_t repair_retry;       //  when to ask again (the journal's commit
                                //  may lag the live stream)
    uint64_t repair_resume;     //  ask again from this journal sequence
                                //  (the last END's head + 1); 0: not yet
    int64_t repair_paused;      //  no repair before this (zclock_mono): the
                                //  replay endpoint was silent

    //  A durable consumer (follow.c): the journal only, never live
    char *durable;              //  its name, or NULL
    uint32_t ack_every;
    zsock_t *follow;            //  DEALER following the journal, or NULL
    bool follow_stale;          //  the filters changed: follow anew
    bool follow_refused;        //  the broker refused these filters to our key
    int64_t follow_retry;       //  when to follow again after a refusal that
                                //  may pass (zclock_mono)
    uint64_t follow_taken;      //  the last journal sequence taken off
    uint64_t follow_handed;     //  the last handed over
    uint64_t follow_acked;      //  the last acknowledged
    uint32_t follow_unacked;    //  events handed over since
    uint32_t follow_credit_owed;
    int64_t follow_heard;       //  when the replay endpoint last answered
};

//  Wait up to wait_ms (-1: no bound) for a message on handle (a libzmq
//  socket; NULL: only the time), no later than deadline (ms of
//  zclock_mono, -1 for none). Returns 1 when one is waiting, 0 when wait_ms
//  passed, JB_ETIMEDOUT when the deadline did (timeout_ms, for the message),
//  JB_EINTR on a signal (one that came just before the wait too), or
//  JB_ESOCKET. The one wait of recv, dispatch, catching up, repairs and
//  durable consumers.
int
    jb__subscriber_poll(jb_subscriber_t *self, void *handle, long wait_ms, int64_t deadline,
                        int timeout_ms, jb_error_t *error);

//  Make a DEALER connected to the replay endpoint (with CURVE when the
//  subscriber has it). NULL with JB_ESOCKET or JB_EINVAL in error.
zsock_t *
    jb__subscriber_replay_open(jb_subscriber_t *self, jb_error_t *error);

//  The event of an EVENT message from the replay endpoint (its frames
//  after the command and the sequence), bounded as live messages are, and
//  its stamp. NULL for a message that is none, counted and reported.
jb_event_t *
    jb__subscriber_replayed_event(jb_subscriber_t *self, zmsg_t *message,
                                  jb__received_stamp_t *stamp);

//  Hand event over when a filter wants it (for dispatch, collecting the
//  handlers into *calls_p): returns 1 with it in *event_p, 0 when it was
//  dropped as filtered, or JB_ENOMEM. Takes event in every case.
int
    jb__subscriber_hand_over(jb_subscriber_t *self, jb_event_t *event, size_t *calls_p,
                             jb_event_t **event_p, bool replayed);

//  Count and report missed events of a stream that are lost for good.
void
    jb__subscriber_lost(jb_subscriber_t *self, uint32_t missed, const char *publisher,
                        const char *type);

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

//  repair.c: start repairing the numbers first .. last of the stream of
//  publisher and type from the journal, then hand held over (may be NULL).
//  Takes held.
void
    jb__repair_begin(jb_subscriber_t *self, const char *publisher, size_t publisher_size,
                     const char *type, size_t type_size, int64_t first, int64_t last,
                     jb_event_t *held);

//  repair.c: the next event of the repair under way, waiting up to
//  deadline. Returns 1 with it, 0 when the repair is over, JB_ETIMEDOUT,
//  JB_EINTR, JB_ECONNECT (the replay endpoint silent: the rest is lost)
//  or JB_ENOMEM.
int
    jb__repair_next(jb_subscriber_t *self, int64_t deadline, int timeout_ms,
                    jb_event_t **event_p, size_t *calls_p, jb_error_t *error);

//  repair.c: end a repair under way, for jb_subscriber_destroy.
void
    jb__repair_close(jb_subscriber_t *self);

//  follow.c: the next event of a durable consumer, waiting up to deadline.
//  Returns 1 with it, JB_ETIMEDOUT, JB_EINTR, JB_ECONNECT (the replay
//  endpoint silent: following again), JB_EDENIED or JB_EIO (refused), or
//  JB_ENOMEM.
int
    jb__follow_next(jb_subscriber_t *self, int64_t deadline, int timeout_ms,
                    jb_event_t **event_p, size_t *calls_p, jb_error_t *error);

//  follow.c: acknowledge what was handed over. 0 or JB_ESOCKET.
int
    jb__follow_ack(jb_subscriber_t *self, jb_error_t *error);

//  follow.c: acknowledge what was handed over and close, for
//  jb_subscriber_destroy.
void
    jb__follow_close(jb_subscriber_t *self);

#endif
