//! The dashboard's two languages, English and Spanish: which one a request reads in, and the catalog
//! of every visible string in both.
//!
//! The language is chosen once per page load: on the server from the `lang` cookie, else from the
//! request's `Accept-Language` (any `es…` first preference reads Spanish); in the browser from the
//! `<html lang>` the server rendered, so hydration reads exactly what the server wrote. [`App`] provides
//! it as a context; a component reads it with [`use_lang`] and writes `lang.t(words::SIGN_OUT)`.
//!
//! [`App`]: crate::App

mod catalog;
#[cfg(test)]
mod completeness;
pub mod words;

pub use catalog::{Msg, Noun};

/// The cookie that remembers the viewer's choice (set by the server's `/lang` route).
pub const LANG_COOKIE: &str = "lang";

/// A language the dashboard speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    En,
    Es,
}

impl Lang {
    /// Both languages, in the order the switch shows them.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Es];

    /// The language's code, as in `<html lang>`, the cookie and the switch's links.
    pub const fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
        }
    }

    /// The language's name in itself, as the switch shows it.
    pub const fn own_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Es => "Español",
        }
    }

    /// The language of a code (`en`, `es`), if it is one of ours.
    pub fn from_code(code: &str) -> Option<Lang> {
        match code.trim() {
            "en" => Some(Lang::En),
            "es" => Some(Lang::Es),
            _ => None,
        }
    }

    /// The language of an `Accept-Language` header: Spanish when the most preferred language the
    /// header names is a Spanish one (`es`, `es-ES`, `es-419`, …), else English.
    pub fn from_accept_language(header: &str) -> Lang {
        let preferred = header
            .split(',')
            .filter_map(|item| {
                let mut parts = item.split(';');
                let tag = parts.next()?.trim().to_ascii_lowercase();
                let q = parts
                    .find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok()))
                    .unwrap_or(1.0);
                (!tag.is_empty() && q > 0.0).then_some((tag, q))
            })
            // The first of the highest weight: a stable maximum keeps the header's order among equals.
            .fold(None::<(String, f32)>, |best, (tag, q)| match best {
                Some((_, best_q)) if best_q >= q => best,
                _ => Some((tag, q)),
            });
        match preferred {
            Some((tag, _)) if tag == "es" || tag.starts_with("es-") => Lang::Es,
            _ => Lang::En,
        }
    }

    /// The language of a request: the `lang` cookie when it names one of ours, else `Accept-Language`.
    pub fn of_request(cookie_header: Option<&str>, accept_language: Option<&str>) -> Lang {
        cookie_header
            .into_iter()
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == LANG_COOKIE)
            .and_then(|(_, value)| Lang::from_code(value))
            .unwrap_or_else(|| accept_language.map_or(Lang::En, Lang::from_accept_language))
    }

    /// A catalog string in this language.
    pub const fn t(self, msg: Msg) -> &'static str {
        match self {
            Lang::En => msg.en,
            Lang::Es => msg.es,
        }
    }

    /// `count` and the noun for it in this language: "1 failed attempt", "3 intentos fallidos".
    pub fn count_of(self, count: u64, noun: Noun) -> String {
        let (one, many) = match self {
            Lang::En => noun.en,
            Lang::Es => noun.es,
        };
        format!("{count} {}", if count == 1 { one } else { many })
    }

    /// The page's title: "what · rook-notify".
    pub fn title(self, what: Msg) -> String {
        format!("{} · rook-notify", self.t(what))
    }
}

/// The language of the page being rendered; in a server function (no page around it), the request's.
pub fn use_lang() -> Lang {
    leptos::prelude::use_context::<Lang>().unwrap_or_else(initial_lang)
}

/// The language this page load reads in: on the server the request's, in the browser the one the
/// server wrote into `<html lang>`.
pub fn initial_lang() -> Lang {
    #[cfg(feature = "ssr")]
    {
        use leptos::prelude::use_context;
        let header = |parts: &http::request::Parts, name: http::header::HeaderName| {
            parts.headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).collect::<Vec<_>>().join(";")
        };
        use_context::<http::request::Parts>()
            .map(|parts| {
                let cookies = header(&parts, http::header::COOKIE);
                let accept = parts.headers.get(http::header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
                Lang::of_request(Some(&cookies), accept)
            })
            .unwrap_or_default()
    }
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        leptos::prelude::document()
            .document_element()
            .and_then(|html| html.get_attribute("lang"))
            .and_then(|code| Lang::from_code(&code))
            .unwrap_or_default()
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        Lang::En
    }
}

#[cfg(test)]
mod tests {
    use super::Lang;

    #[test]
    fn a_spanish_first_preference_reads_spanish_and_anything_else_english() {
        assert_eq!(Lang::from_accept_language("es-ES,es;q=0.9,en;q=0.8"), Lang::Es);
        assert_eq!(Lang::from_accept_language("es-419"), Lang::Es);
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9,es;q=0.8"), Lang::En);
        assert_eq!(Lang::from_accept_language("en;q=0.5, es;q=0.9"), Lang::Es);
        assert_eq!(Lang::from_accept_language("fr-FR"), Lang::En);
        assert_eq!(Lang::from_accept_language("estonian"), Lang::En);
        assert_eq!(Lang::from_accept_language(""), Lang::En);
    }

    #[test]
    fn the_cookie_wins_over_the_browser_and_a_foreign_cookie_is_ignored() {
        assert_eq!(Lang::of_request(Some("a=1; lang=en"), Some("es-ES")), Lang::En);
        assert_eq!(Lang::of_request(Some("lang=es"), Some("en-US")), Lang::Es);
        assert_eq!(Lang::of_request(Some("lang=de"), Some("es")), Lang::Es);
        assert_eq!(Lang::of_request(None, None), Lang::En);
    }
}
