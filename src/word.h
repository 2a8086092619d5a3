/*  =========================================================================
    word.h - tests on eight bytes at once (SWAR), for the loops that scan text
    (private to the library)

    Not installed. Non-static internals are named jb__<name> (STYLE.md).
    ========================================================================= */

#ifndef JBUS_WORD_PRIVATE_H_INCLUDED
#define JBUS_WORD_PRIVATE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

//  Tests on eight bytes at once in a 64-bit word (SWAR), for the loops that
//  scan text for the few bytes that need attention. A word is loaded with
//  its first byte in the lowest bits, whatever the machine's byte order.
//  Each test is exact for the word as a whole (not for which byte): true
//  when any byte is below limit (limit <= 128), above limit (limit <= 127),
//  or equal to byte.
#define JB__WORD_ONES  0x0101010101010101ULL
#define JB__WORD_HIGHS 0x8080808080808080ULL

static inline uint64_t
jb__word_load(const void *bytes)
{
    uint64_t word;
    memcpy(&word, bytes, sizeof word);
#if defined __BYTE_ORDER__ && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    word = __builtin_bswap64(word);
#endif
    return word;
}

static inline bool
jb__word_has_below(uint64_t word, unsigned limit)
{
    return ((word - JB__WORD_ONES * limit) & ~word & JB__WORD_HIGHS) != 0;
}

static inline bool
jb__word_has_above(uint64_t word, unsigned limit)
{
    return (((word + JB__WORD_ONES * (127 - limit)) | word) & JB__WORD_HIGHS) != 0;
}

static inline bool
jb__word_has_byte(uint64_t word, uint8_t byte)
{
    return jb__word_has_below(word ^ (JB__WORD_ONES * byte), 1);
}

//  The high bit set for the first byte of word that a JSON string cannot
//  hold as it is (a quote, a backslash or a control character below 0x20),
//  0 when there is none. Bytes after it may be marked too: a borrow only
//  runs from a marked byte towards the later ones, so the first mark is
//  exact, and jb__word_first finds it.
static inline uint64_t
jb__word_json_specials(uint64_t word)
{
    return ((word - JB__WORD_ONES * 0x20)
            | ((word ^ JB__WORD_ONES * '"') - JB__WORD_ONES)
            | ((word ^ JB__WORD_ONES * '\\') - JB__WORD_ONES))
           & ~word & JB__WORD_HIGHS;
}

//  The position of the first byte whose high bit is set in mask (not 0).
static inline size_t
jb__word_first(uint64_t mask)
{
    return (size_t) __builtin_ctzll(mask) / 8;
}

#endif
