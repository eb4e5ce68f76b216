//! The tests that keep the dashboard translated: every catalog string has both languages, and no view
//! markup in `pages/` or `components/` shows a text literal that bypasses the catalog.

use std::path::{Path, PathBuf};

use super::words::{all_msgs, all_nouns, all_sentences};

/// Catalog strings that are the same in both languages, each with why.
const SAME_IN_BOTH: &[(&str, &str)] = &[
    ("ENV_SANDBOX", "the environment's product name, used untranslated in Spanish too"),
    ("NO", "\"No\" is a word of both languages"),
    ("ERROR", "\"Error\" is a word of both languages"),
    ("URL", "an abbreviation, the same in Spanish"),
    ("ID_WEBHOOK", "names the `webhook-id` header"),
    ("NW_STATE", "the product's name, followed by its state"),
    ("COL_REASON", "names the `reason` field of the payload"),
];

/// English function words: none of them may appear, as a whole word, in a Spanish string.
const ENGLISH_WORDS: &[&str] = &[
    "the",
    "and",
    "your",
    "of",
    "to",
    "with",
    "is",
    "are",
    "will",
    "this",
    "for",
    "you",
    "not",
    "in",
    "on",
    "at",
    "or",
    "it",
    "be",
    "has",
    "have",
    "was",
    "were",
    "from",
    "by",
    "an",
    "no longer",
    "yet",
    "what",
    "which",
];

/// The words of a text, lower case, split at anything that is not a letter.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphabetic()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

/// Whether `text` contains `phrase` (one or more words) as whole words.
fn has_words(text: &str, phrase: &str) -> bool {
    let (text, phrase) = (words(text), words(phrase));
    text.windows(phrase.len()).any(|w| w == phrase.as_slice())
}

/// What is wrong with a string's two languages: one missing, the Spanish a copy of the English (unless
/// `same` says it may be), or an English word in the Spanish. `en` and `es` are the words people read
/// (a sentence's templates without their placeholders).
fn translation_faults(name: &str, en: &str, es: &str, same: bool) -> Vec<String> {
    let mut faults = Vec::new();
    if en.trim().is_empty() && !es.trim().is_empty() {
        faults.push(format!("{name}: no English"));
    }
    if es.trim().is_empty() && !en.trim().is_empty() {
        faults.push(format!("{name}: no Spanish"));
    }
    if en.trim() == es.trim() && !en.trim().is_empty() && !same {
        faults.push(format!("{name}: the Spanish is the English ({en:?})"));
    }
    // "no" is a Spanish word too: it is left out of the English check of Spanish strings.
    for word in ENGLISH_WORDS.iter().filter(|w| **w != "no") {
        if has_words(es, word) {
            faults.push(format!("{name}: the Spanish has the English word {word:?}: {es:?}"));
        }
    }
    faults
}

#[test]
fn every_catalog_string_has_its_english_and_its_spanish() {
    let mut missing = Vec::new();
    for (name, msg) in all_msgs() {
        let same = SAME_IN_BOTH.iter().any(|(n, _)| *n == name);
        missing.extend(translation_faults(name, msg.en, msg.es, same));
    }
    for (name, noun) in all_nouns() {
        let forms = [noun.en.0, noun.en.1, noun.es.0, noun.es.1];
        if forms.iter().any(|f| f.trim().is_empty()) {
            missing.push(format!("{name}: a form of the noun is missing"));
        }
        if noun.en == noun.es {
            missing.push(format!("{name}: the Spanish noun is the English one"));
        }
    }
    assert!(missing.is_empty(), "untranslated catalog strings:\n{}", missing.join("\n"));
}

/// A sentence template split into its words and the names of its placeholders (`{name}`, `{rate:.1}`).
fn template_parts(template: &str) -> (String, Vec<String>) {
    let (mut words, mut names) = (String::new(), Vec::new());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        words.push_str(&rest[..open]);
        let close = open + rest[open..].find('}').expect("a placeholder is closed");
        let name = rest[open + 1..close].split(':').next().unwrap_or_default();
        names.push(name.to_owned());
        words.push(' ');
        rest = &rest[close + 1..];
    }
    words.push_str(rest);
    names.sort();
    (words, names)
}

#[test]
fn every_sentence_has_its_english_and_its_spanish_with_the_same_values() {
    let mut missing = Vec::new();
    for (name, sentence) in all_sentences() {
        let (en, en_values) = template_parts(sentence.en);
        let (es, es_values) = template_parts(sentence.es);
        missing.extend(translation_faults(name, &en, &es, false));
        // A value only one language shows is one the other leaves out (`format!` does not tell).
        if en_values != es_values {
            missing.push(format!("{name}: the English shows {en_values:?}, the Spanish {es_values:?}"));
        }
    }
    assert!(missing.is_empty(), "untranslated sentences:\n{}", missing.join("\n"));
}

#[test]
fn the_template_split_finds_words_and_placeholders() {
    let (words, values) = template_parts("de {from} a {to}: {rate:.1} %");
    assert_eq!(words, "de   a  :   %");
    assert_eq!(values, ["from", "rate", "to"]);
}

#[test]
fn every_catalog_module_is_listed_for_this_test() {
    // An entry line of `catalog!`: `    NAME: "…" => "…";` or a noun `    NAME: ("…", "…") => …`.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/i18n/words");
    let declared: usize = rust_files(&dir)
        .iter()
        .map(|file| {
            let text = std::fs::read_to_string(file).unwrap();
            text.lines()
                .filter(|line| {
                    let line = line.trim_start();
                    let name_len =
                        line.chars().take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_').count();
                    name_len > 0
                        && line[name_len..].starts_with(": ")
                        && (line.contains("\" =>") || line.ends_with('"') || line.contains(") =>"))
                })
                .count()
        })
        .sum();
    assert_eq!(declared, all_msgs().len() + all_nouns().len(), "a catalog module is missing from words::all_msgs");
    // A sentence of `sentences!` names its English as `en: "…"`, on its own line or after `{ `.
    let sentences: usize = rust_files(&dir)
        .iter()
        .map(|file| {
            let text = std::fs::read_to_string(file).unwrap();
            let code = text.lines().map(str::trim_start).filter(|l| !l.starts_with("//"));
            code.filter(|l| l.starts_with("en: \"") || l.contains("{ en: \"")).count()
        })
        .sum();
    assert_eq!(sentences, all_sentences().len(), "a sentences module is missing from words::all_sentences");
}

/// Literals in view markup that are not words to translate, each with why.
const NOT_WORDS: &[(&str, &str)] = &[
    ("rook-notify", "the product's name"),
    ("support@tryrook.io", "an email address"),
    ("Rust", "a programming language's name, over its code sample"),
    ("Python", "a programming language's name, over its code sample"),
    ("Node.js", "a programming language's name, over its code sample"),
    ("true", "an ARIA state (`aria-checked`), not text"),
    ("false", "an ARIA state (`aria-checked`), not text"),
];

/// Whether a literal is a path or a URL (a link's target, an example URL): never words.
fn is_address(literal: &str) -> bool {
    literal.starts_with('/') || literal.starts_with("https://") || literal.starts_with("http://")
}

/// Attributes and component properties whose value people read or hear.
const SHOWN_ATTRIBUTES: &[&str] = &[
    "aria-label",
    "attr:aria-label",
    "placeholder",
    "title",
    "attr:title",
    "alt",
    "label",
    "caption",
    "empty",
    "term",
    "text",
    "lead",
    "tail",
    "otherwise",
    "consequence",
    "opener",
    "button",
    "summary",
    "unseen_column",
];

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// The string literals of the `view! { … }` blocks of `source` that people would read: text between
/// tags (not inside `<code>`), and the values of [`SHOWN_ATTRIBUTES`]. Returns (line, literal).
fn shown_literals(source: &str) -> Vec<(usize, String)> {
    let bytes = source.as_bytes();
    let mut found = Vec::new();
    let mut start = 0;
    while let Some(at) = source[start..].find("view! {") {
        let open = start + at + "view! ".len();
        let mut depth = 0usize;
        let mut i = open;
        while i < bytes.len() {
            match bytes[i] {
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                b'"' => {
                    let end = literal_end(bytes, i);
                    let literal = &source[i + 1..end];
                    if is_shown(&source[open..i]) && literal.chars().any(char::is_alphabetic) {
                        found.push((source[..i].lines().count(), literal.to_owned()));
                    }
                    i = end;
                }
                // A character literal such as '{' (view markup has no lifetimes).
                b'\'' if bytes.get(i + 2) == Some(&b'\'') => i += 2,
                _ => {}
            }
            i += 1;
        }
        start = i.max(open + 1);
    }
    found
}

/// The index of the closing quote of the literal opening at `open`.
fn literal_end(bytes: &[u8], open: usize) -> usize {
    let mut i = open + 1;
    while i < bytes.len() && bytes[i] != b'"' {
        i += if bytes[i] == b'\\' { 2 } else { 1 };
    }
    i
}

/// Whether a literal after `before` (the view block up to it) is shown: after a tag, a block, another
/// literal or a match arm, and not inside `<code>`; or the value of a shown attribute.
fn is_shown(before: &str) -> bool {
    let trimmed = before.trim_end();
    if let Some(attribute) = trimmed.strip_suffix('=') {
        let name = attribute.rsplit(|c: char| c.is_whitespace() || c == '<').next().unwrap_or_default();
        return SHOWN_ATTRIBUTES.contains(&name);
    }
    let after_markup = trimmed.ends_with(['>', '}', '"', '{']);
    let in_code = trimmed.rfind('<').is_some_and(|tag| {
        let tag = &trimmed[tag..];
        tag.starts_with("<code") && tag.ends_with('>') && !tag.contains("</")
    });
    after_markup && !in_code
}

#[test]
fn view_markup_shows_no_text_that_bypasses_the_catalog() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut bypassing = Vec::new();
    for dir in ["pages", "components"] {
        for file in rust_files(&root.join(dir)) {
            let source = std::fs::read_to_string(&file).unwrap();
            for (line, literal) in shown_literals(&source) {
                if !NOT_WORDS.iter().any(|(word, _)| *word == literal) && !is_address(&literal) {
                    bypassing.push(format!("{}:{line}: {literal:?}", file.strip_prefix(&root).unwrap().display()));
                }
            }
        }
    }
    assert!(
        bypassing.is_empty(),
        "text in view markup that does not go through the catalog:\n{}",
        bypassing.join("\n")
    );
}

#[test]
fn the_source_scan_finds_text_attributes_and_arms_but_not_code_or_classes() {
    let source = r#"view! { <p class="note" aria-label="Why">"Hello " <code>"x-rook-hash"</code> {if on { "On" } else { "Off" }}</p> }"#;
    let found: Vec<String> = shown_literals(source).into_iter().map(|(_, l)| l).collect();
    assert_eq!(found, ["Why", "Hello ", "On", "Off"]);
}
