//! Typed identifiers. Each resource has its own UUID newtype so a user id can never be
//! passed where an application id is expected.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh random (v4) id.
            pub fn random() -> Self {
                Self(Uuid::new_v4())
            }

            pub fn as_u128(self) -> u128 {
                self.0.as_u128()
            }

            pub fn from_u128(value: u128) -> Self {
                Self(Uuid::from_u128(value))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

uuid_id!(
    /// Identifies a user.
    UserId
);
uuid_id!(
    /// Identifies an application (a FusionAuth "application": a client that users log in to).
    ApplicationId
);
uuid_id!(
    /// Identifies the tenant. twofold has one default tenant; the id is kept for wire compatibility.
    TenantId
);
uuid_id!(
    /// Identifies a messenger (an SMS provider configuration).
    MessengerId
);
uuid_id!(
    /// Identifies an API key record (never the key itself).
    ApiKeyId
);
uuid_id!(
    /// Identifies a refresh token record (the `refreshTokenId` and the JWT `sid` claim).
    RefreshTokenId
);
uuid_id!(
    /// Identifies a registration of a user to an application.
    RegistrationId
);
uuid_id!(
    /// Identifies an audit event; v7 ids sort by time.
    EventId
);
