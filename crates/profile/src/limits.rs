//! Bounds on what parsing may consume, so that hostile input gets an error instead of memory.

/// Limits applied while reading a profile (RELIABILITY.md P5, P6, P9).
///
/// ```
/// use ferroprof_profile::Limits;
/// let mut limits = Limits::default();
/// limits.max_decompressed_bytes = 64 << 20;
/// assert_eq!(limits.max_elements, Limits::DEFAULT_MAX_ELEMENTS);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// The most bytes a gzipped profile may inflate to (and the most an uncompressed stream may
    /// hold); checked while inflating, so a decompression bomb stops at this size.
    pub max_decompressed_bytes: u64,
    /// The most elements one protobuf profile may hold: strings, samples, labels, location
    /// references, values, mappings, locations, lines and functions, all counted together.
    pub max_elements: u64,
}

impl Limits {
    /// 1 GiB, the default of `-max_decompressed_bytes=` proposed in RELIABILITY.md P5. The
    /// largest real profiles we know of inflate to a few hundred MiB.
    pub const DEFAULT_MAX_DECOMPRESSED_BYTES: u64 = 1 << 30;
    /// 2^28 elements. Each element takes at least one byte on the wire, so within the default
    /// decompressed limit this cap only matters for inputs made of tiny elements; with it the
    /// model stays within about 64 bytes of memory per input byte (RELIABILITY.md P6).
    pub const DEFAULT_MAX_ELEMENTS: u64 = 1 << 28;

    /// No limits at all, for trusted input.
    pub fn unlimited() -> Self {
        Limits {
            max_decompressed_bytes: u64::MAX,
            max_elements: u64::MAX,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_decompressed_bytes: Self::DEFAULT_MAX_DECOMPRESSED_BYTES,
            max_elements: Self::DEFAULT_MAX_ELEMENTS,
        }
    }
}

/// What is left of [`Limits::max_elements`] while one profile is decoded.
#[derive(Debug)]
pub(crate) struct ElementBudget {
    left: u64,
    limit: u64,
}

impl ElementBudget {
    pub(crate) fn new(limits: &Limits) -> Self {
        ElementBudget {
            left: limits.max_elements,
            limit: limits.max_elements,
        }
    }

    /// Accounts for `n` more elements, failing once the limit is passed.
    #[inline]
    pub(crate) fn take(&mut self, n: u64) -> crate::Result<()> {
        match self.left.checked_sub(n) {
            Some(left) => {
                self.left = left;
                Ok(())
            }
            None => Err(crate::Error::Limit {
                what: "number of profile elements",
                limit: self.limit,
            }),
        }
    }
}
