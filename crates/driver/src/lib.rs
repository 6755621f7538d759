//! The driver: go tool pprof's flags, options and commands over the profile and report crates.
#![deny(missing_docs)]
