//! Building the reqwest client and the credentials from a [`ClusterConfig`].
use std::fmt;
use std::time::Duration;

use reqwest::header::{HeaderValue, AUTHORIZATION};
use reqwest::{Certificate, Client, Identity, Url};

use super::config::{AuthConfig, ClusterConfig, TlsConfig};

/// Why a client could not be built. Checked at startup, so a bad file fails `lifeguard check`
/// rather than the first tick.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A field is missing, conflicting or malformed.
    #[error("cluster [{cluster}]: {detail}")]
    Invalid {
        /// The cluster name.
        cluster: String,
        /// What is wrong.
        detail: String,
    },
    /// A file named by the config could not be read.
    #[error("cluster [{cluster}]: reading {path}: {source}")]
    File {
        /// The cluster name.
        cluster: String,
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// reqwest rejected the TLS material or settings.
    #[error("cluster [{cluster}]: {source}")]
    Client {
        /// The cluster name.
        cluster: String,
        /// reqwest's error.
        source: reqwest::Error,
    },
}

/// Credentials, resolved from the environment. `Debug` never shows a secret.
#[derive(Clone)]
pub(super) enum Auth {
    None,
    Basic {
        username: String,
        password: String,
    },
    /// A precomputed, sensitive `Authorization` value (bearer or API key).
    Header(HeaderValue),
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Auth::None => f.write_str("None"),
            Auth::Basic { username, .. } => write!(f, "Basic({username}, <redacted>)"),
            Auth::Header(_) => f.write_str("Header(<redacted>)"),
        }
    }
}

impl Auth {
    pub(super) fn apply(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self {
            Auth::None => req,
            Auth::Basic { username, password } => req.basic_auth(username, Some(password)),
            Auth::Header(v) => req.header(AUTHORIZATION, v.clone()),
        }
    }
}

fn invalid(cfg: &ClusterConfig, detail: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        cluster: cfg.name.clone(),
        detail: detail.into(),
    }
}

/// Read the variable named by the config; the message names the variable, never a value.
fn secret(cfg: &ClusterConfig, field: &str, var: &str) -> Result<String, ConfigError> {
    std::env::var(var).map_err(|_| {
        invalid(
            cfg,
            format!("auth.{field}: environment variable {var} is not set"),
        )
    })
}

pub(super) fn auth(cfg: &ClusterConfig, env: &AuthConfig) -> Result<Auth, ConfigError> {
    let header = |scheme: &str, field: &str, var: &str| -> Result<Auth, ConfigError> {
        let value = secret(cfg, field, var)?;
        let mut v = HeaderValue::from_str(&format!("{scheme} {value}")).map_err(|_| {
            invalid(
                cfg,
                format!("auth.{field}: {var} is not a valid header value"),
            )
        })?;
        v.set_sensitive(true);
        Ok(Auth::Header(v))
    };
    if let Some(m) = auth_mode_error(env) {
        return Err(invalid(cfg, format!("auth: {m}")));
    }
    match (
        &env.username,
        &env.password_env,
        &env.bearer_env,
        &env.api_key_env,
    ) {
        (Some(u), Some(p), None, None) => Ok(Auth::Basic {
            username: u.clone(),
            password: secret(cfg, "password_env", p)?,
        }),
        (None, None, Some(b), None) => header("Bearer", "bearer_env", b),
        (None, None, None, Some(k)) => header("ApiKey", "api_key_env", k),
        // `auth_mode_error` let only these shapes through.
        _ => Ok(Auth::None),
    }
}

/// Why the credential fields set do not form one mode, if they do not. Needs no environment,
/// so the config loader checks it too and can point at the line.
pub(crate) fn auth_mode_error(a: &AuthConfig) -> Option<&'static str> {
    match (
        a.username.is_some(),
        a.password_env.is_some(),
        a.bearer_env.is_some(),
        a.api_key_env.is_some(),
    ) {
        (false, false, false, false)
        | (true, true, false, false)
        | (false, false, true, false)
        | (false, false, false, true) => None,
        (true, false, false, false) | (false, true, false, false) => {
            Some("basic auth needs both username and password_env")
        }
        _ => Some("set one of username+password_env, bearer_env, api_key_env"),
    }
}

fn read(cfg: &ClusterConfig, path: &str) -> Result<Vec<u8>, ConfigError> {
    std::fs::read(path).map_err(|source| ConfigError::File {
        cluster: cfg.name.clone(),
        path: path.to_owned(),
        source,
    })
}

/// Parse and check the base URLs. A trailing `/` is dropped so paths join cleanly.
pub(super) fn base_urls(cfg: &ClusterConfig) -> Result<Vec<String>, ConfigError> {
    if cfg.urls.is_empty() {
        return Err(invalid(cfg, "urls: at least one base URL is required"));
    }
    cfg.urls
        .iter()
        .map(|u| {
            check_url(u).map_err(|e| invalid(cfg, format!("urls: {u:?}: {e}")))?;
            Ok(u.trim_end_matches('/').to_owned())
        })
        .collect()
}

/// Why `u` cannot be a cluster's base URL, if it cannot. Shared with the config loader, which
/// reports it with the line.
pub(crate) fn check_url(u: &str) -> Result<(), String> {
    let parsed = Url::parse(u).map_err(|e| e.to_string())?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("scheme must be http or https".into());
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("put credentials in [auth], not in the URL".into());
    }
    Ok(())
}

pub(super) fn client(cfg: &ClusterConfig) -> Result<Client, ConfigError> {
    let mut b = Client::builder()
        .connect_timeout(cfg.connect_timeout)
        .gzip(true)
        .pool_idle_timeout(Duration::from_secs(60))
        .pool_max_idle_per_host(8)
        .tcp_keepalive(Duration::from_secs(30))
        // Redirects from a cluster are unexpected and would resend credentials elsewhere.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("lifeguard/", env!("CARGO_PKG_VERSION")));
    b = tls(cfg, &cfg.tls, b)?;
    b.build().map_err(|source| ConfigError::Client {
        cluster: cfg.name.clone(),
        source,
    })
}

fn tls(
    cfg: &ClusterConfig,
    t: &TlsConfig,
    mut b: reqwest::ClientBuilder,
) -> Result<reqwest::ClientBuilder, ConfigError> {
    let client_err = |source| ConfigError::Client {
        cluster: cfg.name.clone(),
        source,
    };
    if let Some(ca) = &t.ca_file {
        let certs = Certificate::from_pem_bundle(&read(cfg, ca)?).map_err(client_err)?;
        if certs.is_empty() {
            return Err(invalid(
                cfg,
                format!("tls.ca_file {ca}: no certificate found"),
            ));
        }
        b = b.tls_certs_only(certs);
    }
    match (&t.client_cert_file, &t.client_key_file) {
        (Some(cert), Some(key)) => {
            // rustls takes one PEM with the chain and the key.
            let mut pem = read(cfg, cert)?;
            pem.push(b'\n');
            pem.extend(read(cfg, key)?);
            b = b.identity(Identity::from_pem(&pem).map_err(client_err)?);
        }
        (None, None) => {}
        _ => {
            return Err(invalid(
                cfg,
                "tls: client_cert_file and client_key_file go together",
            ))
        }
    }
    if t.insecure_skip_verify {
        tracing::warn!(
            cluster = %cfg.name,
            "!!! TLS VERIFICATION DISABLED (insecure_skip_verify = true): any server can \
             impersonate this cluster and read its credentials. Never use this in production. !!!"
        );
        b = b.tls_danger_accept_invalid_certs(true);
    }
    Ok(b)
}
