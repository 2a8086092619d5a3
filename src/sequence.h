/*  =========================================================================
    sequence.h - the loss-detection stamp, the publisher's sequencer and the
    subscriber's gap tracker (private to the library)

    Not installed. Non-static internals are named jb__<name> (STYLE.md).
    ========================================================================= */

#ifndef JBUS_SEQUENCE_PRIVATE_H_INCLUDED
#define JBUS_SEQUENCE_PRIVATE_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

//  What a publisher adds to each event it sends so that
//  subscribers can count what they missed (docs/zeromq-binding.md, 4.1):
//  its instance id and the event's sequence number for its type.
#define JB__PUBLISHER_ATTRIBUTE "jbuspub"
#define JB__SEQUENCE_ATTRIBUTE  "jbusseq"

typedef struct {
    const char *publisher;      //  16 hex digits, new for each publisher instance
    size_t publisher_size;      //  strlen(publisher)
    int32_t sequence;           //  1 .. INT32_MAX, then 1 again
} jb__stamp_t;

//  Longest publisher id kept from a received stamp, with its NUL: no
//  longer one can be tracked (a stream's key is "publisher type").
#define JB__RECEIVED_PUBLISHER_MAX 512

//  The stamp of a received event (jb__message_decode_stamped).
typedef struct {
    bool stamped;               //  false when the event carried no stamp as a
                                //  jbus publisher writes it: a String jbuspub
                                //  (of fewer than JB__RECEIVED_PUBLISHER_MAX
                                //  bytes) and an Integer jbusseq, at least 1
    char publisher [JB__RECEIVED_PUBLISHER_MAX];    //  when stamped
    size_t publisher_size;
    int32_t sequence;
} jb__received_stamp_t;

//  A publisher's counters, one per type, and its instance id.
typedef struct jb__sequencer jb__sequencer_t;
jb__sequencer_t *
    jb__sequencer_new(void);
void
    jb__sequencer_destroy(jb__sequencer_t **self_p);
//  Fill stamp with the publisher id and the next sequence number for type.
//  Returns 0 or JB_ENOMEM.
int
    jb__sequencer_next(jb__sequencer_t *self, const char *type, jb__stamp_t *stamp);
//  Give back the last number taken for type, for an event that was not sent
//  after all, so that subscribers do not see a gap that is no loss.
void
    jb__sequencer_undo(jb__sequencer_t *self, const char *type);
//  The instance id, 16 hex digits; borrowed, valid while self lives.
const char *
    jb__sequencer_publisher(const jb__sequencer_t *self);
//  Called with a type and its last number sent.
typedef void (jb__sequencer_announce_fn)(const char *type, int32_t sequence, void *arg);
//  Once a tick: call announce for each type that has sent something, and
//  nothing since the previous call, and was not announced in the last
//  interval_ms (now and interval_ms in ms of zclock_mono).
void
    jb__sequencer_quiet(jb__sequencer_t *self, int64_t now, int interval_ms,
                        jb__sequencer_announce_fn *announce, void *arg);
//  Call announce for every type that has sent something.
void
    jb__sequencer_each(jb__sequencer_t *self, jb__sequencer_announce_fn *announce, void *arg);

//  A subscriber's view of every (publisher, type) stream it
//  has seen: the last sequence number of each.
typedef struct jb__gaps jb__gaps_t;
jb__gaps_t *
    jb__gaps_new(void);
void
    jb__gaps_destroy(jb__gaps_t **self_p);
//  Note a received event of type (type_size bytes) and its stamp; returns
//  how many events of its stream were missed just before it (0 when none,
//  or when it carries no stamp). *repeated_p (when not NULL) says whether
//  it was seen already: its stream's last number is it or after it (a
//  replayed event arriving live too, or one replayed twice), which then
//  changes nothing. One lookup of the stream for both.
uint32_t
    jb__gaps_observe(jb__gaps_t *self, const jb__received_stamp_t *stamp, const char *type,
                     size_t type_size, bool *repeated_p);
//  Note an announcement (announce.h) that publisher (publisher_size
//  bytes) has sent up to sequence of type (type_size bytes); returns how
//  many events of that stream were missed: those after the last one seen,
//  up to and including sequence. A stream not seen before starts there.
uint32_t
    jb__gaps_announced(jb__gaps_t *self, const char *publisher, size_t publisher_size,
                       int32_t sequence, const char *type, size_t type_size);

#endif
