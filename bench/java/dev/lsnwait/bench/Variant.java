package dev.lsnwait.bench;

import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.LsnContext;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/** lsnwait as a benchmark runs it: this build, through its API, or another build in a class loader of its own. */
interface Variant {

  String name();

  HikariDataSource pool(String url, int size);

  void clearContext();

  /** This build, then the baseline build if {@code --baseline} names one. */
  static List<Variant> all(Bench.Options options) throws Exception {
    List<Variant> variants = new ArrayList<>();
    variants.add(thisBuild());
    if (options.baseline != null) {
      variants.add(isolated("baseline", new Isolated(Paths.get(options.baseline))));
    }
    return variants;
  }

  static Variant thisBuild() {
    return new Variant() {
      @Override
      public String name() {
        return "this build";
      }

      @Override
      public HikariDataSource pool(String url, int size) {
        return Pools.pool(url, size);
      }

      @Override
      public void clearContext() {
        LsnContext.clear();
      }
    };
  }

  static Variant isolated(String name, Isolated instance) {
    return new Variant() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public HikariDataSource pool(String url, int size) {
        return instance.pool(url, size);
      }

      @Override
      public void clearContext() {
        instance.clearContext();
      }
    };
  }
}
