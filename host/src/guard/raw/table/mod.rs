//! The one table of raw endpoints the guard knows how to scope. A raw request that matches no
//! row is denied, whatever its shape: an allowlist, not a blocklist.
//!
//! Each row says which path segments name indices (narrowed for reads, contained for
//! mutations), what its body may name ([`Body`]), which extra query parameters it takes, and
//! whether it reads or mutates. That read flag is the one definition of "this request only
//! reads", used by the guard, the snapshot cache and `plan`.

/// One path segment of a row's pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seg {
    /// This literal.
    Lit(&'static str),
    /// An index, alias or data-stream expression: narrowed for reads, contained for writes.
    Index,
    /// An index expression that may be left out; a read without it gets the grant's globs.
    OptIndex,
    /// An ISM policy id.
    Policy,
    /// A name that is not an index (node ids, metric names, thread-pool names, doc ids).
    Word,
}

/// What a row's body may carry, and how its index-naming fields are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// No body (an empty one is fine).
    Empty,
    /// Any JSON object that names no index (documents, mappings, rollover conditions).
    Json,
    /// Index settings: JSON, without ingest-pipeline settings (a pipeline can reroute
    /// documents into any index) and with `aliases` keys in the grant.
    Settings,
    /// A search body: every `index` / `_index` key anywhere in it must be inside the grant
    /// (terms lookup, more_like_this, geo_shape indexed shapes, percolate, pinned docs).
    Search,
    /// `_mget`: `docs[]._index` (or the path's index) and `ids`.
    Mget,
    /// `_msearch`: NDJSON header lines with `index`, each followed by a search body.
    Msearch,
    /// `_bulk`: NDJSON action lines with `_index` (or the path's index).
    Bulk,
    /// `POST _aliases`: every action's indices and aliases.
    AliasActions,
    /// `_cluster/allocation/explain`: required, with an `index` in the grant.
    AllocationExplain,
    /// ISM add / change_policy: `policy_id` in the grant.
    IsmPolicyId,
    /// An ISM policy document: `ism_template.index_patterns` in the grant.
    IsmPolicy,
    /// CCR `_start`: `leader_alias` granted, `leader_index` in the grant.
    CcrStart,
    /// CCR auto-follow rule: `name`, `leader_alias` and `pattern` granted.
    Autofollow,
}

/// Whether a row only reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Mutate,
}

/// One allowlisted endpoint.
#[derive(Debug, Clone, Copy)]
pub struct Endpoint {
    /// A short name for messages and the audit line, e.g. `_mget`.
    pub name: &'static str,
    pub methods: &'static [&'static str],
    pub path: &'static [Seg],
    pub access: Access,
    pub body: Body,
    /// Query parameters beyond [`COMMON_PARAMS`].
    pub params: &'static [&'static str],
    /// Cluster-wide: `level=indices|shards` would list other tenants' indices.
    pub cluster_wide: bool,
}

/// Formatting and timeout parameters every row takes.
pub const COMMON_PARAMS: &[&str] = &[
    "pretty",
    "human",
    "error_trace",
    "format",
    "timeout",
    "master_timeout",
    "cluster_manager_timeout",
    "local",
    "flat_settings",
];

/// `_cat` display parameters.
const CAT: &[&str] = &[
    "v", "h", "s", "help", "bytes", "time", "pri", "health", "size",
];
/// Parameters that change which indices an expression expands to (checked by value).
const EXPAND: &[&str] = &["expand_wildcards", "ignore_unavailable", "allow_no_indices"];
const SEARCH: &[&str] = &[
    "expand_wildcards",
    "ignore_unavailable",
    "allow_no_indices",
    "size",
    "from",
    "q",
    "df",
    "sort",
    "_source",
    "_source_includes",
    "_source_excludes",
    "track_total_hits",
    "request_cache",
    "routing",
    "preference",
    "search_type",
    "terminate_after",
    "filter_path",
    "typed_keys",
    "rest_total_hits_as_int",
    "max_concurrent_searches",
];
const DOC: &[&str] = &[
    "routing",
    "preference",
    "realtime",
    "refresh",
    "_source",
    "_source_includes",
    "_source_excludes",
    "stored_fields",
    "version",
    "version_type",
    "filter_path",
];
const WRITE_DOC: &[&str] = &[
    "routing",
    "refresh",
    "op_type",
    "if_seq_no",
    "if_primary_term",
    "version",
    "version_type",
    "wait_for_active_shards",
    "require_alias",
    "filter_path",
];

use Access::Read;

const GET: &[&str] = &["GET", "HEAD"];
const GET_POST: &[&str] = &["GET", "POST"];
const POST: &[&str] = &["POST"];
const PUT: &[&str] = &["PUT"];
const PUT_POST: &[&str] = &["PUT", "POST"];
const DELETE: &[&str] = &["DELETE"];

const fn row(
    name: &'static str,
    methods: &'static [&'static str],
    path: &'static [Seg],
    access: Access,
    body: Body,
    params: &'static [&'static str],
) -> Endpoint {
    Endpoint {
        name,
        methods,
        path,
        access,
        body,
        params,
        cluster_wide: false,
    }
}

const fn wide(
    name: &'static str,
    path: &'static [Seg],
    params: &'static [&'static str],
) -> Endpoint {
    Endpoint {
        name,
        methods: GET,
        path,
        access: Read,
        body: Body::Empty,
        params,
        cluster_wide: true,
    }
}

mod cluster_rows;
mod index_rows;

/// The allowlist, in matching order. Order matters only where two rows could match one
/// path: the first wins, so literal rows come before `Index` rows of the same length.
pub fn endpoints() -> impl Iterator<Item = &'static Endpoint> {
    cluster_rows::CLUSTER_ROWS
        .iter()
        .chain(index_rows::INDEX_ROWS.iter())
}

/// The row for `method` and `segs`, if any. A segment starting with `_` never fills an
/// `Index` or `Policy` slot: it is an API name, and a path like `/_reindex` must not read as an
/// index called `_reindex`.
pub fn find(method: &str, segs: &[String]) -> Option<&'static Endpoint> {
    endpoints().find(|e| e.methods.contains(&method) && matches(e.path, segs))
}

fn matches(pattern: &[Seg], segs: &[String]) -> bool {
    let optional_tail = matches!(pattern.last(), Some(Seg::OptIndex));
    let fits = segs.len() == pattern.len() || (optional_tail && segs.len() + 1 == pattern.len());
    fits && pattern.iter().zip(segs).all(|(p, s)| match p {
        Seg::Lit(l) => s == l,
        Seg::Word => true,
        Seg::Index | Seg::OptIndex | Seg::Policy => !s.starts_with('_'),
    })
}

/// The one definition of "this request only reads": the table's flag, with the rollover's
/// `dry_run=true` counted as a read. A request outside the table reads when its method does.
pub fn is_read_request(method: &str, path: &str, query: &str) -> bool {
    let method = method.to_ascii_uppercase();
    let segs: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    match find(&method, &segs) {
        Some(e) if e.access == Access::Read => true,
        Some(e) if e.name.starts_with("<index>/_rollover") => query
            .split('&')
            .any(|kv| kv == "dry_run=true" || kv == "dry_run"),
        Some(_) => false,
        None => matches!(method.as_str(), "GET" | "HEAD" | "OPTIONS"),
    }
}
