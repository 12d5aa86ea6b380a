//! Turns a thread's registers and a copy of the top of its stack into return addresses.
//!
//! framehop does the unwinding: DWARF CFI from `.eh_frame` (or `.debug_frame`), with a
//! frame-pointer fallback where a module has none. It needs every executable module of
//! the process with its address range and unwind sections; those come from
//! `/proc/PID/maps` and the ELF files, read with `object`. The module list is reloaded
//! when a sample lands outside every known module (a library was mapped since), at most
//! once per [`RELOAD_EVERY`] per process.
//!
//! Parsed files are shared between processes by device and inode, so sampling many
//! children of one program reads each library once.

use std::collections::HashMap;
use std::fs::File;
use std::ops::Range;
use std::sync::Arc;
use std::time::{Duration, Instant};

use framehop::{
    CacheNative, FrameAddress, MayAllocateDuringUnwind, Module, ModuleSectionInfo,
    UnwindRegsNative, Unwinder, UnwinderNative,
};
use object::{Object, ObjectSection, ObjectSegment};

use super::procfs::{self, Mapping};

/// The least time between two reloads of one process's module list.
const RELOAD_EVERY: Duration = Duration::from_millis(100);
/// Deeper stacks are cut (the root side is lost).
const MAX_FRAMES: usize = 512;
/// The smallest page size; segments are mapped from offsets aligned to it.
const PAGE: u64 = 4096;

/// The registers unwinding starts from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Regs {
    /// Instruction pointer (program counter).
    pub ip: u64,
    pub sp: u64,
    /// Frame pointer: `rbp` on x86_64, `x29` on aarch64.
    pub fp: u64,
    /// Link register (aarch64 only; 0 elsewhere).
    pub lr: u64,
}

#[cfg(target_arch = "x86_64")]
fn unwind_regs(regs: &Regs) -> UnwindRegsNative {
    UnwindRegsNative::new(regs.ip, regs.sp, regs.fp)
}

#[cfg(target_arch = "aarch64")]
fn unwind_regs(regs: &Regs) -> UnwindRegsNative {
    UnwindRegsNative::new(regs.lr, regs.sp, regs.fp)
}

/// One executable module of a process, as framehop and the symbolizer need it.
#[derive(Clone, Debug)]
pub(super) struct ModuleInfo {
    /// The path in the target's view (`/usr/lib/.../libc.so.6`, `[vdso]`).
    pub path: String,
    /// A path this process could open the file by when the module list was read (through
    /// `/proc/PID/root` while the target lived).
    pub open_path: Option<String>,
    pub avma: Range<u64>,
    /// Added to an address in the file (SVMA) to get the address in the process.
    pub bias: u64,
}

impl ModuleInfo {
    /// The file name, for `[name+0xOFFSET]` labels.
    pub fn file_name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }

    /// A path the file can be read by now: the one found while the process lived, else
    /// (after it exited, when `/proc/PID/root` is gone) its own path.
    pub fn readable_path(&self) -> Option<&str> {
        [self.open_path.as_deref(), Some(self.path.as_str())]
            .into_iter()
            .flatten()
            .find(|p| p.starts_with('/') && std::path::Path::new(p).is_file())
    }

    /// The address as it appears in the file (what `addr2line -e FILE` takes).
    pub fn virtual_offset(&self, address: u64) -> u64 {
        address.wrapping_sub(self.bias)
    }
}

/// The modules and unwinder of one process.
pub(super) struct ProcessModules {
    pid: u32,
    unwinder: UnwinderNative<Arc<[u8]>, MayAllocateDuringUnwind>,
    modules: Vec<ModuleInfo>,
    loaded_at: Option<Instant>,
}

impl ProcessModules {
    /// The module an address falls into.
    pub fn module_at(&self, address: u64) -> Option<&ModuleInfo> {
        let i = self.modules.partition_point(|m| m.avma.start <= address);
        let module = self.modules.get(i.checked_sub(1)?)?;
        module.avma.contains(&address).then_some(module)
    }
}

/// What one ELF file gives the unwinder, parsed once.
struct ElfFacts {
    loads: Vec<Load>,
    text: Option<Range<u64>>,
    got: Option<Range<u64>>,
    eh_frame: Option<(Range<u64>, Arc<[u8]>)>,
    eh_frame_hdr: Option<(Range<u64>, Arc<[u8]>)>,
    debug_frame: Option<Arc<[u8]>>,
    has_symbols: bool,
}

/// A `PT_LOAD` segment: where a file range lands in the module's address space.
#[derive(Clone, Copy)]
struct Load {
    file_offset: u64,
    file_size: u64,
    vaddr: u64,
    executable: bool,
}

impl ElfFacts {
    fn parse(data: &[u8]) -> Option<ElfFacts> {
        let file = object::File::parse(data).ok()?;
        Some(Self::from_object(&file))
    }

    fn read(file: File) -> Option<ElfFacts> {
        let cache = object::ReadCache::new(file);
        let object = object::File::parse(&cache).ok()?;
        Some(Self::from_object(&object))
    }

    fn from_object<'data, R: object::ReadRef<'data>>(file: &object::File<'data, R>) -> ElfFacts {
        let range = |name: &str| {
            file.section_by_name(name)
                .map(|s| s.address()..s.address() + s.size())
        };
        let data = |name: &str| -> Option<Arc<[u8]>> {
            let section = file.section_by_name(name)?;
            let bytes = section.data().ok()?;
            (!bytes.is_empty()).then(|| Arc::from(bytes))
        };
        let with_range = |name: &str| Some((range(name)?, data(name)?));
        ElfFacts {
            loads: file
                .segments()
                .map(|s| {
                    let (file_offset, file_size) = s.file_range();
                    let executable = matches!(
                        s.flags(),
                        object::SegmentFlags::Elf { p_flags, .. } if p_flags.0 & object::elf::PF_X.0 != 0
                    );
                    Load {
                        file_offset,
                        file_size,
                        vaddr: s.address(),
                        executable,
                    }
                })
                .collect(),
            text: range(".text"),
            got: range(".got"),
            eh_frame: with_range(".eh_frame"),
            eh_frame_hdr: with_range(".eh_frame_hdr"),
            debug_frame: data(".debug_frame"),
            has_symbols: file.section_by_name(".symtab").is_some()
                || file.section_by_name(".debug_info").is_some(),
        }
    }

    /// The bias of an executable mapping of file offset `offset` at `start`: where
    /// SVMA 0 lands.
    ///
    /// The loader maps a segment from its page-aligned file offset, so a mapping's
    /// offset may lie below the segment's `p_offset`, inside the previous segment's
    /// range; the executable segment is the one an executable mapping belongs to.
    fn bias(&self, start: u64, offset: u64) -> u64 {
        let covers = |l: &&Load| {
            offset >= l.file_offset & !(PAGE - 1) && offset < l.file_offset + l.file_size.max(1)
        };
        let load = self
            .loads
            .iter()
            .filter(|l| l.executable)
            .find(covers)
            .or_else(|| self.loads.iter().find(covers));
        match load {
            // p_vaddr and p_offset agree modulo the page size, so the difference holds
            // for the whole mapping.
            Some(l) => start
                .wrapping_sub(l.vaddr)
                .wrapping_add(l.file_offset)
                .wrapping_sub(offset),
            None => start.wrapping_sub(offset),
        }
    }
}

/// Hands framehop the sections of one parsed file.
struct SectionInfo(Arc<ElfFacts>);

impl ModuleSectionInfo<Arc<[u8]>> for SectionInfo {
    fn base_svma(&self) -> u64 {
        0
    }

    fn section_svma_range(&mut self, name: &[u8]) -> Option<Range<u64>> {
        match name {
            b".text" => self.0.text.clone(),
            b".got" => self.0.got.clone(),
            b".eh_frame" => self.0.eh_frame.as_ref().map(|(r, _)| r.clone()),
            b".eh_frame_hdr" => self.0.eh_frame_hdr.as_ref().map(|(r, _)| r.clone()),
            _ => None,
        }
    }

    fn section_data(&mut self, name: &[u8]) -> Option<Arc<[u8]>> {
        match name {
            b".eh_frame" => self.0.eh_frame.as_ref().map(|(_, d)| d.clone()),
            b".eh_frame_hdr" => self.0.eh_frame_hdr.as_ref().map(|(_, d)| d.clone()),
            b".debug_frame" => self.0.debug_frame.clone(),
            _ => None,
        }
    }
}

/// Unwinds the stacks of every sampled process.
pub(super) struct Unwinding {
    processes: HashMap<u32, ProcessModules>,
    cache: CacheNative<MayAllocateDuringUnwind>,
    /// Parsed files by `dev:inode` (or path for files without an inode).
    files: HashMap<String, Option<Arc<ElfFacts>>>,
    /// Executables seen without symbols, so each is reported once.
    stripped: Vec<String>,
}

impl Unwinding {
    pub fn new() -> Unwinding {
        Unwinding {
            processes: HashMap::new(),
            cache: CacheNative::new(),
            files: HashMap::new(),
            stripped: Vec::new(),
        }
    }

    /// The modules of a process, loading them on first use.
    pub fn process(&mut self, pid: u32) -> &ProcessModules {
        self.ensure_loaded(pid);
        self.processes.entry(pid).or_insert_with(|| ProcessModules {
            pid,
            unwinder: UnwinderNative::new(),
            modules: Vec::new(),
            loaded_at: None,
        })
    }

    /// The modules of a process if they were loaded before.
    pub fn loaded(&self, pid: u32) -> Option<&ProcessModules> {
        self.processes.get(&pid)
    }

    /// Main executables that have neither a symbol table nor debug info.
    pub fn stripped_executables(&self) -> &[String] {
        &self.stripped
    }

    fn ensure_loaded(&mut self, pid: u32) {
        if self
            .processes
            .get(&pid)
            .is_none_or(|p| p.loaded_at.is_none())
        {
            self.reload(pid);
        }
    }

    /// Re-reads the module list of a process, unless that was done very recently or the
    /// process is gone (the last list stays in use for its final samples).
    fn reload(&mut self, pid: u32) {
        if let Some(p) = self.processes.get(&pid)
            && p.loaded_at.is_some_and(|t| t.elapsed() < RELOAD_EVERY)
        {
            return;
        }
        let Ok(maps) = procfs::mappings(pid) else {
            if let Some(p) = self.processes.get_mut(&pid) {
                p.loaded_at = Some(Instant::now());
            }
            return;
        };
        let main_exe = std::fs::read_link(format!("/proc/{pid}/exe"))
            .ok()
            .map(|p| {
                p.to_string_lossy()
                    .trim_end_matches(" (deleted)")
                    .to_string()
            });
        let mut wanted: Vec<ModuleInfo> = Vec::new();
        let mut sections: HashMap<u64, Arc<ElfFacts>> = HashMap::new();
        for group in executable_groups(&maps) {
            let first = group[0];
            let Some(facts) = self.facts(pid, first) else {
                continue;
            };
            let avma = first.start..group.iter().map(|m| m.end).max().unwrap_or(first.end);
            let is_main = main_exe.as_deref() == Some(first.path.as_str());
            if is_main && !facts.has_symbols && !self.stripped.contains(&first.path) {
                self.stripped.push(first.path.clone());
            }
            sections.insert(avma.start, facts.clone());
            wanted.push(ModuleInfo {
                path: first.path.clone(),
                open_path: openable_path(pid, first),
                bias: facts.bias(first.start, first.offset),
                avma,
            });
        }
        wanted.sort_by_key(|m| m.avma.start);
        let process = self.processes.entry(pid).or_insert_with(|| ProcessModules {
            pid,
            unwinder: UnwinderNative::new(),
            modules: Vec::new(),
            loaded_at: None,
        });
        for old in &process.modules {
            let kept = wanted
                .iter()
                .any(|m| m.avma == old.avma && m.path == old.path && m.bias == old.bias);
            if !kept {
                process.unwinder.remove_module(old.avma.start);
            }
        }
        for new in &wanted {
            let known = process
                .modules
                .iter()
                .any(|m| m.avma == new.avma && m.path == new.path && m.bias == new.bias);
            if !known && let Some(facts) = sections.get(&new.avma.start) {
                process.unwinder.add_module(Module::new(
                    new.path.clone(),
                    new.avma.clone(),
                    new.bias,
                    SectionInfo(facts.clone()),
                ));
            }
        }
        process.modules = wanted;
        process.loaded_at = Some(Instant::now());
    }

    /// Parses (once) the file behind a mapping.
    fn facts(&mut self, pid: u32, mapping: &Mapping) -> Option<Arc<ElfFacts>> {
        let key = if mapping.inode != 0 {
            format!("{}:{}", mapping.dev, mapping.inode)
        } else {
            format!("{pid}:{}", mapping.path)
        };
        if let Some(facts) = self.files.get(&key) {
            return facts.clone();
        }
        let facts = if mapping.path == "[vdso]" {
            read_memory(pid, mapping.start, mapping.end - mapping.start)
                .and_then(|bytes| ElfFacts::parse(&bytes))
        } else {
            openable_path(pid, mapping)
                .and_then(|path| File::open(path).ok())
                .and_then(ElfFacts::read)
        }
        .map(Arc::new);
        self.files.insert(key, facts.clone());
        facts
    }

    /// Unwinds one stack. `stack` holds the memory from `regs.sp` up. Returns lookup
    /// addresses, leaf first: the instruction pointer, then each return address minus
    /// one (inside the call instruction, so it symbolizes to the calling line).
    pub fn unwind(&mut self, pid: u32, regs: &Regs, stack: &[u8]) -> Vec<u64> {
        self.ensure_loaded(pid);
        let needs_reload = self
            .processes
            .get(&pid)
            .is_some_and(|p| p.module_at(regs.ip).is_none());
        if needs_reload {
            self.reload(pid);
        }
        let Some(process) = self.processes.get(&pid) else {
            return vec![regs.ip];
        };
        let base = regs.sp;
        let mut read_stack = |address: u64| -> Result<u64, ()> {
            let offset = usize::try_from(address.checked_sub(base).ok_or(())?).map_err(|_| ())?;
            let bytes = stack
                .get(offset..offset.checked_add(8).ok_or(())?)
                .ok_or(())?;
            let word: [u8; 8] = bytes.try_into().map_err(|_| ())?;
            Ok(u64::from_le_bytes(word))
        };
        let mut frames = Vec::new();
        let mut iter = process.unwinder.iter_frames(
            regs.ip,
            unwind_regs(regs),
            &mut self.cache,
            &mut read_stack,
        );
        // An error ends the walk; what was recovered up to there is kept.
        while let Ok(Some(frame)) = iter.next() {
            frames.push(match frame {
                FrameAddress::InstructionPointer(ip) => ip,
                other => other.address_for_lookup(),
            });
            if frames.len() >= MAX_FRAMES {
                break;
            }
        }
        if frames.is_empty() {
            frames.push(regs.ip);
        }
        debug_assert!(process.pid == pid);
        frames
    }
}

/// Executable file mappings grouped by file, in address order.
fn executable_groups(maps: &[Mapping]) -> Vec<Vec<&Mapping>> {
    let mut groups: Vec<Vec<&Mapping>> = Vec::new();
    for m in maps.iter().filter(|m| m.executable) {
        let is_file = m.path.starts_with('/') || m.path == "[vdso]";
        if !is_file {
            continue;
        }
        match groups
            .iter_mut()
            .find(|g| g[0].path == m.path && g[0].inode == m.inode && g[0].dev == m.dev)
        {
            Some(group) => group.push(m),
            None => groups.push(vec![m]),
        }
    }
    groups
}

/// A path this process can open the target's mapped file by: through the target's root
/// (its mount namespace) while it lives, else the path itself.
fn openable_path(pid: u32, mapping: &Mapping) -> Option<String> {
    if !mapping.path.starts_with('/') {
        return None;
    }
    let path = mapping.path.trim_end_matches(" (deleted)");
    let candidates = [
        format!("/proc/{pid}/root{path}"),
        format!(
            "/proc/{pid}/map_files/{:x}-{:x}",
            mapping.start, mapping.end
        ),
        path.to_string(),
    ];
    candidates
        .into_iter()
        .find(|c| std::fs::metadata(c).is_ok_and(|m| m.is_file()))
}

/// Reads memory of another process (the vDSO image, a stack).
pub(super) fn read_memory(pid: u32, address: u64, len: u64) -> Option<Vec<u8>> {
    let len = usize::try_from(len).ok()?;
    let mut buf = vec![0u8; len];
    let read = {
        let mut local = [std::io::IoSliceMut::new(&mut buf)];
        let remote = [nix::sys::uio::RemoteIoVec {
            base: usize::try_from(address).ok()?,
            len,
        }];
        nix::sys::uio::process_vm_readv(
            nix::unistd::Pid::from_raw(i32::try_from(pid).ok()?),
            &mut local,
            &remote,
        )
        .ok()?
    };
    buf.truncate(read);
    (!buf.is_empty()).then_some(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(loads: Vec<Load>) -> ElfFacts {
        ElfFacts {
            loads,
            text: None,
            got: None,
            eh_frame: None,
            eh_frame_hdr: None,
            debug_frame: None,
            has_symbols: true,
        }
    }

    #[test]
    fn bias_follows_the_executable_segment_when_its_offset_is_not_page_aligned() {
        // As lld and newer ld lay out Rust binaries: text at offset 0x127d0, address
        // 0x137d0, mapped from offset 0x12000, which the first segment also covers.
        let elf = facts(vec![
            Load {
                file_offset: 0,
                file_size: 0x127d0,
                vaddr: 0,
                executable: false,
            },
            Load {
                file_offset: 0x127d0,
                file_size: 0x3c930,
                vaddr: 0x137d0,
                executable: true,
            },
        ]);
        let start = 0x5600_0000_0000 + 0x13000;
        let bias = elf.bias(start, 0x12000);
        assert_eq!(bias, 0x5600_0000_0000);
    }

    #[test]
    fn bias_of_a_plainly_laid_out_binary_is_its_load_address() {
        let elf = facts(vec![
            Load {
                file_offset: 0,
                file_size: 0x1000,
                vaddr: 0,
                executable: false,
            },
            Load {
                file_offset: 0x1000,
                file_size: 0x2000,
                vaddr: 0x1000,
                executable: true,
            },
        ]);
        assert_eq!(elf.bias(0x7000_1000, 0x1000), 0x7000_0000);
    }
}
