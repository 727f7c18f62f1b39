//! PATCH: JSON patch, merge patch and strategic merge patch, applied to the stored object and
//! then written like an update (decoded strictly, defaulted, validated). Server-side apply is
//! declined with 415, which kubectl explains to the user.

use super::{ApiError, Registry, WriteOptions, Written};
use crate::model::{Object, ObjectKey, encoded_len};
use crate::patch::{schema, strategic};
use json_patch::PatchOperation;
use serde_json::Value;

/// The most operations one JSON patch may have (the apiserver's `maxJSONPatchOperations`).
pub const MAX_JSON_PATCH_OPERATIONS: usize = 10_000;
/// The most `copy` operations may add to a document (the apiserver's `JSONPatchMaxCopyBytes`,
/// its request body limit): checked before each copy, so a patch of doubling copies is
/// refused before the document grows past it.
pub const MAX_COPY_BYTES: usize = 3 * 1024 * 1024;

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
            if p.0.len() > MAX_JSON_PATCH_OPERATIONS {
                return Err(ApiError::TooLarge(format!(
                    "The allowed maximum operations in a JSON patch is {MAX_JSON_PATCH_OPERATIONS}, got {}",
                    p.0.len()
                )));
            }
            let mut doc = original.clone();
            apply_json_patch(&mut doc, &p.0)?;
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

/// Applies `ops` in order, counting what `copy` operations add; as the apiserver does, a
/// failed operation rejects the whole patch with 422.
fn apply_json_patch(doc: &mut Value, ops: &[PatchOperation]) -> Result<(), ApiError> {
    let mut copied = 0;
    for op in ops {
        if let PatchOperation::Copy(copy) = op {
            copied += doc.pointer(copy.from.as_str()).map_or(0, encoded_len);
            if copied > MAX_COPY_BYTES {
                return Err(ApiError::PatchRejected(format!(
                    "Unable to complete the copy, the accumulated size increase of copy is {copied}, exceeding the limit {MAX_COPY_BYTES}"
                )));
            }
        }
        json_patch::patch(doc, std::slice::from_ref(op)).map_err(|e| ApiError::PatchRejected(e.to_string()))?;
    }
    Ok(())
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
            super::check_uid_unchanged(&obj, &existing)?;
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
