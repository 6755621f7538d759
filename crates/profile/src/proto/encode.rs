//! Encoding the model as canonical `profile.proto` bytes, as Go pprof's `Profile.Write` does.
//!
//! Canonical means: the string table in the first-use order of Go's `preEncode` (sample types,
//! labels by sorted key, mappings, functions, drop/keep frames, period type, comments, default
//! sample type, doc url), messages in Go's field order, zero scalars omitted, repeated scalars
//! packed only when there are more than two, and `default_sample_type` always written. The same
//! `Profile` therefore always gives the same bytes.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{self, Write};

use flate2::write::GzEncoder;
use flate2::Compression;

use super::field::profile as pf;
use super::wire::{put_len, put_repeated, put_uint, put_uint_opt};
use crate::model::{Function, Location, Mapping, Profile, Sample, ValueType};

/// Bytes gathered before they are handed to the writer.
const FLUSH_BYTES: usize = 256 * 1024;

/// Writes `p` as a gzipped protobuf, the format `go tool pprof -proto` writes and every pprof
/// reader accepts.
pub fn encode(p: &Profile, w: &mut dyn Write) -> io::Result<()> {
    // Go's runtime writes its profiles at `gzip.BestSpeed`, `Profile.Write` at the default
    // level. zlib-rs's level 2 is close to the first in speed and to the second in size: on
    // large.cpu 3% larger than the default level in a third of the time, which was a third of
    // `-proto` (level 1 is faster still but 34% larger). Readers see the same protobuf.
    let mut gz = GzEncoder::new(w, Compression::new(2));
    encode_uncompressed(p, &mut gz)?;
    gz.finish()?;
    Ok(())
}

/// Writes `p` as an uncompressed protobuf (Go's `Profile.WriteUncompressed`).
pub fn encode_uncompressed(p: &Profile, w: &mut dyn Write) -> io::Result<()> {
    let tape = StringTape::build(p);
    let mut e = Encoder {
        tape,
        out: Vec::with_capacity(FLUSH_BYTES + 4096),
        msg: Vec::new(),
        w,
    };
    e.profile(p)
}

/// A small, fast hasher for interning (FxHash's multiply-rotate); the table's order never
/// depends on it, only on first use.
#[derive(Default)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(c);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The string table and, in encoding order, the index of every string the encoder writes.
///
/// `preEncode`'s interning order equals the order in which the encoder then writes the
/// strings, so the indices are recorded once and replayed instead of being looked up twice.
struct StringTape<'p> {
    table: Vec<&'p str>,
    ids: HashMap<&'p str, u64, BuildHasherDefault<FxHasher>>,
    tape: Vec<u64>,
    pos: usize,
}

impl<'p> StringTape<'p> {
    fn build(p: &'p Profile) -> Self {
        let mut t = StringTape {
            table: Vec::new(),
            ids: HashMap::default(),
            tape: Vec::new(),
            pos: 0,
        };
        t.add("");
        t.tape.clear();
        for st in &p.sample_type {
            t.add_value_type(st);
        }
        for s in &p.sample {
            t.add_labels(s);
        }
        for m in &p.mapping {
            t.add(&m.filename);
            t.add(&m.build_id);
        }
        for f in &p.function {
            t.add(&f.name);
            t.add(&f.system_name);
            t.add(&f.filename);
        }
        t.add(&p.drop_frames);
        t.add(&p.keep_frames);
        if let Some(pt) = &p.period_type {
            t.add_value_type(pt);
        }
        for c in &p.comments {
            t.add(c);
        }
        t.add(&p.default_sample_type);
        t.add(&p.doc_url);
        t
    }

    fn add(&mut self, s: &'p str) {
        let next = self.table.len() as u64;
        let id = *self.ids.entry(s).or_insert_with(|| next);
        if id == next {
            self.table.push(s);
        }
        self.tape.push(id);
    }

    fn add_value_type(&mut self, vt: &'p ValueType) {
        self.add(&vt.r#type);
        self.add(&vt.unit);
    }

    fn add_labels(&mut self, s: &'p Sample) {
        for (k, vs) in &s.label {
            for v in vs {
                self.add(k);
                self.add(v);
            }
        }
        for (k, vs) in &s.num_label {
            let units = s.num_unit.get(k).map_or(&[][..], Vec::as_slice);
            for i in 0..vs.len() {
                self.add(k);
                if !units.is_empty() {
                    self.add(units.get(i).map_or("", String::as_str));
                }
            }
        }
    }

    /// The index of the next string written.
    fn next(&mut self) -> u64 {
        let id = self.tape.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        id
    }
}

struct Encoder<'p, 'w> {
    tape: StringTape<'p>,
    out: Vec<u8>,
    /// The body of the message being written, before its length is known.
    msg: Vec<u8>,
    w: &'w mut dyn Write,
}

impl Encoder<'_, '_> {
    fn profile(&mut self, p: &Profile) -> io::Result<()> {
        for _ in &p.sample_type {
            self.value_type(pf::SAMPLE_TYPE, true);
            self.flush_if_full()?;
        }
        for s in &p.sample {
            self.sample(s);
            self.flush_if_full()?;
        }
        for m in &p.mapping {
            self.mapping(m);
            self.flush_if_full()?;
        }
        for l in &p.location {
            self.location(l);
            self.flush_if_full()?;
        }
        for f in &p.function {
            self.function(f);
            self.flush_if_full()?;
        }
        for i in 0..self.tape.table.len() {
            let s = self.tape.table[i];
            put_len(&mut self.out, pf::STRING_TABLE, s.len());
            self.out.extend_from_slice(s.as_bytes());
            self.flush_if_full()?;
        }
        self.trailer(p);
        self.w.write_all(&self.out)?;
        self.out.clear();
        Ok(())
    }

    fn trailer(&mut self, p: &Profile) {
        let drop_frames = self.tape.next();
        put_uint_opt(&mut self.out, pf::DROP_FRAMES, drop_frames);
        let keep_frames = self.tape.next();
        put_uint_opt(&mut self.out, pf::KEEP_FRAMES, keep_frames);
        put_uint_opt(&mut self.out, pf::TIME_NANOS, p.time_nanos as u64);
        put_uint_opt(&mut self.out, pf::DURATION_NANOS, p.duration_nanos as u64);
        if p.period_type.is_some() {
            self.value_type(pf::PERIOD_TYPE, false);
        }
        put_uint_opt(&mut self.out, pf::PERIOD, p.period as u64);
        let comments: Vec<u64> = p.comments.iter().map(|_| self.tape.next()).collect();
        put_repeated(&mut self.out, pf::COMMENT, comments.iter().copied());
        let default_sample_type = self.tape.next();
        put_uint(&mut self.out, pf::DEFAULT_SAMPLE_TYPE, default_sample_type);
        let doc_url = self.tape.next();
        put_uint_opt(&mut self.out, pf::DOC_URL, doc_url);
    }

    /// Writes a `ValueType`; a period type with both strings empty is left out, as Go leaves it.
    fn value_type(&mut self, field: u64, always: bool) {
        let (ty, unit) = (self.tape.next(), self.tape.next());
        if !always && ty == 0 && unit == 0 {
            return;
        }
        self.msg.clear();
        put_uint_opt(&mut self.msg, 1, ty);
        put_uint_opt(&mut self.msg, 2, unit);
        self.end_message(field);
    }

    fn sample(&mut self, s: &Sample) {
        self.msg.clear();
        put_repeated(&mut self.msg, 1, s.location.iter().map(|l| l.get()));
        put_repeated(&mut self.msg, 2, s.value.iter().map(|&v| v as u64));
        let mut label = Vec::new();
        for vs in s.label.values() {
            for _ in vs {
                let (key, str) = (self.tape.next(), self.tape.next());
                label.clear();
                put_uint_opt(&mut label, 1, key);
                put_uint_opt(&mut label, 2, str);
                put_len(&mut self.msg, 3, label.len());
                self.msg.extend_from_slice(&label);
            }
        }
        for (k, vs) in &s.num_label {
            let has_units = s.num_unit.get(k).is_some_and(|u| !u.is_empty());
            for &v in vs {
                let key = self.tape.next();
                let unit = if has_units { self.tape.next() } else { 0 };
                label.clear();
                put_uint_opt(&mut label, 1, key);
                put_uint_opt(&mut label, 3, v as u64);
                put_uint_opt(&mut label, 4, unit);
                put_len(&mut self.msg, 3, label.len());
                self.msg.extend_from_slice(&label);
            }
        }
        self.end_message(pf::SAMPLE);
    }

    fn mapping(&mut self, m: &Mapping) {
        let (filename, build_id) = (self.tape.next(), self.tape.next());
        let b = &mut self.msg;
        b.clear();
        put_uint_opt(b, 1, m.id.get());
        put_uint_opt(b, 2, m.memory_start);
        put_uint_opt(b, 3, m.memory_limit);
        put_uint_opt(b, 4, m.file_offset);
        put_uint_opt(b, 5, filename);
        put_uint_opt(b, 6, build_id);
        put_uint_opt(b, 7, u64::from(m.has_functions));
        put_uint_opt(b, 8, u64::from(m.has_filenames));
        put_uint_opt(b, 9, u64::from(m.has_line_numbers));
        put_uint_opt(b, 10, u64::from(m.has_inline_frames));
        self.end_message(pf::MAPPING);
    }

    fn location(&mut self, l: &Location) {
        let b = &mut self.msg;
        b.clear();
        put_uint_opt(b, 1, l.id.get());
        put_uint_opt(b, 2, l.mapping_id.map_or(0, |m| m.get()));
        put_uint_opt(b, 3, l.address);
        for line in &l.line {
            let f = line.function_id.map_or(0, |f| f.get());
            let len = opt_len(1, f) + opt_len(2, line.line as u64) + opt_len(3, line.column as u64);
            put_len(b, 4, len);
            put_uint_opt(b, 1, f);
            put_uint_opt(b, 2, line.line as u64);
            put_uint_opt(b, 3, line.column as u64);
        }
        put_uint_opt(b, 5, u64::from(l.is_folded));
        self.end_message(pf::LOCATION);
    }

    fn function(&mut self, f: &Function) {
        let (name, system_name, filename) = (self.tape.next(), self.tape.next(), self.tape.next());
        let b = &mut self.msg;
        b.clear();
        put_uint_opt(b, 1, f.id.get());
        put_uint_opt(b, 2, name);
        put_uint_opt(b, 3, system_name);
        put_uint_opt(b, 4, filename);
        put_uint_opt(b, 5, f.start_line as u64);
        self.end_message(pf::FUNCTION);
    }

    /// Appends the message held in `msg` as field `field` of the profile.
    fn end_message(&mut self, field: u64) {
        put_len(&mut self.out, field, self.msg.len());
        self.out.extend_from_slice(&self.msg);
    }

    fn flush_if_full(&mut self) -> io::Result<()> {
        if self.out.len() >= FLUSH_BYTES {
            self.w.write_all(&self.out)?;
            self.out.clear();
        }
        Ok(())
    }
}

/// The encoded size of a varint field written only when nonzero.
fn opt_len(field: u64, v: u64) -> usize {
    if v == 0 {
        0
    } else {
        super::wire::varint_len(field << 3) + super::wire::varint_len(v)
    }
}
