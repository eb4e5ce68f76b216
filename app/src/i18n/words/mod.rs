//! The catalog: every visible string of the dashboard in English and Spanish, one module per area.
//! Adding a string: declare it in the area's `catalog!` (`NAME: "English" => "Español";`) and write
//! `lang.t(words::area::NAME)` where it shows. Strings with values in them are sentences, declared in
//! the area's `sentences!` (`name(a: &str) { en: "…{a}…", es: "…{a}…" }`) and called as
//! `words::area::name(lang, a)`; the few that choose between templates are functions written by hand.

pub mod api_keys;
pub mod attention;
pub mod common;
pub mod errors;
pub mod guide;
pub mod notification;
pub mod overview;
pub mod parts;
pub mod settings;
pub mod staff;
pub mod vocab;

/// Every catalog string of every area, by name (for the completeness test).
pub fn all_msgs() -> Vec<(&'static str, crate::i18n::Msg)> {
    [
        common::MSGS,
        errors::MSGS,
        parts::MSGS,
        vocab::MSGS,
        notification::MSGS,
        overview::MSGS,
        attention::MSGS,
        settings::MSGS,
        api_keys::MSGS,
        guide::MSGS,
        staff::MSGS,
    ]
    .concat()
}

/// Every counted noun of every area, by name (for the completeness test).
pub fn all_nouns() -> Vec<(&'static str, crate::i18n::Noun)> {
    [
        common::NOUNS,
        errors::NOUNS,
        parts::NOUNS,
        vocab::NOUNS,
        notification::NOUNS,
        overview::NOUNS,
        attention::NOUNS,
        settings::NOUNS,
        api_keys::NOUNS,
        guide::NOUNS,
        staff::NOUNS,
    ]
    .concat()
}

/// Every sentence of every area, by name, with its two templates (for the completeness test).
pub fn all_sentences() -> Vec<(&'static str, crate::i18n::Msg)> {
    [
        parts::SENTENCES,
        notification::SENTENCES,
        overview::SENTENCES,
        attention::SENTENCES,
        settings::SENTENCES,
        api_keys::SENTENCES,
        guide::SENTENCES,
        staff::SENTENCES,
    ]
    .concat()
}
