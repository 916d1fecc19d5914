//! Reading CloudFormation and Serverless values: plain strings, YAML tags
//! (`!Ref X`), their JSON long forms (`{"Ref": "X"}`), and `${…}` variables.
//!
//! An environment value that is only known at deploy time becomes a stable
//! placeholder (`lmms-placeholder-OrdersTable`): the handler's import-time
//! `os.environ["TABLE_NAME"]` finds a string, and the same template always
//! gives the same string, so runs stay comparable.

use serde_norway::Value;

pub(crate) const PLACEHOLDER_PREFIX: &str = "lmms-placeholder-";

/// Which template language a string belongs to: only Serverless reads
/// `${…}` in a plain string; CloudFormation does only inside `!Sub`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Cfn,
    Serverless,
}

/// `lmms-placeholder-<name>`, the name reduced to characters every shell
/// and AWS SDK accepts in a value.
pub(crate) fn placeholder(name: &str) -> String {
    let mut out = String::from(PLACEHOLDER_PREFIX);
    let mut dash = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
            out.push(c);
            dash = false;
        } else if !dash {
            out.push('-');
            dash = true;
        }
    }
    while out.ends_with('-') && out.len() > PLACEHOLDER_PREFIX.len() {
        out.pop();
    }
    out
}

/// `mapping[key]` when `v` is a mapping.
pub(crate) fn get<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.as_mapping()?.get(key)
}

/// A plain string (a tag or a number is not a path or a handler).
pub(crate) fn string(v: Option<&Value>) -> Option<&str> {
    v?.as_str()
}

/// An intrinsic function call in either spelling: `!Ref X` or
/// `{"Ref": "X"}`, `!GetAtt A.B` or `{"Fn::GetAtt": [...]}`.
pub(crate) fn intrinsic(v: &Value) -> Option<(String, &Value)> {
    match v {
        Value::Tagged(t) => {
            let tag = t.tag.to_string();
            let name = tag.trim_start_matches('!');
            Some((name.strip_prefix("Fn::").unwrap_or(name).to_string(), &t.value))
        }
        Value::Mapping(m) if m.len() == 1 => {
            let (k, arg) = m.iter().next()?;
            let k = k.as_str()?;
            (k == "Ref" || k == "Condition" || k.starts_with("Fn::"))
                .then(|| (k.strip_prefix("Fn::").unwrap_or(k).to_string(), arg))
        }
        _ => None,
    }
}

/// The logical id a `!Ref` names, if `v` is one.
pub(crate) fn ref_target(v: &Value) -> Option<&str> {
    match intrinsic(v)? {
        (name, arg) if name == "Ref" => arg.as_str(),
        _ => None,
    }
}

/// The string a process would see for the environment variable `var`.
pub(crate) fn env_value(var: &str, v: &Value, dialect: Dialect) -> String {
    render(v, dialect).unwrap_or_else(|| placeholder(var))
}

fn render(v: &Value, dialect: Dialect) -> Option<String> {
    if let Some((name, arg)) = intrinsic(v) {
        return render_intrinsic(&name, arg, dialect);
    }
    match v {
        Value::Null => Some(String::new()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if dialect == Dialect::Serverless => Some(substitute(s, |_| None)),
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

fn render_intrinsic(name: &str, arg: &Value, dialect: Dialect) -> Option<String> {
    match name {
        "Ref" => Some(placeholder(arg.as_str()?)),
        "GetAtt" => match arg {
            Value::String(s) => Some(placeholder(s)),
            Value::Sequence(parts) => {
                let parts: Option<Vec<&str>> = parts.iter().map(Value::as_str).collect();
                Some(placeholder(&parts?.join(".")))
            }
            _ => None,
        },
        "Sub" => {
            let (text, vars) = match arg {
                Value::String(s) => (s.as_str(), None),
                Value::Sequence(s) if !s.is_empty() => (s[0].as_str()?, s.get(1)),
                _ => return None,
            };
            Some(substitute(text, |var| render(vars.and_then(|m| get(m, var))?, dialect)))
        }
        "Join" => {
            let s = arg.as_sequence()?;
            let (sep, parts) = (s.first()?.as_str()?, s.get(1)?.as_sequence()?);
            let parts: Option<Vec<String>> = parts.iter().map(|p| render(p, dialect)).collect();
            Some(parts?.join(sep))
        }
        _ => None,
    }
}

/// Replace every `${name}` (nested braces included, as Serverless allows
/// `${opt:stage, ${env:STAGE}}`) with `lookup(name)` or a placeholder.
/// `${!Literal}` is CloudFormation's escape for a literal `${Literal}`.
fn substitute(text: &str, lookup: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let mut depth = 1;
        let mut end = None;
        let bytes = after.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i..].starts_with(b"${") {
                depth += 1;
                i += 2;
                continue;
            }
            if bytes[i] == b'}' {
                depth -= 1;
                if depth == 0 {
                    end = Some(i);
                    break;
                }
            }
            i += 1;
        }
        let Some(end) = end else {
            // An unclosed `${` is text, as CloudFormation leaves it.
            out.push_str(&rest[start..]);
            return out;
        };
        let name = after[..end].trim();
        match name.strip_prefix('!') {
            Some(literal) => {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
            }
            None => out.push_str(&lookup(name).unwrap_or_else(|| placeholder(name))),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(s: &str) -> Value {
        serde_norway::from_str(s).unwrap()
    }

    #[test]
    fn deploy_time_values_become_stable_placeholders() {
        let v = yaml(
            "A: !Ref OrdersTable\nB: !GetAtt Orders.Arn\nC: !Sub '${AWS::StackName}-orders'\n\
             D: {Ref: UsersTable}\nE: {'Fn::GetAtt': [Users, Arn]}\nF: !If [IsProd, a, b]\nG: 30\nH: true\n\
             I: !Sub ['${Env}-x', {Env: prod}]\nJ: !Join ['-', [a, !Ref B]]\nK: '${keep}'\n",
        );
        let e = |k: &str| env_value(k, get(&v, k).unwrap(), Dialect::Cfn);
        assert_eq!(e("A"), "lmms-placeholder-OrdersTable");
        assert_eq!(e("B"), "lmms-placeholder-Orders.Arn");
        assert_eq!(e("C"), "lmms-placeholder-AWS-StackName-orders");
        assert_eq!(e("D"), "lmms-placeholder-UsersTable");
        assert_eq!(e("E"), "lmms-placeholder-Users.Arn");
        assert_eq!(e("F"), "lmms-placeholder-F");
        assert_eq!(e("G"), "30");
        assert_eq!(e("H"), "true");
        assert_eq!(e("I"), "prod-x");
        assert_eq!(e("J"), "a-lmms-placeholder-B");
        assert_eq!(e("K"), "${keep}", "a plain CloudFormation string is literal");
    }

    #[test]
    fn serverless_variables_become_placeholders_nested_or_not() {
        let v = yaml("A: '${self:custom.table}'\nB: 'pre-${opt:stage, ${env:STAGE}}-post'\nC: '${unclosed'\n");
        let e = |k: &str| env_value(k, get(&v, k).unwrap(), Dialect::Serverless);
        assert_eq!(e("A"), "lmms-placeholder-self-custom.table");
        assert_eq!(e("B"), "pre-lmms-placeholder-opt-stage-env-STAGE-post");
        assert_eq!(e("C"), "${unclosed");
    }

    #[test]
    fn escaped_sub_variable_stays_literal() {
        let v = yaml("A: !Sub 'x-${!Literal}'\n");
        assert_eq!(env_value("A", get(&v, "A").unwrap(), Dialect::Cfn), "x-${Literal}");
    }
}
