//! Call graphs and report writers (top, traces, tree, peek, tags, raw, list, dot, callgrind, flame).
#![deny(missing_docs)]
