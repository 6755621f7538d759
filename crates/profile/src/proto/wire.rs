//! The protobuf wire format: a zero-copy field reader and the writing primitives.
//!
//! The reader mirrors Go pprof's `proto.go` decoder: varints of at most ten bytes, wire types 0,
//! 1, 2 and 5 only (groups and the reserved types are errors, so nothing nests through unknown
//! fields and nothing recurses), and length-delimited fields borrowed from the input.

use crate::error::{Error, Result};
use crate::limits::ElementBudget;

/// One field's payload as it appears on the wire.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Value<'a> {
    /// Wire type 0.
    Varint(u64),
    /// Wire type 1 (no field of profile.proto has it; its value is skipped).
    Fixed64,
    /// Wire type 2: bytes, a string, a message or a packed repeated scalar.
    Bytes(&'a [u8]),
    /// Wire type 5 (no field of profile.proto has it; its value is skipped).
    Fixed32,
}

/// A cursor over the fields of one message.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    data: &'a [u8],
}

/// A protobuf that cannot be read (Go's decoder words these the same way); the parser then tries
/// the legacy formats.
pub(crate) fn wire_error(what: &str) -> Error {
    Error::Parse(what.to_string())
}

/// Reads one varint from the front of `data`, returning it and the rest.
#[inline]
pub(crate) fn read_varint(data: &[u8]) -> Result<(u64, &[u8])> {
    // One and two bytes cover string indices, small ids and most location references.
    match *data {
        [b0, ..] if b0 < 0x80 => Ok((u64::from(b0), &data[1..])),
        [b0, b1, ..] if b1 < 0x80 => Ok((u64::from(b0 & 0x7f) | u64::from(b1) << 7, &data[2..])),
        _ => read_varint_slow(data),
    }
}

#[inline(never)]
fn read_varint_slow(data: &[u8]) -> Result<(u64, &[u8])> {
    let mut value = 0u64;
    for (i, &b) in data.iter().enumerate().take(10) {
        // Bits past the 64th are dropped, as Go's decoder drops them.
        value |= u64::from(b & 0x7f).wrapping_shl(7 * i as u32);
        if b < 0x80 {
            return Ok((value, &data[i + 1..]));
        }
    }
    Err(wire_error("bad varint"))
}

impl<'a> Reader<'a> {
    /// A reader over the fields of the message `data`.
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Reader { data }
    }

    /// The next field's number and payload, or `None` at the end of the message.
    #[inline]
    pub(crate) fn next_field(&mut self) -> Result<Option<(u64, Value<'a>)>> {
        if self.data.is_empty() {
            return Ok(None);
        }
        let (key, rest) = read_varint(self.data)?;
        let (value, rest) = match key & 7 {
            0 => {
                let (v, rest) = read_varint(rest)?;
                (Value::Varint(v), rest)
            }
            1 => {
                let (_, rest) = split(rest, 8)?;
                (Value::Fixed64, rest)
            }
            2 => {
                let (len, rest) = read_varint(rest)?;
                if len > rest.len() as u64 {
                    return Err(wire_error("too much data"));
                }
                let (bytes, rest) = rest.split_at(len as usize);
                (Value::Bytes(bytes), rest)
            }
            5 => {
                let (_, rest) = split(rest, 4)?;
                (Value::Fixed32, rest)
            }
            t => return Err(Error::Parse(format!("unknown wire type: {t}"))),
        };
        self.data = rest;
        Ok(Some((key >> 3, value)))
    }
}

fn split(data: &[u8], n: usize) -> Result<(&[u8], &[u8])> {
    if data.len() < n {
        return Err(wire_error("not enough data"));
    }
    Ok(data.split_at(n))
}

impl<'a> Value<'a> {
    /// The value of a singular integer or bool field; other wire types are a type mismatch.
    #[inline]
    pub(crate) fn varint(self) -> Result<u64> {
        match self {
            Value::Varint(v) => Ok(v),
            _ => Err(wire_error("type mismatch")),
        }
    }

    /// The bytes of a string or message field; other wire types are a type mismatch.
    #[inline]
    pub(crate) fn bytes(self) -> Result<&'a [u8]> {
        match self {
            Value::Bytes(b) => Ok(b),
            _ => Err(wire_error("type mismatch")),
        }
    }

    /// Appends the elements of a repeated integer field, packed or not, converted by `f`.
    #[inline]
    pub(crate) fn push_varints<T>(
        self,
        out: &mut Vec<T>,
        budget: &mut ElementBudget,
        f: impl Fn(u64) -> Result<T>,
    ) -> Result<()> {
        match self {
            Value::Varint(v) => {
                budget.take(1)?;
                out.push(f(v)?);
            }
            Value::Bytes(mut packed) => {
                // A varint ends at each byte below 0x80, so this is the exact element count.
                let n = packed.iter().filter(|&&b| b < 0x80).count();
                budget.take(n as u64)?;
                out.reserve(n);
                while !packed.is_empty() {
                    let (v, rest) = read_varint(packed)?;
                    out.push(f(v)?);
                    packed = rest;
                }
            }
            _ => return Err(wire_error("type mismatch")),
        }
        Ok(())
    }
}

/// Appends `v` as a varint.
#[inline]
pub(crate) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Appends a varint field's key and value.
#[inline]
pub(crate) fn put_uint(out: &mut Vec<u8>, field: u64, v: u64) {
    put_varint(out, field << 3);
    put_varint(out, v);
}

/// Appends a varint field unless it is zero (Go's `encode*Opt`).
#[inline]
pub(crate) fn put_uint_opt(out: &mut Vec<u8>, field: u64, v: u64) {
    if v != 0 {
        put_uint(out, field, v);
    }
}

/// Appends the key and length of a length-delimited field.
#[inline]
pub(crate) fn put_len(out: &mut Vec<u8>, field: u64, len: usize) {
    put_varint(out, field << 3 | 2);
    put_varint(out, len as u64);
}

/// Appends a repeated integer field: packed when it has more than two elements, as Go writes it.
pub(crate) fn put_repeated(
    out: &mut Vec<u8>,
    field: u64,
    values: impl ExactSizeIterator<Item = u64> + Clone,
) {
    if values.len() > 2 {
        let len: usize = values.clone().map(varint_len).sum();
        put_len(out, field, len);
        for v in values {
            put_varint(out, v);
        }
    } else {
        for v in values {
            put_uint(out, field, v);
        }
    }
}

/// The encoded size of `v` as a varint.
#[inline]
pub(crate) fn varint_len(v: u64) -> usize {
    // One byte per started group of seven bits, and one byte for zero.
    (64 - (v | 1).leading_zeros() as usize).div_ceil(7)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip_and_lengths_agree() {
        for v in [
            0,
            1,
            127,
            128,
            300,
            u64::from(u32::MAX),
            u64::MAX - 1,
            u64::MAX,
        ] {
            let mut out = Vec::new();
            put_varint(&mut out, v);
            assert_eq!(out.len(), varint_len(v), "{v}");
            let (back, rest) = read_varint(&out).unwrap();
            assert_eq!((back, rest.len()), (v, 0));
        }
    }

    #[test]
    fn eleven_byte_varint_is_an_error() {
        let data = [0xffu8; 11];
        assert!(read_varint(&data).is_err());
        assert!(read_varint(&[0x80]).is_err());
    }

    #[test]
    fn groups_are_errors_not_recursion() {
        // Field 1, wire type 3 (start group).
        let mut r = Reader::new(&[0x0b, 0x0c]);
        assert!(r.next_field().is_err());
    }
}
