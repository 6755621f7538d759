//! The loaded objects and their unwind tables (`.eh_frame_hdr`, `.eh_frame`), found with
//! `dl_iterate_phdr` and copied, so a library unloaded while profiling leaves no dangling
//! reference in the unwinder.

use std::ops::Range;

use framehop::{ExplicitModuleSectionInfo, Module};

/// One loaded object's executable range and unwind sections.
pub(crate) struct LoadedModule {
    /// The object's path, or the main executable's.
    pub name: String,
    /// The load bias (`dlpi_addr`): avma = svma + bias.
    pub bias: u64,
    /// The executable segments' range in the running process (avma).
    pub text_avma: Range<u64>,
    eh_frame_hdr: Option<(Range<u64>, Vec<u8>)>,
    eh_frame: Option<(Range<u64>, Vec<u8>)>,
}

impl LoadedModule {
    /// The framehop module for this object.
    pub fn into_framehop(self) -> Module<Vec<u8>> {
        let (hdr_svma, hdr) = self
            .eh_frame_hdr
            .map_or((None, None), |(r, d)| (Some(r), Some(d)));
        let (eh_svma, eh) = self
            .eh_frame
            .map_or((None, None), |(r, d)| (Some(r), Some(d)));
        let info = ExplicitModuleSectionInfo {
            base_svma: 0,
            eh_frame_hdr_svma: hdr_svma,
            eh_frame_hdr: hdr,
            eh_frame_svma: eh_svma,
            eh_frame: eh,
            ..Default::default()
        };
        Module::new(self.name, self.text_avma, self.bias, info)
    }
}

/// Every object loaded in this process, with its unwind sections copied.
pub(crate) fn loaded_modules() -> Vec<LoadedModule> {
    let mut out: Vec<LoadedModule> = Vec::new();
    // SAFETY: the callback only reads the `dl_phdr_info` it is given, for the duration of the
    // call, and `out` outlives `dl_iterate_phdr`.
    unsafe { libc::dl_iterate_phdr(Some(visit), (&mut out as *mut Vec<LoadedModule>).cast()) };
    out
}

unsafe extern "C" fn visit(
    info: *mut libc::dl_phdr_info,
    _size: libc::size_t,
    data: *mut libc::c_void,
) -> libc::c_int {
    // SAFETY: `dl_iterate_phdr` passes a valid info, and `data` is the `Vec` from
    // `loaded_modules`.
    let (info, out) = unsafe { (&*info, &mut *(data as *mut Vec<LoadedModule>)) };
    // SAFETY: `dlpi_phdr` points to `dlpi_phnum` program headers of a loaded object.
    let phdrs = unsafe { std::slice::from_raw_parts(info.dlpi_phdr, info.dlpi_phnum as usize) };
    let name = if info.dlpi_name.is_null() {
        String::new()
    } else {
        // SAFETY: a non-null `dlpi_name` is a NUL-terminated string owned by the loader.
        unsafe { std::ffi::CStr::from_ptr(info.dlpi_name) }
            .to_string_lossy()
            .into_owned()
    };
    if let Some(m) = module_from_phdrs(name, info.dlpi_addr, phdrs) {
        out.push(m);
    }
    0
}

fn module_from_phdrs(name: String, bias: u64, phdrs: &[libc::Elf64_Phdr]) -> Option<LoadedModule> {
    let exec = phdrs
        .iter()
        .filter(|p| p.p_type == libc::PT_LOAD && p.p_flags & libc::PF_X != 0);
    let start = exec.clone().map(|p| p.p_vaddr).min()?;
    let end = exec.map(|p| p.p_vaddr + p.p_memsz).max()?;
    let mut module = LoadedModule {
        name: if name.is_empty() {
            main_executable()
        } else {
            name
        },
        bias,
        text_avma: bias + start..bias + end,
        eh_frame_hdr: None,
        eh_frame: None,
    };
    if let Some(hdr) = phdrs.iter().find(|p| p.p_type == libc::PT_GNU_EH_FRAME) {
        let hdr_svma = hdr.p_vaddr..hdr.p_vaddr + hdr.p_memsz;
        let hdr_bytes = copy_mapped(bias, hdr_svma.clone());
        if let Some(eh_svma) = eh_frame_svma(&hdr_bytes, hdr.p_vaddr, phdrs) {
            module.eh_frame = Some((eh_svma.clone(), copy_mapped(bias, eh_svma)));
        }
        module.eh_frame_hdr = Some((hdr_svma, hdr_bytes));
    }
    Some(module)
}

/// The loader's counts of objects added and removed so far (`dlpi_adds`, `dlpi_subs`): equal
/// counts mean the same objects are loaded.
pub(crate) fn generation() -> (u64, u64) {
    let mut out = (0u64, 0u64);
    // SAFETY: the callback only reads the info it is given and writes `out`, which outlives
    // the call; returning 1 stops after the first object.
    unsafe { libc::dl_iterate_phdr(Some(counts), (&mut out as *mut (u64, u64)).cast()) };
    out
}

unsafe extern "C" fn counts(
    info: *mut libc::dl_phdr_info,
    _size: libc::size_t,
    data: *mut libc::c_void,
) -> libc::c_int {
    // SAFETY: `dl_iterate_phdr` passes a valid info; `data` is the tuple from `generation`.
    let (info, out) = unsafe { (&*info, &mut *(data as *mut (u64, u64))) };
    *out = (info.dlpi_adds, info.dlpi_subs);
    1
}

/// The main executable's path, for the object `dl_iterate_phdr` reports without a name.
fn main_executable() -> String {
    std::fs::read_link("/proc/self/exe")
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Copies a range of a loaded segment (given as svma) out of memory.
fn copy_mapped(bias: u64, svma: Range<u64>) -> Vec<u8> {
    let len = (svma.end - svma.start) as usize;
    // SAFETY: the range lies inside a PT_LOAD segment of an object that is loaded for the
    // duration of the `dl_iterate_phdr` callback.
    unsafe { std::slice::from_raw_parts((bias + svma.start) as *const u8, len) }.to_vec()
}

/// Where `.eh_frame` is, from the `.eh_frame_hdr` pointer; it extends at most to the end of
/// the segment holding it (the loader does not record its size).
fn eh_frame_svma(hdr: &[u8], hdr_svma: u64, phdrs: &[libc::Elf64_Phdr]) -> Option<Range<u64>> {
    const DW_EH_PE_PCREL_SDATA4: u8 = 0x1b;
    const DW_EH_PE_UDATA4: u8 = 0x03;
    const DW_EH_PE_SDATA4: u8 = 0x0b;
    if hdr.len() < 8 || hdr[0] != 1 {
        return None;
    }
    let raw = i32::from_le_bytes(hdr[4..8].try_into().ok()?);
    let start = match hdr[1] {
        DW_EH_PE_PCREL_SDATA4 => (hdr_svma + 4).wrapping_add(raw as i64 as u64),
        DW_EH_PE_UDATA4 => raw as u32 as u64,
        DW_EH_PE_SDATA4 => raw as i64 as u64,
        _ => return None,
    };
    let seg = phdrs.iter().find(|p| {
        p.p_type == libc::PT_LOAD && p.p_vaddr <= start && start < p.p_vaddr + p.p_filesz
    })?;
    Some(start..seg.p_vaddr + seg.p_filesz)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_main_executable_with_unwind_tables() {
        let here = finds_main_executable_with_unwind_tables as *const () as usize as u64;
        let modules = loaded_modules();
        let main = modules
            .iter()
            .find(|m| m.text_avma.contains(&here))
            .expect("module of this test");
        assert!(main.name.contains("ferroprof"), "{}", main.name);
        assert!(main.eh_frame_hdr.is_some() && main.eh_frame.is_some());
        assert!(modules.len() >= 2, "libc and the vdso are loaded too");
    }
}
