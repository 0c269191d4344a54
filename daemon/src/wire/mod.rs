//! Wire shapes: FusionAuth's JSON (camelCase, `{"user": {...}}` envelopes, epoch-millisecond
//! `*Instant` fields) and the conversions to and from domain records. Only `api` uses these.

pub mod application;
pub mod login;
pub mod messenger;
pub mod tenant;
pub mod two_factor;
pub mod user;

/// Deep-merges a PATCH body into the current document: objects merge key by key, arrays are
/// appended (FusionAuth's PATCH semantics), `null` removes a field.
pub fn merge_patch(target: &mut serde_json::Value, patch: serde_json::Value) {
    use serde_json::Value;
    match (target, patch) {
        (Value::Object(target), Value::Object(patch)) => {
            for (key, value) in patch {
                if value.is_null() {
                    target.remove(&key);
                } else {
                    merge_patch(target.entry(key).or_insert(Value::Null), value);
                }
            }
        }
        (Value::Array(target), Value::Array(patch)) => {
            for item in patch {
                if !target.contains(&item) {
                    target.push(item);
                }
            }
        }
        (target, patch) => *target = patch,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn patch_merges_objects_appends_arrays_and_removes_nulls() {
        let mut doc = json!({"a": 1, "b": {"c": 2, "d": 3}, "list": [1, 2]});
        super::merge_patch(
            &mut doc,
            json!({"b": {"c": 20, "d": null}, "list": [2, 3], "e": "x"}),
        );
        assert_eq!(
            doc,
            json!({"a": 1, "b": {"c": 20}, "list": [1, 2, 3], "e": "x"})
        );
    }
}
