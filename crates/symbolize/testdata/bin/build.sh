#!/bin/sh
# Rebuilds the test binaries from src/ (g++ and binutils from Debian 12; run from this folder):
#   inline        -O1 with DWARF 5, PIE: inline frames, templates, an anonymous namespace
#   inline.nodebug  the same, DWARF moved out to inline.debug and linked by .gnu_debuglink
#   inline.zdebug   the same, DWARF sections zlib-compressed
set -eu
g++ -O1 -g -fno-omit-frame-pointer -fdebug-prefix-map="$PWD"=/ferroprof -Wl,--build-id=sha1 -o inline src/inline.cc
objcopy --only-keep-debug inline inline.debug
objcopy --strip-debug --add-gnu-debuglink=inline.debug inline inline.nodebug
objcopy --compress-debug-sections=zlib inline inline.zdebug
