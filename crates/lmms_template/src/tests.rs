use std::fs;

use super::*;

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

const SAM: &str = r#"AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.11
    Layers: [!Ref CommonLayer]
    Environment:
      Variables:
        TABLE_NAME: !Ref OrdersTable
        LOG_LEVEL: INFO
Resources:
  OrdersFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: orders/
      Handler: app.handler
      FunctionName: orders-fn
      Environment:
        Variables:
          LOG_LEVEL: DEBUG
          QUEUE_URL: !GetAtt Queue.QueueUrl
  UsersFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: users
      Handler: pkg/mod.handler
      Layers: ["arn:aws:lambda:eu-west-1:123456789012:layer:x:1"]
  NodeFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: node/
      Handler: index.handler
      Runtime: nodejs20.x
  ImageFunction:
    Type: AWS::Serverless::Function
    Properties:
      PackageType: Image
  CommonLayer:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: layers/common/
  OrdersTable:
    Type: AWS::DynamoDB::Table
"#;

fn sam_project() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "template.yaml", SAM);
    for f in [
        "orders/app.py",
        "users/pkg/mod.py",
        "node/index.js",
        "layers/common/python/common.py",
    ] {
        write(d.path(), f, "");
    }
    d
}

#[test]
fn sam_functions_take_globals_and_merge_their_environment() {
    let d = sam_project();
    let c = discover(d.path(), None).unwrap().unwrap();
    assert_eq!(c.kind, Kind::Sam);
    let names: Vec<&str> = c.functions.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["OrdersFunction", "UsersFunction"]);
    let orders = &c.functions[0];
    assert_eq!(orders.entry(), "app:handler");
    assert_eq!(orders.runtime, "python3.11");
    assert_eq!(orders.code_dir, d.path().join("orders/"));
    assert_eq!(orders.env["TABLE_NAME"], "lmms-placeholder-OrdersTable");
    assert_eq!(
        orders.env["LOG_LEVEL"], "DEBUG",
        "the function's own value wins over Globals"
    );
    assert_eq!(orders.env["QUEUE_URL"], "lmms-placeholder-Queue.QueueUrl");
    assert_eq!(orders.layers, [d.path().join("layers/common/python")]);
    assert_eq!(orders.aliases, ["orders-fn"]);
    let users = &c.functions[1];
    assert_eq!(users.entry(), "pkg.mod:handler");
    assert_eq!(users.env["LOG_LEVEL"], "INFO");
    assert_eq!(
        users.layers,
        [d.path().join("layers/common/python")],
        "Globals layers come first and stay"
    );
    assert!(users.notes[0].contains("is not a local folder"), "{:?}", users.notes);
    let ignored: Vec<(&str, &str)> = c.ignored.iter().map(|i| (i.name.as_str(), i.reason.as_str())).collect();
    assert_eq!(ignored[0], ("NodeFunction", "nodejs20.x is not a Python runtime"));
    assert!(ignored[1].1.contains("container image"), "{ignored:?}");
}

#[test]
fn the_project_of_a_function_is_its_code_folder_with_layers_after_it() {
    let d = sam_project();
    let c = discover(d.path(), None).unwrap().unwrap();
    let p = c.functions[0].project();
    assert_eq!(p.root, d.path().join("orders/"));
    assert_eq!(p.config.entry.as_deref(), Some("app:handler"));
    assert_eq!(
        p.src_roots(),
        [d.path().join("orders/."), d.path().join("layers/common/python")]
    );
    let all = c.project_all().unwrap();
    assert_eq!(all.root, d.path());
    assert_eq!(all.config.entry, None);
    assert_eq!(all.src_roots().len(), 3);
}

#[test]
fn selection_picks_by_name_or_alias_and_refuses_to_guess() {
    let d = sam_project();
    let c = discover(d.path(), None).unwrap().unwrap();
    assert_eq!(
        c.select(Some("UsersFunction"), d.path(), true).unwrap().unwrap().name,
        "UsersFunction"
    );
    assert_eq!(
        c.select(Some("orders-fn"), d.path(), true).unwrap().unwrap().name,
        "OrdersFunction"
    );
    assert!(c.select(None, d.path(), false).unwrap().is_none());
    let err = c.select(None, d.path(), true).unwrap_err().to_string();
    assert!(
        err.contains("template.yaml defines 2 Python functions; pick one with --function NAME"),
        "{err}"
    );
    assert!(
        err.contains("OrdersFunction  app.handler in orders") && err.contains("UsersFunction"),
        "{err}"
    );
    let err = c.select(Some("NodeFunction"), d.path(), true).unwrap_err().to_string();
    assert!(err.starts_with("no Python function named \"NodeFunction\""), "{err}");
    let inside = d.path().join("users/pkg");
    assert_eq!(
        c.select(None, &inside, true).unwrap().unwrap().name,
        "UsersFunction",
        "the folder you are in picks"
    );
}

#[test]
fn discovery_walks_up_but_stops_at_an_lmms_config() {
    let d = sam_project();
    let inner = d.path().join("orders");
    assert!(discover(&inner, None).unwrap().is_some());
    assert!(
        discover(&inner, Some(d.path())).unwrap().is_none(),
        "a config beside the template wins"
    );
    assert!(discover(&inner, Some(&inner)).unwrap().is_none());
}

#[test]
fn serverless_handler_path_is_a_module_under_the_service_folder() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "serverless.yml",
        "service: shop\nprovider:\n  name: aws\n  runtime: python3.11\n  environment:\n    TABLE_NAME: ${self:custom.table}\n\
         functions:\n  orders:\n    handler: orders/app.handler\n    environment: {STAGE: '${opt:stage, dev}'}\n    \
         layers: [{Ref: SharedLibsLambdaLayer}]\n  web:\n    handler: web.handler\n    runtime: nodejs20.x\n\
         layers:\n  shared-libs:\n    path: layer\n",
    );
    write(d.path(), "orders/app.py", "");
    write(d.path(), "layer/python/shared.py", "");
    let c = discover(d.path(), None).unwrap().unwrap();
    assert_eq!(c.kind, Kind::Serverless);
    assert_eq!(c.functions.len(), 1);
    let f = &c.functions[0];
    assert_eq!((f.name.as_str(), f.entry().as_str()), ("orders", "orders.app:handler"));
    assert_eq!(f.code_dir, d.path());
    assert_eq!(f.env["TABLE_NAME"], "lmms-placeholder-self-custom.table");
    assert_eq!(f.env["STAGE"], "lmms-placeholder-opt-stage-dev");
    assert_eq!(f.layers, [d.path().join("layer/python")]);
    assert_eq!(c.ignored[0].reason, "nodejs20.x is not a Python runtime");
    assert_eq!(c.select(None, d.path(), true).unwrap().unwrap().name, "orders");
}

#[test]
fn cdk_assets_are_the_code_folder_and_construct_ids_are_aliases() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "cdk.json", "{\"app\": \"python3 app.py\"}");
    write(
        d.path(),
        "cdk.out/Stack.template.json",
        r#"{"Resources": {
  "OrdersFunction1A2B3C4D": {"Type": "AWS::Lambda::Function",
    "Properties": {"Code": {"S3Bucket": {"Fn::Sub": "cdk-${AWS::AccountId}"}, "S3Key": "abc.zip"},
      "Handler": "app.handler", "Runtime": "python3.12",
      "Environment": {"Variables": {"TABLE_NAME": {"Ref": "OrdersTable5E9F"}, "MODE": "live"}}},
    "Metadata": {"aws:cdk:path": "Stack/OrdersFunction/Resource", "aws:asset:path": "asset.abc",
      "aws:asset:property": "Code"}},
  "LogRetentionaae0aa3c": {"Type": "AWS::Lambda::Function",
    "Properties": {"Handler": "index.handler", "Runtime": "nodejs18.x", "Code": {"S3Bucket": "b", "S3Key": "k"}}}
}}"#,
    );
    write(d.path(), "cdk.out/asset.abc/app.py", "");
    let c = discover(&d.path().join("cdk.out"), None).unwrap().unwrap();
    assert_eq!(c.kind, Kind::Cdk);
    assert_eq!(c.dir, d.path());
    let f = &c.functions[0];
    assert_eq!(f.name, "OrdersFunction1A2B3C4D");
    assert_eq!(f.aliases, ["OrdersFunction"]);
    assert_eq!(f.code_dir, d.path().join("cdk.out/asset.abc"));
    assert_eq!(f.env["TABLE_NAME"], "lmms-placeholder-OrdersTable5E9F");
    assert!(f.notes[0].contains("cdk synth --no-staging"), "{:?}", f.notes);
    assert_eq!(c.ignored[0].name, "LogRetentionaae0aa3c");
    assert_eq!(
        c.select(Some("OrdersFunction"), d.path(), true).unwrap().unwrap().name,
        "OrdersFunction1A2B3C4D"
    );
}

#[test]
fn an_unsynthesized_cdk_app_says_to_run_cdk_synth() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "cdk.json", "{}");
    let err = discover(d.path(), None).unwrap_err().to_string();
    assert!(err.contains("run `cdk synth` first"), "{err}");
}

#[test]
fn broken_yaml_is_an_error_naming_the_file_and_a_missing_code_folder_is_a_reason() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "template.yml", "Resources: [unclosed\n");
    let err = discover(d.path(), None).unwrap_err().to_string();
    assert!(err.contains("template.yml: invalid YAML"), "{err}");
    write(
        d.path(),
        "template.yml",
        "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties: {Handler: app.handler, Runtime: python3.12, CodeUri: gone/}\n  \
         G:\n    Type: AWS::Serverless::Function\n    Properties: {Handler: app.handler, CodeUri: s/}\n  \
         H:\n    Type: AWS::Serverless::Function\n    Properties: {Handler: app.handler, Runtime: python3.12, InlineCode: 'x'}\n",
    );
    let c = discover(d.path(), None).unwrap().unwrap();
    assert!(c.functions.is_empty());
    let reasons: Vec<&str> = c.ignored.iter().map(|i| i.reason.as_str()).collect();
    assert!(reasons[0].contains("does not exist"), "{reasons:?}");
    assert_eq!(reasons[1], "no Runtime, in the function or in Globals");
    assert_eq!(reasons[2], "its code is inline in the template");
}

#[test]
fn yaml_merge_keys_are_applied() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "serverless.yml",
        "provider: {name: aws, runtime: python3.12}\ndefaults: &defaults\n  environment: {TABLE_NAME: orders}\n\
         functions:\n  orders:\n    <<: *defaults\n    handler: app.handler\n",
    );
    let c = discover(d.path(), None).unwrap().unwrap();
    assert_eq!(c.functions[0].env["TABLE_NAME"], "orders");
}
