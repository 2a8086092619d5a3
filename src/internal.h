/*  =========================================================================
    internal.h - declarations shared between jbus sources, not installed

    Non-static internals are named jb__<name> and declared only here.
    ========================================================================= */

#ifndef JBUS_INTERNAL_H_INCLUDED
#define JBUS_INTERNAL_H_INCLUDED

#include <assert.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jbus.h"

//  error.c: fill error (when not NULL) and return code. attribute may be NULL.
int
    jb__error(jb_error_t *error, int code, const char *attribute, const char *format, ...)
    JB_PRINTF(4, 5);

//  Tests on eight bytes at once in a 64-bit word (SWAR), for the loops that
//  scan text for the few bytes that need attention. A word is loaded with
//  its first byte in the lowest bits, whatever the machine's byte order.
//  Each test is exact for the word as a whole (not for which byte): true
//  when any byte is below limit (limit <= 128), above limit (limit <= 127),
//  or equal to byte.
#define JB__WORD_ONES  0x0101010101010101ULL
#define JB__WORD_HIGHS 0x8080808080808080ULL

static inline uint64_t
jb__word_load(const void *bytes)
{
    uint64_t word;
    memcpy(&word, bytes, sizeof word);
#if defined __BYTE_ORDER__ && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    word = __builtin_bswap64(word);
#endif
    return word;
}

static inline bool
jb__word_has_below(uint64_t word, unsigned limit)
{
    return ((word - JB__WORD_ONES * limit) & ~word & JB__WORD_HIGHS) != 0;
}

static inline bool
jb__word_has_above(uint64_t word, unsigned limit)
{
    return (((word + JB__WORD_ONES * (127 - limit)) | word) & JB__WORD_HIGHS) != 0;
}

static inline bool
jb__word_has_byte(uint64_t word, uint8_t byte)
{
    return jb__word_has_below(word ^ (JB__WORD_ONES * byte), 1);
}

//  The high bit set for the first byte of word that a JSON string cannot
//  hold as it is (a quote, a backslash or a control character below 0x20),
//  0 when there is none. Bytes after it may be marked too: a borrow only
//  runs from a marked byte towards the later ones, so the first mark is
//  exact, and jb__word_first finds it.
static inline uint64_t
jb__word_json_specials(uint64_t word)
{
    return ((word - JB__WORD_ONES * 0x20)
            | ((word ^ JB__WORD_ONES * '"') - JB__WORD_ONES)
            | ((word ^ JB__WORD_ONES * '\\') - JB__WORD_ONES))
           & ~word & JB__WORD_HIGHS;
}

//  The position of the first byte whose high bit is set in mask (not 0).
static inline size_t
jb__word_first(uint64_t mask)
{
    return (size_t) __builtin_ctzll(mask) / 8;
}

//  text.c: why the size bytes at text are not a CloudEvents String (invalid
//  UTF-8, a control character U+0000-U+001F or U+007F-U+009F, a surrogate or
//  a Unicode noncharacter), or NULL when they are one. The reason is static.
const char *
    jb__string_problem(const char *text, size_t size);

//  text.c: true when the size bytes at text are well-formed UTF-8.
bool
    jb__utf8_is_valid(const char *text, size_t size);

//  text.c: copy of size bytes plus a NUL, or NULL when out of memory.
char *
    jb__strndup(const char *text, size_t size);

//  text.c: write text as a JSON string literal (quoted and escaped) into
//  buffer; returns the bytes needed (the buffer may be smaller).
size_t
    jb__json_quote(const char *text, size_t size, char *buffer, size_t capacity);

//  base64.c: RFC 4648 base64 with padding. encoded_size is the length of the
//  text for size bytes. decode is strict: it accepts only the canonical
//  alphabet with correct padding and no whitespace, and returns the decoded
//  length or -1. The output buffer needs jb__base64_decoded_max(size) bytes.
size_t
    jb__base64_encoded_size(size_t size);
void
    jb__base64_encode(const uint8_t *bytes, size_t size, char *text);
size_t
    jb__base64_decoded_max(size_t size);
long
    jb__base64_decode(const char *text, size_t size, uint8_t *bytes);

//  buffer.c: a growable byte buffer that encoders write into and reuse.
//  Appends never fail midway: on out of memory the buffer remembers it
//  (failed) and later appends do nothing, so an encoder checks once at the end.
typedef struct {
    char *data;                 //  NUL-terminated while not failed
    size_t size;                //  bytes written, without the NUL
    size_t capacity;            //  bytes allocated
    bool failed;                //  an allocation failed
} jb__buffer_t;

void
    jb__buffer_reset(jb__buffer_t *buffer);
void
    jb__buffer_free(jb__buffer_t *buffer);
bool
    jb__buffer_reserve(jb__buffer_t *buffer, size_t extra);
void
    jb__buffer_append_slow(jb__buffer_t *buffer, const void *bytes, size_t size);

//  Append size bytes. Inline because encoders append many small pieces:
//  when they fit, it is a copy; growing and failure take the slow path.
static inline void
jb__buffer_append(jb__buffer_t *buffer, const void *bytes, size_t size)
{
    if (buffer->size + size < buffer->capacity && !buffer->failed) {
        memcpy(buffer->data + buffer->size, bytes, size);
        buffer->size += size;
        buffer->data[buffer->size] = '\0';
    }
    else
        jb__buffer_append_slow(buffer, bytes, size);
}
void
    jb__buffer_append_text(jb__buffer_t *buffer, const char *text);
void
    jb__buffer_append_json_string(jb__buffer_t *buffer, const char *text, size_t size);
void
    jb__buffer_append_int(jb__buffer_t *buffer, int64_t value);

//  event.c: set the data to a copy of size bytes of the given kind,
//  trusting the caller that JSON data is one JSON value. 0 or JB_ENOMEM.
int
    jb__event_set_data(jb_event_t *event, jb_data_kind_t kind, const void *bytes, size_t size);

//  event.c: the attributes by name; the core attributes first, in the order
//  that the encoders write them, which also index an event's core strings.
typedef enum {
    JB__SPECVERSION, JB__ID, JB__SOURCE, JB__TYPE, JB__DATACONTENTTYPE, JB__DATASCHEMA,
    JB__SUBJECT,
    JB__CORE_COUNT,
    JB__TIME = JB__CORE_COUNT, JB__DATA, JB__DATA_BASE64,
    JB__EXTENSION               //  any other name
} jb__attribute_t;

//  event.c: which attribute the size bytes at name (no NUL needed) name.
jb__attribute_t
    jb__attribute_lookup(const char *name, size_t size);

//  event.c: why size bytes at name cannot name an extension, or NULL.
const char *
    jb__extension_name_problem(const char *name, size_t size);

//  event.c: a core attribute (which < JB__CORE_COUNT) and its length
//  through size_p; NULL when unset. Borrowed, as jb_event_id().
const char *
    jb__event_core(const jb_event_t *event, jb__attribute_t which, size_t *size_p);

//  event.c: set a core attribute to a copy of size bytes at value, which
//  hold no NUL (NULL unsets). 0 or JB_ENOMEM.
int
    jb__event_set_core(jb_event_t *event, jb__attribute_t which, const char *value, size_t size);

//  event.c: jb_event_extension_at with the lengths of the name and of a
//  String, URI or URI-reference value.
const jb_value_t *
    jb__event_extension_at(const jb_event_t *event, size_t index, const char **name_p,
                           size_t *name_size_p, size_t *string_size_p);

//  event.c: add the extension name (name_size bytes, no NUL needed) with a
//  copy of value, trusting the caller that the name is valid and not set
//  yet; a String, URI or URI-reference is string_size bytes at
//  value->as.string, holding no NUL. 0 or JB_ENOMEM.
int
    jb__event_append_extension(jb_event_t *event, const char *name, size_t name_size,
                               const jb_value_t *value, size_t string_size);

//  event.c: remove the extension name (name_size bytes) when it is set,
//  trusting the caller that the name is valid: what a subscriber does with
//  the loss-detection stamp of every event it receives.
void
    jb__event_remove_extension(jb_event_t *event, const char *name, size_t name_size);

//  json_check.c: 0 when size bytes at json are one well-formed JSON text
//  (RFC 8259: UTF-8, one value, blanks around it), else JB_EPARSE with the
//  reason and byte offset, naming attribute (may be NULL).
int
    jb__json_check(const char *json, size_t size, const char *attribute, jb_error_t *error);

//  json_check.c: where the check found an event, or a member of one: each
//  span points into the checked text, a name with its quotes.
typedef struct {
    const char *name;           //  the opening quote; NULL for an event
    const char *name_end;       //  after the closing quote
    const char *value;          //  the value's first byte
    const char *value_end;      //  after its last byte
    bool name_escaped;          //  the name holds a backslash escape
    bool value_escaped;         //  the value is a string with a backslash escape
} jb__json_member_t;

//  Entries kept inside an outline; a larger one takes an allocation.
#define JB__OUTLINE_ON_STACK 32

//  json_check.c: the events of a document and their members, in the
//  order of the text. Level 0 (one event): an entry for the top value,
//  then one per member when it is an object. Level 1 (a batch): when the
//  top value is an array, an entry per element, each followed by one per
//  member when it is an object.
typedef struct {
    jb__json_member_t *entries; //  on_stack, or allocated when larger
    size_t count;
    size_t capacity;
    int level;                  //  0 or 1, as above
    bool failed;                //  out of memory while recording
    jb__json_member_t on_stack [JB__OUTLINE_ON_STACK];
} jb__json_outline_t;

//  json_check.c: jb__json_check (naming no attribute) that also fills
//  outline, which the caller provides uninitialized and releases with
//  jb__json_outline_free whatever this returns. JB_ENOMEM when the outline
//  could not grow.
int
    jb__json_outline(const char *json, size_t size, int level, jb__json_outline_t *outline,
                     jb_error_t *error);
void
    jb__json_outline_free(jb__json_outline_t *outline);

//  sequence.c: what a publisher adds to each event it sends so that
//  subscribers can count what they missed (docs/zeromq-binding.md, 4.1):
//  its instance id and the event's sequence number for its type.
#define JB__PUBLISHER_ATTRIBUTE "jbuspub"
#define JB__SEQUENCE_ATTRIBUTE  "jbusseq"

typedef struct {
    const char *publisher;      //  16 hex digits, new for each publisher instance
    int32_t sequence;           //  1 .. INT32_MAX, then 1 again
} jb__stamp_t;

//  True when name is one of the two stamp attributes, which a stamped
//  encoding writes from the stamp instead of from the event.
bool
    jb__is_stamp_attribute(const char *name);

//  json.c: append event in the JSON event format, without validating it;
//  with the stamp's attributes when stamp is not NULL.
void
    jb__json_write_event(jb__buffer_t *buffer, const jb_event_t *event, const jb__stamp_t *stamp);

//  binary.c: append the binary-mode msgpack map of event (all attributes
//  but type, and the data), without validating it.
void
    jb__binary_write(jb__buffer_t *buffer, const jb_event_t *event, const jb__stamp_t *stamp);

//  binary.c: decode a binary-mode msgpack map of size bytes, with the type
//  from the topic, into a new valid event.
int
    jb__binary_read(const char *type, size_t type_size, const char *bytes, size_t size,
                    jb_event_t **event_p, jb_error_t *error);

//  message.c: jb_message_encode, with the stamp's attributes when stamp is
//  not NULL.
int
    jb__message_encode(jb_message_t *self, const jb_event_t *event, jb_mode_t mode,
                       const jb__stamp_t *stamp, jb_error_t *error);

//  sequence.c: a publisher's counters, one per type, and its instance id.
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

//  sequence.c: a subscriber's view of every (publisher, type) stream it
//  has seen: the last sequence number of each.
typedef struct jb__gaps jb__gaps_t;
jb__gaps_t *
    jb__gaps_new(void);
void
    jb__gaps_destroy(jb__gaps_t **self_p);
//  Note a received event; returns how many events of its stream were
//  missed just before it (0 when none, or when it carries no stamp).
uint32_t
    jb__gaps_observe(jb__gaps_t *self, const jb_event_t *event, const char **publisher_p);

//  ZMTP heartbeats on every client socket, so that a broker that vanished
//  without closing TCP (a dead host, a half-open connection) is noticed and
//  the connection remade; the broker uses the same defaults.
#define JB__HEARTBEAT_IVL_MS     5000
#define JB__HEARTBEAT_TIMEOUT_MS 15000

//  id.c: write a fresh random UUIDv4 in canonical form (36 chars + NUL).
void
    jb__id_generate(char id[37]);

#endif
