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
    ========================================================================= */

#include "internal.h"

//  Nesting deeper than this is rejected (cJSON's limit too).
#define s_DEPTH_MAX 1000

typedef struct {
    const unsigned char *start;
    const unsigned char *cursor;
    const unsigned char *end;
    const char *problem;            //  why it failed, static
} s_scanner_t;

static void
s_skip_blanks(s_scanner_t *scanner)
{
    while (scanner->cursor < scanner->end
           && (*scanner->cursor == ' ' || *scanner->cursor == '\t'
               || *scanner->cursor == '\n' || *scanner->cursor == '\r'))
        scanner->cursor++;
}

static bool
s_fail(s_scanner_t *scanner, const char *problem)
{
    scanner->problem = problem;
    return false;
}

static int
s_hex_value(unsigned char c)
{
    return c >= '0' && c <= '9'? c - '0'
         : c >= 'a' && c <= 'f'? c - 'a' + 10
         : c >= 'A' && c <= 'F'? c - 'A' + 10: -1;
}

//  Four hex digits after "\u", or -1.
static long
s_hex4(s_scanner_t *scanner)
{
    if (scanner->end - scanner->cursor < 4)
        return -1;
    long value = 0;
    for (int index = 0; index < 4; index++) {
        int digit = s_hex_value(scanner->cursor[index]);
        if (digit < 0)
            return -1;
        value = value * 16 + digit;
    }
    scanner->cursor += 4;
    return value;
}

//  Bytes that end a run of plain string content: quote, backslash, control
//  characters and the first byte of every multi-byte UTF-8 sequence.
static const uint8_t s_string_stop [256] = {
    [0 ... 0x1F] = 1, ['"'] = 1, ['\\'] = 1, [0x80 ... 0xFF] = 1
};

//  A string, the cursor on its opening quote.
static bool
s_string(s_scanner_t *scanner)
{
    scanner->cursor++;
    while (true) {
        //  the common run: plain ASCII, eight bytes a step while no byte
        //  of the word needs attention, then one table look-up a byte
        while (scanner->end - scanner->cursor >= 8) {
            uint64_t word = jb__word_load(scanner->cursor);
            if ((word & JB__WORD_HIGHS) || jb__word_has_below(word, 0x20)
            ||  jb__word_has_byte(word, '"') || jb__word_has_byte(word, '\\'))
                break;
            scanner->cursor += 8;
        }
        while (scanner->cursor < scanner->end && !s_string_stop[*scanner->cursor])
            scanner->cursor++;
        if (scanner->cursor >= scanner->end)
            return s_fail(scanner, "unterminated string");
        unsigned char c = *scanner->cursor;
        if (c == '"') {
            scanner->cursor++;
            return true;
        }
        if (c < 0x20)
            return s_fail(scanner, "raw control character in a string");
        if (c >= 0x80) {
            //  one UTF-8 sequence; jb__utf8_is_valid checks it exactly
            size_t length = c >= 0xF0? 4: c >= 0xE0? 3: 2;
            if ((size_t) (scanner->end - scanner->cursor) < length
            ||  !jb__utf8_is_valid((const char *) scanner->cursor, length))
                return s_fail(scanner, "invalid UTF-8 in a string");
            scanner->cursor += length;
            continue;
        }
        //  an escape
        scanner->cursor++;
        if (scanner->cursor >= scanner->end)
            return s_fail(scanner, "unterminated escape");
        c = *scanner->cursor++;
        if (strchr("\"\\/bfnrt", c) && c)
            continue;
        if (c != 'u')
            return s_fail(scanner, "unknown escape");
        long unit = s_hex4(scanner);
        if (unit < 0)
            return s_fail(scanner, "bad \\u escape");
        if (unit >= 0xDC00 && unit <= 0xDFFF)
            return s_fail(scanner, "unpaired surrogate");
        if (unit >= 0xD800 && unit <= 0xDBFF) {
            if (scanner->end - scanner->cursor < 2 || scanner->cursor[0] != '\\'
            ||  scanner->cursor[1] != 'u')
                return s_fail(scanner, "unpaired surrogate");
            scanner->cursor += 2;
            long low = s_hex4(scanner);
            if (low < 0xDC00 || low > 0xDFFF)
                return s_fail(scanner, "unpaired surrogate");
        }
    }
}

static bool
s_digits(s_scanner_t *scanner)
{
    const unsigned char *first = scanner->cursor;
    while (scanner->cursor < scanner->end && *scanner->cursor >= '0' && *scanner->cursor <= '9')
        scanner->cursor++;
    return scanner->cursor > first;
}

//  -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
static bool
s_number(s_scanner_t *scanner)
{
    if (*scanner->cursor == '-')
        scanner->cursor++;
    if (scanner->cursor < scanner->end && *scanner->cursor == '0')
        scanner->cursor++;
    else
    if (!s_digits(scanner))
        return s_fail(scanner, "bad number");
    if (scanner->cursor < scanner->end && *scanner->cursor == '.') {
        scanner->cursor++;
        if (!s_digits(scanner))
            return s_fail(scanner, "bad number");
    }
    if (scanner->cursor < scanner->end && (*scanner->cursor == 'e' || *scanner->cursor == 'E')) {
        scanner->cursor++;
        if (scanner->cursor < scanner->end && (*scanner->cursor == '+' || *scanner->cursor == '-'))
            scanner->cursor++;
        if (!s_digits(scanner))
            return s_fail(scanner, "bad number");
    }
    return true;
}

static bool
s_literal(s_scanner_t *scanner, const char *word, size_t length)
{
    if ((size_t) (scanner->end - scanner->cursor) < length
    ||  memcmp(scanner->cursor, word, length) != 0)
        return s_fail(scanner, "unexpected character");
    scanner->cursor += length;
    return true;
}

//  A member's name and its colon, blanks allowed before each.
static bool
s_member_name(s_scanner_t *scanner)
{
    s_skip_blanks(scanner);
    if (scanner->cursor >= scanner->end || *scanner->cursor != '"')
        return s_fail(scanner, "expected a member name");
    if (!s_string(scanner))
        return false;
    s_skip_blanks(scanner);
    if (scanner->cursor >= scanner->end || *scanner->cursor != ':')
        return s_fail(scanner, "expected ':'");
    scanner->cursor++;
    return true;
}

//  One value and everything nested in it. stack holds, per open
//  container, '{' or '['.
static bool
s_value(s_scanner_t *scanner)
{
    char stack [s_DEPTH_MAX];
    size_t depth = 0;
    while (true) {
        //  a value is expected here
        s_skip_blanks(scanner);
        if (scanner->cursor >= scanner->end)
            return s_fail(scanner, "unexpected end");
        unsigned char c = *scanner->cursor;
        bool scalar = true;
        if (c == '{' || c == '[') {
            if (depth == s_DEPTH_MAX)
                return s_fail(scanner, "nested too deeply");
            stack[depth++] = (char) c;
            scanner->cursor++;
            s_skip_blanks(scanner);
            if (scanner->cursor < scanner->end && *scanner->cursor == (c == '{'? '}': ']')) {
                scanner->cursor++;
                depth--;
            }
            else
            if (c == '{') {
                if (!s_member_name(scanner))
                    return false;
                continue;
            }
            else
                continue;
            scalar = false;
        }
        if (scalar) {
            bool ok = c == '"'? s_string(scanner)
                    : c == '-' || (c >= '0' && c <= '9')? s_number(scanner)
                    : c == 't'? s_literal(scanner, "true", 4)
                    : c == 'f'? s_literal(scanner, "false", 5)
                    : c == 'n'? s_literal(scanner, "null", 4)
                    : s_fail(scanner, "unexpected character");
            if (!ok)
                return false;
        }
        //  after a value: close containers, or go on to the next element
        while (true) {
            if (depth == 0)
                return true;
            s_skip_blanks(scanner);
            if (scanner->cursor >= scanner->end)
                return s_fail(scanner, "unexpected end");
            c = *scanner->cursor++;
            char open = stack[depth - 1];
            if (c == (open == '{'? '}': ']')) {
                depth--;
                continue;
            }
            if (c != ',')
                return s_fail(scanner, open == '{'? "expected ',' or '}'": "expected ',' or ']'");
            if (open == '{' && !s_member_name(scanner))
                return false;
            break;
        }
    }
}

//  --------------------------------------------------------------------------

int
jb__json_check(const char *json, size_t size, const char *attribute, jb_error_t *error)
{
    s_scanner_t scanner = {
        (const unsigned char *) json, (const unsigned char *) json,
        (const unsigned char *) json + size, NULL
    };
    if (s_value(&scanner)) {
        s_skip_blanks(&scanner);
        if (scanner.cursor == scanner.end)
            return 0;
        scanner.problem = "trailing bytes after the JSON value";
    }
    return jb__error(error, JB_EPARSE, attribute, "not valid JSON: %s at byte %zu",
                     scanner.problem, (size_t) (scanner.cursor - scanner.start));
}
