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
