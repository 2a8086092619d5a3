/*  =========================================================================
    journal.c - the broker's durable journal, on LMDB

    Three databases in one environment:
      - "events": key the sequence, 8 bytes big-endian (so that LMDB's
        byte order is the numbers' order and MDB_APPEND applies), value a
        record: the time (int64 ms), the frame count (uint32), 4 bytes
        unused, then each frame as a uint32 size and its bytes. Host byte
        order: the files are this machine's, not an interchange format.
      - "positions": key a durable consumer's name, value its sequence.
      - "state": one record, the last sequence given, the bytes and count
        held and the last time; it carries the sequence across a restart
        even when retention has emptied "events".
    Appends, trims and positions go into one write transaction, the
    pending group, until jb__journal_commit: a group commit costs one
    fsync however many messages it holds. A failed put marks an LMDB
    transaction as failed, so a failure loses the group whole: the
    state goes back to the last commit, whose sequence then goes on, and
    the numbers stay gapless.
    ========================================================================= */

#define _DEFAULT_SOURCE         //  flock, O_CLOEXEC

#include <assert.h>
#include <errno.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jbus.h"
#include "journal.h"
#include "error.h"

//  The map when no byte bound is given: LMDB's file never grows past it.
#define s_MAP_DEFAULT ((uint64_t) 1 << 30)

//  Room in the map beyond the byte bound: B-tree pages, LMDB's free list
//  and the positions. The bound counts records' bytes, and a record a
//  little over half a page (about 2 kB) takes a whole overflow page: four
//  times the bound covers that, and the pages that copy-on-write keeps
//  while readers hold old snapshots. The map bounds the file; LMDB grows
//  the file only as pages are used.
#define s_MAP_FACTOR 4
#define s_MAP_SLACK ((uint64_t) 64 << 20)

//  Bytes before the frames of a record.
#define s_RECORD_HEADER 16

//  The state record's key.
#define s_STATE_KEY "state"

typedef struct {
    uint64_t last;              //  the last sequence given
    uint64_t bytes;             //  bytes of the records held
    uint64_t count;             //  records held
    int64_t last_ms;            //  the last record's time
} s_state_t;

struct jb__journal {
    MDB_env *env;
    MDB_dbi events, positions, meta;
    MDB_txn *pending;           //  the group's write transaction, or NULL
    uint64_t pending_count;     //  messages appended in it
    s_state_t state;            //  as of the pending group
    s_state_t committed;        //  as of the last commit
    uint64_t lost;              //  messages appended but never committed
    uint64_t max_bytes;
    int64_t max_age_ms;
    uint64_t map_bytes;
    int lock_fd;                //  holds the directory's jbus.lock
};

//  --------------------------------------------------------------------------

static void
s_key_write(uint8_t key [8], uint64_t sequence)
{
    for (int index = 7; index >= 0; index--, sequence >>= 8)
        key[index] = (uint8_t) sequence;
}

static uint64_t
s_key_read(const MDB_val *key)
{
    uint64_t sequence = 0;
    const uint8_t *bytes = (const uint8_t *) key->mv_data;
    for (size_t index = 0; index < 8 && index < key->mv_size; index++)
        sequence = sequence << 8 | bytes[index];
    return sequence;
}

//  An LMDB failure as JB_EIO, naming what failed.
static int
s_failed(jb_error_t *error, const char *what, int rc)
{
    return jb__error(error, JB_EIO, NULL, "journal: %s: %s", what, mdb_strerror(rc));
}

//  --------------------------------------------------------------------------

static int
s_state_load(jb__journal_t *self, MDB_txn *txn, s_state_t *state)
{
    MDB_val key = { sizeof s_STATE_KEY - 1, (void *) s_STATE_KEY }, value;
    int rc = mdb_get(txn, self->meta, &key, &value);
    memset(state, 0, sizeof *state);
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc == 0 && value.mv_size == sizeof *state)
        memcpy(state, value.mv_data, sizeof *state);
    return rc == 0 && value.mv_size != sizeof *state? MDB_CORRUPTED: rc;
}

static int
s_state_store(jb__journal_t *self)
{
    MDB_val key = { sizeof s_STATE_KEY - 1, (void *) s_STATE_KEY };
    MDB_val value = { sizeof self->state, &self->state };
    return mdb_put(self->pending, self->meta, &key, &value, 0);
}

//  --------------------------------------------------------------------------

jb__journal_t *
jb__journal_open(const jb__journal_options_t *options, jb_error_t *error)
{
    assert(options);
    assert(options->directory);
    if (mkdir(options->directory, 0700) == -1 && errno != EEXIST) {
        jb__error(error, JB_EIO, NULL, "journal: cannot make directory \"%s\": %s",
                  options->directory, strerror(errno));
        return NULL;
    }
    jb__journal_t *self = (jb__journal_t *) calloc(1, sizeof *self);
    if (!self) {
        jb__error(error, JB_ENOMEM, NULL, "out of memory");
        return NULL;
    }
    //  one writer per directory: LMDB lets many processes open it, and a
    //  second writer's idea of the last sequence would be stale
    char lock_path [4096];
    snprintf(lock_path, sizeof lock_path, "%s/jbus.lock", options->directory);
    self->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (self->lock_fd == -1 || flock(self->lock_fd, LOCK_EX | LOCK_NB) == -1) {
        jb__error(error, JB_EIO, NULL, "journal: \"%s\" %s", options->directory,
                  self->lock_fd == -1? strerror(errno)
                  : "is in use by another process (its jbus.lock is held)");
        if (self->lock_fd != -1)
            close(self->lock_fd);
        free(self);
        return NULL;
    }
    self->max_bytes = options->max_bytes;
    self->max_age_ms = options->max_age_ms;
    self->map_bytes = options->max_bytes? options->max_bytes * s_MAP_FACTOR + s_MAP_SLACK
                                        : s_MAP_DEFAULT;
    //  readers in other threads, and the writer's own reads beside its
    //  write transaction, need read transactions not tied to a thread
    unsigned flags = MDB_NOTLS | (options->sync? 0: MDB_NOMETASYNC);
    MDB_txn *txn = NULL;
    int rc = mdb_env_create(&self->env);
    if (rc == 0)
        rc = mdb_env_set_maxdbs(self->env, 3);
    if (rc == 0)
        rc = mdb_env_set_mapsize(self->env, (size_t) self->map_bytes);
    if (rc == 0)
        rc = mdb_env_open(self->env, options->directory, flags, 0600);
    if (rc == 0)
        rc = mdb_txn_begin(self->env, NULL, 0, &txn);
    if (rc == 0)
        rc = mdb_dbi_open(txn, "events", MDB_CREATE, &self->events);
    if (rc == 0)
        rc = mdb_dbi_open(txn, "positions", MDB_CREATE, &self->positions);
    if (rc == 0)
        rc = mdb_dbi_open(txn, "state", MDB_CREATE, &self->meta);
    if (rc == 0)
        rc = s_state_load(self, txn, &self->committed);
    if (rc == 0) {
        rc = mdb_txn_commit(txn);
        txn = NULL;
    }
    if (rc) {
        mdb_txn_abort(txn);
        jb__error(error, JB_EIO, NULL, "journal: cannot open \"%s\": %s", options->directory,
                  mdb_strerror(rc));
        jb__journal_close(&self);
        return NULL;
    }
    self->state = self->committed;
    return self;
}

void
jb__journal_close(jb__journal_t **self_p)
{
    assert(self_p);
    jb__journal_t *self = *self_p;
    if (self) {
        if (self->pending) {
            mdb_txn_abort(self->pending);
            self->lost += self->pending_count;
        }
        if (self->env)
            mdb_env_close(self->env);
        close(self->lock_fd);           //  and with it the lock
        free(self);
        *self_p = NULL;
    }
}

//  --------------------------------------------------------------------------
//  The pending group: begun on the first write, given up whole on a
//  failure.

static int
s_begin(jb__journal_t *self)
{
    if (self->pending)
        return 0;
    self->pending_count = 0;
    return mdb_txn_begin(self->env, NULL, 0, &self->pending);
}

static void
s_abandon(jb__journal_t *self)
{
    mdb_txn_abort(self->pending);
    self->pending = NULL;
    self->lost += self->pending_count;
    self->pending_count = 0;
    self->state = self->committed;
}

//  Delete the oldest record in the pending group. Returns 0, MDB_NOTFOUND
//  when there is none, or an LMDB failure.
static int
s_drop_oldest(jb__journal_t *self)
{
    MDB_cursor *cursor;
    int rc = mdb_cursor_open(self->pending, self->events, &cursor);
    if (rc)
        return rc;
    MDB_val key, value;
    rc = mdb_cursor_get(cursor, &key, &value, MDB_FIRST);
    if (rc == 0) {
        size_t size = value.mv_size;
        rc = mdb_cursor_del(cursor, 0);
        if (rc == 0) {
            self->state.bytes -= size <= self->state.bytes? size: self->state.bytes;
            self->state.count -= self->state.count > 0;
        }
    }
    mdb_cursor_close(cursor);
    return rc;
}

//  --------------------------------------------------------------------------

int
jb__journal_append(jb__journal_t *self, const jb_frame_t *frames, size_t frame_count,
                   int64_t time_ms, uint64_t *sequence_p, jb_error_t *error)
{
    assert(self);
    assert(frames);
    assert(frame_count >= 1 && frame_count <= JB__JOURNAL_FRAMES_MAX);
    size_t size = s_RECORD_HEADER;
    for (size_t index = 0; index < frame_count; index++)
        size += 4 + frames[index].size;
    int rc = s_begin(self);
    //  room first: the byte bound holds at every commit
    while (rc == 0 && self->max_bytes && self->state.count > 0
       &&  self->state.bytes + size > self->max_bytes)
        rc = s_drop_oldest(self);
    uint64_t sequence = self->state.last + 1;
    uint8_t key_bytes [8];
    s_key_write(key_bytes, sequence);
    MDB_val key = { sizeof key_bytes, key_bytes };
    MDB_val value = { size, NULL };
    if (rc == 0)
        rc = mdb_put(self->pending, self->events, &key, &value, MDB_APPEND | MDB_RESERVE);
    if (rc) {
        if (self->pending)
            s_abandon(self);
        self->lost++;
        return s_failed(error, "append", rc);
    }
    //  MDB_RESERVE: the record is written in place, in the page
    uint8_t *record = (uint8_t *) value.mv_data;
    int64_t time = time_ms > self->state.last_ms? time_ms: self->state.last_ms;
    uint32_t count = (uint32_t) frame_count, unused = 0;
    memcpy(record, &time, 8);
    memcpy(record + 8, &count, 4);
    memcpy(record + 12, &unused, 4);
    uint8_t *cursor = record + s_RECORD_HEADER;
    for (size_t index = 0; index < frame_count; index++) {
        uint32_t frame_size = (uint32_t) frames[index].size;
        memcpy(cursor, &frame_size, 4);
        if (frame_size)
            memcpy(cursor + 4, frames[index].data, frame_size);
        cursor += 4 + frame_size;
    }
    self->state.last = sequence;
    self->state.last_ms = time;
    self->state.bytes += size;
    self->state.count++;
    self->pending_count++;
    if (sequence_p)
        *sequence_p = sequence;
    return 0;
}

//  --------------------------------------------------------------------------

int
jb__journal_acknowledge(jb__journal_t *self, const char *name, uint64_t sequence,
                        jb_error_t *error)
{
    assert(self);
    assert(name);
    size_t size = strlen(name);
    if (size == 0 || size > JB__JOURNAL_NAME_MAX)
        return jb__error(error, JB_EINVAL, NULL, "a consumer name has 1 to %d bytes",
                         JB__JOURNAL_NAME_MAX);
    int rc = s_begin(self);
    MDB_val key = { size, (void *) name }, value;
    if (rc == 0) {
        rc = mdb_get(self->pending, self->positions, &key, &value);
        if (rc == 0 && value.mv_size == 8 && s_key_read(&value) >= sequence)
            return 0;                       //  never back
        if (rc == MDB_NOTFOUND || rc == 0) {
            uint8_t bytes [8];
            s_key_write(bytes, sequence);
            value = (MDB_val) { sizeof bytes, bytes };
            rc = mdb_put(self->pending, self->positions, &key, &value, 0);
        }
    }
    if (rc) {
        if (self->pending)
            s_abandon(self);
        return s_failed(error, "acknowledge", rc);
    }
    return 0;
}

//  --------------------------------------------------------------------------

uint64_t
jb__journal_trim(jb__journal_t *self, int64_t now_ms)
{
    assert(self);
    if (self->state.count == 0 || (!self->max_age_ms && !self->max_bytes))
        return 0;
    if (s_begin(self))
        return 0;
    uint64_t dropped = 0;
    MDB_cursor *cursor;
    if (mdb_cursor_open(self->pending, self->events, &cursor))
        return 0;
    MDB_val key, value;
    int rc = mdb_cursor_get(cursor, &key, &value, MDB_FIRST);
    while (rc == 0) {
        int64_t time = 0;
        if (value.mv_size >= 8)
            memcpy(&time, value.mv_data, 8);
        bool too_old = self->max_age_ms && now_ms - time > self->max_age_ms;
        bool too_much = self->max_bytes && self->state.bytes > self->max_bytes;
        if (!too_old && !too_much)
            break;
        size_t size = value.mv_size;
        rc = mdb_cursor_del(cursor, 0);
        if (rc)
            break;
        self->state.bytes -= size <= self->state.bytes? size: self->state.bytes;
        self->state.count -= self->state.count > 0;
        dropped++;
        rc = mdb_cursor_get(cursor, &key, &value, MDB_NEXT);
    }
    mdb_cursor_close(cursor);
    if (rc && rc != MDB_NOTFOUND)
        s_abandon(self);
    return dropped;
}

//  --------------------------------------------------------------------------

int
jb__journal_commit(jb__journal_t *self, jb_error_t *error)
{
    assert(self);
    if (!self->pending)
        return 0;
    uint64_t count = self->pending_count;
    int rc = s_state_store(self);
    if (rc == 0) {
        rc = mdb_txn_commit(self->pending);
        self->pending = NULL;
    }
    if (rc) {
        //  a failed commit has freed the transaction already
        if (self->pending)
            mdb_txn_abort(self->pending);
        self->pending = NULL;
        self->lost += count;
        self->pending_count = 0;
        self->state = self->committed;
        return s_failed(error, "commit", rc);
    }
    self->pending_count = 0;
    self->committed = self->state;
    return 0;
}

uint64_t
jb__journal_lost(const jb__journal_t *self)
{
    assert(self);
    return self->lost;
}

bool
jb__journal_has_pending(const jb__journal_t *self)
{
    assert(self);
    return self->pending != NULL;
}

uint64_t
jb__journal_pending(const jb__journal_t *self)
{
    assert(self);
    return self->pending_count;
}

//  --------------------------------------------------------------------------
//  Readers: each call in a read transaction of its own.

int
jb__journal_info(jb__journal_t *self, jb__journal_info_t *info)
{
    assert(self);
    assert(info);
    memset(info, 0, sizeof *info);
    info->map_bytes = self->map_bytes;
    MDB_txn *txn;
    int rc = mdb_txn_begin(self->env, NULL, MDB_RDONLY, &txn);
    if (rc)
        return s_failed(NULL, "read", rc);
    s_state_t state;
    rc = s_state_load(self, txn, &state);
    MDB_cursor *cursor = NULL;
    if (rc == 0)
        rc = mdb_cursor_open(txn, self->events, &cursor);
    MDB_val key, value;
    if (rc == 0) {
        info->last = state.last;
        info->count = state.count;
        info->bytes = state.bytes;
        rc = mdb_cursor_get(cursor, &key, &value, MDB_FIRST);
        if (rc == 0 && value.mv_size >= 8) {
            info->first = s_key_read(&key);
            memcpy(&info->oldest_ms, value.mv_data, 8);
        }
        if (rc == MDB_NOTFOUND)
            rc = 0;
    }
    mdb_cursor_close(cursor);
    mdb_txn_abort(txn);
    return rc? s_failed(NULL, "read", rc): 0;
}

//  Parse a record into entry. False when it is not one (a damaged file).
static bool
s_record_parse(const MDB_val *key, const MDB_val *value, jb__journal_entry_t *entry)
{
    const uint8_t *record = (const uint8_t *) value->mv_data;
    size_t size = value->mv_size;
    if (size < s_RECORD_HEADER)
        return false;
    uint32_t count;
    memcpy(&entry->time_ms, record, 8);
    memcpy(&count, record + 8, 4);
    if (count == 0 || count > JB__JOURNAL_FRAMES_MAX)
        return false;
    entry->sequence = s_key_read(key);
    entry->frame_count = count;
    size_t offset = s_RECORD_HEADER;
    for (uint32_t index = 0; index < count; index++) {
        uint32_t frame_size;
        if (size - offset < 4)
            return false;
        memcpy(&frame_size, record + offset, 4);
        offset += 4;
        if (size - offset < frame_size)
            return false;
        entry->frames[index].data = record + offset;
        entry->frames[index].size = frame_size;
        offset += frame_size;
    }
    return offset == size;
}

//  Read committed messages from sequence from, forwards (from the first at
//  or after it) or backwards (from it, else the last before it).
static int
s_read(jb__journal_t *self, uint64_t from, uint64_t limit, bool backwards,
       jb__journal_read_fn *read, void *arg, uint64_t *next_p)
{
    assert(self);
    assert(read);
    if (next_p)
        *next_p = from;
    MDB_txn *txn;
    int rc = mdb_txn_begin(self->env, NULL, MDB_RDONLY, &txn);
    if (rc)
        return s_failed(NULL, "read", rc);
    MDB_cursor *cursor;
    rc = mdb_cursor_open(txn, self->events, &cursor);
    if (rc) {
        mdb_txn_abort(txn);
        return s_failed(NULL, "read", rc);
    }
    uint8_t key_bytes [8];
    s_key_write(key_bytes, from);
    MDB_val key = { sizeof key_bytes, key_bytes }, value;
    rc = mdb_cursor_get(cursor, &key, &value, MDB_SET_RANGE);
    if (backwards && rc == MDB_NOTFOUND)
        rc = mdb_cursor_get(cursor, &key, &value, MDB_LAST);
    else
    if (backwards && rc == 0 && s_key_read(&key) > from)
        rc = mdb_cursor_get(cursor, &key, &value, MDB_PREV);
    uint64_t count = 0;
    jb__journal_entry_t entry;
    while (rc == 0 && (limit == 0 || count < limit)) {
        if (!s_record_parse(&key, &value, &entry)) {
            rc = MDB_CORRUPTED;
            break;
        }
        count++;
        if (next_p)
            *next_p = entry.sequence + 1;
        if (!read(&entry, arg))
            break;
        rc = mdb_cursor_get(cursor, &key, &value, backwards? MDB_PREV: MDB_NEXT);
    }
    mdb_cursor_close(cursor);
    mdb_txn_abort(txn);
    return rc && rc != MDB_NOTFOUND? s_failed(NULL, "read", rc): 0;
}

int
jb__journal_read(jb__journal_t *self, uint64_t from, uint64_t limit, jb__journal_read_fn *read,
                 void *arg, uint64_t *next_p)
{
    return s_read(self, from, limit, false, read, arg, next_p);
}

int
jb__journal_read_back(jb__journal_t *self, uint64_t from, uint64_t limit,
                      jb__journal_read_fn *read, void *arg)
{
    return s_read(self, from, limit, true, read, arg, NULL);
}

//  --------------------------------------------------------------------------
//  Times never go back along the sequence, so the first record at or after
//  a time is found by bisection over the sequences held, which run without
//  gaps from the first to the last.

int
jb__journal_find_time(jb__journal_t *self, int64_t time_ms, uint64_t *sequence_p)
{
    assert(self);
    assert(sequence_p);
    jb__journal_info_t info;
    int rc = jb__journal_info(self, &info);
    if (rc)
        return rc;
    *sequence_p = info.last + 1;
    if (info.count == 0)
        return 0;
    MDB_txn *txn;
    rc = mdb_txn_begin(self->env, NULL, MDB_RDONLY, &txn);
    if (rc)
        return s_failed(NULL, "read", rc);
    //  the first sequence in [low, high) whose time is at or after time_ms;
    //  high when none
    uint64_t low = info.first, high = info.last + 1;
    while (rc == 0 && low < high) {
        uint64_t middle = low + (high - low) / 2;
        uint8_t key_bytes [8];
        s_key_write(key_bytes, middle);
        MDB_val key = { sizeof key_bytes, key_bytes }, value;
        rc = mdb_get(txn, self->events, &key, &value);
        if (rc == MDB_NOTFOUND) {
            //  trimmed since info was read: look later
            low = middle + 1;
            rc = 0;
            continue;
        }
        int64_t time = 0;
        if (rc == 0 && value.mv_size >= 8)
            memcpy(&time, value.mv_data, 8);
        if (time >= time_ms)
            high = middle;
        else
            low = middle + 1;
    }
    mdb_txn_abort(txn);
    if (rc)
        return s_failed(NULL, "read", rc);
    *sequence_p = low;
    return 0;
}

//  --------------------------------------------------------------------------

int
jb__journal_position(jb__journal_t *self, const char *name, uint64_t *sequence_p)
{
    assert(self);
    assert(name);
    assert(sequence_p);
    *sequence_p = 0;
    MDB_txn *txn;
    int rc = mdb_txn_begin(self->env, NULL, MDB_RDONLY, &txn);
    if (rc)
        return s_failed(NULL, "read", rc);
    MDB_val key = { strlen(name), (void *) name }, value;
    rc = key.mv_size? mdb_get(txn, self->positions, &key, &value): MDB_NOTFOUND;
    if (rc == 0 && value.mv_size == 8)
        *sequence_p = s_key_read(&value);
    mdb_txn_abort(txn);
    if (rc == MDB_NOTFOUND)
        return JB_ENOTFOUND;
    return rc? s_failed(NULL, "read", rc): 0;
}

int
jb__journal_each_position(jb__journal_t *self,
                          void (*each)(const char *name, uint64_t sequence, void *arg), void *arg)
{
    assert(self);
    assert(each);
    MDB_txn *txn;
    int rc = mdb_txn_begin(self->env, NULL, MDB_RDONLY, &txn);
    if (rc)
        return s_failed(NULL, "read", rc);
    MDB_cursor *cursor = NULL;
    rc = mdb_cursor_open(txn, self->positions, &cursor);
    MDB_val key, value;
    if (rc == 0)
        rc = mdb_cursor_get(cursor, &key, &value, MDB_FIRST);
    while (rc == 0) {
        char name [JB__JOURNAL_NAME_MAX + 1];
        size_t size = key.mv_size < JB__JOURNAL_NAME_MAX? key.mv_size: JB__JOURNAL_NAME_MAX;
        memcpy(name, key.mv_data, size);
        name[size] = '\0';
        each(name, value.mv_size == 8? s_key_read(&value): 0, arg);
        rc = mdb_cursor_get(cursor, &key, &value, MDB_NEXT);
    }
    if (rc == MDB_NOTFOUND)
        rc = 0;
    //  a read transaction's cursor outlives it unless closed
    mdb_cursor_close(cursor);
    mdb_txn_abort(txn);
    return rc? s_failed(NULL, "read", rc): 0;
}
