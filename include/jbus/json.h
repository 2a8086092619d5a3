/*  =========================================================================
    jbus/json.h - the CloudEvents JSON event format and JSON batch format

    application/cloudevents+json: one event as a JSON object.
    application/cloudevents-batch+json: a JSON array of such objects ([] too).

    Data follows the format's rules: for a JSON content type (subtype "json"
    or "...+json", parameters ignored; none means application/json)
    data is a JSON value in "data"; for other content types text goes in
    "data" as a string; bytes go base64-encoded in "data_base64". A null
    attribute is unset. Extensions map from JSON by type: integer number to
    Integer, boolean to Boolean, string to String; the JSON format cannot
    express Binary, URI, URI-reference or Timestamp, so a decoder told the
    type of such an extension ("known extensions") converts the string.

    Decoding accepts exactly what the specification accepts: input must be
    one well-formed UTF-8 JSON document, and the event must validate.
    ========================================================================= */

#ifndef JBUS_JSON_H_INCLUDED
#define JBUS_JSON_H_INCLUDED

#include <stddef.h>
#include "jbus/export.h"
#include "jbus/error.h"
#include "jbus/event.h"
#include "jbus/batch.h"

#ifdef __cplusplus
extern "C" {
#endif

#define JB_JSON_MEDIA_TYPE       "application/cloudevents+json"
#define JB_JSON_BATCH_MEDIA_TYPE "application/cloudevents-batch+json"

//  An extension attribute whose type a decoder is told in advance.
typedef struct {
    const char *name;
    jb_type_t type;
} jb_extension_def_t;

//  Decode one event from size bytes of JSON (need not be NUL-terminated).
//  known is NULL or an array of extension definitions ended by { NULL }.
//  Returns 0 and sets *event_p to a new event (free with jb_event_destroy),
//  or JB_EPARSE when the bytes are not one UTF-8 JSON object, or JB_EINVALID
//  when the object is not a valid CloudEvent; error says which attribute
//  and why. *event_p is untouched on failure.
JB_EXPORT int
    jb_json_decode(const char *text, size_t size, const jb_extension_def_t *known,
                   jb_event_t **event_p, jb_error_t *error);

//  Decode a batch (a JSON array of events). All or nothing: one invalid
//  element fails the whole batch, and the error names the element
//  ("... (event 2 of the batch)"). Returns 0 and sets *batch_p (free with
//  jb_batch_destroy), or JB_EPARSE / JB_EINVALID.
JB_EXPORT int
    jb_json_decode_batch(const char *text, size_t size, const jb_extension_def_t *known,
                         jb_batch_t **batch_p, jb_error_t *error);

//  Encode a valid event as one line of JSON. Returns 0 and sets *json_p to
//  NUL-terminated text, which the caller frees with free(), and *size_p
//  (may be NULL) to its length; or JB_EINVALID when the event does not
//  validate, or JB_ENOMEM.
JB_EXPORT int
    jb_json_encode(const jb_event_t *event, char **json_p, size_t *size_p, jb_error_t *error);

//  Encode a batch whose events are all valid, as for jb_json_encode.
JB_EXPORT int
    jb_json_encode_batch(const jb_batch_t *batch, char **json_p, size_t *size_p,
                         jb_error_t *error);

#ifdef __cplusplus
}
#endif

#endif
