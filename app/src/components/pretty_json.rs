//! JSON shown for reading: indented as it was sent.

/// Indents JSON text (two spaces, like `serde_json::to_string_pretty`) without parsing it into a map,
/// so keys keep the order they were sent in.
pub fn pretty_json(raw: &str) -> String {
    let chars: Vec<char> = raw.chars().collect();
    let mut out = String::with_capacity(raw.len() * 2);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                // An empty object or array stays on one line.
                let close = if c == '{' { '}' } else { ']' };
                let mut j = i;
                while j < chars.len() && chars[j].is_whitespace() {
                    j += 1;
                }
                if chars.get(j) == Some(&close) {
                    out.push(close);
                    i = j + 1;
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(',');
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indents_like_serde_json_and_keeps_key_order() {
        let raw = r#"{"z":[1,2],"a":{},"b":[],"c":"x,\"y:{"}"#;
        assert_eq!(
            pretty_json(raw),
            "{\n  \"z\": [\n    1,\n    2\n  ],\n  \"a\": {},\n  \"b\": [],\n  \"c\": \"x,\\\"y:{\"\n}"
        );
        let sorted = r#"{"a":{"b":null,"c":true},"d":[{"e":1.5}]}"#;
        let value: serde_json::Value = serde_json::from_str(sorted).unwrap();
        assert_eq!(pretty_json(sorted), serde_json::to_string_pretty(&value).unwrap());
    }
}
