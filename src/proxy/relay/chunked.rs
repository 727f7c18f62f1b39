//! Where a chunked body ends (RFC 9112 §7.1): the relay passes chunked answers through as they
//! are, so it only follows the chunk sizes, extensions and trailer fields to find the last
//! byte, and rejects framing that is not valid.

/// Follows one chunked body through the bytes fed to it.
#[derive(Debug, Default)]
pub struct Scanner {
    state: State,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum State {
    /// The first hex digit of a chunk size.
    #[default]
    Size,
    /// More of them.
    SizeDigits {
        size: u64,
    },
    /// A chunk extension, up to the line's end.
    Extension {
        size: u64,
    },
    /// The LF ending a size line.
    SizeLf {
        size: u64,
    },
    Data {
        left: u64,
    },
    DataCr,
    DataLf,
    /// The start of a trailer line (or of the final CRLF).
    TrailerStart,
    TrailerLine,
    TrailerLf,
    EndLf,
    Done,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Invalid;

impl Scanner {
    /// Reads `bytes`, the next of the body; `Some(n)` when the body ends after `n` of them.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<Option<usize>, Invalid> {
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            self.state = match self.state {
                State::Size => State::SizeDigits { size: hex(b).ok_or(Invalid)? },
                State::SizeDigits { size } => match (b, hex(b)) {
                    (_, Some(d)) => State::SizeDigits { size: size.checked_mul(16).ok_or(Invalid)? | d },
                    (b';' | b' ' | b'\t', _) => State::Extension { size },
                    (b'\r', _) => State::SizeLf { size },
                    _ => return Err(Invalid),
                },
                State::Extension { size } => match b {
                    b'\r' => State::SizeLf { size },
                    b'\n' => return Err(Invalid),
                    _ => State::Extension { size },
                },
                State::SizeLf { size } => match (b, size) {
                    (b'\n', 0) => State::TrailerStart,
                    (b'\n', left) => State::Data { left },
                    _ => return Err(Invalid),
                },
                State::Data { left } => {
                    let take = usize::try_from(left).unwrap_or(usize::MAX).min(bytes.len() - i);
                    i += take;
                    let left = left - take as u64;
                    self.state = if left == 0 { State::DataCr } else { State::Data { left } };
                    continue;
                }
                State::DataCr if b == b'\r' => State::DataLf,
                State::DataLf if b == b'\n' => State::Size,
                State::TrailerStart if b == b'\r' => State::EndLf,
                State::TrailerStart | State::TrailerLine if b != b'\r' && b != b'\n' => State::TrailerLine,
                State::TrailerLine if b == b'\r' => State::TrailerLf,
                State::TrailerLf if b == b'\n' => State::TrailerStart,
                State::EndLf if b == b'\n' => State::Done,
                _ => return Err(Invalid),
            };
            i += 1;
            if self.state == State::Done {
                return Ok(Some(i));
            }
        }
        Ok(None)
    }
}

fn hex(b: u8) -> Option<u64> {
    (b as char).to_digit(16).map(u64::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `body` in pieces of `step` bytes; where it ends.
    fn end(body: &[u8], step: usize) -> Result<Option<usize>, Invalid> {
        let mut s = Scanner::default();
        let mut at = 0;
        for piece in body.chunks(step) {
            if let Some(n) = s.feed(piece)? {
                return Ok(Some(at + n));
            }
            at += piece.len();
        }
        Ok(None)
    }

    #[test]
    fn finds_the_end_of_a_body_however_it_is_split() {
        let body = b"5\r\nhello\r\n1A;name=\"x y\"\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nx-sum: 1\r\n\r\nNEXT";
        for step in 1..body.len() {
            assert_eq!(end(body, step), Ok(Some(body.len() - 4)), "step {step}");
        }
        assert_eq!(end(b"0\r\n\r\n", 64), Ok(Some(5)));
        assert_eq!(end(b"5\r\nhel", 64), Ok(None), "not over yet");
    }

    proptest::proptest! {
        /// Any chunks, encoded and cut anywhere, end exactly where the encoding does; any
        /// bytes at all are read without a panic.
        #[test]
        fn random_bodies_end_where_they_end(chunks in proptest::collection::vec(proptest::collection::vec(proptest::prelude::any::<u8>(), 1..40), 0..6), step in 1usize..50, noise in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
            let mut body = Vec::new();
            for c in &chunks {
                body.extend_from_slice(format!("{:x}\r\n", c.len()).as_bytes());
                body.extend_from_slice(c);
                body.extend_from_slice(b"\r\n");
            }
            body.extend_from_slice(b"0\r\n\r\n");
            let len = body.len();
            body.extend_from_slice(b"trailing");
            proptest::prop_assert_eq!(end(&body, step), Ok(Some(len)));
            let _ = end(&noise, step);
        }
    }

    #[test]
    fn rejects_what_is_not_chunked_framing() {
        for body in
            [&b"x\r\n"[..], b"5\r\nhelloX\r\n", b"5\nhello\r\n", b"\r\n", b"0\r\nbad\n", b"ffffffffffffffffff\r\n"]
        {
            assert_eq!(end(body, 64), Err(Invalid), "{:?}", String::from_utf8_lossy(body));
        }
    }
}
