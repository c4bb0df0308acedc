//! Engine declarations: `engines/NAME.toml` says how to start an engine, what it serves, which
//! parameters it takes and how to install it (`docs/engines.md`). Declarations are data; nothing
//! about an engine is compiled into corpusbench.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

use super::link::Link;
use super::{Launch, Log, Ready, STARTUP_BUDGET};
use crate::error::InputError;
use crate::model::Task;

/// The prefix of engine strategy names: `engine:NAME`.
pub const ENGINE_PREFIX: &str = "engine:";

/// The variable naming the folder of the peer virtual environments (`{peers}`).
pub const PEERS_VAR: &str = "CORPUSBENCH_PEERS";

/// One declared parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamDecl {
    /// Key in spec strings.
    pub name: String,
    /// Default value, as written in a spec.
    pub default: String,
    /// One line on what it does.
    pub help: String,
}

/// One engine, as its TOML file declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineDecl {
    /// The file stem; the strategy is `engine:NAME`.
    pub name: String,
    /// The task it serves.
    pub task: Task,
    /// One line on what it runs.
    pub summary: String,
    /// The command line, placeholders (`{dir}`, `{peers}`) unresolved.
    pub command: Vec<String>,
    /// Variables added to its environment.
    pub env: Vec<(String, String)>,
    /// How to make it runnable.
    pub install: Option<String>,
    /// Its parameters, in name order.
    pub params: Vec<ParamDecl>,
    /// The TOML file.
    pub path: PathBuf,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    task: String,
    #[serde(default)]
    summary: String,
    command: Vec<String>,
    install: Option<String>,
    #[serde(default)]
    env: BTreeMap<String, String>,
    #[serde(default)]
    params: BTreeMap<String, RawParam>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParam {
    default: toml::Value,
    #[serde(default)]
    help: String,
}

fn scalar(v: &toml::Value) -> Option<String> {
    match v {
        toml::Value::String(s) => Some(s.clone()),
        toml::Value::Integer(i) => Some(i.to_string()),
        toml::Value::Float(f) => Some(f.to_string()),
        toml::Value::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

impl EngineDecl {
    /// Reads one declaration; a bad field is an error naming the file and the field.
    pub fn load(path: &Path) -> Result<EngineDecl, InputError> {
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)) {
            return Err(InputError::file(path, "an engine's file name must be NAME.toml, NAME of [A-Za-z0-9._-]"));
        }
        let text = std::fs::read_to_string(path).map_err(|e| InputError::file(path, format!("cannot read: {e}")))?;
        let raw: Raw = toml::from_str(&text).map_err(|e| {
            let line = e.span().map(|s| text[..s.start.min(text.len())].lines().count().max(1)).unwrap_or(0);
            InputError::line(path, line, e.message().to_string())
        })?;
        let field = |f: &str, m: String| InputError::field(path, 0, f, m);
        let task = match raw.task.as_str() {
            "extract" => Task::Extract,
            "dedup" => Task::Dedup,
            other => return Err(field("task", format!("`{other}` is not extract or dedup"))),
        };
        if raw.command.first().is_none_or(|c| c.trim().is_empty()) {
            return Err(field("command", "must name a program".into()));
        }
        let mut params = Vec::new();
        for (key, p) in raw.params {
            if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(field("params", format!("`{key}` is not a parameter name ([A-Za-z0-9_])")));
            }
            let Some(default) = scalar(&p.default) else {
                return Err(field(&format!("params.{key}.default"), "must be a string, number or boolean".into()));
            };
            if default.contains([',', '=']) {
                return Err(field(&format!("params.{key}.default"), "cannot hold `,` or `=`".into()));
            }
            params.push(ParamDecl { name: key, default, help: p.help });
        }
        Ok(EngineDecl {
            name,
            task,
            summary: raw.summary,
            command: raw.command,
            env: raw.env.into_iter().collect(),
            install: raw.install,
            params,
            path: path.to_path_buf(),
        })
    }

    /// Every declaration in `dirs` (`*.toml`, in name order per folder); a name declared twice
    /// keeps the first and reports the second. A folder that does not exist is skipped.
    pub fn discover(dirs: &[PathBuf]) -> (Vec<EngineDecl>, Vec<InputError>) {
        let mut found: Vec<EngineDecl> = Vec::new();
        let mut errors = Vec::new();
        for dir in dirs {
            let Ok(entries) = std::fs::read_dir(dir) else { continue };
            let mut files: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
                .collect();
            files.sort();
            for path in files {
                match EngineDecl::load(&path) {
                    Ok(d) => match found.iter().find(|f| f.name == d.name) {
                        Some(first) => errors.push(InputError::file(
                            &path,
                            format!("engine `{}` is already declared in {}", d.name, first.path.display()),
                        )),
                        None => found.push(d),
                    },
                    Err(e) => errors.push(e),
                }
            }
        }
        (found, errors)
    }

    /// The strategy name, `engine:NAME`.
    pub fn spec_name(&self) -> String {
        format!("{ENGINE_PREFIX}{}", self.name)
    }

    /// The folder of the TOML file, absolute when it can be made so.
    fn dir(&self) -> PathBuf {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf())
    }

    /// The folder `{peers}` stands for: `$CORPUSBENCH_PEERS`, else `.peers` beside the
    /// engines folder.
    fn peers(&self) -> PathBuf {
        match std::env::var_os(PEERS_VAR) {
            Some(p) if !p.is_empty() => PathBuf::from(p),
            _ => self.dir().parent().map(|p| p.join(".peers")).unwrap_or_else(|| PathBuf::from(".peers")),
        }
    }

    fn resolve(&self, s: &str) -> String {
        s.replace("{dir}", &self.dir().to_string_lossy()).replace("{peers}", &self.peers().to_string_lossy())
    }

    /// How to start this engine with `params` (every declared one, validated by the caller);
    /// an error says why it cannot run here and how to install it.
    pub fn launch(&self, params: BTreeMap<String, String>, log: Option<Arc<Log>>) -> Result<Launch, String> {
        let mut command = self.command.iter().map(|c| self.resolve(c));
        let program = PathBuf::from(command.next().unwrap_or_default());
        if program.components().count() > 1 && !program.is_file() {
            let mut why = format!("`{}` does not exist", program.display());
            if let Some(install) = &self.install {
                why.push_str(&format!("; install it with `{install}`"));
            }
            return Err(why);
        }
        Ok(Launch {
            program,
            args: command.collect(),
            env: self.env.iter().map(|(k, v)| (k.clone(), self.resolve(v))).collect(),
            task: self.task,
            params,
            expect_spec: None,
            startup: STARTUP_BUDGET,
            log,
        })
    }

    /// The default parameters.
    pub fn defaults(&self) -> BTreeMap<String, String> {
        self.params.iter().map(|p| (p.name.clone(), p.default.clone())).collect()
    }

    /// Starts the engine with its default parameters and performs the handshake: what it says
    /// of itself, or why it does not run here.
    pub fn probe(&self) -> Result<Ready, String> {
        let launch = self.launch(self.defaults(), None)?;
        let mut link = Link::start(&launch).map_err(|e| match &self.install {
            Some(install) => format!("{e} (install: `{install}`)"),
            None => e,
        })?;
        link.stop();
        Ok(link.ready.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, body: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, body).unwrap();
        p
    }

    #[test]
    fn a_declaration_is_read_with_its_parameters() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            dir.path(),
            "demo.toml",
            "task = \"dedup\"\nsummary = \"s\"\ncommand = [\"{dir}/run\", \"--x\"]\n\
             [params.threshold]\ndefault = 0.7\nhelp = \"h\"\n[params.mode]\ndefault = \"fast\"\n",
        );
        let d = EngineDecl::load(&p).unwrap();
        assert_eq!((d.name.as_str(), d.task, d.spec_name().as_str()), ("demo", Task::Dedup, "engine:demo"));
        let names: Vec<(&str, &str)> = d.params.iter().map(|p| (p.name.as_str(), p.default.as_str())).collect();
        assert_eq!(names, [("mode", "fast"), ("threshold", "0.7")]);
        let err = d.launch(d.defaults(), None).unwrap_err();
        assert!(err.contains("/run` does not exist"), "{err}");
    }

    #[test]
    fn bad_declarations_name_the_file_and_field() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            ("task = \"sort\"\ncommand = [\"x\"]\n", "task"),
            ("task = \"extract\"\ncommand = []\n", "command"),
            ("task = \"extract\"\ncommand = [\"x\"]\ncolour = 1\n", "unknown field"),
            ("task = \"extract\"\ncommand = [\"x\"]\n[params.k]\ndefault = [1]\n", "params.k.default"),
            ("task = \"extract\"\ncommand = [\"x\"]\n[params.k]\ndefault = \"a,b\"\n", "params.k.default"),
            ("task = \n", "demo.toml"),
        ];
        for (body, want) in cases {
            let p = write(dir.path(), "demo.toml", body);
            let e = EngineDecl::load(&p).unwrap_err().to_string();
            assert!(e.contains(want) && e.contains("demo.toml"), "{body:?}: {e}");
        }
    }

    #[test]
    fn discovery_reports_a_name_declared_twice() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        write(a.path(), "x.toml", "task = \"extract\"\ncommand = [\"x\"]\n");
        write(b.path(), "x.toml", "task = \"dedup\"\ncommand = [\"y\"]\n");
        write(b.path(), "notes.txt", "not an engine");
        let (found, errors) = EngineDecl::discover(&[a.path().into(), b.path().into(), "/nonexistent".into()]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].task, Task::Extract);
        assert_eq!(errors.len(), 1);
        assert!(errors[0].to_string().contains("already declared"));
    }
}
