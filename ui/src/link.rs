//! The screens' one link to the outside: the actors' addresses and messages, and one `ask` for
//! the send → answer pattern. Screens import this (and widgets, theme, i18n), never `app.rs` —
//! as halloy's screens import its `data` crate and never the root's update code.

use actix::dev::ToEnvelope;
use actix::{Actor, Addr, Handler};
use models::Error;

pub use actors::session::AuthContext;
pub use actors::{backup, ledger, session, Handles};

/// Sends `message` to `actor` and returns its answer. An actor that is gone (the system is
/// stopping) answers like an unreachable database: [`Error::Unavailable`].
pub async fn ask<A, M, T>(actor: Addr<A>, message: M) -> Result<T, Error>
where
    A: Actor + Handler<M>,
    A::Context: ToEnvelope<A, M>,
    M: actix::Message<Result = Result<T, Error>> + Send + 'static,
    T: Send + 'static,
{
    actor.send(message).await.unwrap_or_else(|e| Err(mailbox(e)))
}

/// A mailbox error (the actor stopped) as the error every screen shows for it.
pub fn mailbox(e: actix::MailboxError) -> Error {
    Error::Unavailable(e.to_string())
}
