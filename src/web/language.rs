//! `GET /lang?to=es&back=/path`: the dashboard's language switch. It works without JavaScript (a plain
//! link), remembers the choice in the `lang` cookie for a year (across sign-out and sign-in: the
//! cookie is not the session's), and sends the browser back to the page it came from.

use app::i18n::{LANG_COOKIE, Lang};
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// How long the choice is remembered: a year, in seconds.
const REMEMBER_SECS: u64 = 365 * 24 * 3600;

/// The switch's query: the language chosen and the page to go back to.
#[derive(Debug, Deserialize)]
pub struct Switch {
    to: String,
    #[serde(default)]
    back: String,
}

/// Sets the `lang` cookie to a known language and redirects to `back` when it is a path on this site
/// (anything else, such as `//evil.example` or `https://…`, goes to `/`: no open redirect). An
/// unknown language changes nothing and is answered 400.
pub async fn switch(State(secure): State<bool>, Query(switch): Query<Switch>) -> Response {
    let Some(lang) = Lang::from_code(&switch.to) else {
        return (StatusCode::BAD_REQUEST, "Unknown language; expected `en` or `es`.").into_response();
    };
    let back = if is_local_path(&switch.back) { switch.back.as_str() } else { "/" };
    let secure = if secure { "; Secure" } else { "" };
    let cookie = format!("{LANG_COOKIE}={}; Path=/; Max-Age={REMEMBER_SECS}; SameSite=Lax{secure}", lang.code());
    let (Ok(cookie), Ok(location)) = (HeaderValue::from_str(&cookie), HeaderValue::from_str(back)) else {
        return (StatusCode::BAD_REQUEST, "The page to go back to is not a valid path.").into_response();
    };
    (StatusCode::SEE_OTHER, [(header::SET_COOKIE, cookie), (header::LOCATION, location)]).into_response()
}

/// Whether `back` is a path on this site: it starts with one `/` and names no other host (`//host`
/// and `/\host` are read by browsers as another site).
fn is_local_path(back: &str) -> bool {
    back.starts_with('/')
        && !back.starts_with("//")
        && !back.starts_with("/\\")
        && !back.chars().any(|c| c.is_control())
}

#[cfg(test)]
mod tests {
    use super::is_local_path;

    #[test]
    fn only_paths_of_this_site_are_followed_back() {
        assert!(is_local_path("/clients/abc/notifications?status=failed"));
        assert!(is_local_path("/"));
        for foreign in ["", "https://evil.example/", "//evil.example", "/\\evil.example", "evil", "/a\r\nSet-Cookie: x"]
        {
            assert!(!is_local_path(foreign), "{foreign}");
        }
    }
}
