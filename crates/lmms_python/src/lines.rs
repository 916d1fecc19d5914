//! Byte offset → line/column, computed once per file. Columns are 1-based
//! character counts, like ruff and editors show them.

/// Start offsets of every line of one text.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<u32>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = Vec::with_capacity(text.len() / 32 + 1);
        starts.push(0);
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i as u32 + 1));
        LineIndex { starts }
    }

    /// 1-based line holding `offset`.
    pub fn line(&self, offset: u32) -> u32 {
        match self.starts.binary_search(&offset) {
            Ok(i) => i as u32 + 1,
            Err(i) => i as u32,
        }
    }

    /// Byte offset where the line holding `offset` starts.
    pub fn line_start(&self, offset: u32) -> u32 {
        self.starts[self.line(offset) as usize - 1]
    }

    /// Byte offset where 1-based `line` starts, if it exists.
    pub fn start_of_line(&self, line: u32) -> Option<u32> {
        self.starts.get(line.checked_sub(1)? as usize).copied()
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// 1-based (line, character column) of `offset` in `text`.
    pub fn line_col(&self, text: &str, offset: u32) -> (u32, u32) {
        let line = self.line(offset);
        let start = self.starts[line as usize - 1] as usize;
        let end = (offset as usize).min(text.len());
        let col = text
            .get(start..end)
            .map_or(end - start, |s| s.chars().count());
        (line, col as u32 + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_are_one_based() {
        let t = "ab\ncdé\nx";
        let idx = LineIndex::new(t);
        assert_eq!(idx.line_col(t, 0), (1, 1));
        assert_eq!(idx.line_col(t, 3), (2, 1));
        assert_eq!(idx.line_col(t, 7), (2, 4));
        assert_eq!(idx.line_col(t, 8), (3, 1));
        assert_eq!(idx.line_start(5), 3);
    }
}
