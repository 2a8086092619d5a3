#!/usr/bin/env python3
"""interop_python.py - jbus on the wire against an independent ZeroMQ client.

Runs the real jbus-broker and the jbus tool, and talks to them from Python
with pyzmq and the json module only (no jbus code, no msgpack module), as any
other ZeroMQ client with a CloudEvents SDK would (docs/zeromq-binding.md):

  1. Python XPUB publisher, structured mode  ->  broker  ->  `jbus sub`
     (jb_subscriber): the events arrive as sent, a malformed one is rejected.
  2. `jbus pub --mode structured` (flags)    ->  broker  ->  Python SUB:
     3 frames, frame 2 a CloudEvents v1.0 JSON event.
  3. `jbus pub --mode binary`                ->  broker  ->  Python SUB:
     2 frames, frame 1 a msgpack map.
  4. `jbus pub --mode structured` (JSON lines on stdin) -> broker -> Python SUB.

Usage: interop_python.py --broker PATH/jbus-broker --jbus PATH/jbus

Every wait is bounded. Exits 0 when every check passed, 1 otherwise, and
ends with a "N passed, N failed" line.
"""

import argparse
import datetime
import json
import os
import re
import selectors
import signal
import subprocess
import sys
import tempfile
import time
import traceback

try:
    import zmq
except ImportError as exc:              # a failure, not a skip: scripts/deps installs it
    sys.stderr.write(
        "interop_python: FAIL: the Python zmq module is missing (%s) for %s.\n"
        "Install python3-zmq (scripts/deps does: apt-get install python3-zmq), or point\n"
        "CMake at a python3 that has it: cmake -DJBUS_PYTHON3=/usr/bin/python3 ...\n"
        % (exc, sys.executable))
    print("0 passed, 1 failed")
    sys.exit(1)

PREFIX = "jerry.interop."
STRUCTURED = b"application/cloudevents+json"
SOURCE = "/jerry/interop"

READY_TIMEOUT = 10.0        # broker ready line
RECV_TIMEOUT_MS = 5000      # one message on a Python socket
PROCESS_TIMEOUT = 20.0      # one jbus run
STOP_TIMEOUT = 5.0          # broker after SIGTERM, before SIGKILL

#  RFC 3339 date-time (section 5.6), as the CloudEvents JSON format requires.
RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")

passed = 0
failed = 0


def check(condition, what, detail=None):
    """Record one check; print it. Returns the condition."""
    global passed, failed
    if condition:
        passed += 1
        print("ok    %s" % what)
    else:
        failed += 1
        print("FAIL  %s" % what)
        if detail is not None:
            for line in str(detail).rstrip().splitlines():
                print("        %s" % line)
    sys.stdout.flush()
    return bool(condition)


def now_rfc3339():
    """The time as Python SDKs write it: datetime.isoformat(), UTC, microseconds."""
    return datetime.datetime.now(datetime.timezone.utc).isoformat()


def sdk_json(event):
    """A CloudEvent in the JSON event format as a Python CloudEvents SDK
    serializes it: json.dumps with its default separators and ensure_ascii."""
    return json.dumps(event).encode("utf-8")


ANNOUNCEMENT = b"application/vnd.jbus.announcement"


def recv_multipart(socket, timeout_ms=RECV_TIMEOUT_MS):
    """One event's multipart message, or None when none came within
    timeout_ms. Publishers' announcements (binding 4.2: frame 1 is
    application/vnd.jbus.announcement) are skipped, as the binding tells a
    receiver that does not track loss to do; each is checked for its form."""
    deadline = time.monotonic() + timeout_ms / 1000.0
    while True:
        remaining = int((deadline - time.monotonic()) * 1000)
        if remaining <= 0 or not socket.poll(remaining, zmq.POLLIN):
            return None
        frames = socket.recv_multipart()
        if len(frames) == 3 and frames[1] == ANNOUNCEMENT:
            check(re.fullmatch(rb"[!-~]+ [1-9][0-9]{0,9}( final)?", frames[2]) is not None,
                  "an announcement reads PUBLISHER SEQUENCE", frames)
            continue
        return frames


# --------------------------------------------------------------------------
#  The broker


class Broker:
    def __init__(self, path):
        self.stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [path, "--frontend", "tcp://127.0.0.1:*", "--backend", "tcp://127.0.0.1:*",
             "--no-control"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self.stderr)
        self.frontend = self.backend = None
        self.ready_line = self._read_line(READY_TIMEOUT)

    def _read_line(self, timeout):
        """The first line on stdout, read within timeout seconds, or None."""
        deadline = time.monotonic() + timeout
        data = b""
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            while b"\n" not in data:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    return None
                chunk = os.read(self.process.stdout.fileno(), 4096)
                if not chunk:
                    return None             # exited before it was ready
                data += chunk
        return data.split(b"\n", 1)[0].decode("utf-8", "replace")

    def log(self):
        self.stderr.seek(0)
        return self.stderr.read().decode("utf-8", "replace")

    def stop(self):
        """SIGTERM, then SIGKILL after STOP_TIMEOUT. Returns the exit code,
        or None when it had to be killed."""
        if self.process.poll() is not None:
            return self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(STOP_TIMEOUT)
            return None
        finally:
            self.process.stdout.close()


# --------------------------------------------------------------------------
#  1. Python publisher, structured mode -> jbus sub


def test_python_to_jbus_sub(context, jbus, broker):
    print("# Python XPUB (structured mode) -> broker -> jbus sub")
    sub = subprocess.Popen(
        [jbus, "sub", "--endpoint", broker.backend, "--count", "3", "--timeout", "20000", PREFIX],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    publisher = context.socket(zmq.XPUB)
    publisher.setsockopt(zmq.LINGER, 2000)
    try:
        publisher.connect(broker.frontend)

        #  The broker forwards jbus sub's subscription to every publisher:
        #  once it is here, the subscriber is attached and nothing is lost.
        #  Polled in slices so that a jbus sub that died is noticed at once.
        subscribed = False
        deadline = time.monotonic() + 10.0
        while not subscribed and sub.poll() is None and time.monotonic() < deadline:
            if publisher.poll(100, zmq.POLLIN):
                subscribed = publisher.recv() == b"\x01" + PREFIX.encode()
        if not subscribed:
            if sub.poll() is None:
                sub.kill()
            out, err = sub.communicate()
            check(False, "XPUB receives the subscription \\x01%s forwarded by the broker" % PREFIX,
                  "jbus sub exit code %s\nstdout:\n%s\nstderr:\n%s"
                  % (sub.returncode, out.decode("utf-8", "replace"),
                     err.decode("utf-8", "replace")))
            return
        check(True, "XPUB receives the subscription \\x01%s forwarded by the broker" % PREFIX)

        events = [
            {   # JSON data, a non-ASCII subject (\u escaped by json.dumps)
                "specversion": "1.0",
                "id": "py-interop-1",
                "source": SOURCE,
                "type": PREFIX + "task.created",
                "time": now_rfc3339(),
                "subject": "TASK-1 \u00e9t\u00e9",
                "datacontenttype": "application/json",
                "data": {"task_id": "TASK-1", "points": 3, "tags": ["a", "b"], "done": False,
                         "ratio": 0.5, "owner": None},
            },
            {   # an Integer extension attribute
                "specversion": "1.0",
                "id": "py-interop-2",
                "source": SOURCE,
                "type": PREFIX + "task.assigned",
                "time": "2018-04-05T17:31:00Z",
                "subject": "TASK-2",
                "datacontenttype": "application/json",
                "priority": 7,
                "data": {"task_id": "TASK-2", "assignee": "jerry"},
            },
            {   # text data
                "specversion": "1.0",
                "id": "py-interop-3",
                "source": SOURCE,
                "type": PREFIX + "task.commented",
                "time": "2018-04-05T18:31:00.120-05:30",
                "subject": "TASK-3",
                "datacontenttype": "text/plain",
                "data": "plain text, with \"quotes\" and a newline\nend",
            },
        ]
        #  Malformed first: the topic is not the event's type.
        malformed = dict(events[0], id="py-interop-bad", type=PREFIX + "task.other")
        publisher.send_multipart([(PREFIX + "task.created").encode(), STRUCTURED,
                                  sdk_json(malformed)])
        for event in events:
            publisher.send_multipart([event["type"].encode(), STRUCTURED, sdk_json(event)])

        try:
            out, err = sub.communicate(timeout=PROCESS_TIMEOUT)
        except subprocess.TimeoutExpired:
            sub.kill()
            out, err = sub.communicate()
        out = out.decode("utf-8", "replace")
        err = err.decode("utf-8", "replace")
        check(sub.returncode == 0, "jbus sub exits 0 after --count 3",
              "exit code %s, stderr:\n%s" % (sub.returncode, err))
        lines = [line for line in out.splitlines() if line.strip()]
        check(len(lines) == 3, "jbus sub prints exactly 3 JSON lines (the malformed one skipped)",
              "stdout:\n%s\nstderr:\n%s" % (out, err))
        for index, event in enumerate(events):
            if index >= len(lines):
                check(False, "event %s printed by jbus sub" % event["id"])
                continue
            try:
                printed = json.loads(lines[index])
            except ValueError as exc:
                check(False, "jbus sub line %d is JSON" % (index + 1), "%s: %r" % (exc, lines[index]))
                continue
            check(printed == event, "event %s: jbus sub prints the attributes and data Python sent"
                  % event["id"], "sent:    %s\nprinted: %s" % (json.dumps(event, sort_keys=True),
                                                               json.dumps(printed, sort_keys=True)))
        check("rejected a message" in err, "jbus sub reports the malformed message on stderr",
              "stderr:\n%s" % err)
        check(err.count("rejected a message") == 1, "exactly one message rejected",
              "stderr:\n%s" % err)
        check(re.search(r"rejected a message: .*'type'.*topic", err) is not None,
              "the rejection names the topic/type mismatch", "stderr:\n%s" % err)
    finally:
        publisher.close(0)
        if sub.poll() is None:
            sub.kill()
            sub.communicate()


# --------------------------------------------------------------------------
#  2-4. jbus pub -> Python SUB


def run_pub(jbus, broker, arguments, stdin_data=None):
    """Run jbus pub; returns (exit code, stderr text)."""
    command = [jbus, "pub", "--endpoint", broker.frontend, "--wait", "5000"] + arguments
    try:
        done = subprocess.run(command, input=stdin_data,
                              stdin=None if stdin_data is not None else subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=PROCESS_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        return None, "timed out after %s s: %s" % (PROCESS_TIMEOUT, exc)
    return done.returncode, done.stderr.decode("utf-8", "replace")


def check_pub_ran(code, err, what):
    check(code == 0, "%s exits 0" % what, "exit code %s, stderr:\n%s" % (code, err))
    check("no subscriber" not in err, "%s saw the subscription within --wait" % what,
          "stderr:\n%s" % err)


def test_jbus_pub_structured(jbus, broker, subscriber):
    print("# jbus pub --mode structured -> broker -> Python SUB")
    event_type = PREFIX + "task.created"
    code, err = run_pub(jbus, broker, [
        "--mode", "structured", "-t", event_type, "-s", SOURCE, "--subject", "X",
        "-d", '{"n":1}', "--ext", "priority=5"])
    check_pub_ran(code, err, "jbus pub --mode structured")
    frames = recv_multipart(subscriber)
    if not check(frames is not None, "Python SUB receives the structured-mode event"):
        return
    check(len(frames) == 3, "structured mode: 3 frames", "got %d: %r" % (len(frames), frames))
    if len(frames) < 3:
        return
    check(frames[0] == event_type.encode(), "frame 0 is the type", repr(frames[0]))
    check(frames[1] == STRUCTURED, "frame 1 is application/cloudevents+json", repr(frames[1]))
    try:
        event = json.loads(frames[2].decode("utf-8"))
    except ValueError as exc:
        check(False, "frame 2 is UTF-8 JSON", "%s: %r" % (exc, frames[2]))
        return
    if not check(isinstance(event, dict), "frame 2 is a JSON object", repr(event)):
        return
    check(event.get("specversion") == "1.0", "specversion is \"1.0\"", repr(event))
    check(isinstance(event.get("id"), str) and event["id"] != "", "id is a non-empty string",
          repr(event.get("id")))
    check(event.get("source") == SOURCE, "source is %s" % SOURCE, repr(event.get("source")))
    check(event.get("type") == frames[0].decode(), "type equals frame 0", repr(event.get("type")))
    check(event.get("subject") == "X", "subject is X", repr(event.get("subject")))
    check(isinstance(event.get("time"), str) and RFC3339.match(event["time"]) is not None,
          "time is an RFC 3339 timestamp", repr(event.get("time")))
    check(event.get("datacontenttype") == "application/json",
          "datacontenttype is application/json", repr(event.get("datacontenttype")))
    check(event.get("data") == {"n": 1}, "data is {\"n\":1}", repr(event.get("data")))
    check("data_base64" not in event, "no data_base64 next to data", repr(event))
    priority = event.get("priority")
    check(type(priority) is int and priority == 5, "extension priority is the integer 5",
          repr(priority))
    #   the binding's loss-detection stamp: the publisher instance and a
    #   sequence number per type (docs/zeromq-binding.md)
    check(re.fullmatch(r"[0-9a-f]{16}", str(event.get("jbuspub"))) is not None,
          "jbuspub is a 16-hex-digit publisher id", repr(event.get("jbuspub")))
    check(event.get("jbusseq") == 1, "jbusseq is 1 for the publisher's first event",
          repr(event.get("jbusseq")))
    expected = {"specversion", "id", "source", "type", "time", "subject", "datacontenttype",
                "data", "priority", "jbuspub", "jbusseq"}
    check(set(event) == expected, "no other members", "members: %s" % sorted(event))
    check(all(isinstance(key, str) and re.match(r"^[a-z0-9_]+$", key) for key in event),
          "member names are CloudEvents attribute names", sorted(event))


def test_jbus_pub_binary(jbus, broker, subscriber):
    print("# jbus pub --mode binary -> broker -> Python SUB")
    event_type = PREFIX + "task.completed"
    code, err = run_pub(jbus, broker, [
        "--mode", "binary", "-t", event_type, "-s", SOURCE, "--subject", "X",
        "-d", '{"n":2}', "--ext", "priority=5"])
    check_pub_ran(code, err, "jbus pub --mode binary")
    frames = recv_multipart(subscriber)
    if not check(frames is not None, "Python SUB receives the binary-mode event"):
        return
    check(len(frames) == 2, "binary mode: 2 frames", "got %d: %r" % (len(frames), frames))
    if len(frames) < 2:
        return
    check(frames[0] == event_type.encode(), "frame 0 is the type", repr(frames[0]))
    first = frames[1][:1]
    check(first != b"" and first[0] >= 0x80, "frame 1 starts with a byte >= 0x80", repr(first))
    check(first != b"" and (0x80 <= first[0] <= 0x8f or first[0] in (0xde, 0xdf)),
          "frame 1 starts as a msgpack map (0x80-0x8f, 0xde, 0xdf)", repr(first))
    check(SOURCE.encode() in frames[1] and b'{"n":2}' in frames[1],
          "frame 1 carries the source and the JSON data", repr(frames[1]))
    check(event_type.encode() not in frames[1], "frame 1 does not repeat the type",
          repr(frames[1]))


def test_jbus_pub_json_lines(jbus, broker, subscriber):
    print("# JSON lines | jbus pub --mode structured -> broker -> Python SUB")
    events = [
        {"specversion": "1.0", "id": "lines-1", "source": SOURCE, "type": PREFIX + "task.created",
         "time": "2024-02-29T12:00:00.5Z", "subject": "L-1",
         "datacontenttype": "application/json", "data": {"line": 1}},
        {"specversion": "1.0", "id": "lines-2", "source": SOURCE, "type": PREFIX + "task.deleted",
         "subject": "L-2", "datacontenttype": "text/plain", "data": "line two",
         "retry": True},
    ]
    stdin_data = b"".join(json.dumps(event).encode() + b"\n" for event in events)
    code, err = run_pub(jbus, broker, ["--mode", "structured"], stdin_data)
    check_pub_ran(code, err, "jbus pub --mode structured < JSON lines")
    check("published 2 events" in err, "jbus pub reports 2 events published", err)
    for event in events:
        frames = recv_multipart(subscriber)
        if not check(frames is not None, "Python SUB receives %s" % event["id"]):
            return
        if not check(len(frames) == 3 and frames[1] == STRUCTURED,
                     "%s: 3 frames, structured" % event["id"], repr(frames)):
            continue
        check(frames[0] == event["type"].encode(), "%s: frame 0 is the type" % event["id"],
              repr(frames[0]))
        try:
            received = json.loads(frames[2].decode("utf-8"))
        except ValueError as exc:
            check(False, "%s: frame 2 is JSON" % event["id"], "%s: %r" % (exc, frames[2]))
            continue
        stamp = (received.pop("jbuspub", None), received.pop("jbusseq", None))
        check(stamp[0] is not None and isinstance(stamp[1], int),
              "%s: carries the loss-detection stamp" % event["id"], repr(stamp))
        check(received == event, "%s: frame 2 equals the JSON line" % event["id"],
              "sent:     %s\nreceived: %s" % (json.dumps(event, sort_keys=True),
                                              json.dumps(received, sort_keys=True)))
    extra = recv_multipart(subscriber, 200)
    check(extra is None, "no further message", repr(extra))


# --------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--broker", required=True, help="path to jbus-broker")
    parser.add_argument("--jbus", required=True, help="path to the jbus tool")
    arguments = parser.parse_args()
    started = time.monotonic()
    print("# python %s, pyzmq %s, libzmq %s" % (sys.version.split()[0], zmq.pyzmq_version(),
                                                zmq.zmq_version()))

    broker = Broker(arguments.broker)
    context = zmq.Context()
    try:
        match = re.match(r"^jbus-broker: ready frontend=(\S+) backend=(\S+) control=(\S+)$",
                         broker.ready_line or "")
        if check(match is not None, "jbus-broker prints its ready line",
                 "line: %r\nbroker log:\n%s" % (broker.ready_line, broker.log())):
            broker.frontend, broker.backend = match.group(1), match.group(2)
            check(match.group(3) == "none", "control=none with --no-control", broker.ready_line)
            check(re.match(r"^tcp://127\.0\.0\.1:\d+$", broker.frontend)
                  and re.match(r"^tcp://127\.0\.0\.1:\d+$", broker.backend),
                  "the ready line gives the bound tcp ports", broker.ready_line)

            for test in (test_python_to_jbus_sub,):
                try:
                    test(context, arguments.jbus, broker)
                except Exception:
                    check(False, "%s raised" % test.__name__, traceback.format_exc())

            subscriber = context.socket(zmq.SUB)
            subscriber.setsockopt(zmq.LINGER, 0)
            subscriber.connect(broker.backend)
            subscriber.setsockopt(zmq.SUBSCRIBE, PREFIX.encode())
            try:
                for test in (test_jbus_pub_structured, test_jbus_pub_binary,
                             test_jbus_pub_json_lines):
                    try:
                        test(arguments.jbus, broker, subscriber)
                    except Exception:
                        check(False, "%s raised" % test.__name__, traceback.format_exc())
            finally:
                subscriber.close(0)
    finally:
        context.term()
        code = broker.stop()
        check(code == 0, "jbus-broker exits 0 on SIGTERM",
              "exit code %s%s\nbroker log:\n%s"
              % (code, " (killed: still running %s s after SIGTERM)" % STOP_TIMEOUT
                 if code is None else "", broker.log()))
        broker.stderr.close()

    print("# %.1f s" % (time.monotonic() - started))
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
