//! `ombor support-bundle --out FILE.zip`.

use std::path::{Path, PathBuf};

use clap::Args;
use models::Config;

#[derive(Args, Debug)]
pub struct SupportArgs {
    /// The zip file to write.
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long)]
    pub json: bool,
}

pub fn run(config: &Config, source: Option<&Path>, args: SupportArgs) -> anyhow::Result<()> {
    let bundle = crate::support::write(config, source, &args.out)?;
    let out = args.out.display().to_string();
    super::print(args.json, &serde_json::json!({"out": out, "entries": bundle.entries}), || {
        format!("wrote {out}: {}\n(no face data, no database dumps)", bundle.entries.join(", "))
    });
    Ok(())
}
