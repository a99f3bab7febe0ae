//! Summaries of measured latencies: nearest-rank percentiles, the median of a handful of
//! samples, milliseconds for printing, and the throughput and latency of one measured window.

use std::time::Duration;

use serde_json::{Value, json};

/// Throughput and latency of one measured window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    /// Answers counted per second of the window.
    pub requests_per_second: f64,
    /// Median latency (nearest rank).
    pub p50: Duration,
    /// 99th-percentile latency (nearest rank).
    pub p99: Duration,
    /// How many answers were counted.
    pub requests: usize,
}

impl Stats {
    /// Summarises the latencies of the answers counted during `window`.
    #[must_use]
    pub fn of(mut latencies: Vec<Duration>, window: Duration) -> Self {
        latencies.sort();
        Stats {
            requests_per_second: latencies.len() as f64 / window.as_secs_f64(),
            p50: percentile(&latencies, 50.0),
            p99: percentile(&latencies, 99.0),
            requests: latencies.len(),
        }
    }

    /// The reports' shape: requests/s, p50 and p99 in milliseconds, and the count.
    #[must_use]
    pub fn to_json(&self) -> Value {
        json!({
            "requests_per_second": self.requests_per_second,
            "p50_ms": ms(self.p50),
            "p99_ms": ms(self.p99),
            "requests": self.requests,
        })
    }
}

/// The nearest-rank `p`th percentile of `sorted` (ascending): the smallest sample with at
/// least `p`% of the samples at or below it. Zero for no samples.
#[must_use]
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The middle sample, the upper of the two middles for an even count; one slow outlier among
/// a few tries does not move it. Zero for no samples.
#[must_use]
pub fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples.get(samples.len() / 2).copied().unwrap_or_default()
}

/// The middle of `values` (ratios, rates), the upper of the two middles for an even count;
/// NaN for none.
#[must_use]
pub fn median_of(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// `d` in milliseconds, fractional.
#[must_use]
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{Stats, median, ms, percentile};

    fn millis(values: &[u64]) -> Vec<Duration> {
        values.iter().copied().map(Duration::from_millis).collect()
    }

    #[test]
    fn percentiles_of_one_to_a_hundred_milliseconds_are_their_own_rank() {
        let samples = millis(&(1..=100).collect::<Vec<_>>());
        assert_eq!(percentile(&samples, 50.0), Duration::from_millis(50));
        assert_eq!(percentile(&samples, 95.0), Duration::from_millis(95));
        assert_eq!(percentile(&samples, 99.0), Duration::from_millis(99));
        assert_eq!(percentile(&samples, 100.0), Duration::from_millis(100));
    }

    #[test]
    fn a_percentile_between_ranks_rounds_up_to_the_next_sample() {
        let samples = millis(&[10, 20, 30, 40]);
        assert_eq!(percentile(&samples, 50.0), Duration::from_millis(20));
        assert_eq!(percentile(&samples, 51.0), Duration::from_millis(30));
        assert_eq!(percentile(&samples, 99.0), Duration::from_millis(40));
    }

    #[test]
    fn the_lowest_percentile_is_the_fastest_sample_and_no_samples_give_zero() {
        assert_eq!(
            percentile(&millis(&[7, 8, 9]), 0.0),
            Duration::from_millis(7)
        );
        assert_eq!(percentile(&[], 99.0), Duration::ZERO);
    }

    #[test]
    fn the_median_sorts_its_samples_and_takes_the_upper_middle_of_an_even_count() {
        assert_eq!(median(millis(&[30, 10, 20])), Duration::from_millis(20));
        assert_eq!(median(millis(&[40, 10, 30, 20])), Duration::from_millis(30));
        assert_eq!(median(millis(&[900, 5, 6, 7, 8])), Duration::from_millis(7));
        assert_eq!(median(Vec::new()), Duration::ZERO);
    }

    #[test]
    fn milliseconds_keep_their_fraction() {
        assert!((ms(Duration::from_micros(1500)) - 1.5).abs() < 1e-12);
    }

    #[test]
    fn a_window_counts_its_answers_per_second_and_ranks_them_unsorted() {
        let stats = Stats::of(millis(&[4, 1, 3, 2]), Duration::from_secs(2));
        assert_eq!(
            stats,
            Stats {
                requests_per_second: 2.0,
                p50: Duration::from_millis(2),
                p99: Duration::from_millis(4),
                requests: 4,
            }
        );
        assert_eq!(stats.to_json()["p99_ms"], 4.0);
    }
}
