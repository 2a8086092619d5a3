/*  =========================================================================
    media_type.c - media type syntax and classification

    The syntax check follows RFC 9110 8.3.1 with one deliberate strictness:
    RFC 9110 5.6.6 tolerates empty parameters ("text/plain;"), which the
    older RFC 7231 grammar and the jbus header do not. An event producer
    that writes a content type can always write it cleanly, so jbus does not
    carry the leniency forward.

    The classifiers (is_json, matches, has_prefix) do not validate: they
    answer how a content type should be treated, and a caller that needs a
    valid one checks jb_media_type_is_valid first.
    ========================================================================= */

#include "jbus/media_type.h"

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

//  Character classes are spelled out rather than taken from <ctype.h>,
//  whose answers depend on the locale; media types are ASCII.

//  tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
//          "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
static bool
s_is_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

//  OWS = *( SP / HTAB )
static bool
s_is_ows(char c)
{
    return c == ' ' || c == '\t';
}

static char
s_lower(char c)
{
    return c >= 'A' && c <= 'Z'? (char) (c - 'A' + 'a'): c;
}


//  --------------------------------------------------------------------------
//  Compare size bytes case-insensitively (ASCII only).

static bool
s_equal_nocase(const char *left, const char *right, size_t size)
{
    for (size_t i = 0; i < size; i++)
        if (s_lower(left[i]) != s_lower(right[i]))
            return false;
    return true;
}


//  --------------------------------------------------------------------------
//  Advance past a token (1*tchar) and return the new position, or NULL when
//  there is no token at text.

static const char *
s_skip_token(const char *text)
{
    const char *end = text;
    while (s_is_tchar((unsigned char) *end))
        end++;
    return end > text? end: NULL;
}


//  --------------------------------------------------------------------------
//  Advance past a quoted-string and return the new position, or NULL when
//  text does not start one or it is not closed.
//      quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE
//      qdtext        = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
//      quoted-pair   = "\" ( HTAB / SP / VCHAR / obs-text )
//  obs-text (%x80-FF) is allowed because RFC 9110 still lets recipients
//  accept it, and a charset parameter value is the likely place for it.

static const char *
s_skip_quoted_string(const char *text)
{
    if (*text != '"')
        return NULL;
    const char *cursor = text + 1;
    while (true) {
        unsigned char c = (unsigned char) *cursor;
        if (c == '"')
            return cursor + 1;
        if (c == '\\') {
            //  The escaped byte is HTAB, SP, VCHAR (%x21-7E) or obs-text
            c = (unsigned char) cursor[1];
            if (c != '\t' && c < 0x20)
                return NULL;            //  also catches the terminating NUL
            if (c == 0x7F)
                return NULL;
            cursor += 2;
        }
        else
        if (c == '\t' || (c >= 0x20 && c != 0x7F))
            cursor++;
        else
            return NULL;                //  control byte or end of string
    }
}


//  --------------------------------------------------------------------------
//  Find the essence (type "/" subtype) of text: leading OWS and everything
//  from the first ";" are dropped, then trailing OWS. Returns its start and
//  sets *size_p; the result points into text.

static const char *
s_essence(const char *text, size_t *size_p)
{
    while (s_is_ows(*text))
        text++;
    size_t size = strcspn(text, ";");
    while (size > 0 && s_is_ows(text[size - 1]))
        size--;
    *size_p = size;
    return text;
}


//  --------------------------------------------------------------------------
//  media-type = type "/" subtype parameters
//  parameters = *( OWS ";" OWS parameter )
//  parameter  = token "=" ( token / quoted-string )

bool
jb_media_type_is_valid(const char *text)
{
    if (!text)
        return false;
    const char *cursor = s_skip_token(text);
    if (!cursor || *cursor++ != '/')
        return false;
    cursor = s_skip_token(cursor);
    if (!cursor)
        return false;

    while (*cursor) {
        while (s_is_ows(*cursor))
            cursor++;
        if (*cursor++ != ';')
            return false;               //  also rejects trailing OWS
        while (s_is_ows(*cursor))
            cursor++;
        cursor = s_skip_token(cursor);
        if (!cursor || *cursor++ != '=')
            return false;
        const char *value_end = *cursor == '"'
            ? s_skip_quoted_string(cursor)
            : s_skip_token(cursor);
        if (!value_end)
            return false;
        cursor = value_end;
    }
    return true;
}


//  --------------------------------------------------------------------------
//  The CloudEvents JSON format stores data as JSON when the content type is
//  absent, "*/json" or "*/*+json" (the RFC 6839 structured syntax suffix).

bool
jb_media_type_is_json(const char *text)
{
    if (!text)
        return true;
    size_t size;
    const char *essence = s_essence(text, &size);
    const char *slash = memchr(essence, '/', size);
    if (!slash || slash == essence)
        return false;
    const char *subtype = slash + 1;
    size_t subtype_size = size - (size_t) (subtype - essence);
    if (subtype_size == 4)
        return s_equal_nocase(subtype, "json", 4);
    //  A suffix needs a subtype name in front of it: "+json" alone is not
    return subtype_size > 5
        && s_equal_nocase(subtype + subtype_size - 5, "+json", 5);
}


//  --------------------------------------------------------------------------

bool
jb_media_type_matches(const char *text, const char *essence)
{
    assert(essence);
    if (!text)
        return false;
    size_t size;
    const char *own = s_essence(text, &size);
    return size == strlen(essence) && s_equal_nocase(own, essence, size);
}


//  --------------------------------------------------------------------------
//  text need not be NUL-terminated (it may be a frame or header value), so
//  only the first size bytes are read.

bool
jb_media_type_has_prefix(const char *text, size_t size, const char *prefix)
{
    assert(prefix);
    if (!text)
        return false;
    size_t prefix_size = strlen(prefix);
    return size >= prefix_size && s_equal_nocase(text, prefix, prefix_size);
}
