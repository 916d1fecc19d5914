//! Line arithmetic on UTF-8 source text, in byte offsets.

/// Offset of the first byte of the line holding `at`.
pub(crate) fn line_start(src: &str, at: u32) -> u32 {
    let at = (at as usize).min(src.len());
    src[..at].rfind('\n').map_or(0, |i| i + 1) as u32
}

/// Offset just past the newline ending the line holding `at` (or the end of
/// the text on the last line).
pub(crate) fn next_line_start(src: &str, at: u32) -> u32 {
    let at = (at as usize).min(src.len());
    src[at..].find('\n').map_or(src.len(), |i| at + i + 1) as u32
}

/// Whether `src[line_start(at)..at]` is only spaces and tabs.
pub(crate) fn only_indent_before(src: &str, at: u32) -> bool {
    src[line_start(src, at) as usize..at as usize].chars().all(|c| c == ' ' || c == '\t')
}

/// Whether the rest of the line after `at` is blank or a comment.
pub(crate) fn only_comment_after(src: &str, at: u32) -> bool {
    let end = next_line_start(src, at) as usize;
    let rest = src[at as usize..end].trim_start_matches([' ', '\t']);
    rest.is_empty() || rest.starts_with('#') || rest.starts_with('\n') || rest.starts_with("\r\n")
}

/// The line ending the file uses (`\r\n` if its first line ends so).
pub(crate) fn newline(src: &str) -> &'static str {
    match src.find('\n') {
        Some(i) if i > 0 && src.as_bytes()[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

pub(crate) fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

pub(crate) fn is_ident_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// Whether `word` occurs in `src` as a whole identifier (a cheap collision
/// check for names the rewrite introduces; false positives only make it
/// pick another name).
pub(crate) fn contains_word(src: &str, word: &str) -> bool {
    let mut from = 0;
    while let Some(i) = src[from..].find(word) {
        let s = from + i;
        let e = s + word.len();
        let before_ok = src[..s].chars().next_back().is_none_or(|c| !is_ident_char(c));
        let after_ok = src[e..].chars().next().is_none_or(|c| !is_ident_char(c));
        if before_ok && after_ok {
            return true;
        }
        from = e;
    }
    false
}

/// End of the dotted name `a.b.c` starting at `start`.
pub(crate) fn dotted_end(src: &str, start: u32) -> u32 {
    let bytes = src.as_bytes();
    let mut i = start as usize;
    while i < bytes.len() && is_ident_char(bytes[i] as char) {
        i += 1;
    }
    loop {
        if i < bytes.len() && bytes[i] == b'.' && bytes.get(i + 1).is_some_and(|b| is_ident_start(*b as char)) {
            let mut j = i + 1;
            while j < bytes.len() && is_ident_char(bytes[j] as char) {
                j += 1;
            }
            i = j;
        } else {
            return i as u32;
        }
    }
}

/// The first non-blank character before `at` on the same logical stretch.
pub(crate) fn prev_non_space(src: &str, at: u32) -> Option<char> {
    src[..at as usize].chars().rev().find(|c| !c.is_whitespace())
}

pub(crate) fn next_non_space(src: &str, at: u32) -> Option<char> {
    src[at as usize..].chars().find(|c| !c.is_whitespace())
}

/// Indent every line of `text` after the first by `indent`, and the first
/// too; blank lines stay blank.
pub(crate) fn indent_block(text: &str, indent: &str, nl: &str) -> String {
    text.split('\n')
        .map(|l| l.trim_end_matches('\r'))
        .map(|l| if l.trim().is_empty() { String::new() } else { format!("{indent}{l}") })
        .collect::<Vec<_>>()
        .join(nl)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_bounds() {
        let s = "ab\ncd\nef";
        assert_eq!(line_start(s, 4), 3);
        assert_eq!(next_line_start(s, 4), 6);
        assert_eq!(next_line_start(s, 7), 8);
    }

    #[test]
    fn word_search_respects_identifier_edges() {
        assert!(contains_word("x = _s3()", "_s3"));
        assert!(!contains_word("x = _s33()", "_s3"));
        assert!(!contains_word("a_s3 = 1", "_s3"));
    }

    #[test]
    fn dotted_name_extends_over_attributes_only() {
        let s = "pd.DataFrame[int]";
        assert_eq!(dotted_end(s, 0), 12);
        assert_eq!(dotted_end("x.y()", 0), 3);
        assert_eq!(dotted_end("x. y", 0), 1);
    }
}
