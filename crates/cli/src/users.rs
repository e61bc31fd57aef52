//! `observatory user`: accounts of moderators and partners. Passwords are read from the
//! terminal without echo (or one line of the standard input) and stored only as argon2id
//! hashes.

use std::io::BufRead;

use anyhow::Context;
use observatory_core::accounts::{self, Role, Username};
use sqlx::PgConnection;

use crate::{RoleArg, UserAction};

pub async fn run(conn: &mut PgConnection, action: UserAction) -> anyhow::Result<()> {
    match action {
        UserAction::Add {
            name,
            role,
            password_stdin,
        } => {
            let username = Username::parse(&name)?;
            let role = match role {
                RoleArg::Moderator => Role::Moderator,
                RoleArg::Partner => Role::Partner,
            };
            let password = read_password(password_stdin)?;
            let id = accounts::create(conn, &username, role, &password).await?;
            println!(
                "created {} {} (account {id})",
                role.as_str(),
                username.as_str()
            );
        }
        UserAction::Password {
            name,
            password_stdin,
        } => {
            let username = Username::parse(&name)?;
            let password = read_password(password_stdin)?;
            accounts::set_password(conn, &username, &password).await?;
            println!(
                "new password set for {}; its sessions have ended",
                username.as_str()
            );
        }
    }
    Ok(())
}

fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from the standard input")?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_owned());
    }
    let first = rpassword::prompt_password("password: ")
        .context("cannot read the password from the terminal; use --password-stdin")?;
    let again = rpassword::prompt_password("the same password again: ")
        .context("cannot read the password from the terminal")?;
    anyhow::ensure!(
        first == again,
        "the two passwords differ; nothing was changed"
    );
    Ok(first)
}
