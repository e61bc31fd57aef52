//! Accounts of moderators and partners: who they are, what they may do, and their
//! passwords, kept only as argon2id hashes. Created on the command line
//! (`observatory user add`); the server verifies them at login.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use sqlx::PgConnection;

/// What an account may do. A moderator decides on contributions and may do all a
/// partner does; a partner publishes calls for projects and discovery days and reviews
/// the project ideas sent to calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Moderator,
    Partner,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Moderator => "moderator",
            Role::Partner => "partner",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "moderator" => Some(Role::Moderator),
            "partner" => Some(Role::Partner),
            _ => None,
        }
    }

    /// Whether this role may do what `needed` may.
    pub fn includes(self, needed: Role) -> bool {
        self == Role::Moderator || self == needed
    }
}

/// A user name: 3 to 64 of `a-z 0-9 . _ -`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("user name {0:?}: use 3 to 64 of a-z, 0-9, '.', '_' and '-'")]
    BadUsername(String),
    #[error("the password is too short: use at least {MIN_PASSWORD_CHARS} characters")]
    ShortPassword,
    #[error("the user name {0:?} is already taken")]
    Taken(String),
    #[error("no account is called {0:?}")]
    Unknown(String),
    #[error("cannot hash the password: {0}")]
    Hash(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl Username {
    pub fn parse(s: &str) -> Result<Username, AccountError> {
        let ok = (3..=64).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
        if ok {
            Ok(Username(s.to_owned()))
        } else {
            Err(AccountError::BadUsername(s.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An argon2id hash (PHC string) of `password` with a fresh random salt.
pub fn hash_password(password: &str) -> Result<String, AccountError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AccountError::ShortPassword);
    }
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| AccountError::Hash(e.to_string()))
}

/// Whether `password` matches the stored hash. A stored hash that cannot be read
/// matches nothing.
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

/// A hash to verify against when the user name is unknown, so that a login for an
/// unknown name takes as long as one with a wrong password.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(b"no account has this password", &salt)
            .map(|hash| hash.to_string())
            .unwrap_or_default()
    });
    &DECOY
}

/// Creates an account; its id.
pub async fn create(
    conn: &mut PgConnection,
    username: &Username,
    role: Role,
    password: &str,
) -> Result<i64, AccountError> {
    let hash = hash_password(password)?;
    sqlx::query_scalar(include_str!("sql/insert_account.sql"))
        .bind(username.as_str())
        .bind(role.as_str())
        .bind(hash)
        .fetch_one(conn)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                AccountError::Taken(username.as_str().to_owned())
            }
            _ => AccountError::Database(e),
        })
}

/// Gives an account a new password and ends its sessions.
pub async fn set_password(
    conn: &mut PgConnection,
    username: &Username,
    password: &str,
) -> Result<(), AccountError> {
    let hash = hash_password(password)?;
    let changed: Option<i64> = sqlx::query_scalar(include_str!("sql/set_password.sql"))
        .bind(username.as_str())
        .bind(hash)
        .fetch_optional(conn)
        .await?;
    changed
        .map(|_| ())
        .ok_or_else(|| AccountError::Unknown(username.as_str().to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let hash = hash_password("correct horse battery").expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterz", &hash));
        assert!(!verify_password("correct horse battery", "not a hash"));
    }

    #[test]
    fn short_passwords_and_odd_names_are_refused() {
        assert!(matches!(
            hash_password("short"),
            Err(AccountError::ShortPassword)
        ));
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse("Anne").is_err());
        assert!(Username::parse("anne o'neil").is_err());
        assert!(Username::parse("anne.dupont-2").is_ok());
    }

    #[test]
    fn roles_include_what_they_may_do() {
        assert!(Role::Moderator.includes(Role::Partner));
        assert!(Role::Partner.includes(Role::Partner));
        assert!(!Role::Partner.includes(Role::Moderator));
    }
}
