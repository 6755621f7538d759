//! A tiny protobuf writer for building test inputs by hand.
#![allow(dead_code)] // each test binary uses part of it

/// A tiny protobuf writer for building test inputs.
#[derive(Default, Clone)]
pub struct Msg(pub Vec<u8>);

pub fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

impl Msg {
    pub fn uint(mut self, field: u64, v: u64) -> Self {
        varint(&mut self.0, field << 3);
        varint(&mut self.0, v);
        self
    }
    pub fn bytes(mut self, field: u64, b: &[u8]) -> Self {
        varint(&mut self.0, field << 3 | 2);
        varint(&mut self.0, b.len() as u64);
        self.0.extend_from_slice(b);
        self
    }
    pub fn msg(self, field: u64, m: Msg) -> Self {
        self.bytes(field, &m.0)
    }
    pub fn strings(self, table: &[&str]) -> Self {
        table.iter().fold(self, |m, s| m.bytes(6, s.as_bytes()))
    }
}
