//! The shapes of the catalog's entries and the macros that declare them, so that each entry is
//! written once with both languages and the completeness test sees every one.

/// A string in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Msg {
    pub en: &'static str,
    pub es: &'static str,
}

/// A counted noun in both languages: (singular, plural) in each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Noun {
    pub en: (&'static str, &'static str),
    pub es: (&'static str, &'static str),
}

/// Declares catalog strings `NAME: "English" => "Español";` and nouns
/// `@nouns { NAME: ("one", "many") => ("uno", "varios"); }`, and the module's lists `MSGS` and `NOUNS` of them all
/// (read by the completeness test).
macro_rules! catalog {
    (
        $( $name:ident : $en:literal => $es:literal ; )*
        $( @nouns { $( $noun:ident : ($en1:literal, $enn:literal) => ($es1:literal, $esn:literal) ; )* } )?
    ) => {
        $( pub const $name: $crate::i18n::Msg = $crate::i18n::Msg { en: $en, es: $es }; )*
        $( $( pub const $noun: $crate::i18n::Noun = $crate::i18n::Noun { en: ($en1, $enn), es: ($es1, $esn) }; )* )?

        /// Every string of this part of the catalog, by name.
        #[allow(dead_code)]
        pub const MSGS: &[(&str, $crate::i18n::Msg)] = &[ $( (stringify!($name), $name) ),* ];

        /// Every counted noun of this part of the catalog, by name.
        #[allow(dead_code)]
        pub const NOUNS: &[(&str, $crate::i18n::Noun)] = &[ $( $( (stringify!($noun), $noun) ),* )? ];
    };
}
pub(crate) use catalog;

/// Declares sentences, the catalog's strings with values in them:
/// `name(a: &str, n: u64) { en: "…{a}…{n}…", es: "…{n}…{a}…" }` becomes
/// `pub fn name(lang: Lang, a: &str, n: u64) -> String`, each template a `format!` string over the
/// arguments; the module's list `SENTENCES` holds the templates by name (read by the completeness test).
///
/// Why a macro: written by hand, every sentence was the same function around its two strings (a match
/// on the language with a `format!` per arm), so the one thing that differs, the words, sat in eight
/// lines of repeated code. Declared here, the match is written once, and a sentence still cannot lack a
/// language: an entry without `en:` or `es:` does not compile. A sentence that chooses between
/// templates (a plural, an optional part) stays a function written by hand beside it.
macro_rules! sentences {
    (
        $(
            $(#[$attr:meta])*
            $name:ident ( $( $arg:ident : $ty:ty ),* $(,)? ) { en: $en:literal, es: $es:literal $(,)? }
        )*
    ) => {
        $(
            $(#[$attr])*
            pub fn $name(lang: $crate::i18n::Lang, $( $arg: $ty ),*) -> String {
                match lang {
                    $crate::i18n::Lang::En => format!($en),
                    $crate::i18n::Lang::Es => format!($es),
                }
            }
        )*

        /// Every sentence of this part of the catalog, by name, with its two templates.
        #[allow(dead_code)]
        pub const SENTENCES: &[(&str, $crate::i18n::Msg)] =
            &[ $( (stringify!($name), $crate::i18n::Msg { en: $en, es: $es }) ),* ];
    };
}
pub(crate) use sentences;
