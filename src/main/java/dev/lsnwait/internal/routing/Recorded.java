package dev.lsnwait.internal.routing;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.sql.CallableStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;

/**
 * A setter call on a routing statement (an option or a parameter), kept so that it can be made again on the
 * statement's counterpart on another server. Recording is a map entry; replaying uses reflection, which only happens
 * when a statement moves to another server.
 */
public record Recorded(Method method, Object[] arguments) {

  /** Every JDBC statement method, by {@link #signature}; the generated proxies name them so. */
  private static final Map<String, Method> METHODS = byName();

  private static Map<String, Method> byName() {
    Map<String, Method> methods = new HashMap<>();
    for (Method method : CallableStatement.class.getMethods()) {
      methods.put(signature(method), method);
    }
    return Map.copyOf(methods);
  }

  /** {@code name(type,type)} with the types' binary names: what the generator passes to the record hooks. */
  public static String signature(Method method) {
    StringBuilder signature = new StringBuilder(method.getName()).append('(');
    Class<?>[] types = method.getParameterTypes();
    for (int i = 0; i < types.length; i++) {
      signature.append(i == 0 ? "" : ",").append(types[i].getName());
    }
    return signature.append(')').toString();
  }

  static Recorded of(String signature, Object[] arguments) {
    Method method = METHODS.get(signature);
    if (method == null) {
      throw new IllegalStateException("lsnwait: no JDBC statement method " + signature);
    }
    return new Recorded(method, arguments);
  }

  /** Makes the call again on {@code statement}. */
  void replayOn(Statement statement) throws SQLException {
    try {
      method.invoke(statement, arguments);
    } catch (InvocationTargetException e) {
      Throwable cause = e.getCause();
      if (cause instanceof SQLException sql) {
        throw sql;
      }
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new SQLException("lsnwait: cannot repeat " + method.getName() + " on another server", cause);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }
}
