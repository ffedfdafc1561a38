//! JSON text handed in by users (cohort definitions, hand-written populations), parsed with
//! serde_json, whose parser refuses documents nested deeper than [`MAX_DEPTH`] arrays and objects
//! (a guard against exhausting the stack). Such a document is valid JSON: its error says what the
//! limit is, instead of serde_json's bare "recursion limit exceeded".

use serde_json::Value;

/// The deepest nesting of arrays and objects read: serde_json's parser stops at its 128th level
/// (`remaining_depth` starts at 128 and fails on reaching 0), so 127 levels are read.
pub const MAX_DEPTH: usize = 127;

/// Parse `text`. The error is a sentence for the user: "not valid JSON: …" with serde_json's
/// line and column, or, where a document is nested deeper than [`MAX_DEPTH`], where and what
/// the limit is.
pub fn parse(text: &str) -> Result<Value, String> {
    serde_json::from_str(text).map_err(|e| match too_deep_at(text) {
        // serde_json stops on the bracket that opens one level too many (an error earlier in
        // the text is its own)
        Some((line, column)) if (line, column) <= (e.line(), e.column()) => format!(
            "JSON nested more than {MAX_DEPTH} levels deep (arrays and objects inside one \
             another) at line {line} column {column}: at most {MAX_DEPTH} levels are read"
        ),
        _ => format!("not valid JSON: {e}"),
    })
}

/// Line and column (1-based, in characters) of the first bracket of `text` that opens a level
/// deeper than [`MAX_DEPTH`], brackets inside strings left out; the text need not be valid JSON.
pub fn too_deep_at(text: &str) -> Option<(usize, usize)> {
    let (mut level, mut line, mut column) = (0usize, 1usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for c in text.chars() {
        column += 1;
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '[' | '{' => {
                level += 1;
                if level > MAX_DEPTH {
                    return Some((line, column));
                }
            }
            ']' | '}' => level = level.saturating_sub(1),
            '\n' => {
                line += 1;
                column = 0;
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(levels: usize) -> String {
        format!("{}{}", "[".repeat(levels), "]".repeat(levels))
    }

    #[test]
    fn the_limit_is_where_serde_json_stops() {
        assert!(parse(&nested(MAX_DEPTH)).is_ok());
        assert!(serde_json::from_str::<Value>(&nested(MAX_DEPTH + 1)).is_err());
        assert_eq!(
            parse(&nested(MAX_DEPTH + 1)).unwrap_err(),
            "JSON nested more than 127 levels deep (arrays and objects inside one another) \
             at line 1 column 128: at most 127 levels are read"
        );
        // on a later line, inside an object, brackets in strings left out
        let text = format!("{{\"a\": \"[[\",\n \"b\": {}}}", nested(130));
        assert_eq!(too_deep_at(&text), Some((2, 133)));
        assert!(parse(&text).unwrap_err().contains("at line 2 column 133"));
    }

    #[test]
    fn an_error_before_the_depth_is_reported_as_such() {
        let text = format!("[1 2, {}]", nested(200));
        let e = parse(&text).unwrap_err();
        assert!(e.starts_with("not valid JSON: "), "{e}");
        assert!(e.contains("line 1 column 4"), "{e}");
    }

    #[test]
    fn invalid_json_keeps_serde_json_position() {
        let e = parse("{\"a\": [1, 2}").unwrap_err();
        assert!(e.starts_with("not valid JSON: "), "{e}");
        assert!(e.contains("line 1 column 12"), "{e}");
        assert_eq!(too_deep_at("no brackets ]]}"), None);
    }
}
