package dev.lsnwait.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * One PostgreSQL server process for tests and the demo, on 127.0.0.1 at a free port. When the JVM runs as root it
 * runs PostgreSQL as the unprivileged user {@code nobody} (PostgreSQL refuses to run as root).
 */
public final class PgServer {

  static final String RUN_AS = "nobody";

  private final Path bin;
  private final Path dataDirectory;
  private final Path logFile;
  private final int port;
  private boolean running;

  private PgServer(Path bin, Path dataDirectory, int port) {
    this.bin = bin;
    this.dataDirectory = dataDirectory;
    this.logFile = dataDirectory.resolveSibling(dataDirectory.getFileName() + ".log");
    this.port = port;
  }

  /** A new, initialised (not started) data directory under {@code parent}. */
  static PgServer initialise(Path bin, Path parent, String name) {
    PgServer server = new PgServer(bin, parent.resolve(name), freePort());
    server.run(
        List.of(
            bin.resolve("initdb").toString(),
            "-D", server.dataDirectory.toString(),
            "-U", "postgres",
            "--auth=trust",
            "-E", "UTF8",
            "--locale=C",
            "--no-sync",
            "--no-instructions"));
    return server;
  }

  /** A server on a copy of a cleanly stopped server's data directory (how the replica is made). */
  static PgServer copyOf(PgServer source, String name) {
    PgServer server = new PgServer(source.bin, source.dataDirectory.resolveSibling(name), freePort());
    server.run(List.of("cp", "-a", source.dataDirectory.toString(), server.dataDirectory.toString()));
    return server;
  }

  /** A server on a base backup of the running {@code primary}, in a sibling directory, at {@code port}. */
  static PgServer backupOf(PgServer primary, String name, int port) {
    PgServer server = new PgServer(primary.bin, primary.dataDirectory.resolveSibling(name), port);
    BaseBackup.take(primary, server.dataDirectory);
    return server;
  }

  /** The server's Unix socket (every harness server has one in its cluster's directory). */
  public java.nio.file.Path unixSocket() {
    return dataDirectory.getParent().resolve(".s.PGSQL." + port);
  }

  public int port() {
    return port;
  }

  public Path dataDirectory() {
    return dataDirectory;
  }

  /** The plain pgjdbc URL of the {@code postgres} database. */
  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
  }

  /** The lsnwait URL of the {@code postgres} database. */
  public String lsnwaitUrl() {
    return "jdbc:lsnwait:postgresql://127.0.0.1:" + port + "/postgres";
  }

  /** A plain pgjdbc connection as the superuser, for test set-up and checks. */
  public Connection connect() throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("user", "postgres");
    properties.setProperty("ApplicationName", "lsnwait test harness");
    return DriverManager.getConnection(jdbcUrl(), properties);
  }

  /** Appends lines to postgresql.conf (read at the next start or reload). */
  void configure(String... lines) {
    String text = String.join("\n", lines) + "\n";
    run(List.of("sh", "-c", "cat >> '" + dataDirectory.resolve("postgresql.conf") + "' <<'EOF'\n" + text + "EOF"));
  }

  /** Creates an empty file in the data directory (for example standby.signal). */
  void touch(String file) {
    run(List.of("touch", dataDirectory.resolve(file).toString()));
  }

  public void start() {
    run(
        List.of(
            bin.resolve("pg_ctl").toString(),
            "-D", dataDirectory.toString(),
            "-l", logFile.toString(),
            "-o", "-p " + port,
            "-w", "-t", "120",
            "start"));
    running = true;
  }

  /** Stops the server: mode {@code fast} (clean) or {@code immediate} (as a crash). */
  public void stop(String mode) {
    if (!running) {
      return;
    }
    long pid = postmasterPid();
    run(List.of(bin.resolve("pg_ctl").toString(), "-D", dataDirectory.toString(), "-m", mode, "-w", "-t", "60",
        "stop"));
    running = false;
    // pg_ctl returns once the pid file is gone, a moment before the postmaster has exited: wait for that too.
    Deadline.await(Duration.ofSeconds(30), "postgres " + pid + " to exit", () -> hasExited(pid));
  }

  /**
   * Kills one backend of the running server with SIGKILL, as the OOM killer does: the postmaster ends every other
   * connection and runs crash recovery without restarting (its start time stays the same). Returns once the server
   * accepts connections again; a standby then may be behind the replay position it had reached.
   */
  public void crashBackend() {
    long checkpointer = checkpointerPid();
    try (Connection connection = connect();
        java.sql.Statement statement = connection.createStatement();
        java.sql.ResultSet row = statement.executeQuery("SELECT pg_backend_pid()")) {
      row.next();
      long backend = row.getLong(1);
      ProcessHandle.of(backend).ifPresent(ProcessHandle::destroyForcibly); // SIGKILL, while this connection waits
    } catch (SQLException e) {
      // the connection dies with its backend
    }
    // Every process but the postmaster is replaced: a new checkpointer that answers means recovery is done.
    Deadline.await(Duration.ofSeconds(60), "server " + port + " to accept connections after a backend crash",
        () -> {
          long now = checkpointerPid();
          return now > 0 && now != checkpointer;
        });
  }

  /** The checkpointer's process id, or -1 if the server does not answer. */
  private long checkpointerPid() {
    try (Connection connection = connect();
        java.sql.Statement statement = connection.createStatement();
        java.sql.ResultSet row = statement.executeQuery(
            "SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'")) {
      return row.next() ? row.getLong(1) : -1;
    } catch (SQLException e) {
      return -1;
    }
  }

  /**
   * Freezes the server as a hung host would: SIGSTOP to the postmaster first (so it starts nothing new), then to every
   * process it started. Its sockets stay open and the kernel still accepts connections, but nothing answers.
   * {@link #thaw()} undoes it; call it in a {@code finally}.
   */
  public void freeze() {
    signal("STOP");
  }

  /** Undoes {@link #freeze()} (SIGCONT to every process of the server); harmless on a server that is not frozen. */
  public void thaw() {
    signal("CONT");
  }

  private void signal(String signal) {
    long pid = postmasterPid();
    if (pid <= 0) {
      return;
    }
    List<String> command = new ArrayList<>(List.of("kill", "-" + signal, Long.toString(pid)));
    ProcessHandle.of(pid).ifPresent(postmaster -> postmaster.descendants()
        .forEach(child -> command.add(Long.toString(child.pid()))));
    try {
      // kill itself, not run(): root may signal the servers' user, and any other user runs the servers itself
      // (a child that exits meanwhile makes kill fail for it alone: the exit status is not the test)
      Process process = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("timed out: " + String.join(" ", command));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + String.join(" ", command), e);
    }
    boolean stop = signal.equals("STOP");
    Deadline.await(Duration.ofSeconds(30), "postgres " + pid + (stop ? " to stop" : " to run"),
        () -> hasExited(pid) || stop == isStopped(pid));
  }

  /** Whether a process is stopped by a signal (state T in /proc). */
  private static boolean isStopped(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      return stat.substring(stat.lastIndexOf(')') + 2).startsWith("T");
    } catch (IOException e) {
      return false;
    }
  }

  /** The postmaster's process id, from its pid file; -1 if there is none. */
  long postmasterPid() {
    try {
      return Long.parseLong(Files.readAllLines(dataDirectory.resolve("postmaster.pid")).get(0).trim());
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** Whether a process has exited (gone, or a zombie its parent has not reaped yet). */
  public static boolean hasExited(long pid) {
    if (pid <= 0) {
      return true;
    }
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
    } catch (IOException e) {
      return true;
    }
  }

  public boolean isRunning() {
    return running;
  }

  /** The tail of the server log, for failure messages. */
  public String logTail() {
    try {
      List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private void run(List<String> command) {
    List<String> full = new ArrayList<>();
    if (isRoot()) {
      full.addAll(List.of("runuser", "-u", RUN_AS, "--"));
    }
    full.addAll(command);
    try {
      Path output = Files.createTempFile("lsnwait-pg-command", ".out");
      try {
        Process process =
            new ProcessBuilder(full)
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        if (!process.waitFor(180, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          throw new IllegalStateException("timed out: " + String.join(" ", command));
        }
        if (process.exitValue() != 0) {
          throw new IllegalStateException(
              String.join(" ", command) + " failed (exit " + process.exitValue() + "):\n"
                  + Files.readString(output) + "\n" + logTail());
        }
      } finally {
        Files.deleteIfExists(output);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + String.join(" ", command), e);
    }
  }

  static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  /** Gives a directory to the user PostgreSQL runs as. */
  static void handOver(Path directory) {
    if (!isRoot()) {
      return;
    }
    try {
      UserPrincipal user =
          directory.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(RUN_AS);
      Files.setOwner(directory, user);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot hand " + directory + " to " + RUN_AS, e);
    }
  }

  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port", e);
    }
  }
}
