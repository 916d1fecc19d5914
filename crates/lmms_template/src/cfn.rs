//! SAM and CloudFormation resources (`AWS::Serverless::Function`,
//! `AWS::Lambda::Function`), in YAML with tags or in CDK's JSON.
//!
//! SAM's `Globals.Function` fills what a function leaves out; its
//! `Environment.Variables` merge key by key (the function wins) and its
//! `Layers` come before the function's, as SAM itself combines them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_norway::Value;

use crate::value::{self, get, string, Dialect};
use crate::{Catalog, Function, Ignored};

const SAM_FUNCTION: &str = "AWS::Serverless::Function";
const LAMBDA_FUNCTION: &str = "AWS::Lambda::Function";

static NULL: Value = Value::Null;

/// One function resource and what surrounds it.
struct Resource<'a> {
    id: &'a str,
    res: &'a Value,
    props: &'a Value,
    /// SAM's `Globals.Function` (null for a plain Lambda function).
    globals: &'a Value,
    resources: &'a Value,
}

impl<'a> Resource<'a> {
    /// A property, else its Globals value.
    fn prop(&self, key: &str) -> Option<&'a Value> {
        get(self.props, key).or_else(|| get(self.globals, key))
    }
}

pub(crate) fn read(doc: &Value, path: &Path, base: &Path, out: &mut Catalog) {
    let resources = get(doc, "Resources").unwrap_or(&NULL);
    let sam_globals = get(doc, "Globals").and_then(|g| get(g, "Function")).unwrap_or(&NULL);
    let Some(map) = resources.as_mapping() else { return };
    for (id, res) in map {
        let Some(id) = id.as_str() else { continue };
        let ty = string(get(res, "Type")).unwrap_or_default();
        let globals = match ty {
            SAM_FUNCTION => sam_globals,
            LAMBDA_FUNCTION => &NULL,
            _ => continue,
        };
        let props = get(res, "Properties").unwrap_or(&NULL);
        let r = Resource {
            id,
            res,
            props,
            globals,
            resources,
        };
        match function(&r, path, base) {
            Ok(f) => out.functions.push(f),
            Err(reason) => out.ignored.push(Ignored {
                template: path.to_path_buf(),
                name: id.to_string(),
                reason,
            }),
        }
    }
}

fn function(r: &Resource<'_>, path: &Path, base: &Path) -> Result<Function, String> {
    if string(r.prop("PackageType")) == Some("Image") {
        return Err("a container image (PackageType: Image): lmms starts zip functions".into());
    }
    let runtime = match r.prop("Runtime") {
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err("its Runtime is not a plain string".into()),
        None => return Err("no Runtime, in the function or in Globals".into()),
    };
    if !crate::is_python(&runtime) {
        return Err(format!("{runtime} is not a Python runtime"));
    }
    let handler = string(r.prop("Handler")).ok_or("no Handler")?.to_string();
    let (module, function) =
        crate::split_handler(&handler).ok_or_else(|| format!("Handler {handler:?} is not `module.function`"))?;
    let code_dir = code_dir(r, base)?;
    if !code_dir.is_dir() {
        return Err(format!("its code folder {} does not exist", code_dir.display()));
    }
    let mut env = BTreeMap::new();
    for scope in [r.globals, r.props] {
        let vars = get(scope, "Environment")
            .and_then(|e| get(e, "Variables"))
            .and_then(Value::as_mapping);
        for (k, v) in vars.into_iter().flatten() {
            if let Some(k) = k.as_str() {
                env.insert(k.to_string(), value::env_value(k, v, Dialect::Cfn));
            }
        }
    }
    let mut layers = Vec::new();
    let mut notes = Vec::new();
    let asset = string(get(r.res, "Metadata").and_then(|m| get(m, "aws:asset:path")));
    if let Some(asset) = asset.filter(|a| Path::new(a).is_relative()) {
        let shown = Path::new(base.file_name().unwrap_or_default()).join(asset);
        notes.push(format!(
            "CDK staged this code into {}: `lmms fix` would edit that copy (`cdk synth --no-staging` points at your sources)",
            shown.display()
        ));
    }
    for scope in [r.globals, r.props] {
        for layer in get(scope, "Layers").and_then(Value::as_sequence).into_iter().flatten() {
            match local_layer(layer, r.resources, base) {
                Ok(p) if !layers.contains(&p) => layers.push(p),
                Ok(_) => {}
                Err(note) => notes.push(note),
            }
        }
    }
    let mut aliases = Vec::new();
    if let Some(name) = string(get(r.props, "FunctionName")) {
        aliases.push(name.to_string());
    }
    if let Some(construct) = cdk_construct(r.res).filter(|c| c != r.id) {
        aliases.push(construct);
    }
    Ok(Function {
        name: r.id.to_string(),
        aliases,
        template: path.to_path_buf(),
        handler,
        module,
        function,
        code_dir,
        runtime,
        env,
        layers,
        notes,
    })
}

/// Where the function's code is on disk: SAM's `CodeUri` (default: the
/// template's folder), a local `Code` path (as `aws cloudformation
/// package` takes it), or the CDK asset the `aws:asset:path` metadata names.
fn code_dir(r: &Resource<'_>, base: &Path) -> Result<PathBuf, String> {
    if r.prop("InlineCode").is_some() || get(r.props, "Code").and_then(|c| get(c, "ZipFile")).is_some() {
        return Err("its code is inline in the template".into());
    }
    if let Some(asset) = string(get(r.res, "Metadata").and_then(|m| get(m, "aws:asset:path"))) {
        return Ok(base.join(asset));
    }
    let code = r.prop("CodeUri").or_else(|| get(r.props, "Code"));
    match code {
        None => Ok(base.to_path_buf()),
        Some(Value::String(dir)) => Ok(base.join(dir)),
        Some(_) => Err("its code is in S3, not in a local folder".into()),
    }
}

/// The `sys.path` entry of a `!Ref` to a layer defined in this template
/// with local content; a note for anything else.
fn local_layer(layer: &Value, resources: &Value, base: &Path) -> Result<PathBuf, String> {
    let Some(id) = value::ref_target(layer) else {
        let shown = layer
            .as_str()
            .map_or_else(|| "a computed layer".to_string(), |s| format!("layer {s}"));
        return Err(format!(
            "{shown} is not a local folder: its modules are not on sys.path"
        ));
    };
    let res = get(resources, id).ok_or_else(|| format!("layer {id} is not defined in this template"))?;
    let props = get(res, "Properties").unwrap_or(&NULL);
    let metadata = get(res, "Metadata");
    let content = string(metadata.and_then(|m| get(m, "aws:asset:path")))
        .or_else(|| string(get(props, "ContentUri")))
        .or_else(|| string(get(props, "Content")))
        .ok_or_else(|| format!("layer {id} has no local content"))?;
    let built = string(metadata.and_then(|m| get(m, "BuildMethod"))).is_some_and(crate::is_python);
    let dir = base.join(content);
    crate::layer_path(&dir, built).ok_or_else(|| format!("layer {id} ({}) has no python/ folder", dir.display()))
}

/// `OrdersFunction` from CDK's `aws:cdk:path` `Stack/OrdersFunction/Resource`.
fn cdk_construct(res: &Value) -> Option<String> {
    let path = string(get(res, "Metadata").and_then(|m| get(m, "aws:cdk:path")))?;
    let mut parts = path.rsplit('/');
    let last = parts.next()?;
    let name = if last == "Resource" { parts.next()? } else { last };
    Some(name.to_string())
}
