//! Bench users: distinct valid US mobile numbers, and a pool that hands a user out only when
//! the daemon's SMS limits let it receive another code (30 s apart per user and number).

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The daemon refuses a second SMS to one user or number within 30 s; keep clear of it.
const SMS_GAP: Duration = Duration::from_secs(31);

pub const PASSWORD: &str = "bench password 0123";

#[derive(Clone, Debug)]
pub struct BenchUser {
    pub email: String,
    pub phone: String,
}

/// `count` users with distinct numbers libphonenumber accepts as US mobile-or-fixed lines.
pub fn make_users(prefix: &str, count: usize) -> Vec<BenchUser> {
    let mut users = Vec::with_capacity(count);
    let mut candidate: u64 = 0;
    while users.len() < count {
        // Area code 212 (New York), exchanges 201..999, lines 0000..9999.
        let exchange = 201 + (candidate / 10_000) % 799;
        let area =
            [212u64, 213, 305, 312, 415, 617, 702, 713][(candidate / 7_990_000) as usize % 8];
        let phone = format!("+1{area}{exchange}{:04}", candidate % 10_000);
        candidate += 1;
        if exchange % 100 == 11
            || exchange == 555
            || exchange == 950
            || exchange == 958
            || exchange == 959
            || exchange == 976
        {
            continue;
        }
        let ok = daemon::domain::phone::parse(&phone, None).is_ok_and(|p| p.kind.accepts_sms());
        if ok {
            users.push(BenchUser {
                email: format!("{prefix}-{}@bench.example.com", users.len()),
                phone,
            });
        }
    }
    users
}

/// Users in the order they may next receive a code.
pub struct UserPool {
    queue: Mutex<VecDeque<(usize, Instant)>>,
}

impl UserPool {
    pub fn new(count: usize) -> Self {
        let now = Instant::now();
        Self {
            queue: Mutex::new((0..count).map(|i| (i, now)).collect()),
        }
    }

    /// The next user whose SMS limits allow a code now; `None` when every user is resting
    /// (the pool was sized too small for the run: the phase ends early instead of waiting).
    pub fn take(&self) -> Option<usize> {
        let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        match queue.front() {
            Some(&(index, ready)) if ready <= Instant::now() => {
                queue.pop_front();
                Some(index)
            }
            _ => None,
        }
    }

    /// Puts a user back: it got a code now (`sent`) or it did not.
    pub fn give_back(&self, index: usize, sent: bool) {
        let ready = if sent {
            Instant::now() + SMS_GAP
        } else {
            Instant::now()
        };
        let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        if sent {
            queue.push_back((index, ready));
        } else {
            queue.push_front((index, ready));
        }
    }
}
