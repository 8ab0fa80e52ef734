//! Where the client keeps its files, and the user's settings file.
//!
//! A settings file that is missing, partial or garbage never stops the
//! client: every field falls back to its default and a warning is logged.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::domain::params::DEFAULT_TOML;
use crate::i18n::Lang;

/// The client's directories.
#[derive(Debug, Clone)]
pub struct Paths {
    /// Holds `config.toml`.
    pub config_dir: PathBuf,
    /// Holds `cache.db` and, in embedded mode, `hub.db`.
    pub data_dir: PathBuf,
}

impl Paths {
    /// `--data-dir` if given (both files go there), else the platform's
    /// per-user dirs (AppData on Windows, XDG on Linux).
    pub fn resolve(data_dir: Option<PathBuf>) -> Result<Paths, String> {
        if let Some(d) = data_dir {
            return Ok(Paths {
                config_dir: d.clone(),
                data_dir: d,
            });
        }
        let dirs = directories::ProjectDirs::from("cn", "outlet-desk", "outlet-desk")
            .ok_or("no home directory to keep settings in; pass --data-dir")?;
        Ok(Paths {
            config_dir: dirs.config_dir().to_path_buf(),
            data_dir: dirs.data_dir().to_path_buf(),
        })
    }

    /// The settings file.
    pub fn settings_file(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }

    /// The local cache database.
    pub fn cache_db(&self) -> PathBuf {
        self.data_dir.join("cache.db")
    }

    /// The embedded hub's directory.
    pub fn hub_dir(&self) -> PathBuf {
        self.data_dir.join("hub")
    }
}

/// The text size (系统显示风格: 大字体).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FontSize {
    #[default]
    Normal,
    /// For older clerks' eyes: everything 15% larger.
    Large,
}

/// How the window is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Renderer {
    /// The GPU, falling back to software.
    #[default]
    Auto,
    /// Software only: set by the client itself after the GPU renderer
    /// failed to start on this PC.
    Software,
}

/// A display style the user can pick (系统显示风格).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Style {
    /// 经典蓝: office blue, the default.
    #[default]
    ClassicBlue,
    /// 浅色.
    Light,
    /// 深色.
    Dark,
    /// 高对比度.
    HighContrast,
}

impl Style {
    /// Every style, in menu order.
    pub const ALL: [Style; 4] = [
        Style::ClassicBlue,
        Style::Light,
        Style::Dark,
        Style::HighContrast,
    ];

    /// The settings-file name.
    pub fn key(self) -> &'static str {
        match self {
            Style::ClassicBlue => "classic_blue",
            Style::Light => "light",
            Style::Dark => "dark",
            Style::HighContrast => "high_contrast",
        }
    }

    /// Parses a settings value, falling back to the default.
    pub fn parse(s: &str) -> Style {
        Style::ALL
            .into_iter()
            .find(|x| x.key() == s)
            .unwrap_or_default()
    }
}

/// The user's own settings (SPEC 4: remembered per user on this PC).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// order-hub address; empty means the embedded demo hub.
    pub server_url: String,
    pub language: Lang,
    /// Display style.
    pub theme: Style,
    pub font_size: FontSize,
    /// New-order sound.
    pub sound: bool,
    /// Last login name, pre-filled on the login screen.
    pub last_login: String,
    pub renderer: Renderer,
    /// The one-line "still running in the tray" notice was shown.
    pub tray_notice_seen: bool,
    /// Allow plain `http://` to a hub on another machine (an
    /// administrator's decision; passwords then cross the network
    /// readable). Loopback is always allowed.
    pub allow_insecure_http: bool,
    /// A PEM file of extra trusted roots (the company's own CA).
    pub ca_file: String,
    /// The folder the last list export went to (empty: none yet).
    pub export_folder: String,
    /// The format the last list export used.
    pub export_format: ExportFormat,
}

/// The file format of a list export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    #[default]
    Xlsx,
    Csv,
}

/// What list exports remember on this PC: where and in which format the
/// last one was saved.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExportPrefs {
    pub folder: Option<PathBuf>,
    pub format: ExportFormat,
}

impl Default for Settings {
    fn default() -> Self {
        let shipped = shipped_client_defaults();
        Settings {
            server_url: shipped.server_url,
            language: shipped.language,
            theme: shipped.theme,
            font_size: shipped.font_size,
            sound: shipped.sound,
            last_login: String::new(),
            renderer: Renderer::Auto,
            tray_notice_seen: false,
            allow_insecure_http: false,
            ca_file: String::new(),
            export_folder: String::new(),
            export_format: ExportFormat::Xlsx,
        }
    }
}

#[derive(Deserialize)]
#[serde(default)]
struct Shipped {
    server_url: String,
    language: Lang,
    theme: Style,
    font_size: FontSize,
    sound: bool,
}

impl Default for Shipped {
    fn default() -> Self {
        Shipped {
            server_url: String::new(),
            language: Lang::ZhCn,
            theme: Style::ClassicBlue,
            font_size: FontSize::Normal,
            sound: true,
        }
    }
}

fn shipped_client_defaults() -> Shipped {
    #[derive(Deserialize, Default)]
    struct Doc {
        #[serde(default)]
        client: Shipped,
    }
    toml::from_str::<Doc>(DEFAULT_TOML)
        .map(|d| d.client)
        .unwrap_or_default()
}

impl Settings {
    /// Reads `path`; returns the settings and warnings about what was
    /// ignored.
    pub fn load(path: &Path) -> (Settings, Vec<String>) {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return (Settings::default(), Vec::new());
            }
            Err(e) => {
                return (
                    Settings::default(),
                    vec![format!("{}: {e}; using defaults", path.display())],
                );
            }
        };
        Settings::parse(&text, &path.display().to_string())
    }

    /// Parses settings text field by field, so one bad value costs only
    /// that value.
    pub fn parse(text: &str, origin: &str) -> (Settings, Vec<String>) {
        let mut warnings = Vec::new();
        let mut s = Settings::default();
        let table: toml::Table = match text.parse() {
            Ok(t) => t,
            Err(e) => {
                warnings.push(format!("{origin}: not valid TOML ({e}); using defaults"));
                return (s, warnings);
            }
        };
        for (key, value) in &table {
            let ok = match key.as_str() {
                "server_url" => value
                    .as_str()
                    .map(|v| s.server_url = v.trim().to_owned())
                    .is_some(),
                "language" => value
                    .as_str()
                    .and_then(Lang::parse)
                    .map(|l| s.language = l)
                    .is_some(),
                // An unknown style reads as the default, quietly: a newer
                // client may have written a style this one lacks.
                "theme" => value.as_str().map(|v| s.theme = Style::parse(v)).is_some(),
                "font_size" => typed(value).map(|v| s.font_size = v).is_some(),
                "sound" => value.as_bool().map(|v| s.sound = v).is_some(),
                "last_login" => value
                    .as_str()
                    .map(|v| s.last_login = v.to_owned())
                    .is_some(),
                "tray_notice_seen" => value.as_bool().map(|v| s.tray_notice_seen = v).is_some(),
                "allow_insecure_http" => {
                    value.as_bool().map(|v| s.allow_insecure_http = v).is_some()
                }
                "ca_file" => value
                    .as_str()
                    .map(|v| s.ca_file = v.trim().to_owned())
                    .is_some(),
                "renderer" => typed(value).map(|v| s.renderer = v).is_some(),
                "export_folder" => value
                    .as_str()
                    .map(|v| s.export_folder = v.to_owned())
                    .is_some(),
                "export_format" => typed(value).map(|v| s.export_format = v).is_some(),
                _ => {
                    warnings.push(format!("{origin}: unknown setting `{key}` ignored"));
                    true
                }
            };
            if !ok {
                warnings.push(format!(
                    "{origin}: bad value for `{key}`; using the default"
                ));
            }
        }
        (s, warnings)
    }

    /// What list exports remember.
    pub fn export_prefs(&self) -> ExportPrefs {
        ExportPrefs {
            folder: (!self.export_folder.is_empty()).then(|| PathBuf::from(&self.export_folder)),
            format: self.export_format,
        }
    }

    /// Remembers where and how the last list export was saved.
    pub fn remember_export(&mut self, p: &ExportPrefs) {
        if let Some(f) = &p.folder {
            self.export_folder = f.display().to_string();
        }
        self.export_format = p.format;
    }

    /// How the client may reach the hub; an unreadable CA file is an
    /// error to show, not a silent fallback to fewer roots.
    pub fn transport(&self) -> Result<crate::sync::Transport, String> {
        let ca_pem = if self.ca_file.is_empty() {
            None
        } else {
            Some(std::fs::read(&self.ca_file).map_err(|e| format!("{}: {e}", self.ca_file))?)
        };
        Ok(crate::sync::Transport {
            allow_insecure_http: self.allow_insecure_http,
            ca_pem,
        })
    }

    /// Writes the settings atomically (temp file, then rename), so a crash
    /// never leaves half a file.
    pub fn save(&self, path: &Path) -> Result<(), String> {
        let text = toml::to_string_pretty(self).map_err(|e| e.to_string())?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        let tmp = path.with_extension("toml.tmp");
        std::fs::write(&tmp, text).map_err(|e| format!("{}: {e}", tmp.display()))?;
        std::fs::rename(&tmp, path).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// One settings value as its type, or `None` when it is not one.
fn typed<T: serde::de::DeserializeOwned>(value: &toml::Value) -> Option<T> {
    value.clone().try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_gives_defaults_without_warning() {
        let dir = tempfile::tempdir().unwrap();
        let (s, w) = Settings::load(&dir.path().join("none.toml"));
        assert_eq!(s, Settings::default());
        assert!(w.is_empty());
        assert_eq!(s.language, Lang::ZhCn);
        assert_eq!(s.server_url, "");
    }

    #[test]
    fn garbage_gives_defaults_with_warning() {
        let (s, w) = Settings::parse("\u{0}\u{1}not toml [[[", "x");
        assert_eq!(s, Settings::default());
        assert_eq!(w.len(), 1);
    }

    #[test]
    fn partial_and_bad_fields_keep_the_rest() {
        let (s, w) = Settings::parse(
            "language = \"en\"\nfont_size = \"huge\"\nsound = 3\nmystery = 1\n",
            "x",
        );
        assert_eq!(s.language, Lang::En);
        assert_eq!(s.font_size, FontSize::Normal);
        assert!(s.sound);
        assert_eq!(w.len(), 3, "{w:?}");
    }

    #[test]
    fn save_then_load_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("config.toml");
        let s = Settings {
            language: Lang::En,
            last_login: "admin".into(),
            ..Settings::default()
        };
        s.save(&path).unwrap();
        let (back, w) = Settings::load(&path);
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(back, s);
    }
}
