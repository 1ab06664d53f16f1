//! What most commands need: the database (starting the embedded cluster for the duration of
//! the command if the kiosk is not running it) and a logged-in user.

use std::io::{BufRead, IsTerminal, Read};

use actors::session::{self, AuthContext, SessionSettings};
use clap::Args;
use deadpool_postgres::Pool;
use models::{Config, Target};

/// `--user U` with the password from a prompt, or from standard input with `--password-stdin`.
#[derive(Args, Debug, Clone, Default)]
pub struct Login {
    /// Log in as this user (the password is asked for, never given on the command line).
    #[arg(long = "user", value_name = "USERNAME")]
    pub user: Option<String>,
    /// Read the password(s) from standard input, one per line (for scripts).
    #[arg(long)]
    pub password_stdin: bool,
}

pub struct Db {
    pub pool: Pool,
    pub config: Config,
    pub rt: tokio::runtime::Runtime,
    target: Target,
    stdin_lines: std::cell::RefCell<Option<std::io::StdinLock<'static>>>,
    /// Last field: dropped after the pool. The last user of a cluster a command started stops it.
    _cluster: models::cluster::ClusterGuard,
}

impl Db {
    pub fn open(config: &Config) -> anyhow::Result<Db> {
        let target = Target::from_config(config)?;
        let cluster = target.start_cluster()?;
        let rt = super::runtime();
        let db = Db { pool: target.pool(4), config: config.clone(), rt, target, stdin_lines: Default::default(), _cluster: cluster };
        db.rt.block_on(db.target.migrate())?;
        Ok(db)
    }

    pub fn run<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// Where the database is (pg_dump and restore reach it as the owner).
    pub fn target(&self) -> &Target {
        &self.target
    }

    pub fn station(&self) -> &str {
        &self.config.general.station
    }

    /// Reads one password: the next line of standard input, or a prompt on the terminal.
    pub fn read_password(&self, login: &Login, prompt: &str) -> anyhow::Result<String> {
        if login.password_stdin || !std::io::stdin().is_terminal() {
            let mut guard = self.stdin_lines.borrow_mut();
            let lines = guard.get_or_insert_with(|| std::io::stdin().lock());
            let mut buf = Vec::new();
            // Bounded: a 1 MB "password" is read but refused, never kept whole in memory twice.
            let n = Read::by_ref(lines).take(1 << 20).read_until(b'\n', &mut buf)?;
            if n == 0 {
                anyhow::bail!("no password on standard input");
            }
            while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                buf.pop();
            }
            String::from_utf8(buf).map_err(|_| anyhow::anyhow!("the password is not valid UTF-8 text"))
        } else {
            Ok(rpassword::prompt_password(prompt)?)
        }
    }

    /// Logs in the `--user` of the command.
    pub fn login(&self, login: &Login) -> anyhow::Result<AuthContext> {
        let Some(user) = &login.user else {
            anyhow::bail!("this command needs a login: add --user USERNAME (the password is asked for)");
        };
        let password = self.read_password(login, &format!("password for {user}: "))?;
        let settings = SessionSettings::from_config(&self.config);
        Ok(self.run(session::login(&self.pool, &settings, user, &password))?)
    }

    /// Ends a CLI login right away (the audit log shows it).
    pub fn logout(&self, auth: &AuthContext) {
        let _ = self.run(async {
            let c = self.pool.get().await?;
            models::users::end_session(&**c, &auth.token, "manual", self.station()).await
        });
    }
}


