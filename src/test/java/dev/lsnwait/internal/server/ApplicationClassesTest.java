package dev.lsnwait.internal.server;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import dev.lsnwait.internal.DaemonThread;
import dev.lsnwait.internal.LsnWaitUrl;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Driver;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.util.HostSpec;

/**
 * pgjdbc finds classes a URL names (here a {@code socketFactory}) in its own class loader, then in the thread's
 * context class loader. With pgjdbc and lsnwait in a container's shared loader and the factory in a web application,
 * lsnwait's own connections, made on its threads ({@link DaemonThread}: lsnwait's loader as context), need the
 * application's loader: they connect with it, and only where it is needed.
 */
class ApplicationClassesTest {

  @TempDir
  Path classes;

  /** A loader that sees a class the test's own class path does not: the web application's. */
  private URLClassLoader webApplication() throws Exception {
    Path file = classes.resolve("app/AppSocketFactory.class");
    Files.createDirectories(file.getParent());
    Files.write(file, emptyClass("app/AppSocketFactory"));
    return new URLClassLoader(new URL[] {classes.toUri().toURL()}, ApplicationClassesTest.class.getClassLoader());
  }

  /** The class file of {@code public class name {}} without a constructor: enough to be found and loaded. */
  private static byte[] emptyClass(String name) throws Exception {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    java.io.DataOutputStream out = new java.io.DataOutputStream(bytes);
    out.writeInt(0xCAFEBABE);
    out.writeShort(0);
    out.writeShort(52); // Java 8's format
    out.writeShort(5); // the constant pool: #1 this class, #2 its name, #3 java.lang.Object, #4 its name
    out.writeByte(7);
    out.writeShort(2);
    out.writeByte(1);
    out.writeUTF(name);
    out.writeByte(7);
    out.writeShort(4);
    out.writeByte(1);
    out.writeUTF("java/lang/Object");
    out.writeShort(0x21); // public, super
    out.writeShort(1);
    out.writeShort(3);
    out.writeShort(0); // interfaces, fields, methods, attributes: none
    out.writeShort(0);
    out.writeShort(0);
    out.writeShort(0);
    return bytes.toByteArray();
  }

  private static <T> T on(ClassLoader context, Callable<T> call) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    Thread thread = new Thread(() -> {
      try {
        result.complete(call.call());
      } catch (Exception e) {
        result.completeExceptionally(e);
      }
    });
    thread.setContextClassLoader(context);
    thread.start();
    return result.get(30, TimeUnit.SECONDS);
  }

  @Test
  void keepsTheApplicationsLoaderOnlyForAClassNoneOfLsnwaitsSees() throws Exception {
    try (URLClassLoader application = webApplication()) {
      Properties own = new Properties();
      own.setProperty("socketFactory", "app.AppSocketFactory");
      assertSame(application, on(application, () -> ApplicationClasses.neededFor(own)));

      Properties visible = new Properties();
      visible.setProperty("socketFactory", "javax.net.DefaultSocketFactory");
      visible.setProperty("sslfactory", "org.postgresql.ssl.DefaultJavaSSLFactory");
      assertNull(on(application, () -> ApplicationClasses.neededFor(visible)), "pgjdbc finds these itself");
      assertNull(on(application, () -> ApplicationClasses.neededFor(new Properties())), "nothing named");
    }
  }

  @Test
  void lsnwaitsConnectionsOnItsOwnThreadsConnectWithTheApplicationsLoader() throws Exception {
    AtomicReference<ClassLoader> connectedWith = new AtomicReference<>();
    Driver pgjdbc = mock(Driver.class);
    when(pgjdbc.connect(anyString(), any(Properties.class))).thenAnswer(call -> {
      connectedWith.set(Thread.currentThread().getContextClassLoader());
      return mock(Connection.class);
    });
    try (URLClassLoader application = webApplication()) {
      LsnWaitUrl url = LsnWaitUrl.parse(
          "jdbc:lsnwait:postgresql://db:5432/app?socketFactory=app.AppSocketFactory", new Properties());
      ServerRoutes routes = on(application, // the application's first connection makes the routes
          () -> ServerRoutes.to(pgjdbc, url, new HostSpec("db", 5432), "db:5432", "lsnwait", false));
      CompletableFuture<ClassLoader> after = new CompletableFuture<>();
      Thread own = DaemonThread.of(() -> { // a tracker's or position reader's thread
        try {
          routes.routes().get(0).factory().open();
          after.complete(Thread.currentThread().getContextClassLoader());
        } catch (Exception e) {
          after.completeExceptionally(e);
        }
      }, "lsnwait-test");
      own.start();
      assertSame(DaemonThread.class.getClassLoader(), after.get(30, TimeUnit.SECONDS), "restored after");
      assertSame(application, connectedWith.get(), "pgjdbc looked for the factory where it is");
    }
  }
}
