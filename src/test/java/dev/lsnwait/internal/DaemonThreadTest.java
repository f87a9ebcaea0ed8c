package dev.lsnwait.internal;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.net.URLClassLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DaemonThreadTest {

  @Test
  void keepsNothingOfTheThreadThatStartsIt() throws Exception {
    InheritableThreadLocal<Object> requestScoped = new InheritableThreadLocal<>();
    CompletableFuture<Object[]> seen = new CompletableFuture<>();
    try (URLClassLoader webApplication = new URLClassLoader(new URL[0], null)) {
      Thread request = new Thread(() -> {
        requestScoped.set("the request's user");
        Thread own = DaemonThread.of(() -> seen.complete(new Object[] {
            Thread.currentThread().getContextClassLoader(), requestScoped.get(), Thread.currentThread().isDaemon()}),
            "lsnwait-test");
        own.start();
      }, "http-exec-1");
      request.setContextClassLoader(webApplication);
      request.start();
      Object[] on = seen.get(10, TimeUnit.SECONDS);
      assertSame(DaemonThread.class.getClassLoader(), on[0], "lsnwait's class loader, not the web application's");
      assertNull(on[1], "no inheritable thread-locals of the request");
      assertTrue((Boolean) on[2], "a daemon: it never keeps the JVM up");
    }
  }
}
