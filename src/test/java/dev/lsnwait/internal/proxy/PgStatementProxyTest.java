package dev.lsnwait.internal.proxy;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.withSettings;

import dev.lsnwait.internal.primary.SqlEffect;
import java.lang.reflect.Method;
import java.sql.CallableStatement;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.postgresql.PGStatement;

/** pgjdbc's public {@link PGStatement} on the statement proxies: every method reaches pgjdbc's statement. */
class PgStatementProxyTest {

  private final ProxyConnection connection = mock(ProxyConnection.class);

  @Test
  void everyPgStatementMethodOfEachProxyCallsPgjdbcsStatement() throws Exception {
    Statement plain = pgjdbcs(Statement.class);
    PreparedStatement prepared = pgjdbcs(PreparedStatement.class);
    CallableStatement callable = pgjdbcs(CallableStatement.class);
    List<Statement> proxies = List.of(ProxyFactory.statement(connection, plain),
        ProxyFactory.preparedStatement(connection, prepared, SqlEffect.READ),
        ProxyFactory.callableStatement(connection, callable, SqlEffect.READ));
    List<Statement> pgjdbc = List.of(plain, prepared, callable);
    for (int i = 0; i < proxies.size(); i++) {
      Statement proxy = proxies.get(i);
      for (Method method : PGStatement.class.getMethods()) {
        Object[] arguments = argumentsFor(method);
        method.invoke(proxy, arguments);
        method.invoke(verify(pgjdbc.get(i)), arguments);
      }
      assertTrue(proxy.isWrapperFor(PGStatement.class));
      assertSame(proxy, proxy.unwrap(PGStatement.class), "the proxy, so that its execute methods keep the hooks");
    }
  }

  /** A statement of pgjdbc's: the JDBC interface, and PGStatement. */
  private static <T extends Statement> T pgjdbcs(Class<T> type) {
    return mock(type, withSettings().extraInterfaces(PGStatement.class));
  }

  private static Object[] argumentsFor(Method method) {
    Class<?>[] types = method.getParameterTypes();
    Object[] arguments = new Object[types.length];
    for (int i = 0; i < types.length; i++) {
      if (types[i] == int.class) {
        arguments[i] = 7;
      } else if (types[i] == boolean.class) {
        arguments[i] = true;
      } else {
        throw new IllegalStateException("a PGStatement method this test cannot call yet: " + method);
      }
    }
    return arguments;
  }
}
