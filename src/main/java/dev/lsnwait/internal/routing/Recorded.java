package dev.lsnwait.internal.routing;

import java.lang.reflect.Method;
import java.sql.CallableStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.postgresql.PGStatement;

/**
 * A setter call on a routing statement (an option or a parameter), kept so that it can be made again on the
 * statement a later execution binds to. Recording is a map entry; making it again is a plain interface call through a
 * {@link Call} the build generated for that setter: no reflection.
 *
 * @param name the setter's name ({@code setInt}, {@code setFetchSize}, ...)
 */
public record Recorded(String name, Call call, Object[] arguments) {

  /** One setter, made on a statement with recorded arguments; generated per setter ({@code LsnWaitCall$...}). */
  public interface Call {
    void apply(Statement statement, Object[] arguments) throws SQLException;
  }

  /** A setter's name and its generated call: what a recording needs besides the arguments. */
  private record Setter(String name, Call call) {}

  /** Generated calls of every recorded setter, by {@link #signature}, loaded on first use (not by the build). */
  private static final class Generated {
    static final Map<String, Setter> SETTERS = generatedSetters();
  }

  private static Map<String, Setter> generatedSetters() {
    Map<String, Setter> calls = new HashMap<>();
    for (Method method : recordable()) {
      try {
        Class<?> type = Class.forName(callClassName(method), true, Recorded.class.getClassLoader());
        calls.put(signature(method), new Setter(method.getName(), (Call) type.getConstructor().newInstance()));
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("lsnwait: the generated call for " + signature(method) + " is missing;"
            + " build with Maven (the process-classes phase runs ProxyGenerator)", e);
      }
    }
    return Map.copyOf(calls);
  }

  /** Every setter a routing statement records: JDBC's statement setters, and pgjdbc's {@link PGStatement} ones. */
  public static List<Method> recordable() {
    List<Method> setters = new ArrayList<>();
    for (Class<?> type : List.of(CallableStatement.class, PGStatement.class)) {
      for (Method method : type.getMethods()) {
        if (isRecorded(method)) {
          setters.add(method);
        }
      }
    }
    return setters;
  }

  /**
   * Whether a routing statement records calls of {@code method} (a JDBC statement method): its setters, options and
   * parameters alike ({@code RoutingMethods} classifies them so), and the build writes a {@link Call} for each.
   */
  public static boolean isRecorded(Method method) {
    String name = method.getName();
    return name.startsWith("set") || name.equals("registerOutParameter") || name.equals("closeOnCompletion");
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

  /** The name of the class the generator writes for one setter. */
  public static String callClassName(Method method) {
    StringBuilder name = new StringBuilder(Recorded.class.getPackageName()).append(".LsnWaitCall$")
        .append(method.getName());
    for (Class<?> type : method.getParameterTypes()) {
      name.append('$').append(type.getName().replace("[", "Array").replace(";", "").replace('.', '_'));
    }
    return name.toString();
  }

  static Recorded of(String signature, Object[] arguments) {
    Setter setter = Generated.SETTERS.get(signature);
    if (setter == null) {
      throw new IllegalStateException("lsnwait: no recorded JDBC setter " + signature);
    }
    return new Recorded(setter.name(), setter.call(), arguments);
  }

  /** Makes the call again on {@code statement}. */
  void replayOn(Statement statement) throws SQLException {
    call.apply(statement, arguments);
  }
}
