/*  =========================================================================
    binary.c - binary mode: an event's attributes and data as one msgpack map

    The map holds every attribute except `type`, which travels in frame 0 as
    the topic, and the data. msgpack keeps the CloudEvents types that JSON
    loses: str is String, int is Integer, bool is Boolean, bin is Binary, and
    application ext types tag the rest:
        ext 1  URI            UTF-8 text
        ext 2  URI-reference  UTF-8 text
        ext 3  Timestamp      16 bytes, big-endian: int64 seconds, uint32
                              nanoseconds, int16 offset minutes, uint8 offset
                              style, uint8 fraction digits (bit 7: leap second)
        ext 4  JSON data      UTF-8 JSON text (only as "data")
    "data" is bin for bytes, str for text, ext 4 for a JSON value.
    docs/zeromq-binding.md is the specification of this layout.
    ========================================================================= */

#include <assert.h>
#include <stdlib.h>

#include "jbus.h"
#include "binary.h"
#include "buffer.h"
#include "event.h"
#include "json.h"
#include "value.h"

//  --------------------------------------------------------------------------
//  Encoding. msgpack-c's packer hands every piece (a header, a key, a
//  value) to a write callback, which cost more than the rest of encoding
//  together; the few kinds of header this map needs are written here
//  directly, each in the smallest form, as msgpack-c chooses it, so the
//  bytes are the same. The map's size is bounded first and reserved at
//  once, so that each piece is written without a check of its own: each
//  s_put_ function writes at out and returns the position after it.

//  The longest header: ext 32 (marker, 4-byte length, type).
#define s_HEADER_MAX 6

static void
s_put_be(uint8_t *out, uint64_t value, int bytes)
{
    for (int index = bytes - 1; index >= 0; index--, value >>= 8)
        out[index] = (uint8_t) value;
}

static inline void
s_copy_word(uint8_t *out, const uint8_t *in)
{
    uint64_t word;
    memcpy(&word, in, 8);
    memcpy(out, &word, 8);
}

//  Most pieces are attribute values of a few dozen bytes: up to 32 are
//  copied as overlapping words without a call, the last word ending the
//  piece, so that nothing past it is read or written.
static inline uint8_t *
s_put_bytes(uint8_t *out, const void *bytes, size_t size)
{
    const uint8_t *in = (const uint8_t *) bytes;
    if (size >= 8 && size <= 32) {
        s_copy_word(out, in);
        if (size > 16) {
            s_copy_word(out + 8, in + 8);
            s_copy_word(out + size - 16, in + size - 16);
        }
        s_copy_word(out + size - 8, in + size - 8);
    }
    else
    if (size)
        memcpy(out, bytes, size);
    return out + size;
}

//  A header whose length follows in 1, 2 or 4 bytes: marker is the 8-bit
//  form's (str8 0xd9, bin8 0xc4, ext8 0xc7), the wider forms follow it.
//  extra is written after the length (an ext's type), or -1 for none.
//  size is at most UINT32_MAX (s_bound rules out the rest).
static uint8_t *
s_put_sized(uint8_t *out, uint8_t marker, size_t size, int extra)
{
    if (size < 0x100) {
        *out++ = marker;
        *out++ = (uint8_t) size;
    }
    else
    if (size < 0x10000) {
        *out++ = (uint8_t) (marker + 1);
        s_put_be(out, size, 2);
        out += 2;
    }
    else {
        *out++ = (uint8_t) (marker + 2);
        s_put_be(out, size, 4);
        out += 4;
    }
    if (extra >= 0)
        *out++ = (uint8_t) extra;
    return out;
}

static uint8_t *
s_put_text(uint8_t *out, const char *text, size_t size)
{
    if (size < 32)
        *out++ = (uint8_t) (0xa0 | size);
    else
        out = s_put_sized(out, 0xd9, size, -1);
    return s_put_bytes(out, text, size);
}

//  A key of 4 to 31 bytes, the fixstr of an extra's name, written inline
//  (as two overlapping words for most names): the stamp's two keys go out
//  with every event, and a call costs more than the copy.
static inline uint8_t *
s_put_key(uint8_t *out, const char *name, size_t size)
{
    if (size < 4 || size > 16)
        return s_put_text(out, name, size);
    *out++ = (uint8_t) (0xa0 | size);
    if (size >= 8) {
        uint64_t head, tail;
        memcpy(&head, name, 8);
        memcpy(&tail, name + size - 8, 8);
        memcpy(out, &head, 8);
        memcpy(out + size - 8, &tail, 8);
    }
    else {
        uint32_t head, tail;
        memcpy(&head, name, 4);
        memcpy(&tail, name + size - 4, 4);
        memcpy(out, &head, 4);
        memcpy(out + size - 4, &tail, 4);
    }
    return out + size;
}

static uint8_t *
s_put_bin(uint8_t *out, const void *bytes, size_t size)
{
    return s_put_bytes(s_put_sized(out, 0xc4, size, -1), bytes, size);
}

static uint8_t *
s_put_ext(uint8_t *out, int type, const void *bytes, size_t size)
{
    //  fixext 1, 2, 4, 8, 16 carry no length
    uint8_t fixed = size == 1? 0xd4: size == 2? 0xd5: size == 4? 0xd6
                  : size == 8? 0xd7: size == 16? 0xd8: 0;
    if (fixed) {
        *out++ = fixed;
        *out++ = (uint8_t) type;
    }
    else
        out = s_put_sized(out, 0xc7, size, type);
    return s_put_bytes(out, bytes, size);
}

static uint8_t *
s_put_map(uint8_t *out, size_t count)
{
    if (count < 16)
        *out++ = (uint8_t) (0x80 | count);
    else
    if (count < 0x10000) {
        *out++ = 0xde;
        s_put_be(out, count, 2);
        out += 2;
    }
    else {
        *out++ = 0xdf;
        s_put_be(out, count, 4);
        out += 4;
    }
    return out;
}

//  msgpack-c's msgpack_pack_int32: the shortest int or uint that holds it.
static uint8_t *
s_put_int32(uint8_t *out, int32_t value)
{
    if (value >= -32 && value < 128) {
        *out++ = (uint8_t) value;               //  positive or negative fixint
        return out;
    }
    int width;
    if (value < 0) {
        width = value >= INT8_MIN? 1: value >= INT16_MIN? 2: 4;
        *out++ = width == 1? 0xd0: width == 2? 0xd1: 0xd2;
    }
    else {
        width = value < 0x100? 1: value < 0x10000? 2: 4;
        *out++ = width == 1? 0xcc: width == 2? 0xcd: 0xce;
    }
    s_put_be(out, (uint64_t) (uint32_t) value, width);
    return out + width;
}

//  A key known in advance: its fixstr header and text.
#define s_PUT_KEY(out, fixstr) s_put_bytes((out), fixstr, sizeof fixstr - 1)

static uint8_t *
s_put_timestamp(uint8_t *out, const jb_timestamp_t *timestamp)
{
    out[0] = 0xd8;
    out[1] = JB__BINARY_EXT_TIMESTAMP;
    s_put_be(out + 2, (uint64_t) timestamp->seconds, 8);
    s_put_be(out + 10, (uint64_t) (uint32_t) timestamp->nanoseconds, 4);
    s_put_be(out + 14, (uint64_t) (uint16_t) timestamp->offset_minutes, 2);
    out[16] = timestamp->offset_style;
    out[17] = (uint8_t) (timestamp->fraction_digits | (timestamp->leap_second? 0x80: 0));
    return out + 2 + JB__BINARY_TIMESTAMP_SIZE;
}

//  An extension's value; a String, URI or URI-reference is string_size bytes.
static inline uint8_t *
s_put_value(uint8_t *out, const jb_value_t *value, size_t string_size)
{
    //  the commonest types are tested before the jump of the switch
    if (value->type == JB_TYPE_STRING)
        return s_put_text(out, value->as.string, string_size);
    if (value->type == JB_TYPE_INTEGER)
        return s_put_int32(out, value->as.integer);
    switch (value->type) {
        case JB_TYPE_BOOLEAN:
            *out++ = value->as.boolean? 0xc3: 0xc2;
            return out;
        case JB_TYPE_INTEGER:
            return s_put_int32(out, value->as.integer);
        case JB_TYPE_STRING:
            return s_put_text(out, value->as.string, string_size);
        case JB_TYPE_BINARY:
            return s_put_bin(out, value->as.binary.bytes, value->as.binary.size);
        case JB_TYPE_URI:
        case JB_TYPE_URI_REF:
            return s_put_ext(out, value->type == JB_TYPE_URI? JB__BINARY_EXT_URI: JB__BINARY_EXT_URI_REF,
                             value->as.string, string_size);
        case JB_TYPE_TIMESTAMP:
            return s_put_timestamp(out, &value->as.timestamp);
    }
    return out;
}

//  The bytes an extension can take at most besides the text or bytes of
//  its name and value: each gets the longest header, and a value the 18
//  bytes of a Timestamp.
#define s_EXTENSION_OVERHEAD (2 * s_HEADER_MAX + 2 + JB__BINARY_TIMESTAMP_SIZE)

//  The bytes an extension can take at most, name and value. *lengths_p
//  collects the lengths of both, or'ed together: it exceeds UINT32_MAX
//  exactly when one of them does.
static inline size_t
s_extension_bound(size_t name_size, const jb_value_t *value, size_t string_size,
                  size_t *lengths_p)
{
    size_t value_size = value->type == JB_TYPE_BINARY? value->as.binary.size: string_size;
    *lengths_p |= value_size | name_size;
    return s_EXTENSION_OVERHEAD + name_size + value_size;
}

//  --------------------------------------------------------------------------

void
jb__binary_write(jb__buffer_t *buffer, const jb_event_t *event, const jb__extras_t *extras)
{
    //  the keys of the core attributes, by jb__attribute_t, with their
    //  fixstr headers; type is frame 0
    static const char *const core_keys [JB__CORE_COUNT] = {
        "\xab" "specversion", "\xa2" "id", "\xa6" "source", NULL,
        "\xaf" "datacontenttype", "\xaa" "dataschema", "\xa7" "subject"
    };
    //  Count the members and bound the bytes: every piece gets the longest
    //  header, a core key its 16 bytes at most, an extension
    //  s_extension_bound, the extras s_EXTENSION_OVERHEAD each and their
    //  extras->size together. A piece that msgpack cannot say the length of
    //  fails the buffer (the extras' sum stands for each of their lengths).
    const jb__extra_t *extra_items = extras? extras->items: NULL;
    size_t extra_count = extras? extras->count: 0;
    size_t data_size;
    const char *data = (const char *) jb_event_data(event, &data_size);
    jb_data_kind_t kind = jb_event_data_kind(event);
    size_t extensions = jb_event_extension_count(event);
    const jb_timestamp_t *time = jb_event_time(event);
    size_t count = (time != NULL) + extensions + (kind != JB_DATA_NONE);
    size_t bound = s_HEADER_MAX + (time? 5 + 2 + JB__BINARY_TIMESTAMP_SIZE: 0);
    size_t lengths = kind != JB_DATA_NONE? data_size: 0;   //  or'ed, see s_extension_bound
    const char *core [JB__CORE_COUNT];
    size_t core_sizes [JB__CORE_COUNT];
    for (int which = 0; which < JB__CORE_COUNT; which++) {
        core[which] = jb__event_core(event, (jb__attribute_t) which, &core_sizes[which]);
        if (core[which] && which != JB__TYPE) {
            count++;
            bound += 16 + s_HEADER_MAX + core_sizes[which];
            lengths |= core_sizes[which];
        }
    }
    for (size_t index = 0; index < extensions; index++) {
        const char *name;
        size_t name_size, string_size;
        const jb_value_t *value = jb__event_extension_at(event, index, &name, &name_size,
                                                         &string_size);
        if (extra_count && jb__extra_index(extra_items, extra_count, name, name_size) < extra_count)
            count--;                    //  the extra of that name replaces it
        bound += s_extension_bound(name_size, value, string_size, &lengths);
    }
    if (extra_count) {
        count += extra_count;
        bound += extra_count * s_EXTENSION_OVERHEAD + extras->size;
        lengths |= extras->size;
    }
    if (kind != JB_DATA_NONE)
        bound += 5 + s_HEADER_MAX + data_size;
    if (lengths > UINT32_MAX) {
        buffer->failed = true;          //  msgpack cannot say how long it is
        return;
    }
    if (!jb__buffer_reserve(buffer, bound))
        return;
    uint8_t *start = (uint8_t *) buffer->data + buffer->size;
    uint8_t *out = s_put_map(start, count);
    for (int which = 0; which < JB__CORE_COUNT; which++) {
        if (core[which] && which != JB__TYPE) {
            const char *key = core_keys[which];
            out = s_put_bytes(out, key, 1 + (size_t) (key[0] & 0x1f));
            out = s_put_text(out, core[which], core_sizes[which]);
        }
    }
    if (time) {
        out = s_PUT_KEY(out, "\xa4" "time");
        out = s_put_timestamp(out, time);
    }
    for (size_t index = 0; index < extensions; index++) {
        const char *name;
        size_t name_size, string_size;
        const jb_value_t *value = jb__event_extension_at(event, index, &name, &name_size,
                                                         &string_size);
        if (extra_count && jb__extra_index(extra_items, extra_count, name, name_size) < extra_count)
            continue;
        out = s_put_text(out, name, name_size);
        out = s_put_value(out, value, string_size);
    }
    for (size_t index = 0; index < extra_count; index++) {
        const jb__extra_t *extra = &extra_items[index];
        out = s_put_key(out, extra->name, extra->name_size);
        out = s_put_value(out, &extra->value, extra->string_size);
    }
    if (kind != JB_DATA_NONE) {
        out = s_PUT_KEY(out, "\xa4" "data");
        if (kind == JB_DATA_BINARY)
            out = s_put_bin(out, data, data_size);
        else
        if (kind == JB_DATA_TEXT)
            out = s_put_text(out, data, data_size);
        else
            out = s_put_ext(out, JB__BINARY_EXT_JSON, data, data_size);
    }
    assert((size_t) (out - start) <= bound);
    buffer->size += (size_t) (out - start);
    buffer->data[buffer->size] = '\0';
}
