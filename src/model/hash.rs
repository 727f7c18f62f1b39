//! pod-template-hash: FNV-1a (32 bit) over the canonical JSON of a normalized pod template plus
//! the collision count, encoded with Kubernetes' `SafeEncodeString` alphabet, so ReplicaSet names
//! look like `web-7d9c6c8d4f` and the same template always gives the same name.

use k8s_openapi::api::core::v1::PodTemplateSpec;

const ALPHANUMS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

fn fnv1a32(data: &[u8], mut hash: u32) -> u32 {
    for b in data {
        hash ^= u32::from(*b);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

/// The hash for `template` (already defaulted and normalized, without the hash label).
pub fn pod_template_hash(template: &PodTemplateSpec, collision_count: Option<i32>) -> String {
    // Struct fields serialize in declaration order and maps are BTreeMaps: canonical.
    let bytes = serde_json::to_vec(template).unwrap_or_default();
    let mut hash = fnv1a32(&bytes, 0x811c_9dc5);
    if let Some(count) = collision_count {
        let mut buf = [0u8; 8];
        buf[..4].copy_from_slice(&(count as u32).to_le_bytes());
        hash = fnv1a32(&buf, hash);
    }
    safe_encode(&hash.to_string())
}

/// Kubernetes' `rand.SafeEncodeString`: each character mapped into a vowel-free alphabet.
fn safe_encode(s: &str) -> String {
    s.bytes().map(|b| ALPHANUMS[usize::from(b) % ALPHANUMS.len()] as char).collect()
}

/// A hash of `data` in the pod-template-hash alphabet (up to ten characters), for names and
/// labels.
pub fn content_hash(data: &[u8]) -> String {
    safe_encode(&fnv1a32(data, 0x811c_9dc5).to_string())
}

/// A stable name suffix for `data`: its FNV-1a hash in the same alphabet, five characters.
pub fn stable_suffix(data: &[u8]) -> String {
    safe_encode(&fnv1a32(data, 0x811c_9dc5).to_string()).chars().take(5).collect()
}

/// A random suffix for generated names (`generateName`), five characters from the same alphabet.
pub fn random_suffix() -> String {
    (0..5).map(|_| ALPHANUMS[fastrand::usize(..ALPHANUMS.len())] as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{Container, PodSpec};

    fn template(image: &str) -> PodTemplateSpec {
        PodTemplateSpec {
            metadata: None,
            spec: Some(PodSpec {
                containers: vec![Container { name: "web".into(), image: Some(image.into()), ..Default::default() }],
                ..Default::default()
            }),
        }
    }

    #[test]
    fn digits_map_like_kubernetes() {
        assert_eq!(safe_encode("0123456789"), "456789bcdf");
    }

    #[test]
    fn stable_per_template_and_changed_by_collisions() {
        let a = pod_template_hash(&template("hello:1.0"), None);
        assert_eq!(a, pod_template_hash(&template("hello:1.0"), None));
        assert_ne!(a, pod_template_hash(&template("hello:2.0"), None));
        assert_ne!(a, pod_template_hash(&template("hello:1.0"), Some(1)));
        assert!(a.len() <= 10 && a.chars().all(|c| "456789bcdf".contains(c)));
    }
}
