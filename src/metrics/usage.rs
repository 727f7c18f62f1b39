//! From two engine readings to usage, as `docker stats` computes it: CPU is the container's
//! CPU-time delta over the host's, times the online CPUs; memory is usage minus the inactive
//! file cache. Pure.

use super::Usage;
use crate::runtime::ResourceReading;

/// CPU in nanocores over the interval between `previous` and `current`; `None` when the
/// counters did not advance (a restarted container, or two readings of one instant).
pub fn cpu_nanocores(previous: &ResourceReading, current: &ResourceReading) -> Option<u64> {
    let used = current.cpu_total_ns.checked_sub(previous.cpu_total_ns)?;
    let system = current.system_cpu_ns.checked_sub(previous.system_cpu_ns).filter(|d| *d > 0)?;
    let cores = used as f64 / system as f64 * f64::from(current.online_cpus.max(1));
    Some((cores * 1e9).round() as u64)
}

/// The working set: usage minus the inactive file cache (never below zero).
pub fn working_set(reading: &ResourceReading) -> u64 {
    reading.memory_usage_bytes.saturating_sub(reading.memory_inactive_file_bytes)
}

/// A container's usage between two readings.
pub fn usage(previous: &ResourceReading, current: &ResourceReading) -> Option<Usage> {
    Some(Usage { cpu_nanocores: cpu_nanocores(previous, current)?, memory_bytes: working_set(current) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(cpu: u64, system: u64) -> ResourceReading {
        ResourceReading {
            cpu_total_ns: cpu,
            system_cpu_ns: system,
            online_cpus: 2,
            memory_usage_bytes: 50 << 20,
            memory_inactive_file_bytes: 8 << 20,
        }
    }

    #[test]
    fn cpu_is_the_share_of_host_time_times_cpus() {
        // Over 15 s on 2 CPUs the host accrues 30 s of CPU time; 1.5 s of it is the
        // container's: 5% of the host, 0.1 of a core, 100m.
        let (a, b) = (reading(10_000_000_000, 1_000_000_000_000), reading(11_500_000_000, 1_030_000_000_000));
        assert_eq!(cpu_nanocores(&a, &b), Some(100_000_000));
        assert_eq!(working_set(&b), 42 << 20);
    }

    #[test]
    fn counters_that_did_not_advance_give_no_usage() {
        let a = reading(10, 100);
        assert_eq!(cpu_nanocores(&a, &a), None);
        assert_eq!(cpu_nanocores(&reading(10, 100), &reading(5, 200)), None, "a restart resets the counter");
        let mut cached = a;
        cached.memory_inactive_file_bytes = u64::MAX;
        assert_eq!(working_set(&cached), 0);
    }
}
