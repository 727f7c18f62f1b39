//! Base64 as Kubernetes' API server reads and writes Secret `data`: Go's `base64.StdEncoding`
//! (padding required, line breaks skipped, trailing bits ignored), with Go's error positions
//! (`illegal base64 data at input byte 4`). Pure.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// The encoding Go's `StdEncoding.EncodeToString` produces.
pub fn encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Go's `CorruptInputError`: the byte offset where decoding failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("illegal base64 data at input byte {0}")]
pub struct CorruptInput(pub usize);

fn value_of(c: u8) -> Option<u8> {
    ALPHABET.iter().position(|&a| a == c).and_then(|p| u8::try_from(p).ok())
}

fn skip_newlines(src: &[u8], mut si: usize) -> usize {
    while si < src.len() && matches!(src[si], b'\n' | b'\r') {
        si += 1;
    }
    si
}

/// How a quantum of up to four characters ended.
enum Quantum {
    /// Four characters, more may follow.
    Full,
    /// The last quantum: `n` characters (2 or 3) before padding or the end of input.
    Last(usize),
}

/// Reads one quantum into `dbuf` starting at `*si`, as Go's `decodeQuantum` does.
fn read_quantum(src: &[u8], si: &mut usize, dbuf: &mut [u8; 4]) -> Result<Option<Quantum>, CorruptInput> {
    let mut j = 0;
    while j < 4 {
        if *si == src.len() {
            // StdEncoding requires padding: an unfinished quantum is an error.
            return if j == 0 { Ok(None) } else { Err(CorruptInput(*si - j)) };
        }
        let c = src[*si];
        *si += 1;
        if let Some(v) = value_of(c) {
            dbuf[j] = v;
            j += 1;
            continue;
        }
        if matches!(c, b'\n' | b'\r') {
            continue;
        }
        if c != b'=' || j < 2 {
            return Err(CorruptInput(*si - 1));
        }
        if j == 2 {
            *si = skip_newlines(src, *si);
            if *si == src.len() {
                return Err(CorruptInput(src.len()));
            }
            if src[*si] != b'=' {
                return Err(CorruptInput(*si - 1));
            }
            *si += 1;
        }
        *si = skip_newlines(src, *si);
        if *si < src.len() {
            return Err(CorruptInput(*si));
        }
        return Ok(Some(Quantum::Last(j)));
    }
    Ok(Some(Quantum::Full))
}

/// Decodes like Go's `StdEncoding.DecodeString`.
pub fn decode(s: &str) -> Result<Vec<u8>, CorruptInput> {
    let src = s.as_bytes();
    let mut out = Vec::with_capacity(src.len() / 4 * 3);
    let mut si = 0;
    loop {
        let mut dbuf = [0u8; 4];
        let Some(quantum) = read_quantum(src, &mut si, &mut dbuf)? else {
            return Ok(out);
        };
        let val = u32::from(dbuf[0]) << 18 | u32::from(dbuf[1]) << 12 | u32::from(dbuf[2]) << 6 | u32::from(dbuf[3]);
        let bytes = [(val >> 16) as u8, (val >> 8) as u8, val as u8];
        match quantum {
            Quantum::Full => out.extend_from_slice(&bytes),
            Quantum::Last(n) => {
                out.extend_from_slice(&bytes[..n - 1]);
                return Ok(out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for s in ["", "a", "ab", "abc", "abcd", "Hello world!", "\u{0}\u{ff}binary"] {
            assert_eq!(decode(&encode(s.as_bytes())).unwrap(), s.as_bytes(), "{s:?}");
        }
        assert_eq!(encode(b"admin"), "YWRtaW4=");
        assert_eq!(encode(b"ab"), "YWI=");
    }

    #[test]
    fn errors_carry_gos_offsets() {
        // Cases and offsets as Go's encoding/base64 reports them.
        assert_eq!(decode("YWJj!"), Err(CorruptInput(4)));
        assert_eq!(decode("not base64"), Err(CorruptInput(3)));
        assert_eq!(decode("abc"), Err(CorruptInput(0)));
        assert_eq!(decode("YWI"), Err(CorruptInput(0)));
        assert_eq!(decode("YQ="), Err(CorruptInput(3)));
        assert_eq!(decode("Y==="), Err(CorruptInput(1)));
        assert_eq!(decode("YQ==YQ=="), Err(CorruptInput(4)));
        assert_eq!(CorruptInput(4).to_string(), "illegal base64 data at input byte 4");
    }

    #[test]
    fn line_breaks_are_skipped_and_trailing_bits_ignored() {
        assert_eq!(decode("YWJj\nZGVm\r\n").unwrap(), b"abcdef");
        assert_eq!(decode("YR==").unwrap(), b"a", "Go's StdEncoding is not strict");
    }
}
