/*  =========================================================================
    jbus/media_type.h - media types (RFC 2046, syntax of RFC 9110 8.3.1)

    `datacontenttype` must be a media type: type "/" subtype followed by
    optional parameters, e.g. "application/json; charset=utf-8". These
    helpers check the syntax and classify the type the way the CloudEvents
    JSON event format needs.
    ========================================================================= */

#ifndef JBUS_MEDIA_TYPE_H_INCLUDED
#define JBUS_MEDIA_TYPE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include "jbus/export.h"

#ifdef __cplusplus
extern "C" {
#endif

//  True when text is a media type: token "/" token *( OWS ";" OWS token "="
//  ( token / quoted-string ) ), where token is RFC 9110 tchar+. "xyz",
//  "text/", "/json" and "" are not.
JB_EXPORT bool
    jb_media_type_is_valid(const char *text);

//  True when text declares JSON content as the CloudEvents JSON format
//  defines it: stripped of parameters, it has the form "*/json" or
//  "*/*+json", compared case-insensitively. NULL (no content type) counts
//  as "application/json" and gives true.
JB_EXPORT bool
    jb_media_type_is_json(const char *text);

//  True when text, stripped of parameters, equals essence (e.g.
//  "application/cloudevents+json"), compared case-insensitively.
//  NULL text gives false.
JB_EXPORT bool
    jb_media_type_matches(const char *text, const char *essence);

//  True when text starts with prefix, compared case-insensitively, e.g.
//  prefix "application/cloudevents" for structured-mode detection.
JB_EXPORT bool
    jb_media_type_has_prefix(const char *text, size_t size, const char *prefix);

#ifdef __cplusplus
}
#endif

#endif
