//! A small C ABI over the cedar-policy crate for Moat's authz-cedar plugin: parse a policy set
//! (errors with line and column), parse static entities, and decide one request given as JSON.
//! Every entry point catches panics, so nothing unwinds into C++.

use std::ffi::{c_char, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::str::FromStr;

use cedar_policy::{Authorizer, Context, Decision, Entities, EntityId, EntityTypeName, EntityUid, PolicySet, Request};
use miette::Diagnostic;

pub struct MoatCedarPolicies {
    set: PolicySet,
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
        Ok(Ok(set)) => Box::into_raw(Box::new(MoatCedarPolicies { set })),
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

fn decide(policies: &MoatCedarPolicies, fixed: Option<&MoatCedarEntities>, json: &str) -> Result<bool, String> {
    let request: serde_json::Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let principal = uid(&request["principal"], "principal")?;
    let action = uid(&request["action"], "action")?;
    let resource = uid(&request["resource"], "resource")?;
    let context = Context::from_json_value(request["context"].clone(), None).map_err(|e| format!("context: {e}"))?;
    let own = Entities::from_json_value(request["entities"].clone(), None).map_err(|e| format!("entities: {e}"))?;
    // The request's own entities replace fixed ones of the same uid, as ToolHive merges them.
    let entities = match fixed {
        None => own,
        Some(fixed) => {
            let replaced: std::collections::HashSet<EntityUid> = own.iter().map(|e| e.uid()).collect();
            let kept = fixed.entities.iter().filter(|e| !replaced.contains(&e.uid())).cloned();
            Entities::from_entities(kept.chain(own.iter().cloned()), None).map_err(|e| format!("entities: {e}"))?
        }
    };
    let request = Request::new(principal, action, resource, context, None).map_err(|e| e.to_string())?;
    let response = Authorizer::new().is_authorized(&request, &policies.set, &entities);
    // An evaluation error fails the decision (denied by the host), as ToolHive does, so that a
    // forbid policy that errors can never let a request through.
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
