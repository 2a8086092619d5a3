/*  =========================================================================
    event.c - a CloudEvent: attributes, extensions, data, validation
    ========================================================================= */

#include <assert.h>
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "jbus.h"
#include "event.h"
#include "error.h"
#include "id.h"
#include "json_check.h"
#include "text.h"
#include "value.h"

//  One extension attribute. value's string and byte pointers point at
//  storage that the event owns (see s_alloc).
typedef struct {
    char *name;                 //  lower-case a-z0-9
    size_t name_size;           //  its length
    jb_value_t value;           //  typed value
    size_t value_size;          //  length of a String, URI or URI-reference
} s_extension_t;

//  A core attribute: its text (NULL when unset) and the text's length.
typedef struct {
    char *text;
    size_t size;
} s_string_t;

//  Bytes of storage inside the event for its strings, extension table and
//  data. A typical event fits, so making or decoding one costs a single
//  allocation instead of one per attribute; what does not fit is allocated
//  on its own. Storage in the arena is not reused when a value is replaced:
//  the arena only fills, so repeated setting falls back to the heap.
#define s_ARENA_SIZE 768

struct jb_event {
    s_string_t core [JB__CORE_COUNT];   //  core attributes, by jb__attribute_t
    jb_timestamp_t time;        //  valid when has_time
    bool has_time;
    s_extension_t *extensions;  //  in the order first set
    size_t extension_count;
    size_t extension_capacity;
    jb_data_kind_t data_kind;   //  JB_DATA_NONE when no data
    uint8_t *data;              //  JSON text, text or bytes, always NUL-terminated
    size_t data_size;           //  without the NUL
    size_t arena_used;          //  bytes of arena handed out
    _Alignas(max_align_t) char arena [s_ARENA_SIZE];
};

//  --------------------------------------------------------------------------

jb_event_t *
jb_event_new_empty(void)
{
    //  the arena needs no clearing, and clearing it would cost more than
    //  the rest of making an event
    jb_event_t *self = (jb_event_t *) malloc(sizeof(jb_event_t));
    if (self)
        memset(self, 0, offsetof(jb_event_t, arena));
    return self;
}

//  --------------------------------------------------------------------------
//  size bytes for a value of the event, aligned to align (a power of two):
//  from the arena while it lasts, else from the heap. Returns NULL when out
//  of memory. Free with s_free.

static void *
s_alloc(jb_event_t *self, size_t size, size_t align)
{
    size_t start = (self->arena_used + align - 1) & ~(align - 1);
    if (start < s_ARENA_SIZE && size <= s_ARENA_SIZE - start) {
        self->arena_used = start + size;
        return self->arena + start;
    }
    return malloc(size? size: 1);
}

//  Give back what s_alloc handed out: heap storage is freed, arena storage
//  stays (the arena only fills).
static void
s_free(jb_event_t *self, const void *pointer)
{
    uintptr_t address = (uintptr_t) pointer;
    uintptr_t arena = (uintptr_t) self->arena;
    if (pointer && address - arena >= s_ARENA_SIZE)
        free((void *) pointer);
}

//  A NUL-terminated copy of size bytes at text, or NULL when out of memory.
static char *
s_copy_text(jb_event_t *self, const char *text, size_t size)
{
    char *copy = (char *) s_alloc(self, size + 1, 1);
    if (copy) {
        if (size)
            memcpy(copy, text, size);
        copy[size] = '\0';
    }
    return copy;
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
    if (jb__event_set_core(self, JB__SPECVERSION, "1.0", 3)
    ||  jb__event_set_core(self, JB__ID, id, 36)
    ||  jb_event_set_type(self, type)
    ||  jb_event_set_source(self, source))
        jb_event_destroy(&self);
    return self;
}

//  --------------------------------------------------------------------------

static void
s_extension_free(jb_event_t *self, s_extension_t *extension)
{
    s_free(self, extension->name);
    switch (extension->value.type) {
        case JB_TYPE_STRING:
        case JB_TYPE_URI:
        case JB_TYPE_URI_REF:
            s_free(self, extension->value.as.string);
            break;
        case JB_TYPE_BINARY:
            s_free(self, extension->value.as.binary.bytes);
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
    for (int which = 0; which < JB__CORE_COUNT; which++)
        s_free(self, self->core[which].text);
    for (size_t index = 0; index < self->extension_count; index++)
        s_extension_free(self, &self->extensions[index]);
    s_free(self, self->extensions);
    s_free(self, self->data);
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
    int rc = 0;
    for (int which = 0; rc == 0 && which < JB__CORE_COUNT; which++)
        if (self->core[which].text)
            rc = jb__event_set_core(copy, (jb__attribute_t) which, self->core[which].text,
                                    self->core[which].size);
    copy->time = self->time;
    copy->has_time = self->has_time;
    for (size_t index = 0; rc == 0 && index < self->extension_count; index++)
        rc = jb_event_set_extension(copy, self->extensions[index].name,
                                    &self->extensions[index].value, NULL);
    if (rc == 0 && self->data_kind != JB_DATA_NONE)
        rc = jb__event_set_data(copy, self->data_kind, self->data, self->data_size);
    if (rc)
        jb_event_destroy(&copy);
    return copy;
}

//  --------------------------------------------------------------------------
//  Core attribute accessors

const char *jb_event_id(const jb_event_t *self)
    { assert(self); return self->core[JB__ID].text; }
const char *jb_event_source(const jb_event_t *self)
    { assert(self); return self->core[JB__SOURCE].text; }
const char *jb_event_specversion(const jb_event_t *self)
    { assert(self); return self->core[JB__SPECVERSION].text; }
const char *jb_event_type(const jb_event_t *self)
    { assert(self); return self->core[JB__TYPE].text; }
const char *jb_event_datacontenttype(const jb_event_t *self)
    { assert(self); return self->core[JB__DATACONTENTTYPE].text; }
const char *jb_event_dataschema(const jb_event_t *self)
    { assert(self); return self->core[JB__DATASCHEMA].text; }
const char *jb_event_subject(const jb_event_t *self)
    { assert(self); return self->core[JB__SUBJECT].text; }

const char *
jb__event_core(const jb_event_t *self, jb__attribute_t which, size_t *size_p)
{
    *size_p = self->core[which].size;
    return self->core[which].text;
}

const jb_timestamp_t *
jb_event_time(const jb_event_t *self)
{
    assert(self);
    return self->has_time? &self->time: NULL;
}

//  --------------------------------------------------------------------------
//  Replace a core attribute with a copy of size bytes at value (NULL
//  unsets). The old value is only released once the copy exists, so a
//  failure leaves the event as it was.

int
jb__event_set_core(jb_event_t *self, jb__attribute_t which, const char *value, size_t size)
{
    char *copy = NULL;
    if (value) {
        copy = s_copy_text(self, value, size);
        if (!copy)
            return JB_ENOMEM;
    }
    s_free(self, self->core[which].text);
    self->core[which].text = copy;
    self->core[which].size = value? size: 0;
    return 0;
}

static int
s_set_string(jb_event_t *self, jb__attribute_t which, const char *value)
{
    assert(self);
    return jb__event_set_core(self, which, value, value? strlen(value): 0);
}

int jb_event_set_id(jb_event_t *self, const char *id)
    { return s_set_string(self, JB__ID, id); }
int jb_event_set_source(jb_event_t *self, const char *source)
    { return s_set_string(self, JB__SOURCE, source); }
int jb_event_set_specversion(jb_event_t *self, const char *specversion)
    { return s_set_string(self, JB__SPECVERSION, specversion); }
int jb_event_set_type(jb_event_t *self, const char *type)
    { return s_set_string(self, JB__TYPE, type); }
int jb_event_set_datacontenttype(jb_event_t *self, const char *datacontenttype)
    { return s_set_string(self, JB__DATACONTENTTYPE, datacontenttype); }
int jb_event_set_dataschema(jb_event_t *self, const char *dataschema)
    { return s_set_string(self, JB__DATASCHEMA, dataschema); }
int jb_event_set_subject(jb_event_t *self, const char *subject)
    { return s_set_string(self, JB__SUBJECT, subject); }

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
//  Which attribute size bytes at name are: a length decides between at
//  most two candidates, so no name is compared more than twice.

jb__attribute_t
jb__attribute_lookup(const char *name, size_t size)
{
    switch (size) {
        case 2:
            return memcmp(name, "id", 2) == 0? JB__ID: JB__EXTENSION;
        case 4:
            return memcmp(name, "type", 4) == 0? JB__TYPE
                 : memcmp(name, "time", 4) == 0? JB__TIME
                 : memcmp(name, "data", 4) == 0? JB__DATA: JB__EXTENSION;
        case 6:
            return memcmp(name, "source", 6) == 0? JB__SOURCE: JB__EXTENSION;
        case 7:
            return memcmp(name, "subject", 7) == 0? JB__SUBJECT: JB__EXTENSION;
        case 10:
            return memcmp(name, "dataschema", 10) == 0? JB__DATASCHEMA: JB__EXTENSION;
        case 11:
            return memcmp(name, "specversion", 11) == 0? JB__SPECVERSION
                 : memcmp(name, "data_base64", 11) == 0? JB__DATA_BASE64: JB__EXTENSION;
        case 15:
            return memcmp(name, "datacontenttype", 15) == 0? JB__DATACONTENTTYPE: JB__EXTENSION;
        default:
            return JB__EXTENSION;
    }
}

//  --------------------------------------------------------------------------
//  Why name cannot be an extension attribute's name, or NULL when it can.
//  Names an extension may not take: the core attributes, which would be
//  ambiguous in every format, and the JSON format's data members.

const char *
jb__extension_name_problem(const char *name, size_t size)
{
    if (size == 0)
        return "an extension name must not be empty";
    for (size_t index = 0; index < size; index++)
        if (!((name[index] >= 'a' && name[index] <= 'z')
           || (name[index] >= '0' && name[index] <= '9')))
            return "an extension name must consist of lower-case letters a-z and digits 0-9";
    if (jb__attribute_lookup(name, size) != JB__EXTENSION)
        return "a reserved name cannot be an extension attribute";
    return NULL;
}

//  --------------------------------------------------------------------------

static s_extension_t *
s_extension_find(const jb_event_t *self, const char *name, size_t size)
{
    for (size_t index = 0; index < self->extension_count; index++)
        if (self->extensions[index].name_size == size
        &&  memcmp(self->extensions[index].name, name, size) == 0)
            return &self->extensions[index];
    return NULL;
}

//  --------------------------------------------------------------------------
//  Copy value into storage that the event owns; a String, URI or
//  URI-reference is string_size bytes at value->as.string.

static int
s_value_copy(jb_event_t *self, const jb_value_t *value, size_t string_size, jb_value_t *copy)
{
    *copy = *value;
    switch (value->type) {
        case JB_TYPE_STRING:
        case JB_TYPE_URI:
        case JB_TYPE_URI_REF:
            assert(value->as.string);
            copy->as.string = s_copy_text(self, value->as.string, string_size);
            return copy->as.string? 0: JB_ENOMEM;
        case JB_TYPE_BINARY: {
            assert(value->as.binary.bytes || value->as.binary.size == 0);
            uint8_t *bytes = (uint8_t *) s_alloc(self, value->as.binary.size + 1, 1);
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
jb__event_append_extension(jb_event_t *self, const char *name, size_t name_size,
                           const jb_value_t *value_in, size_t string_size)
{
    //  value_in may point into the table that growing releases (a value
    //  from jb_event_extension): copy it first. What it points to is
    //  stored apart from the table and stays.
    jb_value_t value_copy = *value_in;
    const jb_value_t *value = &value_copy;
    if (self->extension_count == self->extension_capacity) {
        size_t capacity = self->extension_capacity? self->extension_capacity * 2: 4;
        s_extension_t *grown = (s_extension_t *)
            s_alloc(self, capacity * sizeof(s_extension_t), _Alignof(s_extension_t));
        if (!grown)
            return JB_ENOMEM;
        if (self->extension_count)
            memcpy(grown, self->extensions, self->extension_count * sizeof(s_extension_t));
        s_free(self, self->extensions);
        self->extensions = grown;
        self->extension_capacity = capacity;
    }
    s_extension_t *extension = &self->extensions[self->extension_count];
    extension->name = s_copy_text(self, name, name_size);
    if (!extension->name)
        return JB_ENOMEM;
    extension->name_size = name_size;
    extension->value_size = string_size;
    if (s_value_copy(self, value, string_size, &extension->value)) {
        s_free(self, extension->name);
        return JB_ENOMEM;
    }
    self->extension_count++;
    return 0;
}

//  --------------------------------------------------------------------------
//  Remove the extension name (name_size bytes) when it is set.

static void
s_remove_extension(jb_event_t *self, const char *name, size_t name_size)
{
    s_extension_t *existing = s_extension_find(self, name, name_size);
    if (existing) {
        s_extension_free(self, existing);
        size_t index = (size_t) (existing - self->extensions);
        memmove(existing, existing + 1,
                (self->extension_count - index - 1) * sizeof(s_extension_t));
        self->extension_count--;
    }
}

//  --------------------------------------------------------------------------

int
jb_event_set_extension(jb_event_t *self, const char *name, const jb_value_t *value,
                       jb_error_t *error)
{
    assert(self);
    assert(name);
    size_t name_size = strlen(name);
    const char *problem = jb__extension_name_problem(name, name_size);
    if (problem)
        return jb__error(error, JB_EINVALID, name, "%s", problem);

    if (!value) {
        s_remove_extension(self, name, name_size);
        return 0;
    }
    s_extension_t *existing = s_extension_find(self, name, name_size);
    size_t string_size = value->type == JB_TYPE_STRING || value->type == JB_TYPE_URI
                      || value->type == JB_TYPE_URI_REF? strlen(value->as.string): 0;
    if (existing) {
        jb_value_t copy;
        if (s_value_copy(self, value, string_size, &copy))
            return jb__error(error, JB_ENOMEM, name, "out of memory");
        s_extension_t replaced = *existing;
        replaced.name = NULL;       //  the entry keeps its name
        s_extension_free(self, &replaced);
        existing->value = copy;
        existing->value_size = string_size;
        return 0;
    }
    if (jb__event_append_extension(self, name, name_size, value, string_size))
        return jb__error(error, JB_ENOMEM, name, "out of memory");
    return 0;
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
    jb_value_t value;
    uint8_t *bytes;
    int rc = jb__value_parse(text, type, name, &value, &bytes, error);
    if (rc == 0)
        rc = jb_event_set_extension(self, name, &value, error);
    free(bytes);
    return rc;
}

//  --------------------------------------------------------------------------

const jb_value_t *
jb_event_extension(const jb_event_t *self, const char *name)
{
    assert(self);
    assert(name);
    s_extension_t *extension = s_extension_find(self, name, strlen(name));
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

const jb_value_t *
jb__event_extension_at(const jb_event_t *self, size_t index, const char **name_p,
                       size_t *name_size_p, size_t *string_size_p)
{
    const s_extension_t *extension = &self->extensions[index];
    *name_p = extension->name;
    *name_size_p = extension->name_size;
    *string_size_p = extension->value_size;
    return &extension->value;
}

//  --------------------------------------------------------------------------

int
jb__event_set_data(jb_event_t *self, jb_data_kind_t kind, const void *bytes, size_t size)
{
    uint8_t *copy = (uint8_t *) s_copy_text(self, (const char *) bytes, size);
    if (!copy)
        return JB_ENOMEM;
    s_free(self, self->data);
    self->data = copy;
    self->data_size = size;
    self->data_kind = kind;
    return 0;
}

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
    if ((!self->core[JB__DATACONTENTTYPE].text
         && jb__event_set_core(self, JB__DATACONTENTTYPE, "application/json", 16))
    ||  jb__event_set_data(self, JB_DATA_JSON, json, size))
        return jb__error(error, JB_ENOMEM, "data", "out of memory");
    return 0;
}

int
jb_event_set_data_text(jb_event_t *self, const char *text, size_t size)
{
    assert(self);
    assert(text);
    if (!self->core[JB__DATACONTENTTYPE].text
    &&  jb__event_set_core(self, JB__DATACONTENTTYPE, "text/plain", 10))
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
    s_free(self, self->data);
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
s_check_required(const s_string_t *value, const char *name, jb_error_t *error)
{
    if (!value->text)
        return jb__error(error, JB_EINVALID, name, "required attribute is missing");
    if (value->size == 0)
        return jb__error(error, JB_EINVALID, name, "must be a non-empty string");
    return 0;
}

//  The data's kind must agree with datacontenttype, or the event would not
//  come back the same from the JSON format, where the content type decides
//  how "data" is read: a JSON value only under a JSON type (or none), text
//  only under another type, and text must be UTF-8 to become a JSON string.
static int
s_check_data(const jb_event_t *self, jb_error_t *error)
{
    if (self->data_kind != JB_DATA_JSON && self->data_kind != JB_DATA_TEXT)
        return 0;
    const char *datacontenttype = self->core[JB__DATACONTENTTYPE].text;
    bool json_type = jb_media_type_is_json(datacontenttype);
    if (self->data_kind == JB_DATA_JSON && !json_type)
        return jb__error(error, JB_EINVALID, "data", "is a JSON value, but datacontenttype "
                         "\"%.100s\" is not a JSON media type", datacontenttype);
    if (self->data_kind == JB_DATA_TEXT) {
        if (json_type)
            return jb__error(error, JB_EINVALID, "data", "is text, which needs a non-JSON "
                             "datacontenttype such as text/plain, not \"%.100s\"",
                             datacontenttype? datacontenttype: "(none: application/json)");
        if (!jb__utf8_is_valid((const char *) self->data, self->data_size))
            return jb__error(error, JB_EINVALID, "data", "text data is not valid UTF-8");
    }
    return 0;
}

int
jb_event_validate(const jb_event_t *self, jb_error_t *error)
{
    assert(self);
    const s_string_t *specversion = &self->core[JB__SPECVERSION];
    const s_string_t *id = &self->core[JB__ID];
    const s_string_t *source = &self->core[JB__SOURCE];
    const s_string_t *type = &self->core[JB__TYPE];
    const s_string_t *datacontenttype = &self->core[JB__DATACONTENTTYPE];
    const s_string_t *dataschema = &self->core[JB__DATASCHEMA];
    const s_string_t *subject = &self->core[JB__SUBJECT];
    int rc;
    if ((rc = s_check_required(specversion, "specversion", error)))
        return rc;
    if (specversion->size != 3 || memcmp(specversion->text, "1.0", 3) != 0)
        return jb__error(error, JB_EINVALID, "specversion",
                         "unsupported version \"%.40s\": jbus speaks CloudEvents \"1.0\"",
                         specversion->text);
    if ((rc = s_check_required(id, "id", error))
    ||  (rc = jb__string_check(id->text, id->size, "id", error))
    ||  (rc = s_check_required(source, "source", error))
    ||  (rc = s_check_required(type, "type", error))
    ||  (rc = jb__string_check(type->text, type->size, "type", error)))
        return rc;
    if (!jb_uri_is_reference(source->text, source->size))
        return jb__error(error, JB_EINVALID, "source",
                         "not a URI-reference: \"%.200s\"", source->text);
    if (datacontenttype->text) {
        if (datacontenttype->size == 0)
            return jb__error(error, JB_EINVALID, "datacontenttype",
                             "must be a media type, not empty");
        if ((rc = jb__string_check(datacontenttype->text, datacontenttype->size,
                                 "datacontenttype", error)))
            return rc;
        if (!jb_media_type_is_valid(datacontenttype->text))
            return jb__error(error, JB_EINVALID, "datacontenttype",
                             "not an RFC 2046 media type: \"%.200s\"", datacontenttype->text);
    }
    if (dataschema->text) {
        if (dataschema->size == 0)
            return jb__error(error, JB_EINVALID, "dataschema", "must be a non-empty URI");
        if (!jb_uri_is_absolute(dataschema->text, dataschema->size))
            return jb__error(error, JB_EINVALID, "dataschema",
                             "not an absolute URI: \"%.200s\"", dataschema->text);
    }
    if (subject->text) {
        if (subject->size == 0)
            return jb__error(error, JB_EINVALID, "subject",
                             "must be a non-empty string when present");
        if ((rc = jb__string_check(subject->text, subject->size, "subject", error)))
            return rc;
    }
    if ((rc = s_check_data(self, error)))
        return rc;
    for (size_t index = 0; index < self->extension_count; index++) {
        //  names were checked when the extension was set
        const s_extension_t *extension = &self->extensions[index];
        if ((rc = jb__value_check(&extension->value, extension->value_size, extension->name,
                                  error)))
            return rc;
    }
    return 0;
}

//  --------------------------------------------------------------------------

static bool
s_string_equal(const s_string_t *a, const s_string_t *b)
{
    if (!a->text || !b->text)
        return a->text == b->text;
    return a->size == b->size && memcmp(a->text, b->text, a->size) == 0;
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
    for (int which = 0; which < JB__CORE_COUNT; which++)
        if (!s_string_equal(&a->core[which], &b->core[which]))
            return false;
    if (a->has_time != b->has_time
    ||  (a->has_time && jb_timestamp_compare(&a->time, &b->time) != 0)
    ||  a->extension_count != b->extension_count)
        return false;
    for (size_t index = 0; index < a->extension_count; index++) {
        const s_extension_t *extension = &a->extensions[index];
        const s_extension_t *other = s_extension_find(b, extension->name, extension->name_size);
        if (!other || !jb__value_equal(&extension->value, &other->value))
            return false;
    }
    return s_data_equal(a, b);
}
