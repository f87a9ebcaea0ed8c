package dev.lsnwait.it;

import dev.lsnwait.LsnContext;
import dev.lsnwait.LsnWaitConnection;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Properties;

/**
 * An application that has lsnwait and pgjdbc on the module path (run by {@link ModuleIT} in a JVM of its own):
 * writes on the primary, reads it back on the replica, then tries to reach lsnwait's internals.
 */
public final class ModulePathUser {

  private ModulePathUser() {}

  public static void main(String[] args) throws Exception {
    Properties user = new Properties();
    user.setProperty("user", "postgres");
    try (Connection primary = DriverManager.getConnection(args[0], user);
        Connection replica = DriverManager.getConnection(args[1], user);
        Statement write = primary.createStatement();
        Statement read = replica.createStatement()) {
      write.execute("CREATE TABLE IF NOT EXISTS module_path (id int)");
      write.execute("INSERT INTO module_path VALUES (1)");
      try (ResultSet rows = read.executeQuery("SELECT count(*) FROM module_path")) {
        rows.next();
        System.out.println("read=" + rows.getLong(1) + " role=" + replica.unwrap(LsnWaitConnection.class).role()
            + " token=" + !LsnContext.current().isEmpty());
      }
    }
    Module module = LsnContext.class.getModule();
    System.out.println("module=" + module.getName() + " exports=" + module.getDescriptor().exports().size());
    try {
      Class<?> internal = Class.forName("dev.lsnwait.internal.registry.Registry");
      internal.getConstructor().newInstance();
      System.out.println("internals=open");
    } catch (IllegalAccessException e) {
      System.out.println("internals=closed");
    }
  }
}
