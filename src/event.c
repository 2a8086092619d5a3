/*  =========================================================================
    event.c - a CloudEvent: attributes, extensions, data, validation
    ========================================================================= */

#include "internal.h"
#include <cjson/cJSON.h>

//  One extension attribute. value's string and byte pointers point at
//  storage that this entry owns.
typedef struct {
    char *name;                 //  lower-case a-z0-9
    jb_value_t value;           //  typed value
} s_extension_t;

struct jb_event {
    char *id;                   //  core attributes, NULL when unset
    char *source;
    char *specversion;
    char *type;
    char *datacontenttype;
    char *dataschema;
    char *subject;
    jb_timestamp_t time;        //  valid when has_time
    bool has_time;
    s_extension_t *extensions;  //  in the order first set
    size_t extension_count;
    size_t extension_capacity;
    jb_data_kind_t data_kind;   //  JB_DATA_NONE when no data
    uint8_t *data;              //  JSON text, text or bytes, always NUL-terminated
    size_t data_size;           //  without the NUL
};

//  Names an extension may not take: the core attributes, which would be
//  ambiguous in every format, and the JSON format's data members.
static const char *s_reserved_names [] = {
    "id", "source", "specversion", "type", "datacontenttype", "dataschema",
    "subject", "time", "data", "data_base64", NULL
};

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

jb_event_t *
jb_event_new_empty(void)
{
    return (jb_event_t *) calloc(1, sizeof(jb_event_t));
}

//  --------------------------------------------------------------------------

jb_event_t *
jb_event_new(const char *type, const char *source)
{
    jb_event_t *self = jb_event_new_empty();
    if (!self)
        return NULL;
    char id [37];
    jb__id_generate(id);
    self->time = jb_timestamp_now();
    self->has_time = true;
    if (jb_event_set_specversion(self, "1.0")
    ||  jb_event_set_id(self, id)
    ||  jb_event_set_type(self, type)
    ||  jb_event_set_source(self, source))
        jb_event_destroy(&self);
    return self;
}

//  --------------------------------------------------------------------------

static void
s_extension_free(s_extension_t *extension)
{
    free(extension->name);
    switch (extension->value.type) {
        case JB_TYPE_STRING:
        case JB_TYPE_URI:
        case JB_TYPE_URI_REF:
            free((char *) extension->value.as.string);
            break;
        case JB_TYPE_BINARY:
            free((uint8_t *) extension->value.as.binary.bytes);
            break;
        default:
            break;
    }
}

//  --------------------------------------------------------------------------

void
jb_event_destroy(jb_event_t **self_p)
{
    assert(self_p);
    jb_event_t *self = *self_p;
    if (!self)
        return;
    free(self->id);
    free(self->source);
    free(self->specversion);
    free(self->type);
    free(self->datacontenttype);
    free(self->dataschema);
    free(self->subject);
    for (size_t index = 0; index < self->extension_count; index++)
        s_extension_free(&self->extensions[index]);
    free(self->extensions);
    free(self->data);
    free(self);
    *self_p = NULL;
}

//  --------------------------------------------------------------------------

jb_event_t *
jb_event_dup(const jb_event_t *self)
{
    assert(self);
    jb_event_t *copy = jb_event_new_empty();
    if (!copy)
        return NULL;
    int rc = jb_event_set_id(copy, self->id)
          || jb_event_set_source(copy, self->source)
          || jb_event_set_specversion(copy, self->specversion)
          || jb_event_set_type(copy, self->type)
          || jb_event_set_datacontenttype(copy, self->datacontenttype)
          || jb_event_set_dataschema(copy, self->dataschema)
          || jb_event_set_subject(copy, self->subject);
    copy->time = self->time;
    copy->has_time = self->has_time;
    for (size_t index = 0; rc == 0 && index < self->extension_count; index++)
        rc = jb_event_set_extension(copy, self->extensions[index].name,
                                    &self->extensions[index].value, NULL);
    if (rc == 0 && self->data_kind != JB_DATA_NONE) {
        copy->data = (uint8_t *) jb__strndup((const char *) self->data, self->data_size);
        if (copy->data) {
            copy->data_kind = self->data_kind;
            copy->data_size = self->data_size;
        }
        else
            rc = JB_ENOMEM;
    }
    if (rc)
        jb_event_destroy(&copy);
    return copy;
}

//  --------------------------------------------------------------------------
//  Core attribute accessors

const char *jb_event_id(const jb_event_t *self) { assert(self); return self->id; }
const char *jb_event_source(const jb_event_t *self) { assert(self); return self->source; }
const char *jb_event_specversion(const jb_event_t *self) { assert(self); return self->specversion; }
const char *jb_event_type(const jb_event_t *self) { assert(self); return self->type; }
const char *jb_event_datacontenttype(const jb_event_t *self) { assert(self); return self->datacontenttype; }
const char *jb_event_dataschema(const jb_event_t *self) { assert(self); return self->dataschema; }
const char *jb_event_subject(const jb_event_t *self) { assert(self); return self->subject; }

const jb_timestamp_t *
jb_event_time(const jb_event_t *self)
{
    assert(self);
    return self->has_time? &self->time: NULL;
}

//  --------------------------------------------------------------------------
//  Replace *field with a copy of value (NULL unsets). The old value is only
//  freed once the copy exists, so a failure leaves the event as it was.

static int
s_set_string(char **field, const char *value)
{
    char *copy = NULL;
    if (value) {
        copy = jb__strndup(value, strlen(value));
        if (!copy)
            return JB_ENOMEM;
    }
    free(*field);
    *field = copy;
    return 0;
}

int jb_event_set_id(jb_event_t *self, const char *id)
    { assert(self); return s_set_string(&self->id, id); }
int jb_event_set_source(jb_event_t *self, const char *source)
    { assert(self); return s_set_string(&self->source, source); }
int jb_event_set_specversion(jb_event_t *self, const char *specversion)
    { assert(self); return s_set_string(&self->specversion, specversion); }
int jb_event_set_type(jb_event_t *self, const char *type)
    { assert(self); return s_set_string(&self->type, type); }
int jb_event_set_datacontenttype(jb_event_t *self, const char *datacontenttype)
    { assert(self); return s_set_string(&self->datacontenttype, datacontenttype); }
int jb_event_set_dataschema(jb_event_t *self, const char *dataschema)
    { assert(self); return s_set_string(&self->dataschema, dataschema); }
int jb_event_set_subject(jb_event_t *self, const char *subject)
    { assert(self); return s_set_string(&self->subject, subject); }

//  --------------------------------------------------------------------------

void
jb_event_set_time(jb_event_t *self, const jb_timestamp_t *time)
{
    assert(self);
    self->has_time = time != NULL;
    if (time)
        self->time = *time;
}

//  --------------------------------------------------------------------------

int
jb_event_set_time_text(jb_event_t *self, const char *text, jb_error_t *error)
{
    assert(self);
    assert(text);
    jb_timestamp_t time;
    if (jb_timestamp_parse(text, strlen(text), &time))
        return jb__error(error, JB_EINVALID, "time",
                         "not an RFC 3339 timestamp: \"%s\"", text);
    jb_event_set_time(self, &time);
    return 0;
}

//  --------------------------------------------------------------------------
//  Why name cannot be an extension attribute's name, or NULL when it can.

static const char *
s_extension_name_problem(const char *name)
{
    if (*name == '\0')
        return "an extension name must not be empty";
    for (const char *cursor = name; *cursor; cursor++)
        if (!((*cursor >= 'a' && *cursor <= 'z') || (*cursor >= '0' && *cursor <= '9')))
            return "an extension name must consist of lower-case letters a-z and digits 0-9";
    for (const char **reserved = s_reserved_names; *reserved; reserved++)
        if (strcmp(name, *reserved) == 0)
            return "a reserved name cannot be an extension attribute";
    return NULL;
}

//  --------------------------------------------------------------------------

static s_extension_t *
s_extension_find(const jb_event_t *self, const char *name)
{
    for (size_t index = 0; index < self->extension_count; index++)
        if (strcmp(self->extensions[index].name, name) == 0)
            return &self->extensions[index];
    return NULL;
}

//  --------------------------------------------------------------------------
//  Copy value into storage that the extension will own.

static int
s_value_copy(const jb_value_t *value, jb_value_t *copy)
{
    *copy = *value;
    switch (value->type) {
        case JB_TYPE_STRING:
        case JB_TYPE_URI:
        case JB_TYPE_URI_REF:
            assert(value->as.string);
            copy->as.string = jb__strndup(value->as.string, strlen(value->as.string));
            return copy->as.string? 0: JB_ENOMEM;
        case JB_TYPE_BINARY: {
            assert(value->as.binary.bytes || value->as.binary.size == 0);
            uint8_t *bytes = (uint8_t *) malloc(value->as.binary.size + 1);
            if (!bytes)
                return JB_ENOMEM;
            if (value->as.binary.size)
                memcpy(bytes, value->as.binary.bytes, value->as.binary.size);
            copy->as.binary.bytes = bytes;
            return 0;
        }
        case JB_TYPE_BOOLEAN:
        case JB_TYPE_INTEGER:
        case JB_TYPE_TIMESTAMP:
            return 0;
    }
    assert(false && "unknown jb_type_t");
    return JB_EINVAL;
}

//  --------------------------------------------------------------------------

int
jb_event_set_extension(jb_event_t *self, const char *name, const jb_value_t *value,
                       jb_error_t *error)
{
    assert(self);
    assert(name);
    const char *problem = s_extension_name_problem(name);
    if (problem)
        return jb__error(error, JB_EINVALID, name, "%s", problem);

    s_extension_t *existing = s_extension_find(self, name);
    if (!value) {
        if (existing) {
            s_extension_free(existing);
            size_t index = (size_t) (existing - self->extensions);
            memmove(existing, existing + 1,
                    (self->extension_count - index - 1) * sizeof(s_extension_t));
            self->extension_count--;
        }
        return 0;
    }
    jb_value_t copy;
    if (s_value_copy(value, &copy))
        return jb__error(error, JB_ENOMEM, name, "out of memory");
    if (existing) {
        s_extension_t replaced = *existing;
        replaced.name = NULL;       //  the entry keeps its name
        s_extension_free(&replaced);
        existing->value = copy;
        return 0;
    }
    if (self->extension_count == self->extension_capacity) {
        size_t capacity = self->extension_capacity? self->extension_capacity * 2: 4;
        s_extension_t *grown = (s_extension_t *)
            realloc(self->extensions, capacity * sizeof(s_extension_t));
        if (!grown)
            goto out_of_memory;
        self->extensions = grown;
        self->extension_capacity = capacity;
    }
    char *name_copy = jb__strndup(name, strlen(name));
    if (!name_copy)
        goto out_of_memory;
    self->extensions[self->extension_count].name = name_copy;
    self->extensions[self->extension_count].value = copy;
    self->extension_count++;
    return 0;

out_of_memory: {
        s_extension_t orphan = { NULL, copy };
        s_extension_free(&orphan);
        return jb__error(error, JB_ENOMEM, name, "out of memory");
    }
}

//  --------------------------------------------------------------------------
//  The canonical string encodings of the type system.

int
jb_event_set_extension_text(jb_event_t *self, const char *name, jb_type_t type,
                            const char *text, jb_error_t *error)
{
    assert(self);
    assert(name);
    assert(text);
    size_t size = strlen(text);
    jb_value_t value;
    value.type = type;
    switch (type) {
        case JB_TYPE_BOOLEAN:
            if (strcmp(text, "true") != 0 && strcmp(text, "false") != 0)
                return jb__error(error, JB_EINVALID, name,
                                 "not a Boolean: \"%.40s\" (true or false)", text);
            value.as.boolean = text[0] == 't';
            break;
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
            value.as.integer = (int32_t) number;
            break;
        }
        case JB_TYPE_STRING:
        case JB_TYPE_URI:
        case JB_TYPE_URI_REF:
            value.as.string = text;
            break;
        case JB_TYPE_TIMESTAMP:
            if (jb_timestamp_parse(text, size, &value.as.timestamp))
                return jb__error(error, JB_EINVALID, name,
                                 "not an RFC 3339 timestamp: \"%.64s\"", text);
            break;
        case JB_TYPE_BINARY: {
            uint8_t *bytes = (uint8_t *) malloc(jb__base64_decoded_max(size));
            if (!bytes)
                return jb__error(error, JB_ENOMEM, name, "out of memory");
            long decoded = jb__base64_decode(text, size, bytes);
            int rc = decoded < 0
                ? jb__error(error, JB_EINVALID, name, "not base64 (RFC 4648) for Binary")
                : jb_event_set_extension(self, name,
                                         &(jb_value_t) { .type = JB_TYPE_BINARY,
                                             .as.binary = { bytes, (size_t) decoded } }, error);
            free(bytes);
            return rc;
        }
        default:
            assert(false && "unknown jb_type_t");
            return JB_EINVAL;
    }
    return jb_event_set_extension(self, name, &value, error);
}

//  --------------------------------------------------------------------------

const jb_value_t *
jb_event_extension(const jb_event_t *self, const char *name)
{
    assert(self);
    assert(name);
    s_extension_t *extension = s_extension_find(self, name);
    return extension? &extension->value: NULL;
}

size_t
jb_event_extension_count(const jb_event_t *self)
{
    assert(self);
    return self->extension_count;
}

const jb_value_t *
jb_event_extension_at(const jb_event_t *self, size_t index, const char **name_p)
{
    assert(self);
    assert(index < self->extension_count);
    if (name_p)
        *name_p = self->extensions[index].name;
    return &self->extensions[index].value;
}

//  --------------------------------------------------------------------------

int
jb__event_set_data(jb_event_t *self, jb_data_kind_t kind, const void *bytes, size_t size)
{
    uint8_t *copy = (uint8_t *) malloc(size + 1);
    if (!copy)
        return JB_ENOMEM;
    if (size)
        memcpy(copy, bytes, size);
    copy[size] = '\0';
    free(self->data);
    self->data = copy;
    self->data_size = size;
    self->data_kind = kind;
    return 0;
}

//  --------------------------------------------------------------------------

//  --------------------------------------------------------------------------

int
jb_event_set_data_json(jb_event_t *self, const char *json, size_t size, jb_error_t *error)
{
    assert(self);
    assert(json);
    if (size == SIZE_MAX)
        size = strlen(json);
    int rc = jb__json_check(json, size, "data", error);
    if (rc)
        return rc;
    if ((!self->datacontenttype && jb_event_set_datacontenttype(self, "application/json"))
    ||  jb__event_set_data(self, JB_DATA_JSON, json, size))
        return jb__error(error, JB_ENOMEM, "data", "out of memory");
    return 0;
}

int
jb_event_set_data_text(jb_event_t *self, const char *text, size_t size)
{
    assert(self);
    assert(text);
    if (!self->datacontenttype && jb_event_set_datacontenttype(self, "text/plain"))
        return JB_ENOMEM;
    return jb__event_set_data(self, JB_DATA_TEXT, text, size == SIZE_MAX? strlen(text): size);
}

int
jb_event_set_data_binary(jb_event_t *self, const void *bytes, size_t size)
{
    assert(self);
    assert(bytes || size == 0);
    return jb__event_set_data(self, JB_DATA_BINARY, bytes, size);
}

void
jb_event_clear_data(jb_event_t *self)
{
    assert(self);
    free(self->data);
    self->data = NULL;
    self->data_size = 0;
    self->data_kind = JB_DATA_NONE;
}

jb_data_kind_t
jb_event_data_kind(const jb_event_t *self)
{
    assert(self);
    return self->data_kind;
}

const void *
jb_event_data(const jb_event_t *self, size_t *size_p)
{
    assert(self);
    if (size_p)
        *size_p = self->data_size;
    return self->data;
}

//  --------------------------------------------------------------------------
//  Validation. Each check names the attribute; the order puts specversion
//  first because a wrong version makes every other rule meaningless.

static int
s_check_required(const char *value, const char *name, jb_error_t *error)
{
    if (!value)
        return jb__error(error, JB_EINVALID, name, "required attribute is missing");
    if (*value == '\0')
        return jb__error(error, JB_EINVALID, name, "must be a non-empty string");
    return 0;
}

static int
s_check_string(const char *value, const char *name, jb_error_t *error)
{
    const char *problem = jb__string_problem(value, strlen(value));
    if (problem)
        return jb__error(error, JB_EINVALID, name, "not a CloudEvents String: %s", problem);
    return 0;
}

static int
s_check_value(const jb_value_t *value, const char *name, jb_error_t *error)
{
    switch (value->type) {
        case JB_TYPE_STRING:
            return s_check_string(value->as.string, name, error);
        case JB_TYPE_URI:
            if (!jb_uri_is_absolute(value->as.string, strlen(value->as.string)))
                return jb__error(error, JB_EINVALID, name,
                                 "not an absolute URI: \"%s\"", value->as.string);
            return 0;
        case JB_TYPE_URI_REF:
            if (!jb_uri_is_reference(value->as.string, strlen(value->as.string)))
                return jb__error(error, JB_EINVALID, name,
                                 "not a URI-reference: \"%s\"", value->as.string);
            return 0;
        case JB_TYPE_BOOLEAN:
        case JB_TYPE_INTEGER:
        case JB_TYPE_BINARY:
        case JB_TYPE_TIMESTAMP:
            return 0;       //  the C types hold only valid values
    }
    return jb__error(error, JB_EINVALID, name, "unknown attribute type");
}

//  The data's kind must agree with datacontenttype, or the event would not
//  come back the same from the JSON format, where the content type decides
//  how "data" is read: a JSON value only under a JSON type (or none), text
//  only under another type, and text must be UTF-8 to become a JSON string.
static int
s_check_data(const jb_event_t *self, jb_error_t *error)
{
    bool json_type = jb_media_type_is_json(self->datacontenttype);
    if (self->data_kind == JB_DATA_JSON && !json_type)
        return jb__error(error, JB_EINVALID, "data", "is a JSON value, but datacontenttype "
                         "\"%.100s\" is not a JSON media type", self->datacontenttype);
    if (self->data_kind == JB_DATA_TEXT) {
        if (json_type)
            return jb__error(error, JB_EINVALID, "data", "is text, which needs a non-JSON "
                             "datacontenttype such as text/plain, not \"%.100s\"",
                             self->datacontenttype? self->datacontenttype: "(none: application/json)");
        if (!jb__utf8_is_valid((const char *) self->data, self->data_size))
            return jb__error(error, JB_EINVALID, "data", "text data is not valid UTF-8");
    }
    return 0;
}

int
jb_event_validate(const jb_event_t *self, jb_error_t *error)
{
    assert(self);
    int rc;
    if ((rc = s_check_required(self->specversion, "specversion", error)))
        return rc;
    if (strcmp(self->specversion, "1.0") != 0)
        return jb__error(error, JB_EINVALID, "specversion",
                         "unsupported version \"%.40s\": jbus speaks CloudEvents \"1.0\"",
                         self->specversion);
    if ((rc = s_check_required(self->id, "id", error))
    ||  (rc = s_check_string(self->id, "id", error))
    ||  (rc = s_check_required(self->source, "source", error))
    ||  (rc = s_check_required(self->type, "type", error))
    ||  (rc = s_check_string(self->type, "type", error)))
        return rc;
    if (!jb_uri_is_reference(self->source, strlen(self->source)))
        return jb__error(error, JB_EINVALID, "source",
                         "not a URI-reference: \"%.200s\"", self->source);
    if (self->datacontenttype) {
        if (*self->datacontenttype == '\0')
            return jb__error(error, JB_EINVALID, "datacontenttype",
                             "must be a media type, not empty");
        if ((rc = s_check_string(self->datacontenttype, "datacontenttype", error)))
            return rc;
        if (!jb_media_type_is_valid(self->datacontenttype))
            return jb__error(error, JB_EINVALID, "datacontenttype",
                             "not an RFC 2046 media type: \"%.200s\"", self->datacontenttype);
    }
    if (self->dataschema) {
        if (*self->dataschema == '\0')
            return jb__error(error, JB_EINVALID, "dataschema", "must be a non-empty URI");
        if (!jb_uri_is_absolute(self->dataschema, strlen(self->dataschema)))
            return jb__error(error, JB_EINVALID, "dataschema",
                             "not an absolute URI: \"%.200s\"", self->dataschema);
    }
    if (self->subject) {
        if (*self->subject == '\0')
            return jb__error(error, JB_EINVALID, "subject",
                             "must be a non-empty string when present");
        if ((rc = s_check_string(self->subject, "subject", error)))
            return rc;
    }
    if ((rc = s_check_data(self, error)))
        return rc;
    for (size_t index = 0; index < self->extension_count; index++) {
        //  names were checked when the extension was set
        const s_extension_t *extension = &self->extensions[index];
        if ((rc = s_check_value(&extension->value, extension->name, error)))
            return rc;
    }
    return 0;
}

//  --------------------------------------------------------------------------

static bool
s_string_equal(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

static bool
s_value_equal(const jb_value_t *a, const jb_value_t *b)
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

static bool
s_json_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

//  RFC 8259 insignificant whitespace around a value
static void
s_trim_json_blanks(const char **text_p, size_t *size_p)
{
    while (*size_p > 0 && s_json_blank((*text_p)[*size_p - 1]))
        (*size_p)--;
    while (*size_p > 0 && s_json_blank(**text_p))
        (*text_p)++, (*size_p)--;
}

//  JSON data is compared as JSON values, so formatting does not matter.
static bool
s_data_equal(const jb_event_t *a, const jb_event_t *b)
{
    if (a->data_kind != b->data_kind)
        return false;
    if (a->data_kind == JB_DATA_NONE)
        return true;
    if (a->data_size == b->data_size && memcmp(a->data, b->data, a->data_size) == 0)
        return true;
    if (a->data_kind != JB_DATA_JSON)
        return false;
    //  the same text but for whitespace around it is the same value, whatever
    //  cJSON makes of it (duplicate names, numbers beyond a double)
    const char *text_a = (const char *) a->data, *text_b = (const char *) b->data;
    size_t size_a = a->data_size, size_b = b->data_size;
    s_trim_json_blanks(&text_a, &size_a);
    s_trim_json_blanks(&text_b, &size_b);
    if (size_a == size_b && memcmp(text_a, text_b, size_a) == 0)
        return true;
    cJSON *tree_a = cJSON_ParseWithLength((const char *) a->data, a->data_size);
    cJSON *tree_b = cJSON_ParseWithLength((const char *) b->data, b->data_size);
    bool equal = tree_a && tree_b && cJSON_Compare(tree_a, tree_b, true);
    cJSON_Delete(tree_a);
    cJSON_Delete(tree_b);
    return equal;
}

bool
jb_event_equal(const jb_event_t *a, const jb_event_t *b)
{
    assert(a);
    assert(b);
    if (!s_string_equal(a->id, b->id)
    ||  !s_string_equal(a->source, b->source)
    ||  !s_string_equal(a->specversion, b->specversion)
    ||  !s_string_equal(a->type, b->type)
    ||  !s_string_equal(a->datacontenttype, b->datacontenttype)
    ||  !s_string_equal(a->dataschema, b->dataschema)
    ||  !s_string_equal(a->subject, b->subject)
    ||  a->has_time != b->has_time
    ||  (a->has_time && jb_timestamp_compare(&a->time, &b->time) != 0)
    ||  a->extension_count != b->extension_count)
        return false;
    for (size_t index = 0; index < a->extension_count; index++) {
        const s_extension_t *extension = &a->extensions[index];
        const s_extension_t *other = s_extension_find(b, extension->name);
        if (!other || !s_value_equal(&extension->value, &other->value))
            return false;
    }
    return s_data_equal(a, b);
}
