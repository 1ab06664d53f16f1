//! `ombor user add|list|passwd|role|disable|enable`, `ombor audit`.

use actors::session;
use clap::Subcommand;
use models::Role;

use super::access::{Db, Login};
use super::{print, table};

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Add a user. The first admin needs no login; later users need an admin's (--user).
    Add {
        #[arg(long)]
        username: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        #[command(flatten)]
        login: Login,
        #[arg(long)]
        json: bool,
    },
    /// List users (admin).
    List {
        #[command(flatten)]
        login: Login,
        #[arg(long)]
        json: bool,
    },
    /// Set a new password for USERNAME (admin); with --password-stdin: admin's, then the new one.
    Passwd {
        username: String,
        #[command(flatten)]
        login: Login,
        #[arg(long)]
        json: bool,
    },
    /// Change USERNAME's role (admin).
    Role {
        username: String,
        #[arg(value_parser = parse_role)]
        role: Role,
        #[command(flatten)]
        login: Login,
        #[arg(long)]
        json: bool,
    },
    /// Disable USERNAME: their sessions end at once (admin).
    Disable {
        username: String,
        #[command(flatten)]
        login: Login,
        #[arg(long)]
        json: bool,
    },
    /// Enable USERNAME again (admin).
    Enable {
        username: String,
        #[command(flatten)]
        login: Login,
        #[arg(long)]
        json: bool,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    s.parse()
}

pub fn run(db: &Db, cmd: UserCommand) -> anyhow::Result<()> {
    match cmd {
        UserCommand::Add { username, role, login, json } => {
            session::check_username(&username)?;
            let first = !db.run(async { models::users::active_admin_exists(&**db.pool.get().await?).await })?;
            let auth = if first {
                if role != Role::Admin {
                    anyhow::bail!("there is no admin yet: the first user must be an admin (--role admin)");
                }
                None
            } else {
                Some(db.login(&login)?)
            };
            let password = new_password(db, &login, &username)?;
            let id = db.run(session::create_user(&db.pool, db.station(), auth.as_ref(), &username, &password, role))?;
            if let Some(a) = &auth {
                db.logout(a);
            }
            print(json, &serde_json::json!({"id": id, "username": username, "role": role}), || {
                format!("added user {username} ({}) with id {id}", role.as_str())
            });
        }
        UserCommand::List { login, json } => {
            let auth = db.login(&login)?;
            let users = db.run(session::list_users(&db.pool, &auth));
            db.logout(&auth);
            let users = users?;
            print(json, &users, || {
                let rows = users
                    .iter()
                    .map(|u| {
                        vec![
                            u.id.to_string(),
                            u.username.clone(),
                            u.role.as_str().into(),
                            if u.active { "active".into() } else { "disabled".into() },
                            u.locked_until
                                .map(|t| format!("locked until {}", t.with_timezone(&chrono::Local).format("%H:%M")))
                                .unwrap_or_default(),
                        ]
                    })
                    .collect::<Vec<_>>();
                table::render(&["id", "username", "role", "state", "lock"], &rows)
            });
        }
        UserCommand::Passwd { username, login, json } => {
            let auth = db.login(&login)?;
            let password = new_password(db, &login, &username)?;
            change(db, &auth, &username, Some(&password), None, None, json, "password changed")?;
        }
        UserCommand::Role { username, role, login, json } => {
            let auth = db.login(&login)?;
            change(db, &auth, &username, None, Some(role), None, json, &format!("role set to {}", role.as_str()))?;
        }
        UserCommand::Disable { username, login, json } => {
            let auth = db.login(&login)?;
            change(db, &auth, &username, None, None, Some(false), json, "disabled")?;
        }
        UserCommand::Enable { username, login, json } => {
            let auth = db.login(&login)?;
            change(db, &auth, &username, None, None, Some(true), json, "enabled")?;
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn change(
    db: &Db,
    auth: &session::AuthContext,
    username: &str,
    password: Option<&str>,
    role: Option<Role>,
    active: Option<bool>,
    json: bool,
    what: &str,
) -> anyhow::Result<()> {
    let id = db.run(session::change_user(&db.pool, db.station(), auth, username, password, role, active));
    db.logout(auth);
    let id = id?;
    print(json, &serde_json::json!({"id": id, "username": username, "result": what}), || format!("{username}: {what}"));
    Ok(())
}

/// The new password: asked twice on a terminal, one line on standard input.
fn new_password(db: &Db, login: &Login, username: &str) -> anyhow::Result<String> {
    let p = db.read_password(login, &format!("new password for {username}: "))?;
    models::password::check_new_password(&p)?;
    if !login.password_stdin && std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        let again = db.read_password(login, "repeat it: ")?;
        if again != p {
            anyhow::bail!("the two passwords differ; nothing was changed");
        }
    }
    Ok(p)
}
