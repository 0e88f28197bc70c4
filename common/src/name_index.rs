//! Names sorted once, so that an expression whose every positive part starts with a literal
//! prefix (`logs-*`, `t001-*,t002-*`, an exact name) looks only at the names under those
//! prefixes. A tenant's narrowed read of a 10k-index snapshot then costs its matches and two
//! binary searches, not 10k pattern matches.
use crate::pattern::matches_expression;

/// Positions of a list of names, sorted by name.
#[derive(Debug, Default, Clone)]
pub struct NameIndex {
    sorted: Vec<u32>,
}

impl NameIndex {
    /// Index `names`, in list order.
    pub fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        let names: Vec<&str> = names.into_iter().collect();
        let mut sorted: Vec<u32> = (0..names.len() as u32).collect();
        sorted.sort_by(|&a, &b| names[a as usize].cmp(names[b as usize]));
        Self { sorted }
    }

    /// The positions, in list order, of the names that match `expr`; `name_of` gives the
    /// name at a position of the list this index was built from.
    pub fn matching<'a>(&self, expr: &str, name_of: impl Fn(usize) -> &'a str) -> Vec<usize> {
        let mut out = match self.candidates(expr, &name_of) {
            Some(c) => c,
            None => (0..self.sorted.len()).collect(),
        };
        out.retain(|&i| matches_expression(expr, name_of(i)));
        out
    }

    /// Names under the literal prefixes of `expr`'s positive parts, or `None` when a part
    /// has none (`*`, `_all`, `*-logs`) and every name must be looked at.
    fn candidates<'a>(
        &self,
        expr: &str,
        name_of: &impl Fn(usize) -> &'a str,
    ) -> Option<Vec<usize>> {
        let mut out = Vec::new();
        for part in expr.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            if part.starts_with('-') {
                continue;
            }
            let prefix = part.split('*').next().unwrap_or_default();
            if prefix.is_empty() || part == "_all" {
                return None;
            }
            let start = self
                .sorted
                .partition_point(|&i| name_of(i as usize) < prefix);
            out.extend(
                self.sorted[start..]
                    .iter()
                    .map(|&i| i as usize)
                    .take_while(|&i| name_of(i).starts_with(prefix)),
            );
        }
        out.sort_unstable();
        out.dedup();
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn full_scan(names: &[String], expr: &str) -> Vec<usize> {
        (0..names.len())
            .filter(|&i| matches_expression(expr, &names[i]))
            .collect()
    }

    #[test]
    fn prefixes_exact_names_and_exclusions() {
        let names: Vec<String> = ["t2-1", "t1-2", "logs", "t1-1", "t10-1", "_all"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let ix = NameIndex::new(names.iter().map(String::as_str));
        let m = |e: &str| ix.matching(e, |i| names[i].as_str());
        assert_eq!(m("t1-*"), vec![1, 3]);
        assert_eq!(m("t1*"), vec![1, 3, 4]);
        assert_eq!(m("t1-*,-t1-2"), vec![3]);
        assert_eq!(m("logs"), vec![2]);
        assert_eq!(m("*-1"), vec![0, 3, 4]);
        assert_eq!(m("_all"), (0..6).collect::<Vec<_>>());
        assert_eq!(m("nothing-*"), Vec::<usize>::new());
    }

    proptest! {
        #[test]
        fn the_same_as_a_full_scan(
            names in proptest::collection::vec("[a-c]{0,3}(-[0-2]{1,2})?", 0..40),
            expr in "(-?[a-c*]{0,3}-?[0-2*]{0,2})(,-?[a-c*]{0,3}){0,2}",
        ) {
            let ix = NameIndex::new(names.iter().map(String::as_str));
            prop_assert_eq!(ix.matching(&expr, |i| names[i].as_str()), full_scan(&names, &expr));
        }
    }
}
