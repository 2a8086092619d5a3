/*  =========================================================================
    value.c - extension values: checks, text forms, and extra attributes
    ========================================================================= */

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "jbus.h"
#include "value.h"
#include "base64.h"
#include "error.h"
#include "json.h"
#include "text.h"

//  --------------------------------------------------------------------------

const char *
jb_type_name(jb_type_t type)
{
    switch (type) {
        case JB_TYPE_BOOLEAN:   return "Boolean";
        case JB_TYPE_INTEGER:   return "Integer";
        case JB_TYPE_STRING:    return "String";
        case JB_TYPE_BINARY:    return "Binary";
        case JB_TYPE_URI:       return "URI";
        case JB_TYPE_URI_REF:   return "URI-reference";
        case JB_TYPE_TIMESTAMP: return "Timestamp";
    }
    return "unknown";
}

//  --------------------------------------------------------------------------

//  --------------------------------------------------------------------------
//  The canonical string encodings of the type system.

int
jb__value_parse(const char *text, jb_type_t type, const char *name, jb_value_t *value,
                uint8_t **bytes_p, jb_error_t *error)
{
    size_t size = strlen(text);
    *bytes_p = NULL;
    value->type = type;
    switch (type) {
        case JB_TYPE_BOOLEAN:
            if (strcmp(text, "true") != 0 && strcmp(text, "false") != 0)
                return jb__error(error, JB_EINVALID, name,
                                 "not a Boolean: \"%.40s\" (true or false)", text);
            value->as.boolean = text[0] == 't';
            return 0;
        case JB_TYPE_INTEGER: {
            //  the integer component of a JSON number: no '+', no leading zeros
            const char *digits = text[0] == '-'? text + 1: text;
            bool well_formed = *digits >= '0' && *digits <= '9'
                            && (digits[0] != '0' || digits[1] == '\0')
                            && strspn(digits, "0123456789") == strlen(digits)
                            && strlen(digits) <= 10;
            long long number = well_formed? strtoll(text, NULL, 10): 0;
            if (!well_formed || number < INT32_MIN || number > INT32_MAX)
                return jb__error(error, JB_EINVALID, name,
                                 "not an Integer: \"%.40s\" (a whole number in 32 bits)", text);
            value->as.integer = (int32_t) number;
            return 0;
        }
        case JB_TYPE_STRING:
        case JB_TYPE_URI:
        case JB_TYPE_URI_REF:
            value->as.string = text;
            return 0;
        case JB_TYPE_TIMESTAMP:
            if (jb_timestamp_parse(text, size, &value->as.timestamp))
                return jb__error(error, JB_EINVALID, name,
                                 "not an RFC 3339 timestamp: \"%.64s\"", text);
            return 0;
        case JB_TYPE_BINARY: {
            uint8_t *bytes = (uint8_t *) malloc(jb__base64_decoded_max(size));
            if (!bytes)
                return jb__error(error, JB_ENOMEM, name, "out of memory");
            long decoded = jb__base64_decode(text, size, bytes);
            if (decoded < 0) {
                free(bytes);
                return jb__error(error, JB_EINVALID, name, "not base64 (RFC 4648) for Binary");
            }
            value->as.binary.bytes = bytes;
            value->as.binary.size = (size_t) decoded;
            *bytes_p = bytes;
            return 0;
        }
    }
    assert(false && "unknown jb_type_t");
    return JB_EINVAL;
}

//  --------------------------------------------------------------------------

bool
jb__value_equal(const jb_value_t *a, const jb_value_t *b)
{
    if (a->type != b->type)
        return false;
    switch (a->type) {
        case JB_TYPE_BOOLEAN:   return a->as.boolean == b->as.boolean;
        case JB_TYPE_INTEGER:   return a->as.integer == b->as.integer;
        case JB_TYPE_STRING:
        case JB_TYPE_URI:
        case JB_TYPE_URI_REF:   return strcmp(a->as.string, b->as.string) == 0;
        case JB_TYPE_BINARY:
            return a->as.binary.size == b->as.binary.size
                && (a->as.binary.size == 0
                    || memcmp(a->as.binary.bytes, b->as.binary.bytes, a->as.binary.size) == 0);
        case JB_TYPE_TIMESTAMP:
            return jb_timestamp_compare(&a->as.timestamp, &b->as.timestamp) == 0;
    }
    return false;
}

//  --------------------------------------------------------------------------

int
jb__extra_take(jb__extra_t *extra, const jb_value_t *value, size_t string_size,
               jb_error_t *error)
{
    assert(extra);
    assert(value);
    //  a decoder that checks duplicates itself never gets here twice
    if (extra->present)
        return jb__error(error, JB_EINVALID, extra->name, "appears more than once");
    int rc = jb__value_check(value, string_size, extra->name, error);
    if (rc)
        return rc;
    extra->value = *value;
    extra->string_size = string_size;
    extra->present = true;
    bool text = value->type == JB_TYPE_STRING || value->type == JB_TYPE_URI
             || value->type == JB_TYPE_URI_REF;
    if (text || value->type == JB_TYPE_BINARY) {
        //  what the value points to is the decoder's, gone after the call
        size_t size = text? string_size: value->as.binary.size;
        const void *bytes = text? (const void *) value->as.string: value->as.binary.bytes;
        bool fits = size < extra->text_capacity;
        if (fits) {
            if (size)
                memcpy(extra->text, bytes, size);
            extra->text[size] = '\0';
        }
        if (text)
            extra->value.as.string = fits? extra->text: NULL;
        else
            extra->value.as.binary.bytes = fits? (const uint8_t *) extra->text: NULL;
    }
    return 0;
}

int
jb__extra_take_text(jb__extra_t *extra, jb_type_t type, const char *text, jb_error_t *error)
{
    jb_value_t value;
    uint8_t *bytes;
    int rc = jb__value_parse(text, type, extra->name, &value, &bytes, error);
    if (rc == 0) {
        bool is_text = type == JB_TYPE_STRING || type == JB_TYPE_URI || type == JB_TYPE_URI_REF;
        rc = jb__extra_take(extra, &value, is_text? strlen(text): 0, error);
    }
    free(bytes);
    return rc;
}
