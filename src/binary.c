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

#include "internal.h"
#include <msgpack.h>

enum {
    s_EXT_URI = 1,
    s_EXT_URI_REF = 2,
    s_EXT_TIMESTAMP = 3,
    s_EXT_JSON = 4
};

#define s_TIMESTAMP_SIZE 16
//  0000-01-01T00:00:00Z and 9999-12-31T23:59:60Z as Unix seconds
#define s_SECONDS_MIN (-62167219200LL)
#define s_SECONDS_MAX 253402300800LL

//  --------------------------------------------------------------------------
//  msgpack-c writes through a callback; this one appends to a jb__buffer_t.

static int
s_write(void *data, const char *bytes, size_t size)
{
    jb__buffer_t *buffer = (jb__buffer_t *) data;
    jb__buffer_append(buffer, bytes, size);
    return buffer->failed? -1: 0;
}

static void
s_pack_text(msgpack_packer *packer, const char *text, size_t size)
{
    msgpack_pack_str(packer, size);
    msgpack_pack_str_body(packer, text, size);
}

static void
s_pack_string_member(msgpack_packer *packer, const char *name, const char *value)
{
    if (value) {
        s_pack_text(packer, name, strlen(name));
        s_pack_text(packer, value, strlen(value));
    }
}

static void
s_put_be(uint8_t *out, uint64_t value, int bytes)
{
    for (int index = bytes - 1; index >= 0; index--, value >>= 8)
        out[index] = (uint8_t) value;
}

static uint64_t
s_get_be(const uint8_t *in, int bytes)
{
    uint64_t value = 0;
    for (int index = 0; index < bytes; index++)
        value = value << 8 | in[index];
    return value;
}

static void
s_pack_timestamp(msgpack_packer *packer, const jb_timestamp_t *timestamp)
{
    uint8_t bytes [s_TIMESTAMP_SIZE];
    s_put_be(bytes, (uint64_t) timestamp->seconds, 8);
    s_put_be(bytes + 8, (uint64_t) (uint32_t) timestamp->nanoseconds, 4);
    s_put_be(bytes + 12, (uint64_t) (uint16_t) timestamp->offset_minutes, 2);
    bytes[14] = timestamp->offset_style;
    bytes[15] = (uint8_t) (timestamp->fraction_digits | (timestamp->leap_second? 0x80: 0));
    msgpack_pack_ext(packer, s_TIMESTAMP_SIZE, s_EXT_TIMESTAMP);
    msgpack_pack_ext_body(packer, bytes, s_TIMESTAMP_SIZE);
}

//  --------------------------------------------------------------------------

void
jb__binary_write(jb__buffer_t *buffer, const jb_event_t *event, const jb__stamp_t *stamp)
{
    msgpack_packer packer;
    msgpack_packer_init(&packer, buffer, s_write);
    size_t data_size;
    const char *data = (const char *) jb_event_data(event, &data_size);
    jb_data_kind_t kind = jb_event_data_kind(event);
    size_t count = (jb_event_specversion(event) != NULL) + (jb_event_id(event) != NULL)
                 + (jb_event_source(event) != NULL) + (jb_event_datacontenttype(event) != NULL)
                 + (jb_event_dataschema(event) != NULL) + (jb_event_subject(event) != NULL)
                 + (jb_event_time(event) != NULL) + jb_event_extension_count(event)
                 + (kind != JB_DATA_NONE);
    size_t extensions = jb_event_extension_count(event);
    if (stamp) {
        //  the stamp's two members replace any the event carries
        count += 2;
        for (size_t index = 0; index < extensions; index++) {
            const char *name;
            jb_event_extension_at(event, index, &name);
            count -= jb__is_stamp_attribute(name);
        }
    }
    msgpack_pack_map(&packer, count);
    s_pack_string_member(&packer, "specversion", jb_event_specversion(event));
    s_pack_string_member(&packer, "id", jb_event_id(event));
    s_pack_string_member(&packer, "source", jb_event_source(event));
    s_pack_string_member(&packer, "datacontenttype", jb_event_datacontenttype(event));
    s_pack_string_member(&packer, "dataschema", jb_event_dataschema(event));
    s_pack_string_member(&packer, "subject", jb_event_subject(event));
    if (jb_event_time(event)) {
        s_pack_text(&packer, "time", 4);
        s_pack_timestamp(&packer, jb_event_time(event));
    }
    for (size_t index = 0; index < extensions; index++) {
        const char *name;
        const jb_value_t *value = jb_event_extension_at(event, index, &name);
        if (stamp && jb__is_stamp_attribute(name))
            continue;
        s_pack_text(&packer, name, strlen(name));
        switch (value->type) {
            case JB_TYPE_BOOLEAN:
                if (value->as.boolean)
                    msgpack_pack_true(&packer);
                else
                    msgpack_pack_false(&packer);
                break;
            case JB_TYPE_INTEGER:
                msgpack_pack_int32(&packer, value->as.integer);
                break;
            case JB_TYPE_STRING:
                s_pack_text(&packer, value->as.string, strlen(value->as.string));
                break;
            case JB_TYPE_BINARY:
                msgpack_pack_bin(&packer, value->as.binary.size);
                msgpack_pack_bin_body(&packer, value->as.binary.bytes, value->as.binary.size);
                break;
            case JB_TYPE_URI:
            case JB_TYPE_URI_REF: {
                size_t size = strlen(value->as.string);
                msgpack_pack_ext(&packer, size,
                                 value->type == JB_TYPE_URI? s_EXT_URI: s_EXT_URI_REF);
                msgpack_pack_ext_body(&packer, value->as.string, size);
                break;
            }
            case JB_TYPE_TIMESTAMP:
                s_pack_timestamp(&packer, &value->as.timestamp);
                break;
        }
    }
    if (stamp) {
        s_pack_string_member(&packer, JB__PUBLISHER_ATTRIBUTE, stamp->publisher);
        s_pack_text(&packer, JB__SEQUENCE_ATTRIBUTE, strlen(JB__SEQUENCE_ATTRIBUTE));
        msgpack_pack_int32(&packer, stamp->sequence);
    }
    if (kind != JB_DATA_NONE) {
        s_pack_text(&packer, "data", 4);
        if (kind == JB_DATA_BINARY) {
            msgpack_pack_bin(&packer, data_size);
            msgpack_pack_bin_body(&packer, data, data_size);
        }
        else
        if (kind == JB_DATA_TEXT)
            s_pack_text(&packer, data, data_size);
        else {
            msgpack_pack_ext(&packer, data_size, s_EXT_JSON);
            msgpack_pack_ext_body(&packer, data, data_size);
        }
    }
}

//  --------------------------------------------------------------------------
//  Decoding

//  A msgpack str, bin or ext body as a C string in scratch; rejects U+0000,
//  which no attribute can hold, while the length is still known.
static int
s_text(const char *bytes, uint32_t size, const char *name, jb__buffer_t *scratch,
       jb_error_t *error)
{
    if (!bytes)
        bytes = "";             //  msgpack-c leaves a zero-length body's pointer NULL
    if (memchr(bytes, '\0', size))
        return jb__error(error, JB_EINVALID, name,
                         "not a CloudEvents String: contains a control character");
    jb__buffer_reset(scratch);
    jb__buffer_append(scratch, bytes, size);
    jb__buffer_append(scratch, "", 0);
    return scratch->failed? jb__error(error, JB_ENOMEM, name, "out of memory"): 0;
}

static int
s_timestamp(const msgpack_object_ext *ext, const char *name, jb_timestamp_t *timestamp,
            jb_error_t *error)
{
    if (ext->size != s_TIMESTAMP_SIZE)
        return jb__error(error, JB_EPARSE, name, "a Timestamp is %d bytes in binary mode, not %u",
                         s_TIMESTAMP_SIZE, ext->size);
    const uint8_t *bytes = (const uint8_t *) ext->ptr;
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
    //  whatever the bytes say must be writable as RFC 3339 and read back the
    //  same, or the event could not cross into the JSON format
    char text [JB_TIMESTAMP_MAX];
    jb_timestamp_t again;
    size_t length = jb_timestamp_format(timestamp, text);
    if (jb_timestamp_parse(text, length, &again) || jb_timestamp_compare(&again, timestamp))
        return jb__error(error, JB_EINVALID, name, "Timestamp out of range");
    return 0;
}

static const char *
s_kind_name(msgpack_object_type type)
{
    switch (type) {
        case MSGPACK_OBJECT_NIL: return "nil";
        case MSGPACK_OBJECT_BOOLEAN: return "a boolean";
        case MSGPACK_OBJECT_POSITIVE_INTEGER:
        case MSGPACK_OBJECT_NEGATIVE_INTEGER: return "an integer";
        case MSGPACK_OBJECT_FLOAT32:
        case MSGPACK_OBJECT_FLOAT64: return "a float";
        case MSGPACK_OBJECT_STR: return "a str";
        case MSGPACK_OBJECT_ARRAY: return "an array";
        case MSGPACK_OBJECT_MAP: return "a map";
        case MSGPACK_OBJECT_BIN: return "a bin";
        case MSGPACK_OBJECT_EXT: return "an ext";
    }
    return "unknown";
}

//  Core attributes that are str in binary mode.
typedef struct {
    const char *name;
    int (*setter) (jb_event_t *event, const char *value);
} s_core_t;

static const s_core_t s_core [] = {
    { "specversion", jb_event_set_specversion },
    { "id", jb_event_set_id },
    { "source", jb_event_set_source },
    { "datacontenttype", jb_event_set_datacontenttype },
    { "dataschema", jb_event_set_dataschema },
    { "subject", jb_event_set_subject },
    { NULL, NULL }
};

static int
s_extension(jb_event_t *event, const char *name, const msgpack_object *object,
            jb__buffer_t *scratch, jb_error_t *error)
{
    jb_value_t value;
    int rc = 0;
    switch (object->type) {
        case MSGPACK_OBJECT_BOOLEAN:
            value = jb_value_boolean(object->via.boolean);
            break;
        case MSGPACK_OBJECT_POSITIVE_INTEGER:
            if (object->via.u64 > INT32_MAX)
                return jb__error(error, JB_EINVALID, name, "Integer out of range: %llu",
                                 (unsigned long long) object->via.u64);
            value = jb_value_integer((int32_t) object->via.u64);
            break;
        case MSGPACK_OBJECT_NEGATIVE_INTEGER:
            if (object->via.i64 < INT32_MIN)
                return jb__error(error, JB_EINVALID, name, "Integer out of range: %lld",
                                 (long long) object->via.i64);
            value = jb_value_integer((int32_t) object->via.i64);
            break;
        case MSGPACK_OBJECT_STR:
            rc = s_text(object->via.str.ptr, object->via.str.size, name, scratch, error);
            value = jb_value_string(scratch->data);
            break;
        case MSGPACK_OBJECT_BIN:
            value = jb_value_binary(object->via.bin.ptr, object->via.bin.size);
            break;
        case MSGPACK_OBJECT_EXT:
            if (object->via.ext.type == s_EXT_URI || object->via.ext.type == s_EXT_URI_REF) {
                rc = s_text(object->via.ext.ptr, object->via.ext.size, name, scratch, error);
                value = object->via.ext.type == s_EXT_URI? jb_value_uri(scratch->data)
                                                         : jb_value_uri_ref(scratch->data);
                break;
            }
            if (object->via.ext.type == s_EXT_TIMESTAMP) {
                value.type = JB_TYPE_TIMESTAMP;
                rc = s_timestamp(&object->via.ext, name, &value.as.timestamp, error);
                break;
            }
            return jb__error(error, JB_EINVALID, name, "unknown msgpack ext type %d",
                             object->via.ext.type);
        default:
            return jb__error(error, JB_EINVALID, name,
                             "an extension attribute cannot be %s", s_kind_name(object->type));
    }
    return rc? rc: jb_event_set_extension(event, name, &value, error);
}

static int
s_data(jb_event_t *event, const msgpack_object *object, jb_error_t *error)
{
    int rc = 0;
    if (object->type == MSGPACK_OBJECT_BIN)
        rc = jb__event_set_data(event, JB_DATA_BINARY, object->via.bin.ptr, object->via.bin.size);
    else
    if (object->type == MSGPACK_OBJECT_STR)
        rc = jb__event_set_data(event, JB_DATA_TEXT, object->via.str.ptr, object->via.str.size);
    else
    if (object->type == MSGPACK_OBJECT_EXT && object->via.ext.type == s_EXT_JSON) {
        rc = jb__json_check(object->via.ext.ptr? object->via.ext.ptr: "", object->via.ext.size,
                            "data", error);
        if (rc)
            return rc;
        rc = jb__event_set_data(event, JB_DATA_JSON, object->via.ext.ptr, object->via.ext.size);
    }
    else
        return jb__error(error, JB_EINVALID, "data",
                         "must be a bin, a str or JSON (ext 4), not %s", s_kind_name(object->type));
    return rc? jb__error(error, JB_ENOMEM, "data", "out of memory"): 0;
}

//  One member of the map; duplicates were ruled out before.
static int
s_member(jb_event_t *event, const msgpack_object_kv *member, jb__buffer_t *name_buffer,
         jb__buffer_t *scratch, jb_error_t *error)
{
    if (member->key.type != MSGPACK_OBJECT_STR)
        return jb__error(error, JB_EPARSE, NULL, "attribute names must be msgpack str, not %s",
                         s_kind_name(member->key.type));
    int rc = s_text(member->key.via.str.ptr, member->key.via.str.size, NULL, name_buffer, error);
    if (rc)
        return rc;
    const char *name = name_buffer->data;
    const msgpack_object *value = &member->val;

    for (const s_core_t *core = s_core; core->name; core++) {
        if (strcmp(name, core->name) != 0)
            continue;
        if (value->type == MSGPACK_OBJECT_NIL)
            return 0;
        if (value->type != MSGPACK_OBJECT_STR)
            return jb__error(error, JB_EINVALID, name, "must be a str, not %s",
                             s_kind_name(value->type));
        rc = s_text(value->via.str.ptr, value->via.str.size, name, scratch, error);
        if (rc == 0 && core->setter(event, scratch->data))
            rc = jb__error(error, JB_ENOMEM, name, "out of memory");
        return rc;
    }
    if (strcmp(name, "type") == 0)
        return jb__error(error, JB_EFRAME, name,
                         "in binary mode the type is frame 0, not a member of frame 1");
    if (strcmp(name, "time") == 0) {
        if (value->type == MSGPACK_OBJECT_NIL)
            return 0;
        if (value->type != MSGPACK_OBJECT_EXT || value->via.ext.type != s_EXT_TIMESTAMP)
            return jb__error(error, JB_EINVALID, name, "must be a Timestamp (ext 3), not %s",
                             s_kind_name(value->type));
        jb_timestamp_t time;
        rc = s_timestamp(&value->via.ext, name, &time, error);
        if (rc == 0)
            jb_event_set_time(event, &time);
        return rc;
    }
    if (strcmp(name, "data") == 0)
        return value->type == MSGPACK_OBJECT_NIL? 0: s_data(event, value, error);
    rc = jb_event_set_extension(event, name, NULL, error);     //  checks the name
    if (rc)
        return rc;
    return value->type == MSGPACK_OBJECT_NIL? 0: s_extension(event, name, value, scratch, error);
}

//  True when two members of the map have the same key. Maps are small (an
//  event has a dozen attributes), so comparing every pair is cheapest; a key
//  whose value is nil counts too, so "id: nil, id: x" is a duplicate.
static const msgpack_object *
s_duplicate_key(const msgpack_object_map *map)
{
    for (uint32_t first = 0; first < map->size; first++) {
        const msgpack_object *key = &map->ptr[first].key;
        if (key->type != MSGPACK_OBJECT_STR)
            continue;
        for (uint32_t second = first + 1; second < map->size; second++) {
            const msgpack_object *other = &map->ptr[second].key;
            if (other->type == MSGPACK_OBJECT_STR && other->via.str.size == key->via.str.size
            &&  (key->via.str.size == 0
                 || memcmp(other->via.str.ptr, key->via.str.ptr, key->via.str.size) == 0))
                return key;
        }
    }
    return NULL;
}

//  --------------------------------------------------------------------------
//  msgpack-c allocates a container's elements from its declared count before
//  it reads them, so five bytes declaring a map of 2^32 members would ask for
//  tens of gigabytes. This walk checks first, in one pass and without a
//  stack, that every declared length and count fits in the bytes that remain
//  (an element takes at least one byte), which bounds what unpacking can
//  allocate by the frame's size. Returns false for malformed input.

static bool
s_sizes_fit(const uint8_t *cursor, size_t size)
{
    const uint8_t *end = cursor + size;
    uint64_t pending = 1;                   //  objects still to read
    while (pending > 0) {
        if (cursor >= end)
            return false;
        uint8_t marker = *cursor++;
        pending--;
        uint64_t elements = 0;              //  objects a container adds
        uint64_t skip = 0;                  //  bytes of payload to skip
        int length_bytes = 0;               //  big-endian length that follows
        if (marker <= 0x7f || marker >= 0xe0 || marker == 0xc0 || marker == 0xc2 || marker == 0xc3)
            continue;
        else
        if (marker <= 0x8f)
            elements = 2 * (uint64_t) (marker & 0x0f);
        else
        if (marker <= 0x9f)
            elements = marker & 0x0f;
        else
        if (marker <= 0xbf)
            skip = marker & 0x1f;
        else
        switch (marker) {
            case 0xc4: case 0xd9: length_bytes = 1; break;         //  bin8, str8
            case 0xc5: case 0xda: length_bytes = 2; break;
            case 0xc6: case 0xdb: length_bytes = 4; break;
            case 0xc7: length_bytes = 1; skip = 1; break;           //  ext8: + type
            case 0xc8: length_bytes = 2; skip = 1; break;
            case 0xc9: length_bytes = 4; skip = 1; break;
            case 0xca: skip = 4; break;                             //  float32
            case 0xcb: skip = 8; break;
            case 0xcc: case 0xd0: skip = 1; break;                  //  (u)int8
            case 0xcd: case 0xd1: skip = 2; break;
            case 0xce: case 0xd2: skip = 4; break;
            case 0xcf: case 0xd3: skip = 8; break;
            case 0xd4: skip = 2; break;                             //  fixext: type + body
            case 0xd5: skip = 3; break;
            case 0xd6: skip = 5; break;
            case 0xd7: skip = 9; break;
            case 0xd8: skip = 17; break;
            case 0xdc: case 0xdd: case 0xde: case 0xdf: {           //  array/map 16/32
                int count_bytes = marker == 0xdc || marker == 0xde? 2: 4;
                if (end - cursor < count_bytes)
                    return false;
                elements = s_get_be(cursor, count_bytes);
                cursor += count_bytes;
                if (marker >= 0xde)
                    elements *= 2;
                break;
            }
            default:
                return false;                                       //  0xc1, never used
        }
        if (length_bytes) {
            if (end - cursor < length_bytes)
                return false;
            skip += s_get_be(cursor, length_bytes);
            cursor += length_bytes;
        }
        if (skip > (uint64_t) (end - cursor) || elements > (uint64_t) (end - cursor))
            return false;
        cursor += skip;
        pending += elements;
    }
    return true;
}

//  --------------------------------------------------------------------------

int
jb__binary_read(const char *type, size_t type_size, const char *bytes, size_t size,
                jb_event_t **event_p, jb_error_t *error)
{
    msgpack_unpacked unpacked;
    msgpack_unpacked_init(&unpacked);
    size_t offset = 0;
    int rc = 0;
    msgpack_unpack_return result = MSGPACK_UNPACK_PARSE_ERROR;
    if (s_sizes_fit((const uint8_t *) bytes, size))
        result = msgpack_unpack_next(&unpacked, bytes, size, &offset);
    if (result != MSGPACK_UNPACK_SUCCESS)
        rc = jb__error(error, JB_EPARSE, NULL, "frame 1 is not a complete msgpack object");
    else
    if (offset != size)
        rc = jb__error(error, JB_EPARSE, NULL, "frame 1 has %zu bytes after the msgpack map",
                       size - offset);
    else
    if (unpacked.data.type != MSGPACK_OBJECT_MAP)
        rc = jb__error(error, JB_EPARSE, NULL, "frame 1 is %s, not a msgpack map",
                       s_kind_name(unpacked.data.type));
    jb_event_t *event = NULL;
    if (rc == 0 && !(event = jb_event_new_empty()))
        rc = jb__error(error, JB_ENOMEM, NULL, "out of memory");
    jb__buffer_t scratch = { 0 };
    if (rc == 0) {
        //  the type is the topic: as a String it may not hold U+0000 either
        rc = s_text(type, (uint32_t) type_size, "type", &scratch, error);
        if (rc == 0 && jb_event_set_type(event, scratch.data))
            rc = jb__error(error, JB_ENOMEM, "type", "out of memory");
    }
    const msgpack_object *duplicate = rc? NULL: s_duplicate_key(&unpacked.data.via.map);
    if (duplicate) {
        char name [JB_ERROR_ATTRIBUTE_MAX];
        snprintf(name, sizeof name, "%.*s", (int) duplicate->via.str.size, duplicate->via.str.ptr);
        rc = jb__error(error, JB_EINVALID, name, "appears more than once");
    }
    jb__buffer_t name = { 0 };
    for (uint32_t index = 0; rc == 0 && index < unpacked.data.via.map.size; index++)
        rc = s_member(event, &unpacked.data.via.map.ptr[index], &name, &scratch, error);
    jb__buffer_free(&name);
    if (rc == 0)
        rc = jb_event_validate(event, error);
    jb__buffer_free(&scratch);
    msgpack_unpacked_destroy(&unpacked);
    if (rc == 0)
        *event_p = event;
    else
        jb_event_destroy(&event);
    return rc;
}
