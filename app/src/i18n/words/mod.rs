//! The catalog: every visible string of the dashboard in English and Spanish, one module per area.
//! Adding a string: declare it in the area's `catalog!` (`NAME: "English" => "Español";`) and write
//! `lang.t(words::area::NAME)` where it shows. Strings with values in them are functions here that
//! match on the language.

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
