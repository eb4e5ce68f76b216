//! `build-site`: builds the front end the rook-notify server serves, without cargo-leptos.
//!
//! It does what `cargo leptos build` does for this project, reading the same
//! `[[workspace.metadata.leptos]]` settings, and writes the same files:
//! `<site-root>/pkg/<output-name>.js`, `.wasm` and `.css`, plus the public files at `<site-root>/`.
//!
//! ```text
//! cargo site                      # debug front end into target/site (what run.sh and test.sh use)
//! cargo site --release --wasm-opt PATH --site-root DIR   # optimised, for a deployment
//! ```

mod assets;
mod bindgen;
mod front;
mod project;

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};

/// The wasm-bindgen version this tool's glue generator is. The wasm must have been compiled against the
/// same one (the project's Cargo.lock), or the glue does not fit the module.
const WASM_BINDGEN_VERSION: &str = "0.2.130";

struct Options {
    release: bool,
    wasm_opt: Option<PathBuf>,
    site_root: Option<PathBuf>,
}

fn parse_args() -> Result<Options> {
    let mut options = Options { release: false, wasm_opt: None, site_root: None };
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        match arg.to_str() {
            Some("--release") => options.release = true,
            Some("--wasm-opt") => options.wasm_opt = Some(args.next().context("--wasm-opt needs a path")?.into()),
            Some("--site-root") => options.site_root = Some(args.next().context("--site-root needs a path")?.into()),
            Some("-h" | "--help") => {
                println!(
                    "usage: build-site [--release [--wasm-opt PATH]] [--site-root DIR]\n\n\
                     Builds the dashboard's front end (wasm, JS glue, CSS, public files) into the site root\n\
                     (default: the target directory's site/, where cargo-leptos writes it too).\n\
                     --release   optimised wasm (the leptos metadata's lib-profile-release)\n\
                     --wasm-opt  run this wasm-opt binary (Binaryen) on the release wasm"
                );
                std::process::exit(0);
            }
            _ => bail!("unknown argument {arg:?} (try --help)"),
        }
    }
    if options.wasm_opt.is_some() && !options.release {
        bail!("--wasm-opt is for --release builds only");
    }
    Ok(options)
}

fn main() {
    if let Err(err) = run() {
        eprintln!("build-site: {err:#}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let options = parse_args()?;
    let started = Instant::now();
    let project = project::Project::load()?;
    project.check_wasm_bindgen_version(WASM_BINDGEN_VERSION)?;
    let site_root = options.site_root.clone().unwrap_or_else(|| project.default_site_root());
    let pkg_dir = site_root.join(&project.site_pkg_dir);

    let wasm = front::build(&project, options.release)?;
    bindgen::generate(&wasm, &pkg_dir, &project.output_name, options.release)?;
    if let Some(wasm_opt) = &options.wasm_opt {
        bindgen::optimise(wasm_opt, &pkg_dir.join(format!("{}.wasm", project.output_name)))?;
    }
    assets::copy_style(&project.style_file, &pkg_dir.join(format!("{}.css", project.output_name)))?;
    if let Some(assets_dir) = &project.assets_dir {
        assets::copy_dir(assets_dir, &site_root)?;
    }
    eprintln!("build-site: {} ready in {:.1}s", site_root.display(), started.elapsed().as_secs_f64());
    Ok(())
}
