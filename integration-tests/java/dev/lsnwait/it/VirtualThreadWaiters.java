package dev.lsnwait.it;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnToken;
import dev.lsnwait.LsnWaitDataSource;
import dev.lsnwait.LsnWaitDriver;
import dev.lsnwait.ReplicaTracker;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * Run by {@link VirtualThreadsIT} in a JVM of version 21 or newer: N virtual threads read from the replica through
 * {@link LsnWaitDataSource} with replay paused, so all of them wait in lsnwait; replay resumes; every read must
 * complete, and JFR must record no {@code jdk.VirtualThreadPinned} event. Prints {@code completed=N pinned=K}.
 */
public final class VirtualThreadWaiters {

  private VirtualThreadWaiters() {}

  public static void main(String[] args) throws Throwable {
    int primaryPort = Integer.parseInt(args[0]);
    int replicaPort = Integer.parseInt(args[1]);
    int waiters = Integer.parseInt(args[2]);
    Path jfr = Files.createTempFile("lsnwait-pinning", ".jfr");
    try (Recording recording = new Recording()) {
      recording.enable("jdk.VirtualThreadPinned").withThreshold(Duration.ZERO).withStackTrace();
      int completed = run(primaryPort, replicaPort, waiters, recording);
      recording.stop();
      recording.dump(jfr);
      List<String> pinned = new ArrayList<>();
      for (RecordedEvent event : RecordingFile.readAllEvents(jfr)) {
        StringBuilder where = new StringBuilder(event.getEventType().getName());
        for (String field : new String[] {"pinnedReason", "blockingOperation"}) {
          if (event.hasField(field)) {
            where.append(' ').append(field).append('=').append((Object) event.getValue(field));
          }
        }
        if (event.getStackTrace() != null) {
          for (RecordedFrame frame : event.getStackTrace().getFrames().subList(0,
              Math.min(40, event.getStackTrace().getFrames().size()))) {
            where.append(" < ").append(frame.getMethod().getType().getName()).append('.')
                .append(frame.getMethod().getName());
          }
        }
        pinned.add(where.toString());
      }
      pinned.stream().distinct().limit(5).forEach(System.out::println);
      System.out.println("completed=" + completed + " pinned=" + pinned.size());
    } finally {
      Files.deleteIfExists(jfr);
    }
    System.exit(0);
  }

  private static int run(int primaryPort, int replicaPort, int waiters, Recording recording) throws Throwable {
    Properties superuser = new Properties();
    superuser.setProperty("user", "postgres");
    try (HikariDataSource primary = pool("jdbc:lsnwait:postgresql://127.0.0.1:" + primaryPort + "/postgres", 2);
        HikariDataSource replicaPool = pool("jdbc:lsnwait:postgresql://127.0.0.1:" + replicaPort + "/postgres", 16);
        Connection control = DriverManager.getConnection(
            "jdbc:postgresql://127.0.0.1:" + replicaPort + "/postgres", superuser)) {
      LsnWaitDataSource replica = new LsnWaitDataSource(replicaPool);
      replica.getConnection().close(); // learns the tracker
      ReplicaTracker tracker = LsnWaitDriver.tracker("127.0.0.1:" + replicaPort).orElseThrow();
      try (Connection c = primary.getConnection(); Statement s = c.createStatement()) {
        s.execute("CREATE TABLE virtual_threads (id int)");
      }
      LsnToken created = LsnContext.current();
      List<Future<Integer>> reads = new ArrayList<>();
      ExecutorService threads = virtualThreadPerTask();
      try {
        // Warm-up: the JVM's first virtual-thread socket reads and class initialisations pin briefly, whatever the
        // code; what is measured is the waiting that follows.
        List<Future<Integer>> warmUp = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
          warmUp.add(threads.submit(() -> LsnContext.callWith(created, () -> read(replica))));
        }
        for (Future<Integer> read : warmUp) {
          read.get(60, TimeUnit.SECONDS);
        }
        try (Statement s = control.createStatement()) {
          s.execute("SELECT pg_wal_replay_pause()");
        }
        try (Connection c = primary.getConnection(); Statement s = c.createStatement()) {
          s.execute("INSERT INTO virtual_threads VALUES (1)");
        }
        LsnToken token = LsnContext.current();
        LsnContext.clear();
        recording.start();
        for (int i = 0; i < waiters; i++) {
          reads.add(threads.submit(() -> LsnContext.callWith(token, () -> read(replica))));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (tracker.stats().waiters() < waiters && System.nanoTime() < deadline) {
          Thread.sleep(10); // polling a condition with a deadline
        }
        System.out.println("waiting=" + tracker.stats().waiters());
        try (Statement s = control.createStatement()) {
          s.execute("SELECT pg_wal_replay_resume()");
        }
        int completed = 0;
        for (Future<Integer> read : reads) {
          if (read.get(120, TimeUnit.SECONDS) == 1) {
            completed++;
          }
        }
        return completed;
      } finally {
        threads.shutdownNow();
      }
    }
  }

  private static int read(LsnWaitDataSource replica) throws java.sql.SQLException {
    try (Connection c = replica.getConnection(); Statement s = c.createStatement();
        ResultSet rows = s.executeQuery("SELECT count(*) FROM virtual_threads")) {
      rows.next();
      return rows.getInt(1);
    }
  }

  private static ExecutorService virtualThreadPerTask() throws Throwable {
    return (ExecutorService) MethodHandles.publicLookup()
        .findStatic(java.util.concurrent.Executors.class, "newVirtualThreadPerTaskExecutor",
            MethodType.methodType(ExecutorService.class))
        .invoke();
  }

  private static HikariDataSource pool(String url, int size) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setUsername("postgres");
    config.setMaximumPoolSize(size);
    config.setConnectionTimeout(120_000);
    return new HikariDataSource(config);
  }
}
