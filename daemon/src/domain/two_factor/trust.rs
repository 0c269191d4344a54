//! "Trust this device": a random id handed to the client after a successful two-factor login,
//! stored only as a digest, that skips the challenge on later logins until it expires or the
//! user's password or methods change (the security stamp moves on).

use serde::{Deserialize, Serialize};

use crate::domain::ids::{ApplicationId, UserId};
use crate::domain::time::Timestamp;
use crate::domain::user::User;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Trust {
    pub user_id: UserId,
    #[serde(default)]
    pub application_id: Option<ApplicationId>,
    pub created: Timestamp,
    pub expires: Timestamp,
    pub security_stamp: u64,
}

impl Trust {
    /// Valid for this user now: not expired and issued under the current security stamp.
    pub fn is_valid_for(&self, user: &User, now: Timestamp) -> bool {
        self.user_id == user.id && now < self.expires && self.security_stamp == user.security_stamp
    }
}
