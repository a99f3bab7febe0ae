//! Whose turn it is to hash: at most `slots` hashes run at once (as many as the hasher runs),
//! and when a slot frees it goes to the waiting *client* served least recently, not to the
//! oldest request. A client with many requests waiting therefore delays another client by at
//! most one hash per slot, however long its own queue is; and a client that hashes now and
//! then goes ahead of clients that hash all the time, so a steady flood from many addresses
//! still lets an occasional login through at once. Past `slots + queue_limit` requests
//! running or waiting, a request is refused at once ([`Held::Busy`](crate::Held::Busy)).
//!
//! Pure: a mutex and wakers, no runtime. A waiting request that is abandoned (its client
//! went away) leaves the queue, and a turn it was granted but never took passes on.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use crate::client::ClientKey;

#[derive(Default)]
struct Queue {
    running: usize,
    waiting: usize,
    /// Tickets waiting, per client, oldest first.
    tickets: HashMap<ClientKey, VecDeque<u64>>,
    /// Clients with tickets waiting, in the order they started waiting.
    rotation: VecDeque<ClientKey>,
    /// When each client was last given a turn (a count of turns given), for recent clients.
    last_served: HashMap<ClientKey, u64>,
    served: u64,
    /// Tickets granted a turn that their future has not collected yet.
    granted: HashMap<u64, ()>,
    wakers: HashMap<u64, Waker>,
    next_ticket: u64,
    /// How many [`Saturation`]s are held: while any is, every request is refused.
    #[cfg(feature = "test-util")]
    saturations: usize,
}

/// How many clients' last turns are remembered; beyond that the oldest are forgotten (and
/// count as never served, which only ever favours them).
const REMEMBERED_CLIENTS: u64 = 4096;

/// How busy hashing is at one instant, for monitoring: read from
/// [`Auth::hashing_load`](crate::Auth::hashing_load).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashingLoad {
    /// Slots hashing now.
    pub busy_slots: usize,
    /// Slots in all (the policy's `hashing_slots`).
    pub slots: usize,
    /// Requests waiting for a slot.
    pub waiting: usize,
    /// The most that may wait; past it requests are refused at once.
    pub queue_limit: usize,
}

/// The gate every hash passes, shared by every clone of the service.
pub(crate) struct HashingTurns {
    slots: usize,
    queue_limit: usize,
    queue: Mutex<Queue>,
}

/// A saturated gate, for tests: every request is refused while it is held.
#[cfg(feature = "test-util")]
#[must_use = "the gate is saturated only while this is held"]
pub struct Saturation {
    turns: Arc<HashingTurns>,
}

#[cfg(feature = "test-util")]
impl Drop for Saturation {
    fn drop(&mut self) {
        self.turns.queue().saturations -= 1;
    }
}

#[cfg(feature = "test-util")]
impl std::fmt::Debug for Saturation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Saturation").finish_non_exhaustive()
    }
}

/// A running turn; the slot goes to the next client when it is dropped.
pub(crate) struct Turn {
    turns: Arc<HashingTurns>,
}

impl HashingTurns {
    pub(crate) fn new(slots: usize, queue_limit: usize) -> Self {
        Self {
            slots: slots.max(1),
            queue_limit,
            queue: Mutex::new(Queue::default()),
        }
    }

    fn queue(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn load(&self) -> HashingLoad {
        let queue = self.queue();
        HashingLoad {
            busy_slots: queue.running,
            slots: self.slots,
            waiting: queue.waiting,
            queue_limit: self.queue_limit,
        }
    }

    /// Waits for `client`'s turn; `None` at once when every slot and queue place is taken.
    pub(crate) fn turn(self: &Arc<Self>, client: ClientKey) -> Option<WaitForTurn> {
        let mut queue = self.queue();
        #[cfg(feature = "test-util")]
        if queue.saturations > 0 {
            return None;
        }
        if queue.running < self.slots && queue.waiting == 0 {
            queue.running += 1;
            Self::served(&mut queue, client);
            return Some(WaitForTurn {
                turns: self.clone(),
                client,
                state: Waiting::Ready,
            });
        }
        if queue.waiting >= self.queue_limit {
            return None;
        }
        let ticket = queue.next_ticket;
        queue.next_ticket += 1;
        queue.waiting += 1;
        let queue = &mut *queue;
        let mine = queue.tickets.entry(client).or_default();
        if mine.is_empty() {
            queue.rotation.push_back(client);
        }
        mine.push_back(ticket);
        Some(WaitForTurn {
            turns: self.clone(),
            client,
            state: Waiting::Queued(ticket),
        })
    }

    /// Refuses every request as if each slot and queue place were taken, until the returned
    /// guard is dropped: how a test sees a saturated gate without running a hash.
    #[cfg(feature = "test-util")]
    pub(crate) fn saturate(self: &Arc<Self>) -> Saturation {
        self.queue().saturations += 1;
        Saturation {
            turns: self.clone(),
        }
    }

    fn served(queue: &mut Queue, client: ClientKey) {
        queue.served += 1;
        let now = queue.served;
        queue.last_served.insert(client, now);
        if queue.last_served.len() as u64 > 2 * REMEMBERED_CLIENTS {
            queue
                .last_served
                .retain(|_, at| now - *at < REMEMBERED_CLIENTS);
        }
    }

    /// Hands free slots to the waiting clients served least recently (never served first;
    /// among equals, the one waiting longest).
    fn grant(&self, queue: &mut Queue) {
        while queue.running < self.slots {
            let next = queue
                .rotation
                .iter()
                .enumerate()
                .min_by_key(|(_, client)| queue.last_served.get(*client).copied().unwrap_or(0))
                .map(|(at, _)| at);
            let Some(client) = next.and_then(|at| queue.rotation.remove(at)) else {
                return;
            };
            let Some(mine) = queue.tickets.get_mut(&client) else {
                continue;
            };
            let Some(ticket) = mine.pop_front() else {
                queue.tickets.remove(&client);
                continue;
            };
            if mine.is_empty() {
                queue.tickets.remove(&client);
            } else {
                queue.rotation.push_back(client);
            }
            Self::served(queue, client);
            queue.waiting -= 1;
            queue.running += 1;
            queue.granted.insert(ticket, ());
            if let Some(waker) = queue.wakers.remove(&ticket) {
                waker.wake();
            }
        }
    }

    fn release(&self) {
        let mut queue = self.queue();
        queue.running -= 1;
        self.grant(&mut queue);
    }
}

enum Waiting {
    /// Holds a running slot, not yet handed out as a [`Turn`].
    Ready,
    Queued(u64),
    Done,
}

/// A request waiting for its turn.
pub(crate) struct WaitForTurn {
    turns: Arc<HashingTurns>,
    client: ClientKey,
    state: Waiting,
}

impl Future for WaitForTurn {
    type Output = Turn;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Turn> {
        let ticket = match self.state {
            Waiting::Ready => {
                self.state = Waiting::Done;
                return Poll::Ready(Turn {
                    turns: self.turns.clone(),
                });
            }
            Waiting::Queued(ticket) => ticket,
            Waiting::Done => return Poll::Pending,
        };
        let mut queue = self.turns.queue();
        if queue.granted.remove(&ticket).is_some() {
            drop(queue);
            self.state = Waiting::Done;
            return Poll::Ready(Turn {
                turns: self.turns.clone(),
            });
        }
        queue.wakers.insert(ticket, cx.waker().clone());
        Poll::Pending
    }
}

impl Drop for WaitForTurn {
    fn drop(&mut self) {
        match self.state {
            Waiting::Done => {}
            // A slot taken but never used as a turn: pass it on.
            Waiting::Ready => self.turns.release(),
            Waiting::Queued(ticket) => {
                let mut queue = self.turns.queue();
                queue.wakers.remove(&ticket);
                if queue.granted.remove(&ticket).is_some() {
                    queue.running -= 1;
                    self.turns.grant(&mut queue);
                    return;
                }
                let client = self.client;
                if let Some(mine) = queue.tickets.get_mut(&client) {
                    mine.retain(|t| *t != ticket);
                    if mine.is_empty() {
                        queue.tickets.remove(&client);
                        queue.rotation.retain(|c| *c != client);
                    }
                }
                queue.waiting -= 1;
            }
        }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        self.turns.release();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::Client;

    fn key(n: u8) -> ClientKey {
        Client::new([192, 0, 2, n].into()).key(64)
    }

    fn poll(future: &mut WaitForTurn) -> Poll<Turn> {
        Pin::new(future).poll(&mut Context::from_waker(Waker::noop()))
    }

    #[test]
    fn a_freed_slot_goes_to_the_client_served_least_recently_not_to_the_oldest_request() {
        let turns = Arc::new(HashingTurns::new(1, 100));
        let mut running = turns.turn(key(1)).unwrap();
        let Poll::Ready(first) = poll(&mut running) else {
            panic!("a free slot is taken at once");
        };
        // Client 1 queues three more, then client 2 (never served) queues one.
        let mut ones: Vec<_> = (0..3).map(|_| turns.turn(key(1)).unwrap()).collect();
        let mut two = turns.turn(key(2)).unwrap();
        for waiting in &mut ones {
            assert!(poll(waiting).is_pending());
        }
        assert!(poll(&mut two).is_pending());
        drop(first);
        assert!(poll(&mut ones[0]).is_pending(), "client 1 was just served");
        let Poll::Ready(second) = poll(&mut two) else {
            panic!("client 2 goes first, ahead of client 1's queue");
        };
        drop(second);
        assert!(poll(&mut ones[0]).is_ready());
    }

    #[test]
    fn clients_that_keep_hashing_take_turns_among_themselves() {
        let turns = Arc::new(HashingTurns::new(1, 100));
        let mut running = turns.turn(key(9)).unwrap();
        let Poll::Ready(first) = poll(&mut running) else {
            panic!("a free slot is taken at once");
        };
        let mut waiting: Vec<_> = [1, 1, 2, 2]
            .map(|n| turns.turn(key(n)).unwrap())
            .into_iter()
            .collect();
        for w in &mut waiting {
            assert!(poll(w).is_pending());
        }
        drop(first);
        // Order of service: 1, 2, 1, 2 (each the least recently served when a slot frees).
        let order = [0, 2, 1, 3];
        for (step, &expected) in order.iter().enumerate() {
            for &later in &order[step + 1..] {
                assert!(
                    poll(&mut waiting[later]).is_pending(),
                    "{later} before {expected}"
                );
            }
            let Poll::Ready(turn) = poll(&mut waiting[expected]) else {
                panic!("ticket {expected} should be served now");
            };
            drop(turn);
        }
    }

    #[test]
    fn the_load_counts_running_and_waiting_requests_until_they_finish_or_leave() {
        let turns = Arc::new(HashingTurns::new(1, 5));
        let idle = HashingLoad {
            busy_slots: 0,
            slots: 1,
            waiting: 0,
            queue_limit: 5,
        };
        assert_eq!(turns.load(), idle);
        let mut running = turns.turn(key(1)).unwrap();
        let Poll::Ready(first) = poll(&mut running) else {
            panic!("a free slot is taken at once");
        };
        let waiting = turns.turn(key(2)).unwrap();
        let abandoned = turns.turn(key(3)).unwrap();
        let load = turns.load();
        assert_eq!((load.busy_slots, load.waiting), (1, 2));
        drop(abandoned);
        assert_eq!(turns.load().waiting, 1);
        drop(first);
        let load = turns.load();
        assert_eq!((load.busy_slots, load.waiting), (1, 0), "the slot went on");
        drop(waiting);
        assert_eq!(turns.load(), idle);
    }

    #[test]
    fn past_the_slots_and_the_queue_a_request_is_refused_at_once() {
        let turns = Arc::new(HashingTurns::new(1, 1));
        let mut running = turns.turn(key(1)).unwrap();
        let _turn = poll(&mut running);
        let _waiting = turns.turn(key(2)).unwrap();
        assert!(turns.turn(key(3)).is_none());
    }

    #[test]
    fn an_abandoned_wait_leaves_the_queue_and_an_uncollected_turn_passes_on() {
        let turns = Arc::new(HashingTurns::new(1, 3));
        let mut running = turns.turn(key(1)).unwrap();
        let Poll::Ready(first) = poll(&mut running) else {
            panic!("a free slot is taken at once");
        };
        let abandoned = turns.turn(key(2)).unwrap();
        let mut patient = turns.turn(key(3)).unwrap();
        assert!(poll(&mut patient).is_pending());
        drop(abandoned);
        drop(first);
        let Poll::Ready(second) = poll(&mut patient) else {
            panic!("the abandoned request's turn went to the next client");
        };
        // Granted but dropped before it was collected: the slot is not lost.
        let mut gone = turns.turn(key(4)).unwrap();
        assert!(poll(&mut gone).is_pending());
        drop(second);
        drop(gone);
        let mut after = turns.turn(key(5)).unwrap();
        assert!(poll(&mut after).is_ready());
    }
}
