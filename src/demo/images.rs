//! The demo images, built offline with no base image: `FROM scratch` plus this very (static)
//! binary, whose hidden `demo-app` command is the app. Rebuilt only when the binary changed.

use crate::runtime::ContainerRuntime;
use crate::runtime::image::{ContextFile, build_context};
use anyhow::{Context, bail};

/// The label that records which skiff binary an image holds.
const BINARY_LABEL: &str = "io.skiff.binary";

/// One demo image: its tag, the message it shows, extra environment.
pub struct DemoImage {
    pub tag: &'static str,
    pub message: &'static str,
    pub env: &'static [(&'static str, &'static str)],
}

pub const DEMO_IMAGES: [DemoImage; 3] = [
    DemoImage { tag: "hello-kubernetes:1.0", message: "Hello world!", env: &[] },
    DemoImage { tag: "hello-kubernetes:2.0", message: "Hello world v2!", env: &[] },
    DemoImage { tag: "hello-kubernetes:3.0", message: "Hello world v3!", env: &[("NEVER_READY", "1")] },
];

/// Whether an ELF binary needs a dynamic loader (has a PT_INTERP program header).
pub fn is_dynamic(elf: &[u8]) -> bool {
    let read =
        |at: usize, n: usize| elf.get(at..at + n).map(|b| b.iter().rev().fold(0u64, |acc, x| acc << 8 | u64::from(*x)));
    let (Some(phoff), Some(phentsize), Some(phnum)) = (read(0x20, 8), read(0x36, 2), read(0x38, 2)) else {
        return true;
    };
    (0..phnum).any(|i| read((phoff + i * phentsize) as usize, 4).is_none_or(|t| t == 3))
}

fn dockerfile(image: &DemoImage, digest: &str) -> String {
    let mut env = format!("ENV MESSAGE={:?} PORT=8080", image.message);
    for (k, v) in image.env {
        env.push_str(&format!(" {k}={v:?}"));
    }
    format!(
        "FROM scratch\nCOPY skiff /skiff\n{env}\nEXPOSE 8080\nLABEL {BINARY_LABEL}={digest:?} io.skiff.demo=\"true\"\nENTRYPOINT [\"/skiff\", \"demo-app\"]\n"
    )
}

/// Builds every demo image that is missing or holds another binary; returns what was built.
pub async fn ensure(runtime: &dyn ContainerRuntime) -> anyhow::Result<Vec<&'static str>> {
    let exe = std::env::current_exe().context("finding the skiff binary")?;
    let binary = std::fs::read(&exe).with_context(|| format!("reading {}", exe.display()))?;
    if is_dynamic(&binary) {
        bail!(
            "{} is dynamically linked, so it cannot run in a FROM scratch image; build skiff with cargo inside its repository (its .cargo/config.toml links it statically)",
            exe.display()
        );
    }
    let digest = format!("{:08x}-{}", crc32fast::hash(&binary), binary.len());
    let mut built = Vec::new();
    for image in &DEMO_IMAGES {
        let labels = runtime.image_labels(image.tag).await?;
        if labels.as_ref().and_then(|l| l.get(BINARY_LABEL)) == Some(&digest) {
            continue;
        }
        let context = build_context(
            &dockerfile(image, &digest),
            &[ContextFile { path: "skiff", contents: &binary, mode: 0o755 }],
        )?;
        runtime.build_image(image.tag, context).await.with_context(|| format!("building {}", image.tag))?;
        built.push(image.tag);
    }
    Ok(built)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_test_binary_is_static() {
        let me = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        assert!(!is_dynamic(&me), "the crate builds static binaries (.cargo/config.toml)");
        assert!(is_dynamic(b"not an elf"));
    }

    #[test]
    fn dockerfiles_need_no_base_image() {
        let d = dockerfile(&DEMO_IMAGES[2], "abc");
        assert!(d.starts_with("FROM scratch\n"));
        assert!(d.contains("ENV MESSAGE=\"Hello world v3!\" PORT=8080 NEVER_READY=\"1\""));
        assert!(d.contains("ENTRYPOINT [\"/skiff\", \"demo-app\"]"));
    }
}
