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

//  json_check.c: 0 when size bytes at json are one well-formed JSON text
//  (RFC 8259: UTF-8, one value, blanks around it), else JB_EPARSE with the
//  reason and byte offset, naming attribute (may be NULL).
int
    jb__json_check(const char *json, size_t size, const char *attribute, jb_error_t *error);

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
