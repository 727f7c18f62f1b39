//! The few pieces of the protobuf wire format skiff writes and reads by hand (the OpenAPI v2
//! document kubectl 1.27 fetches, gRPC health checks): varints, length-delimited and varint
//! fields, and a reader over a message's fields. Pure; no schema, no reflection.

/// Appends `v` as a base-128 varint.
pub fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Appends a length-delimited field (wire type 2): strings, bytes, embedded messages.
pub fn bytes_field(out: &mut Vec<u8>, number: u64, bytes: &[u8]) {
    varint(out, (number << 3) | 2);
    varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// Appends a varint field (wire type 0): integers, bools, enums.
pub fn varint_field(out: &mut Vec<u8>, number: u64, value: u64) {
    varint(out, number << 3);
    varint(out, value);
}

/// A message made of length-delimited fields, in the order given.
pub fn message(fields: &[(u64, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (n, b) in fields {
        bytes_field(&mut out, *n, b);
    }
    out
}

/// One field's value as it appears on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value<'a> {
    Varint(u64),
    Fixed64(u64),
    Bytes(&'a [u8]),
    Fixed32(u32),
}

/// The input is not a well-formed protobuf message (protobuf-go's wording).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("proto: cannot parse invalid wire-format data")]
pub struct Malformed;

/// The fields of `message` in wire order as `(number, value)`; stops at the first malformed one.
pub fn fields(message: &[u8]) -> impl Iterator<Item = Result<(u64, Value<'_>), Malformed>> {
    let mut rest = message;
    let mut failed = false;
    std::iter::from_fn(move || {
        if rest.is_empty() || failed {
            return None;
        }
        let next = read_field(&mut rest);
        failed = next.is_err();
        Some(next)
    })
}

/// The varints of a packed repeated field's payload.
pub fn varints(mut packed: &[u8]) -> impl Iterator<Item = Result<u64, Malformed>> {
    std::iter::from_fn(move || (!packed.is_empty()).then(|| read_varint(&mut packed)))
}

fn read_field<'a>(rest: &mut &'a [u8]) -> Result<(u64, Value<'a>), Malformed> {
    let key = read_varint(rest)?;
    let number = key >> 3;
    if number == 0 {
        return Err(Malformed);
    }
    let value = match key & 7 {
        0 => Value::Varint(read_varint(rest)?),
        1 => Value::Fixed64(u64::from_le_bytes(take(rest, 8)?.try_into().map_err(|_| Malformed)?)),
        2 => {
            let len = usize::try_from(read_varint(rest)?).map_err(|_| Malformed)?;
            Value::Bytes(take(rest, len)?)
        }
        5 => Value::Fixed32(u32::from_le_bytes(take(rest, 4)?.try_into().map_err(|_| Malformed)?)),
        _ => return Err(Malformed),
    };
    Ok((number, value))
}

fn take<'a>(rest: &mut &'a [u8], n: usize) -> Result<&'a [u8], Malformed> {
    if rest.len() < n {
        return Err(Malformed);
    }
    let (head, tail) = rest.split_at(n);
    *rest = tail;
    Ok(head)
}

fn read_varint(rest: &mut &[u8]) -> Result<u64, Malformed> {
    let mut value = 0u64;
    for i in 0..10 {
        let (&byte, tail) = rest.split_first().ok_or(Malformed)?;
        *rest = tail;
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte < 0x80 {
            return Ok(value);
        }
    }
    Err(Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_round_trip() {
        let mut m = Vec::new();
        bytes_field(&mut m, 1, b"hello");
        varint_field(&mut m, 2, 300);
        m.extend_from_slice(&[0x1d, 1, 0, 0, 0]); // field 3, fixed32
        let read: Vec<_> = fields(&m).collect::<Result<_, _>>().unwrap();
        assert_eq!(read, vec![(1, Value::Bytes(b"hello")), (2, Value::Varint(300)), (3, Value::Fixed32(1))]);
        assert_eq!(&m[..2], &[0x0a, 5]);
        assert_eq!(&m[7..10], &[0x10, 0xac, 0x02], "300 as a varint");
    }

    #[test]
    fn packed_varints() {
        let mut packed = Vec::new();
        for v in [1, 300, u64::MAX] {
            varint(&mut packed, v);
        }
        assert_eq!(varints(&packed).collect::<Result<Vec<_>, _>>(), Ok(vec![1, 300, u64::MAX]));
        assert_eq!(varints(&[0x80]).last(), Some(Err(Malformed)));
    }

    #[test]
    fn malformed_input_is_an_error_not_a_panic() {
        for bad in [&[0x0a, 5, b'h'][..], &[0x80], &[0x08], &[0x0b], &[0x00, 0x01], &[0xff; 11]] {
            assert_eq!(fields(bad).last(), Some(Err(Malformed)), "{bad:?}");
        }
        assert_eq!(fields(&[]).count(), 0);
    }
}
