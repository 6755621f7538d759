//! `-comments`: the profile's comments, one per line (pprof's `printComments`).

use std::io::Write;

use crate::report::Report;
use crate::Result;

/// Writes every comment, `#` comments included, each on its own line.
pub fn write_comments(rpt: &Report<'_>, out: &mut dyn Write) -> Result<()> {
    for comment in &rpt.profile().comments {
        writeln!(out, "{comment}")?;
    }
    Ok(())
}
