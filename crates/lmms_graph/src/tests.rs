use super::*;

fn write(root: &Path, rel: &str, text: &[u8]) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    write(
        r,
        "app.py",
        b"import json\nimport pkg.a\nfrom ns import mod\nfrom pkg import b as bee\n",
    );
    write(r, "pkg/__init__.py", b"");
    write(r, "pkg/a.py", b"from . import b\nfrom .b import thing\n");
    write(
        r,
        "pkg/b.py",
        b"import pandas as pd\ndef f():\n    import boto3\n",
    );
    write(r, "ns/mod.py", b"import requests\n");
    write(r, "ignored/skip.py", b"import os\n");
    write(r, ".gitignore", b"ignored/\n");
    write(r, "bad.py", b"import os\n\xff\n");
    dir
}

fn graph(dir: &Path) -> (ImportGraph, Vec<WalkIssue>) {
    ImportGraph::load(
        &[dir.to_path_buf()],
        dir,
        &[dir.to_path_buf()],
        &[],
        Environment::builtin(),
    )
}

fn targets_of(g: &ImportGraph, module: &str) -> Vec<(String, ModuleKind)> {
    let f = g.file_of_module(module).unwrap();
    let m = g.files[f].module_ast().unwrap();
    m.imports
        .iter()
        .flat_map(|r| g.targets(f, r))
        .map(|(_, t)| (t.module, t.origin))
        .collect()
}

#[test]
fn gitignored_folders_are_skipped_without_a_git_repo() {
    let dir = project();
    let (g, _) = graph(dir.path());
    let names: Vec<_> = g.files.iter().filter_map(|f| f.module.clone()).collect();
    assert_eq!(names, ["app", "bad", "ns.mod", "pkg", "pkg.a", "pkg.b"]);
}

#[test]
fn non_utf8_files_stay_in_the_graph_as_errors() {
    let dir = project();
    let (g, _) = graph(dir.path());
    let bad = &g.files[g.file_of_module("bad").unwrap()];
    assert!(matches!(bad.parsed, Err(SourceError::NotUtf8 { .. })));
}

#[test]
fn imports_resolve_like_the_interpreter() {
    let dir = project();
    let (g, _) = graph(dir.path());
    assert_eq!(
        targets_of(&g, "app"),
        [
            ("json".into(), ModuleKind::Stdlib),
            ("pkg.a".into(), ModuleKind::Project),
            ("ns.mod".into(), ModuleKind::Project),
            ("pkg.b".into(), ModuleKind::Project),
        ]
    );
    assert_eq!(
        targets_of(&g, "pkg.a"),
        [
            ("pkg.b".into(), ModuleKind::Project),
            ("pkg.b".into(), ModuleKind::Project)
        ]
    );
    assert_eq!(
        targets_of(&g, "pkg.b"),
        [
            ("pandas".into(), ModuleKind::Unknown),
            ("boto3".into(), ModuleKind::Unknown)
        ]
    );
}

#[test]
fn site_packages_make_installed_modules_third_party() {
    let dir = project();
    let sp = tempfile::tempdir().unwrap();
    write(sp.path(), "pandas/__init__.py", b"");
    write(sp.path(), "requests.py", b"");
    let env = Environment::builtin().with_site_packages(vec![sp.path().to_path_buf()]);
    let (g, _) = ImportGraph::load(
        &[dir.path().to_path_buf()],
        dir.path(),
        &[dir.path().to_path_buf()],
        &[],
        env,
    );
    assert_eq!(g.classify("pandas.core").0, ModuleKind::ThirdParty);
    assert_eq!(g.classify("requests").0, ModuleKind::ThirdParty);
    assert_eq!(g.classify("boto3").0, ModuleKind::Unknown);
}

#[test]
fn heavy_chains_follow_import_time_edges_only() {
    let dir = project();
    let (g, _) = graph(dir.path());
    let chains = g.heavy_chains(|_, _, t| t.module == "pandas" || t.module == "boto3");
    let app = g.file_of_module("app").unwrap();
    assert_eq!(chains[app].as_deref().unwrap(), ["app", "pkg.b", "pandas"]);
    let a = g.file_of_module("pkg.a").unwrap();
    assert_eq!(chains[a].as_deref().unwrap(), ["pkg.a", "pkg.b", "pandas"]);
    let ns = g.file_of_module("ns.mod").unwrap();
    assert!(chains[ns].is_none());
    let reach = g.reachable(&[g.file_of_module("pkg.a").unwrap()]);
    assert!(reach[g.file_of_module("pkg.b").unwrap()]);
    assert!(!reach[app]);
}

#[test]
fn probe_output_sets_stdlib_and_site_packages() {
    let env = Environment::from_probe_output(
        r#"{"stdlib": ["json", "os"], "builtin": ["sys"], "site_packages": ["/nonexistent"]}"#,
    )
    .unwrap();
    assert!(env.is_stdlib("sys") && env.is_stdlib("json") && !env.is_stdlib("pandas"));
    assert_eq!(env.site_packages(), [PathBuf::from("/nonexistent")]);
    assert!(Environment::from_probe_output("nope").is_err());
}

#[cfg(unix)]
#[test]
fn symlink_loops_are_reported_not_followed_forever() {
    let dir = project();
    std::os::unix::fs::symlink(dir.path(), dir.path().join("pkg/loop")).unwrap();
    let (g, issues) = graph(dir.path());
    assert!(
        issues.iter().any(|i| i.message.contains("loop")),
        "{issues:?}"
    );
    assert_eq!(
        g.files
            .iter()
            .filter(|f| f.module.as_deref() == Some("app"))
            .count(),
        1
    );
}

#[cfg(unix)]
#[test]
fn symlinked_directories_are_followed_inside_the_root_only() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("stolen.py"), "import json\n").unwrap();
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("real")).unwrap();
    std::fs::write(root.path().join("real/inside.py"), "x = 1\n").unwrap();
    std::os::unix::fs::symlink(outside.path(), root.path().join("ext")).unwrap();
    std::os::unix::fs::symlink(root.path().join("real"), root.path().join("alias")).unwrap();
    let (files, issues) = crate::discover_files(&[root.path().to_path_buf()], root.path(), &[]);
    let names: Vec<String> = files.iter().map(|f| crate::relative_path(f, root.path())).collect();
    assert_eq!(names, ["alias/inside.py", "real/inside.py"]);
    assert!(
        issues.iter().any(|i| i.path.ends_with("ext") && i.message.contains("outside the project root; not followed")),
        "{issues:?}"
    );
}

#[test]
fn exclude_patterns_drop_files() {
    let dir = project();
    let (g, _) = ImportGraph::load(
        &[dir.path().to_path_buf()],
        dir.path(),
        &[dir.path().to_path_buf()],
        &["ns/".into()],
        Environment::builtin(),
    );
    assert!(g.file_of_module("ns.mod").is_none());
    assert!(g.file_of_module("app").is_some());
}

#[test]
fn walking_and_parsing_together_matches_the_two_step_load() {
    let dir = project();
    let (a, _) = graph(dir.path());
    let root = dir.path().to_path_buf();
    let (b, _) = ImportGraph::load_with(
        &[root.clone()],
        &root,
        &[root.clone()],
        &[],
        Environment::builtin(),
        lmms_python::Extract::IMPORTS_ONLY,
    );
    let names = |g: &ImportGraph| {
        g.files
            .iter()
            .map(|f| (f.path.clone(), f.module.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&a), names(&b));
    let app = b.file_of_module("app").unwrap();
    assert_eq!(
        a.import_targets(a.file_of_module("app").unwrap()),
        b.import_targets(app)
    );
}

#[test]
fn deeply_nested_and_very_long_expressions_do_not_overflow_the_stack() {
    let dir = tempfile::tempdir().unwrap();
    let nested = format!(
        "import os\nx = {}{}\n",
        "[".repeat(50_000),
        "]".repeat(50_000)
    );
    let chain = format!("import json\ny = {}\n", vec!["1"; 100_000].join(" + "));
    write(dir.path(), "nested.py", nested.as_bytes());
    write(dir.path(), "chain.py", chain.as_bytes());
    let root = dir.path().to_path_buf();
    let (g, _) = ImportGraph::load(
        &[root.clone()],
        &root,
        &[root.clone()],
        &[],
        Environment::builtin(),
    );
    for m in ["nested", "chain"] {
        let f = &g.files[g.file_of_module(m).unwrap()];
        assert_eq!(f.module_ast().unwrap().imports.len(), 1, "{m}");
    }
}

#[test]
fn a_hundred_thousand_files_load_without_trouble() {
    let dir = tempfile::tempdir().unwrap();
    for d in 0..100 {
        let sub = dir.path().join(format!("p{d}"));
        std::fs::create_dir(&sub).unwrap();
        for i in 0..1000 {
            std::fs::write(sub.join(format!("m{i}.py")), b"import os\n").unwrap();
        }
    }
    let root = dir.path().to_path_buf();
    let (g, issues) = ImportGraph::load_with(
        &[root.clone()],
        &root,
        &[root.clone()],
        &[],
        Environment::builtin(),
        lmms_python::Extract::IMPORTS_ONLY,
    );
    assert!(issues.is_empty(), "{issues:?}");
    assert_eq!(g.files.len(), 100_000);
    assert!(g.file_of_module("p99.m999").is_some());
}

#[test]
fn installed_chains_are_followed_through_site_packages() {
    let sp = tempfile::tempdir().unwrap();
    write(
        sp.path(),
        "mylib/__init__.py",
        b"from .frames import make\n",
    );
    write(sp.path(), "mylib/frames.py", b"import json\ntry:\n    import pandas as pd\nexcept ImportError:\n    pd = None\ndef f():\n    import boto3\n");
    write(sp.path(), "pandas/__init__.py", b"import numpy\n");
    write(sp.path(), "numpy/__init__.py", b"");
    write(sp.path(), "boto3/__init__.py", b"");
    let env = Environment::builtin().with_site_packages(vec![sp.path().to_path_buf()]);
    let g = InstalledGraph::expand(&env, ["mylib".to_string()], &|m| m == "pandas", 100);
    assert_eq!(
        g.chain_to("mylib", &|m| m == "pandas").unwrap(),
        ["mylib", "mylib.frames", "pandas"]
    );
    // Terminal modules are not read; function-level imports are not edges.
    assert!(g.deps("pandas").is_none());
    assert!(g.chain_to("mylib", &|m| m == "boto3").is_none());
}

#[test]
fn site_packages_are_found_from_the_interpreter_layout() {
    let venv = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(venv.path().join("lib/python3.12/site-packages")).unwrap();
    std::fs::create_dir_all(venv.path().join("bin")).unwrap();
    assert_eq!(
        Environment::site_packages_of(&venv.path().join("bin/python")),
        [venv.path().join("lib/python3.12/site-packages")]
    );
}

/// The walk and the parse overlap, largest file first: the result is still
/// in path order, each file once, the same on every run.
#[test]
fn files_are_parsed_once_each_and_come_back_in_path_order_with_many_files() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    let mut expected = Vec::new();
    for d in ["a", "a.b", "a_b", "b", "b/c", "z"] {
        for i in 0..60 {
            // Sizes that disagree with path order, so largest-first differs.
            let rel = format!("{d}/m{i}.py");
            write(r, &rel, "x = 1\n".repeat((i * 7919) % 97 + 1).as_bytes());
            expected.push(r.join(rel));
        }
    }
    expected.sort();
    let direct = r.join("a/m3.py");
    let calls = std::sync::atomic::AtomicUsize::new(0);
    let runs: Vec<Vec<PathBuf>> = (0..3)
        .map(|_| {
            let (files, issues) = walk_map(&[r.to_path_buf(), direct.clone()], r, &[], |p| {
                calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                std::fs::read(p).unwrap().len()
            });
            assert!(issues.is_empty(), "{issues:?}");
            assert!(files.iter().all(|(p, len)| std::fs::metadata(p).unwrap().len() as usize == *len));
            files.into_iter().map(|(p, _)| p).collect()
        })
        .collect();
    assert_eq!(runs[0], expected);
    assert!(runs.iter().all(|run| *run == expected));
    assert_eq!(calls.into_inner(), 3 * expected.len());
}
