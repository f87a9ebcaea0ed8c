package dev.lsnwait.internal.server;

import java.time.Instant;

/**
 * What tells one running PostgreSQL server from every other: its cluster ({@code system_identifier}, shared by a
 * primary and its physical standbys) and when its postmaster started ({@code pg_postmaster_start_time()}, in
 * microseconds). Two standbys behind one address differ in start time; a restarted or rebuilt server is a new
 * identity. Addresses are no part of it: the same server reports another {@code inet_server_addr()} on another path
 * (TCP, a Unix socket, a proxy).
 */
public record ServerIdentity(long systemIdentifier, long startMicros) {

  /** The start time, for messages. */
  public Instant startTime() {
    return Instant.ofEpochSecond(Math.floorDiv(startMicros, 1_000_000), Math.floorMod(startMicros, 1_000_000) * 1000L);
  }

  @Override
  public String toString() {
    return "cluster " + Long.toUnsignedString(systemIdentifier) + ", started " + startTime();
  }
}
