use super::*;

fn refs_of<'m>(m: &'m ParsedModule, name: &str) -> Vec<&'m RefContext> {
    m.refs
        .iter()
        .filter(|r| r.bound == name)
        .map(|r| &r.context)
        .collect()
}

fn ml(what: ModuleLevelUse) -> RefContext {
    RefContext::ModuleLevel { what }
}

fn func(outer: &str, inner: &str) -> RefContext {
    RefContext::Function {
        function: outer.into(),
        innermost: inner.into(),
    }
}

#[test]
fn each_alias_has_a_binding_kind_and_a_qualified_name() {
    let m = parse_module("import a.b.c\nimport a.b as ab, x\nfrom m import p, q as r\nfrom ..pkg import s\nfrom . import t\nfrom z import *\n");
    let got: Vec<(BindingKind, &str, &str)> = m
        .imports
        .iter()
        .flat_map(|r| r.names.iter().map(|n| (n.kind, n.bound.as_str(), n.qualified_name.as_str())))
        .collect();
    assert_eq!(
        got,
        [
            (BindingKind::SubmoduleImport, "a", "a.b.c"),
            (BindingKind::Import, "ab", "a.b"),
            (BindingKind::Import, "x", "x"),
            (BindingKind::FromImport, "p", "m.p"),
            (BindingKind::FromImport, "r", "m.q"),
            (BindingKind::FromImport, "s", "..pkg.s"),
            (BindingKind::FromImport, "t", ".t"),
        ]
    );
    assert!(m.imports[5].is_star && m.imports[5].names.is_empty());
}

#[test]
fn import_ids_are_path_and_byte_range_and_round_trip_as_strings() {
    let src = "\"\"\"doc\"\"\"\nimport os, sys\n";
    let m = parse_module(src);
    let rec = &m.imports[0];
    let id = rec.id("pkg/mod.py");
    assert_eq!(id.to_string(), "pkg/mod.py:10-24");
    assert_eq!(&src[10..24], "import os, sys");
    let alias = rec.alias_id("pkg/mod.py", 1);
    assert_eq!(alias.to_string(), "pkg/mod.py:10-24#1");
    assert_eq!(alias.to_string().parse::<AliasId>().unwrap(), alias);
    assert_eq!(id.to_string().parse::<StatementId>().unwrap(), id);
    assert_eq!("c:/x.py:1-2".parse::<StatementId>().unwrap().path, "c:/x.py");
    for bad in ["x.py", "x.py:3", "x.py:5-2", ":1-2", "x.py:a-b", "x.py:1-2#"] {
        assert!(bad.parse::<AliasId>().is_err() && bad.parse::<StatementId>().is_err(), "{bad}");
    }
}

#[test]
fn import_forms_bind_the_right_names() {
    let m = parse_module("import os.path\nimport numpy as np\nfrom a.b import c as d, e\nfrom . import sib\nfrom ..pkg import *\n");
    let i = &m.imports;
    assert_eq!(i.len(), 5);
    assert_eq!(
        (
            i[0].module.as_str(),
            i[0].names[0].bound.as_str(),
            i[0].names[0].target.as_str()
        ),
        ("os.path", "os", "os.path")
    );
    assert_eq!(
        (i[1].names[0].bound.as_str(), i[1].names[0].target.as_str()),
        ("np", "numpy")
    );
    assert_eq!(
        i[2].names
            .iter()
            .map(|n| n.bound.as_str())
            .collect::<Vec<_>>(),
        ["d", "e"]
    );
    assert_eq!(i[2].names[0].attribute.as_deref(), Some("c"));
    assert_eq!(i[2].names[0].target, "a.b");
    assert_eq!(
        (
            i[3].module.as_str(),
            i[3].level,
            i[3].names[0].target.as_str()
        ),
        ("", 1, ".")
    );
    assert!(i[4].is_star && i[4].names.is_empty() && i[4].level == 2);
    assert_eq!(i[4].line, 5);
    assert!(i
        .iter()
        .all(|r| r.scope == ImportScope::Module && !r.in_loop));
    let src = "import os.path\n";
    assert_eq!(
        i[0].range,
        ByteRange {
            start: 0,
            end: src.trim_end().len() as u32
        }
    );
}

#[test]
fn import_scopes_are_classified() {
    let src = "\
from typing import TYPE_CHECKING
if TYPE_CHECKING:
    import pandas
try:
    import ujson as json
except ImportError:
    import json
if x:
    import yaml
class C:
    import re
    def m(self):
        import boto3
def outer():
    def inner():
        import requests
lazy import websocket
";
    let m = parse_module(src);
    let scopes: Vec<_> = m
        .imports
        .iter()
        .map(|i| (i.names[0].bound.clone(), i.scope.clone()))
        .collect();
    assert_eq!(
        scopes,
        vec![
            ("TYPE_CHECKING".into(), ImportScope::Module),
            ("pandas".into(), ImportScope::TypeChecking),
            ("json".into(), ImportScope::TryImportError),
            ("json".into(), ImportScope::Conditional),
            ("yaml".into(), ImportScope::Conditional),
            ("re".into(), ImportScope::Class { class: "C".into() }),
            (
                "boto3".into(),
                ImportScope::Function {
                    function: "C.m".into()
                }
            ),
            (
                "requests".into(),
                ImportScope::Function {
                    function: "outer.inner".into()
                }
            ),
            ("websocket".into(), ImportScope::Module),
        ]
    );
    assert!(m.imports.last().unwrap().is_lazy);
    assert!(m.syntax_errors.is_empty(), "{:?}", m.syntax_errors);
}

#[test]
fn imports_in_loops_are_flagged_per_function() {
    let src = "\
for x in y:
    import a
def f():
    while True:
        if z:
            import b
    import c
    for q in r:
        def g():
            import d
";
    let m = parse_module(src);
    let flags: Vec<_> = m
        .imports
        .iter()
        .map(|i| (i.module.as_str(), i.in_loop))
        .collect();
    assert_eq!(
        flags,
        [("a", true), ("b", true), ("c", false), ("d", false)]
    );
}

#[test]
fn module_level_uses_are_classified() {
    let src = "\
import boto3, pydantic, functools, json, registry, os
S3 = boto3.client('s3')
class Model(pydantic.BaseModel):
    pass
@functools.lru_cache
def cached(dumps=json.dumps):
    return 1
HANDLERS = {'a': registry}
print(os)
__all__ = ['json']
";
    let m = parse_module(src);
    assert_eq!(refs_of(&m, "boto3"), [&ml(ModuleLevelUse::Call)]);
    assert_eq!(refs_of(&m, "pydantic"), [&ml(ModuleLevelUse::ClassBase)]);
    assert_eq!(refs_of(&m, "functools"), [&ml(ModuleLevelUse::Decorator)]);
    assert_eq!(
        refs_of(&m, "json"),
        [
            &ml(ModuleLevelUse::DefaultArgument),
            &ml(ModuleLevelUse::DunderAll)
        ]
    );
    assert_eq!(refs_of(&m, "registry"), [&ml(ModuleLevelUse::Value)]);
    assert_eq!(refs_of(&m, "os"), [&ml(ModuleLevelUse::Other)]);
    assert_eq!(m.dunder_all, ["json"]);
    assert_eq!(m.module_calls.len(), 1);
    let c = &m.module_calls[0];
    assert_eq!(
        (
            c.targets.clone(),
            c.root.as_str(),
            c.callee.as_str(),
            c.line
        ),
        (vec!["S3".to_string()], "boto3", "boto3.client", 2)
    );
}

#[test]
fn function_references_name_outermost_and_innermost() {
    let src = "\
import pandas as pd
def handler(event):
    def helper():
        return pd.DataFrame()
    return helper()
class Svc:
    def run(self):
        return [pd.read_csv(p) for p in self.paths]
";
    let m = parse_module(src);
    assert_eq!(
        refs_of(&m, "pd"),
        [
            &func("handler", "handler.helper"),
            &func("Svc.run", "Svc.run")
        ]
    );
}

#[test]
fn local_bindings_shadow_module_imports() {
    let src = "\
import json, os, re, sys
def a(json):
    return json.dumps(1)
def b():
    os = None
    return os
def c():
    return [re for re in range(3)]
def d():
    global sys
    sys = 1
class K:
    re = 1
    x = re
    def m(self):
        return re
f = lambda os: os
g = lambda: json
";
    let m = parse_module(src);
    assert!(refs_of(&m, "os").is_empty(), "{:?}", refs_of(&m, "os"));
    assert_eq!(refs_of(&m, "json"), [&func("<lambda>", "<lambda>")]);
    // `re` in the class body is the class attribute; the method sees the module's.
    assert_eq!(refs_of(&m, "re"), [&func("K.m", "K.m")]);
    assert_eq!(refs_of(&m, "sys"), [&ml(ModuleLevelUse::GlobalRebind)]);
}

#[test]
fn lambda_inside_a_function_is_attributed_to_the_function() {
    let m = parse_module("import boto3\ndef f():\n    return lambda: boto3.client('s3')\n");
    assert_eq!(refs_of(&m, "boto3"), [&func("f", "f")]);
}

#[test]
fn annotations_are_evaluated_unless_postponed() {
    let src = "import pandas as pd\nx: pd.DataFrame = None\ndef f(a: pd.Series) -> pd.Index:\n    y: pd.DataFrame = a\n    return y\n";
    let m = parse_module(src);
    let evaluated = RefContext::Annotation {
        evaluated_at_import: true,
    };
    let deferred = RefContext::Annotation {
        evaluated_at_import: false,
    };
    assert_eq!(
        refs_of(&m, "pd"),
        [&evaluated, &evaluated, &evaluated, &deferred]
    );

    let m = parse_module(&format!("from __future__ import annotations\n{src}"));
    assert!(m.future_annotations);
    assert!(refs_of(&m, "pd").iter().all(|c| **c == deferred));
}

#[test]
fn function_insert_points_skip_docstrings() {
    let src = "def f():\n    \"\"\"Doc.\"\"\"\n    return 1\n\nclass C:\n    async def g(self):\n        x = 1\n\ndef one(): return 2\n";
    let m = parse_module(src);
    let f = &m.functions[0];
    assert_eq!(
        (f.qualname.as_str(), f.line, f.body_indent.as_str()),
        ("f", 1, "    ")
    );
    assert_eq!(&src[f.body_insert_at as usize..][..8], "return 1");
    let g = &m.functions[1];
    assert_eq!(
        (g.qualname.as_str(), g.is_async, g.body_indent.as_str()),
        ("C.g", true, "        ")
    );
    assert_eq!(&src[g.body_insert_at as usize..][..5], "x = 1");
    let one = &m.functions[2];
    assert_eq!(one.body_indent, "    ");
}

#[test]
fn module_calls_include_bare_calls_and_chains() {
    let src = "import requests, boto3, os\nSESSION = requests.Session()\nboto3.setup_default_session(region_name='x')\nT = boto3.session.Session().client('s3')\nP = os.getcwd\nN = len([])\n";
    let m = parse_module(src);
    let callees: Vec<_> = m
        .module_calls
        .iter()
        .map(|c| (c.root.as_str(), c.callee.as_str()))
        .collect();
    assert_eq!(
        callees,
        [
            ("requests", "requests.Session"),
            ("boto3", "boto3.setup_default_session"),
            ("boto3", "boto3.session.Session().client")
        ]
    );
    assert!(m.module_calls[1].targets.is_empty());
}

#[test]
fn syntax_errors_are_reported_and_recovery_continues() {
    let src = "import os\ndef f(:\n    pass\nimport json\n";
    let m = parse_module(src);
    assert!(!m.syntax_errors.is_empty());
    assert_eq!(m.syntax_errors[0].line, 2);
    assert!(m.imports.iter().any(|i| i.module == "json"));
}

#[test]
fn garbage_input_never_panics() {
    for src in [
        "",
        "\u{feff}",
        "(((((",
        "def",
        "import",
        "from . import",
        "class A(:\n",
        "lambda: (yield)",
        "\t\n  \x0c x",
    ] {
        let _ = parse_module(src);
    }
}

#[test]
fn non_utf8_file_is_an_error_naming_the_offset() {
    let dir = std::env::temp_dir().join(format!("lmms_python_test_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("bad.py");
    std::fs::write(&p, b"import os\n\xff\xfe\n").unwrap();
    let err = read_and_parse(&p).unwrap_err();
    assert!(
        matches!(err, SourceError::NotUtf8 { offset: 10, .. }),
        "{err}"
    );
    let ok = dir.join("ok.py");
    std::fs::write(&ok, "import os\n").unwrap();
    let (text, m) = read_and_parse(&ok).unwrap();
    assert_eq!((text.as_str(), m.imports.len()), ("import os\n", 1));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn module_names_follow_source_roots() {
    let roots = vec![PathBuf::from("/p/src"), PathBuf::from("/p")];
    assert_eq!(
        module_name(Path::new("/p/src/pkg/__init__.py"), &roots).as_deref(),
        Some("pkg")
    );
    assert_eq!(
        module_name(Path::new("/p/src/pkg/mod.py"), &roots).as_deref(),
        Some("pkg.mod")
    );
    assert_eq!(
        module_name(Path::new("/p/app.py"), &roots).as_deref(),
        Some("app")
    );
    assert_eq!(module_name(Path::new("/p/my-dir/x.py"), &roots), None);
    assert_eq!(module_name(Path::new("/elsewhere/x.py"), &roots), None);
}

#[test]
fn imports_only_extraction_keeps_scopes_and_calls() {
    let src = "import boto3\nS3 = boto3.client('s3')\nclass C:\n    def m(self):\n        import json\n        return boto3\n";
    let full = parse_module(src);
    let lite = parse_module_with(src, Extract::IMPORTS_ONLY);
    assert_eq!(lite.imports, full.imports);
    assert_eq!(lite.module_calls, full.module_calls);
    assert!(lite.refs.is_empty() && lite.functions.is_empty());
    assert_eq!(full.refs.len(), 2);
}

#[test]
fn star_bound_names_are_referenced_like_imports() {
    let src = "from fast_path import *\nimport json\n\ndef h(e):\n    t = time.perf_counter()\n    def f(time):\n        return time\n    return json.dumps(e), t, os\n";
    assert!(
        refs_of(&parse_module(src), "time").is_empty(),
        "unknown without the star's names"
    );
    let m = parse_module_star(src, &["time", "os"]);
    assert_eq!(
        refs_of(&m, "time"),
        [&func("h", "h")],
        "the parameter `time` in f shadows it"
    );
    assert_eq!(refs_of(&m, "os"), [&func("h", "h")]);
    assert_eq!(refs_of(&m, "json"), [&func("h", "h")]);
    assert_eq!(m.imports, parse_module(src).imports);
}

#[test]
fn annotations_of_nested_defs_and_classes_run_with_the_outer_function() {
    let src = "import typing as t\nfrom pkg import nodes\ndef visit(node):\n    def inner(nodes: t.List[nodes.Node]) -> nodes.Node:\n        x: nodes.Node = nodes\n        return x\n    class C:\n        f: nodes.Node\n    return inner\n";
    let m = parse_module(src);
    let deferred = RefContext::Annotation { evaluated_at_import: false };
    // The nested signature and the class body run when `visit` runs;
    // `nodes` in `inner`'s body is its parameter.
    assert_eq!(refs_of(&m, "nodes"), [&func("visit", "visit"), &func("visit", "visit"), &func("visit", "visit")]);
    let local = parse_module("import pandas as pd\ndef f():\n    def g():\n        y: pd.DataFrame = 1\n        return y\n");
    assert_eq!(refs_of(&local, "pd"), [&deferred]);

    let m = parse_module(&format!("from __future__ import annotations\n{src}"));
    assert!(refs_of(&m, "nodes").iter().all(|c| **c == deferred));
}

#[test]
fn rebindings_dynamic_namespaces_shutdown_hooks_and_annotation_readers_are_found() {
    let src = "import atexit, typing\nfrom json import dumps\nimport x\ndef dumps(o):\n    return eval('1')\nclass C:\n    def __del__(self):\n        pass\n@dataclass\nclass D:\n    a: x.T\nclass E(D):\n    pass\ndef f(a: x.T): pass\natexit.register(f)\ntyping.get_type_hints(f)\nfor x in []: pass\n";
    let m = parse_module(src);
    let names: Vec<(&str, u32)> = m.rebindings.iter().map(|r| (r.name.as_str(), r.line)).collect();
    assert_eq!(names, [("dumps", 4), ("x", 17)]);
    assert_eq!(m.dynamic_namespace.iter().map(|d| d.call.as_str()).collect::<Vec<_>>(), ["eval"]);
    let hooks: Vec<(&str, &str)> = m.shutdown_hooks.iter().map(|h| (h.function.as_str(), h.how.as_str())).collect();
    assert_eq!(hooks, [("C.__del__", "__del__"), ("f", "atexit.register")]);
    let readers: Vec<&str> = m.annotation_readers.iter().map(|a| a.reader.as_str()).collect();
    assert_eq!(readers, ["@dataclass", "subclass of D", "typing.get_type_hints"]);
}

#[test]
fn a_module_getattr_is_a_plain_def_only_when_nothing_else_binds_it() {
    let why = |src: &str| match parse_module(src).module_getattr {
        ModuleGetattr::Other { why, .. } => why,
        other => panic!("{other:?} for {src}"),
    };
    let plain = parse_module("import x\n\ndef __getattr__(attr: str, /):\n    raise AttributeError(attr)\n\nclass C:\n    __getattr__ = None\n");
    assert!(matches!(&plain.module_getattr, ModuleGetattr::Def { param, .. } if param == "attr"), "{:?}", plain.module_getattr);
    let local = parse_module("def f():\n    __getattr__ = 1\n    return __getattr__\n");
    assert_eq!(local.module_getattr, ModuleGetattr::Absent);
    assert_eq!(why("def __getattr__(name):\n    pass\n\n\ndef __getattr__(name):\n    pass\n"), "defined 2 times (lines 1, 5)");
    assert_eq!(why("try:\n    def __getattr__(name):\n        pass\nexcept Exception:\n    pass\n"), "defined under a module-level if/try/with/for at line 2");
    assert_eq!(why("async def __getattr__(name):\n    pass\n"), "an `async def` at line 1");
    assert_eq!(why("def __getattr__(name, default=None):\n    pass\n"), "its signature at line 1 is not `(name)`");
    assert_eq!(why("def __getattr__(name):\n    pass\n\n\ndel __getattr__\n"), "assigned or deleted at line 5");
    assert_eq!(why("import sys\nsys.modules[__name__].__getattr__ = len\n"), "set as an attribute (`….__getattr__ = …`) at line 2");
    assert_eq!(why("from m import __getattr__ as __getattr__\n"), "imported at line 1");
}
