//! Property tests of the size and duration strings on near-valid input: numbers with and
//! without units, fractions, signs, padding and unknown units, in any case.
use proptest::prelude::*;
use serde::Deserialize;

use super::*;

/// Every unit the parsers know, a few they do not, and none.
const UNITS: &[&str] = &[
    "", "b", "k", "kb", "m", "mb", "g", "gb", "t", "tb", "p", "pb", "d", "h", "s", "ms", "micros",
    "nanos", "kib", "w", "y", "sec", "µs", "bytes",
];

prop_compose! {
    /// `[sign][int][.frac][space]unit` in random case.
    fn near_valid()(
        sign in prop::sample::select(vec!["", "", "-", "+"]),
        int in "[0-9]{0,22}",
        frac in prop::option::weighted(0.2, "[0-9]{0,20}"),
        space in prop::sample::select(vec!["", " ", "  "]),
        unit in prop::sample::select(UNITS),
        upper in any::<bool>(),
    ) -> String {
        let unit = if upper { unit.to_uppercase() } else { unit.to_owned() };
        let frac = frac.map(|f| format!(".{f}")).unwrap_or_default();
        format!("{space}{sign}{int}{frac}{space}{unit}{space}")
    }
}

/// The factor of a size unit, if it is one.
fn size_unit(u: &str) -> Option<u64> {
    SIZE_UNITS.iter().find(|(n, _)| *n == u).map(|(_, m)| *m)
}

/// Duration units with how many of them make the next larger unit (0: none larger).
const DURATION_STEPS: &[(&str, u64)] = &[
    ("d", 0),
    ("h", 24),
    ("m", 60),
    ("s", 60),
    ("ms", 1000),
    ("micros", 1000),
    ("nanos", 1000),
];

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Cfg {
    #[serde(deserialize_with = "de::size")]
    target: u64,
    #[serde(default, deserialize_with = "de::opt_duration_ms")]
    every: Option<u64>,
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Never panics; a size that parses is its number times its unit; a refusal quotes the
    /// input and gives a reason.
    #[test]
    fn sizes_on_near_valid_input(s in near_valid()) {
        match parse_size(&s) {
            Ok(n) => {
                let norm = s.trim().to_ascii_lowercase();
                let num_end = norm.find(|c: char| !c.is_ascii_digit()).unwrap_or(norm.len());
                let (digits, unit) = norm.split_at(num_end);
                if !unit.contains('.') {
                    let want = u128::from(size_unit(unit.trim()).unwrap_or(1))
                        * digits.parse::<u128>().unwrap_or(0);
                    prop_assert_eq!(u128::from(n), want, "{:?}", s);
                }
            }
            Err(e) => {
                let shown = e.to_string();
                prop_assert!(shown.starts_with(&format!("invalid size `{s}`: ")), "{}", shown);
                prop_assert!(!e.reason().is_empty());
            }
        }
    }

    #[test]
    fn durations_on_near_valid_input(s in near_valid()) {
        match parse_duration(&s) {
            Ok(d) => {
                prop_assert!(!s.contains('.'), "fraction accepted: {:?}", s);
                prop_assert!(!s.trim_start().starts_with('-'), "negative accepted: {:?}", s);
                prop_assert_eq!(parse_duration(&format_duration(d)), Ok(d));
            }
            Err(e) => {
                let shown = e.to_string();
                prop_assert!(shown.starts_with(&format!("invalid duration `{s}`: ")), "{}", shown);
                let r = e.reason();
                if s.trim_start().starts_with('-') {
                    prop_assert!(r.contains("negative"), "{}", r);
                }
            }
        }
    }

    /// An unknown unit is named in the error, with the units that are known.
    #[test]
    fn unknown_units_are_named(n in 1u64..100_000, unit in "(x|w|y|q|z)[a-z]{0,3}") {
        let e = parse_size(&format!("{n}{unit}")).unwrap_err();
        prop_assert!(e.reason().contains(&format!("`{unit}`")), "{}", e);
        prop_assert!(e.reason().contains("b, kb, mb"), "{}", e);
        let e = parse_duration(&format!("{n}{unit}")).unwrap_err();
        prop_assert!(e.reason().contains(&format!("`{unit}`")), "{}", e);
    }

    /// A value written in the largest unit that holds it exactly is written back unchanged:
    /// format(parse(x)) == x.
    #[test]
    fn canonical_sizes_format_back(n in 1u64..(1 << 20), u in 0usize..5) {
        prop_assume!(n % 1024 != 0 || u == 0);
        // Petabytes beyond 2^13 overflow u64.
        prop_assume!(u != 0 || n < (1 << 13));
        let (unit, _) = SIZE_FORMAT[u];
        let text = format!("{n}{unit}");
        prop_assert_eq!(format_size(parse_size(&text).unwrap()), text);
    }

    #[test]
    fn canonical_durations_format_back(n in 1u64..1_000_000, u in 0..DURATION_STEPS.len()) {
        let (unit, step) = DURATION_STEPS[u];
        prop_assume!(step == 0 || n % step != 0);
        let text = format!("{n}{unit}");
        prop_assert_eq!(format_duration(parse_duration(&text).unwrap()), text);
    }

    /// The serde helpers report a bad value with the field's name (via `parse_config`).
    #[test]
    fn config_errors_name_the_field(bad in near_valid()) {
        prop_assume!(parse_size(&bad).is_err());
        let json = serde_json::json!({ "target": bad }).to_string();
        let e = crate::parse_config::<Cfg>(&json).unwrap_err();
        prop_assert!(e.message().contains("`target`"), "{}", e.message());
        prop_assert!(e.message().contains("invalid size"), "{}", e.message());
    }
}
