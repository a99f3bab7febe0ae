//! The audit trail: one structured event (tracing target `audit`) per security-relevant
//! action, with the outcome, the account when known and the client's address. Never a
//! password, a hash or a token: callers pass only these fields.

use std::net::IpAddr;

use quill_domain::UserId;

/// What happened.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Action {
    Register,
    Login,
    Logout,
    LogoutEverywhere,
    PasswordChange,
    AccountDeletion,
    RateLimited,
    HashingBusy,
}

impl Action {
    fn name(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::Login => "login",
            Self::Logout => "logout",
            Self::LogoutEverywhere => "logout_everywhere",
            Self::PasswordChange => "password_change",
            Self::AccountDeletion => "account_deletion",
            Self::RateLimited => "rate_limited",
            Self::HashingBusy => "hashing_busy",
        }
    }
}

/// Records one action. `outcome` is `success`, `failure` or `refused`.
pub(crate) fn record(
    action: Action,
    outcome: &'static str,
    user: Option<UserId>,
    client_ip: IpAddr,
) {
    tracing::info!(
        target: "audit",
        action = action.name(),
        outcome,
        user_id = user.map(|id| id.0),
        client_ip = %client_ip,
    );
}

/// Records a success or failure by the result's kind.
pub(crate) fn record_result<T, E>(
    action: Action,
    result: &Result<T, E>,
    user: Option<UserId>,
    client_ip: IpAddr,
) {
    let outcome = if result.is_ok() { "success" } else { "failure" };
    record(action, outcome, user, client_ip);
}
