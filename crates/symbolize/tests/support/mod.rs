//! Test support: the test binaries' paths and a [`BinaryLookup`] fake over fixed objects that
//! records what it was asked.

// Each test binary compiles this module and uses only part of it.
#![allow(dead_code)]

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ferroprof_profile::Mapping;
use ferroprof_symbolize::{BinaryLookup, Error, ObjectSymbolizer, Result};

/// This crate's test binaries, `testdata/bin/<name>`.
pub fn bin(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/bin")
        .join(name)
}

/// Serves objects by mapping file name and records every file asked for.
#[derive(Default)]
pub struct FakeBinaries {
    pub objects: Vec<(String, Arc<ObjectSymbolizer>)>,
    pub asked: RefCell<Vec<String>>,
}

impl FakeBinaries {
    pub fn with(mut self, file: &str, object: ObjectSymbolizer) -> Self {
        self.objects.push((file.to_string(), Arc::new(object)));
        self
    }
}

impl BinaryLookup for FakeBinaries {
    fn open(&self, mapping: &Mapping) -> Result<Arc<ObjectSymbolizer>> {
        self.asked.borrow_mut().push(mapping.filename.clone());
        self.objects
            .iter()
            .find(|(f, _)| *f == mapping.filename)
            .map(|(_, o)| o.clone())
            .ok_or_else(|| Error::NoBinary {
                file: mapping.filename.clone(),
                build_id: String::new(),
            })
    }
}
