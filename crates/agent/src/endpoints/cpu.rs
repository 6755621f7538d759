//! `/debug/pprof/profile?seconds=N`: a CPU profile of N seconds (default 30).

use crate::cpu::CpuConfig;
use crate::error::Error;
use crate::http::{Request, Response};
use crate::router::profile_attachment;

/// Go's description.
pub(crate) const DESCRIPTION: &str = "CPU profile. You can specify the duration in the seconds GET parameter. After you get the profile file, use the go tool pprof command to investigate the profile.";

/// Go's `seconds` rule for `profile`: `ParseInt`; an error or a value ≤ 0 gives 30.
fn seconds(request: &Request) -> i64 {
    match request.form_value("seconds").parse::<i64>() {
        Ok(s) if s > 0 => s,
        _ => 30,
    }
}

/// Profiles for the requested time and answers with the gzipped profile.
pub(crate) fn handle(request: &Request, config: &CpuConfig) -> Response {
    let secs = seconds(request);
    if secs as u64 >= config.max_seconds.saturating_add(1) {
        return Response::error(400, "profile duration exceeds server's WriteTimeout");
    }
    let guard = match crate::cpu::start(config) {
        Ok(g) => g,
        Err(e @ Error::CpuProfilingInUse) => {
            return Response::error(500, &format!("Could not enable CPU profiling: {e}"))
        }
        Err(e) => return Response::error(500, &format!("Could not enable CPU profiling: {e}")),
    };
    super::wait_unless_cancelled(request, secs as u64);
    let profile = match guard.stop() {
        Ok(p) => p.to_profile(),
        Err(e) => return Response::error(500, &format!("Could not collect CPU profile: {e}")),
    };
    profile_attachment("profile", &profile)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_parse_like_go() {
        for (q, want) in [
            ("", 30),
            ("0", 30),
            ("-1", 30),
            ("abc", 30),
            ("1e30", 30),
            ("5", 5),
        ] {
            assert_eq!(
                seconds(&Request::get(&format!("/x?seconds={q}"))),
                want,
                "{q}"
            );
        }
        assert_eq!(seconds(&Request::get("/x")), 30);
    }

    #[test]
    fn above_the_cap_is_400_with_go_text() {
        let cfg = CpuConfig {
            max_seconds: 10,
            ..CpuConfig::default()
        };
        let r = handle(&Request::get("/debug/pprof/profile?seconds=11"), &cfg);
        assert_eq!(r.status, 400);
        assert_eq!(r.body, b"profile duration exceeds server's WriteTimeout\n");
        assert_eq!(r.header("X-Go-Pprof"), Some("1"));
        assert_eq!(r.header("Content-Disposition"), None);
        let r = handle(
            &Request::get("/debug/pprof/profile?seconds=9223372037"),
            &cfg,
        );
        assert_eq!(r.status, 400);
    }
}
