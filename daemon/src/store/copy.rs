//! Copies every record from one store into another, page by page, through the store
//! interface: moving an install between backends (`twofoldd migrate`) or into a fresh file.
//! The source must not change while it runs (run it with the daemon stopped).

use crate::domain::ids::UserId;
use crate::store::{Store, StoreError};

const PAGE: usize = 500;

/// How many records of each kind were copied.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CopyReport {
    pub users: usize,
    pub applications: usize,
    pub api_keys: usize,
    pub signing_keys: usize,
    pub messengers: usize,
    pub refresh_tokens: usize,
    pub challenges: usize,
    pub trusts: usize,
    pub send_logs: usize,
    pub audit_events: usize,
}

/// Copies `from` into `to`, which should be empty. Install record and tenant included.
pub async fn copy_all(from: &dyn Store, to: &dyn Store) -> Result<CopyReport, StoreError> {
    let mut report = CopyReport::default();

    let (install, tenant, applications, api_keys, signing_keys, messengers) = from
        .read(|tx| {
            Ok::<_, StoreError>((
                tx.install()?,
                tx.tenant()?,
                tx.applications()?,
                tx.api_keys()?,
                tx.signing_keys()?,
                tx.messengers()?,
            ))
        })
        .await?;
    report.applications = applications.len();
    report.api_keys = api_keys.len();
    report.signing_keys = signing_keys.len();
    report.messengers = messengers.len();
    to.write(move |tx| {
        if let Some(install) = &install {
            tx.put_install(install)?;
        }
        if let Some(tenant) = &tenant {
            tx.put_tenant(tenant)?;
        }
        for a in &applications {
            tx.put_application(a)?;
        }
        for k in &api_keys {
            tx.put_api_key(k)?;
        }
        for k in &signing_keys {
            tx.put_signing_key(k)?;
        }
        for m in &messengers {
            tx.put_messenger(m)?;
        }
        Ok::<_, StoreError>(())
    })
    .await?;

    let mut after: Option<UserId> = None;
    loop {
        let users = from.read(move |tx| tx.users_page(after, PAGE)).await?;
        let Some(last) = users.last().map(|u| u.id) else {
            break;
        };
        report.users += users.len();
        to.write(move |tx| users.iter().try_for_each(|u| tx.put_user(u)))
            .await?;
        after = Some(last);
    }

    macro_rules! copy_pages {
        ($page:ident, $put:ident, $count:ident) => {{
            let mut after = None;
            loop {
                let cursor = after.clone();
                let items = from.read(move |tx| tx.$page(cursor.clone(), PAGE)).await?;
                let Some((last, _)) = items.last() else { break };
                after = Some(last.clone());
                report.$count += items.len();
                to.write(move |tx| items.iter().try_for_each(|(k, v)| tx.$put(k, v)))
                    .await?;
            }
        }};
    }
    copy_pages!(refresh_tokens_page, put_refresh_token, refresh_tokens);
    copy_pages!(challenges_page, put_challenge, challenges);
    copy_pages!(trusts_page, put_trust, trusts);
    copy_pages!(send_logs_page, put_send_log, send_logs);

    let mut after = None;
    loop {
        let events = from.read(move |tx| tx.audit_page(after, PAGE)).await?;
        let Some(last) = events.last().map(|e| e.id) else {
            break;
        };
        after = Some(last);
        report.audit_events += events.len();
        to.write(move |tx| events.iter().try_for_each(|e| tx.append_audit(e)))
            .await?;
    }
    Ok(report)
}
