/*  =========================================================================
    jbus/uri.h - RFC 3986 syntax checks for the CloudEvents URI types

    CloudEvents has two URI types: URI, an absolute URI (RFC 3986 section 4.3:
    scheme ":" hier-part [ "?" query ], no fragment), used by `dataschema`;
    and URI-reference (section 4.1: a URI or a relative reference, fragment
    allowed), used by `source`. These functions check syntax only: they do
    not resolve, normalize or look anything up.
    ========================================================================= */

#ifndef JBUS_URI_H_INCLUDED
#define JBUS_URI_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include "jbus/export.h"

#ifdef __cplusplus
extern "C" {
#endif

//  True when the size bytes at text are an absolute-URI (RFC 3986 4.3),
//  e.g. "https://cloudevents.io/schema", "urn:uuid:6e8bc430-9c3a-11d9".
//  The empty string is not.
JB_EXPORT bool
    jb_uri_is_absolute(const char *text, size_t size);

//  True when the size bytes at text are a URI-reference (RFC 3986 4.1),
//  e.g. "/jerry/work-tracking", "#fragment", "//authority/path",
//  "https://cloudevents.io". The empty string is a valid URI-reference
//  in RFC 3986; CloudEvents' non-empty rules are checked by the caller.
JB_EXPORT bool
    jb_uri_is_reference(const char *text, size_t size);

#ifdef __cplusplus
}
#endif

#endif
