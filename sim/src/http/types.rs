//! Request and response values of the simulator's HTTP layer.
use std::collections::BTreeMap;

use serde_json::Value;

use crate::error::{OsError, OsResult};

#[derive(Debug, Clone)]
pub struct Req {
    pub method: String,
    pub path: String,
    /// Percent-decoded path segments.
    pub segs: Vec<String>,
    pub query: BTreeMap<String, String>,
    pub raw_query: String,
    pub body: Vec<u8>,
    pub cluster: usize,
}

impl Req {
    pub fn q(&self, k: &str) -> Option<&str> {
        self.query.get(k).map(String::as_str)
    }
    /// A boolean flag: present without value or with anything but "false".
    pub fn flag(&self, k: &str) -> bool {
        self.q(k).is_some_and(|v| v != "false")
    }
    pub fn has_body(&self) -> bool {
        self.body.iter().any(|b| !b.is_ascii_whitespace())
    }
    /// Parses the body as JSON; an empty body is `null`.
    pub fn json(&self) -> OsResult<Value> {
        if !self.has_body() {
            return Ok(Value::Null);
        }
        parse_json(&self.body)
    }
    pub fn json_required(&self) -> OsResult<Value> {
        if !self.has_body() {
            return Err(OsError::parse("request body is required"));
        }
        parse_json(&self.body)
    }
}

/// Parses JSON, reporting errors the way Jackson does inside OpenSearch.
pub fn parse_json(bytes: &[u8]) -> OsResult<Value> {
    serde_json::from_slice(bytes).map_err(|e| {
        let (line, col) = (e.line(), e.column());
        let text = String::from_utf8_lossy(bytes);
        let ch = text.lines().nth(line.saturating_sub(1)).and_then(|l| l.chars().nth(col.saturating_sub(1)));
        let msg = e.to_string();
        let msg = msg.split(" at line").next().unwrap_or(&msg).to_string();
        let head = match ch {
            Some(c) => format!("Unexpected character ('{c}' (code {})): {msg}", c as u32),
            None => format!("Unexpected end-of-input: {msg}"),
        };
        OsError::new(400, "json_parse_exception", format!(
            "{head}\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: {line}, column: {col}]"
        ))
    })
}

#[derive(Debug, Clone)]
pub enum Body {
    Json(Value),
    Text(String, &'static str),
    Bytes(Vec<u8>, &'static str),
    Empty,
}

#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub body: Body,
    pub headers: Vec<(String, String)>,
}

impl Resp {
    pub fn json(status: u16, v: Value) -> Self {
        Self {
            status,
            body: Body::Json(v),
            headers: Vec::new(),
        }
    }
    pub fn ok(v: Value) -> Self {
        Self::json(200, v)
    }
    pub fn empty(status: u16) -> Self {
        Self {
            status,
            body: Body::Empty,
            headers: Vec::new(),
        }
    }
    pub fn text(status: u16, s: String, content_type: &'static str) -> Self {
        Self {
            status,
            body: Body::Text(s, content_type),
            headers: Vec::new(),
        }
    }
    pub fn header(mut self, k: &str, v: &str) -> Self {
        self.headers.push((k.to_string(), v.to_string()));
        self
    }
    pub fn body_json(&self) -> Option<&Value> {
        match &self.body {
            Body::Json(v) => Some(v),
            _ => None,
        }
    }
}

impl From<OsError> for Resp {
    fn from(e: OsError) -> Self {
        let mut r = Resp::json(e.status, e.body());
        r.headers = e.headers.clone();
        r
    }
}

pub type HResult = OsResult<Resp>;
