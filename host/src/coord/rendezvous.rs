//! Rendezvous (highest random weight) hashing: each tenant goes to the member with the
//! highest hash of (member, tenant). A member joining or leaving moves only its own share.
use sha2::{Digest, Sha256};

fn weight(member: &str, tenant: &str) -> u64 {
    let mut h = Sha256::new();
    h.update(member.as_bytes());
    h.update([0u8]);
    h.update(tenant.as_bytes());
    let d = h.finalize();
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    u64::from_be_bytes(b)
}

/// The member that should own `tenant`, or `None` with no members.
pub fn owner<'a>(members: &'a [String], tenant: &str) -> Option<&'a str> {
    members
        .iter()
        .max_by(|a, b| {
            weight(a, tenant)
                .cmp(&weight(b, tenant))
                // Ties (practically impossible) break by name, so every replica agrees.
                .then_with(|| b.cmp(a))
        })
        .map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn members(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("replica-{i}")).collect()
    }

    #[test]
    fn spreads_evenly_and_agrees_whatever_the_order() {
        let m = members(3);
        let mut rev = m.clone();
        rev.reverse();
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for t in 0..600 {
            let tenant = format!("tenant-{t}");
            let a = owner(&m, &tenant);
            assert_eq!(a, owner(&rev, &tenant));
            *counts.entry(a.unwrap_or_default()).or_default() += 1;
        }
        assert_eq!(counts.len(), 3);
        for (member, n) in counts {
            assert!((150..=250).contains(&n), "{member} got {n} of 600");
        }
    }

    #[test]
    fn a_leaving_member_moves_only_its_share() {
        let before = members(4);
        let after: Vec<String> = before
            .iter()
            .filter(|m| *m != "replica-2")
            .cloned()
            .collect();
        for t in 0..400 {
            let tenant = format!("tenant-{t}");
            let (b, a) = (owner(&before, &tenant), owner(&after, &tenant));
            if b != Some("replica-2") {
                assert_eq!(a, b, "{tenant} moved though its owner stayed");
            }
        }
        assert_eq!(owner(&[], "x"), None);
    }
}
