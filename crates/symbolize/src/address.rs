//! Address spaces and frame kinds as types, so that an address is never looked up in the wrong
//! space (framehop's and samply's convention).

/// An address in the running process's virtual memory (actual virtual memory address), as
/// written in `Location.address` and `/proc/<pid>/maps`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Avma(pub u64);

/// An address as the object file states it (stated virtual memory address): symbol values,
/// section addresses and DWARF ranges are in this space.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Svma(pub u64);

/// A byte offset in the object file, as `Mapping.file_offset` states it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileOffset(pub u64);

/// A frame's address and how it was obtained, which decides the address to look up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FrameAddress {
    /// The address of the instruction being executed (the leaf frame of a CPU sample, or an
    /// address already adjusted by the profile's writer): looked up as is.
    InstructionPointer(Avma),
    /// The address a call returns to (every caller frame of an unwound stack): looked up at
    /// `address - 1`, inside the call instruction, so that the call's line and inline frames
    /// are found rather than those of the next instruction.
    ReturnAddress(Avma),
}

impl FrameAddress {
    /// The address whose symbol describes this frame.
    pub fn lookup_avma(self) -> Avma {
        match self {
            FrameAddress::InstructionPointer(a) => a,
            FrameAddress::ReturnAddress(a) => Avma(a.0.saturating_sub(1)),
        }
    }
}

/// Where an object is mapped in a process: `Mapping.memory_start`, `memory_limit` and
/// `file_offset`, the triple Go's `elfexec.GetBase` turns into a load bias.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MappingRange {
    /// The first mapped address.
    pub start: Avma,
    /// One past the last mapped address.
    pub limit: Avma,
    /// The file offset mapped at `start`.
    pub offset: FileOffset,
}

/// The difference between process and file addresses for one mapping: `svma = avma - bias`
/// (modulo 2^64, as Go computes it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Bias(pub u64);

impl Bias {
    /// The file address of a process address.
    pub fn svma(self, avma: Avma) -> Svma {
        Svma(avma.0.wrapping_sub(self.0))
    }

    /// The process address of a file address.
    pub fn avma(self, svma: Svma) -> Avma {
        Avma(svma.0.wrapping_add(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_addresses_are_looked_up_inside_the_call() {
        assert_eq!(
            FrameAddress::ReturnAddress(Avma(0x1000)).lookup_avma(),
            Avma(0xfff)
        );
        assert_eq!(
            FrameAddress::InstructionPointer(Avma(0x1000)).lookup_avma(),
            Avma(0x1000)
        );
        assert_eq!(FrameAddress::ReturnAddress(Avma(0)).lookup_avma(), Avma(0));
    }

    #[test]
    fn bias_round_trips_and_wraps_like_go() {
        let bias = Bias(0x5555_0000_0000);
        let avma = Avma(0x5555_0000_1234);
        assert_eq!(bias.svma(avma), Svma(0x1234));
        assert_eq!(bias.avma(Svma(0x1234)), avma);
        assert_eq!(Bias(0x10).svma(Avma(0x8)), Svma(u64::MAX - 7));
    }
}
