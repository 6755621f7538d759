//! An axum [`Router`](axum::Router) serving the same handlers (feature `axum`).
//!
//! ```ignore
//! let app = axum::Router::new().merge(ferroprof::axum::router(ferroprof::Router::standard(&Default::default())));
//! ```
//!
//! Handlers run on tokio's blocking pool (a CPU profile sleeps for its duration); when axum
//! drops the request (the client went away) the handler sees it through
//! [`Request::is_cancelled`](crate::Request::is_cancelled), as with the built-in server.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request as AxumRequest;
use axum::response::Response as AxumResponse;

use crate::http::{Method, Request};
use crate::Router;

/// Largest accepted request body, as in the built-in server.
const MAX_BODY_BYTES: usize = 1 << 20;

/// Routes `/debug/pprof/` and everything below it to `router`.
pub fn router(router: Router) -> axum::Router {
    let router = Arc::new(router);
    let (r1, r2) = (router.clone(), router);
    axum::Router::new()
        .route(
            "/debug/pprof/",
            axum::routing::any(move |req| serve(r1.clone(), req)),
        )
        .route(
            "/debug/pprof/{*name}",
            axum::routing::any(move |req| serve(r2.clone(), req)),
        )
}

/// Sets the flag when the request's future is dropped before it finished.
struct CancelOnDrop(Option<Arc<AtomicBool>>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(flag) = self.0.take() {
            flag.store(true, Ordering::SeqCst);
        }
    }
}

async fn serve(router: Arc<Router>, req: AxumRequest) -> AxumResponse {
    let (parts, body) = req.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return convert(crate::Response::error(413, "request body too large"));
    };
    let target = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut request = Request::new(Method::parse(parts.method.as_str()), target, body.to_vec());
    request.headers = parts
        .headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let cancelled = Arc::new(AtomicBool::new(false));
    let flag = cancelled.clone();
    let request = request.with_cancel_check(Arc::new(move || flag.load(Ordering::SeqCst)));
    let mut guard = CancelOnDrop(Some(cancelled));
    let response = tokio::task::spawn_blocking(move || router.handle(&request)).await;
    guard.0 = None;
    match response {
        Ok(r) => convert(r),
        Err(_) => convert(crate::Response::error(500, "profile handler failed")),
    }
}

fn convert(r: crate::Response) -> AxumResponse {
    let mut builder = axum::http::Response::builder().status(r.status);
    for (k, v) in &r.headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    builder
        .body(Body::from(r.body))
        .unwrap_or_else(|_| AxumResponse::new(Body::from("invalid response headers")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower_service::Service;

    #[test]
    fn serves_index_and_go_errors() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let mut app = router(Router::standard(&crate::Config::default()));
        let call = |app: &mut axum::Router, uri: &str| {
            let req = axum::http::Request::builder()
                .uri(uri)
                .body(Body::empty())
                .unwrap();
            rt.block_on(async {
                let resp = app.call(req).await.unwrap();
                let status = resp.status().as_u16();
                let headers = resp.headers().clone();
                let body = axum::body::to_bytes(resp.into_body(), 1 << 20)
                    .await
                    .unwrap();
                (status, headers, body)
            })
        };
        let (status, headers, body) = call(&mut app, "/debug/pprof/");
        assert_eq!(status, 200);
        assert_eq!(headers["content-type"], "text/html; charset=utf-8");
        assert!(String::from_utf8_lossy(&body).contains("<a href='profile?debug=1'>profile</a>"));
        let (status, headers, body) = call(&mut app, "/debug/pprof/nope");
        assert_eq!(status, 404);
        assert_eq!(headers["x-go-pprof"], "1");
        assert_eq!(&body[..], b"Unknown profile\n");
    }
}
