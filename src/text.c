/*  =========================================================================
    text.c - UTF-8 and CloudEvents String checks, JSON string quoting

    The CloudEvents String type excludes control characters, surrogates and
    Unicode noncharacters; JSON (RFC 8259) text must be UTF-8. cJSON checks
    neither, so every string that enters an event passes through here.
    ========================================================================= */

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jbus.h"
#include "text.h"
#include "word.h"

//  --------------------------------------------------------------------------
//  Decode one UTF-8 sequence at text[0..size). Returns its length and sets
//  *code_point, or returns 0 for an ill-formed sequence: a bad lead or
//  continuation byte, a truncated sequence, an overlong form, a surrogate
//  (U+D800-U+DFFF) or a code point above U+10FFFF (RFC 3629).

static size_t
s_utf8_decode(const unsigned char *text, size_t size, uint32_t *code_point)
{
    unsigned char lead = text[0];
    if (lead < 0x80) {
        *code_point = lead;
        return 1;
    }
    size_t length;
    uint32_t value, minimum;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2; value = lead & 0x1F; minimum = 0x80;
    }
    else
    if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3; value = lead & 0x0F; minimum = 0x800;
    }
    else
    if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4; value = lead & 0x07; minimum = 0x10000;
    }
    else
        return 0;
    if (size < length)
        return 0;
    for (size_t index = 1; index < length; index++) {
        if ((text[index] & 0xC0) != 0x80)
            return 0;
        value = (value << 6) | (text[index] & 0x3F);
    }
    if (value < minimum || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF))
        return 0;
    *code_point = value;
    return length;
}

//  --------------------------------------------------------------------------

bool
jb__utf8_is_valid(const char *text, size_t size)
{
    const unsigned char *bytes = (const unsigned char *) text;
    size_t offset = 0;
    while (offset < size) {
        //  ASCII runs are the common case: skip them eight bytes at a time
        while (size - offset >= 8 && (jb__word_load(bytes + offset) & JB__WORD_HIGHS) == 0)
            offset += 8;
        if (offset == size)
            break;
        if (bytes[offset] < 0x80) {
            offset++;
            continue;
        }
        uint32_t code_point;
        size_t length = s_utf8_decode(bytes + offset, size - offset, &code_point);
        if (length == 0)
            return false;
        offset += length;
    }
    return true;
}

//  --------------------------------------------------------------------------

//  True when the eight bytes of word are all printable ASCII.
static bool
s_printable(uint64_t word)
{
    return !jb__word_has_below(word, 0x20) && !jb__word_has_above(word, 0x7E);
}

const char *
jb__string_problem(const char *text, size_t size)
{
    const unsigned char *bytes = (const unsigned char *) text;
    size_t offset = 0;
    while (offset < size) {
        //  printable ASCII is the common case and needs no decoding: whole
        //  words of it are skipped at once, and the last few bytes with the
        //  word that ends the text (offset is never inside a sequence, so
        //  when that word is printable, so is the rest)
        while (size - offset >= 8 && s_printable(jb__word_load(bytes + offset)))
            offset += 8;
        if (offset == size
        ||  (size - offset < 8 && size >= 8 && s_printable(jb__word_load(bytes + size - 8))))
            break;
        if (bytes[offset] >= 0x20 && bytes[offset] < 0x7F) {
            offset++;
            continue;
        }
        uint32_t code_point;
        size_t length = s_utf8_decode(bytes + offset, size - offset, &code_point);
        if (length == 0)
            return "not valid UTF-8";
        if (code_point <= 0x1F || (code_point >= 0x7F && code_point <= 0x9F))
            return "contains a control character";
        if ((code_point >= 0xFDD0 && code_point <= 0xFDEF)
        ||  (code_point & 0xFFFE) == 0xFFFE)
            return "contains a Unicode noncharacter";
        offset += length;
    }
    return NULL;
}

//  --------------------------------------------------------------------------

char *
jb__strndup(const char *text, size_t size)
{
    char *copy = (char *) malloc(size + 1);
    if (copy) {
        memcpy(copy, text, size);
        copy[size] = '\0';
    }
    return copy;
}

//  --------------------------------------------------------------------------
//  JSON string literal per RFC 8259: quote, backslash and C0 controls are
//  escaped, everything else (UTF-8 included) is copied as it is. Returns the
//  length needed so that a caller can grow its buffer and call again.

size_t
jb__json_quote(const char *text, size_t size, char *buffer, size_t capacity)
{
    static const char hex [] = "0123456789abcdef";
    size_t used = 0;
#define S_PUT(c) do { if (used < capacity) buffer[used] = (c); used++; } while (0)
    S_PUT('"');
    size_t index = 0;
    while (index < size) {
        //  a run of bytes that need no escape, found a word at a time and
        //  copied at once: attribute values are mostly such a run
        size_t run = index;
        while (size - run >= 8) {
            uint64_t stops = jb__word_json_specials(jb__word_load(text + run));
            if (stops) {
                run += jb__word_first(stops);
                break;
            }
            run += 8;
        }
        //  the last bytes: at once when the word that ends the text needs
        //  no escape (what comes before them in it is part of the run)
        if (size - run < 8 && size >= 8 && !jb__word_json_specials(jb__word_load(text + size - 8)))
            run = size;
        while (run < size && (unsigned char) text[run] >= 0x20 && text[run] != '"'
               && text[run] != '\\')
            run++;
        if (run > index) {
            size_t room = used < capacity? capacity - used: 0;
            size_t length = run - index;
            if (room)
                memcpy(buffer + used, text + index, length < room? length: room);
            used += length;
            index = run;
            if (index == size)
                break;
        }
        unsigned char c = (unsigned char) text[index++];
        S_PUT('\\');
        switch (c) {
            case '"':  S_PUT('"'); break;
            case '\\': S_PUT('\\'); break;
            case '\b': S_PUT('b'); break;
            case '\f': S_PUT('f'); break;
            case '\n': S_PUT('n'); break;
            case '\r': S_PUT('r'); break;
            case '\t': S_PUT('t'); break;
            default:
                S_PUT('u'); S_PUT('0'); S_PUT('0');
                S_PUT(hex [c >> 4]); S_PUT(hex [c & 0xF]);
        }
    }
    S_PUT('"');
#undef S_PUT
    return used;
}

//  --------------------------------------------------------------------------
//  Error messages quote what came in (an attribute name off the wire, a
//  timestamp that did not parse), and programs print them: an escape
//  sequence in them must reach no terminal as it is.

void
jb__text_escape(const char *text, char *buffer, size_t capacity)
{
    assert(capacity > 0);
    const unsigned char *bytes = (const unsigned char *) text;
    size_t size = strlen(text), offset = 0, used = 0;
    while (offset < size) {
        uint32_t code_point;
        size_t length = s_utf8_decode(bytes + offset, size - offset, &code_point);
        bool control = length > 0 && (code_point < 0x20 || (code_point >= 0x7F && code_point <= 0x9F));
        if (length > 0 && !control) {
            if (used + length >= capacity)
                break;
            memcpy(buffer + used, bytes + offset, length);
            used += length;
        }
        else {
            //  a control character's every byte, or the one bad byte
            size_t escaped = length > 0? length: 1;
            if (used + 4 * escaped >= capacity)
                break;
            for (size_t index = 0; index < escaped; index++, used += 4)
                snprintf(buffer + used, 5, "\\x%02x", bytes[offset + index]);
            length = escaped;
        }
        offset += length;
    }
    buffer[used] = '\0';
}
