/*  =========================================================================
    text.h - CloudEvents String checks, UTF-8 and JSON string quoting
    (private to the library)

    Not installed. Non-static internals are named jb__<name> (STYLE.md).
    ========================================================================= */

#ifndef JBUS_TEXT_PRIVATE_H_INCLUDED
#define JBUS_TEXT_PRIVATE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

//  Why the size bytes at text are not a CloudEvents String (invalid
//  UTF-8, a control character U+0000-U+001F or U+007F-U+009F, a surrogate or
//  a Unicode noncharacter), or NULL when they are one. The reason is static.
const char *
    jb__string_problem(const char *text, size_t size);

//  True when the size bytes at text are well-formed UTF-8.
bool
    jb__utf8_is_valid(const char *text, size_t size);

//  Copy of size bytes plus a NUL, or NULL when out of memory.
char *
    jb__strndup(const char *text, size_t size);

//  Write text as a JSON string literal (quoted and escaped) into
//  buffer; returns the bytes needed (the buffer may be smaller).
size_t
    jb__json_quote(const char *text, size_t size, char *buffer, size_t capacity);

//  Copy the NUL-terminated text into buffer (capacity > 0) safe to show on
//  a terminal: each byte of a control character (U+0000-U+001F,
//  U+007F-U+009F) or of ill-formed UTF-8 becomes \xNN, the rest is kept.
//  What does not fit is cut at a character boundary; always NUL-terminated.
void
    jb__text_escape(const char *text, char *buffer, size_t capacity);

#endif
