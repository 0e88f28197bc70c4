//! Retrying a non-idempotent request only after reading whether the failed attempt took
//! effect anyway (a 503 or timeout may come after the cluster acted).
use async_trait::async_trait;

use super::request::{Req, Resp};
use super::HttpCluster;
use crate::cluster::ApiError;

/// A state read that tells whether a mutation already happened.
#[async_trait]
pub(super) trait Verify: Send + Sync {
    /// What the call returns when the state shows the mutation done.
    type Done: Send;
    /// `Some` if done, `None` if it did not happen and may be sent again, `Err` if the state
    /// cannot tell (then the call gives up rather than risk a second effect).
    async fn done(&self, api: &HttpCluster) -> Result<Option<Self::Done>, ApiError>;
}

/// The outcome of a verified send.
pub(super) enum Verified<T> {
    /// The cluster answered this response (success or a non-retryable error).
    Sent(Resp),
    /// An attempt failed ambiguously, and the state shows it took effect.
    AlreadyDone(T),
}

impl HttpCluster {
    /// Send `req` once; after a retryable failure, back off, ask `verify` and resend only if
    /// the mutation did not happen. A failure before any connection skips the check.
    pub(super) async fn send_verified<V: Verify>(
        &self,
        req: &Req,
        verify: &V,
    ) -> Result<Verified<V::Done>, ApiError> {
        let mut call = self.t.begin();
        loop {
            let failure = match self.t.attempt(req, &mut call).await {
                Ok(resp) => return Ok(Verified::Sent(resp)),
                Err(f) => f,
            };
            self.t.pause(req, &mut call, &failure).await?;
            if failure.never_sent() {
                continue;
            }
            match verify.done(self).await {
                Ok(Some(done)) => {
                    tracing::info!(
                        cluster = %self.t.name, method = %req.method, path = %req.path,
                        "failed attempt had taken effect; not resending"
                    );
                    return Ok(Verified::AlreadyDone(done));
                }
                Ok(None) => continue,
                Err(e) => {
                    let why = format!("; not retried: could not verify the cluster state ({e})");
                    return Err(failure.to_error(req, &why));
                }
            }
        }
    }
}
