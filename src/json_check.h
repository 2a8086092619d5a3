/*  =========================================================================
    json_check.h - the RFC 8259 check, and the outline of an event that the
    decoders read (private to the library)

    Not installed. Non-static internals are named jb__<name> (STYLE.md).
    ========================================================================= */

#ifndef JBUS_JSON_CHECK_PRIVATE_H_INCLUDED
#define JBUS_JSON_CHECK_PRIVATE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include "jbus/error.h"

//  0 when size bytes at json are one well-formed JSON text
//  (RFC 8259: UTF-8, one value, blanks around it), else JB_EPARSE with the
//  reason and byte offset, naming attribute (may be NULL).
int
    jb__json_check(const char *json, size_t size, const char *attribute, jb_error_t *error);

//  Where the check found an event, or a member of one: each
//  span points into the checked text, a name with its quotes.
typedef struct {
    const char *name;           //  the opening quote; NULL for an event
    const char *name_end;       //  after the closing quote
    const char *value;          //  the value's first byte
    const char *value_end;      //  after its last byte
    bool name_escaped;          //  the name holds a backslash escape
    bool value_escaped;         //  the value is a string with a backslash escape
} jb__json_member_t;

//  Entries kept inside an outline; a larger one takes an allocation.
#define JB__OUTLINE_ON_STACK 32

//  The events of a document and their members, in the
//  order of the text. Level 0 (one event): an entry for the top value,
//  then one per member when it is an object. Level 1 (a batch): when the
//  top value is an array, an entry per element, each followed by one per
//  member when it is an object.
typedef struct {
    jb__json_member_t *entries; //  on_stack, or allocated when larger
    size_t count;
    size_t capacity;
    int level;                  //  0 or 1, as above
    bool failed;                //  out of memory while recording
    jb__json_member_t on_stack [JB__OUTLINE_ON_STACK];
} jb__json_outline_t;

//  Jb__json_check (naming no attribute) that also fills
//  outline, which the caller provides uninitialized and releases with
//  jb__json_outline_free whatever this returns. JB_ENOMEM when the outline
//  could not grow.
int
    jb__json_outline(const char *json, size_t size, int level, jb__json_outline_t *outline,
                     jb_error_t *error);
void
    jb__json_outline_free(jb__json_outline_t *outline);

#endif
