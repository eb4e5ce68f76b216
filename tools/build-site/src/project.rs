//! The project's front-end settings, read from the `[[workspace.metadata.leptos]]` table that
//! cargo-leptos reads too, so both tools write the same files to the same places.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::Value;

pub struct Project {
    pub workspace_root: PathBuf,
    pub target_dir: PathBuf,
    pub lib_package: String,
    pub lib_features: Vec<String>,
    pub lib_default_features: bool,
    pub lib_profile_release: String,
    /// The profile of a build without `--release`: `dev` unless the metadata names one.
    pub lib_profile_dev: String,
    pub output_name: String,
    site_root: PathBuf,
    pub site_pkg_dir: String,
    pub style_file: PathBuf,
    pub assets_dir: Option<PathBuf>,
}

impl Project {
    /// Asks cargo for the workspace at the working directory (it honours `CARGO_TARGET_DIR`).
    pub fn load() -> Result<Self> {
        let output = Command::new(cargo())
            .args(["metadata", "--no-deps", "--format-version", "1"])
            .output()
            .context("running `cargo metadata`")?;
        if !output.status.success() {
            bail!("`cargo metadata` failed: {}", String::from_utf8_lossy(&output.stderr).trim());
        }
        let metadata: Value = serde_json::from_slice(&output.stdout).context("reading `cargo metadata`")?;
        Self::from_metadata(&metadata)
    }

    fn from_metadata(metadata: &Value) -> Result<Self> {
        let path = |key: &str| -> Result<PathBuf> {
            Ok(PathBuf::from(metadata[key].as_str().with_context(|| format!("`cargo metadata` has no {key}"))?))
        };
        let workspace_root = path("workspace_root")?;
        let target_dir = path("target_directory")?;
        let leptos = metadata["metadata"]["leptos"]
            .get(0)
            .context("the workspace's Cargo.toml has no [[workspace.metadata.leptos]] table")?;
        let text = |key: &str| leptos[key].as_str().map(str::to_owned);
        let required = |key: &str| text(key).with_context(|| format!("[[workspace.metadata.leptos]] has no `{key}`"));
        Ok(Project {
            lib_package: required("lib-package")?,
            lib_features: leptos["lib-features"]
                .as_array()
                .map(|list| list.iter().filter_map(|f| f.as_str().map(str::to_owned)).collect())
                .unwrap_or_default(),
            lib_default_features: leptos["lib-default-features"].as_bool().unwrap_or(true),
            lib_profile_release: text("lib-profile-release").unwrap_or_else(|| "release".into()),
            lib_profile_dev: text("lib-profile-dev").unwrap_or_else(|| "dev".into()),
            output_name: required("output-name")?,
            site_root: PathBuf::from(text("site-root").unwrap_or_else(|| "target/site".into())),
            site_pkg_dir: text("site-pkg-dir").unwrap_or_else(|| "pkg".into()),
            style_file: workspace_root.join(required("style-file")?),
            assets_dir: text("assets-dir").map(|dir| workspace_root.join(dir)),
            workspace_root,
            target_dir,
        })
    }

    /// The configured site root; a `target/…` one follows the real target directory (`CARGO_TARGET_DIR`),
    /// which is where the server looks first: `site/` beside its binary's `target/<profile>/`.
    pub fn default_site_root(&self) -> PathBuf {
        match self.site_root.strip_prefix("target") {
            Ok(rest) => self.target_dir.join(rest),
            Err(_) => self.workspace_root.join(&self.site_root),
        }
    }

    /// Fails unless the workspace's Cargo.lock has exactly this wasm-bindgen.
    pub fn check_wasm_bindgen_version(&self, ours: &str) -> Result<()> {
        let lock_path = self.workspace_root.join("Cargo.lock");
        let lock = std::fs::read_to_string(&lock_path).with_context(|| format!("reading {}", lock_path.display()))?;
        match locked_version(&lock, "wasm-bindgen") {
            Some(locked) if locked == ours => Ok(()),
            Some(locked) => bail!(
                "Cargo.lock has wasm-bindgen {locked} but build-site generates glue for {ours}: \
                 pin the same version in tools/build-site/Cargo.toml (wasm-bindgen-cli-support) and app/Cargo.toml"
            ),
            None => bail!("{} names no wasm-bindgen package", lock_path.display()),
        }
    }
}

/// The cargo that runs us (`cargo run` sets `CARGO`), else the one on PATH.
pub fn cargo() -> PathBuf {
    std::env::var_os("CARGO").map(PathBuf::from).unwrap_or_else(|| "cargo".into())
}

/// The version of `name` in a Cargo.lock's text.
fn locked_version(lock: &str, name: &str) -> Option<String> {
    let wanted = format!("name = \"{name}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == wanted {
            let version = lines.next()?.trim().strip_prefix("version = ")?;
            return Some(version.trim_matches('"').to_owned());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locked_version_finds_the_exact_package_only() {
        let lock = "[[package]]\nname = \"wasm-bindgen-shared\"\nversion = \"9.9.9\"\n\n\
                    [[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.130\"\n";
        assert_eq!(locked_version(lock, "wasm-bindgen").as_deref(), Some("0.2.130"));
        assert_eq!(locked_version(lock, "walrus"), None);
    }

    #[test]
    fn a_target_site_root_follows_the_target_directory() {
        let metadata = serde_json::json!({
            "workspace_root": "/repo",
            "target_directory": "/elsewhere/target",
            "metadata": { "leptos": [{
                "lib-package": "app", "output-name": "rook_notify", "site-root": "target/site",
                "style-file": "style/main.css", "assets-dir": "public", "lib-features": ["hydrate"],
                "lib-default-features": false, "lib-profile-release": "wasm-release",
                "lib-profile-dev": "wasm-dev"
            }]}
        });
        let project = Project::from_metadata(&metadata).unwrap();
        assert_eq!(project.default_site_root(), PathBuf::from("/elsewhere/target/site"));
        assert_eq!(project.style_file, PathBuf::from("/repo/style/main.css"));
        assert_eq!(project.lib_features, ["hydrate"]);
        assert!(!project.lib_default_features);
        assert_eq!(project.lib_profile_dev, "wasm-dev");
    }
}
