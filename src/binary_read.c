/*  =========================================================================
    binary_read.c - binary mode read: one msgpack map into an event

    The layout is binary.c's (and docs/zeromq-binding.md's).
    ========================================================================= */

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

#include "jbus.h"
#include "binary.h"
#include "error.h"
#include "event.h"
#include "json.h"
#include "json_check.h"
#include "value.h"
#include "word.h"

//  0000-01-01T00:00:00Z and 9999-12-31T23:59:60Z as Unix seconds
#define s_SECONDS_MIN (-62167219200LL)
#define s_SECONDS_MAX 253402300800LL

static uint64_t
s_get_be(const uint8_t *in, int bytes)
{
    uint64_t value = 0;
    for (int index = 0; index < bytes; index++)
        value = value << 8 | in[index];
    return value;
}

//  --------------------------------------------------------------------------
//  Decoding. msgpack-c's unpacker builds a tree of every object in a zone
//  it allocates, and the event then copies what it keeps once more; this
//  reader walks the frame once, bounds-checked at every step, checks it as
//  msgpack-c would (the same inputs are complete, malformed or nested too
//  deeply), records where each member of the map starts, and the event
//  copies each value straight out of the frame.

//  What a msgpack object is, as far as the reader tells them apart.
typedef enum {
    s_NIL, s_BOOLEAN, s_POSITIVE, s_NEGATIVE, s_FLOAT, s_STR, s_BIN, s_EXT, s_ARRAY, s_MAP
} s_kind_t;

//  One object's header: its kind and, for scalars, its value; str, bin and
//  ext bodies point into the frame.
typedef struct {
    s_kind_t kind;
    const char *body;           //  str, bin, ext: the bytes
    uint32_t size;              //  str, bin, ext: their length; array, map: count
    int ext_type;               //  ext: the application type, -128..127
    uint64_t u64;               //  positive integer
    int64_t i64;                //  negative integer
    bool boolean;
} s_object_t;

//  msgpack-c's limit of nested containers (MSGPACK_EMBED_STACK_SIZE):
//  deeper input is an error for it, and so it is here.
#define s_DEPTH_MAX 32

//  One member of the map, read ahead of decoding it.
typedef struct {
    s_object_t key;
    s_object_t value;
    jb__attribute_t which;      //  what a str key names
} s_member_t;

//  Members kept on the stack; a larger map takes one allocation.
#define s_MEMBERS_ON_STACK 16

//  10^(9 - digits): what the last of that many fraction digits counts.
static const uint32_t s_fraction_unit [10] = {
    1000000000, 100000000, 10000000, 1000000, 100000, 10000, 1000, 100, 10, 1
};

//  The body of a str, bin or ext at cursor: length bytes, or as many as
//  the big-endian length of length_bytes bytes there says, after an ext's
//  type. Sets *cursor_p past it; false when the bytes end first.
static inline bool
s_read_body(const uint8_t **cursor_p, const uint8_t *cursor, const uint8_t *end,
            uint64_t length, int length_bytes, s_object_t *object)
{
    size_t left = (size_t) (end - cursor);
    if (length_bytes) {
        if (left < (size_t) length_bytes)
            return false;
        length = s_get_be(cursor, length_bytes);
        cursor += length_bytes;
        left -= (size_t) length_bytes;
    }
    if (object->kind == s_EXT) {
        if (left < 1)
            return false;
        object->ext_type = (int8_t) *cursor++;
        left--;
    }
    if (length > left)
        return false;
    object->body = (const char *) cursor;
    object->size = (uint32_t) length;
    *cursor_p = cursor + length;
    return true;
}

//  Read the header at *cursor_p, and the body or value that follows it
//  unless it is a container, into object; advance *cursor_p past them.
//  False when the bytes end first or the marker is never used (0xc1).
static bool
s_read_object(const uint8_t **cursor_p, const uint8_t *end, s_object_t *object)
{
    const uint8_t *cursor = *cursor_p;
    if (cursor >= end)
        return false;
    uint8_t marker = *cursor++;
    size_t left = (size_t) (end - cursor);
    uint64_t length = 0;                //  body bytes that follow
    int length_bytes = 0;               //  big-endian length before them
    if (marker <= 0x7f || marker >= 0xe0) {
        int64_t value = (int8_t) marker;
        object->kind = marker <= 0x7f? s_POSITIVE: s_NEGATIVE;
        object->u64 = (uint64_t) value & 0xff;
        object->i64 = value;
        *cursor_p = cursor;
        return true;
    }
    if (marker <= 0x8f || (marker >= 0x90 && marker <= 0x9f)) {
        object->kind = marker <= 0x8f? s_MAP: s_ARRAY;
        object->size = marker & 0x0f;
        *cursor_p = cursor;
        return true;
    }
    if (marker <= 0xbf) {
        object->kind = s_STR;
        length = marker & 0x1f;
    }
    else
    switch (marker) {
        case 0xc0:
            object->kind = s_NIL;
            break;
        case 0xc2: case 0xc3:
            object->kind = s_BOOLEAN;
            object->boolean = marker == 0xc3;
            break;
        case 0xc4: case 0xc5: case 0xc6:
            object->kind = s_BIN;
            length_bytes = 1 << (marker - 0xc4);
            break;
        case 0xc7: case 0xc8: case 0xc9:
            object->kind = s_EXT;
            length_bytes = 1 << (marker - 0xc7);
            break;
        case 0xca: case 0xcb:
            object->kind = s_FLOAT;
            if (left < (marker == 0xca? 4u: 8u))
                return false;
            cursor += marker == 0xca? 4: 8;
            break;
        case 0xcc: case 0xcd: case 0xce: case 0xcf: {
            int width = 1 << (marker - 0xcc);
            if (left < (size_t) width)
                return false;
            object->kind = s_POSITIVE;
            object->u64 = s_get_be(cursor, width);
            cursor += width;
            break;
        }
        case 0xd0: case 0xd1: case 0xd2: case 0xd3: {
            int width = 1 << (marker - 0xd0);
            if (left < (size_t) width)
                return false;
            uint64_t bits = s_get_be(cursor, width);
            int shift = 64 - 8 * width;     //  sign-extend from width bytes
            int64_t value = (int64_t) (bits << shift) >> shift;
            object->kind = value < 0? s_NEGATIVE: s_POSITIVE;
            object->i64 = value;
            object->u64 = (uint64_t) value;
            cursor += width;
            break;
        }
        case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8:
            object->kind = s_EXT;           //  fixext 1, 2, 4, 8, 16
            length = 1u << (marker - 0xd4);
            break;
        case 0xd9: case 0xda: case 0xdb:
            object->kind = s_STR;
            length_bytes = 1 << (marker - 0xd9);
            break;
        case 0xdc: case 0xdd: case 0xde: case 0xdf: {
            int width = marker == 0xdc || marker == 0xde? 2: 4;
            if (left < (size_t) width)
                return false;
            object->kind = marker <= 0xdd? s_ARRAY: s_MAP;
            object->size = (uint32_t) s_get_be(cursor, width);
            *cursor_p = cursor + width;
            return true;
        }
        default:
            return false;                   //  0xc1, never used
    }
    if (object->kind == s_STR || object->kind == s_BIN || object->kind == s_EXT)
        return s_read_body(cursor_p, cursor, end, length, length_bytes, object);
    *cursor_p = cursor;
    return true;
}

//  Walk the elements of the container whose header s_read_object has just
//  read into container, the cursor after it, inside depth open containers
//  (the container's own among them). Advances *cursor_p past the last
//  element. False for malformed input, or nesting msgpack-c would refuse.
static bool
s_walk_container(const uint8_t **cursor_p, const uint8_t *end, size_t depth,
                 const s_object_t *container)
{
    size_t open [s_DEPTH_MAX];          //  elements left in each container
    size_t base = depth;
    const uint8_t *cursor = *cursor_p;
    s_object_t object = *container;
    while (true) {
        if (object.kind == s_ARRAY || object.kind == s_MAP) {
            if (depth == s_DEPTH_MAX)
                return false;
            //  each element takes a byte at least
            size_t elements = object.kind == s_MAP? 2 * (size_t) object.size: object.size;
            if (elements > (size_t) (end - cursor))
                return false;
            if (elements) {
                open[depth++] = elements;
                if (!s_read_object(&cursor, end, &object))
                    return false;
                continue;
            }
        }
        //  an element is complete: so is every container it completes
        while (depth > base && --open[depth - 1] == 0)
            depth--;
        if (depth == base)
            break;
        if (!s_read_object(&cursor, end, &object))
            return false;
    }
    *cursor_p = cursor;
    return true;
}

//  Walk one whole object at *cursor_p, containers and all, inside depth
//  open containers; its header into first. Advances *cursor_p past it.
//  False for malformed input, or nesting msgpack-c would refuse. Most
//  objects are scalars, which need no more than their header.
static bool
s_walk(const uint8_t **cursor_p, const uint8_t *end, size_t depth, s_object_t *first)
{
    if (!s_read_object(cursor_p, end, first))
        return false;
    return (first->kind != s_ARRAY && first->kind != s_MAP)
        || s_walk_container(cursor_p, end, depth, first);
}

static const char *
s_kind_name(s_kind_t kind)
{
    switch (kind) {
        case s_NIL: return "nil";
        case s_BOOLEAN: return "a boolean";
        case s_POSITIVE:
        case s_NEGATIVE: return "an integer";
        case s_FLOAT: return "a float";
        case s_STR: return "a str";
        case s_ARRAY: return "an array";
        case s_MAP: return "a map";
        case s_BIN: return "a bin";
        case s_EXT: return "an ext";
    }
    return "unknown";
}

//  A member's name for an error: the key as a C string, in buffer.
static const char *
s_name(const s_object_t *key, char *buffer, size_t capacity)
{
    snprintf(buffer, capacity, "%.*s", (int) key->size, key->body? key->body: "");
    return buffer;
}

//  No attribute can hold U+0000, and attributes are C strings: a body with
//  one is rejected while its length is still known.
static bool
s_has_nul(const char *body, size_t size)
{
    //  attribute values are short: a word at a time (the last word ends
    //  the body, overlapping the one before), without a call; 4 to 7
    //  bytes as two overlapping halves of one word
    if (size < 8) {
        if (size >= 4) {
            uint32_t head, tail;
            memcpy(&head, body, 4);
            memcpy(&tail, body + size - 4, 4);
            return jb__word_has_below((uint64_t) head << 32 | tail, 1);
        }
        for (size_t index = 0; index < size; index++)
            if (body[index] == '\0')
                return true;
        return false;
    }
    for (size_t offset = 0; offset < size - 8; offset += 8)
        if (jb__word_has_below(jb__word_load(body + offset), 1))
            return true;
    return jb__word_has_below(jb__word_load(body + size - 8), 1);
}

//  A Timestamp (ext 3) must be in range and survive being written as RFC
//  3339 and read back, or the event could not cross into the JSON format.
static int
s_timestamp(const s_object_t *ext, const char *name, jb_timestamp_t *timestamp,
            jb_error_t *error)
{
    if (ext->size != JB__BINARY_TIMESTAMP_SIZE)
        return jb__error(error, JB_EPARSE, name, "a Timestamp is %d bytes in binary mode, not %u",
                         JB__BINARY_TIMESTAMP_SIZE, ext->size);
    const uint8_t *bytes = (const uint8_t *) ext->body;
    int64_t seconds = (int64_t) s_get_be(bytes, 8);
    uint32_t nanoseconds = (uint32_t) s_get_be(bytes + 8, 4);
    int16_t offset = (int16_t) (uint16_t) s_get_be(bytes + 12, 2);
    uint8_t style = bytes[14];
    uint8_t digits = bytes[15] & 0x7F;
    bool leap = (bytes[15] & 0x80) != 0;
    //  the years 0000-9999 bound the local time, which is what RFC 3339
    //  writes; the instant may lie up to a day outside them
    if (seconds < s_SECONDS_MIN - 86400 || seconds > s_SECONDS_MAX + 86400
    ||  nanoseconds > 999999999 || offset < -1439 || offset > 1439 || style > JB_OFFSET_UNKNOWN
    ||  digits > 9 || (style != JB_OFFSET_NUMERIC && offset != 0))
        return jb__error(error, JB_EINVALID, name, "Timestamp out of range");
    int64_t local = seconds + (int64_t) offset * 60 - (leap? 1: 0);
    if (local < s_SECONDS_MIN || local >= s_SECONDS_MAX)
        return jb__error(error, JB_EINVALID, name, "Timestamp out of range");
    timestamp->seconds = seconds;
    timestamp->nanoseconds = (int32_t) nanoseconds;
    timestamp->offset_minutes = offset;
    timestamp->offset_style = style;
    timestamp->fraction_digits = digits;
    timestamp->leap_second = leap;
    //  Within these ranges every field is writable and reads back the same,
    //  but for a fraction finer than its digits and a leap second where
    //  none can be: the first is checked here, the rare second by writing
    //  and reading it back
    if (nanoseconds % s_fraction_unit[digits] != 0)
        return jb__error(error, JB_EINVALID, name, "Timestamp out of range");
    if (leap) {
        char text [JB_TIMESTAMP_MAX];
        jb_timestamp_t again;
        size_t length = jb_timestamp_format(timestamp, text);
        if (jb_timestamp_parse(text, length, &again) || jb_timestamp_compare(&again, timestamp))
            return jb__error(error, JB_EINVALID, name, "Timestamp out of range");
    }
    return 0;
}

//  The extras of one read, and how many.
typedef struct {
    jb__extra_t *items;
    size_t count;
} s_extras_t;

static int
s_extension(jb_event_t *event, s_extras_t *extras, const s_member_t *member, jb_error_t *error)
{
    const s_object_t *object = &member->value;
    char name [JB_ERROR_MESSAGE_MAX];
    jb_value_t value;
    size_t string_size = 0;
    switch (object->kind) {
        case s_BOOLEAN:
            value = jb_value_boolean(object->boolean);
            break;
        case s_POSITIVE:
            if (object->u64 > INT32_MAX)
                return jb__error(error, JB_EINVALID, s_name(&member->key, name, sizeof name),
                                 "Integer out of range: %llu", (unsigned long long) object->u64);
            value = jb_value_integer((int32_t) object->u64);
            break;
        case s_NEGATIVE:
            if (object->i64 < INT32_MIN)
                return jb__error(error, JB_EINVALID, s_name(&member->key, name, sizeof name),
                                 "Integer out of range: %lld", (long long) object->i64);
            value = jb_value_integer((int32_t) object->i64);
            break;
        case s_STR:
            value = jb_value_string(object->body);
            string_size = object->size;
            break;
        case s_BIN:
            value = jb_value_binary(object->body, object->size);
            break;
        case s_EXT:
            if (object->ext_type == JB__BINARY_EXT_URI || object->ext_type == JB__BINARY_EXT_URI_REF) {
                value = object->ext_type == JB__BINARY_EXT_URI? jb_value_uri(object->body)
                                                     : jb_value_uri_ref(object->body);
                string_size = object->size;
                break;
            }
            if (object->ext_type == JB__BINARY_EXT_TIMESTAMP) {
                value.type = JB_TYPE_TIMESTAMP;
                int rc = s_timestamp(object, s_name(&member->key, name, sizeof name),
                                     &value.as.timestamp, error);
                if (rc)
                    return rc;
                break;
            }
            return jb__error(error, JB_EINVALID, s_name(&member->key, name, sizeof name),
                             "unknown msgpack ext type %d", object->ext_type);
        default:
            return jb__error(error, JB_EINVALID, s_name(&member->key, name, sizeof name),
                             "an extension attribute cannot be %s", s_kind_name(object->kind));
    }
    bool text = value.type == JB_TYPE_STRING || value.type == JB_TYPE_URI
             || value.type == JB_TYPE_URI_REF;
    if (text && s_has_nul(object->body, object->size))
        return jb__error(error, JB_EINVALID, s_name(&member->key, name, sizeof name),
                         "not a CloudEvents String: contains a control character");
    size_t extra = jb__extra_index(extras->items, extras->count, member->key.body,
                                   member->key.size);
    if (extra < extras->count)
        return jb__extra_take(&extras->items[extra], &value, string_size, error);
    if (jb__event_append_extension(event, member->key.body, member->key.size, &value, string_size))
        return jb__error(error, JB_ENOMEM, s_name(&member->key, name, sizeof name), "out of memory");
    return 0;
}

static int
s_data(jb_event_t *event, const s_object_t *object, jb_error_t *error)
{
    int rc = 0;
    const char *body = object->size? object->body: "";
    if (object->kind == s_BIN)
        rc = jb__event_set_data(event, JB_DATA_BINARY, body, object->size);
    else
    if (object->kind == s_STR)
        rc = jb__event_set_data(event, JB_DATA_TEXT, body, object->size);
    else
    if (object->kind == s_EXT && object->ext_type == JB__BINARY_EXT_JSON) {
        rc = jb__json_check(body, object->size, "data", error);
        if (rc)
            return rc;
        rc = jb__event_set_data(event, JB_DATA_JSON, body, object->size);
    }
    else
        return jb__error(error, JB_EINVALID, "data",
                         "must be a bin, a str or JSON (ext 4), not %s", s_kind_name(object->kind));
    return rc? jb__error(error, JB_ENOMEM, "data", "out of memory"): 0;
}

//  One member of the map; duplicates were ruled out before.
static int
s_member(jb_event_t *event, s_extras_t *extras, const s_member_t *member, jb_error_t *error)
{
    const s_object_t *key = &member->key;
    const s_object_t *value = &member->value;
    char name [JB_ERROR_MESSAGE_MAX];
    if (key->kind != s_STR)
        return jb__error(error, JB_EPARSE, NULL, "attribute names must be msgpack str, not %s",
                         s_kind_name(key->kind));
    //  a core attribute's key is its name, which has none
    jb__attribute_t which = member->which;
    if (which == JB__EXTENSION && s_has_nul(key->body, key->size))
        return jb__error(error, JB_EINVALID, NULL,
                         "not a CloudEvents String: contains a control character");
    if (which < JB__CORE_COUNT && which != JB__TYPE) {
        if (value->kind == s_NIL)
            return 0;
        if (value->kind != s_STR)
            return jb__error(error, JB_EINVALID, s_name(key, name, sizeof name),
                             "must be a str, not %s", s_kind_name(value->kind));
        if (s_has_nul(value->body, value->size))
            return jb__error(error, JB_EINVALID, s_name(key, name, sizeof name),
                             "not a CloudEvents String: contains a control character");
        if (jb__event_set_core(event, which, value->size? value->body: "", value->size))
            return jb__error(error, JB_ENOMEM, s_name(key, name, sizeof name), "out of memory");
        return 0;
    }
    if (which == JB__TYPE)
        return jb__error(error, JB_EFRAME, "type",
                         "in binary mode the type is frame 0, not a member of frame 1");
    if (which == JB__TIME) {
        if (value->kind == s_NIL)
            return 0;
        if (value->kind != s_EXT || value->ext_type != JB__BINARY_EXT_TIMESTAMP)
            return jb__error(error, JB_EINVALID, "time", "must be a Timestamp (ext 3), not %s",
                             s_kind_name(value->kind));
        jb_timestamp_t time;
        int rc = s_timestamp(value, "time", &time, error);
        if (rc == 0)
            jb_event_set_time(event, &time);
        return rc;
    }
    if (which == JB__DATA)
        return value->kind == s_NIL? 0: s_data(event, value, error);
    const char *problem = jb__extension_name_problem(key->body, key->size);
    if (problem)
        return jb__error(error, JB_EINVALID, s_name(key, name, sizeof name), "%s", problem);
    return value->kind == s_NIL? 0: s_extension(event, extras, member, error);
}

//  The first member whose str key appears again later, or NULL. Keys of
//  core attributes were told apart by a bit each while the map was read
//  (core_duplicate: one of them came twice), and only the others are
//  compared in pairs; only when there is a duplicate are all pairs
//  compared, to name the first. A key whose value is nil counts too, so
//  "id: nil, id: x" is a duplicate.
static bool
s_same_key(const s_object_t *a, const s_object_t *b)
{
    return a->size == b->size && (a->size == 0 || memcmp(a->body, b->body, a->size) == 0);
}

static const s_object_t *
s_duplicate_key(const s_member_t *members, uint32_t count, bool core_duplicate)
{
    bool duplicate = core_duplicate;
    for (uint32_t first = 0; first < count && !duplicate; first++) {
        const s_member_t *member = &members[first];
        if (member->key.kind != s_STR || member->which != JB__EXTENSION)
            continue;
        for (uint32_t second = first + 1; second < count && !duplicate; second++)
            duplicate = members[second].key.kind == s_STR && members[second].which == JB__EXTENSION
                     && s_same_key(&member->key, &members[second].key);
    }
    if (!duplicate)
        return NULL;
    for (uint32_t first = 0; first < count; first++) {
        if (members[first].key.kind != s_STR)
            continue;
        for (uint32_t second = first + 1; second < count; second++)
            if (members[second].key.kind == s_STR
            &&  s_same_key(&members[first].key, &members[second].key))
                return &members[first].key;
    }
    return NULL;
}

//  Read the frame ahead: check that it is exactly one msgpack map (as
//  msgpack_unpack_next would accept it, with nothing after it) and note
//  every member in *members_p (members_on_stack when it has room, else
//  allocated) and their number in *count_p; *core_duplicate_p tells whether
//  the key of a core attribute (any but an extension's) came twice. 0 or
//  JB_EPARSE, or JB_ENOMEM.
static int
s_read_map(const char *bytes, size_t size, s_member_t *members_on_stack,
           s_member_t **members_p, uint32_t *count_p, bool *core_duplicate_p,
           jb_error_t *error)
{
    const uint8_t *start = (const uint8_t *) bytes;
    const uint8_t *end = start + size;
    const uint8_t *cursor = start;
    s_object_t top;
    bool complete = s_read_object(&cursor, end, &top);
    if (complete && top.kind != s_MAP) {
        cursor = start;
        complete = s_walk(&cursor, end, 0, &top);
    }
    else
    if (complete && 2 * (size_t) top.size > (size_t) (end - cursor))
        complete = false;
    //  The table grows as members are read, not to the count the header
    //  claims: a short frame that claims many members costs no more than
    //  the members it holds.
    s_member_t *members = members_on_stack;
    uint32_t capacity = s_MEMBERS_ON_STACK;
    unsigned seen = 0;
    bool core_duplicate = false;
    for (uint32_t index = 0; complete && top.kind == s_MAP && index < top.size; index++) {
        if (index == capacity) {
            capacity = top.size - capacity > capacity? 2 * capacity: top.size;
            s_member_t *grown = (s_member_t *) realloc(
                members == members_on_stack? NULL: members, capacity * sizeof(s_member_t));
            if (!grown) {
                if (members != members_on_stack)
                    free(members);
                return jb__error(error, JB_ENOMEM, NULL, "out of memory");
            }
            if (members == members_on_stack)
                memcpy(grown, members_on_stack, index * sizeof(s_member_t));
            members = grown;
        }
        s_member_t *member = &members[index];
        complete = s_walk(&cursor, end, 1, &member->key)
                && s_walk(&cursor, end, 1, &member->value);
        if (complete && member->key.kind == s_STR) {
            member->which = jb__attribute_lookup(member->key.body, member->key.size);
            if (member->which != JB__EXTENSION) {
                core_duplicate |= (seen & (1u << member->which)) != 0;
                seen |= 1u << member->which;
            }
        }
    }
    int rc = 0;
    if (!complete)
        rc = jb__error(error, JB_EPARSE, NULL, "frame 1 is not a complete msgpack object");
    else
    if (cursor != end)
        rc = jb__error(error, JB_EPARSE, NULL, "frame 1 has %zu bytes after the msgpack map",
                       (size_t) (end - cursor));
    else
    if (top.kind != s_MAP)
        rc = jb__error(error, JB_EPARSE, NULL, "frame 1 is %s, not a msgpack map",
                       s_kind_name(top.kind));
    if (rc) {
        if (members != members_on_stack)
            free(members);
        return rc;
    }
    *members_p = members;
    *count_p = top.size;
    *core_duplicate_p = core_duplicate;
    return 0;
}

//  --------------------------------------------------------------------------

int
jb__binary_read(const char *type, size_t type_size, const char *bytes, size_t size,
                jb__extra_t *extra_items, size_t extra_count, jb_event_t **event_p,
                jb_error_t *error)
{
    s_extras_t extras = { extra_items, extra_count };
    s_member_t members_on_stack [s_MEMBERS_ON_STACK];
    s_member_t *members = NULL;
    uint32_t count = 0;
    bool core_duplicate = false;
    int rc = s_read_map(bytes, size, members_on_stack, &members, &count, &core_duplicate, error);
    if (rc)
        return rc;
    jb_event_t *event = jb_event_new_empty();
    if (!event)
        rc = jb__error(error, JB_ENOMEM, NULL, "out of memory");
    //  the type is the topic: as a String it may not hold U+0000 either
    else
    if (type_size && memchr(type, '\0', type_size))
        rc = jb__error(error, JB_EINVALID, "type",
                       "not a CloudEvents String: contains a control character");
    else
    if (jb__event_set_core(event, JB__TYPE, type_size? type: "", type_size))
        rc = jb__error(error, JB_ENOMEM, "type", "out of memory");
    const s_object_t *duplicate = rc? NULL: s_duplicate_key(members, count, core_duplicate);
    if (duplicate) {
        char name [JB_ERROR_ATTRIBUTE_MAX];
        rc = jb__error(error, JB_EINVALID, s_name(duplicate, name, sizeof name),
                       "appears more than once");
    }
    for (uint32_t index = 0; rc == 0 && index < count; index++)
        rc = s_member(event, &extras, &members[index], error);
    if (rc == 0)
        rc = jb_event_validate(event, error);
    if (members != members_on_stack)
        free(members);
    if (rc == 0)
        *event_p = event;
    else
        jb_event_destroy(&event);
    return rc;
}
