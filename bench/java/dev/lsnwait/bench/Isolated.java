package dev.lsnwait.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.File;
import java.io.PrintWriter;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Collection;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * One lsnwait, from a jar or classes directory, in a class loader of its own with its own pgjdbc: its own driver and
 * registry of trackers, as a separate application instance would have. Benchmarks run today's lsnwait (a jar built
 * from an earlier commit) beside this build this way, in the same run, and simulate a fleet of instances.
 */
final class Isolated {

  private final URLClassLoader loader;
  private final Driver driver;
  private final MethodHandle clear;
  private final MethodHandle current;
  private final MethodHandle trackers;
  private final MethodHandle whenReplayed;
  private final MethodHandle lsnOf;
  private final MethodHandle polls;

  Isolated(Path lsnwait) throws Exception {
    loader = new URLClassLoader(new URL[] {lsnwait.toUri().toURL(), pgjdbc().toUri().toURL()},
        ClassLoader.getPlatformClassLoader());
    driver = (Driver) loader.loadClass("dev.lsnwait.LsnWaitDriver").getConstructor().newInstance();
    MethodHandles.Lookup lookup = MethodHandles.publicLookup();
    Class<?> context = loader.loadClass("dev.lsnwait.LsnContext");
    Class<?> tracker = loader.loadClass("dev.lsnwait.ReplicaTracker");
    Class<?> lsn = loader.loadClass("dev.lsnwait.Lsn");
    clear = lookup.findStatic(context, "clear", MethodType.methodType(void.class));
    current = lookup.findStatic(context, "current", MethodType.methodType(loader.loadClass("dev.lsnwait.LsnToken")))
        .asType(MethodType.methodType(Object.class));
    trackers = lookup.findStatic(driver.getClass(), "trackers", MethodType.methodType(Collection.class));
    whenReplayed = lookup.findVirtual(tracker, "whenReplayed", MethodType.methodType(CompletableFuture.class, lsn));
    lsnOf = lookup.findStatic(lsn, "of", MethodType.methodType(lsn, long.class));
    Class<?> stats = loader.loadClass("dev.lsnwait.ReplicaTracker$Stats");
    polls = lookup.findVirtual(tracker, "stats", MethodType.methodType(stats))
        .asType(MethodType.methodType(Object.class, Object.class));
  }

  /** pgjdbc's jar, from this JVM's class path. */
  static Path pgjdbc() {
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (entry.contains("org/postgresql/postgresql/")) {
        return Paths.get(entry);
      }
    }
    throw new IllegalStateException("pgjdbc is not on the class path");
  }

  /** This build's classes, for a fleet of instances of it. */
  static Path thisBuild() {
    return Paths.get("target", "classes").toAbsolutePath();
  }

  Connection connect(String url) throws SQLException {
    Properties user = new Properties();
    user.setProperty("user", "postgres");
    return driver.connect(url, user);
  }

  /** A HikariCP pool of this instance's connections. */
  HikariDataSource pool(String url, int size) {
    HikariConfig config = new HikariConfig();
    config.setDataSource(new DriverDataSource(this, url));
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(size);
    return new HikariDataSource(config);
  }

  void clearContext() {
    try {
      clear.invoke();
    } catch (Throwable e) {
      throw new IllegalStateException(e);
    }
  }

  /** This thread's token in this instance ({@code LsnContext.current()}): resolves its pending commits. */
  Object currentToken() throws SQLException {
    try {
      return current.invoke();
    } catch (SQLException | RuntimeException e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException(e);
    }
  }

  /** This instance's tracker of the server behind {@code replicaUrl} (made by connecting there once). */
  Object tracker(String replicaUrl) throws SQLException {
    try (Connection ignored = connect(replicaUrl)) {
      try {
        @SuppressWarnings("unchecked")
        Collection<Object> all = (Collection<Object>) trackers.invoke();
        Optional<Object> first = all.stream().findFirst();
        return first.orElseThrow();
      } catch (Throwable e) {
        throw new IllegalStateException(e);
      }
    }
  }

  CompletableFuture<?> whenReplayed(Object tracker, long lsn) {
    try {
      return (CompletableFuture<?>) whenReplayed.invoke(tracker, lsnOf.invoke(lsn));
    } catch (Throwable e) {
      throw new IllegalStateException(e);
    }
  }

  /** The tracker's count of polls (its own, client-side figure). */
  long polls(Object tracker) {
    try {
      Object stats = polls.invoke(tracker);
      return (long) stats.getClass().getMethod("polls").invoke(stats);
    } catch (Throwable e) {
      throw new IllegalStateException(e);
    }
  }

  /** A data source over this instance's driver, for HikariCP. */
  private record DriverDataSource(Isolated instance, String url) implements DataSource {
    @Override
    public Connection getConnection() throws SQLException {
      return instance.connect(url);
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
      return instance.connect(url);
    }

    @Override
    public PrintWriter getLogWriter() {
      return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {}

    @Override
    public void setLoginTimeout(int seconds) {}

    @Override
    public int getLoginTimeout() {
      return 0;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
      throw new SQLFeatureNotSupportedException();
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
      throw new SQLException("not a wrapper");
    }

    @Override
    public boolean isWrapperFor(Class<?> type) {
      return false;
    }
  }
}
