//! Serverless Framework's `serverless.yml`: `functions.<name>.handler`
//! relative to the service folder (which Serverless zips whole),
//! `provider.runtime` and `provider.environment` as defaults, and the
//! service's own `layers:` as local folders.

use std::collections::BTreeMap;
use std::path::Path;

use serde_norway::Value;

use crate::value::{self, get, string, Dialect};
use crate::{Catalog, Function, Ignored};

static NULL: Value = Value::Null;

pub(crate) fn read(doc: &Value, path: &Path, base: &Path, out: &mut Catalog) {
    let provider = get(doc, "provider").unwrap_or(&NULL);
    let layers = get(doc, "layers").unwrap_or(&NULL);
    for (name, def) in get(doc, "functions").and_then(Value::as_mapping).into_iter().flatten() {
        let Some(name) = name.as_str() else { continue };
        match function(name, def, provider, layers, path, base) {
            Ok(f) => out.functions.push(f),
            Err(reason) => out.ignored.push(Ignored {
                template: path.to_path_buf(),
                name: name.to_string(),
                reason,
            }),
        }
    }
}

fn function(
    name: &str,
    def: &Value,
    provider: &Value,
    layers: &Value,
    path: &Path,
    base: &Path,
) -> Result<Function, String> {
    let prop = |key: &str| get(def, key).or_else(|| get(provider, key));
    if get(def, "image").is_some() {
        return Err("a container image: lmms starts zip functions".into());
    }
    let runtime = match prop("runtime") {
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err("its runtime is not a plain string".into()),
        None => return Err("no runtime, in the function or the provider (Serverless then deploys Node.js)".into()),
    };
    if !crate::is_python(&runtime) {
        return Err(format!("{runtime} is not a Python runtime"));
    }
    let handler = string(get(def, "handler")).ok_or("no handler")?.to_string();
    let (module, function) =
        crate::split_handler(&handler).ok_or_else(|| format!("handler {handler:?} is not `module.function`"))?;
    let mut env = BTreeMap::new();
    for scope in [provider, def] {
        for (k, v) in get(scope, "environment")
            .and_then(Value::as_mapping)
            .into_iter()
            .flatten()
        {
            if let Some(k) = k.as_str() {
                env.insert(k.to_string(), value::env_value(k, v, Dialect::Serverless));
            }
        }
    }
    let mut paths = Vec::new();
    let mut notes = Vec::new();
    // A function's own `layers` replace the provider's.
    for layer in prop("layers").and_then(Value::as_sequence).into_iter().flatten() {
        match local_layer(layer, layers, base) {
            Ok(p) if !paths.contains(&p) => paths.push(p),
            Ok(_) => {}
            Err(note) => notes.push(note),
        }
    }
    let aliases = string(get(def, "name"))
        .filter(|n| !n.contains("${"))
        .map(str::to_string)
        .into_iter()
        .collect();
    Ok(Function {
        name: name.to_string(),
        aliases,
        template: path.to_path_buf(),
        handler,
        module,
        function,
        code_dir: base.to_path_buf(),
        runtime,
        env,
        layers: paths,
        notes,
    })
}

/// `{Ref: CommonLambdaLayer}` names the service's layer `common`
/// (Serverless' logical id: the name title-cased, `LambdaLayer` appended).
fn local_layer(layer: &Value, layers: &Value, base: &Path) -> Result<std::path::PathBuf, String> {
    let Some(id) = value::ref_target(layer) else {
        let shown = layer
            .as_str()
            .map_or_else(|| "a computed layer".to_string(), |s| format!("layer {s}"));
        return Err(format!(
            "{shown} is not a local folder: its modules are not on sys.path"
        ));
    };
    let key = |s: &str| {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase()
    };
    let wanted = key(id.strip_suffix("LambdaLayer").unwrap_or(id));
    let (name, def) = layers
        .as_mapping()
        .into_iter()
        .flatten()
        .find(|(n, _)| n.as_str().is_some_and(|n| key(n) == wanted))
        .ok_or_else(|| format!("layer {id} is not defined under `layers:`"))?;
    let name = name.as_str().unwrap_or_default();
    let dir = base.join(string(get(def, "path")).ok_or_else(|| format!("layer {name} has no `path`"))?);
    crate::layer_path(&dir, false).ok_or_else(|| format!("layer {name} ({}) has no python/ folder", dir.display()))
}
