/*  =========================================================================
    catch_up.c - a subscriber catching up from the broker's journal
    (docs/replay.md 6) before it reads its first live event
    ========================================================================= */

#include <czmq.h>
#include <errno.h>

#include "jbus.h"
#include "error.h"
#include "message.h"
#include "subscriber.h"

//  Events taken from a replay before they are credited back in one CREDIT.
#define s_REPLAY_WINDOW 100
#define s_REPLAY_CREDIT 50

//  How long the replay endpoint may stay silent while catching up.
#define s_REPLAY_SILENCE_MS 5000

//  Round 2 of catching up, which closes the seam, starts this long after
//  round 1 began at the earliest: by then our subscription has reached the
//  broker, and what it forwarded before has been committed to the journal
//  (a commit interval is 10 ms by default).
#define s_SEAM_MS 500

//  --------------------------------------------------------------------------
//  Catching up (docs/replay.md): a replay of each filter from the start
//  asked for, in the order subscribed, through a DEALER on the broker's
//  replay endpoint, before the first live event is read. The SUB socket
//  holds the live events meanwhile; those the replay gave already are
//  dropped when they come (jb__subscriber_deliver).
//
//  An event the broker forwarded before our subscription reached it, but
//  committed only after round 1 read the journal's end, is in neither
//  stream. So a second round replays each filter again from round 1's
//  head, s_SEAM_MS after round 1 began at the earliest: the seam.

//  Ask for the replay of the next filter; false when none is left.
static bool
s_replay_next(jb_subscriber_t *self)
{
    self->replaying = (char *) (self->replaying? zlistx_next(self->filter_texts)
                                               : zlistx_first(self->filter_texts));
    if (!self->replaying)
        return false;
    char window [16];
    snprintf(window, sizeof window, "%d", s_REPLAY_WINDOW);
    self->credit_owed = 0;
    self->replay_heard = zclock_mono();
    zsock_send(self->replay, "ssss", "REPLAY", self->replaying,
               self->replay_round == 2? self->seam_start: self->replay_start, window);
    return true;
}

//  Catching up is over, for good: the live stream from here.
static void
s_caught_up(jb_subscriber_t *self)
{
    zsock_destroy(&self->replay);
    self->caught_up = true;
}

//  One EVENT of the replay, its frames after the command and sequence.
//  Returns as jb__subscriber_deliver.
static int
s_replay_event(jb_subscriber_t *self, zmsg_t *message, size_t *calls_p, jb_event_t **event_p)
{
    if (++self->credit_owed >= s_REPLAY_CREDIT) {
        char credit [16];
        snprintf(credit, sizeof credit, "%u", self->credit_owed);
        zsock_send(self->replay, "ss", "CREDIT", credit);
        self->credit_owed = 0;
    }
    jb__received_stamp_t stamp;
    jb_event_t *event = jb__subscriber_replayed_event(self, message, &stamp);
    if (!event)
        return 0;
    return jb__subscriber_deliver(self, event, &stamp, calls_p, event_p, true);
}

//  The next replayed event a filter wants, waiting up to the deadline.
//  Returns 1 with it, 0 when catching up is over (go live), JB_ETIMEDOUT,
//  or an error that ends catching up: the replay endpoint silent for
//  s_REPLAY_SILENCE_MS (JB_ECONNECT) or refusing (JB_EDENIED, JB_EIO).

int
jb__catch_up(jb_subscriber_t *self, int64_t deadline, int timeout_ms, jb_event_t **event_p,
             size_t *calls_p, jb_error_t *error)
{
    if (!self->replay) {
        self->replay = jb__subscriber_replay_open(self, error);
        int rc = self->replay? 0: error? error->code: JB_ESOCKET;
        self->replay_round = 1;
        self->replay_began = zclock_mono();
        self->round_head = UINT64_MAX;
        if (rc || !s_replay_next(self)) {
            s_caught_up(self);
            return rc;
        }
    }
    while (true) {
        int64_t now = zclock_mono();
        //  between the rounds: the seam's round waits for its time
        if (!self->replaying) {
            int64_t due = self->replay_began + s_SEAM_MS;
            if (now < due) {
                int rc = jb__subscriber_poll(self, NULL, (long) (due - now), deadline, timeout_ms,
                                             error);
                if (rc < 0)
                    return rc;
                continue;
            }
            self->replay_round = 2;
            snprintf(self->seam_start, sizeof self->seam_start, "seq:%llu",
                     (unsigned long long) (self->round_head == UINT64_MAX? 0
                                                                          : self->round_head + 1));
            if (!s_replay_next(self)) {
                s_caught_up(self);
                return 0;
            }
            now = zclock_mono();
        }
        //  silent only when nothing waits: a slow application is not a
        //  silent broker
        if (now - self->replay_heard > s_REPLAY_SILENCE_MS
        &&  !(zsock_events(self->replay) & ZMQ_POLLIN)) {
            s_caught_up(self);
            return jb__error(error, JB_ECONNECT, NULL, "no answer from the replay endpoint "
                             "%.*s within %d ms: catching up given up, live events follow",
                             JB__SUBSCRIBER_QUOTE_MAX, self->replay_endpoint, s_REPLAY_SILENCE_MS);
        }
        long wait = s_REPLAY_SILENCE_MS - (long) (now - self->replay_heard);
        int ready = jb__subscriber_poll(self, zsock_resolve(self->replay), wait < 0? 0: wait,
                                        deadline, timeout_ms, error);
        if (ready < 0)
            return ready;
        if (ready == 0)
            continue;
        zmsg_t *message = zmsg_recv(self->replay);
        if (!message)
            continue;
        self->replay_heard = zclock_mono();
        char *command = zmsg_popstr(message);
        char *argument = zmsg_popstr(message);
        int rc = 0;
        if (command && streq(command, "EVENT"))
            rc = s_replay_event(self, message, calls_p, event_p);
        else
        if (command && streq(command, "HEAD"))
            ;                               //  the broker is there: heard
        else
        if (command && streq(command, "END")) {
            uint64_t head = argument? strtoull(argument, NULL, 10): 0;
            if (self->replay_round == 1 && head < self->round_head)
                self->round_head = head;
            if (!s_replay_next(self) && self->replay_round == 2)
                s_caught_up(self);
        }
        else {
            //  this filter's replay failed; the others are still tried
            rc = jb__error(error, argument && strstr(argument, "Permissions Violation")
                           ? JB_EDENIED: JB_EIO, NULL, "catching up on \"%.*s\" from %.*s: "
                           "%s", JB__SUBSCRIBER_QUOTE_MAX, self->replaying, JB__SUBSCRIBER_QUOTE_MAX,
                           self->replay_endpoint, argument? argument: "an unexpected answer");
            if (!s_replay_next(self) && self->replay_round == 2)
                s_caught_up(self);
        }
        free(command);
        free(argument);
        zmsg_destroy(&message);
        if (rc || self->caught_up)
            return rc == JB_ENOMEM? jb__error(error, JB_ENOMEM, NULL, "out of memory"): rc;
    }
}

