//! A small C ABI over the cedar-policy crate for Moat's authz-cedar plugin: parse a policy set
//! (errors with line and column), parse static entities, and decide one request given as JSON.
//! Every entry point catches panics, so nothing unwinds into C++.
//!
//! Cedar evaluates every policy of the set it is given; with a hundred policies that costs a
//! couple of hundred microseconds a decision. Most policies name one action and one resource in
//! their scope, and a policy whose scope cannot match the request can neither apply nor err
//! (Cedar evaluates the scope before the conditions, and stops there). So each decision is
//! evaluated against the slice of policies whose scope may match its action and resource; the
//! slices are kept per (action, resource), bounded.

use std::collections::{HashMap, HashSet};
use std::ffi::{c_char, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use cedar_policy::{
    ActionConstraint, Authorizer, Context, Decision, Entities, Entity, EntityId, EntityTypeName, EntityUid, Policy, PolicySet, Request,
    ResourceConstraint, RestrictedExpression,
};
use miette::Diagnostic;

pub struct MoatCedarPolicies {
    set: PolicySet,
    all: Vec<Policy>,
    slices: Mutex<HashMap<(EntityUid, EntityUid), Arc<PolicySet>>>,
}

// Slices kept at most; past it they are dropped and built again (names are the clients' choice).
const MAX_SLICES: usize = 4096;

// Whether the policy's scope may match `action` and `resource`. Conservative where a hierarchy
// could decide it (action groups, `resource in`): such policies stay in every slice.
fn may_apply(policy: &Policy, action: &EntityUid, resource: &EntityUid) -> bool {
    let action_may = match policy.action_constraint() {
        ActionConstraint::Any | ActionConstraint::In(_) => true,
        ActionConstraint::Eq(only) => &only == action,
    };
    let resource_may = match policy.resource_constraint() {
        ResourceConstraint::Any | ResourceConstraint::In(_) => true,
        ResourceConstraint::Eq(only) => &only == resource,
        ResourceConstraint::Is(kind) | ResourceConstraint::IsIn(kind, _) => &kind == resource.type_name(),
    };
    action_may && resource_may
}

impl MoatCedarPolicies {
    fn new(set: PolicySet) -> Self {
        let all = set.policies().cloned().collect();
        MoatCedarPolicies { set, all, slices: Mutex::new(HashMap::new()) }
    }

    fn slice(&self, action: &EntityUid, resource: &EntityUid) -> Result<Arc<PolicySet>, String> {
        let key = (action.clone(), resource.clone());
        if let Some(found) = self.slices.lock().map_err(|_| "poisoned".to_string())?.get(&key) {
            return Ok(found.clone());
        }
        let chosen = self.all.iter().filter(|p| may_apply(p, action, resource)).cloned();
        let slice = Arc::new(PolicySet::from_policies(chosen).map_err(|e| e.to_string())?);
        let mut slices = self.slices.lock().map_err(|_| "poisoned".to_string())?;
        if slices.len() >= MAX_SLICES {
            slices.clear();
        }
        slices.insert(key, slice.clone());
        Ok(slice)
    }
}

pub struct MoatCedarEntities {
    entities: Entities,
}

fn text<'a>(ptr: *const c_char, len: usize) -> Result<&'a str, String> {
    if ptr.is_null() {
        return Ok("");
    }
    let bytes = unsafe { std::slice::from_raw_parts(ptr as *const u8, len) };
    std::str::from_utf8(bytes).map_err(|_| "not UTF-8".to_string())
}

fn give(error: *mut *mut c_char, message: String) {
    if error.is_null() {
        return;
    }
    let clean = message.replace('\0', " ");
    unsafe { *error = CString::new(clean).map(|c| c.into_raw()).unwrap_or(std::ptr::null_mut()) };
}

// 1-based line and column of a byte offset.
fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let before = &source[..offset.min(source.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
    (line, column)
}

// Every error of a diagnostic, each as "line:column: message" at its first labelled span.
fn describe(source: &str, diagnostic: &dyn Diagnostic) -> String {
    let mut parts = Vec::new();
    let mut one = |d: &dyn Diagnostic| {
        let place = d
            .labels()
            .and_then(|mut labels| labels.next())
            .map(|label| {
                let (line, column) = line_column(source, label.offset());
                format!("{line}:{column}: ")
            })
            .unwrap_or_default();
        let help = d.help().map(|h| format!(" ({h})")).unwrap_or_default();
        parts.push(format!("{place}{d}{help}"));
    };
    // cedar's ParseErrors shows its first error itself and lists the others as related.
    one(diagnostic);
    if let Some(related) = diagnostic.related() {
        for d in related {
            one(d);
        }
    }
    if parts.is_empty() {
        parts.push(diagnostic.to_string());
    }
    parts.join("; ")
}

/// Parses `text` (Cedar policy syntax). NULL with `*error` set (free it with
/// moat_cedar_string_free) when it does not parse.
#[no_mangle]
pub extern "C" fn moat_cedar_policies_parse(ptr: *const c_char, len: usize, error: *mut *mut c_char) -> *mut MoatCedarPolicies {
    let result = catch_unwind(AssertUnwindSafe(|| -> Result<PolicySet, String> {
        let source = text(ptr, len)?;
        PolicySet::from_str(source).map_err(|e| describe(source, &e))
    }));
    match result {
        Ok(Ok(set)) => Box::into_raw(Box::new(MoatCedarPolicies::new(set))),
        Ok(Err(message)) => {
            give(error, message);
            std::ptr::null_mut()
        }
        Err(_) => {
            give(error, "the Cedar parser panicked".to_string());
            std::ptr::null_mut()
        }
    }
}

#[no_mangle]
pub extern "C" fn moat_cedar_policies_count(policies: *const MoatCedarPolicies) -> usize {
    if policies.is_null() {
        return 0;
    }
    unsafe { (*policies).set.policies().count() }
}

#[no_mangle]
pub extern "C" fn moat_cedar_policies_free(policies: *mut MoatCedarPolicies) {
    if !policies.is_null() {
        drop(unsafe { Box::from_raw(policies) });
    }
}

/// Parses entities in Cedar's JSON entity format (an array). NULL with `*error` when invalid.
#[no_mangle]
pub extern "C" fn moat_cedar_entities_parse(ptr: *const c_char, len: usize, error: *mut *mut c_char) -> *mut MoatCedarEntities {
    let result = catch_unwind(AssertUnwindSafe(|| -> Result<Entities, String> {
        let json = text(ptr, len)?;
        Entities::from_json_str(json, None).map_err(|e| e.to_string())
    }));
    match result {
        Ok(Ok(entities)) => Box::into_raw(Box::new(MoatCedarEntities { entities })),
        Ok(Err(message)) => {
            give(error, message);
            std::ptr::null_mut()
        }
        Err(_) => {
            give(error, "the Cedar entity parser panicked".to_string());
            std::ptr::null_mut()
        }
    }
}

#[no_mangle]
pub extern "C" fn moat_cedar_entities_free(entities: *mut MoatCedarEntities) {
    if !entities.is_null() {
        drop(unsafe { Box::from_raw(entities) });
    }
}

fn uid(value: &serde_json::Value, role: &str) -> Result<EntityUid, String> {
    let kind = value.get("type").and_then(|v| v.as_str()).ok_or(format!("{role}.type is missing"))?;
    let id = value.get("id").and_then(|v| v.as_str()).ok_or(format!("{role}.id is missing"))?;
    let type_name = EntityTypeName::from_str(kind).map_err(|e| format!("{role}.type {kind}: {e}"))?;
    Ok(EntityUid::from_type_name_and_id(type_name, EntityId::new(id)))
}

// A value of the request as a Cedar expression, built directly: Cedar's own JSON reader tries
// each form a value may take and formats an error for every miss, which cost more than the
// evaluation. Strings, booleans, whole numbers, arrays (sets), objects (records), and
// {"__extn":{"fn":"decimal","arg":"1.5"}} for the decimals the plugin writes; null is left out.
fn expression(value: &serde_json::Value) -> Option<RestrictedExpression> {
    use serde_json::Value;
    match value {
        Value::String(text) => Some(RestrictedExpression::new_string(text.clone())),
        Value::Bool(flag) => Some(RestrictedExpression::new_bool(*flag)),
        Value::Number(number) => number.as_i64().map(RestrictedExpression::new_long),
        Value::Array(items) => Some(RestrictedExpression::new_set(items.iter().filter_map(expression))),
        Value::Object(members) => {
            if let (1, Some(call)) = (members.len(), members.get("__extn")) {
                return match (call.get("fn").and_then(Value::as_str), call.get("arg").and_then(Value::as_str)) {
                    (Some("decimal"), Some(arg)) => Some(RestrictedExpression::new_decimal(arg)),
                    _ => None,
                };
            }
            RestrictedExpression::new_record(members.iter().filter_map(|(k, v)| expression(v).map(|e| (k.clone(), e)))).ok()
        }
        Value::Null => None,
    }
}

fn record(value: &serde_json::Value) -> HashMap<String, RestrictedExpression> {
    value
        .as_object()
        .map(|members| members.iter().filter_map(|(k, v)| expression(v).map(|e| (k.clone(), e))).collect())
        .unwrap_or_default()
}

fn entity(value: &serde_json::Value) -> Result<Entity, String> {
    let id = uid(&value["uid"], "entity uid")?;
    let mut parents = HashSet::new();
    for parent in value["parents"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
        parents.insert(uid(parent, "entity parent")?);
    }
    Entity::new(id, record(&value["attrs"]), parents).map_err(|e| format!("entity: {e}"))
}

fn decide(policies: &MoatCedarPolicies, fixed: Option<&MoatCedarEntities>, json: &str) -> Result<bool, String> {
    let request: serde_json::Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let principal = uid(&request["principal"], "principal")?;
    let action = uid(&request["action"], "action")?;
    let resource = uid(&request["resource"], "resource")?;
    let context = Context::from_pairs(record(&request["context"])).map_err(|e| format!("context: {e}"))?;
    let mut own = Vec::new();
    for value in request["entities"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
        own.push(entity(value)?);
    }
    // The request's own entities replace fixed ones of the same uid, as ToolHive merges them.
    let entities = match fixed {
        None => Entities::from_entities(own, None),
        Some(fixed) => {
            let replaced: HashSet<EntityUid> = own.iter().map(|e| e.uid()).collect();
            let kept = fixed.entities.iter().filter(|e| !replaced.contains(&e.uid())).cloned();
            Entities::from_entities(kept.chain(own), None)
        }
    }
    .map_err(|e| format!("entities: {e}"))?;
    let slice = policies.slice(&action, &resource)?;
    let request = Request::new(principal, action, resource, context, None).map_err(|e| e.to_string())?;
    let response = Authorizer::new().is_authorized(&request, &slice, &entities);
    // An evaluation error fails the decision (denied by the host), as ToolHive does, so that a
    // forbid policy that errs can never let a request through.
    let errors: Vec<String> = response.diagnostics().errors().map(|e| e.to_string()).collect();
    if !errors.is_empty() {
        return Err(errors.join("; "));
    }
    Ok(response.decision() == Decision::Allow)
}

/// Decides `request_json` ({"principal":{"type","id"},"action":{...},"resource":{...},
/// "context":{...},"entities":[...]}): 1 allow, 0 deny, -1 with `*error` set.
#[no_mangle]
pub extern "C" fn moat_cedar_authorize(
    policies: *const MoatCedarPolicies,
    fixed: *const MoatCedarEntities,
    ptr: *const c_char,
    len: usize,
    error: *mut *mut c_char,
) -> i32 {
    if policies.is_null() {
        give(error, "no policies".to_string());
        return -1;
    }
    let result = catch_unwind(AssertUnwindSafe(|| {
        let json = text(ptr, len)?;
        let fixed = if fixed.is_null() { None } else { Some(unsafe { &*fixed }) };
        decide(unsafe { &*policies }, fixed, json)
    }));
    match result {
        Ok(Ok(true)) => 1,
        Ok(Ok(false)) => 0,
        Ok(Err(message)) => {
            give(error, message);
            -1
        }
        Err(_) => {
            give(error, "the Cedar evaluator panicked".to_string());
            -1
        }
    }
}

#[no_mangle]
pub extern "C" fn moat_cedar_string_free(text: *mut c_char) {
    if !text.is_null() {
        drop(unsafe { CString::from_raw(text) });
    }
}
