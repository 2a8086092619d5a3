/*  =========================================================================
    id.c - event ids: random UUIDv4 strings

    An id per event is on the publish path, and libuuid's uuid_generate
    makes a getrandom() system call for every id (2.5 us measured). Here
    each thread draws random bytes from the kernel 4 KiB at a time and cuts
    ids from them: 256 ids per system call, each still 122 bits from the
    kernel's CSPRNG, so ids stay unpredictable and collision-free.

    After fork() parent and child would hold the same unused bytes and hand
    out the same ids, so a fork handler bumps a generation number that makes
    every thread refill before its next id.
    ========================================================================= */

#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/random.h>
#include <uuid/uuid.h>

#include "jbus.h"
#include "id.h"

#define s_POOL_SIZE 4096
#define s_UUID_SIZE 16

typedef struct {
    uint8_t bytes [s_POOL_SIZE];    //  random bytes from the kernel
    size_t used;                    //  bytes handed out
    unsigned generation;            //  s_fork_generation when filled
} s_pool_t;

static _Thread_local s_pool_t s_pool = { .used = s_POOL_SIZE };
static atomic_uint s_fork_generation;
static pthread_once_t s_fork_handler_once = PTHREAD_ONCE_INIT;

static void
s_after_fork_in_child(void)
{
    atomic_fetch_add(&s_fork_generation, 1);
}

static void
s_install_fork_handler(void)
{
    pthread_atfork(NULL, NULL, s_after_fork_in_child);
}

//  Fill the pool from getrandom(); false if the kernel cannot give bytes.
static bool
s_refill(unsigned generation)
{
    size_t filled = 0;
    while (filled < s_POOL_SIZE) {
        ssize_t got = getrandom(s_pool.bytes + filled, s_POOL_SIZE - filled, 0);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        filled += (size_t) got;
    }
    s_pool.used = 0;
    s_pool.generation = generation;
    return true;
}

void
jb__id_generate(char id[37])
{
    static const char hex [] = "0123456789abcdef";
    pthread_once(&s_fork_handler_once, s_install_fork_handler);
    unsigned generation = atomic_load_explicit(&s_fork_generation, memory_order_relaxed);
    uint8_t uuid [s_UUID_SIZE];
    if ((s_pool.used + s_UUID_SIZE <= s_POOL_SIZE && s_pool.generation == generation)
    ||  s_refill(generation)) {
        memcpy(uuid, s_pool.bytes + s_pool.used, s_UUID_SIZE);
        s_pool.used += s_UUID_SIZE;
    }
    else
        uuid_generate_random(uuid);         //  no getrandom: let libuuid find entropy
    uuid[6] = (uint8_t) ((uuid[6] & 0x0F) | 0x40);     //  version 4
    uuid[8] = (uint8_t) ((uuid[8] & 0x3F) | 0x80);     //  RFC 4122 variant
    char *out = id;
    for (int index = 0; index < s_UUID_SIZE; index++) {
        if (index == 4 || index == 6 || index == 8 || index == 10)
            *out++ = '-';
        *out++ = hex [uuid[index] >> 4];
        *out++ = hex [uuid[index] & 0x0F];
    }
    *out = '\0';
}
