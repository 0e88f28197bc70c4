//! # Layout
//!
//! Leaf helpers that the host (`lifeguard`) and the simulator (`lifeguard-sim`) share, so that
//! both match index names and write timestamps one way. Nothing here depends on either crate.
//!
//! | module | job |
//! |---|---|
//! | [`pattern`] | OpenSearch index patterns: `*`, comma lists, `_all`, `-exclusions` |
//! | [`name_index`] | names sorted once, so a prefixed pattern skips the rest |
//! | [`calendar`] | epoch milliseconds to dates, weekdays and RFC 3339 stamps |
pub mod calendar;
pub mod name_index;
pub mod pattern;
