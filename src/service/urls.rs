//! The URL rules (docs/architecture.md, "URL rules"): what a webhook URL may be, and when two URLs are
//! the same.

use app::vocab::Environment;

use super::ServiceError;

/// The longest URL accepted.
const MAX_URL_LEN: usize = 2048;

/// Parses and checks a webhook URL given for `field` of `environment`: absolute http(s) with a host, no
/// credentials, and https in Production unless insecure URLs are allowed.
pub fn parse_webhook_url(
    raw: &str,
    field: &str,
    environment: Environment,
    allow_insecure: bool,
) -> Result<String, ServiceError> {
    let raw = raw.trim();
    let invalid = || {
        ServiceError::validation(field, "Enter an absolute http(s) URL such as https://example.com/rook/notifications.")
    };
    if raw.is_empty() || raw.len() > MAX_URL_LEN {
        return Err(invalid());
    }
    let url = url::Url::parse(raw).map_err(|_| invalid())?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(invalid());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ServiceError::validation(field, "The URL must not contain a user name or password."));
    }
    if url.fragment().is_some() {
        return Err(ServiceError::validation(field, "The URL must not contain a #fragment."));
    }
    if environment == Environment::Production && url.scheme() != "https" && !allow_insecure {
        return Err(ServiceError::validation(field, "Production URLs must use https."));
    }
    Ok(url.to_string())
}

/// The form two URLs are compared in: scheme and host lowercased, default port dropped, trailing slash
/// of the path ignored.
pub fn comparable(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(parsed) => {
            let host = parsed.host_str().unwrap_or_default().to_ascii_lowercase();
            let port = parsed.port().map(|p| format!(":{p}")).unwrap_or_default();
            let path = parsed.path().trim_end_matches('/');
            let query = parsed.query().map(|q| format!("?{q}")).unwrap_or_default();
            format!("{}://{host}{port}{path}{query}", parsed.scheme())
        }
        Err(_) => url.trim().trim_end_matches('/').to_ascii_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_compare_after_normalising_case_default_port_and_trailing_slash() {
        assert_eq!(comparable("HTTPS://Example.COM:443/hooks/"), comparable("https://example.com/hooks"));
        assert_eq!(comparable("http://example.com:80/a"), comparable("http://EXAMPLE.com/a/"));
        assert_ne!(comparable("https://example.com/a"), comparable("https://example.com/b"));
        assert_ne!(comparable("https://example.com:8443/a"), comparable("https://example.com/a"));
        assert_ne!(comparable("http://example.com/a"), comparable("https://example.com/a"));
    }

    #[test]
    fn webhook_urls_are_checked() {
        let p = |raw, env| parse_webhook_url(raw, "notification_webhook_url", env, false);
        assert!(p("https://example.com/hook", Environment::Production).is_ok());
        assert!(p("http://example.com/hook", Environment::Sandbox).is_ok());
        for bad in ["", "example.com/hook", "ftp://example.com/", "https://user:pw@example.com/", "https://x.com/#a"] {
            assert!(p(bad, Environment::Sandbox).is_err(), "{bad:?} should be refused");
        }
        let err = p("http://example.com/hook", Environment::Production).unwrap_err();
        assert!(err.to_string().contains("https"), "{err}");
        assert!(parse_webhook_url("http://example.com/hook", "f", Environment::Production, true).is_ok());
    }
}
