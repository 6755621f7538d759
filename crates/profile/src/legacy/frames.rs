//! The frames legacy profiles hide (`addLegacyFrameInfo`): allocator frames in heap profiles,
//! lock-implementation frames in contention profiles, the profiler's own frames in the rest.

use crate::Profile;

/// The sample type names of heap profiles.
const HEAP_SAMPLE_TYPES: [&[&str]; 5] = [
    &["allocations", "size"], // early Go profiles
    &["objects", "space"],
    &["inuse_objects", "inuse_space"],
    &["alloc_objects", "alloc_space"],
    &[
        "alloc_objects",
        "alloc_space",
        "inuse_objects",
        "inuse_space",
    ],
];

/// The sample type names of contention profiles.
const CONTENTION_SAMPLE_TYPES: [&[&str]; 1] = [&["contentions", "delay"]];

/// Allocation routines: C library, tcmalloc, macOS zones, the Go runtime, C++ allocators.
const ALLOCATORS: &[&str] = &[
    "calloc",
    "cfree",
    "malloc",
    "free",
    "memalign",
    "do_memalign",
    "(__)?posix_memalign",
    "pvalloc",
    "valloc",
    "realloc",
    "tcmalloc::.*",
    "tc_calloc",
    "tc_cfree",
    "tc_malloc",
    "tc_free",
    "tc_memalign",
    "tc_posix_memalign",
    "tc_pvalloc",
    "tc_valloc",
    "tc_realloc",
    "tc_new",
    "tc_delete",
    "tc_newarray",
    "tc_deletearray",
    "tc_new_nothrow",
    "tc_newarray_nothrow",
    "malloc_zone_malloc",
    "malloc_zone_calloc",
    "malloc_zone_valloc",
    "malloc_zone_realloc",
    "malloc_zone_memalign",
    "malloc_zone_free",
    r"runtime\..*",
    "BaseArena::.*",
    "(::)?do_malloc_no_errno",
    "(::)?do_malloc_pages",
    "(::)?do_malloc",
    "DoSampledAllocation",
    "MallocedMemBlock::MallocedMemBlock",
    "_M_allocate",
    "__builtin_(vec_)?delete",
    "__builtin_(vec_)?new",
    "__gnu_cxx::new_allocator::allocate",
    "__libc_malloc",
    "__malloc_alloc_template::allocate",
    "allocate",
    "cpp_alloc",
    r"operator new(\[\])?",
    "simple_alloc::allocate",
];

/// Go runtime frames kept even though they match [`ALLOCATORS`], when in the middle of a stack.
const ALLOCATOR_KEEPS: &[&str] = &[
    r"runtime\.panic",
    r"runtime\.reflectcall",
    r"runtime\.call[0-9]*",
];

/// The CPU profiler's signal handling frames.
const CPU_PROFILER: &[&str] = &[
    "ProfileData::Add",
    "ProfileData::prof_handler",
    "CpuProfiler::prof_handler",
    "__pthread_sighandler",
    "__restore",
];

/// Lock implementation frames that record contention.
const LOCKS: &[&str] = &[
    "RecordLockProfileData",
    "(base::)?RecordLockProfileData.*",
    "(base::)?SubmitMutexProfileData.*",
    "(base::)?SubmitSpinLockProfileData.*",
    "(base::Mutex::)?AwaitCommon.*",
    "(base::Mutex::)?Unlock.*",
    "(base::Mutex::)?UnlockSlow.*",
    "(base::Mutex::)?ReaderUnlock.*",
    "(base::MutexLock::)?~MutexLock.*",
    "(Mutex::)?AwaitCommon.*",
    "(Mutex::)?Unlock.*",
    "(Mutex::)?UnlockSlow.*",
    "(Mutex::)?ReaderUnlock.*",
    "(MutexLock::)?~MutexLock.*",
    "(SpinLock::)?Unlock.*",
    "(SpinLock::)?SlowUnlock.*",
    "(SpinLockHolder::)?~SpinLockHolder.*",
];

/// Sets `drop_frames` and `keep_frames` for the kind of profile its sample types say it is.
pub(crate) fn set_legacy_frame_info(p: &mut Profile) {
    let (drop, keep) = if is_kind(p, &HEAP_SAMPLE_TYPES) {
        (ALLOCATORS, ALLOCATOR_KEEPS)
    } else if is_kind(p, &CONTENTION_SAMPLE_TYPES) {
        (LOCKS, &[][..])
    } else {
        (CPU_PROFILER, &[][..])
    };
    p.drop_frames = drop.join("|");
    p.keep_frames = keep.join("|");
}

fn is_kind(p: &Profile, kinds: &[&[&str]]) -> bool {
    kinds.iter().any(|names| {
        names.len() == p.sample_type.len()
            && names
                .iter()
                .zip(&p.sample_type)
                .all(|(n, t)| *n == t.r#type)
    })
}
