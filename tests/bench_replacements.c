/*  =========================================================================
    bench_replacements.c - does each hand-written replacement of a library
    still pay for itself?

    A benchmark program, not a test. jbus writes four things itself that a
    library it links already does; for each, a pair of figures does the same
    job once with jbus's code (through the public API) and once with the
    library, on the same input:
        binary-encode   jb_message_encode, binary mode (src/binary.c)
                        vs validate + msgpack-c packing the same map
        binary-decode   jb_message_decode, binary mode
                        vs msgpack_unpack into a zone + the setters + validate
        json-decode     jb_json_decode of a typical event (src/json_check.c,
                        src/json.c) vs cJSON_ParseWithLengthOpts + walking the
                        tree into the setters + validate; data (a JSON value)
                        is printed back with cJSON_PrintUnformatted
        json-nodata     the same, for the same event without data
        data-check      jb_event_set_data_json (check + copy) vs cJSON parse +
                        delete + jb_event_set_data_text (copy only); data-copy
                        is the copy alone
        base64-decode   jb_event_set_extension_text of a Binary (src/base64.c)
                        vs zarmour_decode + jb_event_set_extension; base64-set
                        is the set alone
        base64-encode   jb_json_encode of an event with data_base64 vs
                        jb_json_encode of it without data + zarmour_encode;
                        json-encode-nodata is the encode without data alone
        id              jb_event_new (src/id.c) vs jb_event_new_empty + the
                        setters with uuid_generate_random + uuid_unparse_lower;
                        id-fixed is the same with a constant id
    Each pair's figure names end in -jbus and -lib. Figures without a suffix
    are baselines, so that the replaced piece alone is the difference.
        build/tests/bench_replacements [seconds-per-figure]
        build/tests/bench_replacements --count N [FIGURE...]
    --count runs each figure exactly N times (bench_codec's convention), so
    that under valgrind --tool=callgrind the difference of the instruction
    counts of two runs, over the difference of N, is the cost per operation.
    Callgrind counts no instructions in the kernel: libuuid's getrandom()
    per id shows only in ns/op. Before any figure, each pair is checked to
    give the same result (the same bytes, an equal event).
    ========================================================================= */

#define _POSIX_C_SOURCE 200809L
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cjson/cJSON.h>
#include <czmq.h>
#include <msgpack.h>
#include <uuid/uuid.h>
#include "jbus.h"
#include "bench_loop.h"

#define s_TYPE "jerry.work_tracking.task.completed"
#define s_SOURCE "/jerry/work-tracking"

static const char *s_payload = BENCH_LOOP_PAYLOAD;

//  Bytes of binary data, for base64.
#define s_BLOB_SIZE 256


//  Run body repeatedly for about `seconds`, or exactly bench_loop_count times, when
//  the figure is wanted; report ns/op.
#define BENCH(figure, label, seconds, body) do {                                \
    double ns;                                                                  \
    BENCH_LOOP(figure, seconds, ns, body);                                      \
    if (ns >= 0)                                                                \
        printf("%-20s %-52s %9.0f ns/op\n", figure, label, ns);                 \
} while (0)

static void
s_die(const char *what, const jb_error_t *error)
{
    fprintf(stderr, "bench_replacements: %s%s%s\n", what, error? ": ": "",
            error? error->message: "");
    exit(1);
}

//  --------------------------------------------------------------------------
//  A scratch buffer that makes a C string of a msgpack str for the setters
//  (jbus's own reader sets its attributes with their length, privately).

typedef struct {
    char *text;
    size_t capacity;
} s_scratch_t;

static const char *
s_cstring(s_scratch_t *scratch, const char *bytes, size_t size)
{
    if (size + 1 > scratch->capacity) {
        scratch->capacity = 2 * (size + 1);
        scratch->text = (char *) realloc(scratch->text, scratch->capacity);
        if (!scratch->text)
            s_die("out of memory", NULL);
    }
    if (size)
        memcpy(scratch->text, bytes, size);
    scratch->text[size] = '\0';
    return scratch->text;
}

//  --------------------------------------------------------------------------
//  The map of binary mode with msgpack-c: docs/zeromq-binding.md.

enum { s_EXT_URI = 1, s_EXT_URI_REF = 2, s_EXT_TIMESTAMP = 3, s_EXT_JSON = 4 };

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
s_pack_text(msgpack_packer *packer, const char *text, size_t size)
{
    msgpack_pack_str(packer, size);
    msgpack_pack_str_body(packer, text, size);
}

static void
s_pack_timestamp(msgpack_packer *packer, const jb_timestamp_t *timestamp)
{
    uint8_t bytes [16];
    s_put_be(bytes, (uint64_t) timestamp->seconds, 8);
    s_put_be(bytes + 8, (uint64_t) (uint32_t) timestamp->nanoseconds, 4);
    s_put_be(bytes + 12, (uint64_t) (uint16_t) timestamp->offset_minutes, 2);
    bytes[14] = timestamp->offset_style;
    bytes[15] = (uint8_t) (timestamp->fraction_digits | (timestamp->leap_second? 0x80: 0));
    msgpack_pack_ext(packer, sizeof bytes, s_EXT_TIMESTAMP);
    msgpack_pack_ext_body(packer, bytes, sizeof bytes);
}

//  What jb_message_encode does in binary mode, with msgpack-c: validate,
//  then frame 0 (the type) and frame 1 (the map) into buffer.
static int
s_msgpack_encode(msgpack_sbuffer *buffer, const jb_event_t *event, size_t *topic_size_p)
{
    msgpack_sbuffer_clear(buffer);
    if (jb_event_validate(event, NULL))
        return -1;
    const char *type = jb_event_type(event);
    *topic_size_p = strlen(type);
    msgpack_sbuffer_write(buffer, type, *topic_size_p);
    static const char *const keys [] = {
        "specversion", "id", "source", "datacontenttype", "dataschema", "subject"
    };
    const char *core [] = {
        jb_event_specversion(event), jb_event_id(event), jb_event_source(event),
        jb_event_datacontenttype(event), jb_event_dataschema(event), jb_event_subject(event)
    };
    const jb_timestamp_t *time = jb_event_time(event);
    size_t extensions = jb_event_extension_count(event);
    jb_data_kind_t kind = jb_event_data_kind(event);
    size_t count = (time != NULL) + extensions + (kind != JB_DATA_NONE);
    for (size_t which = 0; which < 6; which++)
        count += core[which] != NULL;
    msgpack_packer packer;
    msgpack_packer_init(&packer, buffer, msgpack_sbuffer_write);
    msgpack_pack_map(&packer, count);
    for (size_t which = 0; which < 6; which++)
        if (core[which]) {
            s_pack_text(&packer, keys[which], strlen(keys[which]));
            s_pack_text(&packer, core[which], strlen(core[which]));
        }
    if (time) {
        s_pack_text(&packer, "time", 4);
        s_pack_timestamp(&packer, time);
    }
    for (size_t index = 0; index < extensions; index++) {
        const char *name;
        const jb_value_t *value = jb_event_extension_at(event, index, &name);
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
    if (kind != JB_DATA_NONE) {
        size_t size;
        const void *data = jb_event_data(event, &size);
        s_pack_text(&packer, "data", 4);
        if (kind == JB_DATA_BINARY) {
            msgpack_pack_bin(&packer, size);
            msgpack_pack_bin_body(&packer, data, size);
        }
        else
        if (kind == JB_DATA_TEXT)
            s_pack_text(&packer, (const char *) data, size);
        else {
            msgpack_pack_ext(&packer, size, s_EXT_JSON);
            msgpack_pack_ext_body(&packer, data, size);
        }
    }
    return 0;
}

static bool
s_has_nul(const char *bytes, size_t size)
{
    return size && memchr(bytes, '\0', size) != NULL;
}

//  A Timestamp (ext 3), with jbus's range checks but the rare leap second's.
static int
s_timestamp(const msgpack_object_ext *ext, jb_timestamp_t *timestamp)
{
    if (ext->type != s_EXT_TIMESTAMP || ext->size != 16)
        return -1;
    const uint8_t *bytes = (const uint8_t *) ext->ptr;
    timestamp->seconds = (int64_t) s_get_be(bytes, 8);
    uint32_t nanoseconds = (uint32_t) s_get_be(bytes + 8, 4);
    timestamp->offset_minutes = (int16_t) (uint16_t) s_get_be(bytes + 12, 2);
    timestamp->offset_style = bytes[14];
    timestamp->fraction_digits = bytes[15] & 0x7F;
    timestamp->leap_second = (bytes[15] & 0x80) != 0;
    if (timestamp->seconds < -62167219200LL - 86400 || timestamp->seconds > 253402300800LL + 86400
    ||  nanoseconds > 999999999 || timestamp->offset_minutes < -1439
    ||  timestamp->offset_minutes > 1439 || timestamp->offset_style > JB_OFFSET_UNKNOWN
    ||  timestamp->fraction_digits > 9)
        return -1;
    timestamp->nanoseconds = (int32_t) nanoseconds;
    return 0;
}

//  One member of the map into event.
static int
s_msgpack_member(jb_event_t *event, const msgpack_object_kv *member, unsigned *seen,
                 s_scratch_t *scratch)
{
    static const char *const keys [] = {
        "specversion", "id", "source", "datacontenttype", "dataschema", "subject", "time", "data"
    };
    if (member->key.type != MSGPACK_OBJECT_STR)
        return -1;
    const char *key = member->key.via.str.ptr;
    size_t key_size = member->key.via.str.size;
    if (s_has_nul(key, key_size))
        return -1;
    size_t which = 0;
    while (which < 8 && !(strlen(keys[which]) == key_size && memcmp(keys[which], key, key_size) == 0))
        which++;
    if (which < 8) {
        if (*seen & (1u << which))
            return -1;                  //  a duplicate
        *seen |= 1u << which;
    }
    const msgpack_object *value = &member->val;
    if (value->type == MSGPACK_OBJECT_NIL)
        return 0;
    if (which < 6) {
        if (value->type != MSGPACK_OBJECT_STR || s_has_nul(value->via.str.ptr, value->via.str.size))
            return -1;
        const char *text = s_cstring(scratch, value->via.str.ptr, value->via.str.size);
        switch (which) {
            case 0: return jb_event_set_specversion(event, text);
            case 1: return jb_event_set_id(event, text);
            case 2: return jb_event_set_source(event, text);
            case 3: return jb_event_set_datacontenttype(event, text);
            case 4: return jb_event_set_dataschema(event, text);
            default: return jb_event_set_subject(event, text);
        }
    }
    if (which == 6) {
        jb_timestamp_t time;
        if (value->type != MSGPACK_OBJECT_EXT || s_timestamp(&value->via.ext, &time))
            return -1;
        jb_event_set_time(event, &time);
        return 0;
    }
    if (which == 7) {
        if (value->type == MSGPACK_OBJECT_BIN)
            return jb_event_set_data_binary(event, value->via.bin.ptr, value->via.bin.size);
        if (value->type == MSGPACK_OBJECT_STR)
            return jb_event_set_data_text(event, value->via.str.ptr, value->via.str.size);
        if (value->type == MSGPACK_OBJECT_EXT && value->via.ext.type == s_EXT_JSON)
            return jb_event_set_data_json(event, value->via.ext.ptr, value->via.ext.size, NULL);
        return -1;
    }
    char name [64];
    if (key_size >= sizeof name)
        return -1;
    memcpy(name, key, key_size);
    name[key_size] = '\0';
    if (jb_event_extension(event, name))
        return -1;                      //  a duplicate
    jb_value_t extension;
    switch (value->type) {
        case MSGPACK_OBJECT_BOOLEAN:
            extension = jb_value_boolean(value->via.boolean);
            break;
        case MSGPACK_OBJECT_POSITIVE_INTEGER:
            if (value->via.u64 > INT32_MAX)
                return -1;
            extension = jb_value_integer((int32_t) value->via.u64);
            break;
        case MSGPACK_OBJECT_NEGATIVE_INTEGER:
            if (value->via.i64 < INT32_MIN)
                return -1;
            extension = jb_value_integer((int32_t) value->via.i64);
            break;
        case MSGPACK_OBJECT_STR:
            if (s_has_nul(value->via.str.ptr, value->via.str.size))
                return -1;
            extension = jb_value_string(s_cstring(scratch, value->via.str.ptr, value->via.str.size));
            break;
        case MSGPACK_OBJECT_BIN:
            extension = jb_value_binary(value->via.bin.ptr, value->via.bin.size);
            break;
        case MSGPACK_OBJECT_EXT:
            if (value->via.ext.type == s_EXT_TIMESTAMP) {
                extension.type = JB_TYPE_TIMESTAMP;
                if (s_timestamp(&value->via.ext, &extension.as.timestamp))
                    return -1;
                break;
            }
            if ((value->via.ext.type != s_EXT_URI && value->via.ext.type != s_EXT_URI_REF)
            ||  s_has_nul(value->via.ext.ptr, value->via.ext.size))
                return -1;
            extension = value->via.ext.type == s_EXT_URI
                ? jb_value_uri(s_cstring(scratch, value->via.ext.ptr, value->via.ext.size))
                : jb_value_uri_ref(s_cstring(scratch, value->via.ext.ptr, value->via.ext.size));
            break;
        default:
            return -1;
    }
    return jb_event_set_extension(event, name, &extension, NULL);
}

//  What jb_message_decode does with a binary-mode message, with msgpack-c:
//  frame 1 unpacked into zone (cleared first), then the setters, validate.
static int
s_msgpack_decode(const jb_frame_t frames [2], msgpack_zone *zone, s_scratch_t *scratch,
                 jb_event_t **event_p)
{
    msgpack_zone_clear(zone);
    msgpack_object map;
    size_t offset = 0;
    if (msgpack_unpack((const char *) frames[1].data, frames[1].size, &offset, zone, &map)
        != MSGPACK_UNPACK_SUCCESS
    ||  offset != frames[1].size || map.type != MSGPACK_OBJECT_MAP)
        return -1;
    jb_event_t *event = jb_event_new_empty();
    if (!event || s_has_nul((const char *) frames[0].data, frames[0].size)
    ||  jb_event_set_type(event, s_cstring(scratch, (const char *) frames[0].data, frames[0].size))) {
        jb_event_destroy(&event);
        return -1;
    }
    unsigned seen = 0;
    int rc = 0;
    for (uint32_t index = 0; rc == 0 && index < map.via.map.size; index++)
        rc = s_msgpack_member(event, &map.via.map.ptr[index], &seen, scratch);
    if (rc == 0)
        rc = jb_event_validate(event, NULL);
    if (rc == 0)
        *event_p = event;
    else
        jb_event_destroy(&event);
    return rc;
}

//  --------------------------------------------------------------------------
//  The JSON event format with cJSON: parse the document, then read each
//  member of the tree into the setters, and validate.

//  cJSON as a gate: size bytes that are one JSON text and nothing after it
//  but blanks. (require_null_terminated wants a NUL inside size bytes, so
//  the parse end is checked instead.) NULL when they are not.
static cJSON *
s_cjson_parse(const char *text, size_t size)
{
    const char *end = NULL;
    cJSON *tree = cJSON_ParseWithLengthOpts(text, size, &end, false);
    if (tree) {
        const char *limit = text + size;
        while (end < limit && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
            end++;
        if (end != limit)
            cJSON_Delete(tree), tree = NULL;
    }
    return tree;
}

static int
s_cjson_member(jb_event_t *event, const cJSON *member, unsigned *seen)
{
    static const char *const keys [] = {
        "specversion", "id", "source", "type", "datacontenttype", "dataschema", "subject",
        "time", "data", "data_base64"
    };
    const char *name = member->string;
    size_t which = 0;
    while (which < 10 && strcmp(keys[which], name) != 0)
        which++;
    if (which < 10) {
        if (*seen & (1u << which))
            return -1;                  //  a duplicate
        *seen |= 1u << which;
    }
    if (cJSON_IsNull(member))
        return 0;
    if (which < 8) {
        if (!cJSON_IsString(member))
            return -1;
        const char *text = member->valuestring;
        switch (which) {
            case 0: return jb_event_set_specversion(event, text);
            case 1: return jb_event_set_id(event, text);
            case 2: return jb_event_set_source(event, text);
            case 3: return jb_event_set_type(event, text);
            case 4: return jb_event_set_datacontenttype(event, text);
            case 5: return jb_event_set_dataschema(event, text);
            case 6: return jb_event_set_subject(event, text);
            default: return jb_event_set_time_text(event, text, NULL);
        }
    }
    if (which >= 8)
        return 0;                       //  data, once the content type is known
    if (jb_event_extension(event, name))
        return -1;
    jb_value_t value;
    if (cJSON_IsString(member))
        value = jb_value_string(member->valuestring);
    else
    if (cJSON_IsBool(member))
        value = jb_value_boolean(cJSON_IsTrue(member));
    else
    if (cJSON_IsNumber(member) && member->valuedouble == (double) (int32_t) member->valuedouble)
        value = jb_value_integer((int32_t) member->valuedouble);
    else
        return -1;
    return jb_event_set_extension(event, name, &value, NULL);
}

//  The data, as jb_json_decode keeps it: a string under a non-JSON type is
//  text, anything else a JSON value (printed back from the tree, and
//  checked again by jb_event_set_data_json: see data-check to take that
//  out).
static int
s_cjson_data(jb_event_t *event, const cJSON *data, const cJSON *data_base64)
{
    if (data && data_base64)
        return -1;
    if (data_base64)
        return -1;                      //  not in this benchmark's documents
    if (!data)
        return 0;
    if (cJSON_IsString(data) && !jb_media_type_is_json(jb_event_datacontenttype(event)))
        return jb_event_set_data_text(event, data->valuestring, SIZE_MAX);
    char *json = cJSON_PrintUnformatted(data);
    if (!json)
        return -1;
    int rc = jb_event_set_data_json(event, json, SIZE_MAX, NULL);
    free(json);
    return rc;
}

static int
s_cjson_decode(const char *text, size_t size, jb_event_t **event_p)
{
    cJSON *root = s_cjson_parse(text, size);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return -1;
    }
    jb_event_t *event = jb_event_new_empty();
    unsigned seen = 0;
    int rc = event? 0: -1;
    const cJSON *data = NULL, *data_base64 = NULL;
    for (const cJSON *member = root->child; rc == 0 && member; member = member->next) {
        rc = s_cjson_member(event, member, &seen);
        if (strcmp(member->string, "data") == 0)
            data = member;
        else
        if (strcmp(member->string, "data_base64") == 0 && !cJSON_IsNull(member))
            data_base64 = member;
    }
    if (rc == 0)
        rc = s_cjson_data(event, data, data_base64);
    if (rc == 0)
        rc = jb_event_validate(event, NULL);
    cJSON_Delete(root);
    if (rc == 0)
        *event_p = event;
    else
        jb_event_destroy(&event);
    return rc;
}

//  --------------------------------------------------------------------------

static int
s_usage(void)
{
    fprintf(stderr, "usage: bench_replacements [seconds-per-figure > 0]\n"
                    "       bench_replacements --count N [FIGURE...]\n");
    return 2;
}

static jb_event_t *
s_make_event(bool with_data)
{
    jb_event_t *event = jb_event_new(s_TYPE, s_SOURCE);
    jb_event_set_subject(event, "WORK-001");
    jb_event_set_datacontenttype(event, "application/json");
    if (with_data)
        jb_event_set_data_json(event, s_payload, SIZE_MAX, NULL);
    return event;
}

static char *
s_encode_json(const jb_event_t *event, size_t *size_p)
{
    char *json = NULL;
    jb_error_t error;
    if (jb_json_encode(event, &json, size_p, &error))
        s_die("the sample event does not encode", &error);
    return json;
}

int
main(int argc, char *argv[])
{
    double seconds = 1.0;
    if (argc > 2 && strcmp(argv[1], "--count") == 0) {
        bench_loop_count = atol(argv[2]);
        if (bench_loop_count <= 0)
            return s_usage();
        bench_loop_figures = argv + 3;
        bench_loop_figure_count = argc - 3;
    }
    else
    if (argc > 1) {
        seconds = atof(argv[1]);
        if (seconds <= 0 || argc > 2)
            return s_usage();
    }
    jb_error_t error;
    jb_event_t *event = s_make_event(true);
    jb_event_t *bare = s_make_event(false);
    size_t json_size, bare_json_size;
    char *json = s_encode_json(event, &json_size);
    char *bare_json = s_encode_json(bare, &bare_json_size);
    uint8_t blob [s_BLOB_SIZE];
    for (size_t index = 0; index < sizeof blob; index++)
        blob[index] = (uint8_t) (index * 167 + 13);
    zarmour_t *armour = zarmour_new();      //  base64, standard alphabet, padded
    char *blob_base64 = zarmour_encode(armour, blob, sizeof blob);
    jb_event_t *blob_event = s_make_event(false);
    jb_event_set_datacontenttype(blob_event, "application/octet-stream");
    jb_event_set_data_binary(blob_event, blob, sizeof blob);
    jb_event_t *target = s_make_event(false);       //  what the set figures set

    //  binary mode: the same bytes and the same event both ways
    jb_message_t *message = jb_message_new();
    if (jb_message_encode(message, event, JB_MODE_BINARY, &error))
        s_die("binary encode", &error);
    jb_frame_t frames [2] = { jb_message_frame(message, 0), jb_message_frame(message, 1) };
    msgpack_sbuffer packed;
    msgpack_sbuffer_init(&packed);
    size_t topic_size;
    if (s_msgpack_encode(&packed, event, &topic_size)
    ||  topic_size != frames[0].size || packed.size - topic_size != frames[1].size
    ||  memcmp(packed.data + topic_size, frames[1].data, frames[1].size) != 0)
        s_die("msgpack-c does not write what jbus writes", NULL);
    msgpack_zone *zone = msgpack_zone_new(MSGPACK_ZONE_CHUNK_SIZE);
    s_scratch_t scratch = { NULL, 0 };
    jb_event_t *decoded = NULL;
    if (s_msgpack_decode(frames, zone, &scratch, &decoded) || !jb_event_equal(decoded, event))
        s_die("msgpack-c does not decode the event jbus encoded", NULL);
    jb_event_destroy(&decoded);
    //  the JSON format: an equal event from both decoders
    if (s_cjson_decode(json, json_size, &decoded) || !jb_event_equal(decoded, event))
        s_die("cJSON does not decode the event", NULL);
    jb_event_destroy(&decoded);
    if (s_cjson_decode(bare_json, bare_json_size, &decoded) || !jb_event_equal(decoded, bare))
        s_die("cJSON does not decode the event without data", NULL);
    jb_event_destroy(&decoded);
    //  base64: the same bytes both ways (zarmour's chunk counts a NUL after them)
    zchunk_t *chunk = zarmour_decode(armour, blob_base64);
    if (jb_event_set_extension_text(target, "blob", JB_TYPE_BINARY, blob_base64, &error))
        s_die("base64 decode", &error);
    const jb_value_t *value = jb_event_extension(target, "blob");
    if (!chunk || zchunk_size(chunk) != sizeof blob + 1 || memcmp(zchunk_data(chunk), blob, sizeof blob)
    ||  value->as.binary.size != sizeof blob || memcmp(value->as.binary.bytes, blob, sizeof blob))
        s_die("base64 does not decode to the bytes", NULL);
    zchunk_destroy(&chunk);
    char *blob_json = s_encode_json(blob_event, NULL);
    if (!strstr(blob_json, blob_base64))
        s_die("jbus and zarmour encode base64 differently", NULL);
    free(blob_json);

    printf("jbus %d.%d.%d replacements benchmark: %zu-byte JSON event (%zu without data), "
           "%zu-byte msgpack map, %d-byte blob\n",
           JBUS_VERSION_MAJOR, JBUS_VERSION_MINOR, JBUS_VERSION_PATCH, json_size,
           bare_json_size, frames[1].size, s_BLOB_SIZE);

    //  1. binary mode: src/binary.c vs msgpack-c
    jb_message_t *scratch_message = jb_message_new();
    BENCH("binary-encode-jbus", "jb_message_encode (binary)", seconds, {
        if (jb_message_encode(scratch_message, event, JB_MODE_BINARY, NULL)) abort();
    });
    BENCH("binary-encode-lib", "validate + msgpack-c pack into a reused sbuffer", seconds, {
        if (s_msgpack_encode(&packed, event, &topic_size)) abort();
    });
    BENCH("binary-decode-jbus", "jb_message_decode (binary)", seconds, {
        jb_event_t *made = NULL;
        if (jb_message_decode(frames, 2, NULL, &made, NULL)) abort();
        jb_event_destroy(&made);
    });
    BENCH("binary-decode-lib", "msgpack_unpack (zone) + setters + validate", seconds, {
        jb_event_t *made = NULL;
        if (s_msgpack_decode(frames, zone, &scratch, &made)) abort();
        jb_event_destroy(&made);
    });
    BENCH("validate", "jb_event_validate (in all four above)", seconds, {
        if (jb_event_validate(event, NULL)) abort();
    });

    //  2. the JSON gate: src/json_check.c + src/json.c vs cJSON
    BENCH("json-decode-jbus", "jb_json_decode", seconds, {
        jb_event_t *made = NULL;
        if (jb_json_decode(json, json_size, NULL, &made, NULL)) abort();
        jb_event_destroy(&made);
    });
    BENCH("json-decode-lib", "cJSON parse + walk + print data + setters + validate", seconds, {
        jb_event_t *made = NULL;
        if (s_cjson_decode(json, json_size, &made)) abort();
        jb_event_destroy(&made);
    });
    BENCH("json-nodata-jbus", "jb_json_decode, no data", seconds, {
        jb_event_t *made = NULL;
        if (jb_json_decode(bare_json, bare_json_size, NULL, &made, NULL)) abort();
        jb_event_destroy(&made);
    });
    BENCH("json-nodata-lib", "cJSON parse + walk + setters + validate, no data", seconds, {
        jb_event_t *made = NULL;
        if (s_cjson_decode(bare_json, bare_json_size, &made)) abort();
        jb_event_destroy(&made);
    });
    size_t payload_size = strlen(s_payload);
    BENCH("data-check-jbus", "jb_event_set_data_json (check + copy)", seconds, {
        if (jb_event_set_data_json(target, s_payload, payload_size, NULL)) abort();
    });
    BENCH("data-check-lib", "cJSON parse + delete + jb_event_set_data_text", seconds, {
        cJSON *tree = s_cjson_parse(s_payload, payload_size);
        if (!tree) abort();
        cJSON_Delete(tree);
        if (jb_event_set_data_text(target, s_payload, payload_size)) abort();
    });
    BENCH("data-copy", "jb_event_set_data_text (the copy alone)", seconds, {
        if (jb_event_set_data_text(target, s_payload, payload_size)) abort();
    });

    //  3. base64: src/base64.c vs zarmour
    jb_value_t blob_value = jb_value_binary(blob, sizeof blob);
    BENCH("base64-decode-jbus", "jb_event_set_extension_text (Binary)", seconds, {
        if (jb_event_set_extension_text(target, "blob", JB_TYPE_BINARY, blob_base64, NULL)) abort();
    });
    BENCH("base64-decode-lib", "zarmour_decode + jb_event_set_extension", seconds, {
        zchunk_t *bytes = zarmour_decode(armour, blob_base64);
        if (!bytes) abort();
        //  the chunk holds a NUL after the bytes, and counts it
        jb_value_t decoded_value = jb_value_binary(zchunk_data(bytes), zchunk_size(bytes) - 1);
        if (jb_event_set_extension(target, "blob", &decoded_value, NULL)) abort();
        zchunk_destroy(&bytes);
    });
    BENCH("base64-set", "jb_event_set_extension (the set alone)", seconds, {
        if (jb_event_set_extension(target, "blob", &blob_value, NULL)) abort();
    });
    BENCH("base64-encode-jbus", "jb_json_encode with data_base64", seconds, {
        char *text = NULL;
        if (jb_json_encode(blob_event, &text, NULL, NULL)) abort();
        free(text);
    });
    BENCH("base64-encode-lib", "jb_json_encode without data + zarmour_encode", seconds, {
        char *text = NULL;
        if (jb_json_encode(bare, &text, NULL, NULL)) abort();
        free(text);
        char *armoured = zarmour_encode(armour, blob, sizeof blob);
        if (!armoured) abort();
        free(armoured);
    });
    BENCH("json-encode-nodata", "jb_json_encode without data (the encode alone)", seconds, {
        char *text = NULL;
        if (jb_json_encode(bare, &text, NULL, NULL)) abort();
        free(text);
    });

    //  4. ids: src/id.c vs libuuid
    BENCH("id-jbus", "jb_event_new + destroy", seconds, {
        jb_event_t *made = jb_event_new(s_TYPE, s_SOURCE);
        if (!made) abort();
        jb_event_destroy(&made);
    });
    BENCH("id-lib", "new_empty + setters, uuid_generate_random + unparse", seconds, {
        jb_event_t *made = jb_event_new_empty();
        uuid_t uuid;
        char id [37];
        uuid_generate_random(uuid);
        uuid_unparse_lower(uuid, id);
        jb_timestamp_t now = jb_timestamp_now();
        if (!made || jb_event_set_specversion(made, "1.0") || jb_event_set_id(made, id)
        ||  jb_event_set_type(made, s_TYPE) || jb_event_set_source(made, s_SOURCE)) abort();
        jb_event_set_time(made, &now);
        jb_event_destroy(&made);
    });
    BENCH("id-fixed", "new_empty + setters, a constant id (no id made)", seconds, {
        jb_event_t *made = jb_event_new_empty();
        jb_timestamp_t now = jb_timestamp_now();
        if (!made || jb_event_set_specversion(made, "1.0")
        ||  jb_event_set_id(made, "a0e1c6a2-5b8f-4c1e-9d3a-7f2b6e4c8d10")
        ||  jb_event_set_type(made, s_TYPE) || jb_event_set_source(made, s_SOURCE)) abort();
        jb_event_set_time(made, &now);
        jb_event_destroy(&made);
    });

    jb_message_destroy(&scratch_message);
    jb_message_destroy(&message);
    msgpack_zone_free(zone);
    msgpack_sbuffer_destroy(&packed);
    free(scratch.text);
    zstr_free(&blob_base64);
    zarmour_destroy(&armour);
    jb_event_destroy(&target);
    jb_event_destroy(&blob_event);
    jb_event_destroy(&bare);
    jb_event_destroy(&event);
    free(bare_json);
    free(json);
    return 0;
}
