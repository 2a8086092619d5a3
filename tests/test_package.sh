#!/usr/bin/env bash
#  Build the Debian package from a fresh configure (cmake/Packaging.cmake),
#  unpack it into a scratch root with dpkg -x and check what it holds: the
#  programs run from there, the conffile, man pages, bash completion, and
#  `systemd-analyze verify` of the unit. Exits 77 (ctest: skipped) when the
#  package is right but systemd-analyze is missing or cannot run here.
#  Usage: test_package.sh SOURCE_DIR
set -euo pipefail
if [ $# -ne 1 ]; then
    echo "usage: test_package.sh SOURCE_DIR" >&2
    exit 2
fi
source_dir=$(cd "$1" && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
build=$scratch/build
root=$scratch/root
failures=0

fail() {
    echo "test_package: FAIL: $*" >&2
    failures=$((failures + 1))
}
#  run COMMAND...: run it, its output into $scratch/log; show the log and stop on failure
run() {
    if ! "$@" >"$scratch/log" 2>&1; then
        cat "$scratch/log" >&2
        echo "test_package: FAIL: $*" >&2
        exit 1
    fi
}

for tool in cmake cpack dpkg dpkg-deb help2man; do
    command -v "$tool" >/dev/null || { echo "test_package: FAIL: no $tool (scripts/deps)" >&2; exit 1; }
done

# ---------------------------------------------------------------- build the package
#  Release, no tests, only what the package holds: cpack does not build all first.
echo "test_package: configuring and building in $build"
run cmake -S "$source_dir" -B "$build" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX=/usr -DJBUS_BUILD_TESTS=OFF -DJBUS_MANPAGES=ON \
    -DCMAKE_SKIP_INSTALL_ALL_DEPENDENCY=ON
run cmake --build "$build" -j2 --target jbus jbus_broker jbus_cli jbus_man
(cd "$build" && run cpack -G DEB)
shopt -s nullglob
debs=("$build"/jbus_*.deb)
shopt -u nullglob
if [ ${#debs[@]} -ne 1 ]; then
    echo "test_package: FAIL: expected one jbus_*.deb in $build, found ${#debs[@]}" >&2
    exit 1
fi
deb=${debs[0]}
echo "test_package: built $(basename "$deb")"

# ---------------------------------------------------------------- control
[ "$(dpkg-deb -f "$deb" Package)" = jbus ] || fail "package name is not jbus"
conffiles=$(dpkg-deb -I "$deb" conffiles 2>/dev/null || true)
[ "$conffiles" = /etc/jbus/jbus-broker.cfg ] \
    || fail "conffiles is '$conffiles', not /etc/jbus/jbus-broker.cfg"
depends=$(dpkg-deb -f "$deb" Depends)
if command -v dpkg-shlibdeps >/dev/null; then
    for library in libzmq5 libczmq4 liblmdb0; do
        [[ $depends == *"$library "* ]] || fail "Depends lacks $library: $depends"
    done
fi
for script in postinst prerm postrm triggers; do
    dpkg-deb -I "$deb" "$script" >/dev/null 2>&1 || fail "no $script in the package"
done

# ---------------------------------------------------------------- contents
mkdir "$root"
dpkg -x "$deb" "$root"
for path in usr/bin/jbus-broker usr/bin/jbus usr/include/jbus.h usr/include/jbus/event.h \
            etc/jbus/jbus-broker.cfg usr/lib/systemd/system/jbus-broker.service \
            usr/lib/sysusers.d/jbus.conf usr/share/man/man1/jbus.1 \
            usr/share/man/man8/jbus-broker.8 usr/share/bash-completion/completions/jbus \
            usr/share/bash-completion/completions/jbus-broker \
            usr/share/doc/jbus/examples/jbus-broker.cfg; do
    [ -e "$root/$path" ] || fail "the package lacks /$path"
done
library=$(find "$root/usr/lib" -name 'libjbus.so.*' -type f | head -n 1)
if [ -z "$library" ]; then
    fail "the package lacks libjbus.so.*"
    libdir=$root/usr/lib
else
    libdir=$(dirname "$library")
    for path in "$libdir/pkgconfig/jbus.pc" "$libdir/cmake/jbus/jbusConfig.cmake"; do
        [ -e "$path" ] || fail "the package lacks ${path#"$root"}"
    done
fi
cmp -s "$root/etc/jbus/jbus-broker.cfg" "$source_dir/bus/jbus-broker.cfg" \
    || fail "/etc/jbus/jbus-broker.cfg is not bus/jbus-broker.cfg"

# ---------------------------------------------------------------- the programs
#  From the scratch root, on the packaged library, not one installed elsewhere.
for program in jbus-broker jbus; do
    if ! LD_LIBRARY_PATH=$libdir "$root/usr/bin/$program" --help >/dev/null 2>&1; then
        fail "$program --help from the package failed"
    fi
    linked=$(LD_LIBRARY_PATH=$libdir ldd "$root/usr/bin/$program" | grep libjbus || true)
    [[ $linked == *"$root"* ]] || fail "$program does not link the packaged libjbus: $linked"
done
version=$(LD_LIBRARY_PATH=$libdir "$root/usr/bin/jbus" --version 2>&1 || true)
[[ $version == "jbus "[0-9]* ]] || fail "jbus --version printed '$version'"

# ---------------------------------------------------------------- man pages
#  roff writes a dash as \-: look for options of the subcommands and the broker
grep -qF 'COMMANDS IN DETAIL' "$root/usr/share/man/man1/jbus.1" \
    || fail "jbus(1) lacks the commands' help"
grep -qF -- '\-\-curve\-server' "$root/usr/share/man/man1/jbus.1" \
    || fail "jbus(1) lacks --curve-server"
grep -qF -- '\-\-journal\-filter' "$root/usr/share/man/man8/jbus-broker.8" \
    || fail "jbus-broker(8) lacks --journal-filter"
grep -q '^\.TH JBUS-BROKER "\?8' "$root/usr/share/man/man8/jbus-broker.8" \
    || fail "jbus-broker(8) is not in section 8"
if command -v man >/dev/null; then
    warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$root/usr/share/man/man1/jbus.1" \
               "$root/usr/share/man/man8/jbus-broker.8" 2>&1 >/dev/null || true)
    [ -z "$warnings" ] || fail "man --warnings: $warnings"
fi

# ---------------------------------------------------------------- bash completion
#  complete WORD...: what the completion offers for the last WORD, one a line
complete_words() {
    PATH="$root/usr/bin:$PATH" LD_LIBRARY_PATH=$libdir bash -c '
        source "$0"
        COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
        "$(complete -p "$1" | sed "s/.* -F \([^ ]*\) .*/\1/")" "$1"
        printf "%s\n" "${COMPREPLY[@]}"' \
        "$root/usr/share/bash-completion/completions/jbus" "$@"
}
#  The words first, then grep: with pipefail, grep -q leaving at its first
#  match could fail the pipe by SIGPIPE on a writer still writing.
expect_completion() {
    local want=$1 words; shift
    words=$(complete_words "$@")
    grep -qx -- "$want" <<<"$words" || fail "completing '$*' does not offer $want"
}
expect_completion bench jbus ''
expect_completion keygen jbus help k
expect_completion --curve-server jbus pub --curve-s
expect_completion --from-start jbus sub --from
expect_completion --json jbus journal --j
expect_completion --journal-filter jbus-broker --journal-f
expect_completion debug jbus-broker --log-level ''
expect_completion structured jbus pub -m ''

if [ "$failures" -ne 0 ]; then
    echo "test_package: $failures check(s) failed" >&2
    exit 1
fi
echo "test_package: the package holds and runs what it should"

# ---------------------------------------------------------------- systemd-analyze verify
#  In a root of its own: the package, the host's units (the targets the unit
#  is ordered after) and /bin/kill (ExecReload); verify checks that every
#  command and man page named exists, and warns without failing on an
#  unknown key, so any output fails.
skip() {
    echo "test_package: SKIP systemd-analyze verify: $*" >&2
    exit 77
}
command -v systemd-analyze >/dev/null \
    || skip "systemd-analyze not found (Debian package systemd: scripts/deps)"
for units in /lib/systemd/system /usr/lib/systemd/system; do
    [ -d "$units" ] || continue
    mkdir -p "$root$units"
    cp -an "$units/." "$root$units/"
done
mkdir -p "$root/bin"
[ -e "$root/bin/kill" ] || cp "$(readlink -f /bin/kill)" "$root/bin/kill"
man_check=(--man=yes)
if ! command -v man >/dev/null; then
    echo "test_package: note: no man command, Documentation= is not checked" >&2
    man_check=(--man=no)
fi
printf '[Service]\nExecStart=/bin/kill -0 1\n' >"$root/usr/lib/systemd/system/jbus-probe.service"
if ! probe=$(systemd-analyze verify --root="$root" --man=no \
                 /usr/lib/systemd/system/jbus-probe.service 2>&1) || [ -n "$probe" ]; then
    skip "it cannot verify even a trivial unit here: $probe"
fi
if ! verify=$(MANPATH=$root/usr/share/man systemd-analyze verify --root="$root" \
                  "${man_check[@]}" /usr/lib/systemd/system/jbus-broker.service 2>&1) \
   || [ -n "$verify" ]; then
    echo "$verify" >&2
    echo "test_package: FAIL: systemd-analyze verify jbus-broker.service" >&2
    exit 1
fi
echo "test_package: systemd-analyze verify jbus-broker.service: clean"
