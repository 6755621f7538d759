//! The countdown shown on a terminal while a server collects a `seconds=N` profile.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use crate::error::{Error, Result};

/// How often the bar is redrawn: often enough for a seconds countdown to look smooth.
const TICK: Duration = Duration::from_millis(200);

/// Runs `request` on a worker thread while a bar counts the `seconds` of collection down on
/// standard error; the bar is cleared when the response arrives.
pub fn while_collecting<F>(seconds: u64, request: F) -> Result<Vec<u8>>
where
    F: FnOnce() -> Result<Vec<u8>> + Send + 'static,
{
    let bar = ProgressBar::new(seconds);
    bar.set_style(
        ProgressStyle::with_template("Collecting profile {bar:40} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        // The receiver waits until this message arrives, so it is never gone.
        let _ = send.send(request());
    });
    let start = Instant::now();
    let result = loop {
        match receive.recv_timeout(TICK) {
            Ok(result) => break result,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let elapsed = start.elapsed().as_secs();
                bar.set_position(elapsed.min(seconds));
                bar.set_message(if elapsed < seconds {
                    format!("{}s left", seconds - elapsed)
                } else {
                    "waiting for the server".to_string()
                });
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                break Err(Error::Fetch(
                    "the fetching thread stopped unexpectedly".into(),
                ))
            }
        }
    };
    bar.finish_and_clear();
    result
}
