/*  =========================================================================
    jbus/event.h - a CloudEvent (CloudEvents v1.0)

    A jb_event_t holds the context attributes of one event (id, source,
    specversion, type, datacontenttype, dataschema, subject, time and any
    number of typed extension attributes) and its data, which is absent, a
    JSON value, text, or bytes.

    An event made with jb_event_new() is ready to publish: it gets
    specversion "1.0", a fresh random UUIDv4 id and the current time in UTC
    with microseconds, which the caller may overwrite. jb_event_new_empty()
    sets nothing; decoders use it, so that decoding never invents an
    attribute.

    Setters copy what they are given and do not judge it (except where a
    value cannot be represented at all); jb_event_validate() checks every
    rule of the specification and names the attribute at fault.

    Example:
        jb_event_t *event = jb_event_new ("jerry.work_tracking.task.completed",
                                          "/jerry/work-tracking");
        jb_event_set_subject (event, "WORK-001");
        jb_event_set_data_json (event, "{\"task_id\":\"WORK-001\"}", SIZE_MAX, NULL);
        if (jb_event_validate (event, &error) == 0) ...
        jb_event_destroy (&event);
    ========================================================================= */

#ifndef JBUS_EVENT_H_INCLUDED
#define JBUS_EVENT_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "jbus/export.h"
#include "jbus/error.h"
#include "jbus/timestamp.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct jb_event jb_event_t;

//  The CloudEvents type system, for extension attributes.
typedef enum {
    JB_TYPE_BOOLEAN = 1,
    JB_TYPE_INTEGER,            //  int32 range
    JB_TYPE_STRING,
    JB_TYPE_BINARY,
    JB_TYPE_URI,                //  absolute URI, RFC 3986 4.3
    JB_TYPE_URI_REF,            //  URI-reference, RFC 3986 4.1
    JB_TYPE_TIMESTAMP           //  RFC 3339
} jb_type_t;

//  A typed attribute value. Pointers inside are borrowed: an event copies
//  what it is given, and a value read from an event is valid until that
//  extension is set again or the event is destroyed.
typedef struct {
    jb_type_t type;
    union {
        bool boolean;
        int32_t integer;
        const char *string;     //  STRING, URI, URI_REF: NUL-terminated
        struct {
            const uint8_t *bytes;
            size_t size;
        } binary;
        jb_timestamp_t timestamp;
    } as;
} jb_value_t;

//  What the event's data is.
typedef enum {
    JB_DATA_NONE = 0,           //  no data
    JB_DATA_JSON,               //  a JSON value, held as JSON text
    JB_DATA_TEXT,               //  text (a non-JSON content type, e.g. text/plain)
    JB_DATA_BINARY              //  bytes ("data_base64" in the JSON format)
} jb_data_kind_t;

//  Values, for jb_event_set_extension: jb_value_integer (42) etc.
static inline jb_value_t jb_value_boolean (bool value)
    { jb_value_t result; result.type = JB_TYPE_BOOLEAN; result.as.boolean = value; return result; }
static inline jb_value_t jb_value_integer (int32_t value)
    { jb_value_t result; result.type = JB_TYPE_INTEGER; result.as.integer = value; return result; }
static inline jb_value_t jb_value_string (const char *value)
    { jb_value_t result; result.type = JB_TYPE_STRING; result.as.string = value; return result; }
static inline jb_value_t jb_value_uri (const char *value)
    { jb_value_t result; result.type = JB_TYPE_URI; result.as.string = value; return result; }
static inline jb_value_t jb_value_uri_ref (const char *value)
    { jb_value_t result; result.type = JB_TYPE_URI_REF; result.as.string = value; return result; }
static inline jb_value_t jb_value_binary (const void *bytes, size_t size)
    { jb_value_t result; result.type = JB_TYPE_BINARY;
      result.as.binary.bytes = (const uint8_t *) bytes; result.as.binary.size = size; return result; }
static inline jb_value_t jb_value_timestamp (jb_timestamp_t value)
    { jb_value_t result; result.type = JB_TYPE_TIMESTAMP; result.as.timestamp = value; return result; }

//  The specification's name of a type: "Boolean", "Integer", "String",
//  "Binary", "URI", "URI-reference", "Timestamp". Static string.
JB_EXPORT const char *
    jb_type_name(jb_type_t type);

//  Create an event to publish: specversion "1.0", a new UUIDv4 id, time now
//  (UTC, microseconds), and the given type and source (either may be NULL
//  and set later). Returns NULL when out of memory. Free with
//  jb_event_destroy().
JB_EXPORT jb_event_t *
    jb_event_new(const char *type, const char *source);

//  Create an event with no attribute set at all. Returns NULL when out of
//  memory.
JB_EXPORT jb_event_t *
    jb_event_new_empty(void);

//  Return a deep copy of self, or NULL when out of memory.
JB_EXPORT jb_event_t *
    jb_event_dup(const jb_event_t *self);

//  Destroy the event and set *self_p to NULL. Does nothing when *self_p is
//  NULL, so it is safe to call twice.
JB_EXPORT void
    jb_event_destroy(jb_event_t **self_p);

//  Core attributes. Each returns NULL when the attribute is not set. The
//  string is borrowed: valid until the attribute is set again or the event
//  is destroyed.
JB_EXPORT const char *jb_event_id(const jb_event_t *self);
JB_EXPORT const char *jb_event_source(const jb_event_t *self);
JB_EXPORT const char *jb_event_specversion(const jb_event_t *self);
JB_EXPORT const char *jb_event_type(const jb_event_t *self);
JB_EXPORT const char *jb_event_datacontenttype(const jb_event_t *self);
JB_EXPORT const char *jb_event_dataschema(const jb_event_t *self);
JB_EXPORT const char *jb_event_subject(const jb_event_t *self);

//  The time attribute, or NULL when not set. Borrowed, like the strings.
JB_EXPORT const jb_timestamp_t *
    jb_event_time(const jb_event_t *self);

//  Set (copy) a core attribute; NULL unsets it. Return 0, or JB_ENOMEM.
JB_EXPORT int jb_event_set_id(jb_event_t *self, const char *id);
JB_EXPORT int jb_event_set_source(jb_event_t *self, const char *source);
JB_EXPORT int jb_event_set_specversion(jb_event_t *self, const char *specversion);
JB_EXPORT int jb_event_set_type(jb_event_t *self, const char *type);
JB_EXPORT int jb_event_set_datacontenttype(jb_event_t *self, const char *datacontenttype);
JB_EXPORT int jb_event_set_dataschema(jb_event_t *self, const char *dataschema);
JB_EXPORT int jb_event_set_subject(jb_event_t *self, const char *subject);

//  Set the time; NULL unsets it.
JB_EXPORT void
    jb_event_set_time(jb_event_t *self, const jb_timestamp_t *time);

//  Set the time from RFC 3339 text. Returns 0, or JB_EINVALID (details in
//  error) and leaves the time unchanged.
JB_EXPORT int
    jb_event_set_time_text(jb_event_t *self, const char *text, jb_error_t *error);

//  Set (copy) the extension attribute name to value, replacing any earlier
//  value; a NULL value removes it. The name must be lower-case a-z and 0-9
//  and not the name of a core attribute, "data" or "data_base64". Returns
//  0, JB_EINVALID for a bad name (details in error), or JB_ENOMEM.
//  Extensions keep the order in which they were first set.
JB_EXPORT int
    jb_event_set_extension(jb_event_t *self, const char *name, const jb_value_t *value,
                           jb_error_t *error);

//  Set the extension attribute name from the canonical string encoding of
//  type, as the specification defines it: Boolean "true" or "false";
//  Integer a whole decimal number in the int32 range, optionally negative;
//  Binary base64 (RFC 4648); Timestamp RFC 3339; String, URI and
//  URI-reference the text itself (their syntax is checked by
//  jb_event_validate). Returns 0, JB_EINVALID for a bad name or text
//  (details in error, the extension unchanged), or JB_ENOMEM.
JB_EXPORT int
    jb_event_set_extension_text(jb_event_t *self, const char *name, jb_type_t type,
                                const char *text, jb_error_t *error);

//  The extension attribute name, or NULL when not set. Borrowed.
JB_EXPORT const jb_value_t *
    jb_event_extension(const jb_event_t *self, const char *name);

//  Number of extension attributes.
JB_EXPORT size_t
    jb_event_extension_count(const jb_event_t *self);

//  The extension at index (0 .. count-1); its name through name_p.
//  Both borrowed.
JB_EXPORT const jb_value_t *
    jb_event_extension_at(const jb_event_t *self, size_t index, const char **name_p);

//  Set the data to a JSON value given as size bytes of JSON text (SIZE_MAX:
//  text is NUL-terminated). Returns 0, JB_EPARSE when the text is not one
//  well-formed UTF-8 JSON value (details in error), or JB_ENOMEM; on
//  failure the data is unchanged. Sets datacontenttype to "application/json"
//  when the event has none, as the specification asks of an event that
//  leaves the JSON format; a content type already set is kept.
JB_EXPORT int
    jb_event_set_data_json(jb_event_t *self, const char *json, size_t size, jb_error_t *error);

//  Set the data to text (SIZE_MAX: NUL-terminated), for a non-JSON content
//  type; sets datacontenttype to "text/plain" when the event has none.
//  Returns 0 or JB_ENOMEM. Validation requires the text to be UTF-8 and the
//  content type not to be a JSON one (in the JSON format it decides how
//  "data" is read back).
JB_EXPORT int
    jb_event_set_data_text(jb_event_t *self, const char *text, size_t size);

//  Set the data to bytes. Returns 0 or JB_ENOMEM.
JB_EXPORT int
    jb_event_set_data_binary(jb_event_t *self, const void *bytes, size_t size);

//  Remove the data.
JB_EXPORT void
    jb_event_clear_data(jb_event_t *self);

//  What the data is.
JB_EXPORT jb_data_kind_t
    jb_event_data_kind(const jb_event_t *self);

//  The data (JSON text, text or bytes) and its size through size_p (may be
//  NULL), or NULL when there is none. JSON and text are NUL-terminated.
//  Borrowed: valid until the data is set again or the event is destroyed.
JB_EXPORT const void *
    jb_event_data(const jb_event_t *self, size_t *size_p);

//  Check the event against every rule of CloudEvents v1.0: required
//  attributes present and non-empty, specversion "1.0", source a
//  URI-reference, dataschema an absolute URI, datacontenttype a media type,
//  subject non-empty, Strings without excluded characters, extension names
//  and values; and that the data fits its content type as the JSON format
//  needs (a JSON value under a JSON type or none, UTF-8 text under another). Returns 0, or JB_EINVALID with the attribute and the reason
//  in error.
JB_EXPORT int
    jb_event_validate(const jb_event_t *self, jb_error_t *error);

//  True when a and b are the same CloudEvent: every attribute equal (time
//  and Timestamp extensions as instants), extensions regardless of order,
//  and the same data (JSON compared as JSON values, not as text).
JB_EXPORT bool
    jb_event_equal(const jb_event_t *a, const jb_event_t *b);

#ifdef __cplusplus
}
#endif

#endif
