//! The bytes of an object file: a read-only memory map, or bytes handed over. Shared by every
//! DWARF section reader of the object without copies.

use std::fmt;
use std::ops::Deref;
use std::path::Path;
use std::sync::Arc;

/// Where the bytes live.
enum Storage {
    /// A read-only map of the file: only the pages lookups touch become resident, and they stay
    /// reclaimable page cache (an agent keeps its own executable's symbols without holding its
    /// size in anonymous memory).
    Mapped(memmap2::Mmap),
    /// Bytes given by the caller, or decompressed sections.
    Owned(Vec<u8>),
}

/// A cheap, cloneable handle to an object's bytes (or one decompressed section's).
#[derive(Clone)]
pub(crate) struct ObjectBytes(Arc<Storage>);

impl ObjectBytes {
    /// Maps the file at `path`; reads it instead when it cannot be mapped (an empty file, a
    /// pipe, a file system without mmap).
    pub(crate) fn open(path: &Path) -> std::io::Result<Self> {
        let file = std::fs::File::open(path)?;
        // SAFETY: the map is read-only and private. Its bytes could still change if another
        // process truncated or rewrote the file in place while it is mapped; executables and
        // libraries are replaced by renaming a new file over them (the kernel refuses writes to
        // a running executable), which leaves this map intact.
        match unsafe { memmap2::Mmap::map(&file) } {
            Ok(map) => Ok(ObjectBytes(Arc::new(Storage::Mapped(map)))),
            Err(_) => std::fs::read(path).map(Self::owned),
        }
    }

    /// Takes ownership of bytes.
    pub(crate) fn owned(bytes: Vec<u8>) -> Self {
        ObjectBytes(Arc::new(Storage::Owned(bytes)))
    }
}

impl Deref for ObjectBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match &*self.0 {
            Storage::Mapped(map) => map,
            Storage::Owned(bytes) => bytes,
        }
    }
}

impl fmt::Debug for ObjectBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &*self.0 {
            Storage::Mapped(_) => "mapped",
            Storage::Owned(_) => "owned",
        };
        write!(f, "ObjectBytes({kind}, {} bytes)", self.len())
    }
}

// SAFETY: the bytes belong to the `Arc`'s allocation (the map, or the vector's buffer, which is
// never resized), so their address does not change when the handle is moved or cloned.
unsafe impl gimli::StableDeref for ObjectBytes {}
// SAFETY: as above; clones share the same allocation.
unsafe impl gimli::CloneStableDeref for ObjectBytes {}
