//! Applies Kubernetes strategic merge patches to JSON objects, following apimachinery's
//! `strategicpatch` package for the lists described by [`crate::patch::schema`]; also combines
//! two patches for [`crate::patch::three_way`]. Pure: no I/O, no typed Kubernetes objects.

use serde_json::{Map, Value};

use crate::patch::schema::{ListStrategy, MergeSchema};

/// `$patch`: `replace` or `delete` a map, or a list element, or replace a whole list.
pub(crate) const DIRECTIVE: &str = "$patch";
/// `$retainKeys`: the only keys a map keeps after the patch.
pub(crate) const RETAIN_KEYS: &str = "$retainKeys";
/// `$setElementOrder/<list>`: the order of a merged list.
pub(crate) const SET_ORDER_PREFIX: &str = "$setElementOrder";
/// `$deleteFromPrimitiveList/<list>`: values to remove from a primitive list.
pub(crate) const DELETE_PRIMITIVE_PREFIX: &str = "$deleteFromPrimitiveList";

/// Why a strategic merge patch could not be applied. `path` is the dotted field path (list
/// indices left out) where the problem was found, `<root>` for the top level.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StrategicPatchError {
    #[error("a strategic merge patch must be a JSON object, not {0}")]
    PatchNotObject(&'static str),
    #[error("the object to patch must be a JSON object, not {0}")]
    OriginalNotObject(&'static str),
    #[error("{path}: unknown patch directive {key:?}")]
    UnknownDirective { path: String, key: String },
    #[error("{path}: invalid $patch value {value}")]
    BadDirective { path: String, value: String },
    #[error("{path}: merging lists cannot yet be specified in the patch")]
    ListMergeDirective { path: String },
    #[error("{path}: {what} must be a list")]
    NotAList { path: String, what: String },
    #[error("{path}: list element {element} does not contain declared merge key {key:?}")]
    MissingMergeKey { path: String, element: String, key: &'static str },
    #[error("{path}: list elements must be {expected}")]
    ElementType { path: String, expected: &'static str },
    #[error("{path}: list element types are not identical")]
    MixedElements { path: String },
    #[error("{path}: the order in the patch list doesn't match the $setElementOrder list")]
    OrderMismatch { path: String },
    #[error("{path}: field {key:?} is in the patch but not in its $retainKeys list")]
    NotRetained { path: String, key: String },
    #[error("{path}: {directive} differs between the two patches being combined")]
    Conflict { path: String, directive: String },
}

type Result<T> = std::result::Result<T, StrategicPatchError>;

/// Applies `patch` to `original` and returns the patched object; neither input is modified.
///
/// Semantics are apimachinery's `StrategicMergeMapPatch` (server side) with list strategies
/// taken from `schema`: maps merge recursively and `null` deletes a key; merge-key lists merge
/// element by element, honouring `$patch: delete|replace` elements; primitive set lists are
/// unioned; other lists are replaced; `$patch`, `$retainKeys`, `$setElementOrder/…` and
/// `$deleteFromPrimitiveList/…` directives are executed and never appear in the result.
/// New values taken from the patch are themselves applied to an empty value, so they carry no
/// nulls or directives either (except inside lists that are replaced whole, which are copied).
/// A `null` original is treated as `{}`.
///
/// Fails when the patch is not an object, the original is neither an object nor `null`, or the
/// patch is malformed: unknown or invalid directives, merge-list elements without their merge
/// key, mixed element types, a `$setElementOrder` list that contradicts the patch list, or a
/// patched field missing from `$retainKeys`.
pub fn apply(original: &Value, patch: &Value, schema: &MergeSchema) -> Result<Value> {
    let Value::Object(patch) = patch else {
        return Err(StrategicPatchError::PatchNotObject(kind_name(patch)));
    };
    let original = match original {
        Value::Object(map) => map.clone(),
        Value::Null => Map::new(),
        other => return Err(StrategicPatchError::OriginalNotObject(kind_name(other))),
    };
    let merger = Merger { schema, mode: Mode::Apply };
    let merged = merger.merge_map(original, patch.clone(), &mut Vec::new())?;
    Ok(Value::Object(merged.unwrap_or_default()))
}

/// Merges two patches into one, as apimachinery's `mergeMap` does with `MergeParallelList` and
/// `IgnoreUnmatchedNulls` off (the last step of `CreateThreeWayMergePatch`): `delta` is merged
/// into `deletions`, nulls and directives are kept, `$setElementOrder`/`$retainKeys` lists must
/// agree where both patches have them, and merged lists are ordered as the server would.
pub(crate) fn combine(
    deletions: Map<String, Value>,
    delta: Map<String, Value>,
    schema: &MergeSchema,
) -> Result<Map<String, Value>> {
    let merger = Merger { schema, mode: Mode::Combine };
    Ok(merger.merge_map(deletions, delta, &mut Vec::new())?.unwrap_or_default())
}

/// Whether the merge executes directives (the server applying a patch) or keeps them (two
/// patches being combined into one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Apply,
    Combine,
}

struct Merger<'s> {
    schema: &'s MergeSchema,
    mode: Mode,
}

impl Merger<'_> {
    /// Merges `patch` into `original`; `None` means the map was deleted by `$patch: delete`.
    fn merge_map(
        &self,
        mut original: Map<String, Value>,
        mut patch: Map<String, Value>,
        path: &mut Vec<String>,
    ) -> Result<Option<Map<String, Value>>> {
        if let Some(directive) = patch.get(DIRECTIVE).cloned() {
            return self.map_directive(&directive, patch, path);
        }
        self.retain_keys(&mut original, &mut patch, path)?;
        self.merge_ordered_lists(&mut original, &mut patch, path)?;
        for (key, value) in patch {
            self.merge_field(&mut original, key, value, path)?;
        }
        Ok(Some(original))
    }

    /// `$patch` inside a map: `replace` keeps only the rest of the patch, `delete` drops the map.
    /// Combining patches keeps the map verbatim so the directive reaches the server.
    fn map_directive(
        &self,
        directive: &Value,
        mut patch: Map<String, Value>,
        path: &mut Vec<String>,
    ) -> Result<Option<Map<String, Value>>> {
        if self.mode == Mode::Combine {
            return Ok(Some(patch));
        }
        match directive.as_str() {
            Some("replace") => {
                patch.remove(DIRECTIVE);
                self.merge_map(Map::new(), patch, path)
            }
            Some("delete") => Ok(None),
            _ => Err(StrategicPatchError::BadDirective { path: display_path(path), value: directive.to_string() }),
        }
    }

    /// `$retainKeys`: checks every patched field is listed, then drops unlisted original keys.
    fn retain_keys(
        &self,
        original: &mut Map<String, Value>,
        patch: &mut Map<String, Value>,
        path: &[String],
    ) -> Result<()> {
        let Some(retain) = patch.remove(RETAIN_KEYS) else {
            return Ok(());
        };
        if self.mode == Mode::Combine {
            return copy_directive(original, RETAIN_KEYS, retain, path);
        }
        let Value::Array(keep) = retain else {
            return Err(not_a_list(path, RETAIN_KEYS));
        };
        let listed = |key: &str| keep.iter().any(|k| k.as_str() == Some(key));
        let unlisted = patch.iter().find(|(key, value)| !value.is_null() && !is_parallel_list(key) && !listed(key));
        if let Some((key, _)) = unlisted {
            return Err(StrategicPatchError::NotRetained { path: display_path(path), key: key.clone() });
        }
        original.retain(|key, _| listed(key));
        Ok(())
    }

    /// Every `$setElementOrder/<list>`: merges `<list>` and orders the result by the directive.
    fn merge_ordered_lists(
        &self,
        original: &mut Map<String, Value>,
        patch: &mut Map<String, Value>,
        path: &mut Vec<String>,
    ) -> Result<()> {
        let keys: Vec<String> = patch.keys().filter(|key| key.starts_with(SET_ORDER_PREFIX)).cloned().collect();
        for key in keys {
            let Some(order) = patch.remove(&key) else {
                continue;
            };
            if self.mode == Mode::Combine {
                copy_directive(original, &key, order.clone(), path)?;
            }
            let field = directive_field(&key, SET_ORDER_PREFIX, path)?;
            let Value::Array(order) = order else {
                return Err(not_a_list(path, &key));
            };
            let original_list = take_list(original, &field, path)?;
            let patch_list = take_list(patch, &field, path)?;
            path.push(field.clone());
            let merged = self.merge_in_order(original_list, patch_list, &order, path);
            path.pop();
            if let Some(list) = merged? {
                original.insert(field, Value::Array(list));
            }
        }
        Ok(())
    }

    /// Merges one list under `$setElementOrder`: listed elements follow `order`, the others keep
    /// their place relative to them as in `original` (apimachinery `mergePatchIntoOriginal`).
    fn merge_in_order(
        &self,
        original: Option<Vec<Value>>,
        patch: Option<Vec<Value>>,
        order: &[Value],
        path: &mut Vec<String>,
    ) -> Result<Option<Vec<Value>>> {
        let strategy = self.schema.list_strategy(path);
        let key = strategy.merge_key();
        if let Some(patch) = &patch {
            validate_order(patch, order, key, path)?;
        }
        let merged = match (&original, patch) {
            (None, None) => return Ok(None),
            (Some(original), None) => original.clone(),
            (None, Some(patch)) => self.merge_list(Vec::new(), patch, strategy, path)?,
            (Some(original), Some(patch)) => self.merge_list(original.clone(), patch, strategy, path)?,
        };
        let (listed, unlisted) = partition(merged, order, key, path)?;
        let server_order = original.unwrap_or_default();
        normalize_element_order(listed, unlisted, order, &server_order, key, path).map(Some)
    }

    /// Merges one patch field into `original`.
    fn merge_field(
        &self,
        original: &mut Map<String, Value>,
        key: String,
        value: Value,
        path: &mut Vec<String>,
    ) -> Result<()> {
        if key.starts_with(DELETE_PRIMITIVE_PREFIX) {
            return self.delete_from_list(original, key, value, path);
        }
        if key.starts_with('$') {
            return Err(StrategicPatchError::UnknownDirective { path: display_path(path), key });
        }
        if value.is_null() {
            original.remove(&key);
            if self.mode == Mode::Combine {
                original.insert(key, Value::Null);
            }
            return Ok(());
        }
        path.push(key.clone());
        let merged = self.merge_value(original.remove(&key), value, path);
        path.pop();
        if let Some(value) = merged? {
            original.insert(key, value);
        }
        Ok(())
    }

    /// Merges a non-null patch value into the original value of the same field, if any.
    fn merge_value(&self, original: Option<Value>, patch: Value, path: &mut Vec<String>) -> Result<Option<Value>> {
        match (original, patch) {
            (Some(Value::Object(original)), Value::Object(patch)) => {
                Ok(self.merge_map(original, patch, path)?.map(Value::Object))
            }
            (Some(Value::Array(original)), Value::Array(patch)) => {
                let strategy = self.schema.list_strategy(path);
                let merged = self.merge_list(original, patch, strategy, path)?;
                Ok(Some(Value::Array(merged)))
            }
            (_, patch) => self.fresh(patch, path),
        }
    }

    /// A patch value with nothing to merge into. Applying, it is applied to an empty value so
    /// its nulls and directives are executed; combining, it is kept verbatim.
    fn fresh(&self, value: Value, path: &mut Vec<String>) -> Result<Option<Value>> {
        if self.mode == Mode::Combine {
            return Ok(Some(value));
        }
        match value {
            Value::Object(patch) => Ok(self.merge_map(Map::new(), patch, path)?.map(Value::Object)),
            Value::Array(patch) => {
                let strategy = self.schema.list_strategy(path);
                Ok(Some(Value::Array(self.merge_list(Vec::new(), patch, strategy, path)?)))
            }
            scalar => Ok(Some(scalar)),
        }
    }

    /// `$deleteFromPrimitiveList/<list>`: removes the listed values from `<list>`, if present.
    fn delete_from_list(
        &self,
        original: &mut Map<String, Value>,
        key: String,
        value: Value,
        path: &[String],
    ) -> Result<()> {
        if self.mode == Mode::Combine {
            original.insert(key, value);
            return Ok(());
        }
        let field = directive_field(&key, DELETE_PRIMITIVE_PREFIX, path)?;
        let Value::Array(remove) = value else {
            return Err(not_a_list(path, &key));
        };
        match original.get_mut(&field) {
            Some(Value::Array(items)) => {
                items.retain(|item| !remove.iter().any(|r| json_eq(item, r)));
                Ok(())
            }
            Some(_) => Err(not_a_list(path, &format!("field {field:?}"))),
            None => Ok(()),
        }
    }

    /// Merges two lists by the list's strategy.
    fn merge_list(
        &self,
        original: Vec<Value>,
        patch: Vec<Value>,
        strategy: ListStrategy,
        path: &mut Vec<String>,
    ) -> Result<Vec<Value>> {
        match strategy {
            ListStrategy::Replace => Ok(patch),
            ListStrategy::MergeSet => merge_set(original, &patch, path),
            ListStrategy::MergeByKey(key) => self.merge_keyed(original, patch, key, path),
        }
    }

    /// apimachinery `mergeSlice` for lists of objects merged on `key`.
    fn merge_keyed(
        &self,
        original: Vec<Value>,
        patch: Vec<Value>,
        key: &'static str,
        path: &mut Vec<String>,
    ) -> Result<Vec<Value>> {
        if original.is_empty() && patch.is_empty() {
            return Ok(original);
        }
        check_element_types(&original, &patch, path)?;
        let Special { base, rest, replace } = split_special(original, patch, key, path)?;
        if replace {
            return self.merge_keyed(Vec::new(), rest, key, path);
        }
        let mut merged = base.clone();
        for element in &rest {
            self.merge_element(&mut merged, element, key, path)?;
        }
        let (in_patch, server_only) = partition(merged, &rest, Some(key), path)?;
        normalize_element_order(in_patch, server_only, &rest, &base, Some(key), path)
    }

    /// Merges one patch element into the element of `merged` with the same key, or appends it.
    fn merge_element(
        &self,
        merged: &mut Vec<Value>,
        element: &Value,
        key: &'static str,
        path: &mut Vec<String>,
    ) -> Result<()> {
        let Value::Object(patch) = element else {
            return Err(element_type(path, "objects"));
        };
        let id = patch.get(key).ok_or_else(|| missing_key(path, element, key))?;
        let found = merged.iter().position(|m| m.get(key).is_some_and(|v| json_eq(v, id)));
        let Some(index) = found else {
            if let Some(fresh) = self.fresh(element.clone(), path)? {
                merged.push(fresh);
            }
            return Ok(());
        };
        let Some(Value::Object(original)) = merged.get_mut(index).map(Value::take) else {
            return Err(element_type(path, "objects"));
        };
        match self.merge_map(original, patch.clone(), path)? {
            Some(map) => {
                if let Some(slot) = merged.get_mut(index) {
                    *slot = Value::Object(map);
                }
            }
            None => {
                merged.remove(index);
            }
        }
        Ok(())
    }
}

/// apimachinery `mergeSlice` for primitive set lists: the deduplicated union, ordered.
fn merge_set(original: Vec<Value>, patch: &[Value], path: &[String]) -> Result<Vec<Value>> {
    if original.is_empty() && patch.is_empty() {
        return Ok(original);
    }
    check_element_types(&original, patch, path)?;
    let mut merged: Vec<Value> = Vec::with_capacity(original.len() + patch.len());
    for item in original.iter().chain(patch) {
        if !merged.iter().any(|m| json_eq(m, item)) {
            merged.push(item.clone());
        }
    }
    let (in_patch, server_only) = partition(merged, patch, None, path)?;
    normalize_element_order(in_patch, server_only, patch, &original, None, path)
}

/// A merge-key patch list with its `$patch` elements executed.
struct Special {
    /// The original list minus elements deleted by `$patch: delete`.
    base: Vec<Value>,
    /// The patch elements without a `$patch` directive.
    rest: Vec<Value>,
    /// True when a `{"$patch": "replace"}` element asked to replace the list with `rest`.
    replace: bool,
}

/// apimachinery `mergeSliceWithSpecialElements`.
fn split_special(original: Vec<Value>, patch: Vec<Value>, key: &'static str, path: &[String]) -> Result<Special> {
    let mut special = Special { base: original, rest: Vec::with_capacity(patch.len()), replace: false };
    for element in patch {
        let Some(directive) = element.get(DIRECTIVE) else {
            special.rest.push(element);
            continue;
        };
        match directive.as_str() {
            Some("delete") => {
                let id = element.get(key).ok_or_else(|| missing_key(path, &element, key))?;
                special.base.retain(|m| !m.get(key).is_some_and(|v| json_eq(v, id)));
            }
            Some("replace") => special.replace = true,
            Some("merge") => {
                return Err(StrategicPatchError::ListMergeDirective { path: display_path(path) });
            }
            _ => {
                return Err(StrategicPatchError::BadDirective {
                    path: display_path(path),
                    value: directive.to_string(),
                });
            }
        }
    }
    Ok(special)
}

/// Checks that every `$setElementOrder` entry matches and that the patch list's elements
/// (deletions and directive elements aside) appear in the same relative order in it.
fn validate_order(patch: &[Value], order: &[Value], key: Option<&'static str>, path: &[String]) -> Result<()> {
    for entry in order {
        identity(entry, key, path)?;
    }
    if order.is_empty() || patch.is_empty() {
        return Ok(());
    }
    let candidates: Vec<&Value> = patch.iter().filter(|v| key.is_none() || !is_delete_element(v)).collect();
    let (mut p, mut o) = (0, 0);
    while let (Some(item), Some(entry)) = (candidates.get(p), order.get(o)) {
        if item.get(DIRECTIVE).is_some() {
            p += 1;
            continue;
        }
        if json_eq(identity(item, key, path)?, identity(entry, key, path)?) {
            p += 1;
        }
        o += 1;
    }
    if p < candidates.len() {
        return Err(StrategicPatchError::OrderMismatch { path: display_path(path) });
    }
    Ok(())
}

/// Splits `items` into those whose identity appears in `by` and the others, keeping order.
fn partition(
    items: Vec<Value>,
    by: &[Value],
    key: Option<&'static str>,
    path: &[String],
) -> Result<(Vec<Value>, Vec<Value>)> {
    let mut found = Vec::with_capacity(items.len());
    let mut others = Vec::new();
    for item in items {
        let id = identity(&item, key, path)?;
        if position(by, id, key).is_some() {
            found.push(item);
        } else {
            others.push(item);
        }
    }
    Ok((found, others))
}

/// apimachinery `normalizeElementOrder`: sorts the patch items by `patch_order` and the
/// server-only items by `server_order`, then interleaves them by their places in `server_order`
/// (a patch item that is new to the server goes before the server-only items still waiting).
fn normalize_element_order(
    in_patch: Vec<Value>,
    server_only: Vec<Value>,
    patch_order: &[Value],
    server_order: &[Value],
    key: Option<&'static str>,
    path: &[String],
) -> Result<Vec<Value>> {
    let in_patch = normalize_slice_order(in_patch, patch_order, key, path)?;
    let server_only = normalize_slice_order(server_only, server_order, key, path)?;
    Ok(merge_sorted(server_only, in_patch, server_order, key))
}

/// apimachinery `normalizeSliceOrder`: stable sort by position in `order` (elements not in it go
/// last); for merge-key lists, elements carrying `$patch: delete` are moved to the end.
pub(crate) fn normalize_slice_order(
    items: Vec<Value>,
    order: &[Value],
    key: Option<&'static str>,
    path: &[String],
) -> Result<Vec<Value>> {
    let mut ranked = Vec::with_capacity(items.len());
    let mut deletions = Vec::new();
    for item in items {
        let id = identity(&item, key, path)?;
        let rank = position(order, id, key).unwrap_or(usize::MAX);
        if key.is_some() && is_delete_element(&item) {
            deletions.push(item);
        } else {
            ranked.push((rank, item));
        }
    }
    ranked.sort_by_key(|(rank, _)| *rank);
    let mut sorted: Vec<Value> = ranked.into_iter().map(|(_, item)| item).collect();
    sorted.extend(deletions);
    Ok(sorted)
}

/// apimachinery `mergeSortedSlice`: takes from `left` only while its head sits before the head
/// of `right` in `server_order`.
fn merge_sorted(left: Vec<Value>, right: Vec<Value>, server_order: &[Value], key: Option<&'static str>) -> Vec<Value> {
    let rank = |item: &Value| identify(item, key).and_then(|id| position(server_order, id, key));
    let mut merged = Vec::with_capacity(left.len() + right.len());
    let mut left = left.into_iter().peekable();
    let mut right = right.into_iter().peekable();
    loop {
        let take_left = match (left.peek(), right.peek()) {
            (None, None) => return merged,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(l), Some(r)) => matches!((rank(l), rank(r)), (Some(a), Some(b)) if a < b),
        };
        let next = if take_left { left.next() } else { right.next() };
        merged.extend(next);
    }
}

/// The identity of a list element: its merge-key value, or the element itself when the list
/// is primitive. Fails for elements of the wrong shape.
fn identity<'v>(item: &'v Value, key: Option<&'static str>, path: &[String]) -> Result<&'v Value> {
    match (key, item) {
        (Some(key), Value::Object(map)) => map.get(key).ok_or_else(|| missing_key(path, item, key)),
        (Some(_), _) => Err(element_type(path, "objects")),
        (None, Value::Object(_) | Value::Array(_)) => Err(element_type(path, "primitives")),
        (None, scalar) => Ok(scalar),
    }
}

/// [`identity`] without the error: `None` for an element of the wrong shape.
fn identify<'v>(item: &'v Value, key: Option<&'static str>) -> Option<&'v Value> {
    match key {
        Some(key) => item.get(key),
        None => Some(item),
    }
}

/// Index of the first element of `list` whose identity equals `id`.
fn position(list: &[Value], id: &Value, key: Option<&'static str>) -> Option<usize> {
    list.iter().position(|item| identify(item, key).is_some_and(|other| json_eq(other, id)))
}

/// apimachinery `sliceElementType`: all elements share one JSON type, and none is a list.
pub(crate) fn check_element_types(original: &[Value], patch: &[Value], path: &[String]) -> Result<()> {
    let mut kinds = original.iter().chain(patch).map(kind_name);
    let Some(first) = kinds.next() else {
        return Ok(());
    };
    if first == "array" {
        return Err(element_type(path, "objects or primitives, not lists"));
    }
    if kinds.any(|kind| kind != first) {
        return Err(StrategicPatchError::MixedElements { path: display_path(path) });
    }
    Ok(())
}

/// Removes `field` from `map` when it holds a list; fails when it holds anything else.
fn take_list(map: &mut Map<String, Value>, field: &str, path: &[String]) -> Result<Option<Vec<Value>>> {
    match map.remove(field) {
        None => Ok(None),
        Some(Value::Array(list)) => Ok(Some(list)),
        Some(other) => {
            map.insert(field.to_string(), other);
            Err(not_a_list(path, &format!("field {field:?}")))
        }
    }
}

/// Puts a directive into the patch being combined into; an existing one must be equal.
fn copy_directive(original: &mut Map<String, Value>, key: &str, value: Value, path: &[String]) -> Result<()> {
    match original.get(key) {
        Some(existing) if !json_eq(existing, &value) => {
            Err(StrategicPatchError::Conflict { path: display_path(path), directive: key.to_string() })
        }
        Some(_) => Ok(()),
        None => {
            original.insert(key.to_string(), value);
            Ok(())
        }
    }
}

/// The list name in `<prefix>/<list>`.
fn directive_field(key: &str, prefix: &str, path: &[String]) -> Result<String> {
    key.strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('/'))
        .map(str::to_string)
        .ok_or_else(|| StrategicPatchError::UnknownDirective { path: display_path(path), key: key.to_string() })
}

fn is_parallel_list(key: &str) -> bool {
    key.starts_with(DELETE_PRIMITIVE_PREFIX) || key.starts_with(SET_ORDER_PREFIX)
}

fn is_delete_element(item: &Value) -> bool {
    item.get(DIRECTIVE).and_then(Value::as_str) == Some("delete")
}

/// JSON equality where numbers compare by value (`1` equals `1.0`), as Go's decoded
/// `float64`s do.
pub(crate) fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => match (x.as_u64(), y.as_u64()) {
                (Some(x), Some(y)) => x == y,
                _ => x.as_f64() == y.as_f64(),
            },
        },
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

/// The JSON type of a value, for messages and type comparisons.
pub(crate) fn kind_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A field path for messages: dotted keys, `<root>` when empty.
pub(crate) fn display_path(path: &[String]) -> String {
    if path.is_empty() { "<root>".to_string() } else { path.join(".") }
}

fn not_a_list(path: &[String], what: &str) -> StrategicPatchError {
    StrategicPatchError::NotAList { path: display_path(path), what: what.to_string() }
}

fn element_type(path: &[String], expected: &'static str) -> StrategicPatchError {
    StrategicPatchError::ElementType { path: display_path(path), expected }
}

pub(crate) fn missing_key(path: &[String], element: &Value, key: &'static str) -> StrategicPatchError {
    StrategicPatchError::MissingMergeKey { path: display_path(path), element: element.to_string(), key }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::patch::schema::for_kind;

    fn deployment() -> MergeSchema {
        for_kind("Deployment")
    }

    fn patched(kind: &str, original: Value, patch: Value) -> Value {
        match apply(&original, &patch, &for_kind(kind)) {
            Ok(value) => value,
            Err(e) => panic!("patch failed: {e}"),
        }
    }

    fn failure(kind: &str, original: Value, patch: Value) -> StrategicPatchError {
        match apply(&original, &patch, &for_kind(kind)) {
            Ok(value) => panic!("expected an error, got {value}"),
            Err(e) => e,
        }
    }

    /// No key starting with `$` anywhere in `value`.
    fn assert_no_directives(value: &Value) {
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    assert!(!key.starts_with('$'), "directive {key} left in output");
                    assert_no_directives(child);
                }
            }
            Value::Array(items) => items.iter().for_each(assert_no_directives),
            _ => {}
        }
    }

    fn live_deployment() -> Value {
        json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "labels": {"app": "web", "tier": "fe"},
                         "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"}},
            "spec": {
                "replicas": 3,
                "strategy": {"type": "RollingUpdate",
                             "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {
                        "containers": [
                            {"name": "web", "image": "hello:2", "imagePullPolicy": "IfNotPresent",
                             "args": ["--x"],
                             "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                             "ports": [{"containerPort": 8080, "protocol": "TCP"},
                                       {"containerPort": 9090, "protocol": "TCP"}]},
                            {"name": "side", "image": "busybox:1", "imagePullPolicy": "IfNotPresent"}
                        ],
                        "volumes": [{"name": "v1", "emptyDir": {}}],
                        "restartPolicy": "Always"
                    }
                }
            },
            "status": {"replicas": 3}
        })
    }

    #[test]
    fn kubectl_set_image_touches_only_that_container() {
        let patch = json!({"spec":{"template":{"spec":{
            "$setElementOrder/containers":[{"name":"web"}],
            "containers":[{"image":"hello:3","name":"web"}]}}}});
        let result = patched("Deployment", live_deployment(), patch);
        let mut expected = live_deployment();
        expected["spec"]["template"]["spec"]["containers"][0]["image"] = json!("hello:3");
        assert_eq!(result, expected);
        assert_eq!(result["spec"]["template"]["spec"]["containers"][1]["name"], "side");
    }

    #[test]
    fn kubectl_pause_resume_restart() {
        let paused = patched("Deployment", live_deployment(), json!({"spec":{"paused":true}}));
        assert_eq!(paused["spec"]["paused"], json!(true));
        let resumed = patched("Deployment", paused, json!({"spec":{"paused":null}}));
        assert_eq!(resumed, live_deployment());
        let restart = json!({"spec":{"template":{"metadata":{"annotations":{
            "kubectl.kubernetes.io/restartedAt":"2026-11-27T03:21:44Z"}}}}});
        let restarted = patched("Deployment", resumed, restart);
        let mut expected = live_deployment();
        expected["spec"]["template"]["metadata"]["annotations"] =
            json!({"kubectl.kubernetes.io/restartedAt": "2026-11-27T03:21:44Z"});
        assert_eq!(restarted, expected);
    }

    /// The body kubectl 1.33 sent for an apply that removed a container, a port, an env var and
    /// a label, changed args and switched a volume source.
    fn kubectl_apply_body() -> Value {
        json!({"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"new\":1}"},"labels":{"tier":null}},
         "spec":{"strategy":{"type":"Recreate"},
          "template":{"spec":{
           "$setElementOrder/containers":[{"name":"web"}],
           "$setElementOrder/volumes":[{"name":"v1"}],
           "containers":[
             {"$setElementOrder/env":[{"name":"B"},{"name":"C"}],"$setElementOrder/ports":[{"containerPort":8080}],
              "args":["--y"],
              "env":[{"name":"B","value":"3"},{"name":"C","value":"4"},{"$patch":"delete","name":"A"}],
              "name":"web",
              "ports":[{"$patch":"delete","containerPort":9090}]},
             {"$patch":"delete","name":"side"}],
           "volumes":[{"$retainKeys":["hostPath","name"],"emptyDir":null,"hostPath":{"path":"/tmp"},"name":"v1"}]}}}})
    }

    #[test]
    fn kubectl_three_way_apply_body() {
        let result = patched("Deployment", live_deployment(), kubectl_apply_body());
        assert_no_directives(&result);
        assert_eq!(result["metadata"]["labels"], json!({"app": "web"}));
        assert_eq!(
            result["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"],
            "{\"new\":1}"
        );
        // No $retainKeys for strategy in the patch, so rollingUpdate stays (as in Kubernetes).
        assert_eq!(
            result["spec"]["strategy"],
            json!({"type": "Recreate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}})
        );
        let spec = &result["spec"]["template"]["spec"];
        assert_eq!(
            spec["containers"],
            json!([{"name": "web", "image": "hello:2", "imagePullPolicy": "IfNotPresent",
                    "args": ["--y"],
                    "env": [{"name": "B", "value": "3"}, {"name": "C", "value": "4"}],
                    "ports": [{"containerPort": 8080, "protocol": "TCP"}]}])
        );
        assert_eq!(spec["volumes"], json!([{"name": "v1", "hostPath": {"path": "/tmp"}}]));
        assert_eq!(spec["restartPolicy"], "Always");
        assert_eq!(result["spec"]["replicas"], 3);
        assert_eq!(result["status"], json!({"replicas": 3}));
    }

    #[test]
    fn retain_keys_on_strategy_drops_rolling_update() {
        let patch = json!({"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}});
        let result = patched("Deployment", live_deployment(), patch);
        assert_eq!(result["spec"]["strategy"], json!({"type": "Recreate"}));
    }

    #[test]
    fn retain_keys_rejects_a_patched_key_it_does_not_list() {
        let patch = json!({"spec":{"strategy":{"$retainKeys":["type"],"rollingUpdate":{}}}});
        let err = failure("Deployment", live_deployment(), patch);
        assert!(matches!(err, StrategicPatchError::NotRetained { ref key, .. } if key == "rollingUpdate"));
        let patch = json!({"spec":{"strategy":{"$retainKeys":"type"}}});
        let err = failure("Deployment", live_deployment(), patch);
        assert!(matches!(err, StrategicPatchError::NotAList { .. }));
    }

    #[test]
    fn service_ports_merge_by_port() {
        let service = json!({"spec":{"type":"ClusterIP","ports":[
            {"name":"http","port":80,"targetPort":8080,"protocol":"TCP"},
            {"name":"https","port":443,"targetPort":8443,"protocol":"TCP"}]}});
        let patch = json!({"spec":{"ports":[
            {"port":443,"targetPort":9443},
            {"port":9000,"name":"metrics"},
            {"port":80,"$patch":"delete"}]}});
        let result = patched("Service", service, patch);
        // apimachinery puts patch elements new to the server before the server-only ones.
        assert_eq!(
            result["spec"]["ports"],
            json!([{"name":"https","port":443,"targetPort":9443,"protocol":"TCP"},
                   {"port":9000,"name":"metrics"}])
        );
    }

    #[test]
    fn finalizers_merge_as_a_set_and_delete_from_primitive_list() {
        let object = json!({"metadata":{"name":"x","finalizers":["a","b"]}});
        let added = patched("ConfigMap", object, json!({"metadata":{"finalizers":["b","c"]}}));
        assert_eq!(added["metadata"]["finalizers"], json!(["a", "b", "c"]));
        let removed =
            patched("ConfigMap", added, json!({"metadata":{"$deleteFromPrimitiveList/finalizers":["a","zz"]}}));
        assert_eq!(removed["metadata"]["finalizers"], json!(["b", "c"]));
        let untouched = patched(
            "Pod",
            json!({"metadata":{"name":"x"}}),
            json!({"metadata":{"$deleteFromPrimitiveList/finalizers":["a"]}}),
        );
        assert_eq!(untouched, json!({"metadata":{"name":"x"}}));
    }

    #[test]
    fn primitive_set_order_follows_apimachinery() {
        // patch [3,1] on [1,2,3] gives [2,3,1] (apimachinery's "merging int list" case).
        let object = json!({"metadata":{"finalizers":["1","2","3"]}});
        let result = patched("Pod", object, json!({"metadata":{"finalizers":["3","1"]}}));
        assert_eq!(result["metadata"]["finalizers"], json!(["2", "3", "1"]));
        // A value new to the server comes before the server-only ones.
        let object = json!({"metadata":{"finalizers":["a","b"]}});
        let result = patched("Pod", object, json!({"metadata":{"finalizers":["c"]}}));
        assert_eq!(result["metadata"]["finalizers"], json!(["c", "a", "b"]));
    }

    #[test]
    fn set_element_order_for_primitive_list_with_deletion() {
        let object = json!({"metadata":{"finalizers":["1","2","3","4"]}});
        let patch = json!({"metadata":{"$setElementOrder/finalizers":["1","2"],
                                       "$deleteFromPrimitiveList/finalizers":["3"]}});
        let result = patched("Pod", object, patch);
        assert_eq!(result["metadata"]["finalizers"], json!(["1", "2", "4"]));
    }

    #[test]
    fn merge_list_preserves_patch_order() {
        let object = json!({"spec":{"containers":[
            {"name":"1"},{"name":"2","image":"b"},{"name":"3"}]}});
        let patch = json!({"spec":{"containers":[
            {"name":"3","image":"c"},{"name":"1","image":"a"},{"name":"2","args":["x"]}]}});
        let result = patched("Pod", object.clone(), patch);
        assert_eq!(
            result["spec"]["containers"],
            json!([{"name":"3","image":"c"},{"name":"1","image":"a"},
                   {"name":"2","image":"b","args":["x"]}])
        );
        let patch = json!({"spec":{"containers":[{"name":"3","image":"c"},{"name":"1","image":"a"}]}});
        let result = patched("Pod", object, patch);
        assert_eq!(
            result["spec"]["containers"],
            json!([{"name":"2","image":"b"},{"name":"3","image":"c"},{"name":"1","image":"a"}])
        );
    }

    #[test]
    fn set_element_order_interleaves_server_only_elements() {
        // apimachinery "merge lists of maps": order [4,1,2,3] with 4 and 3 new.
        let object = json!({"spec":{"containers":[
            {"name":"1","other":"a"},{"name":"2","value":"2","other":"b"}]}});
        let patch = json!({"spec":{
            "$setElementOrder/containers":[{"name":"4"},{"name":"1"},{"name":"2"},{"name":"3"}],
            "containers":[{"name":"4","value":"4"},{"name":"3","value":"3"}]}});
        let result = patched("Pod", object, patch);
        assert_eq!(
            result["spec"]["containers"],
            json!([{"name":"4","value":"4"},{"name":"1","other":"a"},
                   {"name":"2","value":"2","other":"b"},{"name":"3","value":"3"}])
        );
    }

    #[test]
    fn set_element_order_alone_reorders() {
        let object = json!({"spec":{"containers":[{"name":"a"},{"name":"x"},{"name":"b"}]}});
        let patch = json!({"spec":{"$setElementOrder/containers":[{"name":"b"},{"name":"a"}]}});
        let result = patched("Pod", object, patch);
        assert_eq!(result["spec"]["containers"], json!([{"name":"x"},{"name":"b"},{"name":"a"}]));
    }

    #[test]
    fn set_element_order_that_contradicts_the_patch_fails() {
        let object = json!({"spec":{"containers":[{"name":"1"},{"name":"3"},{"name":"2"}]}});
        let patch = json!({"spec":{
            "$setElementOrder/containers":[{"name":"1"},{"name":"2"},{"name":"3"}],
            "containers":[{"name":"3","image":"3"},{"name":"1","image":"1"}]}});
        let err = failure("Pod", object, patch);
        assert!(matches!(err, StrategicPatchError::OrderMismatch { ref path } if path == "spec.containers"));
        assert!(err.to_string().contains("doesn't match"));
    }

    #[test]
    fn set_element_order_adds_a_missing_list() {
        let patch = json!({"spec":{
            "$setElementOrder/containers":[{"name":"hello"},{"name":"gone"}],
            "containers":[{"name":"hello"},{"$patch":"delete","name":"gone"}]}});
        let result = patched("Pod", json!({"spec":{}}), patch);
        assert_eq!(result, json!({"spec":{"containers":[{"name":"hello"}]}}));
    }

    #[test]
    fn nested_patch_merge_with_new_element() {
        // apimachinery "nested patch merge with empty list", three-way result.
        let current = json!({"name":"hi","spec":{"containers":[{"name":"hello2"}]}});
        let patch = json!({"spec":{
            "$setElementOrder/containers":[{"name":"hello"},{"name":"doesntexist"}],
            "containers":[{"name":"hello"},{"$patch":"delete","name":"doesntexist"}]}});
        let result = patched("Pod", current, patch);
        assert_eq!(result["spec"]["containers"], json!([{"name":"hello"},{"name":"hello2"}]));
    }

    #[test]
    fn list_replace_directive() {
        let object = json!({"spec":{"containers":[{"name":"a","image":"1"},{"name":"b"}]}});
        let patch = json!({"spec":{"containers":[{"$patch":"replace"},{"name":"c","image":"x","env":null}]}});
        let result = patched("Pod", object.clone(), patch);
        assert_eq!(result["spec"]["containers"], json!([{"name":"c","image":"x"}]));
        let cleared = patched("Pod", object, json!({"spec":{"containers":[{"$patch":"replace"}]}}));
        assert_eq!(cleared["spec"]["containers"], json!([]));
    }

    #[test]
    fn duplicate_keys_are_all_deleted() {
        let object = json!({"spec":{"containers":[
            {"name":"1"},{"name":"1"},{"name":"2","image":"a"},{"name":"3"},{"name":"3"}]}});
        let patch = json!({"spec":{"containers":[
            {"name":"1","$patch":"delete"},{"name":"3","$patch":"delete"}]}});
        let result = patched("Pod", object, patch);
        assert_eq!(result["spec"]["containers"], json!([{"name":"2","image":"a"}]));
    }

    #[test]
    fn map_directives() {
        let object = json!({"metadata":{"labels":{"a":"1","b":"2"}},"spec":{"x":1}});
        let replaced =
            patched("Pod", object.clone(), json!({"metadata":{"labels":{"$patch":"replace","c":"3","d":null}}}));
        assert_eq!(replaced["metadata"]["labels"], json!({"c":"3"}));
        let deleted = patched("Pod", object.clone(), json!({"metadata":{"labels":{"$patch":"delete"}}}));
        assert_eq!(deleted, json!({"metadata":{},"spec":{"x":1}}));
        let top = patched("Pod", object.clone(), json!({"$patch":"replace","kind":"Pod"}));
        assert_eq!(top, json!({"kind":"Pod"}));
        let err = failure("Pod", object, json!({"spec":{"$patch":"merge"}}));
        assert!(matches!(err, StrategicPatchError::BadDirective { .. }));
    }

    #[test]
    fn nulls_delete_and_new_values_are_cleaned() {
        let object = json!({"spec":{"a":1,"b":{"c":2}}});
        let patch = json!({"spec":{"a":null,"missing":null,
            "b":{"c":null,"d":3},
            "fresh":{"x":null,"y":{"$patch":"delete"},"z":1}}});
        let result = patched("Pod", object, patch);
        assert_eq!(result, json!({"spec":{"b":{"d":3},"fresh":{"z":1}}}));
    }

    #[test]
    fn new_elements_are_cleaned() {
        let object = json!({"spec":{"volumes":[{"name":"a","emptyDir":{}}]}});
        let patch = json!({"spec":{"volumes":[
            {"$retainKeys":["hostPath","name"],"name":"b","hostPath":{"path":"/x"},"emptyDir":null}]}});
        let result = patched("Pod", object, patch);
        assert_eq!(
            result["spec"]["volumes"],
            json!([{"name":"b","hostPath":{"path":"/x"}},{"name":"a","emptyDir":{}}])
        );
        assert_no_directives(&result);
    }

    #[test]
    fn lists_without_merge_key_are_replaced() {
        let object = json!({"spec":{"tolerations":[{"key":"a"}],"containers":[
            {"name":"web","args":["--a","--b"],"command":["x"]}]}});
        let patch = json!({"spec":{"tolerations":[{"key":"b"}],
            "containers":[{"name":"web","args":["--c"]}]}});
        let result = patched("Pod", object, patch);
        assert_eq!(result["spec"]["tolerations"], json!([{"key":"b"}]));
        assert_eq!(result["spec"]["containers"], json!([{"name":"web","args":["--c"],"command":["x"]}]));
    }

    #[test]
    fn unknown_kinds_replace_lists() {
        let object = json!({"spec":{"containers":[{"name":"a"},{"name":"b"}]}});
        let result = patched("DaemonSet", object, json!({"spec":{"containers":[{"name":"c"}]}}));
        assert_eq!(result["spec"]["containers"], json!([{"name":"c"}]));
    }

    #[test]
    fn merge_keys_compare_numbers_by_value() {
        let object = json!({"spec":{"ports":[{"port":80,"name":"a"}]}});
        let patch = json!({"spec":{"ports":[{"port":80.0,"targetPort":8080}]}});
        let result = patched("Service", object, patch);
        assert_eq!(result["spec"]["ports"].as_array().map(Vec::len), Some(1));
        assert_eq!(result["spec"]["ports"][0]["targetPort"], 8080);
    }

    #[test]
    fn status_conditions_merge_by_type() {
        let object = json!({"status":{"conditions":[
            {"type":"Available","status":"False"},{"type":"Progressing","status":"True"}]}});
        let patch = json!({"status":{"conditions":[{"type":"Available","status":"True"}]}});
        let result = patched("ReplicaSet", object, patch);
        assert_eq!(
            result["status"]["conditions"],
            json!([{"type":"Available","status":"True"},{"type":"Progressing","status":"True"}])
        );
    }

    #[test]
    fn owner_references_merge_by_uid() {
        let object = json!({"metadata":{"ownerReferences":[{"uid":"1","name":"a"}]}});
        let patch = json!({"metadata":{"ownerReferences":[{"uid":"2","name":"b"}]}});
        let result = patched("Pod", object, patch);
        assert_eq!(result["metadata"]["ownerReferences"], json!([{"uid":"2","name":"b"},{"uid":"1","name":"a"}]));
    }

    #[test]
    fn malformed_patches_fail() {
        let object = json!({"spec":{"containers":[{"name":"a"}]}});
        let err = failure("Pod", object.clone(), json!({"spec":{"$foo":1}}));
        assert!(matches!(err, StrategicPatchError::UnknownDirective { ref key, .. } if key == "$foo"));
        let err = failure("Pod", object.clone(), json!({"spec":{"containers":[{"image":"x"}]}}));
        assert!(matches!(err, StrategicPatchError::MissingMergeKey { key: "name", .. }));
        assert!(err.to_string().contains("does not contain declared merge key"));
        let err = failure("Pod", object.clone(), json!({"spec":{"containers":["a"]}}));
        assert!(matches!(err, StrategicPatchError::MixedElements { .. }));
        let err = failure("Pod", object.clone(), json!({"spec":{"containers":[{"$patch":"merge"}]}}));
        assert!(matches!(err, StrategicPatchError::ListMergeDirective { .. }));
        let err = failure("Pod", object.clone(), json!({"spec":{"containers":[{"$patch":"bogus","name":"a"}]}}));
        assert!(matches!(err, StrategicPatchError::BadDirective { .. }));
        let err = failure("Pod", object.clone(), json!({"spec":{"$setElementOrder/containers":"a"}}));
        assert!(matches!(err, StrategicPatchError::NotAList { .. }));
        let err = failure("Pod", object.clone(), json!({"spec":{"$setElementOrder":[]}}));
        assert!(matches!(err, StrategicPatchError::UnknownDirective { .. }));
        let err = failure("Pod", object.clone(), json!({"spec":{"$deleteFromPrimitiveList/containers":{}}}));
        assert!(matches!(err, StrategicPatchError::NotAList { .. }));
        let err =
            failure("Pod", json!({"metadata":{"finalizers":[["a"]]}}), json!({"metadata":{"finalizers":[["b"]]}}));
        assert!(matches!(err, StrategicPatchError::ElementType { .. }));
        let err =
            failure("Pod", json!({"metadata":{"finalizers":[{"a":1}]}}), json!({"metadata":{"finalizers":[{"b":1}]}}));
        assert!(matches!(err, StrategicPatchError::ElementType { expected: "primitives", .. }));
    }

    #[test]
    fn inputs_must_be_objects() {
        let schema = deployment();
        assert_eq!(apply(&json!({}), &json!([1]), &schema), Err(StrategicPatchError::PatchNotObject("array")));
        assert_eq!(apply(&json!("x"), &json!({}), &schema), Err(StrategicPatchError::OriginalNotObject("string")));
        assert_eq!(apply(&Value::Null, &json!({"a":1}), &schema), Ok(json!({"a":1})));
    }

    #[test]
    fn type_changes_take_the_patch_value() {
        let object = json!({"spec":{"a":"x","b":[1],"c":{"d":1}}});
        let patch = json!({"spec":{"a":{"k":null,"v":1},"b":"s","c":[1]}});
        let result = patched("Pod", object, patch);
        assert_eq!(result, json!({"spec":{"a":{"v":1},"b":"s","c":[1]}}));
    }

    #[test]
    fn json_eq_treats_numbers_by_value() {
        assert!(json_eq(&json!(1), &json!(1.0)));
        assert!(json_eq(&json!({"a":[1,2]}), &json!({"a":[1.0,2]})));
        assert!(!json_eq(&json!({"a":1}), &json!({"a":1,"b":2})));
        assert!(!json_eq(&json!(-1), &json!(1)));
        assert!(json_eq(&json!(u64::MAX), &json!(u64::MAX)));
    }
}
