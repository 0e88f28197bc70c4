//! Where each key of a config file sits, so an error found after deserialisation (a
//! duplicate name, a bad glob, a URL) still names its line and its full key.
//!
//! Keys are shown as dotted paths; an element of an array of tables is shown by its `name`
//! when it has one (`tenants[team-a].plugins[tuner].file`), else by its index (`clusters[0]`).
use std::ops::Range;

use toml::de::{DeTable, DeValue};

/// One step of a key path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

struct Entry {
    path: Vec<PathSeg>,
    shown: String,
    key: Option<Range<usize>>,
    value: Range<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum PathSeg {
    Key(String),
    Index(usize),
}

impl PathSeg {
    fn matches(&self, s: &Seg<'_>) -> bool {
        match (self, s) {
            (PathSeg::Key(a), Seg::Key(b)) => a == b,
            (PathSeg::Index(a), Seg::Index(b)) => a == b,
            _ => false,
        }
    }
}

/// Every key and array element of a parsed document, with its span and shown path.
pub(super) struct Locator {
    entries: Vec<Entry>,
}

impl Locator {
    /// `None` when the text is not valid TOML (the parser's own error has the span then).
    pub(super) fn new(text: &str) -> Option<Locator> {
        let root = DeTable::parse(text).ok()?;
        let mut entries = Vec::new();
        walk_table(root.get_ref(), &[], "", &mut entries);
        Some(Locator { entries })
    }

    fn entry(&self, path: &[Seg<'_>]) -> Option<&Entry> {
        self.entries.iter().find(|e| {
            e.path.len() == path.len() && e.path.iter().zip(path).all(|(a, b)| a.matches(b))
        })
    }

    /// The shown path and the value's span of `path`, if the file has it.
    pub(super) fn find(&self, path: &[Seg<'_>]) -> Option<(&str, Range<usize>)> {
        self.entry(path)
            .map(|e| (e.shown.as_str(), e.value.clone()))
    }

    /// The shown path of the deepest key whose key or value covers `offset`.
    pub(super) fn path_at(&self, offset: usize) -> Option<&str> {
        let covers = |r: &Range<usize>| r.start <= offset && (offset < r.end || r.is_empty());
        self.entries
            .iter()
            .filter_map(|e| {
                let r = e
                    .key
                    .as_ref()
                    .filter(|k| covers(k))
                    .or(Some(&e.value).filter(|v| covers(v)))?;
                Some((r.len(), std::cmp::Reverse(e.path.len()), e))
            })
            .min_by_key(|(len, depth, _)| (*len, *depth))
            .map(|(_, _, e)| e.shown.as_str())
    }
}

fn walk_table(t: &DeTable<'_>, path: &[PathSeg], shown: &str, out: &mut Vec<Entry>) {
    for (k, v) in t.iter() {
        let key: &str = k.get_ref();
        let mut p = path.to_vec();
        p.push(PathSeg::Key(key.to_owned()));
        let s = if shown.is_empty() {
            key.to_owned()
        } else {
            format!("{shown}.{key}")
        };
        walk_value(v.get_ref(), &p, &s, Some(k.span()), v.span(), out);
    }
}

fn walk_value(
    v: &DeValue<'_>,
    path: &[PathSeg],
    shown: &str,
    key: Option<Range<usize>>,
    span: Range<usize>,
    out: &mut Vec<Entry>,
) {
    out.push(Entry {
        path: path.to_vec(),
        shown: shown.to_owned(),
        key,
        value: span,
    });
    match v {
        DeValue::Table(t) => walk_table(t, path, shown, out),
        DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let mut p = path.to_vec();
                p.push(PathSeg::Index(i));
                let label = element_name(item.get_ref()).unwrap_or_else(|| i.to_string());
                walk_value(
                    item.get_ref(),
                    &p,
                    &format!("{shown}[{label}]"),
                    None,
                    item.span(),
                    out,
                );
            }
        }
        _ => {}
    }
}

/// The `name = "…"` of a table in an array, which people know it by.
fn element_name(v: &DeValue<'_>) -> Option<String> {
    let DeValue::Table(t) = v else { return None };
    t.iter().find_map(|(k, v)| match v.get_ref() {
        DeValue::String(s) if k.get_ref() == "name" && !s.is_empty() => Some(s.to_string()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "[host]\ninterval = \"20s\"\n\n[[tenants]]\nname = \"a\"\nindices = [\"x-*\", \"y\"]\n\n[[tenants.plugins]]\nname = \"p\"\nfile = \"p.wasm\"\n\n[[clusters]]\nurls = []\n";

    #[test]
    fn paths_find_their_values() {
        let l = Locator::new(TEXT).unwrap();
        let (shown, span) = l
            .find(&[
                Seg::Key("tenants"),
                Seg::Index(0),
                Seg::Key("plugins"),
                Seg::Index(0),
                Seg::Key("file"),
            ])
            .unwrap();
        assert_eq!(shown, "tenants[a].plugins[p].file");
        assert_eq!(&TEXT[span], "\"p.wasm\"");
        let (shown, _) = l
            .find(&[
                Seg::Key("tenants"),
                Seg::Index(0),
                Seg::Key("indices"),
                Seg::Index(1),
            ])
            .unwrap();
        assert_eq!(shown, "tenants[a].indices[1]");
        let (shown, _) = l.find(&[Seg::Key("clusters"), Seg::Index(0)]).unwrap();
        assert_eq!(shown, "clusters[0]");
        assert!(l.find(&[Seg::Key("limits")]).is_none());
    }

    #[test]
    fn offsets_resolve_to_the_deepest_key() {
        let l = Locator::new(TEXT).unwrap();
        let at = |needle: &str| l.path_at(TEXT.find(needle).unwrap());
        assert_eq!(at("\"20s\""), Some("host.interval"));
        assert_eq!(at("interval"), Some("host.interval"));
        assert_eq!(at("[[tenants.plugins]]"), Some("tenants[a].plugins[p]"));
        assert_eq!(at("\"y\""), Some("tenants[a].indices[1]"));
        assert!(Locator::new("[host").is_none());
    }
}
