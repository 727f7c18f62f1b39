//! Container image references as Kubernetes parses them (`ParseNormalizedNamed`, the
//! docker/distribution grammar), and the imagePullPolicy Kubernetes derives from them.
//! Pure string handling; never panics on any input.

/// The imagePullPolicy Kubernetes picks for an image (`SetDefaults_Container` with
/// `parsers.ParseImageName`): `Always` when the tag is `latest` or there is neither tag nor
/// digest, `IfNotPresent` otherwise, including digest-only and unparsable references.
pub fn pull_policy_for(image: &str) -> &'static str {
    match image_tag(image) {
        Some("latest") => "Always",
        _ => "IfNotPresent",
    }
}

/// The tag `ParseImageName` reports: the explicit tag, `latest` when there is neither tag nor
/// digest, `None` for a digest without a tag or a reference that does not parse.
fn image_tag(image: &str) -> Option<&str> {
    let (name_tag, digest) = match image.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (image, None),
    };
    if digest.is_some_and(|d| !valid_digest(d)) {
        return None;
    }
    let (name, tag) = split_tag(name_tag);
    if !valid_repository(name) || tag.is_some_and(|t| !valid_tag(t)) {
        return None;
    }
    match (tag, digest) {
        (Some(t), _) => Some(t),
        (None, None) => Some("latest"),
        (None, Some(_)) => None,
    }
}

/// Split `name:tag`, where the tag's colon must come after the last `/` (so the port in
/// `localhost:5000/img` is not a tag).
fn split_tag(s: &str) -> (&str, Option<&str>) {
    let last_slash = s.rfind('/').map_or(0, |i| i + 1);
    match s[last_slash..].rfind(':') {
        Some(i) => (&s[..last_slash + i], Some(&s[last_slash + i + 1..])),
        None => (s, None),
    }
}

/// distribution `tag` grammar: `[\w][\w.-]{0,127}`.
fn valid_tag(t: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    t.len() <= 128 && t.chars().next().is_some_and(word) && t.chars().all(|c| word(c) || c == '.' || c == '-')
}

/// distribution `digest` grammar: `algorithm:hex` with at least 32 hex digits.
fn valid_digest(d: &str) -> bool {
    let Some((algorithm, encoded)) = d.split_once(':') else {
        return false;
    };
    let alg_ok = !algorithm.is_empty()
        && algorithm.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+._-".contains(c));
    alg_ok && encoded.len() >= 32 && encoded.chars().all(|c| c.is_ascii_hexdigit())
}

/// `ParseNormalizedNamed`'s repository rules: an optional registry host (with port), then
/// lowercase path components; at most 255 bytes; not a bare 64-hex id.
fn valid_repository(name: &str) -> bool {
    if name.is_empty() || name.len() > 255 {
        return false;
    }
    if name.len() == 64 && name.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()) {
        return false;
    }
    let (domain, path) = match name.split_once('/') {
        Some((first, rest)) if looks_like_domain(first) => (Some(first), rest),
        _ => (None, name),
    };
    domain.is_none_or(valid_domain) && path.split('/').all(valid_path_component)
}

fn looks_like_domain(first: &str) -> bool {
    first.contains(['.', ':']) || first == "localhost" || first.chars().any(|c| c.is_ascii_uppercase())
}

fn valid_domain(domain: &str) -> bool {
    let (host_ok, port) = match domain.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some((ip, after)) => (ip.parse::<std::net::Ipv6Addr>().is_ok(), after),
            None => (false, ""),
        },
        None => {
            let (host, after) = domain.find(':').map_or((domain, ""), |i| domain.split_at(i));
            (valid_host(host), after)
        }
    };
    let port_ok = port.is_empty()
        || port.strip_prefix(':').is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    host_ok && port_ok
}

/// Dot-separated host labels of letters, digits and inner hyphens.
fn valid_host(host: &str) -> bool {
    host.split('.').all(|label| {
        !label.is_empty()
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    })
}

/// `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`.
fn valid_path_component(c: &str) -> bool {
    let alnum = |ch: char| ch.is_ascii_lowercase() || ch.is_ascii_digit();
    if !c.chars().next().is_some_and(alnum) || !c.chars().last().is_some_and(alnum) {
        return false;
    }
    if !c.chars().all(|ch| alnum(ch) || "._-".contains(ch)) {
        return false;
    }
    let mut separators = c.split(alnum).filter(|s| !s.is_empty());
    separators.all(|sep| sep == "." || sep == "_" || sep == "__" || sep.chars().all(|ch| ch == '-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_pull_policy_rule() {
        let cases = [
            ("nginx", "Always"),
            ("nginx:latest", "Always"),
            ("nginx:1.25", "IfNotPresent"),
            ("library/nginx", "Always"),
            ("docker.io/library/nginx:1.25-alpine", "IfNotPresent"),
            ("localhost:5000/img", "Always"),
            ("localhost:5000/img:latest", "Always"),
            ("localhost:5000/img:v2", "IfNotPresent"),
            ("registry.example.com:443/team/app", "Always"),
            ("[::1]:5000/app:1", "IfNotPresent"),
            ("nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "IfNotPresent"),
            ("nginx:latest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "Always"),
            ("nginx:1.25@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "IfNotPresent"),
            ("Nginx", "IfNotPresent"),
            ("nginx:", "IfNotPresent"),
            ("nginx@sha256:short", "IfNotPresent"),
            ("", "IfNotPresent"),
            ("my--app/x__y", "Always"),
            ("my_-app", "IfNotPresent"),
            ("Example.com/app", "Always"),
        ];
        for (image, want) in cases {
            assert_eq!(pull_policy_for(image), want, "{image}");
        }
    }
}
