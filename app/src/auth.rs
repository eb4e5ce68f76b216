//! Signing in and out, and who is signed in: the server functions behind the session.

use leptos::prelude::*;

use crate::dto::Viewer;
use crate::error::AppError;

/// Signs in with an email and password; on success the browser goes to the overview.
///
/// Without JavaScript the form posts here directly: a failure then redirects back to the login page
/// with the error's code in the query, so the page can say what went wrong.
#[server(prefix = "/fn", endpoint = "login")]
pub async fn login(email: String, password: String) -> Result<(), AppError> {
    use crate::backend::{SignIn, backend, request_context, respond_with};
    let outcome = async {
        let backend = backend()?;
        let ctx = request_context()?;
        let attempt =
            SignIn { email: email.trim(), password: &password, address: ctx.address, device: ctx.device.as_deref() };
        let (viewer, device) = backend.sign_in(attempt).await?;
        ctx.session.start(&viewer.account_id).await?;
        remember_device(&device, ctx.secure_cookies);
        Ok(())
    }
    .await;
    match outcome {
        Ok(()) => {
            leptos_axum::redirect("/");
            Ok(())
        }
        Err(err) if is_plain_form_post() => {
            leptos_axum::redirect(&format!("/login?error={}", login_error_code(&err)));
            Err(err)
        }
        Err(err) => Err(respond_with(err)),
    }
}

/// Sets the device cookie that lets this browser past the account-wide sign-in limit next time.
#[cfg(feature = "ssr")]
fn remember_device(token: &str, secure: bool) {
    use crate::backend::{DEVICE_COOKIE, DEVICE_COOKIE_MAX_AGE};
    let secure = if secure { "; Secure" } else { "" };
    let cookie =
        format!("{DEVICE_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={DEVICE_COOKIE_MAX_AGE}{secure}");
    if let (Some(res), Ok(value)) =
        (use_context::<leptos_axum::ResponseOptions>(), http::HeaderValue::from_str(&cookie))
    {
        res.append_header(http::header::SET_COOKIE, value);
    }
}

/// Ends the session and returns to the login page.
#[server(prefix = "/fn", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::backend::{request_context, respond_with};
    request_context().map_err(respond_with)?.session.end().await.map_err(respond_with)?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// The signed-in viewer, or `None` when nobody is signed in.
#[server(prefix = "/fn", endpoint = "current_viewer")]
pub async fn current_viewer() -> Result<Option<Viewer>, AppError> {
    use crate::backend::{require_viewer, respond_with};
    match require_viewer().await {
        Ok((_, viewer)) => Ok(Some(viewer)),
        Err(AppError::Unauthenticated) => Ok(None),
        Err(err) => Err(respond_with(err)),
    }
}

/// Whether this request is an HTML form posted without JavaScript (the browser then expects a page,
/// not the server function's JSON).
#[cfg(feature = "ssr")]
pub(crate) fn is_plain_form_post() -> bool {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.headers.get(http::header::ACCEPT)?.to_str().ok().map(|a| a.contains("text/html")))
        .unwrap_or(false)
}

/// The query code the login page turns back into a message.
#[cfg(feature = "ssr")]
fn login_error_code(err: &AppError) -> &'static str {
    match err {
        AppError::InvalidCredentials => "invalid_credentials",
        AppError::RateLimited { .. } => "rate_limited",
        _ => "internal",
    }
}

/// The message for a login error code carried in the query (the no-JavaScript path).
pub fn login_error_message(lang: crate::i18n::Lang, code: &str) -> Option<String> {
    match code {
        "invalid_credentials" => Some(lang.error(&AppError::InvalidCredentials)),
        "rate_limited" => Some(lang.t(crate::i18n::words::errors::LOGIN_RATE_LIMITED).to_owned()),
        "internal" => Some(lang.error(&AppError::Internal)),
        _ => None,
    }
}
