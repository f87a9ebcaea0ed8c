package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The jar is a module that exports its API packages only, and works on the module path: a child JVM with lsnwait
 * and pgjdbc on its module path reads its own write on the replica and cannot reach the internals.
 */
class ModuleIT extends ClusterTest {

  @Test
  void theModuleExportsTheApiOnly() {
    ModuleDescriptor module = ModuleFinder.of(jar()).findAll().iterator().next().descriptor();
    assertEquals("dev.lsnwait", module.name());
    Set<String> exported = new TreeSet<>();
    module.exports().forEach(export -> exported.add(export.source()));
    assertEquals(new TreeSet<>(Set.of("dev.lsnwait", "dev.lsnwait.servlet", "dev.lsnwait.http",
        "dev.lsnwait.micrometer", "dev.lsnwait.spring")), exported);
    assertTrue(module.provides().stream().anyMatch(p -> p.service().equals("java.sql.Driver")));
  }

  @Test
  void onTheModulePathItWorksAndHidesItsInternals() throws Exception {
    String pgjdbc = null;
    List<String> classPath = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (entry.contains("org/postgresql/postgresql")) {
        pgjdbc = entry;
      } else if (!entry.endsWith(jar().getFileName().toString())) {
        classPath.add(entry);
      }
    }
    Path output = Files.createTempFile("lsnwait-module", ".out");
    try {
      Process child = new ProcessBuilder(
              Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
              "--module-path", jar() + File.pathSeparator + pgjdbc,
              "--add-modules", "dev.lsnwait",
              "-cp", String.join(File.pathSeparator, classPath),
              ModulePathUser.class.getName(),
              cluster.primary().lsnwaitUrl(), cluster.replica().lsnwaitUrl())
          .redirectErrorStream(true)
          .redirectOutput(output.toFile())
          .start();
      assertTrue(child.waitFor(2, TimeUnit.MINUTES), "the child JVM finished");
      String printed = Files.readString(output);
      assertEquals(0, child.exitValue(), printed);
      assertTrue(printed.contains("read=1 role=REPLICA token=true"), printed);
      assertTrue(printed.contains("module=dev.lsnwait exports=5"), printed);
      assertTrue(printed.contains("internals=closed"), printed);
    } finally {
      Files.deleteIfExists(output);
    }
  }

  private static Path jar() {
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (entry.matches(".*lsnwait-[^/]*\\.jar")) {
        return Paths.get(entry);
      }
    }
    throw new IllegalStateException("the packaged jar is not on the class path");
  }
}
