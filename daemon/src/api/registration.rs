//! `/api/user/registration`: register a user (or create and register one) for an
//! application, read and delete registrations.

use uuid::Uuid;

use crate::app::App;
use crate::domain::ids::{ApplicationId, UserId};
use crate::domain::validation::Violations;
use crate::http::error::{ApiError, ApiResult};
use crate::http::request::Request;
use crate::http::response;
use crate::service::registrations;
use crate::wire::user::{RegistrationEnvelope, RegistrationOut, RegistrationRequest, UserOut};

/// `POST /api/user/registration[/{userId}]`: with a `user` object it creates the user too.
pub async fn create(app: &App, req: &Request, user_id: Option<&str>) -> ApiResult {
    super::require_api_key(app, req).await?;
    let user_id: Option<UserId> = user_id.map(|s| super::parse_id(s, "userId")).transpose()?;
    let body: RegistrationRequest = req.json()?;
    let registration = body.registration.ok_or_else(|| {
        ApiError::BadRequest(Violations::one(
            "registration",
            "missing",
            "You must specify the registration object.",
        ))
    })?;
    let draft = registration.into_draft(None::<Uuid>);
    let (user, registration) = match (body.user, user_id) {
        (Some(user), id) => {
            registrations::create_with_user(app, id, user.into_draft(body.skip_verification), draft)
                .await?
        }
        (None, Some(id)) => registrations::register(app, id, draft).await?,
        (None, None) => {
            return Err(ApiError::BadRequest(Violations::one(
                "userId",
                "missing",
                "Give the userId in the path to register an existing user, or a user object to create one.",
            )));
        }
    };
    Ok(response::json(
        200,
        &RegistrationEnvelope {
            registration: RegistrationOut::from(&registration),
            user: UserOut::from(&user),
        },
    ))
}

pub async fn retrieve(app: &App, req: &Request, user_id: &str, application_id: &str) -> ApiResult {
    super::require_api_key(app, req).await?;
    let user_id: UserId = super::parse_id(user_id, "userId")?;
    let application_id: ApplicationId = super::parse_id(application_id, "applicationId")?;
    let registration = registrations::get(app, user_id, application_id).await?;
    Ok(response::json(
        200,
        &serde_json::json!({ "registration": RegistrationOut::from(&registration) }),
    ))
}

pub async fn delete(app: &App, req: &Request, user_id: &str, application_id: &str) -> ApiResult {
    super::require_api_key(app, req).await?;
    let user_id: UserId = super::parse_id(user_id, "userId")?;
    let application_id: ApplicationId = super::parse_id(application_id, "applicationId")?;
    registrations::delete(app, user_id, application_id).await?;
    Ok(response::empty(200))
}
