//! Small key-value state per (tenant, plugin), durable across runs and restarts. Keys up to
//! 256 bytes, values up to 64 KiB, 1 MiB in total.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::bindings::lifeguard::plugin::state as raw;
use crate::{Error, ErrorKind};

/// The value stored under `key`, if any.
pub fn get(key: &str) -> Option<String> {
    raw::get(key)
}

/// Store `value` under `key` (durable when this returns).
pub fn set(key: &str, value: &str) -> Result<(), Error> {
    raw::set(key, value).map_err(Error::from)
}

/// Remove `key`; a missing key is not an error.
pub fn delete(key: &str) -> Result<(), Error> {
    raw::delete(key).map_err(Error::from)
}

/// All keys, sorted.
pub fn keys() -> Vec<String> {
    raw::keys()
}

/// The JSON value stored under `key`, decoded as `T`. A value that does not decode is an
/// `invalid` error (it was written by another version of the plugin, perhaps).
pub fn get_json<T: DeserializeOwned>(key: &str) -> Result<Option<T>, Error> {
    match get(key) {
        None => Ok(None),
        Some(s) => decode(key, &s).map(Some),
    }
}

/// Store `value` as JSON under `key`.
pub fn set_json<T: Serialize>(key: &str, value: &T) -> Result<(), Error> {
    set(key, &encode(key, value)?)
}

/// Decode a stored JSON value (what [`get_json`] does after reading).
pub fn decode<T: DeserializeOwned>(key: &str, json: &str) -> Result<T, Error> {
    serde_json::from_str(json)
        .map_err(|e| Error::new(ErrorKind::Invalid, format!("state `{key}`: {e}")))
}

/// Encode a value as JSON (what [`set_json`] does before writing).
pub fn encode<T: Serialize>(key: &str, value: &T) -> Result<String, Error> {
    serde_json::to_string(value)
        .map_err(|e| Error::new(ErrorKind::Invalid, format!("state `{key}`: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip() {
        let v: Vec<u32> = vec![1, 2];
        let s = encode("k", &v).unwrap();
        assert_eq!(decode::<Vec<u32>>("k", &s).unwrap(), v);
        let e = decode::<Vec<u32>>("k", "{").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Invalid);
        assert!(e.message().contains("state `k`"));
    }
}
