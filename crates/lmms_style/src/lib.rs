//! The one palette every `lmms` renderer paints with.
//!
//! Whether to colour is decided once, by the binary (`--color`, `NO_COLOR`,
//! `FORCE_COLOR`, a terminal); it builds a [`Theme`] with [`Theme::new`] and
//! hands it to every renderer (check, profile, usage, plan, fast-path,
//! bench, `fix --diff`). A plain theme's styles render as nothing, so
//! renderers never branch on colour themselves and the plain text is the
//! coloured text with the escapes taken out. A crate of its own so that
//! every stage's renderer can take a `Theme` (`lmms_report`, which
//! re-exports it as `lmms_report::style`, sits above most of them).

use anstyle::AnsiColor;
pub use anstyle::Style;

/// Titles and the path of a finding.
pub const HEADING: Style = Style::new().bold();
/// Notes and secondary detail.
pub const DIM: Style = Style::new().dimmed();
/// Rule codes, carets, "blocked by".
pub const ERROR: Style = AnsiColor::Red.on_default().bold();
/// Heavy imports, warnings.
pub const WARNING: Style = AnsiColor::Yellow.on_default();
/// Line numbers and the `|` of code frames.
pub const GUTTER: Style = AnsiColor::Blue.on_default().bold();
/// The `:` between path, line and column.
pub const PUNCTUATION: Style = AnsiColor::Cyan.on_default();
/// What is fine as it is (module-level, gate passed).
pub const SUCCESS: Style = AnsiColor::Green.on_default();
/// A diff's removed lines, as git colours them.
pub const REMOVED: Style = AnsiColor::Red.on_default();
/// A diff's added lines.
pub const ADDED: Style = AnsiColor::Green.on_default();
/// A diff's `@@ … @@` hunk headers.
pub const HUNK: Style = AnsiColor::Cyan.on_default();

/// The styles of one run: the palette above, or all plain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub heading: Style,
    pub dim: Style,
    pub error: Style,
    pub warning: Style,
    pub gutter: Style,
    pub punctuation: Style,
    pub success: Style,
    pub removed: Style,
    pub added: Style,
    pub hunk: Style,
}

impl Theme {
    pub const PLAIN: Theme = Theme {
        heading: Style::new(),
        dim: Style::new(),
        error: Style::new(),
        warning: Style::new(),
        gutter: Style::new(),
        punctuation: Style::new(),
        success: Style::new(),
        removed: Style::new(),
        added: Style::new(),
        hunk: Style::new(),
    };

    pub const COLOR: Theme = Theme {
        heading: HEADING,
        dim: DIM,
        error: ERROR,
        warning: WARNING,
        gutter: GUTTER,
        punctuation: PUNCTUATION,
        success: SUCCESS,
        removed: REMOVED,
        added: ADDED,
        hunk: HUNK,
    };

    pub fn new(color: bool) -> Theme {
        if color {
            Theme::COLOR
        } else {
            Theme::PLAIN
        }
    }
}

impl Default for Theme {
    fn default() -> Theme {
        Theme::PLAIN
    }
}

/// `text` in `style`; unchanged for a plain style.
pub fn paint(style: Style, text: &str) -> String {
    format!("{}{text}{}", style.render(), style.render_reset())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_theme_paints_nothing_and_a_coloured_one_resets() {
        assert_eq!(paint(Theme::PLAIN.error, "LMM001"), "LMM001");
        let red = paint(Theme::COLOR.error, "LMM001");
        assert!(red.starts_with('\x1b') && red.ends_with("\x1b[0m") && red.contains("LMM001"), "{red:?}");
    }
}
