//! [`AuthPolicy`]: how hard the service pushes back, as numbers: the rate limits, each
//! client's share of the hashing places, and how IPv6 clients are grouped; and whether emails
//! are verified ([`EmailVerification`]). The defaults here
//! are quill's, written once; the settings of `quill-infra` keep them for whatever is not set.

use std::time::Duration;

use crate::throttle::Rate;
use crate::user::PasswordBlocklist;

/// The abuse-resistance numbers every capability of [`Auth`](crate::Auth) enforces.
///
/// ```
/// use quill_domain::{AuthPolicy, Rate};
///
/// let strict = AuthPolicy {
///     login_failures_per_account: Rate::new(3, 2),
///     ..AuthPolicy::default()
/// };
/// assert_eq!(strict.login_per_client, Rate::new(10, 30));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthPolicy {
    /// Password checks (logins and password changes) per client (address or IPv6 prefix).
    pub login_per_client: Rate,
    /// Failed logins per target account (the email typed, existing or not), from anywhere:
    /// slows guessing one password without caring how many addresses the guesser has. A
    /// successful login gives its attempt back, so the owner never pays for their own
    /// success. After a burst of failures one attempt is admitted per refill interval, which
    /// under a sustained attack the owner shares with the attacker.
    pub login_failures_per_account: Rate,
    /// Registrations per client.
    pub register_per_client: Rate,
    /// Password-reset requests per client.
    pub reset_requests_per_client: Rate,
    /// Password-reset requests per email typed (an account's or no one's), from anywhere,
    /// that are looked at; beyond it a request gets the same answer and is dropped, so
    /// nobody learns from it and the owner is never refused.
    pub reset_requests_per_email: Rate,
    /// How long a reset link works.
    pub reset_token_lifetime: Duration,
    /// How long a mailed reset link that still works answers new requests for its account:
    /// within it, a request mails nothing new.
    pub reset_resend_after: Duration,
    /// The most reset links one account is mailed in a day, however many ask.
    pub reset_mails_per_day: u32,
    /// Password changes per signed-in account: the owner's own bucket, which strangers'
    /// login guesses never touch.
    pub password_changes_per_account: Rate,
    /// Refresh-token exchanges per client: cheap, but each is a write, and a stolen token
    /// should not be replayable at machine speed.
    pub refresh_per_client: Rate,
    /// How long an offline session (one with a refresh token) lasts from its login, however
    /// often it is renewed: its absolute expiry.
    pub refresh_token_lifetime: Duration,
    /// How long after a refresh token is rotated it still answers with its successor, for
    /// tabs that raced with the same token; after that, presenting it again ends the
    /// session.
    pub refresh_grace: Duration,
    /// How old an authentication may be for a sensitive change (the email, deleting the
    /// account) to go through on the caller's token alone; an older one needs the current
    /// password with the request.
    pub reauth_max_age: Duration,
    /// How many hashes run at once (as many as the hasher's slots). When one finishes, the
    /// slot goes to the next client in round-robin order, so a client with many requests
    /// waiting delays another by at most one hash per slot.
    pub hashing_slots: usize,
    /// How many hashing requests may wait for a slot; beyond that they are refused at once.
    pub hashing_queue_limit: usize,
    /// How many hashing places (running or waiting) one client may hold at once, so a flood
    /// from one client cannot fill the queue for everyone else.
    pub hashing_places_per_client: usize,
    /// The largest picture upload accepted, in bytes.
    pub max_upload_bytes: usize,
    /// How many picture uploads, read in full, may wait or be processed at once; beyond that
    /// they are refused. The bodies being read meanwhile may hold this many uploads' worth of
    /// memory (`picture_places × max_upload_bytes`) between them.
    pub picture_places: usize,
    /// How many uploads one client may have in progress at once (being read, waiting or
    /// being processed); beyond that its next is refused before its body is read.
    pub picture_places_per_client: usize,
    /// The slowest an upload's body may arrive, in bytes per second on average after a
    /// grace of five seconds; a slower one is given up.
    pub upload_min_bytes_per_second: usize,
    /// IPv6 clients are grouped by this many leading bits (one customer usually holds a whole
    /// /64); IPv4 clients by their whole address.
    pub ipv6_client_prefix: u8,
    /// Whether a new password (at registration, a change or a reset) is refused when it is
    /// common or contains the account's name; checked before any hashing.
    pub password_blocklist: PasswordBlocklist,
    /// Whether accounts are mailed a link that proves their email, and whether signing in
    /// waits for it.
    pub email_verification: EmailVerification,
    /// How long an email-verification link works.
    pub verification_token_lifetime: Duration,
    /// Requests for a new verification link per client.
    pub verification_requests_per_client: Rate,
    /// Requests for a new verification link per signed-in account: each mails its inbox, so
    /// the bucket is the account's own.
    pub verification_requests_per_account: Rate,
}

/// Whether quill proves that an account holds its email address.
///
/// ```
/// use quill_domain::EmailVerification;
///
/// assert_eq!(EmailVerification::default(), EmailVerification::Optional);
/// assert!(EmailVerification::Required.mails_links());
/// assert!(!EmailVerification::Off.mails_links());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum EmailVerification {
    /// No links are mailed; no one is asked to verify.
    Off,
    /// Registration mails a link and accounts may ask for another; signing in does not wait
    /// for it.
    #[default]
    Optional,
    /// As `Optional`, and a right password for an account whose email is not verified signs
    /// no one in.
    Required,
}

impl EmailVerification {
    /// Whether verification links are mailed at all.
    #[must_use]
    pub const fn mails_links(self) -> bool {
        !matches!(self, Self::Off)
    }
}

impl Default for AuthPolicy {
    fn default() -> Self {
        Self {
            login_per_client: Rate::new(10, 30),
            login_failures_per_account: Rate::new(5, 6),
            register_per_client: Rate::new(5, 10),
            reset_requests_per_client: Rate::new(5, 5),
            reset_requests_per_email: Rate::new(3, 1),
            reset_token_lifetime: Duration::from_secs(60 * 60),
            reset_resend_after: Duration::from_secs(15 * 60),
            reset_mails_per_day: 5,
            password_changes_per_account: Rate::new(5, 6),
            refresh_per_client: Rate::new(30, 30),
            refresh_token_lifetime: Duration::from_secs(30 * 24 * 60 * 60),
            refresh_grace: Duration::from_secs(10),
            reauth_max_age: Duration::from_secs(10 * 60),
            hashing_slots: 2,
            hashing_queue_limit: 32,
            hashing_places_per_client: 2,
            max_upload_bytes: 5 * 1024 * 1024,
            picture_places: 8,
            picture_places_per_client: 1,
            upload_min_bytes_per_second: 16 * 1024,
            ipv6_client_prefix: 64,
            password_blocklist: PasswordBlocklist::On,
            email_verification: EmailVerification::Optional,
            verification_token_lifetime: Duration::from_secs(24 * 60 * 60),
            verification_requests_per_client: Rate::new(5, 5),
            verification_requests_per_account: Rate::new(3, 1),
        }
    }
}
