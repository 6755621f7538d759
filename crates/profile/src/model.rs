//! The profile model: the messages of `profile.proto` with strings resolved and ids typed.
//!
//! Each type says which proto message it corresponds to. String-table indices never appear here;
//! the codec resolves them on decode and rebuilds the table on encode.

use std::num::NonZeroU64;

use crate::label_map::LabelMap;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub NonZeroU64);

        impl $name {
            /// The id with this value, or `None` for the reserved value 0.
            pub fn new(value: u64) -> Option<Self> {
                NonZeroU64::new(value).map(Self)
            }

            /// The id's numeric value, as written in the profile.
            pub fn get(self) -> u64 {
                self.0.get()
            }
        }
    };
}

id_type!(
    /// `Location.id`: nonzero and unique within a profile.
    LocationId
);
id_type!(
    /// `Function.id`: nonzero and unique within a profile.
    FunctionId
);
id_type!(
    /// `Mapping.id`: nonzero and unique within a profile.
    MappingId
);

/// `perftools.profiles.Profile`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Profile {
    /// One entry per value column of every sample.
    pub sample_type: Vec<ValueType>,
    /// The type name (`ValueType::r#type`) of the preferred sample value; empty means the last.
    pub default_sample_type: String,
    /// The samples, each with a stack (leaf first) and one value per sample type.
    pub sample: Vec<Sample>,
    /// Memory mappings; by convention the first is the main binary.
    pub mapping: Vec<Mapping>,
    /// Locations referenced by samples.
    pub location: Vec<Location>,
    /// Functions referenced by locations' lines.
    pub function: Vec<Function>,
    /// Regex of frames to drop (anchored), applied by `prune`; empty for none.
    pub drop_frames: String,
    /// Regex of frames kept despite `drop_frames`; empty for none.
    pub keep_frames: String,
    /// Collection time in nanoseconds since the Unix epoch; 0 if unknown.
    pub time_nanos: i64,
    /// Collection duration in nanoseconds; 0 if unknown.
    pub duration_nanos: i64,
    /// The kind of events between sampled occurrences.
    pub period_type: Option<ValueType>,
    /// The number of events between sampled occurrences.
    pub period: i64,
    /// Free-form comments.
    pub comments: Vec<String>,
    /// Documentation link for the profile's sample types (HEAD's field 15).
    pub doc_url: String,
}

/// `perftools.profiles.ValueType`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ValueType {
    /// The type name, e.g. `cpu` or `alloc_space` (proto field `type`).
    pub r#type: String,
    /// The unit, e.g. `nanoseconds`, `bytes` or `count`.
    pub unit: String,
}

impl ValueType {
    /// A value type from its name and unit.
    pub fn new(r#type: impl Into<String>, unit: impl Into<String>) -> Self {
        ValueType {
            r#type: r#type.into(),
            unit: unit.into(),
        }
    }
}

/// `perftools.profiles.Sample`, with its labels grouped by key as pprof's in-memory model does.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sample {
    /// The call stack, leaf first.
    pub location: Vec<LocationId>,
    /// One value per entry of `Profile::sample_type`.
    pub value: Vec<i64>,
    /// String labels: key → values.
    pub label: LabelMap<String>,
    /// Numeric labels: key → values.
    pub num_label: LabelMap<i64>,
    /// Units of numeric labels: key → one unit per value of `num_label[key]` (empty if none).
    pub num_unit: LabelMap<String>,
}

/// `perftools.profiles.Mapping`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mapping {
    /// Unique nonzero id.
    pub id: MappingId,
    /// Address at which the mapping starts in the running process (avma).
    pub memory_start: u64,
    /// One past the last address of the mapping.
    pub memory_limit: u64,
    /// Offset in the file of the mapping's first byte.
    pub file_offset: u64,
    /// The object file's path, or a pseudo name such as `[vdso]`.
    pub filename: String,
    /// The object's build id (hex for ELF GNU build ids), or empty.
    pub build_id: String,
    /// Every location of the mapping has its functions.
    pub has_functions: bool,
    /// Every location of the mapping has file names.
    pub has_filenames: bool,
    /// Every location of the mapping has line numbers.
    pub has_line_numbers: bool,
    /// Every location of the mapping has its inline frames.
    pub has_inline_frames: bool,
}

impl Mapping {
    /// A mapping with this id and every other field zero or empty.
    pub fn new(id: MappingId) -> Self {
        Mapping {
            id,
            memory_start: 0,
            memory_limit: 0,
            file_offset: 0,
            filename: String::new(),
            build_id: String::new(),
            has_functions: false,
            has_filenames: false,
            has_line_numbers: false,
            has_inline_frames: false,
        }
    }
}

/// `perftools.profiles.Location`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// Unique nonzero id.
    pub id: LocationId,
    /// The mapping holding `address`, if any.
    pub mapping_id: Option<MappingId>,
    /// The instruction address (avma), or 0 when unknown.
    pub address: u64,
    /// Source lines at this address; `line[0]` is the innermost inlined callee, the last the caller.
    pub line: Vec<Line>,
    /// The address belongs to several functions folded into one (identical code folding).
    pub is_folded: bool,
}

impl Location {
    /// A location with this id and no mapping, address or lines.
    pub fn new(id: LocationId) -> Self {
        Location {
            id,
            mapping_id: None,
            address: 0,
            line: Vec::new(),
            is_folded: false,
        }
    }
}

/// `perftools.profiles.Line`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Line {
    /// The function of this line; `None` when the proto's `function_id` is 0.
    pub function_id: Option<FunctionId>,
    /// The line number, 0 when unknown.
    pub line: i64,
    /// The column number, 0 when unknown (HEAD's field 3).
    pub column: i64,
}

/// `perftools.profiles.Function`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Function {
    /// Unique nonzero id.
    pub id: FunctionId,
    /// The human-readable (demangled) name.
    pub name: String,
    /// The name as the system knows it (mangled), or the same as `name`.
    pub system_name: String,
    /// The source file.
    pub filename: String,
    /// The line where the function starts, 0 when unknown.
    pub start_line: i64,
}

impl Function {
    /// A function with this id and no names.
    pub fn new(id: FunctionId) -> Self {
        Function {
            id,
            name: String::new(),
            system_name: String::new(),
            filename: String::new(),
            start_line: 0,
        }
    }
}
