//! Build contexts for images made with no base image and no network: a tar holding a
//! Dockerfile and the files it copies.

use std::io;

/// One file in a build context.
pub struct ContextFile<'a> {
    pub path: &'a str,
    pub contents: &'a [u8],
    pub mode: u32,
}

/// A tar build context with `Dockerfile` and `files`.
pub fn build_context(dockerfile: &str, files: &[ContextFile<'_>]) -> io::Result<Vec<u8>> {
    let mut tar = tar::Builder::new(Vec::new());
    let dockerfile = ContextFile { path: "Dockerfile", contents: dockerfile.as_bytes(), mode: 0o644 };
    for file in std::iter::once(&dockerfile).chain(files) {
        let mut header = tar::Header::new_gnu();
        header.set_size(file.contents.len() as u64);
        header.set_mode(file.mode);
        header.set_mtime(0);
        header.set_cksum();
        tar.append_data(&mut header, file.path, file.contents)?;
    }
    tar.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_holds_dockerfile_and_files() {
        let bytes =
            build_context("FROM scratch\n", &[ContextFile { path: "app", contents: b"\x7fELF", mode: 0o755 }]).unwrap();
        let mut archive = tar::Archive::new(&bytes[..]);
        let names: Vec<(String, u32)> = archive
            .entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (e.path().unwrap().display().to_string(), e.header().mode().unwrap())
            })
            .collect();
        assert_eq!(names, vec![("Dockerfile".to_string(), 0o644), ("app".to_string(), 0o755)]);
    }
}
