/*  =========================================================================
    json_check.c - is this one well-formed JSON text? (RFC 8259)

    Every JSON byte that enters jbus passes through here once: JSON event
    documents, and JSON data given to an event or received in binary mode.
    It walks the text without building anything, with an explicit stack, so
    it checks a typical event in a fraction of the time cJSON takes to build
    a tree and free it again (see docs/performance.md), and deep nesting
    cannot exhaust the C stack. It is strict where cJSON is lenient: strings
    must be UTF-8 without raw control characters, escapes must be complete,
    and surrogates must come in pairs, as the CloudEvents String type asks.

    For an event document it also notes where each member of the event
    object starts and ends (jb__json_outline), so that the decoder reads
    the members from that outline instead of scanning the text again.
    ========================================================================= */

#include <assert.h>
#include <stdlib.h>

#include "jbus.h"
#include "json_check.h"
#include "error.h"
#include "text.h"
#include "word.h"

//  Nesting deeper than this is rejected (cJSON's limit too).
#define s_DEPTH_MAX 1000

typedef struct {
    const unsigned char *start;
    const unsigned char *end;
    const unsigned char *failed_at; //  where it failed
    const char *problem;            //  why it failed, static
    bool escaped;                   //  a string since this was cleared held an escape
    jb__json_outline_t *outline;    //  what to record, or NULL
} s_scanner_t;

//  Returns NULL, so that a failing step can return s_fail(...).
static const unsigned char *
s_fail(s_scanner_t *scanner, const unsigned char *cursor, const char *problem)
{
    scanner->failed_at = cursor;
    scanner->problem = problem;
    return NULL;
}

//  Inline, with the common case first (JSON that a program wrote has no
//  blanks between tokens), so that the compiler can fold the test into the
//  caller's look at the same byte.
static inline const unsigned char *
s_skip_blanks(const unsigned char *cursor, const unsigned char *end)
{
    if (cursor < end && *cursor > ' ')
        return cursor;
    while (cursor < end && (*cursor == ' ' || *cursor == '\t' || *cursor == '\n' || *cursor == '\r'))
        cursor++;
    return cursor;
}

static int
s_hex_value(unsigned char c)
{
    return c >= '0' && c <= '9'? c - '0'
         : c >= 'a' && c <= 'f'? c - 'a' + 10
         : c >= 'A' && c <= 'F'? c - 'A' + 10: -1;
}

//  Four hex digits at cursor (before end), or -1.
static long
s_hex4(const unsigned char *cursor, const unsigned char *end)
{
    if (end - cursor < 4)
        return -1;
    long value = 0;
    for (int index = 0; index < 4; index++) {
        int digit = s_hex_value(cursor[index]);
        if (digit < 0)
            return -1;
        value = value * 16 + digit;
    }
    return value;
}

//  What a byte is inside a string: plain content, or one of the bytes that
//  end a run of it.
enum { s_PLAIN, s_QUOTE, s_ESCAPE, s_CONTROL, s_MULTIBYTE };

static const uint8_t s_string_class [256] = {
    [0 ... 0x1F] = s_CONTROL, ['"'] = s_QUOTE, ['\\'] = s_ESCAPE, [0x80 ... 0xFF] = s_MULTIBYTE
};

//  The escape at cursor, just after its backslash; returns the position
//  after it, or NULL.
static const unsigned char *
s_escape(s_scanner_t *scanner, const unsigned char *cursor)
{
    const unsigned char *end = scanner->end;
    scanner->escaped = true;
    if (cursor >= end)
        return s_fail(scanner, cursor, "unterminated escape");
    unsigned char c = *cursor++;
    if (strchr("\"\\/bfnrt", c) && c)
        return cursor;
    if (c != 'u')
        return s_fail(scanner, cursor, "unknown escape");
    long unit = s_hex4(cursor, end);
    if (unit < 0)
        return s_fail(scanner, cursor, "bad \\u escape");
    cursor += 4;
    if (unit >= 0xDC00 && unit <= 0xDFFF)
        return s_fail(scanner, cursor, "unpaired surrogate");
    if (unit >= 0xD800 && unit <= 0xDBFF) {
        if (end - cursor < 2 || cursor[0] != '\\' || cursor[1] != 'u')
            return s_fail(scanner, cursor, "unpaired surrogate");
        cursor += 2;
        long low = s_hex4(cursor, end);
        if (low < 0)
            return s_fail(scanner, cursor, "unpaired surrogate");
        cursor += 4;
        if (low < 0xDC00 || low > 0xDFFF)
            return s_fail(scanner, cursor, "unpaired surrogate");
    }
    return cursor;
}

//  The rest of a string from cursor, which is inside it: byte by byte
//  up to a byte that needs attention, then on as its class says. Returns
//  the position after the closing quote, or NULL.
static const unsigned char *
s_string_rest(s_scanner_t *scanner, const unsigned char *cursor)
{
    const unsigned char *end = scanner->end;
    while (true) {
        while (end - cursor >= 8) {
            uint64_t word = jb__word_load(cursor);
            uint64_t stops = jb__word_json_specials(word) | (word & JB__WORD_HIGHS);
            if (stops) {
                cursor += jb__word_first(stops);
                break;
            }
            cursor += 8;
        }
        while (cursor < end && s_string_class[*cursor] == s_PLAIN)
            cursor++;
        if (cursor >= end)
            return s_fail(scanner, cursor, "unterminated string");
        switch (s_string_class[*cursor]) {
            case s_QUOTE:
                return cursor + 1;
            case s_CONTROL:
                return s_fail(scanner, cursor, "raw control character in a string");
            case s_MULTIBYTE: {
                //  one UTF-8 sequence; jb__utf8_is_valid checks it exactly
                unsigned char lead = *cursor;
                size_t length = lead >= 0xF0? 4: lead >= 0xE0? 3: 2;
                if ((size_t) (end - cursor) < length
                ||  !jb__utf8_is_valid((const char *) cursor, length))
                    return s_fail(scanner, cursor, "invalid UTF-8 in a string");
                cursor += length;
                break;
            }
            default:
                cursor = s_escape(scanner, cursor + 1);
                if (!cursor)
                    return NULL;
        }
    }
}

//  A string, cursor on its opening quote; returns the position after its
//  closing quote, or NULL. The common string, plain ASCII, is taken eight
//  bytes a step until a word holds a byte that needs attention, which the
//  word tells exactly: when that is the closing quote, the string is done
//  without a call; anything else, and the last bytes of the text, go on in
//  s_string_rest.
static inline const unsigned char *
s_string(s_scanner_t *scanner, const unsigned char *cursor)
{
    const unsigned char *end = scanner->end;
    cursor++;
    while (end - cursor >= 8) {
        uint64_t word = jb__word_load(cursor);
        uint64_t stops = jb__word_json_specials(word) | (word & JB__WORD_HIGHS);
        if (stops) {
            cursor += jb__word_first(stops);
            if (*cursor == '"')
                return cursor + 1;
            break;
        }
        cursor += 8;
    }
    return s_string_rest(scanner, cursor);
}

//  Digits at cursor, at least one; returns the position after them, or
//  NULL when there are none.
static const unsigned char *
s_digits(const unsigned char *cursor, const unsigned char *end)
{
    const unsigned char *first = cursor;
    while (cursor < end && *cursor >= '0' && *cursor <= '9')
        cursor++;
    return cursor > first? cursor: NULL;
}

//  -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
static const unsigned char *
s_number(s_scanner_t *scanner, const unsigned char *cursor)
{
    const unsigned char *end = scanner->end;
    const unsigned char *after;
    if (*cursor == '-')
        cursor++;
    if (cursor < end && *cursor == '0')
        cursor++;
    else
    if ((after = s_digits(cursor, end)))
        cursor = after;
    else
        return s_fail(scanner, cursor, "bad number");
    if (cursor < end && *cursor == '.') {
        if (!(after = s_digits(++cursor, end)))
            return s_fail(scanner, cursor, "bad number");
        cursor = after;
    }
    if (cursor < end && (*cursor == 'e' || *cursor == 'E')) {
        cursor++;
        if (cursor < end && (*cursor == '+' || *cursor == '-'))
            cursor++;
        if (!(after = s_digits(cursor, end)))
            return s_fail(scanner, cursor, "bad number");
        cursor = after;
    }
    return cursor;
}

static const unsigned char *
s_literal(s_scanner_t *scanner, const unsigned char *cursor, const char *word, size_t length)
{
    if ((size_t) (scanner->end - cursor) < length || memcmp(cursor, word, length) != 0)
        return s_fail(scanner, cursor, "unexpected character");
    return cursor + length;
}

//  A member's name and its colon, blanks allowed before each. When member
//  is not NULL, the name is recorded in it.
static inline const unsigned char *
s_member_name(s_scanner_t *scanner, const unsigned char *cursor, jb__json_member_t *member)
{
    const unsigned char *end = scanner->end;
    cursor = s_skip_blanks(cursor, end);
    if (cursor >= end || *cursor != '"')
        return s_fail(scanner, cursor, "expected a member name");
    const unsigned char *name = cursor;
    scanner->escaped = false;
    if (!(cursor = s_string(scanner, cursor)))
        return NULL;
    if (member) {
        member->name = (const char *) name;
        member->name_end = (const char *) cursor;
        member->name_escaped = scanner->escaped;
    }
    cursor = s_skip_blanks(cursor, end);
    if (cursor >= end || *cursor != ':')
        return s_fail(scanner, cursor, "expected ':'");
    return cursor + 1;
}

//  One value at cursor (a value is expected there, blanks may come first)
//  and everything nested in it, inside outside open containers. stack
//  holds, per container opened here, '{' or '['.
static const unsigned char *
s_value(s_scanner_t *scanner, const unsigned char *cursor, size_t outside)
{
    const unsigned char *end = scanner->end;
    char stack [s_DEPTH_MAX];
    size_t depth = 0;
    size_t depth_max = s_DEPTH_MAX - outside;
    while (true) {
        //  a value is expected here
        cursor = s_skip_blanks(cursor, end);
        if (cursor >= end)
            return s_fail(scanner, cursor, "unexpected end");
        unsigned char c = *cursor;
        if (c == '{' || c == '[') {
            if (depth == depth_max)
                return s_fail(scanner, cursor, "nested too deeply");
            stack[depth++] = (char) c;
            cursor = s_skip_blanks(cursor + 1, end);
            if (cursor < end && *cursor == (c == '{'? '}': ']')) {
                cursor++;
                depth--;
            }
            else {
                if (c == '{' && !(cursor = s_member_name(scanner, cursor, NULL)))
                    return NULL;
                continue;
            }
        }
        else {
            cursor = c == '"'? s_string(scanner, cursor)
                   : c == '-' || (c >= '0' && c <= '9')? s_number(scanner, cursor)
                   : c == 't'? s_literal(scanner, cursor, "true", 4)
                   : c == 'f'? s_literal(scanner, cursor, "false", 5)
                   : c == 'n'? s_literal(scanner, cursor, "null", 4)
                   : s_fail(scanner, cursor, "unexpected character");
            if (!cursor)
                return NULL;
        }
        //  after a value: close containers, or go on to the next element
        while (true) {
            if (depth == 0)
                return cursor;
            cursor = s_skip_blanks(cursor, end);
            if (cursor >= end)
                return s_fail(scanner, cursor, "unexpected end");
            c = *cursor++;
            char open = stack[depth - 1];
            if (c == (open == '{'? '}': ']')) {
                depth--;
                continue;
            }
            if (c != ',')
                return s_fail(scanner, cursor,
                              open == '{'? "expected ',' or '}'": "expected ',' or ']'");
            if (open == '{' && !(cursor = s_member_name(scanner, cursor, NULL)))
                return NULL;
            break;
        }
    }
}

//  --------------------------------------------------------------------------
//  Outline: the same walk, but the containers that hold events are walked
//  here, one level at a time, so that s_value needs no recording.

//  A new entry at the end of the outline, or NULL when out of memory (the
//  outline then stops recording and remembers it failed).
static jb__json_member_t *
s_record(s_scanner_t *scanner)
{
    jb__json_outline_t *outline = scanner->outline;
    if (outline->failed)
        return NULL;
    if (outline->count == outline->capacity) {
        size_t capacity = 2 * outline->capacity;
        jb__json_member_t *grown = (jb__json_member_t *) malloc(capacity * sizeof *grown);
        if (!grown) {
            outline->failed = true;
            return NULL;
        }
        memcpy(grown, outline->entries, outline->count * sizeof *grown);
        if (outline->entries != outline->on_stack)
            free(outline->entries);
        outline->entries = grown;
        outline->capacity = capacity;
    }
    jb__json_member_t *entry = &outline->entries[outline->count++];
    entry->name = entry->name_end = NULL;
    entry->name_escaped = entry->value_escaped = false;
    return entry;
}

//  The object or array at cursor, inside outside open containers, with an
//  entry for each member (an object) or element (an array); an array's
//  elements that are objects are outlined in turn. As s_value checks it.
static const unsigned char *
s_outline(s_scanner_t *scanner, const unsigned char *cursor, size_t outside)
{
    const unsigned char *end = scanner->end;
    bool object = *cursor == '{';
    cursor = s_skip_blanks(cursor + 1, end);
    if (cursor < end && *cursor == (object? '}': ']'))
        return cursor + 1;
    while (true) {
        //  an entry's index, not its address, lasts while the outline grows
        jb__json_member_t *entry = s_record(scanner);
        size_t index = scanner->outline->count - 1;
        if (object && !(cursor = s_member_name(scanner, cursor, entry)))
            return NULL;
        cursor = s_skip_blanks(cursor, end);
        if (cursor >= end)
            return s_fail(scanner, cursor, "unexpected end");
        const unsigned char *value = cursor;
        scanner->escaped = false;
        if (!object && *cursor == '{' && outside + 1 < s_DEPTH_MAX)
            cursor = s_outline(scanner, cursor, outside + 1);
        else
            cursor = s_value(scanner, cursor, outside + 1);
        if (!cursor)
            return NULL;
        if (entry) {
            entry = &scanner->outline->entries[index];
            entry->value = (const char *) value;
            entry->value_end = (const char *) cursor;
            entry->value_escaped = object && *value == '"' && scanner->escaped;
        }
        cursor = s_skip_blanks(cursor, end);
        if (cursor >= end)
            return s_fail(scanner, cursor, "unexpected end");
        unsigned char c = *cursor++;
        if (c == (object? '}': ']'))
            return cursor;
        if (c != ',')
            return s_fail(scanner, cursor, object? "expected ',' or '}'": "expected ',' or ']'");
    }
}

//  --------------------------------------------------------------------------

static int
s_check(s_scanner_t *scanner, const char *attribute, jb_error_t *error)
{
    const unsigned char *cursor = s_skip_blanks(scanner->start, scanner->end);
    const unsigned char *value = cursor;
    jb__json_outline_t *outline = scanner->outline;
    //  a single event is the top value, a batch's events its elements
    bool single = outline && outline->level == 0 && cursor < scanner->end;
    if (single)
        s_record(scanner);
    if (outline && cursor < scanner->end && *cursor == (outline->level == 0? '{': '['))
        cursor = s_outline(scanner, cursor, 0);
    else
        cursor = s_value(scanner, cursor, 0);
    if (cursor && single && !outline->failed) {
        outline->entries[0].value = (const char *) value;
        outline->entries[0].value_end = (const char *) cursor;
    }
    if (cursor) {
        cursor = s_skip_blanks(cursor, scanner->end);
        if (cursor == scanner->end)
            return 0;
        s_fail(scanner, cursor, "trailing bytes after the JSON value");
    }
    return jb__error(error, JB_EPARSE, attribute, "not valid JSON: %s at byte %zu",
                     scanner->problem, (size_t) (scanner->failed_at - scanner->start));
}

int
jb__json_check(const char *json, size_t size, const char *attribute, jb_error_t *error)
{
    s_scanner_t scanner = {
        (const unsigned char *) json, (const unsigned char *) json + size, NULL, NULL, false, NULL
    };
    return s_check(&scanner, attribute, error);
}

//  --------------------------------------------------------------------------

int
jb__json_outline(const char *json, size_t size, int level, jb__json_outline_t *outline,
                 jb_error_t *error)
{
    assert(level == 0 || level == 1);
    outline->entries = outline->on_stack;
    outline->count = 0;
    outline->capacity = JB__OUTLINE_ON_STACK;
    outline->level = level;
    outline->failed = false;
    s_scanner_t scanner = {
        (const unsigned char *) json, (const unsigned char *) json + size, NULL, NULL, false,
        outline
    };
    int rc = s_check(&scanner, NULL, error);
    if (rc == 0 && outline->failed)
        rc = jb__error(error, JB_ENOMEM, NULL, "out of memory");
    return rc;
}

void
jb__json_outline_free(jb__json_outline_t *outline)
{
    if (outline->entries != outline->on_stack)
        free(outline->entries);
    outline->entries = outline->on_stack;
    outline->count = 0;
}
