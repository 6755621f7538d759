//! A scratch slot's last walk of a stack, so that the next walk takes over the steps whose
//! inputs are unchanged instead of unwinding them again (x86-64). A sampled allocation's stack
//! usually shares its outer frames — the thread's start down to the loop that allocates — with
//! the previous sample's, and unwinding was about half of a warm heap sample's cost (perf).
//!
//! A step of the unwinder (from one frame to its caller) is a pure function of the frame's
//! address, the registers it starts from and the stack words it reads: the rules of an
//! unwinder never change. When a step first runs at an address (per slot), it runs a second
//! time from the same stack pointer with every other register changed by a large constant; if
//! the second run reads the same words and gives the same caller, stack pointer and registers
//! (each one either passed through or set to the same value both times), the step depends on
//! the stack pointer and those words alone (framehop's rules add offsets to registers and load
//! from the sums, so a register they use changes an address read or a result). That is a
//! property of the address's rule, so the slot remembers it, and each step found so is
//! recorded as reusable with what it read and did. A later walk that reaches the same address
//! at the same stack pointer re-reads the recorded words; if every one still holds the recorded
//! value, the recorded step is applied instead of run. Steps that use other registers (frame
//! pointer rules: in code without frame pointers `rbp` is an ordinary register) are always run.
//! A match of address and stack pointer alone never suffices: a function called again from
//! another place at the same depth matches both, and differs in the return address it reads.
//!
//! Never allocates: the steps live in a pool made with the unwinder, twice as large as the
//! longest walk, so that a new walk always finds room for the steps it runs beside the old
//! walk's.

use framehop::x86_64::{Reg, UnwindRegsX86_64};
use framehop::{FrameAddress, Unwinder as _};

use super::arch::{ArchCache, ArchUnwinder};
use super::StackView;

/// Steps recorded per walk at most: the longest walk of [`super::CurrentThreadUnwinder`].
const STEPS: usize = super::current::MAX_WALK;

/// Stack words one step may read and still be recorded: the return address, and up to eight
/// registers popped (framehop's `OffsetSpAndPopRegisters`) or the saved frame pointer.
const MAX_READS: usize = 9;

/// Every register but the stack pointer, changed together in a step's second run.
const OTHER_REGS: [Reg; 15] = [
    Reg::RAX,
    Reg::RDX,
    Reg::RCX,
    Reg::RBX,
    Reg::RSI,
    Reg::RDI,
    Reg::RBP,
    Reg::R8,
    Reg::R9,
    Reg::R10,
    Reg::R11,
    Reg::R12,
    Reg::R13,
    Reg::R14,
    Reg::R15,
];

/// What the second run adds to every register but the stack pointer (and to the instruction
/// pointer): large, so that an address computed from one lands far outside the stack.
const CHANGE: u64 = 0x5a5a_5a5a_0000_1000;

/// Steps taken over from a previous walk (the tests check that some are).
#[cfg(test)]
pub(crate) static STEPS_REUSED: std::sync::atomic::AtomicUsize =
    std::sync::atomic::AtomicUsize::new(0);

/// One step of a walk, as run.
#[derive(Clone, Copy)]
struct Step {
    address: FrameAddress,
    sp: u64,
    /// Whether it can be taken over (if not, it is kept only as a place holder), and which
    /// registers it sets.
    shape: Shape,
    reads: [(u64, u64); MAX_READS],
    n_reads: usize,
    /// The caller's frame; `None` where the walk reached the outermost frame.
    next: Option<FrameAddress>,
    /// The registers after the step.
    after: UnwindRegsX86_64,
}

impl Step {
    fn empty() -> Step {
        Step {
            address: FrameAddress::InstructionPointer(0),
            sp: 0,
            shape: Shape::OPAQUE,
            reads: [(0, 0); MAX_READS],
            n_reads: 0,
            next: None,
            after: UnwindRegsX86_64::new(0, 0, 0),
        }
    }

    /// Applies this step to `regs` (whose stack pointer is `self.sp`).
    fn apply(&self, regs: &mut UnwindRegsX86_64) {
        regs.set_sp(self.after.sp());
        let mut set = self.shape.set;
        while set != 0 {
            let bit = set.trailing_zeros() as usize;
            set &= set - 1;
            match OTHER_REGS.get(bit) {
                Some(&reg) => regs.set(reg, self.after.get(reg)),
                None => regs.set_ip(self.after.ip()),
            }
        }
    }

    /// Whether the words this step read still hold what it read in `stack`.
    fn reads_hold(&self, stack: StackView) -> bool {
        self.reads[..self.n_reads]
            .iter()
            .all(|&(at, value)| stack.word(at) == Ok(value))
    }
}

/// Steps kept: enough for the last walk and a new walk that takes none of it over.
const ENTRIES: usize = 2 * STEPS;
const _: () = assert!(ENTRIES <= 256, "walks index the entries with a byte");

/// Addresses whose steps were checked, remembered per slot (direct-mapped).
const CHECKED: usize = 128;

/// What the check of a step shows: whether it depends on the stack pointer and the words it
/// reads alone (then it is reusable), and which registers it sets (bit `i` for
/// `OTHER_REGS[i]`, bit 15 for the instruction pointer; it passes the others through).
#[derive(Clone, Copy)]
struct Shape {
    reusable: bool,
    set: u32,
}

impl Shape {
    /// A step that is never taken over.
    const OPAQUE: Shape = Shape {
        reusable: false,
        set: 0,
    };
}

/// The shape of the steps at `address`. A property of the unwind rule, so of the frame's
/// address: remembered, a later step at the address needs no second run (which would otherwise
/// double the cost of every step a walk cannot take over, as when threads that outnumber the
/// slots take turns in one).
#[derive(Clone, Copy)]
struct Checked {
    address: FrameAddress,
    shape: Shape,
}

/// The last walk of one scratch slot: its steps, as indices into a pool of steps. A new walk
/// refers to the old steps it takes over (nothing is copied, whatever the depth at which the
/// walks meet) and puts the steps it runs in entries the old walk does not use.
pub(crate) struct History {
    entries: [Step; ENTRIES],
    walk: [u8; STEPS],
    len: usize,
    checked: [Checked; CHECKED],
}

/// The index of `address` in [`History::checked`].
fn checked_index(address: FrameAddress) -> usize {
    (address
        .address_for_lookup()
        .wrapping_mul(0x9e37_79b9_7f4a_7c15)
        >> 57) as usize
        % CHECKED
}

/// Runs one step of `unwinder` from `address` and `regs`, recording the words read in `reads`;
/// the caller's frame (`None`: the outermost was reached) and the number of words read
/// (`usize::MAX` if more than [`MAX_READS`], or one that could not be read); `None` when the
/// step failed.
fn run(
    unwinder: &ArchUnwinder,
    cache: &mut ArchCache,
    address: FrameAddress,
    regs: &mut UnwindRegsX86_64,
    read: &mut impl FnMut(u64) -> Result<u64, ()>,
    reads: &mut [(u64, u64); MAX_READS],
) -> Option<(Option<FrameAddress>, usize)> {
    let mut n_reads = 0;
    let mut record = |at: u64| {
        let value = read(at);
        match (value, reads.get_mut(n_reads)) {
            (Ok(v), Some(slot)) => {
                *slot = (at, v);
                n_reads += 1;
            }
            _ => n_reads = usize::MAX,
        }
        value
    };
    let next = match unwinder.unwind_frame(address, regs, cache, &mut record) {
        Ok(Some(return_address)) => Some(FrameAddress::from_return_address(return_address)?),
        Ok(None) => None,
        Err(_) => return None,
    };
    Some((next, n_reads))
}

/// Runs the step from `address` and `regs` (leaving `regs` as the step leaves them) and
/// describes it in `step`, with what `checked` remembers of the address or else what running
/// it again with every register but the stack pointer changed tells (then remembered);
/// returns the caller's frame (`None`: the outermost was reached), or `None` if the step failed.
fn run_and_describe(
    unwinder: &ArchUnwinder,
    cache: &mut ArchCache,
    address: FrameAddress,
    regs: &mut UnwindRegsX86_64,
    read: &mut impl FnMut(u64) -> Result<u64, ()>,
    step: &mut Step,
    checked: &mut Checked,
) -> Option<Option<FrameAddress>> {
    let before = *regs;
    let (next, n_reads) = run(unwinder, cache, address, regs, read, &mut step.reads)?;
    step.address = address;
    step.sp = before.sp();
    step.n_reads = n_reads.min(MAX_READS);
    step.next = next;
    step.after = *regs;
    step.shape = Shape::OPAQUE;
    if n_reads > MAX_READS {
        return Some(next);
    }
    if checked.address != address {
        *checked = Checked {
            address,
            shape: check(unwinder, cache, before, read, step),
        };
    }
    step.shape = checked.shape;
    Some(next)
}

/// Runs the step just described in `step` (which ran from `before`) again with every register
/// but the stack pointer changed, and tells its shape from what that changes.
fn check(
    unwinder: &ArchUnwinder,
    cache: &mut ArchCache,
    before: UnwindRegsX86_64,
    read: &mut impl FnMut(u64) -> Result<u64, ()>,
    step: &Step,
) -> Shape {
    let mut changed = before;
    for reg in OTHER_REGS {
        changed.set(reg, before.get(reg) ^ CHANGE);
    }
    changed.set_ip(before.ip() ^ CHANGE);
    let mut reads = [(0, 0); MAX_READS];
    let Some((next_changed, n_changed)) = run(
        unwinder,
        cache,
        step.address,
        &mut changed,
        read,
        &mut reads,
    ) else {
        return Shape::OPAQUE;
    };
    let n = step.n_reads;
    if n_changed != n
        || reads[..n] != step.reads[..n]
        || next_changed != step.next
        || changed.sp() != step.after.sp()
    {
        return Shape::OPAQUE;
    }
    let after = &step.after;
    let pairs = OTHER_REGS
        .iter()
        .map(|&reg| (before.get(reg), after.get(reg), changed.get(reg)))
        .chain([(before.ip(), after.ip(), changed.ip())]);
    let mut set = 0;
    for (i, (was, is, is_changed)) in pairs.enumerate() {
        if is == was && is_changed == was ^ CHANGE {
            continue; // passed through
        }
        if is_changed != is {
            return Shape::OPAQUE; // depends on registers other than the stack pointer
        }
        set |= 1 << i;
    }
    Shape {
        reusable: true,
        set,
    }
}

impl History {
    /// An empty history, on the heap (49 KiB: 136 steps of 336 bytes, 128 addresses checked).
    pub(crate) fn new() -> Box<History> {
        Box::new(History {
            entries: [Step::empty(); ENTRIES],
            walk: [0; STEPS],
            len: 0,
            checked: [Checked {
                address: FrameAddress::InstructionPointer(0),
                shape: Shape::OPAQUE,
            }; CHECKED],
        })
    }

    /// Walks the stack from `pc` and `regs` as framehop's frame iterator does, writing each
    /// frame's lookup address into `out` (innermost first), and returns how many were written.
    /// Steps of the previous walk are taken over where their inputs are unchanged; this walk
    /// replaces it.
    pub(crate) fn walk(
        &mut self,
        unwinder: &ArchUnwinder,
        cache: &mut ArchCache,
        pc: u64,
        regs: UnwindRegsX86_64,
        stack: StackView,
        out: &mut [u64],
    ) -> usize {
        let read = &mut |addr| stack.word(addr);
        let old = self.walk;
        let old_len = self.len;
        // Entries in use: the old walk's (any of them may still be taken over), and the new
        // walk's as it goes.
        let mut used = [0u64; ENTRIES.div_ceil(64)];
        for &e in &old[..old_len] {
            used[usize::from(e) / 64] |= 1 << (e % 64);
        }
        let mut free = 0;
        let mut address = FrameAddress::from_instruction_pointer(pc);
        let mut regs = regs;
        // Steps of this walk so far, and the first old step not yet passed.
        let mut i = 0;
        let mut cursor = 0;
        let mut n = 0;
        while n < out.len() && i < STEPS {
            out[n] = address.address_for_lookup();
            n += 1;
            if n == out.len() {
                break;
            }
            let sp = regs.sp();
            while cursor < old_len && self.entries[usize::from(old[cursor])].sp < sp {
                cursor += 1;
            }
            let candidate = (cursor < old_len)
                .then(|| usize::from(old[cursor]))
                .filter(|&e| self.entries[e].sp == sp && self.entries[e].address == address);
            let (entry, next) = match candidate {
                Some(e) if self.entries[e].shape.reusable && self.entries[e].reads_hold(stack) => {
                    #[cfg(test)]
                    STEPS_REUSED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let step = &self.entries[e];
                    step.apply(&mut regs);
                    cursor += 1;
                    (e, step.next)
                }
                _ => {
                    // Fewer than STEPS entries are in use besides the old walk's.
                    while used[free / 64] & (1 << (free % 64)) != 0 {
                        free += 1;
                    }
                    used[free / 64] |= 1 << (free % 64);
                    let checked = &mut self.checked[checked_index(address)];
                    let step = &mut self.entries[free];
                    match run_and_describe(unwinder, cache, address, &mut regs, read, step, checked)
                    {
                        Some(next) => (free, next),
                        None => break,
                    }
                }
            };
            self.walk[i] = entry as u8;
            i += 1;
            match next {
                Some(next) => address = next,
                None => break,
            }
        }
        self.len = i;
        n
    }
}

#[cfg(test)]
mod tests {
    use super::super::{current, Unwinder};
    use super::*;
    use std::hint::black_box;
    use std::sync::atomic::Ordering;

    /// The stack from here, walked by an unwinder with histories (in place where the thread's
    /// stack has room) and by one without (always on its run stack), both without their first
    /// two frames (the walk's own, and the return into this function, which differs between
    /// the two calls).
    #[inline(never)]
    fn both(with: &Unwinder, without: &Unwinder) -> (Vec<u64>, Vec<u64>) {
        let top = current::stack_top() as u64;
        let mut a = [0u64; 64];
        let mut b = [0u64; 64];
        let n = with
            .capture_current(top, current::in_place_floor() as u64, &mut a)
            .unwrap();
        let m = without.capture_current(top, u64::MAX, &mut b).unwrap();
        (a[2..n].to_vec(), b[2..m].to_vec())
    }

    #[inline(never)]
    fn nested(depth: usize, with: &Unwinder, without: &Unwinder) -> (Vec<u64>, Vec<u64>) {
        if depth == 0 {
            both(with, without)
        } else {
            black_box(nested(depth - 1, with, without))
        }
    }

    #[inline(never)]
    fn from_site_a(with: &Unwinder, without: &Unwinder) -> (Vec<u64>, Vec<u64>) {
        black_box(nested(2, with, without))
    }

    #[inline(never)]
    fn from_site_b(with: &Unwinder, without: &Unwinder) -> (Vec<u64>, Vec<u64>) {
        black_box(nested(2, with, without))
    }

    #[test]
    fn walks_taken_over_equal_fresh_walks() {
        let with = Unwinder::with_histories(1);
        let without = Unwinder::new(1);
        let reused = STEPS_REUSED.load(Ordering::Relaxed);
        for depth in [5, 3, 5, 8, 1, 8, 8, 0, 5] {
            let (a, b) = nested(depth, &with, &without);
            assert!(b.len() > depth, "{} frames at depth {depth}", b.len());
            assert_eq!(a, b, "depth {depth}");
        }
        // The same functions at the same depths, called from two places: equal addresses and
        // stack pointers where the walks meet, different return addresses above them.
        let mut last = Vec::new();
        for round in 0..4 {
            let (a, b) = if round % 2 == 0 {
                from_site_a(&with, &without)
            } else {
                from_site_b(&with, &without)
            };
            assert_eq!(a, b, "round {round}");
            assert_ne!(
                a, last,
                "round {round}: the two call sites gave the same stack"
            );
            last = a;
        }
        // Other threads taking turns in the one slot: their stacks lie elsewhere.
        for depth in [2, 4, 2] {
            let (a, b) =
                std::thread::scope(|s| s.spawn(|| nested(depth, &with, &without)).join()).unwrap();
            assert_eq!(a, b, "another thread, depth {depth}");
            let (a, b) = nested(depth, &with, &without);
            assert_eq!(a, b, "this thread again, depth {depth}");
        }
        // A thread whose stack is too small to walk in place.
        let (a, b) = std::thread::scope(|s| {
            std::thread::Builder::new()
                .stack_size(64 << 10)
                .spawn_scoped(s, || {
                    let top = current::stack_top();
                    assert!(current::in_place_floor() >= top, "64 KiB leave no room");
                    nested(3, &with, &without)
                })
                .unwrap()
                .join()
        })
        .unwrap();
        assert_eq!(a, b, "a thread with a small stack");
        assert!(
            STEPS_REUSED.load(Ordering::Relaxed) > reused,
            "no step was taken over"
        );
    }
}
