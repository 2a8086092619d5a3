/*  =========================================================================
    filters.c - a subscriber's filters and the handlers on them

    Filters live in one hash table (a zhashx) keyed by the filter text, with
    a subscription count each. Prefix filters are also indexed by their
    distinct lengths, so testing a type against 10,000 prefixes costs one
    pass over the type (its hash is extended byte by byte) and one table
    probe per distinct prefix length, not 10,000 comparisons. Patterns are
    few in practice and are kept in a plain list.
    ========================================================================= */

#include <assert.h>
#include <czmq.h>
#include <stdlib.h>
#include <string.h>

#include "jbus.h"
#include "filters.h"
#include "error.h"
#include "text.h"

//  FNV-1a, 64 bits: byte at a time, so a type's prefixes hash in one pass.
#define s_HASH_SEED  UINT64_C(14695981039346656037)
#define s_HASH_PRIME UINT64_C(1099511628211)

//  Longest filter quoted in an error message.
#define s_QUOTE_MAX 200

//  One handler registered on a filter. Allocated one by one, so that the
//  handlers collected for an event stay put while callbacks add new ones.
typedef struct {
    jb_handler_fn *handler;     //  what to call
    void *arg;                  //  and its argument
    uint64_t sequence;          //  registration order, across all filters
    bool removed;               //  its filter went while handlers were called
} s_handler_t;

//  What the table is keyed by: a filter's text, or a prefix of a type.
typedef struct {
    const char *text;           //  size bytes, NUL-terminated or not
    size_t size;
    uint64_t hash;              //  s_hash of them
} s_key_t;

//  One distinct filter and what hangs on it.
typedef struct s_filter {
    char *text;                 //  the filter as given, NUL-terminated
    s_key_t key;                //  its text, length and hash
    size_t subscription_size;   //  bytes of text that ZeroMQ subscribes to
    bool is_pattern;            //  has a "*" or ">" segment
    size_t subscriptions;       //  adds not yet undone or removed, > 0
    s_handler_t **handlers;     //  in registration order
    size_t handler_count;
    size_t handler_capacity;
    struct s_filter *next_removed;  //  in self->removed while calling
} s_filter_t;

//  How many prefix filters have one length.
typedef struct {
    size_t size;                //  prefix length in bytes
    size_t count;               //  prefix filters of that length, > 0
} s_length_t;

struct jb__filters {
    zhashx_t *table;            //  s_key_t -> s_filter_t, every filter
    s_length_t *lengths;        //  distinct prefix-filter lengths, ascending
    size_t length_count;
    size_t length_capacity;
    s_filter_t **patterns;      //  pattern filters, in subscription order
    size_t pattern_count;
    size_t pattern_capacity;
    uint64_t next_sequence;     //  for the next handler

    s_handler_t **calls;        //  the handlers collected for one event
    size_t calls_capacity;
    bool calling;               //  jb__filters_call is calling them
    s_filter_t *removed;        //  filters removed while calling: their
                                //  handlers may still be among the calls,
                                //  so they are freed when the calls end
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

int
jb__filter_parse(const char *filter, bool *is_pattern_p, size_t *subscription_size_p,
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
    if (jb__filter_parse(filter, &is_pattern, &subscription_size, NULL))
        return false;
    if (is_pattern)
        return s_pattern_matches(filter, type);
    return strncmp(type, filter, subscription_size) == 0;
}

//  --------------------------------------------------------------------------
//  The filter table. A key carries its hash, so that a type's prefixes
//  are looked up with the hash extended byte by byte (s_next_prefix), and
//  zhashx hashes nothing itself.

static size_t
s_key_hash(const void *key)
{
    return (size_t) ((const s_key_t *) key)->hash;
}

static int
s_key_compare(const void *left, const void *right)
{
    const s_key_t *a = (const s_key_t *) left;
    const s_key_t *b = (const s_key_t *) right;
    return !(a->hash == b->hash && a->size == b->size && memcmp(a->text, b->text, a->size) == 0);
}

static s_filter_t *
s_table_find(const jb__filters_t *self, const char *text, size_t size, uint64_t hash)
{
    s_key_t key = { text, size, hash };
    return (s_filter_t *) zhashx_lookup(self->table, &key);
}

static bool
s_table_insert(jb__filters_t *self, s_filter_t *filter)
{
    return zhashx_insert(self->table, &filter->key, filter) == 0;
}

static void
s_table_remove(jb__filters_t *self, const s_filter_t *filter)
{
    zhashx_delete(self->table, &filter->key);
}

//  --------------------------------------------------------------------------
//  The distinct prefix lengths, sorted, each with how many filters have it.

static bool
s_lengths_add(jb__filters_t *self, size_t size)
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
s_lengths_remove(jb__filters_t *self, size_t size)
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
s_filter_new(jb__filters_t *self, const char *text, size_t size, uint64_t hash,
             bool is_pattern, size_t subscription_size)
{
    s_filter_t *filter = (s_filter_t *) calloc(1, sizeof(s_filter_t));
    if (!filter)
        return NULL;
    filter->text = jb__strndup(text, size);
    filter->is_pattern = is_pattern;
    filter->subscription_size = subscription_size;
    filter->key.text = filter->text;
    filter->key.size = size;
    filter->key.hash = hash;
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

//  Take filter out of every index and free it with its handlers; while
//  handlers are being called, some of its own may still be among them, so
//  they are marked removed and the filter is freed when the calls end.

static void
s_filter_destroy(jb__filters_t *self, s_filter_t *filter)
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
        s_lengths_remove(self, filter->key.size);
    if (self->calling) {
        for (size_t index = 0; index < filter->handler_count; index++)
            filter->handlers[index]->removed = true;
        filter->next_removed = self->removed;
        self->removed = filter;
    }
    else
        s_filter_free(filter);
}

static s_filter_t *
s_lookup(jb__filters_t *self, const char *text)
{
    size_t size = strlen(text);
    return s_table_find(self, text, size, s_hash(text, size));
}

//  --------------------------------------------------------------------------

jb__filters_t *
jb__filters_new(void)
{
    jb__filters_t *self = (jb__filters_t *) calloc(1, sizeof(jb__filters_t));
    if (self && !(self->table = zhashx_new())) {
        free(self);
        return NULL;
    }
    zhashx_set_key_hasher(self->table, s_key_hash);
    zhashx_set_key_comparator(self->table, s_key_compare);
    zhashx_set_key_duplicator(self->table, NULL);
    zhashx_set_key_destructor(self->table, NULL);
    return self;
}

void
jb__filters_destroy(jb__filters_t **self_p)
{
    assert(self_p);
    jb__filters_t *self = *self_p;
    if (!self)
        return;
    assert(!self->calling);
    for (s_filter_t *filter = (s_filter_t *) zhashx_first(self->table); filter;
         filter = (s_filter_t *) zhashx_next(self->table))
        s_filter_free(filter);
    zhashx_destroy(&self->table);
    free(self->lengths);
    free(self->patterns);
    free(self->calls);
    free(self);
    *self_p = NULL;
}

//  --------------------------------------------------------------------------

int
jb__filters_add(jb__filters_t *self, const char *text, jb_handler_fn *handler, void *arg,
                size_t *subscription_size_p, jb_error_t *error)
{
    assert(self);
    assert(text);
    bool is_pattern;
    size_t subscription_size;
    int rc = jb__filter_parse(text, &is_pattern, &subscription_size, error);
    if (rc)
        return rc;
    size_t size = strlen(text);
    uint64_t hash = s_hash(text, size);
    s_filter_t *filter = s_table_find(self, text, size, hash);
    bool created = false;
    if (!filter) {
        filter = s_filter_new(self, text, size, hash, is_pattern, subscription_size);
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
                s_filter_destroy(self, filter);
            return jb__error(error, JB_ENOMEM, NULL, "out of memory");
        }
        entry->handler = handler;
        entry->arg = arg;
        entry->sequence = self->next_sequence++;
        filter->handlers[filter->handler_count++] = entry;
    }
    filter->subscriptions++;
    *subscription_size_p = subscription_size;
    return 0;
}

void
jb__filters_undo_add(jb__filters_t *self, const char *text, bool with_handler)
{
    assert(self);
    assert(text);
    s_filter_t *filter = s_lookup(self, text);
    assert(filter);
    if (with_handler) {
        assert(filter->handler_count > 0);
        free(filter->handlers[--filter->handler_count]);
    }
    if (--filter->subscriptions == 0)
        s_filter_destroy(self, filter);
}

bool
jb__filters_find(jb__filters_t *self, const char *text, size_t *subscription_size_p)
{
    assert(self);
    assert(text);
    const s_filter_t *filter = s_lookup(self, text);
    if (filter)
        *subscription_size_p = filter->subscription_size;
    return filter != NULL;
}

bool
jb__filters_subscribed(jb__filters_t *self, const char *prefix, size_t size)
{
    assert(self);
    //  no filter holds a NUL, so no subscription does
    if (memchr(prefix, '\0', size))
        return false;
    for (size_t index = 0; index < self->pattern_count; index++)
        if (self->patterns[index]->subscription_size == size
        &&  memcmp(self->patterns[index]->text, prefix, size) == 0)
            return true;
    char *text = jb__strndup(prefix, size);
    const s_filter_t *filter = text? s_lookup(self, text): NULL;
    free(text);
    return filter && !filter->is_pattern && filter->subscription_size == size;
}

void
jb__filters_remove(jb__filters_t *self, const char *text)
{
    assert(self);
    assert(text);
    s_filter_t *filter = s_lookup(self, text);
    assert(filter);
    if (--filter->subscriptions == 0)
        s_filter_destroy(self, filter);
}

bool
jb__filters_has_patterns(const jb__filters_t *self)
{
    assert(self);
    return self->pattern_count > 0;
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
s_next_prefix(jb__filters_t *self, const char *type, size_t type_size,
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

bool
jb__filters_match_any(jb__filters_t *self, const char *type)
{
    assert(self);
    assert(type);
    s_prefix_cursor_t cursor = { 0, 0, s_HASH_SEED };
    if (s_next_prefix(self, type, strlen(type), &cursor))
        return true;
    for (size_t index = 0; index < self->pattern_count; index++)
        if (s_pattern_matches(self->patterns[index]->text, type))
            return true;
    return false;
}

//  Append filter's handlers to self->calls after the first *count_p.

static int
s_add_calls(jb__filters_t *self, const s_filter_t *filter, size_t *count_p)
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

static int
s_by_sequence(const void *left, const void *right)
{
    uint64_t a = (*(s_handler_t *const *) left)->sequence;
    uint64_t b = (*(s_handler_t *const *) right)->sequence;
    return a < b? -1: a > b;
}

int
jb__filters_collect(jb__filters_t *self, const char *type, size_t *count_p)
{
    assert(self);
    assert(type);
    assert(!self->calling);
    size_t count = 0;
    size_t sources = 0;     //  filters that contributed handlers
    s_prefix_cursor_t cursor = { 0, 0, s_HASH_SEED };
    size_t type_size = strlen(type);
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

void
jb__filters_call(jb__filters_t *self, const jb_event_t *event, size_t count)
{
    assert(self);
    assert(event);
    assert(!self->calling);
    //  handlers may add and remove filters: self->calls is not touched by
    //  either, and removed handlers stay allocated (marked) until the last
    //  call has returned
    self->calling = true;
    for (size_t index = 0; index < count; index++) {
        const s_handler_t *entry = self->calls[index];
        if (!entry->removed)
            entry->handler(event, entry->arg);
    }
    self->calling = false;
    while (self->removed) {
        s_filter_t *filter = self->removed;
        self->removed = filter->next_removed;
        s_filter_free(filter);
    }
}
