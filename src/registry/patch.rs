//! PATCH: JSON patch, merge patch and strategic merge patch, applied to the stored object and
//! then written like an update (decoded strictly, defaulted, validated). Server-side apply is
//! declined with 415, which kubectl explains to the user.

use super::{ApiError, Registry, WriteOptions, Written};
use crate::model::{Object, ObjectKey};
use crate::patch::{schema, strategic};
use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatchType {
    Json,
    Merge,
    Strategic,
}

impl PatchType {
    /// The patch type a Content-Type names.
    pub fn from_content_type(content_type: &str) -> Result<PatchType, ApiError> {
        match content_type.split(';').next().unwrap_or_default().trim() {
            "application/json-patch+json" => Ok(PatchType::Json),
            "application/merge-patch+json" => Ok(PatchType::Merge),
            "application/strategic-merge-patch+json" => Ok(PatchType::Strategic),
            other => Err(ApiError::UnsupportedMediaType(format!(
                "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got {other:?})"
            ))),
        }
    }
}

/// Applies `patch` to the JSON form of an object.
pub fn apply(kind_name: &str, original: &Value, patch_type: PatchType, patch: &[u8]) -> Result<Value, ApiError> {
    let bad = |e: &dyn std::fmt::Display| ApiError::BadRequest(e.to_string());
    match patch_type {
        PatchType::Json => {
            let p: json_patch::Patch = serde_json::from_slice(patch).map_err(|e| bad(&e))?;
            let mut doc = original.clone();
            json_patch::patch(&mut doc, &p).map_err(|e| bad(&e))?;
            Ok(doc)
        }
        PatchType::Merge => {
            let p: Value = serde_json::from_slice(patch).map_err(|e| bad(&e))?;
            let mut doc = original.clone();
            json_patch::merge(&mut doc, &p);
            Ok(doc)
        }
        PatchType::Strategic => {
            let p: Value = serde_json::from_slice(patch).map_err(|e| bad(&e))?;
            strategic::apply(original, &p, &schema::for_kind(kind_name)).map_err(|e| bad(&e))
        }
    }
}

/// Which part of the object a patch may change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatchTarget {
    Main,
    Status,
}

impl Registry {
    /// Patches an object, retrying on concurrent changes unless the patch pins a resourceVersion.
    pub async fn patch(
        &self,
        key: &ObjectKey,
        patch_type: PatchType,
        body: &[u8],
        target: PatchTarget,
        opts: &WriteOptions,
    ) -> Result<Written, ApiError> {
        loop {
            let existing = self.get(key)?;
            let patched = apply(key.kind.info().name, &existing.to_json(), patch_type, body)?;
            let (obj, mut warnings): (Object, Vec<String>) = self.decode(key.kind, patched, opts.field_validation)?;
            let pinned = obj.resource_version();
            let precondition = if pinned > 0 && pinned != existing.resource_version() { Some(pinned) } else { None };
            let result = match target {
                PatchTarget::Status => self.update_status_object(obj, precondition).await,
                PatchTarget::Main => {
                    super::check_identity(&obj, key)?;
                    self.update_object(obj, Some(precondition.unwrap_or(existing.resource_version())), opts).await
                }
            };
            match result {
                Err(ApiError::Conflict { .. }) if precondition.is_none() => continue,
                other => {
                    return other.map(|object| {
                        warnings.extend(self.context_warnings(&object));
                        Written { object, warnings }
                    });
                }
            }
        }
    }
}
