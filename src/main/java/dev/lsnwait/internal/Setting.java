package dev.lsnwait.internal;

import java.sql.DriverPropertyInfo;

/** lsnwait's own connection properties. They are taken out before the rest reaches pgjdbc. */
public enum Setting {
  ROLE(
      "lsnwait.role",
      "auto",
      "What the connection does: auto detects it with pg_is_in_recovery(); primary produces tokens after commits;"
          + " replica waits for the current token before statements run.",
      "auto", "primary", "replica"),
  TIMEOUT(
      "lsnwait.timeout",
      "5s",
      "How long a replica read waits for the current token to be replayed (for example 5s, 500ms, or milliseconds)."),
  ON_TIMEOUT(
      "lsnwait.onTimeout",
      "fail",
      "After the timeout: fail throws ReplicationTimeoutException; proceed runs the read anyway and counts it.",
      "fail", "proceed"),
  POLL_INTERVAL(
      "lsnwait.pollInterval",
      "250us",
      "The shortest time between two polls of a replica's replay position, when a poll finds a forecast replay"
          + " not there yet (never while nobody waits)."),
  MAX_POLL_RATE(
      "lsnwait.maxPollRate",
      "180",
      "The most polls per second a tracker sends its replica, however many wait (a short burst may exceed it)."),
  RESOLVE_INTERVAL(
      "lsnwait.resolveInterval",
      "1ms",
      "How soon after a commit its WAL position is read, at most one read per interval per primary while commits"
          + " happen; 0 reads only when a reader needs one (tokens then cover later commits too)."),
  REFRESH_INTERVAL(
      "lsnwait.refreshInterval",
      "10ms",
      "While reads that carry tokens keep coming (one in the last 10 s), how often at most a tracker asks its"
          + " replica for the latest commit position read on the primary, once it is forecast replayed, so that a read"
          + " coming after its commit was replayed finds it known and does not wait; 0: ask only for waiting reads."),
  IDLE_TIMEOUT(
      "lsnwait.idleTimeout",
      "60s",
      "How long a tracker keeps its thread and connection after the last waiter (with refreshes on, after readers"
          + " stopped asking for 10 s)."),
  TOKENS(
      "lsnwait.tokens",
      "writes",
      "Which commits make a token on a primary: writes, those of work that may have written (a SELECT of"
          + " functions that cannot write, a read-only transaction, a validation query make none); commits, every"
          + " commit.",
      "writes", "commits"),
  REPLICAS(
      "lsnwait.replicas",
      "",
      "Replica addresses (host:port, comma-separated) for one URL that routes: read-only work goes to a replica that"
          + " has replayed the thread's writes, everything else to the primary of the URL."),
  REPLICA_WAIT(
      "lsnwait.replicaWait",
      "20ms",
      "With lsnwait.replicas: how long read-only work waits for a replica to catch up before it runs on the"
          + " primary (0: never wait)."),
  CONSISTENCY(
      "lsnwait.consistency",
      "session",
      "What a replica read must see: session, the thread's own writes; global, also every commit that finished"
          + " before it started; bounded, also every commit that finished more than lsnwait.maxStaleness before.",
      "session", "global", "bounded"),
  MAX_STALENESS(
      "lsnwait.maxStaleness",
      "1s",
      "With lsnwait.consistency=bounded: how far behind the primary, in time, a replica read may be."),
  POOLER(
      "lsnwait.pooler",
      "auto",
      "Whether a replica connection's transactions may run on different servers (a transaction pooler over"
          + " several standbys): transaction checks the replay in each read's own transaction, on its own server;"
          + " none trusts the server the connection reached; auto checks in the transaction when a pooler is"
          + " detected (the server's backend is not the one the connection was opened with).",
      "auto", "transaction", "none");

  /** The prefix of every lsnwait property. */
  public static final String PREFIX = "lsnwait.";

  private final String key;
  private final String defaultValue;
  private final String description;
  private final String[] choices;

  Setting(String key, String defaultValue, String description, String... choices) {
    this.key = key;
    this.defaultValue = defaultValue;
    this.description = description;
    this.choices = choices;
  }

  public String key() {
    return key;
  }

  public String defaultValue() {
    return defaultValue;
  }

  public DriverPropertyInfo describe(String currentValue) {
    DriverPropertyInfo info = new DriverPropertyInfo(key, currentValue != null ? currentValue : defaultValue);
    info.description = description + " Default: " + defaultValue + ".";
    info.required = false;
    info.choices = choices.length == 0 ? null : choices.clone();
    return info;
  }

  /** Every key, for messages. */
  public static String keys() {
    StringBuilder keys = new StringBuilder();
    for (Setting setting : values()) {
      keys.append(keys.length() == 0 ? "" : ", ").append(setting.key);
    }
    return keys.toString();
  }

  public static Setting byKey(String key) {
    for (Setting setting : values()) {
      if (setting.key.equalsIgnoreCase(key)) {
        return setting;
      }
    }
    return null;
  }
}
