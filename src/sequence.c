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

struct jb__sequencer {
    char publisher [17];        //  this instance's id
    zhashx_t *counters;         //  type -> int32_t *, the last number sent
    char last_type [s_LAST_TYPE_MAX];   //  the type of the last lookup, or ""
    int32_t *last;              //  its counter, or NULL
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
    int32_t *last = self->last && strcmp(type, self->last_type) == 0? self->last: NULL;
    if (!last) {
        last = (int32_t *) zhashx_lookup(self->counters, type);
        if (!last) {
            last = (int32_t *) calloc(1, sizeof(int32_t));
            if (!last || zhashx_insert(self->counters, type, last)) {
                free(last);
                return JB_ENOMEM;
            }
        }
        //  the counters are never removed, so the pointer stays valid
        size_t size = strlen(type);
        self->last = size < sizeof self->last_type? last: NULL;
        if (self->last)
            memcpy(self->last_type, type, size + 1);
    }
    *last = *last == INT32_MAX? 1: *last + 1;
    stamp->publisher = self->publisher;
    stamp->publisher_size = sizeof self->publisher - 1;
    stamp->sequence = *last;
    return 0;
}

void
jb__sequencer_undo(jb__sequencer_t *self, const char *type)
{
    int32_t *last = (int32_t *) zhashx_lookup(self->counters, type);
    if (last)
        *last = *last == 1? INT32_MAX: *last - 1;
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

uint32_t
jb__gaps_observe(jb__gaps_t *self, const jb__received_stamp_t *stamp, const char *type,
                 size_t type_size)
{
    if (!stamp->stamped)
        return 0;                           //  not stamped by a jbus publisher
    char key [s_KEY_MAX];
    size_t publisher_size = stamp->publisher_size;
    if (publisher_size + 1 + type_size >= sizeof key)
        return 0;
    memcpy(key, stamp->publisher, publisher_size);
    key[publisher_size] = ' ';
    memcpy(key + publisher_size + 1, type, type_size);
    key[publisher_size + 1 + type_size] = '\0';
    size_t key_size = publisher_size + 1 + type_size;
    int32_t *last = NULL;
    if (self->last_stream && key_size == self->last_key_size
    &&  memcmp(key, self->last_key, key_size) == 0)
        last = self->last_stream;
    else {
        last = (int32_t *) zhashx_lookup(self->streams, key);
        if (last) {
            self->last_stream = last;
            self->last_key_size = key_size;
            memcpy(self->last_key, key, key_size);
        }
    }
    if (!last) {
        //  a stream's first event: what came before it was never ours to see
        if (zhashx_size(self->streams) >= s_STREAMS_MAX)
            return 0;
        last = (int32_t *) malloc(sizeof(int32_t));
        if (!last || zhashx_insert(self->streams, key, last)) {
            free(last);
            return 0;
        }
        *last = stamp->sequence;
        return 0;
    }
    //  distance on the circle 1 .. INT32_MAX; a number at or before the
    //  last one (far around the circle) is a duplicate or late, not a gap
    int64_t modulus = INT32_MAX;
    int64_t distance = ((int64_t) stamp->sequence - *last - 1 + modulus) % modulus;
    if (distance >= modulus / 2)
        return 0;
    *last = stamp->sequence;
    return (uint32_t) distance;
}
