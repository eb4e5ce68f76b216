//! The stylesheet and the public files, copied into the site.

use std::path::Path;

use anyhow::{Context, Result};

/// The stylesheet as `<pkg>/<output-name>.css`. It is plain CSS, served as written (cargo-leptos would
/// also add vendor prefixes; the dashboard's CSS needs none).
pub fn copy_style(style: &Path, to: &Path) -> Result<()> {
    std::fs::copy(style, to).with_context(|| format!("copying {} to {}", style.display(), to.display()))?;
    Ok(())
}

/// Everything under `from`, into `to` (files overwritten, nothing else removed).
pub fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)
                .with_context(|| format!("copying {} to {}", entry.path().display(), target.display()))?;
        }
    }
    Ok(())
}
