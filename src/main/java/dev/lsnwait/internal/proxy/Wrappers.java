package dev.lsnwait.internal.proxy;

import java.sql.SQLException;
import java.sql.Wrapper;

/** {@link Wrapper} for the proxies: the proxy itself if it fits, else whatever the pgjdbc object unwraps to. */
public final class Wrappers {

  private Wrappers() {}

  public static <T> T unwrap(Object proxy, Wrapper delegate, Class<T> type) throws SQLException {
    if (type.isInstance(proxy)) {
      return type.cast(proxy);
    }
    if (type.isInstance(delegate)) {
      return type.cast(delegate);
    }
    return delegate.unwrap(type);
  }

  public static boolean isWrapperFor(Object proxy, Wrapper delegate, Class<?> type) throws SQLException {
    return type.isInstance(proxy) || type.isInstance(delegate) || delegate.isWrapperFor(type);
  }
}
