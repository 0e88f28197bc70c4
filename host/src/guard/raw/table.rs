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

use Access::{Mutate, Read};
use Seg::{Index, Lit, OptIndex, Policy, Word};

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

/// The allowlist. Order matters only where two rows could match one path: the first wins,
/// so literal rows come before `Index` rows of the same length.
pub const ENDPOINTS: &[Endpoint] = &[
    // ---- cluster-wide reads that carry no other tenant's names ----
    wide("info", &[], &[]),
    wide(
        "_cluster/health",
        &[Lit("_cluster"), Lit("health")],
        &[
            "level",
            "wait_for_status",
            "wait_for_nodes",
            "wait_for_no_relocating_shards",
            "wait_for_no_initializing_shards",
            "wait_for_active_shards",
            "wait_for_events",
        ],
    ),
    row(
        "_cluster/health/<index>",
        GET,
        &[Lit("_cluster"), Lit("health"), Index],
        Read,
        Body::Empty,
        &[
            "level",
            "wait_for_status",
            "wait_for_active_shards",
            "expand_wildcards",
        ],
    ),
    wide(
        "_cluster/settings",
        &[Lit("_cluster"), Lit("settings")],
        &["include_defaults"],
    ),
    wide("_cluster/stats", &[Lit("_cluster"), Lit("stats")], &[]),
    row(
        "_cluster/allocation/explain",
        GET_POST,
        &[Lit("_cluster"), Lit("allocation"), Lit("explain")],
        Read,
        Body::AllocationExplain,
        &["include_disk_info", "include_yes_decisions"],
    ),
    wide("_nodes", &[Lit("_nodes")], &[]),
    wide(
        "_nodes/<a>",
        &[Lit("_nodes"), Word],
        &[
            "level",
            "metric",
            "threads",
            "interval",
            "snapshots",
            "type",
            "ignore_idle_threads",
        ],
    ),
    wide(
        "_nodes/<a>/<b>",
        &[Lit("_nodes"), Word, Word],
        &["level", "metric", "threads", "interval", "type"],
    ),
    wide(
        "_nodes/<a>/<b>/<c>",
        &[Lit("_nodes"), Word, Word, Word],
        &["level"],
    ),
    wide("_cat/health", &[Lit("_cat"), Lit("health")], CAT),
    wide(
        "_cat/nodes",
        &[Lit("_cat"), Lit("nodes")],
        &["v", "h", "s", "help", "bytes", "time", "full_id"],
    ),
    wide("_cat/allocation", &[Lit("_cat"), Lit("allocation")], CAT),
    wide(
        "_cat/allocation/<node>",
        &[Lit("_cat"), Lit("allocation"), Word],
        CAT,
    ),
    wide("_cat/thread_pool", &[Lit("_cat"), Lit("thread_pool")], CAT),
    wide(
        "_cat/thread_pool/<pools>",
        &[Lit("_cat"), Lit("thread_pool"), Word],
        CAT,
    ),
    wide("_cat/nodeattrs", &[Lit("_cat"), Lit("nodeattrs")], CAT),
    wide("_cat/master", &[Lit("_cat"), Lit("master")], CAT),
    wide(
        "_cat/cluster_manager",
        &[Lit("_cat"), Lit("cluster_manager")],
        CAT,
    ),
    wide("_cat/plugins", &[Lit("_cat"), Lit("plugins")], CAT),
    // ---- _cat over indices: narrowed by path, or the grant added ----
    row(
        "_cat/indices",
        GET,
        &[Lit("_cat"), Lit("indices"), OptIndex],
        Read,
        Body::Empty,
        &[
            "v",
            "h",
            "s",
            "help",
            "bytes",
            "time",
            "pri",
            "health",
            "expand_wildcards",
        ],
    ),
    row(
        "_cat/aliases",
        GET,
        &[Lit("_cat"), Lit("aliases"), OptIndex],
        Read,
        Body::Empty,
        &["v", "h", "s", "help", "expand_wildcards"],
    ),
    row(
        "_cat/shards",
        GET,
        &[Lit("_cat"), Lit("shards"), OptIndex],
        Read,
        Body::Empty,
        CAT,
    ),
    row(
        "_cat/segments",
        GET,
        &[Lit("_cat"), Lit("segments"), OptIndex],
        Read,
        Body::Empty,
        CAT,
    ),
    row(
        "_cat/recovery",
        GET,
        &[Lit("_cat"), Lit("recovery"), OptIndex],
        Read,
        Body::Empty,
        &[
            "v",
            "h",
            "s",
            "help",
            "bytes",
            "time",
            "active_only",
            "detailed",
        ],
    ),
    row(
        "_cat/count",
        GET,
        &[Lit("_cat"), Lit("count"), OptIndex],
        Read,
        Body::Empty,
        CAT,
    ),
    // ---- ISM ----
    row(
        "_plugins/_ism/explain",
        GET,
        &[Lit("_plugins"), Lit("_ism"), Lit("explain"), OptIndex],
        Read,
        Body::Empty,
        &[
            "show_policy",
            "validate_action",
            "show_applied_policy",
            "expand_wildcards",
        ],
    ),
    row(
        "_plugins/_ism/policies/<id>",
        GET,
        &[Lit("_plugins"), Lit("_ism"), Lit("policies"), Policy],
        Read,
        Body::Empty,
        &[],
    ),
    row(
        "_plugins/_ism/policies/<id> (write)",
        PUT,
        &[Lit("_plugins"), Lit("_ism"), Lit("policies"), Policy],
        Mutate,
        Body::IsmPolicy,
        &["if_seq_no", "if_primary_term"],
    ),
    row(
        "_plugins/_ism/policies/<id> (delete)",
        DELETE,
        &[Lit("_plugins"), Lit("_ism"), Lit("policies"), Policy],
        Mutate,
        Body::Empty,
        &[],
    ),
    row(
        "_plugins/_ism/add",
        POST,
        &[Lit("_plugins"), Lit("_ism"), Lit("add"), Index],
        Mutate,
        Body::IsmPolicyId,
        &[],
    ),
    row(
        "_plugins/_ism/remove",
        POST,
        &[Lit("_plugins"), Lit("_ism"), Lit("remove"), Index],
        Mutate,
        Body::Empty,
        &[],
    ),
    row(
        "_plugins/_ism/change_policy",
        POST,
        &[Lit("_plugins"), Lit("_ism"), Lit("change_policy"), Index],
        Mutate,
        Body::IsmPolicyId,
        &[],
    ),
    row(
        "_plugins/_ism/retry",
        POST,
        &[Lit("_plugins"), Lit("_ism"), Lit("retry"), Index],
        Mutate,
        Body::Json,
        &[],
    ),
    // ---- CCR, on the follower ----
    row(
        "_plugins/_replication/_autofollow",
        PUT_POST,
        &[Lit("_plugins"), Lit("_replication"), Lit("_autofollow")],
        Mutate,
        Body::Autofollow,
        &[],
    ),
    row(
        "_plugins/_replication/_autofollow (delete)",
        DELETE,
        &[Lit("_plugins"), Lit("_replication"), Lit("_autofollow")],
        Mutate,
        Body::Autofollow,
        &[],
    ),
    row(
        "_plugins/_replication/<index>/_status",
        GET,
        &[Lit("_plugins"), Lit("_replication"), Index, Lit("_status")],
        Read,
        Body::Empty,
        &[],
    ),
    row(
        "_plugins/_replication/<index>/_start",
        PUT,
        &[Lit("_plugins"), Lit("_replication"), Index, Lit("_start")],
        Mutate,
        Body::CcrStart,
        &["wait_for_restore"],
    ),
    row(
        "_plugins/_replication/<index>/_pause",
        POST,
        &[Lit("_plugins"), Lit("_replication"), Index, Lit("_pause")],
        Mutate,
        Body::Json,
        &[],
    ),
    row(
        "_plugins/_replication/<index>/_resume",
        POST,
        &[Lit("_plugins"), Lit("_replication"), Index, Lit("_resume")],
        Mutate,
        Body::Json,
        &[],
    ),
    row(
        "_plugins/_replication/<index>/_stop",
        POST,
        &[Lit("_plugins"), Lit("_replication"), Index, Lit("_stop")],
        Mutate,
        Body::Json,
        &[],
    ),
    row(
        "_plugins/_replication/<index>/_update",
        PUT,
        &[Lit("_plugins"), Lit("_replication"), Index, Lit("_update")],
        Mutate,
        Body::Settings,
        &[],
    ),
    // ---- multi-index document reads: every index named in the body is checked ----
    row("_mget", GET_POST, &[Lit("_mget")], Read, Body::Mget, DOC),
    row(
        "_msearch",
        GET_POST,
        &[Lit("_msearch")],
        Read,
        Body::Msearch,
        SEARCH,
    ),
    row(
        "_aliases",
        POST,
        &[Lit("_aliases")],
        Mutate,
        Body::AliasActions,
        &[],
    ),
    row(
        "_bulk",
        PUT_POST,
        &[Lit("_bulk")],
        Mutate,
        Body::Bulk,
        &[
            "refresh",
            "routing",
            "wait_for_active_shards",
            "require_alias",
            "_source",
            "filter_path",
        ],
    ),
    // ---- per-index reads ----
    row(
        "<index>",
        GET,
        &[Index],
        Read,
        Body::Empty,
        &[
            "include_defaults",
            "expand_wildcards",
            "ignore_unavailable",
            "allow_no_indices",
        ],
    ),
    row(
        "<index>/_settings",
        GET,
        &[Index, Lit("_settings")],
        Read,
        Body::Empty,
        &[
            "include_defaults",
            "expand_wildcards",
            "ignore_unavailable",
            "allow_no_indices",
        ],
    ),
    row(
        "<index>/_settings/<name>",
        GET,
        &[Index, Lit("_settings"), Word],
        Read,
        Body::Empty,
        &["include_defaults", "expand_wildcards"],
    ),
    row(
        "<index>/_mapping",
        GET,
        &[Index, Lit("_mapping")],
        Read,
        Body::Empty,
        EXPAND,
    ),
    row(
        "<index>/_alias",
        GET,
        &[Index, Lit("_alias")],
        Read,
        Body::Empty,
        EXPAND,
    ),
    row(
        "<index>/_alias/<alias>",
        GET,
        &[Index, Lit("_alias"), Index],
        Read,
        Body::Empty,
        EXPAND,
    ),
    row(
        "<index>/_stats",
        GET,
        &[Index, Lit("_stats")],
        Read,
        Body::Empty,
        &[
            "level",
            "expand_wildcards",
            "ignore_unavailable",
            "allow_no_indices",
            "fields",
            "groups",
        ],
    ),
    row(
        "<index>/_stats/<metric>",
        GET,
        &[Index, Lit("_stats"), Word],
        Read,
        Body::Empty,
        &["level", "expand_wildcards", "fields", "groups"],
    ),
    row(
        "<index>/_segments",
        GET,
        &[Index, Lit("_segments")],
        Read,
        Body::Empty,
        EXPAND,
    ),
    row(
        "<index>/_recovery",
        GET,
        &[Index, Lit("_recovery")],
        Read,
        Body::Empty,
        &["active_only", "detailed"],
    ),
    row(
        "<index>/_count",
        GET_POST,
        &[Index, Lit("_count")],
        Read,
        Body::Search,
        SEARCH,
    ),
    row(
        "<index>/_search",
        GET_POST,
        &[Index, Lit("_search")],
        Read,
        Body::Search,
        SEARCH,
    ),
    row(
        "<index>/_msearch",
        GET_POST,
        &[Index, Lit("_msearch")],
        Read,
        Body::Msearch,
        SEARCH,
    ),
    row(
        "<index>/_mget",
        GET_POST,
        &[Index, Lit("_mget")],
        Read,
        Body::Mget,
        DOC,
    ),
    row(
        "<index>/_validate/query",
        GET_POST,
        &[Index, Lit("_validate"), Lit("query")],
        Read,
        Body::Search,
        &[
            "explain",
            "rewrite",
            "q",
            "df",
            "expand_wildcards",
            "ignore_unavailable",
            "allow_no_indices",
        ],
    ),
    row(
        "<index>/_field_caps",
        GET_POST,
        &[Index, Lit("_field_caps")],
        Read,
        Body::Search,
        &[
            "fields",
            "include_unmapped",
            "expand_wildcards",
            "ignore_unavailable",
            "allow_no_indices",
        ],
    ),
    row(
        "<index>/_explain/<id>",
        GET_POST,
        &[Index, Lit("_explain"), Word],
        Read,
        Body::Search,
        &[
            "q",
            "df",
            "routing",
            "preference",
            "_source",
            "stored_fields",
        ],
    ),
    row(
        "<index>/_doc/<id>",
        GET,
        &[Index, Lit("_doc"), Word],
        Read,
        Body::Empty,
        DOC,
    ),
    row(
        "<index>/_source/<id>",
        GET,
        &[Index, Lit("_source"), Word],
        Read,
        Body::Empty,
        DOC,
    ),
    row(
        "<index>/_rollover (dry run)",
        POST,
        &[Index, Lit("_rollover")],
        Mutate,
        Body::Settings,
        &["dry_run", "wait_for_active_shards"],
    ),
    row(
        "<index>/_rollover/<new>",
        POST,
        &[Index, Lit("_rollover"), Index],
        Mutate,
        Body::Settings,
        &["dry_run", "wait_for_active_shards"],
    ),
    // ---- per-index mutations ----
    row(
        "<index> (create)",
        PUT,
        &[Index],
        Mutate,
        Body::Settings,
        &["wait_for_active_shards"],
    ),
    row(
        "<index> (delete)",
        DELETE,
        &[Index],
        Mutate,
        Body::Empty,
        &[],
    ),
    row(
        "<index>/_settings (write)",
        PUT,
        &[Index, Lit("_settings")],
        Mutate,
        Body::Settings,
        &["preserve_existing"],
    ),
    row(
        "<index>/_mapping (write)",
        PUT_POST,
        &[Index, Lit("_mapping")],
        Mutate,
        Body::Json,
        &["write_index_only"],
    ),
    row(
        "<index>/_alias/<alias> (write)",
        PUT_POST,
        &[Index, Lit("_alias"), Index],
        Mutate,
        Body::Json,
        &[],
    ),
    row(
        "<index>/_aliases/<alias> (write)",
        PUT_POST,
        &[Index, Lit("_aliases"), Index],
        Mutate,
        Body::Json,
        &[],
    ),
    row(
        "<index>/_alias/<alias> (delete)",
        DELETE,
        &[Index, Lit("_alias"), Index],
        Mutate,
        Body::Empty,
        &[],
    ),
    row(
        "<index>/_aliases/<alias> (delete)",
        DELETE,
        &[Index, Lit("_aliases"), Index],
        Mutate,
        Body::Empty,
        &[],
    ),
    row(
        "<index>/_open",
        POST,
        &[Index, Lit("_open")],
        Mutate,
        Body::Empty,
        &["wait_for_active_shards"],
    ),
    row(
        "<index>/_close",
        POST,
        &[Index, Lit("_close")],
        Mutate,
        Body::Empty,
        &["wait_for_active_shards"],
    ),
    row(
        "<index>/_refresh",
        GET_POST,
        &[Index, Lit("_refresh")],
        Mutate,
        Body::Empty,
        &[],
    ),
    row(
        "<index>/_flush",
        GET_POST,
        &[Index, Lit("_flush")],
        Mutate,
        Body::Empty,
        &["force", "wait_if_ongoing"],
    ),
    row(
        "<index>/_forcemerge",
        POST,
        &[Index, Lit("_forcemerge")],
        Mutate,
        Body::Empty,
        &["max_num_segments", "only_expunge_deletes", "flush"],
    ),
    row(
        "<index>/_clone/<target>",
        PUT_POST,
        &[Index, Lit("_clone"), Index],
        Mutate,
        Body::Settings,
        &["wait_for_active_shards"],
    ),
    row(
        "<index>/_split/<target>",
        PUT_POST,
        &[Index, Lit("_split"), Index],
        Mutate,
        Body::Settings,
        &["wait_for_active_shards"],
    ),
    row(
        "<index>/_shrink/<target>",
        PUT_POST,
        &[Index, Lit("_shrink"), Index],
        Mutate,
        Body::Settings,
        &["wait_for_active_shards"],
    ),
    row(
        "<index>/_doc",
        POST,
        &[Index, Lit("_doc")],
        Mutate,
        Body::Json,
        WRITE_DOC,
    ),
    row(
        "<index>/_doc/<id> (write)",
        PUT_POST,
        &[Index, Lit("_doc"), Word],
        Mutate,
        Body::Json,
        WRITE_DOC,
    ),
    row(
        "<index>/_doc/<id> (delete)",
        DELETE,
        &[Index, Lit("_doc"), Word],
        Mutate,
        Body::Empty,
        WRITE_DOC,
    ),
    row(
        "<index>/_create/<id>",
        PUT_POST,
        &[Index, Lit("_create"), Word],
        Mutate,
        Body::Json,
        WRITE_DOC,
    ),
    row(
        "<index>/_update/<id>",
        POST,
        &[Index, Lit("_update"), Word],
        Mutate,
        Body::Json,
        WRITE_DOC,
    ),
    row(
        "<index>/_bulk",
        PUT_POST,
        &[Index, Lit("_bulk")],
        Mutate,
        Body::Bulk,
        &[
            "refresh",
            "routing",
            "wait_for_active_shards",
            "require_alias",
            "_source",
            "filter_path",
        ],
    ),
    row(
        "<index>/_delete_by_query",
        POST,
        &[Index, Lit("_delete_by_query")],
        Mutate,
        Body::Search,
        &[
            "conflicts",
            "max_docs",
            "refresh",
            "wait_for_completion",
            "slices",
            "q",
            "df",
            "expand_wildcards",
            "ignore_unavailable",
            "allow_no_indices",
        ],
    ),
    row(
        "<index>/_update_by_query",
        POST,
        &[Index, Lit("_update_by_query")],
        Mutate,
        Body::Search,
        &[
            "conflicts",
            "max_docs",
            "refresh",
            "wait_for_completion",
            "slices",
            "q",
            "df",
            "expand_wildcards",
            "ignore_unavailable",
            "allow_no_indices",
        ],
    ),
];

/// The row for `method` and `segs`, if any. A segment starting with `_` never fills an
/// `Index` or `Policy` slot: it is an API name, and a path like `/_reindex` must not read as an
/// index called `_reindex`.
pub fn find(method: &str, segs: &[String]) -> Option<&'static Endpoint> {
    ENDPOINTS
        .iter()
        .find(|e| e.methods.contains(&method) && matches(e.path, segs))
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
