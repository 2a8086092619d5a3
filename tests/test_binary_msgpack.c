/*  =========================================================================
    test_binary_msgpack.c - binary mode's own msgpack codec against msgpack-c

    src/binary.c reads and writes the binding's msgpack map itself rather
    than through msgpack-c, because that halves the cost of a decode (see
    docs/performance.md). msgpack-c stays the reference it must agree with:

    - what jbus writes is exactly what msgpack-c writes for the same map
      (each header in its shortest form), for every size boundary of str,
      bin, ext, map and int;
    - whatever jbus accepts, msgpack-c reads as one complete map and
      nothing after it, with one member per attribute of the decoded event,
      and jbus encodes the event back to bytes msgpack-c writes the same;
      tried on the fuzz seeds and 360,000 deterministic mutations of them.
    ========================================================================= */

#include "testutil.h"
#include <dirent.h>
#include <msgpack.h>

#define s_SEEDS_DIR JBUS_SOURCE_DIR "/tests/fuzz/corpus/fuzz_binary"
#define s_TOPIC "jerry.test.thing.happened"

//  How msgpack-c judges a frame: 1 one complete map and nothing after it,
//  0 anything else.
static int
s_msgpack_c_reads_one_map(const void *data, size_t size, msgpack_unpacked *unpacked)
{
    size_t offset = 0;
    msgpack_unpack_return rc = msgpack_unpack_next(unpacked, (const char *) data, size, &offset);
    return rc == MSGPACK_UNPACK_SUCCESS && offset == size
        && unpacked->data.type == MSGPACK_OBJECT_MAP;
}

//  Re-pack what msgpack-c read of frame and compare byte for byte.
static void
s_assert_msgpack_c_writes_the_same(jb_frame_t frame)
{
    msgpack_unpacked unpacked;
    msgpack_unpacked_init(&unpacked);
    assert_true(s_msgpack_c_reads_one_map(frame.data, frame.size, &unpacked));
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init(&buffer);
    msgpack_packer packer;
    msgpack_packer_init(&packer, &buffer, msgpack_sbuffer_write);
    assert_int_equal(msgpack_pack_object(&packer, unpacked.data), 0);
    assert_int_equal(buffer.size, frame.size);
    assert_memory_equal(buffer.data, frame.data, frame.size);
    msgpack_sbuffer_destroy(&buffer);
    msgpack_unpacked_destroy(&unpacked);
}

//  Encode event in binary mode; msgpack-c must write the same bytes, and
//  decoding must give the event back.
static void
s_assert_agrees(const jb_event_t *event)
{
    jb_message_t *message = jb_message_new();
    assert_non_null(message);
    jb_error_t error;
    assert_int_equal(jb_message_encode(message, event, JB_MODE_BINARY, &error), 0);
    jb_frame_t frames [2] = { jb_message_frame(message, 0), jb_message_frame(message, 1) };
    s_assert_msgpack_c_writes_the_same(frames[1]);
    jb_event_t *back = NULL;
    assert_int_equal(jb_message_decode(frames, 2, NULL, &back, &error), 0);
    assert_true(jb_event_equal(event, back));
    jb_event_destroy(&back);
    jb_message_destroy(&message);
}

//  size bytes of c, starting with prefix.
static char *
s_filled(char c, size_t size, const char *prefix)
{
    char *text = (char *) malloc(size + 1);
    assert_non_null(text);
    memset(text, c, size);
    size_t prefix_size = strlen(prefix);
    memcpy(text, prefix, prefix_size < size? prefix_size: size);
    text[size] = '\0';
    return text;
}

//  --------------------------------------------------------------------------

static void
test_jbus_writes_what_msgpack_c_writes_at_every_boundary(void **state)
{
    (void) state;
    //  around the fixstr/str8/str16/str32, bin8/16/32, fixext/ext8/16/32
    //  and fixmap/map16 limits
    const size_t sizes [] = { 1, 2, 3, 4, 5, 8, 9, 15, 16, 17, 31, 32, 33, 255, 256, 257,
                              65535, 65536, 70000 };
    //  around every int and uint width
    const int32_t integers [] = { INT32_MIN, -32769, -32768, -32767, -129, -128, -127, -33,
                                  -32, -31, -1, 0, 1, 127, 128, 255, 256, 65535, 65536,
                                  INT32_MAX };
    size_t size_count = sizeof sizes / sizeof sizes[0];
    size_t integer_count = sizeof integers / sizeof integers[0];
    for (size_t index = 0; index < size_count; index++) {
        size_t size = sizes[index];
        jb_event_t *event = jb_event_new(s_TOPIC, "/jerry/test");
        assert_non_null(event);
        char *text = s_filled('s', size, "");
        char *uri = s_filled('u', size + 2, "x:");
        char *bytes = s_filled('\x01', size, "");
        jb_value_t value = jb_value_string(text);
        assert_int_equal(jb_event_set_extension(event, "str", &value, NULL), 0);
        value = jb_value_uri(uri);
        assert_int_equal(jb_event_set_extension(event, "uri", &value, NULL), 0);
        value = jb_value_uri_ref(uri + 2);
        assert_int_equal(jb_event_set_extension(event, "ref", &value, NULL), 0);
        value = jb_value_binary(bytes, size);
        assert_int_equal(jb_event_set_extension(event, "bin", &value, NULL), 0);
        value = jb_value_boolean(size & 1);
        assert_int_equal(jb_event_set_extension(event, "flag", &value, NULL), 0);
        value = jb_value_integer(integers[index % integer_count]);
        assert_int_equal(jb_event_set_extension(event, "num", &value, NULL), 0);
        assert_int_equal(jb_event_set_subject(event, text), 0);
        assert_int_equal(jb_event_set_dataschema(event, uri), 0);
        if (index % 3 == 0)
            assert_int_equal(jb_event_set_data_binary(event, bytes, size), 0);
        else
        if (index % 3 == 1)
            assert_int_equal(jb_event_set_data_text(event, text, size), 0);
        else {
            char *json = s_filled(' ', size + 2, "\"\"");
            assert_int_equal(jb_event_set_data_json(event, json, SIZE_MAX, NULL), 0);
            free(json);
        }
        s_assert_agrees(event);

        //  twenty more members: the map header goes from fixmap to map16,
        //  and every integer width appears
        for (size_t number = 0; number < integer_count; number++) {
            char name [16];
            snprintf(name, sizeof name, "int%zu", number);
            value = jb_value_integer(integers[number]);
            assert_int_equal(jb_event_set_extension(event, name, &value, NULL), 0);
        }
        s_assert_agrees(event);
        jb_event_destroy(&event);
        free(text);
        free(uri);
        free(bytes);
    }
    //  the smallest event there is: four members, no data
    jb_event_t *event = jb_event_new_empty();
    assert_int_equal(jb_event_set_specversion(event, "1.0"), 0);
    assert_int_equal(jb_event_set_id(event, "1"), 0);
    assert_int_equal(jb_event_set_source(event, "/"), 0);
    assert_int_equal(jb_event_set_type(event, "t"), 0);
    s_assert_agrees(event);
    jb_event_destroy(&event);
}

//  --------------------------------------------------------------------------
//  A frame jbus accepts must be one msgpack map to msgpack-c, with the same
//  number of members as attributes the event has (the type is the topic,
//  and data is one member).

static void
s_check_decision(const uint8_t *body, size_t size, uint64_t *accepted, uint64_t *refused)
{
    //  each frame in a block of its own size, so a read past it is seen
    //  under the sanitizers
    uint8_t *copy = (uint8_t *) malloc(size? size: 1);
    assert_non_null(copy);
    if (size)
        memcpy(copy, body, size);
    jb_frame_t frames [2] = { { s_TOPIC, strlen(s_TOPIC) }, { copy, size } };
    jb_event_t *event = NULL;
    jb_error_t error;
    int rc = jb_message_decode(frames, 2, NULL, &event, &error);
    //  msgpack-c is asked only about what jbus accepted: given a mutated
    //  container count it allocates for that many objects before it finds
    //  the bytes missing (up to 64 GiB here), which jbus checks first
    msgpack_unpacked unpacked;
    msgpack_unpacked_init(&unpacked);
    if (rc == 0) {
        (*accepted)++;
        if (!s_msgpack_c_reads_one_map(copy, size, &unpacked))
            fail_msg("jbus accepted a %zu-byte frame that msgpack-c does not read as one map",
                     size);
        //  every member is an attribute or the data: count what the event has
        size_t members = unpacked.data.via.map.size;
        size_t attributes = (jb_event_id(event) != NULL) + (jb_event_source(event) != NULL)
                          + (jb_event_specversion(event) != NULL)
                          + (jb_event_datacontenttype(event) != NULL)
                          + (jb_event_dataschema(event) != NULL)
                          + (jb_event_subject(event) != NULL) + (jb_event_time(event) != NULL);
        attributes += jb_event_extension_count(event);
        attributes += jb_event_data_kind(event) != JB_DATA_NONE;
        if (members != attributes)
            fail_msg("msgpack-c reads %zu members where jbus decoded %zu attributes",
                     members, attributes);
        //  and what jbus writes of it, msgpack-c writes the same
        jb_message_t *message = jb_message_new();
        assert_int_equal(jb_message_encode(message, event, JB_MODE_BINARY, &error), 0);
        s_assert_msgpack_c_writes_the_same(jb_message_frame(message, 1));
        jb_message_destroy(&message);
    }
    else {
        (*refused)++;
        assert_null(event);
    }
    jb_event_destroy(&event);
    msgpack_unpacked_destroy(&unpacked);
    free(copy);
}

static void
test_jbus_accepts_nothing_msgpack_c_would_refuse(void **state)
{
    (void) state;
    DIR *dir = opendir(s_SEEDS_DIR);
    assert_non_null(dir);
    uint64_t accepted = 0, refused = 0, seeds = 0;
    uint32_t random = 2463534242u;
    struct dirent *entry;
    while ((entry = readdir(dir))) {
        //  the seeds with a topic prefix are the same bodies again
        if (entry->d_name[0] == '.' || strstr(entry->d_name, "-topic"))
            continue;
        char path [4096];
        snprintf(path, sizeof path, "%s/%s", s_SEEDS_DIR, entry->d_name);
        size_t size = 0;
        uint8_t *seed = (uint8_t *) testutil_read_file(path, &size);
        assert_non_null(seed);
        if (size == 0 || seed[0] < 0x80) {     //  a topic-prefixed layout: skip
            free(seed);
            continue;
        }
        seeds++;
        s_check_decision(seed, size, &accepted, &refused);
        uint8_t *mutant = (uint8_t *) malloc(size + 16);
        assert_non_null(mutant);
        for (int round = 0; round < 20000; round++) {
            memcpy(mutant, seed, size);
            size_t mutant_size = size;
            //  one to four changes: a byte set, a cut, or bytes appended
            int changes = 1 + (int) (random % 4);
            for (int change = 0; change < changes; change++) {
                random ^= random << 13; random ^= random >> 17; random ^= random << 5;
                switch (random % 8) {
                    case 0: mutant_size = random % (mutant_size + 1); break;
                    case 1:
                        if (mutant_size < size + 16)
                            mutant[mutant_size++] = (uint8_t) (random >> 8);
                        break;
                    default:
                        if (mutant_size)
                            mutant[(random >> 8) % mutant_size] = (uint8_t) (random >> 20);
                }
            }
            s_check_decision(mutant, mutant_size, &accepted, &refused);
        }
        free(mutant);
        free(seed);
    }
    closedir(dir);
    print_message("%llu seeds, %llu frames accepted, %llu refused\n", (unsigned long long) seeds,
                  (unsigned long long) accepted, (unsigned long long) refused);
    assert_true(seeds >= 10);
    //  both sides of the decision were exercised
    assert_true(accepted > seeds);
    assert_true(refused > 1000);
}

int
main(void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test(test_jbus_writes_what_msgpack_c_writes_at_every_boundary),
        cmocka_unit_test(test_jbus_accepts_nothing_msgpack_c_would_refuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
