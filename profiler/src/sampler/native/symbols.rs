//! Names for native addresses: blazesym reads symbol tables and DWARF (demangled Rust
//! and C++ names, inlined functions, source lines).
//!
//! A live process is symbolized through `Source::Process`, which also knows the vDSO,
//! perf maps of JIT compilers and deleted or namespaced files. A process that has
//! exited can no longer be read that way, so its addresses are then symbolized from the
//! files of the module list kept for unwinding. An address no symbol covers (a stripped
//! binary) is named `[file+0xOFFSET]`, the offset being the one `addr2line -e file`
//! takes. Results are cached per process and address: a profile revisits few addresses.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use blazesym::Pid;
use blazesym::symbolize::source::{Elf, Process, Source};
use blazesym::symbolize::{Input, Sym, Symbolized, Symbolizer};

use super::unwind::{ModuleInfo, ProcessModules};
use crate::model::{Frame, FrameKind};

/// Cached names for user and kernel addresses.
pub(super) struct Symbols {
    symbolizer: Symbolizer,
    /// Frames (root first: the function, then what was inlined into it) per address.
    user: HashMap<(u32, u64), Arc<[Frame]>>,
    /// Kernel text symbols, read once; empty when `/proc/kallsyms` hides addresses.
    kallsyms: Option<Kallsyms>,
}

impl Symbols {
    pub fn new() -> Symbols {
        Symbols {
            symbolizer: Symbolizer::builder()
                .enable_code_info(true)
                .enable_inlined_fns(true)
                .enable_demangling(true)
                .build(),
            user: HashMap::new(),
            kallsyms: None,
        }
    }

    /// Symbolizes the addresses of one process not seen before. `alive` says whether
    /// the process can still be read through `/proc`.
    pub fn resolve(
        &mut self,
        pid: u32,
        addrs: &[u64],
        modules: Option<&ProcessModules>,
        alive: bool,
    ) {
        let mut todo: Vec<u64> = addrs
            .iter()
            .copied()
            .filter(|a| !self.user.contains_key(&(pid, *a)))
            .collect();
        todo.sort_unstable();
        todo.dedup();
        if todo.is_empty() {
            return;
        }
        let mut resolved: Vec<Option<Vec<Frame>>> = vec![None; todo.len()];
        if alive {
            let mut process = Process::new(Pid::from(pid));
            process.debug_syms = true;
            process.perf_map = true;
            process.vdso = true;
            let source = Source::Process(process);
            if let Ok(syms) = self.symbolizer.symbolize(&source, Input::AbsAddr(&todo)) {
                for (slot, (sym, addr)) in resolved.iter_mut().zip(syms.iter().zip(&todo)) {
                    if let Symbolized::Sym(sym) = sym {
                        let module = modules.and_then(|m| m.module_at(*addr));
                        *slot = Some(frames_of(sym, module.map(|m| m.path.as_str())));
                    }
                }
            }
        }
        // Whatever the live process did not name, the module's file may.
        if let Some(modules) = modules {
            let mut by_module: HashMap<&str, (&ModuleInfo, Vec<usize>)> = HashMap::new();
            for (i, addr) in todo.iter().enumerate() {
                if resolved[i].is_none()
                    && let Some(module) = modules.module_at(*addr)
                    && module.readable_path().is_some()
                {
                    by_module
                        .entry(module.path.as_str())
                        .or_insert_with(|| (module, Vec::new()))
                        .1
                        .push(i);
                }
            }
            for (module, indices) in by_module.into_values() {
                let Some(path) = module.readable_path() else {
                    continue;
                };
                let offsets: Vec<u64> = indices
                    .iter()
                    .map(|&i| module.virtual_offset(todo[i]))
                    .collect();
                let mut elf = Elf::new(PathBuf::from(path));
                elf.debug_syms = true;
                let Ok(syms) = self
                    .symbolizer
                    .symbolize(&Source::Elf(elf), Input::VirtOffset(&offsets))
                else {
                    continue;
                };
                for (&i, sym) in indices.iter().zip(&syms) {
                    if let Symbolized::Sym(sym) = sym {
                        resolved[i] = Some(frames_of(sym, Some(&module.path)));
                    }
                }
            }
        }
        for (addr, frames) in todo.into_iter().zip(resolved) {
            let frames = frames.unwrap_or_else(|| {
                vec![unnamed_frame(modules.and_then(|m| m.module_at(addr)), addr)]
            });
            self.user.insert((pid, addr), frames.into());
        }
    }

    /// The frames for a user address, root first; `resolve` must have seen it.
    pub fn user_frames(&self, pid: u32, addr: u64) -> Arc<[Frame]> {
        match self.user.get(&(pid, addr)) {
            Some(frames) => frames.clone(),
            None => Arc::from([unnamed_frame(None, addr)]),
        }
    }

    /// The kernel function an address belongs to, from `/proc/kallsyms` (read on
    /// first use; blazesym would re-read it on every call, as the file's time stamp
    /// changes with each look).
    pub fn kernel_frame(&mut self, addr: u64) -> Frame {
        let kallsyms = self.kallsyms.get_or_insert_with(Kallsyms::read);
        let name = kallsyms.name(addr).unwrap_or("[kernel]");
        Frame::new(name, FrameKind::Kernel)
    }
}

/// The kernel's text symbols, sorted by address.
struct Kallsyms {
    symbols: Vec<(u64, String)>,
}

impl Kallsyms {
    fn read() -> Kallsyms {
        let text = std::fs::read_to_string("/proc/kallsyms").unwrap_or_default();
        Self::parse(&text)
    }

    fn parse(text: &str) -> Kallsyms {
        let mut symbols: Vec<(u64, String)> = text
            .lines()
            .filter_map(|line| {
                let mut fields = line.split_ascii_whitespace();
                let addr = u64::from_str_radix(fields.next()?, 16).ok()?;
                let kind = fields.next()?;
                let name = fields.next()?;
                let is_text = matches!(kind, "t" | "T" | "w" | "W");
                (is_text && addr != 0).then(|| (addr, name.to_string()))
            })
            .collect();
        symbols.sort_unstable();
        Kallsyms { symbols }
    }

    /// The symbol at or below `addr`.
    fn name(&self, addr: u64) -> Option<&str> {
        let i = self.symbols.partition_point(|(start, _)| *start <= addr);
        self.symbols
            .get(i.checked_sub(1)?)
            .map(|(_, name)| name.as_str())
    }
}

/// The frames of one symbolized address, root first: the function, then the functions
/// inlined into it down to the one the instruction belongs to. Each carries its own
/// line: where it calls the next, or the instruction itself for the innermost.
fn frames_of(sym: &Sym<'_>, module: Option<&str>) -> Vec<Frame> {
    let file = module.map(str::to_string).or_else(|| {
        sym.module
            .as_ref()
            .map(|m| m.to_string_lossy().into_owned())
    });
    let mut frames = Vec::with_capacity(1 + sym.inlined.len());
    frames.push(Frame {
        name: sym.name.to_string(),
        file: file.clone(),
        line: sym.code_info.as_ref().and_then(|c| c.line),
        kind: FrameKind::Native,
    });
    for inlined in &sym.inlined {
        frames.push(Frame {
            name: inlined.name.to_string(),
            file: file.clone(),
            line: inlined.code_info.as_ref().and_then(|c| c.line),
            kind: FrameKind::Native,
        });
    }
    frames
}

/// `[file+0xOFFSET]` for an address no symbol covers; `[unknown]` outside every module.
fn unnamed_frame(module: Option<&ModuleInfo>, addr: u64) -> Frame {
    match module {
        Some(m) => Frame {
            name: format!("[{}+{:#x}]", m.file_name(), m.virtual_offset(addr)),
            file: Some(m.path.clone()),
            line: None,
            kind: FrameKind::Native,
        },
        None => Frame::new("[unknown]", FrameKind::Native),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_addresses_name_the_symbol_below_them() {
        let table = Kallsyms::parse(
            "ffffffff81000000 T _stext\nffffffff81000100 t do_thing\n\
             ffffffff81000200 D some_data\n0000000000000000 T hidden\n",
        );
        assert_eq!(table.name(0xffffffff81000150), Some("do_thing"));
        assert_eq!(table.name(0xffffffff81000000), Some("_stext"));
        assert_eq!(table.name(0x1000), None);
        assert_eq!(Kallsyms::parse("0000000000000000 T x\n").name(5), None);
    }
}
