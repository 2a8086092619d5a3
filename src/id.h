/*  =========================================================================
    id.h - fresh event ids (private to the library)

    Not installed. Non-static internals are named jb__<name> (STYLE.md).
    ========================================================================= */

#ifndef JBUS_ID_PRIVATE_H_INCLUDED
#define JBUS_ID_PRIVATE_H_INCLUDED

//  Write a fresh random UUIDv4 in canonical form (36 chars + NUL).
void
    jb__id_generate(char id[37]);

#endif
