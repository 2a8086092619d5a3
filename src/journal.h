/*  =========================================================================
    journal.h - the broker's durable journal of forwarded messages, on
    LMDB (private to the library)

    Each message the broker journals is stored whole, its frames as they
    came, under a journal sequence: a uint64 that starts at 1, grows by
    one per message, and goes on across restarts, with no gaps but the
    front that retention removes. Beside each message, the time it was
    journaled (ms since the epoch, never earlier than its predecessor's,
    so that a search by time is a search by sequence). Durable consumers'
    positions are kept in the same environment, so a position and the
    events it refers to commit together.

    One writer: the thread that opened the journal appends, commits,
    trims and records positions. Readers (replays) may run in other
    threads at the same time, each in its own read transaction: LMDB's
    copy-on-write pages give each a snapshot, and a crash at any point
    leaves the last committed state, with no recovery to run.

    Not installed. Non-static internals are named jb__<name> (STYLE.md).
    ========================================================================= */

#ifndef JBUS_JOURNAL_PRIVATE_H_INCLUDED
#define JBUS_JOURNAL_PRIVATE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jbus/error.h"
#include "jbus/message.h"

//  Most frames of a journaled message (the broker's max_frames bound).
#define JB__JOURNAL_FRAMES_MAX 64

//  Longest durable consumer name.
#define JB__JOURNAL_NAME_MAX 128

typedef struct jb__journal jb__journal_t;

typedef struct {
    const char *directory;      //  where the LMDB files live; created
    uint64_t max_bytes;         //  keep at most this many bytes of
                                //  messages; 0 = no bound but the map's
    int64_t max_age_ms;         //  keep messages this long; 0 = for ever
    bool sync;                  //  fsync on every commit (data and meta);
                                //  false: one fsync, and a system crash
                                //  (not a process crash) may undo the
                                //  last commit (MDB_NOMETASYNC)
} jb__journal_options_t;

//  What the journal holds.
typedef struct {
    uint64_t first;             //  first sequence held; 0 when empty
    uint64_t last;              //  last sequence ever given (held or trimmed)
    uint64_t count;             //  messages held
    uint64_t bytes;             //  their bytes, frames only
    int64_t oldest_ms;          //  the first one's time; 0 when empty
    uint64_t map_bytes;         //  the size of LMDB's map: the file's bound
} jb__journal_info_t;

//  One journaled message, as read: its frames point into the read
//  transaction's pages, valid until the callback returns.
typedef struct {
    uint64_t sequence;
    int64_t time_ms;
    size_t frame_count;
    jb_frame_t frames [JB__JOURNAL_FRAMES_MAX];
} jb__journal_entry_t;

//  Called for each message read; return false to stop.
typedef bool (jb__journal_read_fn)(const jb__journal_entry_t *entry, void *arg);

//  Open (creating) the journal in options->directory. The sequence goes on
//  from where it stopped. Returns NULL with JB_EIO (a directory or files
//  that cannot be made or read, another process holding them) or
//  JB_ENOMEM in error.
jb__journal_t *
    jb__journal_open(const jb__journal_options_t *options, jb_error_t *error);

//  Close; commits nothing that is pending (call jb__journal_commit
//  first). Sets *self_p to NULL; accepts NULL.
void
    jb__journal_close(jb__journal_t **self_p);

//  Append one message of frame_count frames (1 .. JB__JOURNAL_FRAMES_MAX)
//  at time_ms to the pending group, which a write transaction holds until
//  jb__journal_commit. *sequence_p gets its sequence. Under max_bytes the
//  oldest messages make room first; a map that is full all the same (see
//  s_MAP_FACTOR) fails the append. Returns 0, or JB_EIO with
//  LMDB's reason in error when it could not be stored: LMDB then gives up
//  the whole pending group, which is lost with it (counted in
//  jb__journal_lost).
int
    jb__journal_append(jb__journal_t *self, const jb_frame_t *frames, size_t frame_count,
                       int64_t time_ms, uint64_t *sequence_p, jb_error_t *error);

//  Note that durable consumer name (1 .. JB__JOURNAL_NAME_MAX bytes) has
//  taken every message up to sequence, in the pending group. A position
//  never moves back. 0, JB_EINVAL for a bad name, or JB_EIO (the group
//  is lost, as for append).
int
    jb__journal_acknowledge(jb__journal_t *self, const char *name, uint64_t sequence,
                            jb_error_t *error);

//  Drop, in the pending group, what retention no longer keeps at now_ms:
//  older than max_age_ms, or the oldest past max_bytes. Returns how many
//  went.
uint64_t
    jb__journal_trim(jb__journal_t *self, int64_t now_ms);

//  Commit the pending group: from here it survives a process crash (and
//  with sync, a system crash). Returns 0, or JB_EIO with the reason in
//  error when the commit failed (a full disk): the group is lost, counted
//  in jb__journal_lost.
int
    jb__journal_commit(jb__journal_t *self, jb_error_t *error);

//  How many messages were appended but never committed, since open.
uint64_t
    jb__journal_lost(const jb__journal_t *self);

//  How many messages the pending group holds.
uint64_t
    jb__journal_pending(const jb__journal_t *self);

//  True when a group is pending: messages, positions or trims to commit.
bool
    jb__journal_has_pending(const jb__journal_t *self);

//  What the journal holds, as committed. 0 or JB_EIO.
int
    jb__journal_info(jb__journal_t *self, jb__journal_info_t *info);

//  Read committed messages from sequence from on (from below the first
//  held starts at the first), calling read for each until it returns
//  false or limit messages were read (0: no limit). *next_p gets the
//  sequence to read from next time. Safe from any thread. 0 or JB_EIO.
int
    jb__journal_read(jb__journal_t *self, uint64_t from, uint64_t limit,
                     jb__journal_read_fn *read, void *arg, uint64_t *next_p);

//  Read committed messages backwards, from sequence from (or the last
//  before it) towards the first, calling read for each until it returns
//  false or limit were read (0: no limit). Returns 0 or JB_EIO.
int
    jb__journal_read_back(jb__journal_t *self, uint64_t from, uint64_t limit,
                          jb__journal_read_fn *read, void *arg);

//  The first committed sequence journaled at or after time_ms, in
//  *sequence_p; last + 1 when none is. Safe from any thread. 0 or JB_EIO.
int
    jb__journal_find_time(jb__journal_t *self, int64_t time_ms, uint64_t *sequence_p);

//  Durable consumer name's committed position in *sequence_p (0 when it
//  has none). Safe from any thread. 0, JB_ENOTFOUND or JB_EIO.
int
    jb__journal_position(jb__journal_t *self, const char *name, uint64_t *sequence_p);

//  Call each for every durable consumer and its committed position.
//  Safe from any thread. 0 or JB_EIO.
int
    jb__journal_each_position(jb__journal_t *self,
                              void (*each)(const char *name, uint64_t sequence, void *arg),
                              void *arg);

#endif
