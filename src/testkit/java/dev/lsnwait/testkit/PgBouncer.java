package dev.lsnwait.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real PgBouncer (the system's {@code pgbouncer}, Debian's package) in transaction pooling mode on a free loopback
 * port, in front of one address: consecutive transactions of one client connection may run on different server
 * connections. Put it in front of a {@link RoutingProxy} over several standbys and they run on different servers,
 * as behind PgBouncer with {@code host=a,b}, PgCat, PgDog or a reader endpoint. Server connections are used in
 * turn ({@code server_round_robin}), so even one client thread is spread. Clients need pgjdbc's
 * {@code prepareThreshold=0} (PgBouncer before 1.21 keeps no prepared statements), as {@link #lsnwaitUrl()} sets.
 */
public final class PgBouncer implements AutoCloseable {

  private final Path directory;
  private final int port;
  private long pid = -1;

  private PgBouncer(Path directory, int port) {
    this.directory = directory;
    this.port = port;
  }

  /** Whether the system has a {@code pgbouncer} to run (CI installs Debian's package). */
  public static boolean isInstalled() {
    return executable() != null;
  }

  private static Path executable() {
    for (String candidate : List.of("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer", "/usr/local/bin/pgbouncer")) {
      if (Files.isExecutable(Path.of(candidate))) {
        return Path.of(candidate);
      }
    }
    return null;
  }

  /**
   * Starts PgBouncer in transaction mode in front of {@code 127.0.0.1:backendPort}, database {@code postgres}, user
   * {@code postgres} (trusted), with {@code poolSize} server connections at most.
   */
  public static PgBouncer transactionPooling(int backendPort, int poolSize) {
    Path bin = executable();
    if (bin == null) {
      throw new IllegalStateException("pgbouncer is not installed (apt-get install pgbouncer)");
    }
    try {
      Path directory = Files.createTempDirectory("lsnwait-pgbouncer-");
      PgServer.handOver(directory);
      PgBouncer bouncer = new PgBouncer(directory, PgServer.freePort());
      Files.writeString(directory.resolve("users.txt"), "\"postgres\" \"\"\n");
      Files.writeString(directory.resolve("pgbouncer.ini"), String.join("\n",
          "[databases]",
          "postgres = host=127.0.0.1 port=" + backendPort + " dbname=postgres user=postgres",
          "[pgbouncer]",
          "listen_addr = 127.0.0.1",
          "listen_port = " + bouncer.port,
          "unix_socket_dir =",
          "auth_type = trust",
          "auth_file = " + directory.resolve("users.txt"),
          "pool_mode = transaction",
          "admin_users = postgres",
          "server_round_robin = 1",
          "default_pool_size = " + poolSize,
          "min_pool_size = " + poolSize,
          "max_client_conn = 500",
          "ignore_startup_parameters = extra_float_digits,options,geqo",
          "server_check_delay = 0",
          "server_login_retry = 1", // after a failed server login (a standby in crash recovery): 1 s, not 15
          "logfile = " + directory.resolve("pgbouncer.log"),
          "pidfile = " + directory.resolve("pgbouncer.pid"),
          ""));
      bouncer.run(List.of(bin.toString(), "-d", "-q", directory.resolve("pgbouncer.ini").toString()));
      Deadline.await(Duration.ofSeconds(30), "pgbouncer to listen on " + bouncer.port,
          () -> hasPid(directory.resolve("pgbouncer.pid")) && bouncer.listens());
      bouncer.pid = Long.parseLong(Files.readString(directory.resolve("pgbouncer.pid")).trim());
      return bouncer;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int port() {
    return port;
  }

  /** The lsnwait URL of the {@code postgres} database through PgBouncer (with {@code prepareThreshold=0}). */
  public String lsnwaitUrl() {
    return "jdbc:lsnwait:postgresql://127.0.0.1:" + port + "/postgres?prepareThreshold=0";
  }

  /** The plain pgjdbc URL of the {@code postgres} database through PgBouncer. */
  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?prepareThreshold=0";
  }

  private boolean listens() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Whether PgBouncer wrote its pid (it creates the file empty first). */
  private static boolean hasPid(Path file) {
    try {
      return Files.exists(file) && !Files.readString(file).isBlank();
    } catch (IOException e) {
      return false;
    }
  }

  private void run(List<String> command) throws IOException {
    List<String> full = new ArrayList<>();
    if (PgServer.isRoot()) {
      full.addAll(List.of("runuser", "-u", PgServer.RUN_AS, "--"));
    }
    full.addAll(command);
    Process process = new ProcessBuilder(full).redirectErrorStream(true)
        .redirectOutput(directory.resolve("start.out").toFile()).start();
    try {
      if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
        process.destroyForcibly();
        throw new IllegalStateException("pgbouncer did not start: " + Files.readString(directory.resolve("start.out"))
            + log());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted starting pgbouncer", e);
    }
  }

  private String log() {
    try {
      return Files.readString(directory.resolve("pgbouncer.log"));
    } catch (IOException e) {
      return "";
    }
  }

  /** Stops PgBouncer (its client and server connections end) and removes its directory. */
  @Override
  public void close() {
    if (pid > 0) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      long stopped = pid;
      Deadline.await(Duration.ofSeconds(30), "pgbouncer to exit", () -> PgServer.hasExited(stopped));
      pid = -1;
    }
    PgBinaries.deleteTree(directory);
  }
}
