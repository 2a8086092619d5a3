/*  =========================================================================
    follow.c - a durable consumer: a subscriber that reads the broker's
    journal, never the live stream (docs/replay.md 6)

    It asks the replay endpoint to FOLLOW its filters from where its name
    left off (durable:NAME), or, once it has taken events, from the next
    journal sequence; the broker sends what is committed, then what is
    committed next, and HEAD while there is nothing new. Events are
    acknowledged (ACK NAME SEQUENCE) as they are handed over: every
    ack_every events and before a wait, or when the application says so
    (jb_subscriber_ack). The journal sequence orders everything, so a
    restart resumes exactly after the last acknowledgement: what was
    handed over since comes again, at least once.

    A broker that stays silent past s_SILENCE_MS (it sends HEAD every
    second) is followed anew on a new socket: a broker restarted on the
    same journal goes on where it stopped.
    ========================================================================= */

#include <czmq.h>
#include <errno.h>
#include <inttypes.h>

#include "jbus.h"
#include "error.h"
#include "replay_request.h"
#include "subscriber.h"

//  Events in flight, and credited back in one CREDIT.
#define s_WINDOW 200
#define s_CREDIT 100

//  How long the replay endpoint may stay silent (it sends HEAD every
//  second while there is nothing new).
#define s_SILENCE_MS 3000

//  How long an acknowledgement sent on a socket that is then closed may
//  take to leave.
#define s_LINGER_MS 1000

//  How soon to follow again after a refusal that may pass (the broker
//  serves too many replays, its journal could not be read).
#define s_RETRY_MS 1000

//  Close the socket; what it still has to send (an ACK) goes out first.
static void
s_close(jb_subscriber_t *self)
{
    if (self->follow) {
        zsock_set_linger(self->follow, s_LINGER_MS);
        zsock_destroy(&self->follow);
    }
}

//  Follow the filters subscribed, on a new socket: events the old one
//  had in flight are never seen.
static int
s_follow(jb_subscriber_t *self, jb_error_t *error)
{
    s_close(self);
    self->follow_stale = false;
    self->follow_refused = false;
    self->follow_credit_owed = 0;
    self->follow_heard = zclock_mono();
    self->follow_retry = 0;
    if (zlistx_size(self->filter_texts) == 0) {
        self->follow_retry = INT64_MAX;     //  nothing to follow till a subscribe
        return 0;
    }
    self->follow = jb__subscriber_replay_open(self, error);
    if (!self->follow)
        return error? error->code: JB_ESOCKET;
    zmsg_t *request = zmsg_new();
    char start [JB__REPLAY_FIELD_MAX + 32];
    if (self->follow_taken)
        snprintf(start, sizeof start, "seq:%" PRIu64, self->follow_taken + 1);
    else
    if (self->replay_start)
        snprintf(start, sizeof start, "durable:%s %s", self->durable, self->replay_start);
    else
        snprintf(start, sizeof start, "durable:%s", self->durable);
    char window [16];
    snprintf(window, sizeof window, "%d", s_WINDOW);
    zmsg_addstr(request, "FOLLOW");
    zmsg_addstr(request, start);
    zmsg_addstr(request, window);
    for (const char *filter = (const char *) zlistx_first(self->filter_texts); filter;
         filter = (const char *) zlistx_next(self->filter_texts))
        zmsg_addstr(request, filter);
    if (zmsg_send(&request, self->follow) == -1) {
        zmsg_destroy(&request);
        return jb__error(error, JB_ESOCKET, NULL, "cannot ask %.*s to follow: %s",
                         JB__SUBSCRIBER_QUOTE_MAX, self->replay_endpoint,
                         zmq_strerror(zmq_errno()));
    }
    return 0;
}

int
jb__follow_ack(jb_subscriber_t *self, jb_error_t *error)
{
    if (self->follow_handed <= self->follow_acked)
        return 0;
    if (!self->follow) {
        self->follow = jb__subscriber_replay_open(self, error);
        self->follow_stale = true;          //  this socket follows nothing yet
        if (!self->follow)
            return error? error->code: JB_ESOCKET;
    }
    char sequence [24];
    snprintf(sequence, sizeof sequence, "%" PRIu64, self->follow_handed);
    if (zsock_send(self->follow, "sss", "ACK", self->durable, sequence) == -1)
        return jb__error(error, JB_ESOCKET, NULL, "cannot acknowledge to %.*s: %s",
                         JB__SUBSCRIBER_QUOTE_MAX, self->replay_endpoint,
                         zmq_strerror(zmq_errno()));
    self->follow_acked = self->follow_handed;
    self->follow_unacked = 0;
    return 0;
}

void
jb__follow_close(jb_subscriber_t *self)
{
    if (!self->durable)
        return;
    //  the last event returned was handed over, unless acknowledging is
    //  the application's
    if (self->ack_every > 0) {
        self->follow_handed = self->follow_taken;
        jb__follow_ack(self, NULL);
    }
    s_close(self);
}

//  One EVENT SEQUENCE FRAMES... Returns 1 with an event to hand over, 0
//  when there is none, or JB_ENOMEM (the event is asked for again).
static int
s_event(jb_subscriber_t *self, zmsg_t *message, jb_event_t **event_p, size_t *calls_p)
{
    char *sequence_text = zmsg_popstr(message);
    uint64_t sequence = sequence_text? strtoull(sequence_text, NULL, 10): 0;
    free(sequence_text);
    if (++self->follow_credit_owed >= s_CREDIT) {
        char credit [16];
        snprintf(credit, sizeof credit, "%u", self->follow_credit_owed);
        zsock_send(self->follow, "ss", "CREDIT", credit);
        self->follow_credit_owed = 0;
    }
    if (sequence <= self->follow_taken)
        return 0;                           //  had already
    uint64_t taken_before = self->follow_taken;
    self->follow_taken = sequence;
    jb__received_stamp_t stamp;
    jb_event_t *event = jb__subscriber_replayed_event(self, message, &stamp);
    if (!event)
        return 0;
    int rc = jb__subscriber_deliver(self, event, &stamp, calls_p, event_p, true);
    if (rc == JB_ENOMEM) {
        //  not taken after all: follow again from it
        self->follow_taken = taken_before;
        self->follow_stale = true;
    }
    return rc;
}

//  --------------------------------------------------------------------------

int
jb__follow_next(jb_subscriber_t *self, int64_t deadline, int timeout_ms, jb_event_t **event_p,
                size_t *calls_p, jb_error_t *error)
{
    //  what the last call returned has been handed over
    if (self->follow_taken > self->follow_handed && self->ack_every > 0) {
        self->follow_handed = self->follow_taken;
        self->follow_unacked++;
        if (self->follow_unacked >= self->ack_every)
            jb__follow_ack(self, NULL);
    }
    if (self->follow_stale) {
        int rc = s_follow(self, error);
        if (rc)
            return rc;
    }
    while (true) {
        int64_t now = zclock_mono();
        if (!self->follow && !self->follow_refused && !self->follow_stale
        &&  now >= self->follow_retry) {
            int rc = s_follow(self, error);
            if (rc)
                return rc;
        }
        void *handle = self->follow? zsock_resolve(self->follow): NULL;
        int ready = jb__subscriber_poll(self, handle, 0, -1, timeout_ms, error);
        if (ready == 0) {
            //  silent only when nothing waits: a slow application is not
            //  a silent broker
            if (self->follow && now - self->follow_heard >= s_SILENCE_MS) {
                s_close(self);              //  followed anew next call
                return jb__error(error, JB_ECONNECT, NULL, "no answer from the replay "
                                 "endpoint %.*s within %d ms: following again",
                                 JB__SUBSCRIBER_QUOTE_MAX, self->replay_endpoint, s_SILENCE_MS);
            }
            //  about to wait: acknowledge what was handed over first
            if (self->follow_unacked > 0 && self->ack_every > 0)
                jb__follow_ack(self, NULL);
            long wait = self->follow? s_SILENCE_MS - (long) (now - self->follow_heard)
                      : self->follow_refused || self->follow_retry == INT64_MAX? -1
                      : (long) (self->follow_retry > now? self->follow_retry - now: 0);
            ready = jb__subscriber_poll(self, handle, wait, deadline, timeout_ms, error);
        }
        if (ready < 0)
            return ready;
        if (ready == 0)
            continue;
        zmsg_t *message = zmsg_recv(self->follow);
        if (!message)
            continue;
        self->follow_heard = zclock_mono();
        char *command = zmsg_popstr(message);
        int rc = 0;
        if (command && streq(command, "EVENT"))
            rc = s_event(self, message, event_p, calls_p);
        else
        if (command && streq(command, "HEAD")) {
            //  every event up to HEAD that our filters match came before
            //  it: had, so a follow anew (and an acknowledgement) may start
            //  after it
            char *head_text = zmsg_popstr(message);
            uint64_t head = head_text? strtoull(head_text, NULL, 10): 0;
            if (head > self->follow_taken)
                self->follow_taken = head;
            free(head_text);
        }
        else
        if (command && streq(command, "ERROR")) {
            char *reason = zmsg_popstr(message);
            char *answered = zmsg_popstr(message);
            bool denied = reason && strstr(reason, "Permissions Violation");
            if (answered && streq(answered, "ACK"))
                //  following goes on; the position stays where it was, so
                //  a restart gets more again, never less
                rc = jb__error(error, JB_EIO, NULL, "acknowledging as \"%s\" to %.*s: %s",
                               self->durable, JB__SUBSCRIBER_QUOTE_MAX, self->replay_endpoint,
                               reason? reason: "refused");
            else {
                //  refused to follow: for good while the filters stay as
                //  they are when our key may not have them, else for now
                s_close(self);
                self->follow_refused = denied;
                self->follow_retry = zclock_mono() + s_RETRY_MS;
                rc = jb__error(error, denied? JB_EDENIED: JB_EIO, NULL,
                               "following from %.*s as \"%s\": %s%s", JB__SUBSCRIBER_QUOTE_MAX,
                               self->replay_endpoint, self->durable, reason? reason: "refused",
                               denied? "": " (asking again in a second)");
            }
            free(reason);
            free(answered);
        }
        free(command);
        zmsg_destroy(&message);
        if (rc == 1 || rc < 0)
            return rc;
    }
}
