//! "Copy as curl": a notification's last request as a command that sends it again.

/// Headers curl sets by itself (copying them could contradict what it sends).
const LEFT_TO_CURL: [&str; 2] = ["host", "content-length"];

/// `curl -X POST <url> -H … --data-binary '<body>'`, one argument per line, quoted for a POSIX shell.
pub fn curl_command(url: &str, headers: &[(String, String)], body: &str) -> String {
    let mut lines = vec![format!("curl -X POST {}", shell_quote(url))];
    for (name, value) in headers {
        if !LEFT_TO_CURL.contains(&name.to_ascii_lowercase().as_str()) {
            lines.push(format!("  -H {}", shell_quote(&format!("{name}: {value}"))));
        }
    }
    lines.push(format!("  --data-binary {}", shell_quote(body)));
    lines.join(" \\\n")
}

/// Single-quotes a word for a POSIX shell (a `'` inside becomes `'\''`).
fn shell_quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_quotes_everything_and_leaves_host_and_length_to_curl() {
        let headers = vec![
            ("content-type".to_owned(), "application/json".to_owned()),
            ("content-length".to_owned(), "12".to_owned()),
            ("webhook-id".to_owned(), "abc".to_owned()),
        ];
        let command = curl_command("https://example.com/hook", &headers, r#"{"msg":"it's"}"#);
        assert_eq!(
            command,
            "curl -X POST 'https://example.com/hook' \\\n  -H 'content-type: application/json' \\\n  -H 'webhook-id: abc' \\\n  --data-binary '{\"msg\":\"it'\\''s\"}'"
        );
    }
}
