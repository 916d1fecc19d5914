//! A cheap upper bound on how deeply the parser will recurse for a source.
//!
//! ruff's parser, its AST's `Drop` and our extractor recurse once per
//! nesting level, and a stack overflow aborts the process (it cannot be
//! caught). So before parsing, one pass over the bytes bounds the depth:
//! brackets, operators and keywords that chain (`1+1+…`, `a.b.…`,
//! `f()()…`, `x if c else …`, `not not …`) and indentation all count; a
//! comma, a semicolon or the end of a statement resets the count at its
//! level, since a long list or a long file is flat. The bound only ever
//! over-estimates.

/// The bound and the 1-based line where it is reached.
pub fn nesting_bound(source: &str) -> (u32, u32) {
    let b = source.as_bytes();
    let mut stack: Vec<u32> = Vec::new();
    let mut enclosing: u32 = 0;
    let mut cur: u32 = 0;
    let mut indent: u32 = 0;
    let mut at_line_start = true;
    let mut line: u32 = 1;
    let mut best = (0u32, 1u32);
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if at_line_start {
            if c == b' ' || c == b'\t' || c == b'\x0c' {
                indent += 1;
                i += 1;
                continue;
            }
            at_line_start = false;
        }
        match c {
            b'\n' => {
                line += 1;
                if stack.is_empty() {
                    cur = 0;
                    indent = 0;
                    at_line_start = true;
                }
            }
            b'\\' => {
                // A line continuation: the statement goes on.
                if b.get(i + 1) == Some(&b'\n') {
                    line += 1;
                    i += 1;
                } else if b.get(i + 1) == Some(&b'\r') && b.get(i + 2) == Some(&b'\n') {
                    line += 1;
                    i += 2;
                }
            }
            b'#' => {
                while i + 1 < b.len() && b[i + 1] != b'\n' {
                    i += 1;
                }
            }
            b'\'' | b'"' => {
                i = skip_string(b, i, &mut line);
                continue;
            }
            b'(' | b'[' | b'{' => {
                stack.push(cur);
                enclosing = enclosing.saturating_add(cur);
                cur = 0;
            }
            b')' | b']' | b'}' => {
                if let Some(outer) = stack.pop() {
                    enclosing -= outer;
                    // A trailer (`f()`, `x[0]`) nests what precedes it.
                    cur = outer.saturating_add(1);
                }
            }
            b',' | b';' => cur = 0,
            b'+' | b'-' | b'*' | b'/' | b'%' | b'@' | b'&' | b'|' | b'^' | b'~' | b'<' | b'>' | b'=' | b'!' | b'.'
            | b':' => cur = cur.saturating_add(1),
            c if c == b'_' || c.is_ascii_alphabetic() => {
                let start = i;
                while i < b.len() && (b[i] == b'_' || b[i].is_ascii_alphanumeric()) {
                    i += 1;
                }
                let word = &b[start..i];
                // A string prefix (`rb"…"`, `f'…'`) belongs to the string.
                if i < b.len() && (b[i] == b'\'' || b[i] == b'"') && word.len() <= 3 {
                    continue;
                }
                if matches!(
                    word,
                    b"and" | b"or" | b"not" | b"if" | b"else" | b"lambda" | b"await" | b"is" | b"in" | b"yield"
                ) {
                    cur = cur.saturating_add(1);
                }
                continue;
            }
            _ => {}
        }
        let depth = indent.saturating_add(stack.len() as u32).saturating_add(enclosing).saturating_add(cur);
        if depth > best.0 {
            best = (depth, line);
        }
        i += 1;
    }
    best
}

/// The index just past the string literal whose first quote is at `i`.
/// f-string replacement fields are skipped with the text: their
/// expressions are short in any real code.
fn skip_string(b: &[u8], i: usize, line: &mut u32) -> usize {
    let q = b[i];
    let triple = b.get(i + 1) == Some(&q) && b.get(i + 2) == Some(&q);
    let mut j = if triple { i + 3 } else { i + 1 };
    while j < b.len() {
        match b[j] {
            b'\\' => {
                if b.get(j + 1) == Some(&b'\n') {
                    *line += 1;
                }
                j += 2;
                continue;
            }
            b'\n' => {
                *line += 1;
                if !triple {
                    // Unterminated: the parser reports it; the scan goes on.
                    return j;
                }
            }
            c if c == q => {
                if !triple {
                    return j + 1;
                }
                if b.get(j + 1) == Some(&q) && b.get(j + 2) == Some(&q) {
                    return j + 3;
                }
            }
            _ => {}
        }
        j += 1;
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::nesting_bound;

    #[test]
    fn flat_code_and_long_literals_stay_shallow() {
        let list = format!("DATA = [{}]\n", (0..100_000).map(|i| format!("-{i}")).collect::<Vec<_>>().join(", "));
        assert!(nesting_bound(&list).0 < 10, "{:?}", nesting_bound(&list));
        let code = "import os\n\ndef f(a, b=1):\n    if a:\n        return os.path.join(a, 'x(' \"[\")  # ((((\n";
        assert!(nesting_bound(&code.repeat(10_000)).0 < 20);
    }

    #[test]
    fn chains_brackets_and_trailers_all_count() {
        let n = 5_000;
        for (src, line) in [
            (format!("x = {}\n", vec!["1"; n].join("+")), 1),
            (format!("\n\nx = {}1{}\n", "(".repeat(n), ")".repeat(n)), 3),
            (format!("x = f{}\n", "()".repeat(n)), 1),
            (format!("x = a{}\n", ".b".repeat(n)), 1),
            (format!("x = {}1\n", "not ".repeat(n)), 1),
            (format!("x = {}0\n", "1 if c else ".repeat(n)), 1),
        ] {
            let (bound, at) = nesting_bound(&src);
            assert!(bound >= n as u32, "{bound} for {}", &src[..20]);
            assert_eq!(at, line);
        }
    }

    #[test]
    fn strings_and_comments_do_not_count() {
        let src = format!("x = '{0}'\ny = \"\"\"{0}\n{0}\"\"\"\n# {0}\nz = rb'{0}'\n", "(+".repeat(10_000));
        assert!(nesting_bound(&src).0 < 5, "{:?}", nesting_bound(&src));
    }
}

#[cfg(test)]
mod parse_tests {
    #[test]
    fn a_200_000_term_expression_is_a_diagnostic_not_an_abort() {
        let src = format!("import json\nx = {}\n", vec!["1"; 200_000].join("+"));
        let parsed = crate::parse_module(&src);
        let e = &parsed.syntax_errors[0];
        assert!(e.message.contains("nested too deeply") && e.line == 2, "{}", e.message);
    }

    #[test]
    fn deep_but_allowed_nesting_parses_on_a_small_caller_stack() {
        // 20,000 levels need ~40 MB in a debug build; the caller has 256 KB.
        let src = format!("import json\ndef f():\n    return json\nx = {}\n", vec!["1"; 20_000].join("+"));
        let parsed = std::thread::Builder::new()
            .stack_size(256 << 10)
            .spawn(move || crate::parse_module(&src))
            .unwrap()
            .join()
            .unwrap();
        assert!(parsed.syntax_errors.is_empty());
        assert_eq!(parsed.imports.len(), 1);
    }

    #[test]
    fn a_declared_deep_stack_parses_alike_and_still_refuses_what_is_too_deep() {
        let deep = format!("import json\nx = {}\n", vec!["1"; 20_000].join("+"));
        let too_deep = format!("import json\nx = {}\n", vec!["1"; 200_000].join("+"));
        let elsewhere = (crate::parse_module(&deep), crate::parse_module(&too_deep));
        let here = std::thread::Builder::new()
            .stack_size(crate::DEEP_STACK_BYTES)
            .spawn(move || {
                crate::set_thread_stack_size(crate::DEEP_STACK_BYTES);
                (crate::parse_module(&deep), crate::parse_module(&too_deep))
            })
            .unwrap()
            .join()
            .unwrap();
        assert!(here.0.syntax_errors.is_empty());
        assert_eq!(here.0.imports, elsewhere.0.imports);
        assert_eq!(here.1.syntax_errors, elsewhere.1.syntax_errors);
        assert!(here.1.syntax_errors[0].message.contains("nested too deeply"));
    }
}
