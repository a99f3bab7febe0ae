//! `METRICS_ADDR`: where the Prometheus metrics are served, on a listener of their own so
//! they are never public by accident. Unset or empty, there is no such listener.

use std::net::SocketAddr;

use super::{ConfigError, invalid};

/// The metrics listener's address, `None` when the setting is unset or empty.
pub(super) fn metrics_addr(
    value: Option<&str>,
    bind_addr: SocketAddr,
) -> Result<Option<SocketAddr>, ConfigError> {
    let text = value.map(str::trim).unwrap_or_default();
    if text.is_empty() {
        return Ok(None);
    }
    let addr: SocketAddr = text.parse().map_err(|_| {
        invalid(
            "METRICS_ADDR",
            format!(
                "must be an address and port such as 127.0.0.1:9100, or empty for no metrics, got {text:?}"
            ),
        )
    })?;
    if addr == bind_addr {
        return Err(invalid(
            "METRICS_ADDR",
            "must differ from BIND_ADDR: the metrics have a listener of their own",
        ));
    }
    Ok(Some(addr))
}

#[cfg(test)]
// figment's Jail closures return its own (large) error type; that is its API, not ours.
#[allow(clippy::result_large_err)]
mod tests {
    use figment::Jail;

    use crate::config::tests::load_in;

    #[test]
    fn metrics_are_off_unless_an_address_is_set() {
        Jail::expect_with(|jail| {
            assert_eq!(load_in(jail).unwrap().metrics_addr, None);
            jail.set_env("METRICS_ADDR", "");
            assert_eq!(load_in(jail).unwrap().metrics_addr, None);
            jail.set_env("METRICS_ADDR", " 127.0.0.1:9100 ");
            assert_eq!(
                load_in(jail).unwrap().metrics_addr,
                Some(([127, 0, 0, 1], 9100).into())
            );
            Ok(())
        });
    }

    #[test]
    fn a_metrics_address_that_is_no_address_or_is_the_main_one_is_refused() {
        for (bind, metrics) in [
            ("127.0.0.1:8000", "9100"),
            ("127.0.0.1:8000", "127.0.0.1:8000"),
        ] {
            Jail::expect_with(|jail| {
                jail.set_env("BIND_ADDR", bind);
                jail.set_env("METRICS_ADDR", metrics);
                let err = load_in(jail).unwrap_err().to_string();
                assert!(err.starts_with("METRICS_ADDR: "), "{metrics}: {err}");
                Ok(())
            });
        }
    }
}
