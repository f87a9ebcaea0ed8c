package dev.lsnwait.flyway;

import dev.lsnwait.LsnWaitDriver;
import java.sql.Connection;
import java.sql.Types;
import java.util.Properties;
import org.flywaydb.core.api.ResourceProvider;
import org.flywaydb.core.api.configuration.Configuration;
import org.flywaydb.core.internal.database.DatabaseType;
import org.flywaydb.core.internal.database.DatabaseTypeRegister;
import org.flywaydb.core.internal.database.base.BaseDatabaseType;
import org.flywaydb.core.internal.database.base.Database;
import org.flywaydb.core.internal.jdbc.JdbcConnectionFactory;
import org.flywaydb.core.internal.jdbc.StatementInterceptor;
import org.flywaydb.core.internal.parser.Parser;
import org.flywaydb.core.internal.parser.ParsingContext;

/**
 * Lets Flyway take a {@code jdbc:lsnwait:postgresql:} URL ({@code Flyway.configure().dataSource(url, user,
 * password)}, {@code flyway.url} of its command line and build plugins): given a URL, Flyway picks a database type
 * by the URL's prefix to choose the driver, and refuses a prefix no type claims ("No Flyway database plugin found to
 * handle jdbc:lsnwait:..."). This type claims lsnwait's URLs and names {@link LsnWaitDriver}; the rest is Flyway's
 * PostgreSQL type's: once connected, Flyway asks the connection which database it is, and this type never claims a
 * connection. Found by Flyway's own plugin loader ({@code META-INF/services}); nothing else uses it.
 *
 * <p>It extends flyway-core's base type only, and finds the PostgreSQL type through Flyway at run time: Flyway loads
 * every plugin at once and does not skip one that fails to load, so a class naming flyway-database-postgresql would
 * break Flyway wherever that module is absent.
 */
public final class LsnWaitFlywayDatabaseType extends BaseDatabaseType {

  private static final String PREFIX = "jdbc:lsnwait:";

  @Override
  public String getName() {
    return "PostgreSQL through lsnwait";
  }

  @Override
  public int getNullType() {
    return Types.NULL;
  }

  @Override
  public boolean handlesJDBCUrl(String url) {
    String ours = PREFIX + "postgresql:";
    return url != null && url.regionMatches(true, 0, ours, 0, ours.length());
  }

  @Override
  public String getDriverClass(String url, ClassLoader classLoader) {
    return LsnWaitDriver.class.getName();
  }

  /** Never: a connection is Flyway's PostgreSQL type's, whichever driver made it. */
  @Override
  public boolean handlesDatabaseProductNameAndVersion(String productName, String productVersion,
      Connection connection) {
    return false;
  }

  @Override
  public Database createDatabase(Configuration configuration, JdbcConnectionFactory connections,
      StatementInterceptor interceptor) {
    return postgres(null).createDatabase(configuration, connections, interceptor);
  }

  @Override
  public Parser createParser(Configuration configuration, ResourceProvider resources, ParsingContext context) {
    return postgres(null).createParser(configuration, resources, context);
  }

  @Override
  public void setDefaultConnectionProps(String url, Properties props, ClassLoader classLoader) {
    postgres(url).setDefaultConnectionProps(plain(url), props, classLoader); // Flyway's application name
  }

  @Override
  public boolean externalAuthPropertiesRequired(String url, String username, String password) {
    return postgres(url).externalAuthPropertiesRequired(plain(url), username, password);
  }

  @Override
  public Properties getExternalAuthProperties(String url, String username) {
    return postgres(url).getExternalAuthProperties(plain(url), username); // ~/.pgpass
  }

  /** The type Flyway takes for the same URL without lsnwait. */
  private static DatabaseType postgres(String url) {
    return DatabaseTypeRegister.getDatabaseTypeForUrl(url == null ? "jdbc:postgresql:" : plain(url), null);
  }

  /** {@code jdbc:lsnwait:postgresql:...} as pgjdbc's URL (lsnwait's own parameters, if any, stay). */
  private static String plain(String url) {
    return "jdbc:" + url.substring(PREFIX.length());
  }
}
