//! The client against a scripted axum stub on 127.0.0.1:0. The stub logs every request, so
//! the tests assert what reached the wire, not just what the client returned.
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use axum::Router;

use super::config::{ClusterConfig, RetryConfig, TlsConfig};
use super::HttpCluster;

mod calls;
mod props;
mod retry;

/// One request as the stub saw it.
#[derive(Debug, Clone)]
pub(super) struct Seen {
    pub method: String,
    /// Path and query, as sent.
    pub path: String,
    pub body: String,
    pub authorization: Option<String>,
}

/// What the stub answers.
pub(super) struct Reply {
    pub status: u16,
    pub body: String,
    pub retry_after: Option<&'static str>,
    pub delay: Option<Duration>,
}

pub(super) fn reply(status: u16, body: &str) -> Reply {
    Reply {
        status,
        body: body.to_owned(),
        retry_after: None,
        delay: None,
    }
}

type Handler = dyn Fn(&Seen) -> Reply + Send + Sync;

struct StubState {
    log: Mutex<Vec<Seen>>,
    handler: Box<Handler>,
}

pub(super) struct Stub {
    pub url: String,
    state: Arc<StubState>,
}

impl Stub {
    pub(super) async fn start(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Stub {
        let state = Arc::new(StubState {
            log: Mutex::new(Vec::new()),
            handler: Box::new(handler),
        });
        let app = Router::new().fallback(handle).with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Stub {
            url: format!("http://{addr}"),
            state,
        }
    }

    pub(super) fn log(&self) -> Vec<Seen> {
        self.state.log.lock().unwrap().clone()
    }

    /// Requests with this method whose path starts with `prefix`.
    pub(super) fn count(&self, method: &str, prefix: &str) -> usize {
        self.log()
            .iter()
            .filter(|s| s.method == method && s.path.starts_with(prefix))
            .count()
    }
}

async fn handle(
    State(st): State<Arc<StubState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let seen = Seen {
        method: method.to_string(),
        path: uri
            .path_and_query()
            .map(|p| p.to_string())
            .unwrap_or_default(),
        body: String::from_utf8_lossy(&body).into_owned(),
        authorization: headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    };
    st.log.lock().unwrap().push(seen.clone());
    let r = (st.handler)(&seen);
    if let Some(d) = r.delay {
        tokio::time::sleep(d).await;
    }
    let mut b = Response::builder()
        .status(StatusCode::from_u16(r.status).unwrap())
        .header("content-type", "application/json");
    if let Some(ra) = r.retry_after {
        b = b.header("retry-after", ra);
    }
    b.body(Body::from(r.body)).unwrap()
}

/// A config for tests: tiny backoff so retries cost milliseconds.
pub(super) fn config(urls: Vec<String>) -> ClusterConfig {
    ClusterConfig {
        name: "test".into(),
        urls,
        auth: None,
        tls: TlsConfig::default(),
        connect_timeout: Duration::from_millis(500),
        request_timeout: Duration::from_secs(2),
        overall_timeout: Duration::from_secs(10),
        retry: RetryConfig {
            max_attempts: 4,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
        },
        retry_budget_per_tick: 20,
        ccr_use_roles: None,
    }
}

pub(super) fn client(stub: &Stub) -> HttpCluster {
    HttpCluster::new(&config(vec![stub.url.clone()])).unwrap()
}

/// An address nothing listens on: bound, then released.
pub(super) async fn dead_url() -> String {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = l.local_addr().unwrap();
    drop(l);
    format!("http://{addr}")
}

pub(super) const HEALTH: &str = r#"{"cluster_name":"c","status":"green","number_of_nodes":1,"number_of_data_nodes":1,"active_primary_shards":1,"active_shards":1,"relocating_shards":0,"initializing_shards":0,"unassigned_shards":0}"#;
