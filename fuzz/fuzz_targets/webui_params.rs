//! RELIABILITY.md P1, W2 (URL parameters): a hostile query string (`f=main&n=10&g=lines…`)
//! through `Config::apply_url_params`, as the web UI applies it to every request: a config or a
//! typed error, never a panic. Whatever applies gives URL parameters (`url_params`, pprof's
//! `makeURL`) that apply again to the same parameters.
#![no_main]

use ferroprof_driver::Config;
use libfuzzer_sys::fuzz_target;

/// Splits `a=b&c=d` without decoding: the bytes reach the config as a URL decoder would hand
/// them over.
fn pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (kv.to_string(), String::new()),
        })
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let query = String::from_utf8_lossy(data);
    let params = pairs(&query);
    let lookup = |key: &str| {
        params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    };
    let mut config = Config::default();
    if config.apply_url_params(lookup).is_err() {
        return;
    }
    let saved = config.url_params();
    let mut again = Config::default();
    again
        .apply_url_params(|key| {
            saved
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.clone())
        })
        .expect("a config's own URL parameters apply");
    assert_eq!(again.url_params(), saved, "URL parameters round trip");
});
