//! `lifeguard new`: a plugin project per language that builds with one command (`./build.sh`)
//! into `NAME.wasm`, which passes `lifeguard check`.
//!
//! The templates are files under `templates/`, embedded at compile time, and so is the WIT
//! package from the repository's `wit/`: a generated project carries its own copy of the
//! contract and needs nothing from this repository to build. The only substitutions are the
//! `{{...}}` placeholders listed in [`render`].
use std::path::{Path, PathBuf};

/// The languages a plugin can be scaffolded in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    /// `wit-bindgen`, `cargo build --target wasm32-wasip2`.
    Rust,
    /// `componentize-py` 0.25.1 with `--stub-wasi`.
    Python,
    /// `componentize-js` 0.23.0 (StarlingMonkey).
    Js,
}

impl Lang {
    /// The language's name as a reader would write it.
    pub fn display_name(self) -> &'static str {
        match self {
            Lang::Rust => "Rust",
            Lang::Python => "Python",
            Lang::Js => "JavaScript",
        }
    }
}

/// Why a project was not written.
#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    #[error("invalid plugin name {0:?}: use lowercase letters, digits and '-', starting with a letter (e.g. `rollover-tuner`)")]
    InvalidName(String),
    #[error("invalid plugin name {0:?} for a Rust plugin: it is a Rust keyword or a built-in crate name")]
    ReservedName(String),
    #[error("{} already exists and is not empty; pick another --dir or remove it", .0.display())]
    NotEmpty(PathBuf),
    #[error("{} already exists and is not a directory", .0.display())]
    NotADirectory(PathBuf),
    #[error("cannot write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// One file of a generated project.
#[derive(Debug, Clone)]
pub struct File {
    /// Relative to the project directory, `/`-separated.
    pub path: String,
    pub contents: String,
    /// Set the executable bits (the build scripts).
    pub executable: bool,
}

/// A template: where it goes, what it says, and the one line the README shows for it (none
/// for files a reader need not know about).
struct Template {
    path: &'static str,
    text: &'static str,
    executable: bool,
    about: Option<&'static str>,
}

const fn t(path: &'static str, text: &'static str, about: &'static str) -> Template {
    Template {
        path,
        text,
        executable: false,
        about: Some(about),
    }
}

/// The WIT package, embedded from the repository so every project has the exact contract the
/// host was built with. A unit test fails when `wit/` gains a file this list lacks.
const WIT: &[(&str, &str)] = &[
    ("ccr.wit", include_str!("../../../wit/ccr.wit")),
    ("clock.wit", include_str!("../../../wit/clock.wit")),
    ("cluster.wit", include_str!("../../../wit/cluster.wit")),
    ("ism.wit", include_str!("../../../wit/ism.wit")),
    ("log.wit", include_str!("../../../wit/log.wit")),
    ("metrics.wit", include_str!("../../../wit/metrics.wit")),
    ("state.wit", include_str!("../../../wit/state.wit")),
    ("types.wit", include_str!("../../../wit/types.wit")),
    ("world.wit", include_str!("../../../wit/world.wit")),
];

const README: &str = include_str!("templates/common/README.md");

fn common() -> Vec<Template> {
    vec![
        t(
            "lifeguard.toml",
            include_str!("templates/common/lifeguard.toml"),
            "a host configuration that runs the plugin against `lifeguard sim`",
        ),
        t(
            "scenarios/example.toml",
            include_str!("templates/common/scenarios/example.toml"),
            "a scenario with expectations, for `./build.sh test` (`lifeguard test`)",
        ),
        t(
            "scenarios/plugin.json",
            include_str!("templates/common/scenarios/plugin.json"),
            "the plugin configuration the scenarios are tested with",
        ),
        Template {
            path: ".gitignore",
            text: include_str!("templates/common/gitignore"),
            executable: false,
            about: None,
        },
    ]
}

fn build_script(text: &'static str) -> Template {
    Template {
        path: "build.sh",
        text,
        executable: true,
        about: Some("the one build command"),
    }
}

fn templates(lang: Lang) -> Vec<Template> {
    let mut v = match lang {
        Lang::Rust => vec![
            t(
                "src/lib.rs",
                include_str!("templates/rust/lib.rs"),
                "the plugin (`describe` and `reconcile`)",
            ),
            t(
                "Cargo.toml",
                include_str!("templates/rust/Cargo.toml.tmpl"),
                "`wit-bindgen` and a size-tuned release profile",
            ),
            t(
                ".cargo/config.toml",
                include_str!("templates/rust/cargo-config.toml"),
                "makes `wasm32-wasip2` the default target",
            ),
            build_script(include_str!("templates/rust/build.sh")),
        ],
        Lang::Python => vec![
            t(
                "app.py",
                include_str!("templates/python/app.py"),
                "the plugin (`describe` and `reconcile`)",
            ),
            build_script(include_str!("templates/python/build.sh")),
        ],
        Lang::Js => vec![
            t(
                "app.js",
                include_str!("templates/js/app.js"),
                "the plugin (`describe` and `reconcile`)",
            ),
            t(
                "build.mjs",
                include_str!("templates/js/build.mjs"),
                "calls `componentize()` (run by `build.sh`)",
            ),
            build_script(include_str!("templates/js/build.sh")),
            t(
                "package.json",
                include_str!("templates/js/package.json"),
                "the project (no runtime dependencies)",
            ),
            t(
                "tools/package.json",
                include_str!("templates/js/tools-package.json"),
                "the pinned build toolchain",
            ),
            t(
                "tools/package-lock.json",
                include_str!("templates/js/tools-package-lock.json"),
                "its lock file, for `npm ci`",
            ),
        ],
    };
    v.extend(common());
    v
}

fn build_notes(lang: Lang) -> &'static str {
    match lang {
        Lang::Rust => "It runs `cargo build --release --target wasm32-wasip2` (adding the `wasm32-wasip2` target\nwith rustup first if it is missing) and copies the component out of `target/`.\n`.cargo/config.toml` makes `wasm32-wasip2` the default target, so a plain\n`cargo build --release` works too. Native unit tests of pure logic:\n`cargo test --target x86_64-unknown-linux-gnu`. Commit the `Cargo.lock` the first build writes.\n",
        Lang::Python => "It needs `python3` (3.10+) with `venv` and `pip`. The first run installs\n`componentize-py==0.25.1` into `.tools/py-venv`; then it runs\n`componentize-py -d wit -w plugin componentize app -o NAME.wasm --stub-wasi`.\n`--stub-wasi` leaves the component importing only `lifeguard:plugin/*`: there is no stdout,\nno files and no network inside the sandbox, so log with `log.emit` rather than `print`.\nSet `LIFEGUARD_TOOLS_DIR` to share one tools directory between projects.\n",
        Lang::Js => "It needs `node` (20+) and `npm`. The first run installs the toolchain pinned in\n`tools/package-lock.json` (componentize-js 0.23.0) into `.tools/js` with `npm ci`; then\n`build.mjs` calls `componentize()` with `disableFeatures: ['http', 'fetch-event']`, so the\ncomponent does not import `wasi:http` (the host does not provide it). Imports are ES modules\nnamed like `lifeguard:plugin/cluster@0.1.0`; u64 values (`ctx.tick`, `ctx.nowMs`, counter\nvalues) are `BigInt`. Set `LIFEGUARD_TOOLS_DIR` to share one tools directory between\nprojects.\n",
    }
}

/// Whether `name` matches `[a-z][a-z0-9-]*`, the shape the host, metrics labels and every
/// language's package manager accept.
pub fn validate_name(name: &str) -> Result<(), ScaffoldError> {
    let mut chars = name.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(ScaffoldError::InvalidName(name.into()))
    }
}

/// Names cargo refuses as a library crate: keywords and the built-in crates.
const RUST_RESERVED: &[&str] = &[
    "abstract",
    "alloc",
    "as",
    "async",
    "await",
    "become",
    "box",
    "break",
    "const",
    "continue",
    "core",
    "crate",
    "do",
    "dyn",
    "else",
    "enum",
    "extern",
    "false",
    "final",
    "fn",
    "for",
    "gen",
    "if",
    "impl",
    "in",
    "let",
    "loop",
    "macro",
    "match",
    "mod",
    "move",
    "mut",
    "override",
    "priv",
    "proc_macro",
    "pub",
    "ref",
    "return",
    "self",
    "static",
    "std",
    "struct",
    "super",
    "test",
    "trait",
    "true",
    "try",
    "type",
    "typeof",
    "unsafe",
    "unsized",
    "use",
    "virtual",
    "where",
    "while",
    "yield",
];

/// The files of a `lang` project named `name`. Placeholders: `{{name}}` (the plugin name),
/// `{{crate}}` (the Rust crate name, `-` as `_`), `{{lang}}`, and in the README
/// `{{build_notes}}` and `{{files}}`.
pub fn render(lang: Lang, name: &str) -> Result<Vec<File>, ScaffoldError> {
    validate_name(name)?;
    let krate = name.replace('-', "_");
    if lang == Lang::Rust && RUST_RESERVED.contains(&krate.as_str()) {
        return Err(ScaffoldError::ReservedName(name.into()));
    }
    let fill = |text: &str| {
        text.replace("{{name}}", name)
            .replace("{{crate}}", &krate)
            .replace("{{lang}}", lang.display_name())
    };
    let templates = templates(lang);
    let mut listing: Vec<String> = templates
        .iter()
        .filter_map(|t| t.about.map(|a| format!("- `{}`: {a}", t.path)))
        .collect();
    listing.push("- `wit/`: the WIT package `lifeguard:plugin@0.1.0`, the contract".into());
    let readme = README
        .replace("{{build_notes}}", build_notes(lang))
        .replace("{{files}}", &listing.join("\n"));

    let mut files = vec![File {
        path: "README.md".into(),
        contents: fill(&readme).replace("NAME.wasm", &format!("{name}.wasm")),
        executable: false,
    }];
    files.extend(templates.iter().map(|t| File {
        path: t.path.into(),
        contents: fill(t.text),
        executable: t.executable,
    }));
    files.extend(WIT.iter().map(|(file, text)| File {
        path: format!("wit/{file}"),
        contents: (*text).to_string(),
        executable: false,
    }));
    Ok(files)
}

/// Write a `lang` project named `name` into `dir`, which must be absent or empty. Returns the
/// paths written.
pub fn create(lang: Lang, name: &str, dir: &Path) -> Result<Vec<PathBuf>, ScaffoldError> {
    // Render first: a bad name must not leave an empty directory behind.
    let files = render(lang, name)?;
    ensure_empty_dir(dir)?;
    let mut written = Vec::with_capacity(files.len());
    for f in files {
        let path = dir.join(&f.path);
        write_file(&path, &f.contents, f.executable)?;
        written.push(path);
    }
    Ok(written)
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ScaffoldError + '_ {
    move |source| ScaffoldError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn ensure_empty_dir(dir: &Path) -> Result<(), ScaffoldError> {
    match std::fs::metadata(dir) {
        Ok(m) if !m.is_dir() => Err(ScaffoldError::NotADirectory(dir.to_path_buf())),
        Ok(_) => {
            let mut entries = std::fs::read_dir(dir).map_err(io(dir))?;
            if entries.next().is_some() {
                Err(ScaffoldError::NotEmpty(dir.to_path_buf()))
            } else {
                Ok(())
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir).map_err(io(dir))
        }
        Err(e) => Err(io(dir)(e)),
    }
}

fn write_file(path: &Path, contents: &str, executable: bool) -> Result<(), ScaffoldError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    // `create_new`: never overwrite, even if something appeared since the emptiness check.
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(io(path))?;
    std::io::Write::write_all(&mut file, contents.as_bytes()).map_err(io(path))?;
    if executable {
        set_executable(&file).map_err(io(path))?;
    }
    Ok(())
}

#[cfg(unix)]
fn set_executable(file: &std::fs::File) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(0o755))
}

#[cfg(not(unix))]
fn set_executable(_: &std::fs::File) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    const LANGS: [Lang; 3] = [Lang::Rust, Lang::Python, Lang::Js];

    fn file(files: &[File], path: &str) -> String {
        files
            .iter()
            .find(|f| f.path == path)
            .unwrap_or_else(|| panic!("no {path}"))
            .contents
            .clone()
    }

    #[test]
    fn names_follow_the_pattern() {
        for ok in ["a", "hello", "rollover-tuner", "x2", "a-1-b"] {
            assert!(validate_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "Hello", "1abc", "-a", "a_b", "a.b", "a b", "../x", "é"] {
            let e = validate_name(bad).unwrap_err();
            assert!(matches!(e, ScaffoldError::InvalidName(_)), "{bad}");
        }
    }

    #[test]
    fn rust_keywords_are_refused_only_for_rust() {
        let e = render(Lang::Rust, "test").unwrap_err();
        assert!(e.to_string().contains("\"test\""), "{e}");
        assert!(render(Lang::Python, "test").is_ok());
        assert!(render(Lang::Rust, "test-plugin").is_ok());
    }

    #[test]
    fn the_embedded_wit_is_the_whole_package() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../wit");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".wit"))
            .collect();
        on_disk.sort();
        let embedded: Vec<String> = WIT.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(embedded, on_disk);
    }

    #[test]
    fn every_placeholder_is_filled() {
        for lang in LANGS {
            for f in render(lang, "my-plugin").unwrap() {
                assert!(
                    !f.contents.contains("{{") && !f.contents.contains("}}"),
                    "{lang:?} {}",
                    f.path
                );
                assert!(!f.contents.contains("NAME.wasm"), "{lang:?} {}", f.path);
            }
        }
    }

    #[test]
    fn each_project_builds_name_wasm_with_build_sh() {
        for lang in LANGS {
            let files = render(lang, "my-plugin").unwrap();
            let build = files.iter().find(|f| f.path == "build.sh").unwrap();
            assert!(build.executable);
            assert!(build.contents.contains("my-plugin.wasm"), "{lang:?}");
            assert!(file(&files, "README.md").contains("lifeguard check my-plugin.wasm"));
            assert!(file(&files, ".gitignore").contains("/my-plugin.wasm"));
            assert_eq!(
                files.iter().filter(|f| f.path.starts_with("wit/")).count(),
                WIT.len()
            );
        }
    }

    #[test]
    fn the_rust_manifest_names_the_crate() {
        let files = render(Lang::Rust, "my-plugin").unwrap();
        let manifest: toml::Value = toml::from_str(&file(&files, "Cargo.toml")).unwrap();
        assert_eq!(manifest["package"]["name"].as_str(), Some("my-plugin"));
        assert_eq!(
            manifest["lib"]["crate-type"].as_array().unwrap()[0].as_str(),
            Some("cdylib")
        );
        // cargo names the artifact after the crate, with `_`.
        assert!(file(&files, "build.sh").contains("release/my_plugin.wasm"));
    }

    #[test]
    fn the_js_tool_manifests_are_json_and_pinned() {
        let files = render(Lang::Js, "my-plugin").unwrap();
        let project: serde_json::Value =
            serde_json::from_str(&file(&files, "package.json")).unwrap();
        assert_eq!(project["name"], "my-plugin");
        let tools: serde_json::Value =
            serde_json::from_str(&file(&files, "tools/package.json")).unwrap();
        let lock: serde_json::Value =
            serde_json::from_str(&file(&files, "tools/package-lock.json")).unwrap();
        assert_eq!(
            tools["dependencies"]["@bytecodealliance/componentize-js"],
            "0.23.0"
        );
        // `npm ci` refuses a lock that disagrees with the manifest.
        assert_eq!(lock["packages"][""]["dependencies"], tools["dependencies"]);
        assert_eq!(
            lock["packages"]["node_modules/@bytecodealliance/componentize-js"]["version"],
            "0.23.0"
        );
    }

    #[test]
    fn the_dev_config_is_valid() {
        for lang in LANGS {
            let files = render(lang, "my-plugin").unwrap();
            let loaded = crate::config::parse_str(
                Path::new("lifeguard.toml"),
                &file(&files, "lifeguard.toml"),
            )
            .unwrap();
            let plugin = &loaded.config.tenants[0].plugins[0];
            assert_eq!(plugin.file.get_ref(), "my-plugin.wasm");
        }
    }

    #[test]
    fn a_non_empty_directory_is_refused_and_left_alone() {
        let tmp = std::env::temp_dir().join(format!("lg-scaffold-unit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(&tmp).unwrap();
        std::fs::write(tmp.join("keep.txt"), "mine").unwrap();
        let e = create(Lang::Rust, "x", &tmp).unwrap_err();
        assert!(matches!(e, ScaffoldError::NotEmpty(_)), "{e}");
        assert!(e.to_string().contains(&tmp.display().to_string()), "{e}");
        let left: Vec<_> = std::fs::read_dir(&tmp).unwrap().collect();
        assert_eq!(left.len(), 1);

        // An empty directory is fine, and the build script is executable.
        let empty = tmp.join("empty");
        std::fs::create_dir(&empty).unwrap();
        let written = create(Lang::Python, "x", &empty).unwrap();
        assert!(written.contains(&empty.join("wit/world.wit")));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(empty.join("build.sh"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o111, 0o111);
        }
        // A bad name leaves nothing behind.
        let e = create(Lang::Js, "Bad", &tmp.join("bad")).unwrap_err();
        assert!(matches!(e, ScaffoldError::InvalidName(_)), "{e}");
        assert!(!tmp.join("bad").exists());
        std::fs::remove_dir_all(&tmp).unwrap();
    }
}
