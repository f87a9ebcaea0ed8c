package dev.lsnwait.internal.tracker;

import java.time.Duration;

/**
 * How a tracker asks its server.
 *
 * @param pollInterval the shortest time between two polls (when a forecast replay is not there yet)
 * @param maxPollRate the most polls a second, on average
 * @param refreshInterval while reads with tokens keep coming, the shortest time between two polls that nobody waits
 *     for, which keep the known replay position up with this JVM's commits (zero: none)
 * @param idleTimeout how long the poller thread and its connection stay after the last waiter
 * @param waitForLsn whether the server has {@code WAIT FOR LSN} (PostgreSQL 19 and later)
 */
public record TrackerSettings(Duration pollInterval, int maxPollRate, Duration refreshInterval, Duration idleTimeout,
    boolean waitForLsn) {}
