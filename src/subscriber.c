/*  =========================================================================
    subscriber.c - receive CloudEvents from the bus by type

    A SUB socket read through its raw libzmq handle: each frame is received
    into a zmq_msg_t kept in the subscriber and decoded in place, so the
    receive path copies nothing and allocates only the decoded event.

    Filters live in one open-addressing hash table keyed by the filter text,
    with a subscription count each. Prefix filters are also indexed by their
    distinct lengths, so testing a type against 10,000 prefixes costs one
    pass over the type (its hash is extended byte by byte) and one table
    probe per distinct prefix length, not 10,000 comparisons. Patterns are
    few in practice and are kept in a plain list.

    ZeroMQ does the prefix filtering itself: the SUB socket holds one
    subscription per jb_subscriber_subscribe call, to the filter itself or,
    for a pattern, to the text before its first wildcard. While there are no
    patterns those subscriptions are exactly our prefix filters, so recv
    trusts ZeroMQ and skips the matching; patterns need the exact match here.
    ========================================================================= */


#include "jbus.h"
#include "error.h"
#include "event.h"
#include "heartbeat.h"
#include "sequence.h"
#include "text.h"
#include <errno.h>
#include <limits.h>
#include <czmq.h>

//  Frames kept of one message. The binding uses 2 or 3; a 4th lets the
//  decoder name the mode a 4-frame message was meant to be. Frames beyond
//  are received and dropped, so the socket stays on message boundaries.
#define s_FRAMES_MAX 4

//  FNV-1a, 64 bits: byte at a time, so a type's prefixes hash in one pass.
#define s_HASH_SEED  UINT64_C(14695981039346656037)
#define s_HASH_PRIME UINT64_C(1099511628211)

//  Slots in the filter table to begin with (a power of two).
#define s_TABLE_INITIAL 16

//  Longest filter quoted in an error message.
#define s_QUOTE_MAX 200

//  One handler registered with jb_subscriber_on. Allocated one by one, so a
//  dispatch can hold pointers to handlers while callbacks add new ones.
typedef struct {
    jb_handler_fn *handler;     //  what to call
    void *arg;                  //  and its argument
    uint64_t sequence;          //  registration order, across all filters
    bool removed;               //  unsubscribed during a dispatch: not called
} s_handler_t;

//  One distinct filter and what hangs on it.
typedef struct s_filter {
    char *text;                 //  the filter as given, NUL-terminated
    size_t size;                //  strlen(text)
    uint64_t hash;              //  s_hash of text
    size_t subscription_size;   //  bytes of text that ZeroMQ subscribes to
    bool is_pattern;            //  has a "*" or ">" segment
    size_t subscriptions;       //  subscribe calls not yet undone, > 0
    s_handler_t **handlers;     //  in registration order
    size_t handler_count;
    size_t handler_capacity;
    struct s_filter *next_dead; //  in the graveyard while a dispatch runs
} s_filter_t;

//  How many prefix filters have one length.
typedef struct {
    size_t size;                //  prefix length in bytes
    size_t count;               //  prefix filters of that length, > 0
} s_length_t;

struct jb_subscriber {
    zsock_t *socket;            //  SUB
    void *handle;               //  its libzmq socket, for the receive path
    char *endpoint;             //  as given, or the bound endpoint
    const jb_extension_def_t *known;    //  borrowed from the options
    zmq_msg_t parts [s_FRAMES_MAX];     //  frames of the message being read
    jb_frame_t frames [s_FRAMES_MAX];   //  the same, as the decoder takes them

    s_filter_t **slots;         //  hash table of every filter, NULL = free
    size_t slot_count;          //  a power of two
    size_t filter_count;        //  slots in use
    s_length_t *lengths;        //  distinct prefix-filter lengths, ascending
    size_t length_count;
    size_t length_capacity;
    s_filter_t **patterns;      //  pattern filters, in subscription order
    size_t pattern_count;
    size_t pattern_capacity;
    uint64_t next_sequence;     //  for the next handler

    s_handler_t **calls;        //  handlers to call for the event dispatched
    size_t calls_capacity;
    bool in_callback;           //  a handler or the reject callback is running
    s_filter_t *graveyard;      //  filters removed by callbacks, freed after
    bool unsubscribed;          //  an unsubscribe since the last message read
    bool check_exactly;         //  the last message read needs exact matching

    jb_reject_fn *reject;       //  on_reject callback, or NULL
    void *reject_arg;
    jb_gap_fn *gap;             //  on_gap callback, or NULL
    void *gap_arg;
    jb__gaps_t *gaps;           //  last sequence number per (publisher, type)
    jb_subscriber_stats_t stats;
};

//  --------------------------------------------------------------------------
//  array, grown when needed to hold at least needed elements (doubling), or
//  NULL when out of memory (array is then unchanged).

static void *
s_reserve(void *array, size_t *capacity_p, size_t needed, size_t element_size)
{
    if (needed <= *capacity_p)
        return array;
    size_t capacity = *capacity_p? *capacity_p * 2: 8;
    while (capacity < needed)
        capacity *= 2;
    void *grown = realloc(array, capacity * element_size);
    if (grown)
        *capacity_p = capacity;
    return grown;
}

static inline uint64_t
s_hash_step(uint64_t hash, char byte)
{
    return (hash ^ (unsigned char) byte) * s_HASH_PRIME;
}

static uint64_t
s_hash(const char *text, size_t size)
{
    uint64_t hash = s_HASH_SEED;
    for (size_t index = 0; index < size; index++)
        hash = s_hash_step(hash, text[index]);
    return hash;
}

//  --------------------------------------------------------------------------
//  Check filter's syntax. A segment (text between dots) that holds "*" or
//  ">" must be just that character, and ">" only the last segment. Sets
//  *is_pattern_p and the length of the ZeroMQ subscription: the whole filter,
//  or the text before the first wildcard segment.

static int
s_filter_parse(const char *filter, bool *is_pattern_p, size_t *subscription_size_p,
               jb_error_t *error)
{
    bool is_pattern = false;
    size_t subscription_size = strlen(filter);
    const char *segment = filter;
    while (true) {
        size_t size = strcspn(segment, ".");
        const char *end = segment + size;
        if (memchr(segment, '*', size) || memchr(segment, '>', size)) {
            if (size != 1)
                return jb__error(error, JB_EINVAL, NULL,
                                 "filter \"%.*s\": a wildcard must be a whole segment "
                                 "(\"*\" or \">\" between dots)", s_QUOTE_MAX, filter);
            if (*segment == '>' && *end != '\0')
                return jb__error(error, JB_EINVAL, NULL,
                                 "filter \"%.*s\": \">\" can only be the last segment",
                                 s_QUOTE_MAX, filter);
            if (!is_pattern) {
                is_pattern = true;
                subscription_size = (size_t) (segment - filter);
            }
        }
        if (*end == '\0')
            break;
        segment = end + 1;
    }
    *is_pattern_p = is_pattern;
    *subscription_size_p = subscription_size;
    return 0;
}

//  --------------------------------------------------------------------------
//  Segment by segment: "*" is exactly one segment, ">" one or more trailing
//  segments, anything else itself. A segment is whatever lies between dots,
//  so "*" matches an empty one only where the type has one ("a..b").

static bool
s_pattern_matches(const char *pattern, const char *type)
{
    while (true) {
        size_t pattern_size = strcspn(pattern, ".");
        //  type is always at the start of a segment here, so one remains
        if (pattern_size == 1 && *pattern == '>')
            return true;
        size_t type_size = strcspn(type, ".");
        if (!(pattern_size == 1 && *pattern == '*')
        &&  (pattern_size != type_size || memcmp(pattern, type, type_size) != 0))
            return false;
        bool pattern_more = pattern[pattern_size] == '.';
        bool type_more = type[type_size] == '.';
        if (!pattern_more || !type_more)
            return pattern_more == type_more;
        pattern += pattern_size + 1;
        type += type_size + 1;
    }
}

bool
jb_filter_matches(const char *filter, const char *type)
{
    assert(filter);
    assert(type);
    bool is_pattern;
    size_t subscription_size;
    if (s_filter_parse(filter, &is_pattern, &subscription_size, NULL))
        return false;
    if (is_pattern)
        return s_pattern_matches(filter, type);
    return strncmp(type, filter, subscription_size) == 0;
}

//  --------------------------------------------------------------------------
//  The filter table: linear probing, at most half full, deletion by
//  backward shift (no tombstones, so lookups never slow down with churn).

static s_filter_t *
s_table_find(const jb_subscriber_t *self, const char *text, size_t size, uint64_t hash)
{
    if (self->slot_count == 0)
        return NULL;
    size_t mask = self->slot_count - 1;
    for (size_t index = (size_t) hash & mask; self->slots[index]; index = (index + 1) & mask) {
        s_filter_t *filter = self->slots[index];
        if (filter->hash == hash && filter->size == size && memcmp(filter->text, text, size) == 0)
            return filter;
    }
    return NULL;
}

static void
s_table_place(s_filter_t **slots, size_t slot_count, s_filter_t *filter)
{
    size_t mask = slot_count - 1;
    size_t index = (size_t) filter->hash & mask;
    while (slots[index])
        index = (index + 1) & mask;
    slots[index] = filter;
}

static bool
s_table_insert(jb_subscriber_t *self, s_filter_t *filter)
{
    if ((self->filter_count + 1) * 2 > self->slot_count) {
        size_t slot_count = self->slot_count? self->slot_count * 2: s_TABLE_INITIAL;
        s_filter_t **slots = (s_filter_t **) calloc(slot_count, sizeof(s_filter_t *));
        if (!slots)
            return false;
        for (size_t index = 0; index < self->slot_count; index++)
            if (self->slots[index])
                s_table_place(slots, slot_count, self->slots[index]);
        free(self->slots);
        self->slots = slots;
        self->slot_count = slot_count;
    }
    s_table_place(self->slots, self->slot_count, filter);
    self->filter_count++;
    return true;
}

static void
s_table_remove(jb_subscriber_t *self, const s_filter_t *filter)
{
    size_t mask = self->slot_count - 1;
    size_t hole = (size_t) filter->hash & mask;
    while (self->slots[hole] != filter)
        hole = (hole + 1) & mask;
    self->slots[hole] = NULL;
    //  pull back each later entry of the run that may no longer be reachable
    for (size_t index = (hole + 1) & mask; self->slots[index]; index = (index + 1) & mask) {
        size_t home = (size_t) self->slots[index]->hash & mask;
        //  the entry can move to the hole unless its home lies in (hole, index]
        bool stays = hole <= index? (hole < home && home <= index)
                                  : (hole < home || home <= index);
        if (!stays) {
            self->slots[hole] = self->slots[index];
            self->slots[index] = NULL;
            hole = index;
        }
    }
    self->filter_count--;
}

//  --------------------------------------------------------------------------
//  The distinct prefix lengths, sorted, each with how many filters have it.

static bool
s_lengths_add(jb_subscriber_t *self, size_t size)
{
    size_t index = 0;
    while (index < self->length_count && self->lengths[index].size < size)
        index++;
    if (index < self->length_count && self->lengths[index].size == size) {
        self->lengths[index].count++;
        return true;
    }
    s_length_t *lengths = (s_length_t *) s_reserve(self->lengths, &self->length_capacity,
                                                   self->length_count + 1, sizeof(s_length_t));
    if (!lengths)
        return false;
    self->lengths = lengths;
    memmove(&self->lengths[index + 1], &self->lengths[index],
            (self->length_count - index) * sizeof(s_length_t));
    self->lengths[index].size = size;
    self->lengths[index].count = 1;
    self->length_count++;
    return true;
}

static void
s_lengths_remove(jb_subscriber_t *self, size_t size)
{
    size_t index = 0;
    while (self->lengths[index].size != size)
        index++;
    if (--self->lengths[index].count == 0) {
        memmove(&self->lengths[index], &self->lengths[index + 1],
                (self->length_count - index - 1) * sizeof(s_length_t));
        self->length_count--;
    }
}

//  --------------------------------------------------------------------------

static void
s_filter_free(s_filter_t *filter)
{
    for (size_t index = 0; index < filter->handler_count; index++)
        free(filter->handlers[index]);
    free(filter->handlers);
    free(filter->text);
    free(filter);
}

//  Create filter, put it in the table and the prefix or pattern index.
//  NULL when out of memory.

static s_filter_t *
s_filter_add(jb_subscriber_t *self, const char *text, size_t size, uint64_t hash,
             bool is_pattern, size_t subscription_size)
{
    s_filter_t *filter = (s_filter_t *) calloc(1, sizeof(s_filter_t));
    if (!filter)
        return NULL;
    filter->text = jb__strndup(text, size);
    filter->size = size;
    filter->hash = hash;
    filter->is_pattern = is_pattern;
    filter->subscription_size = subscription_size;
    if (!filter->text || !s_table_insert(self, filter)) {
        s_filter_free(filter);
        return NULL;
    }
    bool indexed;
    if (is_pattern) {
        s_filter_t **patterns = (s_filter_t **) s_reserve(self->patterns, &self->pattern_capacity,
                                                          self->pattern_count + 1,
                                                          sizeof(s_filter_t *));
        if ((indexed = patterns != NULL)) {
            self->patterns = patterns;
            self->patterns[self->pattern_count++] = filter;
        }
    }
    else
        indexed = s_lengths_add(self, size);
    if (!indexed) {
        s_table_remove(self, filter);
        s_filter_free(filter);
        return NULL;
    }
    return filter;
}

//  Take filter out of every index and free it with its handlers; while a
//  callback runs, the dispatch may still hold its handlers, so they are
//  marked removed and freed when the dispatch ends.

static void
s_filter_remove(jb_subscriber_t *self, s_filter_t *filter)
{
    s_table_remove(self, filter);
    if (filter->is_pattern) {
        size_t index = 0;
        while (self->patterns[index] != filter)
            index++;
        memmove(&self->patterns[index], &self->patterns[index + 1],
                (self->pattern_count - index - 1) * sizeof(s_filter_t *));
        self->pattern_count--;
    }
    else
        s_lengths_remove(self, filter->size);
    if (self->in_callback) {
        for (size_t index = 0; index < filter->handler_count; index++)
            filter->handlers[index]->removed = true;
        filter->next_dead = self->graveyard;
        self->graveyard = filter;
    }
    else
        s_filter_free(filter);
}

static void
s_bury_the_dead(jb_subscriber_t *self)
{
    while (self->graveyard) {
        s_filter_t *filter = self->graveyard;
        self->graveyard = filter->next_dead;
        s_filter_free(filter);
    }
}

//  --------------------------------------------------------------------------

void
jb_subscriber_options_defaults(jb_subscriber_options_t *options)
{
    assert(options);
    options->rcvhwm = 100000;
    options->bind = false;
    options->known = NULL;
    options->curve_server_key = NULL;
    options->curve_public_key = NULL;
    options->curve_secret_key = NULL;
}

//  --------------------------------------------------------------------------

jb_subscriber_t *
jb_subscriber_new(const char *endpoint, const jb_subscriber_options_t *options,
                  jb_error_t *error)
{
    assert(endpoint);
    jb_subscriber_options_t defaults;
    if (!options) {
        jb_subscriber_options_defaults(&defaults);
        options = &defaults;
    }
    if (options->rcvhwm < 0) {
        jb__error(error, JB_EINVAL, NULL, "the receive high-water mark cannot be negative (%d)",
                  options->rcvhwm);
        return NULL;
    }
    if ((options->curve_server_key || options->curve_public_key || options->curve_secret_key)
    &&  options->bind) {
        jb__error(error, JB_EINVAL, NULL, "CURVE keys are for a subscriber that connects to a "
                  "broker, not one that binds");
        return NULL;
    }
    jb_subscriber_t *self = (jb_subscriber_t *) calloc(1, sizeof(jb_subscriber_t));
    if (!self) {
        jb__error(error, JB_ENOMEM, NULL, "out of memory");
        return NULL;
    }
    self->known = options->known;
    self->gaps = jb__gaps_new();
    self->socket = zsock_new(ZMQ_SUB);
    if (!self->gaps || !self->socket) {
        jb__error(error, JB_ESOCKET, NULL, "cannot create a SUB socket: %s",
                  zmq_strerror(zmq_errno()));
        jb_subscriber_destroy(&self);
        return NULL;
    }
    self->handle = zsock_resolve(self->socket);
    zsock_set_rcvhwm(self->socket, options->rcvhwm);
    zsock_set_linger(self->socket, 0);      //  a SUB has nothing to flush
    zsock_set_heartbeat_ivl(self->socket, JB__HEARTBEAT_IVL_MS);
    zsock_set_heartbeat_timeout(self->socket, JB__HEARTBEAT_TIMEOUT_MS);
    //  all a SUB sends is subscriptions, and libzmq drops those, unlike
    //  data, silently at the high-water mark: 10,000 filters set in a loop
    //  would lose some
    zsock_set_sndhwm(self->socket, 0);
    if (jb_curve_client_apply(self->handle, options->curve_server_key, options->curve_public_key,
                              options->curve_secret_key, error)) {
        jb_subscriber_destroy(&self);
        return NULL;
    }

    int rc = options->bind? zsock_bind(self->socket, "%s", endpoint)
                          : zsock_connect(self->socket, "%s", endpoint);
    if (rc == -1) {
        int errnum = zmq_errno();
        //  a malformed endpoint is the caller's input; anything else (address
        //  in use, no such interface) is the environment's
        bool malformed = errnum == EINVAL || errnum == EPROTONOSUPPORT
                      || errnum == ENOCOMPATPROTO;
        jb__error(error, malformed? JB_EINVAL: JB_ESOCKET, NULL, "cannot %s \"%.*s\": %s",
                  options->bind? "bind": "connect to", s_QUOTE_MAX, endpoint,
                  zmq_strerror(errnum));
        jb_subscriber_destroy(&self);
        return NULL;
    }
    self->endpoint = options->bind? zsock_last_endpoint(self->socket)
                                  : jb__strndup(endpoint, strlen(endpoint));
    if (!self->endpoint) {
        jb__error(error, JB_ENOMEM, NULL, "out of memory");
        jb_subscriber_destroy(&self);
    }
    return self;
}

//  --------------------------------------------------------------------------

void
jb_subscriber_destroy(jb_subscriber_t **self_p)
{
    assert(self_p);
    jb_subscriber_t *self = *self_p;
    if (!self)
        return;
    assert(!self->in_callback);     //  not from inside a handler
    zsock_destroy(&self->socket);
    jb__gaps_destroy(&self->gaps);
    for (size_t index = 0; index < self->slot_count; index++)
        if (self->slots[index])
            s_filter_free(self->slots[index]);
    free(self->slots);
    free(self->lengths);
    free(self->patterns);
    free(self->calls);
    free(self->endpoint);
    free(self);
    *self_p = NULL;
}

const char *
jb_subscriber_endpoint(const jb_subscriber_t *self)
{
    assert(self);
    return self->endpoint;
}

//  --------------------------------------------------------------------------
//  One subscription to filter, and handler on it when not NULL.

static int
s_subscribe(jb_subscriber_t *self, const char *text, jb_handler_fn *handler, void *arg,
            jb_error_t *error)
{
    bool is_pattern;
    size_t subscription_size;
    int rc = s_filter_parse(text, &is_pattern, &subscription_size, error);
    if (rc)
        return rc;
    size_t size = strlen(text);
    uint64_t hash = s_hash(text, size);
    s_filter_t *filter = s_table_find(self, text, size, hash);
    bool created = false;
    if (!filter) {
        filter = s_filter_add(self, text, size, hash, is_pattern, subscription_size);
        if (!filter)
            return jb__error(error, JB_ENOMEM, NULL, "out of memory");
        created = true;
    }
    if (handler) {
        s_handler_t *entry = (s_handler_t *) calloc(1, sizeof(s_handler_t));
        s_handler_t **handlers = (s_handler_t **) s_reserve(filter->handlers,
                                                            &filter->handler_capacity,
                                                            filter->handler_count + 1,
                                                            sizeof(s_handler_t *));
        if (handlers)
            filter->handlers = handlers;
        if (!entry || !handlers) {
            free(entry);
            if (created)
                s_filter_remove(self, filter);
            return jb__error(error, JB_ENOMEM, NULL, "out of memory");
        }
        entry->handler = handler;
        entry->arg = arg;
        entry->sequence = self->next_sequence++;
        filter->handlers[filter->handler_count++] = entry;
    }
    //  one ZeroMQ subscription per call: libzmq counts them as we do
    if (zmq_setsockopt(self->handle, ZMQ_SUBSCRIBE, text, subscription_size) == -1) {
        int errnum = zmq_errno();
        if (handler)
            free(filter->handlers[--filter->handler_count]);
        if (created)
            s_filter_remove(self, filter);
        return jb__error(error, JB_ESOCKET, NULL, "cannot subscribe to \"%.*s\": %s",
                         s_QUOTE_MAX, text, zmq_strerror(errnum));
    }
    filter->subscriptions++;
    return 0;
}

int
jb_subscriber_subscribe(jb_subscriber_t *self, const char *filter, jb_error_t *error)
{
    assert(self);
    assert(filter);
    return s_subscribe(self, filter, NULL, NULL, error);
}

int
jb_subscriber_on(jb_subscriber_t *self, const char *filter, jb_handler_fn *handler, void *arg,
                 jb_error_t *error)
{
    assert(self);
    assert(filter);
    assert(handler);
    return s_subscribe(self, filter, handler, arg, error);
}

int
jb_subscriber_unsubscribe(jb_subscriber_t *self, const char *text, jb_error_t *error)
{
    assert(self);
    assert(text);
    size_t size = strlen(text);
    s_filter_t *filter = s_table_find(self, text, size, s_hash(text, size));
    if (!filter)
        return jb__error(error, JB_ENOTFOUND, NULL, "not subscribed to \"%.*s\"",
                         s_QUOTE_MAX, text);
    if (zmq_setsockopt(self->handle, ZMQ_UNSUBSCRIBE, text, filter->subscription_size) == -1)
        return jb__error(error, JB_ESOCKET, NULL, "cannot unsubscribe from \"%.*s\": %s",
                         s_QUOTE_MAX, text, zmq_strerror(zmq_errno()));
    if (--filter->subscriptions == 0)
        s_filter_remove(self, filter);
    self->unsubscribed = true;
    return 0;
}

void
jb_subscriber_on_reject(jb_subscriber_t *self, jb_reject_fn *reject, void *arg)
{
    assert(self);
    self->reject = reject;
    self->reject_arg = arg;
}

//  --------------------------------------------------------------------------

void
jb_subscriber_on_gap(jb_subscriber_t *self, jb_gap_fn *gap, void *arg)
{
    assert(self);
    self->gap = gap;
    self->gap_arg = arg;
}

//  --------------------------------------------------------------------------
//  Matching a received type against the filters.

//  Walks the prefix filters that match a type, shortest first: the type's
//  hash is extended to each distinct filter length in turn and looked up.
typedef struct {
    size_t index;               //  next entry of self->lengths
    size_t hashed;              //  bytes of the type in hash
    uint64_t hash;              //  of those bytes
} s_prefix_cursor_t;

static s_filter_t *
s_next_prefix(const jb_subscriber_t *self, const char *type, size_t type_size,
              s_prefix_cursor_t *cursor)
{
    while (cursor->index < self->length_count) {
        size_t size = self->lengths[cursor->index++].size;
        if (size > type_size)
            break;
        for (; cursor->hashed < size; cursor->hashed++)
            cursor->hash = s_hash_step(cursor->hash, type[cursor->hashed]);
        s_filter_t *filter = s_table_find(self, type, size, cursor->hash);
        //  a pattern's text can equal a type prefix that holds a literal "*"
        if (filter && !filter->is_pattern)
            return filter;
    }
    cursor->index = self->length_count;
    return NULL;
}

//  Append filter's handlers to self->calls after the first *count_p.

static int
s_add_calls(jb_subscriber_t *self, const s_filter_t *filter, size_t *count_p)
{
    s_handler_t **calls = (s_handler_t **) s_reserve(self->calls, &self->calls_capacity,
                                                     *count_p + filter->handler_count,
                                                     sizeof(s_handler_t *));
    if (!calls)
        return JB_ENOMEM;
    self->calls = calls;
    memcpy(&self->calls[*count_p], filter->handlers,
           filter->handler_count * sizeof(s_handler_t *));
    *count_p += filter->handler_count;
    return 0;
}

//  True when type matches at least one filter.

static bool
s_matches_any(jb_subscriber_t *self, const char *type)
{
    //  Without patterns, ZeroMQ's subscriptions are exactly our prefix
    //  filters and it has matched already. Except once after an unsubscribe:
    //  libzmq may hold one message that it matched before (prefetched by a
    //  poll), and it returns that one without matching it again.
    if (self->pattern_count == 0 && !self->check_exactly)
        return true;
    s_prefix_cursor_t cursor = { 0, 0, s_HASH_SEED };
    if (s_next_prefix(self, type, strlen(type), &cursor))
        return true;
    for (size_t index = 0; index < self->pattern_count; index++)
        if (s_pattern_matches(self->patterns[index]->text, type))
            return true;
    return false;
}

static int
s_by_sequence(const void *left, const void *right)
{
    uint64_t a = (*(s_handler_t *const *) left)->sequence;
    uint64_t b = (*(s_handler_t *const *) right)->sequence;
    return a < b? -1: a > b;
}

//  Put in self->calls every handler whose filter matches type, in
//  registration order; *count_p gets how many. 0 or JB_ENOMEM.

static int
s_collect_handlers(jb_subscriber_t *self, const char *type, size_t *count_p)
{
    size_t count = 0;
    size_t sources = 0;     //  filters that contributed handlers
    size_t type_size = strlen(type);
    s_prefix_cursor_t cursor = { 0, 0, s_HASH_SEED };
    s_filter_t *filter;
    while ((filter = s_next_prefix(self, type, type_size, &cursor)))
        if (filter->handler_count) {
            if (s_add_calls(self, filter, &count))
                return JB_ENOMEM;
            sources++;
        }
    for (size_t index = 0; index < self->pattern_count; index++) {
        filter = self->patterns[index];
        if (filter->handler_count && s_pattern_matches(filter->text, type)) {
            if (s_add_calls(self, filter, &count))
                return JB_ENOMEM;
            sources++;
        }
    }
    //  each filter's handlers are in order already; only a mix needs sorting
    if (sources > 1)
        qsort(self->calls, count, sizeof(s_handler_t *), s_by_sequence);
    *count_p = count;
    return 0;
}

//  --------------------------------------------------------------------------
//  Receiving.

//  Take one whole message off the socket without waiting: its first frames
//  into self->parts (and self->frames), the rest received and dropped.
//  Returns the frame count and *kept_p the frames kept, or -1 with
//  zmq_errno() set (EAGAIN when no message is waiting).

static int
s_take_message(jb_subscriber_t *self, size_t *kept_p)
{
    zmq_msg_t *part = &self->parts[0];
    zmq_msg_init(part);
    if (zmq_msg_recv(part, self->handle, ZMQ_DONTWAIT) == -1) {
        zmq_msg_close(part);
        return -1;
    }
    size_t kept = 1;
    int total = 1;
    bool more = zmq_msg_more(part);
    zmq_msg_t extra;
    while (more) {
        //  a message arrives whole, so its later frames never need a wait
        part = kept < s_FRAMES_MAX? &self->parts[kept]: &extra;
        zmq_msg_init(part);
        if (zmq_msg_recv(part, self->handle, ZMQ_DONTWAIT) == -1) {
            int errnum = zmq_errno();
            zmq_msg_close(part);
            while (kept > 0)
                zmq_msg_close(&self->parts[--kept]);
            errno = errnum == EAGAIN? EPROTO: errnum;
            return -1;
        }
        more = zmq_msg_more(part);
        if (part == &extra)
            zmq_msg_close(part);
        else
            kept++;
        if (total < INT_MAX)
            total++;
    }
    for (size_t index = 0; index < kept; index++) {
        self->frames[index].data = zmq_msg_data(&self->parts[index]);
        self->frames[index].size = zmq_msg_size(&self->parts[index]);
    }
    *kept_p = kept;
    return total;
}

//  Wait until a message may be waiting or the deadline (ms on zclock_mono,
//  -1 for none) passes. 0, JB_ETIMEDOUT or JB_ESOCKET.

static int
s_wait(jb_subscriber_t *self, int64_t deadline, int timeout_ms, jb_error_t *error)
{
    long remaining = -1;
    if (deadline >= 0) {
        int64_t now = zclock_mono();
        if (now >= deadline)
            return jb__error(error, JB_ETIMEDOUT, NULL, "no event from %.*s within %d ms",
                             s_QUOTE_MAX, self->endpoint, timeout_ms);
        remaining = (long) (deadline - now);
    }
    zmq_pollitem_t item = { self->handle, 0, ZMQ_POLLIN, 0 };
    if (zmq_poll(&item, 1, remaining) == -1) {
        if (zmq_errno() == EINTR)
            return jb__error(error, JB_ESOCKET, NULL, "interrupted");
        return jb__error(error, JB_ESOCKET, NULL, "poll: %s", zmq_strerror(zmq_errno()));
    }
    return 0;
}

//  Count and report what the event's stream missed before it, then take
//  the stamp off: it is transport, like a frame, not the publisher's event.

static void
s_check_sequence(jb_subscriber_t *self, jb_event_t *event)
{
    const char *publisher = NULL;
    uint32_t missed = jb__gaps_observe(self->gaps, event, &publisher);
    if (missed) {
        self->stats.gaps++;
        self->stats.missed += missed;
        if (self->gap) {
            self->in_callback = true;
            self->gap(publisher, jb_event_type(event), missed, self->gap_arg);
            self->in_callback = false;
            s_bury_the_dead(self);
        }
    }
    jb__event_remove_extension(event, JB__PUBLISHER_ATTRIBUTE,
                               sizeof JB__PUBLISHER_ATTRIBUTE - 1);
    jb__event_remove_extension(event, JB__SEQUENCE_ATTRIBUTE, sizeof JB__SEQUENCE_ATTRIBUTE - 1);
}

//  --------------------------------------------------------------------------
//  The next valid event off the socket, waiting until deadline. Malformed
//  messages are counted, reported and skipped. 0, JB_ETIMEDOUT or JB_ESOCKET.

static int
s_next_event(jb_subscriber_t *self, int64_t deadline, int timeout_ms, jb_event_t **event_p,
             jb_error_t *error)
{
    while (true) {
        size_t kept;
        int total = s_take_message(self, &kept);
        if (total == -1) {
            int errnum = zmq_errno();
            if (errnum != EAGAIN)
                return jb__error(error, JB_ESOCKET, NULL, "receive: %s",
                                 errnum == EINTR? "interrupted": zmq_strerror(errnum));
            int rc = s_wait(self, deadline, timeout_ms, error);
            if (rc)
                return rc;
            continue;
        }
        self->stats.received++;
        self->check_exactly = self->unsubscribed;
        self->unsubscribed = false;

        jb_event_t *event = NULL;
        jb_error_t reason;
        int rc = (size_t) total > kept
            ? jb__error(&reason, JB_EFRAME, NULL, "too many frames: a jbus message has 2 "
                        "(binary mode) or 3 (structured mode), this one has %d", total)
            : jb_message_decode(self->frames, kept, self->known, &event, &reason);
        if (rc) {
            self->stats.rejected++;
            if (self->reject) {
                self->in_callback = true;
                self->reject(self->frames, kept, &reason, self->reject_arg);
                self->in_callback = false;
                s_bury_the_dead(self);
            }
        }
        for (size_t index = 0; index < kept; index++)
            zmq_msg_close(&self->parts[index]);
        if (rc == 0) {
            s_check_sequence(self, event);
            *event_p = event;
            return 0;
        }
    }
}

static int64_t
s_deadline(int timeout_ms)
{
    assert(timeout_ms >= -1);
    return timeout_ms < 0? -1: zclock_mono() + timeout_ms;
}

//  --------------------------------------------------------------------------

int
jb_subscriber_recv(jb_subscriber_t *self, int timeout_ms, jb_event_t **event_p,
                   jb_error_t *error)
{
    assert(self);
    assert(event_p);
    assert(!self->in_callback);     //  callbacks must not receive
    int64_t deadline = s_deadline(timeout_ms);
    while (true) {
        jb_event_t *event = NULL;
        int rc = s_next_event(self, deadline, timeout_ms, &event, error);
        if (rc)
            return rc;
        if (s_matches_any(self, jb_event_type(event))) {
            self->stats.delivered++;
            *event_p = event;
            return 0;
        }
        self->stats.filtered++;
        jb_event_destroy(&event);
    }
}

//  --------------------------------------------------------------------------

int
jb_subscriber_dispatch(jb_subscriber_t *self, int timeout_ms, jb_error_t *error)
{
    assert(self);
    assert(!self->in_callback);     //  callbacks must not dispatch
    int64_t deadline = s_deadline(timeout_ms);
    while (true) {
        jb_event_t *event = NULL;
        int rc = s_next_event(self, deadline, timeout_ms, &event, error);
        if (rc)
            return rc;
        size_t count = 0;
        if (s_collect_handlers(self, jb_event_type(event), &count)) {
            jb_event_destroy(&event);
            return jb__error(error, JB_ENOMEM, NULL, "out of memory");
        }
        if (count == 0) {
            self->stats.filtered++;
            jb_event_destroy(&event);
            continue;
        }
        self->stats.delivered++;
        //  callbacks may subscribe and unsubscribe: self->calls is not
        //  touched by either, and removed handlers stay allocated (marked)
        //  until the last callback has returned
        self->in_callback = true;
        for (size_t index = 0; index < count; index++) {
            s_handler_t *entry = self->calls[index];
            if (!entry->removed)
                entry->handler(event, entry->arg);
        }
        self->in_callback = false;
        s_bury_the_dead(self);
        jb_event_destroy(&event);
        return 0;
    }
}

//  --------------------------------------------------------------------------

void *
jb_subscriber_socket(jb_subscriber_t *self)
{
    assert(self);
    return self->socket;
}

int
jb_subscriber_fd(jb_subscriber_t *self)
{
    assert(self);
    return (int) zsock_fd(self->socket);
}

void
jb_subscriber_stats(const jb_subscriber_t *self, jb_subscriber_stats_t *stats)
{
    assert(self);
    assert(stats);
    *stats = self->stats;
}
