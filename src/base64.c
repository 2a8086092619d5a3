/*  =========================================================================
    base64.c - RFC 4648 base64, strict

    CZMQ's zarmour decodes leniently (it skips characters outside the
    alphabet), but a CloudEvents Binary value that is not canonical base64
    must be rejected, not silently repaired, so decoding is done here.
    ========================================================================= */

#include "jbus.h"
#include "base64.h"

static const char s_alphabet [] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

//  --------------------------------------------------------------------------

size_t
jb__base64_encoded_size(size_t size)
{
    return (size + 2) / 3 * 4;
}

//  --------------------------------------------------------------------------

void
jb__base64_encode(const uint8_t *bytes, size_t size, char *text)
{
    size_t index = 0;
    for (; index + 3 <= size; index += 3) {
        uint32_t group = (uint32_t) bytes[index] << 16
                       | (uint32_t) bytes[index + 1] << 8 | bytes[index + 2];
        *text++ = s_alphabet [(group >> 18) & 63];
        *text++ = s_alphabet [(group >> 12) & 63];
        *text++ = s_alphabet [(group >> 6) & 63];
        *text++ = s_alphabet [group & 63];
    }
    if (index < size) {
        uint32_t group = (uint32_t) bytes[index] << 16;
        if (index + 1 < size)
            group |= (uint32_t) bytes[index + 1] << 8;
        *text++ = s_alphabet [(group >> 18) & 63];
        *text++ = s_alphabet [(group >> 12) & 63];
        *text++ = index + 1 < size? s_alphabet [(group >> 6) & 63]: '=';
        *text++ = '=';
    }
}

//  --------------------------------------------------------------------------

size_t
jb__base64_decoded_max(size_t size)
{
    return size / 4 * 3 + 3;
}

//  --------------------------------------------------------------------------

static int
s_value(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

//  --------------------------------------------------------------------------
//  Only whole 4-character groups, "=" only at the end, and the bits that
//  padding leaves over must be zero, so each byte string has exactly one
//  accepted encoding.

long
jb__base64_decode(const char *text, size_t size, uint8_t *bytes)
{
    if (size % 4 != 0)
        return -1;
    size_t written = 0;
    for (size_t index = 0; index < size; index += 4) {
        bool last = index + 4 == size;
        int padding = 0;
        if (last && text[index + 3] == '=')
            padding = text[index + 2] == '='? 2: 1;
        int values [4] = { 0, 0, 0, 0 };
        for (int slot = 0; slot < 4 - padding; slot++) {
            values[slot] = s_value(text[index + slot]);
            if (values[slot] < 0)
                return -1;
        }
        uint32_t group = (uint32_t) values[0] << 18 | (uint32_t) values[1] << 12
                       | (uint32_t) values[2] << 6 | (uint32_t) values[3];
        if ((padding == 1 && (group & 0xFF)) || (padding == 2 && (group & 0xFFFF)))
            return -1;
        bytes[written++] = (uint8_t) (group >> 16);
        if (padding < 2)
            bytes[written++] = (uint8_t) (group >> 8);
        if (padding < 1)
            bytes[written++] = (uint8_t) group;
    }
    return (long) written;
}
