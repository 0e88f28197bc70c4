//! `lifeguard:plugin/state`: small per-(tenant, plugin) key-value state.
use crate::bindings::state::Host;
use crate::bindings::types::Error;
use crate::runtime::EnvView;

/// Limits from the WIT documentation.
pub const MAX_KEY: usize = 256;
pub const MAX_VALUE: usize = 64 << 10;

impl Host for EnvView<'_> {
    async fn get(&mut self, key: String) -> wasmtime::Result<Option<String>> {
        Ok(self.env.state.get(&key))
    }

    async fn set(&mut self, key: String, value: String) -> wasmtime::Result<Result<(), Error>> {
        if key.is_empty() || key.len() > MAX_KEY {
            return Ok(Err(Error::Invalid(format!(
                "state key must be 1 to {MAX_KEY} bytes, got {}",
                key.len()
            ))));
        }
        if value.len() > MAX_VALUE {
            return Ok(Err(Error::Invalid(format!(
                "state value for [{key}] is {} bytes, over the {MAX_VALUE} byte limit",
                value.len()
            ))));
        }
        Ok(self.env.state.set(&key, &value).await.map_err(Into::into))
    }

    async fn delete(&mut self, key: String) -> wasmtime::Result<Result<(), Error>> {
        Ok(self.env.state.delete(&key).await.map_err(Into::into))
    }

    async fn keys(&mut self) -> wasmtime::Result<Vec<String>> {
        Ok(self.env.state.keys())
    }
}
