//! Sending one request: base-URL failover, per-attempt and overall timeouts, backoff with
//! full jitter, `Retry-After`, and the per-tick retry budget.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use reqwest::Client;
use tokio::time::Instant;

use super::config::RetryConfig;
use super::connect::Auth;
use super::request::{parse_retry_after, retryable, Failure, Replay, Req, Resp};
use super::stats::{Counters, RetryBudget};
use crate::cluster::ApiError;

pub(super) struct Transport {
    pub(super) name: String,
    client: Client,
    urls: Vec<String>,
    /// Index into `urls` of the last base URL that answered.
    preferred: AtomicUsize,
    auth: Auth,
    request_timeout: Duration,
    overall_timeout: Duration,
    retry: RetryConfig,
    pub(super) budget: RetryBudget,
    pub(super) counters: Counters,
}

/// The progress of one logical call across its attempts.
pub(super) struct Call {
    deadline: Instant,
    attempts: u32,
}

pub(super) struct TransportParts {
    pub(super) name: String,
    pub(super) client: Client,
    pub(super) urls: Vec<String>,
    pub(super) auth: Auth,
    pub(super) request_timeout: Duration,
    pub(super) overall_timeout: Duration,
    pub(super) retry: RetryConfig,
    pub(super) retry_budget_per_tick: u32,
}

impl Transport {
    pub(super) fn new(p: TransportParts) -> Transport {
        Transport {
            name: p.name,
            client: p.client,
            urls: p.urls,
            preferred: AtomicUsize::new(0),
            auth: p.auth,
            request_timeout: p.request_timeout,
            overall_timeout: p.overall_timeout,
            retry: p.retry,
            budget: RetryBudget::new(p.retry_budget_per_tick),
            counters: Counters::default(),
        }
    }

    pub(super) fn begin(&self) -> Call {
        Call {
            deadline: Instant::now() + self.overall_timeout,
            attempts: 0,
        }
    }

    /// Send `req`, retrying retryable failures when it may be replayed (or was never sent).
    /// Returns the final response, whatever its status.
    pub(super) async fn send(&self, req: &Req) -> Result<Resp, ApiError> {
        let mut call = self.begin();
        loop {
            match self.attempt(req, &mut call).await {
                Ok(resp) => return Ok(resp),
                Err(f) if req.replay == Replay::Blind || f.never_sent() => {
                    self.pause(req, &mut call, &f).await?
                }
                Err(f) => {
                    return Err(f.to_error(req, "; not retried: the request is not idempotent"))
                }
            }
        }
    }

    /// One attempt: the preferred base URL first, the others in order while connections
    /// fail. Any response that is not a retryable status is `Ok`.
    pub(super) async fn attempt(&self, req: &Req, call: &mut Call) -> Result<Resp, Failure> {
        call.attempts += 1;
        let n = self.urls.len();
        let first = self.preferred.load(Ordering::Relaxed) % n.max(1);
        let mut last = Failure::Connect("no base URL".into());
        for i in 0..n {
            let idx = (first + i) % n;
            if i > 0 {
                self.counters.failover();
            }
            match self.once(req, idx, call.deadline).await {
                Err(f @ Failure::Connect(_)) => last = f,
                other => {
                    // A timeout suggests a sick node: start the next attempt elsewhere.
                    let next = match &other {
                        Err(Failure::Timeout(_)) if n > 1 => (idx + 1) % n,
                        _ => idx,
                    };
                    self.preferred.store(next, Ordering::Relaxed);
                    return other;
                }
            }
        }
        Err(last)
    }

    async fn once(&self, req: &Req, idx: usize, deadline: Instant) -> Result<Resp, Failure> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Failure::Timeout("overall timeout reached".into()));
        }
        let base = self.urls.get(idx).map_or("", String::as_str);
        let url = format!("{base}{}", req.path);
        let mut rb = self
            .client
            .request(req.method.clone(), &url)
            .timeout(self.request_timeout.min(left));
        if let Some(body) = &req.body {
            rb = rb
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        let started = Instant::now();
        let result = self.auth.apply(rb).send().await;
        let resp = match result {
            Ok(r) => r,
            Err(e) => return Err(self.transport_failure(req, base, e)),
        };
        let status = resp.status();
        let retry_after = parse_retry_after(resp.headers().get(reqwest::header::RETRY_AFTER));
        let body = match resp.bytes().await {
            Ok(b) => b,
            Err(e) => return Err(self.transport_failure(req, base, e)),
        };
        self.counters.request(status.as_str());
        tracing::debug!(
            cluster = %self.name, method = %req.method, path = %req.path, base,
            status = status.as_u16(), ms = started.elapsed().as_millis() as u64, "cluster request"
        );
        if retryable(status) {
            Err(Failure::Status {
                status,
                retry_after,
                body,
            })
        } else {
            Ok(Resp { status, body })
        }
    }

    fn transport_failure(&self, req: &Req, base: &str, e: reqwest::Error) -> Failure {
        // reqwest's Display carries the URL but never credentials (they are in headers).
        let text = e.to_string();
        let (label, failure) = if e.is_timeout() {
            ("timeout", Failure::Timeout(text))
        } else if e.is_connect() {
            ("connect", Failure::Connect(text))
        } else {
            ("error", Failure::Broken(text))
        };
        self.counters.request(label);
        tracing::debug!(cluster = %self.name, method = %req.method, path = %req.path, base, error = label, "cluster request failed");
        failure
    }

    /// Wait before the next attempt after `failure`, or give up with the mapped error when
    /// attempts, time or this tick's retry budget are spent.
    pub(super) async fn pause(
        &self,
        req: &Req,
        call: &mut Call,
        failure: &Failure,
    ) -> Result<(), ApiError> {
        if call.attempts >= self.retry.max_attempts {
            let why = format!("; gave up after {} attempts", call.attempts);
            return Err(failure.to_error(req, &why));
        }
        let wait = failure
            .retry_after()
            .unwrap_or_default()
            .max(self.jitter(call.attempts));
        if Instant::now() + wait >= call.deadline {
            return Err(failure.to_error(req, "; overall timeout leaves no time to retry"));
        }
        if !self.budget.try_take() {
            self.counters.budget_exhausted();
            return Err(failure.to_error(req, "; retry budget for this tick is spent"));
        }
        self.counters.retry();
        tracing::info!(
            cluster = %self.name, method = %req.method, path = %req.path,
            attempt = call.attempts, wait_ms = wait.as_millis() as u64, "retrying cluster request"
        );
        tokio::time::sleep(wait).await;
        Ok(())
    }

    /// Full jitter: uniform in `[0, min(max_delay, base_delay * 2^(attempt-1))]`.
    fn jitter(&self, attempt: u32) -> Duration {
        let exp = attempt.saturating_sub(1).min(30);
        let cap = self
            .retry
            .base_delay
            .saturating_mul(1u32 << exp)
            .min(self.retry.max_delay);
        let cap_ms = u64::try_from(cap.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(rand::random_range(0..=cap_ms))
    }
}
