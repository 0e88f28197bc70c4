//! The route table: path shape → handler, with OpenSearch's 400 for unknown routes and 405
//! for known routes with the wrong method.
use super::types::{HResult, Req, Resp};
use super::{cat, cluster_api, docs_api, indices_api, multi_api, stats_api};
use crate::ccr::api as ccr;
use crate::ism::api as ism;
use crate::world::World;

const GET: &[&str] = &["GET"];
const GET_HEAD: &[&str] = &["GET", "HEAD"];
const GET_PUT: &[&str] = &["GET", "PUT"];
const GET_POST: &[&str] = &["GET", "POST"];
const POST: &[&str] = &["POST"];
const PUT: &[&str] = &["PUT"];
const POST_PUT: &[&str] = &["POST", "PUT"];
const POST_DELETE: &[&str] = &["POST", "DELETE"];

fn is_system(s: &str) -> bool {
    s.starts_with('_')
}

/// Finds the route for the path; returns the allowed methods and the handler.
fn route<'a>(segs: &'a [String]) -> Routed<'a> {
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    let r: (&'static [&'static str], Handler<'a>) = match s[..] {
        [] => (GET_HEAD, Box::new(cluster_api::info)),
        ["_cluster", "health"] => (GET, Box::new(|w, r| cluster_api::health(w, r, None))),
        ["_cluster", "health", idx] => (
            GET,
            Box::new(move |w, r| cluster_api::health(w, r, Some(idx))),
        ),
        ["_cluster", "settings"] => (GET_PUT, Box::new(cluster_api::settings)),
        ["_cluster", "allocation", "explain"] => {
            (GET_POST, Box::new(cluster_api::allocation_explain))
        }
        ["_cluster", "stats"] => (GET, Box::new(cluster_api::stats)),
        ["_cluster", "reroute"] => (POST, Box::new(cluster_api::reroute)),
        ["_remote", "info"] => (GET, Box::new(cluster_api::remote_info)),
        ["_nodes", ..] => (
            GET,
            Box::new(move |w, r| cluster_api::nodes(w, r, &segs[1..])),
        ),
        ["_cat", ..] => (GET, Box::new(move |w, r| cat::handle(w, r, &segs[1..]))),
        ["_bulk"] => (POST_PUT, Box::new(|w, r| docs_api::bulk(w, r, None))),
        [idx, "_bulk"] => (
            POST_PUT,
            Box::new(move |w, r| docs_api::bulk(w, r, Some(idx))),
        ),
        ["_refresh"] => (GET_POST, Box::new(|w, r| stats_api::refresh(w, r, None))),
        [idx, "_refresh"] => (
            GET_POST,
            Box::new(move |w, r| stats_api::refresh(w, r, Some(idx))),
        ),
        ["_stats"] => (GET, Box::new(|w, r| stats_api::stats(w, r, None, None))),
        ["_stats", m] => (
            GET,
            Box::new(move |w, r| stats_api::stats(w, r, None, Some(m))),
        ),
        [idx, "_stats"] => (
            GET,
            Box::new(move |w, r| stats_api::stats(w, r, Some(idx), None)),
        ),
        [idx, "_stats", m] => (
            GET,
            Box::new(move |w, r| stats_api::stats(w, r, Some(idx), Some(m))),
        ),
        ["_aliases"] => (GET_POST, Box::new(indices_api::aliases)),
        ["_alias" | "_aliases", name] => (
            GET_HEAD,
            Box::new(move |w, r| indices_api::get_alias(w, r, None, Some(name))),
        ),
        ["_alias"] => (
            GET,
            Box::new(|w, r| indices_api::get_alias(w, r, None, None)),
        ),
        [idx, "_alias" | "_aliases"] => (
            GET,
            Box::new(move |w, r| indices_api::get_alias(w, r, Some(idx), None)),
        ),
        [idx, "_alias" | "_aliases", name] => (
            &["GET", "HEAD", "PUT", "POST", "DELETE"],
            Box::new(move |w, r| indices_api::alias_one(w, r, idx, name)),
        ),
        [alias, "_rollover"] => (
            POST,
            Box::new(move |w, r| indices_api::rollover(w, r, alias, None)),
        ),
        [alias, "_rollover", new] => (
            POST,
            Box::new(move |w, r| indices_api::rollover(w, r, alias, Some(new))),
        ),
        ["_settings"] => (
            GET_PUT,
            Box::new(|w, r| indices_api::settings(w, r, "_all", None)),
        ),
        [idx, "_settings"] => (
            GET_PUT,
            Box::new(move |w, r| indices_api::settings(w, r, idx, None)),
        ),
        [idx, "_settings", name] => (
            GET,
            Box::new(move |w, r| indices_api::settings(w, r, idx, Some(name))),
        ),
        ["_index_template"] => (GET, Box::new(|w, r| indices_api::template(w, r, None))),
        ["_index_template", name] => (
            &["GET", "HEAD", "PUT", "POST", "DELETE"],
            Box::new(move |w, r| indices_api::template(w, r, Some(name))),
        ),
        [idx, "_doc"] => (
            POST,
            Box::new(move |w, r| docs_api::index_doc(w, r, idx, None, false)),
        ),
        [idx, "_doc", id] => (
            &["GET", "HEAD", "PUT", "POST", "DELETE"],
            Box::new(move |w, r| docs_api::doc(w, r, idx, id)),
        ),
        [idx, "_create", id] => (
            POST_PUT,
            Box::new(move |w, r| docs_api::index_doc(w, r, idx, Some(id), true)),
        ),
        ["_count"] => (GET_POST, Box::new(|w, r| docs_api::count(w, r, None))),
        [idx, "_count"] => (
            GET_POST,
            Box::new(move |w, r| docs_api::count(w, r, Some(idx))),
        ),
        ["_search"] => (GET_POST, Box::new(|w, r| docs_api::search(w, r, None))),
        ["_mget"] => (
            GET_POST,
            Box::new(|w, r| multi_api::mget(&w.clusters[r.cluster], r, None)),
        ),
        [idx, "_mget"] => (
            GET_POST,
            Box::new(move |w, r| multi_api::mget(&w.clusters[r.cluster], r, Some(idx))),
        ),
        ["_msearch"] => (
            GET_POST,
            Box::new(|w, r| multi_api::msearch(&w.clusters[r.cluster], w.now, r, None)),
        ),
        [idx, "_msearch"] => (
            GET_POST,
            Box::new(move |w, r| multi_api::msearch(&w.clusters[r.cluster], w.now, r, Some(idx))),
        ),
        [idx, "_search"] => (
            GET_POST,
            Box::new(move |w, r| docs_api::search(w, r, Some(idx))),
        ),
        [idx, "_open"] => (
            POST,
            Box::new(move |w, r| indices_api::open_close(w, r, idx, true)),
        ),
        [idx, "_close"] => (
            POST,
            Box::new(move |w, r| indices_api::open_close(w, r, idx, false)),
        ),
        ["_plugins" | "_opendistro", "_ism", ..] => return ism_route(&segs[2..]),
        ["_plugins", "_replication", ..] => return ccr_route(&segs[2..]),
        ["_plugins", "_refresh_search_analyzers", idx] => (
            POST,
            Box::new(move |w, r| indices_api::refresh_search_analyzers(w, r, idx)),
        ),
        [idx] if !is_system(idx) => (
            &["GET", "HEAD", "PUT", "DELETE"],
            Box::new(move |w, r| indices_api::index(w, r, idx)),
        ),
        _ => return None,
    };
    Some(r)
}

/// A request handler bound to the path's captured segments.
type Handler<'a> = Box<dyn Fn(&mut World, &Req) -> HResult + 'a>;
type Routed<'a> = Option<(&'static [&'static str], Handler<'a>)>;

fn ism_route<'a>(s: &'a [String]) -> Routed<'a> {
    let s: Vec<&'a str> = s.iter().map(String::as_str).collect();
    let r: (&'static [&'static str], Handler<'a>) = match s[..] {
        ["policies"] => (
            GET_PUT,
            Box::new(|w, r| {
                if r.method == "PUT" {
                    ism::put_policy(w, r.cluster, r, None)
                } else {
                    ism::list_policies(w, r.cluster)
                }
            }),
        ),
        ["policies", id] => (
            &["GET", "HEAD", "PUT", "DELETE"],
            Box::new(move |w, r| match r.method.as_str() {
                "PUT" => ism::put_policy(w, r.cluster, r, Some(id)),
                "DELETE" => ism::delete_policy(w, r.cluster, id),
                m => ism::get_policy(w, r.cluster, id, m == "HEAD"),
            }),
        ),
        ["add"] => (POST, Box::new(|w, r| ism::add(w, r.cluster, r, None))),
        ["add", idx] => (
            POST,
            Box::new(move |w, r| ism::add(w, r.cluster, r, Some(idx))),
        ),
        ["remove"] => (POST, Box::new(|w, r| ism::remove(w, r.cluster, r, None))),
        ["remove", idx] => (
            POST,
            Box::new(move |w, r| ism::remove(w, r.cluster, r, Some(idx))),
        ),
        ["change_policy"] => (
            POST,
            Box::new(|w, r| ism::change_policy(w, r.cluster, r, None)),
        ),
        ["change_policy", idx] => (
            POST,
            Box::new(move |w, r| ism::change_policy(w, r.cluster, r, Some(idx))),
        ),
        ["retry"] => (POST, Box::new(|w, r| ism::retry(w, r.cluster, r, None))),
        ["retry", idx] => (
            POST,
            Box::new(move |w, r| ism::retry(w, r.cluster, r, Some(idx))),
        ),
        ["explain"] => (
            GET_POST,
            Box::new(|w, r| ism::explain(w, r.cluster, r, None)),
        ),
        ["explain", idx] => (
            GET_POST,
            Box::new(move |w, r| ism::explain(w, r.cluster, r, Some(idx))),
        ),
        _ => return None,
    };
    Some(r)
}

fn ccr_route<'a>(s: &'a [String]) -> Routed<'a> {
    let s: Vec<&'a str> = s.iter().map(String::as_str).collect();
    let r: (&'static [&'static str], Handler<'a>) = match s[..] {
        ["leader_stats"] => (GET, Box::new(|w, r| ccr::leader_stats(w, r.cluster))),
        ["follower_stats"] => (GET, Box::new(|w, r| ccr::follower_stats(w, r.cluster))),
        ["autofollow_stats"] => (GET, Box::new(|w, r| ccr::autofollow_stats(w, r.cluster))),
        ["_autofollow"] => (
            POST_DELETE,
            Box::new(|w, r| ccr::autofollow(w, r.cluster, r)),
        ),
        [idx, "_start"] => (PUT, Box::new(move |w, r| ccr::start(w, r.cluster, r, idx))),
        [idx, "_pause"] => (POST, Box::new(move |w, r| ccr::pause(w, r.cluster, r, idx))),
        [idx, "_resume"] => (
            POST,
            Box::new(move |w, r| ccr::resume(w, r.cluster, r, idx)),
        ),
        [idx, "_stop"] => (POST, Box::new(move |w, r| ccr::stop(w, r.cluster, idx))),
        [idx, "_status"] => (GET, Box::new(move |w, r| ccr::status(w, r.cluster, r, idx))),
        [idx, "_update"] => (PUT, Box::new(move |w, r| ccr::update(w, r.cluster, r, idx))),
        _ => return None,
    };
    Some(r)
}

/// Dispatches a request to its handler.
pub fn dispatch(world: &mut World, req: &Req) -> Resp {
    let Some((allowed, h)) = route(&req.segs) else {
        return super::no_handler(req);
    };
    if !allowed.contains(&req.method.as_str()) {
        // OpenSearch answers HEAD on GET routes; anything else is a wrong method.
        if !(req.method == "HEAD" && allowed.contains(&"GET")) {
            return super::wrong_method(req, allowed);
        }
    }
    match h(world, req) {
        Ok(r) => r,
        Err(e) => Resp::from(e),
    }
}
