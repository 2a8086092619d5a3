/*  =========================================================================
    id.c - event ids: random UUIDv4 strings from libuuid
    ========================================================================= */

#include "internal.h"
#include <uuid/uuid.h>

void
jb__id_generate(char id[37])
{
    uuid_t uuid;
    uuid_generate_random(uuid);
    uuid_unparse_lower(uuid, id);
}
