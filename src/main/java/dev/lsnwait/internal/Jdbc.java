package dev.lsnwait.internal;

/** Small JDBC helpers. */
public final class Jdbc {

  private Jdbc() {}

  /** A JDBC call that returns nothing. */
  @FunctionalInterface
  public interface Action {
    void run() throws java.sql.SQLException;
  }

  /** Closes a resource whose failure to close must not hide the error being handled. */
  public static void closeQuietly(AutoCloseable resource) {
    if (resource == null) {
      return;
    }
    try {
      resource.close();
    } catch (Exception ignored) {
      // The resource is being dropped because of another error, or at shutdown.
    }
  }
}
