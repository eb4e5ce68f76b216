//! The shapes of the catalog's entries and the macro that declares them, so that each entry is
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
