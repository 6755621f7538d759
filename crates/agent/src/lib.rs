//! The ferroprof agent: Go's /debug/pprof endpoints for Rust services.
#![deny(missing_docs)]
