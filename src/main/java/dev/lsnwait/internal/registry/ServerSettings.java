package dev.lsnwait.internal.registry;

import dev.lsnwait.internal.Setting;
import dev.lsnwait.internal.Settings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The settings that belong to a server rather than to a connection, since one tracker and one position reader serve
 * every connection to it: the first connection's values are kept, and a later connection with other values is told
 * so in the log.
 *
 * @param pollInterval {@code lsnwait.pollInterval}
 * @param maxPollRate {@code lsnwait.maxPollRate}
 * @param resolveInterval {@code lsnwait.resolveInterval}
 * @param refreshInterval {@code lsnwait.refreshInterval}
 * @param idleTimeout {@code lsnwait.idleTimeout}
 * @param positionReadTimeout {@code lsnwait.timeout}: how long a primary's position read may take when its caller
 *     gives no deadline ({@code LsnContext.current()})
 */
public record ServerSettings(Duration pollInterval, int maxPollRate, Duration resolveInterval,
    Duration refreshInterval, Duration idleTimeout, Duration positionReadTimeout) {

  public static ServerSettings of(Settings settings) {
    return new ServerSettings(settings.pollInterval(), settings.maxPollRate(), settings.resolveInterval(),
        settings.refreshInterval(), settings.idleTimeout(), settings.timeout());
  }

  /** How {@code other} differs from these, one line per setting; empty if it does not. */
  List<String> conflicts(ServerSettings other) {
    List<String> conflicts = new ArrayList<>();
    if (!pollInterval.equals(other.pollInterval)) {
      conflicts.add(describe(Setting.POLL_INTERVAL, pollInterval, other.pollInterval));
    }
    if (maxPollRate != other.maxPollRate) {
      conflicts.add(Setting.MAX_POLL_RATE.key() + ": keeping " + maxPollRate + " (from the first connection), ignoring "
          + other.maxPollRate);
    }
    if (!resolveInterval.equals(other.resolveInterval)) {
      conflicts.add(describe(Setting.RESOLVE_INTERVAL, resolveInterval, other.resolveInterval));
    }
    if (!refreshInterval.equals(other.refreshInterval)) {
      conflicts.add(describe(Setting.REFRESH_INTERVAL, refreshInterval, other.refreshInterval));
    }
    if (!idleTimeout.equals(other.idleTimeout)) {
      conflicts.add(describe(Setting.IDLE_TIMEOUT, idleTimeout, other.idleTimeout));
    }
    // positionReadTimeout is not compared: lsnwait.timeout is a per-connection setting for reads first, and only
    // bounds position reads that have no reader's deadline (the first primary connection's value).
    return conflicts;
  }

  private static String describe(Setting setting, Duration kept, Duration ignored) {
    return setting.key() + ": keeping " + kept + " (from the first connection), ignoring " + ignored;
  }
}
