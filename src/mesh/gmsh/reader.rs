//! The file as a cursor: lines, ASCII tokens and binary numbers of either endianness and
//! `size_t`, counts checked against the bytes left, and section ends.

use std::path::Path;

use crate::error::{Error, Result};

/// A position in the file and how to read numbers there.
pub(super) struct Reader<'a> {
    pub(super) path: &'a Path,
    pub(super) bytes: &'a [u8],
    pub(super) pos: usize,
    pub(super) binary: bool,
    pub(super) big_endian: bool,
    pub(super) size_t: usize,
    /// The section being read, for messages.
    pub(super) section: String,
}

impl<'a> Reader<'a> {
    pub(super) fn err(&self, what: impl std::fmt::Display) -> Error {
        Error::Mesh {
            source_name: self.path.display().to_string(),
            reason: if self.section.is_empty() {
                what.to_string()
            } else {
                format!("${}: {what}", self.section)
            },
        }
    }

    pub(super) fn left(&self) -> usize {
        self.bytes.len() - self.pos
    }

    pub(super) fn skip_whitespace(&mut self) {
        while self.pos < self.bytes.len() && self.bytes[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
    }

    /// The rest of the current line (without its end), and past it.
    pub(super) fn line(&mut self) -> &'a [u8] {
        let start = self.pos;
        let end = self.bytes[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(self.bytes.len(), |p| start + p);
        self.pos = (end + 1).min(self.bytes.len());
        let line = &self.bytes[start..end];
        line.strip_suffix(b"\r").unwrap_or(line)
    }

    /// The next whitespace-separated ASCII token.
    pub(super) fn token(&mut self, what: &str) -> Result<&'a str> {
        self.skip_whitespace();
        let start = self.pos;
        while self.pos < self.bytes.len() && !self.bytes[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
        if start == self.pos {
            return Err(self.err(format!("the file ends where {what} should be (truncated)")));
        }
        std::str::from_utf8(&self.bytes[start..self.pos])
            .map_err(|_| self.err(format!("{what} is not text")))
    }

    pub(super) fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        if self.left() < n {
            return Err(self.err(format!("the file ends where {what} should be (truncated)")));
        }
        let s = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    pub(super) fn bytes_n<const N: usize>(&mut self, what: &str) -> Result<[u8; N]> {
        let s = self.take(N, what)?;
        let mut b: [u8; N] = std::array::from_fn(|k| s[k]);
        if self.big_endian {
            b.reverse();
        }
        Ok(b)
    }

    pub(super) fn parse<T: std::str::FromStr>(&mut self, what: &str) -> Result<T> {
        let t = self.token(what)?;
        t.parse()
            .map_err(|_| self.err(format!("{what} `{t}` is not a valid number")))
    }

    /// An `int` field (4 bytes in binary).
    pub(super) fn int(&mut self, what: &str) -> Result<i32> {
        if self.binary {
            Ok(i32::from_le_bytes(self.bytes_n::<4>(what)?))
        } else {
            self.parse(what)
        }
    }

    /// A `size_t` field (4 or 8 bytes in binary).
    pub(super) fn size(&mut self, what: &str) -> Result<u64> {
        if !self.binary {
            return self.parse(what);
        }
        Ok(if self.size_t == 4 {
            u32::from_le_bytes(self.bytes_n::<4>(what)?) as u64
        } else {
            u64::from_le_bytes(self.bytes_n::<8>(what)?)
        })
    }

    pub(super) fn float(&mut self, what: &str) -> Result<f64> {
        if self.binary {
            Ok(f64::from_le_bytes(self.bytes_n::<8>(what)?))
        } else {
            self.parse(what)
        }
    }

    /// A declared count, checked against what the rest of the file can hold when each item
    /// takes at least `min_bytes` bytes, and against potflow's `limit`.
    pub(super) fn count(&mut self, what: &str, min_bytes: usize, limit: u64) -> Result<usize> {
        let n = self.size(what)?;
        if n > limit {
            return Err(self.err(format!("{what} is {n}, above potflow's limit of {limit}")));
        }
        self.fits(what, n, min_bytes)
    }

    /// A block's count, checked against what its section announced is left (`left_of_total`)
    /// and against the bytes left in the file.
    pub(super) fn block_count(
        &mut self,
        what: &str,
        min_bytes: usize,
        left_of_total: usize,
        total_what: &str,
    ) -> Result<usize> {
        let n = self.size(what)?;
        if n > left_of_total as u64 {
            return Err(self.err(format!(
                "{what} is {n}, more than the {left_of_total} left of {total_what}"
            )));
        }
        self.fits(what, n, min_bytes)
    }

    /// `n` items of at least `min_bytes` bytes each must fit in the rest of the file.
    pub(super) fn fits(&self, what: &str, n: u64, min_bytes: usize) -> Result<usize> {
        let room = (self.left() / min_bytes.max(1)) as u64;
        if n > room {
            return Err(self.err(format!(
                "{what} is {n}, but the {} bytes left in the file hold at most {room} (truncated or corrupt)",
                self.left()
            )));
        }
        Ok(n as usize)
    }

    /// Bytes one `size_t` takes at least: in binary its width, in ASCII a digit and a space.
    pub(super) fn min_size(&self) -> usize {
        if self.binary {
            self.size_t
        } else {
            2
        }
    }

    /// Bytes one `int` or `double` takes at least.
    pub(super) fn min_int(&self) -> usize {
        if self.binary {
            4
        } else {
            2
        }
    }

    pub(super) fn min_float(&self) -> usize {
        if self.binary {
            8
        } else {
            2
        }
    }

    /// Expects `$End<section>` next.
    pub(super) fn end_section(&mut self) -> Result<()> {
        self.skip_whitespace();
        let tag = format!("$End{}", self.section);
        let line = self.line();
        if line.trim_ascii_end() != tag.as_bytes() {
            return Err(self.err(format!(
                "expected {tag} after the section's data, found `{}` (truncated or corrupt)",
                String::from_utf8_lossy(&line[..line.len().min(40)])
            )));
        }
        self.section.clear();
        Ok(())
    }

    /// Skips an unknown section to the line `$End<section>`.
    pub(super) fn skip_section(&mut self) -> Result<()> {
        let tag = format!("$End{}", self.section);
        while self.pos < self.bytes.len() {
            let line = self.line();
            if line.trim_ascii() == tag.as_bytes() {
                self.section.clear();
                return Ok(());
            }
        }
        Err(self.err(format!("no {tag}: the file is truncated")))
    }
}
