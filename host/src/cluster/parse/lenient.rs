//! Lenient scalar deserializers.
//!
//! OpenSearch is inconsistent about scalar types: `_cat` sends every value as a string, closed
//! indices send `null`, some plugins send `-` for "not applicable". These types accept all of
//! those so one odd cell never fails a whole 10k-row response.
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// A number sent as a JSON number, as a string, or not at all (`null`, `""`, `-`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) enum Num {
    #[default]
    Null,
    U(u64),
    I(i64),
    F(f64),
}

impl Num {
    fn from_text(s: &str) -> Num {
        let s = s.trim();
        if let Ok(v) = s.parse::<u64>() {
            Num::U(v)
        } else if let Ok(v) = s.parse::<i64>() {
            Num::I(v)
        } else {
            match s.parse::<f64>() {
                Ok(v) if v.is_finite() => Num::F(v),
                _ => Num::Null,
            }
        }
    }

    /// Non-negative integer value; negative or fractional values are not counts.
    pub(crate) fn u64(self) -> Option<u64> {
        match self {
            Num::U(v) => Some(v),
            Num::I(v) => u64::try_from(v).ok(),
            Num::F(v) if v >= 0.0 && v.fract() == 0.0 && v < u64::MAX as f64 => Some(v as u64),
            _ => None,
        }
    }

    pub(crate) fn i64(self) -> Option<i64> {
        match self {
            Num::U(v) => i64::try_from(v).ok(),
            Num::I(v) => Some(v),
            Num::F(v) if v.fract() == 0.0 && v.abs() < i64::MAX as f64 => Some(v as i64),
            _ => None,
        }
    }

    /// A count that fits a WIT `u32`; larger values saturate rather than fail.
    pub(crate) fn u32(self) -> Option<u32> {
        self.u64().map(|v| u32::try_from(v).unwrap_or(u32::MAX))
    }

    pub(crate) fn i32(self) -> Option<i32> {
        self.i64().and_then(|v| i32::try_from(v).ok())
    }

    pub(crate) fn f64(self) -> Option<f64> {
        match self {
            Num::U(v) => Some(v as f64),
            Num::I(v) => Some(v as f64),
            Num::F(v) => Some(v),
            Num::Null => None,
        }
    }
}

struct NumVisitor;

impl<'de> Visitor<'de> for NumVisitor {
    type Value = Num;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number, a numeric string or null")
    }
    fn visit_u64<E>(self, v: u64) -> Result<Num, E> {
        Ok(Num::U(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Num, E> {
        Ok(Num::I(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Num, E> {
        Ok(if v.is_finite() { Num::F(v) } else { Num::Null })
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Num, E> {
        Ok(Num::from_text(v))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Num, E> {
        Ok(Num::Null)
    }
    fn visit_unit<E>(self) -> Result<Num, E> {
        Ok(Num::Null)
    }
    fn visit_none<E>(self) -> Result<Num, E> {
        Ok(Num::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Num, D::Error> {
        d.deserialize_any(NumVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Num, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Num::Null)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Num, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Num::Null)
    }
}

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Num, D::Error> {
        d.deserialize_any(NumVisitor)
    }
}

/// A string if the value is one, `None` for anything else (a number, an object, `null`).
/// Used for free-text fields whose shape is not guaranteed, like `info.cause`.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Text(pub(crate) Option<String>);

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_str<E>(self, v: &str) -> Result<Text, E> {
        Ok(Text(Some(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Text, E> {
        Ok(Text(Some(v)))
    }
    fn visit_u64<E>(self, _: u64) -> Result<Text, E> {
        Ok(Text(None))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Text, E> {
        Ok(Text(None))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Text, E> {
        Ok(Text(None))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Text, E> {
        Ok(Text(None))
    }
    fn visit_unit<E>(self) -> Result<Text, E> {
        Ok(Text(None))
    }
    fn visit_none<E>(self) -> Result<Text, E> {
        Ok(Text(None))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Text, D::Error> {
        d.deserialize_any(TextVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Text, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Text(None))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Text, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Text(None))
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Text, D::Error> {
        d.deserialize_any(TextVisitor)
    }
}

/// A boolean sent as JSON `true`/`false`, as the strings `"true"`/`"false"` (`_cat`), or not
/// at all (`null`, `-`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Flag(pub(crate) Option<bool>);

struct FlagVisitor;

impl<'de> Visitor<'de> for FlagVisitor {
    type Value = Flag;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a boolean, \"true\"/\"false\" or null")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Flag, E> {
        Ok(Flag(Some(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Flag, E> {
        Ok(Flag(match v.trim() {
            "true" | "TRUE" | "True" => Some(true),
            "false" | "FALSE" | "False" => Some(false),
            _ => None,
        }))
    }
    fn visit_u64<E>(self, _: u64) -> Result<Flag, E> {
        Ok(Flag(None))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Flag, E> {
        Ok(Flag(None))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Flag, E> {
        Ok(Flag(None))
    }
    fn visit_unit<E>(self) -> Result<Flag, E> {
        Ok(Flag(None))
    }
    fn visit_none<E>(self) -> Result<Flag, E> {
        Ok(Flag(None))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Flag, D::Error> {
        d.deserialize_any(FlagVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Flag, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Flag(None))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Flag, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Flag(None))
    }
}

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Flag, D::Error> {
        d.deserialize_any(FlagVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(json: &str) -> Num {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn cat_strings_become_numbers() {
        assert_eq!(num(r#""1000""#).u64(), Some(1000));
        assert_eq!(num(r#""-1""#).i64(), Some(-1));
        assert_eq!(num(r#""-1""#).u64(), None);
        assert_eq!(num(r#""45.5""#).f64(), Some(45.5));
        assert_eq!(num("7").u32(), Some(7));
    }

    #[test]
    fn absent_values_are_null() {
        for j in ["null", r#""""#, r#""-""#, "true", "[1]", r#"{"a":1}"#] {
            assert_eq!(num(j), Num::Null, "{j}");
        }
    }

    #[test]
    fn oversized_counts_saturate_for_u32() {
        assert_eq!(num("5000000000").u32(), Some(u32::MAX));
        assert_eq!(num("5000000000").i32(), None);
    }

    #[test]
    fn flags_and_text() {
        let f: Flag = serde_json::from_str(r#""true""#).unwrap();
        assert_eq!(f.0, Some(true));
        let f: Flag = serde_json::from_str(r#""-""#).unwrap();
        assert_eq!(f.0, None);
        let t: Text = serde_json::from_str(r#"{"nested":1}"#).unwrap();
        assert_eq!(t.0, None);
        let t: Text = serde_json::from_str(r#""why""#).unwrap();
        assert_eq!(t.0.as_deref(), Some("why"));
    }
}
