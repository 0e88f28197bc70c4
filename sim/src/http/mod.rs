//! The HTTP front: axum listeners (one per cluster), fault handling, the request log, and the
//! hand-off to the router. Every handler runs synchronously under the world lock.
pub mod cat;
pub mod cat_cols;
pub mod cluster_api;
pub mod control;
pub mod docs_api;
pub mod indices_api;
pub mod multi_api;
pub mod query;
pub mod router;
pub mod stats_api;
pub mod types;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tokio::sync::watch;

use self::types::{Body, Req, Resp};
use super::error::OsError;
use super::reqlog::RequestRecord;
use super::world::World;

/// State shared by the listeners, the ticker and the [`super::SimHandle`].
pub struct Shared {
    world: Mutex<World>,
    /// Per cluster: whether its listener should accept connections (false during a
    /// "refuse" outage).
    pub listen: Vec<watch::Sender<bool>>,
    /// The `Authorization` value every OpenSearch request must carry, as with the security
    /// plugin on; `None` serves anyone. `/_sim` control paths are never checked.
    auth: Option<String>,
}

impl Shared {
    pub fn new(world: World, auth: Option<String>) -> Arc<Self> {
        let n = world.clusters.len();
        Arc::new(Self {
            world: Mutex::new(world),
            listen: (0..n).map(|_| watch::channel(true).0).collect(),
            auth,
        })
    }

    /// Whether a request with this `Authorization` header may pass.
    fn authorized(&self, path: &str, header: Option<&str>) -> bool {
        match &self.auth {
            None => true,
            Some(want) => path.starts_with("/_sim") || header == Some(want.as_str()),
        }
    }

    /// Locks the world (a poisoned lock is recovered: the state is still consistent enough
    /// for a simulator, and tests must not hang on it).
    pub fn lock(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Propagates outage flags to the listeners.
    pub fn sync_listeners(&self) {
        let wanted: Vec<bool> = {
            let w = self.lock();
            w.clusters.iter().map(|c| !c.refusing).collect()
        };
        for (tx, want) in self.listen.iter().zip(wanted) {
            if *tx.borrow() != want {
                let _ = tx.send(want);
            }
        }
    }
}

#[derive(Clone)]
pub struct Ctx {
    pub shared: Arc<Shared>,
    pub cluster: usize,
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn parse_query(q: &str) -> BTreeMap<String, String> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (percent_decode(k), percent_decode(v)),
            None => (percent_decode(p), String::new()),
        })
        .collect()
}

pub fn build_req(method: &str, path: &str, raw_query: &str, body: Vec<u8>, cluster: usize) -> Req {
    let segs = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| percent_decode(&s.replace('+', "%2B")))
        .collect();
    Req {
        method: method.to_ascii_uppercase(),
        path: path.to_string(),
        segs,
        query: parse_query(raw_query),
        raw_query: raw_query.to_string(),
        body,
        cluster,
    }
}

fn injected(status: u16, retry_after: Option<u64>) -> Resp {
    let e = match status {
        429 => OsError::new(
            429,
            "rejected_execution_exception",
            "rejected execution of coordinating operation [injected by lifeguard sim]",
        ),
        503 => OsError::new(
            503,
            "cluster_block_exception",
            "blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / initialized];",
        ),
        s => OsError::new(s, "exception", format!("injected fault: HTTP {s}")),
    };
    let mut r = Resp::from(e);
    if let Some(s) = retry_after {
        r = r.header("Retry-After", &s.to_string());
    }
    r
}

/// Handles one request against the world: faults, dispatch, log. Returns the response and
/// the latency to add.
pub fn handle_sync(shared: &Shared, req: &Req) -> (Resp, u64) {
    let mut w = shared.lock();
    crate::events::catch_up(&mut w);
    if req.path.starts_with("/_sim") {
        return (control::handle(&mut w, req), 0);
    }
    let c = req.cluster;
    let verdict = super::faults::verdict(&mut w, c, &req.path);
    let (resp, fault) = if w.clusters[c].unavailable {
        (injected(503, None), Some("outage".to_string()))
    } else if let Some((status, retry_after, id)) = verdict.error {
        (injected(status, retry_after), Some(format!("rule {id}")))
    } else {
        (router::dispatch(&mut w, req), None)
    };
    log_request(&mut w, req, resp.status, fault);
    (resp, verdict.latency_ms)
}

/// One line of the request log.
fn log_request(w: &mut World, req: &Req, status: u16, fault: Option<String>) {
    let now = w.now;
    let name = if req.cluster == 0 {
        "leader"
    } else {
        "follower"
    };
    w.log.push(RequestRecord {
        seq: 0,
        cluster: name.to_string(),
        method: req.method.clone(),
        path: req.path.clone(),
        query: req.raw_query.clone(),
        status,
        sim_time_ms: now,
        fault,
    });
}

pub fn into_response(resp: Resp, head: bool, pretty: bool) -> Response {
    let status = StatusCode::from_u16(resp.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let (bytes, ctype): (Vec<u8>, &str) = match resp.body {
        Body::Json(v) => {
            let s = if pretty {
                serde_json::to_vec_pretty(&v)
            } else {
                serde_json::to_vec(&v)
            };
            (s.unwrap_or_default(), "application/json; charset=UTF-8")
        }
        Body::Text(s, ct) => (s.into_bytes(), ct),
        Body::Bytes(b, ct) => (b, ct),
        Body::Empty => (Vec::new(), "application/json; charset=UTF-8"),
    };
    let len = bytes.len();
    let mut r = if head {
        (status, Vec::<u8>::new()).into_response()
    } else {
        (status, bytes).into_response()
    };
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(ctype) {
        h.insert("content-type", v);
    }
    if head {
        if let Ok(v) = HeaderValue::from_str(&len.to_string()) {
            h.insert("content-length", v);
        }
    }
    for (k, v) in resp.headers {
        if let (Ok(name), Ok(val)) = (
            axum::http::HeaderName::try_from(k.as_str()),
            HeaderValue::from_str(&v),
        ) {
            h.insert(name, val);
        }
    }
    r
}

async fn handler(
    State(ctx): State<Ctx>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let req = build_req(
        method.as_str(),
        uri.path(),
        uri.query().unwrap_or(""),
        body.to_vec(),
        ctx.cluster,
    );
    let presented = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok());
    if !ctx.shared.authorized(&req.path, presented) {
        return into_response(unauthorized(&ctx.shared, &req), req.method == "HEAD", false);
    }
    let shared = ctx.shared.clone();
    let (resp, latency) = handle_sync(&shared, &req);
    shared.sync_listeners();
    if latency > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(latency)).await;
    }
    into_response(resp, req.method == "HEAD", req.flag("pretty"))
}

/// The security plugin's answer to missing or wrong credentials: a bare text body and a
/// Basic challenge. Logged like any request, so a test sees that it was refused.
fn unauthorized(shared: &Shared, req: &Req) -> Resp {
    log_request(&mut shared.lock(), req, 401, None);
    Resp::text(401, "Unauthorized".into(), "text/plain; charset=UTF-8")
        .header("www-authenticate", "Basic realm=\"OpenSearch Security\"")
}

fn app(ctx: Ctx) -> axum::Router {
    axum::Router::new().fallback(handler).with_state(ctx)
}

/// Serves one cluster: binds, serves while its listen flag is up, closes the socket during a
/// "refuse" outage and re-binds the same port afterwards.
pub async fn serve_cluster(
    shared: Arc<Shared>,
    cluster: usize,
    first: tokio::net::TcpListener,
    mut shutdown: watch::Receiver<bool>,
) {
    let addr: Option<SocketAddr> = first.local_addr().ok();
    let mut listener = Some(first);
    let mut listen_rx = shared.listen[cluster].subscribe();
    loop {
        if *shutdown.borrow() {
            return;
        }
        if !*listen_rx.borrow() {
            tokio::select! {
                _ = listen_rx.changed() => continue,
                _ = shutdown.changed() => return,
            }
        }
        let l = match listener.take() {
            Some(l) => l,
            None => match addr {
                Some(a) => match tokio::net::TcpListener::bind(a).await {
                    Ok(l) => l,
                    Err(e) => {
                        tracing::warn!(error = %e, "re-bind after outage failed; retrying");
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        continue;
                    }
                },
                None => return,
            },
        };
        let ctx = Ctx {
            shared: shared.clone(),
            cluster,
        };
        let mut stop_rx = listen_rx.clone();
        let mut sd = shutdown.clone();
        let res = axum::serve(l, app(ctx))
            .with_graceful_shutdown(async move {
                loop {
                    tokio::select! {
                        r = stop_rx.changed() => { if r.is_err() || !*stop_rx.borrow() { break; } }
                        r = sd.changed() => { if r.is_err() || *sd.borrow() { break; } }
                    }
                }
            })
            .await;
        if let Err(e) = res {
            tracing::warn!(error = %e, "sim listener stopped");
        }
        let _ = listen_rx.borrow_and_update();
    }
}

/// The "no handler found" body (OpenSearch writes a bare string here, not an object).
pub fn no_handler(req: &Req) -> Resp {
    let uri = if req.raw_query.is_empty() {
        req.path.clone()
    } else {
        format!("{}?{}", req.path, req.raw_query)
    };
    Resp::json(
        400,
        json!({"error": format!("no handler found for uri [{uri}] and method [{}]", req.method)}),
    )
}

pub fn wrong_method(req: &Req, allowed: &[&str]) -> Resp {
    let uri = if req.raw_query.is_empty() {
        req.path.clone()
    } else {
        format!("{}?{}", req.path, req.raw_query)
    };
    Resp::json(405, json!({"error": format!("Incorrect HTTP method for uri [{uri}] and method [{}], allowed: [{}]", req.method, allowed.join(", ")), "status": 405}))
        .header("Allow", &allowed.join(","))
}
