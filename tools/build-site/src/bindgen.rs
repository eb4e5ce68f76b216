//! The JS glue and the final wasm, from the compiled module: what the `wasm-bindgen` CLI does, through
//! its library, then (for releases) Binaryen's `wasm-opt`.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};
use wasm_bindgen_cli_support::Bindgen;

/// Writes `<pkg>/<name>.js` and `<pkg>/<name>.wasm` (plus any `snippets/`).
///
/// wasm-bindgen names the module `<name>_bg.wasm`; it is renamed to `<name>.wasm` because that is what
/// the server's pages ask for when `LEPTOS_OUTPUT_NAME` is set at compile time (.cargo/config.toml
/// sets it), and what cargo-leptos writes.
pub fn generate(wasm: &Path, pkg_dir: &Path, output_name: &str, release: bool) -> Result<()> {
    std::fs::create_dir_all(pkg_dir).with_context(|| format!("creating {}", pkg_dir.display()))?;
    Bindgen::new()
        .input_path(wasm)
        .out_name(output_name)
        .web(true)?
        .typescript(false)
        .debug(!release)
        .keep_debug(false)
        .generate(pkg_dir)
        .with_context(|| format!("generating the JS glue for {}", wasm.display()))?;
    let generated = pkg_dir.join(format!("{output_name}_bg.wasm"));
    let served = pkg_dir.join(format!("{output_name}.wasm"));
    std::fs::rename(&generated, &served).with_context(|| format!("renaming {}", generated.display()))?;
    Ok(())
}

/// Shrinks the wasm in place with Binaryen's `wasm-opt -Oz`.
///
/// The features listed are those rustc enables by default for wasm32 (1.82+); wasm-opt rejects a
/// module using a feature it was not told about.
pub fn optimise(wasm_opt: &Path, wasm: &Path) -> Result<()> {
    let optimised = wasm.with_extension("opt.wasm");
    eprintln!("build-site: optimising {} with {}", wasm.display(), wasm_opt.display());
    let status = Command::new(wasm_opt)
        .arg("-Oz")
        .args([
            "--enable-bulk-memory",
            "--enable-mutable-globals",
            "--enable-nontrapping-float-to-int",
            "--enable-sign-ext",
            "--enable-reference-types",
            "--enable-multivalue",
        ])
        .arg(wasm)
        .arg("-o")
        .arg(&optimised)
        .status()
        .with_context(|| format!("running {}", wasm_opt.display()))?;
    if !status.success() {
        bail!("wasm-opt failed on {}", wasm.display());
    }
    std::fs::rename(&optimised, wasm).with_context(|| format!("replacing {}", wasm.display()))?;
    Ok(())
}
