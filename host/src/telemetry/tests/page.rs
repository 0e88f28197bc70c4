use super::sample;
use crate::telemetry::{render_page, Probes, StatusSnapshot};

fn probes_ok() -> Probes {
    Probes {
        live: Ok(()),
        ready: Ok(()),
    }
}

#[test]
fn hostile_plugin_strings_are_escaped() {
    let mut s = sample();
    s.tenants[1].name = "<b>evil</b>".into();
    s.audit[0].reason = "\"><img src=x onerror=alert(1)>".into();
    let page = render_page(&s, &probes_ok());
    assert!(!page.contains("<script>alert(1)</script>"), "{page}");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!page.contains("<b>evil</b>"));
    assert!(page.contains("data-tenant=\"&lt;b&gt;evil&lt;/b&gt;\""));
    assert!(!page.contains("<img"));
    // No script at all: the page works with JavaScript off.
    assert!(!page.contains("<script"));
}

#[test]
fn page_shows_tenants_versions_breakers_and_audit() {
    let page = render_page(&sample(), &probes_ok());
    assert!(page.contains(r#"<meta http-equiv="refresh" content="5">"#));
    for id in ["tenants", "breakers", "clusters", "audit"] {
        assert!(page.contains(&format!("id=\"{id}\"")), "no #{id}");
    }
    assert!(page.contains(r#"<td class="tenant">payments</td>"#));
    assert!(page.contains(r#"<td class="tenant">search</td>"#));
    assert!(page.contains(r#"<span class="plugin-version">1.4.2</span>"#));
    assert!(page.contains(r#"<span class="job-state badge warn">backoff</span>"#));
    assert!(page.contains("3 failures in a row"));
    assert!(page.contains(r#"<span class="breaker-state badge bad">open</span>"#));
    assert!(page.contains("write queue above 80%"));
    assert!(page.contains(r#"<span class="cluster-health badge warn">yellow</span>"#));
    assert!(page.contains("1,234,567"));
    assert!(page.contains("in 4.2 s"));
    assert!(page.contains("2024-02-29 12:34:56"));
    assert!(page.contains("size &gt; 50gb &quot;or&quot; age &gt; 1d"));
    assert!(page.contains(r#"id="mode" class="badge info">dry-run<"#));
    // Self-contained: nothing is fetched from elsewhere.
    assert!(!page.contains("src="));
    assert!(!page.contains("<link"));
}

#[test]
fn failing_probes_show_their_reasons() {
    let probes = Probes {
        live: Ok(()),
        ready: Err(vec!["cluster <cold> not reached yet".into()]),
    };
    let page = render_page(&sample(), &probes);
    assert!(page.contains(
        r#"id="readyz" class="badge bad" title="cluster &lt;cold&gt; not reached yet">not ready<"#
    ));
    assert!(page.contains(r#"id="healthz" class="badge good">live<"#));
}

#[test]
fn empty_snapshot_renders_placeholders() {
    let page = render_page(&StatusSnapshot::default(), &probes_ok());
    assert!(page.contains(r#"<p class="empty" id="tenants">No tenants configured.</p>"#));
    assert!(page.contains(r#"<p class="empty" id="breakers">"#));
    assert!(page.contains(r#"<p class="empty" id="audit">"#));
}

#[test]
fn audit_table_is_bounded() {
    let mut s = sample();
    let line = s.audit[0].clone();
    s.audit = (0..500)
        .map(|i| {
            let mut l = line.clone();
            l.target = format!("idx-{i:03}");
            l
        })
        .collect();
    let page = render_page(&s, &probes_ok());
    // Newest first: the first 50 are shown, the rest only in /api/status.
    assert!(page.contains(">idx-049<"));
    assert!(!page.contains(">idx-050<"));
}
