//! Property tests of request decoding: any bytes, and any JSON of roughly the right shape,
//! give a typed request or a FusionAuth 400 — never a panic. Run longer with e.g.
//! `PROPTEST_CASES=100000 cargo test -p daemon fuzz_`.

use proptest::prelude::*;
use serde_json::Value;

use super::error::ApiError;
use super::request::parse_json;
use crate::wire::application::ApplicationRequest;
use crate::wire::login::{LoginRequest, TwoFactorLoginRequest};
use crate::wire::messenger::MessengerRequest;
use crate::wire::tenant::TenantRequest;
use crate::wire::two_factor::{EnableRequest, SendRequest};
use crate::wire::user::{RegistrationRequest, UserRequest};

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,40}".prop_map(Value::String),
        prop_oneof![
            Just("loginId"),
            Just("password"),
            Just("user"),
            Just("email"),
            Just("applicationId")
        ]
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("user".to_owned()),
                    Just("loginId".to_owned()),
                    Just("password".to_owned()),
                    Just("twoFactor".to_owned()),
                    Just("methods".to_owned()),
                    Just("registration".to_owned()),
                    Just("application".to_owned()),
                    Just("messenger".to_owned()),
                    Just("tenant".to_owned()),
                    "[a-zA-Z]{1,12}",
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn decode_all(bytes: &[u8]) {
    fn one<T: serde::de::DeserializeOwned>(bytes: &[u8]) {
        match parse_json::<T>(bytes) {
            Ok(_) | Err(ApiError::BadRequest(_)) => {}
            Err(other) => panic!("decoding answered {other:?}"),
        }
    }
    one::<LoginRequest>(bytes);
    one::<TwoFactorLoginRequest>(bytes);
    one::<UserRequest>(bytes);
    one::<RegistrationRequest>(bytes);
    one::<ApplicationRequest>(bytes);
    one::<MessengerRequest>(bytes);
    one::<TenantRequest>(bytes);
    one::<EnableRequest>(bytes);
    one::<SendRequest>(bytes);
    // Decoded requests must also convert into use-case input without panicking.
    if let Ok(request) = parse_json::<UserRequest>(bytes)
        && let Some(user) = request.user
    {
        let _ = user.into_draft(request.skip_verification);
    }
    if let Ok(request) = parse_json::<TenantRequest>(bytes)
        && let Some(changes) = request.tenant
    {
        let mut tenant = crate::domain::tenant::Tenant::new_default(
            "x".to_owned(),
            crate::domain::time::Timestamp::EPOCH,
        );
        let _ = changes.apply(&mut tenant);
    }
}

proptest! {
    #[test]
    fn fuzz_request_decoding_survives_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        decode_all(&bytes);
    }

    #[test]
    fn fuzz_request_decoding_survives_any_json(value in arbitrary_json()) {
        decode_all(&serde_json::to_vec(&value).unwrap_or_default());
    }
}
