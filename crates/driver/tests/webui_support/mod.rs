//! Helpers shared by the web UI tests.
pub mod hostile;
