use std::path::Path;

use models::Config;

pub fn show(config: &Config, source: Option<&Path>, json: bool) -> anyhow::Result<()> {
    let masked = config.masked();
    super::print(json, &masked, || {
        let from = source.map(|p| p.display().to_string()).unwrap_or_else(|| "built-in defaults".into());
        format!("# from: {from}\n# data dir: {}\n{}", config.data_dir().display(), toml::to_string_pretty(&masked).unwrap_or_default())
    });
    Ok(())
}
