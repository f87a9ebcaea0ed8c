package dev.lsnwait.internal.server;

import dev.lsnwait.internal.DaemonThread;
import java.util.List;
import java.util.Properties;
import org.postgresql.PGProperty;

/**
 * The class loader lsnwait's own connections need for the classes and resources a connection URL names (pgjdbc's
 * {@code socketFactory}, {@code sslfactory}, ...). pgjdbc looks for a class in its own class loader, then in the
 * thread's context class loader, and for {@code sslfactoryarg=classpath:...} only in the latter. The application's
 * connections run on its threads; lsnwait's run on its own, whose context class loader is lsnwait's
 * ({@link DaemonThread}). Where pgjdbc and lsnwait sit in a container's shared class loader and the class in a web
 * application, lsnwait's connections need the application's loader. It is kept only then: keeping a web
 * application's loader holds it in memory after an undeploy.
 */
final class ApplicationClasses {

  private static final List<PGProperty> CLASSES = List.of(PGProperty.SOCKET_FACTORY, PGProperty.SSL_FACTORY,
      PGProperty.SSL_HOSTNAME_VERIFIER, PGProperty.SSL_PASSWORD_CALLBACK, PGProperty.AUTHENTICATION_PLUGIN_CLASS_NAME);
  private static final String CLASSPATH = "classpath:";

  private ApplicationClasses() {}

  /**
   * The calling thread's context class loader if a class or resource {@code properties} name is visible there and
   * not to what lsnwait's threads would look in; else null.
   */
  static ClassLoader neededFor(Properties properties) {
    ClassLoader application = Thread.currentThread().getContextClassLoader();
    if (application == null) {
      return null;
    }
    ClassLoader pgjdbc = org.postgresql.Driver.class.getClassLoader();
    ClassLoader lsnwait = DaemonThread.class.getClassLoader();
    for (PGProperty property : CLASSES) {
      String name = property.getOrDefault(properties);
      if (name != null && !name.isBlank() && !loads(pgjdbc, name) && !loads(lsnwait, name)
          && loads(application, name)) {
        return application;
      }
    }
    String arg = PGProperty.SSL_FACTORY_ARG.getOrDefault(properties);
    if (arg != null && arg.startsWith(CLASSPATH)) {
      String resource = arg.substring(CLASSPATH.length());
      if (lsnwait.getResource(resource) == null && application.getResource(resource) != null) {
        return application;
      }
    }
    return null;
  }

  private static boolean loads(ClassLoader loader, String name) {
    try {
      Class.forName(name, false, loader);
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }
}
