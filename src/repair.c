/*  =========================================================================
    repair.c - a subscriber repairing a gap in the live stream from the
    broker's journal (docs/replay.md 6)

    A live event whose number shows that events of its stream were missed
    is held; the missing numbers are fetched from the journal with a
    replay that starts where the stream was (after:NUMBER:PUBLISHER) and
    handed over, in order, before it. The DEALER is kept between repairs. So is the tail that a publisher's
    announcement shows missing, without an event to hold. One repair at a
    time, before anything else is read: the order per stream holds, and
    the replay's window bounds what waits in memory.

    The journal commits in groups, a little after the broker forwarded:
    the gap may be seen before what fills it is committed. A replay that
    ends without reaching past the gap is asked again, for up to
    s_PATIENCE_MS; what is still missing then is lost for good.
    ========================================================================= */

#include <czmq.h>
#include <errno.h>
#include <inttypes.h>

#include "jbus.h"
#include "error.h"
#include "replay_request.h"
#include "subscriber.h"

//  Events of the repair's replay in flight, and credited back at once.
#define s_WINDOW 100
#define s_CREDIT 50

//  How long the replay endpoint may stay silent during a repair.
#define s_SILENCE_MS 5000

//  How long a repair waits for the journal to commit what fills the gap,
//  and how often it asks meanwhile.
#define s_PATIENCE_MS 1000
#define s_RETRY_MS 20

//  After the replay endpoint was silent, gaps are reported lost at once
//  for this long, rather than each holding the live stream up again.
#define s_PAUSE_MS 30000

void
jb__repair_begin(jb_subscriber_t *self, const char *publisher, size_t publisher_size,
                 const char *type, size_t type_size, int64_t first, int64_t last,
                 jb_event_t *held)
{
    assert(!self->repairing);
    assert(publisher_size < sizeof self->repair_publisher);
    memcpy(self->repair_publisher, publisher, publisher_size);
    self->repair_publisher[publisher_size] = '\0';
    free(self->repair_type);
    self->repair_type = (char *) malloc(type_size + 1);
    if (self->repair_type) {
        memcpy(self->repair_type, type, type_size);
        self->repair_type[type_size] = '\0';
    }
    self->repairing = true;
    self->repair_next = first;
    self->repair_last = last;
    self->repair_held = held;
    self->repair_asked = false;
    self->repair_past = false;
    self->repair_resume = 0;
    //  a stream's numbers that wrapped past INT32_MAX, a type or publisher
    //  a replay cannot name, a replay endpoint lately silent: nothing to
    //  ask for
    jb_error_t error;
    bool is_pattern;
    size_t subscription_size;
    self->repair_over = !self->repair_type || first < 1 || first > last
                     || zclock_mono() < self->repair_paused
                     || type_size >= JB__REPLAY_FIELD_MAX || memchr(type, '\0', type_size)
                     || !jb__replay_name_valid(self->repair_publisher)
                     || jb__filter_parse(self->repair_type, &is_pattern, &subscription_size,
                                         &error) != 0;
    self->repair_began = self->repair_heard = zclock_mono();
    self->repair_retry = 0;
}

void
jb__repair_close(jb_subscriber_t *self)
{
    zsock_destroy(&self->repair_socket);
    jb_event_destroy(&self->repair_held);
    free(self->repair_type);
    self->repair_type = NULL;
    self->repairing = false;
}

//  The repair is over: what was not fetched is lost, and the held event
//  goes on. Returns 1 with it, or 0 (nothing held, or it was filtered).
static int
s_end(jb_subscriber_t *self, jb_event_t **event_p, size_t *calls_p)
{
    //  a replay still under way is cancelled: what it still sends, up to
    //  the broker's CANCELLED, is not taken for the next repair's
    if (self->repair_asked) {
        zsock_send(self->repair_socket, "s", "CANCEL");
        self->repair_asked = false;
        self->repair_cancelling = true;
    }
    if (self->repair_next <= self->repair_last)
        jb__subscriber_lost(self, (uint32_t) (self->repair_last - self->repair_next + 1),
                            self->repair_publisher,
                            self->repair_type? self->repair_type: "");
    self->repairing = false;
    jb_event_t *held = self->repair_held;
    self->repair_held = NULL;
    if (!held)
        return 0;
    int rc = jb__subscriber_hand_over(self, held, calls_p, event_p, false);
    return rc == JB_ENOMEM? 0: rc;
}

static void
s_ask(jb_subscriber_t *self, jb_error_t *error)
{
    if (!self->repair_socket)
        self->repair_socket = jb__subscriber_replay_open(self, error);
    if (!self->repair_socket) {
        self->repair_over = true;
        return;
    }
    //  the first time, where the stream stood (the broker reads back for
    //  it); again, after what the last replay read to its END: what fills
    //  the gap can only have been committed since
    char start [JB__RECEIVED_PUBLISHER_MAX + 32];
    if (self->repair_resume)
        snprintf(start, sizeof start, "seq:%" PRIu64, self->repair_resume);
    else
        snprintf(start, sizeof start, "after:%" PRId64 ":%s", self->repair_next,
                 self->repair_publisher);
    char window [16];
    snprintf(window, sizeof window, "%d", s_WINDOW);
    zsock_send(self->repair_socket, "ssss", "REPLAY", self->repair_type, start, window);
    self->repair_asked = true;
    self->repair_past = false;
    self->repair_credit_owed = 0;
    self->repair_heard = zclock_mono();
}

//  One EVENT of the repair's replay. Returns 1 with an event to hand
//  over, else 0.
static int
s_event(jb_subscriber_t *self, zmsg_t *message, jb_event_t **event_p, size_t *calls_p)
{
    if (++self->repair_credit_owed >= s_CREDIT) {
        char credit [16];
        snprintf(credit, sizeof credit, "%u", self->repair_credit_owed);
        zsock_send(self->repair_socket, "ss", "CREDIT", credit);
        self->repair_credit_owed = 0;
    }
    jb__received_stamp_t stamp;
    jb_event_t *event = jb__subscriber_replayed_event(self, message, &stamp);
    if (!event)
        return 0;
    //  only the stream under repair: the replay's filter is a prefix
    if (!stamp.stamped || !streq(stamp.publisher, self->repair_publisher)
    ||  !streq(jb_event_type(event), self->repair_type)
    ||  stamp.sequence < self->repair_next) {
        jb_event_destroy(&event);
        return 0;
    }
    if (stamp.sequence > self->repair_last) {
        self->repair_past = true;
        self->repair_over = true;
        jb_event_destroy(&event);
        return 0;
    }
    //  a number the journal lacks is skipped, and lost
    if (stamp.sequence > self->repair_next)
        jb__subscriber_lost(self, (uint32_t) (stamp.sequence - self->repair_next),
                            self->repair_publisher, self->repair_type);
    self->repair_next = (int64_t) stamp.sequence + 1;
    self->stats.repaired++;
    if (self->repair_next > self->repair_last)
        self->repair_over = true;
    int rc = jb__subscriber_hand_over(self, event, calls_p, event_p, true);
    return rc == 1? 1: 0;
}

//  --------------------------------------------------------------------------

int
jb__repair_next(jb_subscriber_t *self, int64_t deadline, int timeout_ms, jb_event_t **event_p,
                size_t *calls_p, jb_error_t *error)
{
    while (true) {
        if (self->repair_over)
            return s_end(self, event_p, calls_p);
        int64_t now = zclock_mono();
        if (!self->repair_asked && now >= self->repair_retry) {
            s_ask(self, error);
            continue;
        }
        long wait = self->repair_asked
                  ? s_SILENCE_MS - (long) (now - self->repair_heard)
                  : (long) (self->repair_retry - now);
        int ready = jb__subscriber_poll(self, self->repair_asked
                                              ? zsock_resolve(self->repair_socket): NULL,
                                        wait < 0? 0: wait, deadline, timeout_ms, error);
        if (ready < 0 && ready != JB_ETIMEDOUT)
            return ready;
        //  nothing came: a silent endpoint ends the repair, even when the
        //  caller's deadline passed too
        if (ready <= 0) {
            now = zclock_mono();
            if (self->repair_asked && now - self->repair_heard >= s_SILENCE_MS) {
                //  a new socket next time: the old one's replay may yet answer
                zsock_destroy(&self->repair_socket);
                self->repair_asked = false;
                self->repair_cancelling = false;
                self->repair_over = true;
                self->repair_paused = now + s_PAUSE_MS;
                return jb__error(error, JB_ECONNECT, NULL, "no answer from the replay endpoint "
                                 "%.*s within %d ms: events of \"%.*s\" from %s reported lost",
                                 JB__SUBSCRIBER_QUOTE_MAX, self->replay_endpoint, s_SILENCE_MS,
                                 JB__SUBSCRIBER_QUOTE_MAX, self->repair_type,
                                 self->repair_publisher);
            }
            if (ready == JB_ETIMEDOUT)
                return ready;               //  error says so already
            continue;
        }
        zmsg_t *message = zmsg_recv(self->repair_socket);
        if (!message)
            continue;
        self->repair_heard = zclock_mono();
        char *command = zmsg_popstr(message);
        char *argument = zmsg_popstr(message);
        int rc = 0;
        if (self->repair_cancelling)
            //  the old replay's, to its CANCELLED
            self->repair_cancelling = !(command && streq(command, "CANCELLED"));
        else
        if (command && streq(command, "EVENT"))
            rc = s_event(self, message, event_p, calls_p);
        else
        if (command && streq(command, "HEAD"))
            ;                               //  the broker is there: heard
        else
        if (command && streq(command, "END")) {
            self->repair_asked = false;
            uint64_t head = argument? strtoull(argument, NULL, 10): 0;
            if (head + 1 > self->repair_resume)
                self->repair_resume = head + 1;
            //  not past the gap yet: the journal may not have committed it
            if (self->repair_past
            ||  zclock_mono() - self->repair_began >= s_PATIENCE_MS)
                self->repair_over = true;
            else
                self->repair_retry = zclock_mono() + s_RETRY_MS;
        }
        else {
            //  refused (the rules, the broker's limits): lost
            self->repair_asked = false;
            self->repair_over = true;
        }
        free(command);
        free(argument);
        zmsg_destroy(&message);
        if (rc == 1)
            return 1;
    }
}
