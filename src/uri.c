/*  =========================================================================
    uri.c - RFC 3986 syntax checks for the CloudEvents URI types

    A hand-written recursive descent over the RFC 3986 grammar (appendix A).
    It works on (pointer, size) spans, never allocates and never reads past
    size, so it can check an attribute straight out of a wire buffer.

    The grammar makes a left-to-right split unambiguous: "#" can only start
    the fragment and "?" can only start the query (both may appear inside
    the fragment, and "?" inside the query), and "/", "?", "#" all end the
    authority. So each component is cut out first and then checked on its
    own, which keeps every check a flat loop.
    ========================================================================= */

#include "jbus/uri.h"

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

//  Character classes are spelled out rather than taken from <ctype.h>:
//  those depend on the locale and are undefined for negative char values,
//  and RFC 3986 is defined on ASCII alone.

static bool
s_is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
s_is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool
s_is_hexdig(unsigned char c)
{
    return s_is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

//  What a byte is to the runs that make up most of a URI: one bit per kind
//  that some component allows, so that a component's check is one table
//  look-up a byte.
//      unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~"
//      sub-delims = "!" / "$" / "&" / "'" / "(" / ")" / "*" / "+" / "," / ";" / "="
enum {
    s_PLAIN = 1,                //  unreserved or sub-delims: allowed everywhere
    s_COLON = 2,
    s_AT = 4,
    s_SLASH = 8,
    s_QUESTION = 16,
    //  what each component allows besides: path segments are pchar and
    //  "/", query and fragment add "?"
    s_IN_PATH = s_COLON | s_AT | s_SLASH,
    s_IN_QUERY = s_IN_PATH | s_QUESTION
};

static const unsigned char s_uri_class [256] = {
    ['a' ... 'z'] = s_PLAIN, ['A' ... 'Z'] = s_PLAIN, ['0' ... '9'] = s_PLAIN,
    ['-'] = s_PLAIN, ['.'] = s_PLAIN, ['_'] = s_PLAIN, ['~'] = s_PLAIN,
    ['!'] = s_PLAIN, ['$'] = s_PLAIN, ['&'] = s_PLAIN, ['\''] = s_PLAIN, ['('] = s_PLAIN,
    [')'] = s_PLAIN, ['*'] = s_PLAIN, ['+'] = s_PLAIN, [','] = s_PLAIN, [';'] = s_PLAIN,
    ['='] = s_PLAIN,
    [':'] = s_COLON, ['@'] = s_AT, ['/'] = s_SLASH, ['?'] = s_QUESTION
};


//  --------------------------------------------------------------------------
//  True when every byte of the span is unreserved, a sub-delim, of a kind
//  in extra (s_COLON, s_AT, ...), or part of a pct-encoded triplet. Nearly
//  every component of a URI (userinfo, reg-name, path, query, fragment) is
//  such a run; they differ only in extra.

static bool
s_is_run(const char *text, size_t size, unsigned extra)
{
    unsigned allowed = s_PLAIN | extra;
    for (size_t i = 0; i < size; i++) {
        unsigned char c = (unsigned char) text[i];
        if (s_uri_class[c] & allowed)
            continue;
        //  pct-encoded = "%" HEXDIG HEXDIG, both inside the span
        if (c != '%' || size - i < 3
        ||  !s_is_hexdig((unsigned char) text[i + 1])
        ||  !s_is_hexdig((unsigned char) text[i + 2]))
            return false;
        i += 2;
    }
    return true;
}


//  --------------------------------------------------------------------------
//  Return the offset of the first byte c in the span, or size if none.

static size_t
s_find(const char *text, size_t size, char c)
{
    const char *found = memchr(text, c, size);
    return found? (size_t) (found - text): size;
}


//  --------------------------------------------------------------------------
//  dec-octet = "0" / %x31-39 [DIGIT [DIGIT]] with a value up to 255; RFC 3986
//  forbids leading zeros because some resolvers read them as octal.
//  IPv4address = dec-octet "." dec-octet "." dec-octet "." dec-octet

static bool
s_is_ipv4(const char *text, size_t size)
{
    size_t i = 0;
    for (int octet = 0; octet < 4; octet++) {
        if (octet > 0) {
            if (i == size || text[i] != '.')
                return false;
            i++;
        }
        size_t start = i;
        unsigned value = 0;
        while (i < size && i - start < 3 && s_is_digit((unsigned char) text[i]))
            value = value * 10 + (unsigned) (text[i++] - '0');
        size_t digits = i - start;
        if (digits == 0 || value > 255 || (digits > 1 && text[start] == '0'))
            return false;
    }
    return i == size;
}


//  --------------------------------------------------------------------------
//  IPv6address (RFC 3986 3.2.2, the nine alternatives of RFC 4291 2.2):
//  up to eight h16 groups of 1-4 hex digits separated by ":", at most one
//  "::" standing for one or more zero groups, and optionally an IPv4address
//  in place of the last two groups. Counting groups is equivalent to the
//  nine ABNF alternatives and much easier to read.

static bool
s_is_ipv6(const char *text, size_t size)
{
    size_t i = 0;
    int groups = 0;
    bool elided = false;

    if (size >= 2 && text[0] == ':' && text[1] == ':') {
        elided = true;
        i = 2;
    }
    while (i < size) {
        size_t start = i;
        while (i < size && i - start < 5 && s_is_hexdig((unsigned char) text[i]))
            i++;
        if (i < size && text[i] == '.') {
            //  ls32 as an IPv4address: it must run to the end
            if (!s_is_ipv4(text + start, size - start))
                return false;
            groups += 2;
            break;
        }
        if (i == start || i - start > 4)
            return false;
        groups++;
        if (i == size)
            break;
        if (text[i++] != ':' || i == size)
            return false;               //  junk, or a dangling single ":"
        if (text[i] == ':') {
            if (elided)
                return false;           //  "::" may appear only once
            elided = true;
            i++;
        }
    }
    //  "::" stands for at least one group, so it leaves room for seven
    return elided? groups <= 7: groups == 8;
}


//  --------------------------------------------------------------------------
//  IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
//  ABNF literals are case-insensitive, so "V" is allowed too.

static bool
s_is_ipvfuture(const char *text, size_t size)
{
    if (size == 0 || (text[0] != 'v' && text[0] != 'V'))
        return false;
    size_t i = 1;
    while (i < size && s_is_hexdig((unsigned char) text[i]))
        i++;
    if (i == 1 || i == size || text[i] != '.')
        return false;
    i++;
    if (i == size)
        return false;
    for (; i < size; i++) {
        unsigned char c = (unsigned char) text[i];
        if (!(s_uri_class[c] & (s_PLAIN | s_COLON)))
            return false;
    }
    return true;
}


//  --------------------------------------------------------------------------
//  authority = [ userinfo "@" ] host [ ":" port ]
//  userinfo may hold ":" but never "@", so the first "@" ends it. The host
//  is an IP-literal in brackets or a reg-name, which holds no ":", so the
//  next ":" starts the port. IPv4address needs no check of its own here:
//  its characters are a subset of reg-name's, and a syntax check cannot
//  tell "999.1.1.1" the reg-name from a bad address anyway.

static bool
s_is_authority(const char *text, size_t size)
{
    size_t at = s_find(text, size, '@');
    if (at < size) {
        if (!s_is_run(text, at, s_COLON))
            return false;
        text += at + 1;
        size -= at + 1;
    }
    size_t host_end;
    if (size > 0 && text[0] == '[') {
        //  IP-literal = "[" ( IPv6address / IPvFuture ) "]"
        size_t close = s_find(text, size, ']');
        if (close == size)
            return false;
        const char *literal = text + 1;
        size_t literal_size = close - 1;
        if (!s_is_ipv6(literal, literal_size) && !s_is_ipvfuture(literal, literal_size))
            return false;
        host_end = close + 1;
    }
    else {
        host_end = s_find(text, size, ':');
        if (!s_is_run(text, host_end, 0))
            return false;
    }
    if (host_end == size)
        return true;
    if (text[host_end] != ':')
        return false;                   //  e.g. bytes after "]"
    //  port = *DIGIT: empty is allowed
    for (size_t i = host_end + 1; i < size; i++)
        if (!s_is_digit((unsigned char) text[i]))
            return false;
    return true;
}


//  --------------------------------------------------------------------------
//  Check everything after "scheme:" of a URI, or all of a relative-ref:
//      hier-part / relative-part [ "?" query ] [ "#" fragment ]
//  relative selects relative-part, whose path without authority is
//  path-noscheme: a ":" in the first segment would make it read as a
//  scheme. with_fragment is false for absolute-URI.

static bool
s_is_tail(const char *text, size_t size, bool relative, bool with_fragment)
{
    //  fragment = query = *( pchar / "/" / "?" )
    size_t hash = s_find(text, size, '#');
    if (hash < size) {
        if (!with_fragment || !s_is_run(text + hash + 1, size - hash - 1, s_IN_QUERY))
            return false;
        size = hash;
    }
    size_t question = s_find(text, size, '?');
    if (question < size) {
        if (!s_is_run(text + question + 1, size - question - 1, s_IN_QUERY))
            return false;
        size = question;
    }
    //  What is left is the hier-part or relative-part
    if (size >= 2 && text[0] == '/' && text[1] == '/') {
        //  "//" authority path-abempty: the path is empty or starts at
        //  the first "/", which also ends the authority
        size_t slash = 2 + s_find(text + 2, size - 2, '/');
        return s_is_authority(text + 2, slash - 2)
            && s_is_run(text + slash, size - slash, s_IN_PATH);
    }
    //  path-absolute, path-rootless, path-noscheme or path-empty: a leading
    //  "//" was taken above, so only segments of pchar and "/" remain
    if (!s_is_run(text, size, s_IN_PATH))
        return false;
    if (relative) {
        size_t first_segment = s_find(text, size, '/');
        if (s_find(text, first_segment, ':') < first_segment)
            return false;
    }
    return true;
}


//  --------------------------------------------------------------------------
//  scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
//  Return the length of the scheme when the span starts with scheme ":",
//  else 0 (a scheme is never empty).

static size_t
s_scheme_size(const char *text, size_t size)
{
    if (size == 0 || !s_is_alpha((unsigned char) text[0]))
        return 0;
    size_t i = 1;
    while (i < size) {
        unsigned char c = (unsigned char) text[i];
        if (!s_is_alpha(c) && !s_is_digit(c) && c != '+' && c != '-' && c != '.')
            break;
        i++;
    }
    return i < size && text[i] == ':'? i: 0;
}


//  --------------------------------------------------------------------------
//  absolute-URI = scheme ":" hier-part [ "?" query ]

bool
jb_uri_is_absolute(const char *text, size_t size)
{
    assert(text || size == 0);
    size_t scheme = s_scheme_size(text, size);
    return scheme > 0
        && s_is_tail(text + scheme + 1, size - scheme - 1, false, false);
}


//  --------------------------------------------------------------------------
//  URI-reference = URI / relative-ref
//  A span with a valid scheme ":" can never be a relative-ref (its first
//  segment would hold the ":"), so trying both in turn needs no backtracking
//  beyond this one choice.

bool
jb_uri_is_reference(const char *text, size_t size)
{
    assert(text || size == 0);
    if (size == 0)
        return true;                    //  a relative-ref with path-empty
    size_t scheme = s_scheme_size(text, size);
    if (scheme > 0
    &&  s_is_tail(text + scheme + 1, size - scheme - 1, false, true))
        return true;
    return s_is_tail(text, size, true, true);
}
