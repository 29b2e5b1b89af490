//! Output directories that appear whole or not at all.
//!
//! Results are written into a hidden staging directory next to the target and renamed into
//! place when everything is written. An existing target is replaced only if it holds restake
//! results (a manifest); anything else is refused before any work starts.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

pub struct Staging {
    pub dir: PathBuf,
    target: PathBuf,
    published: bool,
}

/// Checks that `target` may be written (before any work is done).
pub fn check_target(target: &Path) -> Result<()> {
    if target.exists() {
        if !target.is_dir() {
            bail!("{}: exists and is not a directory; choose another --out", target.display());
        }
        let empty = std::fs::read_dir(target).map(|mut d| d.next().is_none()).unwrap_or(false);
        if !empty && !target.join("manifest.json").exists() {
            bail!(
                "{}: exists and does not hold restake results (no manifest.json); choose another --out or remove it",
                target.display()
            );
        }
    }
    Ok(())
}

impl Staging {
    pub fn new(target: &Path) -> Result<Staging> {
        check_target(target)?;
        let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
        let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "results".into());
        let dir = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir).ok();
        }
        std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(Staging { dir, target: target.to_path_buf(), published: false })
    }

    /// Moves the staged results into place, replacing earlier restake results.
    pub fn publish(mut self) -> Result<PathBuf> {
        check_target(&self.target)?;
        let old = self.dir.with_file_name(format!(
            ".{}.old-{}",
            self.target.file_name().unwrap_or_default().to_string_lossy(),
            std::process::id()
        ));
        let had_old = self.target.exists();
        if had_old {
            std::fs::rename(&self.target, &old)
                .with_context(|| format!("cannot move aside {}", self.target.display()))?;
        }
        std::fs::rename(&self.dir, &self.target)
            .with_context(|| format!("cannot move results into {}", self.target.display()))?;
        if had_old {
            std::fs::remove_dir_all(&old).ok();
        }
        self.published = true;
        Ok(self.target.clone())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.published {
            std::fs::remove_dir_all(&self.dir).ok();
        }
    }
}
