/*  =========================================================================
    sequence.c - loss detection: sequence numbers per publisher and type

    ZeroMQ PUB/SUB drops silently (at a high-water mark, on a reconnect), so
    each publisher stamps every event with two extension attributes:
        jbuspub  String   the publisher instance: 16 random hex digits, new
                          each time a publisher is made, so a restarted
                          publisher is a new stream, not a gap
        jbusseq  Integer  1, 2, 3 ... per type within that instance; after
                          2147483647 it wraps to 1
    Numbers run per type because a subscriber receives only the types it
    subscribed to. A subscriber remembers the last number of each
    (publisher, type) stream it has seen and reports a jump as a gap.
    ========================================================================= */


#include <czmq.h>

#include "jbus.h"
#include "sequence.h"
#include "id.h"

//  Streams a subscriber remembers at most; past that, new streams are not
//  tracked (and cannot report gaps), so memory stays bounded.
#define s_STREAMS_MAX 100000

//  The key of a stream: "publisher type" (a publisher id has no space).
#define s_KEY_MAX 512

//  --------------------------------------------------------------------------
//  Publisher side

//  The type whose counter was used last is remembered, so that a publisher
//  that sends one type after another (the usual case) compares a string
//  instead of hashing it; types longer than this are looked up each time.
#define s_LAST_TYPE_MAX 256

//  One type's numbers. Only last is touched per event; the rest belongs
//  to announcing (jb__sequencer_quiet).
typedef struct {
    int32_t last;               //  the last number sent, 0 before the first
    int32_t last_seen;          //  last as jb__sequencer_quiet saw it
    bool announced;             //  last was announced, at announced_at
    int64_t announced_at;
} s_counter_t;

struct jb__sequencer {
    char publisher [17];        //  this instance's id
    zhashx_t *counters;         //  type -> s_counter_t *
    char last_type [s_LAST_TYPE_MAX];   //  the type of the last lookup, or ""
    s_counter_t *last;          //  its counter, or NULL
};

jb__sequencer_t *
jb__sequencer_new(void)
{
    jb__sequencer_t *self = (jb__sequencer_t *) calloc(1, sizeof(jb__sequencer_t));
    if (!self)
        return NULL;
    self->counters = zhashx_new();
    if (!self->counters) {
        free(self);
        return NULL;
    }
    zhashx_set_destructor(self->counters, (zhashx_destructor_fn *) zstr_free);
    //  64 random bits from a fresh UUIDv4, whose hex digits are all random
    //  but the version nibble (12) and the variant's top bits (16)
    char uuid [37];
    jb__id_generate(uuid);
    memcpy(self->publisher, uuid, 8);
    memcpy(self->publisher + 8, uuid + 24, 8);
    self->publisher[16] = '\0';
    return self;
}

void
jb__sequencer_destroy(jb__sequencer_t **self_p)
{
    jb__sequencer_t *self = *self_p;
    if (self) {
        zhashx_destroy(&self->counters);
        free(self);
        *self_p = NULL;
    }
}

int
jb__sequencer_next(jb__sequencer_t *self, const char *type, jb__stamp_t *stamp)
{
    s_counter_t *counter = self->last && strcmp(type, self->last_type) == 0? self->last: NULL;
    if (!counter) {
        counter = (s_counter_t *) zhashx_lookup(self->counters, type);
        if (!counter) {
            counter = (s_counter_t *) calloc(1, sizeof(s_counter_t));
            if (!counter || zhashx_insert(self->counters, type, counter)) {
                free(counter);
                return JB_ENOMEM;
            }
        }
        //  the counters are never removed, so the pointer stays valid
        size_t size = strlen(type);
        self->last = size < sizeof self->last_type? counter: NULL;
        if (self->last)
            memcpy(self->last_type, type, size + 1);
    }
    counter->last = counter->last == INT32_MAX? 1: counter->last + 1;
    stamp->publisher = self->publisher;
    stamp->publisher_size = sizeof self->publisher - 1;
    stamp->sequence = counter->last;
    return 0;
}

void
jb__sequencer_undo(jb__sequencer_t *self, const char *type)
{
    //  1 goes back to 0, "nothing sent", which next turns into 1 again as
    //  it would INT32_MAX after a wrap
    s_counter_t *counter = (s_counter_t *) zhashx_lookup(self->counters, type);
    if (counter && counter->last > 0)
        counter->last--;
}

const char *
jb__sequencer_publisher(const jb__sequencer_t *self)
{
    return self->publisher;
}

//  --------------------------------------------------------------------------
//  A type is quiet when its number has not moved since the previous call:
//  calls come once a tick, so quiet means "nothing sent for a tick". A
//  quiet type is handed to announce at once, then again every interval_ms
//  for as long as it stays quiet; a type that moves starts over.

void
jb__sequencer_quiet(jb__sequencer_t *self, int64_t now, int interval_ms,
                    jb__sequencer_announce_fn *announce, void *arg)
{
    for (s_counter_t *counter = (s_counter_t *) zhashx_first(self->counters); counter;
         counter = (s_counter_t *) zhashx_next(self->counters)) {
        if (counter->last != counter->last_seen) {
            counter->last_seen = counter->last;
            counter->announced = false;
            continue;
        }
        if (counter->last == 0
        ||  (counter->announced && now - counter->announced_at < interval_ms))
            continue;
        counter->announced = true;
        counter->announced_at = now;
        announce((const char *) zhashx_cursor(self->counters), counter->last, arg);
    }
}

void
jb__sequencer_each(jb__sequencer_t *self, jb__sequencer_announce_fn *announce, void *arg)
{
    for (s_counter_t *counter = (s_counter_t *) zhashx_first(self->counters); counter;
         counter = (s_counter_t *) zhashx_next(self->counters))
        if (counter->last > 0)
            announce((const char *) zhashx_cursor(self->counters), counter->last, arg);
}

//  --------------------------------------------------------------------------
//  Subscriber side

struct jb__gaps {
    zhashx_t *streams;          //  "publisher type" -> int32_t *, last number seen
    //  The stream of the last event: a subscriber mostly sees one stream
    //  after another of the same, and a compare costs less than a hash.
    //  Streams are never removed, so the pointer stays valid.
    int32_t *last_stream;       //  NULL until the first stream is known
    size_t last_key_size;
    char last_key [s_KEY_MAX];
};

jb__gaps_t *
jb__gaps_new(void)
{
    jb__gaps_t *self = (jb__gaps_t *) calloc(1, sizeof(jb__gaps_t));
    if (self && !(self->streams = zhashx_new())) {
        free(self);
        self = NULL;
    }
    if (self)
        zhashx_set_destructor(self->streams, (zhashx_destructor_fn *) zstr_free);
    return self;
}

void
jb__gaps_destroy(jb__gaps_t **self_p)
{
    jb__gaps_t *self = *self_p;
    if (self) {
        zhashx_destroy(&self->streams);
        free(self);
        *self_p = NULL;
    }
}

//  The last number of the stream of publisher (publisher_size bytes) and
//  type (type_size bytes), or NULL for a stream not seen before, or one
//  that cannot be tracked. *key_p gets the stream's key, for
//  s_stream_add.

static int32_t *
s_stream_find(jb__gaps_t *self, const char *publisher, size_t publisher_size, const char *type,
              size_t type_size, char key [s_KEY_MAX], bool *trackable)
{
    *trackable = publisher_size + 1 + type_size < s_KEY_MAX;
    if (!*trackable)
        return NULL;
    memcpy(key, publisher, publisher_size);
    key[publisher_size] = ' ';
    memcpy(key + publisher_size + 1, type, type_size);
    key[publisher_size + 1 + type_size] = '\0';
    size_t key_size = publisher_size + 1 + type_size;
    if (self->last_stream && key_size == self->last_key_size
    &&  memcmp(key, self->last_key, key_size) == 0)
        return self->last_stream;
    int32_t *last = (int32_t *) zhashx_lookup(self->streams, key);
    if (last) {
        self->last_stream = last;
        self->last_key_size = key_size;
        memcpy(self->last_key, key, key_size);
    }
    return last;
}

//  Start tracking the stream of key at sequence; what came before it was
//  never ours to see. Past s_STREAMS_MAX streams, or out of memory, the
//  stream stays untracked.
static void
s_stream_add(jb__gaps_t *self, const char *key, int32_t sequence)
{
    if (zhashx_size(self->streams) >= s_STREAMS_MAX)
        return;
    int32_t *last = (int32_t *) malloc(sizeof(int32_t));
    if (!last || zhashx_insert(self->streams, key, last)) {
        free(last);
        return;
    }
    *last = sequence;
}

//  Move the stream at *last to sequence and return how many numbers lie
//  between: a number up to ahead + 1 past *last, ahead 1 for an event (it
//  is one of them) and 0 for an announcement. A number at or before the
//  last one (far around the circle 1 .. INT32_MAX) is a duplicate or late,
//  not a gap, and leaves the stream alone.
static uint32_t
s_stream_advance(int32_t *last, int32_t sequence, int ahead, bool *late_p)
{
    int64_t modulus = INT32_MAX;
    int64_t distance = ((int64_t) sequence - *last - ahead + modulus) % modulus;
    //  binding 4.1: fewer than 2^30 missed is a gap, more is a late event
    if (distance >= (int64_t) 1 << 30) {
        if (late_p)
            *late_p = true;
        return 0;
    }
    *last = sequence;
    return (uint32_t) distance;
}

uint32_t
jb__gaps_observe(jb__gaps_t *self, const jb__received_stamp_t *stamp, const char *type,
                 size_t type_size, bool *repeated_p)
{
    if (repeated_p)
        *repeated_p = false;
    if (!stamp->stamped)
        return 0;                           //  not stamped by a jbus publisher
    char key [s_KEY_MAX];
    bool trackable;
    int32_t *last = s_stream_find(self, stamp->publisher, stamp->publisher_size, type,
                                  type_size, key, &trackable);
    if (last)
        return s_stream_advance(last, stamp->sequence, 1, repeated_p);
    if (trackable)
        s_stream_add(self, key, stamp->sequence);
    return 0;
}

uint32_t
jb__gaps_announced(jb__gaps_t *self, const char *publisher, size_t publisher_size,
                   int32_t sequence, const char *type, size_t type_size)
{
    char key [s_KEY_MAX];
    bool trackable;
    int32_t *last = s_stream_find(self, publisher, publisher_size, type, type_size, key,
                                  &trackable);
    if (last)
        return s_stream_advance(last, sequence, 0, NULL);     //  the number last seen: 0
    if (trackable)
        s_stream_add(self, key, sequence);
    return 0;
}
