//! Running an entry point in fresh interpreters and turning the captures
//! into a [`ProfileDoc`].
//!
//! INIT is measured the way Lambda's INIT phase is: from process spawn to
//! "entry module imported and handler resolved". The child prints a
//! `CLOCK_MONOTONIC` timestamp at that moment; the runner read the same
//! clock just before the spawn, so the difference needs no clock sync.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lmms_stats::Summary;
use serde::Deserialize;

use crate::doc::{
    DynamicImport, FunctionAtInit, Importer, ModuleProfile, Origin, ProfileDoc, PythonInfo, UntimedModule, PROFILE_SCHEMA,
};
use crate::importtime::{self, Node};
use crate::runner::{RunError, RunOutput, RunSpec, Runner};

pub const BOOTSTRAP: &str = include_str!("../python/bootstrap.py");

const MARK: &str = "@@lmms@@ ";

#[derive(Debug, Clone)]
pub struct EntrySpec {
    pub python: PathBuf,
    /// Working directory (the project root).
    pub cwd: PathBuf,
    pub src_roots: Vec<PathBuf>,
    /// Dotted module to import.
    pub module: String,
    /// Attribute that must resolve to a callable (the handler).
    pub handler: String,
    pub timeout: Duration,
    /// Record per-import timings (`-X importtime`). Off for pure INIT timing.
    pub importtime: bool,
    /// Variables the function's environment sets (a SAM template's
    /// `Environment.Variables`), on top of the inherited environment.
    pub env: Vec<(String, String)>,
}

impl EntrySpec {
    /// `mode`: the bootstrap's DUMP argument, `"0"`, `"1"` (interpreter
    /// facts) or `"edges"` (the untimed run of [`run_edges`]).
    fn run_spec(&self, mode: &str) -> RunSpec {
        let mut spec = RunSpec::new(&self.python).timeout(self.timeout).cwd(&self.cwd).envs(self.env.iter().cloned());
        if self.importtime {
            spec = spec.args(["-X", "importtime"]);
        }
        // faulthandler dumps the stuck stack before the kill. The margin is at
        // least a second (or a tenth of the timeout): on a loaded machine a
        // dump 0.2 s before the kill did not always reach the pipe in time.
        let t = self.timeout.as_secs_f64();
        let fault_after = (t - (t * 0.1).max(1.0)).max(t * 0.5);
        spec.arg("-c")
            .arg(BOOTSTRAP)
            .arg(&self.module)
            .arg(&self.handler)
            .arg(mode)
            .arg(format!("{fault_after:.3}"))
            .args(self.src_roots.iter().map(|p| p.as_os_str().to_owned()))
            // Unbuffered so the markers interleave with importtime rows in order.
            .env("PYTHONUNBUFFERED", "1")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error(transparent)]
    Run(#[from] RunError),
    #[error("importing `{module}` raised an exception:\n{traceback}")]
    ImportFailed { module: String, traceback: String },
    #[error("{message}")]
    NoHandler { message: String },
    #[error("timed out after {seconds:.0} s while importing `{module}` (raise --timeout if it is merely slow){}", if .where_stuck.is_empty() { String::new() } else { format!("; Python was here:\n{}", .where_stuck) })]
    Timeout { module: String, seconds: f64, where_stuck: String },
    #[error("the interpreter exited with {status} before `{module}` was ready:\n{stderr}")]
    Crashed { module: String, status: String, stderr: String },
}

/// Interpreter facts reported by the first run.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct InterpreterInfo {
    pub executable: String,
    pub version: String,
    #[serde(default)]
    pub stdlib: Vec<Option<String>>,
    #[serde(default)]
    pub purelib: Vec<Option<String>>,
    #[serde(default)]
    pub builtin: Vec<String>,
    #[serde(default)]
    pub stdlib_names: Vec<String>,
    #[serde(default)]
    pub files: HashMap<String, Option<String>>,
}

/// One measured start of the entry.
#[derive(Debug, Clone)]
pub struct EntryRun {
    pub init_ms: f64,
    pub rss_kb: u64,
    pub module_count: u32,
    /// Import trees completed between the bootstrap's start and ready.
    pub forest: Vec<Node>,
    pub info: Option<InterpreterInfo>,
    /// Modules project code loaded by name (`importlib.import_module`,
    /// `__import__`), each with the project module whose code asked.
    pub dynamic: Vec<DynamicLoad>,
}

/// One `@@lmms@@ dynamic VIA MODULE IMPORTER` line of the bootstrap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DynamicLoad {
    pub module: String,
    pub importer: String,
    pub via: DynamicImport,
}

fn parse_dynamic(line: &str) -> Option<DynamicLoad> {
    let mut parts = line.split_whitespace();
    let via = match parts.next()? {
        "import_module" => DynamicImport::ImportModule,
        "__import__" => DynamicImport::DunderImport,
        _ => return None,
    };
    let module = parts.next()?.to_string();
    let importer = parts.next()?.to_string();
    Some(DynamicLoad { module, importer, via })
}

fn tail(text: &str, lines: usize) -> String {
    let v: Vec<&str> = text.lines().collect();
    v[v.len().saturating_sub(lines)..].join("\n")
}

/// Interpret one capture. Exposed so tests can feed recorded output.
pub fn parse_entry_run(spec: &EntrySpec, out: &RunOutput) -> Result<EntryRun, ProfileError> {
    let stderr = out.stderr_text();
    let module = spec.module.clone();
    if let Some(pos) = stderr.find(&format!("{MARK}import-error")) {
        let after = &stderr[pos..];
        // Drop the importtime rows and the bootstrap's own frame: the user
        // wants their traceback, not ours.
        let mut traceback = Vec::new();
        let lines = after.lines().skip(1).filter(|l| importtime::parse_line(l).is_none());
        for l in lines {
            if l.trim_start().starts_with("File \"<string>\"") {
                continue;
            }
            traceback.push(l);
        }
        return Err(ProfileError::ImportFailed { module, traceback: traceback.join("\n") });
    }
    if let Some(line) = stderr.lines().find(|l| l.starts_with(&format!("{MARK}no-handler"))) {
        let message = line.trim_start_matches(&format!("{MARK}no-handler ")).to_string();
        return Err(ProfileError::NoHandler { message: format!("{message}: check `entry` (module:function)") });
    }
    let ready = stderr.lines().find_map(|l| l.strip_prefix(&format!("{MARK}ready ")));
    let Some(ready) = ready else {
        let begin = stderr.find(&format!("{MARK}begin")).map_or(0, |p| p);
        // importlib's frozen frames and the bootstrap's own are noise to
        // someone looking for their hanging import.
        let foreign: Vec<&str> = stderr[begin..]
            .lines()
            .skip(1)
            .filter(|l| importtime::parse_line(l).is_none() && !l.is_empty())
            .filter(|l| !l.contains("File \"<frozen ") && !l.contains("File \"<string>\""))
            .collect();
        if out.timed_out || stderr.contains("Timeout (0:") {
            return Err(ProfileError::Timeout {
                module,
                seconds: spec.timeout.as_secs_f64(),
                where_stuck: tail(&foreign.join("\n"), 30),
            });
        }
        let status = match out.status {
            Some(c) => format!("exit code {c}"),
            None => "a signal".to_string(),
        };
        return Err(ProfileError::Crashed { module, status, stderr: tail(&stderr, 30) });
    };
    let mut parts = ready.split_whitespace().map(|s| s.parse::<u64>().unwrap_or(0));
    let ready_ns = parts.next().unwrap_or(0);
    let rss_kb = parts.next().unwrap_or(0);
    let module_count = parts.next().unwrap_or(0) as u32;
    let init_ms = ready_ns.saturating_sub(out.spawned_at_ns) as f64 / 1e6;

    // Rows between the begin and loaded (or, in older captures, ready)
    // markers belong to the entry; rows before are interpreter start-up
    // (site, encodings), rows after are the bootstrap's own bookkeeping.
    let mut rows = Vec::new();
    let mut dynamic = Vec::new();
    let mut inside = false;
    for line in stderr.lines() {
        if let Some(marker) = line.strip_prefix(MARK) {
            if marker == "begin" {
                inside = true;
            } else if marker == "loaded" || marker.starts_with("ready") {
                break;
            } else if let Some(load) = marker.strip_prefix("dynamic ").and_then(parse_dynamic) {
                if inside && !dynamic.iter().any(|d: &DynamicLoad| d.module == load.module) {
                    dynamic.push(load);
                }
            }
            continue;
        }
        if inside {
            if let Some(r) = importtime::parse_line(line) {
                rows.push(r);
            }
        }
    }
    let info = stderr
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{MARK}info ")))
        .and_then(|j| serde_json::from_str::<InterpreterInfo>(j).ok());
    Ok(EntryRun { init_ms, rss_kb, module_count, forest: importtime::build_forest(&rows), info, dynamic })
}

/// Start the entry once.
pub fn run_entry(runner: &dyn Runner, spec: &EntrySpec, dump: bool) -> Result<EntryRun, ProfileError> {
    let out = runner.run(&spec.run_spec(if dump { "1" } else { "0" }))?;
    parse_entry_run(spec, &out)
}

/// What importing the entry executed: every import with its importer, and
/// the project functions that ran. One `@@lmms@@ edges JSON` line.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Executed {
    /// `(module, importer, line, function, during, during_line)`, as
    /// [`Importer`].
    pub imports: Vec<(String, String, u32, Option<String>, String, u32)>,
    /// `(module, qualified name)`.
    pub ran: Vec<(String, String)>,
}

/// Parse the edges run's capture: `None` when the run printed no edges
/// (it failed, or its interpreter is older than the hooks).
pub fn parse_edges(out: &RunOutput) -> Option<Executed> {
    let stderr = out.stderr_text();
    let line = stderr.lines().find_map(|l| l.strip_prefix(&format!("{MARK}edges ")))?;
    serde_json::from_str(line).ok()
}

/// Import the entry once more with hooks on every import and every call
/// (Python code on each, so it is never one of the timed runs, and
/// without `-X importtime`).
pub fn run_edges(runner: &dyn Runner, spec: &EntrySpec) -> Result<Option<Executed>, ProfileError> {
    let plain = EntrySpec { importtime: false, ..spec.clone() };
    let out = runner.run(&plain.run_spec("edges"))?;
    Ok(parse_edges(&out))
}

/// `python -I -S -c pass`, spawn to exit: what no import change can remove.
pub fn run_floor(runner: &dyn Runner, python: &Path, timeout: Duration) -> Result<f64, ProfileError> {
    let out = runner.run(&RunSpec::new(python).args(["-I", "-S", "-c", "pass"]).timeout(timeout))?;
    if !out.success() {
        return Err(ProfileError::Crashed {
            module: "<floor>".into(),
            status: format!("{:?}", out.status),
            stderr: tail(&out.stderr_text(), 10),
        });
    }
    Ok(out.wall_ms)
}

/// Classify a module by where its file lives, using the interpreter's own
/// paths. Site-packages is checked first: a virtualenv inside the project
/// directory is still third-party.
pub fn classify(name: &str, file: Option<&str>, info: &InterpreterInfo, src_roots: &[PathBuf]) -> Origin {
    let top = name.split('.').next().unwrap_or(name);
    if info.builtin.iter().any(|b| b == name) {
        return Origin::Builtin;
    }
    let Some(file) = file else {
        return if info.stdlib_names.iter().any(|s| s == top) { Origin::Stdlib } else { Origin::Unknown };
    };
    let path = Path::new(file);
    let under = |dirs: &[Option<String>]| dirs.iter().flatten().any(|d| path.starts_with(d));
    if under(&info.purelib) || file.contains("/site-packages/") || file.contains("/dist-packages/") {
        return Origin::ThirdParty;
    }
    if under(&info.stdlib) {
        return Origin::Stdlib;
    }
    if let Some(root) = src_roots.iter().find(|r| path.starts_with(r)) {
        // `pip install -t .` vendors packages into the task root; their
        // dist-info gives them away.
        return if vendored(root, top) { Origin::ThirdParty } else { Origin::Project };
    }
    if info.stdlib_names.iter().any(|s| s == top) {
        Origin::Stdlib
    } else {
        Origin::ThirdParty
    }
}

fn vendored(root: &Path, top: &str) -> bool {
    let Ok(entries) = std::fs::read_dir(root) else { return false };
    entries.flatten().any(|e| {
        let n = e.file_name();
        let n = n.to_string_lossy();
        n.ends_with(".dist-info")
            && std::fs::read_to_string(e.path().join("top_level.txt"))
                .map(|t| t.lines().any(|l| l.trim() == top))
                .unwrap_or_else(|_| n.split('-').next().is_some_and(|d| d.eq_ignore_ascii_case(top)))
    })
}

#[derive(Debug, Clone)]
pub struct ProfileRequest {
    pub entry: String,
    pub spec: EntrySpec,
    pub runs: u32,
    pub profiled_at: String,
}

#[derive(Default)]
struct Acc {
    self_ms: Vec<f64>,
    cum_ms: Vec<f64>,
    imported_by: Option<String>,
    chain: Vec<String>,
    first_seen: usize,
    dynamic: Option<DynamicImport>,
}

/// Every node of one run's forest in pre-order with its chain (entry
/// first, itself last). The tree nests a module under whatever module was
/// importing when it loaded; a module project code loaded by name belongs
/// to the project module whose code asked for it, so its chain (and its
/// descendants') continues that importer's chain instead. The importer is
/// always visited first: it is running, so it started loading earlier.
fn chains<'a>(forest: &'a [Node], dynamic: &[DynamicLoad]) -> Vec<(&'a Node, Vec<String>)> {
    let mut out: Vec<(&'a Node, Vec<String>)> = Vec::new();
    let mut known: HashMap<&'a str, usize> = HashMap::new();
    // (node, index of its parent in `out`)
    let mut stack: Vec<(&'a Node, Option<usize>)> = forest.iter().rev().map(|n| (n, None)).collect();
    while let Some((node, parent)) = stack.pop() {
        let mut chain = match dynamic.iter().find(|d| d.module == node.name) {
            Some(d) => known.get(d.importer.as_str()).map_or_else(|| vec![d.importer.clone()], |&i| out[i].1.clone()),
            None => parent.map_or_else(Vec::new, |i| out[i].1.clone()),
        };
        chain.push(node.name.clone());
        known.entry(node.name.as_str()).or_insert(out.len());
        out.push((node, chain));
        let at = out.len() - 1;
        stack.extend(node.children.iter().rev().map(|c| (c, Some(at))));
    }
    out
}

/// Measure `runs` starts of the entry, each followed by a floor run
/// (interleaving cancels drift between the two series). `progress` hears
/// one step of `runs` units.
pub fn profile(
    runner: &dyn Runner,
    req: &ProfileRequest,
    progress: &dyn crate::progress::Progress,
) -> Result<ProfileDoc, ProfileError> {
    let mut init = Vec::new();
    let mut floor = Vec::new();
    let mut rss = Vec::new();
    let mut counts = Vec::new();
    let mut info = None;
    let mut acc: HashMap<String, Acc> = HashMap::new();
    let mut order = 0usize;
    let step = crate::progress::Started::new(progress, req.runs.into(), &format!("profiling {}", req.entry));
    for i in 0..req.runs {
        let run = run_entry(runner, &req.spec, i == 0)?;
        floor.push(run_floor(runner, &req.spec.python, req.spec.timeout)?);
        init.push(run.init_ms);
        rss.push(run.rss_kb as f64 / 1024.0);
        counts.push(run.module_count as f64);
        if info.is_none() {
            info = run.info.clone();
        }
        for (node, chain) in chains(&run.forest, &run.dynamic) {
            let a = acc.entry(node.name.clone()).or_insert_with(|| {
                order += 1;
                Acc {
                    imported_by: (chain.len() > 1).then(|| chain[chain.len() - 2].clone()),
                    dynamic: run.dynamic.iter().find(|d| d.module == node.name).map(|d| d.via),
                    chain,
                    first_seen: order,
                    ..Acc::default()
                }
            });
            a.self_ms.push(node.self_us as f64 / 1000.0);
            a.cum_ms.push(node.cumulative_us as f64 / 1000.0);
        }
        step.inc(1);
    }
    // The edges run is extra information: when it fails (a hook the app
    // does not survive), the profile is still the timed runs'.
    let executed = run_edges(runner, &req.spec).ok().flatten().unwrap_or_default();
    drop(step);
    let mut importers: HashMap<&str, Vec<Importer>> = HashMap::new();
    for (module, importer, line, function, during, during_line) in &executed.imports {
        let i = Importer {
            module: importer.clone(),
            line: *line,
            function: function.clone(),
            during: during.clone(),
            during_line: *during_line,
        };
        importers.entry(module.as_str()).or_default().push(i);
    }
    let info = info.unwrap_or_default();
    let mut modules: Vec<(usize, ModuleProfile)> = acc
        .into_iter()
        .map(|(name, a)| {
            let file = info.files.get(&name).cloned().flatten();
            let origin = classify(&name, file.as_deref(), &info, &req.spec.src_roots);
            let m = ModuleProfile {
                origin,
                file,
                self_ms: summary(&a.self_ms),
                cumulative_ms: summary(&a.cum_ms),
                imported_by: a.imported_by,
                chain: a.chain,
                seen_in_runs: a.self_ms.len() as u32,
                dynamic: a.dynamic,
                importers: {
                    let mut v = importers.remove(name.as_str()).unwrap_or_default();
                    v.sort();
                    v.dedup();
                    v
                },
                name,
            };
            (a.first_seen, m)
        })
        .collect();
    modules.sort_by(|(ao, a), (bo, b)| {
        b.cumulative_ms.median.total_cmp(&a.cumulative_ms.median).then(ao.cmp(bo))
    });
    let mut untimed: Vec<UntimedModule> = importers
        .into_iter()
        .map(|(name, mut importers)| {
            importers.sort();
            importers.dedup();
            UntimedModule { name: name.to_string(), importers }
        })
        .collect();
    untimed.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(ProfileDoc {
        schema: PROFILE_SCHEMA.to_string(),
        entry: req.entry.clone(),
        python: PythonInfo {
            executable: if info.executable.is_empty() {
                req.spec.python.display().to_string()
            } else {
                info.executable.clone()
            },
            version: info.version.clone(),
        },
        runs: req.runs,
        init_ms: summary(&init),
        floor_ms: summary(&floor),
        rss_mb: summary(&rss),
        module_count: lmms_stats::median(&counts).unwrap_or(0.0).round() as u32,
        modules: modules.into_iter().map(|(_, m)| m).collect(),
        profiled_at: req.profiled_at.clone(),
        src: req.spec.src_roots.iter().map(|p| p.display().to_string()).collect(),
        functions_at_init: {
            let mut v: Vec<FunctionAtInit> =
                executed.ran.iter().map(|(module, function)| FunctionAtInit { module: module.clone(), function: function.clone() }).collect();
            v.sort();
            v.dedup();
            v
        },
        untimed_modules: untimed,
    })
}

fn summary(samples: &[f64]) -> Summary {
    Summary::of(samples).unwrap_or_default().rounded(3)
}
