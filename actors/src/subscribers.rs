//! Pushing actor events to the UI: each subscriber is a bounded channel; a full or closed one
//! loses the event rather than stalling the actor.

use futures::channel::mpsc;

pub struct Subscribers<T> {
    senders: Vec<mpsc::Sender<T>>,
}

impl<T> Default for Subscribers<T> {
    fn default() -> Self {
        Subscribers { senders: Vec::new() }
    }
}

impl<T: Clone> Subscribers<T> {
    pub fn add(&mut self, tx: mpsc::Sender<T>) {
        self.senders.push(tx);
    }

    pub fn publish(&mut self, event: T) {
        self.senders.retain_mut(|tx| match tx.try_send(event.clone()) {
            Ok(()) => true,
            Err(e) => !e.is_disconnected(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.senders.is_empty()
    }
}

/// A `Recipient<M>` that forwards every message into a channel: lets code that is not an actor
/// (the iced window, a CLI command) subscribe to actors that publish to recipients. Must be
/// called inside a running actix System.
pub fn forward_to_channel<M>(tx: mpsc::Sender<M>) -> actix::Recipient<M>
where
    M: actix::Message<Result = ()> + Unpin + Send + 'static,
{
    use actix::Actor;
    ChannelForwarder { tx }.start().recipient()
}

/// Like `forward_to_channel`, callable from any thread (the iced window): the forwarder runs on
/// the actor system's `arbiter`.
pub fn forward_to_channel_on<M>(arbiter: &actix::ArbiterHandle, tx: mpsc::Sender<M>) -> actix::Recipient<M>
where
    M: actix::Message<Result = ()> + Unpin + Send + 'static,
{
    use actix::Actor;
    ChannelForwarder::start_in_arbiter(arbiter, move |_| ChannelForwarder { tx }).recipient()
}

struct ChannelForwarder<M> {
    tx: mpsc::Sender<M>,
}

impl<M: Unpin + 'static> actix::Actor for ChannelForwarder<M> {
    type Context = actix::Context<Self>;
}

impl<M> actix::Handler<M> for ChannelForwarder<M>
where
    M: actix::Message<Result = ()> + Unpin + Send + 'static,
{
    type Result = ();
    fn handle(&mut self, msg: M, ctx: &mut actix::Context<Self>) {
        if let Err(e) = self.tx.try_send(msg) {
            if e.is_disconnected() {
                actix::ActorContext::stop(ctx); // nobody listens any more: the recipient disconnects
            }
        }
    }
}
