/*  =========================================================================
    json.c - the CloudEvents JSON event format and batch format

    Decoding reads the text once: jb__json_outline checks that it is one
    well-formed JSON text (json_check.c) and notes where each member of the
    event object starts and ends, and whether a string holds an escape. The
    members are then decoded from that outline over the original text: it
    keeps what a parse tree would lose, how a number was written (an Integer
    must be written without fraction or exponent) and where a value starts
    and ends (so JSON data is kept byte for byte instead of being rebuilt,
    and strings with "\u0000" keep their length), and it builds no tree at
    all. A string without escapes is used where it stands in the text.

    Encoding writes the envelope directly into a buffer, without building a
    throw-away tree.
    ========================================================================= */

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

#include "jbus.h"
#include "json.h"
#include "base64.h"
#include "buffer.h"
#include "error.h"
#include "event.h"
#include "json_check.h"
#include "value.h"

//  Bits for the members seen so far, to reject duplicates: one for each
//  jb__attribute_t but JB__EXTENSION.
enum {
    s_SEEN_TIME = 1 << JB__TIME, s_SEEN_DATA = 1 << JB__DATA,
    s_SEEN_DATA_BASE64 = 1 << JB__DATA_BASE64
};

//  State of one decode call: the known extensions and two scratch buffers
//  that are reused for every member instead of allocating per string.
typedef struct {
    const jb_extension_def_t *known;
    jb__extra_t *extras;        //  extensions kept beside the event, not in it
    size_t extra_count;
    jb__buffer_t key;           //  the member name, unescaped
    jb__buffer_t value;         //  a string value, unescaped
} s_decoder_t;

//  --------------------------------------------------------------------------
//  What the value whose first byte is at value is, for messages.

static const char *
s_kind_name(const char *value)
{
    switch (*value) {
        case '"': return "a string";
        case '{': return "an object";
        case '[': return "an array";
        case 't':
        case 'f': return "a boolean";
        case 'n': return "null";
        default:  return "a number";
    }
}

//  --------------------------------------------------------------------------
//  Four hex digits at text, or -1.

static long
s_hex4(const char *text)
{
    long value = 0;
    for (int index = 0; index < 4; index++) {
        char c = text[index];
        int digit = c >= '0' && c <= '9'? c - '0'
                  : c >= 'a' && c <= 'f'? c - 'a' + 10
                  : c >= 'A' && c <= 'F'? c - 'A' + 10: -1;
        if (digit < 0)
            return -1;
        value = value * 16 + digit;
    }
    return value;
}

//  --------------------------------------------------------------------------
//  Unescape the JSON string in [start, end) (quotes included) into buffer;
//  escaped tells whether it holds an escape at all. UTF-16 escapes become
//  UTF-8; an unpaired surrogate is an error, as the CloudEvents String type
//  requires. Returns 0 or -1.

static int
s_unescape(const char *start, const char *end, bool escaped, jb__buffer_t *buffer)
{
    buffer->size = 0;
    buffer->failed = false;
    if (!escaped) {
        //  most strings: one copy, which also ends the buffer with a NUL
        jb__buffer_append(buffer, start + 1, (size_t) (end - start - 2));
        return buffer->failed? -1: 0;
    }
    const char *cursor = start + 1;
    end--;
    while (cursor < end) {
        const char *run = cursor;
        while (cursor < end && *cursor != '\\')
            cursor++;
        jb__buffer_append(buffer, run, (size_t) (cursor - run));
        if (cursor >= end)
            break;
        if (cursor + 1 >= end)
            return -1;
        char escaped_char = cursor[1];
        cursor += 2;
        char single = escaped_char == '"'? '"': escaped_char == '\\'? '\\'
                    : escaped_char == '/'? '/': escaped_char == 'b'? '\b'
                    : escaped_char == 'f'? '\f': escaped_char == 'n'? '\n'
                    : escaped_char == 'r'? '\r': escaped_char == 't'? '\t': 0;
        if (single) {
            jb__buffer_append(buffer, &single, 1);
            continue;
        }
        if (escaped_char != 'u' || end - cursor < 4)
            return -1;
        long code_point = s_hex4(cursor);
        cursor += 4;
        if (code_point < 0 || (code_point >= 0xDC00 && code_point <= 0xDFFF))
            return -1;
        if (code_point >= 0xD800 && code_point <= 0xDBFF) {
            if (end - cursor < 6 || cursor[0] != '\\' || cursor[1] != 'u')
                return -1;
            long low = s_hex4(cursor + 2);
            if (low < 0xDC00 || low > 0xDFFF)
                return -1;
            cursor += 6;
            code_point = 0x10000 + ((code_point - 0xD800) << 10) + (low - 0xDC00);
        }
        char utf8 [4];
        size_t length;
        if (code_point < 0x80) {
            utf8[0] = (char) code_point; length = 1;
        }
        else
        if (code_point < 0x800) {
            utf8[0] = (char) (0xC0 | (code_point >> 6));
            utf8[1] = (char) (0x80 | (code_point & 0x3F)); length = 2;
        }
        else
        if (code_point < 0x10000) {
            utf8[0] = (char) (0xE0 | (code_point >> 12));
            utf8[1] = (char) (0x80 | ((code_point >> 6) & 0x3F));
            utf8[2] = (char) (0x80 | (code_point & 0x3F)); length = 3;
        }
        else {
            utf8[0] = (char) (0xF0 | (code_point >> 18));
            utf8[1] = (char) (0x80 | ((code_point >> 12) & 0x3F));
            utf8[2] = (char) (0x80 | ((code_point >> 6) & 0x3F));
            utf8[3] = (char) (0x80 | (code_point & 0x3F)); length = 4;
        }
        jb__buffer_append(buffer, utf8, length);
    }
    jb__buffer_append(buffer, "", 0);      //  ensure the NUL after an empty string
    return buffer->failed? -1: 0;
}

//  --------------------------------------------------------------------------
//  Unescape a string value that becomes an attribute into decoder->value.
//  Attribute values are C strings, so an escaped U+0000 (a control
//  character, which no CloudEvents String may hold) is rejected here while
//  its length is known.

static int
s_unescape_attribute(s_decoder_t *decoder, const jb__json_member_t *member, const char *name,
                     jb_error_t *error)
{
    if (s_unescape(member->value, member->value_end, member->value_escaped, &decoder->value))
        return jb__error(error, decoder->value.failed? JB_ENOMEM: JB_EPARSE, name,
                         "malformed JSON string escape");
    if (decoder->value.size && memchr(decoder->value.data, '\0', decoder->value.size))
        return jb__error(error, JB_EINVALID, name,
                         "not a CloudEvents String: contains a control character");
    return 0;
}

//  The same, but a string without escapes is its text between the quotes,
//  where it stands (no NUL after it): the check has ruled out raw control
//  characters, so it holds no U+0000.

static int
s_attribute_string(s_decoder_t *decoder, const jb__json_member_t *member, const char *name,
                   const char **text_p, size_t *size_p, jb_error_t *error)
{
    if (!member->value_escaped) {
        *text_p = member->value + 1;
        *size_p = (size_t) (member->value_end - member->value - 2);
        return 0;
    }
    int rc = s_unescape_attribute(decoder, member, name, error);
    *text_p = decoder->value.data;
    *size_p = decoder->value.size;
    return rc;
}

//  --------------------------------------------------------------------------
//  An Integer in the JSON format is "only the integer component optionally
//  prefixed with a minus sign", within int32.

static int
s_integer(const jb__json_member_t *member, const char *name, int32_t *integer,
          jb_error_t *error)
{
    const char *cursor = member->value;
    const char *end = member->value_end;
    size_t length = (size_t) (end - member->value);
    int width = length > 40? 40: (int) length;
    if (*cursor == '-')
        cursor++;
    bool digits_only = cursor < end;
    for (const char *digit = cursor; digit < end; digit++)
        if (*digit < '0' || *digit > '9')
            digits_only = false;
    if (!digits_only)
        return jb__error(error, JB_EINVALID, name,
                         "not an Integer: %.*s (a whole number without fraction or exponent)",
                         width, member->value);
    char text [16];
    long long number = length < sizeof text? (memcpy(text, member->value, length),
                                              text[length] = '\0', strtoll(text, NULL, 10))
                                           : INT64_MAX;
    if (number < INT32_MIN || number > INT32_MAX)
        return jb__error(error, JB_EINVALID, name,
                         "Integer out of range: %.*s (must fit in 32 bits)", width, member->value);
    *integer = (int32_t) number;
    return 0;
}

//  --------------------------------------------------------------------------

static const jb_extension_def_t *
s_known(const s_decoder_t *decoder, const char *name)
{
    for (const jb_extension_def_t *def = decoder->known; def && def->name; def++)
        if (strcmp(def->name, name) == 0)
            return def;
    return NULL;
}

//  --------------------------------------------------------------------------
//  A string value of an extension, converted to its known type.

static int
s_extension_from_string(s_decoder_t *decoder, jb_event_t *event, const char *name,
                        jb_type_t type, const jb__json_member_t *member, jb_error_t *error)
{
    if (type == JB_TYPE_INTEGER || type == JB_TYPE_BOOLEAN)
        return jb__error(error, JB_EINVALID, name,
                         "must be a JSON %s for a %s attribute, not a string",
                         type == JB_TYPE_INTEGER? "number": "boolean", jb_type_name(type));
    int rc = s_unescape_attribute(decoder, member, name, error);
    if (rc)
        return rc;
    size_t extra = jb__extra_index(decoder->extras, decoder->extra_count, name, decoder->key.size);
    if (extra < decoder->extra_count)
        return jb__extra_take_text(&decoder->extras[extra], type, decoder->value.data, error);
    return jb_event_set_extension_text(event, name, type, decoder->value.data, error);
}

//  Add the extension name (the key just read) to the event, or to the
//  extra of that name.

static inline int
s_add_extension(s_decoder_t *decoder, jb_event_t *event, const char *name,
                const jb_value_t *value, size_t string_size, jb_error_t *error)
{
    size_t name_size = decoder->key.size;
    size_t extra = decoder->extra_count
                 ? jb__extra_index(decoder->extras, decoder->extra_count, name, name_size): 0;
    if (extra < decoder->extra_count)
        return jb__extra_take(&decoder->extras[extra], value, string_size, error);
    if (jb__event_append_extension(event, name, name_size, value, string_size))
        return jb__error(error, JB_ENOMEM, name, "out of memory");
    return 0;
}

//  --------------------------------------------------------------------------

static int
s_extension(s_decoder_t *decoder, jb_event_t *event, const char *name,
            const jb__json_member_t *member, jb_error_t *error)
{
    //  A bad name is reported before anything about the value, as the
    //  clearer of the two. The caller has ruled out a second member of the
    //  same name, so a value is appended without looking for an old one.
    size_t name_size = decoder->key.size;
    const char *problem = jb__extension_name_problem(name, name_size);
    if (problem)
        return jb__error(error, JB_EINVALID, name, "%s", problem);
    if (*member->value == 'n')
        return 0;                                   //  null: unset
    const jb_extension_def_t *known = s_known(decoder, name);
    jb_type_t expected = known? known->type: JB_TYPE_STRING;
    jb_value_t value;
    int rc;
    switch (*member->value) {
        case '"': {
            if (expected != JB_TYPE_STRING)
                return s_extension_from_string(decoder, event, name, expected, member, error);
            const char *text;
            size_t size;
            if ((rc = s_attribute_string(decoder, member, name, &text, &size, error)))
                return rc;
            value = jb_value_string(text);
            return s_add_extension(decoder, event, name, &value, size, error);
        }
        case 't':
        case 'f':
            if (known && expected != JB_TYPE_BOOLEAN)
                break;
            value = jb_value_boolean(*member->value == 't');
            return s_add_extension(decoder, event, name, &value, 0, error);
        case '{':
        case '[':
            return jb__error(error, JB_EINVALID, name,
                             "an extension attribute must be a string, an integer or a boolean, "
                             "not %s", s_kind_name(member->value));
        default:
            if (known && expected != JB_TYPE_INTEGER)
                break;
            value.type = JB_TYPE_INTEGER;
            if ((rc = s_integer(member, name, &value.as.integer, error)))
                return rc;
            return s_add_extension(decoder, event, name, &value, 0, error);
    }
    return jb__error(error, JB_EINVALID, name, "must be %s for a %s attribute, not %s",
                     expected == JB_TYPE_BOOLEAN? "a boolean"
                     : expected == JB_TYPE_INTEGER? "a number": "a string",
                     jb_type_name(expected), s_kind_name(member->value));
}

//  --------------------------------------------------------------------------
//  Data, once every attribute is known (its form depends on datacontenttype).

static int
s_data(s_decoder_t *decoder, jb_event_t *event, const jb__json_member_t *data,
       const jb__json_member_t *data_base64, jb_error_t *error)
{
    if (data && data_base64)
        return jb__error(error, JB_EINVALID, "data_base64",
                         "'data' and 'data_base64' cannot both be present");
    int rc = 0;
    if (data_base64) {
        if (*data_base64->value != '"')
            return jb__error(error, JB_EINVALID, "data_base64",
                             "must be a base64 string, not %s", s_kind_name(data_base64->value));
        if (s_unescape(data_base64->value, data_base64->value_end, data_base64->value_escaped,
                       &decoder->value))
            return jb__error(error, JB_EPARSE, "data_base64", "malformed JSON string escape");
        uint8_t *bytes = (uint8_t *) malloc(jb__base64_decoded_max(decoder->value.size));
        if (!bytes)
            return jb__error(error, JB_ENOMEM, "data_base64", "out of memory");
        long decoded = jb__base64_decode(decoder->value.data, decoder->value.size, bytes);
        if (decoded < 0)
            rc = jb__error(error, JB_EINVALID, "data_base64", "not base64 (RFC 4648)");
        else
        if (jb__event_set_data(event, JB_DATA_BINARY, bytes, (size_t) decoded))
            rc = jb__error(error, JB_ENOMEM, "data_base64", "out of memory");
        free(bytes);
        return rc;
    }
    if (!data)
        return 0;
    //  A string under a non-JSON content type is text; anything else is kept
    //  as the JSON value it is, byte for byte.
    if (*data->value == '"' && !jb_media_type_is_json(jb_event_datacontenttype(event))) {
        if (s_unescape(data->value, data->value_end, data->value_escaped, &decoder->value))
            return jb__error(error, JB_EPARSE, "data", "malformed JSON string escape");
        rc = jb__event_set_data(event, JB_DATA_TEXT, decoder->value.data, decoder->value.size);
    }
    else
        rc = jb__event_set_data(event, JB_DATA_JSON, data->value,
                                (size_t) (data->value_end - data->value));
    return rc? jb__error(error, JB_ENOMEM, "data", "out of memory"): 0;
}

//  --------------------------------------------------------------------------
//  One member of the event object.

static int
s_member(s_decoder_t *decoder, jb_event_t *event, const char *name,
         const jb__json_member_t *member, unsigned *seen, const jb__json_member_t **data_p,
         const jb__json_member_t **data_base64_p, jb_error_t *error)
{
    jb__attribute_t which = jb__attribute_lookup(name, decoder->key.size);
    const char *text;
    size_t size;
    int rc;
    if (which < JB__CORE_COUNT) {
        if (*seen & (1u << which))
            return jb__error(error, JB_EINVALID, name, "appears more than once");
        *seen |= 1u << which;
        if (*member->value == 'n')
            return 0;                               //  null: unset
        if (*member->value != '"')
            return jb__error(error, JB_EINVALID, name, "must be a JSON string, not %s",
                             s_kind_name(member->value));
        rc = s_attribute_string(decoder, member, name, &text, &size, error);
        if (rc == 0 && jb__event_set_core(event, which, text, size))
            rc = jb__error(error, JB_ENOMEM, name, "out of memory");
        return rc;
    }
    if (which == JB__TIME) {
        if (*seen & s_SEEN_TIME)
            return jb__error(error, JB_EINVALID, name, "appears more than once");
        *seen |= s_SEEN_TIME;
        if (*member->value == 'n')
            return 0;
        if (*member->value != '"')
            return jb__error(error, JB_EINVALID, name,
                             "must be an RFC 3339 timestamp string, not %s",
                             s_kind_name(member->value));
        if ((rc = s_attribute_string(decoder, member, name, &text, &size, error)))
            return rc;
        jb_timestamp_t time;
        if (jb_timestamp_parse(text, size, &time))
            return jb__error(error, JB_EINVALID, name, "not an RFC 3339 timestamp: \"%.*s\"",
                             size < 64? (int) size: 64, text);
        jb_event_set_time(event, &time);
        return 0;
    }
    if (which == JB__DATA || which == JB__DATA_BASE64) {
        bool is_data = which == JB__DATA;
        unsigned bit = is_data? s_SEEN_DATA: s_SEEN_DATA_BASE64;
        if (*seen & bit)
            return jb__error(error, JB_EINVALID, name, "appears more than once");
        *seen |= bit;
        if (is_data)
            *data_p = member;
        else
        if (*member->value != 'n')
            *data_base64_p = member;                //  a null data_base64 is unset
        return 0;
    }
    size_t extra = decoder->extra_count
                 ? jb__extra_index(decoder->extras, decoder->extra_count, name, decoder->key.size)
                 : 0;
    if (extra < decoder->extra_count? decoder->extras[extra].present
                                    : jb_event_extension(event, name) != NULL)
        return jb__error(error, JB_EINVALID, name, "appears more than once");
    return s_extension(decoder, event, name, member, error);
}

//  --------------------------------------------------------------------------
//  Decode the event at element, whose members follow it in the outline up
//  to end (the next event, or the outline's end).

static int
s_decode_object(s_decoder_t *decoder, const jb__json_member_t *element,
                const jb__json_member_t *end, jb_event_t **event_p, jb_error_t *error)
{
    if (*element->value != '{')
        return jb__error(error, JB_EPARSE, NULL,
                         "a CloudEvent in the JSON format is a JSON object, not %s",
                         s_kind_name(element->value));
    jb_event_t *event = jb_event_new_empty();
    if (!event)
        return jb__error(error, JB_ENOMEM, NULL, "out of memory");
    unsigned seen = 0;
    const jb__json_member_t *data = NULL, *data_base64 = NULL;
    int rc = 0;
    for (const jb__json_member_t *member = element + 1; rc == 0 && member < end; member++) {
        if (s_unescape(member->name, member->name_end, member->name_escaped, &decoder->key)) {
            rc = jb__error(error, JB_EPARSE, NULL, "malformed escape in a member name");
            break;
        }
        const char *name = decoder->key.data;
        if (member->name_escaped && decoder->key.size && memchr(name, '\0', decoder->key.size))
            rc = jb__error(error, JB_EINVALID, NULL,
                           "a member name contains U+0000, which no attribute name can");
        else
            rc = s_member(decoder, event, name, member, &seen, &data, &data_base64, error);
    }
    if (rc == 0)
        rc = s_data(decoder, event, data, data_base64, error);
    if (rc == 0)
        rc = jb_event_validate(event, error);
    if (rc == 0)
        *event_p = event;
    else
        jb_event_destroy(&event);
    return rc;
}

//  --------------------------------------------------------------------------
//  Check that text is one well-formed UTF-8 JSON document and outline it
//  at level (see jb__json_outline); *start_p is its first non-blank byte.

static int
s_outline_document(const char *text, size_t size, int level, jb__json_outline_t *outline,
                   const char **start_p, jb_error_t *error)
{
    //  RFC 8259 8.1: a parser may ignore a byte order mark
    if (size >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        text += 3, size -= 3;
    int rc = jb__json_outline(text, size, level, outline, error);
    if (rc == 0) {
        const char *start = text;
        while (*start == ' ' || *start == '\t' || *start == '\n' || *start == '\r')
            start++;                        //  the check found a value after them
        *start_p = start;
    }
    return rc;
}

static void
s_decoder_free(s_decoder_t *decoder)
{
    jb__buffer_free(&decoder->key);
    jb__buffer_free(&decoder->value);
}

//  --------------------------------------------------------------------------

int
jb_json_decode(const char *text, size_t size, const jb_extension_def_t *known,
               jb_event_t **event_p, jb_error_t *error)
{
    assert(text || size == 0);
    assert(event_p);
    return jb__json_decode_extras(text, size, known, NULL, 0, event_p, error);
}

int
jb__json_decode_extras(const char *text, size_t size, const jb_extension_def_t *known,
                       jb__extra_t *extras, size_t extra_count, jb_event_t **event_p,
                       jb_error_t *error)
{
    jb__json_outline_t outline;
    const char *start;
    int rc = s_outline_document(text, size, 0, &outline, &start, error);
    if (rc == 0) {
        assert(outline.count > 0 && outline.entries[0].value == start);
        s_decoder_t decoder = { known, extras, extra_count, { 0 }, { 0 } };
        rc = s_decode_object(&decoder, outline.entries, outline.entries + outline.count,
                             event_p, error);
        s_decoder_free(&decoder);
    }
    jb__json_outline_free(&outline);
    return rc;
}

//  --------------------------------------------------------------------------
//  Append " (event N of the batch)" to the error's message.

static int
s_batch_error(jb_error_t *error, int rc, size_t index)
{
    if (error) {
        size_t used = strlen(error->message);
        snprintf(error->message + used, sizeof error->message - used,
                 " (event %zu of the batch)", index + 1);
    }
    return rc;
}

int
jb_json_decode_batch(const char *text, size_t size, const jb_extension_def_t *known,
                     jb_batch_t **batch_p, jb_error_t *error)
{
    assert(text || size == 0);
    assert(batch_p);
    jb__json_outline_t outline;
    const char *start;
    int rc = s_outline_document(text, size, 1, &outline, &start, error);
    jb_batch_t *batch = NULL;
    if (rc == 0 && *start != '[')
        rc = jb__error(error, JB_EPARSE, NULL, "a batch is a JSON array, not %s",
                       s_kind_name(start));
    else
    if (rc == 0 && !(batch = jb_batch_new()))
        rc = jb__error(error, JB_ENOMEM, NULL, "out of memory");
    s_decoder_t decoder = { known, NULL, 0, { 0 }, { 0 } };
    const jb__json_member_t *end = outline.entries + outline.count;
    const jb__json_member_t *element = outline.entries;
    for (size_t index = 0; rc == 0 && element < end; index++) {
        const jb__json_member_t *next = element + 1;
        while (next < end && next->name)
            next++;                                 //  the event's members
        jb_event_t *event = NULL;
        rc = s_decode_object(&decoder, element, next, &event, error);
        if (rc == 0)
            rc = jb_batch_append(batch, &event);
        if (rc)
            s_batch_error(error, rc, index);
        element = next;
    }
    s_decoder_free(&decoder);
    jb__json_outline_free(&outline);
    if (rc == 0)
        *batch_p = batch;
    else
        jb_batch_destroy(&batch);
    return rc;
}

//  --------------------------------------------------------------------------
//  Encoder

//  A member's name of name_size bytes, quoted, with a comma before it but
//  for the first member and a colon after it: one copy, not four appends,
//  as every extension and the stamp's two attributes go out so.
static void
s_write_name(jb__buffer_t *buffer, const char *name, size_t name_size, bool *first)
{
    if (!jb__buffer_reserve(buffer, name_size + 4))
        return;
    char *out = buffer->data + buffer->size;
    if (!*first)
        *out++ = ',';
    *first = false;
    *out++ = '"';
    memcpy(out, name, name_size);
    out += name_size;
    *out++ = '"';
    *out++ = ':';
    buffer->size = (size_t) (out - buffer->data);
    buffer->data[buffer->size] = '\0';
}

//  S_write_name of a name known in advance.
#define s_WRITE_NAME(buffer, name, first) s_write_name((buffer), name, sizeof name - 1, (first))

static void
s_write_timestamp(jb__buffer_t *buffer, const jb_timestamp_t *timestamp)
{
    char text [JB_TIMESTAMP_MAX + 2];
    text[0] = '"';
    size_t length = jb_timestamp_format(timestamp, text + 1);
    text[length + 1] = '"';
    jb__buffer_append(buffer, text, length + 2);
}

static void
s_write_base64(jb__buffer_t *buffer, const uint8_t *bytes, size_t size)
{
    size_t length = jb__base64_encoded_size(size);
    if (!jb__buffer_reserve(buffer, length + 2))
        return;
    char *out = buffer->data + buffer->size;
    out[0] = '"';
    jb__base64_encode(bytes, size, out + 1);
    out[length + 1] = '"';
    buffer->size += length + 2;
    buffer->data[buffer->size] = '\0';
}

//  An extension's value; a String, URI or URI-reference is string_size bytes.
static inline void
s_write_value(jb__buffer_t *buffer, const jb_value_t *value, size_t string_size)
{
    switch (value->type) {
        case JB_TYPE_BOOLEAN:
            jb__buffer_append_text(buffer, value->as.boolean? "true": "false");
            break;
        case JB_TYPE_INTEGER:
            jb__buffer_append_int(buffer, value->as.integer);
            break;
        case JB_TYPE_STRING:
        case JB_TYPE_URI:
        case JB_TYPE_URI_REF:
            jb__buffer_append_json_string(buffer, value->as.string, string_size);
            break;
        case JB_TYPE_BINARY:
            s_write_base64(buffer, value->as.binary.bytes, value->as.binary.size);
            break;
        case JB_TYPE_TIMESTAMP:
            s_write_timestamp(buffer, &value->as.timestamp);
            break;
    }
}

void
jb__json_write_event(jb__buffer_t *buffer, const jb_event_t *event, const jb__extras_t *extras)
{
    //  the core members' names, by jb__attribute_t, quoted and with colon
    static const char *const core_names [JB__CORE_COUNT] = {
        "\"specversion\":", "\"id\":", "\"source\":", "\"type\":",
        "\"datacontenttype\":", "\"dataschema\":", "\"subject\":"
    };
    const jb__extra_t *extra_items = extras? extras->items: NULL;
    size_t extra_count = extras? extras->count: 0;
    bool first = true;
    jb__buffer_append(buffer, "{", 1);
    for (int which = 0; which < JB__CORE_COUNT; which++) {
        size_t size;
        const char *value = jb__event_core(event, (jb__attribute_t) which, &size);
        if (!value)
            continue;
        if (!first)
            jb__buffer_append(buffer, ",", 1);
        first = false;
        jb__buffer_append_text(buffer, core_names[which]);
        jb__buffer_append_json_string(buffer, value, size);
    }
    if (jb_event_time(event)) {
        s_WRITE_NAME(buffer, "time", &first);
        s_write_timestamp(buffer, jb_event_time(event));
    }
    size_t count = jb_event_extension_count(event);
    for (size_t index = 0; index < count; index++) {
        const char *name;
        size_t name_size, string_size;
        const jb_value_t *value = jb__event_extension_at(event, index, &name, &name_size,
                                                         &string_size);
        if (extra_count && jb__extra_index(extra_items, extra_count, name, name_size) < extra_count)
            continue;                       //  the extra of that name replaces it
        s_write_name(buffer, name, name_size, &first);
        s_write_value(buffer, value, string_size);
    }
    for (size_t index = 0; index < extra_count; index++) {
        const jb__extra_t *extra = &extra_items[index];
        s_write_name(buffer, extra->name, extra->name_size, &first);
        s_write_value(buffer, &extra->value, extra->string_size);
    }
    size_t size;
    const char *data = (const char *) jb_event_data(event, &size);
    switch (jb_event_data_kind(event)) {
        case JB_DATA_NONE:
            break;
        case JB_DATA_JSON:
            s_WRITE_NAME(buffer, "data", &first);
            jb__buffer_append(buffer, data, size);
            break;
        case JB_DATA_TEXT:
            s_WRITE_NAME(buffer, "data", &first);
            jb__buffer_append_json_string(buffer, data, size);
            break;
        case JB_DATA_BINARY:
            s_WRITE_NAME(buffer, "data_base64", &first);
            s_write_base64(buffer, (const uint8_t *) data, size);
            break;
    }
    jb__buffer_append(buffer, "}", 1);
}

//  --------------------------------------------------------------------------
//  Hand the buffer's text to the caller, who frees it with free().

static int
s_finish(jb__buffer_t *buffer, char **json_p, size_t *size_p, jb_error_t *error)
{
    if (buffer->failed) {
        jb__buffer_free(buffer);
        return jb__error(error, JB_ENOMEM, NULL, "out of memory");
    }
    *json_p = buffer->data;
    if (size_p)
        *size_p = buffer->size;
    return 0;
}

int
jb_json_encode(const jb_event_t *event, char **json_p, size_t *size_p, jb_error_t *error)
{
    assert(event);
    assert(json_p);
    int rc = jb_event_validate(event, error);
    if (rc)
        return rc;
    jb__buffer_t buffer = { 0 };
    jb__json_write_event(&buffer, event, NULL);
    return s_finish(&buffer, json_p, size_p, error);
}

int
jb_json_encode_batch(const jb_batch_t *batch, char **json_p, size_t *size_p, jb_error_t *error)
{
    assert(batch);
    assert(json_p);
    size_t count = jb_batch_size(batch);
    for (size_t index = 0; index < count; index++) {
        int rc = jb_event_validate(jb_batch_at(batch, index), error);
        if (rc)
            return s_batch_error(error, rc, index);
    }
    jb__buffer_t buffer = { 0 };
    jb__buffer_append(&buffer, "[", 1);
    for (size_t index = 0; index < count; index++) {
        if (index)
            jb__buffer_append(&buffer, ",", 1);
        jb__json_write_event(&buffer, jb_batch_at(batch, index), NULL);
    }
    jb__buffer_append(&buffer, "]", 1);
    return s_finish(&buffer, json_p, size_p, error);
}
